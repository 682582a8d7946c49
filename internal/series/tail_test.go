package series_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// ingestWrite is one Ingest call of a test: rows that arrived at arrived.
type ingestWrite struct {
	arrived time.Time
	rows    []series.Row
}

// applyWrites is what the store must hold after the writes: per series,
// timestamp → value, the latest arrival winning, NaN meaning nothing.
func applyWrites(base map[int64]map[time.Time]float64, writes []ingestWrite) map[int64]map[time.Time]float64 {
	out := map[int64]map[time.Time]float64{}
	for id, m := range base {
		out[id] = maps.Clone(m)
	}
	byArrival := slices.Clone(writes)
	slices.SortStableFunc(byArrival, func(a, b ingestWrite) int { return a.arrived.Compare(b.arrived) })
	for _, w := range byArrival {
		for _, r := range w.rows {
			if math.IsNaN(r.Value) {
				continue
			}
			if out[r.SeriesID] == nil {
				out[r.SeriesID] = map[time.Time]float64{}
			}
			out[r.SeriesID][r.TS.UTC()] = r.Value
		}
	}
	return out
}

func sortedPoints(m map[time.Time]float64) []series.Point {
	out := make([]series.Point, 0, len(m))
	for _, ts := range slices.SortedFunc(maps.Keys(m), time.Time.Compare) {
		out = append(out, series.Point{TS: ts, Value: m[ts], Count: 1})
	}
	return out
}

// slotMeans averages points into slots of step aligned on the Unix epoch.
func slotMeans(pts []series.Point, step time.Duration) []series.Point {
	var out []series.Point
	for _, p := range pts {
		s := time.Unix(0, 0).UTC().Add(p.TS.Sub(time.Unix(0, 0)).Truncate(step))
		if len(out) == 0 || !out[len(out)-1].TS.Equal(s) {
			out = append(out, series.Point{TS: s})
		}
		o := &out[len(out)-1]
		o.Value += p.Value
		o.Count++
	}
	for i := range out {
		out[i].Value /= float64(out[i].Count)
	}
	return out
}

func requireSlots(t *testing.T, want, got []series.Point, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		require.Equal(t, want[i].TS, got[i].TS.UTC(), "%s slot %d", what, i)
		require.Equal(t, want[i].Count, got[i].Count, "%s slot %d", what, i)
		require.InDelta(t, want[i].Value, got[i].Value, 1e-9, "%s slot %d", what, i)
	}
}

// checkReads reads every series of want through every read path and
// compares with want (per series, timestamp → value).
func checkReads(t *testing.T, st *series.Store, q db.DBTX, ss []series.Series, want map[int64]map[time.Time]float64, from, to time.Time, stage string) {
	t.Helper()
	ctx := context.Background()
	raw, err := st.Points(ctx, ss, from, to, 0)
	require.NoError(t, err)
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
		exp := sortedPoints(want[s.ID])
		require.Equal(t, exp, utcPoints(raw[s.ID]), "%s: raw points of %s", stage, s.Name)
		for _, step := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour} {
			got, err := st.Points(ctx, []series.Series{s}, from, to, step)
			require.NoError(t, err)
			requireSlots(t, slotMeans(exp, step), got[s.ID], fmt.Sprintf("%s: %s at %s", stage, s.Name, step))
		}
	}
	latest, err := st.Latest(ctx, ids)
	require.NoError(t, err)
	for _, s := range ss {
		exp := sortedPoints(want[s.ID])
		require.Equal(t, exp[len(exp)-1], series.Point{TS: latest[s.ID].TS.UTC(), Value: latest[s.ID].Value, Count: 1}, "%s: latest of %s", stage, s.Name)
	}
	// The points view: one row per point, blocks and tail together.
	rows, err := q.Query(ctx, `SELECT series_id, ts, value FROM points WHERE series_id = ANY($1) ORDER BY series_id, ts`, ids)
	require.NoError(t, err)
	got := map[int64]map[time.Time]float64{}
	n := 0
	for rows.Next() {
		var id int64
		var ts time.Time
		var v float64
		require.NoError(t, rows.Scan(&id, &ts, &v))
		if got[id] == nil {
			got[id] = map[time.Time]float64{}
		}
		got[id][ts.UTC()] = v
		n++
	}
	require.NoError(t, rows.Err())
	want2 := map[int64]map[time.Time]float64{}
	total := 0
	for _, s := range ss {
		want2[s.ID] = want[s.ID]
		total += len(want[s.ID])
	}
	require.Equal(t, want2, got, "%s: the points view", stage)
	require.Equal(t, total, n, "%s: the points view holds each point once", stage)
}

