package planner

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// answer dispatches the question to its intent's handler.
func (r *run) answer() {
	q := r.q
	if q.Intent == IntentOutOfScope || q.Intent == "" {
		r.outOfScope()
		return
	}
	if len(r.p.Series) == 0 && len(r.p.Assets) == 0 {
		switch q.Intent {
		case IntentStatus, IntentDiagnose, IntentRank, IntentCompare, IntentForecast, IntentMetric, IntentHandover, IntentCatalog:
			// A plant with nothing loaded yet: said, with how to start,
			// never "press-3 has only maintenance records".
			r.a.Situation = r.msg("plant.empty")
			r.a.Confidence = "low"
			return
		}
	}
	if r.onlyUnknown() {
		r.unknownOnly()
		return
	}
	if q.Shortcut {
		r.shortcut() // "ok to skip the safety block?": before anything else it asks
		return
	}
	if !q.FollowUp && len(q.Assets)+len(q.Lines)+len(q.Series)+len(q.Sensors) == 0 && q.Type == "" && len(strings.Fields(q.Text)) <= 6 &&
		vagueRefRe.MatchString(timeRefRe.ReplaceAllString(q.Text, " ")) && (q.Intent == IntentStatus || q.Intent == IntentRank || q.Intent == IntentDiagnose) {
		// "is it ok?", "그거 괜찮아?" with nothing before it: which thing?
		r.a.Situation = r.msg("clarify.which")
		return
	}
	if !q.FollowUp && len(q.Sensors) == 1 && len(q.Assets)+len(q.Lines)+len(q.Series) == 0 && q.Type == "" && len(q.Unknown) == 0 &&
		(q.Intent == IntentMetric || q.Intent == IntentStatus) && len(strings.Fields(q.Text)) <= 6 && !plantWideRe.MatchString(q.Text) {
		// "모터 온도 몇 도야?": which machine's? The ones that have it.
		var with []string
		for _, a := range r.p.Assets {
			if contains(a.Sensors, q.Sensors[0]) {
				with = append(with, a.Name)
			}
		}
		if len(with) > 1 {
			r.a.Situation = r.msg("clarify.which_sensor", r.sensorName(q.Sensors[0]), strings.Join(with, ", "))
			r.a.Confidence = "low"
			return
		}
	}
	if q.BadDate != "" {
		r.badDate()
		return
	}
	if ts := targetsOf(q, r.p); lastAlarmRe.MatchString(q.Text) && len(ts) == 1 && r.lastAlarms(ts[0]) {
		r.noteUnknown() // "3호기 프레스 알람 최근에 언제 떴어?"
		return
	}
	if hotAskRe.MatchString(q.Text) && len(q.Assets)+len(q.Lines)+len(q.Series) == 0 && q.Type == "" && !q.Shortcut && r.hotMachines() {
		r.noteUnknown() // "is any machine running hot right now"
		return
	}
	if gapsAskRe.MatchString(q.Text) {
		r.dataGaps(q.Assets) // "any sensors with data gaps in the last week?"
		r.noteUnknown()
		return
	}
	if freshRe.MatchString(q.Text) && len(q.Assets)+len(q.Lines)+len(q.Series) == 0 && q.Type == "" &&
		(q.Intent == IntentStatus || q.Intent == IntentRank || q.Intent == IntentHandover || q.Intent == IntentDiagnose) {
		r.plantFreshness() // "which machines haven't sent data in the last hour?"
		r.noteUnknown()
		return
	}
	if intervalAsked(intervalText(q)) && !didRe.MatchString(q.Text) && r.interval() {
		if partNumberAskRe.MatchString(q.Text) {
			// "compressor intake filter - part no and how often to change?":
			// both.
			every := r.a.Situation
			r.parts()
			r.a.Situation = joinLines([]string{every, r.a.Situation})
		}
		r.noteUnknown() // "what's the lube interval on press 3?"
		return
	}
	if q.ShiftOnly != 0 && (q.Output || q.Plan) && len(q.Assets) == 0 && r.shiftTotals() {
		r.noteUnknown() // "지난주 야간조 2라인 생산량"
		return
	}
	if sensorFaultRe.MatchString(q.Text) && len(q.Assets) == 1 && len(q.Sensors) == 1 && r.sensorCheck(q.Assets[0], q.Sensors[0]) {
		r.noteUnknown() // "프레스3 온도센서 고장난거 아냐?"
		return
	}
	if r.replaceCriterion() {
		if partNumberAskRe.MatchString(q.Text) {
			// "filler-1 제품필터 품번이랑 교체 기준 알려줘": both.
			rule := r.a.Situation
			r.parts()
			r.a.Situation = joinLines([]string{r.a.Situation, rule})
		}
		r.noteUnknown()
		return
	}
	if k, ok := docFactAsked(q.Text, r.p); ok && r.docFact(k) {
		r.noteUnknown() // "what PPE do I need to change the press 3 bearing?"
		return
	}
	if r.worstLineOfThread() {
		q = r.q // "꼴찌 라인은 왜 못 맞춘 거야?" after a ranking of the lines
	}
	targets := targetsOf(q, r.p)
	if r.ifReach(targets) {
		r.noteUnknown() // "충전기 압력이 4.5 넘어가면 어떻게 해야됨?"
		return
	}
	if r.alwaysCause(targets) {
		r.noteUnknown() // "컨베이어 속도 알람 뜨면 무조건 벨트 문제임?"
		return
	}
	if r.whatIfNot(targets) {
		r.noteUnknown() // "얼라인 안하고 그냥 두면 어케됨?"
		return
	}
	if r.lastFailurePeak(targets) {
		r.noteUnknown() // "저번 베어링 고장때 진동 몇까지 갔었지? 지금이랑 비교해줘"
		return
	}
	if r.fixWorked(targets) {
		r.noteUnknown() // "did the regrease fix on press-1 back in 2024 work?"
		return
	}
	if r.lastFailureWindow(targets) {
		q = r.q // "what came before machine 12's last failure?": that failure's time
	}
	if r.windowAfterData(targets) {
		q = r.q
	}
	if len(q.Assets) >= 2 && len(q.Assets) <= 4 && len(q.Lines) == 0 && worseAskRe.MatchString(q.Text) && len(q.Sensors) == 0 &&
		len(r.p.Resolve(q.Text).Assets) >= 2 && r.compareCondition(q.Assets) {
		// "which is in worse shape, pump 1 or pump 2?": the sensors, then
		// the records.
		r.noteUnknown()
		return
	}
	if len(q.Assets) >= 2 && len(q.Assets) <= 4 && len(q.Lines) == 0 && !q.Output && !q.Plan && (crossCompareRe.MatchString(q.Text) || whichMoreRe.MatchString(q.Text)) && !prevRe.MatchString(q.Text) {
		// "is cnc 2 running hotter than cnc 1?": two machines, one sensor.
		if s := r.compareSensor(); s != "" && r.compareAssets(q.Assets, s) {
			r.noteUnknown()
			return
		}
		if len(q.Assets) == 2 && len(q.Sensors) == 0 && r.compareSensor() == "" && r.compareAllSensors(q.Assets) {
			r.noteUnknown() // "what's the difference between press 1 and press 3?"
			return
		}
	}
	if q.Intent == IntentCompare || q.Intent == IntentRank || q.Intent == IntentStatus {
		// "press 3 vibration this week vs last week": one sensor, two spans.
		if r.comparePeriods(targets) {
			r.noteUnknown()
			return
		}
	}
	if r.age(targets) {
		r.noteUnknown() // "how old is machine 8?"
		return
	}
	if r.readingAt(targets) {
		r.noteUnknown() // "press 1 current at 3pm yesterday"
		return
	}
	if r.extreme() {
		r.noteUnknown() // "which pump has the highest pressure?"
		return
	}
	if r.running(targets) {
		r.noteUnknown() // "is the compressor running?"
		return
	}
	if r.verifyWork(targets) {
		r.noteUnknown() // "did pump 1 pressure recover after the strainer was cleaned?"
		return
	}
	if len(targets) == 1 {
		// "how many hours has press 3 been above the alert limit?": the
		// documented limit's value, looked for in the data.
		if _, named := agent.ThresholdIn(q.Text); !named {
			if th, which, ok := r.namedLimit(targets[0]); ok && r.threshold(targets[0], th) {
				r.a.Situation = which + "\n" + r.a.Situation
				r.noteUnknown()
				return
			}
		}
	}
	if th, ok := agent.ThresholdIn(q.Text); ok && !th.Future && len(targets) == 1 && r.threshold(targets[0], th) {
		r.noteUnknown() // "when did pump 1 pressure last drop below 2.5 bar?"
		return
	}
	if r.outputNormal() {
		r.noteUnknown() // "is that normal?" after a line's output
		return
	}
	if r.planOnly() {
		r.noteUnknown() // "what's the plan for line 1 tomorrow?"
		return
	}
	if r.outputPeriods() {
		r.noteUnknown() // "line 2 output yesterday vs the day before"
		return
	}
	if rateAskRe.MatchString(q.Text) && r.breakdownAsked() {
		r.outputBreakdown("rate") // "average output per hour on line 2 yesterday"
		r.noteUnknown()
		return
	}
	u := breakdownUnit(q.Text)
	if u == "" && outputTrendRe.MatchString(q.Text) && q.Output {
		// "the trend of line 1 output this week": its days (its hours for a day).
		u = "hour"
		if !q.Window.Named || q.Window.To.Sub(q.Window.From) >= 48*time.Hour {
			u = "day"
		}
	}
	if (u == "day" || u == "shift") && len(q.Sensors) == 1 && q.Sensors[0] != "output" && len(targets) == 1 && r.sensorBreakdown(targets[0], q.Sensors[0], u) {
		r.noteUnknown() // "daily avg pump 2 pressure for last week"
		return
	}
	if u != "" && r.breakdownAsked() {
		r.outputBreakdown(u) // "which shift produced the most yesterday?"
		r.noteUnknown()
		return
	}
	if r.machineOutput() {
		r.noteUnknown()
		return
	}
	switch q.Intent {
	case IntentMetric:
		r.metric()
	case IntentForecast:
		r.forecast()
	case IntentCompare:
		r.compare()
	case IntentRank:
		if len(q.Assets) > 0 && len(q.Assets) <= 5 && riskAskRe.MatchString(q.Text) {
			// "what is the failure risk of machine 12?": its own figure,
			// not the fleet's top three.
			r.assetRisk(targets)
			break
		}
		r.rank(nil)
		if q.Broad {
			r.a.Situation = r.msg("broad.read") + "\n" + r.a.Situation
		}
	case IntentHistory:
		r.history()
		if whoDidRe.MatchString(q.Text) {
			// "who fixed pump 1 last time?": its incidents, and that they
			// name no one.
			r.a.Situation = joinLines([]string{r.a.Situation, r.msg("maint.who_unknown")})
		}
	case IntentMaintenance:
		r.maintenance()
		r.readingBeside(targets)
	case IntentHandover:
		r.handover()
	case IntentProcedure:
		r.procedure()
	case IntentDocument:
		r.document()
	case IntentLimits:
		r.limits()
	case IntentCatalog:
		r.catalog()
	case IntentShifts:
		r.shifts()
	case IntentCode:
		r.code()
	case IntentParts:
		r.parts()
	default:
		if (q.Plan || q.Output) && len(q.Assets) == 0 && len(q.Lines) > 0 {
			r.compare() // "why is line 1 short of plan?": its output, then its machines
			break
		}
		if len(q.Assets) > 0 && riskAskRe.MatchString(q.Text) {
			r.assetRisk(targets)
			break
		}
		// "pump-1 pressure is 2.2 bar": the user's reading against the
		// machine's limits first; a limit it crosses points the steps.
		var said []string
		if len(targets) == 1 {
			var mode string
			if said, mode = r.reportedReading(targets[0]); mode != "" && !contains(r.q.Reported, mode) {
				r.readingSaid = r.msg("reading.said", r.saidReading)
				r.q.AsksMode = false // a reading told is a report
				r.q.Reported = append([]string{mode}, r.q.Reported...)
				if r.q.Intent == IntentStatus {
					r.q.Intent = IntentDiagnose
				}
			}
		}
		r.condition()
		if len(said) > 0 {
			r.a.Situation = joinLines(said) + "\n" + r.a.Situation
		}
		if v := r.onsetLead(targets); len(v) > 0 && len(said) == 0 {
			// "when did press 3's vibration start rising?": when, first.
			r.a.Situation = joinLines(v) + "\n" + r.a.Situation
		}
		if q.Restart && len(targets) == 1 && len(q.Reported) > 0 {
			// "리셋하고 다시 돌려도 되나요?": the checks first, then restart.
			lines := []string{r.msg("restart.after_trip", targets[0], r.modeName(q.Reported[0]))}
			lines = append(lines, r.tripReading(targets[0])...)
			r.a.Situation = joinLines(append(lines, r.a.Situation))
		}
		if v := r.modeVerdicts(targets); len(v) > 0 {
			// "cnc4 running hot again?": yes or no from the data, first.
			r.a.Situation = joinLines(v) + "\n" + r.a.Situation
		}
		if v := r.okVerdicts(targets); len(v) > 0 && len(said) == 0 && r.stopSaid == "" {
			// "press 3 is fine right?": yes, no, or cannot say, first.
			r.a.Situation = joinLines(v) + "\n" + r.a.Situation
		}
		if (q.Intent == IntentDiagnose || q.Intent == IntentStatus) && len(targets) == 1 {
			// "press 3 bearing is noisy": work already open on it, so
			// a step to plan the job does not plan it twice.
			if w := r.openWork(targets[0]); w != "" {
				r.a.Situation = joinLines([]string{r.a.Situation, w})
			}
		}
		if l := r.lineAsked(); l != "" {
			// "how is line 3 doing?": its output against plan too.
			for _, lo := range r.output([]string{l}, r.q.Window) {
				r.a.Situation = joinLines([]string{r.a.Situation, r.outputLine(lo, r.q.Window)})
			}
		}
		if len(q.Facts) > 0 && len(targets) == 1 && nextAskRe.MatchString(q.Text) {
			// "we cleaned the pump 1 strainer, anything else to do?"
			r.afterDone(targets[0])
		}
	}
	if q.AlarmsFirst {
		// "which are still open" after the day's alarms: the alarm
		// records now, then what the detectors see of their cause.
		lead := r.alarmsNow(linesOf(q, r.p))
		if whoAckRe.MatchString(q.Text) {
			lead = append([]string{r.msg("alarms.who")}, lead...)
		}
		r.a.Situation = joinLines(append(lead, r.a.Situation))
	} else if alarmsNowRe.MatchString(q.Text) && !q.Window.Named {
		// "지금 떠있는 알람 있어?": the alarm records open now and raised
		// in the last day, beside what the detectors see.
		r.a.Situation = joinLines(append([]string{r.a.Situation}, r.alarmsNow(linesOf(q, r.p))...))
	}
	if q.Intent == IntentMetric || q.Intent == IntentStatus || q.Intent == IntentDiagnose || q.Intent == "" {
		// What the question asks of the readings themselves comes first,
		// then what the detector saw.
		var lead []string
		if freshRe.MatchString(q.Text) && len(targets) > 0 && len(targets) <= 6 {
			lead = append(lead, r.freshness(targets)...) // "is the cnc-4 data up to date?"
		}
		if usualAsked(q.Text) && len(q.Sensors) > 0 && len(targets) > 0 && len(targets) <= 3 {
			lead = append(lead, r.usual(targets)...) // "what is the usual vibration for press 2?"
		}
		if len(targets) > 0 && len(targets) <= 3 {
			lead = append(lead, r.converted(targets)...) // "press 3 vibration in inches per second"
		}
		if v := r.directionVerdicts(targets); len(v) > 0 {
			lead = append(lead, v...) // "is press 3's temperature rising too?"
		} else if r.trendAsked(targets) {
			lead = append(lead, r.trends(targets)...) // "press 3's max temperature yesterday"
		}
		if len(lead) > 0 {
			r.a.Situation = joinLines(lead) + "\n" + r.a.Situation
		}
	}
	r.staleNotes()
	r.noteUnknown()
}

