package modelreg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// SeriesSource is what Reevaluate needs from the series store.
type SeriesSource interface {
	List(ctx context.Context, f series.Filter) ([]series.Series, error)
	WindowOf(ctx context.Context, s series.Series, from, to time.Time) (series.Window, error)
}

// Drift thresholds.
const (
	// DriftRatio: a forecaster has drifted when its MASE exceeds the
	// reference by more than 25%.
	DriftRatio = 1.25
	// FlagRatio: a detector has drifted when it flags more than twice (and
	// at least one point in a hundred more than) its reference share.
	FlagRatio = 2.0
)

// Evaluation windows.
const (
	forecastLookback = 28 * 24 * time.Hour
	detectLookback   = 35 * 24 * time.Hour // four weekly seasons of online warm-up, then the week scored
	backtestOrigins  = 3
	defaultHorizon   = 24
)

// EvalMetrics are the numbers of one evaluation.
type EvalMetrics struct {
	// MASE and SMAPE are the rolling-origin backtest errors (forecasters).
	MASE  float64 `json:"mase,omitempty"`
	SMAPE float64 `json:"smape,omitempty"`
	// FlaggedShare is the share of the last 7 days' points scored at or
	// above the built-in detector's threshold, 0.99 (detectors).
	FlaggedShare float64 `json:"flagged_share,omitempty"`
	// Reference is the value the metric was compared with: the registered
	// metric, or the model's first evaluation on this series.
	Reference float64 `json:"reference,omitempty"`
	// Origins and Horizon describe the backtest.
	Origins int `json:"origins,omitempty"`
	Horizon int `json:"horizon,omitempty"`
	// Risk are a failure-risk model's figures on the history since it was
	// trained (see Metrics.Risk).
	Risk map[string]float64 `json:"risk,omitempty"`
	// Points is the number of points evaluated on.
	Points int `json:"points"`
	// Cutoff is the time of the last point used.
	Cutoff time.Time `json:"cutoff"`
	// Error says why the evaluation failed (the model's endpoint was down,
	// too little data); the other numbers are then empty.
	Error string `json:"error,omitempty"`
}

// Evaluation is one stored re-evaluation of a model on a series.
type Evaluation struct {
	ID          int64       `json:"id"`
	ModelID     int64       `json:"model_id"`
	Model       string      `json:"model"`
	Version     string      `json:"version"`
	Series      string      `json:"series"`
	SeriesID    int64       `json:"series_id"`
	EvaluatedAt time.Time   `json:"evaluated_at"`
	Metrics     EvalMetrics `json:"metrics"`
	// Drifted reports that the model did markedly worse than its reference.
	Drifted bool `json:"drifted"`
}

// ModelRef is "name@version".
func (e Evaluation) ModelRef() string { return e.Model + "@" + e.Version }

// Reevaluate runs a rolling backtest of every active model on the latest
// data of each series it serves (the 28 days before now for forecasters,
// 35 for detectors, whose online warm-up takes four weekly seasons), stores one evaluation per model and series and marks
// drift against the registered metrics (or the first evaluation when none
// were registered). A failing external model is recorded as an evaluation
// with Error set, not returned as an error; only database failures are.
func (r *Registry) Reevaluate(ctx context.Context, now time.Time) ([]Evaluation, error) {
	if r.series == nil {
		return nil, errors.New("modelreg: reevaluate: no series source (use WithSeries)")
	}
	var out []Evaluation
	for _, task := range []Task{TaskForecast, TaskDetect} {
		models, err := r.Active(ctx, task)
		if err != nil {
			return out, fmt.Errorf("modelreg: reevaluate: %w", err)
		}
		for _, m := range models {
			targets, err := r.targets(ctx, m)
			if err != nil {
				return out, fmt.Errorf("modelreg: reevaluate %s: %w", m.Ref(), err)
			}
			for _, s := range targets {
				ev, ok, err := r.evaluate(ctx, m, s, now)
				if err != nil {
					return out, err
				}
				if ok {
					out = append(out, ev)
				}
			}
		}
	}
	return out, nil
}

// targets lists the series m serves.
func (r *Registry) targets(ctx context.Context, m Model) ([]series.Series, error) {
	if len(m.InputSchema.Series) > 0 {
		all, err := r.series.List(ctx, series.Filter{})
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		for _, n := range m.InputSchema.Series {
			want[n] = true
		}
		var out []series.Series
		for _, s := range all {
			if want[s.Name] {
				out = append(out, s)
			}
		}
		return out, nil
	}
	kind := series.KindProduction
	if m.Task == TaskDetect {
		kind = series.KindSensor
	}
	return r.series.List(ctx, series.Filter{Kind: kind})
}

