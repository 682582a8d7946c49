package predict

import (
	"fmt"
	"math"
	"sort"
)

// Compare sets each sensor of the window cur beside the same sensor in prev
// (typically the same window one period earlier, fetched by the caller).
// Sensors are matched by name; a sensor missing from prev is skipped. The
// result is sorted by |Effect|, largest first, so the sensor that changed
// most relative to its usual spread leads.
func Compare(cur, prev Multi) ([]SensorDelta, error) {
	if len(cur.Names) != len(cur.Values) || len(prev.Names) != len(prev.Values) {
		return nil, fmt.Errorf("predict: compare: %w: names and values differ in length", ErrBadInput)
	}
	idx := make(map[string]int, len(prev.Names))
	for j, name := range prev.Names {
		idx[name] = j
	}
	var out []SensorDelta
	buf := make([]float64, 0, 64)
	for j, name := range cur.Names {
		pj, ok := idx[name]
		if !ok {
			continue
		}
		out = append(out, delta(name, cur.Values[j], prev.Values[pj], buf))
	}
	sortDeltas(out)
	return out, nil
}

// CompareLag compares points from..to−1 of m with the same span lag points
// earlier (lag = one period: a day of hourly data is 24), per sensor, as
// [Compare] does.
func CompareLag(m Multi, from, to, lag int) ([]SensorDelta, error) {
	if len(m.Values) == 0 || len(m.Names) != len(m.Values) {
		return nil, fmt.Errorf("predict: compare: %w: no sensors or names and values differ in length", ErrBadInput)
	}
	n := len(m.Values[0])
	for _, v := range m.Values {
		if len(v) != n {
			return nil, fmt.Errorf("predict: compare: %w: sensors of different lengths", ErrBadInput)
		}
	}
	if from < 0 || to > n || from >= to || lag <= 0 || from-lag < 0 {
		return nil, fmt.Errorf("predict: compare: window %d..%d lag %d of %d points: %w", from, to, lag, n, ErrBadInput)
	}
	buf := make([]float64, 0, to-from)
	out := make([]SensorDelta, 0, len(m.Names))
	for j, name := range m.Names {
		out = append(out, delta(name, m.Values[j][from:to], m.Values[j][from-lag:to-lag], buf))
	}
	sortDeltas(out)
	return out, nil
}

func delta(name string, cur, prev []float64, buf []float64) SensorDelta {
	d := SensorDelta{Sensor: name, N: CountFinite(cur), PrevN: CountFinite(prev)}
	if d.N > 0 {
		d.Current = NaNMean(cur)
	}
	if d.PrevN > 0 {
		d.Previous = NaNMean(prev)
	}
	if d.N == 0 || d.PrevN == 0 {
		return d // nothing to compare; N and PrevN say why
	}
	d.Delta = d.Current - d.Previous
	if d.Previous != 0 {
		d.RelDelta = d.Delta / math.Abs(d.Previous)
	}
	med, mad := medianMAD(prev, buf)
	if scale := robustScale(prev, med, mad); scale > 0 {
		d.Effect = d.Delta / scale
	}
	return d
}

// NaNMean is the mean of the values of x that are not NaN, or NaN when
// there are none.
func NaNMean(x []float64) float64 {
	var s float64
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// sortDeltas orders by |Effect| descending.
func sortDeltas(d []SensorDelta) {
	sort.SliceStable(d, func(i, j int) bool { return math.Abs(d[i].Effect) > math.Abs(d[j].Effect) })
}