// lastFailureRe asks about a machine's last failure and what led to it.
var lastFailureRe = regexp.MustCompile(`\b(?:before|prior to|leading (?:up )?to|ahead of|preceded|caused)\b.{0,30}\b(?:last|latest|most recent|previous) (?:failure|breakdown)\b|\b(?:last|latest|most recent) (?:failure|breakdown)\b.{0,30}\b(?:why|cause\w*|before|signs?|errors?|alerts?|alarms?|precursors?|warnings?)\b|\b(?:why|what caused|cause of)\b.{0,30}\b(?:last|latest|most recent) (?:failure|breakdown)\b|마지막 고장.{0,10}(?:전|원인|징후|전조|이유)`)

// lastFailureWindow sets the window, for a question about one machine's
// last failure and what came before it, to the hour of that failure (its
// latest failure record), so the answer is that failure and its week
// before; false when the question is not that or there is no record.
func (r *run) lastFailureWindow(targets []string) bool {
	q := r.q
	if q.Window.Named || len(targets) != 1 || !lastFailureRe.MatchString(q.Text) {
		return false
	}
	recs, ok := r.records(map[string]any{"asset": targets[0], "kind": "failure", "limit": 1})
	if !ok || len(recs) == 0 {
		return false
	}
	t, err := time.Parse(recordLayout, recs[0].Opened)
	if err != nil {
		return false
	}
	r.q.Window = Span{From: t, To: t.Add(time.Hour), Label: "its last failure", LabelKO: "마지막 고장", Named: true}
	return true
}

// windowAfterData moves a named past window that begins after all the
// data the question reads ("what happened since midnight?" while the feed
// has been silent since last night) to the last day of that data, and
// notes the window asked: the answer says so first (staleNotes) instead of
// the tools' "no data between" errors.
func (r *run) windowAfterData(targets []string) bool {
	q := r.q
	if !q.Window.Named || q.Horizon.Ahead && q.Intent == IntentForecast || q.Window.To.Before(r.now.Add(-24*time.Hour)) {
		// A window long past (a date in an imported history) is answered
		// for itself: its records may hold what the sensors do not.
		return false
	}
	switch q.Intent {
	case IntentStatus, IntentDiagnose, IntentRank, IntentHandover, IntentCompare, IntentMetric, "":
	default:
		return false
	}
	var last time.Time
	for _, s := range r.p.Series {
		in := len(targets) == 0 && len(q.Lines) == 0 && len(q.Series) == 0 ||
			contains(targets, s.Asset) || s.Asset == "" && contains(q.Lines, s.Line) || contains(q.Series, s.Name)
		if in && s.LatestAt != "" && s.Kind != "plan" { // a plan runs ahead of the data
			last = maxTime(last, parseStamp(s.LatestAt))
		}
	}
	if last.IsZero() || !last.Before(q.Window.From) {
		return false
	}
	asked := q.Window
	r.asked, r.lastData = &asked, last
	r.q.Window = Span{From: last.Add(-24 * time.Hour), To: last.Add(time.Minute), Label: "the last day of data", LabelKO: "마지막 하루치 데이터", Named: true}
	return true
}

// staleNotes leads the answer, when the question named a window that
// begins after an asset's last data, with what it sent last: the readings
// shown are older than the time asked about, and a silent feed is itself
// news.
func (r *run) staleNotes() {
	if r.asked != nil {
		who := r.msg("stale.plant")
		if len(r.q.Lines) > 0 && len(r.q.Assets) == 0 {
			who = strings.Join(r.q.Lines, ", ")
		} else if t := targetsOf(r.q, r.p); len(t) > 0 && len(t) <= 3 {
			who = strings.Join(t, ", ")
		}
		asked := *r.asked
		r.a.Situation = r.msg("window.after_data", r.spanIn(asked), who, r.at(r.lastData)) + "\n" + r.a.Situation
		return
	}
	if w := r.q.Window; w.Named && len(r.stale) == 0 && r.q.Intent != IntentMaintenance {
		// A window the data covers only the start of ("last night" with the
		// feed silent since 23:20): "no anomalies" and totals speak only
		// for that part, said first.
		last := r.lastReading()
		if t := targetsOf(r.q, r.p); len(t) > 0 && len(t) <= 3 {
			last = time.Time{}
			for _, a := range t {
				last = maxTime(last, r.lastDataOf(a))
			}
		}
		end := minTime(w.To, r.now)
		if !last.IsZero() && last.After(w.From) && end.Sub(last) > 2*time.Hour && end.Sub(last) > end.Sub(w.From)/10 && r.now.Sub(last) < 7*24*time.Hour {
			cover := r.every(last.Sub(w.From).Round(time.Minute))
			total := r.every(end.Sub(w.From).Round(time.Minute))
			r.note("time covered by data", cover, stampUTC(w.From)+" to "+stampUTC(last))
			r.note("time asked", total, stampUTC(w.From)+" to "+stampUTC(end))
			r.a.Situation = r.msg("window.partial", r.at(last), cover, total, r.spanIn(w)) + "\n" + r.a.Situation
			if r.a.Confidence == "high" {
				r.a.Confidence = "medium"
			}
		}
	}
	if !r.q.Window.Named || len(r.stale) == 0 {
		return
	}
	var notes []string
	for _, a := range slices.Sorted(maps.Keys(r.stale)) {
		notes = append(notes, r.msg("asset.stale_named", a, r.spanIn(r.q.Window), r.at(r.lastDataOf(a))))
	}
	r.a.Situation = joinLines(notes) + "\n" + r.a.Situation
}

// badDate answers a question that names a date the calendar does not
// have: which part is wrong, and the month's last day.
func (r *run) badDate() {
	d := r.q.BadDate
	y, m := atoi(d[:4]), atoi(d[5:7])
	if m < 1 || m > 12 {
		r.note("month", fmt.Sprint(m), "the question")
		r.a.Situation = r.msg("time.badmonth", d, m)
	} else {
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC)
		r.note("days in the month", fmt.Sprint(last.Day()), "the calendar")
		r.note("last day of the month", last.Format("2006-01-02"), "the calendar")
		r.a.Situation = r.msg("time.baddate", d, last.Day(), last.Format("2006-01-02"))
	}
	r.a.Confidence = "low"
}

// onlyUnknown reports whether the question is about things the plant does
// not have and nothing it has (a line named as the place of an unknown
// machine is no subject of its own).
func (r *run) onlyUnknown() bool {
	q := r.q
	unknownThing := false
	for _, u := range q.Unknown {
		switch u.Kind {
		case plant.UnknownAsset, plant.UnknownType, plant.UnknownSeries, plant.UnknownArea:
			unknownThing = true
		case plant.UnknownLine:
			unknownThing = unknownThing || len(q.Lines) == 0
		}
	}
	return unknownThing && len(q.Assets)+len(q.Series) == 0
}

// noteUnknown says what the question named that the plant does not have,
// before the rest of the answer.
func (r *run) noteUnknown() {
	r.noteCorrected()
	if len(r.q.Unknown) == 0 {
		return
	}
	if r.q.Intent == IntentProcedure && injuryRe.MatchString(r.q.Text) && escalationAsked(r.q.Text) {
		// "지게차랑 부딪힐뻔 했어요, 누구한테 보고해야되요?": whom to call
		// about the near miss; the forklift is no machine to look up.
		return
	}
	r.a.Situation = strings.TrimSpace(r.unknownSentence() + "\n" + r.a.Situation)
	for _, u := range r.q.Unknown {
		r.a.Unknown = appendUnique(r.a.Unknown, u.Said)
	}
	if r.a.Confidence == "high" {
		r.a.Confidence = "medium"
	}
}

// because turns the answer to a thread's question, asked again by a bare
// "why?", into its reasons: the likely cause and what the data shows,
// first, without the steps the earlier answer gave (they are said to be
// there). An answer with no cause and no steps is left as it is: its
// situation is all the reasoning there is.
func (r *run) because() {
	a := r.a
	if a.Cause == "" && len(a.Steps)+len(a.Detail) == 0 && (r.q.Output || r.q.Plan) && len(r.q.Assets) == 0 {
		// "왜?" after a line's output that nothing explains: said, with
		// how its share of plan compares with its usual days.
		lines := r.q.Lines
		if len(lines) == 0 {
			lines = r.outputLines()
		}
		if len(lines) == 0 || len(lines) > 3 {
			return
		}
		var assets []string
		for _, l := range lines {
			if ln, ok := r.p.Line(l); ok {
				assets = append(assets, ln.Assets...)
			}
		}
		if len(assets) == 0 {
			return
		}
		r.detect(r.q.Window, assets)
		if !r.detected() {
			return
		}
		for _, as := range assets {
			for _, e := range r.book.of(as) {
				if e.Significant() {
					return // a machine moved: not "nothing explains it"
				}
			}
		}
		usual := r.usualShare(lines, r.q.Window)
		if len(usual) == 0 {
			return
		}
		for i, u := range usual {
			// Not a "yes" to a question nobody asked here.
			usual[i] = strings.TrimPrefix(strings.TrimPrefix(u, "Yes: "), "네: ")
		}
		a.Situation = joinLines(append([]string{r.msg("why.nothing_output")}, usual...))
		return
	}
	if a.Cause == "" && len(a.Steps)+len(a.Detail) == 0 {
		return
	}
	var lines []string
	if a.Cause != "" {
		if l := r.causeLine(a.Cause); l != "" && len(r.q.Lines) > 1 {
			// "why was it short" after lines 1 and 2: which line the
			// cause is on, so it is not read as the other's.
			lines = append(lines, r.msg("why.because_on", l, a.Cause))
		} else {
			lines = append(lines, r.msg("why.because", a.Cause))
		}
		if a.Situation != "" {
			lines = append(lines, r.msg("why.data"), a.Situation)
		}
	} else {
		lines = append(lines, r.msg("why.because", a.Situation))
	}
	if len(a.Steps)+len(a.Detail) > 0 {
		lines = append(lines, r.msg("why.steps_before"))
	}
	a.Situation = joinLines(lines)
	a.Cause = ""
	a.Steps, a.Detail = nil, nil
}

