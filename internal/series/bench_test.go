package series_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/series"
)

// BenchmarkImport measures CSV import throughput (parse, COPY into the
// staging table, upsert) on 200,000 points in long form; it reports points/s.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	var sb strings.Builder
	sb.WriteString("series,timestamp,value\n")
	const perSeries = 20000
	for s := range 10 {
		for k := range perSeries {
			fmt.Fprintf(&sb, "bench-%d.v,%s,%d.5\n", s, t0.Add(time.Duration(k)*time.Minute).Format(time.RFC3339), k%97)
		}
	}
	csv := sb.String()
	st := series.New(dbtest.Pool(b))
	b.ResetTimer()
	var points int64
	for b.Loop() {
		res, err := st.Import(ctx, strings.NewReader(csv), series.ImportOptions{})
		require.NoError(b, err)
		points += res.Points
	}
	b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkWindow measures window queries on the seeded demo plant.
func BenchmarkWindow(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	now := time.Date(2026, 11, 27, 12, 47, 0, 0, time.UTC)
	res, err := demo.Seed(ctx, pool, demo.Options{Now: now})
	require.NoError(b, err)
	b.Logf("demo seed: %d points in %s", res.Points, res.Elapsed)
	_, err = pool.Exec(ctx, "ANALYZE series_raw, series_minute, series_hour")
	require.NoError(b, err)
	st := series.New(pool)
	for _, span := range []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 90 * 24 * time.Hour} {
		b.Run("series-"+span.String(), func(b *testing.B) {
			for b.Loop() {
				w, err := st.Window(ctx, "press-3.vibration", res.End.Add(-span), res.End.Add(time.Second))
				require.NoError(b, err)
				require.NotEmpty(b, w.Data.Values)
			}
		})
		b.Run("asset-"+span.String(), func(b *testing.B) {
			for b.Loop() {
				w, err := st.AssetWindow(ctx, "press-3", res.End.Add(-span), res.End.Add(time.Second))
				require.NoError(b, err)
				require.Len(b, w.Data.Names, 4)
			}
		})
	}
}

// BenchmarkIngest measures live writes to the tail: 2,000 series, each
// write holding perSeries points of every series (a connector's batch);
// it reports points/s and the tail's bytes per point.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	st := series.New(pool)
	const nseries = 2000
	ids := make([]int64, nseries)
	for i := range ids {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("ingest-%04d.v", i)})
		require.NoError(b, err)
		ids[i] = s.ID
	}
	start := time.Now().Truncate(time.Hour)
	for _, perSeries := range []int{1, 3, 10, 25} {
		b.Run(fmt.Sprintf("points-per-series-%d", perSeries), func(b *testing.B) {
			_, err := pool.Exec(ctx, `TRUNCATE series_tail`)
			require.NoError(b, err)
			rows := make([]series.Row, 0, nseries*perSeries)
			var points int64
			k := 0
			for b.Loop() {
				rows = rows[:0]
				for _, id := range ids {
					for j := range perSeries {
						rows = append(rows, series.Row{SeriesID: id, TS: start.Add(time.Duration(k+j) * 40 * time.Millisecond), Value: float64(j)})
					}
				}
				k += perSeries
				n, err := st.Ingest(ctx, rows, time.Time{})
				require.NoError(b, err)
				points += n
			}
			b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
			var bytes int64
			require.NoError(b, pool.QueryRow(ctx, `SELECT pg_total_relation_size('series_tail')`).Scan(&bytes))
			b.ReportMetric(float64(bytes)/float64(points), "tail-bytes/point")
		})
	}
}

// BenchmarkCompact measures folding the tail into blocks and rollups:
// 2,000 series at 25 Hz whose open hour blocks already hold a minute of
// points, and 20 s more of each in the tail; it reports the tail points
// folded per second.
func BenchmarkCompact(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	st := series.New(pool)
	const nseries, stored, waiting = 2000, 1500, 500
	ids := make([]int64, nseries)
	for i := range ids {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("fold-%04d.v", i)})
		require.NoError(b, err)
		ids[i] = s.ID
	}
	start := time.Now().Truncate(time.Hour)
	at := func(k int) time.Time { return start.Add(time.Duration(k) * 40 * time.Millisecond) }
	write := func(from, n int, ingest bool) {
		rows := make([]series.Row, 0, nseries*n)
		for _, id := range ids {
			for k := from; k < from+n; k++ {
				rows = append(rows, series.Row{SeriesID: id, TS: at(k), Value: float64(k % 97)})
			}
		}
		var err error
		if ingest {
			_, err = st.Ingest(ctx, rows, time.Time{})
		} else {
			_, err = st.UpsertPoints(ctx, rows)
		}
		require.NoError(b, err)
	}
	write(0, stored, false)
	var points int64
	next := stored
	for b.Loop() {
		b.StopTimer()
		write(next, waiting, true)
		next += waiting
		b.StartTimer()
		rep, err := st.Compact(ctx, series.CompactOptions{})
		require.NoError(b, err)
		points += rep.Points
	}
	b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fold")
}
