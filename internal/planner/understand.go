package planner

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// Query is a question as the planner understands it.
type Query struct {
	// Question is as asked; Text normalized (lowercase, number words as
	// digits, misspellings corrected).
	Question, Text string
	// Thread is the thread's earlier questions, as asked, for what a
	// follow-up leaves unsaid ("should we stop it?" after "it knocks").
	Thread string
	Lang   string
	Intent Intent
	// Assets, Lines and Series are what the answer is about: named,
	// by type ("the compressor"), from the channel's scope or inherited
	// from the thread.
	Assets, Lines, Series []string
	// Type is the one asset type the question names instead of machines
	// ("MTBF of the presses"); Assets then hold its machines.
	Type string
	// Sensors are the sensor kinds named.
	Sensors []string
	// Unknown are names the plant does not have.
	Unknown []plant.Unknown
	// Corrected are machine names read as misspellings ("pmp-1" as
	// pump-1), said at the answer's start.
	Corrected []plant.Correction
	// Window is the time behind now the question is about (default: the
	// last 24 hours), Horizon the time ahead (default: the next 24 hours).
	Window, Horizon Span
	// Reported are the failure modes the user reports explicitly; Vague
	// is set for a symptom said without saying what ("looks off").
	Reported []string
	Vague    bool
	// AsksMode marks a question whether the failure it names is happening
	// ("cnc4 running hot again?"), not a report of it: the data answers.
	AsksMode bool
	// Restart marks a question whether to reset a trip and restart: the
	// answer is not before its cause is checked.
	Restart bool
	// Plan, Output: the question is about production against plan, or output.
	Plan, Output bool
	// Write is an order to act on the plant; Help a question about Gemba.
	Write, Help bool
	// Broad marks a question about the plant that names no intent of its
	// own, answered with the plant's state (the answer says it read it so).
	Broad bool
	// Metric is a metric named that needs data (OEE, energy…).
	Metric *metric
	// Facts are what the user says was done, in this question or earlier in the thread.
	Facts []factRule
	// FollowUp is set when entities or the intent came from earlier turns.
	FollowUp bool
	// AlarmsFirst: a follow-up asks which of the thread's alarms are
	// still open ("which are still open"): the alarm records lead.
	AlarmsFirst bool
	// WhyOnly is set for a bare "why?" ("how do you know?", "왜 그렇게
	//판단했어?") after an earlier question: the reasoning behind the
	// answer to that question, not that answer again.
	WhyOnly bool
	// WindowInherited is set when the time came from an earlier turn ("and
	// yesterday?" before "show me its incidents"), not from this question.
	WindowInherited bool
	// Earlier is the window the thread's previous question asked about
	// when this one asks about another ("line 3 output last friday" →
	// "and saturday?" → "why was it lower?": Friday, against Saturday).
	Earlier Span
	// ShiftOnly is the shift of the day (1 day, 2 afternoon, 3 night) a
	// question asks of every day in a longer period ("지난주 야간조",
	// "last week's night shifts"); 0 when none.
	ShiftOnly int
	// PlantWide is set when nothing narrower was named.
	PlantWide bool
	// Named is set when the question itself named an asset, line or series.
	Named bool
	// Docs are document ids the question names (INC-1003, RB-LOTO), as written.
	Docs []string
	// BadDate is a date the question writes that the calendar does not
	// have (2026-11-31): the answer says so rather than read another day.
	BadDate string
	// Shortcut is set when the question asks whether a safety measure may
	// be skipped or defeated (agent.ShortcutRe): a procedure question answered no.
	Shortcut bool
	// Pushback is set when the question argues with a safety no of the
	// thread ("why not? it only takes a second", "왜요? 잠깐이면 되는데"):
	// Shortcut is set too, and Text holds the thread's question before it.
	Pushback bool
}

