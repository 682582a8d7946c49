package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// Limits that keep tool results compact and requests sane.
const (
	maxListed      = 50                  // series in one list_series answer
	maxEvents      = 8                   // events in one detect_anomalies answer
	minSigma       = 2.0                 // smallest departure from the usual weekly pattern worth listing
	maxPoints      = 48                  // forecast points listed in a result
	maxChartPoints = 600                 // points per chart line
	detectContext  = 30 * 24 * time.Hour // history before a window: the online detector scores after four seasons (4 weeks)
	baselineSpan   = 7 * 24 * time.Hour  // history an event's "usual level" is measured on
)

// predictive holds what the predictive tools share.
type predictive struct {
	store *series.Store
	reg   *modelreg.Registry
	now   func() time.Time
	// cache holds detections and forecasts keyed by the points they read
	// (nil: disabled).
	cache *memo
	// alarms is the machines' alarm log (nil: none is read).
	alarms AlarmLog
}

// AlarmLog is where the alarms machines logged are read: the maintenance
// store's alert records (maintenance.Store).
type AlarmLog interface {
	Query(ctx context.Context, f maintenance.Filter) ([]maintenance.Event, error)
}

// PredictiveOptions tune the predictive tools.
type PredictiveOptions struct {
	// Now is the clock ("last 24 hours" is relative to it); default time.Now.
	Now func() time.Time
	// CacheSize bounds the cache of detections and forecasts (default
	// DefaultCacheSize; negative disables the cache).
	CacheSize int
	// CacheTTL bounds how long a cached detection or forecast is reused
	// (default DefaultCacheTTL; negative disables the cache).
	CacheTTL time.Duration
	// Alarms is the machines' alarm log: with it, detect_anomalies marks
	// each event an alarm the machine logged confirms (predict.Confirming)
	// and names the assets whose alarms it reads.
	Alarms AlarmLog
	// CacheClock measures the TTL (default time.Now, also when Now is a
	// fixed clock).
	CacheClock func() time.Time
}

// Predictive returns the tools built on the series store, the predict
// package and the model registry: list_series, detect_anomalies,
// explain_anomaly, forecast_series and compare_to_plan. now is the clock
// ("last 24 hours" is relative to it); reg may be nil, in which case
// results do not name registry versions or drift. Detections and forecasts
// are cached with the defaults of PredictiveOptions.
func Predictive(store *series.Store, reg *modelreg.Registry, now func() time.Time) []Tool {
	return PredictiveWith(store, reg, PredictiveOptions{Now: now})
}

// PredictiveWith is Predictive with options. The cache reuses the anomaly
// detection of an asset or series, and the fitted forecast of a series,
// while the points the computation read are unchanged: its key holds the
// series, the options and the first and last timestamps of each series
// inside the window read (a cheap index probe), so a new reading, or the
// window sliding past an old one, computes afresh; the TTL bounds reuse
// when points inside the window are rewritten. Everything that depends on
// the clock itself (window stamps, charts, plan sums) is computed on every
// call, so a cached answer is the answer a fresh computation would give.
func PredictiveWith(store *series.Store, reg *modelreg.Registry, o PredictiveOptions) []Tool {
	return newPredictive(store, reg, o).tools()
}

func newPredictive(store *series.Store, reg *modelreg.Registry, o PredictiveOptions) *predictive {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	return &predictive{store: store, reg: reg, now: o.Now, cache: newMemo(o.CacheSize, o.CacheTTL, o.CacheClock), alarms: o.Alarms}
}

func (p *predictive) tools() []Tool {
	return []Tool{
		New(ListSeries, listSeriesDesc, listSeriesSchema, p.listSeries),
		New(DetectAnomalies, detectDesc, detectSchema, p.detectAnomalies),
		New(ExplainAnomaly, explainDesc, explainSchema, p.explainAnomaly),
		New(ForecastSeries, forecastDesc, forecastSchema, p.forecastSeries),
		New(CompareToPlan, planDesc, planSchema, p.compareToPlan),
	}
}

