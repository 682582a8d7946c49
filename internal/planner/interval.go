package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// --- How often a part is replaced ---------------------------------------------
//
// "How often is the conveyor belt replaced?", "컨베이어 벨트 교체 주기가 어떻게
// 돼?": the records' replacements of the part (a failure's repair, or work
// whose record says it replaced it) with their dates and the average time
// between them, and the planned service of the part and its interval.

// replaceIntervalPattern asks how often a part is replaced or changed.
const replaceIntervalPattern = `\bhow often (?:is|are|do|does|did|should|must)\b.{0,40}\b(?:replac\w*|chang\w*|swap\w*|renew\w*)|\b(?:replacement|change|changeout) (?:interval|frequency|cycle|period)\b|(?:교체|교환) ?(?:주기|간격)|얼마나 자주.{0,12}(?:교체|교환|갈|바꿔|바꾸)|몇 ?(?:달|개월|주|일)마다.{0,12}(?:교체|교환|갈|바꿔|바꾸)|(?:청소|점검|세척) ?(?:주기|간격|기록)|\d+ ?(?:달|개월|주|일)마다 .{0,10}(?:하고 있|하는 거|하는 게|청소|점검|교체)|\bhow often (?:is|are|do|does|did) .{0,40}\b(?:clean\w*|inspect\w*|check\w*)\b|\b(?:cleaning|inspection) (?:records?|history|interval)\b`

// replacementInterval answers how often args' part (on args' machine) is
// replaced, from its records.
func (r *run) replacementInterval(args map[string]any) {
	part, _ := args["component"].(string)
	subject, _ := args["asset"].(string)
	if subject == "" {
		subject = r.maintScope(args)
	}
	if part != "" {
		subject = r.msg("maint.part_of", part, subject)
	}
	args["limit"] = 50 // the newest 50, the most the tool lists
	recs, ok := r.records(args)
	if !ok {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	var repl, pm []maintRecord
	for _, rec := range recs {
		t, err := time.Parse(recordLayout, rec.Opened)
		if err != nil || rec.Status == "open" || rec.Kind == "alert" {
			continue
		}
		rec.at = t
		switch {
		case rec.Kind == "failure" || replaceWordRe.MatchString(rec.Title):
			repl = append(repl, rec)
		case rec.Kind == "preventive":
			pm = append(pm, rec)
		}
	}
	byTime := func(a, b maintRecord) int { return a.at.Compare(b.at) }
	slices.SortFunc(repl, byTime)
	slices.SortFunc(pm, byTime)
	var out []string
	switch len(repl) {
	case 0:
		out = append(out, r.msg("interval.none", subject))
	case 1:
		out = append(out, r.msg("interval.once", subject, r.recordAt(repl[0].Opened), repl[0].Title, repl[0].ID))
	default:
		var dates []string
		for i := len(repl) - 1; i >= max(0, len(repl)-4); i-- { // newest first
			rec := repl[i]
			dates = append(dates, fmt.Sprintf("%s %s (%s)", r.recordAt(rec.Opened), rec.Title, rec.ID))
		}
		days := repl[len(repl)-1].at.Sub(repl[0].at).Hours() / 24 / float64(len(repl)-1)
		key := "interval.many"
		if len(recs) >= 50 {
			key = "interval.many_recent" // the tool lists the newest 50
		}
		out = append(out, r.msg(key, subject, len(repl), r.derive(subject+" days between replacements", days,
			fmt.Sprintf("(last − first replacement) ÷ %d intervals", len(repl)-1)), strings.Join(dates, "; "), r.recordAt(repl[0].Opened)))
	}
	if len(pm) >= 2 {
		gaps := make([]float64, 0, len(pm)-1)
		for i := 1; i < len(pm); i++ {
			gaps = append(gaps, pm[i].at.Sub(pm[i-1].at).Hours()/24)
		}
		slices.Sort(gaps)
		median := gaps[len(gaps)/2]
		if len(gaps)%2 == 0 {
			median = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
		}
		last := pm[len(pm)-1]
		out = append(out, r.msg("interval.pm", last.Title, r.derive(subject+" days between planned services", median,
			fmt.Sprintf("median of %d intervals between its preventive records", len(gaps))), r.recordAt(last.Opened), last.ID))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}
