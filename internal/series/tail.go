package series

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The tail (series_tail, migration 00070) is where live points land.
// Merging a reading into a compressed block rewrites the whole block and
// its rollups, which is right for an import (each block written once) and
// ruinous for a stream, where every batch touches the open block of every
// series: measured before the tail, 5,700 points/s at 50,000 offered, each
// batch of 5,000 rewriting 2,000 growing blocks. Ingest appends a write's
// points with one binary COPY and reads or locks nothing; Compact folds
// them into blocks and rollups a few minutes later, each block rewritten
// once per fold instead of once per batch; every read merges the tail in
// meanwhile, so a point is queryable as soon as its write commits.
//
// A tail row holds one write's points of the series of one bucket (series
// id modulo tailBuckets), at most tailRowPoints of them: a row per series
// per write cost 8-12 µs of index upkeep each (53,000 points/s when each
// write holds one point per series), a row per bucket costs that once for
// dozens of series, and a read of one series decodes only its bucket's
// rows.
//
// Of two writes of one (series, timestamp) the later arrival wins, in
// reads and when folded. A direct write (UpsertPoints, Append, Import)
// first folds the tail of the series it writes, so it wins over points
// that arrived before it.

const (
	// tailBuckets is the number of buckets series are spread over in the
	// tail (the delete trigger of migration 00070 does not depend on it).
	tailBuckets = 64
	// tailRowPoints is the most points a tail row holds: 24 bytes each,
	// so a row stays under the table's toast_tuple_target and is never
	// compressed or moved out of line.
	tailRowPoints = 320
)

// bucketOf is the tail bucket of series id.
func bucketOf(id int64) int32 { return int32(((id % tailBuckets) + tailBuckets) % tailBuckets) }

// fragment is one write's points of one series in the tail, in time
// order without repeats.
type fragment struct {
	seriesID int64
	at       time.Time // arrival: orders writes of the same points
	seq      int64     // commit order among writes of the same arrival
	ts       []int64   // µs since the epoch
	vs       []float64
}

// later orders fragments by arrival, then by seq.
func later(a, b *fragment) int {
	return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
}

// Ingest writes rows of live data to the tail, where every read finds them
// at once and Compact later folds them into blocks and rollups. It is the
// writer for streams (the connectors): one binary COPY of a few rows per
// bucket, no read of the blocks, no lock on the series, so its cost does
// not grow with the blocks.
//
// arrived is when the newest of the rows reached Gemba (zero: now). Of
// two writes of one (series, timestamp) the one that arrived later wins,
// whatever order they commit in, so concurrent writers keep the order of
// arrival. Rows repeating a (series, timestamp) keep the last one; a NaN
// value is a missing reading and is not stored. It returns the number of
// points written.
func (st *Store) Ingest(ctx context.Context, rows []Row, arrived time.Time) (int64, error) {
	rows = dropMissing(rows)
	if len(rows) == 0 {
		return 0, nil
	}
	if err := st.checkRetention(rows); err != nil {
		return 0, fmt.Errorf("series: ingest: %w", err)
	}
	if arrived.IsZero() {
		arrived = st.now()
	}
	frags := fragmentsOf(rows)
	var n int64
	for _, f := range frags {
		n += int64(len(f.ts))
	}
	if _, err := copyIn(ctx, st.db, "series_tail", []string{"bucket", "at", "tfirst", "tlast", "sids", "ts", "vals"},
		encodeTail(packTail(frags), arrived)); err != nil {
		return 0, fmt.Errorf("series: ingest: %w", err)
	}
	return n, nil
}

