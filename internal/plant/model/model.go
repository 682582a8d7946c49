package model

import (
	"time"

	"github.com/gemba-ai/gemba/internal/config"
)

// Model is one plant model file. Field comments say what each key of
// plant.yaml holds; the README's "Plant model" section is the worked
// example (the demo plant, internal/demo/plant.yaml).
type Model struct {
	// Site is the site's name when the file describes one site; Sites
	// lists several (the first is the default site of lines).
	Site  string `yaml:"site,omitempty" json:"site,omitempty"`
	Sites []Site `yaml:"sites,omitempty" json:"sites,omitempty"`
	// TimeZone is the plant's IANA time zone (Asia/Seoul): every time word,
	// shift, digest and chart is read in it. Required.
	TimeZone string `yaml:"time_zone" json:"time_zone"`
	// Shifts are the shifts of a day.
	Shifts []Shift `yaml:"shifts,omitempty" json:"shifts,omitempty"`
	// Lines are the production lines.
	Lines []Line `yaml:"lines,omitempty" json:"lines,omitempty"`
	// Assets are the machines, with their sensors.
	Assets []Asset `yaml:"assets,omitempty" json:"assets,omitempty"`
	// Sensors are sensors listed apart from their assets (each names its
	// asset), as a tag list exported from a historian is.
	Sensors []Sensor `yaml:"sensors,omitempty" json:"sensors,omitempty"`
	// Runbooks link runbooks and SOPs to asset types.
	Runbooks []Runbook `yaml:"runbooks,omitempty" json:"runbooks,omitempty"`
	// Bindings bind channels to a line or an asset.
	Bindings []Binding `yaml:"bindings,omitempty" json:"bindings,omitempty"`
	// Digests schedule shift digests to channels.
	Digests []Digest `yaml:"digests,omitempty" json:"digests,omitempty"`
	// Connectors are the live data connectors, in GEMBA_CONNECTORS' schema
	// (internal/config.Connector), read by the same parser.
	Connectors []config.Connector `yaml:"connectors,omitempty" json:"connectors,omitempty"`

	// lines holds the file line of every field, by path ("assets[2].line").
	lines map[string]int
}

// configConnector is a live data connector as internal/config reads it.
type configConnector = config.Connector

// Site is one site of the plant.
type Site struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Shift is one shift of the plant's day.
type Shift struct {
	// Name is the shift's name ("day"); NameKO its Korean name ("주간").
	Name   string `yaml:"name" json:"name"`
	NameKO string `yaml:"name_ko,omitempty" json:"name_ko,omitempty"`
	// Start is the time of day it starts, "06:00".
	Start string `yaml:"start" json:"start"`
	// Days are the weekdays it runs on (mon … sun); empty: every day.
	Days []string `yaml:"days,omitempty" json:"days,omitempty"`
}

