package planner

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// --- Forecasts -------------------------------------------------------------

// forecastData is the part of a forecast_series result the planner reads.
type forecastData struct {
	Series  string   `json:"series"`
	Unit    string   `json:"unit"`
	Model   string   `json:"model"`
	MASE    float64  `json:"mase"`
	Total   *float64 `json:"total"`
	TotalLo float64  `json:"total_lo80"`
	TotalHi float64  `json:"total_hi80"`
	Cutoff  string   `json:"cutoff"`
	// AsOf is set when the history ends before now (data that stopped in
	// the past, or an until argument): the forecast runs from it.
	AsOf   string `json:"as_of"`
	Points []struct {
		T    string  `json:"t"`
		Mean float64 `json:"mean"`
		Lo80 float64 `json:"lo80"`
		Hi80 float64 `json:"hi80"`
	} `json:"points"`
}

// planData is the part of a compare_to_plan result the planner reads.
type planData struct {
	Output string    `json:"output"`
	Unit   string    `json:"unit"`
	Past   *planSpan `json:"past"`
	Ahead  *planSpan `json:"ahead"`
	Window *planWin  `json:"window"`
}

// planWin is a period that ends ahead against its whole plan: made so
// far plus the forecast of the rest.
type planWin struct {
	Plan      float64 `json:"plan"`
	Compared  float64 `json:"plan_compared"`
	Made      float64 `json:"made"`
	MadeHours int     `json:"made_hours"`
	PlanSoFar float64 `json:"plan_so_far"`
	Forecast  float64 `json:"forecast"`
	FCHours   int     `json:"forecast_hours"`
	Lo        float64 `json:"forecast_lo80"`
	Hi        float64 `json:"forecast_hi80"`
	Projected float64 `json:"projected"`
	ProjLo    float64 `json:"projected_lo80"`
	ProjHi    float64 `json:"projected_hi80"`
	Pct       float64 `json:"attainment_pct"`
	Shortfall float64 `json:"shortfall"`
	AtRisk    int     `json:"hours_at_risk"`
	GapHours  int     `json:"gap_hours"`
	Model     string  `json:"model"`
	MASE      float64 `json:"mase"`
	Cutoff    string  `json:"cutoff"`
	FeedNote  string  `json:"feed_note"`
}

type planSpan struct {
	Hours     int     `json:"hours"`
	Actual    float64 `json:"actual"`
	Forecast  float64 `json:"forecast"`
	Lo        float64 `json:"forecast_lo80"`
	Hi        float64 `json:"forecast_hi80"`
	Plan      float64 `json:"plan"`
	Shortfall float64 `json:"shortfall"`
	Pct       float64 `json:"attainment_pct"`
	AtRisk    int     `json:"hours_at_risk"`
	Model     string  `json:"model"`
	MASE      float64 `json:"mase"`
}

func decode[T any](data any) (T, bool) {
	var v T
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &v) != nil {
		return v, false
	}
	return v, true
}

// totalUnit turns a rate unit into the unit of its sum ("parts/h" → "parts").
func totalUnit(unit string) string {
	if u, ok := strings.CutSuffix(unit, "/h"); ok {
		return " " + u
	}
	return suffix(unit)
}

// unitIn writes a unit in the answer's language where the catalogue has
// it (" parts" → "개").
func (r *run) unitIn(u string) string {
	k := "unit." + strings.TrimSpace(u)
	if n := message(r.lang, k); n != k && r.ko() {
		return n
	}
	return u
}

