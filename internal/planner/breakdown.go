package planner

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// --- Output by day, shift or hour, and rates ----------------------------------
//
// "What was our best day last week on line 1?", "which shift produced the
// most yesterday?", "line 3 output per day this week", "어제 교대별
// 생산량": the window's output against plan split into days, shifts or
// hours, with the best and the worst; "average output per hour": the
// window's output over its hours.

// breakdownAskRe asks for output split by a unit of time; its groups name
// the unit.
var breakdownAskRe = regexp.MustCompile(`(?i)\b(?:per|by|each|every) (day|shift|hour)\b|\b(daily|hourly)\b|\bday[- ]by[- ]day\b|\b(?:best|worst|top|lowest|highest|busiest|slowest|which) (day|shift|hour)s?\b|(일별|날짜별|교대별|시간별)|(?:근무)?(조)별|(?:가장|제일) (?:많이|적게) (?:생산한|만든|나온) (날|교대|시간)|(?:가장|제일) (?:많이 )?(?:빠진|빠졌던|부족했던|모자랐던|밀린|밀렸던|낮았던|적었던) (날|교대|시간)`)

// outputTrendRe asks how output went over a time ("the trend of line 1
// output this week", "생산량 추이").
var outputTrendRe = regexp.MustCompile(`(?i)\btrend\w*\b|\bday to day\b|추이|추세`)

// rateAskRe asks for a rate: output per hour over the window.
var rateAskRe = regexp.MustCompile(`(?i)\b(?:average|mean|avg)\b.{0,30}\b(?:per|an|each|a) hour\b|\b(?:parts|units|pieces|output) (?:per|an|a) hour\b|\bhourly (?:rate|average)\b|\brate per hour\b|시간당`)

// breakdownUnit is the unit breakdownAskRe names ("day", "shift", "hour"),
// "" when the question asks for none.
func breakdownUnit(text string) string {
	m := breakdownAskRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	for _, g := range m[1:] {
		switch g {
		case "day", "daily", "일별", "날짜별", "날":
			return "day"
		case "shift", "교대별", "교대", "조":
			return "shift"
		case "hour", "hourly", "시간별", "시간":
			return "hour"
		}
	}
	return "day" // "day by day"
}

// bestWorstRe asks for the best or worst part ("best hour", "slowest
// shift", "가장 많이 생산한 시간").
var bestWorstRe = regexp.MustCompile(`(?i)\b(?:best|worst|top|lowest|highest|busiest|slowest|peak|most|least)\b|가장|제일|최고|최저`)

// behindAskRe asks which part was furthest behind plan.
var behindAskRe = regexp.MustCompile(`(?i)\b(?:furthest|farthest|most|worst) (?:behind|short|below)\b|\bbiggest (?:shortfall|gap)\b|(?:가장|제일) (?:많이 )?(?:부족|미달|모자|빠진|빠졌던|밀린|밀렸던)`)

// maxRankedParts is the most parts read to rank a window's best and worst
// (a week of hours, with room); rankedShown how many of each end are
// listed.
const (
	maxRankedParts = 200
	rankedShown    = 3
)

// bucket is one part of the window, with its label.
type bucket struct {
	From, To time.Time
	Label    string
}

// buckets splits w by unit in plant time, each part ending by now: the
// days it covers, the shifts that start in it (whole, as the plant counts
// a day's shifts), or its hours; at most max parts (the latest).
func (r *run) buckets(w Span, unit string, max int) []bucket {
	var out []bucket
	end := w.To
	if end.After(r.now) {
		end = r.now
	}
	switch unit {
	case "day":
		for d := r.p.Day(w.From, 0); d.Before(end); d = r.p.Day(d, 1) {
			from, to := maxTime(d, w.From), minTime(r.p.Day(d, 1), end)
			label := r.p.Local(d).Format("Mon 01-02")
			if r.ko() {
				label = r.p.Local(d).Format("01-02") + " (" + koWeekday[r.p.Local(d).Weekday()] + ")"
			}
			out = append(out, bucket{from, to, label})
		}
	case "shift":
		s := r.p.ShiftAt(w.From, 0)
		if s.From.Before(w.From) {
			s = r.p.ShiftAt(s.From, 1) // the shifts that start in the window
		}
		for ; s.From.Before(end) && s.From.Before(w.To); s = r.p.ShiftAt(s.From, 1) {
			name := r.msg("shift.named", s.Name)
			if r.ko() {
				name = r.msg("shift.named", s.NameKO)
			}
			out = append(out, bucket{s.From, minTime(s.To, r.now), fmt.Sprintf("%s (%s–%s)", name, r.at(s.From), r.p.Local(s.To).Format("15:04"))})
		}
	case "hour":
		for h := w.From.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
			out = append(out, bucket{maxTime(h, w.From), minTime(h.Add(time.Hour), end), r.at(h)})
		}
	}
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

