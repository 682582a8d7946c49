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
	"unicode"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// IntentMaintenance asks for counts and dates from the maintenance history ("when
// was cnc-3 last serviced?", "MTBF of the presses", "which line lost the
// most hours?", "bundle the open work orders for pump-2").
const IntentMaintenance Intent = "maintenance"

// maintAsk is one kind of maintenance question: its phrases and the
// maintenance_history aggregate that answers it. The first that matches wins.
type maintAsk struct {
	key       string
	re        *regexp.Regexp
	aggregate string
}

var maintAsks = []maintAsk{
	{"bundle", regexp.MustCompile(`\bbundle\w*\b|\bopen work ?orders?\b|\bone visit\b|\bwork ?orders? (?:open|pending|outstanding|backlog)\b|\bbacklog\b|작업 ?지시|묶어|한 번에 (?:처리|방문)`), "bundle"},
	// Before reliability: "how long does a crank bearing swap take?" is
	// the time of that part's replacements, not the MTTR of its repairs.
	{"swaptime", swapTimeRe, "records"},
	{"reliability", regexp.MustCompile(`(?:고장|정지)\S*.{0,12}(?:몇 ?일|며칠|몇 ?주|몇 ?달)\s*(?:마다|에 한 번)|\bhow often (?:does|do) .{0,30}\b(?:fail|break)\w*|\bmtbf\b|\bmttr\b|\breliab\w*|신뢰성|mean time (?:between|to)|\b(?:days|hours|weeks|time|long) between (?:\w+ )?(?:failures|breakdowns)\b|고장 간격|평균 (?:수리|고장)|\bhow long (?:does|did|do|will) .{0,40}\b(?:change|replacement|repair|swap|fix|overhaul)s?\b|(?:교체|수리|교환).{0,10}(?:얼마나 걸|시간이 얼마|몇 ?시간 ?(?:걸|정도))`), "reliability"},
	{"cost", regexp.MustCompile(maintCostPattern), "downtime"},
	{"downtime", regexp.MustCompile(`\bhow long (?:was|were) (?:it|they|we|the \w+|[a-z]+-\d+) down\b|몇 ?시간 ?(?:서 ?있었|섰었|섰어|멈춰 ?있었|멈췄었|정지했었|다운됐었)|\blost the most\b|\bmost (?:downtime|hours lost)\b|\bdowntime\b|\bhours lost\b|\blost (?:\d+ )?hours\b|정지 ?시간|다운타임|비가동|(?:고장|정지)\S*\s*(?:제일|가장)\s*(?:오래|길게)\s*(?:선|멈춘|멈췄던|정지한|서 ?있던|멈춰 ?있던)|(?:고장|정지|수리)(?:으로|나서|때문에)? ?(?:선|멈춘|멈췄던|정지한|서 ?있던) ?시간|(?:정비|보전|수리)\S* ?(?:때문에|로|으로)?.{0,10}(?:선|멈춘|멈췄던|정지한|서 ?있던) ?시간`), "downtime"},
	{"interval", regexp.MustCompile(replaceIntervalPattern), "records"},
	{"count", regexp.MustCompile(anyAlarmsPattern + `|` + alarmMostKO + `|(?:알람|경보)\s*(?:리스트|목록|내역)|\b(?:list|show)\b.{0,15}\b(?:alarms?|alerts?)\b|\b(?:alarms?|alerts?) (?:list|log)\b|(?:예방 ?정비|pm|피엠|점검|정비)\S*\s*(?:가장|제일) ?(?:많이|자주|적게)|\bmost (?:pms?|preventive|inspections|services)\b|\bhow many (?:errors?|alerts?|alarms?|warnings?|faults?|pms?|preventive|services|inspections?|checks|work ?orders)\b|` + alarmRecordsAsk + `|(?:에러|오류|알람|경보).{0,8}몇|\b(?:failed|fails|broke(?: down)?|breaks(?: down)?|broken down|tripped|jammed|clogged) (?:the )?(?:most|least)\b|\b(?:most|fewest|least|more) (?:[a-z][a-z0-9_-]* )?(?:failures|breakdowns|repairs|replacements|trips|work ?orders|incidents|problems|issues|stoppages|errors|alarms|alerts|warnings|faults)\b|(?:가장|제일) (?:많이|자주) 고장|고장.{0,6}(?:가장|제일) (?:많|잦)|\bhow (?:many|often)\b.{0,40}\b(?:times?|failures?|breakdowns?|clog\w*|fail\w*|broke\w*|trip\w*|jam\w*|stopp\w*)\b|\bhow often\b|몇 번|몇 회|횟수|` + commonModePattern + `|\bwhich (?:components?|parts?) (?:fails?|breaks?|wears?)\b|(?:종류|유형|기종|모델)별 ?(?:고장|정비|작업)|\b(?:number|count|total) of (?:failures|breakdowns|repairs|replacements|work ?orders|alarms|alerts|errors|stoppages|incidents)\b|\bincident (?:count|numbers)\b|\b(?:failures|breakdowns|repairs|alarms|alerts|errors)\b.{0,12}\b(?:by|per|for each) (?:component|part|machine|asset|line|type|model)\b|\b(?:incidents?|problems|issues) (?:per|by) (?:asset|machine|line|equipment|type)\b|(?:사고|문제).{0,6}(?:가장|제일) 많|(?:가장|제일) 많은 (?:사고|문제)|(?:설비|라인)별 (?:사고|문제)|(?:고장|정비|작업|알람|경보|에러|오류) ?(?:건수|횟수)|(?:pm|피엠|점검|정비).{0,10}몇 ?(?:건|번|회)`), "count"},
	{"next", regexp.MustCompile(`\bnext (?:service|maintenance|pm|inspection)\b|\b(?:pms?|preventive maintenance|services|inspections) (?:are |is )?(?:due|scheduled|coming up)\b|\b(?:pm|preventive maintenance) (?:schedule|plan|calendar)\b|\bdue for (?:service|maintenance|pm|an? inspection)\b|\b(?:need|needs|require|requires)\b.{0,12}\b(?:pm|service|servicing|maintenance|an? inspection)\b|다음 (?:점검|정비)|다음 ?(?:pm|피엠|예방 ?정비)|(?:점검|정비|pm)이? ?필요한`), "next_service"},
	// After "next": "when is press 1 due for service?" is its next service.
	{"due", regexp.MustCompile(dueAskPattern), "records"},
	{"replaced", replacedAskRe, "records"},
	{"duration", regexp.MustCompile(jobDurationPattern), "records"},
	{"longest", regexp.MustCompile(longestWithoutPattern), "last_service"},
	{"last", regexp.MustCompile(`\b(?:last|latest|most recent) (?:fail\w*|breakdown|broke)|\bwhen did .{0,30}\blast (?:(?:actually|really|properly) )?(?:fail|break|broke)|\blast (?:serviced|service|maintained|maintenance|pm|inspect\w*|repair\w*|overhaul\w*)\b|\bwhen (?:was|were|did) .{0,30}(?:serviced|maintained|inspected|repaired|overhauled|last)\b|마지막(?:으로)? ?(?:점검|정비|보전|수리|pm|피엠)|언제 (?:점검|정비)|최근 (?:점검|정비)|마지막으?로? ?손 ?(?:본|봤|댄)|언제 손 ?(?:봤|본|댔)|` + lastFailureKO), "last_service"},
}

// maintTimeRe is a time word of a maintenance question, left out when a
// follow-up asks it again of another time.
var maintTimeRe = regexp.MustCompile(`\b(?:this|last|past|previous) (?:year|month|quarter|week)\b|\b(?:in|over) the (?:last|past) \d+ (?:days|weeks|months|years)\b|\bin \d{4}\b|올해|작년|지난 ?(?:해|달|주|분기)|이번 ?(?:달|주|분기)|최근 ?\d+ ?(?:일|주|개월|달|년)`)

// listTimesRe asks when each of the thread's records was ("그거
// 언제언제야?", "when were they?").
var listTimesRe = regexp.MustCompile(`언제언제|언제 ?언제|몇 ?시 ?몇 ?시|\bwhen (?:were|did) (?:they|those|these)\b|\bwhat (?:times|dates)\b|\bwhich (?:days|dates|times)\b`)

// jobDurationPattern asks how long a job of the records usually takes
// ("how long does that job usually take?", "스트레이너 청소 보통 얼마나
// 걸려?"); a repair's time is reliability's MTTR.
const jobDurationPattern = `\bhow long (?:is|are|should|would|will) .{0,40}\btake\b|\bhow long (?:does|do|did|will) (?:that|this|the|a|an|each|it|one)\b.{0,30}\b(?:job|pm|service|cleaning|check|inspection|work|task|round|route)s?\b.{0,20}\btake\b|\bhow long (?:does|do) (?:that|this|it) (?:usually |normally |typically )?take\b|\b(?:usual|typical|average) (?:duration|time) (?:of|for)\b|(?:청소|점검|정비|교체|pm|작업)\S*\s*(?:보통|평소에?|대개|평균)?\s*(?:얼마나|몇 ?(?:분|시간)) ?(?:걸려|걸리|소요)|(?:그거|그것|그건|그 ?작업|이거|이 ?작업)\s*(?:하면|하는 ?데|하려면|하는 ?거)?\s*(?:보통|평소에?|대개|평균)?\s*(?:얼마나|몇 ?(?:분|시간)) ?(?:걸려|걸리|소요)`

// longestWithoutPattern asks which machine has gone longest without
// service ("which machine has gone longest without a PM?", "PM 안 한 지
// 제일 오래된 설비"): machines by their last service, oldest first.
const longestWithoutPattern = `\blongest (?:without|since)\b.{0,20}\b(?:pm|service|servic\w*|maintenance|inspection|check)|\b(?:pm|service|maintenance|inspection)\b.{0,12}\b(?:longest ago|the longest time ago)\b|\b(?:oldest|least recent) (?:pm|service|maintenance|inspection)\b|\bnot (?:been )?(?:serviced|maintained|inspected|pm'?d) (?:for )?the longest\b|(?:pm|정비|점검)\S*\s*(?:안 ?한|안 ?받은|못 ?한) ?(?:지|기간)?\S*\s*(?:가장|제일) ?오래`

// lastFailureKO asks when a machine last failed ("컴프 마지막으로 고장난
// 게 언제야?", "언제 고장났었지?").
const lastFailureKO = `마지막으?로? ?고장|최근 ?고장(?:난|은|이|났던)? ?(?:게|거|것|때|적)? ?언제|고장(?:난|났던|이 난) ?(?:게|거|것|때|적)? ?언제|언제 고장`

// anyAlarmsPattern asks whether there were alarms or failures in the time a
// thread named ("any alarms that day?", "그날 알람 있었어?"): their records,
// counted ("were there any alarms overnight?" asks how the night went).
const anyAlarmsPattern = `\b(?:any|were there|was there|did we have|did it have|did we get)\b.{0,15}\b(?:alarms?|alerts?|errors?|faults?|failures?|breakdowns?)\b.{0,15}\b(?:that day|then|that shift|that night|that week|on that day)\b|(?:그날|그때|그 날|그 주|그 교대).{0,12}(?:알람|경보|에러|오류|고장)\S*\s*(?:있었|났었|났어|떴|발생했)`

