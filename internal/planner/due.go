package planner

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// --- What is due or overdue ------------------------------------------------------
//
// "What's overdue in maintenance?", "what maintenance is due this week?",
// "what is scheduled for maintenance tomorrow?", "이번 주에 예정된 정비":
// the open work in the maintenance history by its due date — overdue first,
// then due in the time asked (or all open work), then open work without a
// due date.

// dueFirstRe asks for the work due first.
var dueFirstRe = regexp.MustCompile(`\bdue (?:first|next|soonest)\b|\bfirst due\b|(?:제일|가장) (?:먼저|빨리)|(?:제일|가장) 급한|(?:뭐|뭘|어떤 ?거|어느 ?거)(?:부터| 먼저)`)

// dueAskPattern asks what maintenance is due, scheduled or overdue.
const dueAskPattern = `\bstatus of (?:the |our |that )?.{0,30}\b(?:wos?|work ?orders?|jobs?)\b|\b(?:wo|work ?order)\b.{0,10}\bstatus\b|작업 ?지시.{0,10}(?:상태|진행|어떻게 ?됐)|\boverdue\b|\bpast due\b|\b(?:maintenance|work|service|pms?|jobs?|work ?orders?)\b.{0,25}\b(?:due|schedul\w*|plann\w*|coming up)\b|\b(?:due|schedul\w*|plann\w*)\b.{0,20}\b(?:maintenance|work|service|pm|jobs?|work ?orders?)\b|(?:예정된|예정|밀린|지연된|기한|마감).{0,10}(?:정비|점검|작업|pm|피엠)|(?:정비|점검|작업|pm|피엠).{0,10}(?:예정|밀린|지연|기한|마감)` +
	// "any updates on the pump 2 work order?", "what's open for conveyor 1?".
	`|\b(?:updates?|status|news|progress)\b.{0,30}\bwork ?orders?\b|\bwork ?orders?\b.{0,20}\b(?:status|updates?|progress)\b|\bwhat(?:'s| is| are) (?:still )?(?:open|pending|outstanding)\b|\bopen (?:jobs?|tickets?)\b` +
	// "which one is due first?" after a list of work orders.
	`|\b(?:which|what)(?: one| job| wo| work ?order)?s? (?:is |are )?due (?:first|next|soonest)\b|\bdue (?:first|soonest)\b|(?:제일|가장) (?:먼저|빨리) (?:해야 ?(?:하는|되는|할)|마감(?:인|되는))|(?:제일|가장) 급한 (?:작업|wo|작업 ?지시|거)` +
	// "펌프2 커플링 정렬 WO 마감 언제까지에요?": a work order's due date.
	`|(?:work ?orders?|작업 ?지시)\S*\s*(?:의\s*)?(?:기한|마감|납기)|(?:기한|마감)\S*\s*언제` +
	// "pump-2 WO 왜케 많아? 뭐부터 해야됨": the one due first.
	`|(?:work ?orders?|작업 ?지시)\S*.{0,25}(?:뭐|뭘|어떤 ?거|어느 ?거|어떤 ?것)(?:부터| 먼저)` +
	// "드라이브 풀리 라깅 교체 WO는 언제로 잡혀있음?": when it is scheduled.
	`|(?:work ?orders?|작업 ?지시)\S*\s*(?:은|는|이|가)?\s*언제(?:로|쯤)?\s*(?:잡혀|예정|하|해|돼|되)|\bwhen (?:is|are|'s) (?:the |our |that )?.{0,40}\b(?:work ?orders?|jobs?)\b.{0,10}\b(?:scheduled|planned|due|booked)\b`

