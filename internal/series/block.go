package series

import (
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Block widths. A series' raw points are cut into blocks of one width,
// chosen from its sampling interval at its first write and kept since (so
// blocks never overlap): a few hundred to a few thousand points a block,
// enough for compression to work and few enough that appending a reading
// rewrites little.
const (
	blockHour = time.Hour
	blockDay  = 24 * time.Hour
	blockWeek = 7 * 24 * time.Hour
)

// blockWidth is the raw block width of a series sampled every interval
// (0: unknown).
func blockWidth(interval time.Duration) time.Duration {
	switch {
	case interval <= 0:
		return blockDay
	case interval <= 10*time.Second:
		return blockHour
	case interval < 5*time.Minute:
		return blockDay
	}
	return blockWeek
}

// hasMinutes reports whether series in blocks of width keep minute
// rollups: only the fast ones (hour blocks, 10 s or faster), for which a
// minute is several readings; slower series read minutes from raw blocks.
func hasMinutes(width time.Duration) bool { return width == blockHour }

// blockStart is the start of the block of width holding t. Truncate works
// from Go's zero time, a Monday, so weeks start on Monday 00:00 UTC as
// PostgreSQL's date_trunc('week', t, 'UTC') does.
func blockStart(t time.Time, width time.Duration) time.Time {
	return t.UTC().Truncate(width)
}

// micros is t in microseconds since the Unix epoch, PostgreSQL's precision.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// rawBlock is one series' points in one block, in time order, as stored in
// series_raw.
type rawBlock struct {
	seriesID int64
	t0       time.Time
	ts       []int64 // µs since the epoch, strictly increasing
	vs       []float64
}

// rawRow is the stored form of a rawBlock.
type rawRow struct {
	seriesID      int64
	t0            time.Time
	tfirst, tlast time.Time
	n             int32
	stepUS        int64
	offs          []int64 // nil for a regular block
	vals          []pgtype.Float8
	existed       bool
}

// encode picks the smaller of the two stored forms: a regular grid (slot k
// at tfirst + k·step, NULL for a missing reading) when every point sits on
// a step from the first and the grid is at most twice as long as the
// points, else explicit offsets. hint is the series' interval, tried first.
func (b rawBlock) encode(hint time.Duration) rawRow {
	n := len(b.ts)
	r := rawRow{seriesID: b.seriesID, t0: b.t0, tfirst: fromMicros(b.ts[0]), tlast: fromMicros(b.ts[n-1]), n: int32(n)} //nolint:gosec // a block holds far fewer than 2^31 points
	if step := b.gridStep(hint.Microseconds()); step > 0 {
		slots := (b.ts[n-1]-b.ts[0])/step + 1
		r.stepUS = step
		r.vals = make([]pgtype.Float8, slots)
		for i, t := range b.ts {
			r.vals[(t-b.ts[0])/step] = pgtype.Float8{Float64: b.vs[i], Valid: true}
		}
		return r
	}
	r.offs = make([]int64, n)
	r.vals = make([]pgtype.Float8, n)
	for i, t := range b.ts {
		r.offs[i] = t - b.ts[0]
		r.vals[i] = pgtype.Float8{Float64: b.vs[i], Valid: true}
	}
	return r
}

// gridStep returns the step of a regular encoding, or 0 when the block is
// better stored with offsets.
func (b rawBlock) gridStep(hint int64) int64 {
	n := len(b.ts)
	if n < 2 {
		return 0
	}
	fits := func(step int64) bool {
		if step <= 0 || (b.ts[n-1]-b.ts[0])/step+1 > int64(2*n) {
			return false
		}
		for _, t := range b.ts {
			if (t-b.ts[0])%step != 0 {
				return false
			}
		}
		return true
	}
	if fits(hint) {
		return hint
	}
	minGap := int64(math.MaxInt64)
	for i := 1; i < n; i++ {
		minGap = min(minGap, b.ts[i]-b.ts[i-1])
	}
	if minGap != hint && fits(minGap) {
		return minGap
	}
	return 0
}

// decode returns the points of a stored row.
func (r rawRow) decode() rawBlock {
	b := rawBlock{seriesID: r.seriesID, t0: r.t0, ts: make([]int64, 0, r.n), vs: make([]float64, 0, r.n)}
	first := micros(r.tfirst)
	for i, v := range r.vals {
		if !v.Valid {
			continue
		}
		if r.stepUS > 0 {
			b.ts = append(b.ts, first+int64(i)*r.stepUS)
		} else {
			b.ts = append(b.ts, first+r.offs[i])
		}
		b.vs = append(b.vs, v.Float64)
	}
	return b
}

// merge returns the points of old and add together in time order; where
// both have a timestamp add wins, unless keep is set, in which case the
// clash is returned instead (Append refuses to overwrite).
func merge(old, add rawBlock, keep bool) (rawBlock, int64, bool) {
	out := rawBlock{seriesID: add.seriesID, t0: add.t0,
		ts: make([]int64, 0, len(old.ts)+len(add.ts)), vs: make([]float64, 0, len(old.ts)+len(add.ts))}
	i, j := 0, 0
	for i < len(old.ts) || j < len(add.ts) {
		switch {
		case j == len(add.ts) || (i < len(old.ts) && old.ts[i] < add.ts[j]):
			out.ts, out.vs = append(out.ts, old.ts[i]), append(out.vs, old.vs[i])
			i++
		case i == len(old.ts) || add.ts[j] < old.ts[i]:
			out.ts, out.vs = append(out.ts, add.ts[j]), append(out.vs, add.vs[j])
			j++
		default: // same timestamp
			if keep {
				return rawBlock{}, add.ts[j], false
			}
			out.ts, out.vs = append(out.ts, add.ts[j]), append(out.vs, add.vs[j])
			i++
			j++
		}
	}
	return out, 0, true
}

// rollupRow is one stored row of slot aggregates: minutes of an hour
// (series_minute) or hours of a day (series_hour). Slots without points
// are NULL in every array.
type rollupRow struct {
	seriesID          int64
	t0                time.Time
	mins, maxs, means []pgtype.Float8
	counts            []pgtype.Int4
	lasts             []pgtype.Float8
	existed           bool
	touched           []bool // slots recomputed by this write (hour rows)
}

func newRollupRow(id int64, t0 time.Time, slots int) *rollupRow {
	return &rollupRow{seriesID: id, t0: t0,
		mins: make([]pgtype.Float8, slots), maxs: make([]pgtype.Float8, slots), means: make([]pgtype.Float8, slots),
		counts: make([]pgtype.Int4, slots), lasts: make([]pgtype.Float8, slots), touched: make([]bool, slots)}
}

// clearSlot empties slot k (no points fell in it).
func (r *rollupRow) clearSlot(k int) {
	r.mins[k], r.maxs[k], r.means[k], r.counts[k], r.lasts[k] = pgtype.Float8{}, pgtype.Float8{}, pgtype.Float8{}, pgtype.Int4{}, pgtype.Float8{}
	r.touched[k] = true
}

// setSlot stores the aggregates of vs (in time order) in slot k.
func (r *rollupRow) setSlot(k int, vs []float64) {
	if len(vs) == 0 {
		r.clearSlot(k)
		return
	}
	lo, hi, sum := vs[0], vs[0], 0.0
	for _, v := range vs {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	r.mins[k] = pgtype.Float8{Float64: lo, Valid: true}
	r.maxs[k] = pgtype.Float8{Float64: hi, Valid: true}
	r.means[k] = pgtype.Float8{Float64: sum / float64(len(vs)), Valid: true}
	r.counts[k] = pgtype.Int4{Int32: int32(len(vs)), Valid: true} //nolint:gosec // a slot holds far fewer than 2^31 points
	r.lasts[k] = pgtype.Float8{Float64: vs[len(vs)-1], Valid: true}
	r.touched[k] = true
}

// overlay copies into r the slots of old that this write did not recompute.
func (r *rollupRow) overlay(old *rollupRow) {
	for k := range r.touched {
		if !r.touched[k] && k < len(old.means) {
			r.mins[k], r.maxs[k], r.means[k], r.counts[k], r.lasts[k] = old.mins[k], old.maxs[k], old.means[k], old.counts[k], old.lasts[k]
		}
	}
}

// empty reports whether no slot holds a point.
func (r *rollupRow) empty() bool {
	return !slices.ContainsFunc(r.counts, func(c pgtype.Int4) bool { return c.Valid && c.Int32 > 0 })
}

// rollup adds the slot aggregates of the hours (and, for minute series,
// the minutes) that the raw block b covers, b being the whole of its block
// after the write. Every slot inside the block's span is recomputed, so a
// slot that lost its points becomes empty.
func rollup(b rawBlock, width time.Duration, hours map[rollupKey]*rollupRow, minutes map[rollupKey]*rollupRow) {
	end := b.t0.Add(width)
	i := 0
	for h := b.t0; h.Before(end); h = h.Add(time.Hour) {
		hEnd := micros(h.Add(time.Hour))
		j := i
		for j < len(b.ts) && b.ts[j] < hEnd {
			j++
		}
		day := h.Truncate(24 * time.Hour)
		hk := rollupKey{b.seriesID, day}
		hr := hours[hk]
		if hr == nil {
			hr = newRollupRow(b.seriesID, day, 24)
			hours[hk] = hr
		}
		hr.setSlot(int(h.Sub(day)/time.Hour), b.vs[i:j])
		if minutes != nil {
			mr := newRollupRow(b.seriesID, h, 60)
			k := i
			for m := range 60 {
				mEnd := micros(h.Add(time.Duration(m+1) * time.Minute))
				l := k
				for l < j && b.ts[l] < mEnd {
					l++
				}
				mr.setSlot(m, b.vs[k:l])
				k = l
			}
			minutes[rollupKey{b.seriesID, h}] = mr
		}
		i = j
	}
}

type rollupKey struct {
	id int64
	t0 time.Time
}