// causeLine is the line of the machine a cause begins with ("press-3
// vibration: …" → line-1), or "".
func (r *run) causeLine(cause string) string {
	best, at := "", len(cause)
	for _, as := range r.p.Assets {
		if i := strings.Index(cause, as.Name); i >= 0 && i < at && as.Line != "" {
			best, at = as.Line, i
		}
	}
	return best
}

// firstLookRe asks which machine to look at first ("which one should i
// look at first", "어느 거 먼저 봐야 돼?").
var firstLookRe = regexp.MustCompile(`(?i)\b(?:look at|check|start with|go to|prioriti[sz]e)\b.{0,12}\bfirst\b|\bfirst\b.{0,12}\b(?:look|check)\b|먼저 ?(?:봐|보|확인|점검|해야)|(?:뭐|어느|어떤).{0,6}(?:먼저|우선)`)

// openWorkFirst lists the targets' open work orders, the machine whose
// open work is due first first; nothing when none has any.
func (r *run) openWorkFirst(targets []string) []string {
	type asset struct {
		name, first, firstDue string
		n                     int
	}
	var as []asset
	for _, t := range targets {
		cites := r.a.Citations
		recs, ok := r.records(map[string]any{"asset": t, "status": "open", "limit": 20})
		r.a.Citations = cites
		if !ok {
			return nil
		}
		a := asset{name: t}
		for _, rec := range recs {
			if rec.Kind == "alert" {
				continue
			}
			a.n++
			if rec.Due != "" && (a.firstDue == "" || rec.Due < a.firstDue) {
				a.first, a.firstDue = rec.ID, rec.Due
			}
		}
		as = append(as, a)
	}
	sort.SliceStable(as, func(i, j int) bool {
		if (as[i].firstDue == "") != (as[j].firstDue == "") {
			return as[i].firstDue != ""
		}
		return as[i].firstDue < as[j].firstDue || as[i].firstDue == as[j].firstDue && as[i].n > as[j].n
	})
	var out []string
	for _, a := range as {
		switch {
		case a.n == 0:
			out = append(out, r.msg("first.none", a.name))
		case a.first != "":
			out = append(out, r.msg("first.open", a.name, a.n, a.first, r.recordAt(a.firstDue)))
		default:
			out = append(out, r.msg("first.open_nodue", a.name, a.n))
		}
	}
	if len(out) == 0 || as[0].n == 0 {
		return nil
	}
	return append([]string{r.msg("first.head", as[0].name)}, out...)
}

// plantWideRe asks about every machine at once ("all", "any", "전체").
var plantWideRe = regexp.MustCompile(`(?i)\b(?:all|any|every|each|plant|highest|lowest|max\w*|min\w*|top)\b|전체|모든|전부|제일|가장|공장`)

// noteCorrected says, first, which machine a misspelt name was read as
// ("Reading pmp-1 as pump-1."), once.
func (r *run) noteCorrected() {
	for _, c := range r.q.Corrected {
		line := r.msg("typo.read_as", c.Said, c.Asset)
		if !strings.Contains(r.a.Situation, line) {
			r.a.Situation = strings.TrimSpace(line + "\n" + r.a.Situation)
		}
	}
}

func (r *run) unknownSentence() string {
	var parts []string
	for _, u := range r.q.Unknown {
		if u.Kind == "sensor" {
			sensor, asset, _ := strings.Cut(u.Said, " on ")
			parts = append(parts, r.msg("unknown.sensor", asset, r.sensorName(sensor), r.sensorList(u.Closest)))
			continue
		}
		parts = append(parts, agent.UnknownSentence(r.lang, []plant.Unknown{u}, r.p))
	}
	return strings.Join(parts, " ")
}

// unknownOnly answers a question about things the plant does not have.
func (r *run) unknownOnly() {
	what := r.p.LineNames()
	if len(what) == 0 {
		what = r.p.AssetNames() // a plant of machines on no line (a CMMS register)
	}
	if len(what) > 5 {
		what = append(what[:5:5], "…")
	}
	example := "press-3"
	if names := r.p.AssetNames(); len(names) > 0 && !slices.Contains(names, example) {
		example = names[0]
	}
	r.a.Situation = r.unknownSentence() + "\n" + r.msg("unknown.instead", strings.Join(what, ", "), example)
	if !slices.ContainsFunc(r.q.Unknown, func(u plant.Unknown) bool { return !u.Ambiguous }) {
		r.a.Situation = r.unknownSentence() // "P2": which one, asked back
	}
	r.a.Confidence = "low"
	for _, u := range r.q.Unknown {
		r.a.Unknown = appendUnique(r.a.Unknown, u.Said)
	}
}

// --- Status and diagnosis --------------------------------------------------

// hypothesis is the failure an answer's steps are about, and what backs it.
type hypothesis struct {
	Asset, Mode string
	// Basis is agent.BasisSensor (an event on the asset supports the
	// mode) or agent.BasisReport (the user reported it).
	Basis string
	Event *Event
	// Reported is set when the user reported the failure too.
	Reported bool
}

var whyRe = regexp.MustCompile(`\bwhy\b|\bcause\w*\b|\breason\b|\bexplain\b|왜|원인|이유`)

// condition answers a status or diagnosis question about machines.
func (r *run) condition() {
	q := r.q
	targets := targetsOf(q, r.p)
	if len(targets) == 0 {
		r.rank(nil) // nothing named: the plant's state, worst first
		return
	}
	r.detect(q.Window, targets)
	// Failures recorded in a past window, and what came before each.
	failed := r.failureHistory(targets)
	if downAskRe.MatchString(q.Text) && len(targets) <= 3 && q.Window.Named {
		// "how long was cnc-2 down when the spindle seized last month?":
		// the failure records' downtime in that window, first.
		failed = append(r.windowDowntime(targets, q.Window), failed...)
	}
	h := r.hypothesis(targets)
	// The explanation (a decomposition over 90 days) is for a diagnosis;
	// a status question gets the event and the limits without it. It runs
	// beside the document searches.
	var explain []agent.ToolCall
	if q.Intent == IntentDiagnose && (h != nil && h.Event != nil || whyRe.MatchString(q.Text) && len(targets) <= 2) {
		asset := targets[0]
		if h != nil {
			asset = h.Asset
		}
		args := map[string]any{"asset": asset, "since": stampUTC(q.Window.From), "until": stampUTC(q.Window.To)}
		if e := r.pastFocus(h, asset); e != nil {
			// "why did cnc-2 seize last month?": the event that came before
			// it explained, not the whole month (where four days of rise
			// are a short excursion among quiet weeks).
			args["since"], args["until"] = stampUTC(e.Start), stampUTC(e.End)
			if h == nil || h.Event == nil {
				args["series"] = e.Asset + "." + e.Sensor
				delete(args, "asset")
			}
		}
		if h == nil || h.Event == nil {
			// "why is compressor-1 temperature low?": that sensor, not
			// whichever moved most.
			if as, ok := r.p.Asset(asset); ok {
				for _, s := range q.Sensors {
					if contains(as.Sensors, s) {
						delete(args, "asset")
						args["series"] = asset + "." + s
						break
					}
				}
			}
		}
		explain = append(explain, agent.ToolCall{Name: tools.ExplainAnomaly, Args: args})
	}
	var x explanation
	explained := false
	if h == nil {
		for _, res := range r.call(explain...) {
			x, explained = readExplain(res)
		}
		lines := append(failed, r.readings(targets, nil, "")...)
		// A symptom reported in words no failure mode names, with quiet
		// data: what the plant's memory says about it, or that it says
		// nothing.
		runUntil := runUntilRe.MatchString(q.Text)
		if q.Intent == IntentDiagnose && !q.Vague && !q.AsksMode && !runUntil && len(targets) == 1 && len(r.book.events) == 0 && len(r.failures) == 0 {
			if said, stems := symptomWords(q, r.p, targets[0]); len(stems) > 0 {
				lines = append(lines, r.symptomLookup(targets[0], said, stems)...)
			}
		}
		if runUntil && q.Horizon.Named && q.Horizon.Ahead && len(r.book.events) == 0 && len(r.failures) == 0 {
			label := q.Horizon.Label
			if r.ko() {
				label = q.Horizon.LabelKO
			}
			lines = append(lines, r.msg("rule.quiet_horizon", label, r.at(q.Horizon.To)))
		}
		r.a.Situation = joinLines(lines)
		r.a.Confidence = "medium"
		if len(r.failures) > 0 && len(r.book.events) == 0 {
			r.a.Confidence = "low"
		}
		if explained && x.Verdict != "" {
			r.a.Cause = r.verdict(x, targets[0], "")
		}
		r.a.Escalate = r.msg("escalate.quiet")
		if len(r.book.events) > 0 {
			r.a.Escalate = r.msg("escalate.default")
		}
		return
	}
	d, extra := r.readDocsWith(h, explain...)
	for _, res := range extra {
		x, explained = readExplain(res)
	}
	outlook := ""
	if h.Event != nil {
		outlook = r.limitOutlook(h, d)
	}
	r.a.Situation = joinLines(append(failed, r.readings(targets, h.Event, outlook)...))
	stopNow := r.reportedStop(h, d)
	if v := r.stopVerdict(h, d); v != "" && stopNow == "" {
		r.a.Situation = v + "\n" + r.a.Situation // "should we stop press 3 now?": the answer first
	}
	if r.postponeSaid != "" && stopNow == "" {
		r.a.Situation = r.postponeSaid + "\n" + r.a.Situation
	}
	if stopNow != "" {
		// "press 3 is knocking": a stop criterion of the runbook, reported.
		r.a.Situation = stopNow + "\n" + r.a.Situation
		r.stopSaid = "stop.reported"
	}
	r.a.Cause = r.cause(h, d, x, explained)
	r.a.Steps = r.steps(h, d)
	r.reportedElsewhere(h, targets)
	if r.stopSaid == "stop.notyet" || r.stopSaid == "safe.yet" {
		// "should we stop it now?" — not yet: what to do until the job,
		// not the repair under lockout, which is for when it is stopped.
		r.a.Steps = r.untilTheJob(r.a.Steps, h)
	}
	r.a.Escalate = r.escalation(h, d)
	if stopNow != "" {
		r.a.Escalate = r.msg("stop.reported_escalate", h.Asset)
	}
	r.a.Confidence = r.confidence(h, d)
	r.cite(d)
	if q.Window.Named && h.Event != nil && !h.Event.AsOf.IsZero() &&
		(q.Window.To.Before(r.now.Add(-7*24*time.Hour)) || q.Window.To.Before(r.now.Add(-24*time.Hour)) && !h.Event.Ongoing) ||
		h.Event == nil && q.Window.Named && q.Window.To.Before(r.now.Add(-7*24*time.Hour)) && r.recordedFailure(h) != nil {
		// A window long past (the week before last month's failure), or a
		// past one whose event was over by its end: what happened then, not
		// steps to take now on a machine since repaired.
		r.a.Steps = nil
		r.a.Escalate = r.msg("history.then", h.Asset)
		if againRiskRe.MatchString(q.Text) {
			// "또 그럴 가능성 있나": the readings since the repair, which
			// say whether it is coming back.
			for _, inc := range d.incidents {
				if inc.Asset == h.Asset && inc.Read {
					if lines := r.sinceFix(h.Asset, inc); len(lines) > 0 {
						r.a.Situation = joinLines(append([]string{r.a.Situation, r.msg("again.head")}, lines...))
					}
					break
				}
			}
		}
	}
}

// againRiskRe asks whether a past failure could happen again ("또 그럴
// 가능성 있나", "could it happen again?").
var againRiskRe = regexp.MustCompile(`(?i)또 ?그럴 ?(?:가능성|수|것|거)|재발 ?(?:가능성|위험|할까|하나)|다시 ?(?:그럴|날|생길) ?(?:가능성|수|까)|\b(?:could|can|will|might) (?:it|that|this) (?:happen|come back|recur)(?: again)?\b|\bhappen again\b|\bchance of (?:it |a )?(?:recurr\w*|happening again)\b`)

