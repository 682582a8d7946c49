package risk

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/optimize"
)

// LogReg is a fitted L2-regularised logistic regression on standardised
// features: p = σ(b + Σ w_j (x_j − μ_j)/σ_j).
type LogReg struct {
	Weights   []float64 `json:"weights"`
	Intercept float64   `json:"intercept"`
	Mean      []float64 `json:"mean"`
	Scale     []float64 `json:"scale"`
	// Lambda is the L2 penalty it was fitted with.
	Lambda float64 `json:"lambda,omitempty"`
}

// Lambdas are the L2 penalties (on the standardised weights, per row of
// the mean loss) a target's fit tries, strongest first; each target keeps
// the one whose model ranks its validation part best.
var Lambdas = []float64{1e-2, 1e-3, 1e-4}

// matrix is a sparse row-major feature matrix: most features (alert
// counts and their interactions) are zero on most asset-hours, so a fit
// reads only the non-zeros. Standardisation is applied on the fly, which
// keeps the zeros zero: w·(x−μ)/σ = Σ (w_j/σ_j) x_j − Σ w_j μ_j/σ_j.
type matrix struct {
	cols int
	ptr  []int // row i's entries are idx[ptr[i]:ptr[i+1]], val[…]
	idx  []int32
	val  []float64
}

func newMatrix(cols int) *matrix { return &matrix{cols: cols, ptr: []int{0}} }

// add appends a dense row, keeping its non-zeros.
func (m *matrix) add(row []float64) {
	for j, v := range row {
		if v != 0 {
			m.idx = append(m.idx, int32(j))
			m.val = append(m.val, v)
		}
	}
	m.ptr = append(m.ptr, len(m.idx))
}

// appendRows appends o's rows.
func (m *matrix) appendRows(o *matrix) {
	base := len(m.idx)
	m.idx = append(m.idx, o.idx...)
	m.val = append(m.val, o.val...)
	for _, p := range o.ptr[1:] {
		m.ptr = append(m.ptr, base+p)
	}
}

// standardize returns the columns' means and scales over rows, weighted
// by the snapshots' weights (1 for a constant column).
func standardize(x *matrix, rows []int, snaps []snapshot) (mean, scale []float64) {
	mean, sq := make([]float64, x.cols), make([]float64, x.cols)
	n := 0.0
	for _, i := range rows {
		w := snaps[i].w
		n += w
		for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
			v := x.val[k]
			mean[x.idx[k]] += w * v
			sq[x.idx[k]] += w * v * v
		}
	}
	n = math.Max(n, 1)
	scale = make([]float64, x.cols)
	for j := range mean {
		mean[j] /= n
		scale[j] = math.Sqrt(math.Max(sq[j]/n-mean[j]*mean[j], 0))
		if scale[j] < 1e-9 {
			scale[j] = 1
		}
	}
	return mean, scale
}