func utcPoints(pts []series.Point) []series.Point {
	out := make([]series.Point, len(pts))
	for i, p := range pts {
		out[i] = series.Point{TS: p.TS.UTC(), Value: p.Value, Count: p.Count}
	}
	return out
}

// tailFixture is a fast series (10 s, hour blocks with minute rollups)
// with two hours stored, and a series of unknown interval never written;
// then live writes to both, out of arrival order, replacing stored points
// and each other's.
func tailFixture(t *testing.T, st *series.Store) ([]series.Series, map[int64]map[time.Time]float64, []ingestWrite) {
	t.Helper()
	ctx := context.Background()
	fast, err := st.Upsert(ctx, series.Series{Name: "tail-fast.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	odd, err := st.Upsert(ctx, series.Series{Name: "tail-odd.v"})
	require.NoError(t, err)
	base := map[int64]map[time.Time]float64{fast.ID: {}}
	var stored []series.Row
	for k := range 720 {
		ts := t0.Add(time.Duration(k) * 10 * time.Second)
		stored = append(stored, series.Row{SeriesID: fast.ID, TS: ts, Value: float64(k)})
		base[fast.ID][ts] = float64(k)
	}
	_, err = st.UpsertPoints(ctx, stored)
	require.NoError(t, err)

	arrive := t0.Add(3 * time.Hour)
	var w1, w2, w3, w4 []series.Row
	for k := range 31 { // a new hour block
		w1 = append(w1, series.Row{SeriesID: fast.ID, TS: t0.Add(2*time.Hour + time.Duration(k)*10*time.Second), Value: 1000 + float64(k)})
	}
	w1 = append(w1, series.Row{SeriesID: fast.ID, TS: t0.Add(100 * time.Second), Value: -1}) // replaces a stored point
	w2 = append(w2,
		series.Row{SeriesID: fast.ID, TS: t0.Add(100 * time.Second), Value: -2},             // arrived before w1: loses
		series.Row{SeriesID: fast.ID, TS: t0.Add(2*time.Hour + 10*time.Second), Value: -3},  // idem
		series.Row{SeriesID: fast.ID, TS: t0.Add(2*time.Hour + 25*time.Minute), Value: 2.5}) // new
	ts := t0.Add(90 * time.Minute)
	for k := range 50 {
		ts = ts.Add(time.Duration(13+k%7)*time.Second + time.Duration(k%3)*123457*time.Microsecond)
		v := float64(k) / 4
		if k == 17 {
			v = math.NaN() // missing: not stored
		}
		w3 = append(w3, series.Row{SeriesID: odd.ID, TS: ts, Value: v})
	}
	w4 = append(w4,
		series.Row{SeriesID: fast.ID, TS: t0.Add(2*time.Hour + 300*time.Second), Value: 42},
		series.Row{SeriesID: odd.ID, TS: w3[5].TS, Value: 7})
	writes := []ingestWrite{
		{arrive.Add(2 * time.Second), w1},
		{arrive.Add(time.Second), w2}, // committed after w1, arrived before
		{arrive.Add(3 * time.Second), w3},
		{arrive.Add(4 * time.Second), w4},
	}
	for _, w := range writes {
		_, err := st.Ingest(ctx, w.rows, w.arrived)
		require.NoError(t, err)
	}
	return []series.Series{fast, odd}, applyWrites(base, writes), writes
}

// TestIngestIsReadAtOnceAndFoldsIntoTheSameBlocks: points written to the
// tail are read by every read path at once (raw, minute and hour means,
// latest, the points view), the later arrival winning; Compact folds them
// into exactly the blocks and rollups that UpsertPoints of the same
// points writes, and every read answers the same after.
func TestIngestIsReadAtOnceAndFoldsIntoTheSameBlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	ss, want, _ := tailFixture(t, st)
	from, to := t0.Add(-time.Hour), t0.Add(4*time.Hour)
	checkReads(t, st, tx, ss, want, from, to, "in the tail")

	b, err := st.WindowBounds(ctx, []int64{ss[1].ID}, from, to)
	require.NoError(t, err)
	odd := sortedPoints(want[ss[1].ID])
	require.Equal(t, series.Bounds{First: odd[0].TS, Last: odd[len(odd)-1].TS}, series.Bounds{First: b[ss[1].ID].First.UTC(), Last: b[ss[1].ID].Last.UTC()})
	ext, err := st.Extent(ctx, ss[1].ID)
	require.NoError(t, err)
	require.Equal(t, odd[0].TS, ext.First.UTC())
	require.Equal(t, odd[len(odd)-1].TS, ext.Last.UTC())

	rep, err := st.Compact(ctx, series.CompactOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, rep.Buckets)
	var tail int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM series_tail`).Scan(&tail))
	require.Zero(t, tail, "the tail is folded")
	checkReads(t, st, tx, ss, want, from, to, "folded")
	ext, err = st.Extent(ctx, ss[0].ID)
	require.NoError(t, err)
	require.EqualValues(t, len(want[ss[0].ID]), ext.Count)

	// Twins written directly with the final points hold the same blocks
	// and rollups.
	for _, s := range ss {
		twin, err := st.Upsert(ctx, series.Series{Name: "twin-" + s.Name, Interval: s.Interval})
		require.NoError(t, err)
		var rows []series.Row
		for _, p := range sortedPoints(want[s.ID]) {
			rows = append(rows, series.Row{SeriesID: twin.ID, TS: p.TS, Value: p.Value})
		}
		_, err = st.UpsertPoints(ctx, rows)
		require.NoError(t, err)
		for _, q := range []string{
			`SELECT t0, tfirst, tlast, n, step_us, offs::text, vals::text FROM series_raw WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_minute WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_hour WHERE series_id = $1 ORDER BY t0`,
		} {
			require.Equal(t, dumpTx(t, tx, q, twin.ID), dumpTx(t, tx, q, s.ID), "%s: %s", s.Name, q)
		}
	}
}

func dumpTx(t *testing.T, q db.DBTX, sql string, id int64) [][]any {
	t.Helper()
	rows, err := q.Query(context.Background(), sql, id)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err)
	return out
}

// TestDirectWritesWinOverTheTail: UpsertPoints after Ingest replaces the
// tail's point (the tail is folded first), and Append refuses a point the
// tail holds.
func TestDirectWritesWinOverTheTail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	s, err := st.Upsert(ctx, series.Series{Name: "direct.v", Interval: time.Minute})
	require.NoError(t, err)
	_, err = st.Ingest(ctx, []series.Row{{SeriesID: s.ID, TS: t0, Value: 1}, {SeriesID: s.ID, TS: t0.Add(time.Minute), Value: 2}}, time.Time{})
	require.NoError(t, err)
	_, err = st.UpsertPoints(ctx, []series.Row{{SeriesID: s.ID, TS: t0, Value: 10}})
	require.NoError(t, err)
	pts, err := st.Points(ctx, []series.Series{s}, t0, t0.Add(time.Hour), 0)
	require.NoError(t, err)
	require.Equal(t, []float64{10, 2}, []float64{pts[s.ID][0].Value, pts[s.ID][1].Value})

	_, err = st.Ingest(ctx, []series.Row{{SeriesID: s.ID, TS: t0.Add(2 * time.Minute), Value: 3}}, time.Time{})
	require.NoError(t, err)
	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: t0.Add(2 * time.Minute), Value: 4}})
	require.ErrorContains(t, err, "already stored")

	// An import of the series over live points: the file's points win
	// where they meet, the live ones stay elsewhere, each point once.
	_, err = st.Ingest(ctx, []series.Row{{SeriesID: s.ID, TS: t0.Add(3 * time.Minute), Value: 5}, {SeriesID: s.ID, TS: t0.Add(4 * time.Minute), Value: 6}}, time.Time{})
	require.NoError(t, err)
	file := "series,timestamp,value\n" +
		"direct.v," + t0.Add(4*time.Minute).Format(time.RFC3339) + ",60\n" +
		"direct.v," + t0.Add(5*time.Minute).Format(time.RFC3339) + ",70\n"
	res, err := st.Import(ctx, strings.NewReader(file), series.ImportOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Points)
	pts, err = st.Points(ctx, []series.Series{s}, t0, t0.Add(time.Hour), 0)
	require.NoError(t, err)
	var vals []float64
	for _, p := range pts[s.ID] {
		vals = append(vals, p.Value)
	}
	require.Equal(t, []float64{10, 2, 3, 5, 60, 70}, vals)
	var n int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM points WHERE series_id = $1`, s.ID).Scan(&n))
	require.Equal(t, 6, n)
}