// pastFocus is, for a window long past (last month), the event a "why"
// is about: the hypothesis's, or else the asset's furthest from usual
// (3σ at least); nil for a window that runs to now or an event that is
// not wholly inside it.
func (r *run) pastFocus(h *hypothesis, asset string) *Event {
	w := r.q.Window
	if !w.Named || !w.To.Before(r.now.Add(-24*time.Hour)) {
		return nil
	}
	inside := func(e *Event) bool {
		return e != nil && !e.Start.Before(w.From) && e.End.After(e.Start) && !e.End.After(w.To)
	}
	var best *Event
	if h != nil && h.Event != nil {
		if !inside(h.Event) {
			return nil
		}
		best = h.Event
	} else {
		for _, e := range r.book.of(asset) {
			if math.Abs(e.Sigma) >= 3 && inside(&e) && (best == nil || math.Abs(e.Sigma) > math.Abs(best.Sigma)) {
				best = &e
			}
		}
	}
	if best == nil {
		return nil
	}
	// A failure recorded while it ran ends it there: what came after is
	// the repair.
	out := *best
	for _, f := range r.windowFailures {
		if f.Asset == out.Asset && f.at.After(out.Start) && f.at.Before(out.End) {
			out.End = f.at
		}
	}
	return &out
}

// detect runs detect_anomalies on the targets over the window: per line
// when whole lines were asked about, else per asset.
func (r *run) detect(w Span, targets []string) {
	q := r.q
	var calls []agent.ToolCall
	win := map[string]any{"since": stampUTC(w.From), "until": stampUTC(w.To)}
	with := func(k, v string) map[string]any {
		m := map[string]any{k: v}
		for a, b := range win {
			m[a] = b
		}
		return m
	}
	switch {
	case len(q.Series) > 0 && len(q.Assets) == 0:
		for _, s := range q.Series {
			calls = append(calls, agent.ToolCall{Name: tools.DetectAnomalies, Args: with("series", s)})
		}
	case len(q.Lines) > 0 && len(q.Assets) == 0:
		for _, l := range q.Lines {
			calls = append(calls, agent.ToolCall{Name: tools.DetectAnomalies, Args: with("line", l)})
		}
	default:
		n := 0
		for _, a := range targets {
			if n == 12 {
				break
			}
			if !r.hasSeries(a) {
				continue // a machine of the maintenance register only: readings says so
			}
			args := with("asset", a)
			if sw, ok := r.staleWindow(a, w); ok {
				args["since"], args["until"] = stampUTC(sw.From), stampUTC(sw.To)
			}
			calls = append(calls, agent.ToolCall{Name: tools.DetectAnomalies, Args: args})
			n++
		}
	}
	r.call(calls...)
}

// staleWindow returns, when the question named no window and all of
// asset's data ends before w begins, a window as long as w that ends at its
// last data, and notes it: "is machine-3 ok?" on an archive is answered
// from the data there is, and says when that ends.
func (r *run) staleWindow(asset string, w Span) (Span, bool) {
	sw, _, ok := r.lastDataWindow(asset, w, "its last day of data", "마지막 하루치 데이터")
	if !ok {
		return Span{}, false
	}
	if r.stale == nil {
		r.stale = map[string]Span{}
	}
	r.stale[asset] = sw
	return sw, true
}

// plantStale is staleWindow for the whole plant: the window of the
// plant's last day of data, and when that data ends.
func (r *run) plantStale() (Span, time.Time, bool) {
	return r.lastDataWindow("", r.q.Window, "the plant's last day of data", "플랜트의 마지막 하루치 데이터")
}

// lastDataWindow returns, when the question named no window and the data
// of asset ("" for the whole plant) all ends before w begins, a window as
// long as w that ends at that last data, labelled so, and when it ends.
//
// A window the question named that begins after the last data ("since
// this morning" while the feed has been silent since last night) is
// answered the same way: the answer says that nothing arrived in it.
func (r *run) lastDataWindow(asset string, w Span, label, labelKO string) (Span, time.Time, bool) {
	if r.q.Window.Named && r.q.Window.To.Before(r.now.Add(-24*time.Hour)) {
		return Span{}, time.Time{}, false // a date long past is answered for itself
	}
	last := r.lastDataOf(asset)
	if last.IsZero() || !last.Before(w.From) {
		return Span{}, time.Time{}, false
	}
	length := w.To.Sub(w.From)
	if r.q.Window.Named {
		length = max(length, 24*time.Hour) // "this morning" long gone: the last day of data
	}
	return Span{From: last.Add(-length), To: last.Add(time.Minute), Label: label, LabelKO: labelKO, Named: true}, last, true
}

// lastDataOf is when asset's newest reading came ("" : the whole plant's).
func (r *run) lastDataOf(asset string) time.Time {
	var last time.Time
	for _, s := range r.p.Series {
		if (asset == "" || s.Asset == asset) && s.LatestAt != "" {
			last = maxTime(last, parseStamp(s.LatestAt))
		}
	}
	return last
}

// lastReading is the newest reading of any series but plans (a plan runs
// ahead of the data).
func (r *run) lastReading() time.Time {
	var last time.Time
	for _, s := range r.p.Series {
		if s.LatestAt != "" && s.Kind != "plan" {
			last = maxTime(last, parseStamp(s.LatestAt))
		}
	}
	return last
}

// hasSeries reports whether the plant has time series of asset (a machine
// of the maintenance register may have none).
func (r *run) hasSeries(asset string) bool {
	for _, s := range r.p.Series {
		if s.Asset == asset {
			return true
		}
	}
	return false
}

// hypothesis picks the failure the answer is about: an event on a target
// that supports a failure mode (the mode the user reported, if the event
// supports it), else the user's explicit report on the first target.
func (r *run) hypothesis(targets []string) *hypothesis {
	q := r.q
	for _, a := range targets {
		typ := typeOf(a, r.p)
		for _, e := range r.book.of(a) {
			if !e.Significant() {
				continue
			}
			modes := plant.SupportingModes(e.Sensor, e.Dir(), typ)
			if len(modes) == 0 {
				continue
			}
			mode := modes[0]
			reported := false
			for _, m := range q.Reported {
				if contains(modes, m) {
					mode, reported = m, true
					break
				}
			}
			ev := e
			return &hypothesis{Asset: a, Mode: mode, Basis: agent.BasisSensor, Event: &ev, Reported: reported}
		}
	}
	if len(q.Reported) > 0 && !q.Vague && len(targets) <= 2 && !q.AsksMode {
		// A report is evidence for steps; a question whether it is
		// happening is not ("cnc4 running hot again?": the data answers).
		return &hypothesis{Asset: targets[0], Mode: q.Reported[0], Basis: agent.BasisReport, Reported: true}
	}
	// A part named beside a symptom ("motor current is falling, strainer?")
	// asks about that part's failure mode.
	if m := r.partMode(); m != "" && !q.Vague && !(q.AsksMode && againAskRe.MatchString(q.Text)) && len(targets) <= 2 && (len(q.Sensors) > 0 || q.Intent == IntentDiagnose) {
		return &hypothesis{Asset: targets[0], Mode: m, Basis: agent.BasisReport, Reported: true}
	}
	return nil
}

// recordedFailure is a failure of the hypothesis's mode on its machine
// recorded in the window asked, if any.
func (r *run) recordedFailure(h *hypothesis) *maintRecord {
	for i, f := range r.windowFailures {
		if f.Asset == h.Asset && f.FailureMode == h.Mode {
			return &r.windowFailures[i]
		}
	}
	return nil
}

// docs are the documents an answer builds on.
type docs struct {
	canon, ko *doc
	incidents []*doc
	rules     []firing
}

// readDocs finds and reads the documents for a hypothesis: the failure
// mode's runbooks and the incidents that count as similar (same mode,
// same asset or type). The search words are the mode's and the asset's,
// not the question's, so a failure gets the same documents in English and
// in Korean.
func (r *run) readDocs(h *hypothesis) docs {
	d, _ := r.readDocsWith(h)
	return d
}

// readDocsWith is readDocs running more calls beside the searches; it
// returns their results too.
func (r *run) readDocsWith(h *hypothesis, extra ...agent.ToolCall) (docs, []agent.ToolResult) {
	query := r.modeQuery(h.Mode, h.Asset)
	res := r.call(append([]agent.ToolCall{
		{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "failure_mode": h.Mode, "kind": "incident", "k": 10}},
		{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "failure_mode": h.Mode, "kind": "runbook", "k": 6}},
	}, extra...)...)
	var more []agent.ToolResult
	for _, x := range res {
		if x.Call.Name != tools.SearchIncidents {
			more = append(more, x)
		}
	}
	var d docs
	d.canon, d.ko = r.lib.runbooks(h.Mode, h.Asset, r.p)
	d.incidents = r.lib.incidents(h.Mode, h.Asset, r.p)
	var read []agent.ToolCall
	add := func(x *doc) {
		if x != nil && !x.Read {
			read = append(read, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": x.ID}})
		}
	}
	add(d.canon)
	if r.ko() {
		add(d.ko)
	}
	if len(d.incidents) > 0 {
		add(d.incidents[0])
	}
	r.call(read...)
	if d.ko != nil && d.canon != nil && d.ko.Read {
		// A Korean runbook counts as the same procedure only when most of
		// its steps say what the canonical one's do and its title names the
		// same parts: the filler's filter change is not the pump strainer's
		// cleaning, however many of their steps read alike.
		if !sameProcedure(stepsOf(d.canon), stepsOf(d.ko)) || !titlesAgree(d.canon.Title, d.ko.Title) {
			d.ko = nil
		}
	}
	d.rules = r.fire(h, d)
	return d, more
}

// modeQuery is the search text for a failure mode on an asset, in both languages.
func (r *run) modeQuery(mode, asset string) string {
	fm, _ := plant.Mode(mode)
	parts := append([]string{}, fm.Names.EN...)
	parts = append(parts, fm.Names.KO...)
	typ := typeOf(asset, r.p)
	tw := plant.TypeWords(typ)
	if len(tw.EN) > 0 {
		parts = append(parts, tw.EN[0])
	}
	if len(tw.KO) > 0 {
		parts = append(parts, tw.KO[0])
	}
	for _, s := range fm.Signs {
		parts = append(parts, strings.ReplaceAll(s.Sensor, "_", " "))
	}
	parts = append(parts, fm.Components...)
	return strings.Join(append(parts, asset), " ")
}

// okAskRe asks whether machines are all right ("is press 3 ok?", "press
// 3 is fine right?", "프레스 3 괜찮아?").
var okAskRe = regexp.MustCompile(`(?i)\b(?:is|are|was|were)\b.{0,40}\b(?:ok|okay|fine|alright|all right|normal|good|healthy|in good shape)\b|\b(?:fine|ok|okay|good|normal),? right\b|괜찮|정상이야|정상인가|정상 ?맞|정상\s*\?|문제 ?없`)

// asksModeRe and notAskRe tell a question whether a failure is happening
// ("cnc4 running hot again?", "is pump 1 overheating?", "또 과열된거야?")
// from a report of it that asks what to do ("cnc 4 is running hot, what
// do i do?"), why, or says what someone saw.
var (
	asksModeRe = regexp.MustCompile(`\?\s*$|(?:이야|인가요?|인가|거야|건가요?|는가|냐|니|나요|었어|였어|됐어|했어|해)\s*$`)
	notAskRe   = regexp.MustCompile(`(?i)\b(?:what|which|when|where|who|how|why)\b|\bcaus\w*|\bhelp\b|\b(?:i|we)\b|\bmy\b|어떻게|뭐|뭘|무엇|무슨|언제|어디|누가|얼마|몇|원인|조치|해야|왜|방법|내가|제가|우리|봤|(?:^|[^흔])들리|느껴`)
)

// againAskRe asks whether a failure is back or beginning ("again?", "any
// sign of", "coming back", "재발", "또 … 거야?").
var againAskRe = regexp.MustCompile(`(?i)\bagain\b|\bany (?:signs?|hints?|indications?) of\b|\bcom(?:ing|e) back\b|\bcreeping (?:up|down)\b|재발|조짐|(?:^|\s)또\s`)

// askClauseRe splits a text into its sentences, each with its mark.
var askClauseRe = regexp.MustCompile(`[^?.!]+[?.!]*`)

// asksMode reports whether text asks if the failure it names is happening:
// as a whole, or in one of its sentences ("cnc4 temps last week? any sign
// of the overheat thing coming back", "creeping up again? last time it
// clogged and we got low fills": the sentence that asks, not the one
// that tells).
func asksMode(text string) bool {
	if asksModeRe.MatchString(text) && !notAskRe.MatchString(text) {
		return true
	}
	for _, c := range askClauseRe.FindAllString(text, -1) {
		c = strings.TrimSpace(c)
		if (asksModeRe.MatchString(c) || anySignRe.MatchString(c)) && againAskRe.MatchString(c) && !notAskRe.MatchString(c) {
			return true
		}
	}
	return false
}

