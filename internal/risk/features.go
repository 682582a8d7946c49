// Package risk is Gemba's failure-risk model: from the plant's own
// maintenance history (failures, component replacements, alerts), the
// asset register (type, age) and the sensors' recent behaviour, the
// probability that each asset fails within the next 24 hours and 7 days,
// with the features that drive it.
//
// The model is regularised logistic regression (L2, fitted with gonum's
// L-BFGS) on features that say what a technician would look at: how many
// alerts of each code in the last day and three days, how long since each
// component was last replaced, failures in the last month, the asset's age
// and type, and, per sensor, how far its recent level has drifted from its
// own usual level (a one-sided CUSUM over the last 48 hours, restarted at
// the last repair). One model per horizon and, where a component has
// enough failures, per component, so an answer can say which part is
// likely to go. Training is time-ordered: fitted on the earlier history,
// the threshold chosen on the next part, measured on the latest part, then
// refitted on all of it; the measured figures go to the model registry.
//
// It sits with the models and stores (tools → risk → {maintenance, series,
// modelreg}); the planner's ranking and the digests call it through the
// failure_risk tool and Service.
package risk

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/maintenance"
)

// Hourly is one sensor's readings on an hourly grid (NaN: missing).
type Hourly struct {
	Start  time.Time
	Values []float64
	// prefix sums of values, squares and counts, for O(1) window means.
	sum, sq, n []float64
}

func (h *Hourly) prepare() {
	k := len(h.Values)
	h.sum, h.sq, h.n = make([]float64, k+1), make([]float64, k+1), make([]float64, k+1)
	for i, v := range h.Values {
		h.sum[i+1], h.sq[i+1], h.n[i+1] = h.sum[i], h.sq[i], h.n[i]
		if !math.IsNaN(v) {
			h.sum[i+1] += v
			h.sq[i+1] += v * v
			h.n[i+1]++
		}
	}
}

// index is the grid index of the hour containing t (may be out of range).
func (h *Hourly) index(t time.Time) int {
	return int(math.Floor(t.Sub(h.Start).Hours()))
}

// stats returns the mean, standard deviation and count of the values of
// grid indexes [a, b).
func (h *Hourly) stats(a, b int) (mean, sd, n float64) {
	a, b = max(a, 0), min(b, len(h.Values))
	if b <= a {
		return 0, 0, 0
	}
	n = h.n[b] - h.n[a]
	if n == 0 {
		return 0, 0, 0
	}
	mean = (h.sum[b] - h.sum[a]) / n
	v := (h.sq[b]-h.sq[a])/n - mean*mean
	return mean, math.Sqrt(math.Max(v, 0)), n
}

// Asset is one asset's history as the model reads it.
type Asset struct {
	Name      string
	Type      string
	Installed *time.Time
	// Events are its records sorted by OpenedAt.
	Events []maintenance.Event
	// Sensors are its sensors' hourly readings, by sensor name.
	Sensors map[string]*Hourly

	failures   []time.Time
	failByComp map[string][]time.Time
	codes      map[string][]time.Time
	alerts     []time.Time
	work       []time.Time // any failure or maintenance work (a repair restarts drift)
	workByComp map[string][]time.Time
}

// prepare indexes the asset's events by kind, code and component.
func (a *Asset) prepare() {
	sort.SliceStable(a.Events, func(i, j int) bool { return a.Events[i].OpenedAt.Before(a.Events[j].OpenedAt) })
	a.failByComp, a.codes, a.workByComp = map[string][]time.Time{}, map[string][]time.Time{}, map[string][]time.Time{}
	a.failures, a.alerts, a.work = nil, nil, nil
	for _, e := range a.Events {
		t := e.OpenedAt
		switch e.Kind {
		case maintenance.KindAlert:
			a.alerts = append(a.alerts, t)
			if c := strings.ToLower(e.Code); c != "" {
				a.codes[c] = append(a.codes[c], t)
			}
			continue
		case maintenance.KindFailure:
			a.failures = append(a.failures, t)
			c := strings.ToLower(e.Component)
			a.failByComp[c] = append(a.failByComp[c], t)
		}
		a.work = append(a.work, t)
		if c := strings.ToLower(e.Component); c != "" {
			a.workByComp[c] = append(a.workByComp[c], t)
		}
	}
	for _, h := range a.Sensors {
		h.prepare()
	}
}

// countIn counts times in (from, to].
func countIn(ts []time.Time, from, to time.Time) int {
	i := sort.Search(len(ts), func(k int) bool { return ts[k].After(from) })
	j := sort.Search(len(ts), func(k int) bool { return ts[k].After(to) })
	return j - i
}

// lastAtOrBefore returns the latest time ≤ t.
func lastAtOrBefore(ts []time.Time, t time.Time) (time.Time, bool) {
	j := sort.Search(len(ts), func(k int) bool { return ts[k].After(t) })
	if j == 0 {
		return time.Time{}, false
	}
	return ts[j-1], true
}

// failsWithin reports whether ts has a time in (t, t+h].
func failsWithin(ts []time.Time, t time.Time, h time.Duration) bool {
	return countIn(ts, t, t.Add(h)) > 0
}

// Spec is the feature set, learned from the training history: the alert
// codes, components, asset types and sensors frequent enough to carry
// weight. Feature i of every vector is Names()[i].
type Spec struct {
	Codes      []string `json:"codes"`
	Components []string `json:"components"`
	Types      []string `json:"types"`
	Sensors    []string `json:"sensors"`
}

// Limits on the learned vocabulary.
const (
	maxCodes      = 12
	maxComponents = 10
	maxTypes      = 10
	maxSensors    = 12
	// driftHours is the window of the drift statistics; baselineHours the
	// usual level before it.
	driftHours    = 48
	baselineHours = 7 * 24
)

