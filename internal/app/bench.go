package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/loadtest"
	"github.com/gemba-ai/gemba/rag"
)

func newBenchCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure Gemba end to end on this machine"}
	var (
		lo        loadtest.LoadOptions
		instances int
		workers   int
		keep      bool
	)
	serveCmd := &cobra.Command{
		Use:   "serve",
		Short: "Load test: several `gemba serve` processes on one database, a local Slack and a scripted LLM",
		Long: `bench serve creates a scratch database on the configured server, loads the demo plant
and documents into it, starts --instances copies of this binary as "gemba serve" (HTTP
Events API transport) against it, a local Slack Web API and a scripted OpenAI-compatible
LLM on loopback, and sends --events signed app_mention deliveries spread over --duration,
with duplicates to a second instance and Slack-style retries. It reports throughput,
ack and end-to-end latency percentiles, and how many questions were lost or answered
twice (both must be 0). The scratch database is dropped at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			self, err := os.Executable()
			if err != nil {
				return err
			}
			return withScratchURL(ctx, app, keep, func(u string) error {
				fmt.Fprintln(app.Err, "seeding the demo plant and documents…")
				if err := seedDemoInto(ctx, u); err != nil {
					return err
				}
				logDir, err := os.MkdirTemp("", "gemba-bench-")
				if err != nil {
					return err
				}
				h, err := loadtest.Start(ctx, loadtest.Config{Binary: self, DatabaseURL: u, Instances: instances, Workers: workers, LogDir: logDir})
				if err != nil {
					return err
				}
				defer h.Close()
				fmt.Fprintf(app.Err, "%d instances ready (logs in %s); sending %d events over %s…\n", instances, logDir, lo.Events, lo.Duration)
				rep, err := h.Load(ctx, lo)
				if rep != nil {
					fmt.Fprint(app.Out, rep)
				}
				if err != nil {
					return err
				}
				if rep.Lost > 0 || rep.Duplicated > 0 || rep.Stale > 0 {
					return exitCode(1, "some questions were lost or answered twice")
				}
				return nil
			})
		},
	}
	serveCmd.Flags().IntVar(&lo.Events, "events", 3000, "distinct questions to send")
	serveCmd.Flags().DurationVar(&lo.Duration, "duration", 3*time.Minute, "spread the first deliveries over this long (0: as fast as possible)")
	serveCmd.Flags().IntVar(&lo.Concurrency, "concurrency", 50, "deliveries in flight at once")
	serveCmd.Flags().Float64Var(&lo.DuplicateFraction, "duplicates", 0.2, "fraction of events also delivered to another instance")
	serveCmd.Flags().Float64Var(&lo.RetryFraction, "retries", 0.1, "fraction of events redelivered with X-Slack-Retry-Num")
	serveCmd.Flags().IntVar(&instances, "instances", 2, "gemba serve processes")
	serveCmd.Flags().IntVar(&workers, "workers", 8, "worker pool of each instance")
	serveCmd.Flags().BoolVar(&keep, "keep", false, "keep the scratch database (its name is printed)")
	cmd.AddCommand(serveCmd)
	return cmd
}

// seedDemoInto loads the demo plant and the embedded demo documents into
// the database at u.
func seedDemoInto(ctx context.Context, u string) error {
	pool, err := db.Open(ctx, u, db.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := demo.Seed(ctx, pool, demo.Options{})
	if err != nil {
		return err
	}
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	if err != nil {
		return err
	}
	_, err = ingestDemoDocs(ctx, rag.New(pool, emb, rag.Options{}), res.End)
	return err
}

// withScratchURL creates a migrated scratch database beside the configured
// one, runs fn with its URL and drops it, so measurements never touch real
// data.
func withScratchURL(ctx context.Context, app *App, keep bool, fn func(url string) error) (err error) {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("bad GEMBA_DATABASE_URL: %w", err)
	}
	cc, err := pgx.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("bad GEMBA_DATABASE_URL: %w", err)
	}
	admin, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return db.Describe(cc, err)
	}
	defer func() { _ = admin.Close(context.WithoutCancel(ctx)) }()
	name := fmt.Sprintf("gemba_scratch_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("scratch database: create: %w", err)
	}
	defer func() {
		if keep {
			fmt.Fprintf(app.Err, "kept scratch database %s\n", name)
			return
		}
		_, derr := admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		if derr != nil && err == nil {
			err = fmt.Errorf("scratch database: drop %s: %w", name, derr)
		}
	}()
	u.Path = "/" + name
	if _, err := db.Migrate(ctx, u.String(), app.Logger()); err != nil {
		return err
	}
	return fn(u.String())
}
