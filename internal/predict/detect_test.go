package predict

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDetectPeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    []float64
		want int
	}{
		{"daily", synth(3000, 24, 50, 5, 1, 1), 24},
		{"weekly-days", synth(400, 7, 10, 3, 1, 2), 7},
		{"weekly-hours", synth(3000, 168, 10, 3, 1, 3), 168},
		{"noise", synth(3000, 1, 10, 0, 1, 4), 0},
		{"short", []float64{1, 2, 3}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, DetectPeriod(tc.x, 0))
		})
	}
}

func TestDetectPeriodWithTrendAndGaps(t *testing.T) {
	t.Parallel()
	x := synth(2000, 24, 50, 5, 1, 5)
	for i := range x {
		x[i] += 0.05 * float64(i)
		if i%97 == 0 {
			x[i] = math.NaN()
		}
	}
	require.Equal(t, 24, DetectPeriod(x, 0))
}

func TestDetectSpikes(t *testing.T) {
	t.Parallel()
	spikes := []int{300, 901, 1500, 1777}
	for _, online := range []bool{false} { // online: see TestOnlineSpikes
		x := synth(2000, 24, 50, 10, 1, 11)
		for k, i := range spikes {
			if k%2 == 0 {
				x[i] += 9
			} else {
				x[i] -= 9
			}
		}
		x[1200] = math.NaN() // a dropout must not become an event
		det, err := Detect(Series{Values: x, Times: hourly(len(x))}, DetectOptions{Online: online})
		require.NoError(t, err)
		require.Equal(t, 24, det.Period)
		var peaks []int
		for _, e := range det.Events {
			peaks = append(peaks, e.PeakIdx)
			require.Equal(t, KindSpike, e.Kind)
		}
		require.Equal(t, spikes, peaks, "online=%v", online)
		for _, i := range spikes {
			require.True(t, det.Points[i].IsAnomaly)
			require.Greater(t, math.Abs(det.Points[i].Z), 5.0)
		}
		require.False(t, det.Points[1200].IsAnomaly)
		require.True(t, det.Points[1200].Missing)
	}
}

func TestDetectLevelShift(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false} { // online: see TestOnlineShiftAndDrift
		x := synth(2000, 24, 50, 10, 1, 21)
		for i := 1000; i < len(x); i++ {
			x[i] += 3
		}
		det, err := Detect(Series{Values: x}, DetectOptions{Online: online})
		require.NoError(t, err)
		var shifts []Event
		for _, e := range det.Events {
			if e.Kind == KindLevelShift {
				shifts = append(shifts, e)
			}
		}
		require.Len(t, shifts, 1, "online=%v events=%+v", online, det.Events)
		require.InDelta(t, 1000, shifts[0].StartIdx, 8)
		require.Less(t, shifts[0].PeakIdx, 1100)
	}
}

func TestDetectDrift(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false} { // online: see TestOnlineShiftAndDrift
		x := synth(2000, 24, 50, 10, 1, 31)
		for i := 1000; i < len(x); i++ {
			x[i] += 0.04 * float64(i-1000)
		}
		det, err := Detect(Series{Values: x}, DetectOptions{Online: online})
		require.NoError(t, err)
		require.NotEmpty(t, det.Events)
		var drift *Event
		for i, e := range det.Events {
			if e.Kind == KindDrift {
				drift = &det.Events[i]
				break
			}
		}
		require.NotNil(t, drift, "online=%v events=%+v", online, det.Events)
		require.InDelta(t, 1000, drift.StartIdx, 60)
		for _, e := range det.Events {
			require.GreaterOrEqual(t, e.EndIdx, 990, "no events before the drift: %+v", e)
		}
	}
}

func TestDetectNoiseIsQuiet(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false} { // online: see TestOnlineCalibrated
		x := synth(20000, 24, 50, 10, 1, 41)
		det, err := Detect(Series{Values: x}, DetectOptions{Online: online})
		require.NoError(t, err)
		require.LessOrEqual(t, len(det.Events), 3, "online=%v", online)
		for _, p := range det.Points {
			require.GreaterOrEqual(t, p.Score, 0.0)
			require.LessOrEqual(t, p.Score, 1.0)
		}
	}
}

// TestDetectOnlineUsesOnlyThePast checks the online contract directly: the
// scores of a prefix do not change when later points are appended.
func TestDetectOnlineUsesOnlyThePast(t *testing.T) {
	t.Parallel()
	x := synth(1500, 24, 50, 10, 1, 51)
	x[700] += 12
	full, err := Detect(Series{Values: x}, DetectOptions{Online: true, Period: 24})
	require.NoError(t, err)
	for _, k := range []int{200, 701, 1000} {
		part, err := Detect(Series{Values: x[:k]}, DetectOptions{Online: true, Period: 24})
		require.NoError(t, err)
		for i := range k {
			a, b := part.Points[i], full.Points[i]
			require.Equal(t, a.IsAnomaly, b.IsAnomaly, "k=%d i=%d", k, i)
			require.InDelta(t, a.Score, b.Score, 1e-12, "k=%d i=%d", k, i)
		}
	}
}

func TestDetectErrors(t *testing.T) {
	t.Parallel()
	_, err := Detect(Series{Values: []float64{1, 2, 3}}, DetectOptions{})
	require.ErrorIs(t, err, ErrTooShort)
	_, err = Detect(Series{Values: make([]float64, 20), Times: hourly(3)}, DetectOptions{})
	require.ErrorIs(t, err, ErrBadInput)
}

func TestDetectConstantSeries(t *testing.T) {
	t.Parallel()
	x := make([]float64, 500)
	for i := range x {
		x[i] = 5
	}
	x[250] = 6
	det, err := Detect(Series{Values: x}, DetectOptions{})
	require.NoError(t, err)
	require.Len(t, det.Events, 1)
	require.Equal(t, 250, det.Events[0].PeakIdx)
}

func TestDecompose(t *testing.T) {
	t.Parallel()
	x := synth(960, 24, 50, 10, 0.5, 61)
	for i := range x {
		x[i] += 0.01 * float64(i)
	}
	d, err := Decompose(Series{Values: x}, 0)
	require.NoError(t, err)
	require.Equal(t, 24, d.Period)
	for i := 100; i < 860; i++ {
		require.InDelta(t, 10*math.Sin(2*math.Pi*float64(i)/24), d.Seasonal[i], 0.6)
		require.InDelta(t, 50+0.01*float64(i), d.Trend[i], 0.6)
		require.InDelta(t, x[i], d.Trend[i]+d.Seasonal[i]+d.Residual[i], 1e-9)
	}
}

// TestDetectMinuteData covers a long period (1-minute data, daily season):
// the period must come out exact, or the season smears and noise turns into
// events.
func TestDetectMinuteData(t *testing.T) {
	t.Parallel()
	x := synth(1440*12, 1440, 50, 10, 1, 71)
	require.Equal(t, 1440, DetectPeriod(x, 0))
	x[1440*10+7] += 9
	for _, online := range []bool{false, true} {
		opt := DetectOptions{Online: online}
		if online {
			opt.Threshold = AssetThreshold // the quiet operating point: one event, the spike
		}
		det, err := Detect(Series{Values: x}, opt)
		require.NoError(t, err)
		require.Equal(t, 1440, det.Period)
		require.LessOrEqual(t, len(det.Events), 2, "online=%v: %+v", online, det.Events)
		require.True(t, det.Points[1440*10+7].IsAnomaly, "online=%v", online)
	}
}
