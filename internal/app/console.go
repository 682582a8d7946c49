package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// consoleParts are the pieces the local console runs on. serve builds them
// once and shares them with the Slack bot; tests build them on a database
// of their own.
type consoleParts struct {
	// Runner is the agent (questions, stored answers, audit trail).
	Runner *agent.Runner
	// Tools run /gemba forecast and anomalies directly, and digests; nil
	// sends those commands to the agent as questions.
	Tools *tools.Registry
	// Docs is the incident store.
	Docs *rag.Store
	// Pool is the database.
	Pool *pgxpool.Pool
	// Metrics counts console questions; nil-safe.
	Metrics *ops.Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// buildConsole builds the local console on the configured database with
// its own runner, tools and incident store (serve may build the parts once
// and call newConsole to share them with the bot).
func buildConsole(ctx context.Context, app *App, metrics *ops.Metrics) (*console.Console, error) {
	p, err := buildParts(ctx, app, runnerDeps{metrics: metrics})
	if err != nil {
		return nil, err
	}
	return newConsole(app, consoleParts{Runner: p.runner, Tools: p.tools, Docs: p.docs, Pool: p.pool, Metrics: metrics})
}

// newConsole wires the console: the agent answers, the bot's Block Kit
// renderer draws the replies, the bot's command parser reads /gemba
// commands, "mark resolved" stores incidents the way the bot does, and the
// plant, incident and digest pages read the same stores. It answers a
// non-loopback GEMBA_HTTP_ADDR without GEMBA_CONSOLE_TOKEN by disabling
// itself (see console.Console.Disabled).
func newConsole(app *App, p consoleParts) (*console.Console, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	about := console.About{Version: Version, Slack: cfg.Slack.Enabled()}
	if cfg.LLM.Enabled() {
		about.LLM = strings.TrimSpace(cfg.LLM.Provider + " " + cfg.LLM.Model)
	}
	o := console.Options{
		Asker:   countingAsker{p.Runner, p.Metrics},
		Answers: p.Runner,
		Traces:  p.Runner,
		Renderer: func(a *agent.Answer, ro console.RenderOptions) []slack.Block {
			return bot.RenderAnswer(a, bot.RenderOptions{Detail: ro.Detail})
		},
		Commands: consoleCommands{p: p}.run,
		Plant:    console.NewSeriesPlant(series.New(p.Pool)),
		Digests:  consoleDigests{p: p},
		About:    about,
		Addr:     cfg.HTTPAddr,
		Token:    cfg.ConsoleToken,
		Logger:   app.Logger(),
		Now:      p.Now,
	}
	if st := p.Runner.Store(); st != nil {
		o.Feedback = st
	}
	if p.Docs != nil {
		o.Docs = ragDocs{p.Docs}
		o.Resolve = consoleResolver{inc: bot.RAGIncidents{Store: p.Docs}, now: p.Now}.resolve
	}
	return console.New(o)
}

// countingAsker counts console questions by mode, like the bot does for Slack.
type countingAsker struct {
	r *agent.Runner
	m *ops.Metrics
}

// Ask answers through the runner and counts the question.
func (c countingAsker) Ask(ctx context.Context, req agent.Request) (*agent.Answer, error) {
	a, err := c.r.Ask(ctx, req)
	if err == nil && a != nil {
		c.m.CountQuestion("console", a.Mode)
	}
	return a, err
}

// consoleCommands runs /gemba commands for the console as the bot does for
// Slack: the same parser and usage texts, forecasts and anomalies straight
// from the tools (the agent answers when a tool is missing), a digest
// preview for "digest now". Channel bindings, settings and schedules
// belong to Slack channels and are set there.
type consoleCommands struct {
	p consoleParts
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func ephemeralReply(text string) console.Reply {
	return console.Reply{Text: text, Ephemeral: true, Blocks: []slack.Block{section(text)}}
}

func (cc consoleCommands) run(ctx context.Context, c console.Command) (console.Reply, error) {
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Text), "/gemba"))
	cmd, err := bot.ParseCommand(rest)
	var ue *bot.UsageError
	if errors.As(err, &ue) {
		return ephemeralReply(":warning: " + ue.Problem + "\nUsage: " + bot.Usage(ue.Sub)), nil
	}
	if err != nil {
		return console.Reply{}, err
	}
	now := cc.p.Now()
	switch cmd.Sub {
	case bot.SubHelp:
		return ephemeralReply(bot.Usage("")), nil
	case bot.SubAsk:
		return cc.ask(ctx, c, cmd.Question)
	case bot.SubForecast:
		args := map[string]any{"series": cmd.Series}
		q := "Forecast " + cmd.Series
		if cmd.Horizon > 0 {
			args["horizon"] = cmd.Horizon
			q += fmt.Sprintf(" for the next %d steps", cmd.Horizon)
		}
		if cmd.Season > 0 {
			args["season"] = cmd.Season
			q += fmt.Sprintf(" with a season of %d steps", cmd.Season)
		}
		return cc.tool(ctx, c, tools.ForecastSeries, args, q)
	case bot.SubAnomalies:
		since := cmd.SinceTime
		if since.IsZero() {
			since = now.Add(-cmd.Since)
		}
		args := map[string]any{"since": since.UTC().Format(time.RFC3339)}
		what := "the plant"
		if cmd.Asset != "" {
			args["asset"] = cmd.Asset
			what = cmd.Asset
		}
		return cc.tool(ctx, c, tools.DetectAnomalies, args, fmt.Sprintf("What anomalies happened on %s since %s?", what, since.UTC().Format("2006-01-02 15:04 MST")))
	case bot.SubDigest:
		if cmd.DigestAction == "" || cmd.DigestAction == "now" {
			return consoleDigests(cc).Preview(ctx, c.Channel)
		}
		return ephemeralReply(":information_source: Digest schedules belong to Slack channels: run `/gemba digest " + cmd.DigestAction + "` in Slack. The console's Digests page lists them and previews one now."), nil
	default:
		return ephemeralReply(":information_source: `/gemba " + cmd.Sub + "` changes a Slack channel's settings; run it in Slack. In the console every question covers the whole plant."), nil
	}
}

