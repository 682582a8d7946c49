// Package modelreg is the plant's model registry, the MLOps side of Gemba:
// which predictive models exist (built-in or served elsewhere), which
// version of each is active, how well each did on its last backtest, and
// whether it has drifted since it was registered.
//
// It sits beside predict in the flow (tools → modelreg → {predict, series,
// HTTP}). Built-in models run predict in process; external models are called
// over HTTP in the Open Inference Protocol (KServe v2,
// POST /v2/models/{name}/infer) or the MLflow scoring protocol
// (POST /invocations), with timeouts and errors that quote the status and a
// body excerpt. Reevaluate runs a rolling backtest of every active model on
// the latest data and keeps each evaluation, so an answer or a digest can
// say which model version produced a number and whether it has drifted.
package modelreg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gemba-ai/gemba/internal/db"
)

// Kind says where a model runs.
type Kind string

// Model kinds.
const (
	// KindBuiltin runs in process (package predict).
	KindBuiltin Kind = "builtin"
	// KindKServeV2 is served over the Open Inference Protocol (KServe v2).
	KindKServeV2 Kind = "kserve_v2"
	// KindMLflow is served by an MLflow scoring server.
	KindMLflow Kind = "mlflow"
)

// Task says what a model does.
type Task string

// Model tasks.
const (
	// TaskDetect scores points for anomalies.
	TaskDetect Task = "detect"
	// TaskForecast predicts future values.
	TaskForecast Task = "forecast"
	// TaskRisk gives each asset a probability of failing soon (internal/risk).
	TaskRisk Task = "risk"
)

// Built-in model names, registered by the migrations and EnsureBuiltins.
const (
	// BuiltinForecaster is the ETS/Holt-Winters family with naive
	// baselines, chosen by rolling-origin backtest (predict.ForecastSeries).
	BuiltinForecaster = "holt-winters"
	// BuiltinDetector is the robust seasonal detector (predict.Detect and
	// predict.DetectMulti).
	BuiltinDetector = "robust-detector"
	// BuiltinRisk is the failure-risk model trained on the plant's own
	// history (internal/risk); each training registers a new version with
	// its parameters as an artifact.
	BuiltinRisk = "failure-risk"
)

