package predict

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. Benchmarks report it per
// op beside the wall time: on a shared machine the wall time includes other
// processes' load, the CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f b.N times and reports CPU milliseconds per op.
func loop(b *testing.B, f func() error) {
	b.Helper()
	start := cpuTime()
	n := 0
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

func BenchmarkDetect100k(b *testing.B) {
	x := synth(100_000, 24, 50, 10, 1, 1)
	for _, online := range []bool{false, true} {
		name := "batch"
		if online {
			name = "online"
		}
		b.Run(name, func(b *testing.B) {
			loop(b, func() error { _, err := Detect(Series{Values: x}, DetectOptions{Online: online}); return err })
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
			loop(b, func() error { _, err := DetectMulti(m, DetectOptions{Online: online}); return err })
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
			loop(b, func() error {
				_, err := ForecastSeries(Series{Values: x, Times: ts}, ForecastOptions{Horizon: h})
				return err
			})
		})
	}
}

func BenchmarkForecast10kWeekly(b *testing.B) {
	x := synth(10_000, 168, 100, 10, 2, 1)
	ts := hourly(len(x))
	loop(b, func() error {
		_, err := ForecastSeries(Series{Values: x, Times: ts}, ForecastOptions{Horizon: 168})
		return err
	})
}

func BenchmarkDetectPeriod100k(b *testing.B) {
	x := synth(100_000, 24, 50, 10, 1, 1)
	loop(b, func() error { DetectPeriod(x, 0); return nil })
}

// BenchmarkOnlineDetect measures the online detector's throughput on one
// core: 100,000 points of a daily pattern with noise, spikes and a shift,
// reported as points per CPU second (target ≥ 100,000).
func BenchmarkOnlineDetect(b *testing.B) {
	x := synth(100_000, 288, 50, 10, 1, 7)
	for i := 5000; i < len(x); i += 7919 {
		x[i] += 12
	}
	for i := 60_000; i < len(x); i++ {
		x[i] += 4
	}
	opt := onlineSettings(len(x))
	start := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := Detect(Series{Values: x}, opt); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu := cpuTime() - start
	b.ReportMetric(float64(n*len(x))/cpu.Seconds(), "points/cpu-s")
}

// onlineSettings are the product's online settings (DetectorSettings) for
// n five-minute points of the synthetic daily pattern, its period named.
func onlineSettings(n int) DetectOptions {
	opt := DetectorSettings(5*time.Minute, n, true)
	opt.Period = 288
	return opt
}

// BenchmarkLeadStart times dating the leading sensor's change on a long
// event (5 days of 10-minute readings, a ramp, after 20 days of history).
func BenchmarkLeadStart(b *testing.B) {
	n, at := 25*144, 20*144
	times := make([]time.Time, n)
	vals := make([]float64, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		times[i] = t0.Add(time.Duration(i) * 10 * time.Minute)
		vals[i] = math.Sin(float64(i)/7) * 0.1
		if i > at {
			vals[i] += float64(i-at) / 100
		}
	}
	sub := Subject{Label: "x", Data: Multi{Names: []string{"v"}, Times: times, Values: [][]float64{vals}}}
	e := Event{StartIdx: at - 100, OnsetIdx: at + 50, EndIdx: n - 1, Kind: KindDrift}
	b.ResetTimer()
	for range b.N {
		if c := leadStart(sub, 0, e, 5); c < at-12 || c > at+24 {
			b.Fatalf("ramp from %d dated %d", at, c)
		}
	}
}