// pointsKey identifies the points a computation reads from the series ids
// in [from, to): the first and last timestamp of each inside the window.
// ok is false when the probe failed (the caller then computes uncached).
func (p *predictive) pointsKey(ctx context.Context, ids []int64, from, to time.Time) (key string, ok bool) {
	if p.cache == nil || len(ids) == 0 {
		return "", false
	}
	b, err := p.store.WindowBounds(ctx, ids, from, to)
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	for _, id := range ids {
		e := b[id]
		sb.WriteString(strconv.FormatInt(id, 10))
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatInt(e.First.UnixNano(), 36))
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatInt(e.Last.UnixNano(), 36))
		sb.WriteByte(';')
	}
	return sb.String(), true
}

// userErr turns the typed errors of the store and of predict into a
// readable tool result; other errors are infrastructure failures and are
// returned as Go errors.
func userErr(err error) (Result, error) {
	var nf *series.NotFoundError
	var ew *series.EmptyWindowError
	var he *predict.HorizonError
	switch {
	case errors.As(err, &nf):
		msg := fmt.Sprintf("There is no %s called %q.", nf.What, nf.Name)
		if len(nf.Suggestions) > 0 {
			msg += " Did you mean " + strings.Join(nf.Suggestions, ", ") + "?"
		} else {
			msg += " Call list_series to see the available names."
		}
		return Result{UserError: msg, Summary: "unknown " + nf.What + " " + nf.Name}, nil
	case errors.As(err, &ew):
		msg := fmt.Sprintf("%s has no data between %s and %s.", ew.Name, stamp(ew.From), stamp(ew.To))
		data := map[string]any{"no_data": []string{ew.Name}}
		if !ew.First.IsZero() {
			msg += fmt.Sprintf(" Its data runs from %s to %s; ask for a window inside that.", stamp(ew.First), stamp(ew.Last))
			data["first"], data["last"] = stamp(ew.First), stamp(ew.Last)
		} else {
			msg += " It has no data at all."
		}
		return Result{UserError: msg, Summary: "no data for " + ew.Name, Data: data}, nil
	case errors.As(err, &he):
		return Result{UserError: fmt.Sprintf("A horizon of %d steps is too long for this history: at most %d steps can be forecast (half the history). Ask for a shorter horizon.", he.Horizon, he.Max), Summary: "horizon too long"}, nil
	case errors.Is(err, predict.ErrTooShort):
		return Result{UserError: "The window has too few readings to analyse; widen it (e.g. hours: 72).", Summary: "too few points"}, nil
	}
	return Result{}, err
}

// Formatting shared with predict's records, so a number reads the same in
// every result.
var (
	stamp = predict.Stamp
	sig   = predict.Sig
	num   = predict.Num
)

// windowArgs are the time-window arguments shared by the tools.
type windowArgs struct {
	Since string  `json:"since,omitempty"`
	Until string  `json:"until,omitempty"`
	Hours float64 `json:"hours,omitempty"`
}

var windowProps = map[string]any{
	"since": map[string]any{"type": "string", "description": "Start of the window: an ISO time (2026-03-02T06:00Z, 2026-03-02 06:00, 2026-03-02, 2026-03) or a time ago (36h, 2d, 90m, 1w). Any date in the past works: long windows are read as hourly or daily means. Default: hours before until."},
	"until": map[string]any{"type": "string", "description": "End of the window (exclusive): an ISO time or a time ago; default now. For a whole past day give since 2015-03-18 and until 2015-03-19."},
	"hours": map[string]any{"type": "number", "description": "Length of the window in hours when since is not given (default 24)."},
}