// fragmentsOf groups rows by series (ascending), each in time order,
// keeping the last row of a repeated (series, timestamp). rows is not
// modified.
func fragmentsOf(rows []Row) []fragment {
	byKey := func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.SeriesID, b.SeriesID), a.TS.Compare(b.TS))
	}
	if !slices.IsSortedFunc(rows, byKey) {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, byKey)
	}
	var out []fragment
	for _, r := range rows {
		t := micros(r.TS)
		if len(out) == 0 || out[len(out)-1].seriesID != r.SeriesID {
			out = append(out, fragment{seriesID: r.SeriesID})
		}
		f := &out[len(out)-1]
		if n := len(f.ts); n > 0 && f.ts[n-1] == t {
			f.vs[n-1] = r.Value // a repeat: the later row wins
			continue
		}
		f.ts = append(f.ts, t)
		f.vs = append(f.vs, r.Value)
	}
	return out
}

// tailRow is one row of series_tail: points of one bucket's series, by
// series ascending and each series' in time order.
type tailRow struct {
	bucket        int32
	sids, ts      []int64
	vs            []float64
	tfirst, tlast int64
}

// packTail cuts fragments (sorted by series) into tail rows: per bucket,
// in bucket order, at most tailRowPoints points a row.
func packTail(frags []fragment) []tailRow {
	byBucket := map[int32][]int{}
	for i, f := range frags {
		b := bucketOf(f.seriesID)
		byBucket[b] = append(byBucket[b], i)
	}
	var out []tailRow
	for _, b := range slices.Sorted(maps.Keys(byBucket)) {
		var cur *tailRow
		for _, i := range byBucket[b] {
			f := frags[i]
			for k, t := range f.ts {
				if cur == nil || len(cur.ts) == tailRowPoints {
					out = append(out, tailRow{bucket: b, tfirst: math.MaxInt64, tlast: math.MinInt64})
					cur = &out[len(out)-1]
				}
				cur.sids = append(cur.sids, f.seriesID)
				cur.ts = append(cur.ts, t)
				cur.vs = append(cur.vs, f.vs[k])
				cur.tfirst, cur.tlast = min(cur.tfirst, t), max(cur.tlast, t)
			}
		}
	}
	return out
}

// encodeTail encodes rows as a binary COPY stream of the columns bucket,
// at, tfirst, tlast, sids, ts, vals.
func encodeTail(rows []tailRow, at time.Time) []byte {
	size := 0
	for _, r := range rows {
		size += 130 + 36*len(r.ts)
	}
	c := newCopyBuf(size)
	atUS := micros(at)
	for _, r := range rows {
		c.row(7)
		c.int4(r.bucket)
		c.timestamptz(atUS)
		c.timestamptz(r.tfirst)
		c.timestamptz(r.tlast)
		c.int8s(r.sids)
		c.int8s(r.ts)
		c.float8s(r.vs)
	}
	return c.bytes()
}

// tailColumns are the columns scanTail reads.
const tailColumns = `at, seq, sids, ts, vals`

// scanTail decodes a tail row selected as tailColumns (at col, col+1, …)
// into its fragments, keeping only the series want holds (nil: all).
func scanTail(rows pgx.Rows, col int, want map[int64]bool, into func(*fragment)) error {
	var (
		at   time.Time
		seq  int64
		sids []int64
		ts   []int64
		vs   []float64
	)
	raw := rows.RawValues()
	if binaryColumns(rows, col+2, col+3, col+4) {
		if raw[col] == nil || raw[col+1] == nil {
			return errors.New("tail row without arrival or seq")
		}
		var tz pgtype.Timestamptz
		if err := pgtype.NewMap().Scan(pgtype.TimestamptzOID, pgx.BinaryFormatCode, raw[col], &tz); err != nil {
			return err
		}
		at = tz.Time
		var err error
		var s pgtype.Int8
		if err = pgtype.NewMap().Scan(pgtype.Int8OID, pgx.BinaryFormatCode, raw[col+1], &s); err != nil {
			return err
		}
		seq = s.Int64
		if sids, err = int8s(raw[col+2], nil); err != nil {
			return err
		}
		if ts, err = int8s(raw[col+3], nil); err != nil {
			return err
		}
		if vs, err = float8s(raw[col+4], nil); err != nil {
			return err
		}
	} else {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		if err := scanAny(vals[col:col+5], &at, &seq, &sids, &ts, &vs); err != nil {
			return err
		}
	}
	if len(sids) != len(ts) || len(ts) != len(vs) {
		return fmt.Errorf("tail row %d: %d series, %d times, %d values", seq, len(sids), len(ts), len(vs))
	}
	for i := 0; i < len(sids); {
		j := i + 1
		for j < len(sids) && sids[j] == sids[i] {
			j++
		}
		if want == nil || want[sids[i]] {
			into(&fragment{seriesID: sids[i], at: at.UTC(), seq: seq, ts: ts[i:j:j], vs: vs[i:j:j]})
		}
		i = j
	}
	return nil
}

