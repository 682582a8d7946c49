package eval

import (
	"fmt"
	"strings"
)

// Named is one series to backtest.
type Named struct {
	Name   string
	Values []float64
}

// BacktestReport is a rolling-origin backtest of ForecastSeries' automatic
// model choice against the seasonal-naive and naive baselines over several
// series, with each series' own figures.
type BacktestReport struct {
	PdMForecast
	// PerSeries holds each series' mean scores, in input order.
	PerSeries []SeriesScore
}

// SeriesScore is one series' mean backtest scores.
type SeriesScore struct {
	Name                           string
	MASE, SeasonalNaiveMASE, SMAPE float64
	Models                         map[string]int
}

// Backtest forecasts each series from origins rolling origins, horizon steps
// apart at its end, horizon steps ahead, every forecast made only from the
// history before its origin, and scores it on the in-sample seasonal-naive
// scale (season steps). It is the same procedure as the PdM evaluation,
// exported for other series (the demo plant's production output).
func Backtest(label string, series []Named, horizon, season, origins int) (*BacktestReport, error) {
	var all []fcScore
	rep := &BacktestReport{}
	for _, s := range series {
		sc, err := backtestSeries(s.Values, horizon, season, origins)
		if err != nil {
			return nil, fmt.Errorf("eval: backtest %s: %w", s.Name, err)
		}
		all = append(all, sc...)
		one := summarize(sc, label, horizon, origins)
		rep.PerSeries = append(rep.PerSeries, SeriesScore{Name: s.Name, MASE: one.MASE, SeasonalNaiveMASE: one.SeasonalNaiveMASE, SMAPE: one.SMAPE, Models: one.Models})
	}
	rep.PdMForecast = summarize(all, label, horizon, origins)
	return rep, nil
}

// String renders the report for a terminal.
func (r *BacktestReport) String() string {
	var b strings.Builder
	f := r.PdMForecast
	fmt.Fprintf(&b, "forecast backtest (%s, %d series, horizon %d, %d origins): MASE %.3f vs seasonal naive %.3f, naive %.3f; sMAPE %.2f%% vs %.2f%%\n",
		f.Aggregation, f.Series, f.Horizon, f.Origins, f.MASE, f.SeasonalNaiveMASE, f.NaiveMASE, f.SMAPE, f.SeasonalNaiveSMAPE)
	for _, s := range r.PerSeries {
		fmt.Fprintf(&b, "  %-16s MASE %.3f vs seasonal naive %.3f, sMAPE %.2f%%, models %v\n", s.Name, s.MASE, s.SeasonalNaiveMASE, s.SMAPE, s.Models)
	}
	return b.String()
}
