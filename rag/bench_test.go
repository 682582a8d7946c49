package rag

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// TestBenchSmall runs the load benchmark at a size fit for the test suite
// (the 100,000-chunk run is `gemba rag bench`): it checks the pipeline and
// that the figures are sane, not the targets.
func TestBenchSmall(t *testing.T) {
	t.Parallel()
	emb, err := NewLocalEmbedder(0)
	require.NoError(t, err)
	// Its own database: the benchmark fills and analyses whole tables.
	s := New(dbtest.Pool(t), emb, Options{})
	var lines []string
	cases, err := LoadEvalSet("testdata/eval_ko.jsonl")
	require.NoError(t, err)
	var questions []string
	for _, c := range cases[:10] {
		questions = append(questions, c.Query)
	}
	rep, err := s.Bench(context.Background(), BenchOptions{Chunks: 1200, Queries: 20, RecallQueries: 10, EFSearch: []int{100},
		Corpus: "../internal/demo/docs", Seed: 7, Questions: questions, Progress: func(l string) { lines = append(lines, l) }})
	require.NoError(t, err)
	t.Logf("%+v", rep)
	require.GreaterOrEqual(t, rep.Chunks, 1200)
	require.Greater(t, rep.ChunksPerSecond, 0.0)
	require.Greater(t, rep.QueryP95MS, 0.0)
	require.GreaterOrEqual(t, rep.Recall[100], 0.9)
	require.NotEmpty(t, lines)
	var idx bool
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT to_regclass('chunks_embedding_384_idx') IS NOT NULL`).Scan(&idx))
	require.True(t, idx, "the HNSW index is in place after the load")
}

// BenchmarkSearchHybrid times one hybrid top-10 query on the demo corpus
// (go test -bench SearchHybrid ./rag).
func BenchmarkSearchHybrid(b *testing.B) {
	emb, err := NewLocalEmbedder(0)
	require.NoError(b, err)
	s := New(dbtest.Pool(b), emb, Options{})
	ctx := context.Background()
	_, err = s.Ingest(ctx, []string{"../internal/demo/docs"}, IngestOptions{})
	require.NoError(b, err)
	qs := []string{"press-3 vibration rising for days", "펌프 압력이 서서히 떨어짐", "conveyor motor current dropped", "how do I lock out a machine"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Search(ctx, Query{Text: qs[i%len(qs)], K: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocalEmbed times the local embedder on a typical chunk.
func BenchmarkLocalEmbed(b *testing.B) {
	emb, err := NewLocalEmbedder(0)
	require.NoError(b, err)
	text := "Vibration at the crankshaft bearing housing rose over five days: from 2.8 mm/s to 4.5 mm/s after three days, 6.9 mm/s the day before and 9.6 mm/s at stop. 진동이 5일 동안 2.8 mm/s에서 8.7 mm/s까지 상승했다."
	for b.Loop() {
		emb.embed(text)
	}
}