// outputLines are the lines the question is about, or every line with an output series.
func (r *run) outputLines() []string {
	lines := linesOf(r.q, r.p)
	if len(lines) == 0 {
		for _, l := range r.p.LineNames() {
			if r.p.OutputSeries(l) != "" {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

// forecast answers what will happen: each line's output (every line and
// their total when none is named), against plan when asked, over the
// horizon in plant time; or a sensor's forecast.
func (r *run) forecast() {
	q := r.q
	if series := r.sensorSeries(); len(series) > 0 {
		r.forecastSensor(series)
		return
	}
	lines := r.outputLines()
	if len(lines) == 0 {
		// A plant without output series (a fleet of machines): no output
		// to forecast or to set against a plan, said.
		example := "machine-1"
		for _, se := range r.p.Series {
			if se.Asset != "" && se.Sensor != "" && se.Sensor != "output" {
				example = se.Asset + " " + se.Sensor
				break
			}
		}
		r.a.Situation = joinLines(append([]string{r.msg("fc.no_output", example)}, r.failureLines()...))
		r.a.Confidence = "low"
		return
	}
	hz := q.Horizon
	var out []string
	worst := 0.0
	var accuracy []string // each line's backtest error, for "how accurate are your forecasts?"
	gapped := false       // a line's data stopped hours before now
	if q.Plan {
		// The whole period's plan: "today" began at 00:00, "tomorrow"
		// begins ahead.
		period := hz
		if !hz.Began.IsZero() {
			period.From = hz.Began
			if l, ok := periodLabels[hz.Label]; ok {
				period.Label, period.LabelKO = l[0], l[1]
			}
		}
		var calls []agent.ToolCall
		for _, l := range lines {
			calls = append(calls, agent.ToolCall{Name: tools.CompareToPlan, Args: map[string]any{"line": l, "since": stampUTC(period.From), "until": stampUTC(period.To)}})
		}
		out = append(out, r.msg("plan.head_window", r.span(period)))
		for _, res := range r.call(calls...) {
			d, ok := decode[planData](res.Result.Data)
			if !res.OK || !ok || d.Window == nil {
				continue
			}
			out = append(out, r.planWindow(d))
			worst = math.Max(worst, d.Window.MASE)
			if w := d.Window; w.FCHours > 0 && w.Compared > 0 && w.ProjLo < w.Compared && w.ProjHi >= w.Compared && wholeDay(r.p, period) {
				// Too close to call by the forecast's range: how often the
				// line made a whole day's plan lately says more.
				if t, made, n := r.trackRecord(strings.TrimSuffix(d.Output, ".output"), period.From); t != "" {
					if v := recordVerdict(made, n); v != "" {
						// The record settles what the range cannot.
						out[len(out)-1] = strings.Replace(out[len(out)-1], r.msg("plan.verdict_open"), r.msg("plan.verdict_record_"+v), 1)
					}
					out = append(out, t)
				}
			}
		}
	} else {
		var res []agent.ToolResult
		var note string
		res, hz, note = r.callCapped(hz, func(hz Span) []agent.ToolCall {
			var calls []agent.ToolCall
			for _, l := range lines {
				s := r.p.OutputSeries(l)
				calls = append(calls, agent.ToolCall{Name: tools.ForecastSeries, Args: map[string]any{"series": s, "horizon_hours": r.hoursTo(hz.To)}})
				if hz.From.After(r.now.Add(30 * time.Minute)) {
					calls = append(calls, agent.ToolCall{Name: tools.ForecastSeries, Args: map[string]any{"series": s, "horizon_hours": r.hoursTo(hz.From)}})
				}
			}
			return calls
		})
		sub := hz.From.After(r.now.Add(30 * time.Minute))
		if note != "" {
			out = append(out, note)
		}
		var sum, sumLo, sumHi float64
		var parts []string
		unit := ""
		n := 0
		for i := 0; i < len(res); i++ {
			full, ok := decode[forecastData](res[i].Result.Data)
			var before forecastData
			if sub && i+1 < len(res) {
				before, _ = decode[forecastData](res[i+1].Result.Data)
				i++
			}
			if !res[i].OK || !ok || full.Total == nil {
				continue
			}
			line := strings.TrimSuffix(full.Series, ".output")
			total, lo, hi := *full.Total, full.TotalLo, full.TotalHi
			ts, ls, hs := val(total), val(lo), val(hi)
			if sub && before.Total != nil {
				total, lo, hi = total-*before.Total, lo-before.TotalLo, hi-before.TotalHi
				from := "forecast_series " + full.Series + " to " + stampUTC(hz.To) + " minus to " + stampUTC(hz.From)
				ts = r.derive(line+" forecast for "+hz.Label, total, from+" (totals)")
				ls = r.derive(line+" lower 80% for "+hz.Label, lo, from+" (lower 80% sums)")
				hs = r.derive(line+" upper 80% for "+hz.Label, hi, from+" (upper 80% sums)")
			}
			out = append(out, sentence(r.msg("fc.line", line, r.span(hz), ts, r.unitIn(totalUnit(full.Unit)), ls, hs)+r.modelNote(full.Model, full.MASE)+r.msg("fc.cutoff", r.at(parseStamp(full.Cutoff)))))
			if pace := r.recentPace(line); pace != "" {
				out = append(out, pace)
			}
			if full.MASE > 0 {
				accuracy = append(accuracy, r.msg("fc.accuracy_line", line, val(full.MASE), r.derive(line+" backtest error, % of seasonal naive's", math.Round(100*full.MASE), "100 × backtest MASE")))
			}
			if cut := parseStamp(full.Cutoff); !cut.IsZero() && r.now.Sub(cut) > 2*time.Hour {
				gapped = true // forecast through hours without data
			}
			sum, sumLo, sumHi = sum+total, sumLo+lo, sumHi+hi
			parts = append(parts, ts)
			unit = full.Unit
			n++
			worst = math.Max(worst, full.MASE)
		}
		if n > 1 {
			from := "sum of " + strings.Join(parts, " + ")
			out = append(out, r.msg("fc.total", r.span(hz), r.derive("plant total", sum, from), r.unitIn(totalUnit(unit)),
				r.derive("plant total lower 80%", sumLo, "sum of the lines' lower 80% totals"), r.derive("plant total upper 80%", sumHi, "sum of the lines' upper 80% totals")))
		}
	}
	out = append(out, r.failureLines()...)
	if accuracyAskRe.MatchString(r.q.Text) && len(accuracy) > 0 {
		// "how accurate are your forecasts?": the backtest first, in words.
		out = append(append([]string{r.msg("fc.accuracy_head")}, accuracy...), out...)
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = maseConfidence(worst)
	if len(out) == 0 || worst == 0 {
		r.a.Confidence = "low"
	}
	if gapped && r.a.Confidence == "high" {
		r.a.Confidence = "medium" // its first hours are forecast, not seen
	}
	r.a.Escalate = r.msg("escalate.production")
}

// maseConfidence follows the documented rule for forecasts: the backtest
// error against the seasonal-naive baseline.
func maseConfidence(mase float64) string {
	switch {
	case mase > 0 && mase < 0.8:
		return "high"
	case mase > 0 && mase <= 1.2:
		return "medium"
	}
	return "low"
}

// sensorSeries are the sensor series a forecast is about ("press-3 temperature").
func (r *run) sensorSeries() []string {
	var out []string
	for _, s := range r.q.Series {
		if se, ok := r.p.SeriesNamed(s); ok && se.Kind == plant.KindSensor {
			out = append(out, s)
		}
	}
	for _, a := range r.q.Assets {
		for _, s := range r.q.Sensors {
			if _, ok := r.p.SeriesNamed(a + "." + s); ok {
				out = appendUnique(out, a+"."+s)
			}
		}
	}
	return out
}

var limitRe = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(mm/s|bar|°c|a\b|rpm)`)

// alarmWordRe names an alarm or a limit ("the alarm limit", "알람").
var alarmWordRe = regexp.MustCompile(`(?i)\b(?:alarms?|alerts?|limits?|trips?|thresholds?)\b|알람|경보|알림|한계|기준값`)

// forecastSensor forecasts sensor series, and when the question names a
// level ("when will it reach 7 mm/s?"), the first forecast time at it.
func (r *run) forecastSensor(series []string) {
	q := r.q
	hz := q.Horizon
	if !hz.Named {
		hz = Span{From: r.now, To: r.now.Add(72 * time.Hour), Label: "the next 72 hours", LabelKO: "앞으로 72시간"}
	}
	var out []string
	worst := 0.0
	level := 0.0
	if m := limitRe.FindStringSubmatch(q.Text); m != nil {
		level, _ = strconv.ParseFloat(m[1], 64)
	} else if th, ok := agent.ThresholdIn(q.Text); ok && th.Future && len(series) == 1 {
		level, _ = strconv.ParseFloat(th.Value, 64) // "when will it hit 7?": the sensor's own unit
	}
	limitName, limitDoc := "", ""
	if level == 0 && len(series) == 1 && alarmWordRe.MatchString(q.Text) {
		// "will it hit the alarm limit next week?", "알람 뜰 가능성": the
		// sensor's first documented limit above.
		if se, ok := r.p.SeriesNamed(series[0]); ok {
			var rules []rule
			for _, md := range r.modeDocs(se.Asset, []string{se.Sensor}) {
				rules = append(rules, r.rulesFor(se.Asset, md.d)...)
			}
			if len(rules) == 0 {
				rules = r.rulesFor(se.Asset, docs{})
			}
			var best *rule
			for i, ru := range rules {
				if ru.Sensor != se.Sensor || !r.applies(ru, se.Asset) || ru.Limit == 0 || strings.HasPrefix(ru.Condition, "below") {
					continue
				}
				if best == nil || levelRank[ru.Level] < levelRank[best.Level] {
					best = &rules[i] // the mildest: the first alarm it would raise
				}
			}
			if best != nil {
				level, limitName, limitDoc = best.Limit, r.levelName(best.Level), best.Doc
				if limitDoc == "" {
					limitDoc = r.msg("fc.limit_plant")
				}
			}
		}
	}
	var trendReach []string
	if level > 0 && len(series) == 1 {
		trendReach = r.rateReach(series[0], level)
	}
	results, hz, note := r.callCapped(hz, func(hz Span) []agent.ToolCall {
		var calls []agent.ToolCall
		for _, s := range series {
			calls = append(calls, agent.ToolCall{Name: tools.ForecastSeries, Args: map[string]any{"series": s, "horizon_hours": r.hoursTo(hz.To)}})
		}
		return calls
	})
	if note != "" {
		out = append(out, note)
	}
	for _, res := range results {
		d, ok := decode[forecastData](res.Result.Data)
		if !res.OK || !ok || len(d.Points) == 0 {
			continue
		}
		last := d.Points[len(d.Points)-1]
		if hz.Point || hz.Moment {
			// A sensor's value "by 18:00" is its value then.
			out = append(out, r.forecastAt(d, hz))
			worst = math.Max(worst, d.MASE)
			continue
		}
		span := r.span(hz)
		if d.AsOf != "" {
			// Data that ends in the past is forecast from its own end,
			// and the answer says so rather than name a window from now.
			span = r.msg("fc.from_data_end", r.at(parseStamp(d.Cutoff)), hoursText(hz.To.Sub(hz.From), r.ko()))
		}
		out = append(out, sentence(r.msg("fc.sensor", d.Series, span, val(last.Mean), suffix(d.Unit), r.at(parseStamp(last.T)), val(last.Lo80), val(last.Hi80))+r.modelNote(d.Model, d.MASE)))
		if st := r.staleForecast(d); st != "" {
			out = append(out, st)
		}
		if level > 0 {
			reached := ""
			for _, pt := range d.Points {
				if pt.Hi80 >= level {
					reached = r.at(parseStamp(pt.T))
					break
				}
			}
			if reached != "" {
				out = append(out, r.msg("fc.reach", d.Series, val(level), suffix(d.Unit), reached))
				if limitName != "" {
					out[len(out)-1] += " " + r.msg("fc.limit_is", val(level)+suffix(d.Unit), limitName, limitDoc)
				}
			} else {
				out = append(out, r.msg("fc.noreach", d.Series, val(level), suffix(d.Unit), r.span(hz)))
				if limitName != "" {
					out[len(out)-1] += " " + r.msg("fc.limit_is", val(level)+suffix(d.Unit), limitName, limitDoc)
				}
				if len(trendReach) > 0 {
					// The models follow the daily and weekly pattern, not a
					// wear trend building up: said, so the two do not clash.
					out = append(out, r.msg("fc.vs_trend"))
				}
			}
		}
		worst = math.Max(worst, d.MASE)
	}
	out = append(trendReach, append(out, r.failureLines()...)...)
	r.a.Situation = joinLines(out)
	r.a.Confidence = maseConfidence(worst)
	r.a.Escalate = r.msg("escalate.default")
}

// rateReach says when a sensor with an ongoing drift towards level would
// reach it at the rate it has moved since the drift began (from its last
// reading); nil when there is no such drift.
func (r *run) rateReach(series string, level float64) []string {
	se, ok := r.p.SeriesNamed(series)
	if !ok || se.Asset == "" {
		return nil
	}
	r.detect(Span{From: r.now.Add(-24 * time.Hour), To: r.now, Label: "the last 24 hours", LabelKO: "지난 24시간"}, []string{se.Asset})
	for _, e := range r.book.of(se.Asset) {
		if e.Sensor != se.Sensor || !e.Ongoing || !e.Significant() {
			continue
		}
		last := r.lastRead(e)
		hrs := last.Sub(e.Start).Hours()
		if hrs < 1 {
			return nil
		}
		rate := (e.Value - e.Usual) / hrs
		if rate == 0 || math.Signbit(rate) != math.Signbit(level-e.Value) {
			if (level-e.Value)*float64(e.Dir()) <= 0 {
				// Already beyond it.
				return []string{r.msg("rate.beyond", series, val(e.Value), suffix(e.Unit), r.at(last), val(level)+suffix(e.Unit))}
			}
			return nil
		}
		h := (level - e.Value) / rate
		from := "(" + val(level) + " − " + val(e.Value) + ") ÷ ((" + val(e.Value) + " − " + val(e.Usual) + ") ÷ hours from " + stampUTC(e.Start) + " to " + stampUTC(last) + ")"
		hs := r.derive("hours to the level at the drift's rate", math.Round(h), from)
		at := last.Add(time.Duration(math.Round(h)) * time.Hour)
		r.note("time the level is reached at the drift's rate, plant time", r.at(at), "last reading + hours to the level")
		return []string{r.msg("rate.reach", series, r.at(e.Start), val(e.Usual), val(e.Value), suffix(e.Unit), val(level)+suffix(e.Unit), hs, r.at(last), r.at(at))}
	}
	return nil
}

// forecastAt says a forecast at the moment asked ("at 14:00 tomorrow"):
// the point nearest it, with its 80 % interval, and how far past the data's
// end it lies when the data stopped.
func (r *run) forecastAt(d forecastData, hz Span) string {
	best := d.Points[0]
	for _, pt := range d.Points {
		if parseStamp(pt.T).Sub(hz.To).Abs() < parseStamp(best.T).Sub(hz.To).Abs() {
			best = pt
		}
	}
	label := strings.TrimPrefix(hz.Label, "until ")
	if r.ko() {
		label = strings.TrimSuffix(hz.LabelKO, "까지")
	}
	s := sentence(r.msg("fc.sensor_at", d.Series, label, r.at(parseStamp(best.T)), val(best.Mean), suffix(d.Unit), val(best.Lo80), val(best.Hi80)) + r.modelNote(d.Model, d.MASE))
	if cut := parseStamp(d.Cutoff); d.AsOf != "" || r.now.Sub(cut) > time.Hour {
		gap := hoursText(parseStamp(best.T).Sub(cut), r.ko())
		r.note("hours from the data's end to the moment asked", gap, d.Cutoff+" to "+best.T)
		s += " " + r.msg("fc.at_stale", r.at(cut), gap)
	}
	return s
}

// staleForecast says a forecast runs on from data that stopped hours ago
// (data older than its history window is said by fc.from_data_end); empty
// when the data is current.
func (r *run) staleForecast(d forecastData) string {
	cut := parseStamp(d.Cutoff)
	if d.AsOf != "" || cut.IsZero() || r.now.Sub(cut) <= time.Hour {
		return ""
	}
	return r.msg("fc.stale", r.at(cut), r.ago(r.now.Sub(cut)))
}

// callCapped runs the forecasts build makes for horizon hz; while one is
// refused for a horizon further than its history supports, it asks again
// at the longest the history allows (up to three times: the tool's own cap,
// then the history's). It returns the results, the horizon they cover and
// the sentence that says it was shortened ("" when it was not).
func (r *run) callCapped(hz Span, build func(Span) []agent.ToolCall) ([]agent.ToolResult, Span, string) {
	res := r.call(build(hz)...)
	asked, capped := hz, 0.0
	for try := 0; try < 3; try++ {
		limit := wholeDays(r.horizonLimit(res))
		if limit <= 0 {
			break
		}
		capped, hz = limit, r.nextHours(limit)
		res = r.call(build(hz)...)
	}
	if capped == 0 {
		return res, hz, ""
	}
	return res, hz, r.msg("fc.capped", r.span(asked), hoursText(time.Duration(capped)*time.Hour, r.ko()))
}

// wholeDays rounds a horizon in hours down to whole days from two days on.
func wholeDays(h float64) float64 {
	if h >= 48 {
		return math.Floor(h/24) * 24
	}
	return math.Floor(h)
}

// nextHours is the horizon of the next h hours.
func (r *run) nextHours(h float64) Span {
	d := time.Duration(h) * time.Hour
	s := ahead(r.now, d, "the next "+hoursText(d, false), "앞으로 "+hoursText(d, true))
	s.Named = true
	return s
}

// periodLabels name the whole period of a horizon said by its end ("by
// the end of the shift" is this shift's plan).
var periodLabels = map[string][2]string{
	"the end of this shift": {"this shift", "이번 교대"},
	"the end of today":      {"today", "오늘"},
	"the rest of this week": {"this week", "이번 주"},
}

// planWindow says one line's period against its plan: what it made so
// far, the forecast of the rest, and the projected total against the plan.
func (r *run) planWindow(d planData) string {
	w := d.Window
	line := strings.TrimSuffix(d.Output, ".output")
	unit := r.unitIn(totalUnit(d.Unit))
	var parts []string
	if w.MadeHours > 0 {
		parts = append(parts, r.msg("plan.made", val(w.Made), unit, w.MadeHours, val(w.PlanSoFar)))
	}
	if w.FCHours > 0 {
		key := "plan.rest"
		if w.MadeHours == 0 {
			key = "plan.fc_all"
		}
		parts = append(parts, r.msg(key, val(w.Forecast), w.FCHours, val(w.Lo), val(w.Hi)))
	}
	s := line + ": " + strings.Join(parts, "; ")
	if w.MadeHours > 0 && w.FCHours > 0 {
		s += r.msg("plan.projected", val(w.Projected), val(w.Compared), val(w.Pct), val(w.ProjLo), val(w.ProjHi))
	} else {
		s += r.msg("plan.against", val(w.Compared), val(w.Pct))
	}
	if w.Shortfall > 0 {
		s += r.msg("plan.short", val(w.Shortfall), unit)
	}
	if w.AtRisk > 0 {
		s += r.msg("plan.at_risk", w.AtRisk)
	}
	if w.FCHours > 0 {
		s += r.modelNote(w.Model, w.MASE)
	}
	s = sentence(s)
	if w.FCHours > 0 && w.Compared > 0 {
		switch {
		case w.ProjHi < w.Compared:
			s += " " + r.msg("plan.verdict_miss")
		case w.ProjLo >= w.Compared:
			s += " " + r.msg("plan.verdict_make")
		default:
			s += " " + r.msg("plan.verdict_open")
		}
	}
	if w.GapHours > 0 {
		s += " " + r.msg("plan.gap", w.GapHours)
	}
	if w.FeedNote != "" && w.Cutoff != "" {
		s += " " + r.msg("plan.feed_stopped", d.Output, r.at(parseStamp(w.Cutoff)))
	}
	return s
}

// modelNote names a forecast's model and its backtest error; a horizon too
// long for any backtest origin in the history has none, and says so.
func (r *run) modelNote(model string, mase float64) string {
	if mase <= 0 {
		return r.msg("fc.model_nobt", model)
	}
	return r.msg("fc.model", model, val(mase))
}

// dropFailure takes a tool's refusal back out of the answer's failures
// when the caller has handled it.
func (r *run) dropFailure(msg string) {
	for i, f := range r.failures {
		if f == msg {
			r.failures = append(r.failures[:i], r.failures[i+1:]...)
			return
		}
	}
}

// horizonLimit returns the longest horizon (hours) the forecasts refused
// for a horizon too long allow (the smallest of them), and drops those
// refusals from the answer's failures: the caller asks again at it. 0 when
// none was refused for that.
func (r *run) horizonLimit(res []agent.ToolResult) float64 {
	limit := 0.0
	for _, x := range res {
		if x.OK {
			continue
		}
		hl, ok := decode[tools.HorizonLimit](x.Result.Data)
		if !ok || hl.MaxHorizonHours < 1 {
			continue
		}
		if limit == 0 || hl.MaxHorizonHours < limit {
			limit = hl.MaxHorizonHours
		}
		r.dropFailure(x.Error)
	}
	return limit
}

func (r *run) failureLines() []string {
	var out []string
	for _, f := range r.failures {
		out = append(out, r.failedLine(f))
	}
	return out
}

// --- Output against plan ---------------------------------------------------

// lineOutput is one line's output against plan over a window.
type lineOutput struct {
	Line                      string
	Actual, Plan, Pct, Short  float64
	SActual, SPlan, SPct, SSh string // as written (tool values or derived)
	Unit                      string
	// Hours are the hours with output data the figures cover.
	Hours int
}

// output reads each line's output against plan over the window: one
// compare_to_plan per line over [start, end) (its end now when it has not
// ended), so a past day's figures are its own, not a difference of totals.
func (r *run) output(lines []string, w Span) []lineOutput {
	var calls []agent.ToolCall
	for _, l := range lines {
		calls = append(calls, r.planCall(l, w.From, w.To))
	}
	var out []lineOutput
	for _, res := range r.call(calls...) {
		a, ok := decode[planData](res.Result.Data)
		if !res.OK || !ok || a.Past == nil {
			continue
		}
		out = append(out, lineOutput{Line: strings.TrimSuffix(a.Output, ".output"), Actual: a.Past.Actual, Plan: a.Past.Plan, Pct: a.Past.Pct, Short: a.Past.Shortfall, Unit: a.Unit,
			SActual: val(a.Past.Actual), SPlan: val(a.Past.Plan), SPct: val(a.Past.Pct), SSh: val(math.Abs(a.Past.Shortfall)), Hours: a.Past.Hours})
	}
	return out
}

// planCall is compare_to_plan over [from, to) of line's output, no
// forecast; to at or after now reads until now.
func (r *run) planCall(line string, from, to time.Time) agent.ToolCall {
	args := map[string]any{"line": line, "since": stampUTC(from)}
	if to.Before(r.now) {
		args["until"] = stampUTC(to)
	}
	return agent.ToolCall{Name: tools.CompareToPlan, Args: args}
}

func (r *run) outputLine(lo lineOutput, w Span) string {
	unit := r.unitIn(totalUnit(lo.Unit))
	if lo.SSh == "1" && unit == " parts" {
		unit = " part" // "1 part ahead"
	}
	gap := r.msg("out.short", lo.SSh, unit)
	if lo.Short < 0 {
		gap = r.msg("out.ahead", lo.SSh, unit)
	}
	s := r.msg("out.line", lo.Line, r.span(w), lo.SActual, r.unitIn(totalUnit(lo.Unit)), lo.SPlan, lo.SPct, gap)
	// Hours of the window (up to now) the feed did not cover: said, for
	// the figures are those of the hours it did.
	slack := 1 // the hour in progress may not be in yet
	if w.To.Before(r.now.Add(-time.Hour)) {
		slack = 0 // a past window's hours are all due
	}
	if total := int(math.Round(minTime(w.To, r.now).Sub(w.From).Hours())); lo.Hours > 0 && lo.Hours < total-slack {
		s += " " + r.msg("out.partial", lo.Hours, total)
	}
	return s
}

// machineCountRe asks how much a machine made ("how many parts did press
// 3 make?", "press 3 output yesterday", "프레스 3 몇 개 만들었어?").
var machineCountRe = regexp.MustCompile(`\bhow (?:many|much)\b.{0,30}\b(?:make|made|produce\w*|output|pack\w*|run|ran)\b|\b(?:output|production|throughput)\b|몇 ?개|생산량|실적`)

// machineOutput answers how much one machine made: output is counted per
// line, so the machine's own count is not in the data; its line's output
// over the window is given instead, and what it lost to the machine is
// another question (lossRe).
func (r *run) machineOutput() bool {
	q := r.q
	if !q.Output || q.Plan || q.Metric != nil || len(q.Assets) != 1 || len(q.Lines) > 0 || lossRe.MatchString(q.Text) || !machineCountRe.MatchString(q.Text) {
		return false
	}
	for _, s := range r.p.Series {
		if s.Asset == q.Assets[0] && s.Sensor == "output" {
			return false // a machine with its own count
		}
	}
	as, ok := r.p.Asset(q.Assets[0])
	if !ok || as.Line == "" || r.p.OutputSeries(as.Line) == "" {
		return false
	}
	w := q.Window
	out := []string{r.msg("out.per_line", q.Assets[0])}
	for _, lo := range r.output([]string{as.Line}, w) {
		out = append(out, r.outputLine(lo, w))
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("escalate.plan")
	return true
}

// --- Metrics ---------------------------------------------------------------

// metric answers a number: output or plan attainment over a window, a
// reading now, or a metric the plant lacks the data for.
func (r *run) metric() {
	q := r.q
	if q.Metric != nil {
		r.missingMetric()
		return
	}
	var sensors []string
	for _, s := range q.Sensors {
		if s != "output" && r.p.HasSensor(s) {
			sensors = append(sensors, s)
		}
	}
	if len(q.Assets) > 0 {
		if len(sensors) > 0 && !q.Output {
			r.currentReading(sensors)
			return
		}
		if q.Output && len(linesOf(q, r.p)) > 0 && lossRe.MatchString(q.Text) {
			// "how much output did we lose on line 1 because of press 3?":
			// the line's output against plan, that the data cannot lay the
			// shortfall on the machine, then the machine's state.
			r.outputAnswer()
			out := r.a.Situation
			r.condition()
			r.a.Situation = joinLines([]string{out, r.msg("out.cannot_attribute", strings.Join(q.Assets, ", ")), r.a.Situation})
			return
		}
		r.condition()
		return
	}
	r.outputAnswer()
}

// accuracyAskRe asks how accurate the forecasts are.
var accuracyAskRe = regexp.MustCompile(`\bhow (?:accurate|good|reliable|trustworthy|right)\b.{0,30}\b(?:forecasts?|predictions?)\b|\bforecast(?:ing)? (?:accuracy|error)\b|\baccuracy of (?:the |your )?(?:forecasts?|predictions?)\b|예측.{0,8}(?:정확|믿을|오차)`)

// rankWordRe asks for a ranking ("rank the lines", "순위").
var rankWordRe = regexp.MustCompile(`(?i)\brank\w*|\branking\b|\bbest to worst\b|\bworst to best\b|순위|랭킹|등수|줄 ?세워`)

// lossRe asks what a machine cost in output.
var lossRe = regexp.MustCompile(`\blos[et]\b|\bloss\w*\b|\bshort\w*\b|\bbecause of\b|\bdue to\b|\bcaused by\b|\bcost us\b|때문에|손실|부족|못 ?만든`)

func (r *run) outputAnswer() {
	q := r.q
	w := q.Window
	lines := r.outputLines()
	outs := r.output(lines, w)
	var s []string
	if rankWordRe.MatchString(q.Text) && len(outs) > 1 {
		// "라인별 달성률 순위": best first, by the share of plan made.
		share := func(lo lineOutput) float64 {
			if lo.Plan > 0 {
				return lo.Actual / lo.Plan
			}
			return lo.Pct / 100
		}
		sort.SliceStable(outs, func(i, j int) bool { return share(outs[i]) > share(outs[j]) })
		s = append(s, r.msg("out.ranked"))
	}
	var sum, plan float64
	for _, lo := range outs {
		s = append(s, r.outputLine(lo, w))
		sum, plan = sum+lo.Actual, plan+lo.Plan
	}
	if len(outs) > 1 {
		pct := 0.0
		if plan > 0 {
			pct = 100 * sum / plan
		}
		unit := ""
		if len(outs) > 0 {
			unit = r.unitIn(totalUnit(outs[0].Unit))
		}
		s = append(s, r.msg("out.total", r.span(w), r.deriveCount("plant output", sum, "sum of the lines' output"), unit, r.deriveCount("plant plan", plan, "sum of the lines' plan"),
			r.derive("plant attainment", pct, "100 × output ÷ plan")))
	}
	if !w.Named {
		s = append(s, r.msg("out.window_default"))
	}
	s = append(s, r.failureLines()...)
	r.a.Situation = joinLines(s)
	r.a.Confidence = "high"
	if len(outs) == 0 {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("escalate.production")
}

// currentReading says a sensor's latest value, with the anomaly
// detector's view of it.
func (r *run) currentReading(sensors []string) {
	q := r.q
	r.detect(q.Window, q.Assets)
	if len(q.Assets) >= 2 && len(sensors) == 1 {
		if out, old, ok := r.readingsTable(q.Assets, sensors[0]); ok {
			r.a.Situation = joinLines(append(out, r.failureLines()...))
			r.a.Confidence = "high"
			if old {
				r.a.Confidence = "low"
			}
			r.a.Escalate = r.msg("escalate.default")
			return
		}
	}
	var out []string
	stale := false
	for _, a := range q.Assets {
		for _, sensor := range sensors {
			se, ok := r.p.SeriesNamed(a + "." + sensor)
			if !ok || se.LatestAt == "" || r.eventOn(a, sensor) {
				continue // an event states the reading itself: one number
			}
			line := r.msg("reading.now", a, r.sensorName(sensor), val(se.Latest), suffix(se.Unit), r.at(parseStamp(se.LatestAt)))
			if age := r.now.Sub(parseStamp(se.LatestAt)); age > r.staleAfter(a, sensor) {
				// The last reading of a feed that stopped is no value now.
				line += " " + r.msg("reading.old", r.ago(age))
				stale = true
			}
			out = append(out, line)
		}
		for _, e := range r.book.of(a) {
			out = append(out, r.eventLine(e))
		}
		if len(r.book.of(a)) == 0 && r.detected() {
			out = append(out, r.msg("quiet.one", a, r.spanIn(q.Window)))
		}
	}
	out = append(out, r.failureLines()...)
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	if stale {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("escalate.default")
}

// eventOn reports whether an ongoing event is on the asset's sensor.
func (r *run) eventOn(asset, sensor string) bool {
	for _, e := range r.book.of(asset) {
		if e.Sensor == sensor && e.Ongoing {
			return true
		}
	}
	return false
}

// missingMetric says what a metric needs that the plant lacks, and what
// Gemba answers instead.
func (r *run) missingMetric() {
	q := r.q
	m := q.Metric
	var out []string
	out = append(out, r.msg(m.Missing), r.msg(m.Instead))
	if m.InsteadOutput && len(linesOf(q, r.p)) > 0 {
		w := q.Window
		for _, lo := range r.output(linesOf(q, r.p), w) {
			out = append(out, r.msg("metric.instead_output")+" "+r.outputLine(lo, w))
		}
	}
	if m.ReadingInstead != "" {
		for _, a := range q.Assets {
			if se, ok := r.p.SeriesNamed(a + "." + m.ReadingInstead); ok && se.LatestAt != "" {
				out = append(out, r.msg("reading.now", a, r.sensorName(m.ReadingInstead), val(se.Latest), suffix(se.Unit), r.at(parseStamp(se.LatestAt))))
			}
		}
	}
	r.a.Situation = joinLines(out)
	r.a.Unknown = append(r.a.Unknown, m.Key)
	r.a.Confidence = "low"
}

// --- Comparisons -------------------------------------------------------------

// compare puts lines (output against plan) or machines (their state)
// side by side.
func (r *run) compare() {
	q := r.q
	targets := targetsOf(q, r.p)
	if len(q.Assets) > 0 && !q.Output && !q.Plan {
		r.rank(targets)
		return
	}
	w := q.Window
	if !w.Named {
		today := Span{From: r.p.Day(r.now, 0), To: r.p.Day(r.now, 1), Label: "today", LabelKO: "오늘"}
		w = sofar(today, Span{From: today.From, To: r.now, Label: "today", LabelKO: "오늘"}, false)
	}
	var s []string
	outs := r.output(r.outputLines(), w)
	if len(outs) == 0 && !q.Window.Named {
		// Output that stopped before today: its last day of data, said so,
		// rather than nothing.
		if last := r.lastOutput(r.outputLines()); !last.IsZero() && last.Before(w.From) {
			asked := w
			w = Span{From: last.Add(-24 * time.Hour), To: last.Add(time.Minute), Label: "the last day of data", LabelKO: "마지막 하루치 데이터", Named: true}
			who := strings.Join(r.outputLines(), ", ")
			s = append(s, r.msg("window.after_data", r.spanIn(asked), who, r.at(last)))
			outs = r.output(r.outputLines(), w)
		}
	}
	if len(outs) == 0 {
		s = append(s, r.msg("out.none", strings.Join(r.outputLines(), ", "), r.spanIn(w)))
	}
	// By the share of plan made, from the counts (the tool's percentage
	// is rounded: 98.470 and 98.476 both read 98.5).
	share := func(lo lineOutput) float64 {
		if lo.Plan > 0 {
			return lo.Actual / lo.Plan
		}
		return lo.Pct / 100
	}
	sort.SliceStable(outs, func(i, j int) bool { return share(outs[i]) < share(outs[j]) })
	for _, lo := range outs {
		s = append(s, r.outputLine(lo, w))
	}
	if len(outs) > 1 {
		head := r.msg("cmp.furthest", outs[0].Line, outs[0].SPct)
		if outs[0].SPct == outs[1].SPct {
			// Tied as written: the finer figures, and who is most short.
			p0 := fmt.Sprintf("%.2f", 100*share(outs[0]))
			p1 := fmt.Sprintf("%.2f", 100*share(outs[1]))
			r.note(outs[0].Line+" attainment, %", p0, "actual ÷ plan × 100")
			r.note(outs[1].Line+" attainment, %", p1, "actual ÷ plan × 100")
			head = r.msg("cmp.furthest_tie", outs[0].Line, p0, outs[1].Line, p1)
		}
		s = append([]string{head}, s...)
	}
	s = append(s, r.failureLines()...)
	r.a.Situation = joinLines(s)
	r.a.Confidence = "high"
	if len(outs) == 0 {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("escalate.production")
	if q.Intent == IntentDiagnose || len(targets) > 0 && q.Plan {
		// "why is line 1 short of plan?": its machines too, over the
		// output's window when that fell back to the last day of data.
		dw := q.Window
		if w.Named && !q.Window.Named {
			dw = w
		}
		r.detect(dw, targets)
		if why := r.planExplains(outs, w); why != "" {
			// "why was it lower?" when the plan was lower: that, not a
			// machine's small excursion, is the cause.
			r.a.Cause = why
			return
		}
		// Only what could have cost output: not a machine running faster
		// than usual; and movements that are small are said as such, never
		// as the likely cause with high confidence.
		strong := false
		var evs []Event
		for _, a := range targets {
			for _, e := range r.book.of(a) {
				if rateSensorRe.MatchString(e.Sensor) && e.Dir() > 0 {
					continue // "press-1 speed 1.5σ above usual" cannot explain a shortfall
				}
				strong = strong || math.Abs(e.Sigma) >= strongSigma
				evs = append(evs, e)
			}
		}
		// The furthest from usual first; beside one that is far off, the
		// small movements of other machines explain nothing.
		sort.SliceStable(evs, func(i, j int) bool { return math.Abs(evs[i].Sigma) > math.Abs(evs[j].Sigma) })
		for _, e := range evs {
			if strong && math.Abs(e.Sigma) < strongSigma {
				continue
			}
			r.a.Cause = strings.TrimSpace(r.a.Cause + " " + sentence(r.eventLine(e)))
		}
		if r.a.Cause != "" && !strong {
			r.a.Cause = r.msg("cmp.cause_weak") + " " + r.a.Cause
			r.a.Confidence = "medium"
		}
	}
}

// rateSensorRe names sensors whose rise means more throughput (speed,
// stroke rate, rpm, flow of product).
var rateSensorRe = regexp.MustCompile(`(?i)speed|rate|rpm|spm|stroke|throughput|output|cycles?`)

// strongSigma is how far from usual (robust σ) a machine's movement must
// be before an answer offers it as the likely cause of a shortfall: the
// detector's events start nearer, and an event of 1σ on a line's machines
// is as likely chance as cause.
const strongSigma = 3.0

// lowerAskRe asks why output was lower or higher.
var lowerAskRe = regexp.MustCompile(`(?i)\b(?:lower|less|fewer|down|drop\w*|fell|short|higher|more|up)\b|낮|적었|적은|줄|떨어|많았|높`)

// planExplains says, for "why was it lower?", whether the plan explains
// each line's output in w: against the thread's earlier period (q.Earlier)
// when the plan changed as much as the output did (attainment held within
// 2 points), or, with none, when the line made at least 97 % of its plan.
// It returns "" when the plan does not explain it (a shortfall: the
// machines are the place to look).
func (r *run) planExplains(outs []lineOutput, w Span) string {
	q := r.q
	if !lowerAskRe.MatchString(q.Text) || len(outs) == 0 {
		return ""
	}
	var before []lineOutput
	if q.Earlier.Named && !q.Earlier.From.Equal(w.From) {
		before = r.output(r.outputLines(), q.Earlier)
	}
	var out []string
	for _, lo := range outs {
		if lo.Plan <= 0 {
			return ""
		}
		var b *lineOutput
		for i := range before {
			if before[i].Line == lo.Line && before[i].Plan > 0 {
				b = &before[i]
			}
		}
		switch {
		case b != nil && lo.Plan != b.Plan && lo.Pct >= b.Pct-2 && (lo.Actual < b.Actual) == (lo.Plan < b.Plan):
			out = append(out, r.msg("cmp.plan_changed", lo.Line, lo.SPct, r.spanIn(w), b.SPct, r.spanIn(q.Earlier), lo.SPlan, b.SPlan))
		case b == nil && len(before) == 0 && lo.Pct >= 97:
			out = append(out, r.msg("cmp.made_plan", lo.Line, lo.SPct, r.spanIn(w)))
		default:
			return ""
		}
	}
	return strings.Join(out, " ")
}

// lastOutput is the time of the newest output reading of the lines.
func (r *run) lastOutput(lines []string) time.Time {
	var last time.Time
	for _, l := range lines {
		if se, ok := r.p.SeriesNamed(r.p.OutputSeries(l)); ok && se.LatestAt != "" {
			last = maxTime(last, parseStamp(se.LatestAt))
		}
	}
	return last
}

// --- History ---------------------------------------------------------------

// A machine that "actually failed" is no failed fix: "failed" counts only
// of a fix, a repair or an attempt.
var failedRe = regexp.MustCompile(`did not work|didn'?t work|not work|did ?n[o']t hold|\b(?:fix|fixes|repairs?|attempts?|solutions?|actions?|remed\w+)\b.{0,20}\bfailed\b|\bfailed (?:fix|fixes|repairs?|attempts?|solutions?)\b|효과 ?없|실패|재발한|재발된|\brecurred\b`)

// history lists what happened before: the asset's own incidents of the
// failure mode, then similar cases on other machines, each with what was
// done and whether it worked.
func (r *run) history() {
	q := r.q
	targets := targetsOf(q, r.p)
	asset, line := "", ""
	if len(q.Assets) == 0 && len(q.Lines) == 1 {
		line = q.Lines[0] // "line 2's incidents": the line's, not its first machine's
	} else if len(targets) > 0 {
		asset = targets[0]
	}
	mode := ""
	if len(q.Reported) > 0 {
		mode = q.Reported[0]
	} else if m := r.componentMode(); m != "" {
		mode = m
	}
	var now string // what the machine's data shows, for "similar to what it has now"
	if mode == "" && asset != "" && len(targets) == 1 && similarNowRe.MatchString(q.Text) {
		r.detect(q.Window, targets)
		for _, e := range r.book.of(asset) {
			if !e.Significant() {
				continue
			}
			if modes := plant.SupportingModes(e.Sensor, e.Dir(), typeOf(asset, r.p)); len(modes) > 0 {
				mode, now = modes[0], r.eventLine(e)
				break
			}
		}
	}
	if line == "" && len(targets) > 1 && len(targets) <= 4 {
		// Several machines: the one whose data shows the failure now is the
		// subject, the others' cases are similar ones.
		r.detect(q.Window, targets)
		for _, a := range targets {
			for _, e := range r.book.of(a) {
				if !e.Significant() {
					continue
				}
				if modes := plant.SupportingModes(e.Sensor, e.Dir(), typeOf(a, r.p)); len(modes) > 0 && (mode == "" || contains(modes, mode)) {
					asset, mode = a, modes[0]
					break
				}
			}
			if asset != targets[0] {
				break
			}
		}
	}
	if asset == "" && mode == "" && recentIncidentsRe.MatchString(q.Text) && r.recentIncidents() {
		return // "what's the newest incident?": the latest records, newest first
	}
	// The question's words, and what it is about: a follow-up ("has this
	// happened before?") says nothing of its own.
	query := r.q.Question
	for _, s := range searchSynonyms {
		if s.re.MatchString(q.Text) {
			query += " " + s.add
		}
	}
	if asset != "" {
		query += " " + asset + " " + strings.Join(plant.TypeWords(typeOf(asset, r.p)).EN[:1], " ")
	}
	for _, s := range q.Sensors {
		query += " " + strings.ReplaceAll(s, "_", " ")
	}
	// A time named ("this year", "last month", "since September"): the
	// incidents that occurred in it, newest first, and only those: listed
	// by their dates (an empty query), not by how well they match the words.
	win := q.Window.Named && !q.Window.Ahead && !q.WindowInherited
	// Nothing to match ("past incidents on line 3", "show me its last
	// incidents"): the records newest first, not the nearest to the words.
	// "which fixes did not work?": the incidents recorded as failed fixes.
	failedAsked := failedRe.MatchString(q.Text)
	listing := mode == "" && len(q.Sensors) == 0 && len(q.Reported) == 0 && (asset != "" || line != "" || failedAsked)
	search := func(window bool) {
		args := func(a map[string]any) map[string]any {
			a["kind"], a["k"] = "incident", 8
			if failedAsked {
				a["outcome"] = "failed"
			}
			if listing {
				a["query"], a["k"] = "", 20
			}
			if window {
				a["query"], a["k"] = "", 50
				a["since"] = q.Window.From.UTC().Format(time.DateOnly) // dates; occurredIn keeps the window
				a["until"] = q.Window.To.UTC().Add(24 * time.Hour).Format(time.DateOnly)
			}
			return a
		}
		var calls []agent.ToolCall
		if asset != "" {
			calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: args(map[string]any{"query": query, "asset": asset})})
		}
		if mode != "" {
			calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: args(map[string]any{"query": query + " " + r.modeQuery(mode, asset), "failure_mode": mode})})
		}
		if len(calls) == 0 {
			a := map[string]any{"query": query}
			if line != "" {
				a["line"] = line
			}
			calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: args(a)})
		}
		if failedAsked {
			// "fixes that didn't work": those that fixed it only in part
			// too, for they did not hold either.
			for _, c := range slices.Clone(calls) {
				a := maps.Clone(c.Args)
				a["outcome"] = "partial"
				calls = append(calls, agent.ToolCall{Name: c.Name, Args: a})
			}
		}
		r.call(calls...)
	}
	search(win)
	matches := func(d *doc) bool {
		if !d.incident() || mode != "" && d.Mode != "" && d.Mode != mode {
			return false
		}
		if asset != "" && d.Asset != asset && (mode == "" || d.Mode != mode) {
			return false
		}
		if line != "" && d.Line != line && !r.onLine(d.Asset, line) {
			return false
		}
		return !failedRe.MatchString(q.Text) || strings.EqualFold(d.Outcome, "failed") || strings.EqualFold(d.Outcome, "partial")
	}
	var found []*doc
	for _, d := range r.sortedDocs() {
		if matches(d) && (!win || r.occurredIn(d, q.Window)) {
			found = append(found, d)
		}
	}
	if win {
		r.historyIn(found, asset, line, mode, matches)
		return
	}
	// The asset's own first, then the same type, then the rest of the mode.
	sort.SliceStable(found, func(i, j int) bool {
		return histTier(found[i], asset, r.p) < histTier(found[j], asset, r.p)
	})
	// "how many times has conveyor 1 had belt slip, and what fixed it each
	// time?": the machine's own cases, all of them read, newest first, and
	// how many the records count.
	timesAsked, fixAsked := histTimesRe.MatchString(q.Text) && asset != "", histFixRe.MatchString(q.Text) && asset != ""
	preventAsked := preventAskRe.MatchString(q.Text) && asset != ""
	var count string
	if timesAsked || fixAsked || preventAsked {
		var own []*doc
		for _, d := range found {
			if d.Asset == asset {
				own = append(own, d)
			}
		}
		if len(own) > 0 {
			sort.SliceStable(own, func(i, j int) bool { return own[i].Occurred > own[j].Occurred })
			found = own[:min(6, len(own))]
		}
		if timesAsked {
			count = r.timesRecorded(asset, mode, own)
		}
	}
	if limit := 4; failedAsked && asset == "" && mode == "" {
		limit = 8 // lessons learned: every failed fix, a meeting's worth
		if len(found) > limit {
			found = found[:limit]
		}
	} else if len(found) > limit && !timesAsked && !fixAsked && !preventAsked {
		found = found[:limit]
	}
	var read []agent.ToolCall
	for i, d := range found {
		if i < 2 || timesAsked || fixAsked || preventAsked {
			read = append(read, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
		}
	}
	r.call(read...)
	var out []string
	own := 0
	for _, d := range found {
		if asset != "" && d.Asset == asset {
			own++
		}
		if fixAsked {
			// Every action, and how a fix that did not hold failed.
			out = append(out, sentence(strings.TrimSuffix(r.historyLineN(d, asset, 4), ".")+r.outcomeDetail(d)))
			continue
		}
		out = append(out, r.historyLine(d, asset))
	}
	switch {
	case len(found) == 0:
		out = append(out, r.msg("hist.none", r.subject(orDefault(asset, line), mode)))
		r.a.Confidence = "low"
	case own > 0 || asset == "":
		head := r.msg("hist.head", r.subject(orDefault(asset, line), mode))
		if failedAsked && asset == "" && line == "" && mode == "" {
			head = r.msg("hist.head_failed", len(found))
		}
		out = append([]string{head}, out...)
		r.a.Confidence = "medium"
	default:
		out = append([]string{r.msg("hist.none_own", asset, r.subject("", mode))}, out...)
		r.a.Confidence = "low"
	}
	if downAskRe.MatchString(q.Text) {
		// "how long was it down?": the downtime the failure records give
		// for the incidents listed.
		out = append(out, r.incidentDowntime(found)...)
	}
	if count != "" {
		out = append([]string{count}, out...) // "how many times?": the count first
	}
	if preventAsked && len(found) > 0 && found[0].Asset == asset {
		out = append(r.preventions(found, asset, mode), out...) // "재발방지 대책": the measures first
	}
	if now != "" {
		out = append([]string{now}, out...)
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	for _, d := range found {
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	}
	r.a.Escalate = r.msg("escalate.default")
}

// histTimesRe asks how many times something happened ("how many times
// has it slipped?", "몇번 났었어?"); histFixRe what fixed it ("what fixed
// it each time?", "뭐로 고쳤는지도").
var (
	histTimesRe = regexp.MustCompile(`(?i)\bhow many (?:times|incidents|cases)\b|\bhow often\b|몇 ?(?:번|회|차례)|횟수`)
	histFixRe   = regexp.MustCompile(`(?i)\bwhat (?:fixed|cured|solved|sorted)\b|\bwhat was the (?:fix|repair|solution|remedy)\b|\bhow was it (?:fixed|repaired|solved)\b|\bhow (?:was|were|did) (?:it|they|we) (?:get )?(?:fix|fixed|repair|repaired|solve|solved|cure|cured)\b|\bwhat (?:was|did we|did they) (?:do|done)\b.{0,20}\b(?:fix|each time|about it)\b|(?:뭐로|뭘로|무엇으로|어떻게) ?(?:고쳤|고친|해결|조치)|조치(?:는|한 ?거|했던 ?거)? ?(?:뭐|뭔)`)
)

// timesRecorded says how many times the machine had the failure (any
// failure when no mode is named), from its failure records, with their
// ids; from the incidents found, with their dates, when there are no
// records ("" when neither says).
func (r *run) timesRecorded(asset, mode string, own []*doc) string {
	what := r.subject("", mode)
	if mode == "" {
		what = r.msg("maint.what_failures")
	}
	args := map[string]any{"asset": asset, "kind": "failure"}
	if mode != "" {
		args["failure_mode"] = mode
	}
	if recs, ok := r.records(args); ok {
		if len(recs) == 0 {
			return r.msg("hist.times_none", asset, what)
		}
		var ids []string
		for _, rec := range recs {
			ids = append(ids, rec.ID)
		}
		n := r.derive(asset+" "+what+", failure records", float64(len(recs)), "count of the failure records")
		return r.msg("hist.times", asset, what, n, strings.Join(ids, ", "))
	}
	if len(own) == 0 {
		return ""
	}
	var when []string
	for _, d := range own {
		when = append(when, r.occurredDay(d))
	}
	n := r.derive(asset+" "+what+", incidents", float64(len(own)), "count of the incident documents found")
	return r.msg("hist.times_docs", asset, what, n, strings.Join(when, ", "))
}

// outcomeDetail is how a fix that did not fully work turned out, from the
// incident's outcome section ("Partial: slip stopped, but the oil-soaked
// belt kept slipping … and was replaced a week later"), as " — …" ("" for
// a fix that worked or a record that does not say).
func (r *run) outcomeDetail(d *doc) string {
	if !d.Read || strings.EqualFold(d.Outcome, "worked") {
		return ""
	}
	for _, l := range sectionLines(sections(d.Body), "outcome", "결과") {
		for _, sen := range splitSentences(strings.TrimSpace(l)) {
			if !outcomeWordRe.MatchString(sen) || injectionRe.MatchString(sen) {
				continue
			}
			sen = strings.TrimSuffix(strings.TrimSpace(outcomeWordRe.ReplaceAllString(strings.ReplaceAll(sen, "**", ""), "")), ".")
			switch {
			case r.ko() && !hasHangul(sen):
				sen = r.msg("quote.en", sen)
			case !r.ko() && hasHangul(sen):
				sen = r.msg("quote.ko", sen)
			}
			return r.msg("hist.how_went", sen)
		}
	}
	return ""
}

// preventAskPattern asks what was put in place so a failure does not
// happen again ("재발방지 대책", "what did we put in place so cnc-4
// doesn't overheat again?", "countermeasures").
const preventAskPattern = `재발 ?방지|재발 ?(?:안|않|막)|(?:대책|방지책)\S*\s*(?:뭐|뭔|무엇|어떤|있|세웠|했)|\bprevent\w*\b.{0,30}\b(?:again|recurr\w*|repeat\w*|happening)|\bput in place\b|\bso (?:it|that|that it|[a-z]+-?\d+|the \w+) (?:does ?n[o']?t|won'?t|will not|never|can'?t|cannot) .{0,30}\bagain\b|\bcounter-?measures?\b|\b(?:stop|keep) (?:it|this|that) (?:from )?(?:happening|coming back|recurring)(?: again)?\b|\bwhat (?:did|have) we (?:change|changed)\b.{0,30}\bsince\b`

var preventAskRe = regexp.MustCompile(`(?i)` + preventAskPattern)

// measureRe finds a sentence of an incident that records a measure put in
// place against a repeat ("Fan filter change added to the monthly PM",
// "Parameters restored and an external fan fitted", "스트레이너 점검 주기를
// 2주로 단축했다"); lessonRe one that states the lesson drawn.
var (
	measureRe = regexp.MustCompile(`(?i)\badded to\b|\bnow\b|\bmoved (?:from|to)\b|\binterval\b|\brule adopted\b|\brequested\b|\bupdated\b|\bfitted\b|\binstalled\b|\brestored\b|\bintroduced\b|\bcut from\b|\bfrom now on\b|\bevery (?:\d+|two|three|four|shift|week|month)|\bper shift\b|추가했|단축했|주기를|요청했|설치했|도입했|변경했|마다`)
	lessonRe  = regexp.MustCompile(`(?i)^\W*(?:lesson|rule|always|교훈)\b|^\W*(?:lesson|rule)\w*:`)
)

// preventions says, for each of the machine's incidents found, what its
// record says was put in place against a repeat: the outcome's measures
// and the actions that changed a practice ("Lubrication interval cut from
// 8 to 4 hours"), else its lesson; said so when none records any.
func (r *run) preventions(found []*doc, asset, mode string) []string {
	var lines []string
	for _, d := range found {
		if !d.Read || d.Asset != asset {
			continue
		}
		var ms []string
		for _, a := range actionItems(d.Body) {
			if measureRe.MatchString(a) && !injectionRe.MatchString(a) && !outcomeLineRe.MatchString(a) {
				ms = append(ms, strings.TrimSuffix(a, "."))
			}
		}
		var lesson string
		for _, l := range sectionLines(sections(d.Body), "outcome", "결과") {
			for _, sen := range splitSentences(strings.TrimSpace(l)) {
				sen = strings.TrimSuffix(strings.ReplaceAll(sen, "**", ""), ".")
				switch {
				case injectionRe.MatchString(sen) || outcomeWordRe.MatchString(sen+":"):
				case measureRe.MatchString(sen):
					ms = append(ms, sen)
				case lesson == "" && lessonRe.MatchString(sen):
					lesson = sen
				}
			}
		}
		if len(ms) == 0 && lesson != "" {
			ms = []string{lesson}
		}
		if len(ms) == 0 {
			continue
		}
		said := r.quoteTitle(strings.Join(ms, "; "))
		lines = append(lines, r.msg("hist.prevent", d.ID, r.occurredDay(d), said))
	}
	subject := r.subject(asset, mode)
	if len(lines) == 0 {
		return []string{r.msg("hist.prevent_none", subject)}
	}
	return append([]string{r.msg("hist.prevent_head", subject)}, lines...)
}

// outcomeWordRe starts the sentence of an outcome section that says how
// a fix turned out ("Partial: …", "**Failed**: …", "효과 없음: …").
var outcomeWordRe = regexp.MustCompile(`(?i)^\W*(?:partial|partly|failed|did not work|not fixed|worked|효과 ?없|부분적|실패)\W*[:：]`)

// similarNowRe asks for past cases like a machine's present state ("the
// incidents similar to what press 3 has now", "has this happened before
// on other machines?", "비슷한 사례").
var similarNowRe = regexp.MustCompile(`(?i)\bsimilar\b|\blike (?:this|that|what|it)\b|\bsame (?:problem|issue|thing|failure|fault)\b|비슷한|유사한|같은 (?:문제|고장|증상)`)

func histTier(d *doc, asset string, p *plant.Plant) int {
	switch {
	case asset != "" && d.Asset == asset:
		return 0
	case asset != "" && typeOf(d.Asset, p) == typeOf(asset, p):
		return 1
	}
	return 2
}

// onLine says whether asset is one of line's machines.
func (r *run) onLine(asset, line string) bool {
	a, ok := r.p.Asset(asset)
	return ok && a.Line == line
}

// partMode is the failure mode the parts a question names point at
// ("strainer" → filter clogging), "" when it names none.
func (r *run) partMode() string { return partModeIn(r.q.Text) }

// partModeIn is the failure mode of the first part text names.
func partModeIn(text string) string {
	for _, fm := range plant.FailureModes {
		for _, c := range fm.Components {
			for _, comp := range plant.Components {
				if comp.Key == c && comp.Matcher().MatchString(text) {
					return fm.Mode
				}
			}
		}
	}
	return ""
}

// threadPartMode is the failure mode of the part the thread's latest
// question that names one named ("필터 마지막으로 언제 갈았지?" → "교체할때
// 뭐 준비해야돼?": the filter's).
func (r *run) threadPartMode() string {
	earlier := strings.Split(r.q.Thread, "\n")
	for i := len(earlier) - 1; i >= 0; i-- {
		if m := partModeIn(plant.Normalize(earlier[i])); m != "" {
			return m
		}
	}
	return ""
}

// componentMode is partMode, else the mode the sensor named usually means.
func (r *run) componentMode() string {
	if m := r.partMode(); m != "" {
		return m
	}
	for _, s := range r.q.Sensors {
		switch s {
		case "vibration":
			return "bearing_wear"
		case "temperature":
			return "motor_overheating"
		}
	}
	return ""
}

func (r *run) subject(asset, mode string) string {
	var parts []string
	if mode != "" {
		parts = append(parts, r.modeName(mode))
	}
	if asset != "" {
		parts = append(parts, asset)
	}
	if len(parts) == 0 {
		return r.msg("hist.this")
	}
	return strings.Join(parts, " · ")
}

func (r *run) sortedDocs() []*doc {
	var out []*doc
	for _, d := range r.lib.docs {
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out
}

// quoteTitle marks a title (or any text quoted from a record) in the
// other language than the answer's as a quote ("(영문 원문) ...").
func (r *run) quoteTitle(title string) string {
	switch {
	case r.ko() && !hasHangul(title):
		return r.msg("quote.en", title)
	case !r.ko() && hasHangul(title):
		return r.msg("quote.ko", title)
	}
	return title
}

// historyLine says one past incident: when, what, what was done (its
// first two actions), whether it worked.
func (r *run) historyLine(d *doc, asset string) string { return r.historyLineN(d, asset, 2) }

// historyLineN is historyLine with up to acts of the recorded actions.
func (r *run) historyLineN(d *doc, asset string, acts int) string {
	title := r.quoteTitle(d.Title)
	who := d.ID
	if asset != "" && d.Asset != "" && d.Asset != asset {
		who = similarLabel(r.lang, d.Asset) + ": " + d.ID
	}
	s := r.msg("hist.line", who, r.occurredDay(d), title, r.msg("outcome."+strings.ToLower(orDefault(d.Outcome, "unknown"))))
	if d.Read {
		var did []string
		for _, a := range actionItems(d.Body) {
			if injectionRe.MatchString(a) {
				r.ignored(d.ID)
				continue
			}
			if !outcomeLineRe.MatchString(a) {
				did = append(did, strings.TrimSuffix(a, "."))
			}
			if len(did) == acts {
				break
			}
		}
		if len(did) > 0 {
			s += r.msg("hist.done", r.quoteTitle(strings.Join(did, "; ")))
		}
		if histCauseRe.MatchString(r.q.Text) && !r.causeSaid[d.ID] {
			// "지난번에 과열로 섰을때 원인 뭐였죠?": the record's root cause too.
			if rc := firstSentence(sectionLines(sections(d.Body), "root cause", "cause", "원인")); rc != "" && !injectionRe.MatchString(rc) {
				switch {
				case r.ko() && !hasHangul(rc):
					rc = r.msg("quote.en", strings.TrimSuffix(rc, "."))
				case !r.ko() && hasHangul(rc):
					rc = r.msg("quote.ko", strings.TrimSuffix(rc, "."))
				}
				s += r.msg("hist.cause", strings.TrimSuffix(rc, "."))
			}
		}
	}
	return sentence(s)
}

// histCauseRe asks for the cause of past incidents.
var histCauseRe = regexp.MustCompile(`\bcaus\w*|\broot\b|\bwhy\b|원인|왜`)

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// --- Handover --------------------------------------------------------------

// alarmListAskRe asks which alarms went off in a time ("any alarms
// overnight?", "어젯밤 알람 떴어?").
var alarmListAskRe = regexp.MustCompile(`(?i)\b(?:any|what|which|were there|list)\b.{0,15}\b(?:alarms?|alerts?)\b|\b(?:alarms?|alerts?)\b.{0,20}\b(?:overnight|last night|go off|went off|come up|came up)\b|(?:알람|경보)\S*\s*(?:있었|있어|있나|떴|뜬|울렸|들어왔|발생)`)

// handover summarises a shift: the anomaly events in it, each line's
// output against plan, and what to look at first.
func (r *run) handover() {
	q := r.q
	w := r.handedOver(q.Window)
	lines := linesOf(q, r.p)
	if len(lines) == 0 {
		lines = r.p.LineNames()
	}
	var calls []agent.ToolCall
	for _, l := range lines {
		calls = append(calls, agent.ToolCall{Name: tools.DetectAnomalies, Args: map[string]any{"line": l, "since": stampUTC(w.From), "until": stampUTC(w.To)}})
	}
	r.call(calls...)
	head := "handover.head"
	if w.To.Sub(w.From) > 12*time.Hour {
		head = "summary.head" // a day, a week: a summary, not a shift's handover
	}
	out := []string{r.msg(head, r.span(w))}
	alarmsAsked := alarmListAskRe.MatchString(q.Text)
	if alarmsAsked {
		// "any alarms overnight?": the alarms first, then what the
		// detectors saw; the output is not asked.
		a := r.alarmsIn(lines, w)
		if a == "" {
			a = r.msg("alarms.none_in", r.spanIn(w))
		}
		out = append(out, "• "+a)
	}
	var quiet []string
	var top *Event
	for _, l := range lines {
		ln, _ := r.p.Line(l)
		for _, a := range ln.Assets {
			es := r.book.of(a)
			if len(es) == 0 {
				quiet = append(quiet, a)
			}
			for _, e := range es {
				out = append(out, "• "+r.eventLine(e))
				if e.Significant() && (top == nil || math.Abs(e.Sigma) > math.Abs(top.Sigma)) {
					ev := e
					top = &ev
				}
			}
		}
	}
	if len(quiet) > 0 && r.detected() {
		out = append(out, "• "+r.msg("quiet.many", strings.Join(quiet, ", "), r.spanIn(w)))
	}
	if !alarmsAsked {
		for _, lo := range r.output(lines, w) {
			out = append(out, "• "+r.outputLine(lo, w))
		}
		if a := r.alarmsIn(lines, w); a != "" {
			out = append(out, "• "+a)
		}
	}
	out = append(out, r.failureLines()...)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("escalate.default")
	if top != nil {
		modes := plant.SupportingModes(top.Sensor, top.Dir(), typeOf(top.Asset, r.p))
		if len(modes) > 0 {
			h := &hypothesis{Asset: top.Asset, Mode: modes[0], Basis: agent.BasisSensor, Event: top}
			d := r.readDocs(h)
			out = append(out, r.msg("handover.watch", top.Asset, r.modeName(h.Mode)))
			for _, s := range r.steps(h, d) {
				if s.Basis == agent.BasisRule {
					r.a.Steps = append(r.a.Steps, s)
				}
			}
			r.a.Escalate = r.escalation(h, d)
			r.a.Confidence = r.confidence(h, d)
			r.cite(d)
		}
	}
	r.a.Situation = joinLines(out)
}

// handedOver is the shift a handover covers: the one whose end is nearest
// now. Late in a shift (its last quarter) that is the shift so far, about to
// be handed over; otherwise the shift before it. A shift named as it has
// only just begun ("야간조 인수인계 요약 좀" at 22:32) is the one taking over:
// its handover is the shift that ended as it began, not its first minutes.
// Any other window named is kept.
func (r *run) handedOver(w Span) Span {
	cur := r.p.ShiftAt(r.now, 0)
	quarter := cur.To.Sub(cur.From) / 4
	if w.Named && !(w.From.Equal(cur.From) && r.now.Sub(cur.From) < quarter) {
		return w
	}
	if !w.Named && (cur.To.Sub(r.now) <= quarter || handoverNowRe.MatchString(r.q.Text) && r.now.Sub(cur.From) >= quarter) {
		// Late in a shift, or "handover notes for right now" well into
		// it: the shift so far.
		return Span{From: cur.From, To: r.now, Label: "this shift (" + cur.Name + ") so far", LabelKO: "이번 교대(" + cur.NameKO + ") 지금까지"}
	}
	s := r.p.ShiftAt(r.now, -1)
	if w.Named {
		return Span{From: s.From, To: s.To, Label: "the " + s.Name + " shift, handed over to the " + cur.Name + " shift", LabelKO: s.NameKO + " 교대(" + cur.NameKO + " 교대에 인계)"}
	}
	return Span{From: s.From, To: s.To, Label: "the last shift (" + s.Name + ")", LabelKO: "지난 교대(" + s.NameKO + ")"}
}

// handoverNowRe asks for a handover as of now ("handover notes for right
// now", "지금까지 인수인계").
var handoverNowRe = regexp.MustCompile(`(?i)\b(?:right )?now\b|\bso far\b|\bcurrent(?:ly)?\b|지금|현재|여태`)

// --- Procedures --------------------------------------------------------------

// procedure answers how to do something or whom to call: the best
// runbook's steps (in Korean where a Korean runbook says the same), each
// that touches equipment marked as asked for.
func (r *run) procedure() {
	q := r.q
	query := q.Question
	for _, s := range searchSynonyms {
		if s.re.MatchString(q.Text) {
			query += " " + s.add
		}
	}
	calls := []agent.ToolCall{{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "kind": "runbook", "k": 6}}}
	mode := r.partMode()
	lotoAt := -1 // the lockout procedure's search among the calls
	if jamAskRe.MatchString(q.Text) {
		mode = "" // "박스 걸렸는데 벨트 멈췄으니까…": the jam, not the belt
	} else if q.Shortcut {
		// "can I pick the scrap out of the die while it runs?": the lockout
		// procedure, whatever else the words share with other runbooks.
		lotoAt = len(calls)
		calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": "lockout tagout LOTO energy isolation 잠금 표지", "kind": "runbook", "k": 3}})
	}
	fromReport := false
	if mode == "" && len(q.Reported) > 0 && len(q.Assets) > 0 {
		fromReport = true
		// "cnc4 spindle running hot, what's the procedure?": the runbook of
		// the failure the symptom reports, not one that shares its words
		// (the spindle warm-up).
		mode = q.Reported[0]
	}
	if mode != "" {
		calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "failure_mode": mode, "kind": "runbook", "k": 6}})
	}
	res := r.call(calls...)
	var ranked []*doc
	for _, x := range res[:1] {
		for _, id := range r.lib.merge(x) {
			if d := r.lib.docs[id]; d != nil && d.runbook() {
				ranked = append(ranked, d)
			}
		}
	}
	if lotoAt >= 0 && lotoAt < len(res) {
		// The lockout procedure's search: its runbooks after the others
		// (not the failure mode's search, which may come after it: "에어
		// 새는데 운전중에 조여도 되나" had the motor-overheating runbook as
		// its procedure, the lockout's never looked at).
		for _, id := range r.lib.merge(res[lotoAt]) {
			if d := r.lib.docs[id]; d != nil && d.runbook() && !slices.Contains(ranked, d) {
				ranked = append(ranked, d)
			}
		}
	}
	if mode != "" {
		// A part named ("bearing", "filter"): the failure mode's runbook
		// that fits the machine, whatever the words' language.
		asset := ""
		if ts := targetsOf(q, r.p); len(ts) > 0 {
			asset = ts[0]
		}
		if canon, _ := r.lib.runbooks(mode, asset, r.p); canon != nil {
			ranked = append([]*doc{canon}, ranked...)
		} else {
			fromReport = false
		}
	}
	if len(ranked) == 0 {
		r.a.Situation = r.msg("proc.none")
		r.a.Confidence = "low"
		if q.Shortcut {
			r.a.Situation = r.shortcutNo() + "\n" + r.a.Situation
			r.a.Escalate = r.msg("escalate.shortcut")
		}
		return
	}
	if ts := targetsOf(q, r.p); len(ts) > 0 {
		// The search's order stands; a runbook for other machines drops out.
		var kept []*doc
		for _, d := range ranked {
			if fit(d, ts[0], r.p) >= 0 {
				kept = append(kept, d)
			}
		}
		if len(kept) > 0 {
			ranked = kept
		}
	}
	if q.Shortcut {
		// "can I reach in while it's stopped?", "can I cut his lock off?":
		// the jam procedure for a jam, else the lockout procedure, first.
		want := lotoTitleRe
		if jamAskRe.MatchString(q.Text) {
			want = jamTitleRe
		}
		ranked = frontRunbooks(ranked, want)
	}
	if !q.Shortcut && lotoHowRe.MatchString(q.Text) {
		// "press-3 베어링 교체 들어가기전에 LOTO 어케 해야돼?": the lockout
		// procedure asked for, before the job's own runbook.
		ranked = frontRunbooks(ranked, lotoTitleRe)
	}
	if !q.Shortcut && escalationAsked(q.Text) {
		// "라인 서고 사람 다쳤을 때 누구한테 먼저 연락함?": the escalation
		// matrix (and its twin), whatever else the words share with others.
		if front := frontRunbooks(ranked, escalTitleRe); escalTitleRe.MatchString(front[0].Title) {
			r.procedureFrom(front)
			return
		}
	}
	if !q.Shortcut && !fromReport {
		// The runbook must be for the task asked about, not merely the
		// nearest one; else say there is none and name the nearest. (The
		// runbook of a failure the question reports on its machine is for
		// it, whatever its words.)
		d := r.coveringRunbook(ranked)
		if d == nil {
			r.noProcedure(ranked)
			return
		}
		ranked = append([]*doc{d}, slices.DeleteFunc(slices.Clone(ranked), func(x *doc) bool { return x == d })...)
	}
	r.procedureFrom(ranked)
	if lotoHowRe.MatchString(q.Text) || q.Shortcut {
		// The lockout asked before a job, or a shortcut asked on one
		// ("리시버 배기 안하고 필터 까도 되지?"): that job's own isolation.
		r.lotoForJob(ranked)
	}
}

// lotoForJob adds, to the lockout procedure asked before a job ("스트레이너
// 바스켓 교체할때 LOTO 순서"), the job's own isolation from its runbook:
// the step that applies the lockout and says what to isolate on this
// machine ("close suction and discharge valves, drain the casing"), after
// the lockout's own steps of isolation.
func (r *run) lotoForJob(ranked []*doc) {
	if len(r.a.Steps) == 0 || len(ranked) == 0 || !lotoTitleRe.MatchString(ranked[0].ID+" "+ranked[0].Title) {
		return
	}
	words, _ := taskStems(r.q.Text, r.p)
	var job *doc
	for _, same := range []bool{true, false} { // the answer's language first
		for _, d := range ranked {
			if job == nil && d.runbook() && d.korean() == r.ko() == same && !lotoTitleRe.MatchString(d.ID+" "+d.Title) && !escalTitleRe.MatchString(d.Title) {
				if c, _ := covers(d, words); c {
					job = d
				}
			}
		}
	}
	if job == nil {
		return
	}
	if !job.Read {
		r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": job.ID}})
	}
	for _, st := range stepsOf(job) {
		rest := lotoApplyRe.ReplaceAllString(st, "")
		if !strings.Contains(st, "RB-LOTO") || len([]rune(strings.Trim(rest, " .:;,"))) < 12 {
			continue
		}
		s := r.requested(agent.Step{Text: r.msg("loto.job", job.ID, strings.TrimSpace(st)), Citations: []string{job.ID}}, st, job.ID)
		at := len(r.a.Steps)
		for i, x := range r.a.Steps {
			if strings.Contains(x.Text, "[LOTO]") {
				at = i + 1 // after the lockout's isolation steps
			}
		}
		r.a.Steps = slices.Insert(r.a.Steps, min(at, len(r.a.Steps)), s)
		return
	}
}

// lotoApplyRe is the part of a step that only says to apply the lockout.
var lotoApplyRe = regexp.MustCompile(`(?i)\*\*\[LOTO\]\*\*|apply RB-LOTO|RB-LOTO\s*(?:적용|를 적용한다|를 따른다)`)

// frontRunbooks puts every runbook whose id or title want matches first,
// in their order, each once: its twin in the other language is then among
// those read beside it (an English question once got the Korean RB-014,
// RB-LOTO ranked fifth).
func frontRunbooks(ranked []*doc, want *regexp.Regexp) []*doc {
	var first, rest []*doc
	for _, d := range ranked {
		switch {
		case slices.Contains(first, d) || slices.Contains(rest, d):
		case want.MatchString(d.ID + " " + d.Title):
			first = append(first, d)
		default:
			rest = append(rest, d)
		}
	}
	return append(first, rest...)
}

// procedureFrom answers with the first of ranked runbooks (its Korean
// version among the next ones when the question is Korean): its steps, each
// that touches equipment marked as asked for, and its escalation.
func (r *run) procedureFrom(ranked []*doc) {
	q := r.q
	primary := ranked[0]
	// The canonical procedure is the English one when an English runbook
	// says the same; the Korean one gives the Korean text.
	var ko *doc
	var reads []agent.ToolCall
	for _, d := range ranked[:min(4, len(ranked))] {
		reads = append(reads, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
	}
	r.call(reads...)
	if primary.korean() {
		for _, d := range ranked[1:min(4, len(ranked))] {
			if !d.korean() && d.Read && sameProcedure(stepsOf(d), stepsOf(primary)) && titlesAgree(d.Title, primary.Title) {
				primary, ko = d, primary
				break
			}
		}
	} else {
		for _, d := range ranked[1:min(4, len(ranked))] {
			if d.korean() && d.Read && sameProcedure(stepsOf(primary), stepsOf(d)) && titlesAgree(primary.Title, d.Title) {
				ko = d
				break
			}
		}
	}
	en := stepsOf(primary)
	var koText []string
	if r.ko() && ko != nil {
		koText = align(en, stepsOf(ko))
	}
	switch {
	case r.ko() && ko != nil:
		// A Korean question and the plant's Korean runbook of the same
		// procedure: its own steps, in its own order (one of them may say
		// what two English ones do), each marked by the English step it
		// says, if any; what the English one has beyond it, counted.
		enOf := map[string]string{}
		for i, k := range koText {
			if k != "" {
				enOf[k] = en[i]
			}
		}
		// Only a count of steps is claimed, never which: the alignment of
		// a step may miss where the two say the same.
		missing := len(en) - len(stepsOf(ko))
		for _, k := range stepsOf(ko) {
			s := agent.Step{Text: k, Citations: []string{primary.ID, ko.ID}}
			it := k
			if e, ok := enOf[k]; ok {
				it = e // marked as the English step it says is
			}
			r.a.Steps = append(r.a.Steps, r.requested(s, it, primary.ID))
		}
		if missing > 0 {
			defer func() { r.a.Situation = joinLines([]string{r.a.Situation, r.msg("proc.more_en", primary.ID, missing)}) }()
		}
	default:
		for i, it := range en {
			s := agent.Step{Text: it, Citations: []string{primary.ID}}
			if r.ko() {
				switch {
				case koText != nil && koText[i] != "":
					s.Text = koText[i]
					s.Citations = append(s.Citations, ko.ID)
				case hasHangul(it):
				default:
					s.Text = r.msg("quote.step", it, primary.ID)
				}
			}
			r.a.Steps = append(r.a.Steps, r.requested(s, it, primary.ID))
		}
	}
	title := primary.Title
	if r.ko() && ko != nil {
		title = ko.Title
	} else if r.ko() && !hasHangul(title) {
		title = r.msg("quote.en", title)
	}
	r.a.Situation = r.msg("proc.head", primary.ID, title)
	if ko != nil && r.ko() {
		r.a.Situation += " " + r.msg("proc.also", ko.ID)
	}
	if needAskRe.MatchString(q.Text) && !q.Shortcut && !whoAskRe.MatchString(q.Text) {
		// "do i need to do the warmup?": when the runbook says it is
		// required, first.
		src := primary
		if r.ko() && ko != nil {
			src = ko
		}
		if when := runbookWhen(src.Body); when != "" {
			if r.ko() && !hasHangul(when) {
				when = r.msg("quote.en", when)
			}
			r.a.Situation = joinLines([]string{r.msg("proc.when", src.ID, when), r.a.Situation})
		}
	}
	esc := firstSentence(sectionLines(sections(primary.Body), "escalat", "에스컬레이션", "보고"))
	if r.ko() && koText != nil {
		// The Korean twin's own sentence, where it has one.
		if k := firstSentence(sectionLines(sections(ko.Body), "escalat", "에스컬레이션", "보고")); hasHangul(k) {
			esc = k
		}
	}
	if esc != "" && r.ko() && !hasHangul(esc) {
		esc = r.msg("quote.en", esc)
	}
	if esc == "" {
		esc = r.msg("escalate.procedure")
	}
	r.a.Escalate = esc
	r.a.Confidence = "medium"
	if q.Shortcut {
		// "Can I skip it?": no, the rule that says so, then the procedure.
		lines := []string{r.shortcutNo()}
		src := primary
		if r.ko() && ko != nil {
			src = ko
		}
		rules := r.rulesOf(src)
		if leakRunning(q.Text) {
			// A leak under pressure: the steps that release it and prove
			// it gone, not the lockout's general rule.
			if rs := releaseSteps(src); len(rs) > 0 {
				rules = rs
			}
		}
		if src != primary && len(rules) < 2 {
			// The Korean runbook says nothing about what was asked
			// (someone else's lock): the English one's rule, quoted.
			if all := r.rulesOf(primary); len(all) == 2 {
				rules = append([]string{all[0]}, rules...)
			}
		}
		for _, rule := range rules {
			id := src.ID
			if r.ko() && !hasHangul(rule) {
				rule, id = r.msg("quote.en", rule), primary.ID
			}
			lines = append(lines, r.msg("proc.rule", id, rule))
		}
		if rule, id := r.lockersRule(); rule != "" && !othersLockRe.MatchString(q.Text) && !lockWhoRe.MatchString(q.Text) {
			// "그냥 손으로 빼도 돼요?" from an operator: the lock is not
			// theirs to apply; who may, as the lockout procedure says.
			lines = append(lines, r.msg("proc.rule", id, rule))
			if d := r.lib.docs[id]; d != nil {
				r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
			}
		}
		lines = append(lines, r.msg("proc.shortcut.steps", primary.ID, title))
		r.a.Situation = joinLines(lines)
		r.a.Escalate = r.msg("escalate.shortcut")
		r.a.Confidence = "high"
		if lockShiftRe.MatchString(q.Text) && !othersLockRe.MatchString(q.Text) {
			// "my lock is on and the shift ends": what the procedure says
			// of one's lock, and whether it says anything of a shift
			// change; no steps of the lockout are the question.
			r.lockShift(src)
		} else if othersLockRe.MatchString(q.Text) || lockWhoRe.MatchString(q.Text) {
			// Someone else's lock, or whether one may lock out oneself:
			// nothing of the lockout's own steps is the asker's to do
			// before that is settled; whom to call is.
			r.a.Situation = joinLines(lines[:len(lines)-1])
			r.a.Steps, r.a.Detail = nil, nil
			r.a.Escalate = r.msg("escalate.others_lock")
			if lockWhoRe.MatchString(q.Text) {
				r.a.Escalate = r.msg("escalate.lock_who")
			}
		}
	}
	if !q.Shortcut && escalTitleRe.MatchString(primary.Title) {
		// "someone got hurt, who do I call first?": its row first.
		id := primary.ID
		if ko != nil {
			id = ko.ID
		}
		r.escalationFirst(en, koText, id)
	}
	r.a.Citations = append(r.a.Citations, tools.Citation{ID: primary.ID, Title: primary.Title, Kind: primary.Kind})
	if ko != nil {
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: ko.ID, Title: ko.Title, Kind: ko.Kind})
	}
}

// needAskRe asks whether a job is needed ("do i need to do the warmup?",
// "워밍업 해야 돼요?").
var needAskRe = regexp.MustCompile(`(?i)\b(?:do|should|must) (?:i|we|you)\b.{0,20}\b(?:need|have|got) to\b|\bis (?:a |the )?\S+ (?:needed|required|necessary)\b|\bneed (?:a|the) \S+\b|해야 ?(?:돼|되|하나|함|할까|하는지)|필요(?:해|한가|하나|있|한지)`)

// whoAskRe asks whom to call ("보전 누구한테 연락해야돼요?"): no job's
// when-rule.
var whoAskRe = regexp.MustCompile(`(?i)\bwho\b|\b(?:where|what number) (?:do|should|can|must) (?:i|we) (?:call|ring|phone|report)\b|\bwhen (?:do|should|must) (?:i|we) (?:report|escalate|call)\b|누구|연락|전화|(?:한테|에게|께|에) ?보고|보고해야|보고 ?해야`)

// whenRuleRe finds a runbook's sentence saying when it applies.
var whenRuleRe = regexp.MustCompile(`(?i)\b(?:after|every|before|whenever|each|daily|weekly|monthly|when)\b|후|마다|매주|매일|매월|전에|때`)

// runbookWhen is the sentence of a runbook's introduction (before its
// steps) that says when it is done ("Run after a spindle cartridge change,
// after a stop longer than 8 hours, and every Monday morning").
func runbookWhen(body string) string {
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "---"):
			continue
		case numberedItemRe.MatchString(line):
			return "" // the steps began: no such sentence
		case whenRuleRe.MatchString(line):
			return firstSentence([]string{line})
		}
	}
	return ""
}

