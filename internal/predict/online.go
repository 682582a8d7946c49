package predict

import (
	"math"
	"slices"
	"time"
)

// Kinds the online detector adds to the batch detector's spike, level shift
// and drift.
const (
	// KindVariance is a change in how noisy the series is.
	KindVariance = "variance_change"
	// KindFlatline is a run of identical values: a stuck or frozen sensor.
	KindFlatline = "flatline"
)

// span is one event's extent in point indices.
type span struct{ start, last, peak int }

// alarm turns per-point scores into events that fire once, at onset. A
// point whose score reaches the threshold opens an event; the event lasts
// while scores stay above half the threshold (allowing gaps of up to gap
// points) and, whatever the scores, for at least hold points, during which
// nothing new fires: one anomaly is one event, however long it lasts. The
// one exception is escalation: once the event has had escalateAfter points
// to develop, a point at least escalation times as surprising (in
// −log10 p) as anything seen since the onset opens a new event. Squaring a
// probability is no longer the same anomaly going on: a level drop held
// by an earlier blip, then a spike far beyond both, is news. The reported
// score of the points inside an event after its onset is capped below half
// the threshold, so a threshold picked on the scores finds the same onsets.
type alarm struct {
	thr, low  float64
	hold, gap int
	active    bool
	cur       span
	peakScore float64
	maxSeen   float64 // the highest score since the current onset
	until     int     // no new event up to this index
	done      []span
}

// Escalation inside an event (see alarm).
const (
	escalation    = 2.0          // surprise (−log10 p) ratio that opens a new event
	escalateAfter = streamShortM // points an event has to develop first
)

func newAlarm(thr float64, hold, gap int) *alarm {
	return &alarm{thr: thr, low: thr / 2, hold: hold, gap: gap, until: -1}
}

// step takes point i's raw score and returns the reported score and whether
// the point opens an event.
func (a *alarm) step(i int, raw float64, missing bool) (reported float64, onset bool) {
	if a.active && i > a.until && i-a.cur.last > a.gap {
		a.active = false
		a.done = append(a.done, a.cur)
	}
	if missing {
		return 0, false
	}
	held := a.active || i <= a.until
	if held && raw >= a.thr && i-a.cur.start >= escalateAfter &&
		scoreSurprise(raw) >= escalation*scoreSurprise(a.maxSeen) {
		if a.active {
			a.done = append(a.done, a.cur)
		}
		held = false
	}
	if held {
		a.maxSeen = math.Max(a.maxSeen, raw)
		if a.active && raw >= a.low {
			a.cur.last = i
			if raw > a.peakScore {
				a.cur.peak, a.peakScore = i, raw
			}
		}
		return math.Min(raw, a.low*0.999), false
	}
	if raw >= a.thr {
		a.active, a.cur, a.peakScore, a.maxSeen, a.until = true, span{i, i, i}, raw, raw, i+a.hold
		return raw, true
	}
	return raw, false
}

// spans returns the events, closing one still open.
func (a *alarm) spans() []span {
	if a.active {
		a.active = false
		a.done = append(a.done, a.cur)
	}
	return a.done
}

// holdPoints is how long an event holds (no new event fires), in points: half
// a day of data, at least 12 points.
func holdPoints(step time.Duration) int {
	if step <= 0 {
		return 48
	}
	return max(int(12*time.Hour/step), 12)
}

// detectOnline runs the streaming detector over x.
func (d detector) detectOnline(s Series) *Detection {
	x := s.Values
	n := len(x)
	st := NewStream(d.p)
	det := &Detection{Period: d.p, Points: make([]PointScore, n)}
	raw := make([]float64, n)
	z := make([]float64, n)
	tests := make([]int, n)
	al := newAlarm(d.threshold, holdPoints(stepOf(s.Times)), d.gap)
	rt := newRangeTrack(d.spatialTol, d.spatialW)
	for i, v := range x {
		sp := st.Push(v)
		if sp.Warm && rt.outside(v, d.spatialPad(sp)) {
			sp.Score = math.Max(sp.Score, SpatialScore)
		}
		rt.push(v)
		raw[i], z[i], tests[i] = sp.Score, sp.Z, sp.Test
		if !sp.Warm && det.WarmUp == i && !math.IsNaN(v) || (det.WarmUp == i && math.IsNaN(v)) {
			det.WarmUp = i + 1 // the leading points the detector could not judge
		}
		rep, onset := al.step(i, sp.Score, !sp.Warm)
		zz := sp.Z
		if math.IsNaN(zz) {
			zz = 0
		}
		det.Points[i] = PointScore{Score: rep, IsAnomaly: onset, Z: zz, Missing: !sp.Warm}
	}
	for _, sp := range al.spans() {
		det.Events = append(det.Events, onlineEvent(sp, raw, z, tests, s.Times, x))
	}
	return det
}