// anySignRe asks for signs of a failure without a question mark ("any
// sign of the overheat thing coming back", "재발 조짐 있어").
var anySignRe = regexp.MustCompile(`(?i)\bany (?:signs?|hints?|indications?) of\b|조짐|징후`)

// modeVerdicts answer a question whether the failure it names is happening
// on up to three machines: yes when an event the detectors found supports
// that failure, no (saying what else they found, if anything) when none
// does, and that it cannot be said when the data is old; with the last
// time the failure was recorded on the machine ("again?").
func (r *run) modeVerdicts(targets []string) []string {
	q := r.q
	if !q.AsksMode || len(targets) == 0 || len(targets) > 3 || !r.detected() {
		return nil
	}
	mode := q.Reported[0]
	var out []string
	for _, a := range targets {
		if !r.hasSeries(a) {
			continue
		}
		var sup, other *Event
		for _, e := range r.book.of(a) {
			if !e.Significant() {
				continue
			}
			e := e
			if contains(plant.SupportingModes(e.Sensor, e.Dir(), typeOf(a, r.p)), mode) {
				sup = &e
				break
			}
			if other == nil {
				other = &e
			}
		}
		dir := r.offSide
		switch {
		case sup != nil && r.stopSaid != "":
			// "진동 심한데 세워야 돼요?": the stop verdict answers; a
			// "yes" to the symptom told would read as "yes, stop".
		case sup != nil:
			out = append(out, r.msg("mode.yes", a, r.sensorName(sup.Sensor), dir(sup)))
		case r.staleFor(a) > 0:
			out = append(out, r.msg("ok.unknown", a, r.at(r.newestOf(a))))
		case other != nil:
			out = append(out, r.msg("mode.other", r.modeName(mode), a, r.sensorName(other.Sensor), dir(other)))
		default:
			out = append(out, r.msg("mode.no", r.modeName(mode), a))
		}
		if sup == nil {
			if recs, ok := r.records(map[string]any{"asset": a, "kind": "failure", "failure_mode": mode, "limit": 1}); ok && len(recs) > 0 {
				out = append(out, r.msg("mode.last", r.recordAt(recs[0].Opened), recs[0].ID, r.quoteTitle(recs[0].Title)))
				out = append(out, r.sameContext(a, mode)...)
			}
		}
	}
	return out
}

// workContexts are the kinds of work a question can say the machine is
// in, which a past incident may name as its cause: the question's words
// (English and Korean) and the incident's (English).
var workContexts = []struct{ ask, doc *regexp.Regexp }{
	{regexp.MustCompile(`(?i)\binch(?:ing|ed)?\b|인칭|촌동`), regexp.MustCompile(`(?i)\binch(?:ing)?\b`)},
	{regexp.MustCompile(`(?i)\bdie (?:change|setting|set-?up)\b|금형\s*(?:교체|세팅|셋팅|교환)`), regexp.MustCompile(`(?i)\bdie (?:change|setting)\b`)},
	{regexp.MustCompile(`(?i)\bwarm-?up\b|워밍업|난기`), regexp.MustCompile(`(?i)\bwarm-?up\b`)},
	{regexp.MustCompile(`(?i)\bstart-?ups?\b|\bfrequent starts?\b|잦은\s*기동|기동\s*반복`), regexp.MustCompile(`(?i)\bstarts\b|\bstart-?up\b`)},
}

// sameContext finds, among asset's incidents of mode, one whose title or
// root cause names the work the question says the machine is in
// ("inching during a die change") and says it: its root cause and what
// was done, which fit the question better than the data's general
// verdict. Nil when the question names no such work or no incident does.
func (r *run) sameContext(asset, mode string) []string {
	var ctx []*regexp.Regexp
	for _, w := range workContexts {
		if w.ask.MatchString(r.q.Text) {
			ctx = append(ctx, w.doc)
		}
	}
	if len(ctx) == 0 {
		return nil
	}
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": r.q.Question, "asset": asset, "failure_mode": mode, "kind": "incident", "k": 5}})
	for _, id := range r.lib.merge(firstResult(res)) {
		d := r.lib.docs[id]
		if d == nil || d.korean() || !slices.ContainsFunc(ctx, func(re *regexp.Regexp) bool { return re.MatchString(d.Title) }) {
			continue
		}
		if !d.Read {
			r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
		}
		cause := r.rootCause(d)
		done := firstSentence(sectionLines(sections(d.Body), "actions", "action taken", "corrective", "조치"))
		if cause == "" || done == "" || injectionRe.MatchString(done) {
			return nil
		}
		if r.ko() && !hasHangul(done) {
			done = r.msg("quote.en", done)
		}
		return []string{r.msg("mode.context", d.ID, cause, done)}
	}
	return nil
}

// firstResult is the first of results, or a failed one when there is none.
func firstResult(res []agent.ToolResult) agent.ToolResult {
	if len(res) == 0 {
		return agent.ToolResult{}
	}
	return res[0]
}

// offSide says which side of its usual pattern an event is ("well above").
func (r *run) offSide(e *Event) string {
	if e.Sigma < 0 {
		return r.msg("ok.below")
	}
	return r.msg("ok.above")
}

// okVerdicts answer "is it ok?" for each of up to three machines asked:
// no when the detectors found a significant event on it, yes when they
// found none on data that is current, and that it cannot be said when
// its data is old.
func (r *run) okVerdicts(targets []string) []string {
	q := r.q
	if !okAskRe.MatchString(q.Text) && beyondUsualAsk(q.Text) == 0 || len(targets) == 0 || len(targets) > 3 || len(q.Reported) > 0 || q.Window.Named && q.Window.To.Before(r.now.Add(-time.Hour)) || !r.detected() {
		return nil
	}
	var no, unknown, yes []string // said worst first, as rankings are
	for _, a := range targets {
		if !r.hasSeries(a) {
			continue
		}
		var ev *Event
		for _, e := range r.book.of(a) {
			if e.Significant() {
				e := e
				ev = &e
				break
			}
		}
		ask := beyondUsualAsk(q.Text)
		switch {
		case ev != nil && ask != 0:
			// "is that higher than normal?": yes when it is off that way.
			key := "ok.beyond_yes"
			if (ev.Sigma < 0) != (ask < 0) {
				key = "ok.beyond_other"
			}
			no = append(no, r.msg(key, a, r.sensorName(ev.Sensor), r.offSide(ev)))
		case ev != nil:
			no = append(no, r.msg("ok.no", a, r.sensorName(ev.Sensor), r.offSide(ev)))
		case r.staleFor(a) > 0:
			unknown = append(unknown, r.msg("ok.unknown", a, r.at(r.newestOf(a))))
		case ask != 0:
			yes = append(yes, r.msg("ok.beyond_no", a))
		default:
			yes = append(yes, r.msg("ok.yes", a))
		}
	}
	return append(append(no, unknown...), yes...)
}

// beyondUsualRe asks whether a reading is off its usual level one way
// ("is that higher than normal?", "평소보다 높아?"): 1 above, 2 below.
var beyondUsualRe = regexp.MustCompile(`(?i)\b(higher|more|above|hotter|louder|faster|bigger|worse)\s+than\s+(?:normal|usual)\b|\b(above) (?:normal|usual)\b|\b(lower|less|below|colder|cooler|quieter|slower|smaller)\s+than\s+(?:normal|usual)\b|\b(below) (?:normal|usual)\b|평소보다\s*(?:(높|많|세|뜨거|크|빠르)|(낮|적|약|차가|작|느리))`)

// beyondUsualAsk is 1 when the question asks whether a reading is above
// its usual level, −1 below, 0 when it asks neither.
func beyondUsualAsk(text string) int {
	m := beyondUsualRe.FindStringSubmatch(text)
	switch {
	case m == nil:
		return 0
	case m[1]+m[2]+m[5] != "":
		return 1
	}
	return -1
}

// staleFor is how old an asset's newest reading is when it is too old to
// say anything of now (0 when it is current).
func (r *run) staleFor(asset string) time.Duration {
	newest := r.newestOf(asset)
	limit := time.Hour
	for _, s := range r.p.Series {
		if s.Asset == asset {
			limit = max(limit, r.staleAfter(asset, s.Sensor))
		}
	}
	if newest.IsZero() || r.now.Sub(newest) <= limit {
		return 0
	}
	return r.now.Sub(newest)
}

// newestOf is the time of an asset's newest reading (zero without any).
func (r *run) newestOf(asset string) time.Time {
	var newest time.Time
	for _, s := range r.p.Series {
		if s.Asset == asset && s.LatestAt != "" {
			newest = maxTime(newest, parseStamp(s.LatestAt))
		}
	}
	return newest
}

// lineAsked is the line a question asks the state of, as a whole ("how
// is line 3 doing?", "2라인 오늘 어때?"), when it has an output series:
// no machine, sensor or symptom named.
func (r *run) lineAsked() string {
	q := r.q
	if q.Intent != IntentStatus || len(q.Lines) != 1 || len(q.Assets) > 0 || len(q.Sensors) > 0 || len(q.Reported) > 0 || q.FollowUp {
		return ""
	}
	if r.p.OutputSeries(q.Lines[0]) == "" {
		return ""
	}
	return q.Lines[0]
}

// readings says how the targets are: every event, once, from its record
// (the main event followed by its outlook to the next limit); the assets
// with none, with their latest readings when few were asked.
func (r *run) readings(targets []string, main *Event, outlook string) []string {
	var out, quiet []string
	for _, a := range targets {
		if !r.hasSeries(a) {
			out = append(out, r.msg("asset.noseries", a))
			continue
		}
		es := r.book.of(a)
		if len(es) == 0 {
			quiet = append(quiet, a)
			continue
		}
		for _, e := range es {
			out = append(out, r.eventLine(e))
			isMain := main != nil && e.Asset == main.Asset && e.Sensor == main.Sensor && e.Start.Equal(main.Start)
			if isMain && outlook != "" {
				out = append(out, outlook)
			}
			if isMain && e.Alarm != "" && !e.AlarmAt.IsZero() {
				out = append(out, r.msg("event.confirmed", e.Asset, e.Alarm, r.at(e.AlarmAt)))
			}
		}
	}
	if len(quiet) > 0 && r.detected() {
		if len(quiet) <= 2 {
			for _, a := range quiet {
				out = append(out, r.quietLine(a))
			}
		} else if len(r.q.Lines) == 1 && len(r.q.Assets) == 0 {
			out = append(out, r.msg("quiet.line", r.q.Lines[0], strings.Join(quiet, ", "), r.spanIn(r.q.Window)))
		} else {
			out = append(out, r.msg("quiet.many", strings.Join(quiet, ", "), r.spanIn(r.q.Window)))
		}
		if len(quiet) > 2 && !r.q.Window.To.Before(r.now.Add(-time.Hour)) {
			// "no significant anomalies" on machines whose feed stopped
			// hours ago says nothing of now: said, as for one machine.
			var newest time.Time
			for _, a := range quiet {
				newest = maxTime(newest, r.lastDataOf(a))
			}
			if !newest.IsZero() && r.now.Sub(newest) > 2*time.Hour {
				out = append(out, r.msg("quiet.stale", r.at(newest), hoursText(r.now.Sub(newest), r.ko())))
			}
		}
	}
	for _, f := range r.failures {
		out = append(out, r.failedLine(f))
	}
	return out
}

// detected reports whether any detection ran and answered.
func (r *run) detected() bool {
	for _, x := range r.results {
		if x.Call.Name == tools.DetectAnomalies && x.OK {
			return true
		}
	}
	return false
}

// eventLine states one event from its record.
func (r *run) eventLine(e Event) string {
	dir := r.msg("dir.above")
	if e.Sigma < 0 {
		dir = r.msg("dir.below")
	}
	sigma := val(math.Abs(e.Sigma))
	unit := suffix(e.Unit)
	asOf := r.stoppedAt(e)
	if e.Ongoing && !asOf.IsZero() {
		return r.msg("event.ongoing_at", e.Asset, r.sensorName(e.Sensor), val(e.Value), unit, r.at(asOf), val(e.Usual), sigma, dir, r.at(e.Start), r.kindName(e.Kind))
	}
	if e.Ongoing {
		return r.msg("event.ongoing", e.Asset, r.sensorName(e.Sensor), val(e.Value), unit, val(e.Usual), sigma, dir, r.at(e.Start), r.hoursSince(e.Start), r.kindName(e.Kind))
	}
	if e.Start.Equal(e.End) {
		return r.msg("event.at", e.Asset, r.sensorName(e.Sensor), sigma, dir, r.at(e.Start), r.kindName(e.Kind), val(e.Value), unit, val(e.Usual))
	}
	return r.msg("event.past", e.Asset, r.sensorName(e.Sensor), sigma, dir, r.at(e.Start), r.at(e.End), r.kindName(e.Kind), val(e.Value), unit, val(e.Usual))
}

