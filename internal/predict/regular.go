package predict

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// Regularize lays points with timestamps onto a regular grid of the given
// step (0 infers it robustly), with NaN in the slots no point fills, under
// the one input-cleaning policy of package clean: rows out of order are
// sorted, the last of duplicate timestamps wins, off-grid rows go to the
// nearest step, gaps stay missing and a timestamp far from all others is
// set aside (slot −1). The detectors and forecasters assume regular
// spacing, so a series read from a store that simply lacks the rows of a
// dropout must go through here first, or every point after the gap would
// be treated as one interval earlier than it was. Slot maps each input
// point to its index in the grid; the report says what was repaired.
func Regularize(times []time.Time, values []float64, step time.Duration) (s Series, slot []int, rep clean.Report, err error) {
	if len(times) != len(values) {
		return Series{}, nil, rep, fmt.Errorf("predict: regularize: %w: %d times for %d values", ErrBadInput, len(times), len(values))
	}
	if len(times) == 0 {
		return Series{}, nil, rep, fmt.Errorf("predict: regularize: %w", ErrTooShort)
	}
	pts := make([]clean.Point, len(times))
	for i, t := range times {
		pts[i] = clean.Point{Line: i + 1, Time: t, Value: values[i]}
		if math.IsInf(values[i], 0) {
			pts[i].Value, pts[i].Cell = math.NaN(), clean.NonFinite
		}
	}
	a := clean.Align(pts, clean.Options{Step: step})
	return Series{Times: a.Times, Values: a.Values}, a.Slot, a.Report, nil
}

// CommonStep is the sampling interval of ts under the cleaning policy (see
// [clean.InferStep]); 0 for fewer than two distinct times.
func CommonStep(ts []time.Time) time.Duration {
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, time.Time.Compare)
	return clean.InferStep(sorted)
}
