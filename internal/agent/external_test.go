package agent

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent/agenttest"
	"github.com/gemba-ai/gemba/internal/llmtest"
)

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
	r := newTestRunner(t, newTestModel(t, srv), nil, func(o *Options) { o.Tools = agenttest.Tools(agenttest.WorkOrders(&calls)) })
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
