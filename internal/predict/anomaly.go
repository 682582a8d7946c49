package predict

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MinSigma is the smallest departure of an event's leading sensor from its
// usual level (same time of the week), in robust standard deviations of
// single readings, that is worth a technician's attention; events below it
// are minor: counted, not listed. A sustained event (see MinSustained)
// needs half of it: a departure of 1.5σ held for a day is what a drifting
// machine shows, and over six or more readings it is more than 2σ of their
// mean.
const MinSigma = 2.0

// MinSustained is the length, in points, from which an event other than a
// spike counts as sustained.
const MinSustained = 6

// Subject is what anomalies are found on: one series, or all sensors of one
// asset aligned on one grid.
type Subject struct {
	// Label names the subject: "press-3" or "press-3.vibration".
	Label string
	// Asset is the asset the sensors belong to ("" when unknown).
	Asset string
	// Units holds each sensor's unit, in Data.Names order (may be nil).
	Units []string
	// Data holds the sensors' values on one regular grid with Times.
	Data Multi
	// Past says the window ends before now, so "ongoing" means "still
	// running at the window's end".
	Past bool
	// Cut says the data runs on after the window: an event running at the
	// window's end that had come back by then (cameBack) is measured as a
	// finished one.
	Cut bool
}

// Unit returns the unit of a sensor ("" when unknown).
func (s Subject) Unit(sensor string) string {
	for i, n := range s.Data.Names {
		if n == sensor && i < len(s.Units) {
			return s.Units[i]
		}
	}
	return ""
}

// Share is one sensor's part in an anomaly.
type Share struct {
	// Sensor is the sensor's name.
	Sensor string
	// Share is in [0,1]; the shares of one anomaly sum to 1.
	Share float64
}

// Anomaly is one anomaly event, identified once: the asset, the sensors that
// drove it and their shares, its onset, peak and end, the leading sensor's
// current (or peak) value, its usual value and how many robust standard
// deviations apart they are. Every consumer (the tools and so the chat,
// digests, plant pages and slash commands) reads this same record, so one
// event has one set of numbers wherever it is shown. Its JSON is the compact
// form the tools hand to the model (times to the minute in UTC, numbers to
// three significant digits).
type Anomaly struct {
	// Asset is the asset ("" for a series without one).
	Asset string
	// Subject is the label of what was analysed (an asset or a series).
	Subject string
	// Sensor is the leading sensor: the one with the largest share.
	Sensor string
	// Unit is the leading sensor's unit.
	Unit string
	// Kind is KindSpike, KindLevelShift, KindDrift, KindVariance or
	// KindFlatline.
	Kind string
	// Start is the estimated beginning of the change; Onset the first
	// point flagged (an alarm fires there); Peak the strongest point; End
	// the last point of the event.
	Start, Onset, Peak, End time.Time
	// Step is the grid's sampling interval.
	Step time.Duration
	// Ongoing reports an event still running at the end of the data.
	Ongoing bool
	// Past says the data ended before now (Ongoing then means "at the
	// window's end").
	Past bool
	// Score is the event's peak anomaly score.
	Score float64
	// Value is the leading sensor's level: its latest hour while the
	// event runs, its peak for a spike, else its mean during the event.
	Value float64
	// PeakValue is the leading sensor's value at the peak.
	PeakValue float64
	// Current is the leading sensor's latest value in the data.
	Current float64
	// Usual is the leading sensor's usual value at those times (the same
	// time of the week or day in earlier seasons).
	Usual float64
	// Sigma is (Value − Usual) in robust standard deviations of the
	// sensor's departures from its usual pattern; signed.
	Sigma float64
	// Shares are the sensors' shares, largest first.
	Shares []Share
	// Event is the detector's event behind the record (indices into the
	// subject's grid).
	Event Event
	// Lead is the leading sensor's index in the subject's Data.Names.
	Lead int
	// Alarm is the alarm the machine logged that confirms the event (see
	// [Confirming]); nil when none did or the caller has no alarm log.
	Alarm *Alarm
}

// Hours is the event's length in hours, one step included.
func (a Anomaly) Hours() float64 {
	return a.End.Sub(a.Start).Hours() + a.Step.Hours()
}

