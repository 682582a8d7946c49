package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// maxHorizonSteps caps any forecast horizon regardless of history.
const maxHorizonSteps = 2000

// --- forecast_series -------------------------------------------------------

type forecastArgs struct {
	Series       string  `json:"series,omitempty"`
	Horizon      int     `json:"horizon,omitempty"`
	HorizonHours float64 `json:"horizon_hours,omitempty"`
	Season       int     `json:"season,omitempty"`
	HistoryDays  float64 `json:"history_days,omitempty"`
	Until        string  `json:"until,omitempty"`
}

const forecastDesc = "Forecast a series (e.g. line-1.output or pump-1.pressure) with 80% and 95% prediction intervals. The model (ETS/Holt-Winters, a daily-and-weekly decomposition with smoothing, Theta, seasonal naive, or the mean of the best three) is chosen by rolling-origin backtest; the result reports the model, its registry version and drift status, the data cutoff and the backtest error (MASE below 1 beats the seasonal-naive baseline)."

var forecastSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"series":        map[string]any{"type": "string", "description": "Series name, e.g. line-1.output. Default: the output of the channel's line."},
		"horizon":       map[string]any{"type": "integer", "minimum": 1, "description": "Steps ahead, in the series' interval (hourly output: hours)."},
		"horizon_hours": map[string]any{"type": "number", "description": "Alternatively the horizon in hours (default 24)."},
		"season":        map[string]any{"type": "integer", "minimum": 1, "description": "Seasonal period in steps (24 for a daily pattern in hourly data, 168 weekly); default detected; 1 disables."},
		"history_days":  map[string]any{"type": "number", "description": "How much history to fit on (default 28 days; long histories are fitted on hourly or daily means)."},
		"until":         map[string]any{"type": "string", "description": "Forecast as of this time: fit only on the data before it (an ISO time like 2015-03-20T06:00Z or a date, or a time ago like 3d), to see what was expected then. Default now, or the end of the series' data when it has none in the history before now."},
	},
	"additionalProperties": false,
}

type fcPoint struct {
	T    string  `json:"t"`
	Mean float64 `json:"mean"`
	Lo80 float64 `json:"lo80"`
	Hi80 float64 `json:"hi80"`
	Lo95 float64 `json:"lo95"`
	Hi95 float64 `json:"hi95"`
}

// runForecast is what forecast_series and compare_to_plan share.
type runForecast struct {
	s       series.Series
	w       series.Window
	fc      *predict.Forecast
	horizon int
	// asOf is the end of the history fitted on when it is not now (an
	// until argument, or the end of data that stopped in the past); note
	// says which.
	asOf time.Time
	note string
	// plan is the resolution the history was read at.
	plan readPlan
	// gapNote says the data stopped before now and the forecast ran
	// through the gap (forecastFromNow).
	gapNote string
}

// maxForecastPoints bounds the history a forecast fits on: 28 days of
// 10-second readings are fitted on minute means, a year of hourly data on
// its 8,760 readings.
const maxForecastPoints = 20_000

// defaultSeriesForScope is the output series of the caller's line.
func defaultOutput(ctx context.Context) string {
	if l := ScopeFrom(ctx).Line; l != "" {
		return l + ".output"
	}
	return ""
}

func (p *predictive) forecast(ctx context.Context, name string, horizon int, horizonHours float64, season int, historyDays float64, until string) (runForecast, *Result, error) {
	return p.forecastFrom(ctx, name, horizon, horizonHours, season, historyDays, until, false)
}

// forecastFromNow is forecast with the horizon counted from now: data that
// stopped hours ago (a silent feed, within the history window) is forecast
// on through the gap, and the result keeps the points after now only, so
// "the next 8 hours" are the next 8 hours, not the 8 after the data ended.
func (p *predictive) forecastFromNow(ctx context.Context, name string, horizon int, horizonHours float64, season int, historyDays float64, until string) (runForecast, *Result, error) {
	return p.forecastFrom(ctx, name, horizon, horizonHours, season, historyDays, until, true)
}

