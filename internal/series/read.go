package series

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// embedded is the Engine of Gemba's own store: raw blocks in series_raw,
// minute rollups in series_minute, hour rollups in series_hour.
type embedded struct{ st *Store }

// lowerBound is the earliest block start that can hold a point at or
// after from: the start of from's block when the width is known.
func lowerBound(s Series, from time.Time) time.Time {
	if s.block > 0 {
		return blockStart(from, s.block)
	}
	return from.Add(-blockWeek)
}

// rawQuery reads the raw blocks of several series overlapping [from, to),
// one index range scan on the primary key per series (each from its own
// lower bound; see TestWindowUsesIndex), and in the same statement (one
// snapshot, so a fold committing meanwhile is seen whole or not at all)
// the tail rows of their buckets ($5) there, in the last five columns.
const rawQuery = `SELECT r.series_id, r.t0, r.tfirst, r.tlast, r.n, r.step_us, r.offs, r.vals,
       NULL::timestamptz AS at, NULL::bigint AS seq, NULL::bigint[] AS sids, NULL::bigint[] AS ts, NULL::float8[] AS tvals
FROM unnest($1::bigint[], $2::timestamptz[]) AS q(id, lo)
CROSS JOIN LATERAL (
    SELECT * FROM series_raw
    WHERE series_id = q.id AND t0 >= q.lo AND t0 < $4 AND tlast >= $3 AND tfirst < $4
    ORDER BY t0) r
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.at, t.seq, t.sids, t.ts, t.vals
FROM unnest($5::int[]) AS q(b)
CROSS JOIN LATERAL (SELECT * FROM series_tail WHERE bucket = q.b AND tlast >= $3 AND tfirst < $4) t`

