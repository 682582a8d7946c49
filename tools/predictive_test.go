package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

var plantNow = time.Date(2026, 11, 27, 12, 47, 13, 0, time.UTC)

// call runs a tool with JSON arguments and returns its result with the
// data re-decoded as generic JSON (what the model sees).
func call(t *testing.T, ctx context.Context, reg *tools.Registry, name, args string) (tools.Result, map[string]any) {
	t.Helper()
	tool, ok := reg.Get(name)
	require.True(t, ok, name)
	res, err := tool.Call(ctx, json.RawMessage(args))
	require.NoError(t, err, "%s %s", name, args)
	var data map[string]any
	if res.Data != nil {
		b, err := json.Marshal(res.Data)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &data))
		require.Less(t, len(b), 12000, "%s result must stay compact", name)
	}
	t.Logf("%s %s → %s%s", name, args, res.Summary, func() string {
		if res.UserError != "" {
			return " ERROR: " + res.UserError
		}
		return ""
	}())
	return res, data
}

// eventsOf is the events of one asset in a detect_anomalies result, as JSON
// values.
func eventsOf(data map[string]any, asset string) []any {
	var out []any
	evs, _ := data["events"].([]any)
	for _, e := range evs {
		if m, ok := e.(map[string]any); ok && m["asset"] == asset {
			out = append(out, e)
		}
	}
	return out
}

// seededDemo is a transaction holding the demo plant seeded at plantNow,
// and its series store.
func seededDemo(t *testing.T) (pgx.Tx, *series.Store) {
	t.Helper()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(context.Background(), tx, demo.Options{Now: plantNow})
	require.NoError(t, err)
	return tx, series.New(tx)
}

