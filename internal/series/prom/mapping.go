package prom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/series"
)

// File is the sources file (GEMBA_SERIES_SOURCES): for now one key,
// prometheus. A plant model file can embed Mapping under the same key.
type File struct {
	// Prometheus is the plant's Prometheus-compatible database.
	Prometheus *Mapping `yaml:"prometheus"`
}

// Mapping says where the plant's Prometheus-compatible time-series
// database is and which plant series live there: explicit entries, one
// series each, and discovery rules that turn every time series matching a
// selector into a plant series named from its labels.
//
//	prometheus:
//	  url: http://victoria:8428          # query API base (…/api/v1/query_range is appended)
//	  timeout: 10s                       # one HTTP request (default 10s)
//	  max_points_per_query: 10000        # Prometheus refuses more than 11,000 per series
//	  concurrency: 8                     # queries in flight (default 8)
//	  headers: {X-Scope-OrgID: plant-1}  # sent with every request (a tenant, not a secret)
//	  compress: false                    # gzip answers (slow links only)
//	  series:
//	    - name: line-1.output
//	      query: 'line_output{line="line-1"}'
//	      kind: production
//	      line: line-1
//	      unit: parts/h
//	      interval: 1h
//	  discover:
//	    - match: 'plant_sensor'
//	      name: '{{asset}}.{{sensor}}'
//	      asset: '{{asset}}'
//	      sensor: '{{sensor}}'
//	      line: '{{line}}'
//	      unit: '{{unit}}'
//	      interval: 10m
type Mapping struct {
	// URL is the base of the query API: the server for Prometheus and
	// single-node VictoriaMetrics, …/select/<tenant>/prometheus for a
	// VictoriaMetrics cluster, …/prometheus for Mimir.
	URL string `yaml:"url"`
	// Timeout bounds one HTTP request (default DefaultTimeout).
	Timeout time.Duration `yaml:"timeout"`
	// MaxPointsPerQuery caps the steps of one query_range call; longer
	// windows are split (default DefaultMaxPointsPerQuery).
	MaxPointsPerQuery int `yaml:"max_points_per_query"`
	// Concurrency caps the queries in flight (default DefaultConcurrency).
	Concurrency int `yaml:"concurrency"`
	// Headers are sent with every request (e.g. a tenant id).
	Headers map[string]string `yaml:"headers"`
	// Compress asks the server to gzip its answers: worth it on a slow
	// link; off by default, because on a LAN compressing a day of readings
	// costs both sides more time than sending it (measured: p95 31 ms with,
	// 21 ms without, for one tag's 24 hours at 10 s from VictoriaMetrics).
	Compress bool `yaml:"compress"`
	// Series are explicit plant series, one time series each.
	Series []Entry `yaml:"series"`
	// Discover turns every time series matching a selector into a plant
	// series.
	Discover []Rule `yaml:"discover"`
}

// Entry is one plant series and the selector of its time series.
type Entry struct {
	// Name is the plant series name ("press-3.vibration").
	Name string `yaml:"name"`
	// Query is a series selector (metric name and label matchers) that
	// matches exactly one time series; the engine averages it per step.
	Query string `yaml:"query"`
	// Kind is sensor (default), production or plan.
	Kind string `yaml:"kind"`
	// Site, Line, Asset, Sensor and Unit describe the series.
	Site   string `yaml:"site"`
	Line   string `yaml:"line"`
	Asset  string `yaml:"asset"`
	Sensor string `yaml:"sensor"`
	Unit   string `yaml:"unit"`
	// Interval is the sampling interval (required: it is the grid of
	// every window).
	Interval time.Duration `yaml:"interval"`
}

// Rule discovers plant series: each time series matching Match becomes
// one, its fields rendered from the series' labels ({{label}}).
type Rule struct {
	// Match is a series selector, as for /api/v1/series.
	Match string `yaml:"match"`
	// Name, Site, Line, Asset, Sensor and Unit are templates over labels.
	Name   string `yaml:"name"`
	Site   string `yaml:"site"`
	Line   string `yaml:"line"`
	Asset  string `yaml:"asset"`
	Sensor string `yaml:"sensor"`
	Unit   string `yaml:"unit"`
	// Kind is sensor (default), production or plan.
	Kind string `yaml:"kind"`
	// Interval is the sampling interval of the discovered series (required).
	Interval time.Duration `yaml:"interval"`
	// Lookback is how far back discovery looks for active series
	// (default DefaultLookback).
	Lookback time.Duration `yaml:"lookback"`
}

