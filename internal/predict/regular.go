package predict

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// maxGridFactor bounds a regularised grid at this many slots per input point
// (plus a fixed allowance), so one stray timestamp cannot allocate gigabytes.
const maxGridFactor = 100

// Regularize lays points with timestamps onto a regular grid of the given
// step (0 infers it: the most common spacing), with NaN in the slots no point
// fills. The detectors and forecasters assume regular spacing, so a series
// read from a store that simply lacks the rows of a dropout must go through
// here first, or every point after the gap would be treated as one interval
// earlier than it was. Slot maps each input point to its index in the grid.
// Times must be strictly increasing; a point that falls within half a step
// of the previous one's slot is an error (irregular sampling), as merging
// or shifting it silently would misplace data.
func Regularize(times []time.Time, values []float64, step time.Duration) (s Series, slot []int, err error) {
	if len(times) != len(values) {
		return Series{}, nil, fmt.Errorf("predict: regularize: %w: %d times for %d values", ErrBadInput, len(times), len(values))
	}
	n := len(times)
	if n == 0 {
		return Series{}, nil, fmt.Errorf("predict: regularize: %w", ErrTooShort)
	}
	for i := 1; i < n; i++ {
		if !times[i].After(times[i-1]) {
			return Series{}, nil, fmt.Errorf("predict: regularize: %w: time %d (%s) is not after time %d (%s)", ErrBadInput, i, times[i], i-1, times[i-1])
		}
	}
	if step <= 0 {
		step = CommonStep(times)
	}
	if step <= 0 {
		return Series{Times: slices.Clone(times), Values: slices.Clone(values)}, identity(n), nil
	}
	slot = make([]int, n)
	limit := maxGridFactor*n + 100_000
	for i, t := range times {
		k := int(math.Round(float64(t.Sub(times[0])) / float64(step)))
		if k > limit {
			return Series{}, nil, fmt.Errorf("predict: regularize: %w: time %s is %d steps of %v after the first", ErrBadInput, t, k, step)
		}
		if i > 0 && k <= slot[i-1] {
			return Series{}, nil, fmt.Errorf("predict: regularize: %w: time %s is less than one step (%v) after %s: irregular sampling", ErrBadInput, t, step, times[i-1])
		}
		slot[i] = k
	}
	size := slot[n-1] + 1
	s = Series{Times: make([]time.Time, size), Values: make([]float64, size)}
	for k := range size {
		s.Times[k] = times[0].Add(time.Duration(k) * step)
		s.Values[k] = math.NaN()
	}
	for i, k := range slot {
		s.Times[k], s.Values[k] = times[i], values[i]
	}
	return s, slot, nil
}

// CommonStep is the sampling interval of ts: the most common spacing between
// consecutive timestamps (ties to the shorter), which a few gaps or a few
// irregular points cannot move, or the median spacing when no spacing
// repeats; 0 for fewer than two points.
func CommonStep(ts []time.Time) time.Duration {
	if len(ts) < 2 {
		return 0
	}
	d := make([]time.Duration, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		d = append(d, ts[i].Sub(ts[i-1]))
	}
	slices.Sort(d)
	best, bestN := d[(len(d)-1)/2], 1
	for i := 0; i < len(d); {
		j := i
		for j < len(d) && d[j] == d[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = d[i], j-i
		}
		i = j
	}
	return best
}

func identity(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
