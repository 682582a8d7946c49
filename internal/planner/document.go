package planner

import (
	"fmt"
	"math"
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
		if samePatternRe.MatchString(r.q.Text) && d.incident() {
			// "press-3 이번 알람 INC-1003 때랑 비슷한 패턴이야?": the change
			// now against the one before that failure, then the incident.
			if lines := r.samePattern(d); len(lines) > 0 {
				out = append(out, lines...)
				if rc := r.rootCause(d); rc != "" {
					out = append(out, r.msg("doc.cause_of", d.ID, rc)) // what it was then
				}
				out = append(out, r.historyLineN(d, "", 4))
				continue
			}
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

// samePatternRe asks whether what happens now is like a past incident
// ("INC-1003 때랑 비슷한 패턴이야?", "the same thing as before INC-1003?").
var samePatternRe = regexp.MustCompile(`(?i)비슷한 ?(?:패턴|양상|모양|흐름)|같은 ?(?:패턴|양상|증상|원인)|\bsame (?:thing|problem|issue|cause|failure|fault) as\b|\blike (?:the|last) \w+ (?:breakdown|failure)\b|(?:때|때랑|때와|때하고|처럼).{0,6}(?:비슷|같|똑같)|\b(?:same|similar) (?:pattern|thing|way|trend|signature|shape)\b|\blike (?:before|it did before|last time)\b|\bdoing the same\b`)

// samePattern compares the change on an incident's machine now with the
// one before the incident's failure, on the sensor its failure mode moves:
// how far above usual, over how long, and how fast, then and now. Nil
// when the failure record or the sensor is not known.
func (r *run) samePattern(d *doc) []string {
	asset := d.Asset
	if len(r.q.Assets) == 1 {
		asset = r.q.Assets[0]
	}
	sensor := modeSensor(d.Mode, typeOf(asset, r.p))
	if asset == "" || sensor == "" {
		return nil
	}
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"asset": d.Asset, "kind": "failure", "limit": 50})
	r.a.Citations = cites
	if !ok {
		return nil
	}
	var failed time.Time
	for _, rec := range recs {
		if rec.Document == d.ID {
			if t, err := time.Parse(recordLayout, rec.Opened); err == nil {
				failed = t
			}
		}
	}
	if failed.IsZero() || !failed.Before(r.now) {
		return nil
	}
	// Then: the event on that sensor in the week before the failure.
	res := r.in.Tools.Run(r.ctx, agent.ToolCall{Name: tools.DetectAnomalies, Args: map[string]any{
		"asset": d.Asset, "since": stampUTC(failed.Add(-precursorLookback)), "until": stampUTC(failed)}})
	r.results = append(r.results, res...)
	var then *Event
	for _, x := range res {
		for _, e := range eventsOf(x, r.now) {
			if e.Sensor == sensor && e.Start.Before(failed) && (then == nil || math.Abs(e.Sigma) > math.Abs(then.Sigma)) {
				then = &e
			}
		}
	}
	// Now: the event on it over the last day (the window asked may be
	// the past failure's: "same thing as the october breakdown?").
	r.detect(Span{From: r.now.Add(-24 * time.Hour), To: r.now, Label: "the last 24 hours", LabelKO: "지난 24시간"}, []string{asset})
	var now *Event
	for _, e := range r.book.of(asset) {
		if e.Sensor == sensor && e.Ongoing && (now == nil || math.Abs(e.Sigma) > math.Abs(now.Sigma)) {
			now = &e
		}
	}
	name := r.sensorName(sensor)
	switch {
	case now == nil:
		return []string{r.msg("samepat.no_now", asset, name, d.ID)}
	case then == nil:
		return []string{r.msg("samepat.no_then", asset, name, d.ID)}
	case now.Dir() != then.Dir():
		return []string{r.msg("samepat.other_way", asset, name, d.ID)}
	}
	// How far each rose, from the hourly means: the first hour of the
	// change to its highest hour (a failure stops the machine, so the last
	// hour before it says little), over the hours between.
	rise := func(e *Event, end time.Time, what string) (first, peak, delta, hours, rate, unit string, perHour float64, ok bool) {
		hourly, u, good := r.hourlyMeans(asset, sensor, e.Start, end)
		if !good || len(hourly) < 2 {
			return
		}
		top := 0
		for i, b := range hourly {
			if float64(e.Dir())*(b.Mean-hourly[top].Mean) > 0 {
				top = i
			}
		}
		h := hourly[top].At.Sub(hourly[0].At).Hours()
		dv := math.Abs(hourly[top].Mean - hourly[0].Mean)
		if h < 1 {
			return
		}
		first, peak = val(hourly[0].Mean), val(hourly[top].Mean)
		from := fmt.Sprintf("%s %s %s: hourly means from %s (%s) to %s (%s)", asset, sensor, what, first, stampUTC(hourly[0].At), peak, stampUTC(hourly[top].At))
		delta = r.derive(what+": change from the first hour to the furthest", math.Round(dv*100)/100, from)
		hours = r.derive(what+": hours from the first hour to the furthest", math.Round(h), from)
		perHour = dv / h
		rate = r.derive(what+": change per hour", math.Round(perHour*1000)/1000, from)
		return first, peak, delta, hours, rate, suffix(u), perHour, true
	}
	fN, kN, dN, hN, rN, unit, pN, ok1 := rise(now, r.lastRead(*now), "now")
	fT, kT, dT, hT, rT, _, pT, ok2 := rise(then, failed, "before "+d.ID)
	if !ok1 || !ok2 {
		return nil
	}
	out := []string{
		r.msg("samepat.same", asset, name, d.ID),
		r.msg("samepat.now", fN, kN, unit, dN, hN, r.at(now.Start), rN),
		r.msg("samepat.then", d.ID, fT, kT, unit, dT, hT, r.at(failed), rT),
	}
	if pT > 0 {
		ratio := pN / pT
		from := fmt.Sprintf("rise per hour now %s ÷ before %s %s", rN, d.ID, rT)
		switch {
		case ratio >= 1.25:
			out = append(out, r.msg("samepat.faster", r.derive("ratio of the rises per hour", math.Round(ratio*10)/10, from)))
		case ratio <= 0.8:
			out = append(out, r.msg("samepat.slower", r.derive("ratio of the rises per hour", math.Round(ratio*10)/10, from)))
		default:
			out = append(out, r.msg("samepat.as_fast"))
		}
	}
	return out
}

