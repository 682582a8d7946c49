package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/tools"
)

// mcpChildEnv makes the test binary run `gemba mcp` on its stdin and
// stdout instead of the tests: the stdio test starts it as a real process,
// the way Claude Desktop starts gemba.
const mcpChildEnv = "GEMBA_TEST_MCP_STDIO"

func TestMain(m *testing.M) {
	if os.Getenv(mcpChildEnv) == "1" {
		os.Exit(Run(context.Background(), []string{"mcp"}, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func textOf(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestMCPStdioGivesWhatAskGets is the done-when test of `gemba mcp`: the
// SDK's client starts it as a process on the seeded demo plant, lists
// Gemba's tools, and calls detect_anomalies on press-3 with the arguments
// `gemba ask` used, getting the result `gemba ask` got; bad arguments are
// tool errors; the calls are in the audit trail with the client's name.
func TestMCPStdioGivesWhatAskGets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := dbtest.NewDatabase(t)
	env := map[string]string{"GEMBA_DATABASE_URL": dbURL, "GEMBA_LOG_LEVEL": "error"}
	code, _, errOut := gemba(t, env, "demo", "seed")
	require.Equal(t, 0, code, errOut)

	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), mcpChildEnv+"=1", "GEMBA_DATABASE_URL="+dbURL, "GEMBA_LOG_LEVEL=error")
	cmd.Stderr = os.Stderr
	client := sdk.NewClient(&sdk.Implementation{Name: "gemba-test", Version: "1.0"}, nil)
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })

	listed, err := cs.ListTools(ctx, nil)
	require.NoError(t, err)
	var names []string
	for _, tl := range listed.Tools {
		names = append(names, tl.Name)
		require.Equal(t, "object", tl.InputSchema.(map[string]any)["type"], tl.Name)
	}
	sort.Strings(names)
	require.Equal(t, []string{tools.CompareToPlan, tools.DetectAnomalies, tools.ExplainAnomaly, tools.FailureRisk, tools.ForecastSeries,
		tools.GetDocument, tools.LatestReadings, tools.ListSeries, tools.MaintenanceHistory, tools.SearchIncidents}, names)

	// The demo plant's data ends at the real now, and a detection window
	// slides with it: should a reading fall out of the window between the
	// two calls, ask again.
	var askSummary, mcpSummary string
	for attempt := 0; attempt < 2 && (askSummary == "" || askSummary != mcpSummary); attempt++ {
		code, _, errOut = gemba(t, env, "ask", "is press 3 vibrating abnormally?")
		require.Equal(t, 0, code, errOut)
		code, out, errOut := gemba(t, env, "audit", "tail", "--n", "1", "--json")
		require.Equal(t, 0, code, errOut)
		var trs []agent.Trace
		require.NoError(t, json.Unmarshal([]byte(out), &trs))
		var detect *agent.ToolCallRecord
		for i, c := range trs[0].ToolCalls {
			if c.Tool == tools.DetectAnomalies && c.Args["asset"] == "press-3" {
				detect = &trs[0].ToolCalls[i]
			}
		}
		require.NotNil(t, detect, "gemba ask ran detect_anomalies on press-3: %+v", trs[0].ToolCalls)
		askSummary = detect.Summary

		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tools.DetectAnomalies, Arguments: detect.Args})
		require.NoError(t, err)
		require.False(t, res.IsError, textOf(res))
		var got struct {
			Summary string `json:"summary"`
		}
		require.NoError(t, json.Unmarshal([]byte(textOf(res)), &got))
		mcpSummary = got.Summary
	}
	require.Equal(t, askSummary, mcpSummary)
	require.Contains(t, mcpSummary, "press-3")

	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tools.DetectAnomalies, Arguments: map[string]any{"asset": 3}})
	require.NoError(t, err, "bad arguments are not a protocol error")
	require.True(t, res.IsError)
	require.Contains(t, textOf(res), "arguments for detect_anomalies do not match its schema")

	code, out, errOut := gemba(t, env, "mcp", "calls", "--json")
	require.Equal(t, 0, code, errOut)
	var calls []agent.DirectCall
	require.NoError(t, json.Unmarshal([]byte(out), &calls))
	require.GreaterOrEqual(t, len(calls), 2)
	require.Equal(t, "gemba-test 1.0 (stdio)", calls[0].Caller)
	require.Contains(t, calls[0].Error, "do not match its schema")
	require.Equal(t, tools.DetectAnomalies, calls[1].Tool)
	require.Equal(t, mcpSummary, calls[1].Summary)

	code, out, _ = gemba(t, env, "mcp", "calls")
	require.Equal(t, 0, code)
	require.Contains(t, out, "gemba-test 1.0 (stdio)")
	require.Contains(t, out, "detect_anomalies")
	code, _, errOut = gemba(t, env, "mcp", "calls", "--n", "0")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--n must be at least 1")
}

// TestServeMountsMCP checks the /mcp endpoint of `gemba serve`: behind
// GEMBA_MCP_TOKEN, with Gemba's own tools.
func TestServeMountsMCP(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error",
		"GEMBA_HTTP_ADDR": "127.0.0.1:0", "GEMBA_MCP_TOKEN": "mcp-test-token", "GEMBA_SHUTDOWN_TIMEOUT": "5s"}
	app := NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	addr := startServe(t, app)
	endpoint := "http://" + addr + "/mcp"
	client := sdk.NewClient(&sdk.Implementation{Name: "gemba-test", Version: "1.0"}, nil)
	_, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: endpoint, MaxRetries: -1}, nil)
	require.ErrorContains(t, err, "Unauthorized")

	hc := &http.Client{Transport: bearerTransport("mcp-test-token")}
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: endpoint, MaxRetries: -1, HTTPClient: hc}, nil)
	require.NoError(t, err)
	defer func() { _ = cs.Close() }()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tools.ListSeries, Arguments: map[string]any{}})
	require.NoError(t, err)
	require.True(t, res.IsError, "an empty plant says so as a tool error")
	require.Contains(t, textOf(res), "No series")
}

type bearerTransport string

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