// scanAny assigns generically decoded values (the text-format fallback).
func scanAny(vals []any, at *time.Time, seq *int64, sids, ts *[]int64, vs *[]float64) error {
	var ok bool
	if *at, ok = vals[0].(time.Time); !ok {
		return fmt.Errorf("tail row: arrival is %T", vals[0])
	}
	if *seq, ok = vals[1].(int64); !ok {
		return fmt.Errorf("tail row: seq is %T", vals[1])
	}
	ints := func(v any) ([]int64, error) {
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("tail row: %T is not an array", v)
		}
		out := make([]int64, len(a))
		for i, e := range a {
			if out[i], ok = e.(int64); !ok {
				return nil, fmt.Errorf("tail row: element %T", e)
			}
		}
		return out, nil
	}
	var err error
	if *sids, err = ints(vals[2]); err != nil {
		return err
	}
	if *ts, err = ints(vals[3]); err != nil {
		return err
	}
	a, ok := vals[4].([]any)
	if !ok {
		return fmt.Errorf("tail row: %T is not an array", vals[4])
	}
	*vs = make([]float64, len(a))
	for i, e := range a {
		if (*vs)[i], ok = e.(float64); !ok {
			return fmt.Errorf("tail row: element %T", e)
		}
	}
	return nil
}

// flatten returns the points of the fragments of one series, in time
// order, the latest arrival winning on a repeated timestamp. frags is
// sorted in place.
func flatten(id int64, frags []*fragment) rawBlock {
	slices.SortFunc(frags, later)
	n := 0
	ordered := true // live data: each write's points after the previous write's
	var last int64 = math.MinInt64
	for _, f := range frags {
		n += len(f.ts)
		if len(f.ts) > 0 {
			ordered = ordered && f.ts[0] > last
			last = f.ts[len(f.ts)-1]
		}
	}
	if ordered {
		b := rawBlock{seriesID: id, ts: make([]int64, 0, n), vs: make([]float64, 0, n)}
		for _, f := range frags {
			b.ts = append(b.ts, f.ts...)
			b.vs = append(b.vs, f.vs...)
		}
		return b
	}
	type tv struct {
		t int64
		v float64
	}
	all := make([]tv, 0, n)
	for _, f := range frags {
		for i, t := range f.ts {
			all = append(all, tv{t, f.vs[i]})
		}
	}
	// Stable: among repeats the order of arrival is kept, and the last wins.
	slices.SortStableFunc(all, func(a, b tv) int { return cmp.Compare(a.t, b.t) })
	b := rawBlock{seriesID: id, ts: make([]int64, 0, n), vs: make([]float64, 0, n)}
	for i, p := range all {
		if i+1 < len(all) && all[i+1].t == p.t {
			continue
		}
		b.ts = append(b.ts, p.t)
		b.vs = append(b.vs, p.v)
	}
	return b
}

