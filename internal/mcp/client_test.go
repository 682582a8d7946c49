package mcp_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/tools"
)

func toolNames(ts []tools.Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return out
}

func get(t *testing.T, ts []tools.Tool, name string) tools.Tool {
	t.Helper()
	for _, x := range ts {
		if x.Name() == name {
			return x
		}
	}
	t.Fatalf("no tool %s among %v", name, toolNames(ts))
	return nil
}

func TestConnectOffersTheAllowedToolsUnderAPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ext := mcp.Connect(ctx, []config.MCPServer{
		{Name: "cmms", URL: serveCMMS(t, nil), Prefix: "cmms_", Timeout: 2 * time.Second,
			Tools: []string{"list_work_orders", "broken", "dump", "work_orders_by_line"}},
		{Name: "erp", URL: "http://127.0.0.1:1/mcp", Prefix: "erp_", Timeout: time.Second, Tools: []string{"*"}},
	}, mcp.ClientOptions{Reserved: []string{"cmms_dump"}})
	t.Cleanup(func() { require.NoError(t, ext.Close()) })

	require.Equal(t, []string{"cmms_broken", "cmms_list_work_orders"}, toolNames(ext.Tools()),
		"close_work_order is not allowed, cmms_dump clashes with a reserved name")
	problems := strings.Join(ext.Problems, "\n")
	require.Contains(t, problems, "MCP server erp: connect")
	require.Contains(t, problems, `MCP server cmms has no tool "work_orders_by_line"`)
	require.Contains(t, problems, `"cmms_dump" is a tool name of Gemba's own`)

	wo := get(t, ext.Tools(), "cmms_list_work_orders")
	x, ok := wo.(agent.ExternalTool)
	require.True(t, ok, "external tools are marked for the agent")
	require.Equal(t, "mcp:cmms", x.Origin())
	require.Contains(t, wo.Description(), `[from the plant system "cmms" over MCP`)
	require.Equal(t, "object", wo.Schema()["type"])
	require.Contains(t, wo.Schema()["properties"], "asset")

	res, err := wo.Call(ctx, json.RawMessage(`{"asset":"press-3"}`))
	require.NoError(t, err)
	require.Empty(t, res.UserError)
	b, _ := json.Marshal(res.Data)
	require.Contains(t, string(b), `"id":"WO-4411"`)
	require.Contains(t, res.Summary, "(from cmms)")

	// The server's own refusals come back in its words, for the model to read.
	res, err = wo.Call(ctx, json.RawMessage(`{}`))
	require.NoError(t, err)
	require.Contains(t, res.UserError, `missing properties: ["asset"]`)
	res, err = wo.Call(ctx, json.RawMessage(`[1, 2]`))
	require.NoError(t, err)
	require.True(t, res.InvalidArgs)
	res, err = get(t, ext.Tools(), "cmms_broken").Call(ctx, nil)
	require.NoError(t, err)
	require.Contains(t, res.UserError, "cmms: the CMMS database is in maintenance until 06:00")
}

func TestConnectStartsACommandOverStdio(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ext := mcp.Connect(ctx, []config.MCPServer{{
		Name: "cmms", Command: []string{os.Args[0], "-test.run=^$"}, Env: map[string]string{childEnv: "1"},
		Prefix: "cmms_", Timeout: 10 * time.Second, Tools: []string{"*"},
	}}, mcp.ClientOptions{})
	require.Empty(t, ext.Problems)
	require.Equal(t, []string{"cmms_broken", "cmms_close_work_order", "cmms_dump", "cmms_list_work_orders", "cmms_slow_report"}, toolNames(ext.Tools()))
	res, err := get(t, ext.Tools(), "cmms_list_work_orders").Call(ctx, json.RawMessage(`{"asset":"pump-1"}`))
	require.NoError(t, err)
	b, _ := json.Marshal(res.Data)
	require.Contains(t, string(b), `"asset":"pump-1"`)
	require.NoError(t, ext.Close())
}

func TestAServerThatDoesNotAnswerIsBoundedByItsTimeout(t *testing.T) {
	t.Parallel()
	hung := make(chan struct{}, 1)
	ext := mcp.Connect(context.Background(), []config.MCPServer{{
		Name: "cmms", URL: serveCMMS(t, hung), Prefix: "cmms_", Timeout: 300 * time.Millisecond, Tools: []string{"slow_report"},
	}}, mcp.ClientOptions{})
	t.Cleanup(func() { _ = ext.Close() })
	began := time.Now()
	_, err := get(t, ext.Tools(), "cmms_slow_report").Call(context.Background(), nil)
	require.ErrorContains(t, err, "MCP server cmms did not answer slow_report within 300ms")
	require.Less(t, time.Since(began), 3*time.Second)
	select {
	case <-hung:
	case <-time.After(time.Second):
		t.Fatal("the tool never started on the server")
	}

	// The caller's own, shorter deadline keeps its error.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = get(t, ext.Tools(), "cmms_slow_report").Call(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
