package predict

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// eventAt returns the event whose span holds i, or nil.
func eventAt(evs []Event, i int) *Event {
	for k := range evs {
		if evs[k].StartIdx <= i && i <= evs[k].EndIdx {
			return &evs[k]
		}
	}
	return nil
}

// TestOnlineSpikes: 9σ spikes on a daily wave, each judged only from the
// points before it, fire one event each at the spike, and a dropout is
// missing, not an event.
func TestOnlineSpikes(t *testing.T) {
	t.Parallel()
	spikes := []int{300, 901, 1500, 1777}
	x := synth(2000, 24, 50, 10, 1, 11)
	for k, i := range spikes {
		x[i] += 9 * float64(1-2*(k%2))
	}
	x[1200] = math.NaN()
	det, err := Detect(Series{Values: x, Times: hourly(len(x))}, DetectOptions{Online: true})
	require.NoError(t, err)
	require.Equal(t, 24, det.Period)
	require.Equal(t, streamWarmup, det.WarmUp, "the warm-up is reported")
	for i := range det.WarmUp {
		require.True(t, det.Points[i].Missing)
	}
	for _, i := range spikes {
		require.True(t, det.Points[i].IsAnomaly, "spike %d: %+v", i, det.Points[i])
		ev := eventAt(det.Events, i)
		require.NotNil(t, ev, "spike %d", i)
		require.Equal(t, i, ev.PeakIdx)
		require.Equal(t, KindSpike, ev.Kind)
	}
	require.LessOrEqual(t, len(det.Events), len(spikes)+1, "%+v", det.Events)
	require.True(t, det.Points[1200].Missing)
	require.False(t, det.Points[1200].IsAnomaly)
}

// TestOnlineShiftAndDrift: a 3σ level shift and a slow ramp on a daily
// wave are each reported once, soon after they begin, never before.
func TestOnlineShiftAndDrift(t *testing.T) {
	t.Parallel()
	shift := synth(2000, 24, 50, 10, 1, 21)
	for i := 1000; i < len(shift); i++ {
		shift[i] += 3
	}
	drift := synth(2000, 24, 50, 10, 1, 31)
	for i := 1000; i < len(drift); i++ {
		drift[i] += 0.04 * float64(i-1000)
	}
	for name, tc := range map[string]struct {
		x         []float64
		within    int
		wantKinds []string
	}{
		"shift": {shift, 60, []string{KindLevelShift, KindDrift}},
		"drift": {drift, 160, []string{KindDrift, KindLevelShift}},
	} {
		det, err := Detect(Series{Values: tc.x}, DetectOptions{Online: true, Period: 24})
		require.NoError(t, err)
		var first *Event
		for k, e := range det.Events {
			if e.EndIdx >= 1000 {
				first = &det.Events[k]
				break
			}
		}
		require.NotNil(t, first, "%s: %+v", name, det.Events)
		require.GreaterOrEqual(t, first.OnsetIdx, 1000, name)
		require.LessOrEqual(t, first.OnsetIdx, 1000+tc.within, name)
		require.LessOrEqual(t, first.StartIdx, first.OnsetIdx, "the change began at or before the alarm")
		require.Contains(t, tc.wantKinds, first.Kind, name)
		onsets := 0
		for i := 1000; i < 1000+tc.within; i++ {
			if det.Points[i].IsAnomaly {
				onsets++
			}
		}
		require.Equal(t, 1, onsets, "%s fires once, at onset", name)
	}
}

// TestOnlineCalibrated: on pure noise with a daily wave, the scores behave
// like the tail probabilities they stand for: a p-value ≤ 10⁻² at most
// about 1% of the time, ≤ 10⁻⁴ almost never; at the asset threshold
// (p ≈ 10⁻⁵) 20,000 points raise at most two events.
func TestOnlineCalibrated(t *testing.T) {
	t.Parallel()
	x := synth(20000, 24, 50, 10, 1, 41)
	st := NewStream(24)
	var warm, p2, p4 int
	for _, v := range x {
		sp := st.Push(v)
		if !sp.Warm {
			continue
		}
		warm++
		require.GreaterOrEqual(t, sp.Score, 0.0)
		require.Less(t, sp.Score, 1.0)
		if sp.Log10P <= -2 {
			p2++
		}
		if sp.Log10P <= -4 {
			p4++
		}
	}
	require.LessOrEqual(t, float64(p2)/float64(warm), 0.015, "share with p ≤ 1e-2")
	require.LessOrEqual(t, float64(p4)/float64(warm), 0.001, "share with p ≤ 1e-4")
	det, err := Detect(Series{Values: x}, DetectOptions{Online: true, Period: 24, Threshold: AssetThreshold})
	require.NoError(t, err)
	require.LessOrEqual(t, len(det.Events), 2, "%+v", det.Events)
}