// alarmMostKO ranks machines by their alarm records ("최근 한달간 알람
// 제일 많이 뜬 설비 어디야?").
const alarmMostKO = `(?:알람|경보|에러|오류).{0,12}(?:가장|제일) ?(?:많|자주)|(?:가장|제일) ?(?:많이|자주) ?(?:뜬|울린|난|발생한|나온) ?(?:알람|경보|에러|오류)`

// unplannedRe limits downtime or cost to failures ("unplanned downtime",
// "breakdowns", "고장", "돌발").
var unplannedRe = regexp.MustCompile(`(?i)breakdown|failure|unplanned|unscheduled|\b(?:failed|broke|went|seized)\b|고장|돌발|비계획|나갔을|나갔던|터졌|망가졌`)

// pmWordRe names preventive maintenance itself ("PM", "예방정비").
var pmWordRe = regexp.MustCompile(`(?i)\bpms?\b|\bpreventive\b|예방 ?정비|피엠`)

// plannedRe limits downtime or cost to preventive work ("PM downtime",
// "planned maintenance", "예방정비").
var plannedRe = regexp.MustCompile(`(?i)\bpms?\b|\bpreventive\b|\bplanned\b|\bscheduled\b|예방 ?정비|계획 ?정비|피엠`)

// maintCostPattern asks what maintenance or breakdowns cost ("how much
// did breakdowns cost us?", "what did we spend on maintenance?", "수리
// 비용"): the costs the records state, or that they state none.
const maintCostPattern = `\b(?:cost|costs|costing|spend|spent|spending|expens\w*)\b.{0,40}\b(?:breakdowns?|failures?|repairs?|maintenance|downtime|work ?orders?|fix\w*)\b|\b(?:breakdowns?|failures?|repairs?|maintenance|downtime|work ?orders?)\b.{0,40}\b(?:cost|costs|costing|spend|spent|expens\w*)\b|(?:정비|수리|고장|보전|유지보수).{0,10}(?:비용|돈|지출)|(?:비용|지출).{0,10}(?:정비|수리|고장|보전)`

// alarmRecordsAsk asks for the logged alarms themselves ("what alarms
// came in last night?", "show me the alarm log for pump 2", "when was the
// last alarm on press 3?"): the records, newest first, with their count.
// "Alarm limits" are limits, not records; an alarm reported ("the speed
// alarm went off twice") is a symptom, and "were there any alarms
// overnight?" asks how the night went.
const alarmRecordsAsk = `\b(?:list|show(?: me)?)\b.{0,20}\b(?:failures|breakdowns|repairs|work ?orders|replacements)\b|\b(?:list|show(?: me)?|which|what)\b.{0,20}\b(?:alarms|alerts|errors|faults|warnings)\b|\b(?:alarm|alert|error|fault) (?:log|history|list|records?)\b|\b(?:last|latest|most recent|newest) (?:alarm|alert|error|fault)s?\b|\b(?:raise|raised|log|logged) (?:any )?(?:alarms?|alerts?)\b|(?:알람|경보|에러|오류) ?(?:이력|기록|목록)|(?:마지막|최근) (?:알람|경보)|(?:알람|경보)\S*\s*(?:뭐|뭔|무슨|어떤|(?:떴|울렸|들어왔)(?:어|나|냐|는지|니|습니까))|(?:뭐|뭔|무슨|어떤)\s*(?:알람|경보)`

// replacedAskRe asks when a part was last replaced or changed ("when was
// the bearing on press 3 last replaced?", "last bearing change on press 3").
var replacedAskRe = regexp.MustCompile(replacedAskPattern)

// replacedAskPattern is replacedAskRe's pattern, which the intent phrases share.
const replacedAskPattern = `\b(?:last|latest|most recent|previous)\b.{0,30}\b(?:replace\w*|change[ds]?|changeout|swap\w*)\b|\bwhen (?:was|were|did) .{0,40}\b(?:replaced|changed|swapped)\b|\b(?:replaced|changed|swapped)\b.{0,20}\blast\b|(?:마지막|최근|언제).{0,15}(?:(?:교체|교환)(?:했|한|된|됐|하셨)|갈았|갈아 ?끼웠|바꿨|바꾼)|(?:교체|교환)(?:했|한|된|됐).{0,10}(?:언제|마지막)|(?:갈았|바꿨).{0,10}(?:언제|마지막)|마지막\s*(?:교체|교환)|` + partChangedKO

// partChangedKO asks when a part was last changed, said with "갈다"'s
// short form ("마지막으로 필터 간게 언제야?", "필터 간 지 얼마나 됐어?").
const partChangedKO = `(?:마지막|최근|언제).{0,15}` + partGoneKO + `|` + partGoneKO + `.{0,10}(?:언제|마지막|얼마)`

// partGoneKO is a part and "간" (changed): "필터 간게", "베어링 간 날".
const partGoneKO = `(?:필터|스트레이너|베어링|벨트|씰|임펠러|엘리먼트|오일|부품|매트)\S{0,2}\s*(?:(?:마지막으로|마지막에|최근에?|언제)\s+)?(?:간|갈은|갈아 ?준)\s*(?:게|거|것|지|때|날|적)`

// failAskRe asks about failures rather than service.
var failAskRe = regexp.MustCompile(`\bfail\w*|\bbreak\w*|\bbroke\w*|고장`)

// betweenFailuresRe asks for the time between failures.
var betweenFailuresRe = regexp.MustCompile(`\b(?:days|hours|weeks|time|long) between (?:\w+ )?(?:failures|breakdowns)\b|고장 간격`)

// openRankRe ranks machines by their open work; oldestOpenRe asks for the
// open work that has waited longest.
var (
	openRankRe   = regexp.MustCompile(`\b(?:most|fewest|least|more)\b.{0,12}\bopen (?:work ?orders?|jobs?|tickets?)\b|열린 작업.{0,10}(?:가장|제일) 많`)
	oldestOpenRe = regexp.MustCompile(`\b(?:oldest|longest[- ]open|open the longest|waiting the longest)\b|가장 오래된 (?:작업|정비)`)
)

// downtimeHoursRe asks for hours of downtime ("how many hours of downtime
// did line 1 have?", "how many breakdowns … and how much downtime?"): the
// downtime figure, which counts the failures too, though it starts "how
// many".
var downtimeHoursRe = regexp.MustCompile(`\bhours? (?:of )?(?:downtime|down|lost|stopped)\b|\bdowntime hours\b|\b(?:how much|what|and(?: the)?(?: total)?|plus(?: the)?|with(?: the)?) downtime\b|\bhow long (?:were|was) (?:we|it|they) down\b|정지 ?시간|다운타임`)

// bundleWordRe asks for open work grouped into visits.
var bundleWordRe = regexp.MustCompile(`\bbundle\w*\b|\bone visit\b|\btogether\b|\bgroup\w*\b|묶어|한 번에`)

// openListPattern asks for the open work itself ("what work orders are
// open for pump 2?", "whats open on pump 2? i see a bunch of WOs", "is there a WO open on it?", "미완료 작업오더 목록",
// "걸려있는 작업 몇 건이에요?"): listed by due date, not bundled.
const openListPattern = `\bopen work ?orders?\b|\bwhat(?:'?s| is| are)? (?:still |currently )?open\b|\b(?:bunch|lot|lots|list) of (?:open )?work ?orders\b|\bwork ?orders?\b.{0,25}\b(?:open|pending|outstanding)\b|\b(?:wos?|jobs?|tickets?)\b.{0,12}\b(?:open|pending|outstanding)\b|\bopen (?:wos?|jobs?|tickets?)\b|(?:열린|열려 ?있는|오픈된|오픈 된|오픈|미완료|미결|걸려 ?있는|남은|진행 ?중인|밀린) ?(?:작업 ?지시|작업 ?오더|오더|작업|work ?orders?|wo)|작업 ?(?:지시|오더).{0,8}(?:뭐|목록|몇 ?건|있)`

var openListRe = regexp.MustCompile(openListPattern)

// woRe finds the shorthand "WO"/"WOs" for a work order ("open WOs on pump
// 2?"), not a work order's id ("WO-P2-101").
var woRe = regexp.MustCompile(`(?i)\bwo(s?)(\s|[?.!,;:]|$|[은는이가을를도의에])`)

// countFirst marks a question that asks for a number of records first
// ("how many work orders are open?"): a count, not a bundle.
var countFirst = regexp.MustCompile(`^\W*how many\b|몇 ?(?:번|건|회|개)`)

// maintAskOf returns the maintenance question a text asks, if any.
func maintAskOf(text string) *maintAsk {
	text = woRe.ReplaceAllString(text, "work order$1$2")
	byKey := func(k string) *maintAsk {
		for i := range maintAsks {
			if maintAsks[i].key == k {
				return &maintAsks[i]
			}
		}
		return nil
	}
	switch {
	case openRankRe.MatchString(text):
		return byKey("count") // "which machine has the most open work orders?": a ranking, not visits
	case oldestOpenRe.MatchString(text):
		return byKey("due") // "what's the oldest open work order?": the open work, oldest first
	case openListRe.MatchString(text) && !bundleWordRe.MatchString(text):
		return byKey("due") // "what work orders are open for pump 2?": the open work, by due date
	case byKey("bundle").re.MatchString(text) && byKey("due").re.MatchString(text) && !bundleWordRe.MatchString(text):
		return byKey("due") // "open work orders due this week": those due, not visits
	}
	if costOfTimeRe.MatchString(text) && !moneyRe.MatchString(costOfTimeRe.ReplaceAllString(text, " ")) {
		return byKey("downtime") // "which machine cost us the most downtime?": hours, not money
	}
	if betweenFailuresRe.MatchString(text) || mtbfNamedRe.MatchString(text) {
		// "how many failures … and what's its MTBF?": the reliability
		// figures, which count the failures too.
		// "how many days between failures?": the MTBF, not a count.
		for i := range maintAsks {
			if maintAsks[i].key == "reliability" {
				return &maintAsks[i]
			}
		}
	}
	if countFirst.MatchString(text) && !downtimeHoursRe.MatchString(text) {
		for i := range maintAsks {
			if maintAsks[i].key == "count" {
				return &maintAsks[i]
			}
		}
	}
	for i := range maintAsks {
		if maintAsks[i].key == "swaptime" && !swapTimeAsked(text) {
			continue // "how long will it run before the bearing needs replacing?"
		}
		if maintAsks[i].re.MatchString(text) {
			return &maintAsks[i]
		}
	}
	return nil
}

// costOfTimeRe says what something cost in time ("which machine cost us
// the most downtime?", "cost us 12 hours"); moneyRe names money.
var (
	costOfTimeRe = regexp.MustCompile(`(?i)\bcost(?:s|ing)?\b (?:us |the plant |the line |them |it |me )?(?:the )?(?:most |more |much |least |a lot of |so much |\d+(?:\.\d+)? )?(?:hours? (?:of )?)?(?:downtime|hours|uptime|production time|production hours)\b`)
	moneyRe      = regexp.MustCompile(`(?i)\bmoney\b|[$€£₩]|\b(?:dollars?|euros?|won|budget|spend\w*|spent|expens\w*|price\w*|cash)\b|비용|돈|지출|금액|원가`)
)

