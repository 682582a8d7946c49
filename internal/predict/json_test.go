package predict

import (
	"encoding/json"
	"math"
	"testing"
	"time"

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

// TestAnomalyJSONIsCompact: the record the tools hand to the model keeps
// the field names consumers read, times to the minute and numbers to three
// digits, and at most four contributors.
func TestAnomalyJSONIsCompact(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	a := Anomaly{
		Asset: "press-3", Subject: "press-3", Sensor: "vibration", Unit: "mm/s", Kind: KindDrift,
		Start: t0, Onset: t0.Add(2 * time.Hour), Peak: t0.Add(5 * time.Hour), End: t0.Add(6 * time.Hour), Step: 10 * time.Minute,
		Ongoing: true, Score: 0.73456, Value: 5.6123, Current: 5.7, Usual: 3.1234, Sigma: 4.2678,
		Shares: []Share{{"vibration", 0.7}, {"temperature", 0.1}, {"current", 0.1}, {"pressure", 0.05}, {"speed", 0.05}},
	}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, "2026-03-02T06:00Z", got["start"])
	require.Equal(t, "2026-03-02T08:00Z", got["onset"])
	require.Equal(t, "2026-03-02T11:00Z", got["peak"])
	require.Equal(t, 4.27, got["sigma"])
	require.Equal(t, 5.61, got["value"])
	require.Equal(t, 5.7, got["current"])
	require.Equal(t, 3.12, got["usual"])
	require.Equal(t, true, got["ongoing"])
	require.Len(t, got["contributors"], 4)
	require.Equal(t, "press-3 vibration up 4.3σ since 2026-03-02T06:00Z (now 5.61 mm/s, usual 3.12), vibration drove 70%", got["summary"])
	require.Less(t, len(b), 700)
}
