package planner

import (
	"regexp"
	"strings"
)

// "cnc3 툴홀더 밸런스 체크 WO 왜 생긴거임?", "why is there a tool holder
// balance check WO on cnc 3?": an open work order is there for a reason
// the records usually show: an earlier failure of the same thing. The
// answer names the work order and the failure whose title says what its
// title says.

// woWhyRe asks why a work order exists ("WO" is read as "work order").
var woWhyRe = regexp.MustCompile(`(?i)\bwhy\b.{0,50}\bwork ?orders?\b|\bwork ?orders?\b.{0,50}\bwhy\b|\bwhat(?:'s| is) (?:the |that |this )?work ?order\b.{0,30}\bfor\b|work ?orders?\S*.{0,20}(?:왜|이유)|(?:왜|이유).{0,20}work ?orders?|작업 ?지시\S*.{0,20}(?:왜|이유)`)

// woWordRe are the words of a record's title compared.
var woWordRe = regexp.MustCompile(`[a-z]{3,}|\d{3,}`)

// woStop are title words that say nothing of what the work is about.
var woStop = map[string]bool{"the": true, "and": true, "for": true, "check": true, "caused": true, "from": true, "with": true, "after": true, "high": true}

// woWhyView leads the answer with why the open work order asked about is
// there: the failure of the same machine whose title shares at least two
// words of substance with the work order's.
func (r *run) woWhyView() {
	if !woWhyRe.MatchString(r.q.Text) {
		return
	}
	targets := targetsOf(r.q, r.p)
	if len(targets) != 1 {
		return
	}
	asset := targets[0]
	open, ok := r.records(map[string]any{"asset": asset, "kind": "work_order", "status": "open", "limit": 10})
	if !ok || len(open) == 0 {
		return
	}
	q := woWords(r.q.Text, asset)
	wo, best := open[0], -1
	for _, w := range open {
		if n := overlap(q, woWords(w.Title, asset)); n > best {
			wo, best = w, n
		}
	}
	fails, ok := r.records(map[string]any{"asset": asset, "kind": "failure", "limit": 30})
	if !ok {
		return
	}
	words := woWords(wo.Title, asset)
	var cause *maintRecord
	most := 1
	for i, f := range fails {
		if n := overlap(words, woWords(f.Title, asset)); n > most {
			cause, most = &fails[i], n
		}
	}
	if cause == nil {
		return
	}
	line := r.msg("wo.why", wo.ID, r.quoteTitle(wo.Title), cause.ID, r.recordAt(cause.Opened), r.quoteTitle(cause.Title))
	r.a.Situation = joinLines([]string{line, r.a.Situation})
}

// woWords are the stems of a title's words of substance (five letters,
// so "balance" and "unbalanced" differ, but "holders" and "holder" meet).
func woWords(text, asset string) map[string]bool {
	out := map[string]bool{}
	text = strings.ToLower(strings.ReplaceAll(text, asset, " "))
	for _, w := range woWordRe.FindAllString(text, -1) {
		if woStop[w] {
			continue
		}
		if len(w) > 5 {
			w = w[:5]
		}
		out[w] = true
	}
	return out
}

// overlap counts the words a and b share.
func overlap(a, b map[string]bool) int {
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return n
}
