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
func fitWindow(n int, ss seasons) int {
	return min(n, min(max(10*ss.m, 3*ss.w, 240), 2000))
}

// MaxHorizon is the longest horizon [ForecastSeries] accepts for a history of
// n points: half the history. Beyond that a backtest cannot check the
// forecast even once at its own horizon, so the number would be unfounded.
func MaxHorizon(n int) int { return max(n/2, 1) }

// ForecastSeries forecasts s for opt.Horizon steps. It finds the seasons
// (opt.Season, else a detected one; with a known step, also a week of a
// daily season), backtests every candidate model at rolling origins (the
// last Backtest blocks of Horizon points, each forecast only from the points
// before it), and uses the model with the lowest mean MASE, or the mean of
// the best three when that backtests better still. It refits on the recent
// history and forecasts with 80% and 95% prediction intervals whose width
// is calibrated on the backtest's own errors (their quantiles in units of
// the model's standard deviation), so the coverage is measured rather than
// assumed. Missing values are interpolated linearly; leading and trailing
// missing values are dropped, so Cutoff is the last real observation.
func ForecastSeries(s Series, opt ForecastOptions) (*Forecast, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("predict: forecast: %w", err)
	}
	if opt.Horizon <= 0 {
		return nil, fmt.Errorf("predict: forecast: horizon %d: %w", opt.Horizon, ErrBadInput)
	}
	if !knownModel(opt.Model) {
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
	step := opt.Step
	if s.Times != nil {
		step = medianStep(s.Times[first : last+1])
	}
	ss := forecastSeasons(x, opt.Season, step)
	m := ss.m
	fc := &Forecast{Season: m}
	if ss.w > 1 {
		fc.Seasons = []int{ss.m, ss.w}
	}
	if s.Times != nil {
		fc.Cutoff = s.Times[last]
		fc.Step = step
	}

	cands := candidates(ss, x, opt.Model)
	bt := backtest(x, ss, opt.Horizon, opt.Backtest, cands)
	chosen := []string{cands[len(cands)-1]} // a sensible default when nothing could be backtested
	if len(bt.scores) > 0 {
		fc.Candidates = bt.scores
		chosen = bt.members(bt.scores[0].Model)
		fc.MASE, fc.SMAPE = bt.scores[0].MASE, bt.scores[0].SMAPE
		fc.Backtested = true
	}
	w := x[n-fitWindow(n, ss):]
	var mu, sd []float64
	var names []string
	for _, c := range chosen {
		cm, csd, params, _ := fitForecast(c, w, ss, opt.Horizon, bt.theta[c], fitEvalFinal)
		if cm == nil && c != ModelSeasonalNaive && c != ModelNaive {
			// The multiplicative model can break down on the final window
			// even though it survived the backtest; fall back to the
			// additive twin.
			c = ModelHWAdditiveDamped
			if m == 1 {
				c = ModelHoltDamped
			}
			cm, csd, params, _ = fitForecast(c, w, ss, opt.Horizon, nil, fitEvalFinal)
		}
		if len(chosen) == 1 {
			fc.Params = params
		}
		names = append(names, c)
		if mu == nil {
			mu, sd = cm, csd
			continue
		}
		for i := range mu {
			mu[i] += cm[i]
			sd[i] += csd[i]
		}
	}
	for i := range mu {
		mu[i] /= float64(len(chosen))
		sd[i] /= float64(len(chosen))
	}
	fc.Model = names[0]
	if len(names) > 1 {
		fc.Model = ModelCombination
		fc.Members = names
	}
	q80, q95 := z80, z95
	if len(bt.scores) > 0 {
		q80, q95 = bt.quantiles(bt.scores[0].Model)
	}
	fc.Mean = mu
	fc.Lo80, fc.Hi80 = make([]float64, len(mu)), make([]float64, len(mu))
	fc.Lo95, fc.Hi95 = make([]float64, len(mu)), make([]float64, len(mu))
	for i := range mu {
		fc.Lo80[i], fc.Hi80[i] = mu[i]-q80*sd[i], mu[i]+q80*sd[i]
		fc.Lo95[i], fc.Hi95[i] = mu[i]-q95*sd[i], mu[i]+q95*sd[i]
	}
	if s.Times != nil && fc.Step > 0 {
		fc.Times = make([]time.Time, opt.Horizon)
		for i := range fc.Times {
			fc.Times[i] = fc.Cutoff.Add(time.Duration(i+1) * fc.Step)
		}
	}
	return fc, nil
}

