package planner

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// --- "Is it always the belt?" ---------------------------------------------------
//
// "컨베이어 속도 알람 뜨면 무조건 벨트 문제임?", "does a speed alarm on conveyor 1
// always mean belt slip?": whether the machine's records show one cause for
// that sign or several — a plain "not always" with the cases that differ,
// never the one cause the question offers confirmed by default.

// alwaysCauseRe asks whether a sign always has the same cause.
var alwaysCauseRe = regexp.MustCompile(`(?i)\b(?:always|every time|each time|whenever|invariably|necessarily)\b.{0,40}\b(?:mean|means|the|a|cause\w*|because|problem|issue|fault)\b|\b(?:is|does) it always\b|무조건|항상|매번|언제나|늘 그런|늘 (?:벨트|그|이)`)

// alwaysCause answers for one machine and a sensor named; false when the
// question is not that or its records hold no such case.
func (r *run) alwaysCause(targets []string) bool {
	q := r.q
	if !alwaysCauseRe.MatchString(q.Text) || len(targets) != 1 || len(q.Sensors) == 0 {
		return false
	}
	asset := targets[0]
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": q.Question, "asset": asset, "kind": "incident", "k": 12}})
	if len(res) == 0 || !res[0].OK {
		return false
	}
	var ids []string // the machine's own records, every one read
	for _, id := range r.lib.merge(res[0]) {
		if d := r.lib.docs[id]; d != nil && d.Asset == asset {
			ids = append(ids, id)
		}
	}
	r.readFirst(ids, 12)
	// The machine's cases of the sign asked about: its sensor in the
	// record, one per failure mode (the first the search returned).
	var words []*regexp.Regexp // the plant vocabulary's words for the sensors asked
	for _, s := range plant.Sensors {
		if contains(q.Sensors, s.Sensor) {
			words = append(words, s.Matcher())
		}
	}
	var cases []*doc
	seen := map[string]bool{}
	for _, id := range ids {
		d := r.lib.docs[id]
		if d == nil || !d.incident() {
			continue
		}
		if !signIn(d.Title+"\n"+d.Body, words) || seen[d.Mode] {
			continue
		}
		seen[d.Mode] = true
		cases = append(cases, d)
	}
	if len(cases) == 0 {
		return false
	}
	sensor := r.sensorName(q.Sensors[0])
	var lines []string
	if len(cases) > 1 {
		lines = append(lines, r.msg("always.no", asset, sensor, len(cases)))
	} else {
		lines = append(lines, r.msg("always.one", asset, sensor))
	}
	for _, d := range cases {
		lines = append(lines, "• "+r.historyLine(d, asset))
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	}
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("escalate.history")
	return true
}

// quietSignRe says a sentence finds nothing wrong with what it names
// ("belt speed and current normal").
var quietSignRe = regexp.MustCompile(`(?i)\b(?:normal|steady|stable|unchanged|fine|ok|okay|flat)\b|정상|안정`)

// signIn says whether a record names the sign (one of words) as something
// that moved or alarmed, in a sentence that does not call it normal.
func signIn(text string, words []*regexp.Regexp) bool {
	for _, line := range strings.Split(strings.ToLower(text), "\n") {
		for _, sen := range splitSentences(line) {
			if !quietSignRe.MatchString(sen) && slices.ContainsFunc(words, func(w *regexp.Regexp) bool { return w.MatchString(sen) }) {
				return true
			}
		}
	}
	return false
}
