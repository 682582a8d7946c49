package chart_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/chart"
)

// ForecastChart returns a small forecast picture: 48 hourly points of
// history, 12 of forecast with 80% and 95% bands, and the cutoff.
func forecastChart() chart.Chart {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC).Unix()
	var ht, ft []int64
	var hv, fv, lo80, hi80, lo95, hi95 []float64
	for i := 0; i < 48; i++ {
		ht = append(ht, start+int64(i)*3600)
		hv = append(hv, 100+10*math.Sin(float64(i)/24*2*math.Pi))
	}
	cut := ht[len(ht)-1]
	for i := 1; i <= 12; i++ {
		t := cut + int64(i)*3600
		v := 100 + 10*math.Sin(float64(47+i)/24*2*math.Pi)
		ft = append(ft, t)
		fv = append(fv, v)
		w := 2 + float64(i)*0.3
		lo80, hi80 = append(lo80, v-w), append(hi80, v+w)
		lo95, hi95 = append(lo95, v-2*w), append(hi95, v+2*w)
	}
	return chart.Chart{
		Title: "line-2 output forecast", Unit: "units/h",
		Lines: []chart.Line{
			{Name: "history", Times: ht, Values: hv, Style: "history"},
			{Name: "forecast", Times: ft, Values: fv, Style: "forecast"},
		},
		Bands: []chart.Band{
			{Name: "80%", Times: ft, Lo: lo80, Hi: hi80},
			{Name: "95%", Times: ft, Lo: lo95, Hi: hi95},
		},
		Cutoff: &chart.Instant{Label: "data cutoff", Time: cut},
	}
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

// hasColor reports whether some pixel is close to c.
func hasColor(img image.Image, want func(r, g, b uint8) bool) bool {
	bb := img.Bounds()
	for y := bb.Min.Y; y < bb.Max.Y; y++ {
		for x := bb.Min.X; x < bb.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if want(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
				return true
			}
		}
	}
	return false
}

func TestPNGForecast(t *testing.T) {
	t.Parallel()
	b, err := chart.PNG(forecastChart(), chart.Options{})
	require.NoError(t, err)
	img := decode(t, b)
	require.Equal(t, 768, img.Bounds().Dx(), "8 inches at 96 dpi")
	require.Equal(t, 384, img.Bounds().Dy())
	// History blue and forecast orange are both drawn.
	require.True(t, hasColor(img, func(r, g, b uint8) bool { return r < 0x40 && g > 0x40 && g < 0x60 && b > 0x60 }), "history line")
	require.True(t, hasColor(img, func(r, g, b uint8) bool { return r > 0xd0 && g > 0x50 && g < 0x70 && b < 0x20 }), "forecast line")
	// A band shade (light orange) is drawn.
	require.True(t, hasColor(img, func(r, g, b uint8) bool { return r > 0xf0 && g > 0xb0 && g < 0xf0 && b > 0x90 && b < 0xe0 }), "band")
}

func TestPNGAnomalyWindow(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC).Unix()
	var ts []int64
	var vs []float64
	for i := 0; i < 120; i++ {
		ts = append(ts, start+int64(i)*60)
		v := 4.0
		if i >= 60 && i < 75 {
			v = 9
		}
		vs = append(vs, v)
	}
	vs[10] = math.NaN() // a gap must not break the picture
	c := chart.Chart{
		Title: "press-3 vibration", Unit: "mm/s",
		Lines: []chart.Line{{Name: "vibration", Times: ts, Values: vs}},
		Marks: []chart.Mark{{Label: "anomaly", Start: ts[60], End: ts[74]}},
	}
	b, err := chart.PNG(c, chart.Options{Width: 400, Height: 200})
	require.NoError(t, err)
	img := decode(t, b)
	require.Equal(t, 533, img.Bounds().Dx(), "400 points at 96 dpi")
	// The event span is shaded red over white.
	require.True(t, hasColor(img, func(r, g, b uint8) bool { return r > 0xf0 && g > 0xa0 && g < 0xe0 && b > 0xa0 && b < 0xe0 }), "marked span")
	require.True(t, hasColor(img, func(r, g, b uint8) bool { return color.RGBA{r, g, b, 0xff} == color.RGBA{0xe3, 0x1a, 0x1c, 0xff} }), "mark edge")
}

func TestPNGEmpty(t *testing.T) {
	t.Parallel()
	_, err := chart.PNG(chart.Chart{Title: "nothing"}, chart.Options{})
	require.ErrorIs(t, err, chart.ErrEmpty)
	_, err = chart.PNG(chart.Chart{Lines: []chart.Line{{Times: []int64{1, 2}, Values: []float64{math.NaN(), math.Inf(1)}}}}, chart.Options{})
	require.ErrorIs(t, err, chart.ErrEmpty)
}

func TestPNGSinglePointAndFlat(t *testing.T) {
	t.Parallel()
	b, err := chart.PNG(chart.Chart{Lines: []chart.Line{{Name: "x", Times: []int64{1700000000}, Values: []float64{3}}}}, chart.Options{})
	require.NoError(t, err)
	decode(t, b)
}

func TestTable(t *testing.T) {
	t.Parallel()
	got := chart.Table(forecastChart(), time.UTC, 4)
	want := "time               forecast                   80%                   95%\n" +
		"2026-11-28 00:00      100.0          97.7 – 102.3          95.4 – 104.6\n" +
		"2026-11-28 04:00      108.7         105.2 – 112.2         101.7 – 115.7\n" +
		"2026-11-28 07:00      109.7         105.3 – 114.1         100.9 – 118.5\n" +
		"2026-11-28 11:00      102.6          97.0 – 108.2          91.4 – 113.8\n" +
		"data cutoff: 2026-11-27 23:00"
	require.Equal(t, want, got)
}

func ExampleTable() {
	c := chart.Chart{
		Lines: []chart.Line{{Name: "forecast", Style: "forecast", Times: []int64{1764201600}, Values: []float64{42}}},
		Bands: []chart.Band{{Name: "80%", Times: []int64{1764201600}, Lo: []float64{40}, Hi: []float64{44}}},
	}
	fmt.Println(chart.Table(c, time.UTC, 5))
	// Output:
	// time               forecast                   80%
	// 2025-11-27 00:00       42.0           40.0 – 44.0
}
