package predict

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"
)

const (
	// defaultShiftMemory gives the multivariate EWMA weight λ = 0.1: long
	// enough to pile up a one-sigma shift, short enough to report it within
	// a day of hourly data.
	defaultShiftMemory = 19
	// corrShrink pulls robust correlation matrices towards the identity, so
	// they stay invertible with collinear or nearly constant sensors.
	corrShrink = 0.01
	maxSensors = 64
)

// DetectMulti scores all sensors of one asset together. Each sensor is first
// reduced, exactly as in [Detect], to a robust residual z (spikes) and a
// standardised deviation from its slow baseline (shifts). A robust
// Mahalanobis distance of the residual vector, using a shrunk correlation of
// Huber-clipped residuals, catches points that are unusual jointly (even
// when each sensor alone is not); a multivariate EWMA of the deviations and
// each sensor's own CUSUM (whichever is stronger) catch sustained shifts
// and drifts. Both are turned into an equivalent z
// with the Wilson–Hilferty approximation of the χ² tail (degrees of freedom =
// sensors present), so missing sensors just lower the dimension.
//
// The squared distance d² = rᵀΣ⁻¹r splits exactly into per-sensor terms
// r_j·(Σ⁻¹r)_j. Terms can be negative when a correlated sensor moved the
// expected way; each point's shares are the positive terms normalised to sum
// to 1, which answers "which sensors drove this". An event's contributions
// are the score-weighted mean of its anomalous points' shares. When a
// sensor's CUSUM drives a point, the shares are the sensors' CUSUM
// statistics, normalised.
func DetectMulti(m Multi, opt DetectOptions) (*Detection, error) {
	n, err := m.validate()
	if err != nil {
		return nil, fmt.Errorf("predict: detect multi: %w", err)
	}
	p := opt.Period
	if p == 0 {
		p = commonPeriod(m.Values, opt)
	}
	if p < 2 || 2*p > n {
		p = 1
	}
	d := newDetector(opt, p)
	if d.online {
		return d.detectMultiOnline(m, n, opt), nil
	}
	return d.jointMulti(m, n, opt), nil
}

