package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
)

// newSeriesDeleteCmd is `gemba series delete NAME|--asset A|--prefix P`.
func newSeriesDeleteCmd(app *App) *cobra.Command {
	var (
		sel          series.Selector
		yes, dry, js bool
	)
	cmd := &cobra.Command{
		Use:   "delete [NAME] [--asset A | --prefix P]",
		Short: "Delete series with all their points and rollups (asks first unless --yes)",
		Long: `Delete removes series from the store in one transaction: their raw points, their minute and
hour rollups and their model evaluations. Name one series exactly, every series of an asset
(--asset), or every series whose name starts with a prefix (--prefix). It first prints what goes
and asks for confirmation; --yes skips the question (scripts), --dry-run only prints.
Channel bindings to a deleted asset are listed: they stay, pointing at nothing, until rebound.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				sel.Name = args[0]
			}
			if n := countSet(sel.Name, sel.Asset, sel.Prefix); n != 1 {
				return exitCode(2, "name exactly one of: a series (NAME), --asset A or --prefix P")
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			st, _, err := seriesStore(app, pool)
			if err != nil {
				return err
			}
			plan, err := st.DeletePlan(ctx, sel)
			if errors.Is(err, series.ErrNotFound) {
				return exitCode(1, err.Error())
			}
			if err != nil {
				return err
			}
			var bound []string
			if sel.Asset != "" {
				if bound, err = conversation.AssetBindings(ctx, pool, sel.Asset); err != nil {
					return err
				}
			}
			if !js || dry {
				writeDeletePlan(app.Out, sel, plan, bound, dry)
			}
			if dry {
				return nil
			}
			if !yes {
				fmt.Fprint(app.Out, "Delete them? [y/N] ")
				answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return exitCode(1, "nothing deleted (answer y, or pass --yes)")
				}
			}
			rep, err := st.Delete(ctx, sel)
			if errors.Is(err, series.ErrNotFound) {
				return exitCode(1, err.Error())
			}
			if err != nil {
				return err
			}
			if js {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"deleted": rep, "bindings": bound})
			}
			fmt.Fprintf(app.Out, "deleted %d series, %d points, %d minute and %d hour rollup rows\n",
				len(rep.Series), rep.Points, rep.MinuteRollups, rep.HourRollups)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sel.Asset, "asset", "", "every series of this asset")
	f.StringVar(&sel.Prefix, "prefix", "", "every series whose name starts with this")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	f.BoolVar(&dry, "dry-run", false, "print what would be deleted and stop")
	f.BoolVar(&js, "json", false, "print the result as JSON (with --yes)")
	return cmd
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	return n
}

// writeDeletePlan prints what a delete removes.
func writeDeletePlan(w io.Writer, sel series.Selector, p series.DeleteReport, bound []string, dry bool) {
	verb := "Deleting"
	if dry {
		verb = "Would delete"
	}
	fmt.Fprintf(w, "%s %s: %d series\n", verb, sel, len(p.Series))
	const show = 20
	for i, n := range p.Series {
		if i == show {
			fmt.Fprintf(w, "  … and %d more\n", len(p.Series)-show)
			break
		}
		fmt.Fprintf(w, "  %s\n", n)
	}
	fmt.Fprintf(w, "  points: %d raw points in %d blocks; rollups: %d minute rows, %d hour rows (%d readings); model evaluations: %d\n",
		p.Points, p.RawBlocks, p.MinuteRollups, p.HourRollups, p.HourReadings, p.Evaluations)
	if len(p.External) > 0 {
		fmt.Fprintf(w, "  %d series live in the plant's own database: only their catalog rows go, their points stay there\n", len(p.External))
	}
	if len(bound) > 0 {
		fmt.Fprintf(w, "  channels bound to %s: %s (the bindings stay and point at nothing until rebound)\n", sel.Asset, strings.Join(bound, ", "))
	}
}

// newSeriesRenameCmd is `gemba series rename OLD NEW` and `--asset`.
func newSeriesRenameCmd(app *App) *cobra.Command {
	var (
		asset bool
		js    bool
	)
	cmd := &cobra.Command{
		Use:   "rename OLD NEW",
		Short: "Rename a series, or an asset with all its series (history kept)",
		Long: `Rename gives a series a new name, or with --asset moves every series of an asset to a new
asset name (press-3.vibration becomes press-03.vibration, ...), in one transaction. Points,
rollups and model evaluations stay with the series; channel bindings to the asset and its alerts
follow the new name, and models registered for a series keep serving it. The new name must be
free: merging two assets is not a rename.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			old, next := args[0], args[1]
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			st, _, err := seriesStore(app, pool)
			if err != nil {
				return err
			}
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
			txs := st.On(tx)
			renames := map[string]string{}
			out := map[string]any{}
			if asset {
				moved, err := txs.RenameAsset(ctx, old, next)
				if err != nil {
					return renameErr(err)
				}
				for _, r := range moved {
					renames[r.Old] = r.New
				}
				bindings, alerts, err := conversation.RenameAsset(ctx, tx, old, next)
				if err != nil {
					return err
				}
				out["series"], out["bindings"], out["alerts"] = moved, bindings, alerts
			} else {
				s, err := txs.Rename(ctx, old, next)
				if err != nil {
					return renameErr(err)
				}
				renames[old] = s.Name
				out["series"] = s
			}
			models, err := modelreg.RenameSeries(ctx, tx, renames)
			if err != nil {
				return err
			}
			out["models"] = models
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			if js {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			if asset {
				fmt.Fprintf(app.Out, "renamed asset %s to %s: %d series", old, next, len(renames))
				fmt.Fprintf(app.Out, ", %d channel binding(s), %d alert(s), %d model(s); points and rollups kept\n", out["bindings"], out["alerts"], models)
				for o, n := range renames {
					if o != n {
						fmt.Fprintf(app.Out, "  %s → %s\n", o, n)
					}
				}
				return nil
			}
			s := out["series"].(series.Series)
			fmt.Fprintf(app.Out, "renamed %s to %s (asset %s, sensor %s); points and rollups kept", old, s.Name, dash(s.Asset), dash(s.Sensor))
			if models > 0 {
				fmt.Fprintf(app.Out, "; %d model(s) follow", models)
			}
			fmt.Fprintln(app.Out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asset, "asset", false, "OLD and NEW are assets: move every series of OLD")
	cmd.Flags().BoolVar(&js, "json", false, "print the result as JSON")
	return cmd
}

// renameErr turns the store's readable refusals into exit status 1.
func renameErr(err error) error {
	var nf *series.NotFoundError
	switch {
	case errors.As(err, &nf), errors.Is(err, series.ErrExists):
		return exitCode(1, strings.TrimPrefix(err.Error(), "series: "))
	case strings.Contains(err.Error(), "not a valid"):
		return exitCode(2, strings.TrimPrefix(err.Error(), "series: "))
	}
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