// mtbfNamedRe names a reliability figure.
var mtbfNamedRe = regexp.MustCompile(`(?i)\bmtbf\b|\bmttr\b|\bmean time (?:between|to)\b|고장 간격|평균 수리|평균 고장`)

// componentWords are parts people name in maintenance questions, as the
// records name them (a part of the component's name matches).
var componentWords = []struct {
	re       *regexp.Regexp
	part, ko string
}{
	{regexp.MustCompile(`strainer|스트레이너`), "strainer", "스트레이너"},
	{regexp.MustCompile(`filter|필터`), "filter", "필터"},
	{regexp.MustCompile(`bearing|베어링`), "bearing", "베어링"},
	{regexp.MustCompile(`\bbelt|벨트`), "belt", "벨트"},
	{regexp.MustCompile(`\bseal\b|씰`), "seal", "씰"},
	{regexp.MustCompile(`impeller|임펠러`), "impeller", "임펠러"},
}

// partWord names a part of componentWords in the answer's language
// (another part as the records name it).
func (r *run) partWord(part string) string {
	for _, c := range componentWords {
		if c.part == part && r.ko() {
			return c.ko
		}
	}
	return part
}

// workDoneWords name work that records carry only in their titles
// ("lubrication and clutch/brake check"): "did anyone grease press 3?",
// "when was pump 1 last cleaned?". title is what the title contains.
var workDoneWords = []struct {
	re           *regexp.Regexp
	title        string
	what, whatKO string
}{
	{regexp.MustCompile(`\boil (?:change|service)|오일 ?(?:교환|교체)`), "oil", "oil service", "오일 정비"},
	{regexp.MustCompile(`\bgreas\w*|\blubric\w*|\blubed?\b|\boil(?:ed|ing)\b|윤활|그리스|구리스|급유|주유`), "lubric", "lubrication", "윤활"},
	{regexp.MustCompile(`\bclean(?:ed|ing|s)?\b|청소|세척`), "clean", "cleaning", "청소"},
	{regexp.MustCompile(`\bcalibrat\w*|교정|캘리브레이션`), "calibrat", "calibration", "교정"},
	{regexp.MustCompile(`\b(?:re)?align(?:ed|ing|ment)?\b|정렬|얼라인`), "align", "alignment", "정렬"},
}

// workDoneAskPattern asks whether or when such work was done ("did anyone
// grease press 3 recently?", "when was pump 1 last cleaned?", "프레스 3
// 최근에 그리스 넣은 적 있어?").
const workDoneAskPattern = `\b(?:did|has|have|had)\s+(?:anyone|anybody|someone|somebody|we|they|maintenance)\s+(?:\w+\s+){0,2}(?:greas\w*|lubric\w*|lubed?|oiled|clean(?:ed)?|calibrat\w*|(?:re)?align(?:ed)?)\b|\b(?:last|latest|most recent)\b.{0,20}\b(?:greas\w*|lubric\w*|lube|clean(?:ed|ing)|calibrat\w*|alignment)\b|\bwhen (?:was|were|did)\b.{0,40}\b(?:greased|lubricated|lubed|oiled|cleaned|calibrated|aligned)\b|(?:그리스|구리스|윤활|급유|주유|청소|세척|교정).{0,12}(?:언제|한 ?적|넣은 ?적|했나|했니|했는지|(?:했|넣었)어\s*\?)`

// workDone is the entry of workDoneWords the question names, or nil.
func workDone(text string) *struct {
	re           *regexp.Regexp
	title        string
	what, whatKO string
} {
	for i := range workDoneWords {
		if workDoneWords[i].re.MatchString(text) {
			return &workDoneWords[i]
		}
	}
	return nil
}

// workOrderWords and openWords mark a count of work orders, and of the
// open ones.
var (
	workOrderWords = regexp.MustCompile(`\bwork ?orders?\b|\bwos?\b|작업 ?지시`)
	openWords      = regexp.MustCompile(`\bopen\b|\boutstanding\b|\bpending\b|미완료|열린|진행 중`)
)

// componentBeforeRe finds the word before "failures" or "replacements":
// the component, when it is no other kind of word ("comp2 failures").
var componentBeforeRe = regexp.MustCompile(`\b([a-z][a-z0-9_-]{1,30})\s+(?:failures?|replacements?)\b`)

// componentCodeRe finds a component code after "of" or "for" ("comp2",
// "c-12"): letters with a digit, as CMMS exports name parts.
var componentCodeRe = regexp.MustCompile(`\b(?:of|for|on) (?:the )?([a-z]+-?\d+[a-z]?)\b`)

// notComponent are words that come before "failures" and name no part.
var notComponent = map[string]bool{"between": true, "in": true, "on": true, "for": true, "with": true, "and": true, "or": true, "no": true, "many": true, "the": true, "total": true, "all": true, "any": true, "recent": true, "past": true,
	"previous": true, "more": true, "those": true, "these": true, "such": true, "new": true, "of": true, "its": true, "their": true,
	"machine": true, "machines": true, "equipment": true, "most": true, "fewest": true, "least": true, "asset": true, "assets": true, "unplanned": true, "planned": true, "major": true, "minor": true,
	"common": true, "frequent": true, "usual": true, "typical": true, "biggest": true, "main": true, "top": true, "commonest": true,
	// Prepositions and other function words ("downtime from failures").
	"from": true, "to": true, "by": true, "after": true, "before": true, "about": true, "since": true, "during": true, "than": true,
	"at": true, "into": true, "over": true, "under": true, "without": true, "due": true, "caused": true, "because": true, "like": true,
	// Verbs and question words ("compare failure downtime in october and november").
	"compare": true, "show": true, "list": true, "count": true, "rank": true, "plot": true, "chart": true, "sum": true, "average": true,
	"get": true, "give": true, "what": true, "which": true, "how": true, "did": true, "were": true, "was": true, "are": true, "is": true,
	"tell": true, "check": true, "see": true, "find": true, "pull": true, "summarize": true, "summarise": true,
	"last": true, "first": true, "repeat": true, "repeated": true, "several": true, "few": true, "some": true, "our": true, "my": true,
	"this": true, "that": true, "same": true, "other": true, "every": true, "each": true, "real": true, "actual": true, "sudden": true,
	"unexpected": true, "serious": true, "mechanical": true, "electrical": true}

// namedComponent returns a part named before "failures" that the plant's
// vocabulary does not otherwise know (a CMMS's own component names, such
// as comp2), or "".
func namedComponent(q Query, p *plant.Plant) string {
	m := componentBeforeRe.FindStringSubmatch(q.Text)
	if m == nil {
		// "the MTBF of comp2": a CMMS component code (letters and a
		// digit) after "of" or "for".
		m = componentCodeRe.FindStringSubmatch(q.Text)
	}
	if m == nil || notComponent[m[1]] {
		return ""
	}
	w := m[1]
	if _, ok := p.Line(w); ok || strings.HasPrefix(w, "line") {
		return ""
	}
	if _, ok := p.Asset(w); ok || len(p.AssetsOfType(w)) > 0 || len(p.AssetsOfType(strings.TrimSuffix(w, "s"))) > 0 {
		return ""
	}
	for _, t := range plant.EquipmentTypes {
		if t.Matcher().MatchString(w) {
			return ""
		}
	}
	return w
}

// codeTokenRe is a CMMS component code: letters then a digit ("comp2").
var codeTokenRe = regexp.MustCompile(`\b[a-z]+\d+[a-z]?\b`)

// componentCode returns the first component code the question names that
// is no asset, line or alias of the plant, or "".
func componentCode(q Query, p *plant.Plant) string {
	for _, w := range codeTokenRe.FindAllString(q.Text, -1) {
		if _, ok := p.Asset(w); ok {
			continue
		}
		if _, ok := p.Line(w); ok || strings.HasPrefix(w, "line") {
			continue
		}
		if len(p.AssetsOfType(strings.TrimRight(w, "0123456789"))) > 0 {
			continue // "cnc3", "press3": a machine said without its hyphen
		}
		return w
	}
	return ""
}

// alertWords mark a count of logged errors and alarms rather than of failures.
var alertWords = regexp.MustCompile(`\berrors?\b|\balerts?\b|\balarms?\b|\bwarnings?\b|\bfaults?\b|에러|오류|알람|경보`)

// serviceWords mark a count of maintenance work rather than of failures.
var serviceWords = regexp.MustCompile(`\bservic\w*|\bmaintain\w*|\bmaintenance\b|\bpms?\b|\bpreventive\b|정비|피엠`)

// inspectionWords count inspections ("how many inspections did we log on
// cnc-2?", "점검 몇 번").
var inspectionWords = regexp.MustCompile(`\binspect\w*|\bchecks\b|\brounds?\b|\bsurveys?\b|점검|순회`)

// whichComponent / commonMode ask for failures ranked by the part that
// failed or by failure mode ("which component fails most often?", "the
// most common failure on the presses?", "가장 흔한 고장 유형").
var (
	whichComponent = regexp.MustCompile(`\bwhich (?:components?|parts?)\b|\b(?:by|per|for each|each) (?:component|part)\b|\b(?:components?|parts?)\b.{0,20}\b(?:most|often|frequent\w*)\b|(?:어느|어떤|무슨) 부품|부품.{0,10}(?:가장|제일|자주|많이)|(?:가장|제일).{0,12}부품|부품별`)
	commonMode     = regexp.MustCompile(commonModePattern)
)

// commonModePattern is commonMode's pattern, which the count ask shares.
const commonModePattern = `\b(?:most|least) (?:common|frequent|usual)\b.{0,20}\b(?:failures?|breakdowns?|faults?|problems?|issues?|causes?|modes?)\b|\b(?:commonest|top|main|biggest) (?:failure|breakdown|fault)s?(?: modes?| types?| causes?)?\b|\bfailure (?:modes?|types?)\b|\bwhat (?:usually|most often|typically) (?:fails|breaks|goes wrong)\b|(?:가장|제일) (?:흔한|많은|잦은|자주 나는) (?:고장|문제|불량)|고장 ?(?:유형|모드)|고장 ?원인별`

// whichType asks for figures per type or model of machine ("which model
// has the most failures?", "which type of machine fails the most?", "설비
// 종류별 고장 건수").
var whichType = regexp.MustCompile(`\bwhich (?:models?|types?|kinds?|makes?|classes?)\b|\b(?:by|per) (?:machine |equipment |asset )?(?:type|model|kind)s?\b|\b(?:machine|equipment|asset) (?:types?|models?)\b.{0,20}\bmost\b|어느 (?:모델|기종|유형)|(?:설비|기계) ?(?:종류|유형|기종)별|기종별|모델별|종류별`)

