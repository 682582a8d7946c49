package predict

import (
	"math"
	"slices"
)

// Constants of the online detector. They are structural (window lengths in
// points, the tests' forms) and were settled on the tuning split of the
// development data (see the package documentation), not fitted to any one
// series.
const (
	streamLevelK      = 9    // points in the trailing median level
	streamSeasons     = 4    // past seasons whose phase medians predict the season
	streamResidualW   = 1000 // residuals the robust centre and scale come from
	streamCalibW      = 2000 // history of each test statistic for its calibration
	streamRefresh     = 25   // points between refits of a residual scale
	streamCalibRefit  = 200  // values between refits of a calibration (sooner while young)
	streamShortM      = 6    // points of the short shift test
	streamLongM       = 36   // points of the slow drift test
	streamVarM        = 12   // points of the variance test
	streamLevelM      = 12   // points of the level test's recent mean
	streamLevelBaseW  = 200  // points of the level test's baseline without a season
	streamWarmup      = 150  // points before the first score
	streamMinHistory  = 50   // values a test's calibration needs before it counts
	streamHalfDecades = 5.0  // decades of improbability that score 0.5
	streamTests       = 6    // tests whose smallest p-value is corrected (Bonferroni)
)

// ring is a fixed-size history of the latest values.
type ring struct {
	v    []float64
	next int
	n    int
}

func newRing(size int) *ring { return &ring{v: make([]float64, max(size, 1))} }

func (r *ring) push(x float64) (old float64, full bool) {
	old, full = r.v[r.next], r.n == len(r.v)
	r.v[r.next] = x
	r.next = (r.next + 1) % len(r.v)
	if !full {
		r.n++
	}
	return old, full
}

// back returns the value pushed j pushes ago (j = 1 is the latest), NaN
// when it is not held.
func (r *ring) back(j int) float64 {
	if j < 1 || j > r.n {
		return math.NaN()
	}
	return r.v[((r.next-j)%len(r.v)+len(r.v))%len(r.v)]
}

// robustTrack keeps a predictor's recent residuals and their robust centre
// and scale, refreshed every streamRefresh points.
type robustTrack struct {
	res        *ring
	buf        []float64
	centre, sc float64
	since, cnt int
}

func newRobustTrack() *robustTrack {
	return &robustTrack{res: newRing(streamResidualW), sc: math.NaN()}
}

func (t *robustTrack) add(e float64) {
	if math.IsNaN(e) {
		return
	}
	t.res.push(e)
	t.cnt++
	t.since++
	if t.since >= streamRefresh || (t.cnt < 200 && t.since >= 5) {
		t.since = 0
		vals := t.res.v[:t.res.n]
		med, mad := medianMAD(vals, t.buf)
		t.centre = med
		t.sc = robustScale(vals, med, mad)
	}
}

// z standardises e, or NaN while there is no scale.
func (t *robustTrack) z(e float64, floor float64) float64 {
	if math.IsNaN(t.sc) || t.cnt < 20 {
		return math.NaN()
	}
	return (e - t.centre) / math.Max(t.sc, floor)
}