// readTail returns the fragments of the series ids in the tail, per
// series, from rows overlapping [from, to) (every row when to is zero).
func readTail(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, ids []int64, from, to time.Time) (map[int64][]*fragment, error) {
	want := make(map[int64]bool, len(ids))
	var buckets []int32
	for _, id := range ids {
		want[id] = true
		if b := bucketOf(id); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	var rows pgx.Rows
	var err error
	if to.IsZero() {
		rows, err = q.Query(ctx, `SELECT `+tailColumns+` FROM series_tail WHERE bucket = ANY($1)`, buckets)
	} else {
		rows, err = q.Query(ctx, `SELECT t.at, t.seq, t.sids, t.ts, t.vals FROM unnest($1::int[]) AS q(b)
CROSS JOIN LATERAL (SELECT * FROM series_tail WHERE bucket = q.b AND tlast >= $2 AND tfirst < $3) t`, buckets, from, exclusiveBound(to))
	}
	if err != nil {
		return nil, fmt.Errorf("series: read tail: %w", err)
	}
	defer rows.Close()
	out := map[int64][]*fragment{}
	for rows.Next() {
		if err := scanTail(rows, 0, want, func(f *fragment) { out[f.seriesID] = append(out[f.seriesID], f) }); err != nil {
			return nil, fmt.Errorf("series: read tail: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: read tail: %w", err)
	}
	return out, nil
}

// latestReach are how far below the newest row of the tail latestTail
// reads, round after round, for the series not settled yet; after the
// last, it reads the rest.
var latestReach = []time.Duration{time.Minute, 10 * time.Minute}

// latestTail returns the newest point in the tail of each series of ids
// that has one (of points at one timestamp, the latest arrival's). It
// reads the newest rows first: a series whose newest point found is no
// older than the rows read is settled, since a row not read ends before
// it; the others are looked for further down, in rows that hold them. A
// live series is settled in the first round, so a Latest of a whole plant
// reads the last minute of the tail, not all of it.
func latestTail(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}, ids []int64) (map[int64]Point, error) {
	type newest struct {
		frag *fragment // the fragment holding it (its arrival orders ties)
		ts   int64
		v    float64
	}
	found := map[int64]newest{}
	pending := slices.Clone(ids)
	var below time.Time // rows with tlast below it are not read yet (zero: none read)
	for round := 0; len(pending) > 0; round++ {
		want := make(map[int64]bool, len(pending))
		var buckets []int32
		for _, id := range pending {
			want[id] = true
			if b := bucketOf(id); !slices.Contains(buckets, b) {
				buckets = append(buckets, b)
			}
		}
		var (
			rows pgx.Rows
			err  error
			lo   time.Time
		)
		last := round >= len(latestReach)
		switch {
		case round == 0:
			var top pgtype.Timestamptz
			if err := q.QueryRow(ctx, `SELECT max(tlast) FROM series_tail WHERE bucket = ANY($1)`, buckets).Scan(&top); err != nil {
				return nil, fmt.Errorf("series: latest in the tail: %w", err)
			}
			if !top.Valid {
				return map[int64]Point{}, nil // an empty tail
			}
			lo = top.Time.Add(-latestReach[0])
			rows, err = q.Query(ctx, `SELECT `+tailColumns+` FROM series_tail WHERE bucket = ANY($1) AND tlast >= $2`, buckets, lo)
		case last:
			rows, err = q.Query(ctx, `SELECT `+tailColumns+` FROM series_tail WHERE bucket = ANY($1) AND tlast < $2 AND sids && $3`, buckets, below, pending)
		default:
			lo = below.Add(latestReach[round-1] - latestReach[round])
			rows, err = q.Query(ctx, `SELECT `+tailColumns+` FROM series_tail WHERE bucket = ANY($1) AND tlast >= $2 AND tlast < $3 AND sids && $4`, buckets, lo, below, pending)
		}
		if err != nil {
			return nil, fmt.Errorf("series: latest in the tail: %w", err)
		}
		for rows.Next() {
			if err := scanTail(rows, 0, want, func(f *fragment) {
				n := len(f.ts) - 1
				if n < 0 {
					return
				}
				o, ok := found[f.seriesID]
				if !ok || f.ts[n] > o.ts || (f.ts[n] == o.ts && later(f, o.frag) > 0) {
					found[f.seriesID] = newest{frag: f, ts: f.ts[n], v: f.vs[n]}
				}
			}); err != nil {
				rows.Close()
				return nil, fmt.Errorf("series: latest in the tail: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("series: latest in the tail: %w", err)
		}
		if last {
			break
		}
		below = lo
		next := pending[:0]
		for _, id := range pending {
			if o, ok := found[id]; !ok || o.ts < micros(lo) {
				next = append(next, id)
			}
		}
		pending = next
	}
	out := make(map[int64]Point, len(found))
	for id, o := range found {
		out[id] = Point{TS: fromMicros(o.ts), Value: o.v, Count: 1}
	}
	return out, nil
}

// foldBuckets folds the tail rows of buckets into blocks and rollups in
// tx: it takes the rows out (those committed when it runs; later ones
// wait for the next fold), locks their series in name order like every
// writer, and merges their points, the latest arrival winning. Points of
// series deleted meanwhile are dropped. It returns the points folded.
func foldBuckets(ctx context.Context, tx pgx.Tx, buckets []int32) (int64, error) {
	rows, err := tx.Query(ctx, `DELETE FROM series_tail WHERE bucket = ANY($1) RETURNING `+tailColumns, buckets)
	if err != nil {
		return 0, fmt.Errorf("series: fold tail: %w", err)
	}
	bySeries := map[int64][]*fragment{}
	var n int64
	for rows.Next() {
		if err := scanTail(rows, 0, nil, func(f *fragment) {
			bySeries[f.seriesID] = append(bySeries[f.seriesID], f)
			n += int64(len(f.ts))
		}); err != nil {
			rows.Close()
			return 0, fmt.Errorf("series: fold tail: %w", err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("series: fold tail: %w", err)
	}
	if len(bySeries) == 0 {
		return 0, nil
	}
	ids := slices.Sorted(maps.Keys(bySeries))
	info, err := lockSeries(ctx, tx, ids, false)
	if err != nil {
		return 0, err
	}
	var out []Row
	for _, id := range ids {
		if _, ok := info[id]; !ok {
			continue // deleted since its points were written
		}
		b := flatten(id, bySeries[id])
		for i, t := range b.ts {
			out = append(out, Row{SeriesID: id, TS: fromMicros(t), Value: b.vs[i]})
		}
	}
	if len(out) == 0 {
		return n, nil
	}
	return n, mergeRows(ctx, tx, info, out, false)
}

// CompactOptions choose what Compact folds.
type CompactOptions struct {
	// After folds only the buckets of the tail whose oldest write arrived
	// at least After ago (0: the whole tail). Folding rewrites the open
	// block of each series it touches, so the longer points wait the fewer
	// times a block is rewritten; reads merge the tail meanwhile.
	After time.Duration
	// BatchPoints bounds the tail points folded in one transaction
	// (default 200,000); a bucket is never split.
	BatchPoints int
	// Rest spreads the fold out: between transactions Compact waits Rest
	// times as long as the last one took (0: none), so a fold beside a
	// busy writer takes at most 1/(1+Rest) of the time it runs over and
	// leaves the writer the rest.
	Rest float64
	// Folded, when set, is called after each transaction commits with the
	// buckets and points it folded and how long it took: a fold of a busy
	// tail runs for minutes, and its progress is worth seeing meanwhile.
	Folded func(buckets int, points int64, took time.Duration)
}

// CompactReport says what Compact did.
type CompactReport struct {
	// Buckets and Points count the tail buckets folded and their points.
	Buckets int
	Points  int64
	// Waiting counts the buckets left in the tail (not old enough).
	Waiting int
}

// Compact folds the tail into the blocks and rollups: the buckets due (see
// CompactOptions.After), a batch of them per transaction, each fold
// locking its series rows like any other write. Points written while it
// runs stay in the tail for the next fold. It is safe to run from several
// processes at once; within a process, calls take turns.
func (st *Store) Compact(ctx context.Context, opt CompactOptions) (CompactReport, error) {
	if opt.BatchPoints <= 0 {
		opt.BatchPoints = 200_000
	}
	select {
	case st.compacting <- struct{}{}:
		defer func() { <-st.compacting }()
	case <-ctx.Done():
		return CompactReport{}, ctx.Err()
	}
	type due struct {
		bucket     int32
		oldest     time.Time
		points     int64
		tfirst, tl time.Time
	}
	q, err := st.db.Query(ctx, `SELECT bucket, min(at), sum(cardinality(vals))::bigint, min(tfirst), max(tlast) FROM series_tail GROUP BY bucket ORDER BY bucket`)
	if err != nil {
		return CompactReport{}, fmt.Errorf("series: compact: %w", err)
	}
	all, err := pgx.CollectRows(q, func(r pgx.CollectableRow) (due, error) {
		var d due
		err := r.Scan(&d.bucket, &d.oldest, &d.points, &d.tfirst, &d.tl)
		return d, err
	})
	if err != nil {
		return CompactReport{}, fmt.Errorf("series: compact: %w", err)
	}
	var rep CompactReport
	horizon := st.now().Add(-opt.After)
	var batch []due
	var pts int64
	var rest time.Duration // before the next transaction (none after the last)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		buckets := make([]int32, len(batch))
		lo, hi := batch[0].tfirst, batch[0].tl
		for i, d := range batch {
			buckets[i] = d.bucket
			if d.tfirst.Before(lo) {
				lo = d.tfirst
			}
			if d.tl.After(hi) {
				hi = d.tl
			}
		}
		if err := st.ensureRange(ctx, lo, hi); err != nil {
			return err
		}
		if rest > 0 {
			t := time.NewTimer(rest)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
		var n int64
		began := time.Now()
		if err := pgx.BeginFunc(ctx, st.db, func(tx pgx.Tx) error {
			var err error
			n, err = foldBuckets(ctx, tx, buckets)
			return err
		}); err != nil {
			return fmt.Errorf("series: compact: %w", err)
		}
		took := time.Since(began)
		rep.Buckets += len(batch)
		rep.Points += n
		if opt.Folded != nil {
			opt.Folded(len(batch), n, took)
		}
		batch, pts = batch[:0], 0
		rest = time.Duration(float64(took) * opt.Rest)
		return nil
	}
	for _, d := range all {
		if opt.After > 0 && d.oldest.After(horizon) {
			rep.Waiting++
			continue
		}
		if len(batch) > 0 && pts+d.points > int64(opt.BatchPoints) {
			if err := flush(); err != nil {
				return rep, err
			}
		}
		batch = append(batch, d)
		pts += d.points
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, nil
}

// foldFor folds the buckets of the tail that hold points of the series
// ids, before a direct write to them, so that the write wins over points
// that arrived before it. Inside a caller's transaction the fold is part
// of it; on a pool it commits on its own, so the write's transaction
// takes no more locks than its own series'.
func (st *Store) foldFor(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	buckets := make([]int32, 0, len(ids))
	for _, id := range ids {
		if b := bucketOf(id); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	rows, err := st.db.Query(ctx, `SELECT DISTINCT bucket FROM series_tail WHERE bucket = ANY($1) AND sids && $2`, buckets, ids)
	if err != nil {
		return fmt.Errorf("series: fold tail: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("series: fold tail: %w", err)
	}
	if len(due) == 0 {
		return nil
	}
	select {
	case st.compacting <- struct{}{}:
		defer func() { <-st.compacting }()
	case <-ctx.Done():
		return ctx.Err()
	}
	return pgx.BeginFunc(ctx, st.db, func(tx pgx.Tx) error {
		_, err := foldBuckets(ctx, tx, due)
		return err
	})
}

// foldNames is foldFor for the series called names (unknown ones have no
// points anywhere).
func (st *Store) foldNames(ctx context.Context, names []string) error {
	rows, err := st.db.Query(ctx, `SELECT id FROM series WHERE name = ANY($1)`, names)
	if err != nil {
		return fmt.Errorf("series: fold tail: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("series: fold tail: %w", err)
	}
	return st.foldFor(ctx, ids)
}