// hourlyMeans reads a sensor's hourly means from one time to another:
// the trend itself for windows read as hourly means (over three days),
// else its hourly buckets.
func (r *run) hourlyMeans(asset, sensor string, from, to time.Time) ([]tools.Bucket, string, bool) {
	args := map[string]any{"asset": asset, "sensor": sensor, "since": stampUTC(from), "until": stampUTC(to)}
	if to.Sub(from) <= 72*time.Hour {
		args["every"] = "1h"
	}
	res := r.call(agent.ToolCall{Name: tools.LatestReadings, Args: args})
	if len(res) == 0 || !res[0].OK {
		return nil, "", false
	}
	rd, ok := decode[readingsData](res[0].Result.Data)
	if !ok || len(rd.Readings) == 0 || rd.Readings[0].Trend == nil {
		return nil, "", false
	}
	t := rd.Readings[0].Trend
	if len(t.Buckets) > 0 {
		return t.Buckets, rd.Readings[0].Unit, true
	}
	if t.Step != "1h0m0s" {
		return nil, "", false
	}
	// Over three days the trend's own figures are hourly means: the
	// first, and the furthest each way.
	out := []tools.Bucket{{At: t.FirstAt, Mean: t.First}}
	if t.MaxAt.Before(t.MinAt) {
		out = append(out, tools.Bucket{At: t.MaxAt, Mean: t.Max}, tools.Bucket{At: t.MinAt, Mean: t.Min})
	} else {
		out = append(out, tools.Bucket{At: t.MinAt, Mean: t.Min}, tools.Bucket{At: t.MaxAt, Mean: t.Max})
	}
	return out, rd.Readings[0].Unit, true
}