// Line is one production line.
type Line struct {
	Name string `yaml:"name" json:"name"`
	// Site is the line's site (default: the first site).
	Site string `yaml:"site,omitempty" json:"site,omitempty"`
	// Aliases are the other names of the line ("stamping line", "프레스 라인").
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Output and Plan name its actual and planned output series (by
	// convention line-1.output and line-1.plan).
	Output string `yaml:"output,omitempty" json:"output,omitempty"`
	Plan   string `yaml:"plan,omitempty" json:"plan,omitempty"`
	// Unit of the output and plan ("parts/h"); Step their nominal interval.
	Unit string        `yaml:"unit,omitempty" json:"unit,omitempty"`
	Step time.Duration `yaml:"step,omitempty" json:"step,omitempty"`
}

// Asset is one machine.
type Asset struct {
	Name string `yaml:"name" json:"name"`
	// Line is the line it belongs to (one of Lines).
	Line string `yaml:"line,omitempty" json:"line,omitempty"`
	// Type is its equipment type ("press"); default: its name without the
	// number (press-3 → press).
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Aliases are the plant's own names for it, in English and Korean
	// ("800t press", "800톤 프레스").
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Sensors are its sensors.
	Sensors []Sensor `yaml:"sensors,omitempty" json:"sensors,omitempty"`
}

// Sensor is one sensor of an asset.
type Sensor struct {
	// Asset names the asset; only for sensors listed apart (Model.Sensors).
	Asset string `yaml:"asset,omitempty" json:"asset,omitempty"`
	// Name is what it measures ("vibration").
	Name string `yaml:"name" json:"name"`
	// Series is the series that records it (default asset.name).
	Series string `yaml:"series,omitempty" json:"series,omitempty"`
	// Unit of the readings ("mm/s").
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// Range is the expected range of readings, [min, max].
	Range []float64 `yaml:"range,omitempty,flow" json:"range,omitempty"`
	// Limits are the limits documents state for it.
	Limits []Limit `yaml:"limits,omitempty" json:"limits,omitempty"`
	// Step is the nominal sampling interval ("10m").
	Step time.Duration `yaml:"step,omitempty" json:"step,omitempty"`
}

// Limit is one documented limit of a sensor.
type Limit struct {
	// Level is warn, alert, alarm, danger, trip or stop (plant.LimitLevels).
	Level string `yaml:"level" json:"level"`
	// Above or Below is the threshold (exactly one).
	Above *float64 `yaml:"above,omitempty" json:"above,omitempty"`
	Below *float64 `yaml:"below,omitempty" json:"below,omitempty"`
	// Doc is the document that states the limit (a runbook id or a link).
	Doc string `yaml:"doc,omitempty" json:"doc,omitempty"`
}

// Runbook links documents to an asset type.
type Runbook struct {
	// Type is an asset type of the file ("press").
	Type string `yaml:"type" json:"type"`
	// Docs are document ids of the incident store (RB-bearing-inspection)
	// or links (https://…).
	Docs []string `yaml:"docs" json:"docs"`
}

// Binding binds a channel to a line or an asset: questions, tools and
// alerts there are scoped to it.
type Binding struct {
	// Channel is source:channel ("slack:C0123456789", "console:stamping");
	// a bare id is a Slack channel.
	Channel string `yaml:"channel" json:"channel"`
	// Line or Asset is what it is bound to (one of them); Site narrows
	// to a site.
	Line  string `yaml:"line,omitempty" json:"line,omitempty"`
	Asset string `yaml:"asset,omitempty" json:"asset,omitempty"`
	Site  string `yaml:"site,omitempty" json:"site,omitempty"`
}

// Digest schedules a channel's shift digests.
type Digest struct {
	// Channel is source:channel, as in Binding.
	Channel string `yaml:"channel" json:"channel"`
	// Cron has five fields (minute hour day month weekday), "0 6,14,22 * * *".
	Cron string `yaml:"cron" json:"cron"`
	// TZ is the schedule's time zone (default: the plant's).
	TZ string `yaml:"tz,omitempty" json:"tz,omitempty"`
}

// SiteNames returns the sites' names, the single Site first.
func (m *Model) SiteNames() []string {
	var out []string
	if m.Site != "" {
		out = append(out, m.Site)
	}
	for _, s := range m.Sites {
		out = append(out, s.Name)
	}
	return out
}

// DefaultSite is the site of lines that name none ("" without sites).
func (m *Model) DefaultSite() string {
	if ns := m.SiteNames(); len(ns) > 0 {
		return ns[0]
	}
	return ""
}

// AllSensors returns every sensor with its asset filled in: those listed
// under their assets, then those listed apart.
func (m *Model) AllSensors() []Sensor {
	var out []Sensor
	for _, a := range m.Assets {
		for _, s := range a.Sensors {
			s.Asset = a.Name
			out = append(out, s)
		}
	}
	return append(out, m.Sensors...)
}

// SeriesName is the sensor's series: Series, or asset.name.
func (s Sensor) SeriesName() string {
	if s.Series != "" {
		return s.Series
	}
	return s.Asset + "." + s.Name
}

// FileLine returns the line of the file where path ("assets[2].line") is
// written (0 when unknown).
func (m *Model) FileLine(path string) int { return m.lines[path] }
