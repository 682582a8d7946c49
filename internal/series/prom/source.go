// Package prom reads plant series from the plant's own time-series
// database through the Prometheus HTTP query API (query_range and series),
// which Prometheus, VictoriaMetrics (single and cluster), Thanos and Mimir
// all serve. A Source is a series.Engine: the catalog rows of its series
// (synced from a Mapping by Sync) name the engine "prometheus", and the
// series.Store routes their reads here, so the tools answer the same
// questions whether a series lives in Gemba's store or in the plant's.
//
// Each window is read as avg_over_time of the series' selector at the
// window's step, evaluated at the end of each slot (slot start + step −
// 1 ms), so a value is the mean of the readings in [slot, slot + step):
// for readings on the series' interval grid, exactly what Gemba's own
// store returns. Long windows are split into queries of at most
// max_points_per_query steps; every request has a timeout; an answer the
// engine refuses becomes a *QueryError that quotes the engine.
package prom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/series"
)

// EngineName is the series.Series.Engine of series read through this
// package.
const EngineName = "prometheus"

// ErrUnavailable marks a database that did not answer (unreachable, timed
// out, or a server error).
var ErrUnavailable = errors.New("plant time-series database unavailable")

// QueryError is an answer the engine refused, with the engine's own words.
type QueryError struct {
	// Query is the PromQL sent.
	Query string
	// Status is the HTTP status; Type and Msg the engine's errorType and error.
	Status    int
	Type, Msg string
}

// Error quotes the engine.
func (e *QueryError) Error() string {
	return fmt.Sprintf("the plant's time-series database refused %q (HTTP %d, %s): %s", e.Query, e.Status, e.Type, e.Msg)
}

// AmbiguousError reports a selector that matches several time series: a
// plant series must be exactly one.
type AmbiguousError struct {
	Series, Query string
	// Matched are the label sets found (at most a few).
	Matched []string
	Count   int
}

// Error names the series and what matched.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("series %s: its query %s matches %d time series in the plant's database (%s); add labels so that it matches one",
		e.Series, e.Query, e.Count, strings.Join(e.Matched, "; "))
}

// Source reads series from a Prometheus-compatible query API. It is safe
// for concurrent use.
type Source struct {
	m    Mapping
	base *url.URL
	hc   *http.Client
	sem  chan struct{}
	now  func() time.Time
}

// Option configures a Source.
type Option func(*Source)

// WithHTTPClient sets the HTTP client (its Timeout is replaced by the
// mapping's; its transport decides compression).
func WithHTTPClient(hc *http.Client) Option { return func(s *Source) { s.hc = hc } }

// WithClock sets the clock that "latest" is measured on (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New returns a Source for a validated mapping.
func New(m *Mapping, opts ...Option) (*Source, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(strings.TrimRight(m.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("prom: %w", err)
	}
	s := &Source{m: *m, base: base, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableCompression = !m.Compress
		tr.MaxIdleConnsPerHost = max(m.Concurrency, 2)
		s.hc = &http.Client{Transport: tr}
	}
	hc := *s.hc
	hc.Timeout = m.Timeout
	s.hc = &hc
	s.sem = make(chan struct{}, m.Concurrency)
	return s, nil
}

// Mapping returns the mapping the source was made from.
func (s *Source) Mapping() Mapping { return s.m }

// apiResponse is the envelope of every Prometheus API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// call POSTs form to the API path and returns the HTTP status and body;
// failures to get an answer at all are ErrUnavailable.
func (s *Source) call(ctx context.Context, path string, form url.Values, what string) (int, []byte, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	u := *s.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, fmt.Errorf("prom: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range s.m.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			return 0, nil, fmt.Errorf("prom: %s: %w", what, ctx.Err())
		case errors.As(err, &ne) && ne.Timeout():
			return 0, nil, fmt.Errorf("prom: %s at %s: no answer within %s: %w", what, s.base.Host, s.m.Timeout, ErrUnavailable)
		}
		return 0, nil, fmt.Errorf("prom: %s at %s: cannot reach the server (%w): %w", what, s.base.Host, unwrapURL(err), ErrUnavailable)
	}
	defer resp.Body.Close() //nolint:errcheck // read-only body
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("prom: %s at %s: reading the answer: %w: %w", what, s.base.Host, err, ErrUnavailable)
	}
	return resp.StatusCode, body, nil
}