// shortcut answers a question whether a safety measure may be skipped,
// before anything else the question asks: no (yes when asked whether the
// lockout is needed at all), the rule and the procedure. An alarm to be
// switched off to run on gets the machine's state after the no, which is
// why not; a documented figure asked beside the shortcut ("...가드 열어도
// 되지? 장력은 몇 Hz였지?") follows the no.
func (r *run) shortcut() {
	if ts := targetsOf(r.q, r.p); alarmOffRe.MatchString(r.q.Text) && len(ts) == 1 {
		r.q.Intent = IntentDiagnose
		r.condition()
		r.a.Situation = joinLines([]string{r.shortcutNo(), r.a.Situation})
		return
	}
	r.procedure()
	if leakRunning(r.q.Text) {
		// The same leak before, and the air pressure now.
		r.a.Situation = joinLines(append([]string{r.a.Situation}, r.leakContext()...))
	}
	if openTouchRe.MatchString(r.q.Text) && !othersLockRe.MatchString(r.q.Text) {
		// The machine's own runbook on opening it, after the no, and what
		// its data says of the alarm, after the procedure.
		quote, data := r.touchContext()
		lines := strings.SplitN(r.a.Situation, "\n", 2)
		out := []string{lines[0], quote}
		out = append(out, lines[1:]...)
		r.a.Situation = joinLines(append(out, data...))
		if len(data) > 0 {
			r.a.Escalate = r.msg("escalate.touch")
		}
	}
	k, ok := docFactAsked(r.q.Text, r.p)
	if !ok {
		return
	}
	no := *r.a
	if r.docFact(k) {
		fact := r.a.Situation
		*r.a = no
		r.a.Situation = joinLines([]string{no.Situation, fact})
	} else {
		*r.a = no
	}
}