// Stream is the online detector of one series: each point is scored from
// the points before it only, in constant time per point.
//
// Two predictors give the expected value of each point: the median of the
// last few points (the level) and the level plus the median deviation from
// the level at the same phase of the last few seasons (the season); the one
// with the smaller recent error is used, so a series that loses its daily
// pattern is judged without it. Six tests look at the standardised
// residual: its size (spikes, the onset of a level shift), its mean over a
// few points (a shift) and over a longer stretch (a drift or trend change),
// the recent mean against past seasons and a trailing baseline (a level
// change the short-term level has absorbed), its spread (a variance change)
// and a run of identical values (a stuck or flat-lined sensor). Each test statistic is calibrated against its own
// recent history (see calibrator), the smallest p-value is corrected for
// the number of tests, and the point's score is S/(S+5) with S = −log10 p:
// a score of 0.5 means "as surprising as a one-in-100,000 point here".
type Stream struct {
	p      int // seasonal period; 1 for none
	n      int // points pushed
	lastX  float64
	run    int // length of the current run of equal values
	level  sortedWindow
	recent *ring // last streamLevelK values (NaN kept), for the level window
	dev    *ring // x − level, the last streamSeasons·p points
	hist   *ring // raw values, the last streamSeasons·p + p/48 points
	// phaseErrFlat and phaseErrSeas are each predictor's usual absolute
	// error at each phase; phaseSeen marks the phases learnt.
	phaseErrFlat, phaseErrSeas []float64
	phaseSeen                  []bool
	flat                       *robustTrack
	seas                       *robustTrack
	errFlat                    float64 // EWMA of |standardised error| of each predictor
	errSeas                    float64
	zs                         *ring // recent chosen standardised residuals
	cum                        *ring // running sum of the values (missing ones count 0)
	cnt                        *ring // running count of the values
	sum, nv                    float64
	base                       sortedWindow // non-seasonal baseline: values from W to m points back
	baseLag                    *ring        // the last W values, to move the baseline window
	cal                        [streamTests]*calibrator
	runs                       *calibrator // lengths of completed runs of identical values
	floor                      float64     // smallest scale, from the data's magnitude
	// Last is the most recent point's analysis, for callers that explain.
	last StreamPoint
}

// StreamPoint is the detector's analysis of one point.
type StreamPoint struct {
	// Score is −log10(p)/10 capped at 1 (see Stream); 0 while warming up or
	// for a missing value.
	Score float64
	// Expected is the predicted value, NaN while unknown.
	Expected float64
	// Z is the standardised residual (signed), NaN while unknown.
	Z float64
	// Scale is the residual scale Z is standardised by: the robust (MAD)
	// scale of the chosen predictor's recent residuals, learnt from the
	// points before this one; NaN while unknown.
	Scale float64
	// Log10P is log10 of the point's tail probability (the smallest of the
	// tests' p-values, corrected for their number); 0 when not scored.
	Log10P float64
	// Test is the index of the test with the smallest p-value.
	Test int
	// Warm reports that the point was scored (the warm-up is over and the
	// value is present).
	Warm bool
}

// Stream test indices, as reported in StreamPoint.Test.
const (
	TestSpike = iota
	TestShift
	TestDrift
	TestVariance
	TestStuck
	TestLevel
)

// NewStream returns a detector for a series with seasonal period p (≤ 1 for
// none).
func NewStream(p int) *Stream {
	if p < 2 {
		p = 1
	}
	s := &Stream{p: p, recent: newRing(streamLevelK), flat: newRobustTrack(), seas: newRobustTrack(), lastX: math.NaN()}
	s.level.v = make([]float64, 0, streamLevelK+1)
	if p > 1 {
		s.dev = newRing(streamSeasons * p)
		s.hist = newRing(streamSeasons*p + envelopeHalf(p) + 1)
		s.phaseErrFlat, s.phaseErrSeas, s.phaseSeen = make([]float64, p), make([]float64, p), make([]bool, p)
	}
	s.zs = newRing(streamLongM)
	s.runs = newCalibrator(streamCalibW, streamCalibRefit, 3)
	s.cum = newRing(streamSeasons*p + streamLevelM + 2)
	s.cnt = newRing(streamSeasons*p + streamLevelM + 2)
	s.baseLag = newRing(streamLevelBaseW + streamLevelM)
	for i := range s.cal {
		s.cal[i] = newCalibrator(streamCalibW, streamCalibRefit, 0.1)
	}
	for _, i := range []int{TestShift, TestDrift, TestLevel} {
		s.cal[i].mean = true
	}
	return s
}

