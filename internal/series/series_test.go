package series_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/predict/clean"
	"github.com/gemba-ai/gemba/internal/series"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestImportLong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	csv := "series,timestamp,value\n" +
		"press-3.vibration,2026-03-02T00:00:00Z,2.5\n" +
		"press-3.vibration,2026-03-02T00:10:00Z,2.6\n" +
		"press-3.temperature,2026-03-02 00:00:00,55\n" +
		"press-3.vibration,2026-03-02T00:30:00Z,2.7\n"
	res, err := st.Import(ctx, strings.NewReader(csv), series.ImportOptions{Units: map[string]string{"vibration": "mm/s"}})
	require.NoError(t, err)
	require.Equal(t, "long", res.Format)
	require.Equal(t, []string{"press-3.temperature", "press-3.vibration"}, res.Series)
	require.EqualValues(t, 4, res.Points)

	s, err := st.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)
	require.Equal(t, "press-3", s.Asset)
	require.Equal(t, "vibration", s.Sensor)
	require.Equal(t, "mm/s", s.Unit)
	require.Equal(t, 10*time.Minute, s.Interval)

	// The window is on a regular grid: the missing 00:20 reading is NaN, not
	// a shift of the 00:30 one.
	w, err := st.Window(ctx, "Press 3 vibration", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, w.Data.Values, 4)
	require.Equal(t, 2.5, w.Data.Values[0])
	require.True(t, math.IsNaN(w.Data.Values[2]))
	require.Equal(t, 2.7, w.Data.Values[3])
	require.Equal(t, t0.Add(30*time.Minute), w.Data.Times[3])
	require.Equal(t, 1, w.Missing)

	// Re-importing overlapping points replaces them without duplicates.
	csv2 := "series,timestamp,value\n" +
		"press-3.vibration,2026-03-02T00:10:00Z,9.9\n" +
		"press-3.vibration,2026-03-02T00:20:00Z,3.0\n"
	res, err = st.Import(ctx, strings.NewReader(csv2), series.ImportOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Points)
	w, err = st.Window(ctx, "press-3.vibration", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []float64{2.5, 9.9, 3.0, 2.7}, w.Data.Values)
	ext, err := st.Extent(ctx, s.ID)
	require.NoError(t, err)
	require.EqualValues(t, 4, ext.Count)
	// The unit set by the first import survives an import that names none.
	s, err = st.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)
	require.Equal(t, "mm/s", s.Unit)
}

func TestImportWide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	csv := "timestamp,vibration,temperature,pressure\n" +
		"2026-03-02T00:00:00Z,1.1,40,3.2\n" +
		"2026-03-02T00:05:00Z,1.2,,3.3\n" + // temperature dropout
		"2026-03-02T00:10:00Z,1.3,41,3.1\n"
	res, err := st.Import(ctx, strings.NewReader(csv), series.ImportOptions{Asset: "pump-9", Line: "line-3", Units: map[string]string{"pressure": "bar"}, Unit: "x"})
	require.NoError(t, err)
	require.Equal(t, "wide", res.Format)
	require.Equal(t, []string{"pump-9.pressure", "pump-9.temperature", "pump-9.vibration"}, res.Series)
	require.EqualValues(t, 8, res.Points)
	require.Equal(t, 3, res.Rows)

	list, err := st.List(ctx, series.Filter{Asset: "pump-9"})
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, "bar", list[0].Unit)
	require.Equal(t, "x", list[1].Unit)
	require.Equal(t, "line-3", list[2].Line)

	mw, err := st.AssetWindow(ctx, "Pump 9", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, "pump-9", mw.Asset)
	require.Equal(t, []string{"pressure", "temperature", "vibration"}, mw.Data.Names)
	require.Len(t, mw.Data.Times, 3)
	require.True(t, math.IsNaN(mw.Data.Values[1][1]))
	require.Equal(t, 1.3, mw.Data.Values[2][2])

	// Filters by text and sensor.
	list, err = st.List(ctx, series.Filter{Text: "PRESS"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "pump-9.pressure", list[0].Name)
}

func TestImportMalformedWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	csv := "series,timestamp,value\n" +
		"a.x,2026-03-02T00:00:00Z,1\n" +
		"a.x,not-a-time,2\n" +
		"a.x,2026-03-02T00:10:00Z,abc\n" +
		"a.x,2026-03-02T00:00:00Z,3\n" +
		"a.x,2026-03-02T00:20:00Z\n" +
		"a.x,2026-03-02T00:30:00Z,NaN\n"
	_, err := st.Import(ctx, strings.NewReader(csv), series.ImportOptions{})
	var ie *series.ImportError
	require.ErrorAs(t, err, &ie)
	// Only unreadable lines are errors: the duplicate (line 5) and the NaN
	// (line 7) would be repaired, but nothing is written while any line
	// cannot be read.
	require.Equal(t, 3, ie.Total)
	lines := []int{}
	for _, p := range ie.Problems {
		lines = append(lines, p.Line)
	}
	require.Equal(t, []int{3, 4, 6}, lines)
	require.Contains(t, ie.Problems[0].Msg, "bad timestamp")
	require.Contains(t, ie.Problems[1].Msg, "bad number")
	require.Contains(t, ie.Problems[2].Msg, "has 2 fields")
	require.Contains(t, err.Error(), "line 4: a.x: bad number")

	list, err := st.List(ctx, series.Filter{})
	require.NoError(t, err)
	require.Empty(t, list, "a malformed file must not create series")

	for _, bad := range []string{"", "a,b\n1,2\n", "timestamp\n2026-03-02T00:00:00Z\n"} {
		_, err := st.Import(ctx, strings.NewReader(bad), series.ImportOptions{})
		require.Error(t, err, "%q", bad)
	}
	_, err = st.Import(ctx, strings.NewReader("timestamp,v\n"), series.ImportOptions{})
	require.ErrorContains(t, err, "no data rows")
}

func TestLookupSuggestions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	for _, n := range []string{"press-3.vibration", "press-3.temperature", "press-2.vibration", "pump-1.pressure"} {
		_, err := st.Upsert(ctx, series.Series{Name: n, Asset: strings.Split(n, ".")[0]})
		require.NoError(t, err)
	}
	_, err := st.Lookup(ctx, "press-3.vibraton")
	var nf *series.NotFoundError
	require.ErrorAs(t, err, &nf)
	require.True(t, errors.Is(err, series.ErrNotFound))
	require.Equal(t, "press-3.vibration", nf.Suggestions[0])
	require.NotContains(t, nf.Suggestions, "pump-1.pressure")
	require.Contains(t, err.Error(), `did you mean "press-3.vibration"`)

	_, err = st.Lookup(ctx, "totally-unrelated-name")
	require.ErrorAs(t, err, &nf)
	require.Empty(t, nf.Suggestions)

	_, err = st.ResolveAsset(ctx, "press-4")
	require.ErrorAs(t, err, &nf)
	require.Equal(t, "asset", nf.What)
	require.Contains(t, nf.Suggestions, "press-3")

	a, err := st.ResolveAsset(ctx, "PRESS 2")
	require.NoError(t, err)
	require.Equal(t, "press-2", a)
}

func TestEmptyWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	_, err := st.Import(ctx, strings.NewReader("series,timestamp,value\nm.t,2026-03-02T00:00:00Z,1\nm.t,2026-03-02T01:00:00Z,2\n"), series.ImportOptions{})
	require.NoError(t, err)
	_, err = st.Window(ctx, "m.t", t0.Add(24*time.Hour), t0.Add(48*time.Hour))
	var ew *series.EmptyWindowError
	require.ErrorAs(t, err, &ew)
	require.Equal(t, t0, ew.First)
	require.Equal(t, t0.Add(time.Hour), ew.Last)
	require.Contains(t, err.Error(), "data exists from 2026-03-02T00:00:00Z")
}

