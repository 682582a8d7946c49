package predict

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Defaults for DetectOptions; see the field docs.
const (
	defaultThreshold = 0.9
	// defaultOnlineThreshold is the online detector's own threshold on its
	// calibrated score (p ≈ 0.003 after the tests' correction), chosen on
	// the tuning split of the NAB development files.
	defaultOnlineThreshold = 0.32
	defaultEventGap        = 3
	defaultShiftH          = 12.0
	cusumK                 = 0.5 // CUSUM allowance: shifts below 2k = 1σ are not chased.
	cusumClip              = 3.0 // Huberised CUSUM: one spike adds at most clip−k, never an alarm alone.
	cusumCap               = 1.5 // S is capped at cap·h so the alarm ends soon after the baseline adapts.
	minDetectPoints        = 8
	onlineMinResiduals     = 20
)

// detector holds resolved options shared by the univariate and multivariate paths.
type detector struct {
	p         int
	window    int
	threshold float64
	zThr      float64 // the |z| whose score equals threshold
	gap       int
	h         float64 // CUSUM decision interval; <= 0 disables
	online    bool
	// the online spatial rule (DetectOptions.SpatialTolerance)
	spatialTol   float64
	spatialW     int
	spatialGuard float64
}

func newDetector(opt DetectOptions, p int) detector {
	d := detector{p: p, online: opt.Online, spatialTol: opt.SpatialTolerance, spatialW: opt.SpatialWindow, spatialGuard: opt.SpatialGuard}
	d.threshold = opt.Threshold
	if d.threshold <= 0 || d.threshold >= 1 {
		d.threshold = defaultThreshold
		if opt.Online {
			d.threshold = defaultOnlineThreshold
		}
	}
	d.zThr = zOfScore(d.threshold)
	d.gap = opt.MinEventGap
	if d.gap <= 0 {
		d.gap = defaultEventGap
	}
	d.window = opt.Window
	if d.window <= 0 {
		// A week of hourly data, or seven seasons, but at most 2,016 points
		// (two weeks of 10-minute data) so minute-level series stay fast.
		d.window = min(max(7*p, 168), 2016)
	}
	d.h = opt.ShiftThreshold
	if d.h == 0 {
		d.h = defaultShiftH
	}
	return d
}

// uniTrack is the per-series analysis: spike z, standardised deviation from
// the slow baseline, and the two CUSUM paths over it.
type uniTrack struct {
	z      []float64 // robust z of the residual; NaN where missing
	u      []float64 // standardised deviation from the trailing baseline; NaN where unknown
	sp, sn []float64 // upper and lower CUSUM
	des    []float64 // deseasonalised values
	ref    []float64 // the slow baseline each point was compared with
}

// Detect scores every point of s and groups anomalous points into events.
// See the package documentation for the method and the score.
func Detect(s Series, opt DetectOptions) (*Detection, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("predict: detect: %w", err)
	}
	if CountFinite(s.Values) < minDetectPoints {
		return nil, fmt.Errorf("predict: detect: %d points: %w", CountFinite(s.Values), ErrTooShort)
	}
	p := detectPeriodFor(s.Values, opt)
	d := newDetector(opt, p)
	if d.online {
		return d.detectOnline(s), nil
	}
	tr := d.analyze(s.Values)
	det := &Detection{Period: p, Points: make([]PointScore, len(s.Values))}
	shiftZ := d.scorePoints(tr, s.Values, det.Points)
	det.Events = d.events(det.Points, shiftZ, tr, s.Times, s.Values)
	return det, nil
}

// detectPeriodFor resolves the period option. Online mode looks only at a
// prefix (the first half, at least 500 points) so the period, too, is
// known before most of the points it is used on; strictly online callers
// should pass Period from history.
func detectPeriodFor(x []float64, opt DetectOptions) int {
	if opt.Period != 0 || !opt.Online {
		return resolvePeriod(x, opt.Period)
	}
	m := min(len(x), max(len(x)/2, 500))
	return resolvePeriod(x[:m], 0)
}