// onlineEvent describes one event of the online detector.
func onlineEvent(sp span, raw, z []float64, tests []int, times []time.Time, x []float64) Event {
	ev := Event{StartIdx: sp.start, OnsetIdx: sp.start, EndIdx: sp.last, PeakIdx: sp.peak, Score: raw[sp.peak]}
	if x != nil {
		ev.PeakValue = x[sp.peak]
	}
	switch tests[sp.start] {
	case TestVariance:
		ev.Kind = KindVariance
	case TestStuck:
		ev.Kind = KindFlatline
	case TestDrift:
		ev.Kind = KindDrift
	case TestLevel:
		ev.Kind = KindLevelShift
		if sp.last-sp.start >= 6 {
			ev.Kind = KindDrift
		}
	case TestShift:
		ev.Kind = KindLevelShift
	default:
		// A spike returns at once: the points after the onset are back
		// within the usual noise. Otherwise the onset began a shift.
		ev.Kind = KindSpike
		for t := sp.start + 1; t <= min(sp.start+3, len(z)-1); t++ {
			if !math.IsNaN(z[t]) && math.Abs(z[t]) >= 3 {
				ev.Kind = KindLevelShift
			}
		}
	}
	// A frozen value inside the event makes it a flatline, whichever test
	// fired first (the wave moving away from it often does).
	if tests[sp.peak] == TestStuck || frozenRun(x, sp.start, sp.last) >= 5 {
		ev.Kind = KindFlatline
	}
	if ev.Kind == KindDrift || ev.Kind == KindLevelShift {
		// The change began before the alarm: walk back while the residuals
		// lean the same way.
		sign := math.Copysign(1, z[sp.start])
		c := sp.start
		for c > 0 && sp.start-c < streamLongM && !math.IsNaN(z[c-1]) && sign*z[c-1] >= 1 {
			c--
		}
		ev.StartIdx = c
	}
	if times != nil {
		ev.Start, ev.End, ev.PeakTime, ev.Onset = times[ev.StartIdx], times[ev.EndIdx], times[ev.PeakIdx], times[ev.OnsetIdx]
	}
	return ev
}

// frozenRun is the longest run of identical values in x[a..b] (0 without x).
func frozenRun(x []float64, a, b int) int {
	if x == nil {
		return 0
	}
	best, run := 0, 0
	for i := a + 1; i <= b && i < len(x); i++ {
		if !math.IsNaN(x[i]) && x[i] == x[i-1] {
			run++
			best = max(best, run+1)
		} else {
			run = 0
		}
	}
	return best
}

// stepOf is the spacing of the first two timestamps (0 without them).
func stepOf(times []time.Time) time.Duration {
	if len(times) < 2 {
		return 0
	}
	return times[1].Sub(times[0])
}

// jointH is the CUSUM decision interval of the joint shift test, in units
// of each sensor's residual scale: the operating point measured on the
// Azure PdM telemetry (a drift building over a day or two).
const jointH = 18

