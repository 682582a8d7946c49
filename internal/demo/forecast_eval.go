package demo

import (
	"math"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict/eval"
)

// EvalOutputForecasts backtests the forecaster on the demo plant's hourly
// production output of each line (generated for a seeding at now): a day
// ahead from each of the last 14 days, against seasonal naive with a weekly
// season (production follows shifts and weekends). Missing hours are filled
// with the previous value, as the store's regular grid would be.
func EvalOutputForecasts(now time.Time) (*eval.BacktestReport, error) {
	var ns []eval.Named
	for _, d := range Generate(now, DefaultSeed) {
		if !strings.HasSuffix(d.Series.Name, ".output") {
			continue
		}
		v := append([]float64(nil), d.Values...)
		for i := range v {
			if math.IsNaN(v[i]) && i > 0 {
				v[i] = v[i-1]
			}
		}
		// Only the history up to now: the generator also writes no future output.
		ns = append(ns, eval.Named{Name: d.Series.Name, Values: v})
	}
	return eval.Backtest("hourly output", ns, 24, 168, 14)
}