// TestCompactAfterFoldsOnlyWhatWaited: with After, only the series whose
// oldest write waited that long are folded; the others stay readable in
// the tail.
func TestCompactAfterFoldsOnlyWhatWaited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	now := t0.Add(time.Hour)
	st := series.New(tx, series.WithClock(func() time.Time { return now }))
	a, err := st.Upsert(ctx, series.Series{Name: "after-a.v"})
	require.NoError(t, err)
	b, err := st.Upsert(ctx, series.Series{Name: "after-b.v"})
	require.NoError(t, err)
	_, err = st.Ingest(ctx, []series.Row{{SeriesID: a.ID, TS: t0, Value: 1}}, now.Add(-3*time.Minute))
	require.NoError(t, err)
	_, err = st.Ingest(ctx, []series.Row{{SeriesID: a.ID, TS: t0.Add(time.Second), Value: 2}, {SeriesID: b.ID, TS: t0, Value: 3}}, now.Add(-30*time.Second))
	require.NoError(t, err)
	rep, err := st.Compact(ctx, series.CompactOptions{After: time.Minute})
	require.NoError(t, err)
	require.Equal(t, series.CompactReport{Buckets: 1, Points: 2, Waiting: 1}, rep, "a waited 3 minutes (both its writes fold), b 30 s")
	var left []int64
	rows, err := tx.Query(ctx, `SELECT DISTINCT unnest(sids) FROM series_tail`)
	require.NoError(t, err)
	left, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Equal(t, []int64{b.ID}, left)
	pts, err := st.Points(ctx, []series.Series{a, b}, t0, t0.Add(time.Minute), 0)
	require.NoError(t, err)
	require.Len(t, pts[a.ID], 2)
	require.Len(t, pts[b.ID], 1)

	// Maintain folds everything.
	mrep, err := st.Maintain(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, mrep.Folded)
}

