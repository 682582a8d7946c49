package modelreg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTPError is a non-2xx answer from an external model server.
type HTTPError struct {
	// Protocol is "kserve_v2" or "mlflow".
	Protocol string
	// URL is the endpoint called.
	URL string
	// Status is the HTTP status code.
	Status int
	// Body is an excerpt of the response body.
	Body string
}

// Error quotes the status and the body excerpt.
func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s POST %s: HTTP %d", e.Protocol, e.URL, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// ErrTimeout marks a call to an external model that did not answer in time.
var ErrTimeout = errors.New("model call timed out")

// ErrMalformed marks a response that does not follow the protocol.
var ErrMalformed = errors.New("malformed model response")

// maxBody caps how much of a response is read.
const maxBody = 32 << 20

// excerpt shortens a body for an error message.
func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// postJSON sends body to u and decodes a 2xx JSON answer into out.
func postJSON(ctx context.Context, hc *http.Client, timeout time.Duration, protocol, u string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", protocol, err)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%s: %w", protocol, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s POST %s: %w after %s", protocol, u, ErrTimeout, timeout)
		}
		return fmt.Errorf("%s POST %s: %w", protocol, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s POST %s: %w after %s (reading the body)", protocol, u, ErrTimeout, timeout)
		}
		return fmt.Errorf("%s POST %s: read body: %w", protocol, u, err)
	}
	if resp.StatusCode/100 != 2 {
		return &HTTPError{Protocol: protocol, URL: u, Status: resp.StatusCode, Body: excerpt(b)}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s POST %s: %w: %w: %s", protocol, u, ErrMalformed, err, excerpt(b))
	}
	return nil
}

// Tensor is one input or output of the Open Inference Protocol (KServe v2).
// Data is row-major and flat on the way in; on the way out nested arrays
// are flattened.
type Tensor struct {
	Name       string         `json:"name"`
	Shape      []int          `json:"shape"`
	Datatype   string         `json:"datatype"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Data       []float64      `json:"data"`
}

// InferRequest is the body of POST /v2/models/{name}/infer.
type InferRequest struct {
	ID         string         `json:"id,omitempty"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Inputs     []Tensor       `json:"inputs"`
}

// InferResponse is the answer of an infer call.
type InferResponse struct {
	ModelName    string   `json:"model_name"`
	ModelVersion string   `json:"model_version,omitempty"`
	ID           string   `json:"id,omitempty"`
	Outputs      []Tensor `json:"outputs"`
}

// UnmarshalJSON accepts numeric outputs of any datatype and nesting.
func (t *Tensor) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name       string          `json:"name"`
		Shape      []int           `json:"shape"`
		Datatype   string          `json:"datatype"`
		Parameters map[string]any  `json:"parameters"`
		Data       json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var anyData any
	if len(raw.Data) > 0 {
		if err := json.Unmarshal(raw.Data, &anyData); err != nil {
			return err
		}
	}
	data, err := flatten(anyData, "")
	if err != nil {
		return fmt.Errorf("tensor %q: %w", raw.Name, err)
	}
	*t = Tensor{Name: raw.Name, Shape: raw.Shape, Datatype: raw.Datatype, Parameters: raw.Parameters, Data: data}
	return nil
}

// flatten turns nested JSON arrays of numbers (or objects holding field, or
// one number) into a flat slice.
func flatten(v any, field string) ([]float64, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return []float64{x}, nil
	case bool:
		if x {
			return []float64{1}, nil
		}
		return []float64{0}, nil
	case []any:
		out := make([]float64, 0, len(x))
		for _, e := range x {
			f, err := flatten(e, field)
			if err != nil {
				return nil, err
			}
			out = append(out, f...)
		}
		return out, nil
	case map[string]any:
		if field != "" {
			if f, ok := x[field]; ok {
				return flatten(f, "")
			}
			return nil, fmt.Errorf("prediction object has no field %q", field)
		}
		if len(x) == 1 {
			for _, f := range x {
				return flatten(f, "")
			}
		}
		return nil, fmt.Errorf("prediction object with fields %v: set the model's output field", keys(x))
	}
	return nil, fmt.Errorf("non-numeric value %v", v)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// KServe calls a model served over the Open Inference Protocol (KServe v2,
