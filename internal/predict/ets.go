package predict

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Season kinds of an ETS model.
const (
	seasonNone = iota
	seasonAdd
	seasonMul
)

// etsSpec names one exponential-smoothing form. All forms have additive
// errors; the state updates are the error-correction form of Holt-Winters
// (Hyndman et al., "Forecasting with Exponential Smoothing", table 2.1).
type etsSpec struct {
	name   string
	trend  bool
	damped bool
	season int
}

var etsSpecs = map[string]etsSpec{
	ModelSES:                    {name: ModelSES},
	ModelHoltDamped:             {name: ModelHoltDamped, trend: true, damped: true},
	ModelHWAdditive:             {name: ModelHWAdditive, trend: true, season: seasonAdd},
	ModelHWAdditiveDamped:       {name: ModelHWAdditiveDamped, trend: true, damped: true, season: seasonAdd},
	ModelHWMultiplicative:       {name: ModelHWMultiplicative, trend: true, season: seasonMul},
	ModelHWMultiplicativeDamped: {name: ModelHWMultiplicativeDamped, trend: true, damped: true, season: seasonMul},
}

// dim is the number of free smoothing parameters.
func (s etsSpec) dim() int {
	d := 1
	if s.trend {
		d++
	}
	if s.damped {
		d++
	}
	if s.season != seasonNone {
		d++
	}
	return d
}