// Understand reads a question against the plant: intent, entities, time,
// reports and facts; earlier user questions of the thread (oldest first)
// fill in what a follow-up leaves out.
func Understand(question string, now time.Time, p *plant.Plant, earlier []string, scope tools.Scope) Query {
	q := Query{Question: question, Lang: agent.DetectLang(question)}
	q.Text = plant.NormalizeWith(question, vocabulary)
	q.Text = woRe.ReplaceAllString(q.Text, "work order$1$2")    // "open WOs on pump 2?"
	q.Text = jelRe.ReplaceAllString(q.Text, "${1}제일 ")          // "젤 길었던": 제일, said short
	q.Text = shortDayWords(q.Text)                              // "tmrw day shift", "낼 주간조"
	m := p.Resolve(warmUpRe.ReplaceAllString(q.Text, "warmup")) // a spindle's warm-up is a procedure, not a temperature
	q.Assets, q.Lines, q.Series = m.Assets, m.Lines, m.Series
	q.Sensors = m.Sensors
	q.Unknown = m.Unknown
	q.Corrected = m.Corrected
	q.WhyOnly = len(earlier) > 0 && whyOnlyRe.MatchString(q.Text)
	if len(m.Assets)+len(m.Lines)+len(m.Series)+len(m.Types) > 0 {
		// A place said beside a machine ("press 3 in the warehouse
		// aisle") is where it stands, not a subject of its own.
		q.Unknown = slices.DeleteFunc(slices.Clone(q.Unknown), func(u plant.Unknown) bool { return u.Kind == plant.UnknownArea })
	}
	if len(p.Assets) == 0 {
		// No catalog to judge by (no list_series, or an empty store): the
		// names are taken as said, unverified, rather than all unknown.
		q.Unknown = nil
		for _, u := range m.Unknown {
			switch u.Kind {
			case plant.UnknownAsset:
				q.Assets = appendUnique(q.Assets, u.Said)
			case plant.UnknownLine:
				q.Lines = appendUnique(q.Lines, u.Said)
			case plant.UnknownSeries:
				q.Series = appendUnique(q.Series, u.Said)
			}
		}
	}
	for _, typ := range m.Types {
		for _, a := range p.AssetsOfType(typ) {
			q.Assets = appendUnique(q.Assets, a)
		}
	}
	if len(m.Assets) == 0 && len(m.Types) == 1 {
		q.Type = m.Types[0] // "the presses", "model3 machines": the type as a whole
	}
	q.Named = len(q.Assets)+len(q.Lines)+len(q.Series) > 0
	if len(q.Assets) > 0 && len(q.Lines) == 0 && othersRe.MatchString(q.Text) {
		// "프레스3 말고 딴 설비는 특이사항 없지?", "apart from press 3,
		// anything else?": every other machine.
		var rest []string
		for _, a := range p.Assets {
			if !contains(q.Assets, a.Name) {
				rest = append(rest, a.Name)
			}
		}
		if len(rest) > 0 {
			q.Assets, q.Type = rest, ""
		}
	}
	q.Window, q.Horizon = readTimes(likeTimeRe.ReplaceAllString(q.Text, " "), now, p)
	if q.Window.Label == bareNightLabel && nowWordRe.MatchString(q.Text) {
		// "야간조 인수인계용 지금 상황": the state now, for the night shift
		// about to take over, not the last night shift's.
		q.Window = Span{}
	}
	if m := dayShiftWordRe.FindStringSubmatch(q.Text); m != nil && periodWordRe.MatchString(q.Text) {
		// "지난주 야간조 2라인 생산량": every night shift of last week, not
		// last night's.
		if w, h := readTimes(dayShiftWordRe.ReplaceAllString(q.Text, " "), now, p); w.Named && w.To.Sub(w.From) > 36*time.Hour {
			q.Window, q.Horizon, q.ShiftOnly = w, h, shiftWant(m[1]+m[2]+m[3])
		}
	}
	q.BadDate = badDate(q.Text, p)
	q.Reported = plant.ReportedModes(q.Text)
	if len(q.Reported) == 0 && len(q.Assets) == 1 && againAskRe.MatchString(q.Text) && asksMode(q.Text) {
		// "pump1 pressure 3.3 bar, is that low? strainer again?": the
		// part's failure, asked whether it is back.
		if m := partModeIn(q.Text); m != "" {
			q.Reported = []string{m}
		}
	}
	q.Vague = vagueRe.MatchString(q.Text) && len(q.Reported) == 0
	q.AsksMode = len(q.Reported) > 0 && asksMode(q.Text)
	if q.AsksMode && q.Window.Named && q.Window.To.Before(now.Add(-24*time.Hour)) && againRiskRe.MatchString(q.Text) {
		// "what caused the overheat trip in september? could it happen
		// again?": that failure and its cause, then the readings since
		// the repair; not whether it is happening now.
		q.AsksMode = false
	}
	q.Plan = planRe.MatchString(q.Text)
	q.Output = outputRe.MatchString(q.Text) || contains(q.Sensors, "output")
	q.Write = writeRe.MatchString(q.Text) || ackRe.MatchString(q.Text) || notifyRe.MatchString(q.Text) || rescheduleRe.MatchString(q.Text)
	q.Help = helpRe.MatchString(q.Text)
	if mt := metricFor(q.Text); mt != nil && !mt.available(p) {
		q.Metric = mt
	}
	q.Facts = factsIn(q.Text)
	if len(q.Facts) > 0 {
		// "replaced last week": the time is when it was done, not the
		// window the question asks about.
		q.Window, q.Horizon = Span{}, Span{}
	}
	// A sensor named for a machine that has no such sensor ("press 3 pressure").
	if len(q.Assets) > 0 && q.Metric == nil {
		for _, s := range q.Sensors {
			if s == "output" || !p.HasSensor(s) {
				continue
			}
			for _, a := range q.Assets {
				as, _ := p.Asset(a)
				if !contains(as.Sensors, s) {
					q.Unknown = append(q.Unknown, plant.Unknown{Said: s + " on " + a, Kind: "sensor", Closest: as.Sensors})
				}
			}
		}
	}

	q.Intent = intentOf(q)
	if q.Intent == IntentStatus && len(q.Assets) > 0 && len(q.Sensors) > 0 && !q.Output && !q.Plan && !phrased(IntentStatus, q.Text) && !symptomRe.MatchString(q.Text) && nowAskRe.MatchString(q.Text) && !judgeAskRe.MatchString(q.Text) {
		// "temp on the 800t press right now?": that reading, not the
		// machine's state (which led with another sensor's event).
		q.Intent = IntentMetric
	}
	if len(q.Assets) > 0 && !q.Output && !q.Plan && reachLimitAskRe.MatchString(q.Text) && q.Intent != IntentOutOfScope && q.Intent != IntentForecast {
		// "프레스3 진동 이 추세면 언제쯤 위험 기준 넘어?": the machine's
		// outlook against its documented limits, not the last day's trend.
		q.Intent = IntentDiagnose
	}
	if q.Intent == "" {
		if _, ok := docFactAsked(q.Text, p); ok {
			// "스핀들 워밍업 몇분": a value of the runbooks, with nothing else
			// named, is no question out of scope.
			q.Intent = IntentProcedure
		}
	}
	if len(q.Assets) == 1 && restartAfterRe.MatchString(q.Text) && len(q.Sensors) == 1 && q.Intent != IntentOutOfScope {
		// "cnc 4호기 온도알람 떴다는데 리셋하고 다시 돌려도 되나요?": the trip
		// reports the failure its sensor points to; restart after its checks.
		if len(q.Reported) == 0 {
			if modes := plant.SupportingModes(q.Sensors[0], 1, typeOf(q.Assets[0], p)); len(modes) > 0 {
				q.Reported = modes[:1]
			}
		}
		q.Intent, q.Restart = IntentDiagnose, true
		q.AsksMode = false // the trip reports it; what is asked is the restart
	}
	if len(q.Assets) == 1 && q.Intent == IntentMaintenance && (stopAskRe.MatchString(q.Text) || safeAskRe.MatchString(q.Text) || runUntilRe.MatchString(q.Text)) {
		// "do we stop it or can it limp to the bearing WO on wed?": whether
		// to run, from the reading and the limits, with the open job
		// against them; not the service history the job's name suggests.
		q.Intent = IntentDiagnose
	}
	if len(q.Assets) == 1 && q.AsksMode && q.Intent == IntentHistory && againAskRe.MatchString(q.Text) {
		// "filler pressure creeping up again? last time it clogged": now,
		// whether it is back, with the last time recorded.
		q.Intent = IntentDiagnose
	}
	if (stockAskRe.MatchString(q.Text) || storesAskRe.MatchString(q.Text) || orderAsked(q.Text)) && q.Intent != IntentOutOfScope {
		// "스트레이너 바스켓 재고 창고에 있나?", "order 2 spare bearings":
		// parts in stock or to order, not a machine called 창고.
		q.Intent = IntentParts
		q.Unknown = slices.DeleteFunc(q.Unknown, func(u plant.Unknown) bool { return stockPlaceRe.MatchString(u.Said) })
	}
	if len(q.Sensors) == 0 && len(q.Assets) == 1 {
		// "when will press-3 reach 10 mm/s?": the unit names the sensor
		// (else the machine's line output was forecast).
		if _, unit, ok := agent.ReadingIn(q.Text); ok {
			if s := unitSensor(unit); s != "" {
				if a, ok := p.Asset(q.Assets[0]); ok && contains(a.Sensors, s) {
					q.Sensors = []string{s}
				}
			}
		}
	}
	if len(q.Assets) == 1 && stopLevelAskRe.MatchString(q.Text) && (q.Intent == IntentLimits || q.Intent == IntentHistory || q.Intent == IntentMetric) {
		// "if we do nothing when does press-3 hit trip level": when, from
		// its rise, not whether it has been there.
		q.Intent = IntentDiagnose
	}
	if len(q.Assets) == 1 && bringForwardRe.MatchString(q.Text) && q.Intent != IntentOutOfScope {
		// "프레스3 베어링 교체 작업지시 언제로 잡혀있지? 당겨야 되나": the open
		// job against when the reading reaches its limit, which the
		// machine's diagnosis weighs.
		q.Intent = IntentDiagnose
	}
	if q.Intent == IntentMetric && len(q.Assets) == 1 && len(q.Reported) > 0 && !q.AsksMode && symptomRe.MatchString(q.Text) {
		// "3호기 프레스 진동 지금 몇이에요? 쿵쿵 소리 좀 나는거 같은데": a
		// symptom told beside the reading asked: a diagnosis, the reading in it.
		q.Intent = IntentDiagnose
	}
	if q.Intent == IntentRank && len(q.Assets) == 1 && len(q.Sensors) > 0 && !contains(q.Sensors, "output") && trendRe.MatchString(q.Text) {
		// "펌프1 토출압력 제일 낮았을 때 몇이었어": one machine's extreme, not a ranking.
		q.Intent = IntentMetric
	}
	if whichMoreRe.MatchString(q.Text) && len(q.Assets) >= 2 && len(q.Assets) <= 4 {
		// "which pump is running hotter, 1 or 2?": those machines side by
		// side on the reading the word compares (compareSensor), not a
		// ranking of the plant nor a report of overheating.
		q.Intent, q.Reported, q.AsksMode = IntentCompare, nil, false
	}
	q.Broad = q.Intent == IntentRank && broadOnly(q)
	if agent.ShortcutRe.MatchString(q.Text) && (q.Intent != IntentOutOfScope || !secretRe.MatchString(q.Text)) {
		// A safety shortcut is answered whatever else the words look like
		// ("알람 꺼놓고 그냥 돌려도 되죠?" is no request to acknowledge an
		// alert), unless it asks to set the rules aside.
		q.Shortcut, q.Intent = true, IntentProcedure
	}
	if ids := docIDRe.FindAllString(question, 3); len(ids) > 0 && !q.Shortcut {
		q.Docs, q.Intent = ids, IntentDocument
		if partsAskRe.MatchString(q.Text) || partsToolsRe.MatchString(q.Text) {
			// "parts + tools i need for WO-P3-BRG?": the job's parts, the
			// record naming the job.
			q.Intent = IntentParts
		}
	}

	// A follow-up takes what it leaves out from the thread's latest question that had it.
	if len(earlier) > 0 {
		q.inherit(earlier, now, p)
		if len(q.Assets) == 1 && q.Intent == IntentMaintenance && (stopAskRe.MatchString(q.Text) || safeAskRe.MatchString(q.Text)) {
			// "그럼 당장 세워야돼? 아님 WO 일정까지 버텨도 되나" of the
			// thread's machine: whether to stop it, as when it is named.
			q.Intent = IntentDiagnose
		}
	}
	if (q.Plan || q.Output) && madeItRe.MatchString(q.Text) && q.Intent != IntentForecast && planInProgress(&q) {
		// "line 3 output this week vs plan, r we gonna make it?": the
		// period under way, so far and forecast to its end, though "vs"
		// reads as a comparison.
		q.Intent = IntentForecast
	} else if (q.Plan || q.Output) && q.Window.Named && !q.Horizon.Named && planMakeRe.MatchString(q.Text) && !didRe.MatchString(q.Text) && madeItRe.MatchString(q.Text) {
		// "line 3 output this week vs plan, r we gonna make it?": the
		// period under way, so far and forecast to its end.
		end := time.Time{}
		switch q.Window.Label {
		case "this week":
			end = p.Week(now, 1)
		case "today":
			end = p.Day(now, 1)
		}
		if !end.IsZero() && end.After(now) {
			q.Horizon = Span{From: now, To: end, Label: q.Window.Label, LabelKO: q.Window.LabelKO, Named: true, Ahead: true, Began: q.Window.From}
			q.Plan, q.Intent = true, IntentForecast
		}
	}
	if q.FollowUp && worseNowRe.MatchString(q.Text) && (q.Intent == IntentForecast || q.Intent == "") {
		// "is it getting worse?" after "how's the vibration tonight?"
		// asked before the night: the trend so far, not the night's
		// forecast again, unless it names a time of its own.
		if w, h := readTimes(q.Text, now, p); !w.Named && !h.Named {
			q.Intent, q.Window, q.Horizon = IntentStatus, w, h
		}
	}
	if allLinesRe.MatchString(q.Text) && len(p.Lines) > 1 {
		// "what about yesterday, whole day, all 3 lines": every line, not
		// the thread's last one.
		q.Lines = nil
		for _, l := range p.Lines {
			q.Lines = append(q.Lines, l.Name)
		}
		q.Assets, q.PlantWide = nil, false
	}
	if q.FollowUp && (stillOpenRe.MatchString(q.Text) || whoAckRe.MatchString(q.Text)) && alarmNameRe.MatchString(q.Thread) && !alarmNameRe.MatchString(q.Text) {
		// "which are still open" after the day's alarms: those alarms now.
		// "who acked them?": the records do not say who, then the same.
		q.AlarmsFirst, q.Intent = true, IntentStatus
	}
	if !q.Named && len(q.Unknown) == 0 {
		switch {
		case scope.Asset != "":
			q.Assets = []string{scope.Asset}
		case scope.Line != "":
			q.Lines = []string{scope.Line}
		}
	}
	if len(q.Assets) > 0 && len(q.Assets) <= 3 && len(q.Sensors) > 0 && !q.Output && !q.Plan && usualAsked(q.Text) &&
		(q.Intent == IntentCompare || q.Intent == IntentRank || q.Intent == "" || q.Intent == IntentForecast && !phrased(IntentForecast, q.Text)) {
		// "그거 정상 범위야? 평소랑 비교하면?" after a reading, "whats normal
		// for it anyway" after a forecast: that reading
		// against its usual range, not a ranking of the plant.
		q.Intent = IntentStatus
	}
	if len(q.Assets) > 0 && (safeAskRe.MatchString(q.Text) || stopAskRe.MatchString(q.Text)) &&
		(q.Intent == "" || q.Intent == IntentStatus || q.Intent == IntentMetric || q.Intent == IntentRank || q.Intent == IntentForecast || q.Intent == IntentHandover) {
		// "그럼 그냥 계속 돌려도 돼?" after a reading, "can i keep running it
		// till end of shift?": whether to stop, from the machine's state
		// against its stop limit (and its rate towards the nearer ones).
		q.Intent = IntentDiagnose
	}
	q.PlantWide = len(q.Assets)+len(q.Lines)+len(q.Series) == 0 && len(q.Unknown) == 0
	if !q.Window.Named && latelyRe.MatchString(q.Text) && trendRe.MatchString(q.Text) {
		// "컴프 토출압 요새 떨어지는거 같은데 추세 좀 봐줘": a trend "lately"
		// is weeks, not the last day.
		q.Window = Span{From: now.Add(-14 * 24 * time.Hour), To: now, Label: "the last 2 weeks", LabelKO: "최근 2주", Named: true}
	}
	if q.AsksMode && q.Window.Named && q.Window.To.Before(now.Add(-24*time.Hour)) && againAskRe.MatchString(q.Text) && pastTimeToldRe.MatchString(q.Text) {
		// "cnc4 또 과열되는거 아니에요? 9월에 한번 섰었잖아요": the month is
		// when it happened before; whether it is happening again is now's
		// question (the last failure is told beside it).
		q.Window = Span{}
	}
	if !q.Window.Named {
		q.Window = Span{From: now.Add(-24 * time.Hour), To: now, Label: "the last 24 hours", LabelKO: "지난 24시간"}
	}
	if !q.Horizon.Named {
		q.Horizon = Span{From: now, To: now.Add(24 * time.Hour), Label: "the next 24 hours", LabelKO: "앞으로 24시간"}
	}
	return q
}