// answerError turns an answer that is not a success into an error: the
// engine's own words when it gave some, else what came back.
func (s *Source) answerError(what string, code int, status, errType, msg string, decodeErr error, body []byte, query string) error {
	if decodeErr != nil || status == "" {
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		if code >= 500 || code == http.StatusTooManyRequests {
			return fmt.Errorf("prom: %s at %s: HTTP %d: %s: %w", what, s.base.Host, code, snippet, ErrUnavailable)
		}
		return fmt.Errorf("prom: %s at %s: not a Prometheus API answer (HTTP %d): %s", what, s.base.Host, code, snippet)
	}
	if status == "success" {
		return nil
	}
	qe := &QueryError{Query: query, Status: code, Type: errType, Msg: msg}
	if code >= 500 {
		return fmt.Errorf("prom: %s: %w: %w", what, qe, ErrUnavailable)
	}
	return fmt.Errorf("prom: %s: %w", what, qe)
}

// api calls an endpoint whose data is small (series) and decodes it with
// encoding/json.
func (s *Source) api(ctx context.Context, path string, form url.Values, what string, data any) error {
	code, body, err := s.call(ctx, path, form, what)
	if err != nil {
		return err
	}
	var ar apiResponse
	jerr := json.Unmarshal(body, &ar)
	if err := s.answerError(what, code, ar.Status, ar.ErrorType, ar.Error, jerr, body, form.Get("match[]")); err != nil {
		return err
	}
	if err := json.Unmarshal(ar.Data, data); err != nil {
		return fmt.Errorf("prom: %s: %w", what, err)
	}
	return nil
}

// unwrapURL drops the "Post \"url\": " prefix of a *url.Error.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// slots evaluates avg_over_time (or another _over_time function) of the
// series' selector on slots of step starting at lo (aligned), the last
// starting before hi, splitting long ranges; it returns the non-empty
// slots in time order, stamped with their start.
func (s *Source) slots(ctx context.Context, sr series.Series, fn string, lo, hi time.Time, step time.Duration) ([]series.Point, error) {
	if step < time.Millisecond {
		return nil, fmt.Errorf("prom: series %s: step %s is below the API's millisecond resolution", sr.Name, step)
	}
	q := fmt.Sprintf("%s((%s)[%s])", fn, sr.Query, promDuration(step))
	if fn == "" {
		q = sr.Query
	}
	var out []series.Point
	per := time.Duration(s.m.MaxPointsPerQuery) * step
	for start := lo; start.Before(hi); start = start.Add(per) {
		end := start.Add(per)
		if end.After(hi) {
			end = hi
		}
		// Evaluating at slot end − 1 ms reads the readings in [slot, slot + step).
		first := start.Add(step - time.Millisecond)
		last := start.Add(((end.Sub(start)-1)/step)*step + step - time.Millisecond)
		form := url.Values{
			"query": {q},
			"start": {promTime(first)},
			"end":   {promTime(last)},
			"step":  {promDuration(step)},
		}
		what := "query_range for " + sr.Name
		code, body, err := s.call(ctx, "/api/v1/query_range", form, what)
		if err != nil {
			return nil, err
		}
		a, derr := decodeRange(body)
		if err := s.answerError(what, code, a.status, a.errorType, a.errMsg, derr, body, q); err != nil {
			return nil, err
		}
		if len(a.series) > 1 {
			ae := &AmbiguousError{Series: sr.Name, Query: sr.Query, Count: len(a.series)}
			for i, r := range a.series {
				if i == 3 {
					break
				}
				ae.Matched = append(ae.Matched, labelString(r.metric))
			}
			return nil, ae
		}
		if len(a.series) == 0 {
			continue
		}
		r := a.series[0]
		if out == nil {
			out = make([]series.Point, 0, len(r.values))
		}
		for i, v := range r.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			at := time.UnixMilli(r.times[i]).UTC().Add(time.Millisecond - step)
			out = append(out, series.Point{TS: at, Value: v})
		}
	}
	return out, nil
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// promDuration writes d for PromQL and the step parameter, in whole
// milliseconds.
func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
}