// Push scores x (NaN for a missing value) from the points before it, then
// learns from it.
func (s *Stream) Push(x float64) StreamPoint {
	s.n++
	pt := StreamPoint{Expected: math.NaN(), Z: math.NaN(), Scale: math.NaN()}
	if math.IsNaN(x) {
		s.forget()
		s.last = pt
		return pt
	}
	if s.floor == 0 || math.Abs(x)*1e-9 > s.floor {
		s.floor = math.Max(math.Abs(x)*1e-9, 1e-12)
	}
	lvl := s.level.median()
	if math.IsNaN(lvl) {
		lvl = x
	}
	// The season: median deviation from the level at this phase.
	seasDev := math.NaN()
	if s.dev != nil {
		var d [streamSeasons]float64
		k := 0
		for j := 1; j <= streamSeasons; j++ {
			if v := s.dev.back(j * s.p); !math.IsNaN(v) {
				d[k] = v
				k++
			}
		}
		if k >= 2 {
			seasDev = medianSmall(d[:k])
		}
	}
	eFlat := x - lvl
	eSeas := x - (lvl + seasDev)
	zFlat := s.flat.z(eFlat, s.floor)
	zSeas := s.seas.z(eSeas, s.floor)
	z := zFlat
	pt.Expected = lvl
	// A point is only as surprising as the predictor that explains it
	// best: the level explains a daily pattern's steady stretches, the
	// season its regular steps. A predictor whose usual error is more than
	// twice the other's does not get a say: its errors are so large that
	// it would excuse anything by chance.
	zsc := s.flat.sc
	seasonOnly := false
	if !math.IsNaN(zSeas) {
		ph := (s.n - 1) % s.p
		ef, es := s.phaseErrFlat[ph], s.phaseErrSeas[ph]
		switch {
		case math.IsNaN(zFlat) || ef > 4*es:
			// At this phase the level is usually far off (the steep side
			// of a daily wave): it cannot vouch for the point. The level
			// test, too, then compares with the season alone, if the
			// season is worth having at all: on a series without one, a
			// phase where the level happened to be off by chance must not
			// make a single point's level jump.
			z, pt.Expected, zsc = zSeas, lvl+seasDev, s.seas.sc
			seasonOnly = s.errSeas < s.errFlat
		case math.Abs(zSeas) < math.Abs(zFlat):
			z, pt.Expected, zsc = zSeas, lvl+seasDev, s.seas.sc
		}
		// Learn each predictor's usual error at this phase (about the
		// last five seasons), clipped so an anomaly barely moves it.
		const a = 0.2
		if s.phaseSeen[ph] {
			s.phaseErrFlat[ph] = (1-a)*ef + a*math.Min(math.Abs(eFlat), 5*ef+s.floor)
			s.phaseErrSeas[ph] = (1-a)*es + a*math.Min(math.Abs(eSeas), 5*es+s.floor)
		} else {
			s.phaseErrFlat[ph], s.phaseErrSeas[ph], s.phaseSeen[ph] = math.Abs(eFlat), math.Abs(eSeas), true
		}
	}
	// Runs of identical values.
	if x == s.lastX {
		s.run++
	} else {
		if s.run > 0 || !math.IsNaN(s.lastX) {
			s.runs.add(float64(s.run)) // a run ended: learn its length
		}
		s.run = 0
	}
	s.lastX = x
	pt.Z = z
	if !math.IsNaN(z) {
		pt.Scale = math.Max(zsc, s.floor)
	}
	// The spike test forgives a value inside the range seen near this time
	// of day in past seasons: a daily job's spike that comes a few minutes
	// early or late is not news.
	spike := math.Abs(z)
	if s.hist != nil && !math.IsNaN(z) {
		if lo, hi := s.envelope(); !math.IsNaN(lo) {
			// The margin beyond the envelope's nearer edge, negative
			// inside it, in units of the noise scale: a continuous
			// statistic, so its calibration has a tail to learn from.
			margin := x - hi
			if x < (lo+hi)/2 {
				margin = lo - x
			}
			spike = math.Min(spike, margin/math.Max(zsc, s.floor))
		}
	}
	var stat [streamTests]float64
	for i := range stat {
		stat[i] = math.NaN()
	}
	if !math.IsNaN(z) {
		s.zs.push(clip(z, 50))
		stat[TestSpike] = spike
		stat[TestShift] = math.Abs(s.meanZ(streamShortM)) * math.Sqrt(streamShortM)
		stat[TestDrift] = math.Abs(s.meanZ(streamLongM)) * math.Sqrt(streamLongM)
		stat[TestVariance] = s.spread(streamVarM)
		stat[TestLevel] = s.levelStat(x, seasonOnly)
	}
	if s.run > 0 {
		stat[TestStuck] = float64(s.run)
	}
	if s.n > streamWarmup && !math.IsNaN(z) {
		best := 0.0
		for i, v := range stat {
			cal := s.cal[i]
			if i == TestStuck {
				cal = s.runs
			}
			if cal.count() < streamMinHistory || math.IsNaN(v) {
				continue
			}
			if lp := cal.log10p(v); lp < best {
				best, pt.Test = lp, i
			}
		}
		pt.Log10P = math.Min(0, best+math.Log10(streamTests))
		pt.Score = surpriseScore(pt.Log10P)
		pt.Warm = true
	}
	for i, v := range stat {
		if i != TestStuck {
			s.cal[i].add(v)
		}
	}
	// Learn: predictor errors (clipped, so an anomaly cannot flip the
	// choice by itself), residual tracks, the level and the season.
	if !math.IsNaN(zFlat) && !math.IsNaN(zSeas) {
		const a = 0.02
		s.errFlat = (1-a)*s.errFlat + a*math.Min(math.Abs(zFlat), 5)
		s.errSeas = (1-a)*s.errSeas + a*math.Min(math.Abs(zSeas)*s.seas.sc/math.Max(s.flat.sc, s.floor), 5)
	}
	s.flat.add(eFlat)
	if !math.IsNaN(seasDev) {
		s.seas.add(eSeas)
	}
	s.pushLevel(x)
	if s.dev != nil {
		s.dev.push(x - lvl)
		s.hist.push(x)
	}
	s.pushSums(x)
	s.last = pt
	return pt
}