// Minor reports an event whose leading sensor stays close to its usual
// level (within MinSigma, or half of it for a sustained event):
// statistically unusual, not worth a technician's time.
func (a Anomaly) Minor() bool {
	limit := MinSigma
	if a.Kind != KindSpike && a.Event.EndIdx-a.Event.StartIdx+1 >= MinSustained {
		limit = MinSigma / 2
	}
	return math.Abs(a.Sigma) < limit
}

// Text is the record in one sentence, with its numbers: "press-3 vibration
// up 4.2σ since 2026-03-02T06:00Z (now 5.6 mm/s, usual 3.1), vibration drove
// 72%".
func (a Anomaly) Text() string {
	dir := "up"
	if a.Sigma < 0 {
		dir = "down"
	}
	who := a.Asset
	if who == "" {
		who = a.Subject
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %.1fσ", who, a.Sensor, dir, math.Abs(a.Sigma))
	u := ""
	if a.Unit != "" {
		u = " " + a.Unit
	}
	if a.Ongoing {
		when := "now"
		if a.Past {
			when = "at " + Stamp(a.End)
		}
		fmt.Fprintf(&b, " since %s (%s %s%s, usual %s)", Stamp(a.Start), when, Num(a.Value), u, Num(a.Usual))
	} else {
		fmt.Fprintf(&b, " from %s to %s (%s: %s%s, usual %s)", Stamp(a.Start), Stamp(a.End), strings.ReplaceAll(a.Kind, "_", " "), Num(a.Value), u, Num(a.Usual))
	}
	if len(a.Shares) > 1 {
		fmt.Fprintf(&b, ", %s drove %.0f%%", a.Shares[0].Sensor, 100*a.Shares[0].Share)
	}
	return b.String()
}

// anomalyJSON is the compact form of an Anomaly the model sees.
type anomalyJSON struct {
	Asset        string      `json:"asset,omitempty"`
	Sensor       string      `json:"sensor"`
	Start        string      `json:"start"`
	Onset        string      `json:"onset,omitempty"`
	End          string      `json:"end"`
	Peak         string      `json:"peak"`
	Ongoing      bool        `json:"ongoing,omitempty"`
	Hours        float64     `json:"hours"`
	Kind         string      `json:"kind"`
	Score        float64     `json:"score"`
	Value        float64     `json:"value"`
	Current      float64     `json:"current"`
	Usual        float64     `json:"usual"`
	Sigma        float64     `json:"sigma"`
	Unit         string      `json:"unit,omitempty"`
	Contributors []shareJSON `json:"contributors,omitempty"`
	Summary      string      `json:"summary"`
	ConfirmedBy  *alarmJSON  `json:"confirmed_by,omitempty"`
}

// alarmJSON is the alarm that confirms an event.
type alarmJSON struct {
	ID   string `json:"id,omitempty"`
	Code string `json:"code,omitempty"`
	At   string `json:"at"`
}

type shareJSON struct {
	Sensor   string  `json:"sensor"`
	SharePct float64 `json:"share_pct"`
}

// MarshalJSON writes the compact form: times to the minute in UTC, numbers
// to three significant digits, at most four contributors, and the record's
// sentence as summary.
func (a Anomaly) MarshalJSON() ([]byte, error) {
	j := anomalyJSON{
		Asset: a.Asset, Sensor: a.Sensor, Start: Stamp(a.Start), End: Stamp(a.End), Peak: Stamp(a.Peak),
		Ongoing: a.Ongoing, Hours: Sig(a.Hours()), Kind: a.Kind, Score: Sig(a.Score), Value: Sig(a.Value),
		Current: Sig(a.Current), Usual: Sig(a.Usual), Sigma: Sig(a.Sigma), Unit: a.Unit, Summary: a.Text(),
	}
	if !a.Onset.Equal(a.Start) {
		j.Onset = Stamp(a.Onset)
	}
	if a.Alarm != nil {
		j.ConfirmedBy = &alarmJSON{ID: a.Alarm.ID, Code: a.Alarm.Code, At: Stamp(a.Alarm.At)}
	}
	for _, s := range a.Shares {
		if len(j.Contributors) == 4 {
			break
		}
		j.Contributors = append(j.Contributors, shareJSON{Sensor: s.Sensor, SharePct: math.Round(100 * s.Share)})
	}
	return json.Marshal(j)
}

// Stamp formats an instant for results: UTC, to the minute ("" for zero).
func Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04Z")
}