func labelString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	if n, ok := m["__name__"]; ok {
		b.WriteString(n)
	}
	b.WriteByte('{')
	first := true
	for _, k := range keys {
		if k == "__name__" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// stepOf is the step a window is read at: step, or for raw reads the
// series' interval.
func stepOf(s series.Series, step time.Duration) (time.Duration, error) {
	if step > 0 {
		return step, nil
	}
	if s.Interval <= 0 {
		return 0, fmt.Errorf("prom: series %s has no interval; set interval in the series sources file", s.Name)
	}
	return s.Interval, nil
}

// eachSeries runs fn for every series concurrently (the semaphore bounds
// the requests) and collects the answers.
func eachSeries[V any](ctx context.Context, ss []series.Series, fn func(context.Context, series.Series) (V, bool, error)) (map[int64]V, error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		out  = make(map[int64]V, len(ss))
		errs []error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, sr := range ss {
		wg.Go(func() {
			v, ok, err := fn(ctx, sr)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if len(errs) == 0 {
					cancel()
				}
				errs = append(errs, err)
				return
			}
			if ok {
				out[sr.ID] = v
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0] // the first failure; the others were cancelled by it
	}
	return out, nil
}

// Points implements series.Engine.
func (s *Source) Points(ctx context.Context, ss []series.Series, from, to time.Time, step time.Duration) (map[int64][]series.Point, error) {
	return eachSeries(ctx, ss, func(ctx context.Context, sr series.Series) ([]series.Point, bool, error) {
		st, err := stepOf(sr, step)
		if err != nil {
			return nil, false, err
		}
		lo := slotStart(from, st)
		if step <= 0 && lo.Before(from) {
			lo = lo.Add(st) // raw reads: the slots starting inside the window
		}
		pts, err := s.slots(ctx, sr, "avg_over_time", lo, to, st)
		if err != nil {
			return nil, false, err
		}
		return pts, len(pts) > 0, nil
	})
}

func slotStart(t time.Time, step time.Duration) time.Time {
	return time.Unix(0, 0).UTC().Add(t.Sub(time.Unix(0, 0)).Truncate(step))
}

// Bounds implements series.Engine by reading the window at the series'
// interval (the API has no cheaper portable way to find the first and last
// sample of a range).
func (s *Source) Bounds(ctx context.Context, ss []series.Series, from, to time.Time) (map[int64]series.Bounds, error) {
	pts, err := s.Points(ctx, ss, from, to, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]series.Bounds, len(pts))
	for id, p := range pts {
		out[id] = series.Bounds{First: p[0].TS, Last: p[len(p)-1].TS}
	}
	return out, nil
}

// future is how far ahead of now "latest" and extents look: plans are
// written ahead (a month is looked at).
const future = 31 * 24 * time.Hour

// Latest implements series.Engine: the newest slot at the series'
// interval, looked for in the last day (and the next two, for plans) and
// otherwise through daily counts over the last five years.
func (s *Source) Latest(ctx context.Context, ss []series.Series) (map[int64]series.Point, error) {
	return eachSeries(ctx, ss, func(ctx context.Context, sr series.Series) (series.Point, bool, error) {
		iv, err := stepOf(sr, 0)
		if err != nil {
			return series.Point{}, false, err
		}
		now := s.now()
		hi := slotStart(now.Add(future), iv).Add(iv)
		pts, err := s.slots(ctx, sr, "avg_over_time", slotStart(now.Add(-24*time.Hour), iv), hi, iv)
		if err != nil {
			return series.Point{}, false, err
		}
		if len(pts) == 0 {
			days, err := s.days(ctx, sr)
			if err != nil || len(days) == 0 {
				return series.Point{}, false, err
			}
			last := days[len(days)-1].TS
			if pts, err = s.slots(ctx, sr, "avg_over_time", last, last.Add(24*time.Hour), iv); err != nil || len(pts) == 0 {
				return series.Point{}, false, err
			}
		}
		return pts[len(pts)-1], true, nil
	})
}

// days returns the daily sample counts of sr over the last five years
// (and the next two days), non-empty days only.
func (s *Source) days(ctx context.Context, sr series.Series) ([]series.Point, error) {
	day := 24 * time.Hour
	now := s.now()
	return s.slots(ctx, sr, "count_over_time", slotStart(now.Add(-5*365*day), day), slotStart(now.Add(future), day).Add(day), day)
}

// Extent implements series.Engine: the first and last slots at the
// series' interval and the number of samples, from daily counts over the
// last five years refined within the first and last days.
func (s *Source) Extent(ctx context.Context, sr series.Series) (series.Extent, error) {
	iv, err := stepOf(sr, 0)
	if err != nil {
		return series.Extent{}, err
	}
	days, err := s.days(ctx, sr)
	if err != nil || len(days) == 0 {
		return series.Extent{}, err
	}
	var ext series.Extent
	for _, d := range days {
		ext.Count += int64(d.Value)
	}
	day := 24 * time.Hour
	first, err := s.slots(ctx, sr, "avg_over_time", days[0].TS, days[0].TS.Add(day), iv)
	if err != nil {
		return series.Extent{}, err
	}
	last, err := s.slots(ctx, sr, "avg_over_time", days[len(days)-1].TS, days[len(days)-1].TS.Add(day), iv)
	if err != nil {
		return series.Extent{}, err
	}
	if len(first) > 0 {
		ext.First = first[0].TS
	}
	if len(last) > 0 {
		ext.Last = last[len(last)-1].TS
	}
	return ext, nil
}
