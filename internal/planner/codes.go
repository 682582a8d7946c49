package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// IntentCode asks what an alarm or error code means ("what does error code
// E42 mean on the CNC?", "알람 1023이 뭐야?"): the plant's documents that
// mention it, or plainly that none do.
const IntentCode Intent = "code"

// codeRe finds an alarm, error or fault code as people write it: a code
// word then the code ("error code E42", "alarm 1023", "fault F-07",
// "에러 코드 E42", "알람 1023"). A code is letters then digits, or two
// digits or more (so "alarm 2 times" is no code).
var codeRe = regexp.MustCompile(`(?i)\b(?:error|alarm|fault|err|warning)s?\s*(?:code|no\.?|number|#)?\s*([a-z]{1,3}-?\d{1,5}[a-z]?|\d{2,5})\b|(?:에러|오류|알람|경보|고장|폴트)\s*(?:코드|번호)?\s*([a-z]{1,3}-?\d{1,5}|\d{2,5})|\bcodes?\s+([a-z]{1,3}-?\d{1,5}|\d{2,5})\b`)

// codesIn returns the codes a question names, upper-cased, in order.
func codesIn(text string) []string {
	var out []string
	for _, m := range codeRe.FindAllStringSubmatch(text, 4) {
		for _, g := range m[1:] {
			if g != "" {
				out = appendUnique(out, strings.ToUpper(g))
			}
		}
	}
	return out
}

// codeLines returns the lines of a document's text that mention code
// (as a whole word, case-insensitively), at most two.
func codeLines(text, code string) []string {
	re := regexp.MustCompile(`(?i)(?:^|[^\pL\pN-])` + regexp.QuoteMeta(code) + `(?:$|[^\pL\pN])`)
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if re.MatchString(line) {
			out = append(out, strings.TrimSpace(strings.TrimLeft(line, "-*# ")))
			if len(out) == 2 {
				break
			}
		}
	}
	return out
}

// code answers what a code means from the documents that mention it; with
// none, it says so and what to do instead. Machines named get their state
// too (their data is what Gemba can check).
func (r *run) code() {
	codes := codesIn(r.q.Text)
	if len(r.q.Assets)+len(r.q.Lines)+len(r.q.Series) > 0 {
		r.condition()
	}
	var lines []string
	found := false // any code found in the documents
	for _, c := range codes {
		seen := false
		args := map[string]any{"query": c + " " + r.q.Question, "k": 8}
		if len(r.q.Assets) == 1 {
			args["asset"] = r.q.Assets[0]
		}
		var reads []agent.ToolCall
		for _, res := range r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: args}) {
			for _, id := range r.lib.merge(res) {
				reads = append(reads, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": id}})
			}
		}
		for _, res := range r.call(reads...) {
			for _, id := range r.lib.merge(res) {
				d := r.lib.docs[id]
				if d == nil {
					continue
				}
				for _, l := range codeLines(d.Title+"\n"+d.Body, c) {
					lines = append(lines, r.msg("code.seen", c, d.ID, l))
					r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
					found, seen = true, true
				}
			}
		}
		if !seen {
			lines = append(lines, r.msg("code.none", c)) // each code the documents do not mention, said
		}
	}
	r.a.Situation = strings.TrimSpace(joinLines(lines) + "\n" + r.a.Situation)
	if !found {
		r.a.Confidence = "low"
	} else if r.a.Confidence == "" {
		r.a.Confidence = "medium"
	}
}
