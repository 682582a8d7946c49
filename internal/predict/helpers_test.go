package predict

import (
	"math"
	"math/rand/v2"
	"time"
)

// synth builds a seasonal series: level + amp·sin(2πi/p) + N(0, sigma).
func synth(n, p int, level, amp, sigma float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		s := 0.0
		if p > 1 {
			s = amp * math.Sin(2*math.Pi*float64(i)/float64(p))
		}
		x[i] = level + s + sigma*r.NormFloat64()
	}
	return x
}

func hourly(n int) []time.Time {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Hour)
	}
	return ts
}
