package demo

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/maintenance"
)

// HistorySource tags the demo plant's maintenance records.
const HistorySource = "demo"

// demoAssets are the demo plant's assets with their line and type.
var demoAssets = []struct{ asset, line, typ string }{
	{"press-1", "line-1", "press"}, {"press-2", "line-1", "press"}, {"press-3", "line-1", "press"},
	{"cnc-1", "line-2", "cnc"}, {"cnc-2", "line-2", "cnc"}, {"cnc-3", "line-2", "cnc"}, {"cnc-4", "line-2", "cnc"},
	{"filler-1", "line-3", "filler"}, {"conveyor-1", "line-3", "conveyor"}, {"compressor-1", "line-3", "compressor"},
	{"pump-1", "line-3", "pump"}, {"pump-2", "line-3", "pump"},
}

// pmPlan is a type's planned work: what, every how many days, how long.
var pmPlan = map[string][]struct {
	what, component string
	kind            maintenance.Kind
	every, minutes  int
}{
	"press":      {{"lubrication and clutch/brake check", "crankshaft bearing", maintenance.KindPreventive, 30, 120}, {"vibration route", "bearing", maintenance.KindInspection, 14, 20}},
	"cnc":        {{"spindle and coolant service", "coolant filter", maintenance.KindPreventive, 45, 150}, {"spindle vibration check", "spindle bearing", maintenance.KindInspection, 30, 30}},
	"filler":     {{"product filter change", "product filter", maintenance.KindPreventive, 21, 60}, {"valve and seal inspection", "fill valve", maintenance.KindInspection, 14, 30}},
	"conveyor":   {{"belt tension and tracking", "drive belt", maintenance.KindPreventive, 30, 45}},
	"compressor": {{"intake filter and oil service", "intake air filter", maintenance.KindPreventive, 60, 90}, {"leak survey", "air line", maintenance.KindInspection, 30, 30}},
	"pump":       {{"suction strainer cleaning", "suction strainer", maintenance.KindPreventive, 28, 40}, {"vibration and seal check", "mechanical seal", maintenance.KindInspection, 30, 20}},
}

// failedPart names the component a failure mode acts on, by machine type.
func failedPart(mode, typ string) string {
	switch mode {
	case "filter_clogging":
		switch typ {
		case "pump":
			return "suction strainer"
		case "filler":
			return "product filter"
		case "compressor":
			return "intake air filter"
		case "cnc":
			return "coolant filter"
		}
		return "filter"
	case "bearing_wear":
		if typ == "cnc" {
			return "spindle bearing"
		}
		return "bearing"
	case "belt_slip":
		return "drive belt"
	case "motor_overheating":
		return "motor"
	case "cavitation":
		return "impeller"
	case "sensor_fault":
		return "sensor"
	case "air_leak":
		return "air line"
	}
	return ""
}

// alertCodes are the alarms a failure mode raises before it stops a machine.
var alertCodes = map[string]string{"bearing_wear": "VIB-HI", "filter_clogging": "DP-HI", "belt_slip": "SPD-DEV", "motor_overheating": "TEMP-HI"}

