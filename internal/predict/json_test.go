package predict

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestResultsEncodeAsJSON guards the tools' contract: results with missing
// data, multivariate events and short histories must still marshal (JSON
// has no NaN).
func TestResultsEncodeAsJSON(t *testing.T) {
	t.Parallel()
	m := plant(400, 5)
	for i := 100; i < 110; i++ {
		for j := range m.Values {
			m.Values[j][i] = math.NaN()
		}
	}
	m.Values[0][300] += 5
	for _, online := range []bool{false, true} {
		det, err := DetectMulti(m, DetectOptions{Online: online})
		require.NoError(t, err)
		_, err = json.Marshal(det)
		require.NoError(t, err)
		uni, err := Detect(Series{Values: m.Values[1], Times: m.Times}, DetectOptions{Online: online})
		require.NoError(t, err)
		_, err = json.Marshal(uni)
		require.NoError(t, err)
	}
	fc, err := ForecastSeries(Series{Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}}, ForecastOptions{Horizon: 4})
	require.NoError(t, err)
	require.False(t, fc.Backtested)
	_, err = json.Marshal(fc)
	require.NoError(t, err)
	empty := Multi{Names: m.Names, Values: [][]float64{m.Values[0][100:110], m.Values[1][100:110], m.Values[2][100:110], m.Values[3][100:110]}}
	cmp, err := Compare(empty, m)
	require.NoError(t, err)
	_, err = json.Marshal(cmp)
	require.NoError(t, err)
}

func TestDecomposeWithGaps(t *testing.T) {
	t.Parallel()
	x := synth(480, 24, 20, 4, 0.3, 12)
	for i := 200; i < 240; i++ {
		x[i] = math.NaN()
	}
	d, err := Decompose(Series{Values: x}, 24)
	require.NoError(t, err)
	require.True(t, d.Missing[210])
	require.False(t, d.Missing[199])
	require.Zero(t, d.Residual[210])
	require.InDelta(t, 20, d.Trend[220], 1)
	_, err = json.Marshal(d)
	require.NoError(t, err)
}
