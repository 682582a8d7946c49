package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/predict/clean"
	"github.com/gemba-ai/gemba/internal/predict/csvmodel"
	"github.com/gemba-ai/gemba/internal/predict/eval"
)

// newModelCmd is `gemba model list|register|activate|evaluate [nab|m4]|detect|forecast|evaluate-pdm`.
func newModelCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "The model registry (built-in and external models) and the CSV model commands",
	}
	cmd.AddCommand(newModelListCmd(app), newModelRegisterCmd(app), newModelActivateCmd(app), newModelEvaluateCmd(app),
		newModelDetectCmd(app), newModelForecastCmd(app), newModelPdMCmd(app), newModelDemoEvalCmd(app), newModelTrainCmd(app), newModelEvaluateRiskCmd(app))
	return cmd
}

func openRegistry(cmd *cobra.Command, app *App) (*modelreg.Registry, error) {
	pool, err := app.Pool(cmd.Context())
	if err != nil {
		return nil, err
	}
	st, _, err := seriesStore(app, pool)
	if err != nil {
		return nil, err
	}
	return modelreg.New(pool, modelreg.WithSeries(st), modelreg.WithLogger(app.Logger())), nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fmtMetric(v float64) string {
	if v == 0 || math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.3g", v)
}

func newModelListCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registered model versions with their metrics and latest evaluation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := openRegistry(cmd, app)
			if err != nil {
				return err
			}
			ms, err := reg.List(cmd.Context())
			if err != nil {
				return err
			}
			evs, err := reg.LatestEvaluations(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, map[string]any{"models": ms, "latest_evaluations": evs})
			}
			type agg struct {
				n, drifted, failed int
				last               time.Time
			}
			byModel := map[int64]*agg{}
			for _, e := range evs {
				a := byModel[e.ModelID]
				if a == nil {
					a = &agg{}
					byModel[e.ModelID] = a
				}
				a.n++
				if e.Drifted {
					a.drifted++
				}
				if e.Metrics.Error != "" {
					a.failed++
				}
				if e.EvaluatedAt.After(a.last) {
					a.last = e.EvaluatedAt
				}
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tKIND\tTASK\tACTIVE\tENDPOINT\tMASE\tEVALUATED\tSERIES\tDRIFTED\tFAILED")
			for _, m := range ms {
				active := ""
				if m.Active {
					active = "yes"
				}
				a := byModel[m.ID]
				if a == nil {
					a = &agg{}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", m.Name, m.Version, m.Kind, m.Task, active,
					orDash(m.Endpoint), fmtMetric(m.Metrics.MASE), fmtTime(a.last), a.n, a.drifted, a.failed)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newModelRegisterCmd(app *App) *cobra.Command {
	var (
		m        modelreg.Model
		kind     string
		task     string
		seriesCS string
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register a model version (an external KServe v2 or MLflow endpoint, or a built-in)",
		Long: `Register adds one model version to the registry. External models are called over HTTP:
  kserve_v2: POST {endpoint}/v2/models/{name}/infer (Open Inference Protocol) with one FP64 input
             tensor [1, n] holding the history; a forecaster gets the parameter "horizon".
  mlflow:    POST {endpoint}/invocations with {"dataframe_split": {"columns": [input], "data": ...}}
             (or --format inputs: {"inputs": {input: [...]}}) and params {"horizon": h}; the answer
             is {"predictions": [...]}.
--mase is the model's reference backtest error: a later evaluation more than 25% worse marks drift.
--series lists the series the model serves and is evaluated on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Kind, m.Task = modelreg.Kind(kind), modelreg.Task(task)
			if seriesCS != "" {
				for s := range strings.SplitSeq(seriesCS, ",") {
					if s = strings.TrimSpace(s); s != "" {
						m.InputSchema.Series = append(m.InputSchema.Series, s)
					}
				}
			}
			m.InputSchema.TimeoutMS = int(timeout.Milliseconds())
			if err := m.Validate(); err != nil {
				return exitCode(2, err.Error())
			}
			reg, err := openRegistry(cmd, app)
			if err != nil {
				return err
			}
			out, err := reg.Register(cmd.Context(), m)
			if errors.Is(err, modelreg.ErrExists) {
				return exitCode(1, fmt.Sprintf("%s is already registered; register a new --version", m.Ref()))
			}
			if err != nil {
				return err
			}
			state := "inactive (gemba model activate " + out.Name + " " + out.Version + ")"
			if out.Active {
				state = "active"
			}
			fmt.Fprintf(app.Out, "registered %s (%s %s), %s\n", out.Ref(), out.Kind, out.Task, state)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&m.Name, "name", "", "model name (required)")
	f.StringVar(&m.Version, "version", "", "version (required)")
	f.StringVar(&kind, "kind", string(modelreg.KindKServeV2), "builtin, kserve_v2 or mlflow")
	f.StringVar(&task, "task", string(modelreg.TaskForecast), "forecast or detect")
	f.StringVar(&m.Endpoint, "endpoint", "", "server root URL of an external model")
	f.StringVar(&m.InputSchema.Input, "input", "", "input tensor or column name (default value)")
	f.StringVar(&m.InputSchema.Output, "output", "", "output tensor or prediction field (default the first)")
	f.StringVar(&m.InputSchema.Format, "format", "", "MLflow request format: dataframe_split (default) or inputs")
	f.StringVar(&m.InputSchema.Description, "description", "", "what the model is")
	f.StringVar(&seriesCS, "series", "", "comma-separated series the model serves")
	f.IntVar(&m.InputSchema.Season, "season", 0, "seasonal period in points for backtests (0 detects it)")
	f.IntVar(&m.InputSchema.Horizon, "horizon", 0, "backtest horizon in points (default 24)")
	f.DurationVar(&timeout, "timeout", 0, "per-call timeout (default the registry's 10s)")
	f.Float64Var(&m.Metrics.MASE, "mase", 0, "reference backtest MASE (drift baseline)")
	f.Float64Var(&m.Metrics.SMAPE, "smape", 0, "reference backtest sMAPE, percent")
	f.BoolVar(&m.Active, "activate", false, "make this the active version at once")
	return cmd
}

func newModelActivateCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "activate NAME VERSION",
		Short: "Make one version of a model the active one (the others of that name become inactive)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := openRegistry(cmd, app)
			if err != nil {
				return err
			}
			m, err := reg.Activate(cmd.Context(), args[0], args[1])
			if errors.Is(err, modelreg.ErrNotFound) {
				return exitCode(1, strings.TrimPrefix(err.Error(), "modelreg: "))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Out, "%s is now the active %s\n", m.Ref(), m.Name)
			return nil
		},
	}
}

func newModelEvaluateCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Re-evaluate every active model now: rolling backtest on the latest data, drift check, stored",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := openRegistry(cmd, app)
			if err != nil {
				return err
			}
			began := time.Now()
			evs, err := reg.Reevaluate(cmd.Context(), time.Now().UTC())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, evs)
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODEL\tSERIES\tMASE\tSMAPE%\tFLAGGED%\tREFERENCE\tDRIFTED\tNOTE")
			drifted, failed := 0, 0
			for _, e := range evs {
				d := ""
				if e.Drifted {
					d = "DRIFT"
					drifted++
				}
				note := ""
				if e.Metrics.Error != "" {
					note = e.Metrics.Error
					failed++
				}
				flag := "-"
				if e.Metrics.FlaggedShare > 0 || (e.Metrics.MASE == 0 && e.Metrics.Error == "") {
					flag = fmt.Sprintf("%.2f", 100*e.Metrics.FlaggedShare)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ModelRef(), e.Series, fmtMetric(e.Metrics.MASE), fmtMetric(e.Metrics.SMAPE), flag, fmtMetric(e.Metrics.Reference), d, note)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(app.Out, "%d evaluations, %d drifted, %d failed, in %s\n", len(evs), drifted, failed, time.Since(began).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(newModelEvaluateNABCmd(app), newModelEvaluateM4Cmd(app))
	return cmd
}

// benchDir checks an evaluation data folder, naming what it should hold.
func benchDir(dir, holds string) error {
	if _, err := os.Stat(dir); err != nil {
		return exitCode(1, fmt.Sprintf("--dir %s: %v (point it at the folder holding %s)", dir, err, holds))
	}
	return nil
}

func newModelEvaluateNABCmd(app *App) *cobra.Command {
	var (
		dir     string
		asJSON  bool
		perFile string
		variant string
		split   string
	)
	cmd := &cobra.Command{
		Use:   "nab --dir DIR",
		Short: "Score the online detector with the Numenta Anomaly Benchmark's method (three profiles)",
		Long: `nab runs the online detector on every file of a NAB corpus (data/<category>/*.csv,
labels/combined_windows.json, config/profiles.json), exactly as 'gemba model detect --online' does,
and scores it as the corpus' SCORING.md describes: per profile (standard, low false positives, low
false negatives), with the threshold optimised over the files as NAB does and at the detector's own
fixed threshold. Results are given on all files and on the tuning and frozen splits (a third of the
files, picked by a hash of their names before any tuning). Files the detector rejects are listed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := eval.NABVariants[variant]; !ok {
				return exitCode(2, fmt.Sprintf("--variant %q: want one of %s", variant, strings.Join(slices.Sorted(maps.Keys(eval.NABVariants)), ", ")))
			}
			switch split {
			case "", eval.SplitAll, eval.SplitTune, eval.SplitFrozen:
			default:
				return exitCode(2, fmt.Sprintf("--split %q: want all, tune or frozen", split))
			}
			if perFile != "" && split != "" && perFile != split {
				return exitCode(2, fmt.Sprintf("--per-file %s: only the %s split is scored", perFile, split))
			}
			if err := benchDir(dir, "data/, labels/ and config/ of a NAB corpus"); err != nil {
				return err
			}
			began := time.Now()
			rep, err := eval.EvalNAB(dir, eval.NABOptions{Variant: variant, Split: split})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, rep)
			}
			fmt.Fprint(app.Out, rep.String())
			if perFile != "" {
				fmt.Fprintf(app.Out, "per file (%s split, standard profile, fixed threshold), worst first:\n%s", perFile, rep.PerFileString(perFile))
			}
			_, err = fmt.Fprintf(app.Out, "took %s\n", time.Since(began).Round(time.Millisecond))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "../shared/data/nab_dev", "NAB corpus folder")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&perFile, "per-file", "", "also list each file's outcome for this split (all, tune or frozen)")
	cmd.Flags().StringVar(&split, "split", "", "score only this split (tune while tuning: the frozen files are not run); default all three")
	cmd.Flags().StringVar(&variant, "variant", "default", "score an evaluation-only change to the online detector: no-spatial (without the spatial rule), spatial (Numenta's spatial rule without the default's guard of one unit of the series' noise scale), spatial-window (that over the last 2,000 points), spatial-guard-2 (a guard of two units)")
	return cmd
}

func newModelEvaluateM4Cmd(app *App) *cobra.Command {
	var (
		dir    string
		asJSON bool
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "m4 --dir DIR",
		Short: "Score the forecaster on M4 Hourly: sMAPE, MASE, OWA against Naive2, interval coverage and MSIS",
		Long: `m4 forecasts every series of M4 Hourly (Hourly-train.csv, Hourly-test.csv) 48 hours ahead from its
training values only, exactly as 'gemba model forecast' does, and reports sMAPE, MASE (scaled by the
in-sample lag-24 MAE), OWA against Naive2 computed on the same series, seasonal naive for reference,
the coverage of the 80% and 95% intervals and the MSIS of the 95% interval, on all series and on the
tuning and frozen splits (a third of the series, picked by a hash of their ids before any tuning).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := benchDir(dir, "Hourly-train.csv and Hourly-test.csv"); err != nil {
				return err
			}
			rep, err := eval.EvalM4(dir, eval.M4Options{Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, rep)
			}
			_, err = fmt.Fprint(app.Out, rep.String())
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "../shared/data/m4_hourly_dev", "M4 Hourly folder")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 0, "score an evenly spaced sample of N series of each split (0: all)")
	return cmd
}

// csvIn opens the --csv input ("-" is standard input).
func csvIn(cmd *cobra.Command, in string) (io.ReadCloser, error) {
	if in == "" {
		return nil, exitCode(2, "--csv FILE is required")
	}
	if in == "-" {
		return io.NopCloser(cmd.InOrStdin()), nil
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, exitCode(1, err.Error())
	}
	return f, nil
}

// csvOut is the --out destination: standard output, or a temporary file
// beside the target renamed into place by commit, so a failed run leaves
// no half-written file.
type csvOut struct {
	w    io.Writer
	tmp  *os.File
	path string
}

func newCSVOut(app *App, out string) (*csvOut, error) {
	if out == "" || out == "-" {
		return &csvOut{w: app.Out}, nil
	}
	tmp, err := os.CreateTemp(dirOf(out), ".gemba-*.csv")
	if err != nil {
		return nil, exitCode(1, err.Error())
	}
	return &csvOut{w: tmp, tmp: tmp, path: out}, nil
}

func (o *csvOut) commit() error {
	if o.tmp == nil {
		return nil
	}
	if err := o.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(o.tmp.Name(), o.path)
}

func (o *csvOut) abort() {
	if o.tmp != nil {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
	}
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// printWarnings lists the input-cleaning policy's repairs, one a line.
func printWarnings(w io.Writer, ws []clean.Warning) {
	for _, x := range ws {
		fmt.Fprintf(w, "warning: %s\n", x)
	}
}

// csvFailure turns a csvmodel error into exit code 1 with its message: the
// CSV commands touch no infrastructure, so every failure is about the input
// (bad rows listed with line numbers, too short, horizon too long).
func csvFailure(err error) error {
	return exitCode(1, strings.ReplaceAll(err.Error(), "csvmodel: ", ""))
}

func newModelDetectCmd(app *App) *cobra.Command {
	var (
		in, out string
		opt     csvmodel.DetectOptions
	)
	cmd := &cobra.Command{
		Use:   "detect --csv FILE",
		Short: "Score a CSV series for anomalies: writes timestamp,value,score,is_anomaly per input row",
		Long: `Detect reads a CSV with a header row (a timestamp column is optional; without one the rows are a
regularly spaced series), scores each row and writes timestamp,value,score,is_anomaly, one row per
input row in the same order. --online scores each row only from the rows before it (what a live
monitor would have said): the score is a calibrated probability (0.5 means a one-in-100,000 point
for this series) and is_anomaly marks the onset of an event, which is not re-reported while it
lasts; the first rows are a reported warm-up without a score. Without --online the whole file is
judged at once (robust seasonal residuals and CUSUM shifts). The detector settings are Gemba's one
configuration, the same the chat, digests and plant pages use.
Only unreadable lines (bad numbers or timestamps, wrong field counts) are errors, reported with their
line numbers, and then nothing is written. Duplicate timestamps, rows out of order, irregular
sampling, gaps and missing values are repaired as the input-cleaning policy says and reported on
standard error with their counts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := csvIn(cmd, in)
			if err != nil {
				return err
			}
			defer func() { _ = r.Close() }()
			o, err := newCSVOut(app, out)
			if err != nil {
				return err
			}
			sc, err := csvmodel.Detect(r, o.w, opt)
			if err != nil {
				o.abort()
				return csvFailure(err)
			}
			if err := o.commit(); err != nil {
				return err
			}
			printWarnings(app.Err, sc.Table.Report.Warnings)
			events, onsets := len(sc.Detection.Events), 0
			for _, p := range sc.Detection.Points {
				if p.IsAnomaly {
					onsets++
				}
			}
			mode := "batch"
			if opt.Online {
				mode = fmt.Sprintf("online, warm-up %d rows", sc.Detection.WarmUp)
			}
			fmt.Fprintf(app.Err, "%d rows scored (%s, period %d, threshold %.2f): %d event(s), %d row(s) flagged\n",
				len(sc.Table.Slot), mode, sc.Detection.Period, sc.Options.Threshold, events, onsets)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "csv", "", "input CSV file (- for standard input)")
	f.StringVar(&out, "out", "", "output CSV file (default standard output)")
	f.StringVar(&opt.TimeCol, "time-col", "", "timestamp column (default: one named timestamp, time, datetime or date)")
	f.StringVar(&opt.ValueCol, "value-col", "", "value column (default: the first numeric column)")
	f.IntVar(&opt.Period, "period", 0, "seasonal period in rows (0 detects it, 1 disables)")
	f.BoolVar(&opt.Online, "online", false, "score each row only from the rows before it")
	f.Float64Var(&opt.Threshold, "threshold", 0, "anomaly score threshold in (0,1) (default: the detector settings', 0.32 online, 0.99 batch)")
	return cmd
}

func newModelForecastCmd(app *App) *cobra.Command {
	var (
		in, out string
		opt     csvmodel.ForecastOptions
	)
	cmd := &cobra.Command{
		Use:   "forecast --csv FILE --horizon N",
		Short: "Forecast a CSV series: writes step,timestamp,forecast,lo80,hi80,lo95,hi95",
		Long: `Forecast reads a CSV series like detect does (same input-cleaning policy), picks the best of the
ETS family, a multi-seasonal decomposition with exponential smoothing, Theta, seasonal naive (a day
and a week) and their combination by rolling-origin backtest, and writes
step,timestamp,forecast,lo80,hi80,lo95,hi95 for the next N steps (timestamp empty when the input has
none). The intervals are widened to the backtest's own error quantiles. The model, its backtest MASE
and sMAPE, the data cutoff and the cleaning warnings are printed on standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Horizon <= 0 {
				return exitCode(2, "--horizon N (a positive number of steps) is required")
			}
			r, err := csvIn(cmd, in)
			if err != nil {
				return err
			}
			defer func() { _ = r.Close() }()
			o, err := newCSVOut(app, out)
			if err != nil {
				return err
			}
			fc, tab, err := csvmodel.Forecast(r, o.w, opt)
			if err != nil {
				o.abort()
				return csvFailure(err)
			}
			if err := o.commit(); err != nil {
				return err
			}
			printWarnings(app.Err, tab.Report.Warnings)
			cut := "row index"
			if !fc.Cutoff.IsZero() {
				cut = fc.Cutoff.Format(time.RFC3339)
			}
			model := fc.Model
			if len(fc.Members) > 0 {
				model += " of " + strings.Join(fc.Members, ", ")
			}
			fmt.Fprintf(app.Err, "model %s (season %d), backtest MASE %.3f, sMAPE %.2f%%, data cutoff %s\n", model, fc.Season, fc.MASE, fc.SMAPE, cut)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "csv", "", "input CSV file (- for standard input)")
	f.StringVar(&out, "out", "", "output CSV file (default standard output)")
	f.StringVar(&opt.TimeCol, "time-col", "", "timestamp column")
	f.StringVar(&opt.ValueCol, "value-col", "", "value column")
	f.IntVar(&opt.Horizon, "horizon", 0, "steps to forecast (required)")
	f.IntVar(&opt.Season, "season", 0, "seasonal period in rows (0 detects it, 1 disables)")
	return cmd
}

func newModelPdMCmd(app *App) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "evaluate-pdm",
		Short: "Measure the detectors and forecasters on Microsoft's predictive-maintenance telemetry",
		Long: `evaluate-pdm runs the accuracy evaluation on the Azure PdM data set (PdM_telemetry.csv,
PdM_failures.csv, PdM_errors.csv): how many failures an online anomaly event precedes within 48 hours,
the false-event rate per machine-month, and the forecasters' backtest MASE against seasonal naive.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(dir); err != nil {
				return exitCode(1, fmt.Sprintf("--data %s: %v (point it at the folder holding PdM_telemetry.csv)", dir, err))
			}
			began := time.Now()
			rep, err := eval.EvalPdM(dir)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(app.Out, "%stook %s\n", rep.String(), time.Since(began).Round(time.Millisecond))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "data", "../shared/data/azure_pdm", "folder with the PdM CSV files")
	return cmd
}

func newModelDemoEvalCmd(app *App) *cobra.Command {
	var nowArg string
	cmd := &cobra.Command{
		Use:   "evaluate-demo",
		Short: "Backtest the forecaster on the demo plant's production output against seasonal naive",
		Long: `evaluate-demo generates the demo plant's hourly output of each line (no database needed) and
forecasts a day ahead from each of the last 14 days, every forecast made only from the history
before it, reporting the mean MASE and sMAPE of the automatically chosen model against seasonal
naive (weekly season) and naive, per line and overall.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now, err := parseNow(nowArg)
			if err != nil {
				return exitCode(2, err.Error())
			}
			if now.IsZero() {
				now = time.Now()
			}
			rep, err := demo.EvalOutputForecasts(now)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(app.Out, rep.String())
			return err
		},
	}
	cmd.Flags().StringVar(&nowArg, "now", "", "end of the generated window, RFC 3339 (default now)")
	return cmd
}
