package predict

import (
	"math"
	"slices"
	"sort"
)

// madScale turns a median absolute deviation into a consistent estimate of
// the standard deviation for Gaussian data.
const madScale = 1.4826

// scoreOf maps a robust z to a score in [0,1]. The map 1 − exp(−z²/8) is
// monotone in |z|, near 0 for ordinary noise (|z| = 2 → 0.39) and reaches the
// default threshold 0.9 at |z| ≈ 4.29, so a score reads like a probability
// of "this is not noise" without pretending to be one.
func scoreOf(z float64) float64 {
	if math.IsNaN(z) {
		return 0
	}
	return 1 - math.Exp(-z*z/8)
}

// zOfScore inverts scoreOf for score in [0,1).
func zOfScore(s float64) float64 {
	if s <= 0 {
		return 0
	}
	if s >= 1 {
		return math.Inf(1)
	}
	return math.Sqrt(-8 * math.Log(1-s))
}

// medianInPlace returns the median of the non-NaN values of x, reordering x.
// It returns NaN when x has no finite value.
func medianInPlace(x []float64) float64 {
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			x[n] = v
			n++
		}
	}
	x = x[:n]
	if n == 0 {
		return math.NaN()
	}
	k := n / 2
	selectK(x, k)
	m := x[k]
	if n%2 == 0 {
		// The lower middle is the max of the left part after selection.
		lo := x[0]
		for _, v := range x[1:k] {
			if v > lo {
				lo = v
			}
		}
		m = (m + lo) / 2
	}
	return m
}

// median returns the median of the non-NaN values of x without changing x.
func median(x []float64) float64 {
	return medianInPlace(slices.Clone(x))
}

// medianMAD returns the median and the MAD-based scale (×1.4826) of the
// non-NaN values of x, using buf as scratch space.
func medianMAD(x []float64, buf []float64) (med, scale float64) {
	buf = append(buf[:0], x...)
	med = medianInPlace(buf)
	if math.IsNaN(med) {
		return med, math.NaN()
	}
	buf = buf[:0]
	for _, v := range x {
		if !math.IsNaN(v) {
			buf = append(buf, math.Abs(v-med))
		}
	}
	return med, madScale * medianInPlace(buf)
}

// robustScale is the MAD scale with a fallback for data that is mostly
// constant: when more than half the values equal the median the MAD is 0, and
// the mean absolute deviation (×1.2533, its Gaussian consistency factor)
// still gives a usable, positive scale.
func robustScale(x []float64, med float64, mad float64) float64 {
	if mad > 0 && !math.IsNaN(mad) {
		return mad
	}
	var sum float64
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			sum += math.Abs(v - med)
			n++
		}
	}
	if n == 0 || sum == 0 {
		return 0
	}
	return 1.2533 * sum / float64(n)
}

// selectK partially sorts x so that x[k] is the k-th smallest value, smaller
// values before it and larger after (Hoare's quickselect).
func selectK(x []float64, k int) {
	lo, hi := 0, len(x)-1
	for hi > lo {
		if hi-lo < 16 {
			sort.Float64s(x[lo : hi+1])
			return
		}
		mid := lo + (hi-lo)/2
		// Median of three as the pivot keeps sorted input linear.
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		p := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < p {
				i++
			}
			for x[j] > p {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		if k <= j {
			hi = j
		} else if k >= i {
			lo = i
		} else {
			return
		}
	}
}

// sortedWindow keeps the non-NaN values of a sliding window in order so that
// the median of each position costs one binary search and one memmove.
type sortedWindow struct {
	v []float64
}

func (w *sortedWindow) add(x float64) {
	if math.IsNaN(x) {
		return
	}
	i := sort.SearchFloat64s(w.v, x)
	w.v = append(w.v, 0)
	copy(w.v[i+1:], w.v[i:])
	w.v[i] = x
}

func (w *sortedWindow) remove(x float64) {
	if math.IsNaN(x) {
		return
	}
	i := sort.SearchFloat64s(w.v, x)
	if i < len(w.v) && w.v[i] == x {
		w.v = append(w.v[:i], w.v[i+1:]...)
	}
}

// reset refills the window with the non-NaN values of x in one sort,
// rather than len(x) insertions.
func (w *sortedWindow) reset(x []float64) {
	w.v = w.v[:0]
	for _, v := range x {
		if !math.IsNaN(v) {
			w.v = append(w.v, v)
		}
	}
	sort.Float64s(w.v)
}

func (w *sortedWindow) median() float64 {
	n := len(w.v)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return w.v[n/2]
	}
	return (w.v[n/2-1] + w.v[n/2]) / 2
}

// rollingMedianCentered returns, for each i, the median of the non-NaN values
// of x[i-h : i+h+1] (clipped at the ends). It is edge-preserving: a step in x
// stays a step in the result, which is why the shift detector does not rely
// on it.
func rollingMedianCentered(x []float64, h int) []float64 {
	n := len(x)
	out := make([]float64, n)
	w := sortedWindow{v: make([]float64, 0, 2*h+2)}
	hi := -1 // last index added
	for i := range n {
		for hi < i+h && hi+1 < n {
			hi++
			w.add(x[hi])
		}
		if lo := i - h - 1; lo >= 0 {
			w.remove(x[lo])
		}
		out[i] = w.median()
	}
	return out
}

// rollingMedianTrailing returns, for each i, the median of the non-NaN values
// of x[i-w : i] (the w points strictly before i); NaN while there are none.
func rollingMedianTrailing(x []float64, w int) []float64 {
	n := len(x)
	out := make([]float64, n)
	sw := sortedWindow{v: make([]float64, 0, w+1)}
	for i := range n {
		out[i] = sw.median()
		sw.add(x[i])
		if j := i - w; j >= 0 {
			sw.remove(x[j])
		}
	}
	return out
}

// interpolate returns x with interior NaN runs filled linearly, leading NaN
// filled with the first value and trailing NaN with the last. It returns nil
// when x has no finite value.
func interpolate(x []float64) []float64 {
	out := slices.Clone(x)
	prev := -1
	for i, v := range out {
		if math.IsNaN(v) {
			continue
		}
		if prev == -1 {
			for j := 0; j < i; j++ {
				out[j] = v
			}
		} else if i-prev > 1 {
			a, b := out[prev], v
			for j := prev + 1; j < i; j++ {
				t := float64(j-prev) / float64(i-prev)
				out[j] = a + t*(b-a)
			}
		}
		prev = i
	}
	if prev == -1 {
		return nil
	}
	for j := prev + 1; j < len(out); j++ {
		out[j] = out[prev]
	}
	return out
}

// CountFinite counts the values of x that are not NaN.
func CountFinite(x []float64) int {
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}
