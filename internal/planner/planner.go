// Package planner is Gemba's offline planner: it answers a question
// without an LLM, from the same tools the model would call, with the
// evidence gates the issue asks of every answer.
//
// Understanding is data, not code paths: intents and their phrases
// (lexicon.go), time expressions (timeexpr.go), metrics the plant can or
// cannot compute (metrics.go), facts a user adds (facts.go), and the
// plant's registry and vocabulary (internal/plant: assets, lines, series,
// aliases in English and Korean, number words, misspellings) are tables
// with tests beside them. A question becomes a Query (understand.go); one
// handler per intent runs the tools and composes the answer (answer.go)
// from one record per anomaly event (events.go), the documents that count
// as similar (docs.go), the rules documents state (rules.go) and a
// bilingual message catalogue (messages.go).
//
// It sits beside the LLM loop: agent.Runner calls it through the
// agent.Planner interface, wired in the composition root (internal/app);
// the agent does not import it.
package planner

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// Planner answers questions offline. It keeps no state between questions.
type Planner struct {
	log *slog.Logger
}

// Options configure a Planner.
type Options struct {
	// Logger gets the planner's logs; nil discards them.
	Logger *slog.Logger
}

// New returns a Planner.
func New(o Options) *Planner {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Planner{log: log.With("component", "planner")}
}

// Plan answers one question: it reads the plant, understands the
// question, runs the intent's tools and composes the answer.
// pastCauseAskRe asks what caused something that is over ("원인
// 뭐였음?", "what caused it?").
var pastCauseAskRe = regexp.MustCompile(`(?i)원인\S*\s*(?:이|은|는)?\s*(?:뭐였|뭐 ?였|무엇이었|뭐였음)|왜 (?:고장 ?났었|그랬었|났었)|\bwhat (?:was|were) the (?:root )?causes?\b|\bwhat caused (?:it|that|this|the \w+)\b|\bwhy did (?:it|that|this) (?:fail|happen|break|seize|trip)\b|\bwhat was (?:wrong|behind it)\b`)

// onlyIncident is the one incident the thread's latest answer names, or
// "" when it names none or several.
func onlyIncident(history []agent.Turn) string {
	return onlyID(incidentIDRe, lastAnswer(history))
}

// lastAnswer is the thread's latest answer, or "".
func lastAnswer(history []agent.Turn) string {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Role == agent.RoleAssistant {
			return history[i].Content
		}
	}
	return ""
}

// onlyID is the one id re finds in text, or "" when it finds none or
// several different ones.
func onlyID(re *regexp.Regexp, text string) string {
	ids := slices.Compact(slices.Sorted(slices.Values(re.FindAllString(text, -1))))
	if len(ids) != 1 {
		return ""
	}
	return ids[0]
}

// windowFailureDoc is the incident of the latest failure recorded on asset
// in w, or "".
func (r *run) windowFailureDoc(asset string, w Span) string {
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"asset": asset, "kind": "failure", "since": stampUTC(w.From), "until": stampUTC(w.To)})
	r.a.Citations = cites
	if !ok {
		return ""
	}
	for _, rec := range recs {
		if rec.Document != "" {
			return rec.Document
		}
	}
	return ""
}

// alarmsBeforeRe asks whether alarms or signs came before something the
// thread named ("그전에 알람 미리 떴었음?", "were there any alarms before
// it?").
var alarmsBeforeRe = regexp.MustCompile(`(?i)(?:그 ?전에|전에|미리|앞서).{0,12}(?:알람|경보|징후|전조)|(?:알람|경보|징후|전조)\S*\s*(?:미리|먼저|앞서)|\b(?:alarms?|alerts?|warnings?|signs?)\b.{0,25}\bbefore (?:it|that|the failure|the breakdown|hand)\b|\bany (?:warning|early) signs?\b`)

// failureIDRe finds a failure record's id in an answer ("F-INC-1005").
var failureIDRe = regexp.MustCompile(`\bF-[A-Za-z0-9][A-Za-z0-9-]*\d\b`)

