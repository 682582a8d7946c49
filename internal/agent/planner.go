package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// Planner answers a question without a model: the offline planner
// (internal/planner) when no LLM is configured or the LLM failed. It calls
// tools only through in.Tools, so its calls enter the trace and the audit
// trail like the model's, and its answer gets the same grounding.
type Planner interface {
	Plan(ctx context.Context, in PlanInput) (*Answer, error)
}

// PlanInput is one question as the planner gets it.
type PlanInput struct {
	// Request is the question; its Now is set (the runner's clock).
	Request Request
	// Lang is the question's language ("en", "ko").
	Lang string
	// History are the thread's earlier turns, oldest first.
	History []Turn
	// Tools runs tool calls within the turn.
	Tools Tools
}

// Tools runs a planner's tool calls within one turn.
type Tools interface {
	// Has reports whether a tool is offered in this turn (a channel may
	// limit the tools).
	Has(name string) bool
	// Run runs the calls concurrently, each with its own timeout, and
	// returns their results in order.
	Run(ctx context.Context, calls ...ToolCall) []ToolResult
	// Plant returns the plant as the series catalog (list_series) and the
	// configured defaults describe it, read once per turn.
	Plant(ctx context.Context) (*plant.Plant, error)
}

// ToolCall is one call the planner asks for, with the tool's own argument names.
type ToolCall struct {
	Name string
	Args map[string]any
}

// ToolResult is the outcome of one call.
type ToolResult struct {
	Call ToolCall
	// OK is set when the tool returned a result without a user error.
	OK bool
	// Result is what the tool returned.
	Result tools.Result
	// Error says what went wrong (a readable tool error, a failure, a timeout).
	Error string
}

// turnTools is the Tools of one turn.
type turnTools struct {
	r *Runner
	t *turn

	mu    sync.Mutex
	step  int
	plant *plant.Plant
	err   error
	read  bool
}

func (tt *turnTools) Has(name string) bool {
	_, ok := tt.t.registry.Get(name)
	return ok
}

func (tt *turnTools) Run(ctx context.Context, calls ...ToolCall) []ToolResult {
	if len(calls) == 0 {
		return nil
	}
	tt.mu.Lock()
	tt.step++
	step := 100 + tt.step // planner steps are numbered apart from model steps in the trace
	tt.mu.Unlock()
	pending := make([]pendingCall, len(calls))
	for i, c := range calls {
		args, err := json.Marshal(c.Args)
		if err != nil || c.Args == nil {
			args = []byte("{}")
		}
		pending[i] = pendingCall{ID: fmt.Sprintf("plan_%d_%d", step, i), Name: c.Name, Args: string(args), Step: step}
	}
	return tt.run(ctx, calls, pending)
}

// runUnscoped runs calls without the channel's scope.
func (tt *turnTools) runUnscoped(ctx context.Context, calls ...ToolCall) []ToolResult {
	tt.mu.Lock()
	tt.step++
	step := 100 + tt.step
	tt.mu.Unlock()
	pending := make([]pendingCall, len(calls))
	for i, c := range calls {
		args, _ := json.Marshal(c.Args)
		pending[i] = pendingCall{ID: fmt.Sprintf("plan_%d_%d", step, i), Name: c.Name, Args: string(args), Step: step, Unscoped: true}
	}
	return tt.run(ctx, calls, pending)
}

func (tt *turnTools) run(ctx context.Context, calls []ToolCall, pending []pendingCall) []ToolResult {
	outs := tt.r.runCalls(ctx, tt.t, pending)
	res := make([]ToolResult, len(outs))
	for i, o := range outs {
		res[i] = ToolResult{Call: calls[i], OK: o.ok, Result: o.res, Error: o.trace.Error}
	}
	return res
}

// Plant reads the series catalog through list_series (by kind, then page
// by page, when one page does not hold it) and builds the plant from it
// and the runner's plant defaults.
func (tt *turnTools) Plant(ctx context.Context) (*plant.Plant, error) {
	tt.mu.Lock()
	if tt.read {
		p, err := tt.plant, tt.err
		tt.mu.Unlock()
		return p, err
	}
	tt.mu.Unlock()
	p, err := tt.readPlant(ctx)
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.plant, tt.err, tt.read = p, err, true
	return p, err
}