// shortcutNo is the plain no to a question whether a safety measure may
// be skipped, naming the measure (and the machine, when one was named).
func (r *run) shortcutNo() string {
	no := r.shortcutNoOnly()
	if r.q.Pushback {
		no += " " + r.msg("proc.shortcut.pushback")
	}
	return no
}

// shortcutNoOnly is shortcutNo without the answer to an argument.
func (r *run) shortcutNoOnly() string {
	if othersLockRe.MatchString(r.q.Text) {
		// "can I cut his lock off?": never, whoever's it is.
		return r.msg("proc.shortcut.others_lock")
	}
	if lockShiftRe.MatchString(r.q.Text) {
		// "LOTO 걸어놨는데 교대시간 넘어가면 자물쇠 어떻게 해야돼?": it stays
		// the owner's; the handover is the shift manager's.
		return r.msg("proc.shortcut.lock_shift")
	}
	if openTouchRe.MatchString(r.q.Text) {
		// "cnc4 온도알람 떴는데 도어 열고 스핀들 만져봐도 됨?": stopped,
		// still and locked out first; a hot part burns.
		target := r.msg("proc.the_machine")
		if ts := targetsOf(r.q, r.p); len(ts) == 1 {
			target = ts[0]
		}
		if hotSaidRe.MatchString(r.q.Text) {
			return r.msg("proc.shortcut.touch_hot", target)
		}
		return r.msg("proc.shortcut.touch", target)
	}
	if whileRunningRe.MatchString(r.q.Text) {
		// "ok if i tighten the gland while its running?": stop and lock out.
		target := r.msg("proc.the_machine")
		if ts := targetsOf(r.q, r.p); len(ts) == 1 {
			target = ts[0]
		}
		if leakRunning(r.q.Text) {
			// "에어 새는데 운전중에 조여도 되나": a line under pressure.
			return r.msg("proc.shortcut.leak", target)
		}
		return r.msg("proc.shortcut.running", target)
	}
	target := r.msg("proc.the_machine")
	if ts := targetsOf(r.q, r.p); len(ts) == 1 {
		target = ts[0]
	}
	if alarmOffRe.MatchString(r.q.Text) {
		// "can I switch the alarm off and keep running?": it is the warning.
		return r.msg("proc.shortcut.alarm", target)
	}
	if lockWhoRe.MatchString(r.q.Text) {
		// "잠금 제가 직접 걸어도 돼요?": only authorised staff lock out.
		return r.msg("proc.shortcut.lock_who")
	}
	if needLockoutRe.MatchString(r.q.Text) {
		// "do i really need to lock it out?": yes, every time.
		return r.msg("proc.shortcut.need", target)
	}
	if estopInsteadRe.MatchString(r.q.Text) {
		// "can I just hit the e-stop?": the e-stop is what they would rely
		// on, the lockout what they would skip.
		target := r.msg("proc.the_machine")
		if ts := targetsOf(r.q, r.p); len(ts) == 1 {
			target = ts[0]
		}
		return r.msg("proc.shortcut.estop", target)
	}
	thing := shortcutThings[len(shortcutThings)-1]
	for _, t := range shortcutThings {
		if t.re.MatchString(r.q.Text) {
			thing = t
			break
		}
	}
	name := thing.en
	if r.ko() {
		name = thing.ko
	}
	if thing.en == "the machine's protective trip" {
		// "bypass the low pressure trip just to finish the batch?": a trip
		// guards the machine and the people near it; its cause is found,
		// not jumpered.
		target := r.msg("proc.the_machine")
		if ts := targetsOf(r.q, r.p); len(ts) == 1 {
			target = ts[0]
		}
		return r.msg("proc.shortcut.trip", target)
	}
	if ts := targetsOf(r.q, r.p); len(ts) == 1 {
		return r.msg("proc.shortcut.on", name, ts[0])
	}
	return r.msg("proc.shortcut", name)
}

