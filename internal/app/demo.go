package app

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/rag"
)

// newDemoCmd is `gemba demo seed|failures`.
func newDemoCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The demo plant: seed its time series, documents and models",
	}
	cmd.AddCommand(newDemoSeedCmd(app), newDemoFailuresCmd(app))
	return cmd
}

func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now %q: use RFC 3339, e.g. 2026-03-02T12:00:00Z", s)
	}
	return t.UTC(), nil
}

// seedDocs loads the embedded demo corpus into the incident store. It is
// idempotent: unchanged documents write nothing.
func seedDocs(ctx context.Context, app *App, now time.Time) (rag.IngestReport, error) {
	cfg, err := app.Config()
	if err != nil {
		return rag.IngestReport{}, err
	}
	pool, err := app.Pool(ctx)
	if err != nil {
		return rag.IngestReport{}, err
	}
	store, err := newDocStore(ctx, cfg, pool, app)
	if err != nil {
		return rag.IngestReport{}, err
	}
	return ingestDemoDocs(ctx, store, now)
}

// ingestDemoDocs loads the embedded demo corpus, its incidents dated to
// match the failures of a seed window ending at now (gemba demo seed and
// the load test share it).
func ingestDemoDocs(ctx context.Context, store *rag.Store, now time.Time) (rag.IngestReport, error) {
	corpus, err := demo.Docs(now)
	if err != nil {
		return rag.IngestReport{}, err
	}
	return store.IngestFS(ctx, corpus, ".", "demo/docs", rag.IngestOptions{})
}

func newDemoSeedCmd(app *App) *cobra.Command {
	var (
		seed   uint64
		nowArg string
		noDocs bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Generate the demo plant's 90 days of data ending now, load its documents, register the built-in models",
		Long: `Seed writes the deterministic demo plant (site plant-1; line-1 presses, line-2 CNCs, line-3
packaging; 12 assets with vibration, temperature, pressure, motor current and speed every 10 minutes,
hourly output and plan per line) for the 90 days ending now, with failure precursors before the
recorded failures and one still developing (press-3 vibration rising over the last 36 hours). Old
demo points are deleted first, so re-seeding moves the window. It then applies the demo plant's model
(internal/demo/plant.yaml: time zone, shifts, aliases, limits, a console binding and a digest
schedule) unless another plant.yaml is in force, loads the demo incidents, runbooks and use
cases into the incident store and makes sure the built-in models are registered.
The same --seed and --now always give the same data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			now, err := parseNow(nowArg)
			if err != nil {
				return exitCode(2, err.Error())
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			res, err := demo.Seed(ctx, pool, demo.Options{Now: now, Seed: seed, Logger: app.Logger()})
			if err != nil {
				return err
			}
			if err := modelreg.New(pool).EnsureBuiltins(ctx); err != nil {
				return err
			}
			// The demo plant's model: its calendar, aliases, limits, a console
			// binding and a digest schedule (never over a plant's own file).
			plantRep, plantNote, err := seedPlantModel(ctx, app)
			if err != nil {
				return fmt.Errorf("demo plant model: %w", err)
			}
			var rep *rag.IngestReport
			if !noDocs {
				r, err := seedDocs(ctx, app, res.End)
				if err != nil {
					return fmt.Errorf("demo documents: %w", err)
				}
				rep = &r
			}
			if asJSON {
				return printJSON(app.Out, map[string]any{"series": res, "documents": rep, "plant_model": plantRep})
			}
			fmt.Fprintf(app.Out, "demo plant: %d series, %d points from %s to %s (replaced %d old points) in %s\n",
				res.Series, res.Points, fmtTime(res.Start), fmtTime(res.End), res.Deleted, res.Elapsed.Round(time.Millisecond))
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tASSET\tMODE\tPRECURSOR FROM\tFAILED AT")
			for _, f := range res.Failures {
				at := fmtTime(f.At)
				if f.InProgress {
					at = "in progress"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Asset, f.Mode, fmtTime(f.PrecursorStart), at)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			switch {
			case plantNote != "":
				fmt.Fprintln(app.Out, "demo plant model: "+plantNote)
			case plantRep.Unchanged():
				fmt.Fprintf(app.Out, "demo plant model: version %d in force, unchanged (internal/demo/plant.yaml; see `gemba plant show`)\n", plantRep.Version)
			default:
				fmt.Fprintf(app.Out, "demo plant model: applied version %d (%d change(s); internal/demo/plant.yaml, see `gemba plant show`)\n", plantRep.Version, len(plantRep.Changes))
			}
			if rep != nil {
				fmt.Fprintf(app.Out, "demo documents: %d files, %d added, %d updated, %d unchanged, %d chunks written\n",
					rep.Files, len(rep.Added), len(rep.Updated), rep.Unchanged, rep.Chunks)
				for _, f := range rep.Failed {
					fmt.Fprintf(app.Err, "warning: %s\n", f.Error())
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&seed, "seed", demo.DefaultSeed, "generator seed")
	f.StringVar(&nowArg, "now", "", "end of the data window, RFC 3339 (default now)")
	f.BoolVar(&noDocs, "no-docs", false, "skip loading the demo documents")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// seedPlantModel applies the demo plant's model unless another plant.yaml
// is in force (then it says so and leaves it).
func seedPlantModel(ctx context.Context, app *App) (*model.Report, string, error) {
	pool, err := app.Pool(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := model.Current(ctx, pool)
	if err != nil {
		return nil, "", err
	}
	if cur != nil && cur.FileName != demoPlantFile {
		return &model.Report{Version: cur.Version, Previous: cur.Version}, fmt.Sprintf("not applied: %s is in force (`gemba plant apply internal/demo/plant.yaml` to use the demo's)", cur.Origin()), nil
	}
	rep, err := applyDemoPlant(ctx, app)
	return rep, "", err
}

func newDemoFailuresCmd(app *App) *cobra.Command {
	var nowArg string
	cmd := &cobra.Command{
		Use:   "failures",
		Short: "Print the demo plant's failure schedule (as placed for a seeding at --now) as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now, err := parseNow(nowArg)
			if err != nil {
				return exitCode(2, err.Error())
			}
			return printJSON(app.Out, demo.Schedule(now))
		},
	}
	cmd.Flags().StringVar(&nowArg, "now", "", "seed time, RFC 3339 (default now)")
	return cmd
}