// Sig rounds v to three significant digits (0 for non-finite values), so
// results carry what matters and not float noise.
func Sig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	d := math.Ceil(math.Log10(math.Abs(v)))
	p := math.Pow(10, 3-d)
	return math.Round(v*p) / p
}

// Num formats v with three significant digits.
func Num(v float64) string {
	return strconv.FormatFloat(Sig(v), 'f', -1, 64)
}

// FindAnomalies finds the anomaly events of a subject and describes each
// as an [Anomaly]. Online (opt.Online), an asset's sensors are judged
// together by [DetectMulti] (a single series by [Detect]), each point from
// the points before it, and each event's shares come from the detector.
// In batch mode each sensor is judged on its own seasonal baseline with
// [Detect] (a technician asks "is vibration high?"), events of different
// sensors that overlap in time are merged, and the shares come from the
// multivariate detector's per-point contributions, so they say which
// sensors moved together. Events ending before index from are dropped
// (from is where the window asked about begins; the points before it are
// history). It returns ErrTooShort when no sensor has enough data.
func FindAnomalies(sub Subject, opt DetectOptions, from int) ([]Anomaly, error) {
	var evs []Event
	var leads []int
	if opt.Online {
		var det *Detection
		var err error
		if len(sub.Data.Names) == 1 {
			det, err = Detect(Series{Times: sub.Data.Times, Values: sub.Data.Values[0]}, opt)
		} else {
			det, err = DetectMulti(sub.Data, opt)
		}
		if err != nil {
			return nil, fmt.Errorf("predict: anomalies of %s: %w", sub.Label, err)
		}
		for _, e := range det.Events {
			lead := 0
			if len(e.Contributions) > 0 {
				lead = max(0, indexOf(sub.Data.Names, e.Contributions[0].Sensor))
			}
			evs, leads = append(evs, e), append(leads, lead)
		}
	} else {
		f, err := batchFindings(sub, opt)
		if err != nil {
			return nil, err
		}
		for _, x := range f {
			evs, leads = append(evs, x.ev), append(leads, x.lead)
		}
	}
	var out []Anomaly
	for k, e := range evs {
		if e.EndIdx < from {
			continue
		}
		out = append(out, Describe(sub, e, leads[k]))
	}
	return out, nil
}

func indexOf(names []string, n string) int {
	for i, x := range names {
		if x == n {
			return i
		}
	}
	return -1
}

// finding is one merged batch event and its leading sensor.
type finding struct {
	ev   Event
	lead int
}

