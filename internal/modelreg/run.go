package modelreg

import (
	"context"
	"fmt"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

func (r *Registry) timeoutFor(m Model) time.Duration {
	if m.InputSchema.TimeoutMS > 0 {
		return time.Duration(m.InputSchema.TimeoutMS) * time.Millisecond
	}
	return r.timeout
}

func inputName(m Model) string {
	if m.InputSchema.Input != "" {
		return m.InputSchema.Input
	}
	return "value"
}

// call sends history to an external model and returns its numeric output.
// params travel as KServe request parameters or MLflow params.
func (r *Registry) call(ctx context.Context, m Model, history []float64, params map[string]any) ([]float64, error) {
	data := fillGaps(history)
	switch m.Kind {
	case KindKServeV2:
		c := KServe{BaseURL: m.Endpoint, HTTP: r.http, Timeout: r.timeoutFor(m)}
		resp, err := c.Infer(ctx, m.Name, InferRequest{
			Parameters: params,
			Inputs:     []Tensor{{Name: inputName(m), Shape: []int{1, len(data)}, Datatype: "FP64", Data: data}},
		})
		if err != nil {
			return nil, err
		}
		out, err := resp.Output(m.InputSchema.Output)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", m.Kind, m.Endpoint, err)
		}
		return out.Data, nil
	case KindMLflow:
		c := MLflow{URL: m.Endpoint, HTTP: r.http, Timeout: r.timeoutFor(m)}
		var body map[string]any
		if m.InputSchema.Format == "inputs" {
			body = map[string]any{"inputs": map[string]any{inputName(m): data}}
		} else {
			rows := make([][]float64, len(data))
			for i, v := range data {
				rows[i] = []float64{v}
			}
			body = map[string]any{"dataframe_split": DataframeSplit{Columns: []string{inputName(m)}, Data: rows}}
		}
		if len(params) > 0 {
			body["params"] = params
		}
		return c.Invoke(ctx, body, m.InputSchema.Output)
	}
	return nil, fmt.Errorf("%w: kind %q is not external", ErrInvalid, m.Kind)
}

// Forecast runs forecasting model m on history (NaN for missing points)
// and returns horizon point forecasts. Built-in models run
// predict.ForecastSeries; external ones receive the history (gaps
// interpolated) with a "horizon" parameter and must return at least
// horizon values.
func (r *Registry) Forecast(ctx context.Context, m Model, history []float64, horizon int) ([]float64, error) {
	if m.Task != TaskForecast {
		return nil, fmt.Errorf("modelreg: forecast with %s: %w: it is a %s model", m.Ref(), ErrInvalid, m.Task)
	}
	if m.Kind == KindBuiltin {
		fc, err := predict.ForecastSeries(predict.Series{Values: history}, predict.ForecastOptions{Horizon: horizon, Season: m.InputSchema.Season})
		if err != nil {
			return nil, fmt.Errorf("modelreg: forecast with %s: %w", m.Ref(), err)
		}
		return fc.Mean, nil
	}
	out, err := r.call(ctx, m, history, map[string]any{"horizon": horizon})
	if err != nil {
		return nil, fmt.Errorf("modelreg: forecast with %s: %w", m.Ref(), err)
	}
	if len(out) < horizon {
		return nil, fmt.Errorf("modelreg: forecast with %s: %w: %d values for a horizon of %d", m.Ref(), ErrMalformed, len(out), horizon)
	}
	return out[:horizon], nil
}

// builtinDetectOptions are the built-in detector's settings for n points
// with the given season when the registry scores with it: the one detector
// configuration (predict.DetectorSettings), online, as the tools use it.
func builtinDetectOptions(n, season int) predict.DetectOptions {
	opt := predict.DetectorSettings(0, n, true)
	opt.Period = season
	return opt
}

// Score runs detection model m on values and returns one anomaly score in
// [0,1] per point. Built-in models run predict.Detect; external ones must
// return exactly one score per input value.
func (r *Registry) Score(ctx context.Context, m Model, values []float64) ([]float64, error) {
	if m.Task != TaskDetect {
		return nil, fmt.Errorf("modelreg: score with %s: %w: it is a %s model", m.Ref(), ErrInvalid, m.Task)
	}
	if m.Kind == KindBuiltin {
		det, err := predict.Detect(predict.Series{Values: values}, builtinDetectOptions(len(values), m.InputSchema.Season))
		if err != nil {
			return nil, fmt.Errorf("modelreg: score with %s: %w", m.Ref(), err)
		}
		out := make([]float64, len(det.Points))
		for i, p := range det.Points {
			out[i] = p.Score
		}
		return out, nil
	}
	out, err := r.call(ctx, m, values, nil)
	if err != nil {
		return nil, fmt.Errorf("modelreg: score with %s: %w", m.Ref(), err)
	}
	if len(out) != len(values) {
		return nil, fmt.Errorf("modelreg: score with %s: %w: %d scores for %d points", m.Ref(), ErrMalformed, len(out), len(values))
	}
	return out, nil
}