// whichLine / whichAsset ask for a ranking by line or machine.
var (
	whichLine  = regexp.MustCompile(`\bwhich line\b|\blines?\b.{0,20}\bmost\b|\b(?:by|per|for each|each) line\b|어느 라인|어떤 라인|라인별|라인마다`)
	whichAsset = regexp.MustCompile(`\bwhich (?:machines?|assets?|equipment|ones?)\b|(?:가장|제일)\s*(?:길었던|길었|긴|많았던|많은|오래)\S*\s*(?:설비|기계)|\btop \d+ (?:machines|assets)\b|\b(?:machines|assets) by\b|\b(?:by|per|for each|each) (?:machine|asset)\b|설비마다|기계별|\bmachines?\b.{0,20}\bmost\b|어느 설비|어떤 설비|설비별|(?:가장|제일) (?:많이|자주) 고장\S* (?:설비|기계)|(?:설비|기계).{0,6}(?:가장|제일)|(?:가장|제일) 많은\S* (?:설비|기계)|많은 (?:설비|기계)는|(?:가장|제일) ?(?:많이|자주|적게) (?:\S+ ){0,2}(?:설비|기계)|(?:가장|제일) ?(?:오래|길게) (?:\S+ ){0,2}(?:설비|기계)|(?:설비|기계) ?top ?\d|\btop ?\d+\b|랭킹|순위`)
)

// maintenance answers a question about the maintenance history from the
// records: the figures, and the records behind them. Without history it
// says what it would need, as the metric table does.
func (r *run) maintenance() {
	if checkedSinceRe.MatchString(r.q.Text) && len(r.q.Assets) == 1 {
		r.checkedSince(r.q.Assets[0])
		return
	}
	if ask := maintAskOf(r.q.Text); histFixRe.MatchString(r.q.Text) && len(r.q.Assets) == 1 && !r.q.Window.Named && (ask == nil || ask.key == "count") {
		// "how often has pump 2's strainer clogged and how did we fix
		// it?": its cases, counted, each with what fixed it.
		r.history()
		return
	}
	r.maintenanceAs("")
	ts := targetsOf(r.q, r.p)
	if len(ts) == 1 && len(r.q.Sensors) > 0 && (stateAskRe.MatchString(r.q.Text) || directionAskRe.MatchString(r.q.Text)) && !r.q.Window.Named && r.a.Situation != "" {
		// "filler pressure normal? when was the filter last changed": the
		// reading's state first, then the records.
		r.a.Situation = joinLines(append(r.stateFirst(ts[0]), r.a.Situation))
	}
	if len(ts) == 1 && plannedAskRe.MatchString(r.q.Text) && !strings.Contains(r.a.Situation, r.msg("maint.planned_mark")) {
		// "WO 언제까지임? 작업시간 얼마 잡혀있어?": the job's planned time too.
		if l := r.plannedLine(ts[0]); l != "" {
			r.a.Situation = joinLines([]string{r.a.Situation, l})
		}
	}
}

// maintenanceAs is maintenance for the ask with that key ("": the one
// the question asks).
func (r *run) maintenanceAs(key string) {
	q := r.q
	ask := maintAskOf(q.Text)
	if q.FollowUp && listTimesRe.MatchString(q.Text) {
		// "그거 언제언제야?" after "프레스3 알람 몇번 떴어?": the thread's
		// count, whose records say when.
		if lines := strings.Split(strings.TrimSpace(q.Thread), "\n"); len(lines) > 0 {
			if prev := maintAskOf(lines[len(lines)-1]); prev != nil && prev.key == "count" {
				ask = prev
				r.q.Text += " " + lines[len(lines)-1]
				q = r.q
			}
		}
	}
	if q.FollowUp && ask == nil && workDone(q.Text) == nil {
		// "which one first?", "and last year?", "and over the whole
		// history?": the thread's latest maintenance question, of this
		// one's time (its own time words left out). A question naming work
		// done ("스트레이너 청소는 마지막으로 언제 했어?") is its own.
		lines := strings.Split(strings.TrimSpace(q.Thread), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			prev := maintAskOf(lines[i])
			if prev == nil {
				continue
			}
			ask = prev
			extra := maintTimeRe.ReplaceAllString(plant.Normalize(lines[i]), " ")
			if whichFirstRe.MatchString(q.Text) && (prev.key == "bundle" || prev.key == "due") {
				ask, extra = maintAskOf("due first"), extra+" due first"
			}
			r.q.Text += " " + extra
			q = r.q
			break
		}
	}
	for i := range maintAsks {
		if maintAsks[i].key == key {
			ask = &maintAsks[i]
		}
	}
	if ask == nil {
		ask = &maintAsks[len(maintAsks)-1]
	}
	if a, b, paired := namedPair(q.Text, r.now, r.p); paired && key == "" && (ask.key == "downtime" || ask.key == "count" || ask.key == "cost") && !(q.FollowUp && whyRe.MatchString(q.Question)) {
		// "10월이랑 11월 고장 정지시간 비교해줘": the same figure over each
		// period named, the earlier first.
		if b.From.Before(a.From) {
			a, b = b, a
		}
		var lines []string
		for _, w := range []Span{a, b} {
			r.q.Window = w
			r.q.Window.Named = true
			r.a.Situation = ""
			r.maintenanceAs(ask.key)
			lines = append(lines, r.a.Situation)
		}
		r.q = q
		r.a.Situation = joinLines(append([]string{r.msg("maint.pair")}, lines...))
		return
	}
	args := map[string]any{"aggregate": ask.aggregate}
	targets := append([]string(nil), q.Assets...)
	switch {
	case len(targets) == 1:
		args["asset"] = targets[0]
	case q.Type != "" && !q.FollowUp:
		args["asset_type"] = q.Type // one figure for the type, its records behind it
	case len(targets) > 1:
		args["assets"] = targets
	case len(q.Lines) == 1:
		args["line"] = q.Lines[0]
	}
	if q.Window.Named && !(q.WindowInherited && (ask.key == "last" || ask.key == "next" || ask.key == "replaced")) {
		// A window this question names; one carried over from an earlier
		// turn ("its temperature over the last 3 days" → "when was it last
		// serviced?") does not bound its last service.
		args["since"], args["until"] = stampUTC(q.Window.From), stampUTC(q.Window.To)
	}
	for _, c := range componentWords {
		if c.re.MatchString(q.Text) {
			args["component"] = c.part
			break
		}
	}
	if ask.key == "replaced" && args["component"] == nil && q.FollowUp {
		// "when did we last change it?" after "time to change the filter?":
		// the part the thread named last.
		earlier := strings.Split(q.Thread, "\n")
	thread:
		for i := len(earlier) - 1; i >= 0; i-- {
			for _, c := range componentWords {
				if c.re.MatchString(plant.Normalize(earlier[i])) {
					args["component"] = c.part
					break thread
				}
			}
		}
	}
	if ask.key == "swaptime" {
		if r.swapTime(args) {
			return // "how long does a crank bearing swap take?"
		}
		for i := range maintAsks {
			if maintAsks[i].key == "reliability" {
				ask = &maintAsks[i] // no part named: the mean time to repair
			}
		}
		args["aggregate"] = ask.aggregate
	}
	if (ask.key == "last" || ask.key == "next") && pmWordRe.MatchString(q.Text) && args["kind"] == nil {
		args["kind"] = "preventive" // "the last PM on cnc-4": not its last inspection
	}
	if w := workDone(q.Text); w != nil && (ask.key == "last" || ask.key == "count") {
		args["title"] = w.title // "did anyone grease press 3?": its lubrication records
	}
	if ask.key == "due" {
		r.dueWork(args) // "what's overdue in maintenance?"
		return
	}
	if ask.key == "last" && q.FollowUp && beforeThatRe.MatchString(q.Question) && args["asset"] != nil {
		r.servicesBefore(args) // "그 전에는?" after the last service
		return
	}
	if ask.key == "duration" {
		r.jobDuration(args) // "how long does that job usually take?"
		return
	}
	if ask.key == "downtime" && q.FollowUp && (thenRe.MatchString(q.Text) || itDownRe.MatchString(q.Text)) && r.thenDowntime(args) {
		return // "그때 다운타임 몇시간이었음?" after an incident: that one's
	}
	if ask.key == "longest" {
		args["group_by"] = "asset"
		if serviceWords.MatchString(q.Text) && !inspectionWords.MatchString(q.Text) {
			args["kind"] = "preventive"
		} else if inspectionWords.MatchString(q.Text) {
			args["kind"] = "inspection"
		}
		delete(args, "since")
		delete(args, "until")
	}
	if ask.key == "next" {
		// The next service looks ahead: a time named bounds which are
		// listed, not the records read (the last service is any time).
		delete(args, "since")
		delete(args, "until")
	}
	if ask.key == "replaced" || ask.key == "interval" {
		if args["component"] == nil {
			if c := namedComponent(q, r.p); c != "" {
				args["component"] = c
			} else if c := componentCode(q, r.p); c != "" {
				args["component"] = c // "when was comp2 on machine 12 last replaced?"
			}
		}
		delete(args, "aggregate")
		if ask.key == "interval" {
			r.replacementInterval(args) // "how often is the conveyor belt replaced?"
			return
		}
		r.replaced(args)
		return
	}
	if ask.key == "count" {
		switch {
		case args["title"] != nil:
			// "how many times was press 3 lubricated?": the records of
			// that work, of any kind.
		case workOrderWords.MatchString(q.Text):
			args["kind"] = "work_order"
		case inspectionWords.MatchString(q.Text):
			args["kind"] = "inspection"
		case serviceWords.MatchString(q.Text):
			args["kind"] = "preventive"
		case alertWords.MatchString(q.Text):
			args["kind"] = "alert" // a CMMS's or controller's logged errors and alarms
		default:
			args["kind"] = "failure"
		}
		if openWords.MatchString(q.Text) {
			args["status"] = "open"
		}
		if args["component"] == nil {
			if c := namedComponent(q, r.p); c != "" {
				args["component"] = c
			}
		}
		if len(q.Reported) > 0 && args["component"] == nil && args["title"] == nil {
			args["failure_mode"] = q.Reported[0]
		}
	}
	if (ask.key == "reliability" || ask.key == "downtime") && args["component"] == nil {
		if c := namedComponent(q, r.p); c != "" {
			args["component"] = c // "the MTBF of comp2"
		}
	}
	switch {
	case (ask.key == "downtime" || ask.key == "cost") && unplannedRe.MatchString(q.Text):
		args["kind"] = "failure"
	case (ask.key == "downtime" || ask.key == "cost") && plannedRe.MatchString(q.Text):
		args["kind"] = "preventive" // "the most PM downtime": planned work only
	}
	switch {
	case ask.key == "count" && args["kind"] == "failure" && whichComponent.MatchString(q.Text):
		args["group_by"] = "component"
	case ask.key == "count" && args["kind"] == "failure" && commonMode.MatchString(q.Text):
		args["group_by"] = "failure_mode"
	case (ask.key == "downtime" || ask.key == "reliability" || ask.key == "count" || ask.key == "cost") && whichType.MatchString(q.Text) && q.Type == "":
		args["group_by"] = "asset_type"
	case (ask.key == "downtime" || ask.key == "reliability" || ask.key == "count") && whichLine.MatchString(q.Text) && len(q.Lines) == 0:
		args["group_by"] = "line"
	case (ask.key == "downtime" || ask.key == "count") && whichAsset.MatchString(q.Text):
		args["group_by"] = "asset"
	case ask.key == "reliability" && len(q.Lines) == 1 && len(targets) == 0:
		// "MTTR on line 2": the line as a whole.
	case (ask.key == "reliability" || ask.key == "last" || ask.key == "next") && len(targets) > 1,
		ask.key == "next" && len(targets) == 0 && len(q.Lines) == 0 && (whichAsset.MatchString(q.Text) || pluralPMRe.MatchString(q.Text) || q.Horizon.Named || q.Window.Named):
		args["group_by"] = "asset" // "which machines need PM this week?": each machine's
	}
	if (ask.key == "downtime" || ask.key == "count" || ask.key == "cost") && prevRe.MatchString(q.Text) && args["group_by"] == nil {
		r.maintPeriods(ask, args) // "this week's downtime vs last week"
		return
	}
	var withPlanned map[string]any
	if ask.key == "downtime" && args["kind"] == nil && (args["group_by"] == "asset" || args["group_by"] == "line") {
		// "which machine cost us the most downtime?", "top 3 machines by
		// downtime": ranked by what breakdowns cost; planned work, which
		// the records count as downtime too, said apart.
		withPlanned = maps.Clone(args)
		args["kind"] = "failure"
	}
	calls := []agent.ToolCall{{Name: tools.MaintenanceHistory, Args: args}}
	if ask.key == "reliability" && len(targets) > 1 {
		// Together, and each machine.
		together := map[string]any{}
		for k, v := range args {
			if k != "group_by" {
				together[k] = v
			}
		}
		calls = append([]agent.ToolCall{{Name: tools.MaintenanceHistory, Args: together}}, calls...)
	}
	if withPlanned != nil {
		calls = append(calls, agent.ToolCall{Name: tools.MaintenanceHistory, Args: withPlanned})
	}
	res := r.call(calls...)
	var planned *agent.ToolResult
	if withPlanned != nil && len(res) == len(calls) {
		planned, res = &res[len(res)-1], res[:len(res)-1]
	}
	if len(res) == 0 || !res[0].OK {
		if mt := metricFor(q.Text); mt != nil {
			q.Metric = mt
			r.q = q
			r.missingMetric()
			return
		}
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	r.groupBy, _ = args["group_by"].(string)
	if ask.key == "count" && (r.groupBy == "failure_mode" || r.groupBy == "component") {
		r.groupAssetsOf(args, r.groupBy)
	}
	var lines []string
	for i, x := range res {
		if !x.OK {
			continue
		}
		lines = append(lines, r.maintLines(ask, x, i == len(res)-1)...)
		for _, c := range x.Result.Citations {
			r.a.Citations = appendCitation(r.a.Citations, c)
		}
	}
	if planned != nil && planned.OK {
		if l := r.plannedToo(*planned); l != "" {
			// Beside the ranking, before the records behind it.
			at := len(lines)
			if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], strings.TrimSuffix(r.msg("maint.records", ""), ".")) {
				at = n - 1
			}
			lines = slices.Insert(lines, at, l)
		}
	}
	if whoDidRe.MatchString(q.Text) {
		lines = append(lines, r.msg("maint.who_unknown")) // "who did the last repair on pump 1?"
	}
	if ask.key == "last" && histFixRe.MatchString(q.Text) && len(res) > 0 && res[0].OK {
		// "when did press-3 last fail and what fixed it": the second half,
		// from the last failure's incident.
		lines = append(lines, r.lastFailureFix(res[0])...)
	}
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// stateAskRe asks, in a clause of its own, whether a reading is normal
// ("filler pressure normal?", "압력 정상이야?").
var stateAskRe = regexp.MustCompile(`(?i)\b(?:normal|ok|okay|fine|alright|good|usual)\s*\?|정상\S{0,6}\s*\?|괜찮\S{0,6}\s*\?`)