func (tt *turnTools) readPlant(ctx context.Context) (*plant.Plant, error) {
	d := tt.t.plant.d
	if !tt.Has(tools.ListSeries) {
		return plant.New(nil, d)
	}
	// One call for the whole catalog and, beside it, one per kind of
	// series: a long catalog comes in pages, and the kinds together
	// usually fit where the whole does not. The maintenance register
	// (RegisterCall) adds the assets that have records but no series: a
	// machine of the CMMS is a machine of the plant.
	calls := []ToolCall{
		{Name: tools.ListSeries, Args: map[string]any{}},
		{Name: tools.ListSeries, Args: map[string]any{"kind": "sensor"}},
		{Name: tools.ListSeries, Args: map[string]any{"kind": "production"}},
		{Name: tools.ListSeries, Args: map[string]any{"kind": "plan"}}}
	if tt.Has(tools.MaintenanceHistory) {
		calls = append(calls, RegisterCall)
	}
	res := tt.runUnscoped(ctx, calls...)
	if len(res) > 4 && res[4].OK {
		d = withRegister(d, res[4].Result.Data)
	}
	if !res[0].OK {
		return plant.New(nil, d)
	}
	page := func(r ToolResult) ([]plant.Series, int) {
		ss := plant.SeriesFromData(r.Result.Data)
		var p struct {
			Total int `json:"total"`
		}
		if b, err := json.Marshal(r.Result.Data); err == nil {
			_ = json.Unmarshal(b, &p)
		}
		return ss, max(p.Total, len(ss))
	}
	series, total := page(res[0])
	if total <= len(series) {
		return plant.New(series, d)
	}
	var byKind []plant.Series
	complete, sum := true, 0
	for _, r := range res[1:] {
		if !r.OK {
			complete = false
			continue
		}
		ss, n := page(r)
		complete = complete && n <= len(ss)
		sum += n
		byKind = append(byKind, ss...)
	}
	if complete && sum == total {
		return plant.New(byKind, d)
	}
	// Still too long: the whole catalog page by page (an imported plant of
	// 100 machines × 4 sensors has no lines to split it by).
	var pages []ToolCall
	for off := len(series); off < total && len(pages) < maxCatalogPages; off += max(1, len(series)) {
		pages = append(pages, ToolCall{Name: tools.ListSeries, Args: map[string]any{"offset": off}})
	}
	for _, r := range tt.runUnscoped(ctx, pages...) {
		if r.OK {
			ss, _ := page(r)
			series = append(series, ss...)
		}
	}
	return plant.New(series, d)
}

// RegisterCall reads the maintenance register for the plant's catalog: a
// read of the catalog, like list_series, not a step of an answer.
var RegisterCall = ToolCall{Name: tools.MaintenanceHistory, Args: map[string]any{"aggregate": "assets"}}

// IsCatalogRead reports whether a traced call read the plant's catalog
// (RegisterCall) rather than answer the question.
func IsCatalogRead(t ToolTrace) bool {
	return t.Tool == tools.MaintenanceHistory && t.Args["aggregate"] == "assets"
}

// withRegister adds the register's assets that the plant model does not
// declare to d (a copy), with their type and line.
func withRegister(d plant.Defaults, data any) plant.Defaults {
	var reg struct {
		Assets []tools.RegisterAsset `json:"assets"`
	}
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &reg) != nil || len(reg.Assets) == 0 {
		return d
	}
	declared := map[string]bool{}
	for _, a := range d.Assets {
		declared[a.Name] = true
	}
	out := d
	out.Assets = append([]plant.AssetSpec(nil), d.Assets...)
	for _, a := range reg.Assets {
		if a.Asset != "" && !declared[a.Asset] {
			out.Assets = append(out.Assets, plant.AssetSpec{Name: a.Asset, Type: a.Type, Line: a.Line})
			declared[a.Asset] = true
		}
	}
	return out
}

// maxCatalogPages bounds the pages of list_series one question reads for
// the plant's catalog (50 series a page: 10,000 series).
const maxCatalogPages = 200