// latelyRe is "lately" without a span ("요새", "these days").
var latelyRe = regexp.MustCompile(`\blately\b|\brecently\b|\bthese days\b|\bof late\b|요새|요즘|근래|최근 들어`)

// failAheadRe asks whether a machine will fail ("will it fail this
// week?", "고장 날까?").
var failAheadRe = regexp.MustCompile(`\b(?:fail|break(?: down)?|give out|seize|go|die|trip)\b.{0,30}\b(?:this week|today|tonight|tomorrow|soon|before|by|next)\b|\b(?:will|going to|likely to|about to)\b.{0,25}\b(?:fail|break|give out|seize|trip)\b|고장\s*(?:날|나|안\s*날)\S*\s*(?:까|것 ?같|가능성|확률)|(?:망가질|터질|나갈)\S*\s*(?:까|것 ?같)`)

// dayShiftWordRe names a shift of the day; periodWordRe a period of days.
var (
	dayShiftWordRe = regexp.MustCompile(`\b(day|morning|early|first|late|afternoon|evening|swing|second|night|third) shifts?\b|(주간|오전|오후|저녁|야간|밤)\s*(?:조|근무|교대)|(야간)`)
	periodWordRe   = regexp.MustCompile(`\b(?:last|this|past|previous) (?:week|month)\b|\bover the (?:last|past) \d+ days\b|지난\s*주|이번\s*주|지난\s*달|이번\s*달|저번\s*주`)
)

// othersRe asks about every machine but those named ("프레스3 말고 딴
// 설비는?", "apart from press 3, anything else going on?").
var othersRe = regexp.MustCompile(`(?i)(?:말고|빼고|제외하고|외에|외엔|외에는)\s*(?:딴|다른|나머지|그 ?외)\s*(?:설비|기계|거|것|애들|데)|\b(?:apart from|other than|besides|except(?: for)?|aside from)\b.{0,30}\b(?:anything|any(?:thing)? other|else|the rest|other (?:machines|equipment|assets))\b|\b(?:any|the) other (?:machines|equipment|assets)\b.{0,20}\b(?:besides|than|apart from)\b`)