// stateFirst is how the asked sensors of asset read now: their events,
// else that nothing is off with their latest readings.
func (r *run) stateFirst(asset string) []string {
	r.detect(r.q.Window, []string{asset})
	if !r.detected() {
		return nil
	}
	// "토출압 3.3 나오는데 괜찮은거죠?": the reading told, against the
	// limits, first.
	out, _ := r.reportedReading(asset)
	moved := false
	for _, e := range r.book.of(asset) {
		if contains(r.q.Sensors, e.Sensor) {
			out = append(out, r.eventLine(e))
			moved = true
		}
	}
	if !moved {
		out = append(out, r.quietLine(asset))
	}
	return out
}

// lastFailureFix is what fixed the last failure a maintenance_history
// result names: its incident's recorded actions, from the failure record.
func (r *run) lastFailureFix(x agent.ToolResult) []string {
	d, ok := decode[maintData](x.Result.Data)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range d.Figures {
		if f.LastFailure == nil {
			continue
		}
		cites := r.a.Citations
		recs, ok := r.records(map[string]any{"id": f.LastFailure.ID})
		r.a.Citations = cites
		if !ok || len(recs) == 0 || recs[0].Document == "" {
			continue
		}
		r.readFirst([]string{recs[0].Document}, 1)
		if doc := r.lib.get(recs[0].Document); doc.Read {
			out = append(out, r.historyLine(doc, recs[0].Asset))
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: doc.ID, Title: doc.Title, Kind: doc.Kind})
		}
	}
	return out
}

// topRe asks for the first few of a ranking ("top 3 machines", "top3",
// "상위 5개"); mostAskRe for the one with the most.
var (
	topRe     = regexp.MustCompile(`(?i)\btop ?(\d{1,2})\b|상위 ?(\d{1,2})`)
	mostAskRe = regexp.MustCompile(`(?i)\b(?:the )?most\b|\bworst\b|\bhighest\b|\btop ?\d|(?:제일|가장|젤|최다|상위)`)
)

// topN is the number of a ranking's first the question asks for (0: all).
func topN(text string) int {
	m := topRe.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1] + m[2])
	return n
}

// plannedToo says a downtime ranking again with planned work counted:
// its first three and the total ("" when the result has no downtime).
func (r *run) plannedToo(x agent.ToolResult) string {
	d, ok := decode[maintData](x.Result.Data)
	if !ok {
		return ""
	}
	var top []string
	total := 0.0
	for _, f := range d.Figures {
		total += f.DowntimeHours
		if f.DowntimeHours > 0 && len(top) < 3 {
			top = append(top, r.msg("maint.hours_of", f.Group, fmt.Sprintf("%.1f", f.DowntimeHours)))
		}
	}
	if len(top) == 0 {
		return ""
	}
	return r.msg("maint.planned_too", strings.Join(top, ", "), r.derive("downtime hours, planned work included", math.Round(total*10)/10, "sum of the groups' downtime"))
}

// whoDidRe asks who did a job: the records name no one.
var whoDidRe = regexp.MustCompile(`(?i)\bwho (?:did|made|fixed|repaired|serviced|worked on|replaced|changed|was on)\b|누가 (?:했|고쳤|수리|정비|교체|작업)`)

func appendCitation(cs []tools.Citation, c tools.Citation) []tools.Citation {
	for _, x := range cs {
		if x.ID == c.ID {
			return cs
		}
	}
	return append(cs, c)
}

// groupAssetsOf reads the records behind a count by failure mode or part
// and keeps, per group, the machines they are on ("고장유형 뭐야?
// 설비별로도"); nothing when they are more than one read returns.
func (r *run) groupAssetsOf(args map[string]any, by string) {
	a := maps.Clone(args)
	delete(a, "group_by")
	a["limit"] = 50
	cites := r.a.Citations
	recs, ok := r.records(a)
	r.a.Citations = cites
	if !ok || len(recs) == 50 {
		return
	}
	r.groupAssets = map[string][]string{}
	for _, rec := range recs {
		g := rec.FailureMode
		if by == "component" {
			g = rec.Component
		}
		if !slices.Contains(r.groupAssets[g], rec.Asset) {
			r.groupAssets[g] = append(r.groupAssets[g], rec.Asset)
		}
	}
}

// maintData is the part of a maintenance_history result an answer reads.
type maintData struct {
	Window struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Basis string `json:"basis"`
	} `json:"window"`
	Matched int `json:"matched"`
	Figures []struct {
		Group          string         `json:"group"`
		Assets         []string       `json:"assets"`
		AssetsCount    int            `json:"assets_count"` // instead of Assets when they are many
		Records        int            `json:"records"`
		Counts         map[string]int `json:"counts"`
		Failures       int            `json:"failures"`
		DowntimeHours  float64        `json:"downtime_hours"`
		OperatingHours float64        `json:"operating_hours"`
		MTBFHours      *float64       `json:"mtbf_hours"`
		MTBFDays       *float64       `json:"mtbf_days"`
		MTTRHours      *float64       `json:"mttr_hours"`
		RepairsTimed   int            `json:"repairs_timed"`
		Cost           float64        `json:"cost"`
		CostRecords    int            `json:"cost_records"`
		LastService    *struct {
			ID, Kind, At, Title string
		} `json:"last_service"`
		LastFailure *struct {
			ID, At, Title string
		} `json:"last_failure"`
		NextService       string `json:"next_service"`
		NextServiceBasis  string `json:"next_service_basis"`
		NextServiceRecord string `json:"next_service_record"`
	} `json:"figures"`
	Records []struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Asset    string `json:"asset"`
		Opened   string `json:"opened"`
		Title    string `json:"title"`
		Document string `json:"document"`
		Downtime *int   `json:"downtime_minutes"`
	} `json:"records"`
	Visits []struct {
		Asset          string   `json:"asset"`
		From           string   `json:"from"`
		To             string   `json:"to"`
		WorkOrders     []string `json:"work_orders"`
		Titles         []string `json:"titles"`
		PlannedMinutes int      `json:"planned_minutes"`
	} `json:"visits"`
	Filter map[string]any `json:"filter"`
}

