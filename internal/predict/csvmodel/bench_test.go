package csvmodel

import (
	"io"
	"strings"
	"testing"
)

func BenchmarkDetectCSV100k(b *testing.B) {
	in := seasonalCSV(100_000, 5000, true, nil)
	b.SetBytes(int64(len(in)))
	for _, online := range []bool{false, true} {
		name := "batch"
		if online {
			name = "online"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Detect(strings.NewReader(in), io.Discard, DetectOptions{Online: online}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkForecastCSV10k(b *testing.B) {
	in := seasonalCSV(10_000, -1, true, nil)
	for b.Loop() {
		if _, _, err := Forecast(strings.NewReader(in), io.Discard, ForecastOptions{Horizon: 24}); err != nil {
			b.Fatal(err)
		}
	}
}