// bringForwardRe asks whether a planned job should come sooner ("당겨야
// 되나", "should we bring the job forward?").
var bringForwardRe = regexp.MustCompile(`(?i)(?:당겨야|앞당겨야|앞당길|당길까|당겨도)|\b(?:bring|move|pull)\b.{0,30}\b(?:forward|up|in|sooner|earlier)\b`)

// restartAfterRe asks whether to reset a trip or alarm and restart ("온도알람
// 떴다는데 리셋하고 다시 돌려도 되나요?", "tripped on a temp alarm, ok to reset
// it and restart?").
var restartAfterRe = regexp.MustCompile(`(?i)(?:알람|경보|트립|정지)\S*.{0,25}리셋\S*\s*(?:하고|해서)?\s*(?:(?:바로|곧바로|그냥|얼른)\s*)?(?:다시\s*)?(?:돌려|가동|켜|운전|재가동)|\b(?:alarm|trip\w*|fault)\b.{0,40}\breset\b.{0,20}\b(?:restart|run|start)\w*`)

// storesAskRe asks whether a part is in the stores (stockAskRe's other
// words); orderAskRe asks Gemba to order parts; stockPlaceRe are the
// stores' names, no machine's.
var (
	storesAskRe  = regexp.MustCompile(`(?i)\b(?:on the shelf|in (?:the )?stores)\b|\b(?:have we got|got any)\b.{0,25}\bspares?\b|창고에\s*(?:있|남|없)`)
	orderAskRe   = regexp.MustCompile(`(?i)\b(?:order|buy|purchase|requisition|procure)\b.{0,40}\b(?:spares?|parts?|bearings?|filters?|belts?|seals?|elements?|gaskets?)\b|(?:부품|베어링|필터|벨트|씰|엘리먼트|예비품)\S*.{0,15}(?:주문|발주|구매 ?요청|사다|사와)`)
	stockPlaceRe = regexp.MustCompile(`(?i)창고|warehouse|stores?`)
)

// orderAsked says text asks Gemba to order parts; a work order's "order"
// is none ("the work order's parts").
func orderAsked(text string) bool {
	return orderAskRe.MatchString(workOrderWordRe.ReplaceAllString(text, " "))
}

var workOrderWordRe = regexp.MustCompile(`(?i)\bwork ?orders?\b`)

// partsToolsRe asks what a job needs ("parts + tools i need for …").
var partsToolsRe = regexp.MustCompile(`(?i)\b(?:parts?|tools?|spares?|materials?)\b.{0,12}\b(?:need|needed|required|for)\b|(?:부품|공구|자재)`)

// likeTimeRe is a time said as a comparison, not as the window asked
// about ("going up again like last month?", "지난달처럼?").
var likeTimeRe = regexp.MustCompile(`(?i)\blike(?: it did| we had| happened)? (?:last|the last) (?:time|month|week|year|winter|summer)\b|(?:지난|저번|작년|전)\s*(?:달|주|번|해)?\s*(?:처럼|같이|때처럼|때같이|만큼)`)

// gapWhyRe asks why output fell short of plan without naming a line
// ("why the gap?", "왜 이렇게 차이나?").
var gapWhyRe = regexp.MustCompile(`(?i)\bwhy\b.{0,12}\b(?:gap|short\w*|behind|miss(?:ed|ing)?|drop|difference)\b|\bwhat(?:'s| is) (?:causing|behind) (?:the |that |this )?(?:gap|shortfall|drop)\b|왜.{0,8}(?:차이|부족|모자라|모자르|밀려|밀리|빠져|빠졌|못 ?미쳐)`)

// shortDayEN are the short forms people type for the days' names;
// naeilRe is "낼", 내일 said short, before a time or a plan word (not "낼
// 수 있어": can pay).
var (
	shortDayEN = []struct {
		re   *regexp.Regexp
		word string
	}{
		{regexp.MustCompile(`\b(?:tmrw|tmrow|tmr|tmrrw|tomoz|2moro\w*|2morrow)\b`), "tomorrow"},
		{regexp.MustCompile(`\b(?:yday|ystrdy|ystdy|yest)\b`), "yesterday"},
		{regexp.MustCompile(`\b(?:tonite|2nite)\b`), "tonight"},
		{regexp.MustCompile(`\b2day\b`), "today"},
		// "this yr", "last wk", "past 3 mos": the periods written short.
		{regexp.MustCompile(`\b(this|last|past|previous|next|a|per|\d+) yrs?\b`), "$1 year"},
		{regexp.MustCompile(`\b(this|last|past|previous|next|a|per|\d+) wks?\b`), "$1 week"},
		{regexp.MustCompile(`\b(this|last|past|previous|next|a|per|\d+) mths?\b`), "$1 month"},
	}
	naeilRe = regexp.MustCompile(`(^|\s)낼(\s+)(주간|야간|오전|오후|아침|저녁|밤|낮|새벽|\d|생산|계획|예측|까지|몇|교대)`)
)

// shortDayWords writes the short forms of today, tomorrow, yesterday and
// tonight in full.
func shortDayWords(t string) string {
	for _, d := range shortDayEN {
		t = d.re.ReplaceAllString(t, d.word)
	}
	return naeilRe.ReplaceAllString(t, "${1}내일${2}${3}")
}

// jelRe is "젤", the spoken short form of "제일" (most) before a word.
var jelRe = regexp.MustCompile(`(^|\s)젤\s?`)

// nowWordRe says "now" ("지금 상황", "right now").
var nowWordRe = regexp.MustCompile(`\bright now\b|\bcurrently\b|\bat the moment\b|\bnow\b|지금|현재`)

// reachLimitAskRe asks when a reading will reach a limit: "when will it
// hit the danger limit?", "how long until it reaches the alarm level?",
// "언제쯤 위험 기준 넘어?".
var reachLimitAskRe = regexp.MustCompile(`\bwhen (?:will|would|does|is) .{0,40}\b(?:reach|hit|cross|pass|exceed|go (?:over|above|past)|get to)\b|\bhow (?:long|soon) (?:until|before|till|to)\b.{0,40}\b(?:reach|hit|cross|limit|danger|alarm|alert|trip)|언제(?:쯤)?.{0,20}(?:위험|경보|알람|정지|한계|기준|주의)\S*.{0,10}(?:넘|도달|닿|찍)|(?:위험|경보|알람|한계|주의) ?(?:기준|값|레벨|수준)?\S* ?(?:넘|도달|닿)\S*.{0,10}언제|(?:몇 ?시간|며칠) (?:뒤|후)에?.{0,10}(?:넘|도달|닿)`)

// madeItRe asks whether a period's plan will be made ("r we gonna make
// it?", "will we hit plan?", "맞출 수 있어?").
var madeItRe = regexp.MustCompile(`(?i)\b(?:gonna|going to|will|can|could)\b.{0,15}\b(?:make|hit|meet|reach)\b|\bon track\b|맞출|맞추|채울|달성(?:할|하|가능)`)

// allLinesRe names every line ("all 3 lines", "모든 라인", "라인 전부").
var allLinesRe = regexp.MustCompile(`(?i)\ball (?:\d+ |three |the )?lines\b|\bevery line\b|\beach line\b|모든 ?라인|전 ?라인|라인 ?(?:전체|전부|모두|다)|\d ?개 ?라인 ?(?:다|전부|모두)`)

// worseNowRe asks whether a change is getting worse ("is it getting
// worse?", "이거 점점 심해지는 중임?").
var worseNowRe = regexp.MustCompile(`(?i)\bgetting worse\b|\bworse (?:than|now|today|yet)\b|\bdeteriorat\w*|심해지|나빠지|악화`)

// doWhatRe asks what to do ("what do i do first", "어떻게 해야돼요").
var doWhatRe = regexp.MustCompile(`(?i)\bwhat (?:do|should|shall|can|must) (?:i|we) do\b|\bwhat now\b|어떻게 ?(?:해야|하면|하죠|해요)|뭐 ?(?:해야|부터)`)

