package series_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// beforeBlocks is the last migration before the series move into blocks.
const beforeBlocks = 19

type oldPoint struct {
	id int64
	ts time.Time
	v  float64
}

// legacyData is a plant in the old one-row-per-point table: a fast series
// (10 s, hour blocks with minute rollups) with a gap, a slow one (10 min,
// off the hour, with dropouts), an hourly one, and one of unknown
// interval with irregular, sub-second timestamps.
func legacyData() (map[string]time.Duration, map[string][]oldPoint) {
	iv := map[string]time.Duration{"fast.v": 10 * time.Second, "slow.v": 10 * time.Minute, "hourly.v": time.Hour, "odd.v": 0}
	pts := map[string][]oldPoint{}
	base := time.Date(2026, 3, 2, 22, 0, 0, 0, time.UTC) // crosses a day
	for k := range 3 * 360 {
		if k >= 500 && k < 530 {
			continue
		}
		pts["fast.v"] = append(pts["fast.v"], oldPoint{ts: base.Add(time.Duration(k) * 10 * time.Second), v: float64(k%97) * 0.25})
	}
	for k := range 10 * 144 {
		if k%37 == 5 {
			continue
		}
		pts["slow.v"] = append(pts["slow.v"], oldPoint{ts: base.Add(3*time.Minute + time.Duration(k)*10*time.Minute), v: 50 + math.Sin(float64(k)/20)})
	}
	for k := range 20 * 24 {
		pts["hourly.v"] = append(pts["hourly.v"], oldPoint{ts: base.Add(time.Duration(k) * time.Hour), v: float64(1000 + k)})
	}
	t := base
	for k := range 400 {
		t = t.Add(time.Duration(7+k%13)*time.Second + time.Duration(k%5)*123457*time.Microsecond)
		pts["odd.v"] = append(pts["odd.v"], oldPoint{ts: t, v: -float64(k) / 3})
	}
	return iv, pts
}