// dueWork answers what open work is due: overdue, due in the window asked
// (all open work when none is named), without a due date.
func (r *run) dueWork(args map[string]any) {
	args["status"] = "open"
	delete(args, "since")
	delete(args, "until")
	delete(args, "aggregate")
	recs, ok := r.records(args)
	if !ok {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	// The time asked looks ahead for work that is due ("this week" is
	// Monday to Monday, not the week before as for a status).
	w := r.q.Window
	if r.q.WindowInherited {
		// "그 베어링 교체 WO 언제로 잡혀있어?" after "어제부터 올라가던데
		// 왜?": the thread's time was the readings', not the work's.
		w.Named = false
	}
	if r.q.Horizon.Named {
		w = r.q.Horizon
		w.Named = true
	}
	if w.Named && !w.To.Before(r.now.Add(-time.Minute)) && !w.To.After(r.now.Add(time.Minute)) {
		// "due this month": to the month's end, not up to now.
		w.To = r.periodEnd(w)
	}
	// By due date, across machines: the records come newest first.
	sort.SliceStable(recs, func(i, j int) bool {
		if (recs[i].Due == "") != (recs[j].Due == "") {
			return recs[j].Due == ""
		}
		return recs[i].Due < recs[j].Due
	})
	var overdue, due, undated, later []string
	for _, rec := range recs {
		if rec.Kind == "alert" {
			continue
		}
		line := r.msg("due.rec", rec.Title, rec.ID)
		t, err := time.Parse(recordLayout, rec.Due)
		switch {
		case err != nil:
			undated = append(undated, line)
		case t.Before(r.now):
			overdue = append(overdue, line+" "+r.msg("due.was", r.recordAt(rec.Due), num(r.now.Sub(t).Hours()/24)))
		case !w.Named || !t.Before(w.From) && t.Before(w.To):
			due = append(due, line+" "+r.msg("due.at", r.recordAt(rec.Due)))
		default:
			later = append(later, line+" "+r.msg("due.at", r.recordAt(rec.Due)))
		}
	}
	var out []string
	if oldestOpenRe.MatchString(r.q.Text) {
		// "what's the oldest open work order?": the one opened first.
		var oldest *maintRecord
		for i := range recs {
			if recs[i].Kind != "alert" && (oldest == nil || recs[i].Opened < oldest.Opened) {
				oldest = &recs[i]
			}
		}
		if oldest != nil {
			out = append(out, r.msg("due.oldest", oldest.Title, oldest.ID, r.recordAt(oldest.Opened)))
		}
	}
	if rec := r.namedRecord(recs); rec != nil {
		// "when is the pump 2 coupling alignment WO due?": that one first.
		if t, err := time.Parse(recordLayout, rec.Due); err == nil {
			out = append(out, r.msg("due.named", rec.ID, rec.Title, r.recordAt(rec.Due)))
			if t.Before(r.now) {
				out[len(out)-1] += " " + r.msg("due.named_over", num(r.now.Sub(t).Hours()/24))
			}
		}
	}
	if dueFirstRe.MatchString(r.q.Text) {
		// "which one is due first?": that one, before the list.
		switch {
		case len(overdue) > 0:
			out = append(out, r.msg("due.first", overdue[0]))
		case len(due) > 0:
			out = append(out, r.msg("due.first", due[0]))
		case len(later) > 0:
			out = append(out, r.msg("due.first", later[0]))
		}
	}
	switch {
	case len(overdue) > 0:
		out = append(out, r.msg("due.overdue", len(overdue), strings.Join(overdue, "; ")))
	case len(due)+len(undated)+len(later) == 0:
		// "any open WO on it?": none at all, said as such.
		scope := r.maintScope(args)
		if a, ok := args["asset"].(string); ok {
			scope = a
		}
		out = append(out, r.msg("due.none_open", scope))
	default:
		out = append(out, r.msg("due.none_overdue"))
	}
	switch {
	case len(due) > 0 && w.Named:
		out = append(out, r.msg("due.in", r.spanIn(w), strings.Join(due, "; ")))
	case len(due) > 0:
		out = append(out, r.msg("due.open", len(due), strings.Join(due, "; ")))
	case w.Named:
		out = append(out, r.msg("due.none_in", r.spanIn(w)))
		if len(later) > 0 {
			out = append(out, r.msg("due.next", later[0]))
		}
	}
	if len(undated) > 0 {
		out = append(out, r.msg("due.undated", strings.Join(undated, "; ")))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// periodEnd is the end of the calendar period a window up to now is the
// part so far of ("this month": the 1st of next month); the window's end
// when it is no such period.
func (r *run) periodEnd(w Span) time.Time {
	l := r.p.Local(r.now)
	switch w.Label {
	case "today":
		return r.p.Day(r.now, 1)
	case "this week":
		return r.p.Week(r.now, 1)
	case "this month":
		return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, l.Location())
	case "this quarter":
		return time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+4), 1, 0, 0, 0, 0, l.Location())
	case "this year":
		return time.Date(l.Year()+1, 1, 1, 0, 0, 0, 0, l.Location())
	}
	return w.To
}

// namedRecord is the one open record whose title names the part the
// question names ("the coupling alignment WO": "realign motor coupling"),
// nil when none or several do.
func (r *run) namedRecord(recs []maintRecord) *maintRecord {
	var found *maintRecord
	for _, np := range namedParts {
		if !np.re.MatchString(r.q.Text) {
			continue
		}
		for i := range recs {
			if recs[i].Kind == "alert" || !np.re.MatchString(recs[i].Title) {
				continue
			}
			if found != nil && found != &recs[i] {
				return nil
			}
			found = &recs[i]
		}
	}
	return found
}