// Triton, Seldon MLServer).
type KServe struct {
	// BaseURL is the server root, e.g. http://kserve.local:8080.
	BaseURL string
	// HTTP is the client (http.DefaultClient when nil).
	HTTP *http.Client
	// Timeout bounds one call (none when 0).
	Timeout time.Duration
}

// Infer posts req to /v2/models/{model}/infer.
func (c KServe) Infer(ctx context.Context, model string, req InferRequest) (InferResponse, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/v2/models/" + url.PathEscape(model) + "/infer"
	var resp InferResponse
	if err := postJSON(ctx, hc, c.Timeout, string(KindKServeV2), u, req, &resp); err != nil {
		return InferResponse{}, err
	}
	if len(resp.Outputs) == 0 {
		return InferResponse{}, fmt.Errorf("%s POST %s: %w: no outputs", KindKServeV2, u, ErrMalformed)
	}
	return resp, nil
}

// Output returns the named output (the first when name is empty).
func (r InferResponse) Output(name string) (Tensor, error) {
	if name == "" {
		return r.Outputs[0], nil
	}
	var names []string
	for _, o := range r.Outputs {
		if o.Name == name {
			return o, nil
		}
		names = append(names, o.Name)
	}
	return Tensor{}, fmt.Errorf("%w: no output %q (outputs: %s)", ErrMalformed, name, strings.Join(names, ", "))
}

// MLflow calls an MLflow scoring server (mlflow models serve, Databricks
// model serving).
type MLflow struct {
	// URL is the server root (…/invocations is appended unless present).
	URL string
	// HTTP is the client (http.DefaultClient when nil).
	HTTP *http.Client
	// Timeout bounds one call (none when 0).
	Timeout time.Duration
}

// DataframeSplit is the pandas "split" orientation MLflow accepts.
type DataframeSplit struct {
	Columns []string    `json:"columns"`
	Data    [][]float64 `json:"data"`
}

// Invoke posts body (e.g. {"dataframe_split": …} or {"inputs": …}) to
// /invocations and returns the predictions flattened to numbers; field
// picks a column when predictions are objects.
func (c MLflow) Invoke(ctx context.Context, body any, field string) ([]float64, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	u := strings.TrimRight(c.URL, "/")
	if !strings.HasSuffix(u, "/invocations") {
		u += "/invocations"
	}
	var resp map[string]any
	if err := postJSON(ctx, hc, c.Timeout, string(KindMLflow), u, body, &resp); err != nil {
		return nil, err
	}
	preds, ok := resp["predictions"]
	if !ok {
		return nil, fmt.Errorf("%s POST %s: %w: no \"predictions\" in the answer (fields: %s)", KindMLflow, u, ErrMalformed, strings.Join(keys(resp), ", "))
	}
	out, err := flatten(preds, field)
	if err != nil {
		return nil, fmt.Errorf("%s POST %s: %w: %w", KindMLflow, u, ErrMalformed, err)
	}
	return out, nil
}

// fillGaps returns x with NaN replaced by linear interpolation (nearest
// value at the ends), since JSON cannot carry NaN.
func fillGaps(x []float64) []float64 {
	out := append([]float64(nil), x...)
	last := -1
	for i, v := range out {
		if math.IsNaN(v) {
			continue
		}
		if last == -1 {
			for j := 0; j < i; j++ {
				out[j] = v
			}
		} else if i-last > 1 {
			for j := last + 1; j < i; j++ {
				w := float64(j-last) / float64(i-last)
				out[j] = out[last]*(1-w) + v*w
			}
		}
		last = i
	}
	if last >= 0 {
		for j := last + 1; j < len(out); j++ {
			out[j] = out[last]
		}
	}
	return out
}