// batchFindings runs the batch detector on every sensor of sub and merges
// the events that overlap in time (see FindAnomalies).
func batchFindings(sub Subject, opt DetectOptions) ([]finding, error) {
	type uniEvent struct {
		j     int
		e     Event
		sigma float64
	}
	var all []uniEvent
	ran := 0
	for j := range sub.Data.Names {
		det, err := Detect(Series{Times: sub.Data.Times, Values: sub.Data.Values[j]}, opt)
		if errors.Is(err, ErrTooShort) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("predict: anomalies of %s: %w", sub.Label, err)
		}
		ran++
		for _, e := range det.Events {
			_, _, _, sigma := LevelStats(sub, j, e)
			all = append(all, uniEvent{j, e, sigma})
		}
	}
	if ran == 0 {
		return nil, fmt.Errorf("predict: anomalies of %s: %w", sub.Label, ErrTooShort)
	}
	var contrib [][]float64
	if len(sub.Data.Names) > 1 {
		if md, err := DetectMulti(sub.Data, opt); err == nil {
			contrib = md.Contributions
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].e.StartIdx < all[b].e.StartIdx })
	var out []finding
	flush := func(group []uniEvent) {
		start, end := group[0].e.StartIdx, group[0].e.EndIdx
		for _, g := range group {
			start, end = min(start, g.e.StartIdx), max(end, g.e.EndIdx)
		}
		shares := make([]float64, len(sub.Data.Names))
		if contrib != nil {
			for t := start; t <= end && t < len(contrib); t++ {
				for j, c := range contrib[t] {
					if !math.IsNaN(c) {
						shares[j] += c
					}
				}
			}
		}
		total := 0.0
		for _, v := range shares {
			total += v
		}
		if !(total > 0) { // no multivariate attribution: weigh the members by how far they moved
			clear(shares)
			for _, g := range group {
				shares[g.j] = math.Max(shares[g.j], math.Abs(g.sigma)+1e-9)
			}
			total = 0
			for _, v := range shares {
				total += v
			}
		}
		// The leading sensor is the member with the largest share.
		best := group[0]
		for _, g := range group {
			if shares[g.j] > shares[best.j] || (shares[g.j] == shares[best.j] && g.e.Score > best.e.Score) {
				best = g
			}
		}
		ev := best.e
		ev.StartIdx, ev.EndIdx = start, end
		ev.Start, ev.End = sub.Data.Times[start], sub.Data.Times[end]
		for _, g := range group {
			ev.Score = math.Max(ev.Score, g.e.Score)
		}
		ev.Contributions = nil
		for j, v := range shares {
			if v > 0 {
				ev.Contributions = append(ev.Contributions, Contribution{Sensor: sub.Data.Names[j], Share: v / total})
			}
		}
		sortContributions(ev.Contributions)
		out = append(out, finding{ev: ev, lead: best.j})
	}
	var group []uniEvent
	groupEnd := -1
	for _, u := range all {
		if len(group) > 0 && u.e.StartIdx > groupEnd+3 {
			flush(group)
			group = nil
		}
		group = append(group, u)
		groupEnd = max(groupEnd, u.e.EndIdx)
		if len(group) == 1 {
			groupEnd = u.e.EndIdx
		}
	}
	if len(group) > 0 {
		flush(group)
	}
	return out, nil
}

// Describe makes the record of event e of sub, led by sensor lead.
func Describe(sub Subject, e Event, lead int) Anomaly {
	name := sub.Data.Names[lead]
	level, usual, _, sigma := LevelStats(sub, lead, e)
	last := lastFinite(sub.Data)
	a := Anomaly{
		Asset: sub.Asset, Subject: sub.Label, Sensor: name, Unit: sub.Unit(name), Kind: e.Kind,
		Start: e.Start, Onset: e.Start, Peak: e.PeakTime, End: e.End, Step: stepOf(sub.Data.Times),
		Ongoing: e.EndIdx >= last-3 && !cameBack(sub, lead, e), Past: sub.Past, Score: e.Score,
		Value: level, Usual: usual, Sigma: sigma, Event: e, Lead: lead,
	}
	if !e.Onset.IsZero() {
		a.Onset = e.Onset
	}
	if e.Kind == KindDrift || e.Kind == KindLevelShift {
		if c := leadStart(sub, lead, e, sigma); c >= 0 && c < len(sub.Data.Times) {
			a.Start = sub.Data.Times[c]
		}
	}
	if e.PeakIdx < len(sub.Data.Values[lead]) {
		a.PeakValue = sub.Data.Values[lead][e.PeakIdx]
	}
	if last >= 0 {
		for i := last; i >= 0; i-- {
			if v := sub.Data.Values[lead][i]; !math.IsNaN(v) {
				a.Current = v
				break
			}
		}
	}
	for _, c := range e.Contributions {
		a.Shares = append(a.Shares, Share(c))
	}
	if len(a.Shares) == 0 {
		a.Shares = []Share{{Sensor: name, Share: 1}}
	}
	return a
}