// knownModel reports whether name may be forced ("" lets the backtest choose).
func knownModel(name string) bool {
	if _, ok := etsSpecs[name]; ok {
		return true
	}
	switch name {
	case "", ModelNaive, ModelSeasonalNaive, ModelSeasonalMean, ModelSeasonalNaiveWeekly, ModelMSTL, ModelMSTLLog, ModelTheta:
		return true
	}
	return false
}

// forecastSeasons resolves the seasons: the given or detected main period
// (a calendar day when the step is known and detection finds none), and a
// week when the step is known, the main period is a day and the history
// holds at least two weeks and a day.
func forecastSeasons(x []float64, season int, step time.Duration) seasons {
	n := len(x)
	m := season
	if m == 0 {
		m = DetectPeriod(x, 0)
		if m < 2 && step > 0 && 24*time.Hour%step == 0 {
			if day := int(24 * time.Hour / step); day >= 2 && n >= 3*day && seasonalAt(x, day, n) {
				m = day
			}
		}
	}
	if m < 2 || n < 2*m+2 {
		return seasons{m: 1}
	}
	ss := seasons{m: m}
	if step > 0 && time.Duration(m)*step == 24*time.Hour {
		if w := 7 * m; n >= 2*w+m {
			ss.w = w
		}
	}
	return ss
}

// candidates lists the models worth trying, ending with the default used
// when the history is too short to backtest. Multiplicative seasons and
// logarithms need strictly positive data.
func candidates(ss seasons, x []float64, forced string) []string {
	m := ss.m
	if forced != "" {
		// A seasonal model asked for on a series without a season becomes
		// its non-seasonal counterpart, and the forecast says so.
		if m == 1 && (forced == ModelSeasonalNaive || forced == ModelSeasonalNaiveWeekly || forced == ModelSeasonalMean) {
			return []string{ModelNaive}
		}
		if forced == ModelSeasonalNaiveWeekly && ss.w == 0 {
			return []string{ModelSeasonalNaive}
		}
		if spec, ok := etsSpecs[forced]; ok && m == 1 && spec.season != seasonNone {
			return []string{ModelHoltDamped}
		}
		if spec, ok := etsSpecs[forced]; ok && spec.season == seasonMul && slices.Min(x) <= 0 {
			return []string{ModelHWAdditiveDamped}
		}
		if forced == ModelMSTLLog && slices.Min(x) <= 0 {
			return []string{ModelMSTL}
		}
		return []string{forced}
	}
	if m == 1 {
		return []string{ModelNaive, ModelSES, ModelTheta, ModelHoltDamped}
	}
	c := []string{ModelNaive, ModelSeasonalNaive, ModelHWAdditive}
	if ss.w > 1 {
		c = append(c, ModelSeasonalNaiveWeekly)
	}
	if len(x) >= 3*m {
		c = append(c, ModelSeasonalMean)
	}
	c = append(c, ModelMSTL, ModelTheta)
	if slices.Min(x) > 0 {
		c = append(c, ModelHWMultiplicativeDamped, ModelMSTLLog)
	}
	return append(c, ModelHWAdditiveDamped)
}