// NewSpec learns the feature set from assets: the most frequent codes,
// components (of failures and work), types and sensors.
func NewSpec(assets []*Asset) Spec {
	codes, comps, types, sensors := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, a := range assets {
		for c, ts := range a.codes {
			codes[c] += len(ts)
		}
		for c, ts := range a.workByComp {
			comps[c] += len(ts)
		}
		if a.Type != "" {
			types[a.Type]++
		}
		for s := range a.Sensors {
			sensors[s]++
		}
	}
	return Spec{Codes: top(codes, maxCodes, 5), Components: top(comps, maxComponents, 5), Types: top(types, maxTypes, 1), Sensors: top(sensors, maxSensors, 1)}
}

// top returns up to k keys with at least minCount, most frequent first
// (ties by name).
func top(m map[string]int, k, minCount int) []string {
	var out []string
	for key, n := range m {
		if n >= minCount {
			out = append(out, key)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// Names are the features, in vector order, as words an answer can use.
func (s Spec) Names() []string {
	var out []string
	for _, c := range s.Codes {
		out = append(out, "alerts "+c+" in the last 24 h", "alerts "+c+" in the last 72 h", "hours since the last "+c+" alert")
	}
	out = append(out, "alerts in the last 24 h")
	for _, c := range s.Components {
		out = append(out, "days since "+c+" was last replaced or repaired")
	}
	out = append(out, "hours since the last repair or maintenance", "repaired or maintained in the last 48 h",
		"failures in the last 30 days", "days since the last failure", "age in years", "age unknown")
	for _, t := range s.Types {
		out = append(out, "type "+t)
	}
	for _, se := range s.Sensors {
		out = append(out, se+" drift up over the last 48 h (σ)", se+" drift down over the last 48 h (σ)",
			se+" last 3 h against usual (σ)", se+" last 12 h against usual (σ)", se+" has no recent data")
	}
	return out
}

// Len is the length of a feature vector.
func (s Spec) Len() int {
	return 3*len(s.Codes) + 1 + len(s.Components) + 6 + len(s.Types) + 5*len(s.Sensors)
}

// Features writes the asset's features at t into buf (length Len) and
// returns it. Only what is known at t is read.
func (s Spec) Features(a *Asset, t time.Time, buf []float64) []float64 {
	x := buf[:0]
	for _, c := range s.Codes {
		ts := a.codes[c]
		x = append(x, float64(countIn(ts, t.Add(-24*time.Hour), t)), float64(countIn(ts, t.Add(-72*time.Hour), t)))
		since := 168.0
		if l, ok := lastAtOrBefore(ts, t); ok {
			since = math.Min(t.Sub(l).Hours(), 168)
		}
		x = append(x, since/168)
	}
	x = append(x, float64(countIn(a.alerts, t.Add(-24*time.Hour), t)))
	for _, c := range s.Components {
		days := 365.0
		if l, ok := lastAtOrBefore(a.workByComp[c], t); ok {
			days = math.Min(t.Sub(l).Hours()/24, 365)
		}
		x = append(x, math.Log1p(days))
	}
	lastWork, worked := lastAtOrBefore(a.work, t)
	since := 96.0
	if worked {
		since = math.Min(t.Sub(lastWork).Hours(), 96)
	}
	x = append(x, since/96, b2f(since < 48))
	x = append(x, float64(countIn(a.failures, t.Add(-30*24*time.Hour), t)))
	fdays := 365.0
	if l, ok := lastAtOrBefore(a.failures, t); ok {
		fdays = math.Min(t.Sub(l).Hours()/24, 365)
	}
	x = append(x, math.Log1p(fdays))
	if a.Installed != nil {
		x = append(x, t.Sub(*a.Installed).Hours()/(365.25*24), 0)
	} else {
		x = append(x, 0, 1)
	}
	for _, typ := range s.Types {
		x = append(x, b2f(a.Type == typ))
	}
	for _, se := range s.Sensors {
		h := a.Sensors[se]
		if h == nil {
			x = append(x, 0, 0, 0, 0, 1)
			continue
		}
		x = append(x, drift(h, t, lastWork, worked)...)
	}
	return x
}

// drift computes a sensor's drift features at t: the largest one-sided
// standardised sum of the last k hours (k ≤ 48, never reaching back past
// the last repair) against the usual level of the week before, up and
// down; the last 3 and 12 hours against usual; and whether data is missing.
func drift(h *Hourly, t time.Time, lastWork time.Time, worked bool) []float64 {
	end := h.index(t) + 1 // hours up to and including t's hour
	mu, sd, n := h.stats(end-driftHours-baselineHours, end-driftHours)
	if n < 24 || sd == 0 {
		return []float64{0, 0, 0, 0, 1}
	}
	var up, dn, cs float64
	k := 0
	for i := end - 1; i >= end-driftHours && i >= 0; i-- {
		if worked && !h.Start.Add(time.Duration(i)*time.Hour).After(lastWork) {
			break
		}
		if i >= len(h.Values) {
			continue
		}
		v := h.Values[i]
		if math.IsNaN(v) {
			continue
		}
		k++
		cs += (v - mu) / sd
		z := cs / math.Sqrt(float64(k))
		up, dn = math.Max(up, z), math.Max(dn, -z)
	}
	m3, _, n3 := h.stats(end-3, end)
	m12, _, n12 := h.stats(end-12, end)
	z3, z12 := 0.0, 0.0
	if n3 > 0 {
		z3 = (m3 - mu) / sd
	}
	if n12 > 0 {
		z12 = (m12 - mu) / sd
	}
	missing := b2f(n12 == 0)
	return []float64{up, dn, z3, z12, missing}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