func (p *predictive) forecastFrom(ctx context.Context, name string, horizon int, horizonHours float64, season int, historyDays float64, until string, fromNow bool) (runForecast, *Result, error) {
	bad := func(msg string) (runForecast, *Result, error) {
		return runForecast{}, &Result{UserError: msg, Summary: "bad arguments"}, nil
	}
	if horizon < 0 || horizonHours < 0 || season < 0 || historyDays < 0 {
		return bad("horizon, horizon_hours, season and history_days must be positive")
	}
	now := p.now().UTC()
	var asOf time.Time
	if until != "" {
		t, err := parseWhen(until, now)
		if err != nil {
			return bad(err.Error())
		}
		if t.After(now) {
			return bad(fmt.Sprintf("until (%s) is in the future; a forecast can only fit on data that exists", stamp(t)))
		}
		asOf = t
	}
	s, err := p.store.Lookup(ctx, name)
	if err != nil {
		r, err := userErr(err)
		return runForecast{}, &r, err
	}
	hist := 28 * 24 * time.Hour
	if historyDays > 0 {
		hist = time.Duration(historyDays * 24 * float64(time.Hour))
	}
	// The history ends now, at until, or, for data that stopped in the
	// past (an imported history), at its own end, said in the answer.
	end, note := now, ""
	var gap time.Duration // a silent feed's hours up to now, forecast through
	gapNote := ""
	if !asOf.IsZero() {
		end, note = asOf, "as of "+stamp(asOf)+": fitted only on the data before it"
	} else if latest, err := p.store.Latest(ctx, []int64{s.ID}); err == nil {
		lp, ok := latest[s.ID]
		switch {
		case ok && lp.TS.Before(now.Add(-hist)):
			end = lp.TS.Add(time.Nanosecond)
			note = fmt.Sprintf("the data of %s ends at %s, %s before now: the forecast starts from the end of its data", s.Name, stamp(lp.TS), hoursText(now.Sub(lp.TS)))
		case ok && fromNow && now.Sub(lp.TS) > max(time.Hour, 3*s.Interval):
			gap = now.Sub(lp.TS)
			gapNote = fmt.Sprintf("the data of %s ends at %s, %s before now: the forecast runs on from there through the hours without data, and its figures are for the time from now", s.Name, stamp(lp.TS), hoursText(gap))
		}
	}
	plan := readPlan{Resolution: series.ResolutionFor([]series.Series{s}, hist, maxForecastPoints), from: end.Add(-hist), first: s}
	step := plan.Grid
	if step <= 0 {
		step = time.Hour
	}
	switch {
	case horizon > 0:
		// Steps of the series' interval, counted on the grid read.
		if s.Interval > 0 {
			horizon = int(math.Ceil(float64(time.Duration(horizon)*s.Interval) / float64(step)))
		}
	case horizonHours > 0:
		horizon = int(math.Ceil(horizonHours * float64(time.Hour) / float64(step)))
	default:
		horizon = max(1, int(24*time.Hour/step))
	}
	if gap > 0 {
		horizon += int(math.Ceil(float64(gap) / float64(step)))
	}
	if horizon > maxHorizonSteps {
		r, res, _ := bad(fmt.Sprintf("A horizon of %d steps (%s) is too long; at most %d steps can be forecast.", horizon, hoursText(time.Duration(horizon)*step), maxHorizonSteps))
		return r, tooLong(maxHorizonSteps, step, res), nil
	}
	from, to := end.Add(-hist), end
	if end.Equal(now) {
		to = now.Add(time.Nanosecond)
	}
	fit := func() (runForecast, *Result, error) {
		rf, bad, err := p.fitForecast(ctx, s, from, to, plan.Step, horizon, season)
		if bad == nil && err == nil {
			rf.plan, rf.note = plan, note
			if note != "" {
				rf.asOf = end
			}
		}
		return rf, bad, err
	}
	key, cacheable := p.pointsKey(ctx, []int64{s.ID}, from, to)
	if !cacheable {
		return fit()
	}
	// Only fitted forecasts are cached: refusals name the clock's window.
	var (
		refused *Result
		ferr    error
	)
	key = fmt.Sprintf("forecast|%d|%d|%d|%d|%s|%q,%q,%q,%d", horizon, season, plan.Step, end.UnixNano(), key, s.Name, s.Unit, s.Kind, s.Interval)
	v, err := p.cache.do(ctx, key, func() (any, error) {
		var rf runForecast
		rf, refused, ferr = fit()
		if refused != nil || ferr != nil {
			return nil, errUncached
		}
		return rf, nil
	})
	switch {
	case refused != nil || ferr != nil:
		return runForecast{}, refused, ferr
	case errors.Is(err, errUncached):
		return fit()
	case err != nil:
		return runForecast{}, nil, fmt.Errorf("tools: forecast %s: %w", s.Name, err)
	}
	rf := v.(runForecast)
	if gap > 0 {
		rf = afterNow(rf, now)
		rf.gapNote = gapNote
	}
	return rf, nil, nil
}

