// Package risk is Gemba's failure-risk model: from the plant's own
// maintenance history (failures, component replacements, alerts), the
// asset register (type, age) and the sensors' recent behaviour, the
// probability that each asset fails within the next 24 hours and 7 days,
// with the features that drive it.
//
// The model is regularised logistic regression (L2, fitted with gonum's
// L-BFGS) on features that say what a technician would look at: how many
// alerts of each code in the last day, two days, three days and week and
// how recent the last one is, how long since each component was last
// replaced (also in bands: under a week, 1–2 weeks, 2 weeks–1 month, 1–2
// months, longer), failures in the last month, the asset's age and type,
// and, per sensor, how far its recent level has drifted from its own
// usual level (a one-sided CUSUM over the last 48 hours, restarted at the
// last repair). An alert means more on some assets than on others, so a
// recent alert is also crossed with the days since the component it
// usually precedes was replaced (learned from the training part: an alert
// on a part just replaced means little), with the asset's type and age
// band, and with each other code alerting in the same day. One model per
// horizon and, where a component has enough failures, per component, so
// an answer can say which part is likely to go.
//
// Training is time-ordered: fitted on the earlier history (the feature
// vocabulary learned from it alone), the L2 penalty and the alarm
// threshold chosen on the next part (the penalty whose model ranks it
// best by average precision; the threshold the highest of those that
// catch the most failures at the precision aimed for), measured on the
// latest part, then refitted on all of it; the measured figures go to the
// model registry. Where there are too many asset-hours to learn from each,
// the fits read every hour of the week before each failure and a weighted
// grid elsewhere (SampleCases). The feature groups were chosen on Azure PdM without its
// test part (experiment_test.go: fitted before 2015-07-02, compared on
// 07-02–09-13).
//
// It sits with the models and stores (tools → risk → {maintenance, series,
// modelreg}); the planner's ranking and the digests call it through the
// failure_risk tool and Service.
package risk

