package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/internal/series"
)

// newConnectCmd is `gemba connect`: a one-off check of the live data
// connectors.
func newConnectCmd(app *App) *cobra.Command {
	var (
		file    string
		name    string
		points  int
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "Check the live data connectors: connect, subscribe, print a few mapped points, exit",
		Long: `connect tries each connector of GEMBA_CONNECTORS (or of --file): it connects to the MQTT
broker or OPC UA server, subscribes as the mappings say, prints the first --points points as
they would be stored (series, timestamp, value, and the topic or node they came from), and exits.
It writes nothing, and an MQTT check uses a clean session of its own, so Gemba's persistent
session and the messages queued for it are left alone. The exit status is 1 when a connector
cannot connect or maps nothing within --timeout (the first mapping problem is shown).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conns, err := connectorsFor(cmd.Context(), app, file)
			if err != nil {
				return err
			}
			if name != "" {
				var only []config.Connector
				for _, c := range conns {
					if c.Name == name {
						only = append(only, c)
					}
				}
				if len(only) == 0 {
					return exitCode(2, fmt.Sprintf("no connector named %q (configured: %s)", name, connectorNames(conns)))
				}
				conns = only
			}
			failed := 0
			for _, c := range conns {
				if !checkOne(cmd.Context(), app, c, points, timeout) {
					failed++
				}
			}
			if failed > 0 {
				return exitCode(1, fmt.Sprintf("%d of %d connector(s) failed the check", failed, len(conns)))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "a connectors YAML file to check instead of GEMBA_CONNECTORS")
	cmd.Flags().StringVar(&name, "name", "", "check only the connector with this name")
	cmd.Flags().IntVar(&points, "points", 5, "mapped points to print per connector")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for each connector")
	return cmd
}

// connectorsFor reads the connectors of file, or the configured ones.
func connectorsFor(ctx context.Context, app *App, file string) ([]config.Connector, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, exitCode(2, fmt.Sprintf("cannot read %s: %v", file, errors.Unwrap(err)))
		}
		if m, problems := model.Parse(b); m.TimeZone != "" {
			// A plant model file: its connectors.
			if len(problems) > 0 {
				return nil, exitCode(2, fmt.Sprintf("%s is not a valid plant model:\n  - %s", file, joinLines(problemLines(problems))))
			}
			if len(m.Connectors) == 0 {
				return nil, exitCode(2, file+" is a plant model without connectors: (add a connectors: list, see README \"Live data\")")
			}
			return m.Connectors, nil
		}
		conns, problems := config.ParseConnectors(b)
		if len(problems) > 0 {
			return nil, exitCode(2, fmt.Sprintf("%s is not a valid connectors file:\n  - %s", file, joinLines(problems)))
		}
		if len(conns) == 0 {
			return nil, exitCode(2, file+" defines no connector")
		}
		return conns, nil
	}
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	if pool, err := app.Pool(ctx); err == nil {
		if cur, err := model.Current(ctx, pool); err == nil && cur != nil && len(cur.Model.Connectors) > 0 {
			return cur.Model.Connectors, nil
		}
	}
	if len(cfg.Connectors) == 0 {
		return nil, exitCode(2, `no connectors configured: add connectors: to plant.yaml and apply it, set GEMBA_CONNECTORS_FILE to a connectors YAML file (see README "Live data"), or pass --file`)
	}
	return cfg.Connectors, nil
}

func joinLines(ss []string) string { return strings.Join(ss, "\n  - ") }

func problemLines(ps model.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func connectorNames(cs []config.Connector) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// checkOne checks one connector and prints what it saw; it reports success.
func checkOne(ctx context.Context, app *App, c config.Connector, points int, timeout time.Duration) bool {
	target := c.Broker
	if c.Type == config.ConnectorOPCUA {
		target = c.Endpoint
	}
	fmt.Fprintf(app.Out, "%s (%s %s)\n", c.Name, c.Type, target)
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	rep, err := connect.Check(cctx, c, points, func(s connect.Sample) {
		fmt.Fprintf(app.Out, "  %-32s %s  %-12g  ← %s\n", s.Series, s.TS.UTC().Format(time.RFC3339Nano), s.Value, s.Source)
	})
	if len(rep.Subscribed) > 0 {
		fmt.Fprintf(app.Out, "  subscribed: %s\n", strings.Join(rep.Subscribed, ", "))
	}
	if err != nil {
		fmt.Fprintf(app.Out, "  FAILED: %v\n", err)
		return false
	}
	fmt.Fprintf(app.Out, "  ok: %d point(s) mapped from %d message(s) in %s", rep.Points, rep.Messages, time.Since(start).Round(time.Millisecond))
	if rep.Errors > 0 {
		fmt.Fprintf(app.Out, "; %d message(s) not mapped, first: %s", rep.Errors, rep.FirstError)
	}
	fmt.Fprintln(app.Out)
	return true
}

// withPlantConnectors is cfg with the connectors in force: the applied
// plant.yaml's when it has any (the file is the source of truth; a
// GEMBA_CONNECTORS beside it is ignored, with a warning), else
// GEMBA_CONNECTORS'.
func withPlantConnectors(ctx context.Context, cfg *config.Config, f model.InForce, log *slog.Logger) *config.Config {
	if f.Applied == nil || len(f.Applied.Model.Connectors) == 0 {
		return cfg
	}
	for _, p := range f.Applied.Problems {
		log.ErrorContext(ctx, "plant model: a connector is unusable on this machine", "problem", p.String())
	}
	if f.Applied.Problems.Err() != nil {
		return cfg
	}
	if len(cfg.Connectors) > 0 {
		log.WarnContext(ctx, "plant.yaml has connectors: GEMBA_CONNECTORS is ignored", "plant_model", f.Origin())
	}
	c := *cfg
	c.Connectors = f.Applied.Model.Connectors
	return &c
}

// newConnectors builds the configured connectors for `gemba serve` (nil
// when none is configured).
func newConnectors(cfg *config.Config, store *series.Store, metrics *ops.Metrics, log *slog.Logger) (*connect.Runner, error) {
	if len(cfg.Connectors) == 0 {
		return nil, nil //nolint:nilnil // no connectors configured
	}
	return connect.NewRunner(cfg.Connectors, connect.Options{Store: store, Metrics: metrics, Logger: log})
}