func allPoints(t *testing.T, pool *pgxpool.Pool) []oldPoint {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT series_id, ts, value FROM points ORDER BY series_id, ts`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (oldPoint, error) {
		var p oldPoint
		err := r.Scan(&p.id, &p.ts, &p.v)
		p.ts = p.ts.UTC()
		return p, err
	})
	require.NoError(t, err)
	return out
}

// TestMigrationMovesPointsIntoBlocks runs the migration up and down on a
// database holding points: nothing is lost either way, the blocks and
// rollups SQL builds are the ones the Go writer builds for the same
// points, and the store reads them back.
func TestMigrationMovesPointsIntoBlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	m, err := db.NewMigrator(ctx, url, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.DownTo(ctx, beforeBlocks)
	require.NoError(t, err)
	pool, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	require.NoError(t, err)
	defer pool.Close()

	ivs, data := legacyData()
	ids := map[string]int64{}
	var total int
	for _, name := range []string{"fast.v", "slow.v", "hourly.v", "odd.v"} {
		var id int64
		var iv any
		if ivs[name] > 0 {
			iv = ivs[name]
		}
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO series (name, interval) VALUES ($1, $2) RETURNING id`, name, iv).Scan(&id))
		ids[name] = id
		_, err := pool.CopyFrom(ctx, pgx.Identifier{"points"}, []string{"series_id", "ts", "value"},
			pgx.CopyFromSlice(len(data[name]), func(i int) ([]any, error) {
				return []any{id, data[name][i].ts, data[name][i].v}, nil
			}))
		require.NoError(t, err)
		total += len(data[name])
	}
	before := allPoints(t, pool)
	require.Len(t, before, total)

	_, err = m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, before, allPoints(t, pool), "the points view shows every point after the move")

	// The same points written by the Go writer into twin series give the
	// same blocks and rollups.
	st := series.New(pool)
	for name, id := range ids {
		twin, err := st.Upsert(ctx, series.Series{Name: "twin-" + name, Interval: ivs[name]})
		require.NoError(t, err)
		rows := make([]series.Row, len(data[name]))
		for i, p := range data[name] {
			rows[i] = series.Row{SeriesID: twin.ID, TS: p.ts, Value: p.v}
		}
		_, err = st.Append(ctx, rows)
		require.NoError(t, err)
		for _, q := range []string{
			`SELECT t0, tfirst, tlast, n, step_us, offs::text, vals::text FROM series_raw WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_minute WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_hour WHERE series_id = $1 ORDER BY t0`,
		} {
			require.Equal(t, dump(t, pool, q, id), dump(t, pool, q, twin.ID), "%s: %s", name, q)
		}
		// Means: PostgreSQL's avg and the writer's sum/n may differ in the last bit.
		for _, table := range []string{"series_minute", "series_hour"} {
			var worst float64
			require.NoError(t, pool.QueryRow(ctx, fmt.Sprintf(`
SELECT COALESCE(max(abs(a.m - b.m)), 0) FROM
  (SELECT t0, k, m FROM %[1]s, unnest(means) WITH ORDINALITY AS u(m, k) WHERE series_id = $1) a
  JOIN (SELECT t0, k, m FROM %[1]s, unnest(means) WITH ORDINALITY AS u(m, k) WHERE series_id = $2) b USING (t0, k)`, table),
				id, twin.ID).Scan(&worst))
			require.Less(t, worst, 1e-9, "%s %s means", name, table)
		}
	}
	var minuteRows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM series_minute WHERE series_id = $1`, ids["fast.v"]).Scan(&minuteRows))
	require.Equal(t, 3, minuteRows, "the fast series keeps minute rollups for its 3 hours")

	// Reads: a window of the slow series is on its grid, with the dropouts as NaN.
	w, err := st.Window(ctx, "slow.v", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, w.Data.Values, 144)
	require.Equal(t, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), w.Data.Times[0], "the grid is aligned on the step; the 00:03 reading fills the 00:00 slot")
	require.Positive(t, w.Missing)
	ext, err := st.Extent(ctx, ids["odd.v"])
	require.NoError(t, err)
	require.EqualValues(t, 400, ext.Count)
	require.Equal(t, data["odd.v"][0].ts, ext.First)
	require.Equal(t, data["odd.v"][399].ts, ext.Last)

	// Down restores the table, point for point (the twins included).
	_, err = m.DownTo(ctx, beforeBlocks)
	require.NoError(t, err)
	after := allPoints(t, pool)
	var orig []oldPoint
	for _, p := range after {
		for _, id := range ids {
			if p.id == id {
				orig = append(orig, p)
			}
		}
	}
	require.Equal(t, before, orig)
	require.Len(t, after, 2*total)
	_, err = m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, after, allPoints(t, pool), "up again")
}

func dump(t *testing.T, pool *pgxpool.Pool, q string, id int64) [][]any {
	t.Helper()
	rows, err := pool.Query(context.Background(), q, id)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err)
	return out
}

// beforeTail is the last migration before the tail (00070).
const beforeTail = 69

// TestTailMigrationDownFoldsTheTail: going down past the tail folds the
// points still waiting there into the blocks and rollups, in SQL, into
// the same rows as Compact builds from the same tail (one database folds
// with Compact, its twin goes down), and up again works.
func TestTailMigrationDownFoldsTheTail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	open := func() (*pgxpool.Pool, string) {
		url := dbtest.NewDatabase(t)
		pool, err := db.Open(ctx, url, db.Options{MaxConns: 4})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		return pool, url
	}
	folded, _ := open()
	down, downURL := open()
	stF, stD := series.New(folded), series.New(down)
	ss, want, _ := tailFixture(t, stF)
	ss2, _, _ := tailFixture(t, stD)
	require.Equal(t, ss, ss2, "the twin databases hold the same series")
	_, err := stF.Compact(ctx, series.CompactOptions{})
	require.NoError(t, err)

	m, err := db.NewMigrator(ctx, downURL, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.DownTo(ctx, beforeTail)
	require.NoError(t, err)

	for _, s := range ss {
		for _, q := range []string{
			`SELECT ts, value FROM points WHERE series_id = $1 ORDER BY ts`,
			`SELECT t0, tfirst, tlast, n, step_us, offs::text, vals::text FROM series_raw WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_minute WHERE series_id = $1 ORDER BY t0`,
			`SELECT t0, mins::text, maxs::text, counts::text, lasts::text FROM series_hour WHERE series_id = $1 ORDER BY t0`,
			`SELECT extract(epoch FROM block)::bigint FROM series WHERE id = $1`,
		} {
			require.Equal(t, dump(t, folded, q, s.ID), dump(t, down, q, s.ID), "%s: %s", s.Name, q)
		}
		require.Len(t, dump(t, down, `SELECT ts FROM points WHERE series_id = $1`, s.ID), len(want[s.ID]))
		for _, table := range []string{"series_minute", "series_hour"} {
			q := fmt.Sprintf(`SELECT t0, k, m FROM %s, unnest(means) WITH ORDINALITY AS u(m, k) WHERE series_id = $1 AND m IS NOT NULL ORDER BY t0, k`, table)
			a, b := dump(t, folded, q, s.ID), dump(t, down, q, s.ID)
			require.Len(t, b, len(a))
			for i := range a {
				require.Equal(t, a[i][:2], b[i][:2])
				require.InDelta(t, a[i][2], b[i][2], 1e-9, "%s %s means", s.Name, table)
			}
		}
	}
	_, err = m.Up(ctx)
	require.NoError(t, err)
	var tail int
	require.NoError(t, down.QueryRow(ctx, `SELECT count(*) FROM series_tail`).Scan(&tail))
	require.Zero(t, tail)
	require.Equal(t, dump(t, folded, `SELECT series_id, ts, value FROM points WHERE series_id = $1 ORDER BY ts`, ss[1].ID),
		dump(t, down, `SELECT series_id, ts, value FROM points WHERE series_id = $1 ORDER BY ts`, ss[1].ID), "up again")
}
