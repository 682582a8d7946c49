package agent_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// TestDirectCallsAndTheirMigration records MCP calls, reads them back,
// and takes migration 00050 down and up again with them in the table:
// the calls stay, and are recognised as MCP calls again (their caller is
// what the down migration loses).
func TestDirectCallsAndTheirMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.NewDatabase(t)
	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	defer pool.Close()
	st := agent.NewStore(pool)
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	require.NoError(t, st.RecordCall(ctx, agent.DirectCall{Session: "s1", Caller: "claude-ai 0.1 (stdio)", Tool: "list_series",
		Args: json.RawMessage(`{"asset":"press-3"}`), DurationMS: 4, ResultBytes: 120, Summary: "5 series on 1 asset(s)", At: at}))
	require.NoError(t, st.RecordCall(ctx, agent.DirectCall{Session: "s1", Caller: "claude-ai 0.1 (stdio)", Tool: "detect_anomalies",
		Args: json.RawMessage(`not json`), Error: "arguments for detect_anomalies do not match its schema", At: at.Add(time.Second)}))

	calls, err := st.DirectCalls(ctx, agent.SourceMCP, 10)
	require.NoError(t, err)
	require.Len(t, calls, 2)
	require.Equal(t, "detect_anomalies", calls[0].Tool, "newest first")
	require.JSONEq(t, `{"_raw":"not json"}`, string(calls[0].Args), "arguments that are not an object are kept as text")
	require.Equal(t, "s1", calls[1].Session)
	require.Equal(t, "claude-ai 0.1 (stdio)", calls[1].Caller)
	require.Equal(t, "5 series on 1 asset(s)", calls[1].Summary)
	require.True(t, calls[1].At.Equal(at))
	none, err := st.DirectCalls(ctx, agent.SourceAgent, 10)
	require.NoError(t, err)
	require.Empty(t, none)

	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.DownTo(ctx, 5)
	require.NoError(t, err)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM tool_calls WHERE answer_id IS NULL`).Scan(&n))
	require.Equal(t, 2, n, "the down migration keeps the calls")
	_, err = m.Up(ctx)
	require.NoError(t, err)
	calls, err = st.DirectCalls(ctx, agent.SourceMCP, 10)
	require.NoError(t, err)
	require.Len(t, calls, 2)
	require.Equal(t, "list_series", calls[1].Tool)
	require.Empty(t, calls[1].Caller)
}