var koWeekday = [...]string{"일", "월", "화", "수", "목", "금", "토"}

// bucketOutput reads line's output and plan in each bucket (one compare_to_plan
// over each); ok is false when none had any. A bucket without data is
// zero (a stopped feed is said beside it, see breakdownLines).
func (r *run) bucketOutput(line string, bs []bucket) (actual, plan []float64, unit string, ok bool) {
	calls := make([]agent.ToolCall, len(bs))
	for i, b := range bs {
		calls[i] = r.planCall(line, b.From, b.To)
	}
	actual, plan = make([]float64, len(bs)), make([]float64, len(bs))
	for i, res := range r.call(calls...) {
		d, good := decode[planData](res.Result.Data)
		if !res.OK {
			r.dropFailure(res.Error) // no output in that part: said as such, not zero
			actual[i], plan[i] = math.NaN(), math.NaN()
			continue
		}
		if !good || d.Past == nil || d.Past.Hours == 0 && d.Past.Actual == 0 {
			// No output hour in the part (the feed had stopped): no data,
			// not nothing made against nothing planned.
			actual[i], plan[i] = math.NaN(), math.NaN()
			continue
		}
		actual[i], plan[i], unit, ok = d.Past.Actual, d.Past.Plan, d.Unit, true
	}
	return actual, plan, unit, ok
}