// scorePoints fills pts from the track and returns the shift statistic as an
// equivalent z per point (0 when shift detection is off).
func (d detector) scorePoints(tr uniTrack, x []float64, pts []PointScore) []float64 {
	shiftZ := make([]float64, len(x))
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(tr.z[i]) {
			pts[i] = PointScore{Missing: true}
			continue
		}
		if d.h > 0 {
			shiftZ[i] = d.zThr * math.Max(tr.sp[i], tr.sn[i]) / d.h
		}
		sc := math.Max(scoreOf(tr.z[i]), scoreOf(shiftZ[i]))
		pts[i] = PointScore{Score: sc, IsAnomaly: sc >= d.threshold, Z: tr.z[i]}
	}
	return shiftZ
}

// analyze runs the batch or online analysis of one series.
func (d detector) analyze(x []float64) uniTrack {
	if d.online {
		return d.analyzeOnline(x)
	}
	return d.analyzeBatch(x)
}

func (d detector) analyzeBatch(x []float64) uniTrack {
	n := len(x)
	tr := uniTrack{z: make([]float64, n), u: make([]float64, n)}
	_, prof, resid := decomposeRobust(x, d.p, 0)
	buf := make([]float64, 0, n)
	med, mad := medianMAD(resid, buf)
	sig := robustScale(resid, med, mad)
	sig = guardScale(sig, x)
	for i, r := range resid {
		tr.z[i] = (r - med) / sig
	}
	// Slow baseline for shifts: the trailing median of the deseasonalised
	// series over the window. The first half-window has too little past, so
	// it is compared with the median of the first window instead.
	des := make([]float64, n)
	for i, v := range x {
		des[i] = v - prof[i%len(prof)]
	}
	ref := rollingMedianTrailing(des, d.window)
	head := median(des[:min(n, d.window)])
	dev := make([]float64, n)
	for i := range des {
		if i < d.window/2 || math.IsNaN(ref[i]) {
			ref[i] = head
		}
		dev[i] = des[i] - ref[i]
	}
	tr.des, tr.ref = des, ref
	// The deviation is not re-centred: the baseline is already a median of
	// the same series, and centring on the whole series would turn a long
	// drift into a shift of the quiet part. Its scale is the median of
	// per-window MADs, so a shift or drift confined to fewer than half of
	// the windows cannot inflate it.
	usig := guardScale(blockScale(dev, d.window, buf), x)
	for i, v := range dev {
		tr.u[i] = v / usig
	}
	tr.sp, tr.sn = d.cusum(tr.u)
	return tr
}

// blockScale is the median over consecutive blocks of length w of each
// block's MAD scale: the usual spread of v within a window.
func blockScale(v []float64, w int, buf []float64) float64 {
	var scales []float64
	for lo := 0; lo < len(v); lo += w {
		b := v[lo:min(len(v), lo+w)]
		if CountFinite(b) < 8 {
			continue
		}
		med, mad := medianMAD(b, buf)
		scales = append(scales, robustScale(b, med, mad))
	}
	if len(scales) == 0 {
		med, mad := medianMAD(v, buf)
		return robustScale(v, med, mad)
	}
	return medianInPlace(scales)
}

// guardScale keeps a zero scale (a constant series) from dividing by zero
// while still letting any real change stand out.
func guardScale(sig float64, x []float64) float64 {
	if sig > 0 && !math.IsInf(sig, 0) {
		return sig
	}
	m := 0.0
	for _, v := range x {
		if !math.IsNaN(v) {
			m = math.Max(m, math.Abs(v))
		}
	}
	return 1e-9 * math.Max(m, 1)
}