// leadStart is where the leading sensor j's own departure began (-1 when
// it cannot be told). An event's start is that of all its sensors together:
// a temperature that fell below usual with a load change hours before a
// bearing began to wear would otherwise date the vibration's rise from the
// temperature's drop, and "vibration up since" must be about vibration.
//
// The sensor's departures from its usual pattern (the baseline of
// LevelStats, standardised, in the event's direction, through a 5-point
// running median so an impact spike does not pull the fit) are fitted,
// over the event and as long a stretch before it, by three simple change
// models: a step (one level, then another), a hinge (a flat level, then a
// straight ramp) and accelerating hinges (then a power curve, as wear
// often grows; see hingePowers). The change point of the best fit (least squares) is the start.
func leadStart(sub Subject, j int, e Event, sigma float64) int {
	if sigma == 0 || math.IsNaN(sigma) {
		return -1
	}
	dev, med, sc, ok := departures(sub, j, e)
	if !ok {
		return -1
	}
	vals := sub.Data.Values[j]
	end := min(e.EndIdx, len(vals)-1)
	from := max(0, e.StartIdx-max(streamLongM, end-e.StartIdx))
	var ts, ys []float64
	sign := math.Copysign(1, sigma)
	for t := from; t <= end; t++ {
		if d := dev(t); !math.IsNaN(d) {
			ts = append(ts, float64(t))
			ys = append(ys, sign*(d-med)/sc)
		}
	}
	ys = rollingMedianCentered(ys, startSmooth)
	ts, ys = toTop(ts, ys)
	ts, ys = binMeans(ts, ys, startFitPoints)
	c := changePoint(ts, ys)
	if c < 0 {
		return -1
	}
	return int(math.Round(ts[c]))
}

// toTop cuts a departure that rose and came back (a machine that
// overheated, tripped and cooled) at its top: the change that began it is
// before the top, and the fall after it is no part of that change. A
// departure still near its top at the end is kept whole.
func toTop(ts, ys []float64) ([]float64, []float64) {
	top := 0
	for i, y := range ys {
		if y > ys[top] {
			top = i
		}
	}
	if n := len(ys); n == 0 || ys[top] <= 0 || ys[n-1] > ys[top]/2 {
		return ts, ys
	}
	return ts[:top+1], ys[:top+1]
}

// hingePowers are the shapes of ramp changePoint tries: straight, and a
// coarse grid of accelerating ones (wear grows faster as it goes, at a
// rate no one can know in advance).
var hingePowers = []float64{1, 1.5, 2, 3}

// pow is x^pw for x ≥ 0 and the powers of hingePowers, without math.Pow.
func pow(x, pw float64) float64 {
	switch pw {
	case 1:
		return x
	case 1.5:
		return x * math.Sqrt(x)
	case 2:
		return x * x
	case 3:
		return x * x * x
	}
	return math.Pow(x, pw)
}

// hingeSSE is the residual sum of squares of ys fitted by least squares
// with y = a + b·max(0, t − c)^pw.
func hingeSSE(ts, ys []float64, c, pw float64) float64 {
	n := float64(len(ys))
	var sx, sy, sxx, sxy float64
	for i, t := range ts {
		x := pow(math.Max(0, t-c), pw)
		sx += x
		sy += ys[i]
		sxx += x * x
		sxy += x * ys[i]
	}
	den := n*sxx - sx*sx
	if den <= 0 {
		return math.Inf(1)
	}
	b := (n*sxy - sx*sy) / den
	a := (sy - b*sx) / n
	v := 0.0
	for i, t := range ts {
		r := ys[i] - a - b*pow(math.Max(0, t-c), pw)
		v += r * r
	}
	return v
}

// startFitPoints bounds the points leadStart fits: a longer stretch (weeks
// of 10-minute readings) is fitted as means of consecutive points.
const startFitPoints = 4000

// binMeans averages consecutive pairs (t, y) in groups so at most n
// remain.
func binMeans(ts, ys []float64, n int) ([]float64, []float64) {
	if len(ys) <= n {
		return ts, ys
	}
	g := (len(ys) + n - 1) / n
	var bt, by []float64
	for i := 0; i < len(ys); i += g {
		j := min(i+g, len(ys))
		var st, sy float64
		for k := i; k < j; k++ {
			st += ts[k]
			sy += ys[k]
		}
		bt, by = append(bt, st/float64(j-i)), append(by, sy/float64(j-i))
	}
	return bt, by
}

// startSmooth is the half-width of the running median leadStart fits, so
// an impact spike does not pull the fit (and, unlike clipping, the shape
// of a large departure is kept).
const startSmooth = 2