// outputBreakdown answers the output of each line named (or the plant's,
// summed over its lines) by day, shift or hour of the window, with the
// best and worst part; or, for a rate, the output per hour.
func (r *run) outputBreakdown(unit string) {
	q := r.q
	w := q.Window
	if !w.Named {
		switch unit {
		case "day":
			w = Span{From: r.p.Day(r.now, -7), To: r.p.Day(r.now, 0), Label: "the last 7 days", LabelKO: "최근 7일"}
		case "shift":
			w = Span{From: r.p.Day(r.now, -1), To: r.p.Day(r.now, 0), Label: "yesterday", LabelKO: "어제"}
		}
	}
	named := linesOf(q, r.p)
	lines := r.outputLines()
	if unit == "rate" {
		if !w.Named && nowAskRe.MatchString(q.Text) {
			// "2라인 지금 시간당 몇개 나오고 있어요?": the latest whole hour,
			// not the day's mean (output is counted by the hour).
			to := r.now.Truncate(time.Hour)
			w = Span{From: to.Add(-time.Hour), To: to, Label: "the latest whole hour", LabelKO: "최근 1시간"}
		}
		r.outputRate(lines, w)
		return
	}
	bs := r.buckets(w, unit, 31)
	if len(bs) == 0 {
		r.a.Situation = r.msg("bd.none", r.spanIn(w))
		r.a.Confidence = "low"
		return
	}
	var truncated string
	top := 0 // list every part
	if all := r.buckets(w, unit, 1<<20); len(all) > len(bs) {
		if bestWorstRe.MatchString(q.Text) && len(all) <= maxRankedParts {
			// "best hour last week": every part is read and ranked, the
			// best and worst few listed.
			bs, top = all, rankedShown
			truncated = r.msg("bd.ranked", r.spanIn(w), len(all), r.msg("bd.unit."+unit), rankedShown)
		} else {
			// Too many parts to read one by one (a week of hours): the
			// last ones, said, and the best and worst are of those alone.
			truncated = r.msg("bd.truncated", r.spanIn(w), r.msg("bd.unit."+unit), len(bs))
			w = Span{From: bs[0].From, To: w.To, Label: message("en", "bd.truncated_label", len(bs), message("en", "bd.unit."+unit)),
				LabelKO: message("ko", "bd.truncated_label", len(bs), message("ko", "bd.unit."+unit)), Named: true}
		}
	}
	type part struct{ actual, plan float64 }
	sum := make([]part, len(bs))
	var unitName string
	read := false
	var out []string
	for _, l := range lines {
		actual, plan, u, ok := r.bucketOutput(l, bs)
		if !ok {
			continue
		}
		read, unitName = true, u
		for i := range bs {
			if math.IsNaN(actual[i]) {
				continue // a line without data in that part adds nothing
			}
			sum[i].actual += actual[i]
			sum[i].plan += plan[i]
		}
		if len(named) == 0 {
			continue // the plant's total per part, below
		}
		out = append(out, r.breakdownLines(l, w, unit, bs, top, func(i int) (float64, float64) {
			return actual[i], plan[i]
		}, u, r.outputEnd(l))...)
	}
	if !read {
		r.a.Situation = joinLines(append([]string{r.msg("bd.none", r.spanIn(w))}, r.failureLines()...))
		r.a.Confidence = "low"
		return
	}
	if len(named) == 0 {
		var last time.Time
		for _, l := range lines {
			last = maxTime(last, r.outputEnd(l))
		}
		out = append(out, r.breakdownLines(r.msg("bd.plant", strings.Join(lines, ", ")), w, unit, bs, top, func(i int) (float64, float64) {
			return sum[i].actual, sum[i].plan
		}, unitName, last)...)
	}
	if truncated != "" {
		out = append([]string{truncated}, out...)
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.production")
}

// breakdownLines writes one line's (or the plant's) parts and its best and
// worst: by output for shifts and hours, by attainment of plan where plans
// differ (days: a Sunday's plan is not a Monday's). With top > 0 only the
// top best and top worst parts are listed, best first (the best and worst
// are still of every part).
func (r *run) breakdownLines(who string, w Span, unit string, bs []bucket, top int, part func(int) (float64, float64), u string, last time.Time) []string {
	out := []string{r.msg("bd.head."+unit, who, r.spanIn(w))}
	score := func(i int) float64 {
		a, p := part(i)
		if unit == "day" && p > 0 {
			return a / p
		}
		return a
	}
	// worked are the parts that count for best and worst: not a part
	// with neither output nor plan (a weekend), in time order.
	var worked []int
	for i := range bs {
		if a, p := part(i); (a != 0 || p != 0) && !math.IsNaN(a) {
			worked = append(worked, i)
		}
	}
	ranked := slices.Clone(worked)
	slices.SortStableFunc(ranked, func(a, b int) int { return cmp.Compare(score(b), score(a)) })
	shown := make([]int, len(bs))
	for i := range shown {
		shown[i] = i
	}
	if top > 0 && len(ranked) > 2*top {
		shown = append(slices.Clone(ranked[:top]), ranked[len(ranked)-top:]...)
	}
	for _, i := range shown {
		b := bs[i]
		a, p := part(i)
		if math.IsNaN(a) {
			out = append(out, "• "+r.msg("bd.part_nodata", b.Label))
			continue
		}
		line := r.msg("bd.part", b.Label, r.derive(who+" output "+b.Label, a, "compare_to_plan over the part (summed over the lines for the plant)"), r.unitIn(totalUnit(u)),
			r.derive(who+" plan "+b.Label, p, "compare_to_plan over the part (summed over the lines for the plant)"))
		if p > 0 {
			line += " " + r.msg("bd.pct", r.derive(who+" attainment "+b.Label, 100*a/p, "100 × output ÷ plan"))
		}
		switch {
		case !last.IsZero() && b.To.After(last.Add(time.Hour)):
			line += " " + r.msg("bd.data_until", r.at(last)) // the feed ended inside it
		case b.To.Sub(b.From) < bs[0].To.Sub(bs[0].From)*3/4 && i == len(bs)-1 && !b.To.Before(r.now.Add(-time.Minute)):
			line += " " + r.msg("bd.so_far")
		}
		out = append(out, "• "+line)
	}
	if behindAskRe.MatchString(r.q.Text) && len(worked) > 1 {
		// "which hour was line 2 furthest behind plan": the largest
		// shortfall in parts (ties to the earliest).
		far, gap := -1, 0.0
		for _, i := range worked {
			a, p := part(i)
			if p > 0 && p-a > gap {
				far, gap = i, p-a
			}
		}
		// The answer first, under the heading; the parts after it.
		lead := r.msg("bd.none_behind")
		if far >= 0 {
			lead = r.msg("bd.behind", bs[far].Label, r.derive(who+" shortfall "+bs[far].Label, gap, "plan − output of the part"), r.unitIn(totalUnit(u)))
		}
		if len(out) > 0 {
			return append([]string{out[0], lead}, out[1:]...)
		}
		return append(out, lead)
	}
	if len(ranked) > 0 && len(bs) > 1 {
		// Ties go to the earliest part (the sort is stable in time order).
		best, worst := ranked[0], ranked[len(ranked)-1]
		for _, i := range worked {
			if score(i) == score(worst) {
				worst = i
				break
			}
		}
		out = append(out, r.msg("bd.best."+unit, bs[best].Label, bs[worst].Label))
	}
	return out
}

// outputEnd is the time of line's newest output value (zero when unknown).
func (r *run) outputEnd(line string) time.Time {
	if se, ok := r.p.SeriesNamed(r.p.OutputSeries(line)); ok && se.LatestAt != "" {
		return parseStamp(se.LatestAt)
	}
	return time.Time{}
}

// breakdownAsked says whether a question that names a unit of time asks
// for output: output or plan words, or a line with no machine or sensor
// ("what was our best day last week on line 1?"); never a forecast.
func (r *run) breakdownAsked() bool {
	q := r.q
	if q.Horizon.Ahead || len(q.Assets) > 0 || len(q.Unknown) > 0 {
		return false
	}
	return q.Output || q.Plan || len(q.Lines) > 0 && len(q.Sensors) == 0
}

// outputRate answers the output per hour of each line over the window
// (its hours so far), with the plan's.
func (r *run) outputRate(lines []string, w Span) {
	outs := r.output(lines, w)
	end := w.To
	if end.After(r.now) {
		end = r.now
	}
	hours := end.Sub(w.From).Hours()
	var out []string
	for _, lo := range outs {
		if hours <= 0 {
			break
		}
		out = append(out, r.outputLine(lo, w))
		out = append(out, r.msg("bd.rate", lo.Line, r.derive(lo.Line+" output per hour "+w.Label, lo.Actual/hours, fmt.Sprintf("output ÷ %.0f hours", hours)), r.unitIn(totalUnit(lo.Unit)),
			r.derive(lo.Line+" plan per hour "+w.Label, lo.Plan/hours, fmt.Sprintf("plan ÷ %.0f hours", hours)), r.derive("hours in "+w.Label, hours, "window end − start")))
	}
	if len(out) == 0 {
		out = append(out, r.msg("bd.none", r.spanIn(w)))
		r.a.Confidence = "low"
	} else {
		r.a.Confidence = "high"
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Escalate = r.msg("escalate.production")
}

// outputPeriods answers output in two periods ("line 2 output yesterday
// vs the day before", "this week's output compared with last week"): each
// line's output against plan in both, and the change.
// twoPeriods are the periods of a comparison with the one before ("this
// week vs last week", "yesterday vs the day before"): the time named (this
// week or today so far when none), and as long a span just before it.
// versusRe is the word a comparison's two periods stand either side of.
var versusRe = regexp.MustCompile(`\b(?:vs\.?|versus|against|compared? (?:to|with))\s`)

func (r *run) twoPeriods() (cur, prev Span, label, labelKO string) {
	q := r.q
	if q.Earlier.Named && q.Window.Named && moreLessRe.MatchString(q.Text) {
		// A thread's period against the one it asked before it.
		return q.Window, q.Earlier, q.Earlier.Label, q.Earlier.LabelKO
	}
	if a, b, ok := namedPair(q.Text, r.now, r.p); ok && !prevRe.MatchString(q.Text) {
		return a, b, b.Label, b.LabelKO // "compare line 1 output monday and tuesday"
	}
	if loc := versusRe.FindStringIndex(q.Text); loc != nil {
		// "last week vs the week before": the time before "vs" is the
		// current period.
		cur, _ = readTimes(q.Text[:loc[0]], r.now, r.p)
	}
	if !cur.Named {
		cur, _ = readTimes(prevRe.ReplaceAllString(q.Text, " "), r.now, r.p)
	}
	week := weekWordRe.MatchString(q.Text)
	switch {
	case cur.Named:
	case week:
		cur = Span{From: r.p.Week(r.now, 0), To: r.now, Label: "this week so far", LabelKO: "이번 주 현재까지"}
	default:
		cur = Span{From: r.p.Day(r.now, 0), To: r.now, Label: "today so far", LabelKO: "오늘 현재까지"}
	}
	back := 24 * time.Hour
	label, labelKO = "the day before", "그 전날"
	if week {
		back, label, labelKO = 7*24*time.Hour, "the week before", "그 전주"
	}
	if d := cur.To.Sub(cur.From); d > back {
		back = d
	}
	prev = Span{From: cur.From.Add(-back), To: cur.To.Add(-back), Label: label, LabelKO: labelKO}
	return cur, prev, label, labelKO
}

func (r *run) outputPeriods() bool {
	q := r.q
	if len(q.Assets) > 0 || len(q.Sensors) > 0 && !contains(q.Sensors, "output") || !(q.Output || q.Plan) ||
		!prevRe.MatchString(q.Text) && !(q.Earlier.Named && moreLessRe.MatchString(q.Text)) && !pairNamed(q.Text, r) {
		return false
	}
	cur, prev, label, labelKO := r.twoPeriods()
	lines := r.outputLines()
	now, before := r.output(lines, cur), r.output(lines, prev)
	if len(now) == 0 {
		return false
	}
	var out []string
	if last := r.lastOutput(lines); !last.IsZero() && cur.To.After(last.Add(time.Hour)) && !cur.To.Before(r.now.Add(-time.Minute)) {
		// The current period's data stopped before now (a silent feed):
		// the earlier one over the same hours only, or the comparison
		// counts hours the current one has no data for.
		covered := 0
		for _, lo := range now {
			covered = max(covered, lo.Hours)
		}
		if end := prev.From.Add(time.Duration(covered) * time.Hour); covered > 0 && end.Before(prev.To) {
			prev.To = end
			before = r.output(lines, prev)
			out = append(out, r.msg("bd.same_hours", covered, r.at(last.Add(time.Hour))))
		}
	}
	for _, lo := range now {
		out = append(out, r.outputLine(lo, cur))
		for _, b := range before {
			if b.Line != lo.Line {
				continue
			}
			out = append(out, r.outputLine(b, prev))
			if b.Actual > 0 {
				pct := r.derive(lo.Line+" output change against "+label+", %", math.Round(1000*(lo.Actual-b.Actual)/b.Actual)/10, "(output − earlier output) ÷ earlier output")
				said := label
				if r.ko() {
					said = labelKO
				}
				if pct == "0" {
					out = append(out, r.msg("bd.same", lo.Line, said))
				} else {
					out = append(out, r.msg("bd.change", lo.Line, pct, said))
				}
			}
		}
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.production")
	return true
}

// planDateAhead is how far ahead a date without a year asked for a plan
// is still this year's.
const planDateAhead = 31 * 24 * time.Hour

// planAskRe asks for the plan itself ("what's the plan for line 1
// tomorrow?", "how many parts are planned this week?", "내일 계획 생산량"),
// not whether it will be met.
var planAskRe = regexp.MustCompile(`(?i)\bwhat(?:'s| is| are)? (?:the |our )?(?:production )?plan(?:ned)?\b|\bhow (?:many|much)\b.{0,30}\bplan\b.{0,6}\b(?:is |are )?(?:left|remaining)\b|\bremaining plan\b|\bhow (?:many|much)\b.{0,30}\bplanned\b|\bplanned (?:output|production|quantity|volume)\b|\bthe plan for\b|계획 ?(?:생산량|수량|물량)|계획(?:은|이)?.{0,6}(?:얼마|몇 ?개)|\bplan\b.{0,20}\b(?:in yet|out yet|entered|available|ready|been (?:set|made|entered))\b|\b(?:is there|any|do we have an?) (?:production )?plan\b|계획\S{0,2} ?(?:나와|나왔|잡혀|올라와|들어와|있어|있나|있음)`)

// planMetRe asks whether the plan will be met: a forecast against it.
var planMetRe = regexp.MustCompile(`(?i)\bwill (?:we|it|they|line)\b|\bmake (?:it|the plan)\b|\bhit\b|\bmeet\b|\bachiev\w*|\bon track\b|\bbehind\b|\bahead\b|\bshort\b|달성|맞출|채울|부족`)

// planOnly answers the plan of each line (named, or every line) over a
// coming or current time: its total from the plan series, the whole
// period ("this week" is Monday to Monday), never a forecast.
func (r *run) planOnly() bool {
	q := r.q
	if !planAskRe.MatchString(q.Text) || planMetRe.MatchString(q.Text) || len(q.Assets) > 0 || !q.Horizon.Named && !q.Window.Named {
		return false
	}
	w := q.Window
	if q.Horizon.Named {
		w = q.Horizon
	}
	if next := w.From.AddDate(1, 0, 0); !q.Horizon.Named && w.Named && next.After(r.now) && next.Sub(r.now) <= planDateAhead {
		// "12월 11일 계획" asked on 12-07: a plan's date a few days ahead
		// is this year's, not last year's.
		w = Span{From: next, To: w.To.AddDate(1, 0, 0), Label: w.Label, LabelKO: w.LabelKO, Named: true}
	}
	if weekWordRe.MatchString(q.Text) && !strings.Contains(strings.ToLower(q.Text), "last") && !strings.Contains(q.Text, "지난") && w.Label != "the rest of this week" {
		// Not "이번주 남은 기간": the rest of the week, from now.
		w = Span{From: r.p.Week(r.now, 0), To: r.p.Week(r.now, 1), Label: "this week", LabelKO: "이번 주", Named: true}
		if strings.Contains(strings.ToLower(q.Text), "next") || strings.Contains(q.Text, "다음") {
			w = Span{From: r.p.Week(r.now, 1), To: r.p.Week(r.now, 2), Label: "next week", LabelKO: "다음 주", Named: true}
		}
	}
	if t := w.From.Truncate(time.Hour); t.Before(w.From) && !w.From.After(r.now.Add(time.Minute)) {
		// "the rest of this week" from 19:03: the plan of the hours still
		// to come, from 20:00 (the hour under way is mostly made).
		w.From = t.Add(time.Hour)
	}
	var calls []agent.ToolCall
	for _, l := range r.outputLines() {
		calls = append(calls, agent.ToolCall{Name: tools.CompareToPlan, Args: map[string]any{"line": l, "since": stampUTC(w.From), "until": stampUTC(w.To)}})
	}
	var out []string
	partial := false
	for _, res := range r.call(calls...) {
		d, ok := decode[struct {
			Output string `json:"output"`
			Unit   string `json:"unit"`
			Window *struct {
				Hours int     `json:"hours"`
				Plan  float64 `json:"plan"`
			} `json:"plan_window"`
			// A period that ends ahead comes back as its projection,
			// with the same plan total.
			Ahead *struct {
				Hours int     `json:"hours"`
				Plan  float64 `json:"plan"`
			} `json:"window"`
		}](res.Result.Data)
		if ok && d.Window == nil {
			d.Window = d.Ahead
		}
		if !res.OK || !ok || d.Window == nil {
			continue
		}
		key := "plan.only"
		if d.Window.Hours == 1 {
			key = "plan.only_hour"
		}
		out = append(out, r.msg(key, strings.TrimSuffix(d.Output, ".output"), r.spanIn(w), val(d.Window.Plan), r.unitIn(totalUnit(d.Unit)), d.Window.Hours))
		if asked := int(math.Round(w.To.Sub(w.From).Hours())); d.Window.Hours > 0 && d.Window.Hours < asked {
			// "next week's plan": entered for 16 of its 168 hours is no
			// week's total.
			out = append(out, r.msg("plan.partial", d.Window.Hours, r.derive("hours asked", float64(asked), "end − start of the period asked")))
			partial = true
		}
	}
	switch {
	case len(out) == 0:
		out = append(out, r.msg("plan.none", r.spanIn(w)))
		r.a.Confidence = "low"
	case w.To.After(r.now):
		out = append(out, r.msg("plan.ask_forecast")) // a past hour's plan is no forecast's
		r.a.Confidence = "high"
		if partial {
			r.a.Confidence = "medium"
		}
	default:
		r.a.Confidence = "high"
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Escalate = r.msg("escalate.plan")
	return true
}

// sensorBreakdown answers a sensor of one machine by day or by shift of
// the window (the last 7 days when none is named): each part's mean and
// range, from latest_readings over each part; false when no part has data.
func (r *run) sensorBreakdown(asset, sensor, unit string) bool {
	w := r.q.Window
	if !w.Named {
		w = Span{From: r.p.Day(r.now, -7), To: r.p.Day(r.now, 0), Label: "the last 7 days", LabelKO: "최근 7일"}
	}
	bs := r.buckets(w, unit, 31)
	if len(bs) < 2 {
		return false
	}
	calls := make([]agent.ToolCall, len(bs))
	for i, b := range bs {
		calls[i] = agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": asset, "sensor": sensor, "since": stampUTC(b.From), "until": stampUTC(b.To)}}
	}
	out := []string{r.msg("sbd.head."+unit, asset, r.sensorName(sensor), r.spanIn(w))}
	read := 0
	for i, res := range r.call(calls...) {
		if !res.OK {
			r.dropFailure(res.Error)
			out = append(out, "• "+r.msg("sbd.none", bs[i].Label))
			continue
		}
		d, ok := decode[readingsData](res.Result.Data)
		if !ok || len(d.Readings) == 0 || d.Readings[0].Trend == nil || d.Readings[0].Trend.Points == 0 {
			out = append(out, "• "+r.msg("sbd.none", bs[i].Label))
			continue
		}
		t, u := d.Readings[0].Trend, d.Readings[0].Unit
		out = append(out, "• "+r.msg("sbd.part", bs[i].Label, val(t.Mean)+suffix(u), val(t.Min), val(t.Max)+suffix(u)))
		read++
	}
	if read == 0 {
		return false
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.default")
	return true
}

// pairNamed says whether the question compares two periods it names.
func pairNamed(text string, r *run) bool {
	_, _, ok := namedPair(text, r.now, r.p)
	return ok
}

// shiftTotals answers one shift of the day over a period of days
// ("지난주 야간조 2라인 생산량", "last week's night shifts on line 2"):
// each line's output and plan summed over every such shift that starts
// in the period, with how many there were.
func (r *run) shiftTotals() bool {
	q := r.q
	w := q.Window
	end := minTime(w.To, r.now)
	var bs []bucket
	name, nameKO := "", ""
	for s := r.p.ShiftAt(w.From, 0); s.From.Before(end); s = r.p.ShiftAt(s.From, 1) {
		if s.From.Before(w.From) || shiftPart(s.Shift) != q.ShiftOnly {
			continue
		}
		bs = append(bs, bucket{s.From, minTime(s.To, r.now), ""})
		name, nameKO = s.Name, s.NameKO
	}
	if len(bs) == 0 {
		return false
	}
	var out []string
	for _, l := range r.outputLines() {
		actual, plan, u, ok := r.bucketOutput(l, bs)
		if !ok {
			continue
		}
		var a, p float64
		n := 0
		for i := range bs {
			if math.IsNaN(actual[i]) {
				continue
			}
			a, p, n = a+actual[i], p+plan[i], n+1
		}
		if p == 0 {
			continue
		}
		shift := name
		if r.ko() {
			shift = nameKO
		}
		out = append(out, r.msg("bd.shift_total", l, r.spanIn(w), shift, n,
			r.deriveCount(l+" output over those shifts", a, "sum of the shifts' output"), r.unitIn(totalUnit(u)),
			r.deriveCount(l+" plan over those shifts", p, "sum of the shifts' plan"),
			r.derive(l+" attainment over those shifts, %", 100*a/p, "output ÷ plan × 100")))
	}
	return r.productionAnswer(out)
}

// worstLineRe names the line a ranking put last ("the worst line",
// "꼴찌 라인"); bestLineRe the one it put first.
var (
	worstLineRe = regexp.MustCompile(`(?i)\b(?:the )?(?:worst|lowest|bottom|last[- ]placed?|weakest)(?: one| line)?\b|꼴찌|최하위|(?:가장|제일) ?(?:낮은|못한|뒤처진|안 ?좋은|나쁜|부진한) (?:라인|거|곳|데)`)
	bestLineRe  = regexp.MustCompile(`(?i)\b(?:the )?(?:best|top|highest)(?: one| line)\b|(?:1등|1위|최상위) ?(?:라인|한 ?라인)?|(?:가장|제일) (?:높은|잘한) (?:라인|거|곳)`)
)

// worstLineOfThread reads "the worst line" of a follow-up to a ranking of
// the lines against plan ("지난주 라인별 계획 달성률 순위" → "꼴찌 라인은 왜
// 못 맞춘 거야?") as that line: the lines' output against plan over the
// thread's window again, and the one with the smallest share (the largest
// for "the best"); the question then asks about it. False when the
// question names a line or machine, or the thread was no such ranking.
func (r *run) worstLineOfThread() bool {
	q := r.q
	worst, best := worstLineRe.MatchString(q.Text), bestLineRe.MatchString(q.Text)
	if !q.FollowUp && q.Thread == "" || len(q.Lines)+len(q.Assets) > 0 && q.Named {
		return false
	}
	lines := strings.Split(strings.TrimSpace(q.Thread), "\n")
	if !worst && !best && len(lines) >= 2 && q.Window.Named && len(strings.Fields(q.Text)) <= 3 {
		// "이번주는?" after "제일 안좋은 라인 어디야?": the same question of
		// that period, about the thread's ranking before it.
		last := plant.Normalize(lines[len(lines)-1])
		worst, best = worstLineRe.MatchString(last), bestLineRe.MatchString(last)
		lines = lines[:len(lines)-1]
	}
	if !worst && !best {
		return false
	}
	prev := plant.Normalize(lines[len(lines)-1])
	if !planWordRe.MatchString(prev) || !lineRankRe.MatchString(prev) {
		return false
	}
	if !q.Window.Named {
		// The ranking's time ("지난주"), which this question leaves unsaid.
		if w, _ := readTimes(prev, r.now, r.p); w.Named {
			r.q.Window, r.q.WindowInherited = w, true
			q = r.q
		}
	}
	if worst && !whyRe.MatchString(q.Text) {
		// "which line was worst?", "제일 안좋은 라인 어디야?": the lines
		// against plan of that period, furthest behind first.
		r.q.Lines, r.q.Assets, r.q.Named = nil, nil, false
		r.q.Output, r.q.Plan, r.q.Intent = true, true, IntentCompare
		return true
	}
	outs := r.output(r.outputLines(), q.Window)
	if len(outs) < 2 {
		return false
	}
	pick := outs[0]
	for _, o := range outs[1:] {
		share, picked := o.Actual/math.Max(o.Plan, 1e-9), pick.Actual/math.Max(pick.Plan, 1e-9) // unrounded
		if worst && share < picked || !worst && share > picked {
			pick = o
		}
	}
	r.q.Lines, r.q.Assets, r.q.Named = []string{pick.Line}, nil, true
	r.q.Output, r.q.Plan = true, true
	if whyRe.MatchString(q.Text) {
		r.q.Intent = IntentDiagnose
	}
	return true
}

// planWordRe and lineRankRe find a ranking of the lines against plan.
var (
	planWordRe = regexp.MustCompile(`(?i)\bplan\w*|attainment|계획|달성`)
	lineRankRe = regexp.MustCompile(`(?i)\brank\w*|\bby line\b|\beach line\b|\bwhich line\b|\blines?\b.{0,20}\b(?:best|worst|most|least|behind)\b|라인별|순위|랭킹|어느 라인`)
)

// daysBefore is line's output against plan on each of the 14 days before
// day that had a plan.
func (r *run) daysBefore(line string, day time.Time) []lineOutput {
	var out []lineOutput
	for i := 1; i <= 14; i++ {
		from := r.p.Day(day, -i)
		for _, o := range r.output([]string{line}, Span{From: from, To: r.p.Day(from, 1)}) {
			if o.Plan > 0 {
				out = append(out, o)
			}
		}
	}
	return out
}

// outputNormalRe asks whether the thread's output figure is normal ("is
// that normal?", "그거 정상이야?", "평소 수준이야?").
var outputNormalRe = regexp.MustCompile(`(?i)\b(?:is|was) (?:that|this|it) (?:normal|usual|typical|ok|okay)\b|\bnormal for (?:it|them|us|that line|the line)\b|정상(?:이야|인가|이에요|인지|이냐|이지)|평소 (?:수준|정도)|평소랑 비슷`)

// outputNormal answers "is that normal?" after a line's output against
// plan: that share of plan against the line's daily shares over the 14
// days before the period — within their range, or below or above it.
// False when the question is not that.
func (r *run) outputNormal() bool {
	q := r.q
	if !outputNormalRe.MatchString(q.Question) || !q.FollowUp || !q.Output && !q.Plan || len(q.Assets) > 0 {
		return false
	}
	lines := q.Lines
	if len(lines) == 0 {
		lines = r.outputLines()
	}
	if len(lines) == 0 || len(lines) > 3 {
		return false
	}
	return r.productionAnswer(r.usualShare(lines, q.Window))
}

// usualShare says, for each line, its share of plan over w against the
// daily shares of the 14 days before (within, below or above that range),
// with the window's figures; nothing for a line with fewer than 5 days.
func (r *run) usualShare(lines []string, w Span) []string {
	var out []string
	for _, l := range lines {
		cur := r.output([]string{l}, w)
		if len(cur) == 0 || cur[0].Plan <= 0 {
			continue
		}
		var shares []float64
		for _, o := range r.daysBefore(l, r.p.Day(w.From, 0)) {
			shares = append(shares, 100*o.Actual/o.Plan)
		}
		if len(shares) < 5 {
			continue
		}
		lo, hi := slices.Min(shares), slices.Max(shares)
		pct := 100 * cur[0].Actual / cur[0].Plan
		key := "out.normal_yes"
		switch {
		case pct < lo:
			key = "out.normal_below"
		case pct > hi:
			key = "out.normal_above"
		}
		out = append(out, r.msg(key, l, r.derive(l+" share of plan, %", pct, "100 × output ÷ plan"), len(shares),
			r.derive(l+" lowest daily share of plan, 14 days before, %", lo, "min over days of 100 × output ÷ plan"),
			r.derive(l+" highest daily share of plan, 14 days before, %", hi, "max over days of 100 × output ÷ plan")))
		out = append(out, r.outputLine(cur[0], w))
	}
	return out
}

// productionAnswer sets the answer to lines of production figures; false
// when there are none.
func (r *run) productionAnswer(out []string) bool {
	if len(out) == 0 {
		return false
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.production")
	return true
}
