package tools_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// demoDocs is an incident store holding the demo plant's documents.
func demoDocs(t *testing.T) *rag.Store {
	t.Helper()
	s, _ := demoDocsPool(t)
	return s
}

// demoDocsPool is demoDocs with its database, for SQL computed apart.
func demoDocsPool(t *testing.T) (*rag.Store, *pgxpool.Pool) {
	t.Helper()
	pool := dbtest.Pool(t)
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	require.NoError(t, err)
	s := rag.New(pool, emb, rag.Options{})
	rep, err := s.Ingest(context.Background(), []string{"../internal/demo/docs"}, rag.IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	return s, pool
}

// documentIDs runs a query of document ids.
func documentIDs(t *testing.T, pool *pgxpool.Pool, query string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), query)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestIncidentTools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := demoDocs(t)
	reg := tools.NewRegistry(tools.Incidents(s)...)
	search, ok := reg.Get("search_incidents")
	require.True(t, ok)
	get, ok := reg.Get("get_document")
	require.True(t, ok)

	res, err := search.Call(ctx, json.RawMessage(`{"query":"press-3 vibration rising","k":3}`))
	require.NoError(t, err)
	require.Empty(t, res.UserError)
	require.Len(t, res.Citations, 3)
	require.Equal(t, "INC-1003", res.Citations[0].ID)
	require.Contains(t, res.Summary, "INC-1003 (worked)")

	// A channel scoped to line-3 sees line-3 documents and plant-wide ones.
	scoped := tools.WithScope(ctx, tools.Scope{Line: "line-3"})
	res, err = search.Call(scoped, json.RawMessage(`{"query":"vibration rising bearing","k":5}`))
	require.NoError(t, err)
	for _, c := range res.Citations {
		d, err := s.Get(ctx, c.ID)
		require.NoError(t, err)
		require.Contains(t, []string{"line-3", ""}, d.Line, c.ID)
	}
	// Arguments that name an asset override the scope.
	res, err = search.Call(scoped, json.RawMessage(`{"query":"vibration","asset":"press-3","kind":"incident","since":"2024-01-01"}`))
	require.NoError(t, err)
	require.NotEmpty(t, res.Citations)
	for _, c := range res.Citations {
		d, _ := s.Get(ctx, c.ID)
		require.Equal(t, "press-3", d.Asset)
	}

	for _, bad := range []string{`{"query":""}`, `{"query":"x","kind":"memo"}`, `{"query":"x","since":"soon"}`, `{"query":"x","colour":"red"}`, `{"query":3}`} {
		res, err = search.Call(ctx, json.RawMessage(bad))
		require.NoError(t, err)
		require.NotEmpty(t, res.UserError, bad)
		// Only arguments that do not decode are marked invalid; a valid
		// request the store cannot serve is not.
		require.Equal(t, bad == `{"query":"x","colour":"red"}` || bad == `{"query":3}`, res.InvalidArgs, bad)
	}
	res, err = search.Call(ctx, json.RawMessage(`{"query":"xyzzy qwerty"}`))
	require.NoError(t, err)
	require.Contains(t, res.Summary, "no documents match")

	res, err = get.Call(ctx, json.RawMessage(`{"id":"RB-LOTO"}`))
	require.NoError(t, err)
	require.Contains(t, res.Data.(map[string]any)["body"], "[LOTO]")
	require.Equal(t, "RB-LOTO", res.Citations[0].ID)
	res, err = get.Call(ctx, json.RawMessage(`{"id":"INC-404"}`))
	require.NoError(t, err)
	require.Contains(t, res.UserError, "no document")
}

// TestSearchIncidentsWindow: an empty query with since and until lists
// every incident of that window, newest first, whatever its words; checked
// against SQL over the same store; a window that ends before it starts is
// a clear error.
func TestSearchIncidentsWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := demoDocsPool(t)
	search := tools.SearchIncidentsTool(s)

	want := documentIDs(t, pool, `SELECT id FROM documents WHERE kind = 'incident' AND occurred_at >= '2024-11-01' AND occurred_at < '2025-01-01' ORDER BY occurred_at DESC, id`)
	require.Greater(t, len(want), 5, "the demo documents have incidents in November and December 2024")

	res, err := search.Call(ctx, json.RawMessage(`{"query":"","kind":"incident","since":"2024-11-01","until":"2025-01-01","k":50}`))
	require.NoError(t, err)
	require.Empty(t, res.UserError)
	var got []string
	for _, c := range res.Citations {
		got = append(got, c.ID)
	}
	require.Equal(t, want, got)

	res, err = search.Call(ctx, json.RawMessage(`{"query":"","kind":"incident","since":"2025-01-01","until":"2024-11-01"}`))
	require.NoError(t, err)
	require.Contains(t, res.UserError, "the window is empty")
	res, err = search.Call(ctx, json.RawMessage(`{"query":"x","until":"later"}`))
	require.NoError(t, err)
	require.Contains(t, res.UserError, "until")
}

// TestSearchIncidentsOutcome: "fixes that did not work" are every incident
// recorded as failed, as SQL lists them, and a bad outcome is a clear error.
func TestSearchIncidentsOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := demoDocsPool(t)
	search := tools.SearchIncidentsTool(s)

	want := documentIDs(t, pool, `SELECT id FROM documents WHERE kind = 'incident' AND outcome = 'failed' ORDER BY id`)
	require.GreaterOrEqual(t, len(want), 3, "the demo documents record failed fixes")

	res, err := search.Call(ctx, json.RawMessage(`{"query":"","kind":"incident","outcome":"failed","k":50}`))
	require.NoError(t, err)
	require.Empty(t, res.UserError)
	var got []string
	for _, c := range res.Citations {
		got = append(got, c.ID)
	}
	require.ElementsMatch(t, want, got)

	res, err = search.Call(ctx, json.RawMessage(`{"query":"","outcome":"maybe"}`))
	require.NoError(t, err)
	require.Contains(t, res.UserError, "unknown outcome")
}
