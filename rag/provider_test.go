package rag_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo/docs"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/rag/embedtest"
)

// standIn is the fake server's "multilingual model": a 1024-dimensional
// (bge-m3's and multilingual-e5-large's size) local embedding of the text
// with the model's instruction prefix read off, as a model would. It tests
// the wire and the store's pipeline, not a real model's quality.
func standIn(t *testing.T) func(model, input string) []float32 {
	t.Helper()
	e, err := rag.NewLocalEmbedder(1024)
	require.NoError(t, err)
	return func(_, input string) []float32 {
		for _, p := range []string{"query: ", "passage: "} {
			input = strings.TrimPrefix(input, p)
		}
		v, _ := e.EmbedQuery(context.Background(), input)
		return v
	}
}

func ids(rs []rag.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.DocumentID
	}
	return out
}

// TestReembedLocalToOllama moves a store built with the local embedder to
// a multilingual model served by Ollama (GEMBA_EMBED_PROVIDER=ollama,
// GEMBA_EMBED_MODEL=bge-m3), through langchaingo's ollama client and
// Ollama's POST /api/embed.
func TestReembedLocalToOllama(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t) // its own database: a 1024-dimension HNSW index is DDL
	local, err := rag.NewLocalEmbedder(0)
	require.NoError(t, err)
	rep, err := rag.New(pool, local, rag.Options{}).IngestFS(ctx, docs.FS, ".", "demo/docs", rag.IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)

	srv := embedtest.NewServer(t, embedtest.Options{Models: []string{"bge-m3"}, Embed: standIn(t)})
	_, err = rag.NewOllamaEmbedder(ctx, srv.URL, "llama3")
	require.ErrorContains(t, err, `model "llama3" not found, try pulling it first`)
	emb, err := rag.NewOllamaEmbedder(ctx, srv.URL, "bge-m3")
	require.NoError(t, err)
	require.Equal(t, 1024, emb.Dim())
	require.Equal(t, "ollama/bge-m3", emb.Model())
	q, d := emb.Prefixes()
	require.Empty(t, q+d, "bge-m3 takes plain text")
	s := rag.New(pool, emb, rag.Options{})

	// Before the reembed: vector search refuses the local vectors, hybrid
	// search answers from full text.
	_, err = s.Search(ctx, rag.Query{Text: "compressor intake filter", Mode: rag.ModeVector})
	require.ErrorIs(t, err, rag.ErrDimension)
	require.ErrorContains(t, err, "reembed")
	res, err := s.Search(ctx, rag.Query{Text: "compressor intake filter"})
	require.NoError(t, err)
	require.Contains(t, ids(res), "INC-2024-057")

	st, err := s.Stats(ctx)
	require.NoError(t, err)
	chunks := st.Chunks
	before := srv.Requests()
	var seen []string
	n, err := s.Reembed(ctx, 20, func(done, total int) { seen = append(seen, fmt.Sprintf("%d/%d", done, total)) })
	require.NoError(t, err)
	require.Equal(t, chunks, n)
	require.Equal(t, fmt.Sprintf("%d/%d", st.Documents, st.Documents), seen[len(seen)-1])
	// langchaingo's ollama client sends one text per request.
	require.Equal(t, int64(chunks), srv.Requests()-before)
	st, err = s.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"ollama/bge-m3/1024": chunks}, st.Models)
	var idx bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('chunks_embedding_1024_idx') IS NOT NULL`).Scan(&idx))
	require.True(t, idx)

	// A Korean question meets an English incident; the question went out
	// with its English expansion.
	res, err = s.Search(ctx, rag.Query{Text: "프레스 3호기 크랭크축 베어링 교체 이력", Mode: rag.ModeVector})
	require.NoError(t, err)
	require.Contains(t, ids(res), "INC-1003")
	in := srv.Inputs()
	last := in[len(in)-1].Text
	require.True(t, strings.HasPrefix(last, "프레스 3호기 크랭크축 베어링 교체 이력 "), last) // langchaingo turns newlines into spaces
	require.Contains(t, last, "press-3")
	require.Contains(t, last, "crankshaft bearing replace")
	// A second reembed has nothing to do.
	n, err = s.Reembed(ctx, 20, nil)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestOpenAICompatibleE5 embeds through an OpenAI-compatible server
// (GEMBA_EMBED_PROVIDER=openai with GEMBA_EMBED_BASE_URL, as vLLM, TEI,
// llama.cpp or Ollama's /v1 serve multilingual-e5): passages and queries
// carry the instructions e5 was trained with, texts go in batches, and a
// server failing mid-reembed leaves a resumable store.
func TestOpenAICompatibleE5(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const model = "intfloat/multilingual-e5-large"
	srv := embedtest.NewServer(t, embedtest.Options{Models: []string{model}, APIKey: "sk-local", Embed: standIn(t)})
	_, err := rag.NewOpenAIEmbedder(ctx, rag.OpenAIOptions{BaseURL: srv.URL + "/v1", APIKey: "wrong", Model: model})
	require.ErrorContains(t, err, "Incorrect API key provided")
	_, err = rag.NewOpenAIEmbedder(ctx, rag.OpenAIOptions{BaseURL: srv.URL + "/v1", APIKey: "sk-local", Model: "e5-typo"})
	require.ErrorContains(t, err, "does not exist")
	emb, err := rag.NewOpenAIEmbedder(ctx, rag.OpenAIOptions{BaseURL: srv.URL + "/v1", APIKey: "sk-local", Model: model})
	require.NoError(t, err)
	require.Equal(t, 1024, emb.Dim())
	q, d := emb.Prefixes()
	require.Equal(t, "query: ", q)
	require.Equal(t, "passage: ", d)

	pool := dbtest.Pool(t)
	s := rag.New(pool, emb, rag.Options{})
	probe := len(srv.Inputs())
	rep, err := s.IngestFS(ctx, docs.FS, ".", "demo/docs", rag.IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	in := srv.Inputs()[probe:]
	require.Len(t, in, rep.Chunks)
	maxBatch := 0
	for _, x := range in {
		require.True(t, strings.HasPrefix(x.Text, "passage: "), x.Text)
		require.LessOrEqual(t, x.Batch, 128)
		maxBatch = max(maxBatch, x.Batch)
	}
	require.Greater(t, maxBatch, 1, "texts go to the server in batches")
	res, err := s.Search(ctx, rag.Query{Text: "컨베이어 엔코더 커넥터 불량", Mode: rag.ModeVector})
	require.NoError(t, err)
	require.Contains(t, ids(res), "INC-2024-074")
	last := srv.Inputs()[len(srv.Inputs())-1].Text
	require.True(t, strings.HasPrefix(last, "query: 컨베이어 엔코더 커넥터 불량 "), last)
	require.Contains(t, last, "conveyor encoder connector")

	// The same store moved from the local embedder to e5 on a server that
	// fails after a few requests: what was done stays done; a second run
	// on a healthy server finishes.
	pool2 := dbtest.Pool(t)
	local, err := rag.NewLocalEmbedder(0)
	require.NoError(t, err)
	_, err = rag.New(pool2, local, rag.Options{}).IngestFS(ctx, docs.FS, ".", "demo/docs", rag.IngestOptions{})
	require.NoError(t, err)
	flaky := embedtest.NewServer(t, embedtest.Options{Models: []string{model}, Embed: standIn(t), FailAfter: 3})
	femb, err := rag.NewOpenAIEmbedder(ctx, rag.OpenAIOptions{BaseURL: flaky.URL + "/v1", Model: model})
	require.NoError(t, err)
	n, err := rag.New(pool2, femb, rag.Options{}).Reembed(ctx, 5, nil)
	require.ErrorContains(t, err, "500")
	require.Positive(t, n)
	s2 := rag.New(pool2, emb, rag.Options{})
	st, err := s2.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, n, st.Models[model+"/1024"])
	m, err := s2.Reembed(ctx, 5, nil)
	require.NoError(t, err)
	require.Equal(t, st.Chunks, n+m)
	st, err = s2.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{model + "/1024": st.Chunks}, st.Models)
}
