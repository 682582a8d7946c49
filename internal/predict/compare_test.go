package predict

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompareLag(t *testing.T) {
	t.Parallel()
	m := plant(24*10, 7)
	for i := 24 * 9; i < 24*10; i++ {
		m.Values[3][i] += 1 // pressure up by 5σ on the last day
	}
	m.Values[0][24*9+3] = math.NaN()
	d, err := CompareLag(m, 24*9, 24*10, 24)
	require.NoError(t, err)
	require.Len(t, d, 4)
	require.Equal(t, "pressure", d[0].Sensor)
	require.InDelta(t, 1, d[0].Delta, 0.2)
	require.Greater(t, d[0].Effect, 3.0)
	require.InDelta(t, 1/3.0, d[0].RelDelta, 0.08)
	for _, x := range d {
		if x.Sensor == "vibration" {
			require.Equal(t, 23, x.N)
			require.Equal(t, 24, x.PrevN)
		}
	}
	_, err = CompareLag(m, 10, 20, 24)
	require.ErrorIs(t, err, ErrBadInput)
}

func TestCompare(t *testing.T) {
	t.Parallel()
	cur := Multi{Names: []string{"a", "b", "new"}, Values: [][]float64{{1, 2, 3}, {10, 10, 10}, {1, 1, 1}}}
	prev := Multi{Names: []string{"b", "a"}, Values: [][]float64{{10, 11, 9}, {1, 2, 3}}}
	d, err := Compare(cur, prev)
	require.NoError(t, err)
	require.Len(t, d, 2)
	for _, x := range d {
		require.InDelta(t, 0, x.Delta, 1e-12, x.Sensor)
	}
	_, err = Compare(Multi{Names: []string{"a"}}, prev)
	require.ErrorIs(t, err, ErrBadInput)
}
