package app

import (
	"context"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/ops"
)

// buildConsole builds the local console on the configured database with
// parts of its own (serve builds the parts once and calls newConsole to
// share them with the Slack bot).
func buildConsole(ctx context.Context, app *App, metrics *ops.Metrics) (*console.Console, error) {
	p, err := buildParts(ctx, app, runnerDeps{metrics: metrics})
	if err != nil {
		return nil, err
	}
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	return newConsole(app, p, cfg.HTTPAddr)
}

// newConsole wires the console as a front door of the conversation core,
// with the audit trail for its trace panel and the series and incident
// stores for its plant and incident pages. addr is the address the server
// is bound to (serve passes its listener's); on a non-loopback one without
// GEMBA_CONSOLE_TOKEN the console disables itself (see
// console.Console.Disabled).
func newConsole(app *App, p *parts, addr string, more ...func(*console.Options)) (*console.Console, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	about := console.About{Version: Version, Slack: cfg.Slack.Enabled()}
	if cfg.LLM.Enabled() {
		about.LLM = strings.TrimSpace(cfg.LLM.Provider + " " + cfg.LLM.Model)
	}
	channels := consoleChannels
	if f := p.plant.Current(); f.Applied != nil {
		// The console channels plant.yaml binds or schedules digests to.
		for _, c := range f.Applied.Model.ConsoleChannels() {
			if !slices.Contains(channels, c) {
				channels = append(slices.Clip(channels), c)
			}
		}
	}
	o := console.Options{
		Core:       p.core,
		Answers:    p.runner,
		Traces:     p.runner,
		Docs:       console.RAGDocs{Store: p.docs},
		Plant:      console.NewSeriesPlant(p.series),
		PlantModel: plantAdmin(p.pool, p.series, p.core.PlantChannels()),
		Channels:   channels,
		About:      about,
		Addr:       addr,
		Token:      cfg.ConsoleToken,
		Sessions:   console.NewPGSessions(p.pool),
		Logger:     app.Logger(),
	}
	for _, f := range more {
		f(&o)
	}
	return console.New(o)
}
