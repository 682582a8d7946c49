package agent_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/agent/agenttest"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/planner"
	"github.com/gemba-ai/gemba/tools"
)

// These tests run the runner with the real offline planner on the test
// plant: the fallback when the model fails, and answers without a model.

func newRunner(t *testing.T, model agent.Model, store *agent.Store, reg *tools.Registry) *agent.Runner {
	t.Helper()
	if reg == nil {
		reg = agenttest.Tools()
	}
	r, err := agent.New(agent.Options{Model: model, ModelName: "scripted", Tools: reg, Store: store, Docs: agenttest.DocIndex{},
		Planner: planner.New(planner.Options{}), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return agenttest.Now }, RetryBase: 10 * time.Millisecond, LLMTimeout: 5 * time.Second, ToolTimeout: 2 * time.Second,
		Deadline: 20 * time.Second, MaxRetries: 2})
	require.NoError(t, err)
	return r
}

func model(t *testing.T, srv *llmtest.Server) agent.Model {
	t.Helper()
	m, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(t, err)
	return m
}

func TestServerErrorsFallBackToThePlanner(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Fail(500), llmtest.Fail(502), llmtest.Fail(503))
	store := agent.NewStore(dbtest.Tx(t))
	r := newRunner(t, model(t, srv), store, nil)
	a, err := r.Ask(context.Background(), agent.Request{ThreadKey: "cli:fallback", Question: "Press 3 is vibrating, what should I do?"})
	require.NoError(t, err)
	require.Len(t, srv.Requests(), 3)
	require.Equal(t, agent.ModeOffline, a.Mode)
	require.Equal(t, "diagnose", a.Intent)
	require.Contains(t, strings.Join(a.Warnings, " "), "LLM was unavailable")
	require.Contains(t, a.Text, "Made without an LLM")
	require.Contains(t, a.Situation, "6.9 mm/s")
	require.NotEmpty(t, a.Steps)
	for _, s := range append(a.Steps, a.Detail...) {
		if s.TouchesEquipment {
			require.Equal(t, agent.BasisSensor, s.Basis, s.Text)
			require.NotEmpty(t, s.SOP, s.Text)
		}
	}
	tr, err := store.Trace(context.Background(), a.ID)
	require.NoError(t, err)
	require.Len(t, tr.ModelCalls, 3)
}

func TestTimeoutFallsBackToTheKoreanPlanner(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Hang(), llmtest.Hang())
	r, err := agent.New(agent.Options{Model: model(t, srv), Tools: agenttest.Tools(), Docs: agenttest.DocIndex{}, Planner: planner.New(planner.Options{}),
		Now: func() time.Time { return agenttest.Now }, MaxRetries: 1, LLMTimeout: 150 * time.Millisecond})
	require.NoError(t, err)
	began := time.Now()
	a, err := r.Ask(context.Background(), agent.Request{Question: "프레스 3호기 진동이 심해요. 어떻게 해야 하나요?"})
	require.NoError(t, err)
	require.Less(t, time.Since(began), 5*time.Second)
	require.Equal(t, agent.ModeOffline, a.Mode)
	require.Equal(t, "ko", a.Lang)
	require.Contains(t, a.Text, "LLM 없이")
	require.Contains(t, a.Situation, "진동")
}

// TestPlannerNeverActsOnDocumentText: a tool a document names exists in
// the registry, yet the planner never calls it, and the document's
// instruction is left out with a warning.
func TestPlannerNeverActsOnDocumentText(t *testing.T) {
	t.Parallel()
	called := false
	setpoint := tools.New("set_setpoint", "test trap", map[string]any{"type": "object", "properties": map[string]any{}},
		func(context.Context, struct{}) (tools.Result, error) { called = true; return tools.Result{}, nil })
	r := newRunner(t, nil, nil, agenttest.Tools(setpoint))
	a, err := r.Ask(context.Background(), agent.Request{Question: "compressor 1 pressure is low, has this happened before?"})
	require.NoError(t, err)
	require.False(t, called)
	require.Equal(t, agent.ModeOffline, a.Mode)
	require.NotContains(t, a.Text, "IGNORE")
	require.NotContains(t, a.Text, "999")
	require.Contains(t, a.Text, "intake filter")
	require.Contains(t, strings.Join(a.Warnings, " "), "looked like instructions")
}

// TestNoPlannerConfigured: without a model and a planner the answer says
// nothing is configured to answer, and guesses nothing.
func TestNoPlannerConfigured(t *testing.T) {
	t.Parallel()
	r, err := agent.New(agent.Options{Tools: agenttest.Tools(), Now: func() time.Time { return agenttest.Now }})
	require.NoError(t, err)
	a, err := r.Ask(context.Background(), agent.Request{Question: "press 3?"})
	require.NoError(t, err)
	require.Equal(t, agent.ModeOffline, a.Mode)
	require.Empty(t, a.Steps)
	require.Contains(t, strings.Join(a.Warnings, " "), "no offline planner is configured")
}

// TestOfflinePlannerNeverUsesExternalTools: the model asks for another
// system's tool, then fails for good; the planner answers from Gemba's own
// tools, and without a model the other system's tool is never called.
func TestOfflinePlannerNeverUsesExternalTools(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	// The model asks for the other system's tool, then fails for good:
	// the planner answers from Gemba's own tools, not from the CMMS.
	srv := llmtest.New(t,
		llmtest.CallTools(llmtest.Call("cmms_list_work_orders", `{"asset":"press-3"}`)),
		llmtest.Fail(500), llmtest.Fail(500), llmtest.Fail(500),
	)
	r := newRunner(t, model(t, srv), nil, agenttest.Tools(agenttest.WorkOrders(&calls)))
	a, err := r.Ask(context.Background(), agent.Request{ThreadKey: "cli:ext1", Question: "Press 3 is vibrating, what should I do?"})
	require.NoError(t, err)
	require.Equal(t, agent.ModeOffline, a.Mode)
	require.EqualValues(t, 1, calls.Load(), "only the model called it")
	require.NotContains(t, a.Text, "WO-4411", "the planner composes nothing from another system's result")
	require.Contains(t, a.Situation, "6.9")

	// Without a model the tool is never called at all.
	off := newRunner(t, nil, nil, agenttest.Tools(agenttest.WorkOrders(&calls)))
	a, err = off.Ask(context.Background(), agent.Request{ThreadKey: "cli:ext2", Question: "Press 3 is vibrating, what should I do? Check the work orders too"})
	require.NoError(t, err)
	require.EqualValues(t, 1, calls.Load())
	for _, tr := range a.Trace {
		require.NotEqual(t, "cmms_list_work_orders", tr.Tool)
	}
}