// lotoTitleRe and jamTitleRe find the lockout and the jam procedures by
// their ids and titles.
var (
	lotoTitleRe = regexp.MustCompile(`(?i)\bloto\b|lock-?out|잠금`)
	jamTitleRe  = regexp.MustCompile(`(?i)\bjams?\b|걸림`)
)

// estopInsteadRe relies on an e-stop in place of the lockout.
var estopInsteadRe = regexp.MustCompile(`(?i)` + agent.EstopInsteadPattern)

// rulesOf returns up to two sentences of a runbook that forbid something:
// first one about what the question names (the interlock, the guard), then
// the runbook's first rule.
func (r *run) rulesOf(d *doc) []string {
	var rules, lines []string // each rule sentence and the line it stands in
	for _, line := range strings.Split(d.Body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") {
			continue
		}
		if m := listItemRe.FindStringSubmatch(line); m != nil {
			line = m[1]
		}
		line = strings.ReplaceAll(line, "**", "")
		for _, sen := range splitSentences(line) {
			if ruleRe.MatchString(sen) {
				rules, lines = append(rules, sen), append(lines, line)
			}
		}
	}
	if len(rules) == 0 {
		return nil
	}
	if line := r.thingRule(rules[1:], lines[1:]); line != "" {
		return []string{line, rules[0]}
	}
	return []string{rules[0]}
}

