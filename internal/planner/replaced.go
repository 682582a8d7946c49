package planner

import (
	"maps"
	"regexp"
	"strings"
	"time"
)

// replaceWordRe marks a record that replaced or changed a part (a title
// or description; "lubrication and check" is no replacement).
var replaceWordRe = regexp.MustCompile(`(?i)\breplac\w*|\bchange(?:d|out)?\b|\bswap\w*|\bnew \w+ (?:fitted|installed)|교체|교환`)

// checkedSinceRe asks whether a machine was looked at since something
// began ("has press 3 been checked since the vibration started?").
var checkedSinceRe = regexp.MustCompile(`\b(?:been|was|were|got|anyone|anybody|somebody|someone)\b.{0,20}\b(?:checked|inspected|looked at|serviced|maintained|repaired|seen)\b.{0,40}\b(?:since|after)\b|(?:이후|부터|뒤로?|나서).{0,15}(?:점검|확인|정비).{0,6}(?:했|받았|됐|했나|했어)`)

// replaced answers "when was the bearing on press 3 last replaced?": the
// latest record that replaced or repaired the part (a failure's repair,
// or work whose record says it replaced it), never an inspection; the
// open work to replace it; what else was done to it since.
func (r *run) replaced(args map[string]any) {
	part, _ := args["component"].(string)
	asset, _ := args["asset"].(string)
	subject := asset
	if subject == "" {
		subject = r.maintScope(args)
	}
	if part != "" {
		subject = r.msg("maint.part_of", r.partWord(part), subject)
	}
	recs, ok := r.records(args)
	if !ok {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	var last, before, service *maintRecord
	var open []string
	for i := range recs {
		rec := &recs[i]
		if rec.Kind == "alert" {
			continue
		}
		if service == nil && rec.Kind == "preventive" && rec.Status != "open" && serviceWordRe.MatchString(rec.Title) {
			service = rec // "intake filter and oil service": the element is changed in it
		}
		replacing := rec.Kind == "failure" || replaceWordRe.MatchString(rec.Title)
		switch {
		case rec.Status == "open" && (replacing || rec.Kind == "work_order"):
			open = append(open, r.msg("maint.open_one", rec.Title, rec.ID, r.recordAt(rec.Opened)))
		case last == nil && replacing && rec.Status != "open":
			last = rec
		case before == nil && replacing && rec.Status != "open":
			before = rec // the change before the last
		}
	}
	if last == nil && len(recs) >= 50 {
		// The newest 50 records are routine ones (a year of inspections):
		// the failures and work orders, read apart, may hold an older
		// replacement ("last bearing replacement on press-2": 2024-11-22).
		for _, kind := range []string{"failure", "work_order"} {
			a := maps.Clone(args)
			a["kind"] = kind
			more, ok := r.records(a)
			if !ok {
				continue
			}
			for i := range more {
				rec := &more[i]
				if rec.Status != "open" && (rec.Kind == "failure" || replaceWordRe.MatchString(rec.Title)) && (last == nil || rec.Opened > last.Opened) {
					last = rec
				}
			}
		}
	}
	var out []string
	switch {
	case last == nil:
		out = append(out, r.msg("maint.replaced_none", subject, len(recs)))
	case last.Kind == "failure":
		out = append(out, r.msg("maint.replaced_failure", subject, r.recordAt(last.Opened), last.Title, last.ID, r.recordAt(last.Closed)))
	default:
		out = append(out, r.msg("maint.replaced", subject, r.recordAt(last.Opened), last.Title, last.ID))
	}
	if last != nil && last.Kind != "failure" && before != nil && before.Kind == "failure" {
		// "마지막으로 필터 간게 언제야?": the routine change, and the
		// breakdown that changed it before, which says why it matters.
		s := r.msg("maint.replaced_before", r.recordAt(before.Opened), before.Title, before.ID)
		if before.Document != "" && before.Document != before.ID {
			s += " → " + before.Document
		}
		out = append(out, sentence(s))
	}
	if service != nil && (last == nil || service.Opened > last.Opened) {
		// A scheduled service of the part after its last repair: the
		// element is usually changed in it, but the record does not say.
		out = append(out, r.msg("maint.replaced_service", subject, r.recordAt(service.Opened), service.Title, service.ID))
	}
	if len(open) > 0 {
		out = append(out, r.msg("maint.open", strings.Join(open, "; ")))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// serviceWordRe is a scheduled job that services a part ("intake filter
// and oil service", "belt change").
var serviceWordRe = regexp.MustCompile(`(?i)\bservice\b|\bchange\b|\breplace\w*|\boverhaul\b|교체|교환|정비`)

// checkedSince answers "has press 3 been checked since the vibration
// started?": the anomaly's onset from the data, the maintenance records
// since then (work, then alarms), the last work before it, and the open
// work orders.
func (r *run) checkedSince(asset string) {
	r.detect(r.q.Window, []string{asset})
	var onset time.Time
	var lead string
	for _, e := range r.book.of(asset) {
		if e.Significant() {
			onset, lead = e.Start, r.eventLine(e)
			break
		}
	}
	if onset.IsZero() {
		// Nothing began: when it was last looked at is the answer.
		r.maintenanceAs("last")
		r.a.Situation = joinLines([]string{r.quietLine(asset), r.a.Situation})
		return
	}
	recs, ok := r.records(map[string]any{"asset": asset, "since": stampUTC(onset)})
	if !ok {
		r.a.Situation = joinLines(append([]string{lead}, r.maintUnreadable()...))
		r.a.Confidence = "low"
		return
	}
	var work, alarms []string
	lastAlarm := ""
	for _, rec := range recs {
		if rec.Kind == "alert" {
			if lastAlarm == "" {
				lastAlarm = r.recordAt(rec.Opened)
			}
			alarms = append(alarms, rec.ID)
			continue
		}
		work = append(work, r.msg("maint.rec", r.recordAt(rec.Opened), rec.Title, rec.ID))
	}
	out := []string{lead}
	if len(work) == 0 {
		out = append(out, r.msg("maint.nothing_since", asset, r.at(onset)))
	} else {
		out = append(out, r.msg("maint.work_since", r.at(onset), strings.Join(work, "; ")))
	}
	if len(alarms) > 0 {
		out = append(out, r.msg("maint.alarms_since", len(alarms), lastAlarm))
	}
	before, _ := r.records(map[string]any{"asset": asset, "until": stampUTC(onset)})
	for _, rec := range before {
		if rec.Kind != "alert" && rec.Status != "open" {
			out = append(out, r.msg("maint.before", r.msg("maint.rec", r.recordAt(rec.Opened), rec.Title, rec.ID)))
			break
		}
	}
	open, _ := r.records(map[string]any{"asset": asset, "status": "open"})
	var os []string
	for _, rec := range open {
		if rec.Kind != "alert" {
			os = append(os, r.msg("maint.open_one", rec.Title, rec.ID, r.recordAt(rec.Opened)))
		}
	}
	if len(os) > 0 {
		out = append(out, r.msg("maint.open", strings.Join(os, "; ")))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// recentIncidentsRe asks for the latest incidents, plant-wide.
var recentIncidentsRe = regexp.MustCompile(`\b(?:latest|newest|most recent|recent|last few|last \d+) (?:incidents?|cases|breakdowns|problems)\b|최근 (?:사례|사고|고장 사례)`)

// recentIncidents answers "what's the newest incident?": the plant's
// latest failure records, newest first, each with its incident document;
// false without a maintenance history (the incident search answers then).
func (r *run) recentIncidents() bool {
	args := map[string]any{"kind": "failure"}
	if r.q.Window.Named {
		args["since"], args["until"] = stampUTC(r.q.Window.From), stampUTC(r.q.Window.To)
	}
	recs, ok := r.records(args)
	if !ok || len(recs) == 0 {
		return false
	}
	out := []string{r.msg("recent.head")}
	for i, rec := range recs {
		if i == 5 {
			break
		}
		s := r.msg("maint.rec", r.recordAt(rec.Opened), rec.Title, rec.ID)
		if rec.Document != "" && rec.Document != rec.ID {
			s += " → " + rec.Document
		}
		out = append(out, s)
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
	return true
}
