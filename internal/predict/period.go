package predict

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// periodPoints caps the history DetectPeriod looks at.
const periodPoints = 50_000

// DetectPeriod returns the dominant seasonal period of values in points, or 0
// when there is none. It removes a linear trend and a long moving average
// (so slow wander does not dominate), computes the autocorrelation up to
// maxLag, and takes the smallest lag whose autocorrelation peak is within
// 85% of the highest one: multiples of the true period peak almost as high,
// and the smallest is the period. maxLag <= 0 means len(values)/3; it is
// capped at len(values)/2 because a period needs two full cycles to show.
// NaN values are interpolated. Only the most recent 50,000 points are used:
// enough for any period the caller could act on, and it keeps detection
// cheap on long series.
func DetectPeriod(values []float64, maxLag int) int {
	if len(values) > periodPoints {
		values = values[len(values)-periodPoints:]
	}
	x := interpolate(values)
	n := len(x)
	if n < 8 {
		return 0
	}
	if maxLag <= 0 {
		maxLag = n / 3
	}
	maxLag = min(maxLag, n/2)
	if maxLag < 2 {
		return 0
	}
	detrendLinear(x)
	// A centred moving average longer than any candidate period keeps the
	// seasons but removes slower movement the line did not catch.
	ma := movingAverage(x, maxLag)
	for i := range x {
		x[i] -= ma[i]
	}
	r := autocorr(x, maxLag)
	if r == nil {
		return 0
	}
	// Noise alone gives peaks of order 2/sqrt(n); a season must stand well
	// above that.
	floor := math.Max(0.2, 3/math.Sqrt(float64(n)))
	// A peak counts only if the autocorrelation dipped well below it on
	// the way: the smooth top of a long season's lag-0 hump has noise
	// wiggles that are local maxima too.
	peak := make([]bool, maxLag)
	best, lowest := 0.0, r[1]
	for k := 2; k < maxLag; k++ {
		lowest = math.Min(lowest, r[k-1])
		if r[k] > r[k-1] && r[k] >= r[k+1] && r[k]-lowest >= 0.15 {
			peak[k] = true
			best = math.Max(best, r[k])
		}
	}
	if best < floor {
		return 0
	}
	for k := 2; k < maxLag; k++ {
		if peak[k] && r[k] >= 0.85*best {
			// A long season's hump is broad and its rising edge can carry
			// noise wiggles that pass as local maxima: climb to the top of
			// the hump (±10%), then polish with the multiples.
			top := k
			for c := max(2, k-k/10); c <= min(maxLag, k+k/10); c++ {
				if r[c] > r[top] {
					top = c
				}
			}
			return refinePeriod(r, top, n)
		}
	}
	return 0
}

// detrendLinear subtracts the least-squares line from x in place.
func detrendLinear(x []float64) {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i, v := range x {
		t := float64(i)
		sx += t
		sy += v
		sxx += t * t
		sxy += t * v
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return
	}
	b := (n*sxy - sx*sy) / den
	a := (sy - b*sx) / n
	for i := range x {
		x[i] -= a + b*float64(i)
	}
}

// movingAverage returns the centred mean of x over i-h..i+h, clipped at the
// ends, in O(n) with prefix sums.
func movingAverage(x []float64, h int) []float64 {
	n := len(x)
	pre := make([]float64, n+1)
	for i, v := range x {
		pre[i+1] = pre[i] + v
	}
	out := make([]float64, n)
	for i := range x {
		lo, hi := max(0, i-h), min(n, i+h+1)
		out[i] = (pre[hi] - pre[lo]) / float64(hi-lo)
	}
	return out
}

// autocorr returns the autocorrelation of the (already centred) x for lags
// 0..maxLag, normalised so r[0] = 1, or nil for a constant series. Long
// series go through an FFT so period detection stays linear-ish in n.
func autocorr(x []float64, maxLag int) []float64 {
	n := len(x)
	r := make([]float64, maxLag+1)
	if n*maxLag <= 2_000_000 {
		for k := 0; k <= maxLag; k++ {
			var s float64
			for i := k; i < n; i++ {
				s += x[i] * x[i-k]
			}
			r[k] = s
		}
	} else {
		m := 1
		for m < 2*n {
			m <<= 1
		}
		seq := make([]float64, m)
		copy(seq, x)
		fft := fourier.NewFFT(m)
		c := fft.Coefficients(nil, seq)
		for i, v := range c {
			c[i] = complex(real(v)*real(v)+imag(v)*imag(v), 0)
		}
		s := fft.Sequence(nil, c)
		copy(r, s[:maxLag+1])
	}
	if r[0] <= 0 {
		return nil
	}
	r0 := r[0]
	for k := range r {
		// Dividing by the overlap length would inflate noisy long lags;
		// the biased estimator is the standard choice for peak picking.
		r[k] /= r0
	}
	return r
}

// refinePeriod polishes a peak lag k: the top of a long season's peak is flat
// and noisy, but the true period also peaks at its multiples, so the lag near
// k (±2%) with the highest mean autocorrelation over its multiples wins. The
// autocorrelations are un-biased here (×n/(n−lag)): the biased estimator
// shrinks long lags and would pull the choice one or two lags short.
//
// Even so, a few cycles of a long season cannot tell 1440 from 1443: the
// autocorrelations differ by less than their noise. Plant data is sampled on
// a clock, so a calendar period (a day or a week at a common sampling
// interval) within the window whose score is within noise of the best is
// taken instead.
func refinePeriod(r []float64, k, n int) int {
	maxLag := len(r) - 1
	best, bestScore := k, math.Inf(-1)
	cal, calScore := 0, math.Inf(-1)
	for c := max(2, k-k/50-1); c <= min(maxLag, k+k/50+1); c++ {
		var s float64
		cnt := 0
		for j := c; j <= maxLag; j += c {
			s += r[j] * float64(n) / float64(n-j)
			cnt++
		}
		sc := s / float64(cnt)
		if sc > bestScore {
			best, bestScore = c, sc
		}
		if calendarPeriods[c] && sc > calScore {
			cal, calScore = c, sc
		}
	}
	if cal > 0 && calScore >= bestScore-3/math.Sqrt(float64(n)) {
		return cal
	}
	return best
}

// calendarPeriods are the points per day and per week at common sampling
// intervals (1 s to 12 h), plus the yearly and weekly cycles of daily data.
var calendarPeriods = func() map[int]bool {
	m := map[int]bool{7: true, 12: true, 52: true, 365: true}
	for _, step := range []int{1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 43200} {
		m[86400/step] = true
		m[7*86400/step] = true
	}
	return m
}()

// seasonalAt reports whether x shows a season of p points: the
// autocorrelation at lag p of x with its slow movement (a centred moving
// average over p) removed is at least 0.2. It looks only at the first
// prefix points, so an online caller decides from what it has seen.
func seasonalAt(x []float64, p, prefix int) bool {
	if p < 2 {
		return false
	}
	if len(x) < prefix {
		return true // too short to tell: trust the calendar
	}
	x = interpolate(x[:prefix])
	n := len(x)
	if x == nil || n < 3*p {
		return true
	}
	ma := movingAverage(x, p/2)
	d := make([]float64, n)
	for i := range x {
		d[i] = x[i] - ma[i]
	}
	var s0, sp float64
	for i := range d {
		s0 += d[i] * d[i]
		if i >= p {
			sp += d[i] * d[i-p]
		}
	}
	return s0 > 0 && sp/s0 >= 0.2
}