// maintLines writes a result's figures and (withRecords) the records behind them.
func (r *run) maintLines(ask *maintAsk, x agent.ToolResult, withRecords bool) []string {
	d, ok := decode[maintData](x.Result.Data)
	if !ok {
		return []string{x.Result.Summary}
	}
	var out []string
	scope := r.maintScope(d.Filter)
	if ask.key == "bundle" {
		if len(d.Visits) == 0 {
			return []string{r.msg("maint.bundle_none", scope)}
		}
		for _, v := range d.Visits {
			out = append(out, r.msg("maint.visit", v.Asset, len(v.WorkOrders), strings.Join(v.WorkOrders, ", "), r.recordAt(v.From), r.recordAt(v.To), v.PlannedMinutes))
		}
		return out
	}
	// The tool's window is in UTC ("2026-12-06 21:36"); answers speak plant time.
	span := r.utcSpan(d.Window.From, d.Window.To)
	if r.q.Window.Named {
		span = r.spanIn(r.q.Window) // "November 2026, 11-01 00:00–12-01 00:00", in plant time
	}
	grouped, counted := len(d.Figures) > 1, 0
	if w := workDone(r.q.Text); len(d.Figures) == 0 && w != nil && d.Filter["title"] != nil && (ask.key == "last" || ask.key == "next") {
		// "when was press 3 last calibrated?" with no such record.
		what := w.what
		if r.ko() {
			what = w.whatKO
		}
		return []string{r.msg("maint.last_work_none", scope, what)}
	}
	if grouped && ask.key == "next" {
		return r.nextByAsset(d)
	}
	if ask.key == "longest" {
		return r.longestWithout(d)
	}
	top, shown, more := topN(r.q.Text), 0, 0
	if grouped && ask.key == "downtime" && mostAskRe.MatchString(r.q.Text) && len(d.Figures) > 0 && d.Figures[0].DowntimeHours > 0 {
		// "which machine cost us the most downtime?": that one, first.
		f := d.Figures[0]
		out = append(out, r.msg("maint.downtime_most", f.Group, fmt.Sprintf("%.1f", f.DowntimeHours)))
	}
	if grouped && ask.key == "downtime" {
		// "total unplanned downtime in october and which machine was
		// worst": the total first, then each, most first.
		hours, fails := 0.0, 0
		for _, f := range d.Figures {
			hours += f.DowntimeHours
			fails += f.Failures
		}
		what := r.msg("maint.downtime_all")
		switch k, _ := d.Filter["kind"].(string); k {
		case "failure":
			what = r.msg("maint.downtime_failures")
		case "preventive":
			what = r.msg("maint.downtime_planned")
		}
		total := r.derive("downtime hours in total", math.Round(hours*10)/10, "sum of the groups' downtime")
		if k, _ := d.Filter["kind"].(string); k == "preventive" {
			out = append(out, r.msg("maint.downtime_total_planned", total, span))
		} else {
			out = append(out, r.msg("maint.downtime_total", total, what, fails, span))
		}
	}
	for _, f := range d.Figures {
		name := f.Group
		if name == "" {
			name = scope
		}
		if grouped && ask.key == "count" {
			// A ranking: the machines or lines that had any, most first.
			if f.Records == 0 || counted == 10 {
				continue
			}
			counted++
		}
		switch ask.key {
		case "last", "next":
			var svc, fail string
			w := workDone(r.q.Text)
			switch {
			case w != nil && d.Filter["title"] != nil:
				what := w.what
				if r.ko() {
					what = w.whatKO
				}
				if f.LastService != nil {
					svc = r.msg("maint.last_work", name, what, r.recordAt(f.LastService.At), f.LastService.Title, f.LastService.ID)
				} else {
					svc = r.msg("maint.last_work_none", name, what)
				}
			case f.LastService != nil:
				svc = r.msg("maint.last", name, r.recordAt(f.LastService.At), f.LastService.Title, f.LastService.ID)
			default:
				svc = r.msg("maint.last_none", name)
			}
			if f.LastFailure != nil {
				fail = r.msg("maint.last_failure", r.recordAt(f.LastFailure.At), f.LastFailure.Title, f.LastFailure.ID)
			}
			if fail != "" && failAskRe.MatchString(r.q.Text) {
				out = append(out, fail, svc) // "when did machine 17 last fail?": the failure first
			} else {
				out = append(out, svc)
				if fail != "" {
					out = append(out, fail)
				}
			}
			if f.NextService != "" {
				if f.NextServiceRecord != "" {
					out = append(out, r.msg("maint.next", r.recordAt(f.NextService), f.NextServiceRecord))
				} else {
					out = append(out, r.msg("maint.next_estimated", r.recordAt(f.NextService)))
				}
			}
		case "count":
			out = append(out, r.msg("maint.count", name, f.Records, r.maintWhat(d.Filter), span))
			if as := r.groupAssets[f.Group]; len(as) > 0 {
				// "고장유형 … 설비별로도": which machines each mode's records are on.
				out[len(out)-1] = strings.TrimSuffix(out[len(out)-1], ".") + " " + r.msg("maint.count_on", strings.Join(as, ", "))
			}
			if grouped && counted == 1 {
				out[len(out)-1] = r.msg("maint.count_rank") + "\n" + out[len(out)-1]
			}
		case "downtime":
			if len(d.Figures) > 5 && f.DowntimeHours == 0 && f.Failures == 0 {
				continue // nothing lost there
			}
			if grouped && top > 0 && shown == top {
				if f.DowntimeHours > 0 {
					more++ // "top 3 machines by downtime": three
				}
				continue
			}
			shown++
			out = append(out, r.msg("maint.downtime", name, fmt.Sprintf("%.1f", f.DowntimeHours), f.Failures, span))
		case "cost":
			if f.CostRecords > 0 {
				out = append(out, r.msg("maint.cost", name, val(f.Cost), f.CostRecords, f.Records, r.maintWhat(d.Filter), span))
			} else {
				if kinds := r.kindsText(f.Counts, d.Filter); kinds != "" {
					out = append(out, r.msg("maint.cost_none_all", name, f.Records, kinds, fmt.Sprintf("%.1f", f.DowntimeHours), span))
				} else {
					out = append(out, r.msg("maint.cost_none", name, f.Records, r.maintWhat(d.Filter), fmt.Sprintf("%.1f", f.DowntimeHours), span))
				}
			}
		case "reliability":
			if c, _ := d.Filter["component"].(string); c != "" {
				name += " (" + c + ")" // "the plant (comp2)": that component's failures
			}
			s := r.msg("maint.reliability_head", name, f.Failures, max(len(f.Assets), f.AssetsCount), fmt.Sprintf("%.0f", f.OperatingHours), span)
			if f.MTBFHours != nil {
				s += " " + r.msg("maint.mtbf", fmt.Sprintf("%.0f", *f.MTBFHours), fmt.Sprintf("%.1f", *f.MTBFDays))
			} else {
				s += " " + r.msg("maint.mtbf_none")
			}
			if f.MTTRHours != nil {
				s += " " + r.msg("maint.mttr", fmt.Sprintf("%.1f", *f.MTTRHours), f.RepairsTimed)
			} else if f.Failures > 0 {
				s += " " + r.msg("maint.mttr_none")
			}
			out = append(out, s)
		}
	}
	if more > 0 {
		out = append(out, r.msg("maint.downtime_more", more))
	}
	if ask.key == "reliability" && (worstLineRe.MatchString(r.q.Question) || bestLineRe.MatchString(r.q.Question)) {
		// "which one's the worst?" after the presses' MTBF: the machine(s)
		// that fail most often (the least often for "the best"), first.
		worst := worstLineRe.MatchString(r.q.Question)
		var pick []string
		var at float64
		for _, f := range d.Figures {
			if f.MTBFHours == nil || max(len(f.Assets), f.AssetsCount) != 1 || f.Group == "" {
				continue
			}
			v := *f.MTBFHours
			switch {
			case len(pick) == 0 || worst && v < at || !worst && v > at:
				pick, at = []string{f.Group}, v
			case v == at:
				pick = append(pick, f.Group)
			}
		}
		if len(pick) > 0 {
			key := "maint.mtbf_worst"
			if !worst {
				key = "maint.mtbf_best"
			}
			out = append([]string{r.msg(key, strings.Join(pick, ", "), fmt.Sprintf("%.0f", at))}, out...)
		}
	}
	if grouped && ask.key == "count" && counted == 0 {
		out = append(out, r.msg("maint.count_none_any", r.maintWhat(d.Filter), span))
	}
	if grouped && ask.key == "count" {
		// The ranking lists ten at most: the total and how many more, so a
		// cut list does not read as all of them.
		total, with := 0, 0
		for _, f := range d.Figures {
			if f.Records > 0 {
				total += f.Records
				with++
			}
		}
		if with > 0 {
			// Groups are machines only when grouped by machine: failure
			// modes and parts span machines, counted from their records
			// when read (groupAssets), else unsaid.
			line := r.msg("maint.count_total_n", total, r.maintWhat(d.Filter), span)
			switch {
			case r.groupAssets != nil:
				machines := map[string]bool{}
				for _, as := range r.groupAssets {
					for _, a := range as {
						machines[a] = true
					}
				}
				line = r.msg("maint.count_total", total, r.maintWhat(d.Filter), len(machines), span)
			case r.groupBy == "" || r.groupBy == "asset":
				line = r.msg("maint.count_total", total, r.maintWhat(d.Filter), with, span)
			}
			out = append([]string{line}, out...)
		}
		if with > counted {
			out = append(out, r.msg("maint.count_more", with-counted))
		}
	}
	if !grouped && ask.key == "count" && len(out) == 0 {
		// Nothing of that kind at all ("the alarm log for pump 2"): said, not left blank.
		if r.q.Window.Named {
			out = append(out, r.msg("maint.count", scope, 0, r.maintWhat(d.Filter), span))
		} else {
			out = append(out, r.msg("maint.count_never", scope, r.maintWhat(d.Filter)))
		}
	}
	if len(out) == 0 {
		// No record matches ("downtime from impeller failures on line-1"):
		// said, never an answer with nothing in it.
		out = append(out, r.msg("maint.nothing", scope, r.maintWhat(d.Filter), span))
	}
	if withRecords && (ask.key == "count" || ask.key == "downtime" || ask.key == "reliability" || ask.key == "cost") {
		var recs []string
		list := d.Records
		if ask.key == "downtime" {
			// The records that cost the most hours first, each with its hours.
			list = slices.Clone(list)
			sort.SliceStable(list, func(i, j int) bool { return minutesOf(list[i].Downtime) > minutesOf(list[j].Downtime) })
		}
		for i, rec := range list {
			if i >= 5 {
				break
			}
			s := fmt.Sprintf("%s %s (%s)", r.recordAt(rec.Opened), rec.Title, rec.ID)
			switch {
			case ask.key != "downtime" || rec.Downtime == nil || *rec.Downtime <= 0:
			case *rec.Downtime < 60:
				// "정지 50분", not "0.833시간".
				s += " " + r.msg("maint.rec_minutes", num(float64(*rec.Downtime)))
			default:
				s += " " + r.msg("maint.rec_hours", r.derive("downtime of "+rec.ID+", hours", float64(*rec.Downtime)/60, "downtime_minutes ÷ 60"))
			}
			if rec.Document != "" && rec.Document != rec.ID {
				s += " → " + rec.Document
			}
			recs = append(recs, s)
		}
		if len(recs) > 0 && ask.key == "count" && latestAskRe.MatchString(maintTimeRe.ReplaceAllString(r.q.Text, " ")) {
			// "when was the last alarm on press 3?": the newest record first.
			out = append([]string{r.msg("maint.latest_record", recs[0])}, out...)
		}
		if len(recs) > 0 {
			out = append(out, r.msg("maint.records", strings.Join(recs, "; ")))
		} else if ask.key == "count" && r.q.Window.Named {
			out = append(out, r.msg("maint.count_zero_hint"))
		}
	}
	return out
}

