package series_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// rowsOf counts the rows of table held by the series ids.
func rowsOf(t *testing.T, tx pgx.Tx, table string, ids ...int64) int64 {
	t.Helper()
	var n int64
	require.NoError(t, tx.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE series_id = ANY($1)`, ids).Scan(&n))
	return n
}

// seed writes n points of s every step from start (value k+base).
func seed(t *testing.T, st *series.Store, name string, iv time.Duration, start time.Time, n int, base float64) series.Series {
	t.Helper()
	ctx := context.Background()
	s, err := st.Upsert(ctx, series.Series{Name: name, Interval: iv, Asset: assetOf(name), Sensor: sensorOf(name)})
	require.NoError(t, err)
	rows := make([]series.Row, n)
	for k := range rows {
		rows[k] = series.Row{SeriesID: s.ID, TS: start.Add(time.Duration(k) * iv), Value: base + float64(k%37)}
	}
	_, err = st.Append(ctx, rows)
	require.NoError(t, err)
	return s
}

func assetOf(name string) string {
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '.' {
			return name[:i]
		}
	}
	return name
}

func sensorOf(name string) string { return name[len(assetOf(name))+1:] }

// TestDeleteSeries: a delete reports and removes the series with their
// raw blocks, minute and hour rollups and model evaluations (the tables
// of migration 00020), and nothing of the series it does not name.
func TestDeleteSeries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	start := time.Date(2015, 3, 18, 0, 0, 0, 0, time.UTC)
	// 10-second readings (hour blocks, minute rollups) across two hours
	// and a day boundary, hourly readings over three days.
	fast := seed(t, st, "del-1.vibration", 10*time.Second, start.Add(-time.Hour), 720, 1)
	slow := seed(t, st, "del-1.temperature", time.Hour, start, 72, 40)
	other := seed(t, st, "del-2.vibration", time.Hour, start, 24, 2)
	var model int64
	require.NoError(t, tx.QueryRow(ctx, `SELECT id FROM models ORDER BY id LIMIT 1`).Scan(&model))
	_, err := tx.Exec(ctx, `INSERT INTO model_evaluations (model_id, series_id, metrics) VALUES ($1, $2, '{}')`, model, fast.ID)
	require.NoError(t, err)

	ids := []int64{fast.ID, slow.ID}
	plan, err := st.DeletePlan(ctx, series.Selector{Asset: "del-1"})
	require.NoError(t, err)
	require.Equal(t, []string{"del-1.temperature", "del-1.vibration"}, plan.Series)
	require.EqualValues(t, 720+72, plan.Points)
	require.EqualValues(t, 720+72, plan.HourReadings)
	require.Equal(t, rowsOf(t, tx, "series_raw", ids...), plan.RawBlocks)
	require.EqualValues(t, 2, plan.MinuteRollups, "two hours of minute slots, for the 10-second series only")
	require.Equal(t, rowsOf(t, tx, "series_minute", ids...), plan.MinuteRollups)
	require.EqualValues(t, 2+3, plan.HourRollups, "two days for the fast series, three for the slow")
	require.EqualValues(t, 1, plan.Evaluations)
	require.Positive(t, rowsOf(t, tx, "series_raw", ids...), "a plan deletes nothing")

	rep, err := st.Delete(ctx, series.Selector{Asset: "del-1"})
	require.NoError(t, err)
	require.Equal(t, plan, rep)
	for _, table := range []string{"series_raw", "series_minute", "series_hour", "model_evaluations"} {
		require.Zero(t, rowsOf(t, tx, table, ids...), table)
	}
	_, err = st.Lookup(ctx, "del-1.vibration")
	require.ErrorIs(t, err, series.ErrNotFound)
	require.Positive(t, rowsOf(t, tx, "series_raw", other.ID), "the other asset keeps its points")
	require.Positive(t, rowsOf(t, tx, "series_hour", other.ID))

	// Exact names only; a miss suggests, deletes nothing.
	_, err = st.Delete(ctx, series.Selector{Name: "del-2.vibraton"})
	var nf *series.NotFoundError
	require.ErrorAs(t, err, &nf)
	require.Equal(t, []string{"del-2.vibration"}, nf.Suggestions[:1])
	_, err = st.DeletePlan(ctx, series.Selector{Asset: "del-9"})
	require.ErrorAs(t, err, &nf)
	require.Equal(t, "asset", nf.What)
	for _, bad := range []series.Selector{{}, {Name: "a", Asset: "b"}} {
		_, err = st.Delete(ctx, bad)
		require.ErrorContains(t, err, "name exactly one")
	}
	rep, err = st.Delete(ctx, series.Selector{Prefix: "del-"})
	require.NoError(t, err)
	require.Equal(t, []string{"del-2.vibration"}, rep.Series)
	require.EqualValues(t, 24, rep.Points)
	require.Zero(t, rowsOf(t, tx, "series_hour", other.ID))
}

// TestRenameKeepsHistory: a renamed series or asset keeps every point and
// rollup (they hang on its id); names that are taken or invalid are
// refused and change nothing.
func TestRenameKeepsHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	start := time.Date(2015, 3, 18, 0, 0, 0, 0, time.UTC)
	vib := seed(t, st, "ren-1.vib", 10*time.Second, start, 720, 1)
	temp := seed(t, st, "ren-1.temp", time.Hour, start, 48, 40)
	seed(t, st, "ren-2.vib", time.Hour, start, 24, 2)
	before, err := st.WindowOf(ctx, vib, start, start.Add(2*time.Hour))
	require.NoError(t, err)
	hourly, err := st.WindowStep(ctx, vib, start, start.Add(2*time.Hour), time.Hour)
	require.NoError(t, err)
	blocks := rowsOf(t, tx, "series_raw", vib.ID)

	s, err := st.Rename(ctx, "ren-1.vib", "ren-1.vibration")
	require.NoError(t, err)
	require.Equal(t, vib.ID, s.ID)
	require.Equal(t, "ren-1", s.Asset)
	require.Equal(t, "vibration", s.Sensor)
	after, err := st.Window(ctx, "ren-1.vibration", start, start.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, before.Data, after.Data)
	require.Equal(t, blocks, rowsOf(t, tx, "series_raw", vib.ID))
	_, err = st.Lookup(ctx, "ren-1.vib")
	require.ErrorIs(t, err, series.ErrNotFound)

	_, err = st.Rename(ctx, "ren-1.vibration", "ren-2.vib")
	var ex *series.ExistsError
	require.ErrorAs(t, err, &ex)
	require.ErrorIs(t, err, series.ErrExists)
	_, err = st.Rename(ctx, "ren-1.vibration", "ren 1 vibration")
	require.ErrorContains(t, err, "not a valid series name")
	_, err = st.Rename(ctx, "ren-1.nothing", "ren-1.x")
	require.ErrorIs(t, err, series.ErrNotFound)

	// A series off the convention keeps its asset; a line's output its line.
	out, err := st.Upsert(ctx, series.Series{Name: "ren-line.output", Line: "ren-line", Sensor: "output", Kind: series.KindProduction})
	require.NoError(t, err)
	s, err = st.Rename(ctx, out.Name, "ren-line-b.output")
	require.NoError(t, err)
	require.Equal(t, "ren-line-b", s.Line)
	require.Empty(t, s.Asset)

	// The asset: every series moves, history and rollups with it.
	moved, err := st.RenameAsset(ctx, "ren-1", "ren-01")
	require.NoError(t, err)
	require.Equal(t, []series.Renamed{{ID: temp.ID, Old: "ren-1.temp", New: "ren-01.temp"}, {ID: vib.ID, Old: "ren-1.vibration", New: "ren-01.vibration"}}, moved)
	mw, err := st.AssetWindow(ctx, "ren-01", start, start.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"temp", "vibration"}, mw.Data.Names)
	moved2, err := st.Lookup(ctx, "ren-01.vibration")
	require.NoError(t, err)
	hourlyAfter, err := st.WindowStep(ctx, moved2, start, start.Add(2*time.Hour), time.Hour)
	require.NoError(t, err)
	require.Equal(t, hourly.Data, hourlyAfter.Data, "the hour rollups are the same rows")
	assets, err := st.Assets(ctx)
	require.NoError(t, err)
	require.NotContains(t, assets, "ren-1")

	_, err = st.RenameAsset(ctx, "ren-01", "ren-2")
	require.ErrorAs(t, err, &ex)
	require.Equal(t, "asset", ex.What)
	_, err = st.RenameAsset(ctx, "ren-9", "ren-10")
	require.ErrorIs(t, err, series.ErrNotFound)
	_, err = st.RenameAsset(ctx, "ren-01", "")
	require.ErrorContains(t, err, "not a valid asset name")
}
