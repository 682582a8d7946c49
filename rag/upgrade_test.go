package rag_test

import (
	"context"
	"testing"

	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/rag"
)

// TestUpgradeStoreFromBeforeKoreanAnalysis takes a store written before
// migration 00060 and the Korean-aware analysis (lex from the old rules,
// local-ngram-v2 vectors) through the upgrade: the migration keeps every
// row and marks it stale, search answers from full text meanwhile, and
// `gemba rag reembed` recomputes terms and vectors. The down migration
// keeps the data too.
func TestUpgradeStoreFromBeforeKoreanAnalysis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.NewDatabase(t)
	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.DownTo(ctx, 59)
	require.NoError(t, err)
	pool, err := db.Open(ctx, u, db.Options{MaxConns: 4})
	require.NoError(t, err)
	defer pool.Close()

	// Rows as the previous version wrote them: syllable bigrams and glossary
	// terms in lex, 384-dimensional local-ngram-v2 vectors.
	old := make([]float32, 384)
	old[7] = 1
	_, err = pool.Exec(ctx, `INSERT INTO documents (id, kind, title, asset, body, lang, content_hash)
VALUES ('INC-OLD-1', 'incident', '프레스-2 크랭크축 베어링 마모', 'press-2', '크랭크축 베어링 진동이 5일 동안 상승했다.', 'ko', 'h1')`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO chunks (document_id, ord, heading, content, lex, embed_model, embed_dim, embedding)
VALUES ('INC-OLD-1', 0, '', '크랭크축 베어링 진동이 5일 동안 상승했다.', '프레 레스 press2 크랭 랭크 크축 베어 어링 bear 진동 vibrat', 'local-ngram-v2', 384, $1)`,
		pgvector.NewVector(old))
	require.NoError(t, err)

	_, err = m.Up(ctx)
	require.NoError(t, err)
	local, err := rag.NewLocalEmbedder(0)
	require.NoError(t, err)
	s := rag.New(pool, local, rag.Options{})
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"none": 1}, st.Analyzers, "rows from before the migration are marked stale")
	require.Equal(t, map[string]int{"local-ngram-v2/384": 1}, st.Models)

	// Until the reembed, hybrid search answers from the old full-text terms.
	res, err := s.Search(ctx, rag.Query{Text: "bearing vibration"})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-OLD-1"}, ids(res))

	n, err := s.Reembed(ctx, 10, nil)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	st, err = s.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{st.Analyzer: 1}, st.Analyzers)
	require.Equal(t, map[string]int{"local-ngram-v3/384": 1}, st.Models)
	var lex string
	require.NoError(t, pool.QueryRow(ctx, `SELECT lex FROM chunks WHERE document_id = 'INC-OLD-1'`).Scan(&lex))
	require.Contains(t, lex, "crankshaft")
	require.NotContains(t, lex, "어링", "particles and bigrams of vocabulary words are gone")
	// The new terms find it from a shop-floor question in either language.
	for _, q := range []string{"2호기 프레스 크랭크 베어링", "press-2 crankshaft bearing"} {
		res, err = s.Search(ctx, rag.Query{Text: q, Mode: rag.ModeVector})
		require.NoError(t, err)
		require.Equal(t, []string{"INC-OLD-1"}, ids(res), q)
	}

	// Down keeps every row; up again marks them stale once more.
	_, err = m.DownTo(ctx, 59)
	require.NoError(t, err)
	var chunks int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM chunks WHERE lex LIKE '%crankshaft%'`).Scan(&chunks))
	require.Equal(t, 1, chunks)
	_, err = m.Up(ctx)
	require.NoError(t, err)
	st, err = s.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"none": 1}, st.Analyzers)
}