// rawBlocks returns the decoded raw blocks of ss overlapping [from, to),
// in series and time order. The tail's points are merged in: a series
// with points in the tail comes back as one block holding them all, the
// tail's points replacing stored ones at the same time.
func (e embedded) rawBlocks(ctx context.Context, ss []Series, from, to time.Time) (map[int64][]rawBlock, error) {
	ids := make([]int64, len(ss))
	los := make([]time.Time, len(ss))
	want := make(map[int64]bool, len(ss))
	var buckets []int32
	for i, s := range ss {
		ids[i], los[i] = s.ID, lowerBound(s, from)
		want[s.ID] = true
		if b := bucketOf(s.ID); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	rows, err := e.st.db.Query(ctx, rawQuery, ids, los, from, exclusiveBound(to), buckets)
	if err != nil {
		return nil, fmt.Errorf("series: read: %w", err)
	}
	defer rows.Close()
	out := make(map[int64][]rawBlock, len(ss))
	tails := map[int64][]*fragment{}
	fast := binaryColumns(rows, 6, 7)
	var vals []float64
	var offs []int64
	for rows.Next() {
		if rows.RawValues()[9] != nil { // a tail row
			if err := scanTail(rows, 8, want, func(f *fragment) { tails[f.seriesID] = append(tails[f.seriesID], f) }); err != nil {
				return nil, fmt.Errorf("series: read tail: %w", err)
			}
			continue
		}
		var b rawBlock
		if !fast {
			var r rawRow
			if err := rows.Scan(&r.seriesID, &r.t0, &r.tfirst, &r.tlast, &r.n, &r.stepUS, &r.offs, &r.vals, nil, nil, nil, nil, nil); err != nil {
				return nil, fmt.Errorf("series: read: %w", err)
			}
			r.t0, r.tfirst, r.tlast = r.t0.UTC(), r.tfirst.UTC(), r.tlast.UTC()
			b = r.decode()
		} else if b, vals, offs, err = scanRawBlock(rows, vals, offs, nil, nil, nil, nil, nil); err != nil {
			return nil, fmt.Errorf("series: read: %w", err)
		}
		out[b.seriesID] = append(out[b.seriesID], b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: read: %w", err)
	}
	for id, bs := range out {
		slices.SortFunc(bs, func(a, b rawBlock) int { return a.t0.Compare(b.t0) })
		out[id] = bs
	}
	for id, frags := range tails {
		out[id] = []rawBlock{withTail(out[id], flatten(id, frags))}
	}
	return out, nil
}

// withTail returns the points of blocks (in time order, not overlapping)
// and of tail together in one block, tail's replacing those at the same
// time.
func withTail(blocks []rawBlock, tail rawBlock) rawBlock {
	if len(blocks) == 0 {
		return tail
	}
	n := 0
	for _, b := range blocks {
		n += len(b.ts)
	}
	base := rawBlock{seriesID: tail.seriesID, t0: blocks[0].t0, ts: make([]int64, 0, n), vs: make([]float64, 0, n)}
	for _, b := range blocks {
		base.ts = append(base.ts, b.ts...)
		base.vs = append(base.vs, b.vs...)
	}
	merged, _, _ := merge(base, tail, false)
	merged.t0 = base.t0
	return merged
}

// scanRawBlock decodes the current row of a raw block query (columns as
// rawColumns, then extra) from the binary wire format; vals and offs are
// scratch buffers, returned for reuse.
func scanRawBlock(rows pgx.Rows, vals []float64, offs []int64, extra ...any) (rawBlock, []float64, []int64, error) {
	var (
		b      rawBlock
		tfirst time.Time
		n      int32
		step   int64
	)
	if err := rows.Scan(append([]any{&b.seriesID, &b.t0, &tfirst, nil, &n, &step, nil, nil}, extra...)...); err != nil {
		return b, vals, offs, err
	}
	raw := rows.RawValues()
	var err error
	if vals, err = float8s(raw[7], vals); err != nil {
		return b, vals, offs, err
	}
	if step == 0 {
		if offs, err = int8s(raw[6], offs); err != nil {
			return b, vals, offs, err
		}
		if len(offs) != len(vals) {
			return b, vals, offs, fmt.Errorf("block of series %d at %s: %d offsets for %d values", b.seriesID, b.t0, len(offs), len(vals))
		}
	}
	first := micros(tfirst)
	b.t0 = b.t0.UTC()
	b.ts, b.vs = make([]int64, 0, n), make([]float64, 0, n)
	for i, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		if step > 0 {
			b.ts = append(b.ts, first+int64(i)*step)
		} else {
			b.ts = append(b.ts, first+offs[i])
		}
		b.vs = append(b.vs, v)
	}
	return b, vals, offs, nil
}

// Points implements Engine: raw blocks for step 0; otherwise hour
// rollups when step is whole hours, minute rollups when it is whole
// minutes and the series keeps them, else raw blocks averaged per slot.
func (e embedded) Points(ctx context.Context, ss []Series, from, to time.Time, step time.Duration) (map[int64][]Point, error) {
	if step <= 0 {
		blocks, err := e.rawBlocks(ctx, ss, from, to)
		if err != nil {
			return nil, err
		}
		lo, hi := micros(from), micros(exclusiveBound(to))
		out := make(map[int64][]Point, len(blocks))
		for id, bs := range blocks {
			n := 0
			for _, b := range bs {
				n += len(b.ts)
			}
			pts := make([]Point, 0, n)
			for _, b := range bs {
				for i, t := range b.ts {
					if t >= lo && t < hi {
						pts = append(pts, Point{TS: fromMicros(t), Value: b.vs[i], Count: 1})
					}
				}
			}
			if len(pts) > 0 {
				out[id] = pts
			}
		}
		return out, nil
	}
	from, to = slotStart(from, step), slotStart(exclusiveBound(to).Add(-time.Microsecond), step).Add(step)
	var hourly, minutely, raw []Series
	for _, s := range ss {
		switch {
		case step%time.Hour == 0:
			hourly = append(hourly, s)
		case step%time.Minute == 0 && hasMinutes(s.block):
			minutely = append(minutely, s)
		default:
			raw = append(raw, s)
		}
	}
	out := make(map[int64][]Point, len(ss))
	// The tail is not in the rollups until it is folded: the slots from
	// the first tail row on are computed from the raw points. Read first
	// (a fold moves points from the tail into blocks and rollups, so what
	// this read misses of the tail the later ones find).
	tailFrom, err := e.tailStarts(ctx, append(slices.Clip(hourly), minutely...), from, to)
	if err != nil {
		return nil, err
	}
	for _, g := range []struct {
		table string
		slot  time.Duration
		ss    []Series
	}{{"series_hour", time.Hour, hourly}, {"series_minute", time.Minute, minutely}} {
		if len(g.ss) == 0 {
			continue
		}
		slots, err := e.rollupSlots(ctx, g.table, g.slot, g.ss, from, to)
		if err != nil {
			return nil, err
		}
		if err := e.tailSlots(ctx, g.ss, g.slot, tailFrom, slots, to); err != nil {
			return nil, err
		}
		for id, pts := range slots {
			if step == g.slot {
				out[id] = pts
			} else {
				out[id] = coarsen(pts, step)
			}
		}
	}
	if len(raw) > 0 {
		pts, err := e.Points(ctx, raw, from, to, 0)
		if err != nil {
			return nil, err
		}
		for id, p := range pts {
			out[id] = coarsen(p, step)
		}
	}
	return out, nil
}

// slotStart is the start of the slot of width step (aligned on the Unix
// epoch) holding t.
func slotStart(t time.Time, step time.Duration) time.Time {
	return time.Unix(0, 0).UTC().Add(t.Sub(time.Unix(0, 0)).Truncate(step))
}

// coarsen averages points (readings, or slot means with their counts) into
// slots of step, stamped with the slot start; points must be in time order.
func coarsen(pts []Point, step time.Duration) []Point {
	out := make([]Point, 0, len(pts))
	var sum float64
	var n int64
	var cur time.Time
	flush := func() {
		if n > 0 {
			out = append(out, Point{TS: cur, Value: sum / float64(n), Count: n})
		}
	}
	for _, p := range pts {
		s := slotStart(p.TS, step)
		if !s.Equal(cur) {
			flush()
			cur, sum, n = s, 0, 0
		}
		c := max(p.Count, 1)
		sum += p.Value * float64(c)
		n += c
	}
	flush()
	return out
}

// tailStarts returns, for the series of ss whose tail bucket has rows
// inside [from, to), where the first of those rows begins (at least from):
// a bound for all the bucket's series, cheaper than finding each one's.
func (e embedded) tailStarts(ctx context.Context, ss []Series, from, to time.Time) (map[int64]time.Time, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	var buckets []int32
	for _, s := range ss {
		if b := bucketOf(s.ID); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	rows, err := e.st.db.Query(ctx, `SELECT q.b, min(t.tfirst) FROM unnest($1::int[]) AS q(b)
CROSS JOIN LATERAL (SELECT tfirst FROM series_tail WHERE bucket = q.b AND tlast >= $2 AND tfirst < $3) t
GROUP BY q.b`, buckets, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: read tail: %w", err)
	}
	first := map[int32]time.Time{}
	for rows.Next() {
		var b int32
		var t time.Time
		if err := rows.Scan(&b, &t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("series: read tail: %w", err)
		}
		if t.Before(from) {
			t = from
		}
		first[b] = t.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: read tail: %w", err)
	}
	out := map[int64]time.Time{}
	for _, s := range ss {
		if t, ok := first[bucketOf(s.ID)]; ok {
			out[s.ID] = t
		}
	}
	return out, nil
}

// tailSlots replaces, in slots (rollup slots of width slot per series),
// the slots from each series' first tail point (tailFrom) to the end of
// the window by slots computed from the raw points, tail included.
func (e embedded) tailSlots(ctx context.Context, ss []Series, slot time.Duration, tailFrom map[int64]time.Time, slots map[int64][]Point, to time.Time) error {
	byCut := map[time.Time][]Series{}
	for _, s := range ss {
		if t, ok := tailFrom[s.ID]; ok {
			cut := slotStart(t, slot)
			byCut[cut] = append(byCut[cut], s)
		}
	}
	for cut, group := range byCut {
		raw, err := e.Points(ctx, group, cut, to, 0)
		if err != nil {
			return err
		}
		for _, s := range group {
			kept := slots[s.ID]
			i, _ := slices.BinarySearchFunc(kept, cut, func(p Point, t time.Time) int { return p.TS.Compare(t) })
			pts := append(kept[:i:i], coarsen(raw[s.ID], slot)...)
			if len(pts) > 0 {
				slots[s.ID] = pts
			} else {
				delete(slots, s.ID)
			}
		}
	}
	return nil
}

// rollupSlots reads the non-empty slots (mean and count) of a rollup
// table for ss whose slot start lies in [from, to).
func (e embedded) rollupSlots(ctx context.Context, table string, slot time.Duration, ss []Series, from, to time.Time) (map[int64][]Point, error) {
	rowSpan := 60 * slot // an hour of minutes, a day of hours
	if slot == time.Hour {
		rowSpan = 24 * time.Hour
	}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	rows, err := e.st.db.Query(ctx, `SELECT series_id, t0, means, counts FROM `+table+`
WHERE series_id = ANY($1) AND t0 >= $2 AND t0 < $3 ORDER BY series_id, t0`, ids, from.Truncate(rowSpan), to)
	if err != nil {
		return nil, fmt.Errorf("series: read rollups: %w", err)
	}
	defer rows.Close()
	out := make(map[int64][]Point, len(ss))
	fast := binaryColumns(rows, 2, 3)
	var (
		id, cur = int64(0), int64(-1)
		t0      time.Time
		pts     []Point
		means   []float64
		counts  []int32
		nm      []pgtype.Float8
		nc      []pgtype.Int4
	)
	for rows.Next() {
		if fast {
			if err := rows.Scan(&id, &t0, nil, nil); err != nil {
				return nil, fmt.Errorf("series: read rollups: %w", err)
			}
			raw := rows.RawValues()
			if means, err = float8s(raw[2], means); err == nil {
				counts, err = int4s(raw[3], counts)
			}
			if err != nil {
				return nil, fmt.Errorf("series: read rollups: %w", err)
			}
		} else {
			if err := rows.Scan(&id, &t0, &nm, &nc); err != nil {
				return nil, fmt.Errorf("series: read rollups: %w", err)
			}
			means, counts = means[:0], counts[:0]
			for k, m := range nm {
				means = append(means, math.NaN())
				counts = append(counts, nc[k].Int32)
				if m.Valid {
					means[k] = m.Float64
				}
			}
		}
		if id != cur {
			if cur >= 0 && len(pts) > 0 {
				out[cur] = pts
			}
			cur, pts = id, nil
		}
		t0 = t0.UTC()
		for k, m := range means {
			if math.IsNaN(m) || k >= len(counts) {
				continue
			}
			ts := t0.Add(time.Duration(k) * slot)
			if ts.Before(from) || !ts.Before(to) {
				continue
			}
			pts = append(pts, Point{TS: ts, Value: m, Count: int64(counts[k])})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: read rollups: %w", err)
	}
	if cur >= 0 && len(pts) > 0 {
		out[cur] = pts
	}
	return out, nil
}

// Bounds implements Engine from the first and last blocks overlapping the
// window (two index probes per series and the decoding of two blocks) and
// the series' points in the tail there (read first: a fold moves points
// from the tail into blocks, never back).
func (e embedded) Bounds(ctx context.Context, ss []Series, from, to time.Time) (map[int64]Bounds, error) {
	ids := make([]int64, len(ss))
	los := make([]time.Time, len(ss))
	for i, s := range ss {
		ids[i], los[i] = s.ID, lowerBound(s, from)
	}
	tails, err := readTail(ctx, e.st.db, ids, from, to)
	if err != nil {
		return nil, err
	}
	rows, err := e.st.db.Query(ctx, `SELECT r.series_id, r.t0, r.tfirst, r.tlast, r.n, r.step_us, r.offs, r.vals
FROM unnest($1::bigint[], $2::timestamptz[]) AS q(id, lo)
CROSS JOIN LATERAL (
    (SELECT * FROM series_raw WHERE series_id = q.id AND t0 >= q.lo AND t0 < $4 AND tlast >= $3 ORDER BY t0 LIMIT 1)
    UNION ALL
    (SELECT * FROM series_raw WHERE series_id = q.id AND t0 >= q.lo AND t0 < $4 AND tfirst < $4 ORDER BY t0 DESC LIMIT 1)) r`,
		ids, los, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: bounds: %w", err)
	}
	defer rows.Close()
	lo, hi := micros(from), micros(exclusiveBound(to))
	out := make(map[int64]Bounds, len(ss))
	widen := func(id int64, ts []int64) {
		cur := out[id]
		for _, t := range ts {
			if t < lo || t >= hi {
				continue
			}
			if ft := fromMicros(t); cur.First.IsZero() || ft.Before(cur.First) {
				cur.First = ft
			}
			break
		}
		for i := len(ts) - 1; i >= 0; i-- {
			if t := ts[i]; t >= lo && t < hi {
				if lt := fromMicros(t); lt.After(cur.Last) {
					cur.Last = lt
				}
				break
			}
		}
		out[id] = cur
	}
	for rows.Next() {
		r, err := scanRaw(rows)
		if err != nil {
			return nil, fmt.Errorf("series: bounds: %w", err)
		}
		widen(r.seriesID, r.decode().ts)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: bounds: %w", err)
	}
	for id, frags := range tails {
		for _, f := range frags {
			widen(id, f.ts)
		}
	}
	return out, nil
}

// Latest implements Engine: the newest point of the series' tail or, if
// later, the last point of its newest raw block, or, for a series whose
// raw points have all passed the retention, the last reading of its
// newest hour slot (stamped with the slot's start).
func (e embedded) Latest(ctx context.Context, ss []Series) (map[int64]Point, error) {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	tails, err := latestTail(ctx, e.st.db, ids)
	if err != nil {
		return nil, err
	}
	rows, err := e.st.db.Query(ctx, `
SELECT s.id, r.tlast, r.vals[array_upper(r.vals, 1)], h.t0, h.lasts, h.counts
FROM unnest($1::bigint[]) AS s(id)
LEFT JOIN LATERAL (SELECT tlast, vals FROM series_raw WHERE series_id = s.id ORDER BY t0 DESC LIMIT 1) r ON true
LEFT JOIN LATERAL (SELECT t0, lasts, counts FROM series_hour WHERE series_id = s.id AND r.tlast IS NULL ORDER BY t0 DESC LIMIT 1) h ON true`, ids)
	if err != nil {
		return nil, fmt.Errorf("series: latest: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]Point, len(ids))
	for rows.Next() {
		var (
			id     int64
			tlast  pgtype.Timestamptz
			v      pgtype.Float8
			h0     pgtype.Timestamptz
			lasts  []pgtype.Float8
			counts []pgtype.Int4
		)
		if err := rows.Scan(&id, &tlast, &v, &h0, &lasts, &counts); err != nil {
			return nil, fmt.Errorf("series: latest: %w", err)
		}
		switch {
		case tlast.Valid && v.Valid:
			out[id] = Point{TS: tlast.Time.UTC(), Value: v.Float64, Count: 1}
		case h0.Valid:
			for k := len(lasts) - 1; k >= 0; k-- {
				if lasts[k].Valid {
					out[id] = Point{TS: h0.Time.UTC().Add(time.Duration(k) * time.Hour), Value: lasts[k].Float64, Count: 1}
					break
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: latest: %w", err)
	}
	for id, p := range tails {
		if !p.TS.Before(out[id].TS) {
			out[id] = p // the tail's point replaces a stored one at the same time
		}
	}
	return out, nil
}

// Extent implements Engine. Count is every point ever written that the
// hour rollups still summarise (the raw points themselves may have passed
// the retention), plus the tail's (a point written again before its fold
// counts twice until then); First is exact while the raw block of the
// first hour is kept, else the start of the first hour with data.
func (e embedded) Extent(ctx context.Context, s Series) (Extent, error) {
	var (
		rawFirst, rawLast pgtype.Timestamptz
		h0                pgtype.Timestamptz
		firstCounts       []pgtype.Int4
		count             int64
	)
	tails, err := readTail(ctx, e.st.db, []int64{s.ID}, time.Time{}, time.Time{})
	if err != nil {
		return Extent{}, fmt.Errorf("series: extent: %w", err)
	}
	err = e.st.db.QueryRow(ctx, `
SELECT (SELECT tfirst FROM series_raw WHERE series_id = $1 ORDER BY t0 ASC LIMIT 1),
       (SELECT tlast FROM series_raw WHERE series_id = $1 ORDER BY t0 DESC LIMIT 1),
       h.t0, h.counts,
       (SELECT COALESCE(sum(c), 0) FROM series_hour, unnest(counts) AS c WHERE series_id = $1)
FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT t0, counts FROM series_hour WHERE series_id = $1 ORDER BY t0 ASC LIMIT 1) h ON true`,
		s.ID).Scan(&rawFirst, &rawLast, &h0, &firstCounts, &count)
	if err != nil {
		return Extent{}, fmt.Errorf("series: extent: %w", err)
	}
	if frags := tails[s.ID]; len(frags) > 0 {
		b := flatten(s.ID, frags)
		count += int64(len(b.ts))
		if first := fromMicros(b.ts[0]); !rawFirst.Valid || first.Before(rawFirst.Time) {
			rawFirst = pgtype.Timestamptz{Time: first, Valid: true}
		}
		if last := fromMicros(b.ts[len(b.ts)-1]); !rawLast.Valid || last.After(rawLast.Time) {
			rawLast = pgtype.Timestamptz{Time: last, Valid: true}
		}
	}
	ext := Extent{Count: count}
	if rawLast.Valid {
		ext.Last = rawLast.Time.UTC()
	}
	var firstHour time.Time
	if h0.Valid {
		for k, c := range firstCounts {
			if c.Valid && c.Int32 > 0 {
				firstHour = h0.Time.UTC().Add(time.Duration(k) * time.Hour)
				break
			}
		}
	}
	switch {
	case rawFirst.Valid && (firstHour.IsZero() || !firstHour.Before(rawFirst.Time.UTC().Truncate(time.Hour))):
		ext.First = rawFirst.Time.UTC()
	default:
		ext.First = firstHour
	}
	if ext.Last.IsZero() && !ext.First.IsZero() {
		// Only rollups are left: the newest slot with data.
		if p, err := e.Latest(ctx, []Series{s}); err == nil {
			ext.Last = p[s.ID].TS
		}
	}
	return ext, nil
}

// DeleteSource removes every point of the series whose Source is source
// (e.g. "demo" before re-seeding) and returns how many raw points were
// removed. The series rows stay, so evaluations that refer to them survive.
func (st *Store) DeleteSource(ctx context.Context, source string) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, st.db, func(tx pgx.Tx) error {
		// The tail rows first, as a fold takes them (then series, then
		// blocks): the two never wait for each other in a cycle.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM series_tail WHERE sids && (SELECT COALESCE(array_agg(id), '{}') FROM series WHERE source = $1) FOR UPDATE`, source); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
WITH ids AS (SELECT id FROM series WHERE source = $1),
     r AS (DELETE FROM series_raw WHERE series_id IN (SELECT id FROM ids) RETURNING n),
     m AS (DELETE FROM series_minute WHERE series_id IN (SELECT id FROM ids) RETURNING 1),
     h AS (DELETE FROM series_hour WHERE series_id IN (SELECT id FROM ids) RETURNING 1),
     a AS (SELECT COALESCE(array_agg(id), '{}') AS ids FROM ids),
     -- The tail: rows of only these series go, the others lose these points.
     tn AS (SELECT count(*) AS n FROM series_tail t, a, unnest(t.sids) AS u(s) WHERE t.sids && a.ids AND u.s = ANY(a.ids)),
     td AS (DELETE FROM series_tail t USING a WHERE t.sids <@ a.ids RETURNING 1),
     tu AS (UPDATE series_tail t SET (sids, ts, vals) = (
              SELECT array_agg(u.s ORDER BY u.k), array_agg(u.x ORDER BY u.k), array_agg(u.v ORDER BY u.k)
              FROM unnest(t.sids, t.ts, t.vals) WITH ORDINALITY AS u(s, x, v, k) WHERE u.s <> ALL(a.ids))
            FROM a WHERE t.sids && a.ids AND NOT t.sids <@ a.ids RETURNING 1)
SELECT COALESCE((SELECT sum(n) FROM r), 0) + (SELECT n FROM tn) -- m, h, td and tu run too: every data-modifying WITH does`, source).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("series: delete %s points: %w", source, err)
	}
	return n, nil
}