// maintPeriods answers a maintenance figure in two periods ("compare this
// week's downtime with last week"): each period's figure and records, then
// the change.
func (r *run) maintPeriods(ask *maintAsk, args map[string]any) {
	cur, prev, label, labelKO := r.twoPeriods()
	var out []string
	var figs [2]float64
	saved := r.q.Window
	defer func() { r.q.Window = saved }()
	ok := 0
	for i, w := range []Span{cur, prev} {
		w.Named = true
		a := map[string]any{}
		for k, v := range args {
			a[k] = v
		}
		a["since"], a["until"] = stampUTC(w.From), stampUTC(minTime(w.To, r.now))
		res := r.call(agent.ToolCall{Name: tools.MaintenanceHistory, Args: a})
		if len(res) == 0 || !res[0].OK {
			continue
		}
		r.q.Window = w
		out = append(out, r.maintLines(ask, res[0], false)...)
		if d, dok := decode[maintData](res[0].Result.Data); dok && len(d.Figures) == 1 {
			f := d.Figures[0]
			figs[i] = float64(f.Records)
			if ask.key == "downtime" {
				figs[i] = f.DowntimeHours
			}
			ok++
		}
	}
	if len(out) == 0 {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	if ok == 2 && ask.key != "cost" {
		said := label
		if r.ko() {
			said = labelKO
		}
		what := r.msg("maint.what_records")
		if ask.key == "downtime" {
			what = r.msg("maint.what_downtime")
		}
		diff := r.derive("change against "+label, math.Abs(figs[0]-figs[1]), "the two periods' figures, subtracted")
		if ask.key == "downtime" {
			diff += " h"
		}
		switch {
		case figs[0] > figs[1]:
			out = append(out, r.msg("maint.change_up", what, diff, said))
		case figs[0] < figs[1]:
			out = append(out, r.msg("maint.change_down", what, diff, said))
		default:
			out = append(out, r.msg("maint.change_same", what, said))
		}
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// nextByAsset lists each machine's next service ("which machines need PM
// this week?"): those that fall in the time asked when one is named
// (soonest first), or the soonest when none does.
func (r *run) nextByAsset(d maintData) []string {
	type next struct {
		asset, line string
		at          time.Time
	}
	var all []next
	for _, f := range d.Figures {
		t, err := time.Parse(recordLayout, f.NextService)
		if err != nil {
			continue
		}
		line := r.msg("maint.next_asset_est", f.Group, r.recordAt(f.NextService))
		if f.NextServiceRecord != "" {
			line = r.msg("maint.next_asset", f.Group, r.recordAt(f.NextService), f.NextServiceRecord)
		}
		all = append(all, next{f.Group, line, t})
	}
	slices.SortStableFunc(all, func(a, b next) int { return a.at.Compare(b.at) })
	if len(all) == 0 {
		return []string{r.msg("maint.next_none")}
	}
	hz := r.q.Horizon
	if !hz.Named {
		out := make([]string, 0, len(all))
		for _, n := range all {
			out = append(out, n.line)
		}
		return out
	}
	from := hz.From
	if !hz.Began.IsZero() {
		from = hz.Began
		hz.From = from
	}
	var out []string
	for _, n := range all {
		if !n.at.Before(from) && n.at.Before(hz.To) {
			out = append(out, n.line) // in the time asked
		}
	}
	if len(out) == 0 {
		for _, n := range all {
			if !n.at.Before(hz.To) {
				return []string{r.msg("maint.next_none_in", r.spanIn(hz), n.line)}
			}
		}
		// Every date the records give is behind the time asked: an archive.
		return []string{r.msg("maint.next_all_past", r.spanIn(hz), all[len(all)-1].line)}
	}
	return append([]string{r.msg("maint.next_in", r.spanIn(hz))}, out...)
}

func (r *run) maintScope(f map[string]any) string {
	if as, ok := f["assets"].([]any); ok && len(as) > 0 {
		var names []string
		for _, a := range as {
			names = append(names, fmt.Sprint(a))
		}
		return strings.Join(names, ", ")
	}
	if l, ok := f["line"].(string); ok {
		return l
	}
	if t, ok := f["asset_type"].(string); ok && t != "" {
		return r.msg("maint.type", t)
	}
	return r.msg("maint.plant")
}

// jobDuration answers how long a job of the records usually takes: the
// records of the machine's work that the question (or, for "that job",
// the thread) names by component or by the work in its title, timed by
// their downtime or from opening to closing; the median, the range and
// how many.
func (r *run) jobDuration(args map[string]any) {
	q := r.q
	text := q.Text
	if q.FollowUp || args["component"] == nil && workDone(text) == nil {
		text = q.Thread + "\n" + q.Text // "that job": the thread's
	}
	if args["component"] == nil {
		for _, c := range componentWords {
			if c.re.MatchString(text) {
				args["component"] = c.part
			}
		}
	}
	if w := workDone(text); w != nil {
		args["title"] = w.title
	}
	delete(args, "since")
	delete(args, "until")
	if r.plannedTime(args, text) {
		return // "how long is the seal one supposed to take?": its work order's estimate
	}
	args["limit"] = 50
	recs, ok := r.records(args)
	if !ok {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	var mins []float64
	for _, rec := range recs {
		switch {
		case rec.Downtime != nil && *rec.Downtime > 0:
			mins = append(mins, float64(*rec.Downtime))
		case rec.Closed != "":
			a, e1 := time.Parse(recordLayout, rec.Opened)
			b, e2 := time.Parse(recordLayout, rec.Closed)
			if e1 == nil && e2 == nil && b.After(a) {
				mins = append(mins, b.Sub(a).Minutes())
			}
		}
	}
	what := r.maintScope(args)
	if a, ok := args["asset"].(string); ok {
		what = a
	}
	if c, ok := args["component"].(string); ok {
		what += " " + c
	}
	if len(mins) == 0 {
		r.a.Situation = r.msg("maint.duration_none", what, len(recs))
		r.a.Confidence = "low"
		r.a.Escalate = r.msg("maint.escalate")
		return
	}
	sort.Float64s(mins)
	med := mins[len(mins)/2]
	if len(mins)%2 == 0 {
		med = (mins[len(mins)/2-1] + mins[len(mins)/2]) / 2
	}
	title := recs[0].Title
	r.a.Situation = r.msg("maint.duration", title, r.derive("median minutes of the job's records", math.Round(med), "median of downtime or closed − opened"),
		r.derive("shortest minutes", mins[0], "the smallest of those"), r.derive("longest minutes", mins[len(mins)-1], "the largest of those"), len(mins))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}

// itDownRe asks how long the machine just talked about was down ("how
// long was it down", "몇시간 서있었음?").
var itDownRe = regexp.MustCompile(`(?i)\bhow long (?:was|were) (?:it|they|we) down\b|몇 ?시간 ?(?:서 ?있었|섰었|멈춰 ?있었|멈췄었)`)

// thenRe points back at the incident just talked about ("그때", "that
// time", "back then").
var thenRe = regexp.MustCompile(`(?i)그때|그 때|그 당시|\b(?:that time|back then|that one|that failure|that incident|then)\b`)

// incidentIDRe finds an incident document's id in an answer's text.
var incidentIDRe = regexp.MustCompile(`\bINC-[A-Za-z0-9-]*\d`)

// thenDowntime answers the downtime of the incident the thread's previous
// answer named first, from its failure record; false when there is none.
func (r *run) thenDowntime(args map[string]any) bool {
	id := incidentIDRe.FindString(lastAnswer(r.in.History))
	if id == "" {
		return false
	}
	q := map[string]any{"kind": "failure", "limit": 50}
	if a, ok := args["asset"]; ok {
		q["asset"] = a
	}
	recs, ok := r.records(q)
	if !ok {
		return false
	}
	for _, rec := range recs {
		if rec.Document != id || rec.Downtime == nil {
			continue
		}
		hours := r.derive("hours of downtime of "+rec.ID, float64(*rec.Downtime)/60, "its downtime minutes ÷ 60")
		r.a.Situation = r.msg("maint.then_downtime", id, rec.ID, r.recordAt(rec.Opened), r.quoteTitle(rec.Title), hours, *rec.Downtime)
		r.a.Confidence = "high"
		r.a.Escalate = r.msg("maint.escalate")
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: id, Title: rec.Title, Kind: "incident"})
		return true
	}
	return false
}

// plannedTime answers how long a job should take from the estimate on an
// open work order of the machine that the question's words name ("how
// long is the seal one supposed to take?" after pump-2's open work: its
// seal work order's planned minutes); false when none is named or has one.
func (r *run) plannedTime(args map[string]any, text string) bool {
	asset, ok := args["asset"].(string)
	if !ok {
		return false
	}
	recs, ok := r.records(map[string]any{"asset": asset, "kind": "work_order", "status": "open"})
	if !ok {
		return false
	}
	words := strings.FieldsFunc(strings.ToLower(r.q.Text), func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
	var hit *maintRecord
	for i, rec := range recs {
		title := strings.ToLower(rec.Title)
		for _, w := range words {
			if len([]rune(w)) >= 3 && !plannedStop[w] && !strings.Contains(asset, w) && wordIn(title, w) {
				if hit != nil && hit.ID != rec.ID {
					return false // the words name more than one
				}
				hit = &recs[i]
			}
		}
	}
	if hit == nil || hit.Planned == nil || *hit.Planned <= 0 {
		return false
	}
	due := ""
	if hit.Due != "" {
		due = r.msg("maint.planned_due", r.recordAt(hit.Due))
	}
	r.a.Situation = r.msg("maint.planned_time", hit.ID, r.quoteTitle(hit.Title), *hit.Planned, due)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
	return true
}

// plannedAskRe asks for a job's planned time ("작업시간 얼마 잡혀있어?",
// "how many hours is it planned for?").
var plannedAskRe = regexp.MustCompile(`(?i)작업 ?시간.{0,8}(?:얼마|몇)|작업(?:은|는|이|가)?\s*(?:몇 ?시간|얼마나|얼마)\s*(?:걸려|걸리|걸림|소요)|(?:얼마|몇 ?시간|몇 ?분).{0,6}(?:잡혀|계획)|\bplanned (?:time|hours|minutes|duration)\b|\bhow (?:long|many hours) is (?:it|the \w+|that) (?:planned|scheduled|booked)\b`)

// plannedLine is the planned time of the asset's open work order the
// question's words name, or of its only open work order with one.
func (r *run) plannedLine(asset string) string {
	saved := *r.a
	if r.plannedTime(map[string]any{"asset": asset}, r.q.Text) {
		l := r.a.Situation
		*r.a = saved
		return l
	}
	*r.a = saved
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"asset": asset, "kind": "work_order", "status": "open"})
	r.a.Citations = cites
	if !ok {
		return ""
	}
	var only *maintRecord
	for i := range recs {
		if recs[i].Planned != nil && *recs[i].Planned > 0 {
			if only != nil {
				return "" // more than one: the words must say which
			}
			only = &recs[i]
		}
	}
	if only == nil {
		return ""
	}
	due := ""
	if only.Due != "" {
		due = r.msg("maint.planned_due", r.recordAt(only.Due))
	}
	return r.msg("maint.planned_time", only.ID, r.quoteTitle(only.Title), *only.Planned, due)
}

// plannedStop are question words that name no job.
var plannedStop = map[string]bool{"how": true, "long": true, "the": true, "one": true, "job": true, "take": true, "takes": true, "supposed": true,
	"should": true, "does": true, "will": true, "that": true, "this": true, "work": true, "order": true, "planned": true, "estimate": true, "time": true,
	"얼마나": true, "걸려": true, "걸려요": true, "걸리나": true, "작업": true, "시간": true}

// longestWithout ranks the machines by their last service, the longest
// ago first, with the days since; machines with none on record first.
func (r *run) longestWithout(d maintData) []string {
	type last struct {
		asset, id, title, stamp string
		at                      time.Time
	}
	var ls []last
	var never []string
	for _, f := range d.Figures {
		if f.Group == "" {
			continue
		}
		if f.LastService == nil {
			never = append(never, f.Group)
			continue
		}
		t, err := time.Parse(recordLayout, f.LastService.At)
		if err != nil {
			continue
		}
		ls = append(ls, last{f.Group, f.LastService.ID, f.LastService.Title, f.LastService.At, t})
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].at.Before(ls[j].at) })
	var out []string
	if len(never) > 0 {
		out = append(out, r.msg("maint.longest_never", strings.Join(never, ", ")))
	}
	for i, l := range ls {
		if i == 5 {
			break
		}
		days := r.derive(l.asset+" days since its last service", math.Floor(r.now.Sub(l.at).Hours()/24), "now − the last record's time, in whole days")
		out = append(out, r.msg("maint.longest", i+1, l.asset, days, r.recordAt(l.stamp), l.title, l.id))
	}
	if len(out) == 0 {
		out = append(out, r.msg("maint.last_none", r.msg("maint.plant")))
	}
	return out
}

