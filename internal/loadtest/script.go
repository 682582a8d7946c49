package loadtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/tools"
)

// ScriptedAnswer is the scripted model used under load: for a new question
// it asks for three tools at once (anomalies on the asset, past incidents,
// the line's forecast against plan); once the tool results are in, it
// answers with a prescriptive JSON answer quoting the question. It answers
// instantly, so what is measured is Gemba's own overhead.
func ScriptedAnswer(req llmtest.Request) llmtest.Reply {
	last := req.Last()
	if last.Role != "tool" {
		q := strings.ToLower(last.Content)
		asset := "press-3"
		for _, a := range []string{"press-1", "press-2", "cnc-2", "pump-1", "conveyor-1"} {
			if strings.Contains(q, a) {
				asset = a
			}
		}
		return llmtest.CallTools(
			llmtest.Call(tools.DetectAnomalies, fmt.Sprintf(`{"asset":%q,"hours":24}`, asset)),
			llmtest.Call(tools.SearchIncidents, fmt.Sprintf(`{"query":%q,"k":3}`, asset+" vibration")),
			llmtest.Call("compare_to_plan", `{"line":"line-1"}`),
		)
	}
	ans := map[string]any{
		"situation":  "The asset's sensors were checked over the last 24 hours.",
		"cause":      "See the anomaly events and the past incidents found.",
		"steps":      []map[string]any{{"text": "Inspect the asset at the next stop.", "reason": "Anomaly events in the window."}},
		"confidence": "medium",
		"escalate":   "Call maintenance if it gets worse.",
	}
	b, _ := json.Marshal(ans)
	return llmtest.Final(string(b))
}