// stillOpenRe asks which of a list are still open or active ("which are
// still open", "아직 떠있는 거 있어?"); alarmNameRe names alarms.
var (
	stillOpenRe = regexp.MustCompile(`(?i)\b(?:which|what|any|are (?:they|those|these|any)|is (?:it|that|any))\b.{0,20}\b(?:still )?(?:open|active|up|on|going off)\b|\bstill (?:open|active|up|on|going off)\b|\b(?:were|are|was|is|got|have|has) (?:they|those|these|it|that|them|all|both)(?: been)? (?:closed(?: out)?|cleared|resolved|acknowledged|acked)\b|아직 ?(?:떠|열려|걸려|안 ?닫|안 ?꺼|울리|켜져)|(?:닫혔|종료됐|처리됐|해제됐|클리어)`)
	// attendAskRe asks what to see to ("그중에 오늘 주간에 꼭 챙겨야 될거"):
	// the machines needing attention, not the parts to bring.
	attendAskRe = regexp.MustCompile(`꼭\s*챙겨야|그\s*중에?.{0,20}챙겨야|(?:오늘|이번\s*교대|주간|야간|오후|교대)\S*\s*(?:꼭\s*)?챙겨야`)
	// warmUpRe is a warm-up run, the noun ("the spindle warm-up").
	warmUpRe = regexp.MustCompile(`(?i)\bwarm[- ]up\b`)
	// whoAckRe asks who acknowledged, cleared or handled alarms.
	whoAckRe    = regexp.MustCompile(`(?i)\bwho (?:acked|acknowledged|ack'd|cleared|closed|reset|handled|responded to|took)\b|누가 ?(?:확인|조치|해제|처리|리셋|승인|닫|받)`)
	alarmNameRe = regexp.MustCompile(`(?i)\balarms?\b|\balerts?\b|알람|경보`)
)

// whichFirstRe asks, after a list, which of it comes first: "which one
// first?", "what should I do first?", "뭐부터 해?", "뭘 먼저 해야 돼?".
var whichFirstRe = regexp.MustCompile(`^[\s\p{P}\p{S}]*(?:(?:ok|so|and|then),?\s+)?(?:which|what)(?: one| 1| job| wo| work ?order)?s? (?:(?:do|should|shud|shd|shld|must) (?:i|we) (?:do |start )?|to (?:do |start )?|comes? |goes )?first[\s\p{P}\p{S}]*$|^[\s\p{P}\p{S}]*(?:그럼\s+|그러면\s+)?(?:뭐|뭘|무엇|어떤 ?거|어느 ?거|어떤 ?것)(?:부터| 먼저|을 먼저|를 먼저)(?:\s*\S+){0,2}[\s\p{P}\p{S}]*$` +
	// "그 중에 제일 급한게 뭐야?", "which is the most urgent?"
	`|^[\s\p{P}\p{S}]*(?:그럼\s+|그 ?중에?(?:서)?\s*)?(?:제일|가장) ?(?:급한|시급한)\S*(?:\s*\S+){0,2}[\s\p{P}\p{S}]*$|^[\s\p{P}\p{S}]*(?:(?:ok|so|and|then),?\s+)?(?:which|what)(?: ones?| 1)?(?: of (?:those|these|them|the \w+))?(?:'s| is| are)? (?:the )?most (?:urgent|pressing|important|critical)(?: one| 1)?[\s\p{P}\p{S}]*$`)

// allTimeRe asks over every record there is: "over the whole history",
// "all time", "ever", "전체 기간", "지금까지 전부".
var allTimeRe = regexp.MustCompile(`\b(?:(?:over |in )?the (?:whole|entire|full) (?:history|record|records)|all[- ]time|of all time|since (?:records began|the (?:start|beginning))|ever recorded)\b|전체 ?기간|전 ?기간|지금까지 ?(?:전부|전체|다)|기록 ?전체|역대`)

// whyOnlyRe is a question that asks only why: "why?", "how come?",
// "why do you say that?", "how do you know?", "왜?", "근거는?", "왜 그렇게
// 판단했어?".
var whyOnlyRe = regexp.MustCompile(`^[\s\p{P}\p{S}]*(?:(?:but|and|ok|so|then),?\s+)?(?:why|why so|why is that|why's that|how come|why do you (?:say|think) (?:that|so)|what makes you (?:say|think) (?:that|so)|how do you know(?: that)?|how can you tell|on what basis|based on what|what(?:'s| is) (?:that|this|it) based on|explain(?: that| why)?|why (?:is|are|was|were|does|did|do) (?:it|that|this|we|they|he|she)(?: \S+){0,3})[\s\p{P}\p{S}]*$|^[\s\p{P}\p{S}]*(?:(?:근데|그럼|그러니까)\s+)?(?:왜|왜요|왜죠|왜 그래\S*|왜 그랬\S*|왜 그런\S*|왜 그렇\S*|왜 그렇게 \S+|근거(?:는|는요|가 뭐\S*|가 뭔데\S*)?|무슨 근거\S*|어떻게 알아\S*|이유(?:는|는요|가 뭐\S*)?)[\s\p{P}\p{S}]*$`)

// ongoingRe says a question is about what is going on now ("why does it
// keep rising?", "왜 계속 올라가?").
var ongoingRe = regexp.MustCompile(`\bkeeps? (?:on )?(?:rising|going|climbing|dropping|falling|increasing|getting)\b|\bstill\b|계속|아직|여전히`)

// plannedJobRe is a maintenance job planned ("until the planned bearing
// job"): "planned" there is no production plan.
var plannedJobRe = regexp.MustCompile(`\bplanned (?:[a-z-]+ ){0,2}(?:job|work|work ?order|replacement|change|repair|pm|maintenance|service|swap|stop|shutdown)\b|(?:예정된|계획된) ?(?:\S+ )?(?:작업|교체|정비|수리)`)

