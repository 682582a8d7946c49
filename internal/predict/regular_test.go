package predict

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRegularize(t *testing.T) {
	t.Parallel()
	h := hourly(10)
	times := []time.Time{h[0], h[1], h[2], h[5], h[6], h[9]}
	values := []float64{1, 2, 3, 6, 7, 10}
	s, slot, err := Regularize(times, values, 0)
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2, 5, 6, 9}, slot)
	require.Len(t, s.Values, 10)
	require.True(t, math.IsNaN(s.Values[3]))
	require.Equal(t, 6.0, s.Values[5])
	require.Equal(t, h[4], s.Times[4])

	_, _, err = Regularize([]time.Time{h[0], h[0]}, []float64{1, 2}, 0)
	require.ErrorIs(t, err, ErrBadInput)
	_, _, err = Regularize([]time.Time{h[0], h[1], h[1].Add(10 * time.Minute), h[2]}, []float64{1, 2, 3, 4}, time.Hour)
	require.ErrorIs(t, err, ErrBadInput)
	_, _, err = Regularize(h[:2], []float64{1}, 0)
	require.ErrorIs(t, err, ErrBadInput)
	_, _, err = Regularize(nil, nil, 0)
	require.ErrorIs(t, err, ErrTooShort)
	_, _, err = Regularize([]time.Time{h[0], h[0].Add(time.Hour), h[0].Add(1e6 * time.Hour)}, []float64{1, 2, 3}, 0)
	require.ErrorIs(t, err, ErrBadInput)
}