func (r *Registry) evaluate(ctx context.Context, m Model, s series.Series, now time.Time) (Evaluation, bool, error) {
	look := forecastLookback
	if m.Task == TaskDetect {
		look = detectLookback
	}
	w, err := r.series.WindowOf(ctx, s, now.Add(-look), now)
	if errors.Is(err, series.ErrEmptyWindow) {
		r.log.InfoContext(ctx, "modelreg: no recent data to evaluate on", "model", m.Ref(), "series", s.Name)
		return Evaluation{}, false, nil
	}
	if err != nil {
		return Evaluation{}, false, fmt.Errorf("modelreg: reevaluate %s on %s: %w", m.Ref(), s.Name, err)
	}
	met := EvalMetrics{Points: len(w.Data.Values), Cutoff: w.Data.Times[len(w.Data.Times)-1]}
	var value float64
	if m.Task == TaskForecast {
		met.MASE, met.SMAPE, met.Origins, met.Horizon, err = r.backtest(ctx, m, w.Data.Values)
		value = met.MASE
	} else {
		met.FlaggedShare, err = r.flagged(ctx, m, w)
		value = met.FlaggedShare
	}
	drifted := false
	if err != nil {
		met = EvalMetrics{Points: met.Points, Cutoff: met.Cutoff, Error: err.Error()}
		r.log.WarnContext(ctx, "modelreg: evaluation failed", "model", m.Ref(), "series", s.Name, "err", err)
	} else {
		ref, known, err := r.reference(ctx, m, s.ID)
		if err != nil {
			return Evaluation{}, false, err
		}
		met.Reference = ref
		if known {
			if m.Task == TaskForecast {
				drifted = ref > 0 && value > ref*DriftRatio
			} else {
				drifted = value > ref*FlagRatio && value > ref+0.01
			}
		}
	}
	ev, err := r.insertEvaluation(ctx, m, s, now, met, drifted)
	if err != nil {
		return Evaluation{}, false, err
	}
	if drifted {
		r.log.WarnContext(ctx, "modelreg: model drifted", "model", m.Ref(), "series", s.Name, "value", value, "reference", met.Reference)
	}
	return ev, true, nil
}

// reference is the registered metric of m, or its first successful
// evaluation on the series; known is false when there is neither.
func (r *Registry) reference(ctx context.Context, m Model, seriesID int64) (ref float64, known bool, err error) {
	if m.Task == TaskForecast && m.Metrics.MASE > 0 {
		return m.Metrics.MASE, true, nil
	}
	if m.Task == TaskDetect && m.Metrics.FlaggedShare > 0 {
		return m.Metrics.FlaggedShare, true, nil
	}
	var raw []byte
	err = r.db.QueryRow(ctx, `
SELECT metrics FROM model_evaluations
WHERE model_id = $1 AND series_id = $2 AND NOT metrics ? 'error'
ORDER BY evaluated_at, id LIMIT 1`, m.ID, seriesID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("modelreg: reference: %w", err)
	}
	var first EvalMetrics
	if err := json.Unmarshal(raw, &first); err != nil {
		return 0, false, fmt.Errorf("modelreg: reference: %w", err)
	}
	if m.Task == TaskForecast {
		return first.MASE, true, nil
	}
	return first.FlaggedShare, true, nil
}