// forget records a missing point: the windows move on without a value.
func (s *Stream) forget() {
	s.pushLevel(math.NaN())
	if s.dev != nil {
		s.dev.push(math.NaN())
		s.hist.push(math.NaN())
	}
	s.pushSums(math.NaN())
	s.run = 0
	s.lastX = math.NaN()
}

func (s *Stream) pushLevel(x float64) {
	old, full := s.recent.push(x)
	if full {
		s.level.remove(old)
	}
	s.level.add(x)
}

// pushSums moves the running sums and the baseline window on by x.
func (s *Stream) pushSums(x float64) {
	if !math.IsNaN(x) {
		s.sum += x
		s.nv++
	}
	s.cum.push(s.sum)
	s.cnt.push(s.nv)
	// The baseline holds the values from streamLevelBaseW+m to m+1 points back.
	old, full := s.baseLag.push(x)
	if full {
		s.base.remove(old)
	}
	if v := s.baseLag.back(streamLevelM + 1); s.baseLag.n > streamLevelM {
		s.base.add(v)
	}
}

// windowMean is the mean of the values from a to b points back (1 = the
// previous point, b > a), NaN when fewer than half are present.
func (s *Stream) windowMean(a, b int) float64 {
	// cum.back(j) is the running sum after the point j pushes ago.
	hiS, hiN := s.cum.back(a), s.cnt.back(a)
	loS, loN := s.cum.back(b+1), s.cnt.back(b+1)
	if math.IsNaN(loS) {
		if b+1 != s.cum.n+1 {
			return math.NaN()
		}
		loS, loN = 0, 0
	}
	n := hiN - loN
	if math.IsNaN(hiS) || n < float64(b-a+1)/2 {
		return math.NaN()
	}
	return (hiS - loS) / n
}