// jointMulti is the joint analysis of all sensors (robust Mahalanobis
// distance, multivariate EWMA and per-sensor CUSUM), batch or online.
func (d detector) jointMulti(m Multi, n int, opt DetectOptions) *Detection {
	k := len(m.Values)
	p := d.p
	tracks := make([]uniTrack, k)
	var wg sync.WaitGroup
	for j := range k {
		wg.Go(func() { tracks[j] = d.analyze(m.Values[j]) })
	}
	wg.Wait()

	lambda := 2 / float64(defaultShiftMemory+1)
	if opt.ShiftMemory > 0 {
		lambda = 2 / float64(opt.ShiftMemory+1)
	}
	res := &Detection{Period: p, Points: make([]PointScore, n), Contributions: make([][]float64, n)}
	zD, zT := make([]float64, n), make([]float64, n)
	shares := make([]float64, n*k)
	r := make([]float64, k)
	u := make([]float64, k)
	zm := make([]float64, k) // MEWMA state
	// Pairwise co-moment sums of the clipped residuals and deviations.
	// Batch mode sums every row once; online mode keeps running sums over
	// the trailing window (add the newest row, drop the oldest), so a
	// refresh costs O(k²) rather than O(window·k²).
	rz := clippedRows(tracks, func(tr uniTrack) []float64 { return tr.z }, cusumClip)
	uz := clippedRows(tracks, func(tr uniTrack) []float64 { return tr.u }, 4)
	rSum, uSum := newComoments(k), newComoments(k)
	if !d.online {
		for t := range n {
			rSum.add(rz[t*k:(t+1)*k], 1)
			uSum.add(uz[t*k:(t+1)*k], 1)
		}
	}
	var rCorr, uCorr *corrCache
	refresh := max(16, p)
	corrWin := max(2*d.window, 336)
	for t := range n {
		if d.online && t > 0 {
			rSum.add(rz[(t-1)*k:t*k], 1)
			uSum.add(uz[(t-1)*k:t*k], 1)
			if old := t - 1 - corrWin; old >= 0 {
				rSum.add(rz[old*k:(old+1)*k], -1)
				uSum.add(uz[old*k:(old+1)*k], -1)
			}
		}
		if rCorr == nil || (d.online && t%refresh == 0) {
			rCorr, uCorr = rSum.corr(), uSum.corr()
		}
		present := 0
		for j := range k {
			r[j] = tracks[j].z[t]
			if !math.IsNaN(r[j]) {
				present++
			}
			v := tracks[j].u[t]
			if math.IsNaN(v) {
				v = 0 // an unknown deviation neither pushes nor relaxes the shift memory
			}
			zm[j] = lambda*clip(v, 4) + (1-lambda)*zm[j]
			u[j] = zm[j] * math.Sqrt((2-lambda)/lambda)
		}
		row := shares[t*k : (t+1)*k]
		res.Contributions[t] = row
		if present == 0 {
			res.Points[t] = PointScore{Missing: true}
			continue
		}
		d2, dfD := rCorr.distance(r, nil)
		t2, dfT := uCorr.distance(u, nil)
		zD[t], zT[t] = whZ(d2, dfD), whZ(t2, dfT)
		// Each sensor's own CUSUM also counts as shift evidence: a
		// sustained change in one sensor builds up there faster than in
		// the joint EWMA, whose distance is spread over all dimensions.
		zC, cs := 0.0, -1
		for j := range k {
			if c := math.Max(tracks[j].sp[t], tracks[j].sn[t]); c > 0 && d.h > 0 {
				if zc := d.zThr * c / d.h; zc > zC {
					zC, cs = zc, j
				}
			}
		}
		if d.h <= 0 {
			zT[t] = 0
		}
		useCusum := zC > zT[t]
		zT[t] = math.Max(zT[t], zC)
		z := math.Max(zD[t], zT[t])
		sc := scoreOf(z)
		switch {
		case zD[t] >= zT[t]:
			rCorr.distance(r, row)
		case useCusum:
			cusumShares(tracks, t, row, cs)
		default:
			uCorr.distance(u, row)
		}
		res.Points[t] = PointScore{Score: sc, IsAnomaly: sc >= d.threshold, Z: z}
	}
	res.Events = d.multiEvents(res, zD, zT, tracks, m)
	return res
}

// cusumShares splits a CUSUM-driven score among the sensors by their CUSUM
// statistics at t (the alarming sensor top, others by how far their own
// CUSUM has climbed).
func cusumShares(tracks []uniTrack, t int, row []float64, top int) {
	var sum float64
	for j, tr := range tracks {
		row[j] = math.Max(tr.sp[t], tr.sn[t])
		sum += row[j]
	}
	if sum <= 0 {
		clear(row)
		row[top] = 1
		return
	}
	for j := range row {
		row[j] /= sum
	}
}

// commonPeriod detects each sensor's period and returns the most common one
// above 1 (ties go to the smaller), or 1 when no sensor is seasonal.
func commonPeriod(values [][]float64, opt DetectOptions) int {
	count := map[int]int{}
	for _, x := range values {
		if p := detectPeriodFor(x, opt); p > 1 {
			count[p]++
		}
	}
	best, bestN := 1, 0
	for p, c := range count {
		if c > bestN || (c == bestN && p < best) {
			best, bestN = p, c
		}
	}
	return best
}

// clip limits v to [-c, c]; NaN passes through.
func clip(v, c float64) float64 {
	if v > c {
		return c
	}
	if v < -c {
		return -c
	}
	return v
}

// whZ turns a χ²-distributed statistic with df degrees of freedom into an
// equivalent standard-normal z (Wilson–Hilferty): cheap, accurate in the
// tail, and it never underflows the way an exact p-value does.
func whZ(x float64, df int) float64 {
	if df <= 0 || math.IsNaN(x) {
		return 0
	}
	k := float64(df)
	v := 2 / (9 * k)
	z := (math.Cbrt(math.Max(x, 0)/k) - (1 - v)) / math.Sqrt(v)
	return math.Max(z, 0)
}

