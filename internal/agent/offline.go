package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/tools"
)

// args holds the planner's idea of a call's arguments by concept; argsFor
// maps them onto the property names of the tool's own schema.
type args struct {
	Series, Asset, Line, Query, ID, Kind string
	FailureMode                          string
	Since, Until, At                     time.Time
	Horizon                              time.Duration
	K                                    int
	// Past asks compare_to_plan to look back over the window too.
	Past bool
}

var conceptNames = map[string][]string{
	"series":  {"series", "series_name", "name"},
	"asset":   {"asset", "asset_name", "machine"},
	"line":    {"line", "line_name"},
	"query":   {"query", "q", "text", "symptom"},
	"id":      {"id", "doc_id", "document_id"},
	"kind":    {"kind"},
	"mode":    {"failure_mode", "mode"},
	"since":   {"since", "start", "from", "window_start"},
	"until":   {"until", "end", "to", "window_end"},
	"hours":   {"hours", "window_hours", "lookback_hours", "last_hours"},
	"window":  {"window", "lookback", "last"},
	"horizon": {"horizon_hours", "hours_ahead", "horizon"},
	"past":    {"past_hours", "lookback_hours"},
	"at":      {"at", "time", "when"},
	"k":       {"k", "limit", "top_k", "n"},
}

// argsFor builds a JSON argument object for tool from the concepts, using
// only properties its schema declares (and their declared types).
func argsFor(tool tools.Tool, a args) string {
	props, _ := tool.Schema()["properties"].(map[string]any)
	out := map[string]any{}
	used := map[string]bool{}
	set := func(concept string, val func(typ string) any) {
		for _, name := range conceptNames[concept] {
			p, ok := props[name].(map[string]any)
			if !ok || used[name] {
				continue
			}
			typ, _ := p["type"].(string)
			if v := val(typ); v != nil {
				out[name] = v
				used[name] = true
			}
			return
		}
	}
	str := func(s string) func(string) any {
		return func(string) any {
			if s == "" {
				return nil
			}
			return s
		}
	}
	set("series", str(a.Series))
	set("asset", str(a.Asset))
	set("line", str(a.Line))
	set("query", str(a.Query))
	set("id", str(a.ID))
	set("kind", str(a.Kind))
	set("mode", str(a.FailureMode))
	if !a.Since.IsZero() && a.At.IsZero() {
		hours := a.Until.Sub(a.Since).Hours()
		if a.Until.IsZero() {
			hours = 24
		}
		set("since", func(typ string) any { return a.Since.UTC().Format(time.RFC3339) })
		if !a.Until.IsZero() {
			set("until", func(typ string) any { return a.Until.UTC().Format(time.RFC3339) })
		}
		if _, ok := out["since"]; !ok && !used["start"] && !used["from"] && !used["window_start"] {
			set("hours", func(typ string) any {
				if typ == "string" {
					return fmt.Sprintf("%gh", hours)
				}
				return int(hours + 0.5)
			})
			set("window", func(typ string) any {
				if typ == "integer" || typ == "number" {
					return int(hours + 0.5)
				}
				return fmt.Sprintf("%dh", int(hours+0.5))
			})
		}
	}
	if !a.At.IsZero() {
		set("at", func(string) any { return a.At.UTC().Format(time.RFC3339) })
	}
	if a.Past && !a.Since.IsZero() {
		until := a.Until
		if until.IsZero() {
			until = time.Now()
		}
		set("past", func(typ string) any {
			h := until.Sub(a.Since).Hours()
			if typ == "integer" {
				return int(h + 0.5)
			}
			return float64(int(h*10+0.5)) / 10
		})
	}
	if a.Horizon > 0 {
		h := a.Horizon.Hours()
		set("horizon", func(typ string) any {
			if typ == "string" {
				return fmt.Sprintf("%dh", int(h+0.5))
			}
			return int(h + 0.5)
		})
	}
	if a.K > 0 {
		set("k", func(string) any { return a.K })
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// plan answers a question without an LLM: it reads intent and entities,
// runs the same tools the model would, and composes the answer from their
// results and the recorded actions of the best-matching incidents. Text of
// retrieved documents is only ever quoted, never acted upon.
func (r *Runner) plan(ctx context.Context, t *turn) (*Answer, error) {
	step := 100 // planner steps are numbered apart from model steps in the trace
	call := func(calls ...pendingCall) []callOutcome {
		step++
		var run []pendingCall
		for i, c := range calls {
			if c.Name == "" {
				continue
			}
			c.ID = fmt.Sprintf("plan_%d_%d", step, i)
			c.Step = step
			run = append(run, c)
		}
		if len(run) == 0 {
			return nil
		}
		return r.runCalls(ctx, t, run)
	}
	mk := func(name string, a args) pendingCall {
		tl, ok := t.registry.Get(name)
		if !ok {
			return pendingCall{}
		}
		return pendingCall{Name: name, Args: argsFor(tl, a)}
	}

	var cat Catalog
	if _, ok := t.registry.Get(tools.ListSeries); ok {
		outs := call(mk(tools.ListSeries, args{}))
		if len(outs) == 1 && outs[0].ok {
			cat = catalogFromData(outs[0].res.Data)
			// A long catalog comes in pages: ask again line by line.
			if total := totalOf(outs[0].res.Data); total > len(cat.Series) && hasProp(t.registry, tools.ListSeries, "line") {
				var more []pendingCall
				for _, l := range cat.Lines() {
					more = append(more, mk(tools.ListSeries, args{Line: l}))
				}
				for _, o := range call(more...) {
					if o.ok {
						cat = cat.merge(catalogFromData(o.res.Data))
					}
				}
			}
		}
	}
	q := ParseQuestion(t.req.Question, t.now, cat)
	// Follow-ups inherit from the latest earlier question that named something.
	for i := len(t.history) - 1; i >= 0; i-- {
		if t.history[i].Role != RoleUser {
			continue
		}
		prev := ParseQuestion(t.history[i].Content, t.now, cat)
		if len(prev.Assets)+len(prev.Lines)+len(prev.Series) > 0 || len(prev.Intents) > 0 {
			q.inherit(prev, t.req.Question)
			break
		}
	}
	// A channel bound to an asset or line scopes unnamed questions.
	if len(q.Assets)+len(q.Lines)+len(q.Series) == 0 {
		if s := t.req.Scope; s.Asset != "" {
			q.Assets = []string{s.Asset}
		} else if s.Line != "" {
			q.Lines = []string{s.Line}
		}
	}
	q.resolve(cat)
	if q.Window.IsZero() {
		q.Window = Window{Since: t.now.Add(-24 * time.Hour), Until: t.now}
	}
	if q.Horizon == 0 {
		q.Horizon = 24 * time.Hour
	}
	t.query = &q

	// Phase 1: the evidence tools, concurrently.
	var first []pendingCall
	if q.Has(IntentAnomalies) || q.Has(IntentExplain) {
		targets := 0
		for _, s := range q.Series {
			if targets < 4 {
				first = append(first, mk(tools.DetectAnomalies, args{Series: s, Since: q.Window.Since, Until: q.Window.Until}))
				targets++
			}
		}
		if targets == 0 {
			for _, a := range q.Assets {
				if targets < 4 {
					first = append(first, mk(tools.DetectAnomalies, args{Asset: a, Since: q.Window.Since, Until: q.Window.Until}))
					targets++
				}
			}
		}
		lines := q.Lines
		if targets == 0 && len(lines) == 0 && len(q.Assets) == 0 {
			// "Is anything wrong in the plant?": every line.
			lines = cat.Lines()
			if len(lines) > 4 {
				lines = lines[:4]
			}
		}
		if targets == 0 && len(lines) > 0 {
			if hasProp(t.registry, tools.DetectAnomalies, "line") {
				for _, l := range lines {
					first = append(first, mk(tools.DetectAnomalies, args{Line: l, Since: q.Window.Since, Until: q.Window.Until}))
				}
			} else {
				for i, a := range cat.lineAssets(lines) {
					if i < 6 {
						first = append(first, mk(tools.DetectAnomalies, args{Asset: a, Since: q.Window.Since, Until: q.Window.Until}))
					}
				}
			}
		}
	}
	if q.Has(IntentPlan) {
		for _, s := range q.Series {
			a := args{Series: s, Horizon: q.Horizon, Since: q.Window.Since, Until: q.Window.Until, Past: q.Window.Phrase != ""}
			if line, ok := strings.CutSuffix(s, ".output"); ok {
				a = args{Line: line, Horizon: q.Horizon, Since: q.Window.Since, Until: q.Window.Until, Past: q.Window.Phrase != ""}
			}
			first = append(first, mk(tools.CompareToPlan, a))
		}
	}
	if q.Has(IntentForecast) {
		for _, s := range q.Series {
			first = append(first, mk(tools.ForecastSeries, args{Series: s, Horizon: q.Horizon}))
		}
	}
	symptom := q.Has(IntentAnomalies) || q.Has(IntentExplain) || q.Has(IntentIncidents)
	q.target = docTarget{FailureMode: FailureModeOf(t.req.Question), Lang: t.lang}
	for i := len(t.history) - 1; i >= 0 && q.FollowUp && q.target.FailureMode == ""; i-- {
		if t.history[i].Role == RoleUser {
			q.target.FailureMode = FailureModeOf(t.history[i].Content) // "has this happened before?"
		}
	}
	if len(q.Assets) == 1 {
		q.target.Asset = q.Assets[0]
		q.target.Line = cat.lineOf(q.Assets[0])
	} else if len(q.Assets) == 0 && len(q.Lines) == 1 {
		q.target.Line = q.Lines[0]
	}
	searches := func(sq args) []pendingCall {
		// Runbooks are seldom tied to one asset: search them on their own,
		// so the steps that touch equipment can name their SOP.
		calls := []pendingCall{mk(tools.SearchIncidents, sq), mk(tools.SearchIncidents, args{Query: sq.Query, Kind: "runbook", K: 5})}
		// An asset-bound search finds only that asset's incidents: look for
		// the same failure mode elsewhere too, cited as a similar case when
		// the asset has none of its own.
		if sq.Asset != "" && q.target.FailureMode != "" && hasProp(t.registry, tools.SearchIncidents, "failure_mode") {
			similar := args{Query: sq.Query, FailureMode: q.target.FailureMode, Kind: "incident", K: 3}
			if !t.req.Scope.IsZero() {
				// A channel's scope would narrow an unbound search to its own
				// asset: name the line, so the sister machines count.
				similar.Line = q.target.Line
			}
			calls = append(calls, mk(tools.SearchIncidents, similar))
		}
		return calls
	}
	detecting := false
	for _, c := range first {
		detecting = detecting || c.Name == tools.DetectAnomalies
	}
	// With no machine named, search for what detection finds, not for the question's words alone.
	deferSearch := symptom && detecting && len(q.Assets)+len(q.Series) == 0
	sq := args{Query: searchText(t.req.Question, q), K: 5}
	if len(q.Assets) == 1 {
		sq.Asset = q.Assets[0]
	} else if len(q.Assets) == 0 && len(q.Lines) == 1 {
		sq.Line = q.Lines[0]
	}
	if symptom && !deferSearch {
		first = append(first, searches(sq)...)
	}
	outs := call(first...)
	if deferSearch {
		var best detectEvent
		found := false
		for _, o := range outs {
			if d, ok := readDetect(o.res.Data); ok && o.name == tools.DetectAnomalies && o.ok {
				if e, ok := d.strongest(); ok && (!found || (e.Ongoing && !best.Ongoing) || (e.Ongoing == best.Ongoing && e.Score > best.Score)) {
					best, found = e, true
				}
			}
		}
		if found && best.Asset != "" {
			q.target.Asset, q.target.Line = best.Asset, cat.lineOf(best.Asset)
			if q.target.FailureMode == "" {
				q.target.FailureMode = sensorFailureMode(best.Sensor)
			}
			sq.Asset, sq.Line = best.Asset, ""
			sq.Query += " " + best.Asset + " " + strings.ReplaceAll(best.Sensor, "_", " ")
		}
		outs = append(outs, call(searches(sq)...)...)
	}

	// Phase 2: explain the anomaly found and read the best documents.
	var second []pendingCall
	if q.Has(IntentExplain) || (q.Has(IntentAnomalies) && len(q.Assets)+len(q.Series) <= 2) {
		for _, o := range outs {
			// "Why…" gets an explanation even without a detected event
			// (the decomposition and the comparison with last week still tell).
			if o.name != tools.DetectAnomalies || !o.ok || (!hasEvents(o.res.Data) && !q.Has(IntentExplain)) {
				continue
			}
			a := args{Since: q.Window.Since, Until: q.Window.Until}
			a.Series, _ = o.trace.Args["series"].(string)
			a.Asset, _ = o.trace.Args["asset"].(string)
			if ev, ok := firstEvent(o.res.Data); ok {
				if a.Asset == "" && a.Series == "" {
					a.Asset = ev.asset
				}
				a.At = ev.peak
			}
			if a.Asset == "" && a.Series == "" {
				continue
			}
			second = append(second, mk(tools.ExplainAnomaly, a))
			break
		}
	}
	{
		// Several machines (or a line) asked about: the evidence is about
		// the one with the strongest anomaly; a question that names no
		// failure mode takes the one its sensor points at.
		var best detectEvent
		found := false
		for _, o := range outs {
			if d, ok := readDetect(o.res.Data); ok && o.name == tools.DetectAnomalies && o.ok {
				if e, ok := d.strongest(); ok && e.Asset != "" && (!found || (e.Ongoing && !best.Ongoing) || (e.Ongoing == best.Ongoing && e.Score > best.Score)) {
					best, found = e, true
				}
			}
		}
		if found && q.target.Asset == "" {
			q.target.Asset, q.target.Line = best.Asset, cat.lineOf(best.Asset)
		}
		if found && q.target.FailureMode == "" && best.Asset == q.target.Asset {
			q.target.FailureMode = sensorFailureMode(best.Sensor)
		}
	}
	if q.target.Asset != "" && symptom {
		// The machine the evidence is about was not searched on its own
		// (several were named): look for its own incidents too.
		own := false
		for _, o := range outs {
			own = own || o.name == tools.SearchIncidents && o.trace.Args["asset"] == q.target.Asset
		}
		if !own {
			outs = append(outs, call(mk(tools.SearchIncidents, args{Query: sq.Query, Asset: q.target.Asset, K: 5}))...)
		}
	}
	incs, rbs := rankDocs(outs, targetOf(t, &q))
	quiet := q.Check && !q.Has(IntentIncidents)
	for _, o := range outs {
		if o.name == tools.DetectAnomalies && (!o.ok || hasEvents(o.res.Data)) {
			quiet = false
		}
	}
	// The best incident and the two best runbooks: a runbook without
	// numbered steps (a checklist by interval, a matrix) gives way to the next.
	var read []string
	if len(incs) > 0 {
		read = append(read, incs[0].ID)
	}
	for i := 0; i < len(rbs) && i < 2; i++ {
		read = append(read, rbs[i].ID)
	}
	for _, id := range read {
		if !quiet { // a status check that found nothing needs no documents
			second = append(second, mk(tools.GetDocument, args{ID: id}))
		}
	}
	call(second...)

	ans := r.compose(ctx, t, &q)
	ans.Mode = ModeOffline
	return ans, nil
}

var (
	outcomeLineRe = regexp.MustCompile(`(?i)^(?:vibration|temperature|pressure|current|speed|output|진동|온도|압력|전류|속도)(?:[^.:]{0,40}:|[^.]{0,30}\b(?:fell|dropped|rose|settled|returned|back to|stayed)\b)|after (?:the )?(?:restart|repair)|재가동 후|떨어졌|안정되었`)
	sopRefRe      = regexp.MustCompile(`\b(?:RB|SOP)-[A-Za-z0-9-]*[A-Za-z0-9]`)
)

var procedureRe = regexp.MustCompile(`(?i)how (?:do|can|should) (?:i|we)|procedure|\bsop\b|runbook|instructions|steps to|who (?:do|should) (?:i|we) (?:call|tell|inform)|절차|방법|매뉴얼|누구에게|에스컬레이션`)

// searchSynonyms widen the incident query with the words the documents use.
var searchSynonyms = []struct {
	re  *regexp.Regexp
	add string
}{
	{regexp.MustCompile(`(?i)lock ?out|tag ?out|잠금|표지`), "lockout LOTO"},
	{regexp.MustCompile(`(?i)escalat|who (?:do i|should i) call|line stop|에스컬레이션|보고`), "escalation matrix"},
	{regexp.MustCompile(`(?i)vibrat|진동`), "vibration bearing"},
	{regexp.MustCompile(`(?i)hot\b|overheat|temperature|과열|온도`), "overheating temperature"},
	{regexp.MustCompile(`(?i)slip|미끄러|슬립`), "belt slip"},
	{regexp.MustCompile(`(?i)strainer|clog|막힘|필터`), "filter clogging"},
}

// hasProp reports whether the named tool's schema declares the property.
func hasProp(reg *tools.Registry, tool, prop string) bool {
	tl, ok := reg.Get(tool)
	if !ok {
		return false
	}
	props, _ := tl.Schema()["properties"].(map[string]any)
	_, ok = props[prop]
	return ok
}

// searchText is the incident query: the question plus the entities and
// sensors it names and a few synonyms, which the store's full-text leg
// matches on.
func searchText(question string, q Query) string {
	parts := []string{question}
	for _, s := range searchSynonyms {
		if s.re.MatchString(question) {
			parts = append(parts, s.add)
		}
	}
	parts = append(parts, q.Assets...)
	for _, s := range q.Sensors {
		if s != "output" {
			parts = append(parts, strings.ReplaceAll(s, "_", " "))
		}
	}
	return strings.Join(parts, " ")
}

// hasEvents reports whether a detection result holds at least one event or anomaly.
func hasEvents(data any) bool {
	b, err := json.Marshal(data)
	if err != nil {
		return false
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return false
	}
	found := false
	var walk func(any)
	walk = func(x any) {
		switch m := x.(type) {
		case map[string]any:
			for k, e := range m {
				lk := strings.ToLower(k)
				if lk == "events" || lk == "anomalies" {
					if arr, ok := e.([]any); ok && len(arr) > 0 {
						found = true
					}
				}
				if (lk == "event_count" || lk == "events_count" || lk == "anomaly_count") && asFloat(e) > 0 {
					found = true
				}
				walk(e)
			}
		case []any:
			for _, e := range m {
				walk(e)
			}
		}
	}
	walk(v)
	return found
}

// totalOf reads the "total" count of a paged result (0 when absent).
func totalOf(data any) int {
	b, err := json.Marshal(data)
	if err != nil {
		return 0
	}
	var v struct {
		Total int `json:"total"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Total
}

type eventRef struct {
	asset string
	peak  time.Time
}

// detectEvent is the part of a detect_anomalies event the planner reads.
type detectEvent struct {
	Asset   string  `json:"asset"`
	Sensor  string  `json:"sensor"`
	Start   string  `json:"start"`
	End     string  `json:"end"`
	Peak    string  `json:"peak"`
	Ongoing bool    `json:"ongoing"`
	Score   float64 `json:"score"`
	Value   float64 `json:"value"`
	Usual   float64 `json:"usual"`
	Unit    string  `json:"unit"`
}

type detectData struct {
	Checked []string      `json:"checked"`
	Events  []detectEvent `json:"events"`
}

func readDetect(data any) (detectData, bool) {
	var d detectData
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &d) != nil {
		return d, false
	}
	return d, true
}

// strongest returns the event that matters most: ongoing first, then by score.
func (d detectData) strongest() (detectEvent, bool) {
	if len(d.Events) == 0 {
		return detectEvent{}, false
	}
	best := d.Events[0]
	for _, e := range d.Events[1:] {
		if (e.Ongoing && !best.Ongoing) || (e.Ongoing == best.Ongoing && e.Score > best.Score) {
			best = e
		}
	}
	return best, true
}

// firstEvent returns the asset and peak time of the strongest event of a detection result.
func firstEvent(data any) (eventRef, bool) {
	d, ok := readDetect(data)
	if !ok {
		return eventRef{}, false
	}
	e, ok := d.strongest()
	if !ok {
		return eventRef{}, false
	}
	ref := eventRef{asset: e.Asset}
	for _, s := range []string{e.Peak, e.Start} {
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02 15:04", "2006-01-02T15:04"} {
			if t, err := time.Parse(layout, s); err == nil {
				ref.peak = t
				return ref, true
			}
		}
	}
	return ref, true
}

// koDetect says a detection result in Korean, with the tool's own numbers.
func koDetect(data any) string {
	d, ok := readDetect(data)
	if !ok || (len(d.Events) == 0 && len(d.Checked) == 0) {
		return ""
	}
	e, ok := d.strongest()
	if !ok {
		return strings.Join(d.Checked, ", ") + ": 기간 중 이상 없음."
	}
	who := strings.TrimSpace(e.Asset + " " + e.Sensor)
	unit := ""
	if e.Unit != "" {
		unit = " " + e.Unit
	}
	if e.Ongoing {
		return fmt.Sprintf("%s 이상 %d건 중 가장 중요한 것: %s부터 계속 중, 현재 %s%s (평소 %s).", who, len(d.Events), e.Start, fmtNum(e.Value), unit, fmtNum(e.Usual))
	}
	return fmt.Sprintf("%s 이상 %d건 중 가장 큰 것: %s ~ %s, %s%s (평소 %s).", who, len(d.Events), e.Start, e.End, fmtNum(e.Value), unit, fmtNum(e.Usual))
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// koForecast says a forecast_series result in Korean, with the tool's numbers.
func koForecast(data any) string {
	var d struct {
		Series  string   `json:"series"`
		Unit    string   `json:"unit"`
		Model   string   `json:"model"`
		Step    string   `json:"step"`
		Horizon int      `json:"horizon"`
		MASE    float64  `json:"mase"`
		Total   *float64 `json:"total"`
		TotalLo float64  `json:"total_lo80"`
		TotalHi float64  `json:"total_hi80"`
		Cutoff  string   `json:"cutoff"`
		Points  []struct {
			T    string  `json:"t"`
			Mean float64 `json:"mean"`
			Lo80 float64 `json:"lo80"`
			Hi80 float64 `json:"hi80"`
		} `json:"points"`
	}
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &d) != nil || d.Series == "" {
		return ""
	}
	step, err := time.ParseDuration(d.Step)
	if err != nil || d.Horizon <= 0 {
		return ""
	}
	hours := fmtNum(math.Round(float64(d.Horizon)*step.Hours()*10) / 10)
	head := fmt.Sprintf("%s 예측 (앞으로 %s시간, 모델 %s, 백테스트 MASE %s, 데이터 기준 %s)", d.Series, hours, d.Model, fmtNum(d.MASE), d.Cutoff)
	if d.Total != nil {
		return fmt.Sprintf("%s: 합계 %s (80%% 구간 %s–%s).", head, fmtNum(*d.Total), fmtNum(d.TotalLo), fmtNum(d.TotalHi))
	}
	if n := len(d.Points); n > 0 {
		p := d.Points[n-1]
		return fmt.Sprintf("%s: %s에 %s %s (80%% 구간 %s–%s).", head, p.T, fmtNum(p.Mean), d.Unit, fmtNum(p.Lo80), fmtNum(p.Hi80))
	}
	return ""
}

// koPlan says a compare_to_plan result in Korean, with the tool's numbers.
func koPlan(data any) string {
	type span struct {
		Hours     int      `json:"hours"`
		Actual    float64  `json:"actual"`
		Forecast  float64  `json:"forecast"`
		Lo        float64  `json:"forecast_lo80"`
		Hi        float64  `json:"forecast_hi80"`
		Plan      float64  `json:"plan"`
		Shortfall float64  `json:"shortfall"`
		Pct       float64  `json:"attainment_pct"`
		AtRisk    int      `json:"hours_at_risk"`
		Below     *int     `json:"hours_below_plan"`
		_         struct{} `json:"-"`
	}
	var d struct {
		Output string `json:"output"`
		Past   *span  `json:"past"`
		Ahead  *span  `json:"ahead"`
	}
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &d) != nil || d.Output == "" {
		return ""
	}
	line := strings.TrimSuffix(d.Output, ".output")
	var parts []string
	if p := d.Past; p != nil {
		gap := fmt.Sprintf("%s 부족", fmtNum(p.Shortfall))
		if p.Shortfall < 0 {
			gap = fmt.Sprintf("%s 초과", fmtNum(-p.Shortfall))
		}
		parts = append(parts, fmt.Sprintf("지난 %d시간 생산 %s / 계획 %s (달성률 %s%%, %s)", p.Hours, fmtNum(p.Actual), fmtNum(p.Plan), fmtNum(p.Pct), gap))
	}
	if a := d.Ahead; a != nil {
		s := fmt.Sprintf("앞으로 %d시간 예측 %s / 계획 %s (달성률 %s%%, 80%% 구간 %s–%s)", a.Hours, fmtNum(a.Forecast), fmtNum(a.Plan), fmtNum(a.Pct), fmtNum(a.Lo), fmtNum(a.Hi))
		if a.Shortfall > 0 {
			s += fmt.Sprintf(", 예상 부족 %s", fmtNum(a.Shortfall))
		}
		if a.AtRisk > 0 {
			s += fmt.Sprintf(", 80%% 상한으로도 계획 미달인 시간 %d시간", a.AtRisk)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return line + ": " + strings.Join(parts, "; ") + "."
}

func asFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// docText returns the body text of a get_document result, whatever its shape.
func docText(data any) (id, kind, body string) {
	b, err := json.Marshal(data)
	if err != nil {
		return "", "", ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "", "", ""
	}
	var walk func(any)
	walk = func(x any) {
		switch m := x.(type) {
		case map[string]any:
			for _, k := range []string{"body", "content", "text", "markdown"} {
				if s, ok := m[k].(string); ok && len(s) > len(body) {
					body = s
				}
			}
			if s, ok := m["id"].(string); ok && id == "" {
				id = s
			}
			if s, ok := m["kind"].(string); ok && kind == "" {
				kind = s
			}
			for _, e := range m {
				if _, isMap := e.(map[string]any); isMap {
					walk(e)
				}
			}
		}
	}
	walk(v)
	return id, kind, body
}

var (
	mdHeadingRe = regexp.MustCompile(`^\s*#{1,6}\s*(.+?)\s*#*\s*$|^\s*\*\*(.+?)\*\*\s*:?\s*$|^\s*([A-Za-z가-힣 /()]+):\s*$`)
	listItemRe  = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•]|\[[ x]\])\s+(.+)$`)
)

// sections splits a Markdown body into heading → text.
func sections(body string) map[string][]string {
	out := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(body, "\n") {
		if m := mdHeadingRe.FindStringSubmatch(line); m != nil {
			h := m[1] + m[2] + m[3]
			cur = strings.ToLower(strings.TrimSpace(h))
			continue
		}
		if strings.TrimSpace(line) != "" {
			out[cur] = append(out[cur], line)
		}
	}
	return out
}

// sectionLines returns the lines of the first section whose heading
// contains one of the names.
func sectionLines(secs map[string][]string, names ...string) []string {
	keys := make([]string, 0, len(secs))
	for k := range secs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, n := range names {
		for _, k := range keys {
			if strings.Contains(k, n) {
				return secs[k]
			}
		}
	}
	return nil
}

// actionItems reads the recorded actions of an incident ("Actions",
// "Actions taken", "조치", "조치 사항") or a runbook's procedure.
func actionItems(body string) []string {
	secs := sections(body)
	lines := sectionLines(secs, "actions", "action taken", "corrective", "fix", "조치", "procedure", "steps", "절차", "resolution", "해결")
	var items []string
	for _, l := range lines {
		if m := listItemRe.FindStringSubmatch(l); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
		} else if n := len(items); n > 0 && strings.HasPrefix(l, "  ") {
			items[n-1] += " " + strings.TrimSpace(l)
		}
	}
	if len(items) == 0 && lines == nil {
		// No steps section: a short runbook numbers its steps right under
		// its title.
		items = topLevelSteps(body)
	}
	if len(items) == 0 {
		for _, l := range lines {
			if s := strings.TrimSpace(l); s != "" {
				items = append(items, s)
			}
		}
	}
	return items
}

var numberedItemRe = regexp.MustCompile(`^\s*\d+[.)]\s+(.+)$`)

// topLevelSteps returns the numbered items that stand under the document's
// title (or before any heading), not those of a sub-section.
func topLevelSteps(body string) []string {
	var items []string
	top := true
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			top = !strings.HasPrefix(t, "##")
			continue
		}
		if !top {
			continue
		}
		if m := numberedItemRe.FindStringSubmatch(l); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
		}
	}
	if len(items) == 0 {
		items = tableSteps(body)
	}
	return items
}

// tableSteps reads a runbook that is one table of three columns (an
// escalation matrix: situation, who, within) as one step per row:
// "Line stopped, cause unknown: Maintenance on-call (ext. 4411), within 10 minutes".
func tableSteps(body string) []string {
	var rows [][]string
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
			continue // the separator row
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 || len(rows[0]) != 3 {
		return nil
	}
	var items []string
	for _, r := range rows[1:] {
		if len(r) != 3 || r[0] == "" || r[1] == "" {
			continue
		}
		s := r[0] + ": " + r[1]
		switch {
		case r[2] == "":
		case r[2][0] >= '0' && r[2][0] <= '9':
			s += ", " + strings.ToLower(rows[0][2]) + " " + r[2] // "within 10 minutes"
		default:
			s += ", " + r[2] // "immediately"
		}
		items = append(items, s+".")
	}
	return items
}

func firstSentence(lines []string) string {
	var prose []string
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "|") { // tables do not read as a sentence
			prose = append(prose, l)
		}
	}
	s := strings.TrimSpace(strings.Join(prose, " "))
	s = strings.TrimLeft(s, "-*• ")
	if m := sentenceEnd.FindStringIndex(s); m != nil {
		return strings.TrimSpace(s[:m[1]])
	}
	if r := []rune(s); len(r) > 240 {
		return string(r[:240]) + "…"
	}
	return s
}

// compose builds an answer from the turn's tool results: used by the
// offline planner and when the model runs out of steps.
func (r *Runner) compose(_ context.Context, t *turn, q *Query) *Answer {
	ko := t.lang == "ko"
	a := &Answer{}
	var situation []string
	var errs []string
	var explain string
	anomalyFound := false
	var incident, runbook struct {
		cit  tools.Citation
		body string
	}
	// Documents read, by id, in reading order.
	incBodies, rbBodies := map[string]string{}, map[string]string{}
	var incRead, rbRead []tools.Citation
	cits := map[string]tools.Citation{}
	for _, o := range t.outcomes {
		for _, c := range o.res.Citations {
			if _, ok := cits[c.ID]; !ok {
				cits[c.ID] = c
			}
		}
	}
	for _, o := range t.outcomes {
		if o.external != "" && o.ok {
			continue // another system's result never makes a planner answer
		}
		if !o.ok {
			if o.trace.Error != "" && o.name != tools.ListSeries {
				errs = append(errs, fmt.Sprintf("%s: %s", o.name, o.trace.Error))
			}
			continue
		}
		switch o.name {
		case tools.ListSeries, tools.SearchIncidents:
		case tools.GetDocument:
			id, kind, body := docText(o.res.Data)
			if id == "" {
				id, _ = o.trace.Args["id"].(string)
			}
			c, ok := cits[id]
			if !ok {
				c = tools.Citation{ID: id, Kind: kind}
				for _, rc := range o.res.Citations {
					c = rc
				}
			}
			if c.Kind == "" {
				c.Kind = kind
			}
			if isRunbook(c.ID, c.Kind) {
				if _, ok := rbBodies[c.ID]; !ok {
					rbBodies[c.ID] = body
					rbRead = append(rbRead, c)
				}
			} else if _, ok := incBodies[c.ID]; !ok {
				incBodies[c.ID] = body
				incRead = append(incRead, c)
			}
		case tools.ExplainAnomaly:
			if k := koExplain(o.res.Data); ko && k != "" {
				explain = k
			} else if ko && o.res.Summary != "" {
				explain = koToolLabel(o.name) + " 결과(원문): " + o.res.Summary
			} else if o.res.Summary != "" {
				explain = o.res.Summary
			}
		default:
			if o.name == tools.DetectAnomalies && hasEvents(o.res.Data) {
				anomalyFound = true
			}
			if ko {
				var k string
				switch o.name {
				case tools.DetectAnomalies:
					k = koDetect(o.res.Data)
				case tools.ForecastSeries:
					k = koForecast(o.res.Data)
				case tools.CompareToPlan:
					k = koPlan(o.res.Data)
				}
				if k != "" {
					situation = append(situation, k)
					continue
				}
			}
			if sum := strings.TrimSpace(o.res.Summary); sum != "" {
				if line, _ := o.trace.Args["line"].(string); line != "" && !strings.Contains(sum, line) {
					sum = line + ": " + sum
				}
				if ko && !hasHangul(sum) {
					sum = koToolLabel(o.name) + " 결과(원문): " + sum // a result the Korean wording could not read, framed
				}
				situation = append(situation, sum)
			}
		}
	}
	tg := targetOf(t, q)
	// The documents to build on: the best-ranked read incident, and the
	// best-ranked read runbook that has steps (else the best read one).
	incRank, rbRank := rankDocs(t.outcomes, tg)
	if tg.FailureMode == "" && !tg.Procedure && len(incRank) > 0 {
		// As rankDocs does: the runbooks that fit are those of the incident.
		if m := docMetas(t.outcomes)[incRank[0].ID]; m.FailureMode != "" && (tg.Asset == "" || m.Asset == tg.Asset) {
			tg.FailureMode = m.FailureMode
		}
	}
	for _, c := range append(incRank, incRead...) {
		if b, ok := incBodies[c.ID]; ok {
			incident.cit, incident.body = c, b
			if len(incRead) > 0 && incRead[0].ID == c.ID {
				incident.cit = incRead[0] // the citation get_document returned
			}
			break
		}
	}
	for _, c := range append(rbRank, rbRead...) {
		// What "how do I…" asked for stays, steps or not.
		// Another runbook replaces one without steps only when it is for the
		// same failure mode (a generic LOTO sheet is no bearing procedure).
		sameMode := tg.FailureMode != "" && docMetas(t.outcomes)[c.ID].FailureMode == tg.FailureMode && (ko || !hasHangul(c.Title))
		if b, ok := rbBodies[c.ID]; ok && (runbook.cit.ID == "" || (q == nil || !q.Procedure) && sameMode && len(actionItems(runbook.body)) == 0 && len(actionItems(b)) > 0) {
			runbook.cit, runbook.body = c, b
		}
	}
	if incident.cit.ID == "" || runbook.cit.ID == "" {
		// Documents found but not read (e.g. step limit): cite the best of them.
		inc, rb := pickDocs(t.outcomes, tg)
		if incident.cit.ID == "" && inc.ID != "" {
			incident.cit = inc
		}
		if runbook.cit.ID == "" && rb.ID != "" {
			runbook.cit = rb
		}
	}

	a.Situation = joinSentences(situation)
	if a.Situation == "" && len(errs) > 0 {
		a.Situation = strings.Join(errs, "; ")
	}
	if q != nil && q.Procedure && runbook.body != "" && len(situation) == 0 {
		if ko {
			a.Situation = fmt.Sprintf("절차: %s %s.", runbook.cit.ID, runbook.cit.Title)
		} else {
			a.Situation = fmt.Sprintf("Procedure: %s %s.", runbook.cit.ID, runbook.cit.Title)
		}
	}
	metas := docMetas(t.outcomes)
	incMeta := metas[incident.cit.ID]
	similar := similarTo(incMeta, tg, ko)
	if a.Situation == "" && incident.cit.ID != "" {
		switch {
		case ko && similar != "":
			a.Situation = fmt.Sprintf("센서 데이터에서 확인된 내용은 없고 %s 자체의 과거 사례도 없지만 %s가 있습니다: %s %s.", tg.Asset, similar, incident.cit.ID, incident.cit.Title)
		case ko:
			a.Situation = fmt.Sprintf("센서 데이터에서 확인된 내용은 없지만 비슷한 과거 사례가 있습니다: %s %s.", incident.cit.ID, incident.cit.Title)
		case similar != "":
			a.Situation = fmt.Sprintf("No sensor evidence was requested or found, and %s has no past case of its own, but there is a %s: %s %s.", tg.Asset, similar, incident.cit.ID, incident.cit.Title)
		default:
			a.Situation = fmt.Sprintf("No sensor evidence was requested or found, but a similar past case exists: %s %s.", incident.cit.ID, incident.cit.Title)
		}
	}
	if len(errs) > 0 && len(situation) > 0 {
		if ko {
			a.Situation += " (일부 도구 오류: " + strings.Join(errs, "; ") + ")"
		} else {
			a.Situation += " (some tools failed: " + strings.Join(errs, "; ") + ")"
		}
	}

	// A status check that found nothing asks for no action: do not dress
	// unrelated past incidents up as next steps.
	detected := false
	for _, o := range t.outcomes {
		if o.name == tools.DetectAnomalies && o.ok {
			detected = true
		}
	}
	if q != nil && q.Check && detected && !anomalyFound && !q.Has(IntentIncidents) {
		incident.body, runbook.body = "", ""
		incident.cit, runbook.cit = tools.Citation{}, tools.Citation{}
	}

	// Likely cause: the explanation, else the matching incident's root cause.
	incSecs := sections(incident.body)
	switch {
	case explain != "":
		a.Cause = explain
	case incident.body != "" && (q == nil || !q.Procedure):
		if rc := firstSentence(sectionLines(incSecs, "root cause", "cause", "원인")); rc != "" {
			switch {
			case ko && similar != "":
				a.Cause = fmt.Sprintf("%s 자체 사례는 아니며, %s %s 기준: %s", tg.Asset, similar, incident.cit.ID, rc)
			case ko:
				a.Cause = fmt.Sprintf("과거 사례 %s 기준: %s", incident.cit.ID, rc)
			case similar != "":
				a.Cause = fmt.Sprintf("Not a %s case: in a %s (%s), %s", tg.Asset, similar, incident.cit.ID, lowerFirst(rc))
			default:
				a.Cause = fmt.Sprintf("As in %s: %s", incident.cit.ID, rc)
			}
		}
	}

	// Next steps: the runbook's numbered steps (instructions) backed by the
	// incident's recorded actions as evidence, else the recorded actions
	// rewritten as instructions.
	a.Steps = r.nextSteps(t, q, incident.cit, incident.body, runbook.cit, runbook.body, incMeta, similar)
	if runbook.cit.ID != "" {
		for i := range a.Steps {
			if a.Steps[i].SOP == "" && equipmentRe.MatchString(a.Steps[i].Text) {
				a.Steps[i].TouchesEquipment = true
				a.Steps[i].SOP = runbook.cit.ID
			}
		}
		if runbook.body == "" || len(a.Steps) > 0 && a.Steps[0].SOP != runbook.cit.ID {
			a.modelCitations = append(a.modelCitations, runbook.cit.ID)
		}
	}
	usedIncident := !(q != nil && q.Procedure && runbook.body != "")
	for _, s := range a.Steps {
		for _, id := range s.Citations {
			usedIncident = usedIncident || id == incident.cit.ID
		}
	}
	if incident.cit.ID != "" && usedIncident { // "how do I…" answered from the runbook alone cites the runbook
		a.modelCitations = append(a.modelCitations, incident.cit.ID)
	}
	if runbook.cit.ID != "" {
		a.modelCitations = appendUnique(a.modelCitations, runbook.cit.ID)
	}

	// Escalation: the documents' own words, else a plain rule.
	esc, escFrom := firstSentence(sectionLines(sections(runbook.body), "escalat", "에스컬레이션", "보고")), runbook.cit.ID
	if esc == "" {
		esc, escFrom = firstSentence(sectionLines(incSecs, "escalat", "에스컬레이션", "보고")), incident.cit.ID
	}
	if ko && esc != "" && !hasHangul(esc) {
		esc = fmt.Sprintf("%s의 에스컬레이션 기준: %s", escFrom, esc) // the document's own words, framed
	}
	production := q != nil && (q.Has(IntentForecast) || q.Has(IntentPlan)) && !q.Has(IntentAnomalies)
	switch {
	case esc != "":
	case production && ko:
		esc = "예측이 계속 계획보다 낮으면 교대 리더와 생산 계획 담당에게 알리세요."
	case production:
		esc = "Tell the shift lead and production planning if the forecast stays below plan."
	case ko:
		esc = "수치가 계속 오르거나 설비가 정지하면 보전 담당 리더에게 바로 알리세요."
	default:
		esc = "Call the maintenance lead if the readings keep rising or the machine trips."
	}
	a.Escalate = esc

	switch {
	case anomalyFound && incident.cit.ID != "" && similar == "":
		a.Confidence = "high"
	case anomalyFound || incident.cit.ID != "" || len(situation) > 0:
		a.Confidence = "medium"
	default:
		a.Confidence = "low"
	}
	if strings.TrimSpace(a.Situation) == "" {
		a.Situation = noEvidence(t)
		a.Confidence = "low"
	}
	if q != nil && q.FollowUp {
		if ko {
			a.Situation = "(이전 질문의 대상 기준) " + a.Situation
		} else {
			a.Situation = "(following up on the earlier question) " + a.Situation
		}
	}
	if ko && len(situation) > 0 && q != nil && q.Window.Phrase != "" && (q.Has(IntentAnomalies) || q.Has(IntentExplain)) {
		a.Situation = fmt.Sprintf("[%s ~ %s] ", q.Window.Since.Format("01-02 15:04"), q.Window.Until.Format("01-02 15:04")) + a.Situation
	}
	return a
}

// joinSentences joins tool summaries into one paragraph, ending each that
// lacks it with a full stop so that two results never run together.
func joinSentences(parts []string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if r, _ := utf8.DecodeLastRuneInString(p); !strings.ContainsRune(".!?。", r) {
			p += "."
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}