func (r *Registry) insertEvaluation(ctx context.Context, m Model, s series.Series, now time.Time, met EvalMetrics, drifted bool) (Evaluation, error) {
	raw, err := json.Marshal(met)
	if err != nil {
		return Evaluation{}, fmt.Errorf("modelreg: store evaluation: %w", err)
	}
	ev := Evaluation{ModelID: m.ID, Model: m.Name, Version: m.Version, Series: s.Name, SeriesID: s.ID, EvaluatedAt: now.UTC(), Metrics: met, Drifted: drifted}
	if err := r.db.QueryRow(ctx, `
INSERT INTO model_evaluations (model_id, series_id, evaluated_at, metrics, drifted)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, m.ID, s.ID, now, raw, drifted).Scan(&ev.ID); err != nil {
		return Evaluation{}, fmt.Errorf("modelreg: store evaluation: %w", err)
	}
	return ev, nil
}

// backtest scores m by rolling origin: forecasts from the last
// backtestOrigins origins, each horizon points apart, against what
// happened. MASE is scaled by the in-sample seasonal-naive error.
func (r *Registry) backtest(ctx context.Context, m Model, v []float64) (mase, smape float64, origins, h int, err error) {
	h = m.InputSchema.Horizon
	if h <= 0 {
		h = defaultHorizon
	}
	n := len(v)
	first := n - backtestOrigins*h
	if first < 3*h || first < 16 {
		return 0, 0, 0, h, fmt.Errorf("%d points are too few for %d backtest origins of horizon %d", n, backtestOrigins, h)
	}
	season := m.InputSchema.Season
	if season <= 0 {
		season = predict.DetectPeriod(fillGaps(v[:first]), first/3)
	}
	scale := naiveScale(v[:first], season)
	if !(scale > 0) {
		return 0, 0, 0, h, fmt.Errorf("the history is constant; MASE is undefined")
	}
	var sumAE, sumS float64
	var cnt int
	for o := first; o+h <= n; o += h {
		fc, err := r.Forecast(ctx, m, v[:o], h)
		if err != nil {
			return 0, 0, 0, h, err
		}
		for i := range h {
			a, f := v[o+i], fc[i]
			if math.IsNaN(a) || math.IsNaN(f) {
				continue
			}
			e := math.Abs(a - f)
			sumAE += e
			if d := math.Abs(a) + math.Abs(f); d > 0 {
				sumS += 200 * e / d
			}
			cnt++
		}
		origins++
	}
	if cnt == 0 {
		return 0, 0, origins, h, fmt.Errorf("no actual values in the backtest horizons")
	}
	return sumAE / float64(cnt) / scale, sumS / float64(cnt), origins, h, nil
}

// naiveScale is the mean absolute error of the seasonal-naive forecast
// (naive when season ≤ 1 or the history is too short) in sample.
func naiveScale(v []float64, season int) float64 {
	if season <= 1 || len(v) < 2*season {
		season = 1
	}
	var s float64
	var n int
	for i := season; i < len(v); i++ {
		if math.IsNaN(v[i]) || math.IsNaN(v[i-season]) {
			continue
		}
		s += math.Abs(v[i] - v[i-season])
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// flagged is the share of the last 7 days' points that m scores anomalous.
// Without a configured season the built-in detector gets the calendar's
// (predict.CalendarPeriod), as everywhere else.
func (r *Registry) flagged(ctx context.Context, m Model, w series.Window) (float64, error) {
	if m.InputSchema.Season == 0 {
		m.InputSchema.Season = predict.CalendarPeriod(w.Step, len(w.Data.Values))
	}
	scores, err := r.Score(ctx, m, w.Data.Values)
	if err != nil {
		return 0, err
	}
	cut := w.Data.Times[len(w.Data.Times)-1].Add(-7 * 24 * time.Hour)
	var n, k int
	for i, t := range w.Data.Times {
		if t.Before(cut) || math.IsNaN(w.Data.Values[i]) {
			continue
		}
		n++
		if scores[i] >= builtinDetectOptions(len(scores), m.InputSchema.Season).Threshold {
			k++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no points in the last 7 days")
	}
	return float64(k) / float64(n), nil
}

const evalSelect = `
SELECT e.id, e.model_id, m.name, m.version, COALESCE(s.name, ''), COALESCE(e.series_id, 0), e.evaluated_at, e.metrics, e.drifted
FROM model_evaluations e JOIN models m ON m.id = e.model_id LEFT JOIN series s ON s.id = e.series_id`

func scanEvaluation(row pgx.Row) (Evaluation, error) {
	var e Evaluation
	var raw []byte
	var at pgtype.Timestamptz
	if err := row.Scan(&e.ID, &e.ModelID, &e.Model, &e.Version, &e.Series, &e.SeriesID, &at, &raw, &e.Drifted); err != nil {
		return Evaluation{}, err
	}
	e.EvaluatedAt = at.Time.UTC()
	if err := json.Unmarshal(raw, &e.Metrics); err != nil {
		return Evaluation{}, err
	}
	return e, nil
}

// LatestEvaluation returns the newest evaluation of the model called name
// (any version) on the named series; ErrNotFound when it was never
// evaluated there.
func (r *Registry) LatestEvaluation(ctx context.Context, name, seriesName string) (Evaluation, error) {
	e, err := scanEvaluation(r.db.QueryRow(ctx, evalSelect+`
WHERE m.name = $1 AND s.name = $2 ORDER BY e.evaluated_at DESC, e.id DESC LIMIT 1`, name, seriesName))
	if errors.Is(err, pgx.ErrNoRows) {
		return Evaluation{}, fmt.Errorf("modelreg: no evaluation of %s on %s: %w", name, seriesName, ErrNotFound)
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("modelreg: latest evaluation: %w", err)
	}
	return e, nil
}

// LatestEvaluations returns the newest evaluation of every model version on
// every series, drifted ones first — what a digest reports.
func (r *Registry) LatestEvaluations(ctx context.Context) ([]Evaluation, error) {
	rows, err := r.db.Query(ctx, `
`+evalSelect+`
WHERE e.id IN (SELECT DISTINCT ON (model_id, series_id) id FROM model_evaluations
               ORDER BY model_id, series_id, evaluated_at DESC, id DESC)
ORDER BY e.drifted DESC, m.name, m.version, s.name`)
	if err != nil {
		return nil, fmt.Errorf("modelreg: latest evaluations: %w", err)
	}
	defer rows.Close()
	var out []Evaluation
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, fmt.Errorf("modelreg: latest evaluations: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
