package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// runnerDeps are the optional parts buildRunner can be given (serve passes
// its metrics; tests and eval pass a clock or a model of their own).
type runnerDeps struct {
	metrics *ops.Metrics
	model   agent.Model
	offline bool // ignore the configured LLM
	options func(*agent.Options)
}

// buildRunner builds the agent from the configuration and the pool: the
// incident store and its tools, the plant tools, the audit store and the
// chat model (none configured: offline planner only).
func buildRunner(ctx context.Context, app *App) (*agent.Runner, error) {
	return buildRunnerWith(ctx, app, runnerDeps{})
}

func buildRunnerWith(ctx context.Context, app *App, deps runnerDeps) (*agent.Runner, error) {
	p, err := buildParts(ctx, app, deps)
	if err != nil {
		return nil, err
	}
	return p.runner, nil
}

// parts are the components the front ends (Slack bot, console, CLI) share,
// built once per process so that they share one incident store, one tool
// registry (and its caches) and one agent.
type parts struct {
	pool   *pgxpool.Pool
	docs   *rag.Store
	tools  *tools.Registry
	runner *agent.Runner
}

// buildParts builds the incident store and its tools, the plant tools, the
// audit store and the chat model (none configured: offline planner only).
func buildParts(ctx context.Context, app *App, deps runnerDeps) (*parts, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	pool, err := app.Pool(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := newDocStore(ctx, cfg, pool, app)
	if err != nil {
		return nil, err
	}
	st, src, err := seriesStore(app, pool)
	if err != nil {
		return nil, err
	}
	prepareSeries(ctx, app, st, src)
	reg := tools.NewRegistry(append(tools.Predictive(st, modelreg.New(pool), time.Now), tools.Incidents(docs)...)...)
	model := deps.model
	if model == nil && !deps.offline {
		model, err = agent.NewModel(cfg.LLM, &http.Client{})
		if err != nil {
			return nil, err
		}
	}
	name := cfg.LLM.Model
	if model == nil {
		name = ""
	}
	o := agent.Options{
		Model:       model,
		ModelName:   name,
		Tools:       reg,
		Store:       agent.NewStore(pool),
		Docs:        docs,
		Logger:      app.Logger(),
		Metrics:     deps.metrics,
		MaxSteps:    cfg.Agent.MaxSteps,
		Deadline:    cfg.Agent.Deadline,
		ToolTimeout: cfg.Agent.ToolTimeout,
		LLMTimeout:  cfg.LLM.Timeout,
		MaxRetries:  cfg.LLM.MaxRetries,
	}
	if cfg.LLM.MaxRetries == 0 {
		o.MaxRetries = -1 // configured as "no retries"
	}
	if deps.options != nil {
		deps.options(&o)
	}
	runner, err := agent.New(o)
	if err != nil {
		return nil, err
	}
	return &parts{pool: pool, docs: docs, tools: reg, runner: runner}, nil
}

// newDocStore opens the incident store with the configured embedder.
func newDocStore(ctx context.Context, cfg *config.Config, pool db.DBTX, app *App) (*rag.Store, error) {
	var emb rag.Embedder
	switch cfg.Embed.Provider {
	case "", "local":
		e, err := rag.NewLocalEmbedder(cfg.Embed.Dim)
		if err != nil {
			return nil, err
		}
		emb = e
	case "openai", "azure":
		e, err := rag.NewOpenAIEmbedder(ctx, rag.OpenAIOptions{BaseURL: cfg.Embed.BaseURL, APIKey: cfg.Embed.APIKey, Model: cfg.Embed.Model,
			Azure: cfg.Embed.Provider == "azure", APIVersion: cfg.LLM.APIVersion})
		if err != nil {
			return nil, err
		}
		emb = e
	case "ollama":
		e, err := rag.NewOllamaEmbedder(ctx, cfg.Embed.BaseURL, cfg.Embed.Model)
		if err != nil {
			return nil, err
		}
		emb = e
	default:
		return nil, fmt.Errorf("unknown embedding provider %q", cfg.Embed.Provider)
	}
	return rag.New(pool, emb, rag.Options{Logger: app.Logger()}), nil
}

// plantTools are the predictive tools on the series store, naming the
// model registry's versions and drift in their results.
func plantTools(pool db.DBTX, app *App) []tools.Tool {
	st, _, err := seriesStore(app, pool)
	if err != nil {
		app.Logger().Error("series: GEMBA_SERIES_SOURCES is unusable; series in the plant's database cannot be read", "err", err)
		st = series.New(pool)
	}
	return tools.Predictive(st, modelreg.New(pool), time.Now)
}
