package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/series"
)

func newServeCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run Gemba: the local console, the Slack bot when configured, /healthz, /readyz and /metrics",
		Long: `serve applies pending migrations (under an advisory lock, safe with several replicas),
then starts one HTTP server carrying the local console (/), the Slack HTTP endpoints
(/slack/events, /slack/interactions, /slack/commands), /healthz, /readyz and /metrics.
With GEMBA_SLACK_BOT_TOKEN set it also runs the Slack bot (Socket Mode when
GEMBA_SLACK_APP_TOKEN is set). The conversation core behind both answers, posts
digests and follow-ups, and re-evaluates the models (on one replica at a time).
SIGTERM stops taking new work, finishes in-flight answers, and closes the pool
within GEMBA_SHUTDOWN_TIMEOUT.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), app, nil)
		},
	}
}

// serve is the long-running composition: migrate, open the pool, build the
// agent, console and bot once, start the HTTP server, and stop in order on
// SIGTERM within the shutdown timeout. ready, when not nil, receives the
// listening address (tests and the load harness use it).
func serve(ctx context.Context, app *App, ready chan<- string) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	log := app.Logger()
	if cfg.MigrateOnStart {
		n, err := db.Migrate(ctx, cfg.DatabaseURL, log)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "migrations current", "applied_now", n)
	}
	pool, err := app.Pool(ctx)
	if err != nil {
		return err
	}
	metrics := ops.NewMetrics()
	health := ops.NewHealth(log)
	health.Add("database", func(ctx context.Context) error { return pool.Ping(ctx) })
	health.Add("migrations", func(ctx context.Context) error { return db.CheckCurrent(ctx, pool) })

	p, err := buildParts(ctx, app, runnerDeps{metrics: metrics})
	if err != nil {
		return err
	}

	// Listen before the front doors are built: whether the console and /mcp
	// open without a token depends on the address actually bound (a name
	// may resolve to a non-loopback address), never on the configured
	// string or a request's Host header.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (GEMBA_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	bound := ln.Addr().String()

	// Live data: the configured connectors write to the series store; their
	// state is served as JSON for operators and the console.
	conns, err := newConnectors(withPlantConnectors(ctx, cfg, p.plant.Current(), log), p.series, metrics, log)
	if err != nil {
		_ = ln.Close()
		return err
	}

	mux := http.NewServeMux()
	if conns != nil {
		mux.Handle("GET /status/connectors", bearerOnly(cfg.MetricsToken, "GEMBA_METRICS_TOKEN", conns))
	}
	mux.HandleFunc("GET /healthz", health.Healthz)
	mux.HandleFunc("GET /readyz", health.Readyz)
	mux.Handle("GET /metrics", bearerOnly(cfg.MetricsToken, "GEMBA_METRICS_TOKEN", metrics.Handler()))

	// The front doors: the console always, Slack when configured. Both
	// register with the conversation core, which does the work.
	cons, err := newConsole(app, p, bound, func(o *console.Options) {
		if conns != nil {
			o.Connectors = func() any { return conns.Status() }
		}
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer cons.Close()
	mux.Handle("/", cons)
	mountMCP(ctx, app, mux, p, metrics, bound) // /mcp: see mcp.go
	if derr := cons.Disabled(); derr != nil {
		log.WarnContext(ctx, "console disabled", "reason", derr)
	}
	var b *bot.Bot
	if cfg.Slack.Enabled() {
		b, err = bot.New(bot.Options{
			BotToken:      cfg.Slack.BotToken,
			AppToken:      cfg.Slack.AppToken,
			SigningSecret: cfg.Slack.SigningSecret,
			APIURL:        cfg.Slack.APIURL,
			Core:          p.core,
			Logger:        log,
			Metrics:       metrics,
		})
		if err != nil {
			_ = ln.Close()
			return err
		}
		b.Routes(mux)
		health.Add("slack", b.Ready)
	}

	// Shutdown waits for in-flight requests; the long-lived GETs (the
	// console's long poll, an MCP client's event stream) are told to end
	// when it starts, so they do not hold it to its timeout.
	streams := make(chan struct{})
	srv := newHTTPServer(endGetsOnShutdown(mux, streams), serverTimeouts)
	srv.RegisterOnShutdown(func() { close(streams) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var bg sync.WaitGroup
	var botErr error
	bg.Go(func() {
		if err := p.core.Run(runCtx); err != nil {
			log.ErrorContext(ctx, "conversation core stopped", "err", err)
		}
	})
	// Every replica reloads the plant model when a new one is applied.
	bg.Go(func() { p.plant.Run(runCtx) })
	if b != nil {
		bg.Go(func() { botErr = b.Run(runCtx) })
	}
	if conns != nil {
		bg.Go(func() {
			if err := conns.Run(runCtx); err != nil {
				log.ErrorContext(ctx, "connectors stopped", "err", err)
			}
		})
		// Live points make the core look at their asset at once (alerts).
		sub := conns.Feed().Subscribe(256, nil)
		bg.Go(func() { noticeAssets(runCtx, sub, p.series, p.core) })
	}

	printBanner(app, bound, b != nil)
	if conns != nil {
		fmt.Fprintf(app.Out, "  Live data: %d connector(s); state at http://%s/status/connectors\n\n", conns.Len(), bound)
	}
	if ready != nil {
		ready <- bound
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			stopRun()
			bg.Wait()
			return fmt.Errorf("http server: %w", err)
		}
	}
	log.InfoContext(ctx, "shutting down", "timeout", cfg.ShutdownTimeout)
	health.Drain()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	// Stop taking HTTP requests first (in-flight acks complete), then let
	// the core finish its answers and its periodic work stop; the pool
	// closes last in App.Close.
	shutErr := srv.Shutdown(sctx)
	stopRun()
	bg.Wait()
	if botErr != nil {
		return botErr
	}
	if shutErr != nil {
		return fmt.Errorf("http shutdown: %w", shutErr)
	}
	log.InfoContext(ctx, "stopped")
	return nil
}

// httpTimeouts bound how long a client may take to send a request, and how
// long an idle keep-alive connection is kept.
type httpTimeouts struct {
	// Header bounds reading the request line and headers.
	Header time.Duration
	// Read bounds reading the whole request, body included: a client that
	// sends Content-Length: 1000 and then one byte every few seconds is cut
	// off here, before the Slack signature is even checked.
	Read time.Duration
	// Idle closes a keep-alive connection that sends no next request.
	Idle time.Duration
}

// serverTimeouts are serve's limits. There is no write timeout: the
// console's long poll holds a response for up to 25 s and /mcp streams
// events; each handler bounds its own work instead (Slack acks record and
// return, answers run in the core's workers with their own deadlines).
var serverTimeouts = httpTimeouts{Header: 10 * time.Second, Read: 30 * time.Second, Idle: 2 * time.Minute}

// endGetsOnShutdown cancels the context of GET requests when stop closes
// (the server's shutdown began): a long poll or an event stream returns at
// once, while POSTs in flight (Slack acks, MCP tool calls) complete.
func endGetsOnShutdown(h http.Handler, stop <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// newHTTPServer is serve's HTTP server with its timeouts.
func newHTTPServer(h http.Handler, t httpTimeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.Header, ReadTimeout: t.Read, IdleTimeout: t.Idle}
}

// bearerOnly requires "Authorization: Bearer <token>" on h when token is
// set (name is the variable that sets it, for the refusal); an empty token
// leaves h open.
func bearerOnly(token, name string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gemba"`)
			http.Error(w, "a bearer token is required ("+name+")", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func printBanner(app *App, addr string, slackOn bool) {
	cfg, _ := app.Config()
	fmt.Fprintf(app.Out, "\nGemba is running.\n  Console:  http://%s\n  Health:   http://%s/healthz  Ready: /readyz  Metrics: /metrics\n", addr, addr)
	if slackOn {
		transport := "HTTP Events API at /slack/events, /slack/interactions, /slack/commands"
		if cfg.Slack.SocketMode() {
			transport = "Socket Mode"
		}
		fmt.Fprintf(app.Out, "  Slack:    connected via %s\n", transport)
	} else {
		fmt.Fprintf(app.Out, "  Slack:    not configured — set GEMBA_SLACK_BOT_TOKEN and GEMBA_SLACK_APP_TOKEN (Socket Mode) or GEMBA_SLACK_SIGNING_SECRET (HTTP); see README \"Connect to Slack\"\n")
	}
	if cfg.LLM.Enabled() {
		fmt.Fprintf(app.Out, "  Answers:  %s %s (offline planner if it fails)\n", cfg.LLM.Provider, cfg.LLM.Model)
	} else {
		fmt.Fprintf(app.Out, "  Answers:  offline planner — set GEMBA_LLM_PROVIDER, GEMBA_LLM_MODEL and GEMBA_LLM_API_KEY (or GEMBA_LLM_BASE_URL for a local OpenAI-compatible server) to use an LLM\n")
	}
	fmt.Fprintln(app.Out)
}

// noticeAssets hands the assets of live points to the core, which looks
// at them for new anomaly events, until ctx is done.
func noticeAssets(ctx context.Context, sub *connect.Subscription, store *series.Store, core *conversation.Core) {
	defer sub.Close()
	assetOf := map[string]string{}
	for {
		select {
		case <-ctx.Done():
			return
		case batch, ok := <-sub.C:
			if !ok {
				return
			}
			for _, w := range batch {
				a, seen := assetOf[w.Series]
				if !seen {
					if s, err := store.Lookup(ctx, w.Series); err == nil {
						a = s.Asset
					}
					assetOf[w.Series] = a
				}
				core.Notice(a)
			}
		}
	}
}