// TestCompactWhileIngestingLosesNothing: folds running while writers keep
// ingesting (each fold takes only what was committed when it ran) leave
// every point stored once, with its value.
func TestCompactWhileIngestingLosesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	st := series.New(pool)
	const nseries, writes, per = 20, 60, 5
	ids := make([]int64, nseries)
	for i := range ids {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("busy-%02d.v", i), Interval: time.Second})
		require.NoError(t, err)
		ids[i] = s.ID
	}
	base := time.Now().UTC().Truncate(time.Hour)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 2 {
		wg.Go(func() {
			for k := w; k < writes; k += 2 {
				var rows []series.Row
				for _, id := range ids {
					for j := range per {
						rows = append(rows, series.Row{SeriesID: id, TS: base.Add(time.Duration(k*per+j) * time.Second), Value: float64(k*per + j)})
					}
				}
				_, err := st.Ingest(ctx, rows, time.Time{})
				require.NoError(t, err)
			}
		})
	}
	folds := 0
	var cwg sync.WaitGroup
	cwg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			_, err := st.Compact(ctx, series.CompactOptions{BatchPoints: 200})
			require.NoError(t, err)
			folds++
		}
	})
	wg.Wait()
	close(done)
	cwg.Wait()
	_, err := st.Compact(ctx, series.CompactOptions{})
	require.NoError(t, err)
	t.Logf("%d folds ran while ingesting", folds)
	var n, distinct int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT (series_id, ts)) FROM points`).Scan(&n, &distinct))
	require.Equal(t, nseries*writes*per, n)
	require.Equal(t, n, distinct)
	pts, err := st.Points(ctx, []series.Series{{ID: ids[7]}}, base, base.Add(time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, pts[ids[7]], writes*per)
	for i, p := range pts[ids[7]] {
		require.Equal(t, float64(i), p.Value)
	}
}

// TestTailRowsSharedBySeries: the tail keeps a write's points of the
// series of one bucket together in rows of bounded size; each series
// still reads only its own points, a fold takes the bucket whole, and a
// deleted series (or a deleted source) takes its points out of the shared
// rows, leaving the others'.
func TestTailRowsSharedBySeries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	// 130 series: ids span more than the 64 buckets, so rows are shared.
	var ss []series.Series
	for i := range 130 {
		src := ""
		if i%2 == 1 {
			src = "gone"
		}
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("shared-%03d.v", i), Interval: time.Second, Source: src})
		require.NoError(t, err)
		ss = append(ss, s)
	}
	want := map[int64]map[time.Time]float64{}
	var rows []series.Row
	for i, s := range ss {
		want[s.ID] = map[time.Time]float64{}
		n := 3
		if i < 2 {
			n = 700 // more than a row holds
		}
		for k := range n {
			ts := t0.Add(time.Duration(k) * time.Second)
			v := float64(i*1000 + k)
			rows = append(rows, series.Row{SeriesID: s.ID, TS: ts, Value: v})
			want[s.ID][ts] = v
		}
	}
	_, err := st.Ingest(ctx, rows, time.Time{})
	require.NoError(t, err)
	var tailRows, maxPoints, sharing int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*), max(cardinality(vals)),
  count(*) FILTER (WHERE (SELECT count(DISTINCT s) FROM unnest(sids) AS s) > 1) FROM series_tail`).Scan(&tailRows, &maxPoints, &sharing))
	require.LessOrEqual(t, maxPoints, 320, "a tail row holds at most 320 points")
	require.Positive(t, sharing, "series of one bucket share rows")
	require.Less(t, tailRows, len(ss), "fewer rows than series")
	checkReads(t, st, tx, ss[:5], want, t0, t0.Add(time.Hour), "shared rows")

	// Deleting a series (the catalog's trigger) removes its tail points only.
	_, err = tx.Exec(ctx, `DELETE FROM series WHERE id = $1`, ss[67].ID)
	require.NoError(t, err)
	var left int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM points WHERE series_id = $1`, ss[67].ID).Scan(&left))
	require.Zero(t, left)
	checkReads(t, st, tx, []series.Series{ss[2], ss[3], ss[66], ss[68]}, want, t0, t0.Add(time.Hour), "after a delete")

	// Deleting a source: its series' points leave the tail, the others stay.
	n, err := st.DeleteSource(ctx, "gone")
	require.NoError(t, err)
	require.EqualValues(t, 700+63*3, n, "series 1 (700 points) and 63 others of 3 (67 was deleted before)")
	var kept []series.Series
	for i, s := range ss {
		if i%2 == 0 {
			kept = append(kept, s)
		}
	}
	checkReads(t, st, tx, kept, want, t0, t0.Add(time.Hour), "after deleting a source")
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id WHERE s.source = 'gone'`).Scan(&left))
	require.Zero(t, left)

	rep, err := st.Compact(ctx, series.CompactOptions{})
	require.NoError(t, err)
	require.LessOrEqual(t, rep.Buckets, 64)
	require.EqualValues(t, 700+64*3, rep.Points, "series 0 (700 points) and 64 others of 3")
	checkReads(t, st, tx, kept, want, t0, t0.Add(time.Hour), "folded")
}

