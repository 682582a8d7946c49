package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/gemba-ai/gemba/tools"
)

// diagnoseText is the "diagnose an asset" prompt: the order in which
// Gemba's own agent gathers evidence, and the rules its answers follow.
const diagnoseText = `Diagnose %[1]s%[2]s using Gemba's tools, and tell me what to do next.

1. Call detect_anomalies with {"asset": %[3]q, "hours": %[4]d} to see which sensors are abnormal, since when and by how much.
2. If something is abnormal, call explain_anomaly with {"asset": %[3]q, "hours": %[4]d} for the sensors that moved together and the likely failure mode.
3. Call search_incidents with {"query": %[5]q, "asset": %[3]q} for this machine's past incidents (a sister machine's incident is only a similar case; say so), then get_document on the best incident and the runbook it names.
4. Answer with: Situation (with the numbers from the tools), Likely cause, 3-5 numbered Next steps each with its reason and the document ids behind it, Confidence, and when to escalate.

Rules: every number must come from a tool result; cite only document ids the tools returned; a step that acts on the machine must name the runbook (SOP) it comes from; if the tools find nothing, say so instead of guessing.`

// diagnose expands the prompt for one asset, refusing an asset the plant
// does not have with the tool's own words (which name the known assets).
func (s *Server) diagnose(ctx context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
	args := req.Params.Arguments
	asset := strings.TrimSpace(args["asset"])
	if asset == "" {
		return nil, fmt.Errorf("%s needs an asset, e.g. press-3 (list_series names them)", DiagnosePrompt)
	}
	hours := 24
	if h := strings.TrimSpace(args["hours"]); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 24*92 {
			return nil, fmt.Errorf("%s: hours must be a whole number from 1 to %d, not %q", DiagnosePrompt, 24*92, h)
		}
		hours = n
	}
	if tl, ok := s.o.Tools.Get(tools.ListSeries); ok {
		b, _ := json.Marshal(map[string]string{"asset": asset})
		res, err := tl.Call(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("%s: check asset %q: %w", DiagnosePrompt, asset, err)
		}
		if res.UserError != "" {
			return nil, fmt.Errorf("%s: %s", DiagnosePrompt, res.UserError)
		}
	}
	symptom := strings.TrimSpace(args["symptom"])
	about, query := "", asset
	if symptom != "" {
		about, query = fmt.Sprintf(" (reported: %s)", symptom), asset+" "+symptom
	}
	return &sdk.GetPromptResult{
		Description: "Diagnose " + asset,
		Messages: []*sdk.PromptMessage{{
			Role:    "user",
			Content: &sdk.TextContent{Text: fmt.Sprintf(diagnoseText, asset, about, asset, hours, query)},
		}},
	}, nil
}