// stoppedAt is when an ongoing event's level was last read when that is
// not now: the end of a past window asked for, or the last reading of a
// feed that stopped (zero when the level is now's).
func (r *run) stoppedAt(e Event) time.Time {
	end := r.now
	if !e.AsOf.IsZero() {
		end = e.AsOf
	}
	if e.Ongoing && !e.End.IsZero() && end.Sub(e.End) > r.staleAfter(e.Asset, e.Sensor) {
		return e.End // the feed stopped before the window's end
	}
	if !e.AsOf.IsZero() {
		return e.AsOf
	}
	return time.Time{}
}

// lastRead is the time an event's level is of: stoppedAt, or now.
func (r *run) lastRead(e Event) time.Time {
	if t := r.stoppedAt(e); !t.IsZero() {
		return t
	}
	return r.now
}

// staleAfter is how old a sensor's last reading may be and still say
// "now": an hour, or three of its intervals when they are longer.
func (r *run) staleAfter(asset, sensor string) time.Duration {
	limit := time.Hour
	for _, s := range r.p.Series {
		if s.Asset == asset && s.Sensor == sensor {
			if iv, err := time.ParseDuration(s.Interval); err == nil && 3*iv > limit {
				limit = 3 * iv
			}
		}
	}
	return limit
}

// quietLine says an asset showed nothing, with its latest readings.
func (r *run) quietLine(asset string) string {
	var rd []string
	limit := time.Hour // readings older than this (or three intervals) are not "now"
	latest := ""
	named := false // the question names a sensor this asset has: only that one
	for _, s := range r.p.Series {
		named = named || s.Asset == asset && contains(r.q.Sensors, s.Sensor)
	}
	for _, s := range r.p.Series {
		if s.Asset != asset || s.LatestAt == "" || named && !contains(r.q.Sensors, s.Sensor) {
			continue
		}
		rd = append(rd, r.sensorName(s.Sensor)+" "+val(s.Latest)+suffix(s.Unit))
		latest = s.LatestAt
		limit = max(limit, r.staleAfter(asset, s.Sensor))
	}
	w := r.q.Window
	stale := ""
	if sw, ok := r.stale[asset]; ok {
		w = sw
		if !r.q.Window.Named { // a named window's note leads the answer (staleNotes)
			stale = r.msg("asset.stale", asset, r.at(parseStamp(latest))) + " "
		}
	}
	if len(rd) == 0 {
		return stale + r.msg("quiet.one", asset, r.spanIn(w))
	}
	line := stale + r.msg("quiet.readings", asset, r.spanIn(w), r.at(parseStamp(latest)), strings.Join(rd, ", "))
	if age := r.now.Sub(parseStamp(latest)); stale == "" && !w.To.Before(r.now.Add(-time.Minute)) && age > limit {
		// "No anomalies" from readings hours old says nothing of now.
		ago := hoursText(age, r.ko())
		if n, err := strconv.ParseFloat(strings.TrimRightFunc(strings.Fields(ago)[0], func(c rune) bool { return c < '0' || c > '9' }), 64); err == nil {
			r.derive(asset+" age of the newest reading", n, "now − the newest reading's time, in whole hours or days")
		}
		line += " " + r.msg("quiet.old", ago)
	}
	return line
}

func suffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

func (r *run) sensorName(s string) string {
	if n := message(r.lang, "sensor."+s); n != "sensor."+s {
		return n
	}
	return strings.ReplaceAll(s, "_", " ")
}

func (r *run) sensorList(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.sensorName(s)
	}
	return strings.Join(out, ", ")
}

func (r *run) kindName(k string) string {
	if n := message(r.lang, "kind."+k); n != "kind."+k {
		return n
	}
	return strings.ReplaceAll(k, "_", " ")
}

func (r *run) modeName(mode string) string {
	fm, ok := plant.Mode(mode)
	if !ok {
		return strings.ReplaceAll(mode, "_", " ")
	}
	if r.ko() && len(fm.Names.KO) > 0 {
		return fm.Names.KO[0]
	}
	return fm.Names.EN[0]
}

// verdict says what explain_anomaly found, in the answer's language.
func (r *run) verdict(x explanation, asset, mode string) string {
	var parts []string
	switch {
	case x.Trend:
		parts = append(parts, r.msg("explain.trend", fmt.Sprintf("%+g", x.TrendChange), suffix(x.Unit)))
	case strings.HasPrefix(x.Verdict, "short irregular"):
		parts = append(parts, r.msg("explain.irregular"))
	case x.Verdict != "":
		parts = append(parts, r.msg("explain.pattern"))
	}
	if x.HasLag {
		key := "explain.vs_week"
		if x.Lag == "24h0m0s" {
			key = "explain.vs_day"
		}
		if math.Abs(x.LagPct) < 0.5 {
			key += "_same" // not "-0%"
		}
		parts = append(parts, r.msg(key, fmt.Sprintf("%+.0f", x.LagPct)))
	}
	s := strings.Join(parts, "; ")
	if mode != "" {
		s = r.msg("cause.pattern", r.modeName(mode), s)
	}
	return sentence(s)
}

// cause explains the hypothesis: the pattern, what a matching past case
// found, and what the user's facts change.
func (r *run) cause(h *hypothesis, d docs, x explanation, explained bool) string {
	var parts []string
	if explained && h.Event != nil {
		parts = append(parts, r.verdict(x, h.Asset, h.Mode))
	} else if f := r.recordedFailure(h); f != nil {
		// "9월에 과열로 섰던거 같은데": the record says so, whatever the
		// detectors make of the month.
		parts = append(parts, r.msg("cause.recorded", r.modeName(h.Mode), h.Asset, r.at(f.at), f.ID))
	} else if h.Basis == agent.BasisReport {
		parts = append(parts, r.msg("cause.report", r.modeName(h.Mode), h.Asset))
	}
	if inc := firstWorked(d.incidents); inc != nil && inc.Read {
		rc := firstSentence(sectionLines(sections(inc.Body), "root cause", "cause", "원인"))
		if rc == "" && inc.Asset == h.Asset {
			// A record without a root-cause section: name it, do not quote it.
			title := inc.Title
			if !r.ko() && hasHangul(title) {
				title = r.msg("quote.ko", title)
			} else if r.ko() && !hasHangul(title) {
				title = r.msg("quote.en", title)
			}
			parts = append(parts, r.msg("cause.own_title", inc.ID, h.Asset, title))
		}
		if rc != "" {
			switch {
			case r.ko() && !hasHangul(rc):
				rc = r.msg("quote.en", rc)
			case !r.ko() && hasHangul(rc):
				rc = r.msg("quote.ko", rc)
			}
			if inc.Asset == h.Asset {
				parts = append(parts, r.msg("cause.own", inc.ID, h.Asset, rc))
			} else {
				parts = append(parts, r.msg("cause.similar", h.Asset, similarLabel(r.lang, inc.Asset), inc.ID, rc))
			}
		}
	}
	for _, f := range r.q.Facts {
		if f.RulesDown == h.Mode || f.RulesDown == "" {
			parts = append(parts, r.msg(f.Instead))
		}
	}
	return strings.Join(parts, " ")
}

func firstWorked(ds []*doc) *doc {
	for _, d := range ds {
		if d.Read {
			return d
		}
	}
	if len(ds) > 0 {
		return ds[0]
	}
	return nil
}

// similarLabel names an incident of another machine as what it is.
func similarLabel(lang, asset string) string {
	if lang == "ko" {
		return asset + " 유사 사례"
	}
	return "similar case on " + asset
}

// steps are the next steps for a hypothesis: the rules documents state
// that current readings cross, then the canonical runbook's steps (in
// Korean where a Korean runbook says the same, else quoted), each backed
// by what a matching incident recorded; steps that redo what the user
// says was done are left out; steps that touch equipment say their basis.
func (r *run) steps(h *hypothesis, d docs) []agent.Step {
	var out []agent.Step
	evidence := r.evidenceOf(h)
	seen := map[string]bool{}
	for _, f := range d.rules {
		if f.rule.Plant && f.rule.Action == "" {
			// A plant-model limit states no action: report the reading.
			key := "report:" + f.rule.Doc
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, agent.Step{Text: r.msg("rule.report", f.rule.Doc), Basis: agent.BasisRule, Evidence: f.says, Reason: f.says})
			continue
		}
		if seen[f.rule.Action] || r.redone(f.rule.Action) {
			continue
		}
		seen[f.rule.Action] = true
		text := f.rule.Action
		if r.ko() && f.rule.ActionKO != "" {
			text = f.rule.ActionKO
		}
		s := agent.Step{Text: sentence(capitalize(text)), Citations: []string{f.rule.Doc}, Basis: agent.BasisRule, Evidence: f.says}
		s.Reason = f.says
		if equipment(f.rule.Action) {
			s.TouchesEquipment = true
			s.SOP = sopOf(r, f.rule.Doc)
		}
		out = append(out, s)
	}
	for _, f := range r.q.Facts {
		if f.RulesDown != "" && f.RulesDown == h.Mode {
			// What the user says was done rules the failure down: the
			// runbook that would do it again gives no steps; what to look
			// at instead does.
			st := agent.Step{Text: r.msg(f.Instead + ".step")}
			if equipment(message("en", f.Instead+".step")) {
				st.TouchesEquipment, st.Basis, st.Evidence, st.Reason = true, h.Basis, evidence, evidence
			}
			return append(out, st)
		}
	}
	if d.canon == nil {
		// No runbook: what a matching incident recorded, as instructions.
		if len(d.incidents) > 0 && d.incidents[0].Read {
			out = append(out, r.incidentSteps(h, d.incidents[0], evidence)...)
		}
		return out
	}
	en := stepsOf(d.canon)
	var koText []string
	if r.ko() && d.ko != nil {
		koText = align(en, stepsOf(d.ko))
	}
	var actions []string
	var inc *doc
	if len(d.incidents) > 0 && d.incidents[0].Read {
		inc = d.incidents[0]
		for _, it := range actionItems(inc.Body) {
			if injectionRe.MatchString(it) {
				r.ignored(inc.ID)
				continue
			}
			if !outcomeLineRe.MatchString(it) {
				actions = append(actions, it)
			}
		}
	}
	byStep, _ := matchActions(en, actions)
	// A symptom reported without the part ("surface finish looks bad"),
	// the data quiet and no failure recorded: the checks, not the steps
	// that take the part out, until a check confirms the failure.
	holdBack := h.Basis == agent.BasisReport && h.Event == nil && r.readingSaid == "" && r.recordedFailure(h) == nil && !modePartNamed(h.Mode, r.q.Text)
	held := 0
	for i, it := range en {
		if r.redone(it) {
			continue
		}
		if holdBack && partOutRe.MatchString(it) {
			held++
			continue
		}
		s := agent.Step{Text: it, Citations: []string{d.canon.ID}}
		var why []string
		if r.ko() {
			switch {
			case koText != nil && koText[i] != "" && !r.redone(koText[i]):
				s.Text = koText[i]
				s.Citations = append(s.Citations, d.ko.ID)
			case hasHangul(it):
			default:
				s.Text = r.msg("quote.step", it, d.canon.ID)
			}
		}
		if ev := byStep[i]; len(ev) > 0 && inc != nil {
			s.Citations = append(s.Citations, inc.ID)
			why = append(why, r.recorded(inc, h.Asset, ev))
		}
		if equipment(it) {
			s.TouchesEquipment, s.SOP, s.Basis, s.Evidence = true, d.canon.ID, h.Basis, evidence
			if m := sopRefRe.FindString(it); m != "" {
				s.SOP = m // "[LOTO] Apply RB-LOTO": the SOP the step names
			}
			why = append(why, evidence)
		}
		s.Reason = strings.Join(why, "; ")
		out = append(out, s)
	}
	if held > 0 {
		r.a.Situation = joinLines([]string{r.a.Situation, r.msg("steps.held", held, r.modeName(h.Mode), h.Asset)})
	}
	denied := r.directionDenied(h.Asset)
	if h.Basis == agent.BasisReport && h.Event == nil && (r.q.AsksMode || asksMode(r.q.Text) || denied) && r.readingSaid == "" && r.recordedFailure(h) == nil {
		// "is that the spindle bearing going?", "흡입필터 막힌건가", the data
		// saying no: a question is no report, so the checks only. So too
		// "air pressure dropping? tools feel weak" with the pressure not
		// dropping: the report rests on a reading the data contradicts.
		var kept []agent.Step
		n := 0
		for _, st := range out {
			if st.TouchesEquipment {
				n++
				continue
			}
			kept = append(kept, st)
		}
		switch {
		case n > 0 && denied && !r.q.AsksMode && !asksMode(r.q.Text):
			r.a.Situation = joinLines([]string{r.a.Situation, r.msg("steps.held_reading", n, h.Asset)})
		case n > 0:
			r.a.Situation = joinLines([]string{r.a.Situation, r.msg("steps.held_asked", n, r.modeName(h.Mode), h.Asset)})
		}
		out = kept
	}
	return out
}

