package series

import (
	"context"
	"fmt"
	"math"
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
// lower bound); see TestWindowUsesIndex.
const rawQuery = `SELECT r.series_id, r.t0, r.tfirst, r.tlast, r.n, r.step_us, r.offs, r.vals
FROM unnest($1::bigint[], $2::timestamptz[]) AS q(id, lo)
CROSS JOIN LATERAL (
    SELECT * FROM series_raw
    WHERE series_id = q.id AND t0 >= q.lo AND t0 < $4 AND tlast >= $3 AND tfirst < $4
    ORDER BY t0) r`

// rawBlocks returns the decoded raw blocks of ss overlapping [from, to),
// in series and time order.
func (e embedded) rawBlocks(ctx context.Context, ss []Series, from, to time.Time) (map[int64][]rawBlock, error) {
	ids := make([]int64, len(ss))
	los := make([]time.Time, len(ss))
	for i, s := range ss {
		ids[i], los[i] = s.ID, lowerBound(s, from)
	}
	rows, err := e.st.db.Query(ctx, rawQuery, ids, los, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: read: %w", err)
	}
	defer rows.Close()
	out := make(map[int64][]rawBlock, len(ss))
	fast := binaryColumns(rows, 6, 7)
	var vals []float64
	var offs []int64
	for rows.Next() {
		var b rawBlock
		if !fast {
			r, err := scanRaw(rows)
			if err != nil {
				return nil, fmt.Errorf("series: read: %w", err)
			}
			b = r.decode()
		} else if b, vals, offs, err = scanRawBlock(rows, vals, offs); err != nil {
			return nil, fmt.Errorf("series: read: %w", err)
		}
		out[b.seriesID] = append(out[b.seriesID], b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: read: %w", err)
	}
	return out, nil
}

// scanRawBlock decodes the current row of a raw block query (columns as
// rawColumns) from the binary wire format; vals and offs are scratch
// buffers, returned for reuse.
func scanRawBlock(rows pgx.Rows, vals []float64, offs []int64) (rawBlock, []float64, []int64, error) {
	var (
		b      rawBlock
		tfirst time.Time
		n      int32
		step   int64
	)
	if err := rows.Scan(&b.seriesID, &b.t0, &tfirst, nil, &n, &step, nil, nil); err != nil {
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
// window (two index probes per series and the decoding of two blocks).
func (e embedded) Bounds(ctx context.Context, ss []Series, from, to time.Time) (map[int64]Bounds, error) {
	ids := make([]int64, len(ss))
	los := make([]time.Time, len(ss))
	for i, s := range ss {
		ids[i], los[i] = s.ID, lowerBound(s, from)
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
	for rows.Next() {
		r, err := scanRaw(rows)
		if err != nil {
			return nil, fmt.Errorf("series: bounds: %w", err)
		}
		b := r.decode()
		cur := out[r.seriesID]
		for i := 0; i < len(b.ts); i++ {
			if t := b.ts[i]; t >= lo && t < hi {
				if ft := fromMicros(t); cur.First.IsZero() || ft.Before(cur.First) {
					cur.First = ft
				}
				break
			}
		}
		for i := len(b.ts) - 1; i >= 0; i-- {
			if t := b.ts[i]; t >= lo && t < hi {
				if lt := fromMicros(t); lt.After(cur.Last) {
					cur.Last = lt
				}
				break
			}
		}
		out[r.seriesID] = cur
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: bounds: %w", err)
	}
	return out, nil
}

// Latest implements Engine: the last point of the newest raw block, or,
// for a series whose raw points have all passed the retention, the last
// reading of its newest hour slot (stamped with the slot's start).
func (e embedded) Latest(ctx context.Context, ss []Series) (map[int64]Point, error) {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
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
	return out, rows.Err()
}

// Extent implements Engine. Count is every point ever written that the
// hour rollups still summarise (the raw points themselves may have passed
// the retention); First is exact while the raw block of the first hour is
// kept, else the start of the first hour with data.
func (e embedded) Extent(ctx context.Context, s Series) (Extent, error) {
	var (
		rawFirst, rawLast pgtype.Timestamptz
		h0                pgtype.Timestamptz
		firstCounts       []pgtype.Int4
		count             int64
	)
	err := e.st.db.QueryRow(ctx, `
SELECT (SELECT tfirst FROM series_raw WHERE series_id = $1 ORDER BY t0 ASC LIMIT 1),
       (SELECT tlast FROM series_raw WHERE series_id = $1 ORDER BY t0 DESC LIMIT 1),
       h.t0, h.counts,
       (SELECT COALESCE(sum(c), 0) FROM series_hour, unnest(counts) AS c WHERE series_id = $1)
FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT t0, counts FROM series_hour WHERE series_id = $1 ORDER BY t0 ASC LIMIT 1) h ON true`,
		s.ID).Scan(&rawFirst, &rawLast, &h0, &firstCounts, &count)
	if err != nil {
		return Extent{}, fmt.Errorf("series: extent: %w", err)
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
	err := st.db.QueryRow(ctx, `
WITH ids AS (SELECT id FROM series WHERE source = $1),
     r AS (DELETE FROM series_raw WHERE series_id IN (SELECT id FROM ids) RETURNING n),
     m AS (DELETE FROM series_minute WHERE series_id IN (SELECT id FROM ids) RETURNING 1),
     h AS (DELETE FROM series_hour WHERE series_id IN (SELECT id FROM ids) RETURNING 1)
SELECT COALESCE((SELECT sum(n) FROM r), 0) -- m and h run too: every data-modifying WITH does`, source).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("series: delete %s points: %w", source, err)
	}
	return n, nil
}
