package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/risk"
)

// newModelTrainCmd is `gemba model train risk`.
func newModelTrainCmd(app *App) *cobra.Command {
	var (
		nowArg string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "train risk",
		Short: "Train the failure-risk model on the plant's maintenance history and sensors, measure it on the latest history, register it",
		Long: `Train learns the probability that each asset fails within 24 hours, 48 hours and 7 days from the
plant's own history: the maintenance records (gemba history import), the equipment register, and
the sensors' recent drift. It is fitted on the earlier half of the failure history, its alarm
threshold chosen on the next 20 %, and it is measured on the latest 30 % (never seen before); then
it is refitted on the whole history and registered as a new active version of failure-risk with
those figures. With too few failures it says so and registers nothing: "which machine first"
keeps ranking by anomaly severity.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "risk" {
				return exitCode(2, fmt.Sprintf("unknown model %q: gemba model train risk", args[0]))
			}
			ctx := cmd.Context()
			now, err := parseNow(nowArg)
			if err != nil {
				return exitCode(2, err.Error())
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			began := time.Now()
			tr, m, err := risk.NewService(pool).Train(ctx, now, risk.Options{})
			var few *risk.TooFewFailuresError
			if errors.As(err, &few) {
				return exitCode(1, few.Error())
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, map[string]any{"model": m, "trained": tr, "seconds": time.Since(began).Seconds()})
			}
			fmt.Fprintf(app.Out, "registered %s (active) in %s\n", m.Ref(), time.Since(began).Round(100*time.Millisecond))
			return risk.WriteEvaluation(app.Out, "failure-risk", tr)
		},
	}
	cmd.Flags().StringVar(&nowArg, "now", "", "train on the history up to this time, RFC 3339 (default now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// newModelEvaluateRiskCmd is `gemba model evaluate-risk --dir DIR`.
func newModelEvaluateRiskCmd(app *App) *cobra.Command {
	var (
		dir    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "evaluate-risk",
		Short: "Measure the failure-risk model on Microsoft's Azure PdM sample (time-ordered split), against anomaly-score ranking",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(dir, "PdM_failures.csv")); err != nil {
				return exitCode(2, fmt.Sprintf("--dir %s: no PdM_failures.csv there (%v); point it at the Azure PdM sample", dir, err))
			}
			rep, err := risk.EvaluatePdM(dir)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, rep)
			}
			if err := risk.WriteEvaluation(app.Out, "Azure PdM fleet", rep.Fleet); err != nil {
				return err
			}
			if err := risk.WriteEvaluation(app.Out, "Azure PdM telemetry machines", rep.Telemetry); err != nil {
				return err
			}
			fmt.Fprintf(app.Out, "elapsed %s\n", rep.Elapsed.Round(100*time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", filepath.Join("..", "shared", "data", "azure_pdm"), "folder of the Azure PdM CSV files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
