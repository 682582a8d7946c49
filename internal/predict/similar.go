package predict

import (
	"math"
	"sort"
)

// Match is a past event ranked by its likeness to a new one.
type Match struct {
	// Event is the past event.
	Event Event
	// Similarity is in [0,1]; 1 means same kind, same sensors in the same
	// proportions and the same duration.
	Similarity float64
}

// Similar ranks past events of the same asset by their likeness to e and
// returns the best k (all when k <= 0), so an answer can say "this looks
// like the bearing event of 3 March". Likeness weighs what a technician
// compares: which sensors drove it (cosine of the contribution shares,
// weight 0.6), its kind (0.2) and its duration (0.2, by the ratio of the
// shorter to the longer). Univariate events have no contributions and
// count as using the same single sensor.
func Similar(e Event, past []Event, k int) []Match {
	out := make([]Match, 0, len(past))
	for _, p := range past {
		s := 0.6*shareCosine(e.Contributions, p.Contributions) + 0.2*durationLikeness(e, p)
		if e.Kind == p.Kind {
			s += 0.2
		}
		out = append(out, Match{Event: p, Similarity: s})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Similarity > out[j].Similarity })
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out
}

func shareCosine(a, b []Contribution) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	bm := make(map[string]float64, len(b))
	var nb float64
	for _, c := range b {
		bm[c.Sensor] = c.Share
		nb += c.Share * c.Share
	}
	var dot, na float64
	for _, c := range a {
		dot += c.Share * bm[c.Sensor]
		na += c.Share * c.Share
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// durationLikeness compares the events' lengths in points (so it works
// without timestamps): shorter / longer.
func durationLikeness(a, b Event) float64 {
	la, lb := float64(a.EndIdx-a.StartIdx+1), float64(b.EndIdx-b.StartIdx+1)
	if la <= 0 || lb <= 0 {
		return 0
	}
	return math.Min(la, lb) / math.Max(la, lb)
}