// TestDeleteAndRenameReachTheTail: deleting an asset removes every point of
// its series from the tail, also from rows that several of them share
// (one DELETE of many series), and reports them; the other series keep
// theirs. Renaming an asset keeps its live points with its series.
func TestDeleteAndRenameReachTheTail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	// 130 series, alternately of two assets: ids 64 apart share a bucket,
	// so tail rows hold several series of each asset.
	var ss []series.Series
	want := map[int64]map[time.Time]float64{}
	var stored, live []series.Row
	for i := range 130 {
		asset := []string{"even", "odd"}[i%2]
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("%s.v%03d", asset, i), Asset: asset, Sensor: fmt.Sprintf("v%03d", i), Interval: time.Second})
		require.NoError(t, err)
		ss = append(ss, s)
		want[s.ID] = map[time.Time]float64{}
		for k := range 6 {
			ts := t0.Add(time.Duration(k) * time.Second)
			r := series.Row{SeriesID: s.ID, TS: ts, Value: float64(i*10 + k)}
			if k < 3 {
				stored = append(stored, r)
			} else {
				live = append(live, r)
			}
			want[s.ID][ts] = r.Value
		}
	}
	_, err := st.Append(ctx, stored)
	require.NoError(t, err)
	_, err = st.Ingest(ctx, live, time.Time{})
	require.NoError(t, err)
	var shared int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM series_tail t
