package planner

import (
	"fmt"
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
// "에러 코드 E42", "알람 1023", or the code first: "E-07 에러"). A code is letters then digits, or two
// digits or more (so "alarm 2 times" is no code).
var codeRe = regexp.MustCompile(`(?i)\b((?:error|err|alarm|fault)\d{1,4})\b|\b(?:error|alarm|fault|err|warning)s?\b\s*(?:code|no\.?|number|#)?\s*([a-z]{1,3}-?\d{1,5}[a-z]?|\d{2,5})\b|(?:에러|오류|알람|경보|고장|폴트)\s*(?:코드|번호)?\s*([a-z]{1,3}-?\d{1,5}|\d{2,5})|\bcodes?\s+([a-z]{1,3}-?\d{1,5}|\d{2,5})\b|\b([a-z]{1,2}-?\d{2,5})\s*(?:에러|오류|알람|경보|폴트|(?:error|alarm|fault)s?\b)`)

// meanCodeRe finds a code asked about alone ("what does VIB-HI mean?",
// "what is E42?"): letters, a hyphen and letters or digits, or letters
// then digits.
var meanCodeRe = regexp.MustCompile(`(?i)\bwhat (?:does|do|is) (?:the |an? )?(?:alarm |alert |code |message )?([a-z]{2,5}-[a-z0-9]{1,5}|[a-z]{1,3}\d{2,5})\b(?:\s+(?:alarm|alert|code|message))?\s*(?:mean|stand for|\?|$)|(?i)\b([a-z]{2,5}-[a-z0-9]{1,5}|[a-z]{1,3}\d{2,5})\s*(?:알람|경보|코드)?\s*(?:가|이|는|은|란)?\s*(?:뭐야|뭐예요|뭔가요|무슨 뜻|무엇인가요|뜻이|의미)`)

// notCodePrefixes are the document and record ids' prefixes: "what is
// INC-1003?" asks for a document, not a code.
var notCodePrefixes = map[string]bool{"INC": true, "RB": true, "UC": true, "WO": true, "PM": true, "AL": true, "F": true, "SOP": true}

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
	if m := meanCodeRe.FindStringSubmatch(text); m != nil {
		said := m[1] + m[2]
		c := strings.ToUpper(said)
		prefix, _, _ := strings.Cut(c, "-")
		if !notCodePrefixes[prefix] && !assetLikeRe.MatchString(said) {
			out = appendUnique(out, c)
		}
	}
	return out
}

// assetLikeRe is a machine's name ("press-3", "cnc3"): no code.
var assetLikeRe = regexp.MustCompile(`(?i)^(?:press|pump|cnc|conveyor|compressor|filler|machine|line)-?\d+$`)

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
		// The maintenance records that carry the code: where and how often
		// it was logged, and the failure mode recorded with it.
		docSeen := seen
		if rl := r.codeRecords(c); rl != "" {
			lines = append(lines, rl)
			found, seen = true, true
		}
		if !seen {
			lines = append(lines, r.msg("code.none", c)) // each code the documents do not mention, said
		} else if !docSeen {
			lines = append(lines, r.msg("code.no_doc", c))
		}
	}
	r.a.Situation = strings.TrimSpace(joinLines(lines) + "\n" + r.a.Situation)
	if !found {
		r.a.Confidence = "low"
	} else if r.a.Confidence == "" {
		r.a.Confidence = "medium"
	}
}

// codeRecords says where the maintenance records log code c: how many
// records on which machines, the latest, and the failure mode recorded
// with it ("" without records or history).
func (r *run) codeRecords(c string) string {
	recs, ok := r.records(map[string]any{"code": c})
	if !ok || len(recs) == 0 {
		return ""
	}
	var assets, modes []string
	for _, rec := range recs {
		assets = appendUnique(assets, rec.Asset)
		if rec.FailureMode != "" {
			modes = appendUnique(modes, rec.FailureMode)
		}
	}
	n := fmt.Sprint(len(recs))
	if len(recs) == 50 {
		// More than one page of records: the count, from the records' figures.
		n = r.msg("code.at_least", 50)
		for _, res := range r.call(agent.ToolCall{Name: tools.MaintenanceHistory, Args: map[string]any{"code": c, "aggregate": "count"}}) {
			if d, ok := decode[maintData](res.Result.Data); ok && res.OK && len(d.Figures) == 1 {
				n = fmt.Sprint(d.Figures[0].Records)
			}
		}
	}
	where := strings.Join(assets, ", ")
	if len(assets) > 5 {
		where = r.msg("code.many_assets", strings.Join(assets[:5], ", "), len(assets))
	}
	line := r.msg("code.records", c, n, where, r.recordAt(recs[0].Opened), recs[0].ID)
	if len(modes) > 0 {
		var names []string
		for _, m := range modes {
			names = append(names, r.modeName(m))
		}
		line += " " + r.msg("code.modes", strings.Join(names, ", "))
	}
	return line
}