// changePoint is the index k (into ts) where the best of a step, a hinge
// and accelerating hinges fitted to ys by least squares changes, or -1
// with too few points. At least minSide points lie on each side. A long
// series is searched coarse to fine: on means of consecutive points first
// (at most startCoarse), then at full resolution around the best of them.
func changePoint(ts, ys []float64) int {
	n := len(ys)
	if n < 2*minSide+1 {
		return -1
	}
	if n <= startCoarse {
		return changePointAmong(ts, ys, minSide, n-minSide)
	}
	bt, by := binMeans(ts, ys, startCoarse)
	kb := changePointAmong(bt, by, minSide, len(by)-minSide)
	if kb < 0 {
		return -1
	}
	g := (n + startCoarse - 1) / startCoarse // points per mean
	return changePointAmong(ts, ys, max(minSide, (kb-2)*g), min(n-minSide, (kb+3)*g))
}

// minSide is the fewest points changePoint leaves on either side of a
// change; startCoarse bounds the points of its coarse search.
const (
	minSide     = 3
	startCoarse = 200
)

// changePointAmong is changePoint's search over the candidates lo..hi.
func changePointAmong(ts, ys []float64, lo, hi int) int {
	n := len(ys)
	// Prefix sums for the step model's segment means.
	s1, s2 := make([]float64, n+1), make([]float64, n+1)
	for i, y := range ys {
		s1[i+1], s2[i+1] = s1[i]+y, s2[i]+y*y
	}
	sse := func(a, b int) float64 { // points a..b-1 about their mean
		m := float64(b - a)
		sum := s1[b] - s1[a]
		return s2[b] - s2[a] - sum*sum/m
	}
	best, bestK := math.Inf(1), -1
	for k := lo; k <= hi; k++ {
		if v := sse(0, k) + sse(k, n); v < best {
			best, bestK = v, k
		}
		// A hinge at ts[k] (y = a + b·max(0, t − ts[k])^pw): straight,
		// or accelerating as a power between 1.5 and 3.
		for _, pw := range hingePowers {
			if v := hingeSSE(ts, ys, ts[k], pw); v < best {
				best, bestK = v, k
			}
		}
	}
	return bestK
}

// lastFinite is the index of the last point where any sensor has a value.
func lastFinite(m Multi) int {
	for i := len(m.Times) - 1; i >= 0; i-- {
		for _, v := range m.Values {
			if !math.IsNaN(v[i]) {
				return i
			}
		}
	}
	return -1
}

// departures is how sensor j of sub departs from its usual pattern around
// e: dev(t) is its value less the usual value at t (the median of the same
// phase in earlier seasons; the value itself without a season), and med
// and sc the robust centre and scale of those departures over the week
// before e. ok is false with fewer than 12 of them or no spread.
func departures(sub Subject, j int, e Event) (dev func(int) float64, med, sc float64, ok bool) {
	vals := sub.Data.Values[j]
	step := stepOf(sub.Data.Times)
	if step <= 0 {
		step = time.Hour
	}
	p := CalendarPeriod(step, len(vals))
	dev = func(t int) float64 {
		if p > 1 {
			return vals[t] - UsualAt(vals, p, t)
		}
		return vals[t]
	}
	base0 := max(0, e.StartIdx-int(baselineSpan/step))
	base := make([]float64, 0, e.StartIdx-base0)
	for t := base0; t < e.StartIdx; t++ {
		base = append(base, dev(t))
	}
	med, sc = RobustLocScale(base)
	return dev, med, sc, sc > 0 && CountFinite(base) >= 12
}

// baselineSpan is the history an event's "usual level" scale is measured on.
const baselineSpan = 7 * 24 * time.Hour