// threadFailure is the one failure record the thread's latest answer
// names, read from the records (nil when it names none or several).
func (r *run) threadFailure() *maintRecord {
	id := onlyID(failureIDRe, lastAnswer(r.in.History))
	if id == "" {
		return nil
	}
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"id": id})
	r.a.Citations = cites
	if !ok || len(recs) == 0 || recs[0].Kind != "failure" {
		return nil
	}
	t, err := time.Parse(recordLayout, recs[0].Opened)
	if err != nil {
		return nil
	}
	recs[0].at = t
	return &recs[0]
}

func (pl *Planner) Plan(ctx context.Context, in agent.PlanInput) (*agent.Answer, error) {
	p, err := in.Tools.Plant(ctx)
	if err != nil && p == nil {
		return nil, fmt.Errorf("planner: read the plant: %w", err)
	}
	var earlier []string
	for _, h := range in.History {
		if h.Role == agent.RoleUser {
			earlier = append(earlier, h.Content)
		}
	}
	q := Understand(in.Request.Question, in.Request.Now, p, earlier, in.Request.Scope)
	if q.FollowUp && len(q.Docs) == 0 && !q.Shortcut && pastCauseAskRe.MatchString(q.Text) {
		// "원인 뭐였음?" after an answer about one past incident: that
		// incident's recorded cause, not a diagnosis of the machine now.
		if id := onlyIncident(in.History); id != "" {
			q.Docs, q.Intent = []string{id}, IntentDocument
		}
	}
	r := &run{ctx: ctx, in: in, p: p, q: q, now: in.Request.Now, lang: in.Lang, a: &agent.Answer{}}
	if len(q.Docs) == 0 && samePatternRe.MatchString(q.Text) && len(q.Assets) == 1 && q.Window.Named && q.Window.To.Before(in.Request.Now) {
		// "same thing as the october breakdown?": that failure's incident,
		// compared with now.
		if id := r.windowFailureDoc(q.Assets[0], q.Window); id != "" {
			r.q.Docs, r.q.Intent = []string{id}, IntentDocument
		}
	}
	if q.FollowUp && alarmsBeforeRe.MatchString(q.Text) {
		// "그전에 알람 미리 떴었음?" after an answer about one failure: the
		// week before that failure, with its alarms and changes.
		if f := r.threadFailure(); f != nil {
			r.q.Assets, r.q.Named, r.q.Intent = []string{f.Asset}, true, IntentStatus
			r.q.Window = Span{From: f.at.Add(-precursorLookback), To: f.at.Add(time.Hour), Label: "the week before " + f.ID, LabelKO: f.ID + " 전 1주", Named: true}
		}
	}
	pl.log.DebugContext(ctx, "question understood", "intent", q.Intent, "assets", q.Assets, "lines", q.Lines,
		"window", q.Window.Label, "horizon", q.Horizon.Label, "unknown", len(q.Unknown))
	if !r.previousStop() {
		r.answer()
	}
	if q.WhyOnly {
		r.because()
	}
	r.operatorView()
	r.burnView()
	r.noiseView()
	r.woWhyView()
	a := r.a
	a.Intent = string(q.Intent)
	if a.Intent == "" {
		a.Intent = string(IntentOutOfScope)
	}
	a.Derived = r.derived
	return a, nil
}

