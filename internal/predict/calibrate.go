package predict

import (
	"math"
	"slices"
	"sort"
)

// calibrator turns a nonconformity statistic into a tail probability from
// the statistic's own recent history, so a score means the same on a quiet
// series and on a noisy one: "a value this large happens this rarely here".
// Up to the history's top percent the probability is empirical (the share
// of past values at least as large, with the +1 of a conformal p-value);
// beyond it the tail is extrapolated with an exponential fitted to the top
// values' excesses (peaks over a high threshold). Its scale comes from the
// median excess, not the mean: one gross outlier in the history (a sensor
// glitch a thousand times the noise) would otherwise stretch the tail and
// hide every later anomaly until it left the history. A series whose
// history holds spikes therefore judges a new spike against them, and a
// quiet one finds the same spike very rare. A statistic that is the size
// of a mean (the shift, drift and level tests) is never called rarer than
// the normal tail of its own robust scale says: a few excursions of a
// slowly moving mean are too few to fit a tail to. Refitting is batched.
type calibrator struct {
	hist    []float64 // ring of the last cap values
	next    int       // ring position of the next value
	sorted  []float64 // sorted copy of hist at the last refit
	in, out []float64 // values added and evicted since the last refit
	spare   []float64 // scratch for the merge
	u, beta float64   // tail threshold and mean excess above it
	k       int       // values above u
	minBeta float64   // floor of the mean excess, in the statistic's units
	mean    bool      // the statistic is |a mean|: floor p at its normal tail
	sigma   float64   // the statistic's normal scale (median/0.6745), when mean
	since   int       // values added since the last refit
	every   int       // refit period
}

func newCalibrator(capacity, every int, minBeta float64) *calibrator {
	return &calibrator{hist: make([]float64, 0, capacity), minBeta: minBeta, every: every}
}

// count is the number of values in the history.
func (c *calibrator) count() int { return len(c.hist) }

// add appends one value (NaN is ignored) and refits when due.
func (c *calibrator) add(v float64) {
	if math.IsNaN(v) {
		return
	}
	if len(c.hist) < cap(c.hist) {
		c.hist = append(c.hist, v)
	} else {
		c.out = append(c.out, c.hist[c.next])
		c.hist[c.next] = v
		c.next = (c.next + 1) % len(c.hist)
	}
	c.in = append(c.in, v)
	c.since++
	// Refit often while the history is young, when each value matters.
	if c.since >= c.every || (len(c.hist) < 400 && c.since >= 25) || c.sorted == nil {
		c.refit()
	}
}

// refit brings the sorted copy up to date by merging in the values added
// and dropping those evicted since the last refit (linear, not a full
// sort), then refits the tail.
func (c *calibrator) refit() {
	c.since = 0
	slices.Sort(c.in)
	slices.Sort(c.out)
	merged := c.spare[:0]
	i, j, o := 0, 0, 0
	for i < len(c.sorted) || j < len(c.in) {
		if i < len(c.sorted) && o < len(c.out) && c.sorted[i] == c.out[o] {
			i, o = i+1, o+1 // evicted
			continue
		}
		if j >= len(c.in) || (i < len(c.sorted) && c.sorted[i] <= c.in[j]) {
			merged = append(merged, c.sorted[i])
			i++
		} else {
			merged = append(merged, c.in[j])
			j++
		}
	}
	c.spare, c.sorted = c.sorted, merged
	c.in, c.out = c.in[:0], c.out[:0]
	n := len(c.sorted)
	if n == 0 {
		return
	}
	// The top 1% (at least 10 values) make the tail.
	c.k = min(max(n/100, 10), n-1)
	c.u = c.sorted[n-1-c.k]
	// An exponential's median is β·ln 2.
	c.beta = math.Max((medianSorted(c.sorted[n-c.k:])-c.u)/math.Ln2, c.minBeta)
	if c.mean {
		// |X| of a centred normal X has median 0.6745σ.
		c.sigma = medianSorted(c.sorted) / 0.6745
	}
}

// medianSorted is the median of sorted values (NaN for none).
func medianSorted(v []float64) float64 {
	n := len(v)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// log10p returns log10 of the probability, under the history, of a value at
// least v: 0 for an ordinary value, −3 for a one-in-a-thousand one.
func (c *calibrator) log10p(v float64) float64 {
	n := len(c.sorted)
	if n == 0 || math.IsNaN(v) {
		return 0
	}
	if v <= c.u {
		ge := n - sort.SearchFloat64s(c.sorted, v)
		return math.Log10(float64(ge+1) / float64(n+1))
	}
	lp := math.Log10(float64(c.k+1)/float64(n+1)) - (v-c.u)/c.beta/math.Ln10
	if c.mean && c.sigma > 0 {
		lp = math.Max(lp, log10NormalTail2(v/c.sigma))
	}
	return lp
}

// log10NormalTail2 is log10 of the two-sided standard normal tail
// P(|Z| ≥ z), computed without underflow for large z.
func log10NormalTail2(z float64) float64 {
	if z < 8 {
		return math.Log10(math.Erfc(z / math.Sqrt2))
	}
	// Mills ratio: P(|Z| ≥ z) ≈ 2φ(z)/z·(1 − 1/z²).
	return (-z*z/2 - math.Log(z) + math.Log(math.Sqrt(2/math.Pi)) + math.Log1p(-1/(z*z))) / math.Ln10
}
