package risk

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/predict"
)

// PdM is Microsoft's Azure PdM sample read straight from its CSV files
// for the offline evaluation (EvaluatePdM): the same records the mapping
// files import (machines, failures, replacements, errors) and the
// telemetry as hourly sensors.
type PdM struct {
	Assets []*Asset
	// From and To bound the failure history (the year 2015).
	From, To time.Time
	// TelemetryTo is the end of the telemetry (machines 1–20 only).
	TelemetryFrom, TelemetryTo time.Time
	// scores are the online anomaly detector's scores per machine and hour.
	scores map[string]*Hourly
}

const pdmLayout = "2006-01-02 15:04:05"

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows[1:], nil
}

// LoadPdM reads the sample in dir. With anomaly set it also runs the
// online anomaly detector over each machine's telemetry (the baseline).
func LoadPdM(dir string, anomaly bool) (*PdM, error) {
	byName := map[string]*Asset{}
	asset := func(id string) *Asset {
		n := "machine-" + strings.TrimSpace(id)
		a := byName[n]
		if a == nil {
			a = &Asset{Name: n, Sensors: map[string]*Hourly{}}
			byName[n] = a
		}
		return a
	}
	machines, err := readCSV(filepath.Join(dir, "PdM_machines.csv"))
	if err != nil {
		return nil, err
	}
	asOf := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range machines {
		a := asset(r[0])
		a.Type = r[1]
		if age, err := strconv.ParseFloat(r[2], 64); err == nil {
			t := asOf.Add(-time.Duration(age * 365.25 * 24 * float64(time.Hour)))
			a.Installed = &t
		}
	}
	for _, f := range []struct {
		file string
		kind maintenance.Kind
	}{{"PdM_failures.csv", maintenance.KindFailure}, {"PdM_maint.csv", maintenance.KindPreventive}, {"PdM_errors.csv", maintenance.KindAlert}} {
		rows, err := readCSV(filepath.Join(dir, f.file))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			t, err := time.Parse(pdmLayout, r[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.file, err)
			}
			e := maintenance.Event{Kind: f.kind, Asset: "machine-" + r[1], OpenedAt: t}
			if f.kind == maintenance.KindAlert {
				e.Code = r[2]
			} else {
				e.Component = r[2]
			}
			a := asset(r[1])
			a.Events = append(a.Events, e)
		}
	}
	// A replacement after a failure is the failure's own record (the
	// mapping files keep one record per id; so does this).
	for _, a := range byName {
		fail := map[string]bool{}
		for _, e := range a.Events {
			if e.Kind == maintenance.KindFailure {
				fail[e.OpenedAt.String()+e.Component] = true
			}
		}
		kept := a.Events[:0]
		for _, e := range a.Events {
			if e.Kind == maintenance.KindPreventive && fail[e.OpenedAt.String()+e.Component] {
				continue
			}
			kept = append(kept, e)
		}
		a.Events = kept
	}
	p := &PdM{From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), scores: map[string]*Hourly{}}
	if err := p.telemetry(filepath.Join(dir, "PdM_telemetry.csv"), asset, anomaly); err != nil {
		return nil, err
	}
	for _, a := range byName {
		p.Assets = append(p.Assets, a)
	}
	sort.Slice(p.Assets, func(i, j int) bool { return p.Assets[i].Name < p.Assets[j].Name })
	return p, nil
}

var pdmSensors = []string{"volt", "rotate", "pressure", "vibration"}

func (p *PdM) telemetry(path string, asset func(string) *Asset, anomaly bool) error {
	rows, err := readCSV(path)
	if err != nil {
		return err
	}
	type series struct {
		times []time.Time
		vals  [4][]float64
	}
	by := map[string]*series{}
	var order []string
	for _, r := range rows {
		t, err := time.Parse(pdmLayout, r[0])
		if err != nil {
			return fmt.Errorf("telemetry: %w", err)
		}
		s := by[r[1]]
		if s == nil {
			s = &series{}
			by[r[1]] = s
			order = append(order, r[1])
		}
		s.times = append(s.times, t)
		for k := 0; k < 4; k++ {
			v, err := strconv.ParseFloat(r[2+k], 64)
			if err != nil {
				v = math.NaN()
			}
			s.vals[k] = append(s.vals[k], v)
		}
		if p.TelemetryFrom.IsZero() || t.Before(p.TelemetryFrom) {
			p.TelemetryFrom = t
		}
		if t.After(p.TelemetryTo) {
			p.TelemetryTo = t
		}
	}
	for _, id := range order {
		s := by[id]
		a := asset(id)
		start := s.times[0]
		n := int(s.times[len(s.times)-1].Sub(start).Hours()) + 1
		for k, name := range pdmSensors {
			h := &Hourly{Start: start, Values: make([]float64, n)}
			for i := range h.Values {
				h.Values[i] = math.NaN()
			}
			for i, t := range s.times {
				h.Values[int(t.Sub(start).Hours())] = s.vals[k][i]
			}
			a.Sensors[name] = h
		}
		if anomaly {
			det, err := predict.DetectMulti(predict.Multi{Names: pdmSensors, Times: s.times, Values: [][]float64{s.vals[0], s.vals[1], s.vals[2], s.vals[3]}},
				predict.DetectorSettings(time.Hour, len(s.times), true))
			if err != nil {
				return fmt.Errorf("telemetry: anomaly scores of machine %s: %w", id, err)
			}
			h := &Hourly{Start: start, Values: make([]float64, n)}
			for i := range h.Values {
				h.Values[i] = math.NaN()
			}
			for i, pt := range det.Points {
				if !pt.Missing {
					h.Values[int(s.times[i].Sub(start).Hours())] = pt.Score
				}
			}
			p.scores[a.Name] = h
		}
	}
	return nil
}

// AnomalyScore is the baseline's score of an asset at t: the highest
// online anomaly score of its telemetry in the 24 hours up to t (false
// where the detector has no judgement: no telemetry, or its warm-up).
func (p *PdM) AnomalyScore(asset string, t time.Time) (float64, bool) {
	h := p.scores[asset]
	if h == nil {
		return 0, false
	}
	end := h.index(t) + 1
	best, ok := 0.0, false
	for i := max(end-24, 0); i < end && i < len(h.Values); i++ {
		if v := h.Values[i]; !math.IsNaN(v) {
			best, ok = math.Max(best, v), true
		}
	}
	return best, ok
}