// Defaults of Mapping and Rule.
const (
	DefaultTimeout           = 10 * time.Second
	DefaultMaxPointsPerQuery = 10_000
	DefaultConcurrency       = 8
	DefaultLookback          = 30 * 24 * time.Hour
)

// ErrBadMapping marks a sources file that cannot be used; the message
// names every problem.
var ErrBadMapping = errors.New("bad series sources file")

// LoadFile reads and validates a sources file.
func LoadFile(path string) (*Mapping, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the operator names the file
	if err != nil {
		return nil, fmt.Errorf("prom: %w: %w", ErrBadMapping, err)
	}
	m, err := Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse reads a sources file: unknown keys are refused, so a typo is an
// error rather than a silently ignored setting.
func Parse(r io.Reader) (*Mapping, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("prom: %w: %w", ErrBadMapping, err)
	}
	if f.Prometheus == nil {
		return nil, fmt.Errorf("prom: %w: no prometheus: section", ErrBadMapping)
	}
	if err := f.Prometheus.Validate(); err != nil {
		return nil, err
	}
	return f.Prometheus, nil
}

// selector matches a PromQL series selector: a metric name, label
// matchers, or both. Expressions (functions, operators) are refused: the
// source wraps the selector in avg_over_time, which needs a selector.
var selector = regexp.MustCompile(`^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{.*\})?\s*$`)

var kinds = []string{series.KindSensor, series.KindProduction, series.KindPlan}

// Validate fills the defaults and names every problem at once.
func (m *Mapping) Validate() error {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if u, err := url.Parse(m.URL); m.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("url: %q is not an http(s) URL", m.URL)
	}
	if m.Timeout == 0 {
		m.Timeout = DefaultTimeout
	}
	if m.Timeout < 0 {
		bad("timeout: must be positive")
	}
	if m.MaxPointsPerQuery == 0 {
		m.MaxPointsPerQuery = DefaultMaxPointsPerQuery
	}
	if m.MaxPointsPerQuery < 10 {
		bad("max_points_per_query: %d is below 10", m.MaxPointsPerQuery)
	}
	if m.Concurrency == 0 {
		m.Concurrency = DefaultConcurrency
	}
	if m.Concurrency < 0 {
		bad("concurrency: must be positive")
	}
	if len(m.Series)+len(m.Discover) == 0 {
		bad("neither series nor discover: no plant series would live in this database")
	}
	names := map[string]bool{}
	for i, e := range m.Series {
		where := fmt.Sprintf("series[%d]", i)
		if e.Name != "" {
			where += " (" + e.Name + ")"
		}
		switch {
		case strings.TrimSpace(e.Name) == "":
			bad("%s: name is required", where)
		case names[e.Name]:
			bad("%s: name appears twice", where)
		}
		names[e.Name] = true
		if !isSelector(e.Query) {
			bad("%s: query %q must be a series selector such as metric{label=\"value\"}", where, e.Query)
		}
		if e.Kind != "" && !slices.Contains(kinds, e.Kind) {
			bad("%s: kind %q must be one of %s", where, e.Kind, strings.Join(kinds, ", "))
		}
		if e.Interval <= 0 {
			bad("%s: interval is required (the sampling interval, e.g. 10s)", where)
		}
	}
	for i := range m.Discover {
		r := &m.Discover[i]
		where := fmt.Sprintf("discover[%d]", i)
		if !isSelector(r.Match) {
			bad("%s: match %q must be a series selector", where, r.Match)
		}
		if !strings.Contains(r.Name, "{{") {
			bad("%s: name %q must use labels, e.g. '{{asset}}.{{sensor}}'", where, r.Name)
		}
		if r.Kind != "" && !slices.Contains(kinds, r.Kind) {
			bad("%s: kind %q must be one of %s", where, r.Kind, strings.Join(kinds, ", "))
		}
		if r.Interval <= 0 {
			bad("%s: interval is required (the sampling interval, e.g. 10s)", where)
		}
		if r.Lookback == 0 {
			r.Lookback = DefaultLookback
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("prom: %w:\n  - %s", ErrBadMapping, strings.Join(probs, "\n  - "))
	}
	return nil
}

func isSelector(q string) bool {
	q = strings.TrimSpace(q)
	return q != "" && q != "{}" && selector.MatchString(q)
}

var labelRef = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// render fills the {{label}} references of tmpl from labels (a missing
// label renders empty).
func render(tmpl string, labels map[string]string) string {
	return labelRef.ReplaceAllStringFunc(tmpl, func(m string) string {
		return labels[labelRef.FindStringSubmatch(m)[1]]
	})
}