// TestOnlineStuckAndNoisy: a sensor that freezes, and one that turns
// noisy, are flagged as such.
func TestOnlineStuckAndNoisy(t *testing.T) {
	t.Parallel()
	stuck := synth(3000, 24, 50, 10, 1, 61)
	for i := 2000; i < 2100; i++ {
		stuck[i] = stuck[1999]
	}
	noisy := synth(3000, 24, 50, 10, 1, 62)
	r := synth(3000, 1, 0, 0, 1, 63)
	for i := 2000; i < 2200; i++ {
		noisy[i] += 4 * r[i]
	}
	for name, tc := range map[string]struct {
		x    []float64
		kind string
	}{"stuck": {stuck, KindFlatline}, "noisy": {noisy, KindVariance}} {
		det, err := Detect(Series{Values: tc.x}, DetectOptions{Online: true, Period: 24})
		require.NoError(t, err)
		var kinds []string
		for _, e := range det.Events {
			if e.StartIdx >= 1990 && e.StartIdx < 2100 {
				kinds = append(kinds, e.Kind)
			}
		}
		require.NotEmpty(t, kinds, "%s: %+v", name, det.Events)
		if name == "stuck" {
			require.Contains(t, kinds, tc.kind, name)
		}
	}
}

// TestOnlineMulti: an asset's sensors judged together, online: a spike on
// one sensor is attributed to it, a sustained shift of another too.
func TestOnlineMulti(t *testing.T) {
	t.Parallel()
	m := plant(3000, 1)
	m.Values[0][1500] += 4 // vibration alone
	for i := 2200; i < 3000; i++ {
		m.Values[3][i] += 0.5 // pressure steps up by 2.5σ
	}
	det, err := DetectMulti(m, DetectOptions{Online: true, AssetThreshold: AssetThreshold})
	require.NoError(t, err)
	spike := eventAt(det.Events, 1500)
	require.NotNil(t, spike, "%+v", det.Events)
	require.Equal(t, "vibration", spike.Contributions[0].Sensor)
	require.Greater(t, spike.Contributions[0].Share, 0.5)
	var sum float64
	for _, c := range spike.Contributions {
		sum += c.Share
	}
	require.InDelta(t, 1, sum, 1e-9)
	var shift *Event
	for k, e := range det.Events {
		if e.StartIdx >= 2150 && shift == nil {
			shift = &det.Events[k]
		}
	}
	require.NotNil(t, shift, "%+v", det.Events)
	require.Equal(t, "pressure", shift.Contributions[0].Sensor)
	require.Less(t, shift.StartIdx, 2300)
	require.LessOrEqual(t, len(det.Events), 4, "%+v", det.Events)
}

// TestOnlineSpeedFloor is the CI version of BenchmarkOnlineDetect: 20,000
// points must be scored at 50,000 points per CPU second or more (the
// benchmark's target is 100,000 on one core; the floor leaves room for a
// loaded CI machine). It is not parallel: it reads the process's CPU time,
// which the package's other tests would add to.
func TestOnlineSpeedFloor(t *testing.T) {
	if raceDetector {
		t.Skip("speed is not measured under the race detector")
	}
	x := synth(20_000, 288, 50, 10, 1, 9)
	start := cpuTime()
	_, err := Detect(Series{Values: x}, onlineSettings(len(x)))
	require.NoError(t, err)
	cpu := cpuTime() - start
	rate := float64(len(x)) / cpu.Seconds()
	t.Logf("%.0f points per CPU second", rate)
	require.GreaterOrEqual(t, rate, 50_000.0)
}

// TestOnlineQuietAfterAnomalousDay: a daily square wave (a plant's day
// shift) whose day part comes at half height one day is reported on that
// day, and the days after it stay quiet, though the anomalous day now sits
// in the seasons the detector compares with; and a series without a daily
// pattern, judged with a daily period, does not fire on one point's level.
func TestOnlineQuietAfterAnomalousDay(t *testing.T) {
	t.Parallel()
	const p, day = 48, 30 // half-hourly, the anomalous day
	r := rand.New(rand.NewPCG(17, 19))
	x := make([]float64, 45*p)
	for i := range x {
		v := 20.0
		if h := i % p; h >= 16 && h < 40 {
			v = 80
			if i/p == day {
				v = 50
			}
		}
		x[i] = v + 2*r.NormFloat64()
	}
	det, err := Detect(Series{Values: x}, DetectOptions{Online: true, Period: p})
	require.NoError(t, err)
	var onDay, after int
	for _, e := range det.Events {
		switch d := e.OnsetIdx / p; {
		case d == day:
			onDay++
		case d > day:
			after++
		}
	}
	require.Equal(t, 1, onDay, "the half-height day is one event: %+v", det.Events)
	require.Zero(t, after, "the days after it are quiet: %+v", det.Events)

	flat := synth(30*p, 1, 50, 0, 1, 23)
	det, err = Detect(Series{Values: flat}, DetectOptions{Online: true, Period: p})
	require.NoError(t, err)
	require.LessOrEqual(t, len(det.Events), 1, "%+v", det.Events)
}
