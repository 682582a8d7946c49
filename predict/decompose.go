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
		t0 := rollingMedianCentered(x, max(p/2, 1))
		detr := make([]float64, n)
		for i := range x {
			detr[i] = x[i] - t0[i]
		}
		prof = seasonalProfile(detr, p, offset)
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

// Decompose splits s into trend, season and residual with the same robust
// STL-like method the detector uses. period 0 detects the period, 1 means no
// season. Missing points stay NaN in every component.
func Decompose(s Series, period int) (*Decomposition, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("predict: decompose: %w", err)
	}
	if countFinite(s.Values) < 8 {
		return nil, fmt.Errorf("predict: decompose: %w", ErrTooShort)
	}
	p := resolvePeriod(s.Values, period)
	trend, prof, resid := decomposeRobust(s.Values, p, 0)
	d := &Decomposition{Period: p, Trend: trend, Seasonal: make([]float64, len(s.Values)), Residual: resid}
	for i, v := range s.Values {
		if math.IsNaN(v) {
			d.Trend[i], d.Seasonal[i], d.Residual[i] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		d.Seasonal[i] = prof[i%len(prof)]
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
