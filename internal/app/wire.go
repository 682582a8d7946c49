package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/planner"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/internal/risk"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/series/prom"
	"github.com/gemba-ai/gemba/internal/vocab"
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
	core   *conversation.Core
	series *series.Store // the configured store (retention, the plant's database)
	source *prom.Source  // the plant's Prometheus-compatible database, or nil
	// plant is the plant model in force (the applied plant.yaml, else the
	// built-in defaults), reloaded by serve when a new one is applied.
	plant *model.Watcher
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
	pw := model.NewWatcher(ctx, pool, plant.DemoDefaults(), model.WatcherOptions{Logger: app.Logger()})
	st, src, err := seriesStore(app, pool)
	if err != nil {
		return nil, err
	}
	prepareSeries(ctx, app, st, src)
	reg := tools.NewRegistry(append(storeTools(st, pool), tools.Incidents(docs)...)...)
	llm := deps.model
	if llm == nil && !deps.offline {
		llm, err = agent.NewModel(cfg.LLM, &http.Client{})
		if err != nil {
			return nil, err
		}
	}
	name := cfg.LLM.Model
	if llm == nil {
		name = ""
	}
	agentTools, err := withExternalTools(ctx, app, reg, llm != nil) // see mcp.go
	if err != nil {
		return nil, err
	}
	o := agent.Options{
		Model:       llm,
		ModelName:   name,
		Planner:     planner.New(planner.Options{Logger: app.Logger()}),
		Plant:       pw.Current().Defaults,
		Tools:       agentTools,
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
	p := &parts{pool: pool, docs: docs, tools: reg, runner: runner, series: st, source: src, plant: pw}
	if p.core, err = newCore(cfg, p, app, deps.metrics); err != nil {
		return nil, err
	}
	// A new plant.yaml reaches the agent and the core without a restart
	// (serve runs the watcher).
	log := app.Logger()
	pw.OnChange(func(ctx context.Context, f model.InForce) {
		if err := runner.SetPlant(f.Defaults); err != nil {
			log.ErrorContext(ctx, "plant model: the agent keeps the previous plant", "err", err)
		}
		if cal, err := calendar(f.Defaults); err != nil {
			log.ErrorContext(ctx, "plant model: the conversation core keeps the previous calendar", "err", err)
		} else {
			p.core.SetCalendar(cal)
		}
	})
	return p, nil
}

// calendar is the plant of defaults without series: the time zone and
// shifts the conversation core speaks in, with the declared registry.
func calendar(d plant.Defaults) (*plant.Plant, error) {
	cal, err := plant.New(nil, d)
	if err != nil && !errors.Is(err, plant.ErrEmptyCatalog) {
		return nil, err
	}
	return cal, nil
}