// TestWindowUsesIndex checks on 100k points (280 hour blocks) that a window
// query is an index range scan on the primary key, not a sequential scan.
func TestWindowUsesIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	var ids []int64
	for i := range 10 {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("m-%d.v", i), Interval: 10 * time.Second})
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	var rows []series.Row
	for _, id := range ids {
		for k := range 10000 {
			rows = append(rows, series.Row{SeriesID: id, TS: t0.Add(time.Duration(k) * 10 * time.Second), Value: float64(k)})
		}
	}
	n, err := st.Append(ctx, rows)
	require.NoError(t, err)
	require.EqualValues(t, 100000, n)
	_, err = tx.Exec(ctx, "ANALYZE series_raw")
	require.NoError(t, err)

	explain := func(ids []int64, from, to time.Time) string {
		los := make([]time.Time, len(ids))
		for i := range los {
			los[i] = from.Add(-24 * time.Hour)
		}
		var plan []string
		r, err := tx.Query(ctx, "EXPLAIN "+series.RawQuery, ids, los, from, to, []int32{int32(ids[0] % 64)})
		require.NoError(t, err)
		for r.Next() {
			var line string
			require.NoError(t, r.Scan(&line))
			plan = append(plan, line)
		}
		require.NoError(t, r.Err())
		joined := strings.Join(plan, "\n")
		t.Log(joined)
		return joined
	}
	// The blocks: index range scans. (The tail's few rows here may be
	// scanned whole: its file grows with the other tests' uncommitted
	// writes to the shared database; see below for a tail of real size.)
	joined := explain(ids[3:4], t0.Add(time.Hour), t0.Add(3*time.Hour))
	require.Contains(t, joined, "_pkey")
	require.NotContains(t, joined, "Seq Scan on series_raw")

	w, err := st.Window(ctx, "m-3.v", t0.Add(time.Hour), t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Len(t, w.Data.Values, 720)
	require.Equal(t, 360.0, w.Data.Values[0])

	// Several series in one query: still index scans on the primary key.
	joined = explain(ids[2:5], t0.Add(time.Hour), t0.Add(3*time.Hour))
	require.Contains(t, joined, "_pkey")
	require.NotContains(t, joined, "Seq Scan on series_raw")

	// A tail of live data (a few thousand rows over the 64 buckets): a
	// read takes its series' buckets by index, not the whole tail.
	var live []series.Series
	for i := range 640 {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("live-%d.v", i), Interval: time.Second})
		require.NoError(t, err)
		live = append(live, s)
	}
	for k := range 60 {
		rows := make([]series.Row, len(live))
		for i, s := range live {
			rows[i] = series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * time.Second), Value: float64(k)}
		}
		_, err := st.Ingest(ctx, rows, time.Time{})
		require.NoError(t, err)
	}
	_, err = tx.Exec(ctx, "ANALYZE series_tail")
	require.NoError(t, err)
	joined = explain(ids[2:5], t0.Add(time.Hour), t0.Add(3*time.Hour))
	require.Contains(t, joined, "series_tail_bucket")
	require.NotContains(t, joined, "Seq Scan")

	// WindowBounds: the edges of each series' points inside a window.
	b, err := st.WindowBounds(ctx, []int64{ids[0], ids[1]}, t0.Add(time.Hour), t0.Add(3*time.Hour+5*time.Second))
	require.NoError(t, err)
	require.Equal(t, series.Bounds{First: t0.Add(time.Hour), Last: t0.Add(3 * time.Hour)}, b[ids[0]])
	require.Equal(t, b[ids[0]], b[ids[1]])
	b, err = st.WindowBounds(ctx, []int64{ids[0]}, t0.Add(-2*time.Hour), t0.Add(-time.Hour))
	require.NoError(t, err)
	require.Equal(t, series.Bounds{}, b[ids[0]], "no points in the window: zero bounds")
}

// TestAssetWindowOneQuery checks that AssetWindowOf (one query for all
// sensors) returns the same grid as reading each series on its own.
func TestAssetWindowOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	var rows []series.Row
	for i, sensor := range []string{"vibration", "temperature", "current"} {
		s, err := st.Upsert(ctx, series.Series{Name: "aw-1." + sensor, Asset: "aw-1", Sensor: sensor, Kind: series.KindSensor, Interval: 10 * time.Minute})
		require.NoError(t, err)
		for k := range 300 {
			if (k+i)%37 == 0 {
				continue // dropouts, different per sensor
			}
			rows = append(rows, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * 10 * time.Minute), Value: float64(i*1000 + k)})
		}
	}
	_, err := st.Append(ctx, rows)
	require.NoError(t, err)
	from, to := t0.Add(time.Hour), t0.Add(40*time.Hour)
	mw, err := st.AssetWindow(ctx, "aw-1", from, to)
	require.NoError(t, err)
	require.Len(t, mw.Data.Names, 3)
	for j, s := range mw.Series {
		w, err := st.WindowOf(ctx, s, from, to)
		require.NoError(t, err)
		require.Equal(t, w.Data.Times, mw.Data.Times, s.Name)
		require.Equal(t, fmt.Sprint(w.Data.Values), fmt.Sprint(mw.Data.Values[j]), s.Name)
	}
	_, err = st.AssetWindow(ctx, "aw-1", t0.Add(-48*time.Hour), t0.Add(-24*time.Hour))
	var ew *series.EmptyWindowError
	require.ErrorAs(t, err, &ew)
	require.Equal(t, t0, ew.First)
}

