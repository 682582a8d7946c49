package predict

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCameBack: an event running to the end of a window cut short of the
// data is measured as finished when it had come back by then (a motor that
// overheated, tripped and cooled before the month asked about ended), and
// where it is at the window's end when it was still far off; an event
// running at the end of the data is always measured where it is.
func TestCameBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	step := 10 * time.Minute
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	n := 14 * 144
	rise := 10 * 144 // the rise starts on day 10, lasts 2 days
	build := func(back bool) Subject {
		times := make([]time.Time, n)
		vals := make([]float64, n)
		for i := range n {
			times[i] = t0.Add(time.Duration(i) * step)
			v := 44 + rng.NormFloat64()*0.8
			switch {
			case i >= rise && i < rise+288:
				v += 30 * float64(i-rise) / 288 // up to 74 °C
			case i >= rise+288 && back:
				v = 44 + rng.NormFloat64()*0.8 // tripped, repaired, usual again
			case i >= rise+288:
				v += 30 // still hot at the window's end
			}
			vals[i] = v
		}
		return Subject{Label: "cnc-4", Data: Multi{Times: times, Names: []string{"temperature"}, Values: [][]float64{vals}}, Past: true, Cut: true}
	}
	e := Event{StartIdx: rise, EndIdx: n - 1, Kind: KindLevelShift}

	back := build(true)
	require.True(t, cameBack(back, 0, e))
	_, _, _, sigma := LevelStats(back, 0, e)
	require.Greater(t, sigma, 2.0, "measured over the event, not at its cooled last hour")
	require.False(t, Describe(back, e, 0).Ongoing)

	hot := build(false)
	require.False(t, cameBack(hot, 0, e))
	level, _, _, _ := LevelStats(hot, 0, e)
	require.InDelta(t, 74, level, 1.5, "measured at the window's end")

	back.Cut = false // the data ends here: where it is now
	require.False(t, cameBack(back, 0, e))
	level, _, _, _ = LevelStats(back, 0, e)
	require.Less(t, math.Abs(level-44), 2.0)
	require.True(t, Describe(back, e, 0).Ongoing)
}