// thingRule is the rule about what the question names (the interlock,
// someone else's lock), as its whole line ("Never remove someone else's
// lock. If a lock is left, the shift manager follows the abandoned-lock
// procedure."); "" when none of rules is about it.
func (r *run) thingRule(rules, lines []string) string {
	for _, t := range shortcutThings[:len(shortcutThings)-2] { // not LOTO itself, nor "a safety step"
		if !t.re.MatchString(r.q.Text) {
			continue
		}
		for i, sen := range rules {
			if t.re.MatchString(strings.ToLower(sen)) || t.key != "" && strings.Contains(strings.ToLower(sen), t.key) {
				return lines[i]
			}
		}
		break
	}
	return ""
}

// splitSentences splits a line of prose into its sentences.
// lockersRe finds the lockout procedure's rule of who may apply locks.
var lockersRe = regexp.MustCompile(`(?i)\bonly\b.{0,30}\b(?:trained|authori[sz]ed)\b.{0,40}\blocks?\b|(?:교육|권한|인가).{0,20}(?:인원|사람|직원)만`)

// lockersRule is that rule, as the lockout runbook read for the answer
// writes it (its Korean twin's in a Korean answer, when it says it), and
// the document; "" when none was read or none says it.
func (r *run) lockersRule() (string, string) {
	var en, ko, enID, koID string
	has := false
	for _, d := range r.lib.docs {
		has = has || d.runbook() && lotoTitleRe.MatchString(d.Title)
	}
	if !has {
		// A jam's shortcut searched the jam's procedure only.
		for _, res := range r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": "lockout tagout LOTO energy isolation 잠금 표지", "kind": "runbook", "k": 3}}) {
			r.lib.merge(res)
		}
	}
	ids := make([]string, 0, len(r.lib.docs))
	for id := range r.lib.docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var unread []string
	for _, id := range ids {
		if d := r.lib.docs[id]; d.runbook() && !d.Read && lotoTitleRe.MatchString(d.Title) {
			unread = append(unread, id)
		}
	}
	r.readFirst(unread, 2) // found by the lockout search, not yet read
	for _, id := range ids {
		d := r.lib.docs[id]
		if !d.runbook() || !d.Read || !lotoTitleRe.MatchString(d.Title) {
			continue
		}
		for _, sen := range splitSentences(bodyText(d.Body)) {
			if !lockersRe.MatchString(sen) {
				continue
			}
			sen = strings.TrimSpace(strings.ReplaceAll(sen, "**", ""))
			if d.korean() && ko == "" {
				ko, koID = sen, d.ID
			} else if !d.korean() && en == "" {
				en, enID = sen, d.ID
			}
		}
	}
	switch {
	case r.ko() && ko != "":
		return ko, koID
	case en != "" && r.ko():
		return r.msg("quote.en", en), enID
	case en != "":
		return en, enID
	}
	return ko, koID
}