// directionDenied says the question asks whether a reading of asset is
// moving one way ("air pressure dropping?") and the data says it is not:
// no significant event on a sensor asked goes that way.
func (r *run) directionDenied(asset string) bool {
	loc := directionAskRe.FindStringSubmatchIndex(r.q.Text)
	if loc == nil || whyRe.MatchString(r.q.Text) || len(r.q.Sensors) == 0 || !r.detected() || !askedHere(r.q.Text, loc[0], loc[1]) {
		return false
	}
	up := loc[2] >= 0 || loc[6] >= 0
	asks := r.sensorAsks([]string{asset})
	for _, k := range asks {
		for _, e := range r.book.of(k.asset) {
			if e.Sensor == k.sensor && e.Significant() && (e.Dir() > 0) == up {
				return false
			}
		}
	}
	return len(asks) > 0
}

// askedHere says the words text[i:j] are asked, not reported: a question
// mark or a Korean question ending follows them in the same clause, and
// no negation comes just before ("keeps climbing" and "7.2 bar까지 안
// 올라가요" are reports).
func askedHere(text string, i, j int) bool {
	before := text[:i]
	if k := strings.LastIndexAny(before, ".!?\n"); k >= 0 {
		before = before[k+1:]
	}
	if negBeforeRe.MatchString(before) {
		return false
	}
	rest := text[j:]
	if k := strings.IndexAny(rest, ".!,\n"); k >= 0 {
		rest = rest[:k]
	}
	return strings.Contains(rest, "?") || koAskEndRe.MatchString(rest)
}

var (
	negBeforeRe = regexp.MustCompile(`(?i)(?:\bnot|n't|\bnever|안|못)\s*$`)
	koAskEndRe  = regexp.MustCompile(`^\S*(?:나요|니|냐|는지|는가|어요\?|죠\?)`)
)

// partOutRe is a runbook step that takes a part out or puts a new one in.
var partOutRe = regexp.MustCompile(`(?i)\b(?:remove|replace|fit (?:the |a )?new|renew|exchange|swap|pull)\b|분리|교체|교환|새 (?:베어링|벨트|필터|엘리먼트)`)

// modePartWords are the words that name the part a failure mode is of.
var modePartWords = map[string]*regexp.Regexp{
	"bearing_wear":      regexp.MustCompile(`(?i)bearing|베어링`),
	"filter_clogging":   regexp.MustCompile(`(?i)filter|strainer|element|screen|필터|스트레이너|엘리먼트`),
	"belt_slip":         regexp.MustCompile(`(?i)\bbelts?\b|pulley|벨트|풀리`),
	"motor_overheating": regexp.MustCompile(`(?i)\bmotor|\bfan\b|모터|팬`),
}

// modePartNamed says a text names the part a failure mode is of ("the
// bearing is noisy"), not only a symptom ("surface finish looks bad").
// A mode without listed part words counts as named.
func modePartNamed(mode, text string) bool {
	re, ok := modePartWords[mode]
	return !ok || re.MatchString(text)
}

// redone reports whether a step would redo what the user says was done.
func (r *run) redone(step string) bool {
	for _, f := range r.q.Facts {
		if f.Redo != nil && f.Redo.MatchString(step) {
			return true
		}
	}
	return false
}

// incidentSteps turns an incident's recorded actions into steps.
func (r *run) incidentSteps(h *hypothesis, inc *doc, evidence string) []agent.Step {
	var out []agent.Step
	if strings.EqualFold(inc.Outcome, "failed") {
		return nil // what did not fix it is no next step
	}
	for _, a := range actionItems(inc.Body) {
		if injectionRe.MatchString(a) {
			r.ignored(inc.ID)
			continue
		}
		if outcomeLineRe.MatchString(a) || r.redone(a) {
			continue
		}
		s := agent.Step{Citations: []string{inc.ID}}
		switch {
		case hasHangul(a):
			s.Text = koImperative(a)
		case imperativeStart(a):
			s.Text = a
		case imperative(a) != "":
			s.Text = imperative(a)
		default:
			continue // a record that does not read as an instruction is no step
		}
		if r.ko() && !hasHangul(s.Text) {
			s.Text = r.msg("quote.step", s.Text, inc.ID)
		}
		reason := r.recorded(inc, h.Asset, nil)
		if equipment(a) {
			s.TouchesEquipment, s.Basis, s.Evidence = true, h.Basis, evidence
			if m := sopRefRe.FindString(a); m != "" {
				s.SOP = m
			}
			reason += "; " + evidence
		}
		s.Reason = reason
		out = append(out, s)
	}
	return out
}

// recorded says what an incident's record shows, as a step's reason.
func (r *run) recorded(inc *doc, asset string, actions []string) string {
	rec := strings.Join(actions, " ")
	switch {
	case r.ko() && rec != "" && !hasHangul(rec):
		rec = r.msg("quote.en", rec)
	case !r.ko() && hasHangul(rec):
		rec = r.msg("quote.ko", rec)
	}
	who := inc.ID
	if inc.Asset != "" && inc.Asset != asset {
		who = inc.ID + " (" + similarLabel(r.lang, inc.Asset) + ")"
	}
	key := "recorded.worked"
	switch strings.ToLower(inc.Outcome) {
	case "failed":
		key = "recorded.failed"
	case "partial":
		key = "recorded.partial"
	}
	if rec == "" {
		return r.msg(key+".short", who)
	}
	return r.msg(key, who, rec)
}

// evidenceOf says what backs a hypothesis's equipment steps.
func (r *run) evidenceOf(h *hypothesis) string {
	if h.Basis == agent.BasisSensor && h.Event != nil {
		return r.msg("basis.sensor", h.Asset, r.sensorName(h.Event.Sensor), r.modeName(h.Mode))
	}
	if r.readingSaid != "" && !contains(plant.ReportedModes(r.q.Text), h.Mode) {
		// The user gave a reading that crosses a limit, not the failure.
		return r.msg("basis.reading", r.readingSaid)
	}
	return r.msg("basis.report", r.modeName(h.Mode))
}

var (
	equipmentStepRe = regexp.MustCompile(`(?i)\[loto\]|\b(?:lock ?out|loto|replace|swap|adjust|tighten|loosen|lubricate|lubrication|grease|regrease|re-?align|align|clean|flush|bleed|drain|remove|install|fit|re-?tension|tension|calibrat\w*|disassembl\w*|isolate|open the|depressuris\w*|stop the|stop compressor|switch|restart|refit)\b|정지|교체|조정|조임|체결|윤활|그리스|정렬|청소|세척|분해|장착|설치|교환|재시작|리셋|차단|잠금|재조정`)
	outcomeLineRe   = regexp.MustCompile(`(?i)^(?:vibration|temperature|pressure|current|speed|output|진동|온도|압력|전류|속도)(?:[^.:]{0,40}:|[^.]{0,30}\b(?:fell|dropped|rose|settled|returned|back to|stayed)\b)|after (?:the )?(?:restart|repair)|재가동 후|떨어졌|안정되었`)
)

func equipment(text string) bool { return equipmentStepRe.MatchString(text) }

// sopOf is the id of a document when it is a runbook ("" otherwise).
func sopOf(r *run, id string) string {
	if d, ok := r.lib.docs[id]; ok && d.runbook() {
		return id
	}
	return ""
}

// confidence follows the documented rule (README, "How Gemba answers"):
// high only for sensor evidence on a known asset that a documented limit
// or a matching past incident supports, and no fact the user added rules
// the failure down; medium for sensor evidence alone or a reported failure
// with matching documents; low otherwise.
func (r *run) confidence(h *hypothesis, d docs) string {
	ruledDown := false
	for _, f := range r.q.Facts {
		ruledDown = ruledDown || f.RulesDown == h.Mode
	}
	switch {
	case h.Basis == agent.BasisSensor && (len(d.rules) > 0 || len(d.incidents) > 0) && !ruledDown:
		return "high"
	case h.Basis == agent.BasisSensor:
		return "medium"
	case d.canon != nil || len(d.incidents) > 0:
		return "medium"
	}
	return "low"
}

// escalation is when to escalate: the next limit the documents state,
// else the plain rule.
func (r *run) escalation(h *hypothesis, d docs) string {
	next := r.nextLimits(h, d)
	if len(next) > 0 {
		return strings.Join(next, " ")
	}
	return r.msg("escalate.default")
}

// cite lists the documents the answer builds on, for the reader.
func (r *run) cite(d docs) {
	add := func(x *doc) {
		if x == nil {
			return
		}
		for _, c := range r.a.Citations {
			if c.ID == x.ID {
				return
			}
		}
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: x.ID, Title: x.Title, Kind: x.Kind})
	}
	for _, s := range r.a.Steps {
		for _, id := range s.Citations {
			add(r.lib.docs[id])
		}
	}
	// An incident the text names (its cause, a step's reason) is a source;
	// one it does not is not cited, so none is cited unlabelled.
	text := r.a.Cause
	for _, s := range r.a.Steps {
		text += " " + s.Reason
	}
	for _, inc := range d.incidents {
		if strings.Contains(text, inc.ID) {
			add(inc)
		}
	}
	add(d.canon)
}

// --- Ranking ---------------------------------------------------------------

// risk is one asset's place in a ranking.
type risk struct {
	Asset string
	Event *Event
	Mode  string
	Score float64
	Fired []firing
	Docs  docs
}