import (
	"fmt"
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

// failuresOf are the failure times a target counts: its component's, or
// all of the asset's.
func (a *Asset) failuresOf(tg Target) []time.Time {
	if tg.Component != "" {
		return a.failByComp[tg.Component]
	}
	return a.failures
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

// FeatureSet switches the optional groups of features on. Each group was
// tried on Azure PdM before its test part (see the package doc);
// DefaultFeatures is the set kept. A trained model stores its set, so it
// is scored with the features it learned.
type FeatureSet struct {
	// Windows adds each code's alerts in the last 48 hours and 7 days.
	Windows bool `json:"windows,omitempty"`
	// ComponentAge adds, per component, bands of the days since it was
	// last replaced or repaired (under 7, 7–14, 14–30, 30–60, 60 and more).
	ComponentAge bool `json:"component_age,omitempty"`
	// AlertComponentAge crosses a recent alert (last 24 h) with the bands
	// of days since the component that the code usually precedes was
	// replaced: an alert on a part just replaced means little.
	AlertComponentAge bool `json:"alert_component_age,omitempty"`
	// AlertType crosses a recent alert with the asset's type.
	AlertType bool `json:"alert_type,omitempty"`
	// AlertAge crosses a recent alert with the asset's age band (quintiles
	// of the register's ages).
	AlertAge bool `json:"alert_age,omitempty"`
	// AlertPairs adds, per pair of codes, both alerted in the last 24 h.
	AlertPairs bool `json:"alert_pairs,omitempty"`
}

// DefaultFeatures is the feature set Train uses unless told otherwise.
var DefaultFeatures = FeatureSet{Windows: true, ComponentAge: true, AlertComponentAge: true, AlertType: true, AlertAge: true, AlertPairs: true}

// SpecVersion numbers the feature layout; a model stored with another
// layout must be retrained before it can score.
const SpecVersion = 2

// Spec is the feature set, learned from the training history: the alert
// codes, components, asset types and sensors frequent enough to carry
// weight, which component each code usually precedes, and the age bands.
// Feature i of every vector is Names()[i].
type Spec struct {
	Version    int        `json:"version"`
	Set        FeatureSet `json:"set"`
	Codes      []string   `json:"codes"`
	Components []string   `json:"components"`
	Types      []string   `json:"types"`
	Sensors    []string   `json:"sensors"`
	// Precedes maps an alert code to the component whose failures most
	// often followed it within 48 hours in the training history.
	Precedes map[string]string `json:"precedes,omitempty"`
	// AgeEdges are the asset-age band edges in years (quintiles).
	AgeEdges []float64 `json:"age_edges,omitempty"`
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
	// precedeWindow is how soon after an alert a failure counts as
	// preceded by it, when learning Precedes.
	precedeWindow = 48 * time.Hour
	// minPrecedes is the fewest failures an alert code must precede to be
	// tied to a component.
	minPrecedes = 3
)

// componentBands are the edges (days) of the bands of days since a
// component was replaced.
var componentBands = []float64{7, 14, 30, 60}

// NewSpec learns the feature set from assets' records before until (the
// end of the training part): the most frequent codes, components (of
// failures and work), types and sensors, which component each code
// precedes, and the age bands.
func NewSpec(assets []*Asset, until time.Time, set FeatureSet) Spec {
	codes, comps, types, sensors := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var ages []float64
	for _, a := range assets {
		for c, ts := range a.codes {
			codes[c] += countBefore(ts, until)
		}
		for c, ts := range a.workByComp {
			comps[c] += countBefore(ts, until)
		}
		if a.Type != "" {
			types[a.Type]++
		}
		for s := range a.Sensors {
			sensors[s]++
		}
		if a.Installed != nil {
			ages = append(ages, until.Sub(*a.Installed).Hours()/(365.25*24))
		}
	}
	s := Spec{Version: SpecVersion, Set: set, Codes: top(codes, maxCodes, 5), Components: top(comps, maxComponents, 5), Types: top(types, maxTypes, 1), Sensors: top(sensors, maxSensors, 1)}
	s.Precedes = map[string]string{}
	for _, c := range s.Codes {
		n := map[string]int{}
		for _, a := range assets {
			for _, t := range a.codes[c] {
				if !t.Add(precedeWindow).Before(until) {
					break
				}
				for _, k := range s.Components {
					if failsWithin(a.failByComp[k], t, precedeWindow) {
						n[k]++
					}
				}
			}
		}
		if best := top(n, 1, minPrecedes); len(best) == 1 {
			s.Precedes[c] = best[0]
		}
	}
	if len(ages) >= 5 {
		sort.Float64s(ages)
		for q := 1; q < 5; q++ {
			e := math.Round(ages[q*len(ages)/5]*10) / 10
			if len(s.AgeEdges) == 0 || e > s.AgeEdges[len(s.AgeEdges)-1] {
				s.AgeEdges = append(s.AgeEdges, e)
			}
		}
	}
	return s
}

// countBefore counts times before t.
func countBefore(ts []time.Time, t time.Time) int {
	return sort.Search(len(ts), func(k int) bool { return !ts[k].Before(t) })
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

// bandNames are the names of the bands cut by edges, in unit u.
func bandNames(edges []float64, u string) []string {
	if len(edges) == 0 {
		return []string{"any"}
	}
	out := []string{fmt.Sprintf("under %g %s", edges[0], u)}
	for i := 1; i < len(edges); i++ {
		out = append(out, fmt.Sprintf("%g–%g %s", edges[i-1], edges[i], u))
	}
	return append(out, fmt.Sprintf("%g %s or more", edges[len(edges)-1], u))
}

// band is the index of v's band.
func band(edges []float64, v float64) int {
	return sort.Search(len(edges), func(i int) bool { return v < edges[i] })
}

// Names are the features, in vector order, as words an answer can use.
func (s Spec) Names() []string {
	var out []string
	for _, c := range s.Codes {
		out = append(out, "alerts "+c+" in the last 24 h", "alerts "+c+" in the last 72 h", "recency of the last "+c+" alert (1 now, 0 a week ago)")
		if s.Set.Windows {
			out = append(out, "alerts "+c+" in the last 48 h", "alerts "+c+" in the last 7 days")
		}
	}
	out = append(out, "alerts in the last 24 h")
	for _, c := range s.Components {
		out = append(out, "days since "+c+" was last replaced or repaired (log)")
		if s.Set.ComponentAge {
			for _, b := range bandNames(componentBands, "days") {
				out = append(out, c+" last replaced "+b+" ago")
			}
		}
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
	for _, c := range s.Codes {
		alert := c + " alert in the last 24 h"
		if k := s.Precedes[c]; s.Set.AlertComponentAge && k != "" {
			for _, b := range bandNames(componentBands, "days") {
				out = append(out, alert+" and "+k+" last replaced "+b+" ago")
			}
		}
		if s.Set.AlertType {
			for _, t := range s.Types {
				out = append(out, alert+" on type "+t)
			}
		}
		if s.Set.AlertAge {
			for _, b := range bandNames(s.AgeEdges, "years") {
				out = append(out, alert+" at age "+b)
			}
		}
	}
	if s.Set.AlertPairs {
		for i, c := range s.Codes {
			for _, d := range s.Codes[i+1:] {
				out = append(out, c+" and "+d+" alerts both in the last 24 h")
			}
		}
	}
	return out
}

// Len is the length of a feature vector.
func (s Spec) Len() int { return len(s.Names()) }

// Features writes the asset's features at t into buf and returns it. Only
// what is known at t is read.
func (s Spec) Features(a *Asset, t time.Time, buf []float64) []float64 {
	x := buf[:0]
	recent := make([]bool, len(s.Codes))
	for i, c := range s.Codes {
		ts := a.codes[c]
		n24 := countIn(ts, t.Add(-24*time.Hour), t)
		recent[i] = n24 > 0
		x = append(x, float64(n24), float64(countIn(ts, t.Add(-72*time.Hour), t)))
		rec := 0.0
		if l, ok := lastAtOrBefore(ts, t); ok {
			rec = 1 - math.Min(t.Sub(l).Hours(), 168)/168
		}
		x = append(x, rec)
		if s.Set.Windows {
			x = append(x, float64(countIn(ts, t.Add(-48*time.Hour), t)), float64(countIn(ts, t.Add(-168*time.Hour), t)))
		}
	}
	x = append(x, float64(countIn(a.alerts, t.Add(-24*time.Hour), t)))
	compDays := make(map[string]float64, len(s.Components))
	for _, c := range s.Components {
		days := 365.0
		if l, ok := lastAtOrBefore(a.workByComp[c], t); ok {
			days = math.Min(t.Sub(l).Hours()/24, 365)
		}
		compDays[c] = days
		x = append(x, math.Log1p(days))
		if s.Set.ComponentAge {
			x = appendBand(x, componentBands, days)
		}
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
	age := math.NaN()
	if a.Installed != nil {
		age = t.Sub(*a.Installed).Hours() / (365.25 * 24)
		x = append(x, age, 0)
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
	for i, c := range s.Codes {
		on := b2f(recent[i])
		if k := s.Precedes[c]; s.Set.AlertComponentAge && k != "" {
			x = appendBandIf(x, componentBands, compDays[k], recent[i])
		}
		if s.Set.AlertType {
			for _, typ := range s.Types {
				x = append(x, on*b2f(a.Type == typ))
			}
		}
		if s.Set.AlertAge {
			x = appendBandIf(x, s.AgeEdges, age, recent[i] && !math.IsNaN(age))
		}
	}
	if s.Set.AlertPairs {
		for i := range s.Codes {
			for j := i + 1; j < len(s.Codes); j++ {
				x = append(x, b2f(recent[i] && recent[j]))
			}
		}
	}
	return x
}

// appendBand appends the one-hot band of v.
func appendBand(x []float64, edges []float64, v float64) []float64 {
	return appendBandIf(x, edges, v, true)
}

// appendBandIf appends the one-hot band of v when on, zeros otherwise.
func appendBandIf(x []float64, edges []float64, v float64, on bool) []float64 {
	b := -1
	if on {
		b = band(edges, v)
	}
	for i := 0; i <= len(edges); i++ {
		x = append(x, b2f(i == b))
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