func splitSentences(s string) []string {
	var out []string
	for {
		m := sentenceEnd.FindStringIndex(s)
		if m == nil {
			break
		}
		out = append(out, strings.TrimSpace(s[:m[1]]))
		s = s[m[1]:]
	}
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// titlesAgree says whether an English and a Korean runbook title name the
// same parts: a part (plant.Components) in one title and not the other
// means two procedures ("Pump suction strainer cleaning" is not "필터 교체
// 절차"), however alike their steps read.
func titlesAgree(en, ko string) bool {
	le := strings.ToLower(en)
	for i, c := range plant.Components {
		inE, inK := componentWordRes[i].MatchString(le), false
		for _, w := range c.KO {
			inK = inK || strings.Contains(ko, w)
		}
		if inE != inK {
			return false
		}
	}
	return true
}

// componentWordRes match each component's English words in a lowercase
// title, whole words.
var componentWordRes = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(plant.Components))
	for i, c := range plant.Components {
		alt := make([]string, len(c.EN))
		for j, w := range c.EN {
			alt[j] = regexp.QuoteMeta(strings.ToLower(w))
		}
		out[i] = regexp.MustCompile(`\b(?:` + strings.Join(alt, "|") + `)\b`)
	}
	return out
}()

// sameProcedure reports whether a Korean runbook's steps say what most of
// the English one's do.
func sameProcedure(en, ko []string) bool {
	if len(en) == 0 || len(ko) == 0 {
		return false
	}
	n := 0
	for _, s := range align(en, ko) {
		if s != "" {
			n++
		}
	}
	return float64(n) >= 0.6*float64(len(ko))
}

// lotoHowRe asks how to lock a machine out ("LOTO 어케 해야돼?", "lockout
// steps before the swap?").
var lotoHowRe = regexp.MustCompile(`(?i)(?:\bloto\b|\block ?-?out\b|잠금|록아웃).{0,12}(?:순서|절차|단계|방법|어떻게|어케|어캐|\bsteps\b|\bsequence\b|\bprocedure\b)|\bhow (?:do|should|to|can) (?:i|we)?\s*(?:lock (?:it |the \w+ )?out|loto)\b`)

// --- Out of scope ------------------------------------------------------------

// weatherRe asks about the weather.
var weatherRe = regexp.MustCompile(`(?i)\b(?:rain(?:s|ing|y)?|snow(?:s|ing|y)?|weather|storm|typhoon)\b|날씨|태풍|(?:^|\s)(?:비|눈)(?:가|이)? ?(?:와|올|오나|오려|내릴|온대|온다|오네|오면|왔)`)

