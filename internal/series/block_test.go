package series_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// TestRollupsOnIngest checks the minute and hour rollups written with the
// points, after a first write and after a second that overwrites and
// fills in points of the same hour, against aggregates computed here.
func TestRollupsOnIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	s, err := st.Upsert(ctx, series.Series{Name: "roll.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	at := func(k int) time.Time { return t0.Add(time.Duration(k) * 10 * time.Second) }
	truth := map[int]float64{}
	write := func(ks []int, v func(int) float64) {
		rows := make([]series.Row, 0, len(ks))
		for _, k := range ks {
			truth[k] = v(k)
			rows = append(rows, series.Row{SeriesID: s.ID, TS: at(k), Value: v(k)})
		}
		_, err := st.UpsertPoints(ctx, rows)
		require.NoError(t, err)
	}
	var first []int
	for k := range 2 * 360 {
		if k%7 != 3 { // every 7th reading missing at first
			first = append(first, k)
		}
	}
	write(first, func(k int) float64 { return float64(k%50) + 0.5 })
	var second []int
	for k := 100; k < 400; k++ {
		second = append(second, k) // fills the gaps there and overwrites the rest
	}
	write(second, func(k int) float64 { return -float64(k) })

	// Per-minute aggregates from the truth.
	type agg struct {
		min, max, sum, last float64
		n                   int64
	}
	aggs := func(width time.Duration) map[time.Time]*agg {
		out := map[time.Time]*agg{}
		for k := range 2 * 360 {
			v, ok := truth[k]
			if !ok {
				continue
			}
			slot := at(k).Truncate(width)
			a := out[slot]
			if a == nil {
				a = &agg{min: v, max: v}
				out[slot] = a
			}
			a.min, a.max, a.sum, a.last, a.n = math.Min(a.min, v), math.Max(a.max, v), a.sum+v, v, a.n+1
		}
		return out
	}
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour} {
		want := aggs(step)
		pts, err := st.Points(ctx, []series.Series{s}, t0, t0.Add(2*time.Hour), step)
		require.NoError(t, err)
		require.Len(t, pts[s.ID], len(want), step)
		for _, p := range pts[s.ID] {
			a := want[p.TS]
			require.NotNil(t, a, "%s slot %s", step, p.TS)
			require.Equal(t, a.n, p.Count, "%s slot %s", step, p.TS)
			require.InDelta(t, a.sum/float64(a.n), p.Value, 1e-9, "%s slot %s", step, p.TS)
		}
		w, err := st.WindowStep(ctx, s, t0, t0.Add(2*time.Hour), step)
		require.NoError(t, err)
		require.Equal(t, int(2*time.Hour/step), len(w.Data.Values))
	}
	// The stored slots: min, max and last of one minute rolled up twice.
	var mins, maxs, lasts []float64
	var counts []int32
	require.NoError(t, tx.QueryRow(ctx, `SELECT mins[3:3], maxs[3:3], lasts[3:3], counts[3:3] FROM series_minute WHERE series_id = $1 AND t0 = $2`,
		s.ID, t0).Scan(&mins, &maxs, &lasts, &counts))
	a := aggs(time.Minute)[t0.Add(2*time.Minute)]
	require.Equal(t, []float64{a.min}, mins)
	require.Equal(t, []float64{a.max}, maxs)
	require.Equal(t, []float64{a.last}, lasts)
	require.Equal(t, []int32{int32(a.n)}, counts)

	ext, err := st.Extent(ctx, s.ID)
	require.NoError(t, err)
	require.EqualValues(t, len(truth), ext.Count)
	latest, err := st.Latest(ctx, []int64{s.ID})
	require.NoError(t, err)
	require.Equal(t, series.Point{TS: at(719), Value: truth[719], Count: 1}, latest[s.ID])
}

