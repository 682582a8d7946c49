package predict

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRangeTrack: a value beyond the range so far by more than the
// tolerance is outside; the windowed range forgets old extremes; NaN moves
// the window on without counting as a value.
func TestRangeTrack(t *testing.T) {
	t.Parallel()
	require.False(t, newRangeTrack(0, 0).outside(100, 0), "off")
	all, win := newRangeTrack(0.05, 0), newRangeTrack(0.05, 3)
	require.False(t, all.outside(5, 0), "nothing seen")
	for _, v := range []float64{0, 10, math.NaN(), 5, 5, 5} {
		all.push(v)
		win.push(v)
	}
	require.False(t, all.outside(10.5, 0))
	require.True(t, all.outside(10.6, 0))
	require.True(t, all.outside(-0.6, 0))
	require.False(t, win.outside(6, 0), "the last three values are all 5: no range")
	win.push(6)
	require.True(t, win.outside(6.1, 0))
	require.False(t, win.outside(4.95, 0))
	// The guard: beyond the range by more than the tolerance but not by
	// the noise scale's margin is inside; NaN (no scale yet) never fires.
	require.False(t, all.outside(10.6, 1))
	require.True(t, all.outside(11.1, 1))
	require.False(t, all.outside(-1.5, 2))
	require.False(t, all.outside(20, math.NaN()))
}

// TestOnlineSpatialRule: with the spatial rule, a value beyond the range
// seen so far (the warm-up included) by more than the tolerance scores
// SpatialScore; within the tolerance it keeps the tests' score.
func TestOnlineSpatialRule(t *testing.T) {
	t.Parallel()
	x := synth(1000, 24, 50, 10, 1, 3)
	x[100] = 200 // in the warm-up: sets the range, never scored
	x[800] = 220 // beyond the range by 12%
	for _, c := range []struct {
		tol, guard float64
		spatial    bool
	}{{0.05, 0, true}, {0.2, 0, false}, {0, 0, false}, {0.05, 1, true}, {0.05, 50, false}} {
		// The noise scale is about 1: a guard of 50 needs a value 50
		// beyond the range, and 220 is 20 beyond it.
		opt := DetectOptions{Online: true, Threshold: 0.32, SpatialTolerance: c.tol, SpatialGuard: c.guard}
		det, err := Detect(Series{Values: x, Times: hourly(len(x))}, opt)
		require.NoError(t, err)
		require.True(t, det.Points[100].Missing)
		ev := eventAt(det.Events, 800)
		require.NotNil(t, ev, "tolerance %v, guard %v", c.tol, c.guard)
		require.Equal(t, c.spatial, ev.Score == SpatialScore, "tolerance %v, guard %v: %+v", c.tol, c.guard, ev)
	}
}

// TestOnlineMultiSpatialRule: in an asset, the sensor beyond its range so
// far carries the spatial rule's event.
func TestOnlineMultiSpatialRule(t *testing.T) {
	t.Parallel()
	a, b := synth(1000, 24, 50, 10, 1, 3), synth(1000, 24, 20, 5, 1, 4)
	a[100], b[800] = 200, 60
	m := Multi{Names: []string{"a", "b"}, Times: hourly(1000), Values: [][]float64{a, b}}
	det, err := DetectMulti(m, DetectOptions{Online: true, Threshold: 0.32, AssetThreshold: 0.5, SpatialTolerance: 0.05})
	require.NoError(t, err)
	ev := eventAt(det.Events, 800)
	require.NotNil(t, ev)
	require.Equal(t, SpatialScore, ev.Score)
	require.Equal(t, "b", ev.Contributions[0].Sensor)
}

// TestSettingsSpatialRule: the one detector configuration carries the
// guarded spatial rule online and not in hindsight (batch), and a record
// beyond the range by far more than the noise fires through it.
func TestSettingsSpatialRule(t *testing.T) {
	t.Parallel()
	on, batch := DetectorSettings(time.Hour, 1000, true), DetectorSettings(time.Hour, 1000, false)
	require.InDelta(t, 0.05, on.SpatialTolerance, 1e-12)
	require.InDelta(t, 1.0, on.SpatialGuard, 1e-12)
	require.Zero(t, batch.SpatialTolerance)
	x := synth(1000, 24, 50, 10, 1, 3)
	x[800] = 90 // the range is about 38–62: beyond it by 28
	det, err := Detect(Series{Values: x, Times: hourly(len(x))}, on)
	require.NoError(t, err)
	ev := eventAt(det.Events, 800)
	require.NotNil(t, ev)
	require.Equal(t, SpatialScore, ev.Score)
}