// afterNow keeps a forecast's points after now (a copy: the cached one is
// shared).
func afterNow(rf runForecast, now time.Time) runForecast {
	fc := *rf.fc
	k := 0
	for k < len(fc.Times) && !fc.Times[k].After(now) {
		k++
	}
	if k == 0 || k >= len(fc.Times) {
		return rf
	}
	cut := func(v []float64) []float64 {
		if len(v) < len(fc.Times) {
			return v
		}
		return v[k:]
	}
	fc.Mean, fc.Lo80, fc.Hi80, fc.Lo95, fc.Hi95 = cut(fc.Mean), cut(fc.Lo80), cut(fc.Hi80), cut(fc.Lo95), cut(fc.Hi95)
	fc.Times = fc.Times[k:]
	rf.fc = &fc
	rf.horizon -= k
	return rf
}

// HorizonLimit is the data of a refusal for a horizon too long: the longest
// horizon that can be asked, so a caller can ask again at it.
type HorizonLimit struct {
	MaxHorizonHours float64 `json:"max_horizon_hours"`
}

// tooLong adds the longest horizon (steps of step) to a refusal.
func tooLong(steps int, step time.Duration, res *Result) *Result {
	res.Data = HorizonLimit{MaxHorizonHours: math.Floor((time.Duration(steps) * step).Hours())}
	return res
}

// fitForecast reads s in [from, to) at step (0: its readings) and fits
// the forecast of horizon steps.
func (p *predictive) fitForecast(ctx context.Context, s series.Series, from, to time.Time, step time.Duration, horizon, season int) (runForecast, *Result, error) {
	bad := func(msg string) (runForecast, *Result, error) {
		return runForecast{}, &Result{UserError: msg, Summary: "bad arguments"}, nil
	}
	w, err := p.store.WindowAt(ctx, s, from, to, step)
	if err != nil {
		r, err := userErr(err)
		return runForecast{}, &r, err
	}
	if n := len(w.Data.Values); horizon > predict.MaxHorizon(n) {
		r, res, _ := bad(fmt.Sprintf("A horizon of %d steps (%s) is too long for %s of history: at most %d steps (%s). Ask for a shorter horizon or more history_days.",
			horizon, hoursText(time.Duration(horizon)*w.Step), hoursText(time.Duration(n)*w.Step), predict.MaxHorizon(n), hoursText(time.Duration(predict.MaxHorizon(n))*w.Step)))
		return r, tooLong(predict.MaxHorizon(n), w.Step, res), nil
	}
	fc, err := predict.ForecastSeries(w.Data, predict.ForecastOptions{Horizon: horizon, Season: season})
	if err != nil {
		r, uerr := userErr(err)
		if uerr == nil && r.UserError != "" {
			return runForecast{}, &r, nil
		}
		if errors.Is(err, predict.ErrBadInput) {
			return bad("cannot forecast " + s.Name + ": " + err.Error())
		}
		return runForecast{}, nil, fmt.Errorf("tools: forecast %s: %w", s.Name, err)
	}
	return runForecast{s: s, w: w, fc: fc, horizon: horizon}, nil, nil
}

// registryInfo names the registry version of the built-in forecaster and
// its latest evaluation on the series.
func (p *predictive) registryInfo(ctx context.Context, seriesName string) (string, map[string]any) {
	if p.reg == nil {
		return modelreg.BuiltinForecaster, nil
	}
	ref := modelreg.BuiltinForecaster
	if m, err := p.reg.Get(ctx, modelreg.BuiltinForecaster, ""); err == nil {
		ref = m.Ref()
	}
	ev, err := p.reg.LatestEvaluation(ctx, modelreg.BuiltinForecaster, seriesName)
	if err != nil {
		return ref, nil
	}
	info := map[string]any{
		"evaluated_at": stamp(ev.EvaluatedAt), "version": ev.ModelRef(), "drifted": ev.Drifted,
	}
	if ev.Metrics.Error != "" {
		info["error"] = ev.Metrics.Error
	} else {
		info["mase"], info["reference_mase"] = sig(ev.Metrics.MASE), sig(ev.Metrics.Reference)
	}
	return ref, info
}