// cusum runs the two-sided, Huberised, capped CUSUM over u. Missing u holds
// the statistics where they were.
func (d detector) cusum(u []float64) (sp, sn []float64) {
	n := len(u)
	sp, sn = make([]float64, n), make([]float64, n)
	if d.h <= 0 {
		return sp, sn
	}
	capS := cusumCap * d.h
	var p, q float64
	for i, v := range u {
		if !math.IsNaN(v) {
			v = math.Max(-cusumClip, math.Min(cusumClip, v))
			p = math.Min(capS, math.Max(0, p+v-cusumK))
			q = math.Min(capS, math.Max(0, q-v-cusumK))
		}
		sp[i], sn[i] = p, q
	}
	return sp, sn
}

// analyzeOnline scores point i from x[:i+1] only. The season profile and
// the scales are refreshed every few points from a trailing window (so cost
// stays linear); the local level and the slow baseline are trailing rolling
// medians updated every point.
func (d detector) analyzeOnline(x []float64) uniTrack {
	n := len(x)
	tr := uniTrack{z: make([]float64, n), u: make([]float64, n), ref: make([]float64, n)}
	p := d.p
	h := trendHalfWidth(p)
	m := 2*h + 1
	seasonWin := max(d.window, 20*p)
	scaleWin := min(max(d.window, 500), 5000)
	refresh := max(96, p)
	// Residuals start once three seasons give a first profile (warm0); scores
	// start a season later (warm), when the residual scale can come from
	// those out-of-sample residuals. An in-sample scale would be too small:
	// with few seasons the profile fits its own points closely.
	warm0 := max(3*p, 2*h, 24)
	warm := warm0 + max(p, 24)
	profAt := 0 // where the profile was last estimated

	prof := make([]float64, max(p, 1))
	des := make([]float64, n)   // deseasonalised values, with the profile at the time
	resid := make([]float64, n) // x − season − level
	dev := make([]float64, n)   // des − slow baseline
	lvl := sortedWindow{v: make([]float64, 0, m+1)}
	ref := sortedWindow{v: make([]float64, 0, d.window+1)}
	buf := make([]float64, 0, seasonWin)
	rMed, rSig, uSig := 0.0, math.NaN(), math.NaN()
	for i := range n {
		tr.z[i], tr.u[i], resid[i], dev[i], tr.ref[i] = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		// Scales are refreshed every refresh points, and every 24 while the
		// scale window is still filling, when each new residual matters.
		early := i >= warm && i < warm+scaleWin && (i-warm)%24 == 0
		if i >= warm0 && ((i-warm0)%refresh == 0 || early) {
			lo := max(0, i-seasonWin)
			// The season changes slowly; re-estimating it every fourth
			// refresh keeps the cost down without going stale. Early on,
			// while the history is short, each 50% more history improves
			// the profile a lot, so it is re-estimated then too.
			if p > 1 && (i-warm0)%refresh == 0 && ((i-warm0)%(4*refresh) == 0 || (i < seasonWin && 2*i >= 3*profAt)) {
				prof = profileOf(x[lo:i], p, lo%p)
				profAt = i
				// While the profile is young it changes a lot: re-express
				// the recent past with it so the level and baseline
				// windows compare like with like (at the first estimate
				// they held raw, seasonal values). Later updates are small
				// and the old values age out of the windows on their own.
				if i < seasonWin {
					back := max(0, i-max(m, d.window, scaleWin))
					for j := back; j < i; j++ {
						des[j] = x[j] - prof[j%p]
					}
					lvl.reset(des[max(0, i-m):i])
					ref.reset(des[max(0, i-d.window):i])
				}
			}
			sl := max(0, i-scaleWin)
			rMed, rSig = d.trailingScale(resid[sl:i], des[sl:i], buf)
			_, uSig = d.trailingScale(dev[sl:i], des[sl:i], buf)
		}
		des[i] = x[i] - prof[i%len(prof)]
		if i >= warm0 && !math.IsNaN(x[i]) {
			resid[i] = des[i] - lvl.median()
			tr.ref[i] = ref.median()
			dev[i] = des[i] - tr.ref[i]
		}
		if i >= warm && !math.IsNaN(x[i]) {
			if !math.IsNaN(rSig) {
				tr.z[i] = (resid[i] - rMed) / rSig
			}
			if !math.IsNaN(uSig) {
				tr.u[i] = dev[i] / uSig
			}
		}
		lvl.add(des[i])
		if j := i - m; j >= 0 {
			lvl.remove(des[j])
		}
		ref.add(des[i])
		if j := i - d.window; j >= 0 {
			ref.remove(des[j])
		}
	}
	tr.sp, tr.sn = d.cusum(tr.u)
	tr.des = des
	return tr
}

