package agent

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/tools"
)

// otherSystem is a tool run by another plant system (the role an external
// MCP server's tool plays; internal/mcp tests the real one end to end).
type otherSystem struct {
	tools.Tool
	origin string
	calls  *atomic.Int32
}

func (o otherSystem) Origin() string { return o.origin }

func (o otherSystem) Call(ctx context.Context, raw json.RawMessage) (tools.Result, error) {
	o.calls.Add(1)
	return o.Tool.Call(ctx, raw)
}

func workOrders(calls *atomic.Int32) tools.Tool {
	return otherSystem{origin: "mcp:cmms", calls: calls, Tool: tools.New("cmms_list_work_orders", "Work orders of an asset.",
		map[string]any{"type": "object", "properties": map[string]any{"asset": map[string]any{"type": "string"}}},
		func(ctx context.Context, a struct {
			Asset string `json:"asset"`
		}) (tools.Result, error) {
			return tools.Result{Summary: "WO-4411 open on " + a.Asset + ": main bearing last changed 412 days ago",
				Data: map[string]any{"orders": []any{map[string]any{"id": "WO-4411", "asset": a.Asset, "days_since_bearing_change": 412}}}}, nil
		})}
}

func TestExternalToolsServeTheLLMButNeverAloneBackEquipmentSteps(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := llmtest.New(t,
		llmtest.CallTools(llmtest.Call("cmms_list_work_orders", `{"asset":"press-3"}`), llmtest.Call("detect_anomalies", `{"asset":"press-3"}`)),
		llmtest.Final(`{"situation":"press-3 vibration is 6.9 mm/s against 2.8 mm/s; WO-4411 is open.","cause":"Probably bearing wear.",
"steps":[
 {"text":"Replace the press-3 main bearing now","reason":"the CMMS says it was last changed 412 days ago","touches_equipment":true},
 {"text":"Grease the main drive bearing","reason":"RB-007 is the procedure","citations":["RB-007"],"touches_equipment":true},
 {"text":"Stop press-3 at the next planned break","reason":"vibration 6.9 mm/s against a baseline of 2.8 mm/s"},
 {"text":"Tell the planner that WO-4411 is still open","reason":"412 days since the last bearing change"}
],"confidence":"medium"}`),
	)
	r := newTestRunner(t, newTestModel(t, srv), nil, func(o *Options) { o.Tools = fixtureTools(workOrders(&calls)) })
	a := ask(t, r, "Press 3 is vibrating, what should I do?")

	require.Equal(t, ModeLLM, a.Mode)
	require.EqualValues(t, 1, calls.Load())
	var traced bool
	for _, tr := range a.Trace {
		if tr.Tool == "cmms_list_work_orders" {
			traced = true
			require.Equal(t, "mcp:cmms", tr.Origin, "the trace shows where the result came from")
			require.Contains(t, tr.Summary, "WO-4411")
		} else {
			require.Empty(t, tr.Origin, tr.Tool)
		}
	}
	require.True(t, traced)

	var texts []string
	for _, s := range a.Steps {
		texts = append(texts, s.Text)
	}
	require.NotContains(t, texts, "Replace the press-3 main bearing now", "an equipment step backed only by the CMMS is held back")
	require.Contains(t, texts, "Grease the main drive bearing", "a runbook backs it")
	require.Contains(t, texts, "Stop press-3 at the next planned break", "Gemba's own sensor data backs it")
	require.Contains(t, texts, "Tell the planner that WO-4411 is still open", "not an equipment step")
	require.Contains(t, strings.Join(a.Warnings, "\n"), "only another system (mcp:cmms) backs it")

	// The model was told which tools are another system's.
	sys := srv.Requests()[0].Messages[0].Content
	require.Contains(t, sys, "come from other plant systems, not from Gemba: cmms_list_work_orders")
}

func TestOfflinePlannerNeverUsesExternalTools(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	// The model asks for the other system's tool, then fails for good:
	// the planner answers from Gemba's own tools, not from the CMMS.
	srv := llmtest.New(t,
		llmtest.CallTools(llmtest.Call("cmms_list_work_orders", `{"asset":"press-3"}`)),
		llmtest.Fail(500), llmtest.Fail(500), llmtest.Fail(500),
	)
	r := newTestRunner(t, newTestModel(t, srv), nil, func(o *Options) {
		o.Tools = fixtureTools(workOrders(&calls))
		o.MaxRetries = -1
	})
	a := ask(t, r, "Press 3 is vibrating, what should I do?")
	require.Equal(t, ModeOffline, a.Mode)
	require.EqualValues(t, 1, calls.Load(), "only the model called it")
	require.NotContains(t, a.Text, "WO-4411", "the planner composes nothing from another system's result")
	require.Contains(t, a.Situation, "6.9")

	// Without a model the tool is never called at all.
	off := newTestRunner(t, nil, nil, func(o *Options) { o.Tools = fixtureTools(workOrders(&calls)) })
	a = ask(t, off, "Press 3 is vibrating, what should I do? Check the work orders too")
	require.EqualValues(t, 1, calls.Load())
	for _, tr := range a.Trace {
		require.NotEqual(t, "cmms_list_work_orders", tr.Tool)
	}
}
