package risk

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// LogReg is a fitted L2-regularised logistic regression on standardised
// features: p = σ(b + Σ w_j (x_j − μ_j)/σ_j).
type LogReg struct {
	Weights   []float64 `json:"weights"`
	Intercept float64   `json:"intercept"`
	Mean      []float64 `json:"mean"`
	Scale     []float64 `json:"scale"`
}

// Lambda is the L2 penalty of the fits (on the standardised weights).
const Lambda = 1e-3

// matrix is a row-major feature matrix.
type matrix struct {
	rows, cols int
	data       []float64
}

func (m *matrix) row(i int) []float64 { return m.data[i*m.cols : (i+1)*m.cols] }

// standardize returns the columns' means and scales (1 for a constant column).
func standardize(x *matrix) (mean, scale []float64) {
	mean, scale = make([]float64, x.cols), make([]float64, x.cols)
	for i := 0; i < x.rows; i++ {
		for j, v := range x.row(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(max(x.rows, 1))
	}
	for i := 0; i < x.rows; i++ {
		for j, v := range x.row(i) {
			d := v - mean[j]
			scale[j] += d * d
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / float64(max(x.rows, 1)))
		if scale[j] < 1e-9 {
			scale[j] = 1
		}
	}
	return mean, scale
}

// fit fits the logistic regression to the standardised rows of x (z, made
// once and shared by the fits) with labels y.
func fit(z *matrix, mean, scale []float64, y []float64, lambda float64) (LogReg, error) {
	d := z.cols
	n := float64(z.rows)
	p := optimize.Problem{
		Func: func(w []float64) float64 {
			l := 0.0
			for i := 0; i < z.rows; i++ {
				s := w[d]
				for j, v := range z.row(i) {
					s += w[j] * v
				}
				l += math.Log1p(math.Exp(-math.Abs(s))) + math.Max(s, 0) - y[i]*s
			}
			r := 0.0
			for j := 0; j < d; j++ {
				r += w[j] * w[j]
			}
			return l/n + lambda*r/2
		},
		Grad: func(g, w []float64) {
			for j := range g {
				g[j] = 0
			}
			for i := 0; i < z.rows; i++ {
				row := z.row(i)
				s := w[d]
				for j, v := range row {
					s += w[j] * v
				}
				e := sigmoid(s) - y[i]
				for j, v := range row {
					g[j] += e * v
				}
				g[d] += e
			}
			for j := range g {
				g[j] /= n
			}
			for j := 0; j < d; j++ {
				g[j] += lambda * w[j]
			}
		},
	}
	res, err := optimize.Minimize(p, make([]float64, d+1), &optimize.Settings{MajorIterations: 200, GradientThreshold: 1e-6}, &optimize.LBFGS{})
	if err != nil && res == nil {
		return LogReg{}, fmt.Errorf("risk: fit: %w", err)
	}
	// A line search that stops near the optimum still leaves a usable fit.
	w := res.X
	return LogReg{Weights: append([]float64(nil), w[:d]...), Intercept: w[d], Mean: mean, Scale: scale}, nil
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

// predictZ is the probability for a standardised row.
func (m LogReg) predictZ(z []float64) float64 {
	s := m.Intercept
	for j, v := range z {
		s += m.Weights[j] * v
	}
	return sigmoid(s)
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
			ds = append(ds, Driver{Feature: names[j], Value: math.Round(v*100) / 100, Effect: math.Round(c*100) / 100})
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Effect > ds[j].Effect })
	if len(ds) > k {
		ds = ds[:k]
	}
	return ds
}