// TestPredictiveTools runs every predictive tool on the seeded demo plant,
// with good and bad arguments. One seeding is shared by the subtests.
func TestPredictiveTools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, store := seededDemo(t)
	mreg := modelreg.New(tx, modelreg.WithSeries(store))
	_, err := mreg.Reevaluate(ctx, plantNow)
	require.NoError(t, err)
	reg := tools.NewRegistry(tools.Predictive(store, mreg, func() time.Time { return plantNow })...)
	require.Len(t, reg.List(), 5)
	for _, tl := range reg.List() {
		require.NotEmpty(t, tl.Description())
		require.Equal(t, "object", tl.Schema()["type"])
	}

	t.Run("list_series", func(t *testing.T) {
		res, data := call(t, ctx, reg, "list_series", `{"asset": "Press 3"}`)
		require.Empty(t, res.UserError)
		items := data["series"].([]any)
		require.Len(t, items, 4)
		first := items[0].(map[string]any)
		require.Equal(t, "press-3.motor_current", first["name"])
		require.Equal(t, "2026-11-27T12:40Z", first["latest_at"])

		_, data = call(t, ctx, reg, "list_series", `{"kind": "plan"}`)
		require.EqualValues(t, 3, data["total"])

		// The channel's scope applies when the arguments name nothing.
		_, data = call(t, tools.WithScope(ctx, tools.Scope{Line: "line-2"}), reg, "list_series", `{}`)
		require.EqualValues(t, 18, data["total"], "16 sensors, output and plan")
		_, data = call(t, ctx, reg, "list_series", `{}`)
		require.EqualValues(t, 54, data["total"])
		require.Len(t, data["series"], 50)
		require.Contains(t, data["note"], "showing the first 50 of 54")

		res, _ = call(t, ctx, reg, "list_series", `{"asset": "press-9"}`)
		require.Contains(t, res.UserError, `no asset called "press-9"`)
		require.Contains(t, res.UserError, "press-1")
		res, _ = call(t, ctx, reg, "list_series", `{"text": "zzz"}`)
		require.Contains(t, res.UserError, "No series match")
		res, _ = call(t, ctx, reg, "list_series", `{"asset": 3}`)
		require.Contains(t, res.UserError, "do not match its schema")
	})

	t.Run("detect_anomalies live precursor", func(t *testing.T) {
		res, data := call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3"}`)
		require.Empty(t, res.UserError)
		require.Equal(t, "online", data["mode"])
		require.Equal(t, "robust-detector@1", data["model"])
		events := data["events"].([]any)
		require.NotEmpty(t, events)
		var live map[string]any
		for _, e := range events {
			e := e.(map[string]any)
			if e["ongoing"] == true {
				live = e
			}
		}
		require.NotNil(t, live, "the in-progress bearing wear must show as an ongoing event")
		require.Equal(t, "vibration", live["sensor"])
		require.Greater(t, live["sigma"].(float64), 2.0)
		require.Contains(t, live["summary"], "press-3 vibration up")
		require.Contains(t, res.Summary, "press-3 vibration up")
		require.Len(t, res.Charts, 1)
		require.NotEmpty(t, res.Charts[0].Marks)
		require.LessOrEqual(t, len(res.Charts[0].Lines[0].Values), 600)
		require.Len(t, res.Charts[0].Lines, 2, "the reading and its usual weekly pattern")
		require.Equal(t, "plan", res.Charts[0].Lines[1].Style)

		// The same through the channel scope, and on the single series.
		res, _ = call(t, tools.WithScope(ctx, tools.Scope{Asset: "press-3"}), reg, "detect_anomalies", `{"hours": 12}`)
		require.Contains(t, res.Summary, "press-3 vibration up")
		res, data = call(t, ctx, reg, "detect_anomalies", `{"series": "press-3.vibration", "hours": 12}`)
		require.Contains(t, res.Summary, "vibration up")
		require.Equal(t, []any{"press-3.vibration"}, data["checked"])
	})

	t.Run("detect_anomalies line and past window", func(t *testing.T) {
		_, data := call(t, ctx, reg, "detect_anomalies", `{"line": "line-1", "hours": 24}`)
		require.Len(t, data["checked"], 3)
		require.LessOrEqual(t, len(data["events"].([]any)), 8)

		// The recorded press-3 bearing failure (INC-1003), in batch mode.
		var inc demo.Scheduled
		for _, f := range demo.Schedule(plantNow) {
			if f.ID == "INC-1003" {
				inc = f
			}
		}
		args := `{"asset": "press-3", "since": "` + inc.PrecursorStart.Format(time.RFC3339) + `", "until": "` + inc.At.Format(time.RFC3339) + `"}`
		res, data := call(t, ctx, reg, "detect_anomalies", args)
		require.Equal(t, "batch", data["mode"])
		require.NotEmpty(t, data["events"], res.Summary)
	})

	t.Run("every recorded precursor is a significant event", func(t *testing.T) {
		for _, f := range demo.Schedule(plantNow) {
			for _, mode := range []string{"online", "batch"} {
				args := `{"asset": "` + f.Asset + `", "mode": "` + mode + `", "since": "` + f.PrecursorStart.Format(time.RFC3339) + `", "until": "` + f.At.Format(time.RFC3339) + `"}`
				res, data := call(t, ctx, reg, "detect_anomalies", args)
				require.Empty(t, res.UserError)
				events, _ := data["events"].([]any)
				require.NotEmpty(t, events, "%s %s: %s", f.ID, mode, res.Summary)
				found := false
				for _, e := range events {
					if slices.Contains(f.Sensors, e.(map[string]any)["sensor"].(string)) {
						found = true
					}
				}
				require.True(t, found, "%s %s: the leading sensor should be one of %v: %s", f.ID, mode, f.Sensors, res.Summary)
			}
		}
		// Quiet lines report no significant anomaly, only minor deviations.
		res, _ := call(t, ctx, reg, "detect_anomalies", `{"line": "line-2"}`)
		require.Contains(t, res.Summary, "no significant anomalies")
	})

	t.Run("detect_anomalies on the whole plant", func(t *testing.T) {
		// Nothing named and no scope: every asset of the plant, and each
		// asset's events are the same records an asset's own call gives.
		res, data := call(t, ctx, reg, "detect_anomalies", `{}`)
		require.Empty(t, res.UserError)
		require.Equal(t, "plant", data["scope"])
		require.Contains(t, res.Summary, "the whole plant")
		checked := data["checked"].([]any)
		require.Len(t, checked, 12, "every asset of the demo plant")
		plant := eventsOf(data, "press-3")
		require.NotEmpty(t, plant, "press-3 is in alarm in the demo plant: %s", res.Summary)
		_, own := call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3"}`)
		require.Equal(t, eventsOf(own, "press-3"), plant, "one event, one record")
		require.Len(t, res.Charts, 1)
		require.Contains(t, res.Charts[0].Title, "press-3", "the chart shows the asset of the strongest event")
		// Windows that start in the same week judge every point from the
		// same history: the same event, onset and σ for the last 24 hours,
		// the last 8 (a shift) and the last 30.
		var seen []any
		for _, h := range []string{"24", "8", "30"} {
			_, d := call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "hours": `+h+`}`)
			evs := eventsOf(d, "press-3")
			require.NotEmpty(t, evs)
			e := evs[len(evs)-1].(map[string]any)
			rec := []any{e["start"], e["onset"], e["sigma"], e["sensor"]}
			if seen != nil {
				require.Equal(t, seen, rec, "one event, one record (hours %s)", h)
			}
			seen = rec
		}
	})

	t.Run("detect_anomalies bad arguments", func(t *testing.T) {
		res, _ := call(t, ctx, reg, "detect_anomalies", `{"series": "press-3.vibraton"}`)
		require.Contains(t, res.UserError, "Did you mean press-3.vibration")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "since": "2020-01-01", "until": "2020-01-02"}`)
		require.Contains(t, res.UserError, "has no data between 2020-01-01T00:00Z and 2020-01-02T00:00Z")
		require.Contains(t, res.UserError, "Its data runs from")
		// The whole plant without data in the window: said once, with
		// where the newest data is, not about whichever machine came first.
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"since": "2020-01-01", "until": "2020-01-02"}`)
		require.Contains(t, res.UserError, "There is no data between 2020-01-01T00:00Z and 2020-01-02T00:00Z on any of the")
		require.Contains(t, res.UserError, "their data runs from")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "since": "2h", "until": "3h"}`)
		require.Contains(t, res.UserError, "must be before until")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "since": "last tuesday"}`)
		require.Contains(t, res.UserError, "cannot read the time")
		// No wall at 92 days: 5,000 hours of 10-minute readings are read
		// as hour means from the rollups.
		res, data := call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "hours": 5000}`)
		require.Empty(t, res.UserError)
		require.Equal(t, map[string]any{"reads": "hour rollups", "step": "1h0m0s"}, data["resolution"])
		require.Contains(t, res.Summary, "read as 1 h means from the hour rollups")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"line": "line-9"}`)
		require.Contains(t, res.UserError, `Line "line-9" has no sensor series. Did you mean line-1, line-2, line-3?`)
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"line": "packaging"}`)
		require.Contains(t, res.UserError, "The lines are line-1, line-2, line-3.")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "mode": "fast"}`)
		require.Contains(t, res.UserError, "mode must be online or batch")
		res, _ = call(t, ctx, reg, "detect_anomalies", `{"asset": "press-3", "window": "1d"}`)
		require.Contains(t, res.UserError, "unknown field")
	})

	t.Run("explain_anomaly", func(t *testing.T) {
		res, data := call(t, ctx, reg, "explain_anomaly", `{"asset": "press-3", "hours": 36}`)
		require.Empty(t, res.UserError)
		ev := data["event"].(map[string]any)
		require.Equal(t, "vibration", ev["sensor"])
		dec := data["decomposition"].(map[string]any)
		require.Equal(t, "vibration", dec["sensor"])
		require.Greater(t, dec["trend_change"].(float64), 1.0, "bearing wear shows as a rising trend")
		require.Contains(t, dec["verdict"], "trend change")
		prev := data["vs_previous_period"].(map[string]any)
		require.Equal(t, "168h0m0s", prev["lag"])
		top := prev["sensors"].([]any)[0].(map[string]any)
		require.Equal(t, "vibration", top["sensor"])
		require.Greater(t, top["rel_pct"].(float64), 30.0)
		sim := data["similar_past_events"].([]any)
		t.Logf("similar: %v", sim)
		require.NotEmpty(t, sim)
		// The closest past event is the recorded bearing failure INC-1003.
		var inc demo.Scheduled
		for _, f := range demo.Schedule(plantNow) {
			if f.ID == "INC-1003" {
				inc = f
			}
		}
		top0, err := time.Parse("2006-01-02T15:04Z", sim[0].(map[string]any)["start"].(string))
		require.NoError(t, err)
		require.True(t, top0.After(inc.PrecursorStart.Add(-24*time.Hour)) && top0.Before(inc.At), "top similar event %s vs INC-1003 precursor %s–%s", top0, inc.PrecursorStart, inc.At)
		require.Contains(t, res.Summary, "most similar past event")
		require.Len(t, res.Charts, 1)

		// A line (argument or channel scope) explains its most anomalous asset.
		res, data = call(t, tools.WithScope(ctx, tools.Scope{Line: "line-1"}), reg, "explain_anomaly", `{"hours": 24}`)
		require.Empty(t, res.UserError)
		require.Equal(t, "press-3", data["subject"])
		require.Contains(t, res.Summary, "press-3 vibration up")
		res, _ = call(t, ctx, reg, "explain_anomaly", `{"line": "line-1", "since": "2020-01-01", "until": "2020-01-02"}`)
		require.Contains(t, res.UserError, "no data")

		res, _ = call(t, ctx, reg, "explain_anomaly", `{"asset": "press-3", "at": "2020-01-01T00:00Z"}`)
		require.Contains(t, res.UserError, "has no data")
		res, _ = call(t, ctx, reg, "explain_anomaly", `{"series": "nope.nothing"}`)
		require.Contains(t, res.UserError, "no series called")
		res, _ = call(t, ctx, reg, "explain_anomaly", `{"asset": "press-3", "at": "soon"}`)
		require.Contains(t, res.UserError, "cannot read the time")
	})

	t.Run("forecast_series", func(t *testing.T) {
		res, data := call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon": 24}`)
		require.Empty(t, res.UserError)
		require.Equal(t, "holt-winters@1", data["registry"])
		require.Len(t, data["points"], 24)
		require.Equal(t, "2026-11-27T11:00Z", data["cutoff"], "the last complete hour of output")
		pt := data["points"].([]any)[0].(map[string]any)
		require.Equal(t, "2026-11-27T12:00Z", pt["t"])
		require.Less(t, pt["lo95"].(float64), pt["lo80"].(float64))
		require.Less(t, pt["lo80"].(float64), pt["hi80"].(float64))
		require.Greater(t, data["total"].(float64), 0.0)
		require.Less(t, data["mase"].(float64), 2.0)
		eval := data["evaluation"].(map[string]any)
		require.Equal(t, false, eval["drifted"])
		require.Contains(t, res.Summary, "line-1.output forecast for the next 24 h by holt-winters@1")
		require.Len(t, res.Charts, 1)
		require.Len(t, res.Charts[0].Bands, 2)
		require.NotNil(t, res.Charts[0].Cutoff)

		// The line scope picks the line's output; a sensor forecast lists
		// at most 48 points.
		_, data = call(t, tools.WithScope(ctx, tools.Scope{Line: "line-2"}), reg, "forecast_series", `{"horizon_hours": 12}`)
		require.Equal(t, "line-2.output", data["series"])
		_, data = call(t, ctx, reg, "forecast_series", `{"series": "pump-1.pressure", "horizon_hours": 24}`)
		require.Len(t, data["points"], 48)
		require.EqualValues(t, 144, data["horizon"])
		require.Contains(t, data["note"], "48 of 144")

		// An active external model serving the series is set beside the
		// built-in forecast; a failing one is reported, not fatal.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Params map[string]float64 `json:"params"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			preds := make([]float64, int(body.Params["horizon"]))
			for i := range preds {
				preds[i] = 40
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"predictions": preds})
		}))
		defer srv.Close()
		_, err := mreg.Register(ctx, modelreg.Model{Name: "ext-ml", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskForecast,
			Endpoint: srv.URL, Active: true, InputSchema: modelreg.Schema{Series: []string{"line-2.output"}}})
		require.NoError(t, err)
		_, err = mreg.Register(ctx, modelreg.Model{Name: "ext-down", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast,
			Endpoint: "http://127.0.0.1:1", Active: true, InputSchema: modelreg.Schema{Series: []string{"line-2.output"}}})
		require.NoError(t, err)
		_, data = call(t, ctx, reg, "forecast_series", `{"series": "line-2.output", "horizon": 6}`)
		ext := data["external"].([]any)
		require.Len(t, ext, 2)
		down, ml := ext[0].(map[string]any), ext[1].(map[string]any)
		require.Equal(t, "ext-ml@1", ml["model"])
		require.EqualValues(t, 240, ml["total"])
		require.Equal(t, "ext-down@1", down["model"])
		require.Contains(t, down["error"], "kserve_v2 POST http://127.0.0.1:1/v2/models/ext-down/infer")

		res, _ = call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon": 1000}`)
		require.Contains(t, res.UserError, "too long for 28 days of history: at most 335 steps")
		res, _ = call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon": 50000}`)
		require.Contains(t, res.UserError, "too long")
		res, _ = call(t, ctx, reg, "forecast_series", `{"series": "line-1.outptu"}`)
		require.Contains(t, res.UserError, "Did you mean line-1.output")
		res, _ = call(t, ctx, reg, "forecast_series", `{}`)
		require.Contains(t, res.UserError, "Name the series")
		res, _ = call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon": -3}`)
		require.Contains(t, res.UserError, "must be positive")
	})

	t.Run("compare_to_plan", func(t *testing.T) {
		res, data := call(t, ctx, reg, "compare_to_plan", `{"line": "line-1"}`)
		require.Empty(t, res.UserError)
		past := data["past"].(map[string]any)
		require.EqualValues(t, 24, past["hours"])
		require.Greater(t, past["shortfall"].(float64), 0.0, "press-3's wear slows line-1")
		ahead := data["ahead"].(map[string]any)
		require.EqualValues(t, 24, ahead["hours"])
		require.Greater(t, ahead["plan"].(float64), 0.0)
		require.Contains(t, res.Summary, "line-1: last 24 h produced")
		require.Contains(t, res.Summary, "next 24 h forecast")
		require.Len(t, res.Charts[0].Lines, 3)

		_, data = call(t, tools.WithScope(ctx, tools.Scope{Line: "line-3"}), reg, "compare_to_plan", `{"past_hours": 0, "horizon_hours": 8}`)
		require.Nil(t, data["past"])
		require.EqualValues(t, 8, data["ahead"].(map[string]any)["hours"])

		res, _ = call(t, ctx, reg, "compare_to_plan", `{"series": "press-3.vibration"}`)
		require.Contains(t, res.UserError, "press-3.vibration is a sensor series, not a production output")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "plan": "line-1.plann"}`)
		require.Contains(t, res.UserError, `has no plan series "line-1.plann"`)
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-7"}`)
		require.Contains(t, res.UserError, `no series called "line-7.output"`)
		require.True(t, strings.Contains(res.UserError, "line-1.output") || strings.Contains(res.UserError, "list_series"))
		res, _ = call(t, ctx, reg, "compare_to_plan", `{}`)
		require.Contains(t, res.UserError, "Name a line")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "horizon_hours": 400}`)
		require.Contains(t, res.UserError, "too long")
		_, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "horizon_hours": 200}`)
		require.Contains(t, data["ahead"].(map[string]any)["note"], "the plan covers 168 of the 200 forecast hours")

		// An explicit past window: its own figures, no forecast; two
		// adjacent windows add up to the one that covers both.
		res, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "48h", "until": "24h"}`)
		require.Empty(t, res.UserError)
		require.Nil(t, data["ahead"])
		first := data["past"].(map[string]any)
		require.EqualValues(t, 24, first["hours"])
		require.Contains(t, res.Summary, "(24 h) produced")
		_, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "24h"}`)
		second := data["past"].(map[string]any)
		_, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "48h"}`)
		both := data["past"].(map[string]any)
		require.InEpsilon(t, both["actual"].(float64), first["actual"].(float64)+second["actual"].(float64), 0.01)
		require.InEpsilon(t, both["plan"].(float64), first["plan"].(float64)+second["plan"].(float64), 0.01)
		// A window that begins seconds after an hour ("the last 8 hours"
		// asked at 21:00:27) holds that hour: a bucket belongs to the window
		// its middle is in.
		_, ls := call(t, ctx, reg, "list_series", `{"line": "line-1", "kind": "production"}`)
		last, err := time.Parse("2006-01-02T15:04Z", ls["series"].([]any)[0].(map[string]any)["latest_at"].(string))
		require.NoError(t, err)
		h0 := last.Add(-10 * time.Hour) // an output bucket's stamp
		args := fmt.Sprintf(`{"line": "line-1", "since": %q, "until": %q}`, h0.Add(27*time.Second).Format(time.RFC3339), h0.Add(8*time.Hour).Format(time.RFC3339))
		_, data = call(t, ctx, reg, "compare_to_plan", args)
		require.EqualValues(t, 8, data["past"].(map[string]any)["hours"], "the 8 hourly buckets of an 8-hour window")
		require.Equal(t, h0.Add(27*time.Second).UTC().Format("2006-01-02T15:04Z"), data["past"].(map[string]any)["from"], "the window as asked")
		// A period still to come ("tomorrow"): its plan against the
		// forecast of its hours alone, which is the forecast to its end
		// less the forecast to its start.
		rfc := func(t time.Time) string { return t.Format(time.RFC3339) }
		tomorrow := plantNow.Truncate(time.Hour).Add(24 * time.Hour)
		res, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "`+rfc(tomorrow)+`", "until": "`+rfc(tomorrow.Add(24*time.Hour))+`"}`)
		require.Empty(t, res.UserError)
		require.Nil(t, data["past"])
		require.Nil(t, data["ahead"])
		pw := data["window"].(map[string]any)
		require.EqualValues(t, 24, pw["hours"])
		require.EqualValues(t, 0, pw["made_hours"])
		require.EqualValues(t, 24, pw["forecast_hours"])
		require.Greater(t, pw["plan"].(float64), 0.0)
		require.Equal(t, pw["forecast"], pw["projected"])
		_, toEnd := call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon_hours": 48}`)
		_, toStart := call(t, ctx, reg, "forecast_series", `{"series": "line-1.output", "horizon_hours": 24}`)
		require.InEpsilon(t, toEnd["total"].(float64)-toStart["total"].(float64), pw["forecast"].(float64), 0.01)
		require.Contains(t, res.Summary, "line-1 "+rfc(tomorrow.UTC())[:16])
		require.Contains(t, res.Summary, "forecast")
		require.Len(t, res.Charts, 1)

		// A period under way ("today"): what was made since its start, as
		// the past comparison reads it, plus the forecast of the rest.
		start := plantNow.Truncate(time.Hour).Add(-5 * time.Hour)
		res, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "`+rfc(start)+`", "until": "`+rfc(start.Add(24*time.Hour))+`"}`)
		require.Empty(t, res.UserError)
		pw = data["window"].(map[string]any)
		_, soFar := call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "`+rfc(start)+`"}`)
		sf := soFar["past"].(map[string]any)
		require.Equal(t, sf["hours"], pw["made_hours"])
		require.InEpsilon(t, sf["actual"].(float64), pw["made"].(float64), 0.001)
		require.InEpsilon(t, sf["plan"].(float64), pw["plan_so_far"].(float64), 0.001)
		require.EqualValues(t, 24, pw["made_hours"].(float64)+pw["forecast_hours"].(float64))
		require.InEpsilon(t, pw["made"].(float64)+pw["forecast"].(float64), pw["projected"].(float64), 0.01) // three significant digits each
		require.InEpsilon(t, 100*pw["projected"].(float64)/pw["plan"].(float64), pw["attainment_pct"].(float64), 0.01)
		require.Contains(t, res.Summary, "made ")
		require.Contains(t, res.Summary, "projected")
		require.Nil(t, pw["gap_hours"])
		require.Nil(t, pw["feed_note"], "the test plant's feed is current")

		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "`+rfc(tomorrow)+`"}`)
		require.Contains(t, res.UserError, "give until too")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "`+rfc(tomorrow)+`", "until": "`+rfc(tomorrow)+`"}`)
		require.Contains(t, res.UserError, "the window is empty")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "until": "24h"}`)
		require.Contains(t, res.UserError, "until needs since")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "24h", "until": "48h"}`)
		require.Contains(t, res.UserError, "the window is empty")
		res, _ = call(t, ctx, reg, "compare_to_plan", `{"line": "line-1", "since": "soon"}`)
		require.Contains(t, res.UserError, "cannot read the time")
	})
}