// TestBlockEncodings checks that points off any grid, on a grid offset
// from the hour, and sparse on a grid all read back exactly.
func TestBlockEncodings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	cases := map[string][]time.Time{}
	for k := range 50 {
		cases["offset"] = append(cases["offset"], t0.Add(7*time.Second+time.Duration(k)*30*time.Second))
		cases["irregular"] = append(cases["irregular"], t0.Add(time.Duration(k*k)*time.Second+time.Duration(k)*time.Microsecond))
		cases["sparse"] = append(cases["sparse"], t0.Add(time.Duration(k*k)*10*time.Second))
	}
	for name, ts := range cases {
		s, err := st.Upsert(ctx, series.Series{Name: "enc." + name})
		require.NoError(t, err)
		rows := make([]series.Row, len(ts))
		for i, tt := range ts {
			rows[i] = series.Row{SeriesID: s.ID, TS: tt, Value: float64(i) / 7}
		}
		_, err = st.Append(ctx, rows)
		require.NoError(t, err)
		pts, err := st.Points(ctx, []series.Series{s}, t0, t0.Add(24*time.Hour), 0)
		require.NoError(t, err)
		require.Len(t, pts[s.ID], len(ts), name)
		for i, p := range pts[s.ID] {
			require.Equal(t, ts[i], p.TS, name)
			require.Equal(t, float64(i)/7, p.Value, name)
		}
		b, err := st.WindowBounds(ctx, []int64{s.ID}, ts[3], ts[10])
		require.NoError(t, err)
		require.Equal(t, series.Bounds{First: ts[3], Last: ts[9]}, b[s.ID], name)
	}
}

// TestWriteErrors covers the writes that must fail whole: a point already
// stored (Append), a repeated point, an unknown series.
func TestWriteErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	s, err := st.Upsert(ctx, series.Series{Name: "err.v", Interval: time.Minute})
	require.NoError(t, err)
	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: t0, Value: 1}})
	require.NoError(t, err)
	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: t0.Add(time.Minute), Value: 2}, {SeriesID: s.ID, TS: t0, Value: 3}})
	require.ErrorContains(t, err, "already stored")
	_, err = st.UpsertPoints(ctx, []series.Row{{SeriesID: s.ID, TS: t0, Value: 2}, {SeriesID: s.ID, TS: t0, Value: 3}})
	require.ErrorContains(t, err, "two points at 2026-03-02T00:00:00Z")
	_, err = st.UpsertPoints(ctx, []series.Row{{SeriesID: 987654321, TS: t0, Value: 2}})
	require.ErrorContains(t, err, "no series with id 987654321")
	ext, err := st.Extent(ctx, s.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, ext.Count, "failed writes wrote nothing")
}

// TestConcurrentWritersOfOneBlock runs writers of the same hour block at
// once: each merges in turn, so no point is lost.
func TestConcurrentWritersOfOneBlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Pool(t))
	s, err := st.Upsert(ctx, series.Series{Name: "conc.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			var rows []series.Row
			for k := w; k < 360; k += 8 {
				rows = append(rows, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * 10 * time.Second), Value: float64(k)})
			}
			_, err := st.UpsertPoints(ctx, rows)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	w, err := st.WindowOf(ctx, s, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Zero(t, w.Missing)
	require.Len(t, w.Data.Values, 360)
}