// trailingScale returns the median and robust scale of the past values v,
// or NaN scale while fewer than onlineMinResiduals are known. Until then
// the scale comes from the MAD of the first differences (/√2) of the
// deseasonalised window raw, so scoring can start as soon as the warm-up
// ends.
func (d detector) trailingScale(v, raw []float64, buf []float64) (float64, float64) {
	if c := CountFinite(v); c >= onlineMinResiduals {
		med, mad := medianMAD(v, buf)
		// A MAD from c points is off by about 1.17/√c of itself; erring
		// on the wide side keeps a young scale from raising false alarms.
		sig := robustScale(v, med, mad) * (1 + 1/math.Sqrt(float64(c)))
		return med, guardScale(sig, raw)
	}
	diff := make([]float64, 0, len(raw))
	for i := 1; i < len(raw); i++ {
		diff = append(diff, raw[i]-raw[i-1])
	}
	med, mad := medianMAD(diff, buf)
	sig := robustScale(diff, med, mad) / math.Sqrt2
	return 0, guardScale(sig, raw)
}

// anomalyRuns groups the anomalous points of pts into runs, allowing gaps
// of up to gap normal points inside one, builds an event of each run with
// mk (from its first to its last anomalous index) and merges the events
// with mergeEvents.
func anomalyRuns(pts []PointScore, gap int, mk func(start, last int) Event) []Event {
	var evs []Event
	start, last := -1, -1
	flush := func() {
		if start < 0 {
			return
		}
		evs = append(evs, mk(start, last))
		start = -1
	}
	for i, p := range pts {
		if !p.IsAnomaly {
			continue
		}
		if start >= 0 && i-last-1 > gap {
			flush()
		}
		if start < 0 {
			start = i
		}
		last = i
	}
	flush()
	return mergeEvents(evs, gap)
}

// events groups anomalous points into events, allowing gaps of d.gap normal
// points, and labels each one's kind.
func (d detector) events(pts []PointScore, shiftZ []float64, tr uniTrack, times []time.Time, x []float64) []Event {
	evs := anomalyRuns(pts, d.gap, func(start, last int) Event {
		return d.makeEvent(start, last, pts, shiftZ, tr, times, x)
	})
	// Label shifts on the merged extent: a run cut short by a flicker
	// below the threshold shows too little of a ramp to call it a drift.
	for i := range evs {
		if evs[i].Kind != KindSpike {
			evs[i].Kind = classifyFrom(tr, evs[i].StartIdx, evs[i].EndIdx)
		}
	}
	return evs
}

// blendShares mixes two events' contributions in proportion to their
// lengths, largest share first.
func blendShares(a []Contribution, wa float64, b []Contribution, wb float64) []Contribution {
	sum := map[string]float64{}
	var order []string
	for _, side := range []struct {
		c []Contribution
		w float64
	}{{a, wa}, {b, wb}} {
		for _, c := range side.c {
			if _, ok := sum[c.Sensor]; !ok {
				order = append(order, c.Sensor)
			}
			sum[c.Sensor] += c.Share * side.w
		}
	}
	var total float64
	for _, v := range sum {
		total += v
	}
	out := make([]Contribution, 0, len(order))
	for _, name := range order {
		out = append(out, Contribution{Sensor: name, Share: sum[name] / total})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Share > out[j].Share })
	return out
}