// LevelStats measures sensor j of sub during e: the level (the latest hour
// when the event is still running, the peak for a spike, else the mean),
// the usual value at those times of the week (the median of the same phase
// in up to four earlier seasons), and how far the level is from usual in
// units of the robust scale of those seasonal residuals over the week
// before the event. Measured against the seasonal expectation, a night
// shift's low current is not "down 2σ"; a bearing's rising vibration is.
func LevelStats(sub Subject, j int, e Event) (level, usual, scale, sigma float64) {
	vals := sub.Data.Values[j]
	step := stepOf(sub.Data.Times)
	if step <= 0 {
		step = time.Hour
	}
	p := CalendarPeriod(step, len(vals))
	last := lastFinite(sub.Data)
	a, b := e.StartIdx, e.EndIdx
	switch {
	case e.EndIdx >= last-3 && !cameBack(sub, j, e):
		// Still running now: where it is.
		a = max(e.StartIdx, e.EndIdx-int(time.Hour/step))
	case e.Kind == KindSpike && e.PeakIdx < len(vals) && !math.IsNaN(vals[e.PeakIdx]):
		a, b = e.PeakIdx, e.PeakIdx
	}
	level = NaNMean(vals[a : b+1])
	base0 := max(0, e.StartIdx-int(baselineSpan/step))
	if dev, med, sc, ok := departures(sub, j, e); ok && p > 1 {
		var exp, res []float64
		for t := a; t <= b; t++ {
			exp = append(exp, UsualAt(vals, p, t))
			res = append(res, dev(t))
		}
		if u := NaNMean(exp); !math.IsNaN(u) {
			return level, u, sc, (NaNMean(res) - med) / sc
		}
	}
	// Without seasons to compare with: the raw level against the week before.
	usual, scale = RobustLocScale(vals[base0:e.StartIdx])
	if e.StartIdx-base0 < 12 {
		usual, scale = RobustLocScale(vals)
	}
	if scale > 0 {
		sigma = (level - usual) / scale
	}
	return level, usual, scale, sigma
}

// cameBack reports whether event e, running to the end of a window that
// ends before the data does, had come back by then (a motor that
// overheated, tripped and cooled before the month asked about ended): its
// last hour departs from the usual pattern by less than half as much as its
// furthest hour. Such an event is measured as a finished one, not at its
// last hour; one still far off at the window's end is measured there.
func cameBack(sub Subject, j int, e Event) bool {
	if !sub.Cut {
		return false
	}
	vals := sub.Data.Values[j]
	step := stepOf(sub.Data.Times)
	if step <= 0 {
		step = time.Hour
	}
	h := max(1, int(time.Hour/step))
	end := min(e.EndIdx, len(vals)-1)
	if end-e.StartIdx+1 < 2*h || e.StartIdx < h {
		return false
	}
	// Departures from the usual pattern as it was before the event (the
	// same phase of up to four seasons before it began; the week before
	// it without a season): a usual that learnt the event would call a
	// level that stayed up "back".
	p := CalendarPeriod(step, len(vals))
	base, _ := RobustLocScale(vals[max(0, e.StartIdx-int(baselineSpan/step)):e.StartIdx])
	usual := func(t int) float64 {
		if p <= 1 {
			return base
		}
		k := (t-e.StartIdx)/p + 1
		var xs []float64
		for ; len(xs) < 4 && t-k*p >= 0; k++ {
			if v := vals[t-k*p]; !math.IsNaN(v) {
				xs = append(xs, v)
			}
		}
		if len(xs) == 0 {
			return base
		}
		return median(xs)
	}
	off := func(t0 int) float64 {
		var xs []float64
		for t := t0; t < t0+h; t++ {
			xs = append(xs, vals[t]-usual(t))
		}
		return math.Abs(NaNMean(xs))
	}
	top := 0.0
	for t := e.StartIdx; t+h-1 <= end; t++ {
		if d := off(t); d > top {
			top = d
		}
	}
	lastOff := off(end - h + 1)
	return !math.IsNaN(lastOff) && lastOff < top/2
}

