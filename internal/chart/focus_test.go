package chart

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFocusTrimsLongHistory(t *testing.T) {
	t.Parallel()
	var ht []int64
	var hv []float64
	for i := int64(0); i < 30*24; i++ { // 30 days hourly
		ht = append(ht, i*3600)
		hv = append(hv, float64(i))
	}
	cut := ht[len(ht)-1]
	c := Chart{
		Lines: []Line{
			{Name: "history", Times: ht, Values: hv},
			{Name: "forecast", Style: "forecast", Times: []int64{cut + 3600, cut + 24*3600}, Values: []float64{1, 2}},
		},
		Cutoff: &Instant{Time: cut},
	}
	f := focus(c)
	h := f.Lines[0]
	require.Len(t, h.Values, len(h.Times))
	require.Equal(t, cut-4*24*3600, h.Times[0], "four forecast spans of history")
	require.Equal(t, cut, h.Times[len(h.Times)-1])
	require.Len(t, c.Lines[0].Times, 30*24, "the input is not changed")

	// Without a forecast nothing is trimmed (anomaly windows).
	c.Lines = c.Lines[:1]
	require.Len(t, focus(c).Lines[0].Times, 30*24)
}

func TestTableOrdersBandsNarrowFirst(t *testing.T) {
	t.Parallel()
	c := Chart{
		Lines: []Line{{Name: "forecast", Style: "forecast", Times: []int64{0}, Values: []float64{10}}},
		Bands: []Band{{Name: "95%", Times: []int64{0}, Lo: []float64{6}, Hi: []float64{14}}, {Name: "80%", Times: []int64{0}, Lo: []float64{8}, Hi: []float64{12}}},
	}
	require.Equal(t, "time               forecast                   80%                   95%\n"+
		"1970-01-01 00:00       10.0           8.00 – 12.0           6.00 – 14.0", Table(c, nil, 5))
}
