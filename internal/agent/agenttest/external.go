package agenttest

import (
	"context"
	"encoding/json"
	"sync/atomic"

	"github.com/gemba-ai/gemba/tools"
)

// otherSystem is a tool run by another plant system (the role an external
// MCP server's tool plays; internal/mcp tests the real one end to end). It
// implements the agent's ExternalTool through Origin.
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

// WorkOrders is cmms_list_work_orders of another system ("mcp:cmms"): press-3's
// open work order and the days since its bearing change. calls counts its calls.
func WorkOrders(calls *atomic.Int32) tools.Tool {
	return otherSystem{origin: "mcp:cmms", calls: calls, Tool: tools.New("cmms_list_work_orders", "Work orders of an asset.",
		map[string]any{"type": "object", "properties": map[string]any{"asset": map[string]any{"type": "string"}}},
		func(ctx context.Context, a struct {
			Asset string `json:"asset"`
		}) (tools.Result, error) {
			return tools.Result{Summary: "WO-4411 open on " + a.Asset + ": main bearing last changed 412 days ago",
				Data: map[string]any{"orders": []any{map[string]any{"id": "WO-4411", "asset": a.Asset, "days_since_bearing_change": 412}}}}, nil
		})}
}