// TestRetention writes five weeks on a pool (so each week gets its
// partition), then lets Maintain apply a raw retention of 3 days and a
// minute retention of 5: old raw and minute partitions are dropped, hour
// rollups stay, and a write older than the raw retention is refused.
func TestRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	now := t0.Add(35 * 24 * time.Hour)
	st := series.New(pool, series.WithRetention(3*24*time.Hour, 5*24*time.Hour), series.WithClock(func() time.Time { return now }))
	s, err := st.Upsert(ctx, series.Series{Name: "ret.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	old := series.New(pool) // no retention: writes the history
	var rows []series.Row
	for k := range 35 * 24 * 60 { // one reading a minute, recorded every 10 s slot's first
		rows = append(rows, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * time.Minute), Value: float64(k % 60)})
	}
	_, err = old.Append(ctx, rows)
	require.NoError(t, err)
	var parts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'series_raw'::regclass`).Scan(&parts))
	require.Equal(t, 6, parts, "five weeks, Monday to Sunday, and the DEFAULT partition")

	rep, err := st.Maintain(ctx)
	require.NoError(t, err)
	t.Logf("maintain: %+v", rep)
	require.Equal(t, []string{"series_raw_w20260302", "series_raw_w20260309", "series_raw_w20260316", "series_raw_w20260323",
		"series_minute_m202603"}, rep.Dropped, "weeks ending by now − 3 days; March, which ends by now − 5 days")

	_, err = st.WindowOf(ctx, s, t0, t0.Add(24*time.Hour))
	require.ErrorIs(t, err, series.ErrEmptyWindow, "raw points of the first week are gone")
	hourly, err := st.WindowStep(ctx, s, t0, t0.Add(24*time.Hour), time.Hour)
	require.NoError(t, err, "hour rollups stay")
	require.Len(t, hourly.Data.Values, 24)
	require.InDelta(t, 29.5, hourly.Data.Values[0], 1e-9)
	ext, err := st.Extent(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, t0, ext.First, "the first hour is still known from the rollups")
	require.EqualValues(t, len(rows), ext.Count)

	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: now.Add(-4 * 24 * time.Hour), Value: 1}})
	var tooOld *series.TooOldError
	require.ErrorAs(t, err, &tooOld)
	require.True(t, errors.Is(err, series.ErrTooOld))
	require.Contains(t, err.Error(), "GEMBA_SERIES_RAW_RETENTION")
	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: now.Add(time.Minute), Value: 1}})
	require.NoError(t, err, "recent points are fine")
}

// TestMaintainMovesDefault writes inside a transaction (no DDL there: the
// blocks land in the DEFAULT partitions), then Maintain gives them their
// partitions without changing what reads return.
func TestMaintainMovesDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	st := series.New(tx)
	s, err := st.Upsert(ctx, series.Series{Name: "def.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	var rows []series.Row
	for k := range 3 * 8640 {
		rows = append(rows, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * 10 * time.Second), Value: float64(k)})
	}
	_, err = st.Append(ctx, rows)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	var inDefault int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM series_raw_default`).Scan(&inDefault))
	require.Equal(t, 72, inDefault)

	ps := series.New(pool)
	before, err := ps.WindowOf(ctx, s, t0, t0.Add(72*time.Hour))
	require.NoError(t, err)
	rep, err := ps.Maintain(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"series_raw_w20260302", "series_minute_m202603", "series_hour_y2026"}, rep.Created)
	require.EqualValues(t, 72+72+3, rep.Moved)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM series_raw_default`).Scan(&inDefault))
	require.Zero(t, inDefault)
	after, err := ps.WindowOf(ctx, s, t0, t0.Add(72*time.Hour))
	require.NoError(t, err)
	require.Equal(t, before.Data, after.Data)
	rep, err = ps.Maintain(ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Created, "nothing left to move")
}

// TestDeleteSeriesTakesItsPoints checks the cascade that replaces foreign
// keys on the partitioned tables: deleting a series row deletes its raw
// blocks and rollups, and nothing of other series.
func TestDeleteSeriesTakesItsPoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	var ids []int64
	for _, name := range []string{"del.a", "del.b"} {
		s, err := st.Upsert(ctx, series.Series{Name: name, Interval: 10 * time.Second})
		require.NoError(t, err)
		ids = append(ids, s.ID)
		var rows []series.Row
		for k := range 720 {
			rows = append(rows, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * 10 * time.Second), Value: float64(k)})
		}
		_, err = st.Append(ctx, rows)
		require.NoError(t, err)
	}
	count := func(id int64) (n int) {
		require.NoError(t, tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM series_raw WHERE series_id = $1) +
  (SELECT count(*) FROM series_minute WHERE series_id = $1) + (SELECT count(*) FROM series_hour WHERE series_id = $1)`, id).Scan(&n))
		return n
	}
	require.Equal(t, 2+2+1, count(ids[0]))
	_, err := tx.Exec(ctx, `DELETE FROM series WHERE id = $1`, ids[0])
	require.NoError(t, err)
	require.Zero(t, count(ids[0]))
	require.Equal(t, 5, count(ids[1]))
}