// run is the working state of one answer.
type run struct {
	ctx  context.Context
	in   agent.PlanInput
	p    *plant.Plant
	q    Query
	now  time.Time
	lang string
	a    *agent.Answer

	book eventBook
	lib  library
	// reach is, per asset, when its reading reaches the next documented
	// limit at its current rate, as an outlook said it.
	reach   map[string]reachAt
	results []agent.ToolResult
	derived []agent.Derived
	// failures are the readable errors of tools that could not answer.
	failures []string
	// windowFailures are the failure records of the window asked
	// (failureHistory), which confirm a failure the user names.
	windowFailures []maintRecord
	// stale holds, per asset whose data ends before the window asked
	// (an archive, a connector down), the window of its last data that
	// was checked instead.
	stale map[string]Span
	// asked is the window the question named when all the data it reads
	// ends before it (the window is then the last day of data), and
	// lastData when that data ends.
	asked    *Span
	lastData time.Time
	// staleNote says the whole plant's data ends before the window asked.
	staleNote string
	// stopSaid is the stop verdict said first ("stop.yes", "stop.notyet",
	// "safe.no", "safe.yet", or "stop.reported" for a stop symptom the user
	// reported): the question asked is whether to stop, so a symptom told
	// in it is not asked back ("진동 심한데 세워야 돼요?").
	stopSaid string
	// postponeSaid is the verdict on putting a job off to the time asked
	// ("can we push the WO to next week?"), said first.
	postponeSaid string
	// trendGaps counts trend windows without a reading.
	trendGaps int
	// replaceRules narrows the limits to the rules whose action replaces
	// or changes a part, said with that action ("when should the filter be
	// replaced?").
	replaceRules bool
	// replaceRead and replaceCrossed say a replacement rule's sensor had a
	// reading, and whether one is past its limit (the part is due).
	replaceRead, replaceCrossed bool
	// readingSaid is a reading the user gave that crosses a documented
	// limit ("2.2 bar"): what the answer's steps rest on.
	readingSaid string
	// saidReading is the reading the user gave, with its unit ("4.5 mm/s").
	saidReading string
	// causeSaid holds the incidents whose root cause the answer led with
	// (incidentStory): their history lines do not repeat it.
	causeSaid map[string]bool
	// twinOf maps a Korean runbook quoted in place of its English twin to
	// that twin (oneOfTwins).
	twinOf map[string]string
	// groupAssets are, for a count by failure mode or part, the machines
	// each group's records are on.
	groupAssets map[string][]string
	// groupBy is how the maintenance figures asked are grouped.
	groupBy string
}

// ignored notes document text that looked like instructions to the
// assistant: it is never acted on, and the answer says it was left out.
func (r *run) ignored(id string) {
	w := r.msg("warn.injection", id)
	for _, x := range r.a.Warnings {
		if x == w {
			return
		}
	}
	r.a.Warnings = append(r.a.Warnings, w)
}

func (r *run) ko() bool { return r.lang == "ko" }

// call runs tool calls (those the channel allows) and records their results.
func (r *run) call(calls ...agent.ToolCall) []agent.ToolResult {
	var run []agent.ToolCall
	for _, c := range calls {
		if r.in.Tools.Has(c.Name) {
			run = append(run, c)
		}
	}
	if len(run) == 0 {
		return nil
	}
	res := r.in.Tools.Run(r.ctx, run...)
	for _, x := range res {
		r.results = append(r.results, x)
		switch x.Call.Name {
		case tools.DetectAnomalies:
			r.book.add(eventsOf(x, r.now)...)
		case tools.SearchIncidents, tools.GetDocument:
			r.lib.merge(x)
		}
		if !x.OK && x.Error != "" {
			r.addFailure(x.Error)
		}
	}
	return res
}

// msg is a message of the catalogue in the answer's language.
func (r *run) msg(key string, args ...any) string { return message(r.lang, key, args...) }

// ends writes a span's ends in plant time, both with their year when the
// years differ ("2025-01-01 00:00–2026-01-01 00:00", never "2025-01-01
// 00:00–01-01 00:00").
func (r *run) ends(s Span) (string, string) {
	from, to := r.at(s.From), r.at(s.To)
	if !s.From.IsZero() && !s.To.IsZero() && r.p.Local(s.From).Year() != r.p.Local(s.To).Year() {
		from, to = r.p.Local(s.From).Format("2006-01-02 15:04"), r.p.Local(s.To).Format("2006-01-02 15:04")
	}
	return from, to
}

// at writes an instant in plant time ("12-02 10:20"), with its year when
// that is not the year of the question ("2015-03-21 13:00": a question
// about an imported history must not read as this year).
func (r *run) at(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := r.p.Local(t)
	if l.Year() != r.p.Local(r.now).Year() {
		return l.Format("2006-01-02 15:04")
	}
	return l.Format("01-02 15:04")
}

// span writes a window with its label in plant time.
func (r *run) span(s Span) string {
	label := s.Label
	if r.ko() {
		label = s.LabelKO
	}
	from, to := r.ends(s)
	r.note("window start, plant time", from, stampUTC(s.From))
	r.note("window end, plant time", to, stampUTC(s.To))
	return fmt.Sprintf("%s (%s–%s)", label, from, to)
}