// fit fits the logistic regression to rows of x (standardised with mean
// and scale) with labels y and weights wt (one per row listed), starting from start (a
// model fitted before: a warm start) when it is not nil.
func fit(x *matrix, rows []int, wt, mean, scale, y []float64, lambda float64, start *LogReg) (LogReg, error) {
	d := x.cols
	n := 0.0
	for _, w := range wt {
		n += w
	}
	n = math.Max(n, 1)
	v := make([]float64, d)
	gr := make([]float64, d)
	var lastW []float64
	var lastF float64
	lastG := make([]float64, d+1)
	// eval computes the loss and its gradient in one pass; L-BFGS asks
	// for both at the same point, so the pass is cached.
	eval := func(w []float64) {
		if lastW != nil && slices.Equal(w, lastW) {
			return
		}
		c := w[d]
		for j := 0; j < d; j++ {
			v[j] = w[j] / scale[j]
			c -= v[j] * mean[j]
		}
		clear(gr)
		l, sumE := 0.0, 0.0
		for k, i := range rows {
			lo, hi := x.ptr[i], x.ptr[i+1]
			s := c
			for q := lo; q < hi; q++ {
				s += v[x.idx[q]] * x.val[q]
			}
			// One exponential serves the loss and the probability.
			ex := math.Exp(-math.Abs(s))
			l += wt[k] * (math.Log1p(ex) + math.Max(s, 0) - y[k]*s)
			pr := 1 / (1 + ex)
			if s < 0 {
				pr = ex / (1 + ex)
			}
			e := wt[k] * (pr - y[k])
			sumE += e
			for q := lo; q < hi; q++ {
				gr[x.idx[q]] += e * x.val[q]
			}
		}
		r := 0.0
		for j := 0; j < d; j++ {
			r += w[j] * w[j]
			lastG[j] = (gr[j]-mean[j]*sumE)/scale[j]/n + lambda*w[j]
		}
		lastG[d] = sumE / n
		lastF = l/n + lambda*r/2
		lastW = append(lastW[:0], w...)
	}
	p := optimize.Problem{
		Func: func(w []float64) float64 { eval(w); return lastF },
		Grad: func(g, w []float64) { eval(w); copy(g, lastG) },
	}
	w0 := make([]float64, d+1)
	if start != nil {
		start.restandardize(mean, scale, w0)
	}
	res, err := optimize.Minimize(p, w0, &optimize.Settings{MajorIterations: 200, GradientThreshold: 1e-5}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return LogReg{}, fmt.Errorf("risk: fit: %w", err)
	}
	// A line search that stops near the optimum still leaves a usable fit.
	w := res.X
	return LogReg{Weights: append([]float64(nil), w[:d]...), Intercept: w[d], Mean: mean, Scale: scale, Lambda: lambda}, nil
}

// restandardize writes into w (length len(Weights)+1) the weights and
// intercept that give the same probabilities on columns standardised
// with mean and scale instead of the model's own.
func (m LogReg) restandardize(mean, scale, w []float64) {
	d := len(m.Weights)
	w[d] = m.Intercept
	for j, wj := range m.Weights {
		v := wj / m.Scale[j]
		w[j] = v * scale[j]
		w[d] += v * (mean[j] - m.Mean[j])
	}
}

func sigmoid(s float64) float64 {
	if s >= 0 {
		return 1 / (1 + math.Exp(-s))
	}
	e := math.Exp(s)
	return e / (1 + e)
}

// Predict is the probability for a raw feature vector.
func (m LogReg) Predict(x []float64) float64 {
	s := m.Intercept
	for j, v := range x {
		s += m.Weights[j] * (v - m.Mean[j]) / m.Scale[j]
	}
	return sigmoid(s)
}

// scorer scores rows of a sparse matrix with a model.
type scorer struct {
	v []float64
	c float64
}

func (m LogReg) scorer() scorer {
	s := scorer{v: make([]float64, len(m.Weights)), c: m.Intercept}
	for j, w := range m.Weights {
		s.v[j] = w / m.Scale[j]
		s.c -= s.v[j] * m.Mean[j]
	}
	return s
}

func (s scorer) row(x *matrix, i int) float64 {
	z := s.c
	for q := x.ptr[i]; q < x.ptr[i+1]; q++ {
		z += s.v[x.idx[q]] * x.val[q]
	}
	return sigmoid(z)
}

// Driver is a feature that raises (or lowers) an asset's risk: its value
// and its contribution to the log-odds against the training average.
type Driver struct {
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`
	Effect  float64 `json:"effect"`
}

// Drivers returns the features that raise the probability most, strongest
// first (at most k, each adding at least 0.25 to the log-odds).
func (m LogReg) Drivers(x []float64, names []string, k int) []Driver {
	var ds []Driver
	for j, v := range x {
		c := m.Weights[j] * (v - m.Mean[j]) / m.Scale[j]
		if c >= 0.25 {
			d := Driver{Feature: names[j], Value: math.Round(v*100) / 100, Effect: math.Round(c*100) / 100}
			if n, ok := strings.CutSuffix(d.Feature, " (log)"); ok {
				// A feature learnt on log(1 + days) is said in days.
				d.Feature, d.Value = n, math.Round(math.Expm1(v))
			}
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Effect > ds[j].Effect })
	if len(ds) > k {
		ds = ds[:k]
	}
	return ds
}
