package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// plantNow is the clock of the seeded demo plant: press-3's vibration has
// been rising for the 36 hours before it.
var plantNow = time.Date(2026, 11, 27, 12, 47, 13, 0, time.UTC)

// plant is the demo plant on a database of the test's own: its series,
// its documents and Gemba's own tools on them, as the composition root
// builds them.
type plant struct {
	pool  *pgxpool.Pool
	docs  *rag.Store
	tools *tools.Registry
	audit *agent.Store
}

func seedPlant(t testing.TB) *plant {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	_, err := demo.Seed(ctx, pool, demo.Options{Now: plantNow})
	require.NoError(t, err)
	emb, err := rag.NewLocalEmbedder(384)
	require.NoError(t, err)
	now := func() time.Time { return plantNow }
	docs := rag.New(pool, emb, rag.Options{Now: now})
	corpus, err := demo.Docs(plantNow)
	require.NoError(t, err)
	rep, err := docs.IngestFS(ctx, corpus, ".", "demo/docs", rag.IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	reg := tools.NewRegistry(append(tools.PredictiveWith(series.New(pool), modelreg.New(pool), tools.PredictiveOptions{Now: now}), tools.Incidents(docs)...)...)
	return &plant{pool: pool, docs: docs, tools: reg, audit: agent.NewStore(pool)}
}

// serveHTTP serves the plant's MCP server over streamable HTTP on a local
// port and returns its URL.
func (p *plant) serveHTTP(t testing.TB, o mcp.HTTPOptions) string {
	t.Helper()
	srv, err := mcp.NewServer(mcp.ServerOptions{Tools: p.tools, Docs: p.docs, Recorder: p.audit, Version: "test"})
	require.NoError(t, err)
	h, disabled := srv.Handler(context.Background(), o)
	require.NoError(t, disabled)
	mux := http.NewServeMux()
	mux.Handle(mcp.Path, h)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs.URL + mcp.Path
}

// connect opens a session with the SDK's own client.
func connect(t testing.TB, endpoint string, hc *http.Client) *sdk.ClientSession {
	t.Helper()
	c := sdk.NewClient(&sdk.Implementation{Name: "gemba-test", Version: "1.0"}, nil)
	cs, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func ragQuery(text string) rag.Query { return rag.Query{Text: text, K: 3} }
