package predict

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEdgeCases feeds degenerate series through every entry point: none may
// panic or return NaN numbers.
func TestEdgeCases(t *testing.T) {
	t.Parallel()
	constant := make([]float64, 100)
	for i := range constant {
		constant[i] = 3
	}
	negative := synth(200, 12, -50, 5, 1, 8)
	short := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	gappy := synth(300, 24, 10, 3, 0.3, 9)
	for i := range gappy {
		if i%3 == 0 {
			gappy[i] = math.NaN()
		}
	}
	for name, x := range map[string][]float64{"constant": constant, "negative": negative, "short": short, "gappy": gappy} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, online := range []bool{false, true} {
				det, err := Detect(Series{Values: x}, DetectOptions{Online: online})
				require.NoError(t, err)
				for i, p := range det.Points {
					require.False(t, math.IsNaN(p.Score), "point %d", i)
				}
				md, err := DetectMulti(Multi{Names: []string{"a", "b"}, Values: [][]float64{x, x}}, DetectOptions{Online: online})
				require.NoError(t, err)
				for i, p := range md.Points {
					require.False(t, math.IsNaN(p.Score), "point %d", i)
				}
			}
			fc, err := ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: 4})
			require.NoError(t, err)
			for i, v := range fc.Mean {
				require.False(t, math.IsNaN(v) || math.IsNaN(fc.Lo95[i]) || math.IsNaN(fc.Hi95[i]), "step %d", i)
			}
			_, err = Decompose(Series{Values: x}, 0)
			require.NoError(t, err)
		})
	}
}
