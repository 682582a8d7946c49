package risk

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWeightedFit: a row of weight 2 counts as that row twice, so the
// case-sampled fit (SampleCases: a grid weighted by its step beside every
// hour before a failure) estimates the fit on every hour.
func TestWeightedFit(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	x := newMatrix(3)
	var y []float64
	for range 400 {
		a, b, c := r.NormFloat64(), r.NormFloat64(), float64(r.IntN(2))
		x.add([]float64{a, b, c})
		y = append(y, b2f(r.Float64() < sigmoid(1.5*a-b+0.5*c-1)))
	}
	rows := rowsWhere(400, func(int) bool { return true })
	snaps := make([]snapshot, 400)
	for i := range snaps {
		snaps[i].w = 1
	}
	mean, scale := standardize(x, rows, snaps)
	// Each even row twice, with weight 1 …
	var dup []int
	var ydup, wdup []float64
	// … against each even row once with weight 2.
	var half []int
	var yhalf, whalf []float64
	for i := range rows {
		if i%2 == 0 {
			dup = append(dup, i, i)
			ydup = append(ydup, y[i], y[i])
			wdup = append(wdup, 1, 1)
			half = append(half, i)
			yhalf = append(yhalf, y[i])
			whalf = append(whalf, 2)
		} else {
			dup = append(dup, i)
			ydup = append(ydup, y[i])
			wdup = append(wdup, 1)
			half = append(half, i)
			yhalf = append(yhalf, y[i])
			whalf = append(whalf, 1)
		}
	}
	a, err := fit(x, dup, wdup, mean, scale, ydup, 1e-3, nil)
	require.NoError(t, err)
	b, err := fit(x, half, whalf, mean, scale, yhalf, 1e-3, nil)
	require.NoError(t, err)
	require.InDelta(t, a.Intercept, b.Intercept, 1e-4)
	for j := range a.Weights {
		require.InDelta(t, a.Weights[j], b.Weights[j], 1e-4, "weight %d", j)
	}
	// And the weights matter: the same rows, unweighted, fit otherwise.
	ones := make([]float64, len(half))
	for i := range ones {
		ones[i] = 1
	}
	c, err := fit(x, half, ones, mean, scale, yhalf, 1e-3, nil)
	require.NoError(t, err)
	diff := math.Abs(c.Intercept - b.Intercept)
	for j := range c.Weights {
		diff += math.Abs(c.Weights[j] - b.Weights[j])
	}
	require.Greater(t, diff, 1e-3)
}