// intentOf scores the intent phrases and applies the few rules that
// depend on what else the question says.
func intentOf(q Query) Intent {
	switch {
	case q.Write, secretRe.MatchString(q.Text):
		return IntentOutOfScope
	case q.Help:
		return IntentOutOfScope
	case peopleRe.MatchString(q.Text) || shiftTimesRe.MatchString(q.Text):
		return IntentShifts
	case lastFailureRe.MatchString(q.Text) && len(q.Assets) == 1:
		// "what came before machine 12's last failure?": that failure and
		// its week before, not the maintenance dates.
		return IntentStatus
	case len(q.Reported) > 0 && len(q.Assets) == 1 && doWhatRe.MatchString(q.Text) && !q.Write:
		// "pump1 motor smells hot and theres a burning smell, what do i
		// do first": a failure reported on one machine and what to do,
		// not a ranking ("first").
		return IntentDiagnose
	case injuryRe.MatchString(q.Text) && escalationAsked(q.Text):
		// "프레스쪽에서 손 다친사람 생김 어디 연락해야돼요??": whom to
		// call about the person, not the state of the machines named.
		return IntentProcedure
	case len(codesIn(q.Text)) > 0:
		return IntentCode
	case (partsAskRe.MatchString(q.Text) && !attendAskRe.MatchString(q.Text) || stockAskRe.MatchString(q.Text)) && !madeRe.MatchString(q.Text) && !q.Plan:
		return IntentParts
	case runUntilRe.MatchString(q.Text) && len(q.Assets) > 0 && !q.Output && (!q.Plan || plannedJobRe.MatchString(q.Text)):
		// "can we wait until next week to change the press 3 bearing?":
		// the machine's state against that time, not an output forecast.
		return IntentDiagnose
	case q.Metric != nil && (maintAskOf(q.Text) == nil || q.Metric.Key == "quality" || q.Metric.Key == "energy"):
		// "how many rejects yesterday?": a count of what the plant does not
		// measure, not of maintenance records.
		return IntentMetric
	}
	scores := map[Intent]int{}
	text := mealWordRe.ReplaceAllString(q.Text, "${1}midday${2}")
	text = periodBeforeRe.ReplaceAllString(text, " ") // "the day before?" is a time, not "happened before?"
	for in, ps := range intentPhrases {
		for _, ph := range ps {
			if ph.re.MatchString(text) {
				scores[in] += ph.weight
			}
		}
	}
	best, bestScore := Intent(""), 0
	for _, in := range intentOrder {
		if s := scores[in]; s > bestScore {
			best, bestScore = in, s
		}
	}
	entities := len(q.Assets)+len(q.Lines)+len(q.Series)+len(q.Unknown) > 0
	switch best {
	case "":
		switch {
		case q.Horizon.Ahead && (q.Output || q.Plan), planInProgress(&q):
			return IntentForecast
		case !q.Vague && len(q.Assets) > 0 && symptomRe.MatchString(q.Text) && !q.Plan:
			// "cnc 3 chatter marks on parts": a symptom on a machine, though
			// "parts" is an output word.
			return IntentDiagnose
		case q.Output || q.Plan:
			return IntentMetric
		case len(q.Reported) > 0, !q.Vague && len(q.Assets) > 0 && symptomRe.MatchString(q.Text):
			return IntentDiagnose
		case len(q.Sensors) > 0 && len(q.Assets) > 0 && !q.Vague && !q.Output && !q.Plan && (len(strings.Fields(q.Text)) <= 4 || showReadingsRe.MatchString(q.Text)):
			return IntentMetric // "press-3 temperature?", "show me temps on all the cncs": those readings
		case entities || len(q.Sensors) > 0 || q.Vague:
			return IntentStatus
		case workplaceRe.MatchString(q.Text), chatRe.MatchString(q.Text):
			return IntentOutOfScope
		case freshRe.MatchString(q.Text):
			return IntentStatus // "is all the data coming in?": the machines' data, plant-wide
		case q.Window.Named && !q.Horizon.Ahead:
			// "what went wrong last night?", "밤사이 별일 없었어?": a past
			// time and nothing else named is that time's summary.
			return IntentHandover
		case plantWordRe.MatchString(q.Text):
			// "tell me about the plant", "anything I should know before
			// my shift?", "공장 현황": the plant's state, worst first.
			return IntentRank
		}
		return ""
	case IntentStatus, IntentDiagnose, IntentMetric:
		if q.Horizon.Ahead && (q.Output || q.Plan) || planInProgress(&q) {
			return IntentForecast
		}
		if best == IntentStatus && !q.Vague && symptomRe.MatchString(q.Text) && len(q.Assets) > 0 {
			return IntentDiagnose // "pump-1 is making a rattling noise": a report
		}
		if (q.Plan || q.Output) && len(q.Assets) == 0 && best != IntentDiagnose {
			return IntentMetric
		}
		if best == IntentStatus && len(q.Reported) > 0 {
			return IntentDiagnose
		}
	case IntentRank:
		// "which line is furthest behind plan": a comparison of output against plan.
		if q.Plan || q.Output {
			return IntentCompare
		}
	case IntentCompare:
		if scores[IntentForecast] > 0 && (q.Output || q.Plan) && q.Horizon.Ahead {
			return IntentForecast
		}
	case IntentForecast:
		// "will press-3 bearing fail this week?", "프레스3 이번주에 고장
		// 날까?": the machine's outlook against its limits and its open
		// jobs, not its line's output forecast.
		if !q.Output && !q.Plan && len(q.Assets) > 0 && failAheadRe.MatchString(q.Text) {
			return IntentDiagnose
		}
		// "is press 3 ok? … tomorrow": a machine's state asked beside a
		// time word is its state, not its line's output forecast.
		if !q.Output && !q.Plan && len(q.Assets) > 0 && scores[IntentStatus] > 0 && scores[IntentForecast] <= 3 {
			return IntentStatus
		}
	case IntentHistory:
		if scores[IntentProcedure] > scores[IntentHistory] {
			return IntentProcedure
		}
	case IntentProcedure:
		// "cnc4 spindle running hot, what's the procedure?": a symptom on a
		// machine and no task named is what to do about it — the failure
		// mode's runbook, checked against the data — not the runbook that
		// shares its words (the spindle warm-up).
		if len(q.Reported) > 0 && len(q.Assets) > 0 && genericProcRe.MatchString(q.Text) && !taskVerbRe.MatchString(q.Text) {
			return IntentDiagnose
		}
		// "압축기 7.2바 안 올라갈때 뭐부터 봐야돼?", "compressor won't build
		// up to 7.2 bar, what should I check first?": a symptom on a
		// machine and what to look at first is its diagnosis.
		if checkFirstRe.MatchString(q.Text) && (len(q.Assets) > 0 || q.Type != "") && (len(q.Reported) > 0 || shortOfRe.MatchString(q.Text) || symptomRe.MatchString(q.Text)) && !taskVerbRe.MatchString(q.Text) {
			return IntentDiagnose
		}
	}
	return best
}

// checkFirstRe asks what to look at first; shortOfRe says a reading
// does not come up to its level ("can't reach 7.2 bar", "안 올라가").
var (
	checkFirstRe = regexp.MustCompile(`(?:뭐|무엇|뭘)부터 (?:봐야|확인|점검|해야|체크)|\bwhat (?:do|should) (?:i|we) (?:check|look at) first\b|\bfirst (?:thing )?to check\b|\bwhere (?:do|should) (?:i|we) start\b`)
	shortOfRe    = regexp.MustCompile(`\b(?:can'?t|cannot|won'?t|doesn'?t|does not|not) (?:reach|get (?:up )?to|build(?: up)?(?: to)?|hold|make)\b|\bnot reaching\b|안 ?(?:올라가|올라와|올라감|나와|나옴|잡혀|차)|못 ?(?:올라가|올라와|미쳐)|미달`)
)

// genericProcRe asks for "the procedure" without naming a task; taskVerbRe
// names one ("replace", "clean", "교체").
var (
	genericProcRe = regexp.MustCompile(`(?i)\bwhat(?:'s|s| is)? the (?:procedure|sop|process|drill)\b|\bwhich (?:procedure|sop|runbook)\b|\b(?:procedure|sop|runbook)\W*$|절차(?:가|는)? ?(?:뭐|어떻게|있)|조치 ?(?:절차|방법)|매뉴얼(?:은|이)? ?(?:뭐|어떻게)`)
	taskVerbRe    = regexp.MustCompile(`(?i)\b(?:replac|chang|clean|install|tension|lock|adjust|align|lubric|greas|remov|fit|swap|inspect|flush|bleed|warm)\w*|교체|청소|설치|조정|정렬|주입|분해|점검|세척`)
)

// planInProgress is whether a period under way will meet its plan ("are
// we on track to make today's plan?", "이번 주 목표 맞출 수 있어?"): what
// was made so far and the forecast of the rest, not the output so far.
func planInProgress(q *Query) bool {
	return q.Plan && !q.Horizon.Began.IsZero() && planMakeRe.MatchString(q.Text) && !didRe.MatchString(q.Text)
}