// History returns the demo plant's maintenance history for a seeding at
// now, consistent with its documents: a failure record per incident
// document of the corpus (same asset, times, downtime and outcome, linked to
// it), alarms in the days before the failures of the sensor window (as
// its precursors), preventive work and inspections on each type's schedule
// from the first incident on (skipped while a machine stood still), and
// open work orders: the press-3 bearing change its rising vibration calls
// for, and pump-2's backlog.
func History(now time.Time, seed uint64) ([]maintenance.Event, error) {
	corpus, err := Docs(now)
	if err != nil {
		return nil, err
	}
	typeOf := map[string]string{}
	lineOf := map[string]string{}
	for _, a := range demoAssets {
		typeOf[a.asset], lineOf[a.asset] = a.typ, a.line
	}
	var out []maintenance.Event
	var first time.Time
	down := map[string][][2]time.Time{}
	err = fs.WalkDir(corpus, "incidents", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".md" {
			return err
		}
		b, err := fs.ReadFile(corpus, p)
		if err != nil {
			return err
		}
		e, ok, err := failureOf(b, typeOf)
		if err != nil {
			return fmt.Errorf("demo: history: %s: %w", p, err)
		}
		if !ok {
			return nil
		}
		if first.IsZero() || e.OpenedAt.Before(first) {
			first = e.OpenedAt
		}
		end := e.OpenedAt
		if e.ClosedAt != nil {
			end = *e.ClosedAt
		}
		down[e.Asset] = append(down[e.Asset], [2]time.Time{e.OpenedAt.Add(-24 * time.Hour), end.Add(24 * time.Hour)})
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	end := End(now)
	rng := rand.New(rand.NewPCG(seed, 0x6d61696e74)) //nolint:gosec // deterministic demo data, not a secret
	// Alarms before the failures whose precursors are in the sensor data.
	for _, f := range Schedule(now) {
		code := alertCodes[f.Mode]
		if code == "" {
			continue
		}
		n := 3
		if f.InProgress {
			n = 2
		}
		for k := 0; k < n; k++ {
			at := f.At.Add(-time.Duration(float64(f.Precursor) * (0.15 + 0.7*float64(k)/float64(n)))).Truncate(10 * time.Minute)
			out = append(out, maintenance.Event{ID: fmt.Sprintf("AL-%s-%s-%d", f.Asset, at.Format("060102-1504"), k), Kind: maintenance.KindAlert,
				Asset: f.Asset, Line: lineOf[f.Asset], AssetType: typeOf[f.Asset], Code: code, FailureMode: f.Mode, OpenedAt: at,
				Title: fmt.Sprintf("%s %s alarm", f.Asset, code), Source: HistorySource})
		}
	}
	// Planned work on each type's schedule.
	if first.IsZero() {
		first = end.AddDate(-1, 0, 0)
	}
	start := first.Truncate(24 * time.Hour)
	for _, a := range demoAssets {
		for pi, pm := range pmPlan[a.typ] {
			offset := time.Duration(rng.IntN(pm.every)) * 24 * time.Hour
			for t := start.Add(offset); t.Before(end.Add(-24 * time.Hour)); t = t.Add(time.Duration(pm.every) * 24 * time.Hour) {
				at := t.Add(time.Duration(6+rng.IntN(2)*8) * time.Hour) // at a shift change, 06:00 or 14:00 UTC
				if stopped(down[a.asset], at) {
					continue
				}
				mins := pm.minutes + 10*rng.IntN(4)
				closed := at.Add(time.Duration(mins) * time.Minute)
				e := maintenance.Event{ID: fmt.Sprintf("PM-%s-%d-%s", a.asset, pi+1, at.Format("060102")), Kind: pm.kind, Asset: a.asset, Line: a.line, AssetType: a.typ,
					Component: pm.component, OpenedAt: at, ClosedAt: &closed, Title: fmt.Sprintf("%s: %s", a.asset, pm.what), Outcome: "worked", Source: HistorySource}
				if pm.kind == maintenance.KindPreventive {
					m := mins
					e.DowntimeMinutes = &m // a planned stop
					e.PlannedMinutes = &m
				}
				out = append(out, e)
			}
		}
	}
	// Open work orders.
	day := end.Truncate(24 * time.Hour)
	open := []struct {
		id, asset, title, component string
		dueDays, minutes            int
	}{
		{"WO-P3-BRG", "press-3", "press-3: replace main crankshaft bearing (vibration rising, see INC-1003)", "crankshaft bearing", 2, 600},
		{"WO-P2-101", "pump-2", "pump-2: replace suction strainer basket", "suction strainer", 3, 60},
		{"WO-P2-102", "pump-2", "pump-2: realign motor coupling", "coupling", 6, 90},
		{"WO-P2-103", "pump-2", "pump-2: replace mechanical seal (weeping)", "mechanical seal", 9, 120},
		{"WO-P2-104", "pump-2", "pump-2: repaint base frame", "base frame", 40, 120},
		{"WO-C3-201", "cnc-3", "cnc-3: balance check of tool holders at 12000 rpm", "spindle", 5, 45},
		{"WO-CV-301", "conveyor-1", "conveyor-1: replace worn lagging on drive pulley", "drive pulley", 12, 180},
	}
	for i, w := range open {
		opened := day.Add(-time.Duration(2+i) * 24 * time.Hour).Add(7 * time.Hour)
		due := day.Add(time.Duration(w.dueDays)*24*time.Hour + 6*time.Hour)
		m := w.minutes
		out = append(out, maintenance.Event{ID: w.id, Kind: maintenance.KindWorkOrder, Status: maintenance.StatusOpen, Asset: w.asset, Line: lineOf[w.asset],
			AssetType: typeOf[w.asset], Component: w.component, Title: w.title, OpenedAt: opened, DueAt: &due, PlannedMinutes: &m, Source: HistorySource})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func stopped(spans [][2]time.Time, t time.Time) bool {
	for _, s := range spans {
		if !t.Before(s[0]) && t.Before(s[1]) {
			return true
		}
	}
	return false
}

// failureOf reads an incident document's front matter as a failure record.
func failureOf(b []byte, typeOf map[string]string) (maintenance.Event, bool, error) {
	text := string(b)
	if !strings.HasPrefix(text, "---\n") {
		return maintenance.Event{}, false, nil
	}
	endFM := strings.Index(text[4:], "\n---")
	if endFM < 0 {
		return maintenance.Event{}, false, nil
	}
	var fm struct {
		ID          string `yaml:"id"`
		Title       string `yaml:"title"`
		Kind        string `yaml:"kind"`
		Site        string `yaml:"site"`
		Line        string `yaml:"line"`
		Asset       string `yaml:"asset"`
		FailureMode string `yaml:"failure_mode"`
		Occurred    string `yaml:"occurred_at"`
		Resolved    string `yaml:"resolved_at"`
		Downtime    *int   `yaml:"downtime_minutes"`
		Outcome     string `yaml:"outcome"`
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text[4 : 4+endFM])))
	if err := dec.Decode(&fm); err != nil {
		return maintenance.Event{}, false, err
	}
	if fm.Asset == "" || fm.Occurred == "" || fm.Kind != "" && fm.Kind != "incident" {
		return maintenance.Event{}, false, nil
	}
	opened, err := parseDate(fm.Occurred)
	if err != nil {
		return maintenance.Event{}, false, err
	}
	e := maintenance.Event{ID: "F-" + fm.ID, Kind: maintenance.KindFailure, Site: fm.Site, Line: fm.Line, Asset: fm.Asset, AssetType: typeOf[fm.Asset],
		FailureMode: fm.FailureMode, Component: failedPart(fm.FailureMode, typeOf[fm.Asset]), Title: fm.Title, OpenedAt: opened,
		DowntimeMinutes: fm.Downtime, Outcome: fm.Outcome, DocumentID: fm.ID, Source: HistorySource}
	if fm.Resolved != "" {
		r, err := parseDate(fm.Resolved)
		if err != nil {
			return maintenance.Event{}, false, err
		}
		e.ClosedAt = &r
	}
	return e, true, nil
}

func parseDate(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q", s)
}

// SeedHistory replaces the demo plant's maintenance records with the
// history for a seeding at now (other sources' records stay).
func SeedHistory(ctx context.Context, dbtx db.DBTX, now time.Time, seed uint64) (int, error) {
	if seed == 0 {
		seed = DefaultSeed
	}
	events, err := History(now, seed)
	if err != nil {
		return 0, err
	}
	st := maintenance.New(dbtx)
	if _, err := st.DeleteSource(ctx, HistorySource); err != nil {
		return 0, err
	}
	rep, err := st.Upsert(ctx, events, false)
	if err != nil {
		return 0, fmt.Errorf("demo: history: %w", err)
	}
	var eq []maintenance.Equipment
	for _, a := range demoAssets {
		eq = append(eq, maintenance.Equipment{Asset: a.asset, AssetType: a.typ, Line: a.line, Site: "plant-1", Source: HistorySource})
	}
	if _, err := st.UpsertEquipment(ctx, eq); err != nil {
		return 0, err
	}
	return rep.Written, nil
}