WHERE (SELECT count(DISTINCT u) FROM unnest(t.sids) AS u JOIN series s ON s.id = u WHERE s.asset = 'odd') > 1`).Scan(&shared))
	require.Positive(t, shared, "tail rows shared by series of the asset deleted")

	plan, err := st.DeletePlan(ctx, series.Selector{Asset: "odd"})
	require.NoError(t, err)
	require.EqualValues(t, 65*6, plan.Points, "blocks and tail")
	rep, err := st.Delete(ctx, series.Selector{Asset: "odd"})
	require.NoError(t, err)
	require.Equal(t, plan, rep)
	var left int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM series_tail t, unnest(t.sids) AS u(s) WHERE NOT EXISTS (SELECT 1 FROM series WHERE id = u.s)`).Scan(&left))
	require.Zero(t, left, "no point of a deleted series is left in the tail")
	var even []series.Series
	for i, s := range ss {
		if i%2 == 0 {
			even = append(even, s)
		}
	}
	checkReads(t, st, tx, even, want, t0, t0.Add(time.Hour), "after deleting an asset")

	renamed, err := st.RenameAsset(ctx, "even", "pair")
	require.NoError(t, err)
	require.Len(t, renamed, 65)
	var pair []series.Series
	for _, r := range renamed {
		s, err := st.Lookup(ctx, r.New)
		require.NoError(t, err)
		pair = append(pair, s)
	}
	checkReads(t, st, tx, pair, want, t0, t0.Add(time.Hour), "after renaming the asset")
	c, err := st.Compact(ctx, series.CompactOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 65*3, c.Points)
	checkReads(t, st, tx, pair, want, t0, t0.Add(time.Hour), "renamed and folded")
}

// TestLatestReadsTheNewestRowsFirst: Latest reads the tail's newest rows
// first and looks further down only for the series not found there; the
// answer is the newest point of each series whatever the rows it is in:
// series written minutes or half an hour before the newest row, a write
// arriving later with older timestamps, a timestamp written twice (the
// later arrival wins), a stored point newer than the tail's, a series
// without points.
func TestLatestReadsTheNewestRowsFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	var ss []series.Series
	for i := range 12 {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("latest-%02d.v", i), Interval: time.Second})
		require.NoError(t, err)
		ss = append(ss, s)
	}
	top := t0.Add(2 * time.Hour)
	// Series 2 has a stored point newer than any of its live ones.
	_, err := st.UpsertPoints(ctx, []series.Row{{SeriesID: ss[2].ID, TS: top.Add(time.Minute), Value: -2}})
	require.NoError(t, err)
	arrived := time.Now()
	var writes []ingestWrite
	for i, s := range ss[:11] {
		newest := top.Add(-time.Duration(i*i) * 20 * time.Second) // 0 s … 33 min before the newest row
		var rows []series.Row
		for k := range 5 {
			rows = append(rows, series.Row{SeriesID: s.ID, TS: newest.Add(-time.Duration(k) * time.Second), Value: float64(i*100 + k)})
		}
		writes = append(writes, ingestWrite{arrived.Add(time.Duration(i) * time.Millisecond), rows})
	}
	// Series 3: a later arrival with older timestamps, far below.
	writes = append(writes, ingestWrite{arrived.Add(time.Second), []series.Row{{SeriesID: ss[3].ID, TS: top.Add(-40 * time.Minute), Value: 33}}})
	// Series 5: its newest timestamp written again, the later arrival
	// committed first.
	again := top.Add(-25 * 20 * time.Second)
	writes = append(writes,
		ingestWrite{arrived.Add(3 * time.Second), []series.Row{{SeriesID: ss[5].ID, TS: again, Value: 55}}},
		ingestWrite{arrived.Add(2 * time.Second), []series.Row{{SeriesID: ss[5].ID, TS: again, Value: 54}}})
	for _, w := range writes {
		_, err := st.Ingest(ctx, w.rows, w.arrived)
		require.NoError(t, err)
	}
	want := applyWrites(map[int64]map[time.Time]float64{ss[2].ID: {top.Add(time.Minute): -2}}, writes)
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	got, err := st.Latest(ctx, ids)
	require.NoError(t, err)
	require.Len(t, got, 11, "series 11 has no points")
	for _, s := range ss[:11] {
		exp := sortedPoints(want[s.ID])
		require.Equal(t, exp[len(exp)-1], series.Point{TS: got[s.ID].TS.UTC(), Value: got[s.ID].Value, Count: 1}, s.Name)
	}
	require.Equal(t, 55.0, got[ss[5].ID].Value, "the later arrival")
	require.Equal(t, -2.0, got[ss[2].ID].Value, "the stored point is newer")
}

