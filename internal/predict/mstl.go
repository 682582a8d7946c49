package predict

import (
	"math"
)

// Models beyond the ETS family, reported in Forecast.Model.
const (
	// ModelSeasonalNaiveWeekly repeats the same hours of last week (the
	// second, longer season: a week of hourly data).
	ModelSeasonalNaiveWeekly = "seasonal_naive_weekly"
	// ModelMSTL removes every season (a day and a week) with a robust
	// multi-seasonal decomposition, forecasts what is left with simple
	// exponential smoothing and adds the seasons back.
	ModelMSTL = "mstl_ets"
	// ModelMSTLLog is ModelMSTL on the logarithm of a positive series, so
	// the seasons scale with the level.
	ModelMSTLLog = "mstl_ets_log"
	// ModelTheta is the Theta method on the seasonally adjusted series
	// (simple exponential smoothing plus half the linear trend), the
	// seasons added back.
	ModelTheta = "theta"
	// ModelCombination is the mean of the best three models of the
	// backtest, used when it backtests better than each of them.
	ModelCombination = "combination"
)

// seasons are the periods a forecast uses: m the main one (a day of
// hourly data) and w a longer one that is a multiple of it (a week), 0
// when there is none.
type seasons struct {
	m, w int
}

// all returns the periods > 1, shortest first.
func (s seasons) all() []int {
	var out []int
	if s.m > 1 {
		out = append(out, s.m)
	}
	if s.w > 1 {
		out = append(out, s.w)
	}
	return out
}

// msDecompose splits x into seasonal components (one per period, shortest
// first) and a seasonally adjusted series, by two passes of: for each
// period, the per-phase medians of x minus the other seasons and minus a
// centred moving average over the period. Medians keep an outlier from
// bending a season; phases are counted from the end of x, so the last
// point is phase p−1 of every period.
func msDecompose(x []float64, periods []int) (profiles [][]float64, adj []float64) {
	n := len(x)
	profiles = make([][]float64, len(periods))
	for k, p := range periods {
		profiles[k] = make([]float64, p)
	}
	other := make([]float64, n)
	detr := make([]float64, n)
	for range 2 {
		for k, p := range periods {
			for i := range x {
				other[i] = x[i]
				for q, pp := range periods {
					if q != k {
						other[i] -= profiles[q][phaseFromEnd(i, n, pp)]
					}
				}
			}
			trend := movingAverageNaN(other, p)
			for i := range other {
				detr[i] = other[i] - trend[i]
			}
			// Half a period at either end has a one-sided average.
			h := p / 2
			lo, hi := 0, n
			if n-2*h >= 2*p {
				lo, hi = h, n-h
			}
			buckets := make([][]float64, p)
			for i := lo; i < hi; i++ {
				ph := phaseFromEnd(i, n, p)
				buckets[ph] = append(buckets[ph], detr[i])
			}
			prof := profiles[k]
			var sum float64
			for ph, b := range buckets {
				prof[ph] = 0
				if len(b) > 0 {
					prof[ph] = medianInPlace(b)
				}
				sum += prof[ph]
			}
			for ph := range prof {
				prof[ph] -= sum / float64(p)
			}
		}
	}
	adj = make([]float64, n)
	for i := range x {
		adj[i] = x[i]
		for k, p := range periods {
			adj[i] -= profiles[k][phaseFromEnd(i, n, p)]
		}
	}
	return profiles, adj
}

// phaseFromEnd is the phase of point i of n in a period p, counted so the
// last point is phase p−1.
func phaseFromEnd(i, n, p int) int {
	return ((i-n)%p + p) % p
}

// seasonalAhead is the sum of the seasonal components k steps after the
// last point.
func seasonalAhead(profiles [][]float64, periods []int, k int) float64 {
	var s float64
	for j, p := range periods {
		s += profiles[j][(k-1)%p]
	}
	return s
}

// mstlForecast decomposes w, forecasts the adjusted series with simple
// exponential smoothing (or the Theta method) and adds the seasons back.
// The variance is the smoothing model's; log works on log(w) (w > 0).
func mstlForecast(w []float64, ss seasons, h int, theta, log bool) (mu, sd []float64) {
	x := w
	if log {
		x = make([]float64, len(w))
		for i, v := range w {
			x[i] = math.Log(v)
		}
	}
	periods := ss.all()
	profiles, adj := msDecompose(x, periods)
	f := fitETS(adj, 1, etsSpecs[ModelSES], nil, fitEvalFinal)
	if f == nil {
		return nil, nil
	}
	mu, sd = f.forecast(h)
	if theta {
		// Theta(0, 2) as Hyndman & Billah (2003) state it: SES plus half
		// the slope of the linear trend, with its start-up correction.
		_, b, ok := fitLine(adj)
		if ok {
			a := f.p.alpha
			n := float64(len(adj))
			for k := range mu {
				mu[k] += b / 2 * (float64(k) + 1/a - math.Pow(1-a, n)/a)
			}
		}
	}
	for k := range mu {
		mu[k] += seasonalAhead(profiles, periods, k+1)
	}
	if log {
		for k := range mu {
			m, s := mu[k], sd[k]
			mu[k] = math.Exp(m)
			// The delta method: sd of exp(X) ≈ exp(m)·s (median-centred).
			sd[k] = math.Exp(m) * s
		}
	}
	return mu, sd
}

// weeklyNaive repeats the last w points; its variance grows with the weeks
// ahead like seasonal naive's.
func weeklyNaive(x []float64, w, h int) (mu, sd []float64) {
	return naiveForecast(x, w, h)
}