// TestForecastThroughSilentFeed: asked 13 hours after the demo's feeds
// stopped, "the next 8 hours" of line-3's output are the 8 hours from now,
// forecast on through the silent hours: every point lies after now, the
// total is the sum of those points, the result says the data stopped, and
// the forecast of the same 8 hours asked at the data's end holds the
// points of the hours after it, not these.
func TestForecastThroughSilentFeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, store := seededDemo(t)
	later := plantNow.Add(13 * time.Hour)
	reg := tools.NewRegistry(tools.Predictive(store, modelreg.New(tx, modelreg.WithSeries(store)), func() time.Time { return later })...)

	res, data := call(t, ctx, reg, "forecast_series", `{"series": "line-3.output", "horizon_hours": 8}`)
	require.Empty(t, res.UserError)
	require.Contains(t, data["gap_note"], "the forecast runs on from there through the hours without data")
	pts := data["points"].([]any)
	require.NotEmpty(t, pts)
	sum := 0.0
	for _, p := range pts {
		m := p.(map[string]any)
		at, err := time.Parse("2006-01-02T15:04Z", m["t"].(string))
		require.NoError(t, err)
		require.True(t, at.After(later), "a point before now: %s", at)
		require.False(t, at.After(later.Add(9*time.Hour)), "a point past the horizon: %s", at)
		sum += m["mean"].(float64)
	}
	require.InDelta(t, 8, len(pts), 1, "hourly output: about 8 points")
	require.InDelta(t, sum, data["total"].(float64), 0.01*sum+1)

	// compare_to_plan's forecast against plan is of the same hours.
	_, data = call(t, ctx, reg, "compare_to_plan", `{"line": "line-3", "horizon_hours": 8}`)
	ahead := data["ahead"].(map[string]any)
	from, err := time.Parse("2006-01-02T15:04Z", ahead["from"].(string))
	require.NoError(t, err)
	require.True(t, from.After(later), "the comparison starts after now: %s", from)
}