// Schema describes how to call a model and what it serves. Every field is
// optional.
type Schema struct {
	// Description says what the model is.
	Description string `json:"description,omitempty"`
	// Series are the series the model serves and is evaluated on; empty
	// means every production series (forecasters) or every sensor series
	// (detectors).
	Series []string `json:"series,omitempty"`
	// Input is the input tensor (KServe) or column (MLflow) name; default
	// "value".
	Input string `json:"input,omitempty"`
	// Output is the output tensor or prediction field to read; default the
	// first one.
	Output string `json:"output,omitempty"`
	// Format is the MLflow request format: "dataframe_split" (default) or
	// "inputs".
	Format string `json:"format,omitempty"`
	// Season is the seasonal period in points used for backtests (0 detects it).
	Season int `json:"season,omitempty"`
	// Horizon is the backtest horizon in points (default 24).
	Horizon int `json:"horizon,omitempty"`
	// TimeoutMS overrides the registry's call timeout for this model.
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// Metrics are a model's registered backtest metrics, the reference its
// evaluations are compared with to detect drift.
type Metrics struct {
	// MASE is the mean absolute scaled error (forecasters).
	MASE float64 `json:"mase,omitempty"`
	// SMAPE is the symmetric MAPE in percent (forecasters).
	SMAPE float64 `json:"smape,omitempty"`
	// FlaggedShare is the share of points flagged anomalous (detectors).
	FlaggedShare float64 `json:"flagged_share,omitempty"`
	// Risk are a failure-risk model's test figures by name (precision_48h,
	// event_recall_48h, pr_auc_48h, …).
	Risk map[string]float64 `json:"risk,omitempty"`
}

// Model is one registered model version.
type Model struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	Kind        Kind      `json:"kind"`
	Task        Task      `json:"task"`
	Endpoint    string    `json:"endpoint,omitempty"`
	InputSchema Schema    `json:"input_schema"`
	Metrics     Metrics   `json:"metrics"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
}

// Ref is "name@version", the way answers cite a model.
func (m Model) Ref() string { return m.Name + "@" + m.Version }

// Sentinel errors callers branch on.
var (
	// ErrNotFound means no such model (or version).
	ErrNotFound = errors.New("model not found")
	// ErrExists means the name and version are already registered.
	ErrExists = errors.New("model version already registered")
	// ErrInvalid means a registration is malformed.
	ErrInvalid = errors.New("invalid model")
)

// Registry stores models and evaluations and calls external models.
type Registry struct {
	db      db.DBTX
	http    *http.Client
	timeout time.Duration
	log     *slog.Logger
	series  SeriesSource
}

// Option configures a Registry.
type Option func(*Registry)

// WithTimeout sets the per-call timeout for external models (default 10 s).
func WithTimeout(d time.Duration) Option { return func(r *Registry) { r.timeout = d } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(r *Registry) { r.log = l } }

// WithSeries sets where Reevaluate reads the latest data.
func WithSeries(s SeriesSource) Option { return func(r *Registry) { r.series = s } }

// New returns a registry on dbtx.
func New(dbtx db.DBTX, opts ...Option) *Registry {
	r := &Registry{db: dbtx, http: &http.Client{}, timeout: 10 * time.Second}
	for _, o := range opts {
		o(r)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

const modelColumns = `id, name, version, kind, task, endpoint, input_schema, metrics, active, created_at`

func scanModel(row pgx.Row) (Model, error) {
	var m Model
	var schema, metrics []byte
	if err := row.Scan(&m.ID, &m.Name, &m.Version, &m.Kind, &m.Task, &m.Endpoint, &schema, &metrics, &m.Active, &m.CreatedAt); err != nil {
		return Model{}, err
	}
	if err := json.Unmarshal(schema, &m.InputSchema); err != nil {
		return Model{}, fmt.Errorf("input_schema: %w", err)
	}
	if err := json.Unmarshal(metrics, &m.Metrics); err != nil {
		return Model{}, fmt.Errorf("metrics: %w", err)
	}
	return m, nil
}

// Validate checks a registration: name and version set, a known kind and
// task, and an http(s) endpoint for external models.
func (m Model) Validate() error {
	var probs []string
	if strings.TrimSpace(m.Name) == "" {
		probs = append(probs, "name is empty")
	}
	if strings.TrimSpace(m.Version) == "" {
		probs = append(probs, "version is empty")
	}
	switch m.Kind {
	case KindBuiltin:
		if m.Name != BuiltinForecaster && m.Name != BuiltinDetector && m.Name != BuiltinRisk {
			probs = append(probs, fmt.Sprintf("builtin models are %q, %q and %q", BuiltinForecaster, BuiltinDetector, BuiltinRisk))
		}
	case KindKServeV2, KindMLflow:
		u, err := url.Parse(m.Endpoint)
		if m.Endpoint == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			probs = append(probs, fmt.Sprintf("endpoint %q must be an http(s) URL", m.Endpoint))
		}
	default:
		probs = append(probs, fmt.Sprintf("kind %q must be builtin, kserve_v2 or mlflow", m.Kind))
	}
	if m.Task != TaskDetect && m.Task != TaskForecast && m.Task != TaskRisk {
		probs = append(probs, fmt.Sprintf("task %q must be detect, forecast or risk", m.Task))
	}
	if f := m.InputSchema.Format; f != "" && f != "dataframe_split" && f != "inputs" {
		probs = append(probs, fmt.Sprintf("format %q must be dataframe_split or inputs", f))
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(probs, "; "))
	}
	return nil
}

// Register adds a model version (inactive unless m.Active, which also
// deactivates the other versions of the name).
func (r *Registry) Register(ctx context.Context, m Model) (Model, error) {
	if err := m.Validate(); err != nil {
		return Model{}, fmt.Errorf("modelreg: register: %w", err)
	}
	schema, _ := json.Marshal(m.InputSchema)
	metrics, _ := json.Marshal(m.Metrics)
	tx, err := r.db.Begin(ctx)
	if err != nil {
		return Model{}, fmt.Errorf("modelreg: register: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if m.Active {
		if _, err := tx.Exec(ctx, `UPDATE models SET active = false WHERE name = $1 AND active`, m.Name); err != nil {
			return Model{}, fmt.Errorf("modelreg: register: %w", err)
		}
	}
	out, err := scanModel(tx.QueryRow(ctx, `
INSERT INTO models (name, version, kind, task, endpoint, input_schema, metrics, active)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+modelColumns,
		m.Name, m.Version, m.Kind, m.Task, m.Endpoint, schema, metrics, m.Active))
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return Model{}, fmt.Errorf("modelreg: register %s: %w", m.Ref(), ErrExists)
		}
		return Model{}, fmt.Errorf("modelreg: register %s: %w", m.Ref(), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Model{}, fmt.Errorf("modelreg: register: %w", err)
	}
	return out, nil
}

