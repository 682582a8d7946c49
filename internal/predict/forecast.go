package predict

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

const (
	// z80 and z95 are the two-sided standard-normal quantiles of the
	// 80% and 95% prediction intervals.
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
	// minForecastPoints is the least history worth forecasting from.
	minForecastPoints = 8
	defaultBacktest   = 3
	// fitEvalFinal and fitEvalBacktest bound the Nelder-Mead evaluations
	// per fit; backtest fits start from the previous origin's optimum and
	// need fewer.
	fitEvalFinal    = 400
	fitEvalBacktest = 150
)

// fitWindow is how many recent points a model is fitted on: ten seasons
// (at least 240 and at most 2,000 points). Older history adds little to a
// smoothing model whose memory is a few seasons, and the cap keeps a
// 10,000-point fit within the latency budget of a chat answer.
func fitWindow(n, m int) int {
	return min(n, min(max(10*m, 240), 2000))
}

// MaxHorizon is the longest horizon [ForecastSeries] accepts for a history of
// n points: half the history. Beyond that a backtest cannot check the
// forecast even once at its own horizon, so the number would be unfounded.
func MaxHorizon(n int) int { return max(n/2, 1) }

// ForecastSeries forecasts s for opt.Horizon steps. It detects the season
// (unless given), backtests every candidate model at rolling origins (the
// last Backtest blocks of Horizon points, each forecast only from the points
// before it), picks the one with the lowest mean MASE, refits it on the
// recent history and forecasts with 80% and 95% prediction intervals.
// Missing values are interpolated linearly; leading and trailing missing
// values are dropped, so Cutoff is the last real observation.
func ForecastSeries(s Series, opt ForecastOptions) (*Forecast, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("predict: forecast: %w", err)
	}
	if opt.Horizon <= 0 {
		return nil, fmt.Errorf("predict: forecast: horizon %d: %w", opt.Horizon, ErrBadInput)
	}
	if _, ok := etsSpecs[opt.Model]; !ok && opt.Model != "" && opt.Model != ModelNaive && opt.Model != ModelSeasonalNaive {
		return nil, fmt.Errorf("predict: forecast: unknown model %q: %w", opt.Model, ErrBadInput)
	}
	first, last := -1, -1
	for i, v := range s.Values {
		if !math.IsNaN(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || last-first+1 < minForecastPoints {
		return nil, fmt.Errorf("predict: forecast: %w", ErrTooShort)
	}
	x := interpolate(s.Values[first : last+1])
	n := len(x)
	if maxH := MaxHorizon(n); opt.Horizon > maxH {
		return nil, fmt.Errorf("predict: forecast: %w", &HorizonError{Horizon: opt.Horizon, Max: maxH})
	}
	m := opt.Season
	if m == 0 {
		m = DetectPeriod(x, 0)
	}
	if m < 2 || n < 2*m+2 {
		m = 1
	}
	fc := &Forecast{Season: m}
	if s.Times != nil {
		fc.Cutoff = s.Times[last]
		fc.Step = medianStep(s.Times[first : last+1])
	}

	cands := candidates(m, x, opt.Model)
	bt := backtest(x, m, opt.Horizon, opt.Backtest, cands)
	chosen := cands[len(cands)-1] // a sensible default when nothing could be backtested
	if len(bt.scores) > 0 {
		fc.Candidates = bt.scores
		chosen = bt.scores[0].Model
		fc.MASE, fc.SMAPE = bt.scores[0].MASE, bt.scores[0].SMAPE
		fc.Backtested = true
	}
	fc.Model = chosen
	w := x[n-fitWindow(n, m):]
	mu, sd, params, _ := fitForecast(chosen, w, m, opt.Horizon, bt.theta[chosen], fitEvalFinal)
	if mu == nil && chosen != ModelSeasonalNaive && chosen != ModelNaive {
		// The multiplicative model can break down on the final window even
		// though it survived the backtest; fall back to the additive twin.
		chosen = ModelHWAdditiveDamped
		if m == 1 {
			chosen = ModelHoltDamped
		}
		fc.Model = chosen
		mu, sd, params, _ = fitForecast(chosen, w, m, opt.Horizon, nil, fitEvalFinal)
	}
	fc.Params = params
	fc.Mean = mu
	fc.Lo80, fc.Hi80 = make([]float64, len(mu)), make([]float64, len(mu))
	fc.Lo95, fc.Hi95 = make([]float64, len(mu)), make([]float64, len(mu))
	for i := range mu {
		fc.Lo80[i], fc.Hi80[i] = mu[i]-z80*sd[i], mu[i]+z80*sd[i]
		fc.Lo95[i], fc.Hi95[i] = mu[i]-z95*sd[i], mu[i]+z95*sd[i]
	}
	if s.Times != nil && fc.Step > 0 {
		fc.Times = make([]time.Time, opt.Horizon)
		for i := range fc.Times {
			fc.Times[i] = fc.Cutoff.Add(time.Duration(i+1) * fc.Step)
		}
	}
	return fc, nil
}

// candidates lists the models worth trying for season m, ending with the
// default used when the history is too short to backtest. Multiplicative
// seasons need strictly positive data.
func candidates(m int, x []float64, forced string) []string {
	if forced != "" {
		// A seasonal model asked for on a series without a season becomes
		// its non-seasonal counterpart, and the forecast says so.
		if m == 1 && forced == ModelSeasonalNaive {
			return []string{ModelNaive}
		}
		if spec, ok := etsSpecs[forced]; ok && m == 1 && spec.season != seasonNone {
			return []string{ModelHoltDamped}
		}
		if spec, ok := etsSpecs[forced]; ok && spec.season == seasonMul && slices.Min(x) <= 0 {
			return []string{ModelHWAdditiveDamped}
		}
		return []string{forced}
	}
	if m == 1 {
		return []string{ModelNaive, ModelSES, ModelHoltDamped}
	}
	c := []string{ModelNaive, ModelSeasonalNaive, ModelSES, ModelHoltDamped, ModelHWAdditive}
	if len(x) >= 3*m {
		c = append(c, ModelSeasonalMean)
	}
	if slices.Min(x) > 0 {
		c = append(c, ModelHWMultiplicativeDamped)
	}
	return append(c, ModelHWAdditiveDamped)
}

// fitForecast fits model name on w and forecasts h steps; it returns nil
// means when the model cannot be fitted (a multiplicative breakdown).
func fitForecast(name string, w []float64, m, h int, warm []float64, maxEval int) (mu, sd []float64, params map[string]float64, theta []float64) {
	switch name {
	case ModelNaive:
		mu, sd = naiveForecast(w, 1, h)
		return mu, sd, nil, nil
	case ModelSeasonalNaive:
		mu, sd = naiveForecast(w, m, h)
		return mu, sd, nil, nil
	case ModelSeasonalMean:
		mu, sd = seasonalMeanForecast(w, m, h)
		return mu, sd, map[string]float64{"seasons": float64(seasonsAveraged(len(w), m))}, nil
	}
	spec := etsSpecs[name]
	f := fitETS(w, m, spec, warm, maxEval)
	if f == nil {
		return nil, nil, nil, nil
	}
	mu, sd = f.forecast(h)
	params = map[string]float64{"alpha": f.p.alpha}
	if spec.trend {
		params["beta"], params["phi"] = f.p.beta, f.p.phi
	}
	if spec.season != seasonNone {
		params["gamma"] = f.p.gamma
	}
	return mu, sd, params, f.theta
}

// naiveForecast repeats the value one lag (m) back: the naive model for
// m = 1, seasonal naive otherwise. Its variance grows with the number of
// whole seasons ahead, σ²·(⌊(h−1)/m⌋+1), with σ² the mean squared lag-m
// difference.
func naiveForecast(w []float64, m, h int) (mu, sd []float64) {
	n := len(w)
	m = min(m, n-1)
	var ss float64
	for i := m; i < n; i++ {
		d := w[i] - w[i-m]
		ss += d * d
	}
	sigma2 := ss / float64(max(n-m, 1))
	mu, sd = make([]float64, h), make([]float64, h)
	for k := 1; k <= h; k++ {
		mu[k-1] = w[n-m+(k-1)%m]
		sd[k-1] = math.Sqrt(sigma2 * float64((k-1)/m+1))
	}
	return mu, sd
}

// maxSeasonsAveraged bounds how many past seasons seasonal_mean averages:
// enough to cancel most noise, few enough to follow a slowly changing pattern.
const maxSeasonsAveraged = 4

func seasonsAveraged(n, m int) int { return max(1, min(maxSeasonsAveraged, (n-1)/m)) }

// seasonalMeanForecast averages the same phase over the last K whole
// seasons (K = seasonsAveraged). Its σ² is the in-sample mean squared error
// of the same predictor, growing with the seasons ahead like seasonal naive.
func seasonalMeanForecast(w []float64, m, h int) (mu, sd []float64) {
	n := len(w)
	k := seasonsAveraged(n, m)
	pred := func(t int) float64 { // mean of w[t-m], …, w[t-k·m]
		var s float64
		for j := 1; j <= k; j++ {
			s += w[t-j*m]
		}
		return s / float64(k)
	}
	var ss float64
	cnt := 0
	for t := k * m; t < n; t++ {
		d := w[t] - pred(t)
		ss += d * d
		cnt++
	}
	sigma2 := ss / float64(max(cnt, 1))
	mu, sd = make([]float64, h), make([]float64, h)
	for i := range h {
		phase := n - m + i%m // the same phase in the last season
		var s float64
		for j := 0; j < k; j++ {
			s += w[phase-j*m]
		}
		mu[i] = s / float64(k)
		sd[i] = math.Sqrt(sigma2 * float64(i/m+1))
	}
	return mu, sd
}

type backtestResult struct {
	scores []Backtest
	theta  map[string][]float64 // each ETS model's last optimum, to warm-start the final fit
}

// backtest scores each candidate at rolling origins n−h·k (k = b…1): fit
// on the (capped) window before the origin, forecast h, compare with what
// happened. MASE is scaled by the training window's in-sample seasonal-naive
// MAE (naive for m = 1), as Hyndman & Koehler define it.
func backtest(x []float64, m, h, b int, cands []string) backtestResult {
	if b <= 0 {
		b = defaultBacktest
	}
	n := len(x)
	minTrain := max(2*m+2, minForecastPoints, 3*h/2)
	for b > 0 && n-b*h < minTrain {
		b--
	}
	res := backtestResult{theta: map[string][]float64{}}
	if b == 0 {
		return res
	}
	mase := map[string]float64{}
	smape := map[string]float64{}
	valid := map[string]int{}
	for k := b; k >= 1; k-- {
		origin := n - k*h
		train := x[max(0, origin-fitWindow(origin, m)):origin]
		test := x[origin : origin+h]
		scale := maeLag(train, m)
		for _, c := range cands {
			budget := fitEvalBacktest
			if res.theta[c] == nil {
				budget = fitEvalFinal
			}
			mu, _, _, theta := fitForecast(c, train, m, h, res.theta[c], budget)
			if mu == nil {
				continue
			}
			res.theta[c] = theta // the next origin starts from this optimum
			var ae, sp float64
			for i, y := range test {
				ae += math.Abs(y - mu[i])
				if den := math.Abs(y) + math.Abs(mu[i]); den > 0 {
					sp += 200 * math.Abs(y-mu[i]) / den
				}
			}
			mase[c] += ae / float64(h) / scale
			smape[c] += sp / float64(h)
			valid[c]++
		}
	}
	for _, c := range cands {
		if valid[c] != b {
			continue // a model that broke down at any origin is not trusted
		}
		res.scores = append(res.scores, Backtest{Model: c, MASE: mase[c] / float64(b), SMAPE: smape[c] / float64(b)})
	}
	sort.SliceStable(res.scores, func(i, j int) bool { return res.scores[i].MASE < res.scores[j].MASE })
	return res
}

// maeLag is the mean absolute lag-m difference of x, the MASE scale; it
// falls back to lag 1, then to a tiny positive number for constant data.
func maeLag(x []float64, m int) float64 {
	for _, lag := range []int{m, 1} {
		if lag >= len(x) {
			continue
		}
		var s float64
		for i := lag; i < len(x); i++ {
			s += math.Abs(x[i] - x[i-lag])
		}
		if s > 0 {
			return s / float64(len(x)-lag)
		}
	}
	return 1e-12
}

// medianStep is the median spacing of ts, the series' sampling interval.
func medianStep(ts []time.Time) time.Duration {
	if len(ts) < 2 {
		return 0
	}
	d := make([]float64, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		d = append(d, float64(ts[i].Sub(ts[i-1])))
	}
	return time.Duration(medianInPlace(d))
}
