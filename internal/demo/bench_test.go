package demo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
)

// BenchmarkGenerate measures generating the demo plant in memory.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		require.Len(b, demo.Generate(seedTime, demo.DefaultSeed), 54)
	}
}

// BenchmarkSeed measures `gemba demo seed` without the documents: generate,
// delete the old demo points, COPY ~630k points, commit. From the second
// iteration on it replaces the previous seeding, as a re-seed does.
func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	var points int64
	for b.Loop() {
		res, err := demo.Seed(ctx, pool, demo.Options{Now: seedTime})
		require.NoError(b, err)
		points = res.Points
	}
	b.ReportMetric(float64(points), "points")
}