// Activate makes name@version the active version of name (and the others
// inactive) in one transaction.
func (r *Registry) Activate(ctx context.Context, name, version string) (Model, error) {
	tx, err := r.db.Begin(ctx)
	if err != nil {
		return Model{}, fmt.Errorf("modelreg: activate: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM models WHERE name = $1 AND version = $2)`, name, version).Scan(&exists); err != nil {
		return Model{}, fmt.Errorf("modelreg: activate: %w", err)
	}
	if !exists {
		return Model{}, fmt.Errorf("modelreg: activate %s@%s: %w", name, version, r.notFound(ctx, name))
	}
	if _, err := tx.Exec(ctx, `UPDATE models SET active = false WHERE name = $1 AND active AND version <> $2`, name, version); err != nil {
		return Model{}, fmt.Errorf("modelreg: activate: %w", err)
	}
	m, err := scanModel(tx.QueryRow(ctx, `UPDATE models SET active = true WHERE name = $1 AND version = $2 RETURNING `+modelColumns, name, version))
	if err != nil {
		return Model{}, fmt.Errorf("modelreg: activate: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Model{}, fmt.Errorf("modelreg: activate: %w", err)
	}
	return m, nil
}

// notFound builds ErrNotFound naming the versions of name that exist.
func (r *Registry) notFound(ctx context.Context, name string) error {
	var versions []string
	rows, err := r.db.Query(ctx, `SELECT version FROM models WHERE name = $1 ORDER BY created_at`, name)
	if err == nil {
		versions, _ = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if len(versions) == 0 {
		return ErrNotFound
	}
	return fmt.Errorf("%w (versions of %s: %s)", ErrNotFound, name, strings.Join(versions, ", "))
}

// List returns all model versions, by name then creation.
func (r *Registry) List(ctx context.Context) ([]Model, error) {
	return r.query(ctx, `SELECT `+modelColumns+` FROM models ORDER BY name, created_at, id`)
}

// Active returns the active model of each name doing task.
func (r *Registry) Active(ctx context.Context, task Task) ([]Model, error) {
	return r.query(ctx, `SELECT `+modelColumns+` FROM models WHERE active AND task = $1 ORDER BY name`, task)
}

// Get returns name@version, or the active version of name when version is
// empty.
func (r *Registry) Get(ctx context.Context, name, version string) (Model, error) {
	var row pgx.Row
	if version == "" {
		row = r.db.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE name = $1 AND active`, name)
	} else {
		row = r.db.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE name = $1 AND version = $2`, name, version)
	}
	m, err := scanModel(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return Model{}, fmt.Errorf("modelreg: get %s@%s: %w", name, version, r.notFound(ctx, name))
	}
	if err != nil {
		return Model{}, fmt.Errorf("modelreg: get %s: %w", name, err)
	}
	return m, nil
}

func (r *Registry) query(ctx context.Context, sql string, args ...any) ([]Model, error) {
	rows, err := r.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("modelreg: list: %w", err)
	}
	defer rows.Close()
	var out []Model
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, fmt.Errorf("modelreg: list: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("modelreg: list: %w", err)
	}
	return out, nil
}

// EnsureBuiltins registers the built-in models (version 1) if missing and
// activates each unless another version of it is active. The migrations do
// the same; this repairs a registry someone emptied.
func (r *Registry) EnsureBuiltins(ctx context.Context) error {
	for _, m := range []Model{
		{Name: BuiltinForecaster, Version: "1", Kind: KindBuiltin, Task: TaskForecast, InputSchema: Schema{Description: "ETS family (Holt-Winters additive/multiplicative, damped trend, SES) with naive baselines, chosen by rolling-origin backtest"}},
		{Name: BuiltinDetector, Version: "1", Kind: KindBuiltin, Task: TaskDetect, InputSchema: Schema{Description: "seasonal robust z (median/MAD) plus CUSUM shifts; multivariate robust Mahalanobis per asset"}},
	} {
		schema, _ := json.Marshal(m.InputSchema)
		if _, err := r.db.Exec(ctx, `
INSERT INTO models (name, version, kind, task, input_schema, active)
VALUES ($1, $2, $3, $4, $5, NOT EXISTS (SELECT 1 FROM models WHERE name = $1 AND active))
ON CONFLICT (name, version) DO NOTHING`, m.Name, m.Version, m.Kind, m.Task, schema); err != nil {
			return fmt.Errorf("modelreg: builtins: %w", err)
		}
	}
	return nil
}
