package predict

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/predict/clean"
)

func TestRegularize(t *testing.T) {
	t.Parallel()
	h := hourly(10)
	times := []time.Time{h[0], h[1], h[2], h[5], h[6], h[9]}
	values := []float64{1, 2, 3, 6, 7, 10}
	s, slot, rep, err := Regularize(times, values, 0)
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2, 5, 6, 9}, slot)
	require.Len(t, s.Values, 10)
	require.True(t, math.IsNaN(s.Values[3]))
	require.Equal(t, 6.0, s.Values[5])
	require.Equal(t, h[4], s.Times[4])
	require.Equal(t, 4, rep.Count(clean.WarnGaps))

	// Duplicates, disorder and off-grid rows are repaired, not refused.
	s, slot, rep, err = Regularize([]time.Time{h[1], h[0], h[0], h[1].Add(10 * time.Minute), h[2]}, []float64{2, 1, 1.5, 9, 4}, time.Hour)
	require.NoError(t, err)
	require.Equal(t, []int{1, 0, 0, 1, 2}, slot)
	require.Equal(t, []float64{1.5, 9, 4}, s.Values, "the last row of a timestamp or step wins")
	require.Equal(t, 1, rep.Count(clean.WarnUnsorted))
	require.Equal(t, 1, rep.Count(clean.WarnDuplicate))

	_, _, _, err = Regularize(h[:2], []float64{1}, 0)
	require.ErrorIs(t, err, ErrBadInput)
	_, _, _, err = Regularize(nil, nil, 0)
	require.ErrorIs(t, err, ErrTooShort)
	// A stray timestamp far from the rest is set aside, not a grid of millions.
	s, slot, rep, err = Regularize([]time.Time{h[0], h[0].Add(time.Hour), h[0].Add(2 * time.Hour), h[0].Add(1e6 * time.Hour)}, []float64{1, 2, 3, 4}, 0)
	require.NoError(t, err)
	require.Equal(t, -1, slot[3])
	require.Len(t, s.Values, 3)
	require.Equal(t, 1, rep.Count(clean.WarnFarAway))
}
