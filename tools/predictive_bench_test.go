package tools_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// BenchmarkPredictiveTools measures one call of each predictive tool on the
// seeded demo plant (database reads included): the latency an answer pays,
// with the cache of detections and forecasts off ("uncached", every call
// computes) and on ("cached", the calls after the first reuse it, as the
// questions of one sampling interval do).
func BenchmarkPredictiveTools(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	_, err := demo.Seed(ctx, pool, demo.Options{Now: plantNow})
	require.NoError(b, err)
	store := series.New(pool)
	now := func() time.Time { return plantNow }
	for _, mode := range []struct {
		name string
		opts tools.PredictiveOptions
	}{
		{"uncached", tools.PredictiveOptions{Now: now, CacheSize: -1}},
		{"cached", tools.PredictiveOptions{Now: now}},
	} {
		reg := tools.NewRegistry(tools.PredictiveWith(store, modelreg.New(pool), mode.opts)...)
		for _, c := range []struct{ name, tool, args string }{
			{"list_series", "list_series", `{"line": "line-1"}`},
			{"detect_asset_24h", "detect_anomalies", `{"asset": "press-3"}`},
			{"detect_line_24h", "detect_anomalies", `{"line": "line-3"}`},
			{"explain_asset", "explain_anomaly", `{"asset": "press-3", "hours": 36}`},
			{"forecast_output_24h", "forecast_series", `{"series": "line-1.output", "horizon": 24}`},
			{"forecast_sensor_24h", "forecast_series", `{"series": "pump-1.pressure", "horizon_hours": 24}`},
			{"compare_to_plan", "compare_to_plan", `{"line": "line-1"}`},
		} {
			tool, ok := reg.Get(c.tool)
			require.True(b, ok)
			b.Run(mode.name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					res, err := tool.Call(ctx, json.RawMessage(c.args))
					require.NoError(b, err)
					require.Empty(b, res.UserError)
				}
			})
		}
	}
}