// detectMultiOnline runs one streaming detector per sensor and joins them
// with a joint test of sustained shifts (each sensor's CUSUM against its
// slow baseline and a multivariate EWMA, see jointMulti): a point's
// probability is the smallest of the sensors' and the joint test's (its
// equivalent z read as a normal tail), corrected for how many there are;
// each sensor's share of a point is its share of the point's surprise
// (−log10 p), or the joint test's attribution when that wins; events fire
// once, at onset, as in the univariate case, and an event's contributions
// are its points' shares weighted by their scores.
func (d detector) detectMultiOnline(m Multi, n int, opt DetectOptions) *Detection {
	k := len(m.Values)
	var joint *Detection
	{
		jd := d
		// The joint test's season must be real: a calendar period the data
		// does not show (weekly, on machines that run alike every day)
		// only adds noise. It is judged on the first four seasons, so once
		// they are seen no later point changes the decision.
		seasonal := 0
		for _, x := range m.Values {
			if seasonalAt(x, jd.p, 4*jd.p) {
				seasonal++
			}
		}
		if 2*seasonal < len(m.Values) {
			jd.p = 1
		}
		jd.threshold = 0.99
		jd.zThr = zOfScore(jd.threshold)
		jd.h = jointH
		joint = jd.jointMulti(m, n, opt)
	}
	streams := make([]*Stream, k)
	ranges := make([]*rangeTrack, k)
	for j := range streams {
		streams[j] = NewStream(d.p)
		ranges[j] = newRangeTrack(d.spatialTol, d.spatialW)
	}
	det := &Detection{Period: d.p, Points: make([]PointScore, n), Contributions: make([][]float64, n)}
	shares := make([]float64, n*k)
	raw := make([]float64, n)
	z := make([]float64, n)
	tests := make([]int, n)
	lead := make([]int, n)
	thr := d.threshold
	if opt.AssetThreshold > 0 && opt.AssetThreshold < 1 {
		thr = opt.AssetThreshold
	}
	al := newAlarm(thr, holdPoints(stepOf(m.Times)), d.gap)
	for t := range n {
		row := shares[t*k : (t+1)*k]
		det.Contributions[t] = row
		best, present, sum := 0.0, 0, 0.0
		lead[t] = -1
		var outside []int // sensors beyond their range so far (the spatial rule)
		for j, st := range streams {
			v := m.Values[j][t]
			sp := st.Push(v)
			if sp.Warm && ranges[j].outside(v, d.spatialPad(sp)) {
				outside = append(outside, j)
			}
			ranges[j].push(v)
			if !sp.Warm {
				continue
			}
			present++
			row[j] = -sp.Log10P
			sum += row[j]
			if lead[t] < 0 || sp.Log10P < best {
				best, lead[t], z[t], tests[t] = sp.Log10P, j, sp.Z, sp.Test
			}
		}
		if joint != nil && !joint.Points[t].Missing {
			// The joint test's equivalent z, as a one-sided normal tail,
			// competes with the sensors.
			lp := log10NormalTail2(joint.Points[t].Z) - math.Log10(2)
			if lp < best || present == 0 {
				best = lp
				copy(row, joint.Contributions[t])
				sum = 0
				for _, v := range row {
					sum += v
				}
				z[t], tests[t], lead[t] = joint.Points[t].Z, TestLevel, -1
			}
			present++
		}
		if present == 0 {
			det.WarmUp = t + 1
			det.Points[t] = PointScore{Missing: true}
			al.step(t, 0, true)
			continue
		}
		if sum > 0 {
			for j := range row {
				row[j] /= sum
			}
		}
		raw[t] = surpriseScore(math.Min(0, best+math.Log10(float64(present))))
		if len(outside) > 0 && raw[t] < SpatialScore {
			// The spatial rule: the sensors beyond their range share it.
			raw[t] = SpatialScore
			clear(row)
			for _, j := range outside {
				row[j] = 1 / float64(len(outside))
			}
			lead[t] = outside[0]
		}
		rep, onset := al.step(t, raw[t], false)
		det.Points[t] = PointScore{Score: rep, IsAnomaly: onset, Z: math.Abs(z[t])}
	}
	for _, sp := range al.spans() {
		ev := onlineEvent(sp, raw, z, tests, m.Times, nil)
		total := make([]float64, k)
		var all float64
		for t := ev.StartIdx; t <= ev.EndIdx; t++ {
			for j, c := range det.Contributions[t] {
				total[j] += raw[t] * c
				all += raw[t] * c
			}
		}
		for j, v := range total {
			if all > 0 && v > 0 {
				ev.Contributions = append(ev.Contributions, Contribution{Sensor: m.Names[j], Share: v / all})
			}
		}
		sortContributions(ev.Contributions)
		if len(ev.Contributions) == 0 && lead[sp.start] >= 0 {
			ev.Contributions = []Contribution{{Sensor: m.Names[lead[sp.start]], Share: 1}}
		}
		det.Events = append(det.Events, ev)
	}
	return det
}

// sortContributions orders shares largest first (stable for ties).
func sortContributions(c []Contribution) {
	slices.SortStableFunc(c, func(a, b Contribution) int {
		switch {
		case a.Share > b.Share:
			return -1
		case a.Share < b.Share:
			return 1
		}
		return 0
	})
}