// externalForecasts runs the active external forecasters registered for
// the series, so an answer can set them beside the built-in one.
func (p *predictive) externalForecasts(ctx context.Context, rf runForecast) []map[string]any {
	if p.reg == nil {
		return nil
	}
	ms, err := p.reg.Active(ctx, modelreg.TaskForecast)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, m := range ms {
		if m.Kind == modelreg.KindBuiltin || !slices.Contains(m.InputSchema.Series, rf.s.Name) {
			continue
		}
		vals, err := p.reg.Forecast(ctx, m, rf.w.Data.Values, rf.horizon)
		if err != nil {
			out = append(out, map[string]any{"model": m.Ref(), "error": err.Error()})
			continue
		}
		pts := make([]float64, 0, min(len(vals), maxPoints))
		for _, v := range vals[:min(len(vals), maxPoints)] {
			pts = append(pts, sig(v))
		}
		out = append(out, map[string]any{"model": m.Ref(), "total": sig(sum(vals)), "mean": pts})
	}
	return out
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		if !math.IsNaN(v) {
			s += v
		}
	}
	return s
}

// pick returns up to maxPoints indices spread evenly over 0..n-1.
func pick(n int) []int {
	if n <= maxPoints {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, maxPoints)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(n-1) / float64(maxPoints-1)))
	}
	return out
}

func (p *predictive) forecastSeries(ctx context.Context, a forecastArgs) (Result, error) {
	name := a.Series
	if name == "" {
		name = defaultOutput(ctx)
	}
	if name == "" {
		return Result{UserError: "Name the series to forecast, e.g. line-1.output (call list_series to see them).", Summary: "no series named"}, nil
	}
	rf, bad, err := p.forecastFromNow(ctx, name, a.Horizon, a.HorizonHours, a.Season, a.HistoryDays, a.Until)
	if bad != nil || err != nil {
		return derefResult(bad), err
	}
	fc := rf.fc
	ref, eval := p.registryInfo(ctx, rf.s.Name)
	var pts []fcPoint
	for _, i := range pick(len(fc.Mean)) {
		pts = append(pts, fcPoint{T: stamp(fc.Times[i]), Mean: sig(fc.Mean[i]), Lo80: sig(fc.Lo80[i]), Hi80: sig(fc.Hi80[i]), Lo95: sig(fc.Lo95[i]), Hi95: sig(fc.Hi95[i])})
	}
	var cands []map[string]any
	for _, c := range fc.Candidates[:min(3, len(fc.Candidates))] {
		cands = append(cands, map[string]any{"model": c.Model, "mase": sig(c.MASE), "smape": sig(c.SMAPE)})
	}
	step := rf.w.Step
	data := map[string]any{
		"series":       rf.s.Name,
		"unit":         rf.s.Unit,
		"model":        fc.Model,
		"registry":     ref,
		"cutoff":       stamp(fc.Cutoff),
		"step":         step.String(),
		"horizon":      rf.horizon,
		"season":       fc.Season,
		"mase":         sig(fc.MASE),
		"smape_pct":    sig(fc.SMAPE),
		"candidates":   cands,
		"points":       pts,
		"mean_of_mean": sig(predict.NaNMean(fc.Mean)),
	}
	if rf.s.Kind == series.KindProduction || rf.s.Kind == series.KindPlan {
		data["total"] = sig(sum(fc.Mean))
		data["total_lo80"], data["total_hi80"] = sig(sum(fc.Lo80)), sig(sum(fc.Hi80))
	}
	if len(fc.Mean) > len(pts) {
		data["note"] = fmt.Sprintf("%d of %d forecast points listed, evenly spaced", len(pts), len(fc.Mean))
	}
	if eval != nil {
		data["evaluation"] = eval
	}
	data["resolution"] = rf.plan.data()
	if rf.gapNote != "" {
		data["gap_note"] = rf.gapNote
	}
	if !rf.asOf.IsZero() {
		data["as_of"] = stamp(rf.asOf)
		data["history_note"] = rf.note
	}
	if ext := p.externalForecasts(ctx, rf); len(ext) > 0 {
		data["external"] = ext
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s forecast for the next %s by %s (%s, backtest MASE %s, sMAPE %s%%, data to %s)",
		rf.s.Name, hoursText(time.Duration(rf.horizon)*step), ref, fc.Model, num(fc.MASE), num(fc.SMAPE), stamp(fc.Cutoff))
	if _, ok := data["total"]; ok {
		fmt.Fprintf(&b, ": total %s%s (80%%: %s–%s)", num(sum(fc.Mean)), suffixTotal(rf.s.Unit), num(sum(fc.Lo80)), num(sum(fc.Hi80)))
	} else {
		last := len(fc.Mean) - 1
		fmt.Fprintf(&b, ": %s%s at %s (80%%: %s–%s)", num(fc.Mean[last]), suffix(rf.s.Unit), stamp(fc.Times[last]), num(fc.Lo80[last]), num(fc.Hi80[last]))
	}
	if eval != nil && eval["drifted"] == true {
		fmt.Fprintf(&b, "; note: the model drifted at its last evaluation (%s)", eval["evaluated_at"])
	}
	if rf.note != "" {
		b.WriteString("; " + rf.note)
	}
	b.WriteString(rf.plan.readAs())
	res := Result{Data: data, Summary: b.String()}
	res.Charts = []chart.Chart{forecastChart(rf, nil)}
	return res, nil
}

