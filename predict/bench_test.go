package predict

import (
	"fmt"
	"math"
	"testing"
)

func BenchmarkDetect100k(b *testing.B) {
	x := synth(100_000, 24, 50, 10, 1, 1)
	for _, online := range []bool{false, true} {
		name := "batch"
		if online {
			name = "online"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Detect(Series{Values: x}, DetectOptions{Online: online}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDetectMulti8x50k(b *testing.B) {
	m := Multi{}
	for j := range 8 {
		x := synth(50_000, 24, 50, 10, 1, uint64(j))
		for i := j * 1000; i < j*1000+50; i++ {
			x[i] = math.NaN()
		}
		m.Names = append(m.Names, string(rune('a'+j)))
		m.Values = append(m.Values, x)
	}
	for _, online := range []bool{false, true} {
		name := "batch"
		if online {
			name = "online"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := DetectMulti(m, DetectOptions{Online: online}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkForecast10k(b *testing.B) {
	x := synth(10_000, 24, 100, 10, 2, 1)
	for i := range x {
		x[i] += 0.001 * float64(i)
	}
	ts := hourly(len(x))
	for _, h := range []int{24, 168} {
		b.Run(fmt.Sprintf("h%d", h), func(b *testing.B) {
			for b.Loop() {
				if _, err := ForecastSeries(Series{Values: x, Times: ts}, ForecastOptions{Horizon: h}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkForecast10kWeekly(b *testing.B) {
	x := synth(10_000, 168, 100, 10, 2, 1)
	ts := hourly(len(x))
	for b.Loop() {
		if _, err := ForecastSeries(Series{Values: x, Times: ts}, ForecastOptions{Horizon: 168}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetectPeriod100k(b *testing.B) {
	x := synth(100_000, 24, 50, 10, 1, 1)
	for b.Loop() {
		DetectPeriod(x, 0)
	}
}