// outOfScope answers what Gemba does not do: chat, or an order it cannot
// carry out (it is read-only), with what it can do instead.
func (r *run) outOfScope() {
	switch {
	case notifyRe.MatchString(r.q.Text):
		// "ping the maintenance lead about press 3": Gemba sends nothing.
		r.a.Situation = r.msg("oos.notify")
	case rescheduleRe.MatchString(r.q.Text):
		// "move WO-P3-BRG to tonight": the planner's CMMS, not Gemba.
		r.a.Situation = r.msg("oos.reschedule")
	case staffRe.MatchString(r.q.Text):
		// "how many ppl are on the night shift tonight": the roster's.
		r.a.Situation = r.msg("oos.staff")
	case weatherRe.MatchString(r.q.Text):
		// "내일 아침 서울 눈온대?": no weather data, not tomorrow's output.
		r.a.Situation = r.msg("oos.general") + " " + r.msg("oos.weather")
	case payRe.MatchString(r.q.Text):
		// "이번달 야간수당 언제 들어와요?": HR's, not the plant's data.
		r.a.Situation = r.msg("oos.general") + " " + r.msg("oos.hr")
	case ackRe.MatchString(r.q.Text):
		// "ack the press 3 alert, maintenance is on it": the alert's own
		// Acknowledge button records who took it and stops the escalation.
		r.a.Situation = r.msg("oos.ack")
	case r.q.Write:
		r.a.Situation = r.msg("oos.write")
	case r.q.Help:
		r.a.Situation = r.msg("oos.help")
	case greetRe.MatchString(r.q.Text):
		r.a.Situation = r.msg("social.hello")
	case thanksRe.MatchString(r.q.Text):
		r.a.Situation = r.msg("social.thanks")
	case r.q.Intent == "" && len(strings.Fields(r.q.Text)) <= 6 && vagueRefRe.MatchString(r.q.Text):
		// "is it bad?", "fix it" as a first message: which thing is "it"?
		r.a.Situation = r.msg("clarify.which")
	default:
		r.a.Situation = r.msg("oos.general")
	}
	r.a.Confidence = ""
}

var _ = fmt.Sprintf

// vagueRefRe is a pronoun standing for a thing not named ("is it bad?",
// "fix it", "그거 괜찮아?").
// timeRefRe is a time said with "this" or "that" ("this week", "that
// day"): no vague reference to a thing.
var timeRefRe = regexp.MustCompile(`\b(?:this|that) (?:week|month|year|morning|afternoon|evening|shift|quarter|time|day|night)\b`)

var vagueRefRe = regexp.MustCompile(`\b(?:it|this|that|they|them|this one|that one)\b|그거|이거|저거|그것|이것|저것`)

// requested marks a step of a procedure the user asked for (its text it,
// from runbook id) that touches equipment: its basis is the request, its
// SOP the runbook or the one the step names.
func (r *run) requested(s agent.Step, it, id string) agent.Step {
	if equipment(it) {
		s.TouchesEquipment, s.SOP, s.Basis, s.Evidence = true, id, agent.BasisRequest, r.msg("basis.request")
		if m := sopRefRe.FindString(it); m != "" {
			s.SOP = m
		}
		s.Reason = s.Evidence
	}
	return s
}

// occurredDay is the plant day an incident occurred on ("2024-06-09" for
// 2024-06-08T18:20Z in Seoul), as its records keep it.
func (r *run) occurredDay(d *doc) string {
	if t, ok := incidentTime(d); ok && len(d.Occurred) > len(time.DateOnly) {
		return r.p.Local(t).Format(time.DateOnly)
	}
	return d.Occurred
}

// readingsTable writes one sensor's latest reading on several machines in
// one line, said once as old when the feed stopped, then any anomaly
// events: "show me temps on all the cncs".
func (r *run) readingsTable(assets []string, sensor string) (lines []string, old, ok bool) {
	var parts []string
	var newest, oldest time.Time
	for _, a := range assets {
		se, ok := r.p.SeriesNamed(a + "." + sensor)
		if !ok || se.LatestAt == "" {
			continue
		}
		at := parseStamp(se.LatestAt)
		newest = maxTime(newest, at)
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
		parts = append(parts, a+" "+val(se.Latest)+suffix(se.Unit))
	}
	if len(parts) < 2 {
		return nil, false, false
	}
	name := r.sensorName(sensor)
	if !r.ko() && name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	head := r.msg("readings.head", name, r.at(newest))
	if !oldest.Equal(newest) {
		head = r.msg("readings.head_range", name, r.at(oldest), r.at(newest))
	}
	line := head + " " + strings.Join(parts, ", ") + "."
	if age := r.now.Sub(newest); age > r.staleAfter(assets[0], sensor) {
		line += " " + r.msg("readings.old", r.ago(age))
		old = true
	}
	out := []string{line}
	for _, a := range assets {
		for _, e := range r.book.of(a) {
			if e.Significant() {
				out = append(out, r.eventLine(e))
				break
			}
		}
	}
	return out, old, true
}

// downAskRe asks how long a machine was down for an incident ("how long
// was it down?", "몇 시간 멈췄어?").
var downAskRe = regexp.MustCompile(`(?i)\bhow long (?:was|were|is|did) (?:it|they|we|the \w+|[a-z]+-?\d+|[a-z]+ \d+)? ?(?:down|out|stopped|off|take)\b|\bdowntime\b|\bhow long did (?:it|the (?:repair|fix|job)) take\b|몇 ?시간 ?(?:멈|섰|정지|걸)|얼마나 (?:멈|섰|걸렸)|정지 ?시간|다운타임`)

// incidentDowntime says, for the first incidents listed, the downtime
// their failure records give (the record that links the incident).
func (r *run) incidentDowntime(found []*doc) []string {
	var out []string
	cited := slices.Clone(r.a.Citations)
	defer func() { r.a.Citations = cited }() // the machine's other failures are read, not cited
	for _, d := range found[:min(3, len(found))] {
		if d.Asset == "" {
			continue
		}
		recs, ok := r.records(map[string]any{"asset": d.Asset, "kind": "failure", "limit": 50})
		if !ok {
			return out
		}
		for _, rec := range recs {
			if rec.Document != d.ID || rec.Downtime == nil {
				continue
			}
			out = append(out, r.msg("hist.downtime", d.ID, r.derive(d.ID+" downtime, hours", float64(*rec.Downtime)/60, "downtime_minutes ÷ 60 of "+rec.ID), *rec.Downtime, rec.ID))
			break
		}
	}
	return out
}

// ackRe asks to acknowledge, close or silence an alert.
var ackRe = regexp.MustCompile(`(?i)^\W*(?:please\s+)?(?:ack|acknowledge|close|silence|mute|dismiss|clear)\b.{0,30}\b(?:alerts?|alarms?)\b|(?:알람|경보).{0,10}(?:확인 ?처리|꺼|해제|닫아|승인|ack)`)

// notifyRe asks Gemba to message someone; rescheduleRe to change a work
// order or its date.
var (
	notifyRe     = regexp.MustCompile(`(?i)^\W*(?:please\s+|can you\s+|could you\s+)?(?:ping|notify|message|text|page|email|e-mail|call|tell|inform|alert)\s+(?:the\s+|my\s+|our\s+)?(?:maintenance|shift|line|plant|production|on-?call|lead|supervisor|manager|boss|team|engineer|tech\w*|planner)\b|(?:에게|한테)\s*(?:연락|전달|알려|메시지)\S*\s*(?:줘|주세요|해줘|해 ?주세요)`)
	rescheduleRe = regexp.MustCompile(`(?i)^\W*(?:please\s+|can you\s+|could you\s+)?(?:move|reschedule|postpone|push|bring forward|pull (?:in|forward)|close|cancel|assign|create|open (?:a|an|one|up a)\b)\b.{0,30}\b(?:wo-[\w-]+|work ?orders?|jobs?|pm)\b|(?:작업 ?지시|작업 ?오더|wo).{0,20}(?:옮겨|당겨|미뤄|변경|취소|닫아|만들어)\S*\s*(?:줘|주세요)`)
)

// wholeDay says whether s is whole plant days.
func wholeDay(p *plant.Plant, s Span) bool {
	return !s.From.IsZero() && p.Day(s.From, 0).Equal(s.From) && s.To.Sub(s.From) >= 20*time.Hour && p.Day(s.To, 0).Equal(s.To)
}

// recordVerdict reads a line's record of making its daily plan on made of
// n days: "miss" when, with a uniform prior on the rate at which it makes
// its plan, the rate is below one half with 95% probability (0 to 3 of 14
// days), "make" when above it with 95% (11 to 14 of 14), else "".
func recordVerdict(made, n int) string {
	if n == 0 {
		return ""
	}
	rate := distuv.Beta{Alpha: float64(made + 1), Beta: float64(n - made + 1)}
	switch below := rate.CDF(0.5); {
	case below >= 0.95:
		return "miss"
	case below <= 0.05:
		return "make"
	}
	return ""
}

// trackRecord says on how many of the 14 whole days before day (before
// today when day is ahead) line made its daily plan, and its daily shares'
// range ("" with fewer than 5 such days), with the counts.
func (r *run) trackRecord(line string, day time.Time) (string, int, int) {
	var shares []float64
	made := 0
	if today := r.p.Day(r.now, 0); day.After(today) {
		day = today // the days before today: today, still running, is no whole day
	}
	for _, o := range r.daysBefore(line, day) {
		if o.Hours >= 20 {
			shares = append(shares, 100*o.Actual/o.Plan)
			if o.Actual >= o.Plan {
				made++
			}
		}
	}
	if len(shares) < 5 {
		return "", 0, 0
	}
	lo, hi := slices.Min(shares), slices.Max(shares)
	return r.msg("plan.track", line, made, len(shares), r.derive("lowest daily share of plan, %", lo, "min of the days' actual ÷ plan"), r.derive("highest daily share of plan, %", hi, "max of the days' actual ÷ plan")), made, len(shares)
}

// alarmsIn lists the alarms the maintenance records hold for the machines
// of lines in w ("" when none or no records): a shift's summary says what
// went off in it.
func (r *run) alarmsIn(lines []string, w Span) string {
	items, _ := r.alarmItems(map[string]any{"kind": "alert", "since": stampUTC(w.From), "until": stampUTC(w.To), "limit": 20}, lines)
	if len(items) == 0 {
		return ""
	}
	slices.Sort(items)
	if n := len(items); n > 5 {
		// A week's summary: the first five, and how many more.
		items = append(items[:5:5], r.msg("handover.alarms_more", n-5))
	}
	return r.msg("handover.alarms", strings.Join(items, "; "))
}

// alarmItems lists the alarm records args select on the machines of
// lines (all when none), each as when, what and its id; ok is false when
// the records cannot be read.
func (r *run) alarmItems(args map[string]any, lines []string) (items []string, ok bool) {
	recs, ok := r.records(args)
	if !ok {
		return nil, false
	}
	var on []string
	for _, l := range lines {
		if ln, ok := r.p.Line(l); ok {
			on = append(on, ln.Assets...)
		}
	}
	for _, rec := range recs {
		if len(on) == 0 || slices.Contains(on, rec.Asset) {
			items = append(items, r.msg("handover.alarm", r.recordAt(rec.Opened), rec.Title, rec.ID))
		}
	}
	return items, true
}

// lastAlarmRe asks when a machine's alarms last went off ("3호기 프레스
// 알람 최근에 언제 떴어?", "when did press 3 last alarm?").
var lastAlarmRe = regexp.MustCompile(`(?i)(?:알람|경보)\S*\s*(?:최근에?|마지막으?로?|제일 최근)\s*(?:언제|몇 ?시)|(?:최근|마지막)\S*\s*(?:알람|경보)\S*\s*(?:언제|몇 ?시)|\bwhen (?:was|did) .{0,30}\b(?:last|latest|most recent) (?:alarm|alert)s?\b|\bwhen did .{0,30}\blast (?:alarm|alert)\b|\b(?:last|latest|most recent) (?:alarm|alert)s? (?:on|for|of)\b`)

// lastAlarms answers when asset's alarms last went off: its latest three
// alarm records, newest first; false when the records cannot be read.
func (r *run) lastAlarms(asset string) bool {
	items, ok := r.alarmItems(map[string]any{"kind": "alert", "asset": asset, "limit": 3}, nil)
	if !ok {
		return false
	}
	if len(items) == 0 {
		r.a.Situation = r.msg("alarms.last_none", asset)
		r.a.Confidence = "medium"
		return true
	}
	r.a.Situation = r.msg("alarms.last", asset, strings.Join(items, "; "))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
	return true
}

// alarmsNowRe asks which alarms are up now ("지금 떠있는 알람 있어?",
// "any alarms active right now?").
const alarmsNowPattern = `\b(?:any|what|which)\b.{0,15}\b(?:alarms?|alerts?)\b.{0,20}\b(?:active|up|on|right now|now|currently|at the moment|going off|showing|sounding)\b|\bactive (?:alarms?|alerts?)\b|(?:지금|현재)\s*(?:떠\s*있는|걸려\s*있는|울리는|켜진|켜져\s*있는|발생한|들어온|들어와\s*있는)?\s*(?:알람|경보)|(?:떠\s*있는|걸려\s*있는|울리고\s*있는|켜져\s*있는|열려\s*있는)\s*(?:알람|경보)`

var alarmsNowRe = regexp.MustCompile(`(?i)` + alarmsNowPattern)

// alarmsNow says the alarm records open now on the lines (all when none
// is named) and those raised in the last day.
func (r *run) alarmsNow(lines []string) []string {
	open, ok := r.alarmItems(map[string]any{"kind": "alert", "status": "open", "limit": 20}, lines)
	if !ok {
		return nil
	}
	out := []string{r.msg("alarms.open_none")}
	if len(open) > 0 {
		out = []string{r.msg("alarms.open", strings.Join(open, "; "))}
	}
	day := Span{From: r.now.Add(-24 * time.Hour), To: r.now, Label: "the last 24 hours", LabelKO: "지난 24시간"}
	if a := r.alarmsIn(lines, day); a != "" {
		out = append(out, r.msg("alarms.window", r.spanIn(day))+" "+a)
	}
	return out
}

// recentPace warns when line's last 12 hours ran well below their plan
// (under 95 %): a forecast follows the longer pattern, and a machine
// failing now makes the line slower than its past weeks.
func (r *run) recentPace(line string) string {
	if _, ok := r.p.Line(line); !ok {
		return ""
	}
	for _, o := range r.output([]string{line}, Span{From: r.now.Add(-12 * time.Hour), To: r.now}) {
		if o.Plan > 0 && o.Hours >= 6 && o.Pct < 95 {
			return r.msg("fc.recent_pace", line, o.Hours, o.SPct, o.SActual, o.SPlan)
		}
	}
	return ""
}