// levelStat compares the mean of the last streamLevelM points (x included)
// with two baselines: the same stretch in past seasons (their median) and
// the median of the points before them. A level shift or a drift that the
// short-term level has absorbed stands out against both; a change that
// either baseline explains (the season's regular step, or a series whose
// season has gone) is not news, so the nearer baseline counts, unless the
// season alone can judge this phase (seasonOnly, see Push).
func (s *Stream) levelStat(x float64, seasonOnly bool) float64 {
	m := streamLevelM
	// The recent mean: x and the m−1 points before it.
	prev := s.windowMean(1, m-1)
	if math.IsNaN(prev) {
		return math.NaN()
	}
	cur := (prev*float64(m-1) + x) / float64(m)
	d := math.Inf(1)
	if s.p > 1 {
		var b [streamSeasons]float64
		k := 0
		for j := 1; j <= streamSeasons; j++ {
			// The same window j seasons back: from j·p to j·p+m−1 points
			// before the point now being scored.
			if v := s.windowMean(j*s.p, j*s.p+m-1); !math.IsNaN(v) {
				b[k] = v
				k++
			}
		}
		if k >= 2 {
			d = math.Abs(cur - medianSmall(b[:k]))
		}
	}
	if !seasonOnly || math.IsInf(d, 1) {
		if base := s.base.median(); !math.IsNaN(base) && len(s.base.v) >= streamLevelBaseW/2 {
			d = math.Min(d, math.Abs(cur-base))
		}
	}
	if math.IsInf(d, 1) {
		return math.NaN()
	}
	return d / math.Max(s.flat.sc, s.floor) * math.Sqrt(float64(m))
}

// envelopeHalf is the half-width, in points, of the time-of-day
// neighbourhood of the envelope: half an hour of a daily season.
func envelopeHalf(p int) int { return p / 48 }

// envelope is the range of the values near this phase (± envelopeHalf) in
// the last streamSeasons seasons, NaN when fewer than two seasons are held.
func (s *Stream) envelope() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	w := envelopeHalf(s.p)
	seasons := 0
	for j := 1; j <= streamSeasons; j++ {
		got := false
		for o := -w; o <= w; o++ {
			if v := s.hist.back(j*s.p + o); !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
				got = true
			}
		}
		if got {
			seasons++
		}
	}
	if seasons < 2 {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

// meanZ is the mean of the last m standardised residuals (fewer at the start).
func (s *Stream) meanZ(m int) float64 {
	var sum float64
	k := 0
	for j := 1; j <= m; j++ {
		if v := s.zs.back(j); !math.IsNaN(v) {
			sum += v
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return sum / float64(k)
}

// spread is the log of the mean absolute standardised residual over the last
// m points relative to its Gaussian value: 0 for usual noise, large when
// the series turns noisy, very negative when it goes quiet.
func (s *Stream) spread(m int) float64 {
	var sum float64
	k := 0
	for j := 1; j <= m; j++ {
		if v := s.zs.back(j); !math.IsNaN(v) {
			sum += math.Abs(v)
			k++
		}
	}
	if k < m/2 {
		return math.NaN()
	}
	return math.Log(math.Max(sum/float64(k), 1e-6) / 0.7979)
}

// surpriseScore maps log10 of a tail probability to a score in [0,1): with
// S = −log10 p, score = S/(S+5), so 0.5 is a one-in-100,000 point, 0.67 one
// in 10^10, and scores keep their order however improbable the point.
func surpriseScore(log10p float64) float64 {
	s := -log10p
	if s <= 0 {
		return 0
	}
	return s / (s + streamHalfDecades)
}

// scoreSurprise inverts surpriseScore: S = −log10 p of a score.
func scoreSurprise(score float64) float64 {
	if score <= 0 {
		return 0
	}
	return streamHalfDecades * score / (1 - score)
}

// medianSmall is the median of a few values (reorders them).
func medianSmall(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
