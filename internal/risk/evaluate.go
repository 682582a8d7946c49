package risk

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// PdMReport is the time-ordered evaluation on the Azure PdM sample: the
// whole fleet's history (100 machines, 2015; telemetry only for machines
// 1–20 in January–March) and, for the comparison with anomaly ranking, the
// telemetry machines alone over the telemetry's three months.
type PdMReport struct {
	Fleet     *Trained      `json:"fleet"`
	Telemetry *Trained      `json:"telemetry"`
	Elapsed   time.Duration `json:"elapsed"`
}

// EvaluatePdM trains and measures the model on the sample in dir.
func EvaluatePdM(dir string) (*PdMReport, error) {
	began := time.Now()
	p, err := LoadPdM(dir, true)
	if err != nil {
		return nil, err
	}
	fleet, err := Train(p.Assets, p.From, p.To, Options{})
	if err != nil {
		return nil, fmt.Errorf("risk: fleet: %w", err)
	}
	var tele []*Asset
	for _, a := range p.Assets {
		if len(a.Sensors) > 0 {
			tele = append(tele, a)
		}
	}
	telemetry, err := Train(tele, p.TelemetryFrom.Truncate(24*time.Hour), p.TelemetryTo.Add(time.Hour), Options{Step: time.Hour, Baseline: p.AnomalyScore,
		MinComponentFailures: 1 << 30})
	if err != nil {
		return nil, fmt.Errorf("risk: telemetry machines: %w", err)
	}
	return &PdMReport{Fleet: fleet, Telemetry: telemetry, Elapsed: time.Since(began)}, nil
}

// WriteEvaluation prints a trained model's evaluation as a table.
func WriteEvaluation(w io.Writer, title string, t *Trained) error {
	e := t.Eval
	learned := fmt.Sprintf("learned from one snapshot every %.0f h per asset, staggered across assets", t.StepHour)
	switch {
	case t.StepHour <= 1:
		learned = "learned from every hour"
	case t.Sampling == SampleCases:
		learned = fmt.Sprintf("learned from every hour of the week before each failure and one snapshot every %.0f h elsewhere, staggered across assets", t.StepHour)
	}
	fmt.Fprintf(w, "%s: %d assets, %d failures, %s–%s; fitted on %s–%s, threshold chosen on %s–%s, measured on %s–%s (%d asset-hours, every hour; %s)\n",
		title, t.Assets, t.Failures, day(t.DataFrom), day(t.DataTo), day(e.TrainFrom), day(e.ValidFrom), day(e.ValidFrom), day(e.TestFrom), day(e.TestFrom), day(e.TestTo), e.TestRows, learned)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tFAILURES\tCAUGHT\tRECALL (failures)\tPRECISION\tRECALL (asset-hours)\tPR-AUC\tBASE RATE\tBRIER\tTHRESHOLD")
	for _, x := range e.Targets {
		name := x.Target.String()
		if x.Component == "" {
			name += " (all components)"
		}
		thr := fmt.Sprintf("%.3f", x.Threshold)
		if x.Threshold >= 1 {
			thr = "shorter horizon's alarm"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\n", name, x.Failures, x.Detected, x.EventRecall, x.Precision, x.SnapshotRecall, x.PRAUC, x.BaseRate, x.Brier, thr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, x := range e.Targets {
		if b := x.Baseline; b != nil {
			fmt.Fprintf(w, "  %s against anomaly-score ranking (%d asset-hours, %d failures): at the model's failure recall %.3f the model's precision is %.3f, the anomaly score's %.3f (recall %.3f); lift %.2f; PR-AUC %.3f against %.3f\n",
				x.Target.String(), b.Rows, b.Failures, b.ModelEventRecall, b.ModelPrecision, b.BaselinePrecision, b.BaselineEventRecall, b.Lift, b.ModelPRAUC, b.BaselinePRAUC)
		}
	}
	for _, x := range e.Targets {
		if x.Component == "" && x.HorizonHours == 48 {
			var parts []string
			for _, c := range x.Calibration {
				parts = append(parts, fmt.Sprintf("%.3f→%.3f", c.Predicted, c.Observed))
			}
			fmt.Fprintf(w, "  calibration, 48 h (predicted→observed per decile): %s\n", strings.Join(parts, " "))
		}
	}
	return nil
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