// spanIn writes a window for a parenthesis: "yesterday, 12-05 00:00–12-06 00:00".
func (r *run) spanIn(s Span) string {
	label := s.Label
	if r.ko() {
		label = s.LabelKO
	}
	from, to := r.ends(s)
	r.note("window start, plant time", from, stampUTC(s.From))
	r.note("window end, plant time", to, stampUTC(s.To))
	return fmt.Sprintf("%s, %s–%s", label, from, to)
}

// note records a value the planner computed (a time in plant time) once.
func (r *run) note(what, value, from string) {
	for _, d := range r.derived {
		if d.Value == value {
			return
		}
	}
	r.derived = append(r.derived, agent.Derived{What: what, Value: value, From: from})
}

// derive records a number the planner computed, so grounding accepts it
// and the trace shows how.
func (r *run) derive(what string, v float64, from string) string {
	s := num(v)
	r.derived = append(r.derived, agent.Derived{What: what, Value: s, From: from})
	return s
}

// deriveCount records a count of parts the planner computed: whole from 100
// up, as the tools give counts ("478175", not "478000").
func (r *run) deriveCount(what string, v float64, from string) string {
	if math.Abs(v) < 100 {
		return r.derive(what, v, from)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	r.derived = append(r.derived, agent.Derived{What: what, Value: s, From: from})
	return s
}

// num writes a number with at most 3 significant digits, as the tools do.
func num(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	d := math.Ceil(math.Log10(math.Abs(v)))
	p := math.Pow(10, 3-d)
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// val writes a number a tool returned exactly as it returned it.
func val(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

func capitalize(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// sentence ends s with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func joinLines(parts []string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// hoursSince is how long ago t was, in whole hours.
func (r *run) hoursSince(t time.Time) int {
	return int(math.Round(r.now.Sub(t).Hours()))
}

// hoursTo is the whole hours from now to t (at least 1).
func (r *run) hoursTo(t time.Time) int {
	return max(1, int(math.Ceil(t.Sub(r.now).Hours()-1e-9)))
}

// noDataRe reads detect_anomalies' "no data in the window" message, which
// each line's call of a plant-wide question repeats.
var noDataRe = regexp.MustCompile(`^There is no data between (\S+) and (\S+) on any of the (\d+) assets checked: (.*)$`)

// isoStampRe is a tool's UTC time stamp ("2026-12-06T15:00Z").
var isoStampRe = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?Z\b`)

// failedLine says what a tool could not do, its UTC stamps in plant time
// as every other time of the answer.
func (r *run) failedLine(f string) string {
	f = isoStampRe.ReplaceAllStringFunc(f, func(s string) string {
		t := parseStamp(s)
		if t.IsZero() {
			return s
		}
		l := r.at(t)
		r.note("tool time, plant time", l, s)
		return l
	})
	return r.msg("tool.failed", f)
}

// addFailure keeps a tool's readable error for the answer; the same "no
// data in the window" of several lines' calls is said once, for all of
// their assets.
func (r *run) addFailure(e string) {
	if m := noDataRe.FindStringSubmatch(e); m != nil {
		for i, f := range r.failures {
			o := noDataRe.FindStringSubmatch(f)
			if o == nil || o[1] != m[1] || o[2] != m[2] || o[4] != m[4] {
				continue
			}
			n := r.derive("assets without data in the window, all calls", float64(atoi(o[3])+atoi(m[3])), "detect_anomalies")
			r.failures[i] = fmt.Sprintf("There is no data between %s and %s on any of the %s assets checked: %s", m[1], m[2], n, m[4])
			return
		}
	}
	r.failures = append(r.failures, e)
}

// reachAt is when a reading reaches a limit, and the limit in words.
type reachAt struct {
	At    time.Time
	Limit string
	// Sensor, Value, Unit and Dir are the limit's sensor, value and unit
	// and the side the reading moves towards (+1 up).
	Sensor string
	Value  float64
	Unit   string
	Dir    int
}
