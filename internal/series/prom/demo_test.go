package prom_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/series/prom"
	"github.com/gemba-ai/gemba/internal/series/prom/vmtest"
	"github.com/gemba-ai/gemba/tools"
)

// demoMapping maps the demo plant as it would sit in a plant's
// VictoriaMetrics: one metric for every sensor, labelled by site, line,
// asset, sensor and unit, and one for the lines' output. Plans stay in
// Gemba's store: they come from the planning system and run a week ahead,
// further than a time-series database accepts samples (VictoriaMetrics
// refuses more than two days ahead), so the remote side of the test is a
// mixed catalog too.
const demoMapping = `
  discover:
    - match: plant_sensor
      name: '{{asset}}.{{sensor}}'
      site: '{{site}}'
      line: '{{line}}'
      asset: '{{asset}}'
      sensor: '{{sensor}}'
      unit: '{{unit}}'
      interval: 10m
    - match: line_output
      name: '{{line}}.output'
      kind: production
      site: '{{site}}'
      line: '{{line}}'
      sensor: output
      unit: '{{unit}}'
      interval: 1h
`

// demoToVM converts the generated demo plant, plans aside, into time
// series with labels.
func demoToVM(data []demo.Data) []vmtest.Series {
	out := make([]vmtest.Series, 0, len(data))
	for _, d := range data {
		s := d.Series
		labels := map[string]string{"site": s.Site, "line": s.Line, "unit": s.Unit}
		switch s.Kind {
		case series.KindProduction:
			labels["__name__"] = "line_output"
		case series.KindPlan:
			continue
		default:
			labels["__name__"] = "plant_sensor"
			labels["asset"], labels["sensor"] = s.Asset, s.Sensor
		}
		vs := vmtest.Series{Labels: labels, Values: d.Values, Times: make([]time.Time, len(d.Values))}
		for i := range d.Values {
			vs.Times[i] = d.Start.Add(time.Duration(i) * s.Interval)
		}
		out = append(out, vs)
	}
	return out
}

// TestDemoPlantSameAnswers loads the demo plant into Gemba's store and
// into a real VictoriaMetrics, and asks the predictive tools the same
// questions of both: list, detect (asset, series, line, past window,
// batch), explain, forecast and plan, and questions that must fail
// (unknown names, an empty window). The answers — data, summaries,
// errors and charts — must be the same.
func TestDemoPlantSameAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	clock := func() time.Time { return now }

	embPool := dbtest.Pool(t)
	seeded, err := demo.Seed(ctx, embPool, demo.Options{Now: now})
	require.NoError(t, err)
	emb := series.New(embPool)

	vm := vmtest.Start(t)
	generated := demo.Generate(now, demo.DefaultSeed)
	sent, err := vm.Import(ctx, demoToVM(generated))
	require.NoError(t, err)
	src, err := prom.New(mapping(t, vm.URL, demoMapping), prom.WithClock(clock))
	require.NoError(t, err)
	remPool := dbtest.Pool(t)
	rem := series.New(remPool, series.WithEngine(prom.EngineName, src))
	synced, err := prom.Sync(ctx, rem, src, nil)
	require.NoError(t, err)
	require.Empty(t, synced.Skipped)
	kept := int64(sent)
	plans := 0
	for _, d := range generated {
		if d.Series.Kind != series.KindPlan {
			continue
		}
		plans++
		s, err := rem.Upsert(ctx, d.Series)
		require.NoError(t, err)
		var rows []series.Row
		for i, v := range d.Values {
			rows = append(rows, series.Row{SeriesID: s.ID, TS: d.Start.Add(time.Duration(i) * d.Series.Interval), Value: v})
		}
		n, err := rem.Append(ctx, rows)
		require.NoError(t, err)
		kept += n
	}
	require.Equal(t, seeded.Series, synced.Series+plans)
	require.Equal(t, seeded.Points, kept, "every demo point is in one of the two stores")

	embTools := tools.NewRegistry(tools.PredictiveWith(emb, nil, tools.PredictiveOptions{Now: clock})...)
	remTools := tools.NewRegistry(tools.PredictiveWith(rem, nil, tools.PredictiveOptions{Now: clock})...)
	calls := []struct{ tool, args string }{
		{tools.ListSeries, `{}`},
		{tools.ListSeries, `{"asset": "Press 3"}`},
		{tools.ListSeries, `{"kind": "plan"}`},
		{tools.DetectAnomalies, `{"asset": "press-3"}`},
		{tools.DetectAnomalies, `{"series": "press-3.vibration", "hours": 72}`},
		{tools.DetectAnomalies, `{"line": "line-1", "hours": 48}`},
		{tools.DetectAnomalies, `{"asset": "press-3", "since": "20d", "until": "10d", "mode": "batch"}`},
		{tools.ExplainAnomaly, `{"asset": "press-3", "hours": 72}`},
		{tools.ForecastSeries, `{"series": "line-1.output", "horizon_hours": 24}`},
		{tools.ForecastSeries, `{"series": "press-3.vibration", "horizon": 36}`},
		{tools.CompareToPlan, `{"line": "line-1"}`},
		{tools.DetectAnomalies, `{"series": "press-33.vibraton"}`},
		{tools.DetectAnomalies, `{"asset": "press-3", "since": "200d", "until": "150d"}`},
	}
	withEvents := 0
	for _, c := range calls {
		answer := func(reg *tools.Registry) (string, string) {
			tl, ok := reg.Get(c.tool)
			require.True(t, ok, c.tool)
			res, err := tl.Call(ctx, json.RawMessage(c.args))
			require.NoError(t, err, "%s %s", c.tool, c.args)
			b, err := json.Marshal(res)
			require.NoError(t, err)
			ch, err := json.Marshal(res.Charts)
			require.NoError(t, err)
			return string(b), string(ch)
		}
		want, wantCharts := answer(embTools)
		got, gotCharts := answer(remTools)
		require.JSONEq(t, want, got, "%s %s", c.tool, c.args)
		require.JSONEq(t, wantCharts, gotCharts, "charts of %s %s", c.tool, c.args)
		if strings.Contains(want, `"events":[{`) {
			withEvents++
		}
		t.Logf("%s %s → %.160s", c.tool, c.args, want)
	}
	require.Positive(t, withEvents, "some answers find anomalies, so the comparison covers events")
}
