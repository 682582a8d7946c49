package planner

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
)

// This file routes safety questions to the hazard they are about, not to
// the machine they name: whom to call first after an injury, a leak
// someone would fix while the machine runs, a guard opened to touch a
// part after an alarm, a personal lock at the end of a shift.

// --- Whom to call first -------------------------------------------------------

// escalTitleRe finds the escalation matrix by its title.
var escalTitleRe = regexp.MustCompile(`(?i)escalat|에스컬레이션`)

// escalationAsked says a question asks whom to call or tell ("누구한테
// 먼저 연락함?", "who needs to know?", "에스컬레이션 순서").
func escalationAsked(text string) bool {
	return whoAskRe.MatchString(text) || escalTitleRe.MatchString(text)
}

// escRows pair what a question says happened with the row of the
// escalation matrix for it, most urgent first: an injury before a stopped
// line, a line stopped over an hour before one just stopped.
var escRows = []struct{ ask, row *regexp.Regexp }{
	{injuryRe, regexp.MustCompile(`(?i)safety|injur|near miss|안전|부상|아차`)},
	{regexp.MustCompile(`(?i)\b(?:over|more than|longer than|for) (?:an?|1|one) hours?\b|\b(?:hours|an hour)\b.{0,12}\b(?:down|stopped)\b|(?:한|1) ?시간 ?(?:넘|이상|초과|째|넘게|동안)`), regexp.MustCompile(`(?i)longer than|more than|초과`)},
	{regexp.MustCompile(`(?i)\bline\b.{0,15}\b(?:down|stopped|stops|stopping|halted)\b|\b(?:stopped|down)\b.{0,10}\bline\b|\bcause unknown\b|라인\S*\s*(?:이|가)?\s*(?:섰|서고|서서|서 ?있|멈|정지|다운|스톱)|(?:설비|기계)\S*\s*(?:섰|멈|정지)|원인 ?(?:모름|모르|불명)`), regexp.MustCompile(`(?i)cause unknown|원인 모름`)},
	{regexp.MustCompile(`(?i)\bspare\b|\b(?:out of|not in) stock\b|\bno (?:spare|part)s?\b|예비품|재고\S*\s*(?:없|부족)|부품\S*\s*(?:없|부족)`), regexp.MustCompile(`(?i)spare|stock|예비품|재고`)},
	{regexp.MustCompile(`(?i)\bagain\b|\brepeat\w*|\bsame (?:fault|failure)\b|재발|또 ?고장|다시 ?고장|또 ?섰|또 ?멈`), regexp.MustCompile(`(?i)repeat|재고장`)},
}

// escalationFirst puts the rows of the escalation matrix for what the
// question says happened first, most urgent first, and leads the answer
// with whom to call first ("사람 다쳤을 때 누구한테 먼저 연락함?": the
// shift manager and EHS, not maintenance). en are the rows as the English
// runbook writes them, in the order of the answer's steps; id the
// document the steps' text comes from.
func (r *run) escalationFirst(en []string, id string) {
	if len(en) != len(r.a.Steps) {
		return
	}
	var first []int
	for _, k := range escRows {
		if !k.ask.MatchString(r.q.Text) {
			continue
		}
		for i := range en {
			if k.row.MatchString(en[i]+" "+r.a.Steps[i].Text) && !slices.Contains(first, i) {
				first = append(first, i)
				break
			}
		}
	}
	if len(first) == 0 {
		return
	}
	steps := make([]agent.Step, 0, len(r.a.Steps))
	for _, i := range first {
		steps = append(steps, r.a.Steps[i])
	}
	for i, s := range r.a.Steps {
		if !slices.Contains(first, i) {
			steps = append(steps, s)
		}
	}
	r.a.Steps = steps
	text := strings.TrimSuffix(strings.TrimSpace(steps[0].Text), ".")
	lead := r.msg("proc.escalate.first_whole", text, id)
	if sit, who, ok := strings.Cut(text, ": "); ok && (hasHangul(text) == r.ko()) {
		lead = r.msg("proc.escalate.first", lowerFirst(sit), lowerFirst(who), id)
	}
	r.a.Situation = joinLines([]string{lead, r.a.Situation})
	if hurtRe.MatchString(r.q.Text) {
		r.a.Escalate = r.msg("escalate.injury")
	}
	r.a.Confidence = "high"
}