// TestImportUnsorted covers files not in time order: duplicates and the
// interval are then found in SQL on the staging table.
func TestImportUnsorted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	dup := "series,timestamp,value\n" +
		"u.x,2026-03-02T00:00:00Z,1\n" +
		"u.x,2026-03-02T00:10:00Z,2\n" +
		"u.x,2026-03-02T00:00:00Z,3\n"
	res, err := st.Import(ctx, strings.NewReader(dup), series.ImportOptions{})
	require.NoError(t, err, "a duplicate timestamp is repaired, not refused")
	require.EqualValues(t, 2, res.Points)
	require.Len(t, res.Warnings, 1)
	require.Equal(t, clean.WarnDuplicate, res.Warnings[0].Kind)
	require.Equal(t, 1, res.Warnings[0].Count)
	require.Equal(t, 2, res.Warnings[0].Line, "line 2 is superseded by line 4")
	w, err := st.Window(ctx, "u.x", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 11, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, 3.0, w.Data.Values[0], "the last row of the file wins")

	ok := "series,timestamp,value\n" +
		"u.x,2026-03-02T00:20:00Z,3\n" +
		"u.x,2026-03-02T00:00:00Z,1\n" +
		"u.x,2026-03-02T00:05:00Z,2\n" +
		"u.x,2026-03-02T00:25:00Z,4\n"
	res, err = st.Import(ctx, strings.NewReader(ok), series.ImportOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 4, res.Points)
	s, err := st.Lookup(ctx, "u.x")
	require.NoError(t, err)
	require.Equal(t, 5*time.Minute, s.Interval)
}

// TestImportRepairs: a file in time order with a gateway's resend, missing
// markers, an infinite value, a historian's status words and a thousands
// separator is imported under the cleaning policy, with the repairs
// counted.
func TestImportRepairs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	in := "time,vibration,temp\n" +
		"2026-03-02 00:00,1,40\n" +
		"2026-03-02 01:00,2,NaN\n" +
		"2026-03-02 01:00,2.5,41\n" +
		"2026-03-02 02:00,inf,42\n" +
		"2026-03-02 03:00,4,\n" +
		"2026-03-02 04:00,I/O Timeout,\"1,043.5\"\n" +
		"2026-03-02 05:00,5,Bad\n" +
		"2026-03-02 06:00,6,44\n" +
		"2026-03-02 07:00,7,45\n"
	res, err := st.Import(ctx, strings.NewReader(in), series.ImportOptions{Asset: "pump-7"})
	require.NoError(t, err)
	require.EqualValues(t, 12, res.Points, "vibration 00,01,03,05,06,07 and temp 00,01,02,04,06,07 (a historian's status is no point)")
	got := map[string]int{}
	for _, w := range res.Warnings {
		got[w.Kind] = w.Count
		require.NotEmpty(t, w.Msg)
	}
	require.Equal(t, map[string]int{clean.WarnMissing: 1, clean.WarnNonFinite: 1, clean.WarnDuplicate: 1, clean.WarnStatus: 2}, got)
	w, err := st.Window(ctx, "pump-7.vibration", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, 2.5, w.Data.Values[1], "the resend supersedes the first row")
	tw, err := st.Window(ctx, "pump-7.temp", time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, []float64{1043.5}, tw.Data.Values, "a thousands separator is read")
}

func TestUpsertPoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	s, err := st.Upsert(ctx, series.Series{Name: "w.v", Interval: time.Minute})
	require.NoError(t, err)
	rows := func(from, n int, v float64) []series.Row {
		var out []series.Row
		for k := from; k < from+n; k++ {
			out = append(out, series.Row{SeriesID: s.ID, TS: t0.Add(time.Duration(k) * time.Minute), Value: v})
		}
		return out
	}
	n, err := st.UpsertPoints(ctx, rows(0, 10, 1))
	require.NoError(t, err)
	require.EqualValues(t, 10, n)
	n, err = st.UpsertPoints(ctx, rows(5, 10, 2)) // 5 overlap, 5 new
	require.NoError(t, err)
	require.EqualValues(t, 10, n)
	w, err := st.WindowOf(ctx, s, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, w.Data.Values, 15)
	require.Equal(t, 1.0, w.Data.Values[4])
	require.Equal(t, 2.0, w.Data.Values[5])
	latest, err := st.Latest(ctx, []int64{s.ID, 999999})
	require.NoError(t, err)
	require.Len(t, latest, 1)
	require.Equal(t, t0.Add(14*time.Minute), latest[s.ID].TS)

	// Append refuses points that already exist (use UpsertPoints for overlaps).
	_, err = st.Append(ctx, rows(0, 1, 3))
	require.Error(t, err)
}
