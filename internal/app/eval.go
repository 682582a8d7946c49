package app

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/eval"
)

func newEvalCmd(app *App) *cobra.Command {
	var asJSON, offline, showTest bool
	var set string
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Run the evaluation set over the demo plant: tool routing, citation hits, numeric grounding",
		Long: `Ask every question of the built-in evaluation set (run "gemba demo seed" first) and
report tool-routing accuracy, citation hit rate, numeric grounding and facts. It uses the
configured LLM when there is one and the offline planner otherwise (or with --offline).

--set history asks the questions about an imported history instead (dates in 2015): import
deploy/examples/azure_pdm/slice/PdM_telemetry.csv with --entity machineID first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			load := map[string]func() ([]eval.Case, error){"demo": eval.Load, "history": eval.LoadHistory}[set]
			if load == nil {
				return exitCode(2, fmt.Sprintf("--set %q: demo or history", set))
			}
			cases, err := load()
			if err != nil {
				return err
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			var nSeries, nDocs, nPdM int
			if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM series), (SELECT count(*) FROM documents),
				(SELECT count(*) FROM series WHERE name IN ('machine-8.rotate', 'machine-12.rotate', 'machine-17.rotate'))`).Scan(&nSeries, &nDocs, &nPdM); err != nil {
				return fmt.Errorf("eval: check demo data: %w", err)
			}
			if set == "history" && nPdM < 3 {
				return exitCode(1, "eval: the history set asks about machine-8, machine-12 and machine-17 in 2015; import them first: "+
					"gemba series import deploy/examples/azure_pdm/slice/PdM_telemetry.csv --entity machineID")
			}
			if set == "demo" && (nSeries == 0 || nDocs == 0) {
				return exitCode(1, fmt.Sprintf("eval: the database has %d series and %d documents; run `gemba demo seed` first", nSeries, nDocs))
			}
			r, err := buildRunnerWith(ctx, app, runnerDeps{offline: offline})
			if err != nil {
				return err
			}
			now := time.Now()
			// The clock of the plant in force: the applied plant.yaml's
			// time zone and shifts (the demo's after `gemba demo seed`).
			clock, err := eval.PlantClock(now, r.Plant())
			if err != nil {
				return err
			}
			rep := eval.Run(ctx, r, cases, eval.Options{RunID: now.UTC().Format("20060102T150405"), Clock: clock})
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rep)
			}
			return eval.WriteText(app.Out, rep, eval.WriteOptions{ShowTest: showTest})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&showTest, "show-test", false, "print the frozen test split's cases one by one too (by default only its figures)")
	cmd.Flags().BoolVar(&offline, "offline", false, "use the offline planner even when an LLM is configured")
	cmd.Flags().StringVar(&set, "set", "demo", "the evaluation set: demo (questions.yaml, the demo plant) or history (history.yaml, dates in 2015 on the imported PdM slice)")
	return cmd
}