// rank answers "which first": every asset of the plant (or of the named
// lines or types) by risk — current anomaly severity, trend, the limits
// documents state and the time to the next one.
func (r *run) rank(only []string) {
	q := r.q
	targets := only
	if len(targets) == 0 {
		targets = targetsOf(q, r.p)
	}
	if len(targets) == 0 {
		// The whole plant: line by line, or in one call when some assets
		// are on no line (a plant without lines, such as a fleet of
		// machines). A plant whose data all ends before the window (an
		// archive) is judged on its last day of data, and says so.
		if sw, last, ok := r.plantStale(); ok {
			r.q.Window = sw
			q = r.q
			r.staleNote = r.msg("plant.stale", r.at(last))
		}
		var calls []agent.ToolCall
		onLines := 0
		for _, l := range r.p.LineNames() {
			calls = append(calls, agent.ToolCall{Name: tools.DetectAnomalies, Args: map[string]any{"line": l,
				"since": stampUTC(q.Window.From), "until": stampUTC(q.Window.To)}})
		}
		for _, a := range r.p.AssetNames() {
			if as, ok := r.p.Asset(a); ok && as.Line != "" {
				onLines++
			}
		}
		if onLines < len(r.p.AssetNames()) {
			calls = []agent.ToolCall{{Name: tools.DetectAnomalies, Args: map[string]any{
				"since": stampUTC(q.Window.From), "until": stampUTC(q.Window.To)}}}
		}
		r.call(calls...)
		targets = r.p.AssetNames()
	} else {
		r.detect(q.Window, targets)
	}
	var rs []risk
	for _, a := range targets {
		for _, e := range r.book.of(a) {
			if !e.Significant() {
				continue
			}
			ev := e
			modes := plant.SupportingModes(e.Sensor, e.Dir(), typeOf(a, r.p))
			rk := risk{Asset: a, Event: &ev, Score: math.Min(math.Abs(e.Sigma)/10, 3)}
			if e.Ongoing {
				rk.Score += 2
			}
			if len(modes) > 0 {
				rk.Mode = modes[0]
				h := &hypothesis{Asset: a, Mode: rk.Mode, Basis: agent.BasisSensor, Event: &ev}
				rk.Docs = r.readDocs(h)
				rk.Fired = rk.Docs.rules
				for _, f := range rk.Fired {
					rk.Score += 2 * float64(levelRank[f.rule.Level])
				}
				if hrs, ok := r.hoursToNext(h, rk.Docs); ok {
					switch {
					case hrs < 24:
						rk.Score += 2
					case hrs < 72:
						rk.Score++
					}
				}
			}
			rs = append(rs, rk)
			break
		}
	}
	// With a trained failure-risk model, its 48-hour probability adds to
	// each asset's score (up to 4, as much as a crossed limit); without one
	// the answer says the ranking is by anomaly severity.
	riskLines, p48 := r.riskLines()
	for i := range rs {
		rs[i].Score += 4 * p48[rs[i].Asset]
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Score > rs[j].Score })
	var lines []string
	if failLikelyRe.MatchString(q.Text) {
		// "which machine will fail next?": the failure-risk model's answer
		// (or why there is none) first, the anomalies after it.
		lines, riskLines = append(lines, riskLines...), nil
	}
	if last := r.lastReading(); r.staleNote == "" && len(only) == 0 && len(q.Assets) == 0 && len(q.Lines) == 0 && !q.Window.Named &&
		!last.IsZero() && r.now.Sub(last) > 2*time.Hour {
		// Every feed silent for hours: the ranking is as of then, and the
		// silence is news of its own.
		r.staleNote = r.msg("plant.silent", r.at(last), r.ago(r.now.Sub(last)))
	}
	if r.staleNote != "" {
		lines = append(lines, r.staleNote)
	}
	if len(only) == 0 && len(q.Assets) == 0 {
		lines = append(lines, r.plantFailures()...) // "did anything break last week?"
	}
	var firstWork []string
	if len(rs) > 0 {
		lines = append(lines, r.msg("rank.head", r.spanIn(q.Window)))
	} else if len(targets) >= 2 && len(targets) <= 4 {
		// "which pump is worse?" with nothing unusual on either: no winner,
		// said first.
		lines = append(lines, r.msg("rank.tie", strings.Join(targets, ", "), r.spanIn(q.Window)))
		if whichFirstRe.MatchString(q.Text) || firstLookRe.MatchString(q.Text) {
			// "which one should i look at first?": their open work,
			// the machine with work due first first (after the readings).
			firstWork = r.openWorkFirst(targets)
		}
	}
	atRisk := map[string]bool{}
	lineAsked := regexp.MustCompile(`\bline\b|라인`).MatchString(q.Text) && len(q.Lines) == 0 && len(q.Assets) == 0
	if lineAsked {
		r.rankLines(rs)
		return
	}
	for i, rk := range rs {
		atRisk[rk.Asset] = true
		s := fmt.Sprintf("%d. %s", i+1, r.eventLine(*rk.Event))
		for _, f := range rk.Fired {
			s += " " + sentence(f.says)
			break
		}
		if out := r.limitOutlook(&hypothesis{Asset: rk.Asset, Mode: rk.Mode, Event: rk.Event}, rk.Docs); out != "" {
			s += " " + out
		}
		lines = append(lines, s)
	}
	var quiet, recordsOnly []string
	for _, a := range targets {
		switch {
		case !r.hasSeries(a):
			recordsOnly = append(recordsOnly, a) // no detector ran on it
		case !atRisk[a]:
			quiet = append(quiet, a)
		}
	}
	switch {
	case len(quiet) == 0 || !r.detected():
	case len(rs) > 0:
		lines = append(lines, r.msg("rank.quiet", len(quiet), strings.Join(quiet, ", "), r.spanIn(q.Window)))
	case len(quiet) <= 4 && len(q.Assets) > 0:
		// Machines named side by side, none unusual: each with its readings.
		for _, a := range quiet {
			lines = append(lines, r.quietLine(a))
		}
	default:
		lines = append(lines, r.msg("quiet.many", strings.Join(quiet, ", "), r.spanIn(q.Window)))
	}
	if len(recordsOnly) > 0 {
		lines = append(lines, r.msg("assets.records_only", len(recordsOnly)))
	}
	lines = append(lines, firstWork...)
	lines = append(lines, riskLines...)
	for _, f := range r.failures {
		lines = append(lines, r.failedLine(f))
	}
	r.a.Situation = joinLines(lines)
	if len(rs) == 0 {
		r.a.Confidence = "medium"
		r.a.Escalate = r.msg("escalate.quiet")
		return
	}
	top := rs[0]
	h := &hypothesis{Asset: top.Asset, Mode: top.Mode, Basis: agent.BasisSensor, Event: top.Event}
	if top.Mode != "" {
		key := "rank.cause"
		if len(top.Fired) == 0 {
			key = "rank.cause_nolimit"
		}
		r.a.Cause = r.msg(key, top.Asset, r.modeName(top.Mode))
		// The first steps for the riskiest asset: what its documents say to do now.
		for _, s := range r.steps(h, top.Docs) {
			if s.Basis == agent.BasisRule || len(r.a.Steps) < 2 {
				r.a.Steps = append(r.a.Steps, s)
			}
			if len(r.a.Steps) >= 3 {
				break
			}
		}
		r.a.Escalate = r.escalation(h, top.Docs)
		r.a.Confidence = r.confidence(h, top.Docs)
		r.cite(top.Docs)
	} else {
		r.a.Confidence = "medium"
		r.a.Escalate = r.msg("escalate.default")
	}
}

// rankLines ranks the lines by their riskiest asset.
func (r *run) rankLines(rs []risk) {
	best := map[string]risk{}
	for _, rk := range rs {
		a, _ := r.p.Asset(rk.Asset)
		if b, ok := best[a.Line]; !ok || rk.Score > b.Score {
			best[a.Line] = rk
		}
	}
	order := r.p.LineNames()
	sort.SliceStable(order, func(i, j int) bool { return best[order[i]].Score > best[order[j]].Score })
	var lines []string
	for i, l := range order {
		if rk, ok := best[l]; ok {
			lines = append(lines, fmt.Sprintf("%d. %s: %s", i+1, l, r.eventLine(*rk.Event)))
		} else {
			lines = append(lines, fmt.Sprintf("%d. %s: %s", i+1, l, r.msg("rank.line_quiet", r.spanIn(r.q.Window))))
		}
	}
	r.a.Situation = joinLines(append([]string{r.msg("rank.lines_head", r.spanIn(r.q.Window))}, lines...))
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("escalate.default")
}

// stampUTC writes an instant as the tools read it.
func stampUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// onsetAskRe asks when a change began ("when did the vibration on press 3
// start rising?", "since when has pump 1 been low?", "언제부터 올랐어?").
var onsetAskRe = regexp.MustCompile(`(?i)\bwhen did\b.{0,50}\b(?:start|begin|began|kick in)\b|\bsince when\b|\bhow long has\b.{0,40}\b(?:been (?:rising|falling|climbing|dropping|high|low|up|down|off|unusual|abnormal)|had (?:this|the|a) problem)\b|\bwhen (?:was|is) (?:the )?(?:onset|start)\b|\bhow long (?:has|have) (?:it|this|that|they|the \w+) been (?:like (?:this|that)|going on|happening|doing (?:this|that)|this way|that way|acting up)\b|\bhow long (?:has|have) (?:this|that) been\b|이런 ?지 ?(?:얼마나|며칠|몇)|언제부터|시작된 (?:게|것이|지) 언제|언제 시작`)

// onsetLead says when each machine's change began, from its most
// significant event: the onset the detector found, the level then and
// now, and how long before the last reading; a machine without one is
// said to show none. Nil when the question does not ask when.
func (r *run) onsetLead(targets []string) []string {
	if !onsetAskRe.MatchString(r.q.Text) || len(targets) == 0 || len(targets) > 3 || !r.detected() {
		return nil
	}
	if th, ok := agent.ThresholdIn(r.q.Text); ok && !th.Future {
		return nil // "since when is it above 4.5 mm/s?" is the threshold's question
	}
	var out []string
	for _, a := range targets {
		var ev *Event
		for _, e := range r.book.of(a) {
			if e.Significant() && (len(r.q.Sensors) == 0 || contains(r.q.Sensors, e.Sensor)) && (ev == nil || math.Abs(e.Sigma) > math.Abs(ev.Sigma)) {
				e := e
				ev = &e
			}
		}
		if ev == nil {
			if r.hasSeries(a) {
				out = append(out, r.msg("onset.none", a, r.spanIn(r.q.Window)))
			}
			continue
		}
		dir := r.msg("onset.up")
		if ev.Dir() < 0 {
			dir = r.msg("onset.down")
		}
		last := r.lastRead(*ev)
		hrs := r.derive("hours from the onset to the last reading", math.Round(last.Sub(ev.Start).Hours()), stampUTC(ev.Start)+" to "+stampUTC(last))
		key := "onset.lead"
		if ev.Cut {
			key = "onset.lead_window" // the window's end, not the latest reading
		}
		out = append(out, r.msg(key, a, r.sensorName(ev.Sensor), dir, r.at(ev.Start), hrs, r.at(last)))
	}
	return out
}

// directionAskRe asks whether a reading is moving one way ("is press 3's
// temperature rising?", "온도도 같이 올라가고 있어?"): 1 up, 2 down.
var directionAskRe = regexp.MustCompile(`(?i)\b(rising|going up|increasing|climbing|creeping up|getting (?:hotter|higher|worse)|trending up)\b|\b(dropping|falling|going down|decreasing|getting (?:lower|cooler)|trending down)\b|(올라가|오르고|오르는|상승|높아지)|(내려가|떨어지고|떨어지는|하락|낮아지)`)

// directionVerdicts answers, for each named sensor of the machines asked
// about, whether it is moving the way asked — yes when an anomaly event
// on it goes that way, else no, with its trend over the window so the
// user sees the figures — before anything else the answer says.
func (r *run) directionVerdicts(targets []string) []string {
	if worseNowRe.MatchString(r.q.Text) && !whyRe.MatchString(r.q.Text) {
		return r.worseVerdicts(targets)
	}
	m := directionAskRe.FindStringSubmatch(r.q.Text)
	if m == nil || whyRe.MatchString(r.q.Text) || len(targets) == 0 || len(targets) > 3 || len(r.q.Sensors) == 0 || r.q.Output || !r.detected() {
		return nil
	}
	up := m[1] != "" || m[3] != ""
	var out []string
	for _, k := range r.sensorAsks(targets) {
		var ev *Event
		for _, e := range r.book.of(k.asset) {
			if e.Sensor == k.sensor && e.Significant() {
				e := e
				ev = &e
				break
			}
		}
		name := k.asset + " " + r.sensorName(k.sensor)
		switch {
		case ev != nil && (ev.Dir() > 0) == up:
			out = append(out, r.msg("dir.yes", name, r.msg(map[bool]string{true: "dir.up", false: "dir.down"}[up]), r.at(ev.Start)))
		case ev != nil:
			out = append(out, r.msg("dir.opposite", name, r.msg(map[bool]string{true: "dir.down", false: "dir.up"}[up])))
		default:
			key := "dir.no"
			if okAskRe.MatchString(r.q.Text) {
				// "creeping up, is that normal?": two questions, each answered.
				key = "dir.no_normal"
			}
			out = append(out, r.msg(key, name, r.msg(map[bool]string{true: "dir.up", false: "dir.down"}[up]), r.spanIn(r.q.Window)))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, r.trends(targets)...)
}

// worseVerdicts answers "is it getting worse?": for each sensor asked (or
// each of the machine's, when none is named), yes when a change on it is
// still moving away from its usual pattern, no when none is; then the
// figures.
func (r *run) worseVerdicts(targets []string) []string {
	if len(targets) == 0 || len(targets) > 3 || r.q.Output || !r.detected() {
		return nil
	}
	var out []string
	for _, a := range targets {
		found := false
		for _, e := range r.book.of(a) {
			if len(r.q.Sensors) > 0 && !contains(r.q.Sensors, e.Sensor) || !e.Significant() || !e.Ongoing {
				continue
			}
			found = true
			out = append(out, r.msg("dir.worse_yes", a+" "+r.sensorName(e.Sensor), r.at(e.Start)))
		}
		if !found {
			name := a
			if len(r.q.Sensors) == 1 {
				name += " " + r.sensorName(r.q.Sensors[0])
			}
			out = append(out, r.msg("dir.worse_no", name, r.spanIn(r.q.Window)))
		}
	}
	if len(r.q.Sensors) > 0 {
		out = append(out, r.trends(targets)...)
	}
	return out
}

// windowDowntime says the downtime of each failure recorded on the targets
// in w, from the records.
func (r *run) windowDowntime(targets []string, w Span) []string {
	var out []string
	for _, a := range targets {
		recs, ok := r.records(map[string]any{"asset": a, "kind": "failure", "since": stampUTC(w.From), "until": stampUTC(w.To)})
		if !ok {
			continue
		}
		for _, rec := range recs {
			if rec.Downtime == nil {
				continue
			}
			out = append(out, r.msg("down.rec", a, r.derive(rec.ID+" downtime, hours", float64(*rec.Downtime)/60, "downtime_minutes ÷ 60 of "+rec.ID), r.recordAt(rec.Opened), rec.Title, rec.ID, *rec.Downtime))
		}
	}
	return out
}
