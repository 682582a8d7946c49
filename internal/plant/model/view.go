package model

import (
	"context"
	"fmt"
	"sort"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
)

// View is the plant as the console's plant page shows it: what is in
// force, the lines with their assets, each asset's type, aliases and
// sensors with units, ranges and limits, the runbook links, connectors,
// bindings and digest schedules, and the series the model does not
// describe. Without an applied model, lines and assets are those the
// series names give.
type View struct {
	Origin   string      `json:"origin"`
	FromFile bool        `json:"from_file"`
	Version  int64       `json:"version,omitempty"`
	TimeZone string      `json:"time_zone"`
	Shifts   []ShiftView `json:"shifts"`
	Sites    []string    `json:"sites,omitempty"`
	Lines    []LineView  `json:"lines"`
	Assets   []AssetView `json:"assets"`
	Runbooks []Runbook   `json:"runbooks,omitempty"`
	// Connectors name the live data connectors of the file (type and
	// where they read).
	Connectors []ConnectorView `json:"connectors,omitempty"`
	Bindings   []BindingView   `json:"bindings"`
	Digests    []ScheduleView  `json:"digests"`
	Inferred   []Inferred      `json:"inferred"`
	// Problems are warnings about the applied file on this machine.
	Problems []string `json:"problems,omitempty"`
}

// ShiftView is one shift.
type ShiftView struct {
	Name   string   `json:"name"`
	NameKO string   `json:"name_ko,omitempty"`
	Start  string   `json:"start"`
	Days   []string `json:"days,omitempty"`
}

// LineView is one line with its assets.
type LineView struct {
	Name    string   `json:"name"`
	Site    string   `json:"site,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	Output  string   `json:"output,omitempty"`
	Plan    string   `json:"plan,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Assets  []string `json:"assets"`
}

// AssetView is one asset with its sensors.
type AssetView struct {
	Name    string       `json:"name"`
	Line    string       `json:"line,omitempty"`
	Type    string       `json:"type"`
	Aliases []string     `json:"aliases,omitempty"`
	Sensors []SensorView `json:"sensors"`
	// Runbooks are the documents linked to its type.
	Runbooks []string `json:"runbooks,omitempty"`
}

// SensorView is one sensor of an asset.
type SensorView struct {
	Name   string      `json:"name"`
	Series string      `json:"series"`
	Unit   string      `json:"unit,omitempty"`
	Range  []float64   `json:"range,omitempty"`
	Step   string      `json:"step,omitempty"`
	Limits []LimitView `json:"limits,omitempty"`
}

// LimitView is one limit, as "above 4.5" or "below 1.2".
type LimitView struct {
	Level string  `json:"level"`
	Side  string  `json:"side"`
	Value float64 `json:"value"`
	Doc   string  `json:"doc,omitempty"`
}

// ConnectorView names one connector.
type ConnectorView struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

