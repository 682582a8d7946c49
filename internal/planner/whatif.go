package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// "얼라인 안하고 그냥 두면 어케됨?", "what happens if we don't align the
// pump 2 coupling?": what the plant's memory says about leaving that work
// undone, from the incidents where it was left undone and the fix did not
// hold (INC-2024-044: the bearing replaced, the misalignment left, and the
// vibration came down only halfway until the coupling was aligned).

// whatIfNotRe asks what happens if a piece of work is not done.
var whatIfNotRe = regexp.MustCompile(`(?i)\bwhat (?:happens|would happen|will happen|could happen|if)\b.{0,15}\b(?:don'?t|dont|do not|never|skip|leave|ignore|postpone|put off)\b|(?:안\s*하고|안\s*하면|안\s*해도|그냥\s*두면|놔두면|내버려\s*두면|방치하면|미루면)\s*.{0,12}(?:어케|어떻게|어떡|어떻|무슨\s*일|어찌|문제)`)

// undoneWork are the kinds of work a what-if names, each as the question's
// words and the words an incident uses for it.
var undoneWork = []struct {
	ask, doc *regexp.Regexp
	en, ko   string
}{
	{regexp.MustCompile(`(?i)\balign\w*|얼라인|정렬`), regexp.MustCompile(`(?i)\balign\w*|misalign\w*|정렬`), "alignment", "얼라인(정렬)"},
	{regexp.MustCompile(`(?i)\btension\w*|장력`), regexp.MustCompile(`(?i)\btension\w*|장력`), "tensioning", "장력 조정"},
	{regexp.MustCompile(`(?i)\bgreas\w*|\blub\w*|그리스|구리스|윤활`), regexp.MustCompile(`(?i)\bgreas\w*|\blubric\w*|그리스|윤활`), "greasing", "그리스 주입"},
	{regexp.MustCompile(`(?i)\bfilter\w*|필터`), regexp.MustCompile(`(?i)\bfilter\w*|필터`), "filter change", "필터 교체"},
	{regexp.MustCompile(`(?i)\bstrainer\w*|스트레이너`), regexp.MustCompile(`(?i)\bstrainer\w*|스트레이너`), "strainer cleaning", "스트레이너 청소"},
	{regexp.MustCompile(`(?i)\bclean\w*|청소|세척`), regexp.MustCompile(`(?i)\bclean\w*|청소|세척`), "cleaning", "청소"},
}

// whatIfNot answers it for one machine from its own incidents and its
// type's; false when not asked, no work is named (in the question or the
// thread's latest one), or no incident left that work undone.
func (r *run) whatIfNot(targets []string) bool {
	q := r.q
	if len(targets) != 1 || !whatIfNotRe.MatchString(q.Text) {
		return false
	}
	asset := targets[0]
	var docRe *regexp.Regexp
	var said string
	texts := []string{q.Text}
	if q.Thread != "" {
		earlier := strings.Split(q.Thread, "\n")
		texts = append(texts, earlier[len(earlier)-1])
	}
	for _, t := range texts {
		for _, w := range undoneWork {
			if w.ask.MatchString(t) && docRe == nil {
				docRe, said = w.doc, w.en
				if r.ko() {
					said = w.ko
				}
			}
		}
	}
	if docRe == nil {
		return false
	}
	r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": said + " " + asset + " not done partial", "kind": "incident", "k": 10}})
	typ := typeOf(asset, r.p)
	var cases []*doc
	for _, d := range r.sortedDocs() {
		if !d.incident() || (d.Asset != asset && typeOf(d.Asset, r.p) != typ) || d.Outcome == "worked" || d.Outcome == "" {
			continue
		}
		if !docRe.MatchString(d.Title + " " + d.Body) {
			continue
		}
		cases = append(cases, d)
	}
	// The machine's own first.
	for i := range cases {
		if cases[i].Asset == asset {
			cases[0], cases[i] = cases[i], cases[0]
			break
		}
	}
	if len(cases) == 0 {
		return false
	}
	lines := []string{r.msg("whatif.head", said, asset)}
	for _, d := range cases[:min(len(cases), 2)] {
		if !d.Read {
			r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
		}
		why := ""
		for _, l := range docLines(d.Body) {
			if docRe.MatchString(l) && !strings.HasPrefix(strings.TrimSpace(l), "tags:") {
				for _, sen := range splitSentences(l) {
					if docRe.MatchString(sen) {
						why = r.quoteTitle(strings.TrimSuffix(strings.TrimSpace(sen), "."))
						break
					}
				}
			}
			if why != "" {
				break
			}
		}
		lines = append(lines, r.msg("whatif.case", d.ID, r.occurredDay(d), r.quoteTitle(d.Title), why)+r.outcomeDetail(d))
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	}
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("escalate.default")
	return true
}