// newCore builds the conversation core every front door runs on: the
// agent answers, its audit store keeps feedback and command answers,
// resolved threads go to the incident store, and the leader re-evaluates
// the models.
func newCore(cfg *config.Config, p *parts, app *App, metrics *ops.Metrics) (*conversation.Core, error) {
	log := app.Logger()
	reg := modelreg.New(p.pool, modelreg.WithSeries(p.series), modelreg.WithLogger(log))
	o := conversation.Options{
		DB:            p.pool,
		Asker:         p.runner,
		Feedback:      p.runner,
		Incidents:     conversation.RAGIncidents{Store: p.docs},
		Maintenance:   resolvedLog{store: maintenance.New(p.pool)},
		Tools:         p.tools,
		Logger:        log,
		Metrics:       metrics,
		Workers:       cfg.Slack.Workers,
		UserRate:      cfg.Slack.UserRate,
		AnswerTimeout: cfg.Agent.Deadline + 10*time.Second,
		Lease:         cfg.Slack.Lease,
		FollowUpAfter: cfg.Slack.FollowUpAfter,
		Permissions: conversation.Permissions{
			ForecastChannels: cfg.Slack.ForecastChannels,
			ForecastUsers:    cfg.Slack.ForecastUsers,
			DigestChannels:   cfg.Slack.DigestChannels,
			DigestUsers:      cfg.Slack.DigestUsers,
		},
		SweepEvery:   min(10*time.Second, max(cfg.Slack.Lease/4, time.Second)),
		DrainTimeout: cfg.ShutdownTimeout,
		Periodic: []conversation.Periodic{{
			// The registry's rolling backtests, every six hours and once a
			// minute after start, on the leader only.
			Name: "model-reevaluation", Every: 6 * time.Hour, FirstAfter: time.Minute,
			Run: func(ctx context.Context) error {
				evals, err := reg.Reevaluate(ctx, time.Now())
				if err != nil {
					return fmt.Errorf("model re-evaluation: %w", err)
				}
				drifted := 0
				for _, e := range evals {
					if e.Drifted {
						drifted++
					}
				}
				log.InfoContext(ctx, "models re-evaluated", "evaluations", len(evals), "drifted", drifted)
				return nil
			},
		}, {
			// The series store's partitions and retention, and the catalog
			// of the plant's database: hourly (each replica also runs it
			// once at start, in buildParts).
			Name: "series-maintenance", Every: time.Hour,
			Run: func(ctx context.Context) error {
				return maintainSeries(ctx, log, p.series, p.source)
			},
		}, {
			// The failure-risk model on the history recorded since it was
			// trained, once a day, on the leader only.
			Name: "risk-reevaluation", Every: 24 * time.Hour, FirstAfter: 2 * time.Minute,
			Run: func(ctx context.Context) error {
				ev, err := risk.NewService(p.pool).Reevaluate(ctx, time.Now())
				if errors.Is(err, risk.ErrNoModel) || err == nil && ev == nil {
					return nil
				}
				if err != nil {
					return fmt.Errorf("risk re-evaluation: %w", err)
				}
				log.InfoContext(ctx, "failure-risk model re-evaluated", "model", ev.ModelRef(), "drifted", ev.Drifted, "figures", ev.Metrics.Risk)
				return nil
			},
		}},
	}
	if st := p.runner.Store(); st != nil {
		o.Answers = st
	}
	cal, err := calendar(p.plant.Current().Defaults)
	if err != nil {
		return nil, err
	}
	o.Calendar = cal
	store := p.series
	o.Assets = store.Assets
	o.PlannedLines = func(ctx context.Context) ([]string, error) { return plannedLines(ctx, store) }
	riskSvc := risk.NewService(p.pool)
	o.Risk = func(ctx context.Context, now time.Time) ([]string, string, error) {
		return riskSvc.DigestAlarms(ctx, now, 3)
	}
	o.LineOf = func(ctx context.Context, asset string) string {
		ss, err := store.List(ctx, series.Filter{Asset: asset})
		if err != nil || len(ss) == 0 {
			return ""
		}
		return ss[0].Line
	}
	o.Alerts = conversation.AlertOptions{Disabled: !cfg.Alerts.Enabled, Cooldown: cfg.Alerts.Cooldown, EscalateAfter: cfg.Alerts.EscalateAfter, Confirm: cfg.Alerts.Confirm}
	if cfg.Alerts.EscalateAfter == 0 {
		o.Alerts.EscalateAfter = -1 // configured as "never"
	}
	for _, ch := range cfg.Alerts.Channels {
		src, name, ok := strings.Cut(ch, ":")
		if !ok {
			src, name = bot.Source, ch
		}
		o.Alerts.Channels = append(o.Alerts.Channels, conversation.Target{Source: src, Channel: name})
	}
	return conversation.New(o)
}