func (m Multi) validate() (int, error) {
	if len(m.Values) == 0 {
		return 0, fmt.Errorf("%w: no sensors", ErrBadInput)
	}
	if len(m.Values) > maxSensors {
		return 0, fmt.Errorf("%w: %d sensors, at most %d", ErrBadInput, len(m.Values), maxSensors)
	}
	if len(m.Names) != len(m.Values) {
		return 0, fmt.Errorf("%w: %d names for %d sensors", ErrBadInput, len(m.Names), len(m.Values))
	}
	n := len(m.Values[0])
	for j, v := range m.Values {
		if len(v) != n {
			return 0, fmt.Errorf("%w: sensor %q has %d points, want %d", ErrBadInput, m.Names[j], len(v), n)
		}
	}
	if m.Times != nil && len(m.Times) != n {
		return 0, fmt.Errorf("%w: %d times for %d points", ErrBadInput, len(m.Times), n)
	}
	any := 0
	for t := range n {
		for _, v := range m.Values {
			if !math.IsNaN(v[t]) {
				any++
				break
			}
		}
	}
	if any < minDetectPoints {
		return 0, fmt.Errorf("%d points with data: %w", any, ErrTooShort)
	}
	return n, nil
}

// corrCache holds a shrunk robust correlation matrix and the inverses of its
// sub-matrices, one per pattern of present sensors.
type corrCache struct {
	k    int
	corr []float64 // k×k row-major
	inv  map[uint64][]float64
	idx  []int
}

// clippedRows lays the clipped values get(track) out row by row ([t·k+j]).
// The values are robust z's (unit scale by construction), so clipping at ±c
// makes their co-moments a Huber-type M-estimate of the correlation.
func clippedRows(tracks []uniTrack, get func(uniTrack) []float64, c float64) []float64 {
	k := len(tracks)
	n := len(get(tracks[0]))
	out := make([]float64, n*k)
	for j, tr := range tracks {
		for t, v := range get(tr) {
			out[t*k+j] = clip(v, c)
		}
	}
	return out
}

// comoments accumulates, for each pair of sensors, the sums over rows where
// both are present of a·b, a² and b², and the count of such rows.
type comoments struct {
	k                 int
	ab, aa, bb, count []float64
}

func newComoments(k int) *comoments {
	return &comoments{k: k, ab: make([]float64, k*k), aa: make([]float64, k*k), bb: make([]float64, k*k), count: make([]float64, k*k)}
}

// add adds (w = 1) or removes (w = −1) one row.
func (c *comoments) add(row []float64, w float64) {
	k := c.k
	for a := range k {
		va := row[a]
		if math.IsNaN(va) {
			continue
		}
		for b := a + 1; b < k; b++ {
			vb := row[b]
			if math.IsNaN(vb) {
				continue
			}
			i := a*k + b
			c.ab[i] += w * va * vb
			c.aa[i] += w * va * va
			c.bb[i] += w * vb * vb
			c.count[i] += w
		}
	}
}

// corr returns the shrunk correlation matrix of the accumulated rows.
func (c *comoments) corr() *corrCache {
	k := c.k
	cc := &corrCache{k: k, corr: make([]float64, k*k), inv: map[uint64][]float64{}}
	for a := range k {
		cc.corr[a*k+a] = 1
		for b := a + 1; b < k; b++ {
			i := a*k + b
			rho := 0.0
			if c.count[i] >= 10 && c.aa[i] > 1e-12 && c.bb[i] > 1e-12 {
				rho = c.ab[i] / math.Sqrt(c.aa[i]*c.bb[i])
			}
			rho = clip(rho, 1) * (1 - corrShrink)
			cc.corr[a*k+b], cc.corr[b*k+a] = rho, rho
		}
	}
	return cc
}

// distance returns xᵀΣ⁻¹x over the present (non-NaN) entries of x and their
// count; when shares is non-nil it also fills each entry's share of the
// distance (positive terms normalised to 1, 0 for absent sensors).
func (cc *corrCache) distance(x []float64, shares []float64) (float64, int) {
	var mask uint64
	cc.idx = cc.idx[:0]
	for j, v := range x {
		if !math.IsNaN(v) {
			mask |= 1 << uint(j)
			cc.idx = append(cc.idx, j)
		}
	}
	q := len(cc.idx)
	if q == 0 {
		return 0, 0
	}
	inv, ok := cc.inv[mask]
	if !ok {
		inv = cc.invert(cc.idx)
		cc.inv[mask] = inv
	}
	var d2, pos float64
	if shares != nil {
		clear(shares)
	}
	for a, ja := range cc.idx {
		var s float64
		row := inv[a*q : (a+1)*q]
		for b, jb := range cc.idx {
			s += row[b] * x[jb]
		}
		term := x[ja] * s
		d2 += term
		if shares != nil && term > 0 {
			shares[ja] = term
			pos += term
		}
	}
	if shares != nil && pos > 0 {
		for _, j := range cc.idx {
			shares[j] /= pos
		}
	}
	return d2, q
}

