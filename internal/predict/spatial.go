package predict

import "math"

// SpatialScore is the score the spatial rule (DetectOptions.SpatialTolerance)
// gives a point outside the range seen so far: as good as the maximum (the
// score is S/(S+5) of S = −log10 p, so this is p = 10^−5,000,000), above
// every threshold, but finite in −log10 p so the alarm's escalation still
// compares it.
const SpatialScore = 1 - 1e-6

// rangeTrack is the running minimum and maximum of a series' values, over
// all of them (w = 0) or the latest w (monotone queues, constant amortised
// time per point). NaN values are skipped but count as points of the window.
type rangeTrack struct {
	tol    float64
	w, n   int
	lo, hi float64 // all-history extremes (w = 0)
	minQ   []rangePoint
	maxQ   []rangePoint
	any    bool
}

type rangePoint struct {
	i int
	v float64
}

// spatialPad is the least margin beyond the range the spatial rule needs
// at this point: SpatialGuard units of the series' noise scale (0 without
// the guard).
func (d detector) spatialPad(sp StreamPoint) float64 {
	if d.spatialGuard <= 0 {
		return 0
	}
	return d.spatialGuard * sp.Scale
}

// newRangeTrack returns nil when the rule is off.
func newRangeTrack(tol float64, w int) *rangeTrack {
	if tol <= 0 {
		return nil
	}
	return &rangeTrack{tol: tol, w: max(w, 0), lo: math.Inf(1), hi: math.Inf(-1)}
}

// outside reports whether v lies beyond the range of the values pushed so
// far by more than tol of the range and by more than minPad (never while
// the range is a point, nor when minPad is NaN: no noise scale yet).
func (r *rangeTrack) outside(v, minPad float64) bool {
	if r == nil || math.IsNaN(v) || math.IsNaN(minPad) || !r.any {
		return false
	}
	lo, hi := r.lo, r.hi
	if r.w > 0 {
		if len(r.minQ) == 0 {
			return false
		}
		lo, hi = r.minQ[0].v, r.maxQ[0].v
	}
	if hi <= lo {
		return false
	}
	pad := math.Max(r.tol*(hi-lo), minPad)
	return v > hi+pad || v < lo-pad
}

// push adds v (NaN only moves the window on).
func (r *rangeTrack) push(v float64) {
	if r == nil {
		return
	}
	i := r.n
	r.n++
	if r.w > 0 {
		for len(r.minQ) > 0 && r.minQ[0].i <= i-r.w {
			r.minQ = r.minQ[1:]
		}
		for len(r.maxQ) > 0 && r.maxQ[0].i <= i-r.w {
			r.maxQ = r.maxQ[1:]
		}
	}
	if math.IsNaN(v) {
		return
	}
	r.any = true
	r.lo, r.hi = math.Min(r.lo, v), math.Max(r.hi, v)
	if r.w > 0 {
		for len(r.minQ) > 0 && r.minQ[len(r.minQ)-1].v >= v {
			r.minQ = r.minQ[:len(r.minQ)-1]
		}
		r.minQ = append(r.minQ, rangePoint{i, v})
		for len(r.maxQ) > 0 && r.maxQ[len(r.maxQ)-1].v <= v {
			r.maxQ = r.maxQ[:len(r.maxQ)-1]
		}
		r.maxQ = append(r.maxQ, rangePoint{i, v})
	}
}