func (r *run) maintWhat(f map[string]any) string {
	what := r.msg("maint.what_failures")
	switch k, _ := f["kind"].(string); {
	case k == "" && f["title"] != nil:
		if w := workDone(r.q.Text); w != nil {
			what = r.msg("maint.what_work", w.what)
			if r.ko() {
				what = r.msg("maint.what_work", w.whatKO)
			}
		}
	case k == "preventive":
		what = r.msg("maint.what_service")
	case k == "inspection":
		what = r.msg("maint.what_inspection")
	case k == "work_order" && f["status"] == "open":
		what = r.msg("maint.what_wo_open")
	case k == "work_order":
		what = r.msg("maint.what_wo")
	case k == "alert":
		what = r.msg("maint.what_alerts")
	}
	if c, _ := f["component"].(string); c != "" {
		what += " (" + c + ")"
	}
	return what
}

// riskLines adds the failure-risk model's view to a ranking: the model's
// riskiest assets with their probability and driver (and every asset's
// 48-hour probability, which the ranking adds to its score), or why there
// is none.
func (r *run) riskLines(assets ...string) ([]string, map[string]float64) {
	if !r.in.Tools.Has(tools.FailureRisk) {
		return nil, nil
	}
	args := map[string]any{"top": 50}
	show := 3
	if len(assets) > 0 {
		// The assets asked about, each of them.
		args["assets"], show = assets, len(assets)
	}
	res := r.call(agent.ToolCall{Name: tools.FailureRisk, Args: args})
	if len(res) == 0 || !res[0].OK {
		return nil, nil
	}
	type riskData struct {
		Status string `json:"status"`
		Model  string `json:"model"`
		At     string `json:"at"`
		Stale  bool   `json:"as_of_latest_record"`
		Assets []struct {
			Asset   string  `json:"asset"`
			P48     float64 `json:"p48h"`
			P7d     float64 `json:"p7d"`
			Alarm   bool    `json:"alarm"`
			Drivers []struct {
				Feature string  `json:"feature"`
				Value   float64 `json:"value"`
			} `json:"drivers"`
		} `json:"assets"`
	}
	d, ok := decode[riskData](res[0].Result.Data)
	if !ok {
		return nil, nil
	}
	if d.Status != "trained" {
		return []string{r.msg("risk.untrained")}, nil
	}
	var out []string
	p48 := map[string]float64{}
	for i, a := range d.Assets {
		p48[a.Asset] = a.P48
		if i >= show {
			continue
		}
		s := r.msg("risk.asset", a.Asset, val(round1(100*a.P48)), val(round1(100*a.P7d)))
		if a.Alarm {
			s += " " + r.msg("risk.alarm")
		}
		if len(a.Drivers) > 0 {
			s += " " + r.msg("risk.driver", a.Drivers[0].Feature, val(a.Drivers[0].Value))
		}
		out = append(out, s)
	}
	if len(out) == 0 && len(assets) > 0 {
		return []string{r.msg("risk.none", strings.Join(assets, ", "))}, p48
	}
	if len(out) > 0 {
		head := r.msg("risk.head", d.Model)
		if d.Stale {
			head = r.msg("risk.head_stale", d.Model, r.at(parseStamp(d.At)))
		}
		out = append([]string{head}, out...)
	}
	return out, p48
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// riskAskRe asks a machine's failure risk ("what is the failure risk for
// machine-45?", "is pump-2 likely to fail?", "고장 위험").
var riskAskRe = regexp.MustCompile(`\bfailure[- ]risk\b|\brisk of (?:a )?(?:failure|failing|breakdown)\b|\b(?:probability|chance|likelihood) of (?:a )?(?:failure|failing|breaking down|breakdown)\b|\blikely to (?:fail|break)\b|\bgoing to (?:fail|break)\b|\bwill (?:it|\S+-\d+) (?:fail|break)\b|고장 ?(?:위험|확률|가능성)|고장 ?날 ?(?:것 ?같|가능성|확률)`)

// assetRisk answers a named machine's failure risk: the model's
// probabilities and driver for each, then what its data shows.
func (r *run) assetRisk(targets []string) {
	lines, _ := r.riskLines(targets...)
	r.condition()
	switch {
	case len(lines) == 0:
		lines = []string{r.msg("risk.notool")}
	case lines[0] == r.msg("risk.untrained"):
		lines = []string{r.msg("risk.untrained_asset")}
	}
	r.a.Situation = strings.TrimSpace(joinLines(lines) + "\n" + r.a.Situation)
}

// maintRecord is one record of a maintenance_history listing.
type maintRecord struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Asset       string `json:"asset"`
	Opened      string `json:"opened"`
	Closed      string `json:"closed"`
	Due         string `json:"due"`
	Status      string `json:"status"`
	Title       string `json:"title"`
	Component   string `json:"component"`
	Code        string `json:"code"`
	FailureMode string `json:"failure_mode"`
	Document    string `json:"document"`
	Downtime    *int   `json:"downtime_minutes"`
	Planned     *int   `json:"planned_minutes"`
	at          time.Time
}

// recordLayout is how maintenance_history writes a record's times (UTC).
const recordLayout = "2006-01-02 15:04"

// records lists maintenance_history's records for args (newest first; at
// most 50 unless args give a limit); false when the plant has no
// maintenance history or the call fails.
func (r *run) records(args map[string]any) ([]maintRecord, bool) {
	if !r.in.Tools.Has(tools.MaintenanceHistory) {
		return nil, false
	}
	args["aggregate"] = "records"
	if args["limit"] == nil {
		args["limit"] = 50
	}
	res := r.call(agent.ToolCall{Name: tools.MaintenanceHistory, Args: args})
	if len(res) == 0 || !res[0].OK {
		return nil, false
	}
	d, ok := decode[struct {
		Records []maintRecord `json:"records"`
	}](res[0].Result.Data)
	for _, c := range res[0].Result.Citations {
		r.a.Citations = appendCitation(r.a.Citations, c)
	}
	return d.Records, ok
}

// recordAt is a record's time ("2006-01-02 15:04", UTC) in plant time.
func (r *run) recordAt(s string) string {
	t, err := time.Parse(recordLayout, s)
	if err != nil {
		return s
	}
	return r.at(t)
}

// latestAskRe asks for the newest record ("the last alarm", "마지막 알람"),
// read with the question's time words left out ("how many breakdowns
// last month?" asks for no latest record).
var latestAskRe = regexp.MustCompile(`(?i)\b(?:last|latest|most recent|newest)\b|마지막|최근`)

// utcStamp rewrites a tool's UTC minute ("2026-12-06 21:36") in plant
// time; anything else stays as it is.
// utcSpan writes the tool's window [from, to] in plant time: "now" for an
// end at the question's time, and years on both ends when they differ
// ("2014-06-01 06:00 – now", never "2014-06-01 06:00 – 12-07 00:31").
func (r *run) utcSpan(from, to string) string {
	f, err1 := time.ParseInLocation("2006-01-02 15:04", from, time.UTC)
	t, err2 := time.ParseInLocation("2006-01-02 15:04", to, time.UTC)
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("%s – %s", r.utcStamp(from), r.utcStamp(to))
	}
	from, end := r.ends(Span{From: f, To: t})
	if d := r.now.Sub(t); d < 2*time.Minute && d > -2*time.Minute {
		from, end = r.at(f), r.msg("word.now")
	}
	return fmt.Sprintf("%s – %s", from, end)
}

func (r *run) utcStamp(s string) string {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC)
	if err != nil {
		return s
	}
	return r.at(t)
}

// maintUnreadable says why the maintenance history gave nothing: no
// history recorded (or no tool), or the tool's own error, which is not
// the same thing ("limit must be …" is no sign of an empty history).
func (r *run) maintUnreadable() []string {
	for _, f := range r.failures {
		if !strings.Contains(f, "no maintenance history") {
			return append([]string{r.msg("maint.unreadable")}, r.failures...)
		}
	}
	return []string{r.msg("maint.none")}
}

// kindsText writes a count's records by kind ("6 failures, 121
// preventive, …") when no kind was filtered on; "" otherwise.
func (r *run) kindsText(counts map[string]int, filter map[string]any) string {
	if k, _ := filter["kind"].(string); k != "" || len(counts) < 2 {
		return ""
	}
	var parts []string
	for _, k := range []string{"failure", "preventive", "inspection", "work_order", "alert"} {
		if n := counts[k]; n > 0 {
			parts = append(parts, r.msg("maint.kind_n", n, r.msg("maint.kind."+k)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ")
}

// pluralPMRe asks for several services ("what PMs are due this week?"):
// each machine's next one.
var pluralPMRe = regexp.MustCompile(`(?i)\b(?:pms|services|inspections)\b|정비 (?:일정|목록)|점검 (?:일정|목록)`)

// minutesOf is a record's downtime in minutes (0 when not recorded).
func minutesOf(m *int) int {
	if m == nil {
		return 0
	}
	return *m
}

// beforeThatRe asks for what came before the thread's answer ("and before
// that?", "그 전에는?").
var beforeThatRe = regexp.MustCompile(`(?i)\bbefore that\b|\bprevious (?:ones?|services?|times?)\b|\bthe (?:one|time) before\b|그 ?전에?(?:는|은)?|그 ?이전|그 ?앞(?:에|은|는)`)

// servicesBefore lists the machine's service records before its latest
// one, newest first (alarms left out): "그 전에는?" after "when was pump 1
// last serviced?".
func (r *run) servicesBefore(args map[string]any) {
	a := map[string]any{"asset": args["asset"], "limit": 20}
	recs, ok := r.records(a)
	if !ok {
		r.a.Situation = joinLines(r.maintUnreadable())
		r.a.Confidence = "low"
		return
	}
	var done []maintRecord
	for _, rec := range recs {
		if rec.Kind != "alert" && rec.Status != "open" {
			done = append(done, rec)
		}
	}
	if len(done) < 2 {
		r.a.Situation = r.msg("maint.before_none", args["asset"])
		r.a.Confidence = "medium"
		return
	}
	var lines []string
	for _, rec := range done[1:min(len(done), 5)] {
		lines = append(lines, "• "+r.msg("maint.before_one", r.recordAt(rec.Opened), rec.Title, rec.ID))
	}
	r.a.Situation = joinLines(append([]string{r.msg("maint.before_latest", args["asset"], r.recordAt(done[0].Opened))}, lines...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
}
