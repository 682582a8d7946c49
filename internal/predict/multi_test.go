package predict

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// plant builds four sensors of one machine driven by a common daily load,
// so they are correlated the way real sensors are.
func plant(n int, seed uint64) Multi {
	r := rand.New(rand.NewPCG(seed, 3))
	names := []string{"vibration", "temperature", "current", "pressure"}
	vals := make([][]float64, len(names))
	for j := range vals {
		vals[j] = make([]float64, n)
	}
	for t := range n {
		load := math.Sin(2*math.Pi*float64(t)/24) + 0.5*r.NormFloat64()
		vals[0][t] = 5 + 1*load + 0.3*r.NormFloat64()
		vals[1][t] = 60 + 4*load + 1*r.NormFloat64()
		vals[2][t] = 20 + 3*load + 0.5*r.NormFloat64()
		vals[3][t] = 3 + 0.2*r.NormFloat64()
	}
	return Multi{Names: names, Values: vals, Times: hourly(n)}
}

func TestDetectMultiSpikeContribution(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false} { // online: see TestOnlineMulti
		m := plant(3000, 1)
		m.Values[0][1500] += 4 // vibration alone, ~8σ of its residual
		det, err := DetectMulti(m, DetectOptions{Online: online})
		require.NoError(t, err)
		require.Equal(t, 24, det.Period)
		var ev *Event
		for i, e := range det.Events {
			if e.StartIdx <= 1500 && 1500 <= e.EndIdx {
				ev = &det.Events[i]
			}
		}
		require.NotNil(t, ev, "online=%v events=%+v", online, det.Events)
		require.Equal(t, 1500, ev.PeakIdx)
		require.Equal(t, KindSpike, ev.Kind)
		require.Equal(t, "vibration", ev.Contributions[0].Sensor)
		require.Greater(t, ev.Contributions[0].Share, 0.7)
		var sum float64
		for _, c := range ev.Contributions {
			sum += c.Share
		}
		require.InDelta(t, 1, sum, 1e-9)
		require.LessOrEqual(t, len(det.Events), 3, "few false events: %+v", det.Events)
	}
}

func TestDetectMultiBrokenCorrelation(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	n := 2000
	a, b := make([]float64, n), make([]float64, n)
	for i := range n {
		f := r.NormFloat64()
		a[i] = f + 0.1*r.NormFloat64()
		b[i] = f + 0.1*r.NormFloat64()
	}
	// Each moves by only ~2.5 of its own robust sigmas, but in opposite
	// directions, which the correlation says never happens.
	a[1000] += 0.8
	b[1000] -= 0.8
	det, err := DetectMulti(Multi{Names: []string{"a", "b"}, Values: [][]float64{a, b}}, DetectOptions{Period: 1})
	require.NoError(t, err)
	require.True(t, det.Points[1000].IsAnomaly, "%+v", det.Points[1000])
	sh := det.Contributions[1000]
	// Both sensors share the blame (the common noise at that instant tilts
	// the split, so only require that neither is left out).
	require.Greater(t, sh[0], 0.1)
	require.Greater(t, sh[1], 0.1)
	require.InDelta(t, 1, sh[0]+sh[1], 1e-9)
}

func TestDetectMultiShiftAndGaps(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false} { // online: see TestOnlineMulti
		m := plant(3000, 2)
		for t := 2000; t < 3000; t++ {
			m.Values[3][t] += 0.5 // pressure steps up by 2.5σ
		}
		for t := 500; t < 700; t++ {
			m.Values[1][t] = math.NaN() // temperature dropout
		}
		for t := 800; t < 805; t++ {
			for j := range m.Values {
				m.Values[j][t] = math.NaN() // whole asset offline
			}
		}
		det, err := DetectMulti(m, DetectOptions{Online: online})
		require.NoError(t, err)
		var shift *Event
		for i, e := range det.Events {
			require.False(t, e.StartIdx <= 800 && e.EndIdx >= 804 && e.EndIdx < 1000, "dropout is not an event: %+v", e)
			if e.Kind != KindSpike && e.StartIdx > 1900 && shift == nil {
				shift = &det.Events[i]
			}
		}
		require.NotNil(t, shift, "online=%v events=%+v", online, det.Events)
		require.Equal(t, KindLevelShift, shift.Kind)
		require.Equal(t, "pressure", shift.Contributions[0].Sensor)
		require.InDelta(t, 2000, shift.StartIdx, 30)
		require.False(t, det.Points[802].IsAnomaly)
		require.True(t, det.Points[802].Missing)
	}
}

func TestDetectMultiErrors(t *testing.T) {
	t.Parallel()
	_, err := DetectMulti(Multi{}, DetectOptions{})
	require.ErrorIs(t, err, ErrBadInput)
	_, err = DetectMulti(Multi{Names: []string{"a"}, Values: [][]float64{{1, 2}, {1, 2}}}, DetectOptions{})
	require.ErrorIs(t, err, ErrBadInput)
	_, err = DetectMulti(Multi{Names: []string{"a"}, Values: [][]float64{{1, 2}}}, DetectOptions{})
	require.ErrorIs(t, err, ErrTooShort)
}

func TestDetectMultiDeadSensor(t *testing.T) {
	t.Parallel()
	m := plant(500, 4)
	for i := range m.Values[2] {
		m.Values[2][i] = math.NaN()
	}
	m.Values[0][420] += 4
	for _, online := range []bool{false, true} {
		det, err := DetectMulti(m, DetectOptions{Online: online})
		require.NoError(t, err)
		require.True(t, det.Points[420].IsAnomaly, "online=%v %+v", online, det.Points[420])
		require.Zero(t, det.Contributions[420][2])
	}
}

// TestDetectMultiOnlineUsesOnlyThePast checks the online contract for the
// multivariate detector: appending points never changes earlier scores.
func TestDetectMultiOnlineUsesOnlyThePast(t *testing.T) {
	t.Parallel()
	m := plant(1200, 6)
	m.Values[1][700] += 8
	full, err := DetectMulti(m, DetectOptions{Online: true, Period: 24})
	require.NoError(t, err)
	for _, k := range []int{300, 701, 1000} {
		part := Multi{Names: m.Names, Times: m.Times[:k]}
		for _, v := range m.Values {
			part.Values = append(part.Values, v[:k])
		}
		det, err := DetectMulti(part, DetectOptions{Online: true, Period: 24})
		require.NoError(t, err)
		for i := range k {
			require.InDelta(t, full.Points[i].Score, det.Points[i].Score, 1e-9, "k=%d i=%d", k, i)
			require.Equal(t, full.Points[i].IsAnomaly, det.Points[i].IsAnomaly, "k=%d i=%d", k, i)
		}
	}
}

func TestDetectMultiDrift(t *testing.T) {
	t.Parallel()
	for _, online := range []bool{false, true} {
		opt := DetectOptions{Online: online}
		m := plant(3000, 8)
		for t := 2000; t < 3000; t++ {
			m.Values[0][t] += 0.004 * float64(t-2000) // vibration creeps up: bearing wear
		}
		det, err := DetectMulti(m, opt)
		require.NoError(t, err)
		var drift *Event
		for i, e := range det.Events {
			if e.Kind == KindDrift && drift == nil && e.EndIdx >= 2000 {
				drift = &det.Events[i]
			}
		}
		require.NotNil(t, drift, "online=%v events=%+v", online, det.Events)
		require.Equal(t, "vibration", drift.Contributions[0].Sensor)
		require.InDelta(t, 2000, drift.StartIdx, 150)
	}
}