// TestDeleteWhileFolding: deletes of assets while folds of the tail run
// and writers keep ingesting: the delete and the folds take their locks
// in one order (tail rows, then series), so none fails on a deadlock, the
// deleted series leave nothing behind and the others keep every point.
func TestDeleteWhileFolding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	st := series.New(pool)
	const assets, per = 8, 16 // 128 series: every bucket holds series of several assets
	var keep []series.Series
	gone := map[string][]int64{}
	var all []int64
	for a := range assets {
		for i := range per {
			asset := fmt.Sprintf("asset-%d", a)
			s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("%s.v%02d", asset, i), Asset: asset, Sensor: fmt.Sprintf("v%02d", i), Interval: time.Second})
			require.NoError(t, err)
			all = append(all, s.ID)
			if a%2 == 0 {
				keep = append(keep, s)
			} else {
				gone[asset] = append(gone[asset], s.ID)
			}
		}
	}
	base := time.Now().UTC().Truncate(time.Hour)
	want := map[int64]map[time.Time]float64{}
	for _, s := range keep {
		want[s.ID] = map[time.Time]float64{}
	}
	var mu sync.Mutex
	deleted := map[int64]bool{} // the writer stops writing a series just before its delete
	ingest := func(k int) {
		var rows []series.Row
		mu.Lock()
		defer mu.Unlock()
		for _, id := range all {
			if deleted[id] {
				continue
			}
			ts := base.Add(time.Duration(k) * time.Second)
			rows = append(rows, series.Row{SeriesID: id, TS: ts, Value: float64(k)})
			if want[id] != nil {
				want[id][ts] = float64(k)
			}
		}
		_, err := st.Ingest(ctx, rows, time.Time{})
		require.NoError(t, err)
	}
	for k := range 20 {
		ingest(k)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for k := 20; ; k++ {
			select {
			case <-done:
				return
			default:
			}
			ingest(k)
			_, err := st.Compact(ctx, series.CompactOptions{BatchPoints: 300})
			require.NoError(t, err)
		}
	})
	for asset, ids := range gone {
		mu.Lock()
		for _, id := range ids {
			deleted[id] = true
		}
		mu.Unlock()
		_, err := st.Delete(ctx, series.Selector{Asset: asset})
		require.NoError(t, err)
	}
	close(done)
	wg.Wait()
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM series_tail t, unnest(t.sids) AS u(s) WHERE NOT EXISTS (SELECT 1 FROM series WHERE id = u.s)`).Scan(&left))
	require.Zero(t, left, "no point of a deleted series is left in the tail")
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM series_raw r WHERE NOT EXISTS (SELECT 1 FROM series WHERE id = r.series_id)`).Scan(&left))
	require.Zero(t, left, "nor in the blocks")
	checkReads(t, st, pool, keep, want, base, base.Add(time.Hour), "after deletes during folds")
}
