package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/db"
	"github.com/gemba-ai/gemba/ops"
)

func newServeCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run Gemba: HTTP server (console, Slack HTTP endpoints, /healthz, /readyz, /metrics) and the Slack bot when configured",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), app)
		},
	}
}

// serve is the long-running composition: migrate, open the pool, start the
// HTTP server, and stop in order on SIGTERM within the shutdown timeout.
func serve(ctx context.Context, app *App) error {
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
		log.Info("migrations current", "applied_now", n)
	}
	pool, err := app.Pool(ctx)
	if err != nil {
		return err
	}
	metrics := ops.NewMetrics()
	health := ops.NewHealth()
	health.Add("database", func(ctx context.Context) error { return pool.Ping(ctx) })
	health.Add("migrations", func(ctx context.Context) error {
		m, err := db.NewMigrator(ctx, cfg.DatabaseURL, nil)
		if err != nil {
			return err
		}
		defer m.Close()
		pending, err := m.Pending(ctx)
		if err != nil {
			return err
		}
		if pending {
			return errors.New("migrations pending")
		}
		return nil
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health.Healthz)
	mux.HandleFunc("GET /readyz", health.Readyz)
	mux.Handle("GET /metrics", metrics.Handler())

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (GEMBA_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(app.Out, "Gemba is running at http://%s (health: /healthz, readiness: /readyz, metrics: /metrics)\n", ln.Addr())

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	health.Drain()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}