// newDocStore opens the incident store with the configured embedder and
// the retrieval vocabulary with the applied plant model's asset aliases
// (read at start: after a change of aliases, `gemba rag reembed`).
func newDocStore(ctx context.Context, cfg *config.Config, pool db.DBTX, app *App) (*rag.Store, error) {
	voc := plantVocabulary(ctx, pool, app)
	var emb rag.Embedder
	switch cfg.Embed.Provider {
	case "", "local":
		e, err := rag.NewLocalEmbedder(cfg.Embed.Dim)
		if err != nil {
			return nil, err
		}
		emb = e
		if voc != nil {
			emb = e.WithVocabulary(voc)
		}
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
	return rag.New(pool, emb, rag.Options{Logger: app.Logger(), Vocabulary: voc}), nil
}

// plantVocabulary is the retrieval vocabulary with the applied plant
// model's asset aliases ("800톤 프레스" is press-3), or nil (the default
// vocabulary) when no model with aliases is applied.
func plantVocabulary(ctx context.Context, pool db.DBTX, app *App) *vocab.Vocabulary {
	cur, err := model.Current(ctx, pool)
	if err != nil {
		app.Logger().WarnContext(ctx, "plant model: aliases not read; searches use the default vocabulary", "err", err)
		return nil
	}
	if cur == nil || len(cur.Model.Aliases()) == 0 {
		return nil
	}
	v, err := vocab.Default().WithAliases(cur.Model.Aliases())
	if err != nil {
		app.Logger().WarnContext(ctx, "plant model: aliases not usable for search", "err", err)
		return nil
	}
	return v
}

// plantTools are the predictive tools on the series store, naming the
// model registry's versions and drift in their results.
func plantTools(pool db.DBTX, app *App) []tools.Tool {
	st, _, err := seriesStore(app, pool)
	if err != nil {
		app.Logger().Error("series: GEMBA_SERIES_SOURCES is unusable; series in the plant's database cannot be read", "err", err)
		st = series.New(pool)
	}
	return storeTools(st, pool)
}

// storeTools are the predictive tools and latest_readings on st, and the
// maintenance history and failure-risk tools. The anomaly tools read the
// machines' alarm log from the maintenance history.
func storeTools(st *series.Store, pool db.DBTX) []tools.Tool {
	maint := maintenance.New(pool)
	return append(tools.PredictiveWith(st, modelreg.New(pool), tools.PredictiveOptions{Now: time.Now, Alarms: maint}), tools.LatestReadingsTool(st, time.Now),
		tools.MaintenanceHistoryTool(maint, time.Now), tools.FailureRiskTool(risk.NewService(pool), time.Now))
}

// resolvedLog records threads resolved with "Mark resolved" as work
// orders of the maintenance history, linked to their incident documents.
type resolvedLog struct{ store *maintenance.Store }

// RecordResolved writes the incident's record (replacing it when the
// thread is resolved again). Without an asset (a channel bound to none)
// there is nothing to record against.
func (l resolvedLog) RecordResolved(ctx context.Context, inc conversation.Incident) error {
	e, ok := maintenanceRecordOf(inc)
	if !ok {
		return nil
	}
	_, err := l.store.Upsert(ctx, []maintenance.Event{e}, false)
	return err
}

// maintenanceRecordOf is the maintenance record of a resolved thread.
func maintenanceRecordOf(inc conversation.Incident) (maintenance.Event, bool) {
	if inc.Asset == "" {
		return maintenance.Event{}, false
	}
	closed := inc.ResolvedAt
	down := inc.Downtime
	outcome := inc.Outcome
	if outcome == conversation.OutcomeUnknown {
		outcome = "unknown"
	}
	return maintenance.Event{ID: inc.ID, Kind: maintenance.KindWorkOrder, Status: maintenance.StatusClosed, Site: inc.Site, Line: inc.Line,
		Asset: inc.Asset, FailureMode: inc.RootCause, Title: inc.Title, OpenedAt: inc.OccurredAt, ClosedAt: &closed, DowntimeMinutes: &down,
		Outcome: outcome, DocumentID: inc.ID, Source: "resolve:" + inc.Via}, true
}

// plannedLines are the lines with an output series and a plan series
// (line-1.output and line-1.plan): the lines a digest compares with their
// plans.
func plannedLines(ctx context.Context, st *series.Store) ([]string, error) {
	plans, err := st.List(ctx, series.Filter{Kind: series.KindPlan})
	if err != nil {
		return nil, err
	}
	has := map[string]bool{}
	for _, s := range plans {
		has[strings.TrimSuffix(s.Name, ".plan")] = true
	}
	outs, err := st.List(ctx, series.Filter{Kind: series.KindProduction})
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, s := range outs {
		if l, ok := strings.CutSuffix(s.Name, ".output"); ok && has[l] {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}
