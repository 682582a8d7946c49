package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/tools"
)

// newMCPCmd is `gemba mcp` (the stdio server) and `gemba mcp calls`.
func newMCPCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve Gemba's tools, incident documents and the diagnose_asset prompt to an MCP client over stdio",
		Long: `mcp speaks the Model Context Protocol on stdin and stdout, for an assistant that starts
Gemba itself (Claude Desktop, an IDE agent). It offers list_series, detect_anomalies,
explain_anomaly, forecast_series, compare_to_plan, search_incidents and get_document with
their JSON Schemas, the incident store's documents as gemba://documents/{id} resources, and
the diagnose_asset prompt. Bad arguments come back as tool errors the assistant can read.
Every call is written to the audit trail with the client's name (gemba mcp calls).
Logs go to stderr; stdout carries only the protocol. gemba serve offers the same over
streamable HTTP at /mcp. See README "MCP".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			srv, err := buildMCPServer(ctx, app, nil)
			if err != nil {
				return err
			}
			return srv.ServeStdio(ctx, cmd.InOrStdin(), app.Out)
		},
	}
	cmd.AddCommand(newMCPCallsCmd(app))
	return cmd
}

// buildMCPServer builds the MCP server on Gemba's own tools (never the
// external ones), the incident store and the audit trail.
func buildMCPServer(ctx context.Context, app *App, metrics *ops.Metrics) (*mcp.Server, error) {
	p, err := buildParts(ctx, app, runnerDeps{metrics: metrics, offline: true})
	if err != nil {
		return nil, err
	}
	return newMCPServer(ctx, app, p, metrics)
}

func newMCPServer(ctx context.Context, app *App, p *parts, metrics *ops.Metrics) (*mcp.Server, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	if err := db.CheckCurrent(ctx, p.pool); err != nil {
		return nil, fmt.Errorf("mcp: %w (run gemba migrate up)", err)
	}
	o := mcp.ServerOptions{
		Tools:       p.tools,
		Recorder:    agent.NewStore(p.pool),
		Version:     Version,
		Logger:      app.Logger(),
		ToolTimeout: cfg.Agent.ToolTimeout,
	}
	if metrics != nil {
		o.Metrics = metrics
	}
	if p.docs != nil {
		o.Docs = p.docs
	}
	return mcp.NewServer(o)
}

// mountMCP mounts Gemba's MCP endpoint on serve's mux at /mcp, behind
// GEMBA_MCP_TOKEN (or, without it, only when bound, the listener's
// address, is loopback). A failure leaves the rest of the server running
// and is logged.
func mountMCP(ctx context.Context, app *App, mux *http.ServeMux, p *parts, metrics *ops.Metrics, bound string) {
	log := app.Logger()
	cfg, err := app.Config()
	if err != nil {
		return
	}
	srv, err := newMCPServer(ctx, app, p, metrics)
	if err != nil {
		log.WarnContext(ctx, "MCP endpoint not mounted", "err", err)
		return
	}
	h, disabled := srv.Handler(ctx, mcp.HTTPOptions{Token: cfg.MCP.Token, Addr: bound})
	mux.Handle(mcp.Path, h)
	if disabled != nil {
		log.WarnContext(ctx, "MCP endpoint disabled", "reason", disabled)
		return
	}
	log.InfoContext(ctx, "MCP endpoint mounted", "path", mcp.Path, "token", cfg.MCP.Token != "")
}

// withExternalTools returns the agent's registry: Gemba's own tools and,
// when a chat model answers (external tools serve the LLM path only), the
// allowed tools of the configured external MCP servers. Their connections
// close with the App.
func withExternalTools(ctx context.Context, app *App, own *tools.Registry, online bool) (*tools.Registry, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	if !online || len(cfg.MCP.Servers) == 0 {
		return own, nil
	}
	var names []string
	for _, t := range own.List() {
		names = append(names, t.Name())
	}
	ext := mcp.Connect(ctx, cfg.MCP.Servers, mcp.ClientOptions{Version: Version, Logger: app.Logger(), Reserved: names})
	app.onClose(func() {
		if err := ext.Close(); err != nil {
			app.Logger().WarnContext(context.WithoutCancel(ctx), "closing MCP servers", "err", err)
		}
	})
	if len(ext.Tools()) == 0 {
		return own, nil
	}
	app.Logger().InfoContext(ctx, "external MCP tools offered to the LLM", "tools", len(ext.Tools()))
	return tools.NewRegistry(append(own.List(), ext.Tools()...)...), nil
}

// onClose registers f to run when the App closes, before the pool.
func (a *App) onClose(f func()) {
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	a.closers = append(a.closers, f)
}

func newMCPCallsCmd(app *App) *cobra.Command {
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "Show the latest tool calls MCP clients made, with the client, arguments, duration and result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return exitCode(2, "mcp calls: --n must be at least 1")
			}
			pool, err := app.Pool(cmd.Context())
			if err != nil {
				return err
			}
			calls, err := agent.NewStore(pool).DirectCalls(cmd.Context(), agent.SourceMCP, n)
			if err != nil {
				return err
			}
			if asJSON {
				if calls == nil {
					calls = []agent.DirectCall{}
				}
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(calls)
			}
			if len(calls) == 0 {
				_, err := fmt.Fprintln(app.Out, "no MCP tool calls recorded yet")
				return err
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			for i := len(calls) - 1; i >= 0; i-- { // oldest first, like a log
				c := calls[i]
				status := "ok: " + oneLine(c.Summary, 80)
				if c.Error != "" {
					status = "error: " + oneLine(c.Error, 80)
				}
				fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%d ms\t%s\n", c.ID, c.At.Format("2006-01-02 15:04:05"), c.Caller, c.Tool,
					oneLine(strings.TrimSpace(string(c.Args)), 80), c.DurationMS, status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&n, "n", 20, "how many calls")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
