package chart

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testChart(shift float64) Chart {
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).Unix()
	var ts []int64
	var vs, lo, hi []float64
	for i := range 48 {
		ts = append(ts, t0+int64(i)*600)
		v := 3 + math.Sin(float64(i)/5) + shift
		vs = append(vs, v)
		lo, hi = append(lo, v-1), append(hi, v+1)
	}
	lo[3] = math.NaN()
	return Chart{Title: "press-3 vibration", Unit: "mm/s",
		Lines: []Line{{Name: "vibration", Style: "history", Times: ts, Values: vs}},
		Bands: []Band{{Name: "80%", Times: ts, Lo: lo, Hi: hi}},
		Marks: []Mark{{Label: "drift", Start: ts[30], End: ts[40]}},
	}
}

// TestChartCache checks that a cached drawing is byte for byte what
// chart.PNG draws, that a changed chart is drawn afresh, and that the cache
// stays bounded.
func TestChartCache(t *testing.T) {
	t.Parallel()
	var cc Cache
	c := testChart(0)
	want, err := PNG(c, Options{})
	require.NoError(t, err)
	got, err := cc.PNG(c)
	require.NoError(t, err)
	require.Equal(t, want, got)
	again, err := cc.PNG(testChart(0))
	require.NoError(t, err)
	require.Equal(t, want, again)
	require.Equal(t, [2]int{1, 1}, [2]int{cc.hits, cc.misses})

	// Any change, down to one mark or one value, is another chart.
	moved := testChart(0)
	moved.Marks[0].End++
	require.NotEqual(t, chartKey(c, "UTC"), chartKey(moved, "UTC"))
	other := testChart(0)
	other.Lines[0].Values[7] = math.Nextafter(other.Lines[0].Values[7], 10)
	require.NotEqual(t, chartKey(c, "UTC"), chartKey(other, "UTC"))
	withCutoff := testChart(0)
	withCutoff.Cutoff = &Instant{Label: "data cutoff", Time: 1}
	require.NotEqual(t, chartKey(c, "UTC"), chartKey(withCutoff, "UTC"))
	// The same chart with its time axis in the plant's zone is another drawing.
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	inSeoul, err := cc.PNGIn(c, seoul)
	require.NoError(t, err)
	require.NotEqual(t, want, inSeoul)
	wantSeoul, err := PNG(c, Options{Location: seoul})
	require.NoError(t, err)
	require.Equal(t, wantSeoul, inSeoul)
	shifted, err := cc.PNG(testChart(0.5))
	require.NoError(t, err)
	require.NotEqual(t, want, shifted)

	// An empty chart is an error and is not kept.
	_, err = cc.PNG(Chart{Title: "empty"})
	require.ErrorIs(t, err, ErrEmpty)

	// Bounded: the oldest drawings go first.
	for i := range cacheSize + 5 {
		_, err := cc.PNG(testChart(float64(i + 1)))
		require.NoError(t, err)
	}
	require.Len(t, cc.byKey, cacheSize)
	require.Len(t, cc.order, cacheSize)
	_, kept := cc.byKey[chartKey(testChart(0), "UTC")]
	require.False(t, kept, "the first chart was evicted")
}