// suffixTotal turns a rate unit into the unit of its sum ("parts/h" → "parts").
func suffixTotal(unit string) string {
	if u, ok := strings.CutSuffix(unit, "/h"); ok {
		return " " + u
	}
	return suffix(unit)
}

// chartStart is the first history point a forecast chart shows: three
// seasons or three horizons back, at least 48 points.
func chartStart(rf runForecast) int {
	show := max(3*rf.fc.Season, 3*len(rf.fc.Mean), 48)
	return max(0, len(rf.w.Data.Times)-show)
}

// forecastChart draws the recent history, the forecast with its 80% and
// 95% bands, the cutoff and, when given, the plan.
func forecastChart(rf runForecast, plan *chart.Line) chart.Chart {
	fc := rf.fc
	times, vals := rf.w.Data.Times, rf.w.Data.Values
	i0 := chartStart(rf)
	unix := make([]int64, len(fc.Times))
	for i, t := range fc.Times {
		unix[i] = t.Unix()
	}
	round := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = sig(v)
		}
		return out
	}
	c := chart.Chart{
		Title: rf.s.Name + " forecast", Unit: rf.s.Unit,
		Lines: []chart.Line{
			chartLine("actual", "history", times[i0:], vals[i0:]),
			{Name: "forecast (" + fc.Model + ")", Times: unix, Values: round(fc.Mean), Style: "forecast"},
		},
		Bands: []chart.Band{
			{Name: "95%", Times: unix, Lo: round(fc.Lo95), Hi: round(fc.Hi95)},
			{Name: "80%", Times: unix, Lo: round(fc.Lo80), Hi: round(fc.Hi80)},
		},
		Cutoff: &chart.Instant{Label: "data cutoff", Time: fc.Cutoff.Unix()},
	}
	if plan != nil {
		c.Lines = append(c.Lines, *plan)
	}
	return c
}

// --- compare_to_plan -------------------------------------------------------

type planArgs struct {
	Line         string   `json:"line,omitempty"`
	Series       string   `json:"series,omitempty"`
	Plan         string   `json:"plan,omitempty"`
	HorizonHours float64  `json:"horizon_hours,omitempty"`
	PastHours    *float64 `json:"past_hours,omitempty"`
	Since        string   `json:"since,omitempty"`
	Until        string   `json:"until,omitempty"`
}

const planDesc = "Compare a line's production with its plan: actual vs plan over the past hours (default 24) and the forecast vs plan for the coming hours (default 24), with the expected shortfall and its 80% range and the hours at risk. For 'will line 1 make its plan today / tomorrow / this week?' give since and until, the period's start and end, so the answer is the whole period's."

var planSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"line":          map[string]any{"type": "string", "description": "Line name, e.g. line-1 (uses line-1.output and line-1.plan). Default: the channel's line."},
		"series":        map[string]any{"type": "string", "description": "Output series, if not <line>.output."},
		"plan":          map[string]any{"type": "string", "description": "Plan series, if not <line>.plan."},
		"horizon_hours": map[string]any{"type": "number", "description": "Hours ahead to forecast (default 24)."},
		"past_hours":    map[string]any{"type": "number", "description": "Hours back to compare actual output with plan (default 24; 0 skips)."},
		"since":         map[string]any{"type": "string", "description": "Instead of past_hours: compare actual with plan from this time (ISO like 2026-03-02T06:00Z, a date, or a time ago like 36h)…"},
		"until":         map[string]any{"type": "string", "description": "…until this time (default now), e.g. one shift or one day; the output of a past day is its own, not a difference of totals. An until in the future compares a whole period with its plan: what was made from since (default now) plus the forecast of the rest, e.g. since today 00:00 until tomorrow 00:00 for 'will we make today's plan?', or tomorrow's 00:00 to 24:00 for tomorrow's."},
	},
	"additionalProperties": false,
}

// planValues maps the plan's timestamps to values over [from, to].
func (p *predictive) planValues(ctx context.Context, plan series.Series, from, to time.Time) (map[int64]float64, error) {
	w, err := p.store.WindowOf(ctx, plan, from, to)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]float64, len(w.Data.Times))
	for i, t := range w.Data.Times {
		if !math.IsNaN(w.Data.Values[i]) {
			out[t.Unix()] = w.Data.Values[i]
		}
	}
	return out, nil
}

