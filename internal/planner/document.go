package planner

import (
	"regexp"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// document answers a question that names documents by id ("what is
// INC-1003?", "show me RB-LOTO"): a runbook's procedure; an incident's
// what happened, why and what was done; an id the store does not hold,
// said so.
func (r *run) document() {
	var calls []agent.ToolCall
	for _, id := range r.q.Docs {
		calls = append(calls, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": id}})
	}
	var out []string
	var runbook *doc
	records := 0 // maintenance records named by id
	for i, res := range r.call(calls...) {
		id := r.q.Docs[i]
		if !res.OK {
			// Not a document: a maintenance record by that id (a work
			// order number), or said to be neither.
			if line := r.recordByID(id); line != "" {
				out = append(out, line)
				records++
				continue
			}
			out = append(out, r.msg("doc.none", id))
			continue
		}
		ids := r.lib.merge(res)
		if len(ids) == 0 {
			continue
		}
		d := r.lib.docs[ids[0]]
		if d == nil {
			continue
		}
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
		if d.runbook() {
			if runbook == nil {
				runbook = d
			}
			continue
		}
		out = append(out, r.incidentStory(d)...)
	}
	if runbook != nil && len(out) == 0 {
		// A runbook alone: its procedure, as "how do I …" gets it.
		r.procedureFrom([]*doc{runbook})
		return
	}
	if runbook != nil {
		out = append(out, r.msg("proc.head", runbook.ID, runbook.Title))
	}
	if records > 0 && similarBeforeRe.MatchString(r.q.Text) {
		// "WO-C3-201 내용 뭐야? 예전에 비슷한 건 있었나": the past
		// incidents like the work on that machine.
		for _, id := range r.q.Docs {
			out = append(out, r.similarToRecord(id)...)
		}
	}
	if rescheduleRe.MatchString(r.q.Text) {
		// "can you move WO-P3-BRG to tonight?": what Gemba cannot do, then
		// the record as it stands.
		out = append([]string{r.msg("oos.reschedule")}, out...)
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "medium"
	switch {
	case records == len(r.q.Docs):
		r.a.Confidence = "high" // records read as they stand
	case len(r.a.Citations) == 0 && records == 0:
		r.a.Confidence = "low"
	}
}

// incidentStory tells one incident: what the question asks of it first
// (its root cause, how long it was down), then the history line (when,
// what, the outcome, what was done) and its symptoms and root cause as
// recorded.
func (r *run) incidentStory(d *doc) []string {
	if t, err := time.Parse(time.RFC3339, d.Occurred); err == nil {
		d.Occurred = r.p.Local(t).Format("2006-01-02") // get_document's instant, as search writes it
	}
	var lead []string
	causeAsked := histCauseRe.MatchString(r.q.Text)
	if causeAsked {
		// "INC-1003 what was the root cause?": the whole root cause (the
		// worn bearing and why it wore), first.
		if rc := r.rootCause(d); rc != "" {
			lead = append(lead, r.msg("doc.cause_of", d.ID, rc))
			r.causeLed(d.ID)
		}
	}
	if downAskRe.MatchString(r.q.Text) {
		// "… and how long were we down?": the failure record's downtime.
		lead = append(lead, r.incidentDowntime([]*doc{d})...)
	}
	out := append(lead, r.historyLineN(d, "", 4))
	secs := sections(d.Body)
	done := 0
	for _, a := range actionItems(d.Body) {
		if !outcomeLineRe.MatchString(a) {
			done++
		}
	}
	for _, part := range []struct {
		key   string
		names []string
	}{
		{"doc.symptoms", []string{"symptom", "증상"}},
		{"doc.cause", []string{"root cause", "cause", "원인"}},
		{"doc.done", []string{"actions", "action taken", "corrective", "조치"}},
	} {
		if part.key == "doc.done" && done > 0 {
			continue // the history line says what was done
		}
		if part.key == "doc.cause" && causeAsked {
			continue // said first
		}
		text := firstSentence(sectionLines(secs, part.names...))
		if part.key == "doc.cause" {
			text = r.rootCause(d)
		} else if text == "" || injectionRe.MatchString(text) {
			continue
		} else if r.ko() && !hasHangul(text) {
			text = r.msg("quote.en", text)
		} else if !r.ko() && hasHangul(text) {
			text = r.msg("quote.ko", text)
		}
		if text == "" {
			continue
		}
		out = append(out, r.msg(part.key, strings.TrimSpace(text)))
	}
	return out
}

// rootCause is an incident's root cause as recorded, whole (its first
// sentences: "the bearing was spalled" and "its grease line was partly
// blocked"), quoted when in the other language ("" when none is written).
func (r *run) rootCause(d *doc) string {
	lines := sectionLines(sections(d.Body), "root cause", "cause", "원인")
	var prose []string
	for _, l := range lines {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "|") {
			prose = append(prose, strings.TrimLeft(t, "-*• "))
		}
	}
	sens := splitSentences(strings.Join(prose, " "))
	if len(sens) > 3 {
		sens = sens[:3]
	}
	text := strings.TrimSpace(strings.Join(sens, " "))
	if text == "" || injectionRe.MatchString(text) {
		return ""
	}
	if r := []rune(text); len(r) > 480 {
		text = string(r[:480]) + "…"
	}
	switch {
	case r.ko() && !hasHangul(text):
		text = r.msg("quote.en", strings.TrimSuffix(text, "."))
	case !r.ko() && hasHangul(text):
		text = r.msg("quote.ko", strings.TrimSuffix(text, "."))
	}
	return text
}

// causeLed notes an incident whose root cause the answer already led
// with: its history line does not say it again.
func (r *run) causeLed(id string) {
	if r.causeSaid == nil {
		r.causeSaid = map[string]bool{}
	}
	r.causeSaid[id] = true
}

// recordByID says what the maintenance record with that id is: its kind,
// machine, title, status (open, due; or closed when) ("" when there is no
// such record or no history).
func (r *run) recordByID(id string) string {
	recs, ok := r.records(map[string]any{"id": id})
	if !ok || len(recs) == 0 {
		return ""
	}
	rec := recs[0]
	state := r.msg("rec.closed", r.recordAt(rec.Closed))
	switch {
	case rec.Status == "open" && rec.Due != "":
		state = r.msg("rec.open_due", r.recordAt(rec.Due))
	case rec.Status == "open":
		state = r.msg("rec.open")
	case rec.Closed == "":
		state = r.msg("rec.done")
	}
	return r.msg("rec.line", rec.ID, r.kindWord(rec.Kind), rec.Asset, rec.Title, r.recordAt(rec.Opened), state)
}

// kindWord names a maintenance record's kind in the answer's language.
func (r *run) kindWord(k string) string {
	if w := message(r.lang, "reckind."+k); w != "reckind."+k {
		return w
	}
	return strings.ReplaceAll(k, "_", " ")
}

// similarBeforeRe asks whether something like it happened before ("예전에
// 비슷한 건 있었나", "anything like it before?").
var similarBeforeRe = regexp.MustCompile(`(?i)비슷한 ?(?:건|거|게|것|사례|일|고장|경우)|예전에.{0,12}(?:있었|있나|있어)|\b(?:anything|something|any(?:thing)?) (?:like (?:it|this|that)|similar)\b|\bsimilar (?:cases?|incidents?|problems?|ones?)\b|\bhappened before\b|\bseen (?:it|this|that) before\b`)

// similarToRecord lists the past incidents of a maintenance record's
// machine that its title's words find, nearest first (at most two).
func (r *run) similarToRecord(id string) []string {
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"id": id})
	r.a.Citations = cites
	if !ok || len(recs) == 0 {
		return nil
	}
	rec := recs[0]
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": rec.Title, "asset": rec.Asset, "kind": "incident", "k": 6}})
	if len(res) == 0 || !res[0].OK {
		return nil
	}
	var out []string
	mode := ""
	for _, did := range r.lib.merge(res[0]) {
		d := r.lib.docs[did]
		if d == nil || !d.incident() || d.Asset != rec.Asset || len(out) == 2 || len(out) == 1 && d.Mode != mode {
			continue // the nearest, and a second only of the same failure mode
		}
		mode = d.Mode
		r.readFirst([]string{d.ID}, 1)
		out = append(out, r.historyLine(d, rec.Asset))
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	}
	if len(out) == 0 {
		return []string{r.msg("doc.similar_none", rec.Asset)}
	}
	return append([]string{r.msg("doc.similar", rec.Asset)}, out...)
}