// UsualAt is the usual value of vals at t: the median of the same phase of
// the season p in up to four earlier seasons (NaN when there is none).
func UsualAt(vals []float64, p, t int) float64 {
	var xs [4]float64
	n := 0
	for k := 1; k <= 4 && t-k*p >= 0; k++ {
		if v := vals[t-k*p]; !math.IsNaN(v) {
			xs[n] = v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return medianSmall(xs[:n])
}

// RobustLocScale returns the median and the robust scale (1.4826·MAD) of
// the finite values of x; NaN for both when there are none.
func RobustLocScale(x []float64) (med, scale float64) {
	return medianMAD(x, nil)
}

// DecompositionSummary says what a decomposition of a window shows, for an
// explanation: how far the trend moved, how wide the usual pattern is, the
// largest residual and a verdict in words.
type DecompositionSummary struct {
	// Period is the seasonal period used, in points.
	Period int
	// TrendStart, TrendEnd and TrendChange describe the trend over the window.
	TrendStart, TrendEnd, TrendChange float64
	// SeasonalRange is the width of the seasonal pattern over the window.
	SeasonalRange float64
	// ResidualPeak is the largest residual in the window, ResidualPeakZ the
	// same in robust standard deviations of the residuals before it (0
	// when unknown).
	ResidualPeak, ResidualPeakZ float64
	// Verdict is the reading: a trend change, short irregular excursions,
	// or the usual daily/weekly pattern.
	Verdict string
}

// Verdicts a DecompositionSummary gives, as prefixes of its Verdict.
const (
	VerdictTrend     = "a trend change"
	VerdictIrregular = "short irregular excursions (residual), not a trend"
	VerdictPattern   = "the usual daily/weekly pattern explains most of the movement"
)

// SummarizeDecomposition reads dec over the points from w0 on (the
// points before are the baseline the residual scale comes from). The trend
// change counts when it exceeds half the seasonal range and three residual
// scales; excursions count when the largest residual exceeds four.
func SummarizeDecomposition(dec *Decomposition, w0 int, unit string) DecompositionSummary {
	tr := dec.Trend[w0:]
	s := DecompositionSummary{Period: dec.Period, TrendStart: firstFinite(tr), TrendEnd: lastFiniteValue(tr)}
	s.TrendChange = s.TrendEnd - s.TrendStart
	_, resScale := RobustLocScale(dec.Residual[:max(w0, 1)])
	s.SeasonalRange = rangeOf(dec.Seasonal[w0:])
	for _, r := range dec.Residual[w0:] {
		if !math.IsNaN(r) && math.Abs(r) > math.Abs(s.ResidualPeak) {
			s.ResidualPeak = r
		}
	}
	if resScale > 0 {
		s.ResidualPeakZ = s.ResidualPeak / resScale
	}
	u := ""
	if unit != "" {
		u = " " + unit
	}
	s.Verdict = VerdictPattern
	switch {
	case math.Abs(s.TrendChange) > math.Max(s.SeasonalRange/2, 3*resScale):
		s.Verdict = fmt.Sprintf("%s (%+.3g%s over the window), not the usual daily/weekly pattern", VerdictTrend, s.TrendChange, u)
	case resScale > 0 && math.Abs(s.ResidualPeak) > 4*resScale:
		s.Verdict = VerdictIrregular
	}
	return s
}

func firstFinite(x []float64) float64 {
	for _, v := range x {
		if !math.IsNaN(v) {
			return v
		}
	}
	return math.NaN()
}

func lastFiniteValue(x []float64) float64 {
	for i := len(x) - 1; i >= 0; i-- {
		if !math.IsNaN(x[i]) {
			return x[i]
		}
	}
	return math.NaN()
}

func rangeOf(x []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return 0
	}
	return hi - lo
}

// RankSimilar ranks past events of sub by their likeness to a and returns
// the best k (all when k <= 0). [Similar] weighs drivers, kind and
// duration; a technician also asks "did the same sensor move as far?", so
// the ranking adds the likeness of the leading sensor's excursion (same
// direction, the smaller σ over the larger), weighted 0.4 against 0.6.
func RankSimilar(sub Subject, a Anomaly, past []Event, k int) []Match {
	matches := Similar(a.Event, past, 0)
	for i := range matches {
		_, _, _, ps := LevelStats(sub, a.Lead, matches[i].Event)
		like := 0.0
		if ps*a.Sigma > 0 {
			like = math.Min(math.Abs(ps), math.Abs(a.Sigma)) / math.Max(math.Abs(ps), math.Abs(a.Sigma))
		}
		matches[i].Similarity = 0.6*matches[i].Similarity + 0.4*like
	}
	sort.SliceStable(matches, func(x, y int) bool { return matches[x].Similarity > matches[y].Similarity })
	if k > 0 && len(matches) > k {
		matches = matches[:k]
	}
	return matches
}
