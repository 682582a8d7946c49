package series

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Row is one point of one series, as written in bulk.
type Row struct {
	SeriesID int64
	TS       time.Time
	Value    float64
}

// ErrTooOld marks points older than the raw retention: their raw blocks
// are (or are about to be) dropped, so writing them would lose data
// silently. The concrete error is a *TooOldError.
var ErrTooOld = errors.New("older than the raw retention")

// TooOldError reports points written before the raw retention horizon.
type TooOldError struct {
	// Oldest is the oldest point offered; Horizon is the oldest time raw
	// points are kept for (now − GEMBA_SERIES_RAW_RETENTION).
	Oldest, Horizon time.Time
	// Retention is the configured raw retention.
	Retention time.Duration
}

// Error says which points and why.
func (e *TooOldError) Error() string {
	return fmt.Sprintf("points from %s are older than the raw retention of %s (raw data is kept from %s); nothing was written — raise GEMBA_SERIES_RAW_RETENTION to import older history",
		e.Oldest.UTC().Format(time.RFC3339), e.Retention, e.Horizon.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrTooOld) true.
func (e *TooOldError) Is(target error) bool { return target == ErrTooOld }

// Append writes rows of fresh data: a point that is already stored fails
// the whole write (use UpsertPoints when the data may overlap what is
// stored). Rows must not repeat a (series, timestamp) pair; a NaN value is
// a missing reading and is not stored. It returns the number of points
// written.
func (st *Store) Append(ctx context.Context, rows []Row) (int64, error) {
	return st.write(ctx, rows, true)
}

// UpsertPoints writes rows in one transaction, replacing the values of
// points already stored. Rows must not repeat a (series, timestamp) pair.
// It returns the number of points written.
func (st *Store) UpsertPoints(ctx context.Context, rows []Row) (int64, error) {
	return st.write(ctx, rows, false)
}

func (st *Store) write(ctx context.Context, rows []Row, appendOnly bool) (int64, error) {
	rows = dropMissing(rows)
	if len(rows) == 0 {
		return 0, nil
	}
	if err := st.checkRetention(rows); err != nil {
		return 0, fmt.Errorf("series: write: %w", err)
	}
	if err := st.ensurePartitionsFor(ctx, rows); err != nil {
		return 0, err
	}
	if err := st.foldFor(ctx, seriesOf(rows)); err != nil {
		return 0, fmt.Errorf("series: write: %w", err)
	}
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("series: write: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := writeRows(ctx, tx, rows, appendOnly); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("series: write: commit: %w", err)
	}
	return int64(len(rows)), nil
}

// dropMissing leaves out NaN values: a NaN is a missing reading, which
// the blocks store as the absence of a point.
func dropMissing(rows []Row) []Row {
	for i, r := range rows {
		if math.IsNaN(r.Value) {
			kept := slices.Clone(rows[:i])
			for _, r := range rows[i+1:] {
				if !math.IsNaN(r.Value) {
					kept = append(kept, r)
				}
			}
			return kept
		}
	}
	return rows
}

func (st *Store) checkRetention(rows []Row) error {
	if st.opt.RawRetention <= 0 {
		return nil
	}
	horizon := st.now().Add(-st.opt.RawRetention)
	oldest := rows[0].TS
	for _, r := range rows {
		if r.TS.Before(oldest) {
			oldest = r.TS
		}
	}
	if oldest.Before(horizon) {
		return &TooOldError{Oldest: oldest, Horizon: horizon, Retention: st.opt.RawRetention}
	}
	return nil
}

// seriesInfo is what the writer needs of a series.
type seriesInfo struct {
	interval time.Duration
	width    time.Duration
}

// writeRows merges rows into the raw blocks of their series and rewrites
// the rollups of every hour they touch, inside tx:
//
//  1. lock the series rows (FOR NO KEY UPDATE, in name order like every
//     other multi-row writer), so two writers of one series merge in turn
//     instead of one losing the other's points;
//  2. fix each new series' block width;
//  3. read the blocks the rows fall in, merge, and recompute the minute and
//     hour slots of the hours those blocks span;
//  4. delete the old rows and COPY the new ones.
//
// The tail of the series is folded before (Store.foldFor), not here, so
// this transaction locks only its own series.
func writeRows(ctx context.Context, tx pgx.Tx, rows []Row, appendOnly bool) error {
	info, err := lockSeries(ctx, tx, seriesOf(rows), true)
	if err != nil {
		return err
	}
	return mergeRows(ctx, tx, info, rows, appendOnly)
}

// seriesOf returns the series of rows, in order of first appearance.
func seriesOf(rows []Row) []int64 {
	ids := make([]int64, 0, 16)
	seen := map[int64]bool{}
	for _, r := range rows {
		if !seen[r.SeriesID] {
			seen[r.SeriesID] = true
			ids = append(ids, r.SeriesID)
		}
	}
	return ids
}

// mergeRows merges rows into their blocks and rollups (steps 2 to 4 of
// writeRows); info holds the locked series.
func mergeRows(ctx context.Context, tx pgx.Tx, info map[int64]seriesInfo, rows []Row, appendOnly bool) error {
	if err := setWidths(ctx, tx, info, rows); err != nil {
		return err
	}
	add, err := cutBlocks(rows, info)
	if err != nil {
		return err
	}
	keys := make([]rollupKey, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	old, err := readRawBlocks(ctx, tx, keys)
	if err != nil {
		return err
	}
	hours := map[rollupKey]*rollupRow{}
	minutes := map[rollupKey]*rollupRow{}
	raws := make([]rawRow, 0, len(add))
	for _, k := range keys {
		b := add[k]
		o, existed := old[k]
		if existed {
			var clash int64
			var fine bool
			if b, clash, fine = merge(o, b, appendOnly); !fine {
				return fmt.Errorf("series: write: the point of series %d at %s is already stored (use UpsertPoints to replace it)",
					k.id, fromMicros(clash).Format(time.RFC3339Nano))
			}
		}
		si := info[k.id]
		r := b.encode(si.interval)
		r.existed = existed
		raws = append(raws, r)
		var mins map[rollupKey]*rollupRow
		if hasMinutes(si.width) {
			mins = minutes
		}
		rollup(b, si.width, hours, mins)
	}
	if err := overlayHours(ctx, tx, hours); err != nil {
		return err
	}
	return storeBlocks(ctx, tx, raws, minutes, hours)
}

// lockSeries locks the series ids and returns their interval and block
// width (0 for a series never written). A missing series is an error when
// all is set, else it is left out.
func lockSeries(ctx context.Context, tx pgx.Tx, ids []int64, all bool) (map[int64]seriesInfo, error) {
	q, err := tx.Query(ctx, `SELECT id, interval, block FROM series WHERE id = ANY($1) ORDER BY name FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("series: write: lock series: %w", err)
	}
	info := make(map[int64]seriesInfo, len(ids))
	for q.Next() {
		var id int64
		var iv, blk pgtype.Interval
		if err := q.Scan(&id, &iv, &blk); err != nil {
			q.Close()
			return nil, fmt.Errorf("series: write: lock series: %w", err)
		}
		info[id] = seriesInfo{interval: durationOf(iv), width: durationOf(blk)}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("series: write: lock series: %w", err)
	}
	for _, id := range ids {
		if _, ok := info[id]; !ok && all {
			return nil, fmt.Errorf("series: write: no series with id %d", id)
		}
	}
	return info, nil
}

// setWidths fixes the block width of the series of rows written for the
// first time: from the series' interval, else the median spacing of rows.
func setWidths(ctx context.Context, tx pgx.Tx, info map[int64]seriesInfo, rows []Row) error {
	var unset []int64
	var widths []pgtype.Interval
	var gaps map[int64]time.Duration
	for _, id := range seriesOf(rows) {
		si := info[id]
		if si.width > 0 {
			continue
		}
		iv := si.interval
		if iv <= 0 {
			if gaps == nil {
				gaps = medianGaps(rows, info)
			}
			iv = gaps[id]
		}
		si.width = blockWidth(iv)
		info[id] = si
		unset = append(unset, id)
		widths = append(widths, intervalArg(si.width))
	}
	if len(unset) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE series s SET block = u.block FROM unnest($1::bigint[], $2::interval[]) AS u(id, block) WHERE s.id = u.id`, unset, widths); err != nil {
			return fmt.Errorf("series: write: block width: %w", err)
		}
	}
	return nil
}

// medianGaps returns the median spacing of the rows of each series that
// has neither a block width nor an interval in info (absent: unknown), in
// one pass over rows.
func medianGaps(rows []Row, info map[int64]seriesInfo) map[int64]time.Duration {
	ts := map[int64][]time.Time{}
	for _, r := range rows {
		if si := info[r.SeriesID]; si.width <= 0 && si.interval <= 0 {
			ts[r.SeriesID] = append(ts[r.SeriesID], r.TS)
		}
	}
	out := make(map[int64]time.Duration, len(ts))
	for id, t := range ts {
		if g := medianGap(t); g > 0 {
			out[id] = g
		}
	}
	return out
}

// medianGap is the median spacing of ts (0 if unknown); ts is sorted in
// place.
func medianGap(ts []time.Time) time.Duration {
	if len(ts) < 2 {
		return 0
	}
	slices.SortFunc(ts, time.Time.Compare)
	gaps := make([]time.Duration, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		if g := ts[i].Sub(ts[i-1]); g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[(len(gaps)-1)/2]
}

// cutBlocks groups rows into blocks, each in time order; a repeated
// (series, timestamp) pair is an error.
func cutBlocks(rows []Row, info map[int64]seriesInfo) (map[rollupKey]rawBlock, error) {
	out := map[rollupKey]rawBlock{}
	var (
		cur    rollupKey
		curEnd time.Time
		blk    rawBlock
		have   bool
	)
	flush := func() {
		if have {
			if prev, ok := out[cur]; ok {
				prev.ts = append(prev.ts, blk.ts...)
				prev.vs = append(prev.vs, blk.vs...)
				blk = prev
			}
			out[cur] = blk
		}
	}
	for _, r := range rows {
		ts := r.TS.UTC()
		if !have || r.SeriesID != cur.id || ts.Before(cur.t0) || !ts.Before(curEnd) {
			flush()
			width := info[r.SeriesID].width
			cur = rollupKey{r.SeriesID, blockStart(ts, width)}
			curEnd = cur.t0.Add(width)
			blk = rawBlock{seriesID: r.SeriesID, t0: cur.t0}
			have = true
		}
		blk.ts = append(blk.ts, micros(ts))
		blk.vs = append(blk.vs, r.Value)
	}
	flush()
	for k, b := range out {
		if !sort.SliceIsSorted(b.ts, func(i, j int) bool { return b.ts[i] < b.ts[j] }) {
			idx := make([]int, len(b.ts))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(i, j int) bool { return b.ts[idx[i]] < b.ts[idx[j]] })
			ts, vs := make([]int64, len(idx)), make([]float64, len(idx))
			for i, j := range idx {
				ts[i], vs[i] = b.ts[j], b.vs[j]
			}
			b.ts, b.vs = ts, vs
			out[k] = b
		}
		for i := 1; i < len(b.ts); i++ {
			if b.ts[i] == b.ts[i-1] {
				return nil, fmt.Errorf("series: write: series %d has two points at %s", k.id, fromMicros(b.ts[i]).Format(time.RFC3339Nano))
			}
		}
	}
	return out, nil
}

const rawColumns = `series_id, t0, tfirst, tlast, n, step_us, offs, vals`

func scanRaw(row pgx.Row) (rawRow, error) {
	var r rawRow
	if err := row.Scan(&r.seriesID, &r.t0, &r.tfirst, &r.tlast, &r.n, &r.stepUS, &r.offs, &r.vals); err != nil {
		return rawRow{}, err
	}
	r.t0, r.tfirst, r.tlast = r.t0.UTC(), r.tfirst.UTC(), r.tlast.UTC()
	return r, nil
}

// readRawBlocks reads and decodes the stored blocks with the given keys.
func readRawBlocks(ctx context.Context, tx pgx.Tx, keys []rollupKey) (map[rollupKey]rawBlock, error) {
	ids, t0s := splitKeys(keys)
	q, err := tx.Query(ctx, `SELECT `+rawColumns+` FROM series_raw r
WHERE (r.series_id, r.t0) IN (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]))`, ids, t0s)
	if err != nil {
		return nil, fmt.Errorf("series: write: read blocks: %w", err)
	}
	defer q.Close()
	out := map[rollupKey]rawBlock{}
	fast := binaryColumns(q, 6, 7)
	var vals []float64
	var offs []int64
	for q.Next() {
		var b rawBlock
		if fast {
			b, vals, offs, err = scanRawBlock(q, vals, offs)
		} else {
			var r rawRow
			if r, err = scanRaw(q); err == nil {
				b = r.decode()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("series: write: read blocks: %w", err)
		}
		out[rollupKey{b.seriesID, b.t0}] = b
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("series: write: read blocks: %w", err)
	}
	return out, nil
}

func splitKeys(keys []rollupKey) ([]int64, []time.Time) {
	ids := make([]int64, len(keys))
	t0s := make([]time.Time, len(keys))
	for i, k := range keys {
		ids[i], t0s[i] = k.id, k.t0
	}
	return ids, t0s
}

const rollupColumns = `series_id, t0, mins, maxs, means, counts, lasts`

func scanRollup(row pgx.Row) (*rollupRow, error) {
	r := &rollupRow{}
	if err := row.Scan(&r.seriesID, &r.t0, &r.mins, &r.maxs, &r.means, &r.counts, &r.lasts); err != nil {
		return nil, err
	}
	r.t0 = r.t0.UTC()
	return r, nil
}

// scanRollupFast is scanRollup decoding the arrays from the binary wire
// format itself.
func scanRollupFast(rows pgx.Rows) (*rollupRow, error) {
	r := &rollupRow{}
	if err := rows.Scan(&r.seriesID, &r.t0, nil, nil, nil, nil, nil); err != nil {
		return nil, err
	}
	r.t0 = r.t0.UTC()
	raw := rows.RawValues()
	floats := func(b []byte) ([]pgtype.Float8, error) {
		vs, err := float8s(b, nil)
		out := make([]pgtype.Float8, len(vs))
		for i, v := range vs {
			out[i] = pgtype.Float8{Float64: v, Valid: !math.IsNaN(v)}
		}
		return out, err
	}
	var err error
	if r.mins, err = floats(raw[2]); err != nil {
		return nil, err
	}
	if r.maxs, err = floats(raw[3]); err != nil {
		return nil, err
	}
	if r.means, err = floats(raw[4]); err != nil {
		return nil, err
	}
	if r.lasts, err = floats(raw[6]); err != nil {
		return nil, err
	}
	r.counts = make([]pgtype.Int4, 0, len(r.means))
	err = arrayElems(raw[5], func(_ int, e []byte) {
		c := pgtype.Int4{}
		if len(e) == 4 {
			c = pgtype.Int4{Int32: int32(binary.BigEndian.Uint32(e)), Valid: true} //nolint:gosec // a wire field
		}
		r.counts = append(r.counts, c)
	})
	return r, err
}

// overlayHours fills the hour slots a write did not recompute (a day row
// is shared by the 24 hour blocks of a fast series) from the stored rows.
func overlayHours(ctx context.Context, tx pgx.Tx, hours map[rollupKey]*rollupRow) error {
	// Rows that the write recomputed whole are read too: they replace a
	// stored row, which must be deleted first.
	all := make([]rollupKey, 0, len(hours))
	for k := range hours {
		all = append(all, k)
	}
	ids, t0s := splitKeys(all)
	q, err := tx.Query(ctx, `SELECT `+rollupColumns+` FROM series_hour
WHERE (series_id, t0) IN (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]))`, ids, t0s)
	if err != nil {
		return fmt.Errorf("series: write: read hour rollups: %w", err)
	}
	defer q.Close()
	fast := binaryColumns(q, 2, 3, 4, 5, 6)
	for q.Next() {
		var old *rollupRow
		if fast {
			old, err = scanRollupFast(q)
		} else {
			old, err = scanRollup(q)
		}
		if err != nil {
			return fmt.Errorf("series: write: read hour rollups: %w", err)
		}
		r := hours[rollupKey{old.seriesID, old.t0}]
		r.existed = true
		r.overlay(old)
	}
	if err := q.Err(); err != nil {
		return fmt.Errorf("series: write: read hour rollups: %w", err)
	}
	return nil
}

// storeBlocks replaces the stored rows of the written blocks and rollups:
// DELETE the ones that existed, COPY the new ones (empty rollup rows are
// only deleted).
func storeBlocks(ctx context.Context, tx pgx.Tx, raws []rawRow, minutes, hours map[rollupKey]*rollupRow) error {
	var delRaw []rollupKey
	for _, r := range raws {
		if r.existed {
			delRaw = append(delRaw, rollupKey{r.seriesID, r.t0})
		}
	}
	if err := deleteKeys(ctx, tx, "series_raw", delRaw); err != nil {
		return err
	}
	// Every minute row of a rewritten hour block is replaced whether or
	// not it existed; deleting by key is cheap on the primary key.
	var delMin []rollupKey
	for k := range minutes {
		delMin = append(delMin, k)
	}
	if err := deleteKeys(ctx, tx, "series_minute", delMin); err != nil {
		return err
	}
	var delHour []rollupKey
	for k, r := range hours {
		if r.existed {
			delHour = append(delHour, k)
		}
	}
	if err := deleteKeys(ctx, tx, "series_hour", delHour); err != nil {
		return err
	}
	// Rows go in key order: COPY into the partitions stays local.
	sort.Slice(raws, func(i, j int) bool {
		if raws[i].seriesID != raws[j].seriesID {
			return raws[i].seriesID < raws[j].seriesID
		}
		return raws[i].t0.Before(raws[j].t0)
	})
	size := 0
	for _, r := range raws {
		size += 120 + 12*(len(r.vals)+len(r.offs))
	}
	c := newCopyBuf(size)
	for _, r := range raws {
		c.row(8)
		c.int8(r.seriesID)
		c.time(r.t0)
		c.time(r.tfirst)
		c.time(r.tlast)
		c.int4(r.n)
		c.int8(r.stepUS)
		if r.offs != nil {
			c.int8s(r.offs)
		} else {
			c.null()
		}
		c.nullFloat8s(r.vals)
	}
	if _, err := copyIn(ctx, tx, "series_raw", []string{"series_id", "t0", "tfirst", "tlast", "n", "step_us", "offs", "vals"}, c.bytes()); err != nil {
		return fmt.Errorf("series: write: copy blocks: %w", err)
	}
	for _, t := range []struct {
		table string
		rows  map[rollupKey]*rollupRow
	}{{"series_minute", minutes}, {"series_hour", hours}} {
		list := make([]*rollupRow, 0, len(t.rows))
		for _, r := range t.rows {
			if !r.empty() {
				list = append(list, r)
			}
		}
		if len(list) == 0 {
			continue
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].seriesID != list[j].seriesID {
				return list[i].seriesID < list[j].seriesID
			}
			return list[i].t0.Before(list[j].t0)
		})
		c := newCopyBuf(len(list) * (80 + 5*12*len(list[0].means)))
		for _, r := range list {
			c.row(7)
			c.int8(r.seriesID)
			c.time(r.t0)
			c.nullFloat8s(r.mins)
			c.nullFloat8s(r.maxs)
			c.nullFloat8s(r.means)
			c.nullInt4s(r.counts)
			c.nullFloat8s(r.lasts)
		}
		if _, err := copyIn(ctx, tx, t.table, []string{"series_id", "t0", "mins", "maxs", "means", "counts", "lasts"}, c.bytes()); err != nil {
			return fmt.Errorf("series: write: copy %s: %w", t.table, err)
		}
	}
	return nil
}

func deleteKeys(ctx context.Context, tx pgx.Tx, table string, keys []rollupKey) error {
	if len(keys) == 0 {
		return nil
	}
	ids, t0s := splitKeys(keys)
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE (series_id, t0) IN (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]))`, ids, t0s); err != nil {
		return fmt.Errorf("series: write: replace %s: %w", table, err)
	}
	return nil
}