// ask sends a question to the agent in the command's thread.
func (cc consoleCommands) ask(ctx context.Context, c console.Command, q string) (console.Reply, error) {
	a, err := cc.p.Runner.Ask(ctx, agent.Request{ThreadKey: c.ThreadKey, Channel: c.Channel, UserID: c.User, Question: q, Now: cc.p.Now()})
	if err != nil {
		return console.Reply{}, err
	}
	cc.p.Metrics.CountQuestion("console", a.Mode)
	return console.Reply{Answer: a}, nil
}

// tool runs a forecast or anomalies command straight from its tool, with
// its chart, and stores the result in the audit trail so the buttons and
// the trace work; a missing tool, or one that takes other arguments, hands
// the question to the agent. A readable tool error goes back to the caller
// only.
func (cc consoleCommands) tool(ctx context.Context, c console.Command, name string, args map[string]any, question string) (console.Reply, error) {
	var t tools.Tool
	if cc.p.Tools != nil {
		t, _ = cc.p.Tools.Get(name)
	}
	if t == nil {
		return cc.ask(ctx, c, question)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return console.Reply{}, fmt.Errorf("console command: %w", err)
	}
	start := time.Now()
	res, err := t.Call(ctx, raw)
	cc.p.Metrics.ObserveTool(name, time.Since(start), err != nil)
	if err != nil {
		return console.Reply{}, fmt.Errorf("%s: %w", name, err)
	}
	if res.UserError != "" {
		if res.InvalidArgs {
			return cc.ask(ctx, c, question)
		}
		return ephemeralReply(":information_source: " + res.UserError), nil
	}
	took := time.Since(start).Milliseconds()
	a := &agent.Answer{
		Lang: "en", Mode: agent.ModeOffline, Situation: res.Summary, Text: res.Summary, Citations: res.Citations, Charts: res.Charts,
		Trace:     []agent.ToolTrace{{Tool: name, Args: args, DurationMS: took, Summary: res.Summary}},
		LatencyMS: took,
	}
	if st := cc.p.Runner.Store(); st != nil {
		req := agent.Request{ThreadKey: c.ThreadKey, Channel: c.Channel, UserID: c.User, Question: question, Now: cc.p.Now()}
		id, err := st.SaveAnswer(ctx, req, a, nil)
		if err != nil {
			return console.Reply{}, fmt.Errorf("console command: record %s: %w", name, err)
		}
		a.ID = id
	}
	cc.p.Metrics.CountQuestion("console", agent.ModeOffline)
	return console.Reply{Answer: a}, nil
}

// consoleDigests lists the digest schedules stored by the bot and renders
// a digest now with the bot's builder, without posting it.
type consoleDigests struct {
	p consoleParts
}

