package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

// TestSensorSigns checks the signs of a faulty sensor read from its
// 20-minute stretches: a healthy day shows none; a tail at one value is
// stuck; stretches without points are gaps; one stretch far wider than
// the others is a jump.
func TestSensorSigns(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := func(f func(i int) tools.Bucket) []tools.Bucket {
		var bs []tools.Bucket
		for i := 0; i < 72; i++ {
			b := f(i)
			b.At = start.Add(time.Duration(i) * sensorStretch)
			bs = append(bs, b)
		}
		return bs
	}
	healthy := day(func(i int) tools.Bucket {
		v := 40 + float64(i%12)*0.5
		return tools.Bucket{Min: v - 0.2, Max: v + 0.2, Mean: v, Points: 2}
	})
	sg := sensorSignsOf(healthy, 72)
	require.Zero(t, sg.missing)
	require.Zero(t, sg.flat)
	require.InDelta(t, 0.4, sg.worst, 1e-9)

	stuck := day(func(i int) tools.Bucket {
		if i >= 60 {
			return tools.Bucket{Min: 41.3, Max: 41.3, Mean: 41.3, Points: 2}
		}
		return healthy[i]
	})
	require.Equal(t, 12, sensorSignsOf(stuck, 72).flat)

	gappy := day(func(i int) tools.Bucket {
		if i%4 == 0 {
			return tools.Bucket{}
		}
		return healthy[i]
	})
	require.Equal(t, 18, sensorSignsOf(gappy, 72).missing)
	require.Equal(t, 20, sensorSignsOf(healthy[:52], 72).missing, "stretches absent from the end count too")

	jumpy := day(func(i int) tools.Bucket {
		if i == 30 {
			return tools.Bucket{Min: 10, Max: 90, Mean: 40, Points: 2}
		}
		return healthy[i]
	})
	sg = sensorSignsOf(jumpy, 72)
	require.InDelta(t, 80, sg.worst, 1e-9)
	require.Greater(t, sg.worst, 10*sg.usual)
}
