package predict

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCalibratorOutlierDoesNotHideAnomalies: one gross outlier in the
// history (a glitch a thousand times the noise) must not stretch the
// fitted tail so far that every later anomaly looks ordinary: the tail's
// scale comes from the median excess, not the mean.
func TestCalibratorOutlierDoesNotHideAnomalies(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 5))
	c := newCalibrator(streamCalibW, streamCalibRefit, 0.1)
	for i := range streamCalibW {
		v := math.Abs(r.NormFloat64())
		if i == 500 {
			v = 1000
		}
		c.add(v)
	}
	c.refit()
	require.Less(t, c.log10p(8), -5.0, "an 8σ value is still very rare after one 1000σ glitch")
	require.Greater(t, c.log10p(2), -2.0, "a 2σ value is ordinary")
	require.Less(t, c.log10p(1001), c.log10p(8), "the order of surprise is kept")
}

// TestCalibratorMeanFloor: a statistic that is the size of a mean is never
// called rarer than the normal tail of its robust scale says, however
// tight the top of its history happens to be; other statistics keep their
// fitted tail.
func TestCalibratorMeanFloor(t *testing.T) {
	t.Parallel()
	fill := func(mean bool) *calibrator {
		c := newCalibrator(streamCalibW, streamCalibRefit, 0.1)
		c.mean = mean
		for i := range streamCalibW {
			c.add(float64(i%1000) / 999) // uniform on [0, 1]: a tail that ends abruptly
		}
		c.refit()
		return c
	}
	sigma := 0.5 / 0.6745
	floor := log10NormalTail2(3 / sigma)
	require.InDelta(t, floor, fill(true).log10p(3), 1e-9, "the normal tail of the median's scale")
	require.Less(t, fill(false).log10p(3), floor-3, "without the floor the exponential tail runs on")
	require.Equal(t, fill(true).log10p(0.5), fill(false).log10p(0.5), "inside the history the count decides")
}

// TestAlarmEscalation: an event holds later points below half the
// threshold, so it fires once; a point far more surprising than anything
// since the onset (twice its −log10 p) opens a new event once the first
// has had escalateAfter points to develop, and not before.
func TestAlarmEscalation(t *testing.T) {
	t.Parallel()
	a := newAlarm(0.32, 100, 3)
	steps := []struct {
		raw   float64
		onset bool
	}{
		{0.4, true},   // 0: S = 3.3, opens the event
		{0.3, false},  // 1
		{0.2, false},  // 2
		{0.8, false},  // 3: S = 20, six times as surprising, but the event is still developing
		{0.25, false}, // 4
		{0.25, false}, // 5
		{0.25, false}, // 6
		{0.85, false}, // 7: S = 28 < 2·20: the same anomaly going on
		{0.5, false},  // 8
		{0.95, true},  // 9: S = 95 ≥ 2·28: news
		{0.5, false},  // 10: held by the new event
		{0.99, false}, // 11: S = 495, but the new event is developing
		{0.2, false},  // 12
	}
	for i, s := range steps {
		rep, onset := a.step(i, s.raw, false)
		require.Equal(t, s.onset, onset, "point %d", i)
		if onset {
			require.Equal(t, s.raw, rep, "an onset reports its score")
		} else {
			require.Less(t, rep, 0.16, "point %d is held below half the threshold", i)
		}
	}
	sp := a.spans()
	require.Len(t, sp, 2)
	require.Equal(t, 0, sp[0].start)
	require.Equal(t, 9, sp[1].start)
	require.Equal(t, 11, sp[1].peak)
}