// Schedules reads digest_schedules (written by /gemba digest schedule in Slack).
func (d consoleDigests) Schedules(ctx context.Context) ([]console.DigestSchedule, error) {
	rows, err := d.p.Pool.Query(ctx, `SELECT channel_id, cron, time_zone, scope, enabled FROM digest_schedules ORDER BY channel_id`)
	if err != nil {
		return nil, fmt.Errorf("console: digest schedules: %w", err)
	}
	defer rows.Close()
	var out []console.DigestSchedule
	now := d.p.Now()
	for rows.Next() {
		var s console.DigestSchedule
		if err := rows.Scan(&s.Channel, &s.Cron, &s.TimeZone, &s.Scope, &s.Enabled); err != nil {
			return nil, fmt.Errorf("console: digest schedules: %w", err)
		}
		if sch, err := cron.ParseStandard("CRON_TZ=" + s.TimeZone + " " + s.Cron); err == nil && s.Enabled {
			s.Next = sch.Next(now)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("console: digest schedules: %w", err)
	}
	return out, nil
}

// Preview builds the channel's digest now: its header message and the
// details the bot posts in the header's thread, one after the other.
func (d consoleDigests) Preview(ctx context.Context, channel string) (console.Reply, error) {
	dg, err := bot.BuildDigest(ctx, bot.DigestSource{DB: d.p.Pool, Tools: d.p.Tools, Now: d.p.Now}, channel)
	if err != nil {
		return console.Reply{}, fmt.Errorf("console: digest for %s: %w", channel, err)
	}
	header, details := bot.RenderDigest(dg)
	blocks := append(append(header, slack.NewDividerBlock()), details...)
	return console.Reply{Text: bot.DigestText(dg), Blocks: blocks, Charts: dg.Charts}, nil
}

// ragDocs adapts the incident store to the console's Docs.
type ragDocs struct {
	s *rag.Store
}

// Search runs a hybrid search; an empty query lists the newest documents.
func (r ragDocs) Search(ctx context.Context, q string, k int) ([]console.DocHit, error) {
	res, err := r.s.Search(ctx, rag.Query{Text: q, K: k})
	if err != nil {
		return nil, err
	}
	out := make([]console.DocHit, 0, len(res))
	for _, h := range res {
		out = append(out, console.DocHit{ID: h.DocumentID, Title: h.Title, Kind: string(h.Kind), Asset: h.Asset, Score: h.Score, Snippet: h.Snippet, Outcome: string(h.Outcome)})
	}
	return out, nil
}

// Get reads one document.
func (r ragDocs) Get(ctx context.Context, id string) (*console.Doc, error) {
	d, err := r.s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &console.Doc{
		ID: d.ID, Title: d.Title, Kind: string(d.Kind), Site: d.Site, Line: d.Line, Asset: d.Asset, FailureMode: d.FailureMode,
		Severity: d.Severity, OccurredAt: d.OccurredAt, DowntimeMinutes: d.DowntimeMinutes, Outcome: string(d.Outcome),
		Tags: d.Tags, Source: d.Source, Body: d.Body,
	}, nil
}

// consoleResolver stores a resolved console thread as an incident through
// the bot's incident store adapter, and records the outcome on the
// documents the answer cited, as "Mark resolved" does in Slack.
type consoleResolver struct {
	inc bot.Incidents
	now func() time.Time
}

func (cr consoleResolver) resolve(ctx context.Context, r console.Resolution) (string, error) {
	key := strings.TrimPrefix(r.ThreadKey, "console:")
	down := 0
	if r.DowntimeMinutes != nil {
		down = *r.DowntimeMinutes
	}
	title := strings.TrimSpace(r.Question)
	if title == "" {
		title = "Incident resolved in the console"
	}
	if r.RootCause != "" {
		title += " — " + r.RootCause
	}
	if n := []rune(title); len(n) > 120 {
		title = string(n[:119]) + "…"
	}
	var body strings.Builder
	if r.Question != "" {
		body.WriteString("## Symptom\n" + r.Question + "\n\n")
	}
	body.WriteString("## Actions taken\n" + r.Actions + "\n\n")
	if r.RootCause != "" {
		body.WriteString("## Root cause\n" + r.RootCause + "\n\n")
	}
	fmt.Fprintf(&body, "## Outcome\n%s (downtime %d min), resolved by %s in the Gemba console.\n", r.Outcome, down, r.UserID)
	if r.Answer != "" {
		body.WriteString("\n## Gemba's answer\n" + r.Answer + "\n")
	}
	if len(r.Citations) > 0 {
		body.WriteString("\nRelated documents: " + strings.Join(r.Citations, ", ") + "\n")
	}
	now := cr.now()
	id, err := cr.inc.SaveIncident(ctx, bot.Incident{
		ID: "console-" + key, Title: title, Body: body.String(), Asset: r.Asset,
		RootCause: r.RootCause, Actions: r.Actions, Downtime: down, Outcome: r.Outcome,
		OccurredAt: now, ResolvedAt: now, ResolvedBy: r.UserID, Source: r.ThreadKey, Cites: r.Citations,
	})
	if err != nil {
		return "", err
	}
	if r.Outcome != "unknown" {
		for _, d := range r.Citations {
			if d != id {
				_ = cr.inc.SetOutcome(ctx, d, r.Outcome, r.UserID) // a cited id that vanished is not worth failing the form
			}
		}
	}
	return id, nil
}
