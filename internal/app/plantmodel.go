package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// consoleChannels are the console's own channels; the applied plant model
// adds those its bindings and digests name.
var consoleChannels = []string{"shop-floor"}

// newPlantCmd is `gemba plant validate|apply|show`.
func newPlantCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plant",
		Short: "The plant model (plant.yaml): validate, apply (idempotent, with a diff) and show what is in force",
		Long: `plant.yaml describes the plant: sites, time zone and shifts, lines and assets with their
aliases, sensors with units, expected ranges and documented limits, runbook links per asset
type, channel bindings, digest schedules and live data connectors. When one is applied it is
the source of truth for what it says; see README "Plant model" (the demo plant's file is the
worked example: internal/demo/plant.yaml).`,
	}
	cmd.AddCommand(newPlantValidateCmd(app), newPlantApplyCmd(app), newPlantShowCmd(app))
	return cmd
}

// readPlantFile reads FILE ("-" is standard input).
func readPlantFile(name string) ([]byte, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, exitCode(2, fmt.Sprintf("cannot read %s: %v", name, unwrapPath(err)))
	}
	return b, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// problemsExit is the exit error of a file with problems: each on its own
// line as FILE:LINE: field: message.
func problemsExit(file string, ps model.Problems) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d problem(s):", file, len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: ", filepath.Base(file), p.Line)
		}
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Message)
	}
	return exitCode(2, b.String())
}

func newPlantValidateCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a plant model file: every problem with its line and field (exit 2), or a summary",
		Long: `validate reads FILE ("-" for standard input) and checks it without a database: the time
zone, shifts, names (no duplicates), lines of assets, sensors' assets, limits, runbook types,
bindings' channels and targets, digest cron expressions and time zones, and connectors (as
GEMBA_CONNECTORS is checked, including that password files can be read here).`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			src, err := readPlantFile(args[0])
			if err != nil {
				return err
			}
			m, problems := model.Parse(src)
			if len(problems) > 0 {
				return problemsExit(args[0], problems)
			}
			fmt.Fprintf(app.Out, "%s: OK — time zone %s; %d shift(s), %d line(s), %d asset(s), %d sensor(s), %d binding(s), %d digest schedule(s), %d connector(s)\n",
				args[0], m.TimeZone, len(m.Shifts), len(m.Lines), len(m.Assets), len(m.AllSensors()), len(m.Bindings), len(m.Digests), len(m.Connectors))
			return nil
		},
	}
}

// who names the user of the CLI in what it changes ("cli:kim").
func (a *App) who() string {
	if u, ok := a.getenv("USER"); ok && u != "" {
		return "cli:" + u
	}
	return "cli"
}

func newPlantApplyCmd(app *App) *cobra.Command {
	var dryRun, all, asJSON bool
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Apply a plant model: store it, describe its series, bind channels and schedule digests; print the diff",
		Long: `apply makes the database hold FILE's plant model, in one transaction: the model (a new
version when the file changed), every series it names (asset, line, sensor, unit, interval;
series that do not exist yet are created without points), and its channel bindings and
digest schedules (through the same store as /gemba bind and /gemba digest). Bindings and
schedules an earlier file made and this one drops are removed; points are never touched.
It prints what changed; applying the same file again prints "no changes". Running servers
pick the new model up within a minute (time zone, shifts, aliases, limits).
plant.yaml is the source of truth where it says something: a binding or schedule changed
in Slack, the console or the CLI since is restored (and the diff says so).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := readPlantFile(args[0])
			if err != nil {
				return err
			}
			if _, problems := model.Parse(src); len(problems) > 0 {
				return problemsExit(args[0], problems)
			}
			ctx := cmd.Context()
			rep, err := applyPlant(ctx, app, src, filepath.Base(args[0]), dryRun)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, rep)
			}
			limit := 20
			if all {
				limit = 0
			}
			rep.Write(app.Out, limit)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the diff only; write nothing")
	cmd.Flags().BoolVar(&all, "all", false, "print every change (by default at most 20 of each kind)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// applyPlant applies src to the configured database.
func applyPlant(ctx context.Context, app *App, src []byte, file string, dryRun bool) (*model.Report, error) {
	pool, err := app.Pool(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := model.Apply(ctx, model.Env{DB: pool, Channels: conversation.PlantChannelsOn}, src,
		model.ApplyOptions{FileName: file, By: app.who(), DryRun: dryRun})
	var ps model.Problems
	if errors.As(err, &ps) {
		return nil, problemsExit(file, ps)
	}
	return rep, err
}

// demoPlantFile is the name the demo plant's model is applied under.
const demoPlantFile = "demo/plant.yaml"

// applyDemoPlant applies the demo plant's file (gemba demo seed).
func applyDemoPlant(ctx context.Context, app *App) (*model.Report, error) {
	return applyPlant(ctx, app, demo.PlantFile, demoPlantFile, false)
}

func newPlantShowCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the plant model in force (the applied file, or the built-in defaults) and what Gemba infers for series beyond it",
		Long: `show says what is in force — the applied plant.yaml (version, when, by whom) or the built-in
defaults when none was applied — then prints the applied file as it was written, the
bindings and digest schedules changed by hand since (the next apply restores them), and,
as YAML, every series the model does not describe with the asset, type, line and sensor
Gemba reads from its name.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			st, _, err := seriesStore(app, pool)
			if err != nil {
				return err
			}
			if asJSON {
				v, err := plantAdmin(pool, st, conversation.PlantChannelsOn(pool)).View(ctx)
				if err != nil {
					return err
				}
				return printJSON(app.Out, v)
			}
			shown, err := model.Show(ctx, pool, plant.DemoDefaults(), st, conversation.PlantChannelsOn(pool))
			if err != nil {
				return err
			}
			return shown.Write(app.Out)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plant as the console shows it (JSON)")
	return cmd
}

// fmtLocal writes t in the time zone tz (UTC when it does not load).
func fmtLocal(t time.Time, tz string) string {
	if t.IsZero() {
		return "-"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

func newTable(app *App) *tabwriter.Writer {
	return tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
}
