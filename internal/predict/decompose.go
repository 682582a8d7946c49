package predict

import (
	"fmt"
	"math"
)

// trendHalfWidth is the half-width of the rolling-median trend for a given
// period: about one period (so the trend does not follow the season) but at
// least 12 points (so a short spike never moves the median) and at most 100
// (so long periods stay fast).
func trendHalfWidth(p int) int {
	return min(max(p/2, 12), 100)
}

// seasonalProfile returns the per-phase median of detr (phase = index mod p),
// centred so the profile has mean zero; a phase with no data gets 0.
func seasonalProfile(detr []float64, p, offset int) []float64 {
	prof := make([]float64, p)
	if p <= 1 {
		return prof
	}
	buckets := make([][]float64, p)
	per := len(detr)/p + 1
	for k := range buckets {
		buckets[k] = make([]float64, 0, per)
	}
	for i, v := range detr {
		if !math.IsNaN(v) {
			k := (i + offset) % p
			buckets[k] = append(buckets[k], v)
		}
	}
	var sum float64
	cnt := 0
	for k, b := range buckets {
		m := medianInPlace(b)
		if math.IsNaN(m) {
			m = 0
		} else {
			sum += m
			cnt++
		}
		prof[k] = m
	}
	if cnt > 0 {
		mean := sum / float64(cnt)
		for k := range prof {
			prof[k] -= mean
		}
	}
	return prof
}

// decomposeRobust is the STL-like split used by the detector: a centred
// rolling median over one period gives a first trend, the per-phase medians
// of what is left give the season, and a rolling median of the
// deseasonalised series gives the final trend. Medians throughout keep one
// bad point from bending any component. offset is the phase of x[0].
func decomposeRobust(x []float64, p, offset int) (trend, prof, resid []float64) {
	n := len(x)
	h := trendHalfWidth(p)
	prof = make([]float64, max(p, 1))
	des := x
	if p > 1 {
		prof = profileOf(x, p, offset)
		des = make([]float64, n)
		for i := range x {
			des[i] = x[i] - prof[(i+offset)%p]
		}
	}
	trend = rollingMedianCentered(des, h)
	resid = make([]float64, n)
	for i := range x {
		resid[i] = des[i] - trend[i]
	}
	return trend, prof, resid
}

// firstTrend is the rough trend the seasonal profile is measured against:
// a centred rolling median over one period, robust to spikes. Above 100
// points per period the median's cost grows with the period, so a centred
// moving average over exactly one period (which cancels a periodic signal
// exactly) takes over; the per-phase medians that follow keep the profile
// robust either way.
func firstTrend(x []float64, p int) []float64 {
	if p <= 100 {
		return rollingMedianCentered(x, max(p/2, 1))
	}
	return movingAverageNaN(x, p)
}

// movingAverageNaN is the centred mean of the non-NaN values in a window of
// p points (p+1 for even p, with half weight on the two ends, the classical
// 2×p filter), clipped at the ends of x.
func movingAverageNaN(x []float64, p int) []float64 {
	n := len(x)
	sum := make([]float64, n+1)
	cnt := make([]float64, n+1)
	for i, v := range x {
		sum[i+1], cnt[i+1] = sum[i], cnt[i]
		if !math.IsNaN(v) {
			sum[i+1] += v
			cnt[i+1]++
		}
	}
	h := p / 2
	out := make([]float64, n)
	for i := range x {
		lo, hi := max(0, i-h), min(n, i+h+1)
		s, c := sum[hi]-sum[lo], cnt[hi]-cnt[lo]
		if p%2 == 0 {
			// Half weight on the two end points of the p+1 window.
			for _, j := range []int{i - h, i + h} {
				if j >= lo && j < hi && !math.IsNaN(x[j]) {
					s -= x[j] / 2
					c -= 0.5
				}
			}
		}
		if c > 0 {
			out[i] = s / c
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// profileOf estimates the seasonal profile of x (phase of x[0] = offset):
// the per-phase medians of x minus its first trend. Within half a period of
// either end the trend window is truncated and leans towards the season, so
// those points are left out whenever at least two full periods remain.
func profileOf(x []float64, p, offset int) []float64 {
	n := len(x)
	t0 := firstTrend(x, p)
	h := p / 2
	lo, hi := 0, n
	if n-2*h >= 2*p {
		lo, hi = h, n-h
	}
	detr := make([]float64, n)
	for i := range x {
		detr[i] = math.NaN()
		if i >= lo && i < hi {
			detr[i] = x[i] - t0[i]
		}
	}
	return seasonalProfile(detr, p, offset)
}

// Decompose splits s into trend, season and residual with the same robust
// STL-like method the detector uses. period 0 detects the period, 1 means no
// season. Missing points stay NaN in every component.
func Decompose(s Series, period int) (*Decomposition, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("predict: decompose: %w", err)
	}
	if CountFinite(s.Values) < 8 {
		return nil, fmt.Errorf("predict: decompose: %w", ErrTooShort)
	}
	p := resolvePeriod(s.Values, period)
	trend, prof, resid := decomposeRobust(s.Values, p, 0)
	n := len(s.Values)
	d := &Decomposition{Period: p, Trend: interpolate(trend), Seasonal: make([]float64, n), Residual: resid, Missing: make([]bool, n)}
	for i, v := range s.Values {
		d.Seasonal[i] = prof[i%len(prof)]
		if math.IsNaN(v) {
			d.Missing[i] = true
			d.Residual[i] = 0
		}
	}
	return d, nil
}

// resolvePeriod turns a caller's period option into the period to use: 0
// detects it, anything that leaves fewer than two full cycles falls back to
// 1 (no season) because a profile from one cycle is just the data.
func resolvePeriod(values []float64, period int) int {
	p := period
	if p == 0 {
		p = DetectPeriod(values, 0)
	}
	if p < 2 || 2*p > len(values) {
		return 1
	}
	return p
}

// validate checks that Times, when present, matches Values.
func (s Series) validate() error {
	if s.Times != nil && len(s.Times) != len(s.Values) {
		return fmt.Errorf("%w: %d times for %d values", ErrBadInput, len(s.Times), len(s.Values))
	}
	return nil
}