// invert returns the inverse of the correlation sub-matrix on idx, shrinking
// harder towards the identity if it is not positive definite.
func (cc *corrCache) invert(idx []int) []float64 {
	q := len(idx)
	for _, extra := range []float64{0, 0.2, 1} {
		s := mat.NewSymDense(q, nil)
		for a, ja := range idx {
			for b, jb := range idx {
				v := cc.corr[ja*cc.k+jb]
				if a != b {
					v *= 1 - extra
				}
				s.SetSym(a, b, v)
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(s) {
			continue
		}
		var inv mat.SymDense
		if err := ch.InverseTo(&inv); err != nil {
			continue
		}
		out := make([]float64, q*q)
		for a := range q {
			for b := range q {
				out[a*q+b] = inv.At(a, b)
			}
		}
		return out
	}
	out := make([]float64, q*q)
	for a := range q {
		out[a*q+a] = 1
	}
	return out
}

// multiEvents groups anomalous points into events and explains each.
func (d detector) multiEvents(res *Detection, zD, zT []float64, tracks []uniTrack, m Multi) []Event {
	evs := anomalyRuns(res.Points, d.gap, func(start, last int) Event {
		return d.makeMultiEvent(start, last, res, zD, zT, tracks, m)
	})
	// As in the univariate case, label shifts on the merged extent, by
	// the sensor that drove the event.
	for i, e := range evs {
		if e.Kind != KindSpike && len(e.Contributions) > 0 {
			top := slices.Index(m.Names, e.Contributions[0].Sensor)
			evs[i].Kind = classifyFrom(tracks[top], e.StartIdx, e.EndIdx)
		}
	}
	return evs
}

func (d detector) makeMultiEvent(a, b int, res *Detection, zD, zT []float64, tracks []uniTrack, m Multi) Event {
	k := len(m.Names)
	peak := a
	nShift, nSpike, firstShift := 0, 0, -1
	total := make([]float64, k)
	for i := a; i <= b; i++ {
		p := res.Points[i]
		if p.Score > res.Points[peak].Score {
			peak = i
		}
		if !p.IsAnomaly {
			continue
		}
		for j, s := range res.Contributions[i] {
			total[j] += p.Score * s
		}
		if zT[i] > zD[i] {
			nShift++
			if firstShift < 0 {
				firstShift = i
			}
		} else {
			nSpike++
		}
	}
	ev := Event{StartIdx: a, OnsetIdx: a, EndIdx: b, PeakIdx: peak, Score: res.Points[peak].Score, Kind: KindSpike}
	var sum float64
	for _, v := range total {
		sum += v
	}
	for j, v := range total {
		if sum > 0 && v > 0 {
			ev.Contributions = append(ev.Contributions, Contribution{Sensor: m.Names[j], Share: v / sum})
		}
	}
	sort.SliceStable(ev.Contributions, func(x, y int) bool { return ev.Contributions[x].Share > ev.Contributions[y].Share })
	if nShift > 0 && nShift >= nSpike && len(ev.Contributions) > 0 {
		top := slices.Index(m.Names, ev.Contributions[0].Sensor)
		// Walk back while the shift statistic is still above its mean level
		// (about 1 standard deviation in z terms): that is where it began.
		c := firstShift
		for c > 0 && zT[c-1] > 1 {
			c--
		}
		ev.Kind = classifyFrom(tracks[top], c, b)
		ev.StartIdx = min(c, a)
	}
	if m.Times != nil {
		ev.Start, ev.End, ev.PeakTime, ev.Onset = m.Times[ev.StartIdx], m.Times[ev.EndIdx], m.Times[ev.PeakIdx], m.Times[ev.OnsetIdx]
	}
	return ev
}