// mergeEvents joins events that overlap once shift events are extended back
// to their change point: the tail of one shift, flickering around the
// threshold, must not be reported as a second shift with the same origin.
func mergeEvents(evs []Event, gap int) []Event {
	if len(evs) < 2 {
		return evs
	}
	out := evs[:1]
	for _, e := range evs[1:] {
		last := &out[len(out)-1]
		if e.StartIdx > last.EndIdx+gap {
			out = append(out, e)
			continue
		}
		if last.Contributions != nil || e.Contributions != nil {
			last.Contributions = blendShares(last.Contributions, float64(last.EndIdx-last.StartIdx+1), e.Contributions, float64(e.EndIdx-e.StartIdx+1))
		}
		last.EndIdx, last.End = e.EndIdx, e.End
		if e.Score > last.Score {
			last.PeakIdx, last.PeakTime, last.PeakValue, last.Score = e.PeakIdx, e.PeakTime, e.PeakValue, e.Score
		}
		if last.Kind == KindSpike && e.Kind != KindSpike {
			last.Kind = e.Kind
		}
	}
	return out
}

func (d detector) makeEvent(a, b int, pts []PointScore, shiftZ []float64, tr uniTrack, times []time.Time, x []float64) Event {
	peak := a
	nShift, nSpike, firstShift := 0, 0, -1
	for i := a; i <= b; i++ {
		if pts[i].Score > pts[peak].Score {
			peak = i
		}
		if !pts[i].IsAnomaly {
			continue
		}
		if scoreOf(shiftZ[i]) >= d.threshold {
			nShift++
			if firstShift < 0 {
				firstShift = i
			}
		}
		if scoreOf(tr.z[i]) >= d.threshold {
			nSpike++
		}
	}
	ev := Event{StartIdx: a, OnsetIdx: a, EndIdx: b, PeakIdx: peak, Score: pts[peak].Score, Kind: KindSpike}
	if x != nil {
		ev.PeakValue = x[peak]
	}
	if nShift > 0 && nShift >= nSpike {
		ev.Kind, ev.StartIdx = classifyShift(tr, firstShift, b)
		ev.StartIdx = min(ev.StartIdx, a)
	}
	if times != nil {
		ev.Start, ev.End, ev.PeakTime, ev.Onset = times[ev.StartIdx], times[ev.EndIdx], times[ev.PeakIdx], times[ev.OnsetIdx]
	}
	return ev
}

// classifyShift finds the change point behind a CUSUM alarm at index alarm
// (the last point before it where the alarming path was zero) and tells an
// abrupt level shift from a gradual drift by a line fitted to the
// deseasonalised values from the change point to end (at least 24 points):
// a step jumps at once, so the line starts near its final level; a ramp
// starts near the old baseline. The jump at the change point must be at
// least half the total change for a level shift.
func classifyShift(tr uniTrack, alarm, end int) (kind string, changeIdx int) {
	s := tr.sp
	if tr.sn[alarm] > tr.sp[alarm] {
		s = tr.sn
	}
	c := alarm
	for c > 0 && s[c-1] > 0 {
		c--
	}
	return classifyFrom(tr, c, end), c
}

// classifyFrom labels a sustained change that began at c and lasted to end
// as a level shift or a drift (see classifyShift).
func classifyFrom(tr uniTrack, c, end int) string {
	base := tr.ref[c]
	hi := min(len(tr.des), max(end+1, c+24))
	a, b, ok := fitLine(tr.des[c:hi])
	if !ok || math.IsNaN(base) {
		return KindLevelShift
	}
	jump := a - base
	total := a + b*float64(hi-c-1) - base
	if math.Abs(jump) < 0.5*math.Abs(total) {
		return KindDrift
	}
	return KindLevelShift
}

// fitLine fits y = a + b·i by least squares over the non-NaN points.
func fitLine(y []float64) (a, b float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		t := float64(i)
		n++
		sx += t
		sy += v
		sxx += t * t
		sxy += t * v
	}
	den := n*sxx - sx*sx
	if n < 3 || den == 0 {
		return 0, 0, false
	}
	b = (n*sxy - sx*sy) / den
	a = (sy - b*sx) / n
	return a, b, true
}