func (p *predictive) compareToPlan(ctx context.Context, a planArgs) (Result, error) {
	pastHours := 24.0
	if a.PastHours != nil {
		pastHours = *a.PastHours
	}
	if a.HorizonHours < 0 || pastHours < 0 {
		return Result{UserError: "horizon_hours and past_hours must be positive", Summary: "bad arguments"}, nil
	}
	line := a.Line
	if line == "" && a.Series == "" {
		line = ScopeFrom(ctx).Line
	}
	outName := a.Series
	if outName == "" {
		if line == "" {
			return Result{UserError: "Name a line (e.g. line-1) or an output series to compare with its plan.", Summary: "no line named"}, nil
		}
		outName = line + ".output"
	}
	out, err := p.store.Lookup(ctx, outName)
	if err != nil {
		return userErr(err)
	}
	if out.Kind != series.KindProduction {
		return Result{UserError: fmt.Sprintf("%s is a %s series, not a production output; compare_to_plan works on output series such as line-1.output.", out.Name, out.Kind), Summary: "not an output series"}, nil
	}
	planName := a.Plan
	if planName == "" {
		planName = strings.TrimSuffix(out.Name, ".output") + ".plan"
	}
	plan, err := p.store.Lookup(ctx, planName)
	if err != nil {
		if errors.Is(err, series.ErrNotFound) {
			return Result{UserError: fmt.Sprintf("%s has no plan series %q; name one with plan (list_series kind=plan shows them).", out.Name, planName), Summary: "no plan"}, nil
		}
		return Result{}, fmt.Errorf("tools: compare_to_plan: %w", err)
	}
	horizonHours := a.HorizonHours
	if horizonHours == 0 {
		horizonHours = 24
	}
	now := p.now().UTC()
	if a.Until != "" {
		// A period that ends ahead: made so far plus the forecast of the
		// rest, against the whole period's plan.
		end, err := parseWhen(a.Until, now)
		if err != nil {
			return Result{UserError: err.Error(), Summary: "bad arguments"}, nil
		}
		if end.After(now) {
			from := now
			if a.Since != "" {
				if from, err = parseWhen(a.Since, now); err != nil {
					return Result{UserError: err.Error(), Summary: "bad arguments"}, nil
				}
			}
			if !from.Before(end) {
				return Result{UserError: fmt.Sprintf("the window is empty: since (%s) must be before until (%s)", stamp(from), stamp(end)), Summary: "bad arguments"}, nil
			}
			return p.projectToPlan(ctx, out, plan, from, end, now)
		}
	} else if a.Since != "" {
		if from, err := parseWhen(a.Since, now); err == nil && from.After(now) {
			return Result{UserError: fmt.Sprintf("since (%s) is in the future: give until too (the end of the period to compare with its plan)", stamp(from)), Summary: "bad arguments"}, nil
		}
	}
	data := map[string]any{"output": out.Name, "plan": plan.Name, "unit": out.Unit}
	var b strings.Builder

	// The past: actual against plan.
	if pastHours > 0 || a.Since != "" {
		step := out.Interval
		if step <= 0 {
			step = time.Hour
		}
		// Whole steps: the last 24 hours of hourly output are 24 points.
		from := now.Truncate(step).Add(-time.Duration(pastHours * float64(time.Hour)))
		end := now.Add(time.Nanosecond)
		if a.Since != "" {
			// An explicit window [since, until): a day, a shift.
			var err error
			if from, err = parseWhen(a.Since, now); err != nil {
				return Result{UserError: err.Error(), Summary: "bad arguments"}, nil
			}
			if a.Until != "" {
				if end, err = parseWhen(a.Until, now); err != nil {
					return Result{UserError: err.Error(), Summary: "bad arguments"}, nil
				}
			}
			if !from.Before(end) {
				return Result{UserError: fmt.Sprintf("the window is empty: since (%s) must be before until (%s)", stamp(from), stamp(end)), Summary: "bad arguments"}, nil
			}
		} else if a.Until != "" {
			return Result{UserError: "until needs since: compare_to_plan reads since → until, or the last past_hours", Summary: "bad arguments"}, nil
		}
		shownFrom, shownEnd := from, end
		if a.Since != "" {
			// A bucket of output belongs to the window when its middle does:
			// "the last 8 hours" asked at 21:00:27 holds the 13:00 hour.
			from = from.Add(-step / 2)
			if a.Until != "" {
				end = end.Add(-step / 2)
			}
			// The plan over the whole window, output or not ("the plan for
			// tomorrow", "this week's plan").
			if all, err := p.planValues(ctx, plan, from, end); err == nil && len(all) > 0 {
				var total float64
				for _, v := range all {
					total += v
				}
				data["plan_window"] = map[string]any{"from": stamp(shownFrom), "to": stamp(shownEnd), "hours": len(all), "plan": sig(total)}
				fmt.Fprintf(&b, "%s plan %s → %s (%d h): %s", strings.TrimSuffix(out.Name, ".output"), stamp(shownFrom), stamp(shownEnd), len(all), num(total))
			}
		}
		w, err := p.store.WindowOf(ctx, out, from, end)
		if err != nil {
			if a.Since != "" && a.HorizonHours == 0 && errors.Is(err, series.ErrEmptyWindow) && data["plan_window"] != nil {
				// No output yet in the window: the plan alone.
				return Result{Data: data, Summary: b.String()}, nil
			}
			return userErr(err)
		}
		pv, err := p.planValues(ctx, plan, from, end)
		if err != nil && !errors.Is(err, series.ErrEmptyWindow) {
			return Result{}, fmt.Errorf("tools: compare_to_plan: %w", err)
		}
		var act, pl float64
		hours, below := 0, 0
		for i, t := range w.Data.Times {
			v := w.Data.Values[i]
			pvv, ok := pv[t.Unix()]
			if math.IsNaN(v) || !ok {
				continue
			}
			act += v
			pl += pvv
			hours++
			if v < pvv {
				below++
			}
		}
		if hours > 0 {
			from, to := from, now
			if a.Since != "" {
				from, to = shownFrom, shownEnd
			}
			past := map[string]any{
				"from": stamp(from), "to": stamp(to), "hours": hours,
				"actual": count(act), "plan": count(pl), "shortfall": count(pl - act),
				"attainment_pct": sig(100 * act / pl), "hours_below_plan": below,
			}
			data["past"] = past
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			if a.Since != "" {
				fmt.Fprintf(&b, "%s: %s → %s (%d h) produced %s of %s planned (%s%%", strings.TrimSuffix(out.Name, ".output"), stamp(from), stamp(to), hours, countText(act), countText(pl), num(100*act/pl))
			} else {
				fmt.Fprintf(&b, "%s: last %d h produced %s of %s planned (%s%%", strings.TrimSuffix(out.Name, ".output"), hours, countText(act), countText(pl), num(100*act/pl))
			}
			if pl > act {
				fmt.Fprintf(&b, ", %s short)", countText(pl-act))
			} else {
				fmt.Fprintf(&b, ", %s ahead)", num(act-pl))
			}
		}
	}

	if a.Since != "" && a.HorizonHours == 0 {
		// A past window asked for: no forecast unless asked too.
		if data["past"] == nil {
			until := a.Until
			if until == "" {
				until = "now"
			}
			return Result{UserError: fmt.Sprintf("%s has no output with a plan value from %s to %s.", out.Name, a.Since, until), Summary: "no data in the window"}, nil
		}
		return Result{Data: data, Summary: b.String()}, nil
	}

	// The future: forecast against plan.
	rf, bad, err := p.forecastFromNow(ctx, out.Name, 0, horizonHours, 0, 0, "")
	if bad != nil || err != nil {
		return derefResult(bad), err
	}
	fc := rf.fc
	pv, err := p.planValues(ctx, plan, fc.Times[0], fc.Times[len(fc.Times)-1].Add(time.Nanosecond))
	if err != nil && !errors.Is(err, series.ErrEmptyWindow) {
		return Result{}, fmt.Errorf("tools: compare_to_plan: %w", err)
	}
	if len(pv) == 0 {
		return Result{UserError: fmt.Sprintf("The plan %s has no values after %s, so the forecast cannot be compared with it.", plan.Name, stamp(fc.Cutoff)), Summary: "plan does not cover the horizon"}, nil
	}
	var fSum, lo, hi, pSum float64
	covered, atRisk := 0, 0
	for i, t := range fc.Times {
		pvv, ok := pv[t.Unix()]
		if !ok {
			continue
		}
		covered++
		fSum += fc.Mean[i]
		lo += fc.Lo80[i]
		hi += fc.Hi80[i]
		pSum += pvv
		if fc.Hi80[i] < pvv {
			atRisk++
		}
	}
	ref, eval := p.registryInfo(ctx, out.Name)
	ahead := map[string]any{
		"from": stamp(fc.Times[0]), "to": stamp(fc.Times[len(fc.Times)-1]), "hours": covered,
		"forecast": sig(fSum), "forecast_lo80": sig(lo), "forecast_hi80": sig(hi), "plan": sig(pSum),
		"shortfall": sig(pSum - fSum), "attainment_pct": sig(100 * fSum / pSum), "hours_at_risk": atRisk,
		"model": fc.Model, "registry": ref, "mase": sig(fc.MASE), "cutoff": stamp(fc.Cutoff),
	}
	if covered < len(fc.Times) {
		ahead["note"] = fmt.Sprintf("the plan covers %d of the %d forecast hours", covered, len(fc.Times))
	}
	if eval != nil {
		ahead["evaluation"] = eval
	}
	data["ahead"] = ahead
	if b.Len() > 0 {
		b.WriteString("; ")
	} else {
		b.WriteString(strings.TrimSuffix(out.Name, ".output") + ": ")
	}
	fmt.Fprintf(&b, "next %d h forecast %s vs plan %s (%s%%, 80%%: %s–%s)", covered, num(fSum), num(pSum), num(100*fSum/pSum), num(lo), num(hi))
	if pSum > fSum {
		fmt.Fprintf(&b, ", expected shortfall %s%s", num(pSum-fSum), suffixTotal(out.Unit))
	}
	if atRisk > 0 {
		fmt.Fprintf(&b, "; %d h below plan even at the upper 80%% bound", atRisk)
	}
	fmt.Fprintf(&b, " (%s, %s, MASE %s)", ref, fc.Model, num(fc.MASE))
	res := Result{Data: data, Summary: b.String()}
	planLine := p.planLine(ctx, plan, rf, fc.Times[len(fc.Times)-1].Add(time.Nanosecond))
	res.Charts = []chart.Chart{forecastChart(rf, &planLine)}
	return res, nil
}

// planLine is the plan drawn on a forecast chart: over the history the
// chart shows as well as ahead, to end.
func (p *predictive) planLine(ctx context.Context, plan series.Series, rf runForecast, end time.Time) chart.Line {
	l := chart.Line{Name: "plan", Style: "plan"}
	cpv, err := p.planValues(ctx, plan, rf.w.Data.Times[chartStart(rf)], end)
	if err != nil {
		return l
	}
	ts := make([]int64, 0, len(cpv))
	for t := range cpv {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	for _, t := range ts {
		l.Times = append(l.Times, t)
		l.Values = append(l.Values, cpv[t])
	}
	return l
}

// count is a count of parts as the tools give it: whole from 100 up
// ("393173", not "393000", whose difference from the plan would not add
// up), three significant digits below.
func count(v float64) float64 {
	if math.Abs(v) >= 100 {
		return math.Round(v)
	}
	return sig(v)
}

func countText(v float64) string { return strconv.FormatFloat(count(v), 'f', -1, 64) }