// etsParams are the smoothing parameters, always inside the usual region
// 0 < α < 1, 0 < β < α, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98.
type etsParams struct {
	alpha, beta, gamma, phi float64
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// params maps an unconstrained optimiser point to parameters inside the
// region, so Nelder-Mead can roam freely and still only ever evaluate
// admissible (forecastable) models.
func (s etsSpec) params(theta []float64) etsParams {
	p := etsParams{phi: 1}
	i := 0
	p.alpha = 0.0001 + 0.9998*sigmoid(theta[i])
	i++
	if s.trend {
		p.beta = p.alpha * sigmoid(theta[i]) * 0.999
		i++
	}
	if s.damped {
		p.phi = 0.8 + 0.18*sigmoid(theta[i])
		i++
	}
	if s.season != seasonNone {
		p.gamma = (1 - p.alpha) * sigmoid(theta[i]) * 0.999
	}
	return p
}

// theta0 is the optimiser's starting point: α 0.3, β 0.03, φ 0.95, γ 0.1
// (inside the region and typical of fitted values).
func (s etsSpec) theta0() []float64 {
	th := []float64{logit(0.3)}
	if s.trend {
		th = append(th, logit(0.1))
	}
	if s.damped {
		th = append(th, logit(0.83))
	}
	if s.season != seasonNone {
		th = append(th, logit(0.14))
	}
	return th
}

// etsState is the filter state after the last observation.
type etsState struct {
	l, b float64
	s    []float64 // s[k] is the seasonal term of the phase k (phase of the first fitted point = 0)
	n    int       // number of points filtered, so the next phase is n mod m
}

// etsInit is the heuristic initial state: level and trend from the means of
// the first seasons, seasonal terms from the average deviation (or ratio) of
// each phase from its season's mean. Without a season the first few points
// give level and trend.
func etsInit(x []float64, m int, spec etsSpec) etsState {
	st := etsState{}
	if spec.season == seasonNone || m < 2 {
		k := min(len(x), 4)
		st.l = mean(x[:k])
		if spec.trend && len(x) >= 2*k {
			st.b = (mean(x[k:2*k]) - st.l) / float64(k)
		}
		return st
	}
	k := min(len(x)/m, 3)
	means := make([]float64, k)
	for c := range k {
		means[c] = mean(x[c*m : (c+1)*m])
	}
	st.l = means[0]
	if spec.trend && k > 1 {
		st.b = (means[k-1] - means[0]) / float64((k-1)*m)
	}
	st.s = make([]float64, m)
	for j := range m {
		var acc float64
		for c := range k {
			// Remove the within-season part of the trend so it does not
			// leak into the seasonal terms.
			lvl := means[c] + st.b*(float64(j)-float64(m-1)/2)
			if spec.season == seasonMul {
				acc += x[c*m+j] / lvl
			} else {
				acc += x[c*m+j] - lvl
			}
		}
		st.s[j] = acc / float64(k)
	}
	// Level and trend describe the first season's middle; step the level
	// back to just before the first point.
	st.l -= st.b * float64(m+1) / 2
	return st
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// etsFilter runs the model over x from state st (modified in place) and
// returns the sum of squared one-step errors. It returns +Inf as soon as the
// model breaks down (a multiplicative season meeting a non-positive level),
// which the optimiser treats as "never here".
func etsFilter(x []float64, m int, spec etsSpec, p etsParams, st *etsState) float64 {
	var sse float64
	l, b := st.l, st.b
	for i, y := range x {
		trend := 0.0
		if spec.trend {
			trend = p.phi * b
		}
		base := l + trend
		var yhat, e float64
		switch spec.season {
		case seasonNone:
			yhat = base
			e = y - yhat
			l = base + p.alpha*e
			b = trend + p.beta*e
		case seasonAdd:
			k := (st.n + i) % m
			s := st.s[k]
			yhat = base + s
			e = y - yhat
			l = base + p.alpha*e
			b = trend + p.beta*e
			st.s[k] = s + p.gamma*e
		case seasonMul:
			k := (st.n + i) % m
			s := st.s[k]
			if base <= 0 || s <= 0 {
				return math.Inf(1)
			}
			yhat = base * s
			e = y - yhat
			l = base + p.alpha*e/s
			b = trend + p.beta*e/s
			st.s[k] = s + p.gamma*e/base
		}
		sse += e * e
	}
	st.l, st.b = l, b
	st.n += len(x)
	if math.IsNaN(sse) {
		return math.Inf(1)
	}
	return sse
}

// etsFit is a fitted model ready to forecast.
type etsFit struct {
	spec   etsSpec
	m      int
	p      etsParams
	st     etsState
	sigma2 float64
	theta  []float64
}

// fitETS fits spec to x by Nelder-Mead on the one-step SSE, starting from
// warm (a previous fit's optimum) when given. The evaluation budget is
// bounded so a fit costs at most a few hundred passes over x.
func fitETS(x []float64, m int, spec etsSpec, warm []float64, maxEval int) *etsFit {
	init := etsInit(x, m, spec)
	sse := func(theta []float64) float64 {
		st := init
		if init.s != nil {
			st.s = append(make([]float64, 0, m), init.s...)
		}
		return etsFilter(x, m, spec, spec.params(theta), &st)
	}
	start := spec.theta0()
	if len(warm) == len(start) {
		start = warm
	}
	best := start
	res, err := optimize.Minimize(optimize.Problem{Func: sse}, start, &optimize.Settings{
		FuncEvaluations: maxEval,
		Converger:       &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-6, Iterations: 25},
	}, &optimize.NelderMead{SimplexSize: 1})
	// Hitting the evaluation cap is expected (that is the budget); any
	// result that improved on the start is usable.
	if res != nil && res.X != nil && !math.IsInf(res.F, 1) && (err == nil || res.F <= sse(start)) {
		best = res.X
	}
	fit := &etsFit{spec: spec, m: m, p: spec.params(best), theta: best}
	fit.st = init
	if init.s != nil {
		fit.st.s = append(make([]float64, 0, m), init.s...)
	}
	s := etsFilter(x, m, spec, fit.p, &fit.st)
	if math.IsInf(s, 1) {
		return nil
	}
	dof := max(len(x)-spec.dim()-2, 1)
	fit.sigma2 = s / float64(dof)
	return fit
}

// forecast returns the h-step means and standard deviations. The variance
// is the ETS class-1 formula v_h = σ²(1 + Σ_{j<h} c_j²) with
// c_j = α + β(φ + … + φ^j) + γ·[j mod m = 0] (Hyndman et al. 2008, §6.3),
// exact for the additive-season models. For a multiplicative season the
// same formula is applied and scaled by the seasonal factor of the target
// phase relative to the mean factor: an approximation that keeps intervals
// wide at the peaks and narrow in the troughs.
func (f *etsFit) forecast(h int) (mu, sd []float64) {
	mu, sd = make([]float64, h), make([]float64, h)
	p, st := f.p, f.st
	phiSum := 0.0
	phiPow := 1.0
	var cum float64
	for k := 1; k <= h; k++ {
		phiPow *= p.phi
		phiSum += phiPow
		trend := 0.0
		if f.spec.trend {
			trend = phiSum * st.b
		}
		base := st.l + trend
		scale := 1.0
		switch f.spec.season {
		case seasonNone:
			mu[k-1] = base
		case seasonAdd:
			mu[k-1] = base + st.s[(st.n+k-1)%f.m]
		case seasonMul:
			s := st.s[(st.n+k-1)%f.m]
			mu[k-1] = base * s
			scale = s / meanAbs(st.s)
		}
		sd[k-1] = math.Sqrt(f.sigma2*(1+cum)) * scale
		// c_k for the next horizon's variance.
		c := p.alpha
		if f.spec.trend {
			c += p.beta * phiSum
		}
		if f.spec.season != seasonNone && k%f.m == 0 {
			c += p.gamma
		}
		cum += c * c
	}
	return mu, sd
}

func meanAbs(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(v)
	}
	if s == 0 {
		return 1
	}
	return s / float64(len(x))
}