// View gathers the plant page.
func (a *Admin) View(ctx context.Context) (View, error) {
	f, err := Load(ctx, a.DB, a.Fallback)
	if err != nil {
		return View{}, err
	}
	v := View{Origin: f.Origin(), TimeZone: f.Defaults.TimeZone, Shifts: []ShiftView{}, Lines: []LineView{}, Assets: []AssetView{}}
	for _, s := range f.Defaults.Shifts {
		sv := ShiftView{Name: s.Name, NameKO: s.NameKO, Start: fmt.Sprintf("%02d:%02d", int(s.Start.Hours()), int(s.Start.Minutes())%60)}
		for _, d := range s.Days {
			sv.Days = append(sv.Days, d.String()[:3])
		}
		v.Shifts = append(v.Shifts, sv)
	}
	var all []series.Series
	if a.Catalog != nil {
		if all, err = a.Catalog.List(ctx, series.Filter{}); err != nil {
			return v, err
		}
	}
	if f.Applied != nil {
		m := f.Applied.Model
		v.FromFile, v.Version, v.Sites, v.Runbooks = true, f.Applied.Version, m.SiteNames(), m.Runbooks
		for _, p := range f.Applied.Problems {
			v.Problems = append(v.Problems, p.String())
		}
		docs := map[string][]string{}
		for _, r := range m.Runbooks {
			docs[r.Type] = append(docs[r.Type], r.Docs...)
		}
		sensors := map[string][]SensorView{}
		for _, s := range m.AllSensors() {
			sv := SensorView{Name: s.Name, Series: s.SeriesName(), Unit: s.Unit, Range: s.Range}
			if s.Step > 0 {
				sv.Step = fmtDur(s.Step)
			}
			for _, l := range s.Limits {
				lv := LimitView{Level: l.Level, Doc: l.Doc}
				if l.Above != nil {
					lv.Side, lv.Value = "above", *l.Above
				} else if l.Below != nil {
					lv.Side, lv.Value = "below", *l.Below
				}
				sv.Limits = append(sv.Limits, lv)
			}
			sensors[s.Asset] = append(sensors[s.Asset], sv)
		}
		byLine := map[string][]string{}
		for _, as := range m.Assets {
			typ := as.Type
			if typ == "" {
				typ, _ = plant.NameParts(as.Name)
			}
			v.Assets = append(v.Assets, AssetView{Name: as.Name, Line: as.Line, Type: typ, Aliases: as.Aliases, Sensors: nonNilSensors(sensors[as.Name]), Runbooks: docs[typ]})
			byLine[as.Line] = append(byLine[as.Line], as.Name)
		}
		for _, l := range m.Lines {
			site := l.Site
			if site == "" {
				site = m.DefaultSite()
			}
			v.Lines = append(v.Lines, LineView{Name: l.Name, Site: site, Aliases: l.Aliases, Output: l.Output, Plan: l.Plan, Unit: l.Unit, Assets: nonNil(byLine[l.Name])})
		}
		for _, c := range m.Connectors {
			target := c.Broker
			if c.Endpoint != "" {
				target = c.Endpoint
			}
			v.Connectors = append(v.Connectors, ConnectorView{Name: c.Name, Type: c.Type, Target: target})
		}
	} else {
		// No file: the registry as the series names give it.
		var ps []plant.Series
		for _, s := range all {
			ps = append(ps, plant.Series{Name: s.Name, Asset: s.Asset, Line: s.Line, Sensor: s.Sensor, Kind: s.Kind, Unit: s.Unit})
		}
		p, _ := plant.New(ps, plant.Defaults{TimeZone: "UTC"})
		for _, l := range p.Lines {
			v.Lines = append(v.Lines, LineView{Name: l.Name, Output: p.OutputSeries(l.Name), Assets: nonNil(l.Assets)})
		}
		for _, as := range p.Assets {
			av := AssetView{Name: as.Name, Line: as.Line, Type: as.Type, Sensors: []SensorView{}}
			for _, s := range p.Series {
				if s.Asset == as.Name && s.Kind == plant.KindSensor {
					av.Sensors = append(av.Sensors, SensorView{Name: s.Sensor, Series: s.Name, Unit: s.Unit})
				}
			}
			v.Assets = append(v.Assets, av)
		}
	}
	v.Inferred = inferred(f, all)
	if v.Inferred == nil {
		v.Inferred = []Inferred{}
	}
	if a.Channels != nil {
		if v.Bindings, err = a.Bindings(ctx); err != nil {
			return v, err
		}
		if v.Digests, err = a.Schedules(ctx); err != nil {
			return v, err
		}
	}
	if v.Bindings == nil {
		v.Bindings = []BindingView{}
	}
	if v.Digests == nil {
		v.Digests = []ScheduleView{}
	}
	sort.SliceStable(v.Digests, func(i, j int) bool { return v.Digests[i].Channel.String() < v.Digests[j].Channel.String() })
	return v, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilSensors(s []SensorView) []SensorView {
	if s == nil {
		return []SensorView{}
	}
	return s
}
