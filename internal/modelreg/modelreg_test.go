package modelreg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
)

// kserveServer speaks the Open Inference Protocol: POST
// /v2/models/{name}/infer. Its "model" forecasts by repeating the last
// value of the input (seasonal naive with a season given as parameter when
// present) and scores every point 0.1. The path decides failure modes.
func kserveServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/models/{name}/infer", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		switch name {
		case "broken":
			http.Error(w, `{"error": "model broken is not ready: CUDA out of memory"}`, http.StatusInternalServerError)
			return
		case "slow":
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		case "garbled":
			_, _ = io.WriteString(w, `{"model_name": "garbled", "outputs": [{"name": "y", "data": "oops"`)
			return
		case "empty":
			_, _ = io.WriteString(w, `{"model_name": "empty", "outputs": []}`)
			return
		}
		var req modelreg.InferRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(req.Inputs) != 1 || req.Inputs[0].Datatype != "FP64" || len(req.Inputs[0].Shape) != 2 || req.Inputs[0].Shape[1] != len(req.Inputs[0].Data) {
			http.Error(w, "bad input tensor", http.StatusBadRequest)
			return
		}
		x := req.Inputs[0].Data
		var out []float64
		if h, ok := req.Parameters["horizon"].(float64); ok {
			season := 24
			for i := range int(h) {
				out = append(out, x[len(x)-season+i%season])
			}
		} else {
			for range x {
				out = append(out, 0.1)
			}
		}
		// Nested data is legal in the protocol; the client flattens it.
		nested := make([][]float64, len(out))
		for i, v := range out {
			nested[i] = []float64{v}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"model_name": name, "model_version": "3",
			"outputs": []any{
				map[string]any{"name": "other", "shape": []int{1}, "datatype": "FP64", "data": []float64{42}},
				map[string]any{"name": "forecast", "shape": []int{len(out), 1}, "datatype": "FP64", "data": nested},
			},
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before Close
	return srv
}