// fitForecast fits model name on w and forecasts h steps; it returns nil
// means when the model cannot be fitted (a multiplicative breakdown).
func fitForecast(name string, w []float64, ss seasons, h int, warm []float64, maxEval int) (mu, sd []float64, params map[string]float64, theta []float64) {
	m := ss.m
	switch name {
	case ModelNaive:
		mu, sd = naiveForecast(w, 1, h)
		return mu, sd, nil, nil
	case ModelSeasonalNaive:
		mu, sd = naiveForecast(w, m, h)
		return mu, sd, nil, nil
	case ModelSeasonalNaiveWeekly:
		mu, sd = weeklyNaive(w, max(ss.w, m), h)
		return mu, sd, nil, nil
	case ModelSeasonalMean:
		mu, sd = seasonalMeanForecast(w, m, h)
		return mu, sd, map[string]float64{"seasons": float64(seasonsAveraged(len(w), m))}, nil
	case ModelMSTL, ModelMSTLLog, ModelTheta:
		if name == ModelMSTLLog && slices.Min(w) <= 0 {
			return nil, nil, nil, nil
		}
		mu, sd = mstlForecast(w, ss, h, name == ModelTheta, name == ModelMSTLLog)
		return mu, sd, nil, nil
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
	// errs holds each model's backtest errors in units of its own
	// standard deviation, for calibrating the intervals.
	errs map[string][]float64
	// combo names the members of the combination, when it is a score.
	combo []string
}

// members returns the models behind a backtest entry.
func (b backtestResult) members(model string) []string {
	if model == ModelCombination {
		return b.combo
	}
	return []string{model}
}

// quantiles returns the 80% and 95% quantiles of a model's standardised
// backtest errors (absolute), used as the interval multipliers; the normal
// ones while fewer than 30 errors are known. They are kept within a factor
// of three of the normal values, so one odd origin cannot make the
// intervals absurd.
func (b backtestResult) quantiles(model string) (q80, q95 float64) {
	e := b.errs[model]
	if len(e) < 30 {
		return z80, z95
	}
	a := make([]float64, len(e))
	for i, v := range e {
		a[i] = math.Abs(v)
	}
	slices.Sort(a)
	q := func(p float64) float64 { return a[min(len(a)-1, int(math.Ceil(p*float64(len(a))))-1)] }
	q80 = math.Min(math.Max(q(0.8), z80), 3*z80)
	q95 = math.Min(math.Max(q(0.95), z95), 3*z95)
	return q80, math.Max(q95, q80)
}

// backtest scores each candidate at rolling origins n−h·k (k = b…1): fit
// on the (capped) window before the origin, forecast h, compare with what
// happened. MASE is scaled by the training window's in-sample seasonal-naive
// MAE (naive for m = 1), as Hyndman & Koehler define it. The mean of the
// three best models is scored too, from the same forecasts.
func backtest(x []float64, ss seasons, h, b int, cands []string) backtestResult {
	if b <= 0 {
		b = defaultBacktest
	}
	m := ss.m
	n := len(x)
	minTrain := max(2*m+2, 2*ss.w+m, minForecastPoints, 3*h/2)
	if ss.w == 0 {
		minTrain = max(2*m+2, minForecastPoints, 3*h/2)
	}
	for b > 0 && n-b*h < minTrain {
		b--
	}
	res := backtestResult{theta: map[string][]float64{}, errs: map[string][]float64{}}
	if b == 0 {
		return res
	}
	type run struct {
		mu, sd []float64
	}
	runs := make([]map[string]run, b)
	scales := make([]float64, b)
	valid := map[string]int{}
	for k := b; k >= 1; k-- {
		origin := n - k*h
		train := x[max(0, origin-fitWindow(origin, ss)):origin]
		scales[b-k] = maeLag(train, m)
		runs[b-k] = map[string]run{}
		for _, c := range cands {
			budget := fitEvalBacktest
			if res.theta[c] == nil {
				budget = fitEvalFinal
			}
			mu, sd, _, theta := fitForecast(c, train, ss, h, res.theta[c], budget)
			if mu == nil {
				continue
			}
			res.theta[c] = theta // the next origin starts from this optimum
			runs[b-k][c] = run{mu, sd}
			valid[c]++
		}
	}
	score := func(name string, get func(o int) (run, bool)) {
		var mase, smape float64
		var errs []float64
		for o := range b {
			r, ok := get(o)
			if !ok {
				return // a model that broke down at any origin is not trusted
			}
			origin := n - (b-o)*h
			var ae, sp float64
			for i, y := range x[origin : origin+h] {
				ae += math.Abs(y - r.mu[i])
				if den := math.Abs(y) + math.Abs(r.mu[i]); den > 0 {
					sp += 200 * math.Abs(y-r.mu[i]) / den
				}
				if r.sd[i] > 0 {
					errs = append(errs, (y-r.mu[i])/r.sd[i])
				}
			}
			mase += ae / float64(h) / scales[o]
			smape += sp / float64(h)
		}
		res.scores = append(res.scores, Backtest{Model: name, MASE: mase / float64(b), SMAPE: smape / float64(b)})
		res.errs[name] = errs
	}
	for _, c := range cands {
		score(c, func(o int) (run, bool) { r, ok := runs[o][c]; return r, ok })
	}
	sort.SliceStable(res.scores, func(i, j int) bool { return res.scores[i].MASE < res.scores[j].MASE })
	if len(res.scores) >= 3 {
		top := []string{res.scores[0].Model, res.scores[1].Model, res.scores[2].Model}
		res.combo = top
		score(ModelCombination, func(o int) (run, bool) {
			c := run{mu: make([]float64, h), sd: make([]float64, h)}
			for _, name := range top {
				r := runs[o][name]
				for i := range c.mu {
					c.mu[i] += r.mu[i] / 3
					c.sd[i] += r.sd[i] / 3
				}
			}
			return c, true
		})
		sort.SliceStable(res.scores, func(i, j int) bool { return res.scores[i].MASE < res.scores[j].MASE })
	}
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
