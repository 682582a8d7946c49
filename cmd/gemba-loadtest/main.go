// Command gemba-loadtest measures Gemba end to end on this machine: it
// creates a scratch database beside GEMBA_DATABASE_URL, loads the demo
// plant into it, starts --instances `gemba serve` processes against it with
// a local Slack and a scripted OpenAI-compatible LLM on loopback, sends
// --events signed app_mention deliveries spread over --duration (with
// duplicates to a second instance and Slack-style retries, and Slack's own
// redelivery of deliveries that got no 2xx in time), and reports
// throughput, ack and end-to-end latency, CPU per answer and how many
// questions were lost, answered late or answered twice. The scratch
// database is dropped at the end.
//
// It is a separate command so that the local Slack, the scripted LLM and
// the harness are never linked into the gemba binary:
//
//	go build -o bin/gemba ./cmd/gemba
//	go run ./cmd/gemba-loadtest --gemba bin/gemba --events 3000 --duration 3m
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gemba-loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gemba-loadtest", flag.ContinueOnError)
	var (
		lo        loadtest.LoadOptions
		binary    = fs.String("gemba", "bin/gemba", "the gemba binary to start")
		instances = fs.Int("instances", 2, "gemba serve processes")
		workers   = fs.Int("workers", 8, "worker pool of each instance")
		hog       = fs.Int("cpu-hog", 0, "spinning processes beside the run, as on a busy machine")
		keep      = fs.Bool("keep", false, "keep the scratch database (its URL is printed)")
	)
	fs.IntVar(&lo.Events, "events", 3000, "distinct questions to send")
	fs.DurationVar(&lo.Duration, "duration", 3*time.Minute, "spread the first deliveries over this long (0: as fast as possible)")
	fs.IntVar(&lo.Concurrency, "concurrency", 50, "deliveries in flight at once")
	fs.Float64Var(&lo.DuplicateFraction, "duplicates", 0.2, "fraction of events also delivered to another instance")
	fs.Float64Var(&lo.RetryFraction, "retries", 0.1, "fraction of events redelivered with X-Slack-Retry-Num")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*binary); err != nil {
		return fmt.Errorf("no gemba binary at %s (build it with `make build`, or pass --gemba): %w", *binary, err)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	u, drop, err := db.Scratch(ctx, cfg.DatabaseURL, nil)
	if err != nil {
		return err
	}
	defer func() {
		if *keep {
			fmt.Fprintf(os.Stderr, "kept scratch database %s\n", u)
			return
		}
		if err := drop(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(os.Stderr, "gemba-loadtest:", err)
		}
	}()
	fmt.Fprintln(os.Stderr, "seeding the demo plant and documents…")
	if err := loadtest.SeedDemo(ctx, u); err != nil {
		return err
	}
	logDir, err := os.MkdirTemp("", "gemba-loadtest-")
	if err != nil {
		return err
	}
	spin, err := loadtest.StartCPUHog(*hog)
	if err != nil {
		return err
	}
	defer spin.Stop()
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: *binary, DatabaseURL: u, Instances: *instances, Workers: *workers, LogDir: logDir})
	if err != nil {
		return err
	}
	defer h.Close()
	fmt.Fprintf(os.Stderr, "%d instances ready (logs in %s); sending %d events over %s…\n", *instances, logDir, lo.Events, lo.Duration)
	rep, err := h.Load(ctx, lo)
	if rep != nil {
		fmt.Print(rep)
	}
	if err != nil {
		return err
	}
	if rep.Lost > 0 || rep.Duplicated > 0 || rep.Stale > 0 {
		return errors.New("some questions were lost or answered twice")
	}
	return nil
}