// mlflowServer speaks MLflow scoring: POST /invocations with
// dataframe_split or inputs, answering {"predictions": [...]}.
func mlflowServer(t *testing.T, mode string) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/invocations" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		switch mode {
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error_code": "INTERNAL_ERROR", "message": "ValueError: could not convert string to float"}`)
			return
		case "slow":
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		case "nopreds":
			_, _ = io.WriteString(w, `{"outputs": [1, 2]}`)
			return
		}
		var body struct {
			DataframeSplit *modelreg.DataframeSplit `json:"dataframe_split"`
			Inputs         map[string][]float64     `json:"inputs"`
			Params         map[string]float64       `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var x []float64
		switch {
		case body.DataframeSplit != nil:
			for _, row := range body.DataframeSplit.Data {
				x = append(x, row[0])
			}
		case body.Inputs != nil:
			x = body.Inputs["history"]
		default:
			http.Error(w, "need dataframe_split or inputs", http.StatusBadRequest)
			return
		}
		h := int(body.Params["horizon"])
		preds := []any{}
		for i := range h {
			v := x[len(x)-1] + float64(i)
			if mode == "objects" {
				preds = append(preds, map[string]float64{"yhat": v, "yhat_lower": v - 1})
			} else {
				preds = append(preds, v)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"predictions": preds})
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before Close
	return srv
}

func history(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 100 + 10*math.Sin(2*math.Pi*float64(i)/24)
	}
	return x
}

func TestRegistryCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := modelreg.New(dbtest.Tx(t))

	// The migrations register and activate the built-ins.
	ms, err := reg.List(ctx)
	require.NoError(t, err)
	names := map[string]bool{}
	for _, m := range ms {
		if m.Active {
			names[m.Name] = true
		}
	}
	require.True(t, names[modelreg.BuiltinForecaster])
	require.True(t, names[modelreg.BuiltinDetector])
	require.NoError(t, reg.EnsureBuiltins(ctx)) // idempotent
	ms2, err := reg.List(ctx)
	require.NoError(t, err)
	require.Len(t, ms2, len(ms))

	v1, err := reg.Register(ctx, modelreg.Model{Name: "output-lstm", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast,
		Endpoint: "http://kserve.local:8080", Metrics: modelreg.Metrics{MASE: 0.8}, Active: true,
		InputSchema: modelreg.Schema{Series: []string{"line-1.output"}, Input: "history"}})
	require.NoError(t, err)
	require.True(t, v1.Active)
	require.Equal(t, 0.8, v1.Metrics.MASE)
	require.Equal(t, "output-lstm@1", v1.Ref())

	v2, err := reg.Register(ctx, modelreg.Model{Name: "output-lstm", Version: "2", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast, Endpoint: "http://kserve.local:8080"})
	require.NoError(t, err)
	require.False(t, v2.Active)

	_, err = reg.Register(ctx, modelreg.Model{Name: "output-lstm", Version: "2", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast, Endpoint: "http://x"})
	require.ErrorIs(t, err, modelreg.ErrExists)

	got, err := reg.Activate(ctx, "output-lstm", "2")
	require.NoError(t, err)
	require.True(t, got.Active)
	active, err := reg.Get(ctx, "output-lstm", "")
	require.NoError(t, err)
	require.Equal(t, "2", active.Version)
	old, err := reg.Get(ctx, "output-lstm", "1")
	require.NoError(t, err)
	require.False(t, old.Active, "activating v2 deactivates v1")
	require.Equal(t, []string{"history"}, []string{old.InputSchema.Input})

	_, err = reg.Activate(ctx, "output-lstm", "9")
	require.ErrorIs(t, err, modelreg.ErrNotFound)
	require.ErrorContains(t, err, "versions of output-lstm: 1, 2")
	_, err = reg.Get(ctx, "nope", "")
	require.ErrorIs(t, err, modelreg.ErrNotFound)

	fc, err := reg.Active(ctx, modelreg.TaskForecast)
	require.NoError(t, err)
	require.Len(t, fc, 2)

	_, err = reg.Register(ctx, modelreg.Model{Name: "", Version: "1", Kind: "onnx", Task: "classify", Endpoint: "ftp://x"})
	require.ErrorIs(t, err, modelreg.ErrInvalid)
	for _, want := range []string{"name is empty", `kind "onnx"`, `task "classify"`} {
		require.ErrorContains(t, err, want)
	}
	_, err = reg.Register(ctx, modelreg.Model{Name: "m", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskDetect, Endpoint: "not a url"})
	require.ErrorContains(t, err, "must be an http(s) URL")
}

func TestKServeForecastAndScore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := kserveServer(t)
	reg := modelreg.New(nil, modelreg.WithTimeout(200*time.Millisecond))
	m := modelreg.Model{Name: "seasonal", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast, Endpoint: srv.URL,
		InputSchema: modelreg.Schema{Output: "forecast"}}
	x := history(96)
	x[90] = math.NaN() // gaps are interpolated before sending (JSON has no NaN)
	fc, err := reg.Forecast(ctx, m, x, 6)
	require.NoError(t, err)
	require.Len(t, fc, 6)
	require.InDelta(t, x[72], fc[0], 1e-9)

	det := modelreg.Model{Name: "scorer", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskDetect, Endpoint: srv.URL}
	_, err = reg.Score(ctx, det, x)
	require.ErrorIs(t, err, modelreg.ErrMalformed, "the first output has one value for 96 points")
	det.InputSchema.Output = "forecast"
	scores, err := reg.Score(ctx, det, x)
	require.NoError(t, err)
	require.Len(t, scores, 96)

	_, err = reg.Score(ctx, m, x)
	require.ErrorIs(t, err, modelreg.ErrInvalid, "a forecast model cannot score")

	cases := []struct {
		model string
		is    error
		want  string
	}{
		{"broken", nil, "HTTP 500: {\"error\": \"model broken is not ready: CUDA out of memory\"}"},
		{"slow", modelreg.ErrTimeout, "timed out after 200ms"},
		{"garbled", modelreg.ErrMalformed, "malformed model response"},
		{"empty", modelreg.ErrMalformed, "no outputs"},
	}
	for _, c := range cases {
		bad := m
		bad.Name = c.model
		began := time.Now()
		_, err := reg.Forecast(ctx, bad, x, 6)
		require.Error(t, err, c.model)
		require.ErrorContains(t, err, c.want)
		require.ErrorContains(t, err, "/v2/models/"+c.model+"/infer")
		if c.is != nil {
			require.ErrorIs(t, err, c.is)
		}
		require.Less(t, time.Since(began), 5*time.Second)
	}
	var he *modelreg.HTTPError
	bad := m
	bad.Name = "broken"
	_, err = reg.Forecast(ctx, bad, x, 6)
	require.ErrorAs(t, err, &he)
	require.Equal(t, 500, he.Status)

	// The per-model timeout overrides the registry's.
	slow := m
	slow.Name = "slow"
	slow.InputSchema.TimeoutMS = 30
	_, err = reg.Forecast(ctx, slow, x, 6)
	require.ErrorContains(t, err, "timed out after 30ms")

	// Unreachable server.
	down := m
	down.Endpoint = "http://127.0.0.1:1"
	_, err = reg.Forecast(ctx, down, x, 6)
	require.ErrorContains(t, err, "kserve_v2 POST http://127.0.0.1:1/v2/models/seasonal/infer")
}

func TestMLflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := modelreg.New(nil, modelreg.WithTimeout(200*time.Millisecond))
	x := history(48)

	m := modelreg.Model{Name: "ml", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskForecast, Endpoint: mlflowServer(t, "ok").URL}
	fc, err := reg.Forecast(ctx, m, x, 3)
	require.NoError(t, err)
	require.Equal(t, []float64{x[47], x[47] + 1, x[47] + 2}, fc)

	m.InputSchema = modelreg.Schema{Format: "inputs", Input: "history"}
	m.Endpoint += "/invocations"
	fc, err = reg.Forecast(ctx, m, x, 2)
	require.NoError(t, err)
	require.Equal(t, []float64{x[47], x[47] + 1}, fc)

	obj := modelreg.Model{Name: "ml", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskForecast, Endpoint: mlflowServer(t, "objects").URL}
	_, err = reg.Forecast(ctx, obj, x, 2)
	require.ErrorIs(t, err, modelreg.ErrMalformed)
	require.ErrorContains(t, err, "set the model's output field")
	obj.InputSchema.Output = "yhat"
	fc, err = reg.Forecast(ctx, obj, x, 2)
	require.NoError(t, err)
	require.Equal(t, []float64{x[47], x[47] + 1}, fc)

	for mode, want := range map[string]string{
		"500":     "HTTP 500: {\"error_code\": \"INTERNAL_ERROR\", \"message\": \"ValueError: could not convert string to float\"}",
		"slow":    "timed out after 200ms",
		"nopreds": `no "predictions" in the answer (fields: outputs)`,
	} {
		bad := modelreg.Model{Name: "ml", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskForecast, Endpoint: mlflowServer(t, mode).URL}
		_, err := reg.Forecast(ctx, bad, x, 2)
		require.ErrorContains(t, err, want, mode)
		require.ErrorContains(t, err, "mlflow POST http://")
	}

	// Too few values for the horizon.
	short := modelreg.Model{Name: "ml", Version: "1", Kind: modelreg.KindMLflow, Task: modelreg.TaskDetect, Endpoint: mlflowServer(t, "ok").URL}
	_, err = reg.Score(ctx, short, x)
	require.ErrorIs(t, err, modelreg.ErrMalformed)
}

func TestReevaluateAndDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

	// 35 days of hourly output with a daily pattern, and a sensor.
	var b strings.Builder
	b.WriteString("series,timestamp,value\n")
	start := now.Add(-35 * 24 * time.Hour)
	for i := range 35 * 24 {
		ts := start.Add(time.Duration(i) * time.Hour)
		v := 500 + 100*math.Sin(2*math.Pi*float64(i)/24) + float64(i%7)
		fmt.Fprintf(&b, "line-9.output,%s,%.1f\n", ts.Format(time.RFC3339), v)
		fmt.Fprintf(&b, "mixer-9.temperature,%s,%.2f\n", ts.Format(time.RFC3339), 40+5*math.Sin(2*math.Pi*float64(i)/24)+0.1*float64(i%5))
	}
	_, err := st.Import(ctx, strings.NewReader(b.String()), series.ImportOptions{})
	require.NoError(t, err)

	srv := kserveServer(t)
	reg := modelreg.New(tx, modelreg.WithSeries(st), modelreg.WithTimeout(2*time.Second))
	_, err = reg.Register(ctx, modelreg.Model{Name: "ext-seasonal", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast,
		Endpoint: srv.URL, Active: true, Metrics: modelreg.Metrics{MASE: 0.01},
		InputSchema: modelreg.Schema{Series: []string{"line-9.output"}, Output: "forecast"}})
	require.NoError(t, err)
	_, err = reg.Register(ctx, modelreg.Model{Name: "broken", Version: "1", Kind: modelreg.KindKServeV2, Task: modelreg.TaskForecast,
		Endpoint: srv.URL, Active: true, InputSchema: modelreg.Schema{Series: []string{"line-9.output"}}})
	require.NoError(t, err)

	evs, err := reg.Reevaluate(ctx, now)
	require.NoError(t, err)
	byModel := map[string]modelreg.Evaluation{}
	for _, e := range evs {
		t.Logf("%s on %s: %+v drifted=%v", e.ModelRef(), e.Series, e.Metrics, e.Drifted)
		byModel[e.Model+" "+e.Series] = e
	}
	hw := byModel["holt-winters line-9.output"]
	require.Greater(t, hw.Metrics.MASE, 0.0)
	require.Equal(t, 3, hw.Metrics.Origins)
	require.False(t, hw.Drifted, "the first evaluation is its own reference")
	ext := byModel["ext-seasonal line-9.output"]
	require.True(t, ext.Drifted, "MASE far above the registered 0.01")
	require.Equal(t, 0.01, ext.Metrics.Reference)
	require.Contains(t, byModel["broken line-9.output"].Metrics.Error, "HTTP 500")
	require.False(t, byModel["broken line-9.output"].Drifted)
	det := byModel["robust-detector mixer-9.temperature"]
	require.Empty(t, det.Metrics.Error)
	require.Greater(t, det.Metrics.Points, 300)

	// A second run a day later compares with the first.
	evs2, err := reg.Reevaluate(ctx, now.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, evs2, len(evs))
	latest, err := reg.LatestEvaluation(ctx, "holt-winters", "line-9.output")
	require.NoError(t, err)
	require.Equal(t, now.Add(24*time.Hour), latest.EvaluatedAt)
	require.InDelta(t, hw.Metrics.MASE, latest.Metrics.Reference, 1e-12)
	require.Equal(t, "holt-winters@1", latest.ModelRef())

	_, err = reg.LatestEvaluation(ctx, "holt-winters", "nope")
	require.True(t, errors.Is(err, modelreg.ErrNotFound))

	all, err := reg.LatestEvaluations(ctx)
	require.NoError(t, err)
	require.Len(t, all, len(evs))
	require.True(t, all[0].Drifted, "drifted evaluations come first")
}
