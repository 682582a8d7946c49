package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// TestAgentCallsAnExternalMCPTool is the LLM path end to end: the scripted
// model calls the test CMMS's work orders through Gemba (real MCP over
// HTTP) beside Gemba's own detect_anomalies on the demo plant; the trace
// and the audit trail show where each result came from; a step that acts
// on equipment on the CMMS's word alone is held back; a CMMS tool that
// hangs is cut off by the agent's per-call deadline, and one that returns
// megabytes is capped like any tool.
func TestAgentCallsAnExternalMCPTool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := seedPlant(t)
	hung := make(chan struct{}, 4)
	ext := mcp.Connect(ctx, []config.MCPServer{{
		Name: "cmms", URL: serveCMMS(t, hung), Prefix: "cmms_", Timeout: 10 * time.Second,
		Tools: []string{"list_work_orders", "slow_report", "dump"},
	}}, mcp.ClientOptions{Reserved: toolNames(p.tools.List())})
	t.Cleanup(func() { _ = ext.Close() })
	require.Empty(t, ext.Problems)

	hits, err := p.docs.Search(ctx, rag.Query{Text: "press bearing lubrication", Kind: rag.KindRunbook, K: 1})
	require.NoError(t, err)
	require.NotEmpty(t, hits, "the demo store has a bearing runbook")
	runbook := hits[0].DocumentID

	srv := llmtest.New(t,
		llmtest.CallTools(llmtest.Call("cmms_list_work_orders", `{"asset":"press-3"}`), llmtest.Call(tools.DetectAnomalies, `{"asset":"press-3"}`)),
		llmtest.Final(fmt.Sprintf(`{"situation":"press-3 vibration is rising and work order WO-4411 is open.","cause":"Probably bearing wear.",
"steps":[
 {"text":"Replace the press-3 main bearing now","reason":"the CMMS says it was last changed 412 days ago","touches_equipment":true},
 {"text":"Lubricate the main drive bearing","reason":"the runbook's procedure","citations":[%q],"touches_equipment":true,"sop":%[1]q},
 {"text":"Tell the maintenance planner that WO-4411 is still open","reason":"412 days since the last bearing change"}
],"confidence":"medium"}`, runbook)),
		// Second question: the CMMS hangs, then the model answers with what it has.
		llmtest.CallTools(llmtest.Call("cmms_slow_report", `{}`)),
		llmtest.Final(`{"situation":"The CMMS report did not come back.","steps":[],"confidence":"low"}`),
		// Third: the CMMS returns far too much.
		llmtest.CallTools(llmtest.Call("cmms_dump", `{}`)),
		llmtest.Final(`{"situation":"The work order history is long.","steps":[],"confidence":"low"}`),
	)
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(t, err)
	runner, err := agent.New(agent.Options{
		Model: model, ModelName: "scripted", Store: p.audit, Docs: p.docs,
		Tools:       tools.NewRegistry(append(p.tools.List(), ext.Tools()...)...),
		ToolTimeout: 700 * time.Millisecond, MaxResultBytes: 4000, Deadline: 20 * time.Second,
		Now: func() time.Time { return plantNow },
	})
	require.NoError(t, err)

	a, err := runner.Ask(ctx, agent.Request{ThreadKey: "cli:mcp-1", Question: "press 3 is vibrating, what should I do?"})
	require.NoError(t, err)
	require.Equal(t, agent.ModeLLM, a.Mode)
	traced := map[string]agent.ToolTrace{}
	for _, tr := range a.Trace {
		traced[tr.Tool] = tr
	}
	require.Equal(t, "mcp:cmms", traced["cmms_list_work_orders"].Origin)
	require.Contains(t, traced["cmms_list_work_orders"].Summary, "(from cmms)")
	require.Empty(t, traced[tools.DetectAnomalies].Origin)

	// The model read the CMMS's answer as data in the tool message.
	msgs := srv.Requests()[1].Messages
	var sawOrder bool
	for _, m := range msgs {
		if m.Role == "tool" && strings.Contains(m.Content, "WO-4411") {
			sawOrder = true
			require.Contains(t, m.Content, `"tool":"cmms_list_work_orders"`)
		}
	}
	require.True(t, sawOrder)

	var steps []string
	for _, s := range a.Steps {
		steps = append(steps, s.Text)
	}
	require.Equal(t, []string{"Lubricate the main drive bearing", "Tell the maintenance planner that WO-4411 is still open"}, steps)
	require.Contains(t, strings.Join(a.Warnings, "\n"), "held back a step that acts on equipment: only another system (mcp:cmms) backs it")

	// The audit trail keeps the origin.
	tr, err := runner.Trace(ctx, a.ID)
	require.NoError(t, err)
	origins := map[string]string{}
	for _, c := range tr.ToolCalls {
		origins[c.Tool] = c.Origin
	}
	require.Equal(t, "mcp:cmms", origins["cmms_list_work_orders"])
	require.Empty(t, origins[tools.DetectAnomalies])

	// A hanging external tool is cut off by the agent's per-call deadline.
	began := time.Now()
	a, err = runner.Ask(ctx, agent.Request{ThreadKey: "cli:mcp-2", Question: "what does the CMMS report say about press 3?"})
	require.NoError(t, err)
	took := time.Since(began)
	require.Less(t, took, 5*time.Second, "the answer waited for the hanging tool")
	select {
	case <-hung:
	default:
		t.Fatal("the hanging tool never started on the CMMS")
	}
	// The model called one tool; the evidence gate may add its own
	// list_series reads of the plant catalog after it.
	require.NotEmpty(t, a.Trace)
	require.Equal(t, "mcp:cmms", a.Trace[0].Origin)
	require.Equal(t, "tool cmms_slow_report timed out after 700ms", a.Trace[0].Error)
	require.GreaterOrEqual(t, a.Trace[0].DurationMS, int64(650))
	for _, tr := range a.Trace[1:] {
		require.Equal(t, tools.ListSeries, tr.Tool, "only the gate's catalog reads follow the model's call")
	}
	require.Equal(t, "The CMMS report did not come back.", a.Situation)

	// A huge external result is capped before it reaches the model (its
	// transfer outlasts the per-call deadline under the race detector).
	if raceDetector {
		return
	}
	a, err = runner.Ask(ctx, agent.Request{ThreadKey: "cli:mcp-3", Question: "show me the work order history"})
	require.NoError(t, err)
	require.Greater(t, a.Trace[0].ResultSize, 100_000, "the whole result was received")
	reqs := srv.Requests()
	last := reqs[len(reqs)-1].Messages
	tool := last[len(last)-1]
	require.Equal(t, "tool", tool.Role)
	require.LessOrEqual(t, len(tool.Content), 4000, "capped at MaxResultBytes")
	var env map[string]any
	require.NoError(t, json.Unmarshal([]byte(tool.Content), &env))
	require.Equal(t, true, env["truncated"])
}