// parseWhen reads an instant: "now", ISO forms, "15:04" (today), or a
// duration ago ("36h", "2d", "1w", "90m", optionally "-36h" or "36h ago").
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	iso := strings.ToUpper(s)
	s = strings.ToLower(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "ago"))
	if s == "" || s == "now" {
		return now, nil
	}
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006-01"} {
		if t, err := time.Parse(l, iso); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse("15:04", s); err == nil {
		d := now.UTC().Truncate(24 * time.Hour)
		at := d.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
		if at.After(now) {
			at = at.Add(-24 * time.Hour)
		}
		return at, nil
	}
	rel := strings.TrimPrefix(s, "-")
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(rel) >= 2 {
		if u, ok := unit[rel[len(rel)-1]]; ok {
			if f, err := strconv.ParseFloat(rel[:len(rel)-1], 64); err == nil && f >= 0 {
				return now.Add(-time.Duration(f * float64(u))), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("cannot read the time %q; use an ISO time like 2026-03-02T06:00Z, a date like 2026-03-02 or a time ago like 36h or 2d", s)
}

// window resolves the window arguments against the clock; def is the
// length when neither since nor hours is given.
func (p *predictive) window(a windowArgs, def time.Duration) (from, to time.Time, msg string) {
	now := p.now().UTC()
	to, err := parseWhen(a.Until, now)
	if err != nil {
		return from, to, err.Error()
	}
	switch {
	case a.Since != "":
		if from, err = parseWhen(a.Since, now); err != nil {
			return from, to, err.Error()
		}
	case a.Hours < 0:
		return from, to, fmt.Sprintf("hours must be positive, not %v", a.Hours)
	case a.Hours > 0:
		from = to.Add(-time.Duration(a.Hours * float64(time.Hour)))
	default:
		from = to.Add(-def)
	}
	if !from.Before(to) {
		return from, to, fmt.Sprintf("the window is empty: since (%s) must be before until (%s)", stamp(from), stamp(to))
	}
	// No limit on the length: a long window is read at a coarser step
	// (planRead), so a year costs what a month does.
	return from, to, ""
}

// --- list_series -----------------------------------------------------------

type listSeriesArgs struct {
	Asset  string `json:"asset,omitempty"`
	Line   string `json:"line,omitempty"`
	Sensor string `json:"sensor,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Text   string `json:"text,omitempty"`
	Offset int    `json:"offset,omitempty"`
}

const listSeriesDesc = "List the plant's time series (sensor readings per asset, production output and plan per line) with unit, interval and latest value. Use it to find the exact series or asset names before calling the other tools."

var listSeriesSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"asset":  map[string]any{"type": "string", "description": "Only this asset, e.g. press-3."},
		"line":   map[string]any{"type": "string", "description": "Only this line, e.g. line-1."},
		"sensor": map[string]any{"type": "string", "description": "Only this sensor kind, e.g. vibration, temperature, pressure, motor_current, speed, output, plan."},
		"kind":   map[string]any{"type": "string", "enum": []string{"sensor", "production", "plan"}},
		"text":   map[string]any{"type": "string", "description": "Free text matched against names, assets, sensors and units."},
		"offset": map[string]any{"type": "integer", "minimum": 0, "description": "Skip this many series (a long catalog comes in pages of 50; the result's total says how many there are)."},
	},
	"additionalProperties": false,
}

type seriesItem struct {
	Name       string  `json:"name"`
	Unit       string  `json:"unit,omitempty"`
	Asset      string  `json:"asset,omitempty"`
	Line       string  `json:"line,omitempty"`
	Sensor     string  `json:"sensor,omitempty"`
	Kind       string  `json:"kind"`
	Interval   string  `json:"interval,omitempty"`
	Latest     float64 `json:"latest"`
	LatestTime string  `json:"latest_at,omitempty"`
}

func (p *predictive) listSeries(ctx context.Context, a listSeriesArgs) (Result, error) {
	sc := ScopeFrom(ctx)
	f := series.Filter{Asset: a.Asset, Line: a.Line, Sensor: a.Sensor, Kind: a.Kind, Text: a.Text}
	if f.Asset == "" && f.Line == "" {
		f.Asset, f.Line = sc.Asset, sc.Line
	}
	if f.Asset != "" {
		asset, err := p.store.ResolveAsset(ctx, f.Asset)
		if err != nil {
			return userErr(err)
		}
		f.Asset = asset
	}
	ss, err := p.store.List(ctx, f)
	if err != nil {
		return Result{}, fmt.Errorf("tools: list_series: %w", err)
	}
	if len(ss) == 0 {
		return Result{UserError: "No series match those filters. Call list_series with no arguments to see everything.", Summary: "no matching series"}, nil
	}
	if a.Offset < 0 || a.Offset >= len(ss) {
		return Result{UserError: fmt.Sprintf("offset %d is past the %d matching series", a.Offset, len(ss)), Summary: "offset past the end"}, nil
	}
	shown := ss[a.Offset:]
	if len(shown) > maxListed {
		shown = shown[:maxListed]
	}
	ids := make([]int64, len(shown))
	for i, s := range shown {
		ids[i] = s.ID
	}
	latest, err := p.store.Latest(ctx, ids)
	if err != nil {
		return Result{}, fmt.Errorf("tools: list_series: %w", err)
	}
	items := make([]seriesItem, len(shown))
	assets := map[string]bool{}
	for i, s := range shown {
		it := seriesItem{Name: s.Name, Unit: s.Unit, Asset: s.Asset, Line: s.Line, Sensor: s.Sensor, Kind: s.Kind}
		if s.Interval > 0 {
			it.Interval = s.Interval.String()
		}
		if lp, ok := latest[s.ID]; ok {
			it.Latest, it.LatestTime = sig(lp.Value), stamp(lp.TS)
		}
		if s.Asset != "" {
			assets[s.Asset] = true
		}
		items[i] = it
	}
	data := map[string]any{"series": items, "total": len(ss)}
	sum := fmt.Sprintf("%d series", len(ss))
	if len(assets) > 0 {
		sum += fmt.Sprintf(" on %d asset(s)", len(assets))
	}
	switch {
	case a.Offset > 0:
		data["offset"] = a.Offset
		data["note"] = fmt.Sprintf("showing %d–%d of %d", a.Offset+1, a.Offset+len(shown), len(ss))
		if end := a.Offset + len(shown); end < len(ss) {
			data["note"] = data["note"].(string) + fmt.Sprintf("; call again with offset %d for the next page", end)
		}
	case len(ss) > len(shown):
		data["note"] = fmt.Sprintf("showing the first %d of %d; filter by asset, line or sensor, or call again with offset %d, to see the rest", len(shown), len(ss), len(shown))
	}
	return Result{Data: data, Summary: sum}, nil
}

// --- shared helpers --------------------------------------------------------

// indexAt returns the first index of times at or after t (len when none).
func indexAt(times []time.Time, t time.Time) int {
	return sort.Search(len(times), func(i int) bool { return !times[i].Before(t) })
}

// chartLine thins a series to at most maxChartPoints (bucket means, NaN
// buckets dropped) for drawing.
func chartLine(name, style string, times []time.Time, values []float64) chart.Line {
	l := chart.Line{Name: name, Style: style}
	k := max(1, (len(values)+maxChartPoints-1)/maxChartPoints)
	for i := 0; i < len(values); i += k {
		j := min(len(values), i+k)
		m := predict.NaNMean(values[i:j])
		if math.IsNaN(m) {
			continue
		}
		l.Times = append(l.Times, times[i].Unix())
		l.Values = append(l.Values, sig(m))
	}
	return l
}

func hoursText(d time.Duration) string {
	h := d.Hours()
	switch {
	case h < 1:
		return fmt.Sprintf("%.0f min", d.Minutes())
	case h < 48:
		return fmt.Sprintf("%s h", num(h))
	}
	return fmt.Sprintf("%s days", num(h/24))
}
