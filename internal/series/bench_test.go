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