// inherit fills a follow-up from the thread: the entities of the latest
// earlier question that named any, its intent when this one has none (or
// only says "and …?"), its time when this one names none.
func (q *Query) inherit(earlier []string, now time.Time, p *plant.Plant) {
	follow := followUpRe.MatchString(q.Text) || len([]rune(q.Question)) < 40 ||
		// "is the belt slipping? check the past 3 days" after conveyor-1's
		// jams: a part or a failure of no machine named is the thread's.
		!q.Named && len(q.Unknown) == 0 && (len(q.Reported) > 0 || partModeIn(q.Text) != "")
	if !follow {
		return
	}
	// The previous question as it was understood in its own thread, so
	// that a chain of follow-ups keeps what the first one named.
	last := len(earlier) - 1
	ownNamed := q.Named // before the thread's names are taken
	pq := Understand(earlier[last], now, p, earlier[:last], tools.Scope{})
	prev := &pq
	q.Thread = strings.Join(earlier, "\n")
	if prev.Shortcut && !q.Shortcut && pushbackRe.MatchString(q.Text) && len(strings.Fields(q.Text)) <= 10 {
		// "why not? it only takes a second" after a safety no: the same
		// no, said again with why, about what the thread asked to skip.
		q.Shortcut, q.Pushback, q.Intent = true, true, IntentProcedure
		q.Text = prev.Text + "\n" + q.Text
	}
	if m := bareNumberRe.FindStringSubmatch(q.Text); m != nil && !q.Named && len(prev.Assets) == 1 {
		// "2번은?" after "3번 프레스 요즘 어때?": the machine of the same
		// kind with that number.
		if i := strings.LastIndex(prev.Assets[0], "-"); i > 0 {
			if a, ok := p.Asset(prev.Assets[0][:i+1] + m[1]); ok {
				q.Assets, q.Named, q.Unknown = []string{a.Name}, true, nil
				q.PlantWide = false
			}
		}
	}
	if !ownNamed && len(prev.Assets) <= 1 {
		// "아 5호기 말고 1호기", "sorry, not 5, number 1" after a machine of a
		// kind (or one the plant does not have, "프레스 5호기"): that kind's
		// machine with the last number said.
		if m := lastNumberRe.FindAllStringSubmatch(q.Text, -1); len(m) > 0 && len(q.Assets) == 0 && swapNumberRe.MatchString(q.Text) {
			if kind := threadKind(prev); kind != "" {
				if a, ok := p.Asset(kind + m[len(m)-1][1]); ok {
					q.Assets, q.Named, q.Unknown = []string{a.Name}, true, nil
					q.PlantWide = false
					if len(q.Sensors) == 0 {
						q.Sensors = prev.Sensors // the thread's "진동값"
					}
				}
			}
		}
	}
	if !q.Named && len(q.Unknown) == 0 && prev.Named {
		q.Assets, q.Lines, q.Series = prev.Assets, prev.Lines, prev.Series
		if len(q.Sensors) == 0 {
			q.Sensors = prev.Sensors
		}
		if len(q.Reported) == 0 {
			q.Reported = prev.Reported
		}
		q.FollowUp = true
		q.Named = true
	}
	// The intent carries over when this question states none of its own
	// (a new entity or a new time word: "and press 2?", "and yesterday?"),
	// or states only a status where the thread was about something else.
	weak := q.Intent == "" || q.Intent == IntentStatus && followUpRe.MatchString(q.Text) && prev.Intent != IntentStatus ||
		// "and saturday?": a bare time, which alone would be that time's
		// summary, is the thread's question of that time.
		q.Intent == IntentHandover && !ownNamed && followUpRe.MatchString(q.Text) && prev.Intent != IntentHandover && !phrased(IntentHandover, q.Text)
	if weak && prev.Intent != "" && prev.Intent != IntentOutOfScope {
		q.Intent = prev.Intent
		q.FollowUp = true
	}
	if q.FollowUp && !ownNamed && gapWhyRe.MatchString(q.Text) && (prev.Output || prev.Plan) && len(q.Assets) == 0 {
		// "why the gap?" after line 1's and line 2's output against plan:
		// every line the thread asked about, the widest gap first.
		lines := q.Lines
		for _, e := range earlier {
			for _, l := range p.Resolve(plant.Normalize(e)).Lines {
				lines = appendUnique(lines, l)
			}
		}
		q.Lines, q.Output, q.Plan = lines, prev.Output, prev.Plan
		q.Intent = IntentCompare
	}
	if q.FollowUp && q.Intent == IntentMetric && len(q.Assets) > 0 && beyondUsualAsk(q.Text) != 0 {
		// "is that higher than normal for it?" after a reading: the
		// verdict against its usual pattern, not the reading again.
		q.Intent = IntentStatus
	}
	// "and pump 1?" after "pump 2's pressure over the last week": the same
	// question of another machine — its sensor and its time carry over.
	if swapRe.MatchString(q.Text) && q.Named && len(q.Sensors) == 0 && q.Intent == prev.Intent {
		q.FollowUp = true
		for _, s := range prev.Sensors {
			for _, a := range q.Assets {
				if as, ok := p.Asset(a); ok && contains(as.Sensors, s) {
					q.Sensors = appendUnique(q.Sensors, s)
				}
			}
		}
	}
	if weak && prev.Intent == "" && (prev.Output || prev.Plan) && len(q.Sensors) == 0 {
		// "and saturday?" after "line 3 output last friday": the output
		// of that day.
		q.Output, q.Plan, q.FollowUp = q.Output || prev.Output, q.Plan || prev.Plan, true
	}
	if q.Intent == IntentDiagnose || q.Intent == IntentStatus {
		q.Plan = q.Plan || prev.Plan
		if q.Intent == IntentDiagnose && !ownNamed && (len(q.Sensors) == 0 || contains(q.Sensors, "output")) {
			q.Output = q.Output || prev.Output // "why was it lower?" of the thread's output
		}
	}
	if q.Intent == IntentForecast || q.Intent == IntentMetric || q.Intent == IntentCompare {
		q.Output, q.Plan = q.Output || prev.Output, q.Plan || prev.Plan
	}
	if (prev.Output || prev.Plan) && !q.Output && !q.Plan && len(q.Assets) == 0 && !slices.ContainsFunc(q.Sensors, func(s string) bool { return s != "output" && s != "plan" }) && breakdownAskRe.MatchString(q.Text) {
		// "which shift was worst?" after a line's output: that output by
		// shift, not the line's machines ranked.
		q.Output, q.Plan, q.Intent, q.FollowUp = prev.Output, prev.Plan, IntentMetric, true
	}
	if m := periodBeforeRe.FindStringSubmatch(q.Text); m != nil && prev.Window.Named && (!q.Window.Named || !strings.Contains(q.Text, "yesterday") && !strings.Contains(q.Text, "어제")) {
		// "what about the day before?": the period before the one the
		// thread asked about, as long as it.
		q.Window, q.WindowInherited = periodBefore(prev.Window, m), true
		q.Window.Named = true
		if moreLessRe.MatchString(q.Text) {
			// "그 전주보다 늘었어 줄었어?": the thread's period against the one
			// before it, not the one before alone.
			q.Window, q.Earlier = prev.Window, q.Window
		}
		if (q.Intent == "" || q.Intent == IntentHistory || q.Intent == IntentHandover) && prev.Intent != "" {
			q.Intent = prev.Intent // the same question of that period
			q.Output, q.Plan = q.Output || prev.Output, q.Plan || prev.Plan
		}
		q.FollowUp = true
	}
	if prev.Intent == IntentMaintenance && maintAskOf(q.Text) == nil && (whichFirstRe.MatchString(q.Text) || allTimeRe.MatchString(q.Text) || !ownNamed && len(strings.Fields(q.Text)) <= 6 && (worstLineRe.MatchString(q.Text) || bestLineRe.MatchString(q.Text) || regroupRe.MatchString(q.Text)) || q.Window.Named && q.Intent != IntentMaintenance && len(strings.Fields(q.Text)) <= 5) {
		// "which one first?" after the open work orders, "and last year?"
		// after a count of breakdowns, "and over the whole history?" after
		// a ranking, "라인별로 합치면?" after the machines' downtime: the
		// thread's maintenance question again.
		q.Intent, q.FollowUp = IntentMaintenance, true
	}
	if prev.Intent == IntentMaintenance && q.Intent == IntentMaintenance && maintAskOf(q.Text) != nil && !ownNamed && len(q.Unknown) == 0 && !allTimeRe.MatchString(q.Text) {
		// "다운타임은 총 얼마였어?" after "지난달 고장 몇 건이었어?": the same
		// period, and the breakdowns the thread counted.
		if !q.Window.Named && prev.Window.Named {
			q.Window, q.WindowInherited = prev.Window, true
		}
		if m := unplannedRe.FindString(prev.Text); m != "" && !unplannedRe.MatchString(q.Text) && !plannedRe.MatchString(q.Text) {
			q.Text += " " + m
		}
		q.FollowUp = true
	}
	if !q.Window.Named && prev.Window.Named && (q.Output || q.Plan) && (prev.Output || prev.Plan) && !ownNamed && !ongoingRe.MatchString(q.Text) {
		// "which line was worst vs plan?" after "output for all lines
		// yesterday": yesterday's.
		q.FollowUp = true
	}
	if allTimeRe.MatchString(q.Text) {
		// "over the whole history?": every record, not the thread's period.
		q.Window, q.WindowInherited = Span{}, false
	} else if !q.Window.Named && prev.Window.Named && q.FollowUp && !ongoingRe.MatchString(q.Text) {
		// Not "why does it keep rising?": that is about now, whatever
		// time the thread looked at before.
		q.Window, q.WindowInherited = prev.Window, true
		q.Earlier = prev.Earlier
	} else if prev.Window.Named && q.Window.Named && prev.Window.From != q.Window.From {
		q.Earlier = prev.Window
	}
	if !q.Horizon.Named && prev.Horizon.Named && q.FollowUp {
		q.Horizon = prev.Horizon
	}
	// Facts said earlier in the thread still hold.
	for _, e := range earlier {
		for _, f := range factsIn(plant.Normalize(e)) {
			if !hasFact(q.Facts, f) {
				q.Facts = append(q.Facts, f)
			}
		}
	}
	// A fact said now about the thread's machine is a follow-up on its symptom.
	if len(q.Facts) > 0 && q.Intent == "" || len(q.Facts) > 0 && len(factsIn(q.Text)) > 0 {
		if q.Intent == "" || q.Intent == IntentStatus {
			q.Intent = IntentDiagnose
		}
		if len(q.Reported) == 0 {
			q.Reported = prev.Reported
		}
	}
}

