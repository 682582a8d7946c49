package agent

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent/agenttest"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestModel returns the real langchaingo OpenAI client pointed at srv.
func newTestModel(t testing.TB, srv *llmtest.Server) Model {
	t.Helper()
	m, err := NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(t, err)
	return m
}

// newTestRunner builds a runner on the fixture tools; opts may adjust it.
func newTestRunner(t testing.TB, model Model, store *Store, adjust ...func(*Options)) *Runner {
	t.Helper()
	o := Options{
		Model: model, ModelName: "scripted", Tools: agenttest.Tools(), Store: store, Docs: agenttest.DocIndex{},
		Logger: quietLogger(), Now: func() time.Time { return agenttest.Now },
		RetryBase: 10 * time.Millisecond, LLMTimeout: 5 * time.Second, ToolTimeout: 2 * time.Second, Deadline: 20 * time.Second,
	}
	if model == nil {
		o.Model = nil
	}
	for _, f := range adjust {
		f(&o)
	}
	r, err := New(o)
	require.NoError(t, err)
	return r
}

// dbtestTx returns a transaction on the real test database, rolled back at the end.
func dbtestTx(t testing.TB) db.DBTX { return dbtest.Tx(t) }