// regroupRe asks for the thread's figures summed another way ("라인별로
// 합치면?", "and by line?", "per machine?").
var regroupRe = regexp.MustCompile(`(?i)\b(?:by|per|for each|each) (?:line|machine|asset|type|model|component|part)s?\b|(?:라인|설비|기계|기종|모델|부품|유형|종류)\s*(?:별|마다)`)

// moreLessRe asks which way a figure went against another period ("up or
// down?", "늘었어 줄었어?", "그 전주보다").
var moreLessRe = regexp.MustCompile(`(?i)\b(?:more|less|fewer|higher|lower|up|down|better|worse)\b.{0,12}\b(?:or|than)\b|\bvs\.?\s|\bcompared?\b|늘었|줄었|많았|적었|나아졌|떨어졌|비교|대비|보다`)

// phrased says whether text says one of in's phrases (not an intent
// derived from what it names).
func phrased(in Intent, text string) bool {
	for _, ph := range intentPhrases[in] {
		if ph.re.MatchString(text) {
			return true
		}
	}
	return false
}

func hasFact(fs []factRule, f factRule) bool {
	for _, x := range fs {
		if x.Component == f.Component && x.Action == f.Action {
			return true
		}
	}
	return false
}

func appendUnique(ss []string, s string) []string {
	if contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// targetsOf are the assets of the query: named ones, else those of the named lines.
func targetsOf(q Query, p *plant.Plant) []string {
	out := append([]string(nil), q.Assets...)
	for _, s := range q.Series {
		if se, ok := p.SeriesNamed(s); ok && se.Asset != "" {
			out = appendUnique(out, se.Asset)
		}
	}
	if len(out) == 0 {
		for _, l := range q.Lines {
			if ln, ok := p.Line(l); ok {
				out = append(out, ln.Assets...)
			}
		}
	}
	return out
}

// linesOf are the lines of the query: named ones, else those of the named assets.
func linesOf(q Query, p *plant.Plant) []string {
	out := append([]string(nil), q.Lines...)
	for _, a := range q.Assets {
		if as, ok := p.Asset(a); ok && as.Line != "" {
			out = appendUnique(out, as.Line)
		}
	}
	for _, s := range q.Series {
		if se, ok := p.SeriesNamed(s); ok && se.Line != "" {
			out = appendUnique(out, se.Line)
		}
	}
	sort.Strings(out)
	return out
}

// broadOnly reports whether a question reaches the ranking only through
// plantWordRe (no rank phrase of its own).
func broadOnly(q Query) bool {
	for _, ph := range intentPhrases[IntentRank] {
		if ph.re.MatchString(q.Text) {
			return false
		}
	}
	return plantWordRe.MatchString(q.Text)
}

// periodBeforeRe is the period before the one a thread asked about ("the
// day before", "the previous week", "그 전날"): its unit in English (1 or
// 2) or in Korean (3).
var periodBeforeRe = regexp.MustCompile(`(?i)\bthe (day|week|month|shift|hour|one|night) before\b|\bthe previous (day|week|month|shift|hour|one|night)\b|그 ?(전날|전주|전달|전 교대|전날 밤)`)

// periodBefore is the span before w, as long as w (a month before for a
// month).
func periodBefore(w Span, m []string) Span {
	unit := strings.ToLower(m[1] + m[2] + m[3])
	if unit == "month" || unit == "전달" {
		return Span{From: w.From.AddDate(0, -1, 0), To: w.From, Label: "the month before", LabelKO: "그 전달"}
	}
	if unit == "night" || unit == "전날 밤" {
		// The same hours a day earlier: a night shift is not a day long.
		return Span{From: w.From.Add(-24 * time.Hour), To: w.To.Add(-24 * time.Hour), Label: "the night before", LabelKO: "그 전날 밤"}
	}
	d := w.To.Sub(w.From)
	label, ko := "the period before", "그 전 기간"
	switch unit {
	case "day", "전날":
		label, ko = "the day before", "그 전날"
	case "week", "전주":
		label, ko = "the week before", "그 전주"
	case "shift", "전 교대":
		label, ko = "the shift before", "그 전 교대"
	}
	return Span{From: w.From.Add(-d), To: w.From, Label: label, LabelKO: ko}
}

// bareNumberRe is a follow-up naming a machine by its number alone ("2번은?",
// "and 2?", "what about number 4?", "4호기는?").
// swapNumberRe and lastNumberRe find a correction to another number of
// the same kind of machine ("아 5호기 말고 1호기", "sorry, not 5, number 1",
// "I meant 2").
var (
	swapNumberRe = regexp.MustCompile(`(?i)말고|아니고|아니라|\bnot\b|\bi meant\b|\bmeant\b|\binstead\b`)
	lastNumberRe = regexp.MustCompile(`(\d{1,3})(?:\s*(?:번|호기)(?:은|는|요|이요)?)?(?:\s*\p{P}|\s*$|\s+(?:말고|아니고|아니라))`)
)

// threadKind is the kind prefix ("press-") of the one machine the earlier
// question named, or of the one it named that the plant does not have
// ("press-5": its nearest names are presses).
func threadKind(prev *Query) string {
	prefix := func(name string) string {
		if i := strings.LastIndex(name, "-"); i > 0 {
			return name[:i+1]
		}
		return ""
	}
	if len(prev.Assets) == 1 {
		return prefix(prev.Assets[0])
	}
	if len(prev.Unknown) == 1 && len(prev.Unknown[0].Closest) > 0 {
		k := prefix(prev.Unknown[0].Closest[0])
		for _, c := range prev.Unknown[0].Closest {
			if prefix(c) != k {
				return ""
			}
		}
		return k
	}
	return ""
}

var bareNumberRe = regexp.MustCompile(`(?i)^[\s\p{P}\p{S}]*(?:and |what about |how about |now )?(?:number |no\.? ?|#)?(\d{1,3})\s*(?:번|호기|번 ?설비)?\s*(?:은|는|도|이요|요)?[\s\p{P}\p{S}]*$`)

// showReadingsRe asks to be shown readings ("show me temps on all the
// cncs", "list the pump pressures", "온도 보여줘").
var showReadingsRe = regexp.MustCompile(`(?i)^\W*(?:show|list|give|get|pull up|display)(?: me)?\b|\bwhat are the\b|보여 ?줘|알려 ?줘|목록`)
