package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// The evidence gates every answer passes, whichever mode made it (the
// planner applies them while composing; the model's answers are checked
// here):
//
//   - a step that touches equipment stays only with evidence: an anomaly a
//     detector found in this turn (BasisSensor, or BasisRule when a
//     document's limit is crossed), the user's explicit report of the
//     failure (BasisReport), or a procedure the user asked for
//     (BasisRequest); a step the model left without a basis gets the one
//     the turn supports, or is dropped;
//   - a question about things the plant does not have (robot-7, line-4)
//     is never answered as something else: with nothing known named, the
//     answer says plainly what is unknown and the closest known names.
//
// Numbers no tool returned are handled by ground.

// ShortcutRe finds a question whether a safety measure may be skipped or
// defeated ("can I skip the lockout?", "bypass the guard interlock just
// once", "can i tape over the light curtain?", "LOTO 생략해도 되나요?",
// "인터록 바이패스하고 돌려도 돼?"). The answer is always no, with the rule
// it comes from: Gemba never weighs a safety step against time. Such a
// question asks for the procedure it would skip, so its steps pass the
// equipment gate.
var ShortcutRe = regexp.MustCompile(`(?i)\b(?:skip\w*|bypass\w*|override|overrid\w*|ignor\w*|defeat\w*|disabl\w*|jumper\w*|get around|go around|leave (?:out|off)|do without|work without|run (?:it )?without|do it without|without|w/o|tap(?:e|ed|ing) (?:over|up|off)|block\w*|mute\w*|cheat\w*|tie (?:back|down|off|up)|wedg\w*|prop\w* open)\b.{0,40}\b(?:lock ?-?out|tag ?-?out|loto|lock(?:s|ing)?|isolat\w*|guards?|interlocks?|light curtains?|safety \w+|e-?stops?|emergency stops?|ppe|permits?|zero energy|trips?|cut-?outs?|protections?|pressure switch(?:es)?)\b|(?:잠금|표지|loto|인터록|인터락|안전|가드|방호|비상 ?정지|에너지 차단|트립|보호 ?장치).{0,15}(?:생략|건너뛰|건너 뛰|우회|해제|무시|안 ?해도|안 ?하고|안 ?하면|없이|빼도|빼고|안 ?걸|바이패스|무력화|점퍼|테이프|막아|가리고|가려|꺼 ?두|끄고|꺼도|풀고|풀어|풀면)` +
	// The device named before what is done to it ("light curtain on press
	// 2 keeps tripping, ok to bypass it for the rest of the shift?").
	`|\b(?:light curtains?|interlocks?|guards?|e-?stops?|emergency stops?|safety (?:switch|gate|door|sensor|mat|relay)s?)\b.{0,60}\b(?:bypass\w*|defeat\w*|overrid\w*|disabl\w*|jumper\w*|mute\w*|tap(?:e|ed|ing) (?:it|them) (?:over|up|off)|tie (?:it|them) (?:back|off|up))\s+(?:it|them)?\b` +
	// Reaching into a machine with its guard open ("can I open the cover
	// and reach in quickly?", "커버 열고 잠깐 손 넣어서 빼도 되지?"): the
	// same shortcut, said as an act.
	`|\b(?:reach|put (?:my |a |your )?hands?|stick (?:my |a |your )?hands?|climb)\b.{0,15}\b(?:in|into|inside|under)\b.{0,40}\b(?:quick\w*|briefly|just|real quick|for a (?:sec|second|moment)|while (?:it'?s )?(?:running|on|moving)|with (?:the )?(?:guard|cover|door) (?:open|off))\b|\b(?:open|remove|take off|lift)\b.{0,15}\b(?:the )?(?:guard|cover|door)\b.{0,30}\b(?:reach|hand|grab|clear)\b|(?:커버|가드|덮개|안전문|방호) ?(?:를|을)? ?(?:열고|연 ?채|떼고|열어 ?놓고).{0,20}손|손 ?(?:넣어|집어 ?넣어|넣고).{0,20}(?:되지|돼|될까|괜찮|빼도|꺼내도|빼면|꺼내면|되나|안 ?되)` +
	// Opening a system under pressure without releasing it first ("ok to
	// open it without venting the receiver?", "리시버 배기 안하고 까도
	// 되지?"): stored energy, the same shortcut.
	`|\b(?:without|w/o|skip\w*|not|never|before)\b.{0,20}\b(?:vent\w*|bleed\w*|bled|depressuri[sz]\w*|de-?pressuri[sz]\w*|blow\w* (?:it )?down|releas\w* (?:the )?(?:pressure|air))\b|(?:배기|벤트|탈압|감압|블로우 ?다운|잔압 ?(?:제거|빼)|(?:압력?|에어|공기) ?(?:을|를)? ?(?:빼|뺀|제거))\s*(?:안 ?하고|안 ?하면|안 ?해도|안 ?하고도|생략|없이|건너뛰|안 ?빼고|안 ?빼도|하지 ?말고|전에)|(?:압력?|에어|공기) ?(?:을|를)? ?안 ?빼` +
	// An e-stop in place of the lockout (EstopInsteadPattern).
	`|` + EstopInsteadPattern +
	// Clearing a jam by hand ("can I just pull it out by hand?", "그냥
	// 손으로 빼도 되죠?"): the same.
	`|\b(?:pull|yank|grab|clear|free|get|take|pick)\b.{0,25}\b(?:by hand|with (?:my|your|bare) hands?)\b|손으로 ?(?:그냥 |바로 |잠깐 )?(?:빼|꺼내|치우|치워|잡아 ?빼|당겨|뽑|정리|집어)\S*` +
	// Reaching in, asked as a permission, whatever the machine's state
	// ("can I just reach in and grab it while it's stopped?"): a stopped
	// machine is no isolated one.
	`|\b(?:can|could|may|ok to|okay to|alright to|fine to)\b.{0,20}\b(?:reach|stick (?:my |a |your )?hands?|put (?:my |a |your )?hands?)\b.{0,10}\b(?:in|into|inside)\b` +
	// Removing another person's lock ("someone left their lock on, can I
	// cut it off?", "퇴근한 사람 자물쇠 풀어도 돼?"): never; the abandoned-lock
	// procedure is the shift manager's.
	`|` + OthersLockPattern +
	// Whether the lockout is needed at all (NeedLockoutPattern), and an
	// alarm silenced to run on (AlarmOffPattern).
	`|` + NeedLockoutPattern + `|` + AlarmOffPattern + `|` + LockWhoPattern +
	// A personal lock at the end of a shift ("LOTO 걸어놨는데 교대시간
	// 넘어가면 자물쇠 어떻게 해야돼?") (LockShiftPattern).
	`|` + LockShiftPattern +
	// Opening a door or guard to touch a part after an alarm ("cnc4
	// 온도알람 떴는데 도어 열고 스핀들 만져봐도 됨?") (OpenTouchPattern).
	`|` + OpenTouchPattern +
	// Work on a machine while it runs ("ok if i tighten the gland while
	// its running?", "돌아가는 중에 조여도 돼?"): no; stop and lock out first.
	// "tighten it while it runs", "fix it without stopping it", "안 세우고
	// 조여도 돼?": the same.
	`|\b(?:tighten\w*|adjust\w*|clean\w*|greas\w*|lubric\w*|fix\w*|repair\w*|replac\w*|remov\w*|chang\w*|swap\w*|touch\w*|work on|unclog\w*|clear\w*)\b.{0,40}\b(?:(?:while|when) (?:it'?s |it is |its |the \w+ (?:is |are )?)?(?:still )?(?:running|on|moving|operating|live|energi[sz]ed|turning|spinning|in operation|under pressure|pressuri[sz]ed)|(?:while|when) (?:it|the \w+) (?:still )?(?:runs|operates|moves|turns|spins)|without (?:stopping|shutting|switching|turning) (?:it |the \w+ )?(?:down|off)?)\b` +
	`|(?:돌아가는|가동 ?중|운전 ?중|작동 ?중|돌고 있는|안 ?세우고|세우지 않고|정지 ?(?:안 ?하고|하지 않고|없이)|안 ?끄고|끄지 않고)\S*\s*.{0,25}(?:조여|조이|조정|청소|교체|만져|손|작업|수리|빼|그리스|주유)\S*\s*(?:도|되|돼|될까|괜찮)`)

// othersLockHead asks whether another person's lockout lock may be
// removed.
const othersLockHead = `\b(?:someone|somebody|another (?:person|guy|worker|tech\w*)|(?:a )?(?:guy|worker|tech\w*|colleague)|(?:the )?(?:other|previous|last|day|night) (?:shift|guy|person|worker|crew))\b.{0,60}\b(?:pad)?lock(?:out)?s?\b.{0,60}\b(?:remove|cut|take (?:it |them )?off|unlock|open|pull (?:it |them )?off|break)\b|\b(?:remove|cut (?:off)?|take off|unlock|open|break)\b.{0,20}\b(?:someone(?: else)?'?s|somebody(?: else)?'?s|another (?:person|guy|worker)'?s|(?:his|her|their)|other (?:people|person|guys?)'?s?)\b.{0,15}\block(?:out)?s?\b|(?:퇴근|간 사람|다른 사람|남의|남이|타인|전 교대|앞 교대|전 근무).{0,30}(?:자물쇠|잠금|락|록|loto).{0,30}(?:풀|제거|잘라|자르|절단|끊|떼|해제|열어)|(?:자물쇠|잠금|락|록|loto).{0,30}(?:퇴근|간 사람|다른 사람|남의|남이|타인).{0,30}(?:풀|제거|잘라|자르|절단|끊|떼|해제|열어)|누가.{0,20}(?:자물쇠|잠금|락|록|loto).{0,50}(?:풀어도|제거해도|잘라도|절단|끊어도|떼도|해제해도|열어도)`

// othersLockTail covers "left his padlock on ... ok if i just take it
// off?": whose lock, then the act.
const othersLockTail = `|\b(?:his|her|their)\s+(?:pad)?locks?\b.{0,80}\b(?:remove|cut|take (?:it |them )?off|unlock|open|pull (?:it |them )?off|break)\b`

// NeedLockoutPattern asks whether the lockout is needed at all ("do i
// really need to lock it out?", "LOTO 꼭 해야 돼요?"): always; a short job
// is no exception.
const NeedLockoutPattern = `\b(?:do|must|should) (?:i|we|you) (?:really |actually |even |still |honestly |always )?(?:need|have|got) to (?:lock|tag|loto|isolat|vent|bleed|depressuri[sz]|drain|release the (?:pressure|air|energy))\w*|(?:에어|공기|압력|압|잔압)\S*\s*(?:꼭|반드시|굳이)\s*(?:빼야|배기해야|빼고)|\bis (?:a |the )?(?:lock ?-?out|loto|isolation)\b.{0,10}\b(?:really |actually |even )?(?:needed|necessary|required|mandatory)\b|\b(?:need|have) to (?:lock|loto)\w*(?: it| them)?(?: out)? (?:for|on) (?:a |such a )?(?:quick|short|small|5|five|2|two|10|ten)\b|(?:잠금|loto|표지|에너지 ?차단)\S*\s*(?:까지\s*)?(?:꼭|반드시|굳이|정말|진짜)\s*(?:해야|걸어야|필요)`

// LockWhoPattern asks whether someone may apply the lockout themselves
// ("잠금 제가 직접 걸어도 돼요?", "can i do the lockout myself?"): only
// trained, authorised staff do.
const LockWhoPattern = `\b(?:can|may|could) i (?:just )?(?:do|apply|fit|put on|hang|put) (?:the |my own |a )?(?:lock ?-?out|loto|locks?|tags?)(?: on)? (?:myself|on my own|alone)\b|\b(?:am i|are we) (?:allowed|authori[sz]ed|trained|qualified) to (?:lock|loto|apply|do the lock)\w*|\bdo (?:i|we) need maintenance (?:to|for) (?:the )?(?:lock|loto)\w*|(?:잠금|loto|자물쇠|록아웃)\S*\s*(?:을|를)?\s*(?:제가|내가|저도|나도|직접|혼자|작업자가|운전자가)\s*(?:직접\s*)?(?:걸어도|해도|달아도|걸면|하면|채워도)`

// AlarmOffPattern silences an alarm to run on ("can I switch the alarm
// off and keep running?", "알람 꺼놓고 그냥 돌려도 되죠?").
const AlarmOffPattern = `\b(?:silenc\w*|mut(?:e|ing)|disabl\w*|ignor\w*|bypass\w*|turn(?:ing)? (?:it |them |the \w+ )?off|switch(?:ing)? (?:it |them |the \w+ )?off|shut(?:ting)? (?:it |them )?off)\b.{0,40}\b(?:keep (?:it |on )?(?:running|going)|run (?:it|on)|carry on|keep going)\b|알람\S*\s*(?:그냥\s*)?(?:꺼|끄|끈|무시|해제|죽이|죽여)\S*.{0,20}(?:돌려|가동|운전|계속)`

// OpenTouchPattern opens a door, guard or cover to touch or feel a part
// by hand, or touches a motor or spindle to feel whether it is hot ("can I
// open the door and touch the spindle to check?", "커버 열고 모터 손으로
// 만져봐도 돼?"): not before it has stopped and is locked out.
const OpenTouchPattern = `\b(?:open\w*|remov\w*|take off|lift\w*|pop\w*)\b.{0,25}\b(?:guards?|covers?|doors?|hood|enclosure|panel|lid)\b.{0,50}\b(?:touch\w*|feel\w*|by hand|hands? on|put (?:my |a )?hands?)\b` +
	`|\b(?:touch\w*|feel\w*)\b.{0,25}\b(?:spindle|motor|bearing|housing|casing|chuck|shaft|winding)s?\b.{0,30}\b(?:check|see|tell|know)\b.{0,25}\b(?:hot|temp\w*|warm|heat\w*)\b` +
	`|(?:도어|문|커버|가드|덮개|안전문|뚜껑|케이스|판넬|패널)\s*(?:을|를)?\s*(?:열고|열어서|열어 ?보고|열어 ?놓고|연 ?다음|연 ?채|떼고|열면)\S*.{0,25}(?:만져|만지|손으로|손 ?대|손 ?넣)` +
	`|(?:스핀들|모터|베어링|하우징|케이싱|축)\S*\s*(?:손으로\s*)?(?:만져|만지)\S*\s*(?:봐도|도|보면|봐서|볼까)`

// LockShiftPattern asks what becomes of one's lock when the shift ends
// with the job open ("i have my lock on press 2, shift ends at 14:00 and
// the job isn't done", "퇴근해야 되는데 제 자물쇠 걸어둔 채로 가도 돼요?"):
// only its owner removes it, and the handover is the shift manager's.
const LockShiftPattern = `\b(?:(?:pad)?locks?|loto|lock-?outs?)\b.{0,80}\b(?:shift (?:ends?|ending|change\w*|is over|handover|hand-?over)|end of (?:my |the |our )?shift|go(?:ing)? home|clock(?:ing)? (?:out|off)|leave (?:it|them) on|overnight|next (?:shift|guy|crew|person)|hand (?:it |them )?over|handover|hand-?off)\b` +
	`|\b(?:shift (?:ends?|ending|change\w*|is over|handover)|end of (?:my |the |our )?shift|going home|clock(?:ing)? (?:out|off))\b.{0,80}\b(?:(?:pad)?locks?|loto|lock-?outs?)\b` +
	`|(?:자물쇠|잠금|loto|록아웃)\S*.{0,40}(?:교대|퇴근|인계|다음 ?(?:근무|조|교대|사람)|야간조|주간조|오후조|근무 ?(?:끝|종료))` +
	`|(?:교대|퇴근|인계|다음 ?(?:근무|조|교대|사람)|근무 ?(?:끝|종료))\S*.{0,40}(?:자물쇠|잠금|loto|록아웃)`

// OthersLockPattern is the whole question about another person's lock.
const OthersLockPattern = othersLockHead + othersLockTail

// EstopInsteadPattern relies on an emergency stop in place of the lockout
// ("can I just hit the e-stop?", "비상정지만 누르고 작업해도 돼?"): an
// e-stop is no isolation.
const EstopInsteadPattern = `\b(?:just|only|instead)\b.{0,25}\b(?:e-?stop|emergency stop|estop|stop button)\b|\b(?:e-?stop|emergency stop|stop button)\b.{0,25}\b(?:instead of|rather than|enough|good enough|suffice|ok to work|then work)\b|\b(?:e-?stop|emergency stop|estop|stop button)\b.{0,20}\b(?:is |'s |are |been )?(?:pressed|pushed|hit|engaged|down|in)\b.{0,40}\b(?:can i|can we|ok|okay|safe|fine|alright|just)\b|비상\s*정지\S*\s*(?:만|눌러\s*(?:놓고|놨|놓았|뒀|두었|둔|놓은)\S*|눌렀\S*|누르고|걸고|걸어\s*(?:놓고|놨|뒀)\S*).{0,20}(?:작업|해도|되|돼|괜찮)`

// procedureRe finds a request for a procedure ("how do I…", "절차").
var procedureRe = regexp.MustCompile(`(?i)how (?:do|can|should|to) (?:i|we|you)?\s*\w*|\bwhat (?:do|should|must) (?:i|we) do (?:if|when)\b|(?:넘어가면|넘으면|떨어지면|초과하면|내려가면).{0,10}어떻게 (?:해야|하면|해)|\bprocedure\b|\bsop\b|\brunbook\b|instructions|steps to|(?:교체|교환|청소|세척|분해|정비|수리)\S*\s*(?:할 ?때|하기 ?전에?|전에|시에?|들어가기 ?전에?)\s?.{0,25}(?:해야|필요|돼\?|되나|되지)|\b(?:give|gimme|show|send|list)\b.{0,25}\bsteps\b|\b(?:swap|replacement|change ?out|removal|install(?:ation)?|cleaning)\s+(?:steps|sequence)\b|\b(?:loto|lockout|lock ?out) (?:steps|sequence|order)\b|순서(?:대로)? ?(?:알려|말해|정리|보여)|(?:loto|잠금|록아웃).{0,12}(?:순서|절차|단계|어떻게|어케|어캐)|\b(?:right|correct|proper|safe|safest|best|quickest|fastest) way to\b|(?:청소|교체|교환|점검|정비|분해|조립|설치|조정|세척)\S*\s*(?:하려면|할려면|하는 ?법|하는 ?방법)\s*(?:어떻게|어케|어캐|뭐)|순서\s*좀|절차|방법|매뉴얼|어떻게 (?:교체|청소|조정|잠금|잠그|하는|빼|꺼내|제거|풀어|치워|돌려)|(?:교체|교환|청소|세척|조정|분해|설치|장착)\s*(?:어떻게|하는 ?법|순서)`)

// ReadingRe finds a reading the user gives with its unit ("pressure is
// 2.2 bar", "75 degrees", "60 A", "6.5 mm/s", "스핀들 75도").
var ReadingRe = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(bar|°\s?c|℃|degrees?(?:\s?c)?|deg\b|mm/s|amps?\b|a\b|rpm|도\b|도(?:야|예요|입니다|에요|가|인데))`)

// ReadingIn returns the first reading a text gives (its value and unit),
// leaving out a clock's "3 a.m." that reads like amperes.
func ReadingIn(text string) (value, unit string, ok bool) {
	for _, m := range ReadingRe.FindAllStringSubmatchIndex(text, -1) {
		unit = text[m[4]:m[5]]
		if strings.EqualFold(unit, "a") && strings.HasPrefix(strings.ToLower(text[m[5]:]), ".m") {
			continue
		}
		return text[m[2]:m[3]], unit, true
	}
	return "", "", false
}

// Threshold is a value a question looks for in the data ("when did pump 1
// pressure last drop below 2.5 bar?", "how many hours was press 3 above
// 4.5 mm/s?"): a threshold, not a reading the user took.
type Threshold struct {
	// Above is set for above/over/exceeded (이상, 초과, 넘), else below.
	Above bool
	// Value and Unit are as written ("2.5", "bar"); Unit may be empty.
	Value, Unit string
	// Future is set for a value asked about ahead ("will press 3 reach 7
	// mm/s today?"): no reading either, and nothing to look for in the past.
	Future bool
}

var (
	thresholdENRe = regexp.MustCompile(`(?i)\b(above|over|exceed(?:s|ed|ing)?|more than|higher than|greater than|below|under|less than|lower than)\s+(\d+(?:\.\d+)?)\s*(bar|°\s?c|℃|degrees?(?:\s?c)?|mm/s|amps?\b|a\b|rpm|%|psi|kpa|v\b)?`)
	thresholdKORe = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(bar|°\s?c|℃|도|mm/s|a\b|rpm|%)?\s*(이상|초과|넘|이하|미만|아래|밑)`)
	// thresholdAheadRe asks whether or when a value will be reached:
	// groups 1–3 in English (verb, value, unit), 4–7 in Korean.
	thresholdAheadRe = regexp.MustCompile(`(?i)\b(?:will|would|going to|could|might|how (?:long|soon)|until|till)\b.{0,40}\b(reach(?:es)?|hit(?:s)?|get to|gets to|go (?:over|above|below|under)|goes (?:over|above|below|under)|cross(?:es)?|exceed(?:s)?|pass(?:es)?|drops? (?:to|below|under)|falls? (?:to|below|under))\s+(\d+(?:\.\d+)?)\s*(bar|°\s?c|℃|degrees?(?:\s?c)?|mm/s|amps?\b|a\b|rpm|%|psi|kpa|v\b)?|()(\d+(?:\.\d+)?)\s*(bar|°\s?c|℃|도|mm/s|a\b|rpm|%)?\s*(?:에|까지|을|를|이|가)?\s*(도달할|넘을|넘어갈|넘어설|떨어질|내려갈|아래로 ?갈)`)
	// thresholdAskRe is the question about time a threshold comes with.
	thresholdAskRe = regexp.MustCompile(`(?i)\bwhen\b|\bwhat time\b|몇 ?시(?:에|야|였|쯤)|\bhow (?:many|much|long|often)\b|\bsince when\b|\blast time\b|\bever\b|언제|몇 ?(?:시간|번|일|분)|얼마나 (?:오래|자주)|얼마 동안|적 ?(?:있|이)`)
)

// ThresholdIn returns the threshold a question about the data's past
// asks for, if it asks one: a comparison with a value and a question of
// time ("when", "how many hours", "since when", "몇 시간"). "Vibration is
// over 6 mm/s, what do I do?" is a reading, not this.
func ThresholdIn(text string) (Threshold, bool) {
	if m := thresholdAheadRe.FindStringSubmatch(text); m != nil {
		// "will it reach 7 mm/s?", "how long until it hits 80 °C?", "7 mm/s
		// 넘을까?": a value ahead, not a reading.
		v, u, w := m[2]+m[5], m[3]+m[6], strings.ToLower(m[1]+m[7])
		above := !strings.Contains(w, "below") && !strings.Contains(w, "under") && !strings.Contains(w, "drop") && !strings.Contains(w, "fall") &&
			!strings.Contains(w, "떨어") && !strings.Contains(w, "아래") && !strings.Contains(w, "밑")
		return Threshold{Above: above, Value: v, Unit: u, Future: true}, true
	}
	if !thresholdAskRe.MatchString(text) {
		return Threshold{}, false
	}
	if m := thresholdENRe.FindStringSubmatch(text); m != nil {
		w := strings.ToLower(m[1])
		above := !strings.HasPrefix(w, "below") && !strings.HasPrefix(w, "under") && !strings.HasPrefix(w, "less") && !strings.HasPrefix(w, "lower")
		return Threshold{Above: above, Value: m[2], Unit: m[3]}, true
	}
	if m := thresholdKORe.FindStringSubmatch(text); m != nil {
		above := m[3] == "이상" || m[3] == "초과" || m[3] == "넘"
		return Threshold{Above: above, Value: m[1], Unit: m[2]}, true
	}
	return Threshold{}, false
}

// jobUnderwayRe finds a job said as under way and its next steps asked
// ("we cleaned the strainer, anything else to do?", "스트레이너 청소했어요.
// 이제 뭐 해야 돼?"): the rest of that job's procedure is asked for.
var jobUnderwayRe = regexp.MustCompile(`(?i)\b(?:cleaned|cleared|replaced|changed|swapped|removed|opened|fitted|drained|isolated|locked out|re-?greased|tensioned)\b.{0,60}\b(?:anything else|what (?:now|next|else)|what(?:'s| is) (?:left|next)|next steps?|how do (?:i|we) finish)\b|(?:청소|세척|교체|교환|분리|잠금|주입).{0,12}(?:했|했어요|했습니다|완료).{0,30}(?:이제 뭐|다음에? ?(?:뭐|무엇)|또 뭐|뭘 더|남은)`)

// runbookNamed says whether question names, by its id, a runbook the
// answer cites ("show RB-LOTO"): its procedure is asked for.
func runbookNamed(question string, cites []tools.Citation) bool {
	q := strings.ToLower(question)
	for _, c := range cites {
		if c.Kind == "runbook" && c.ID != "" && strings.Contains(q, strings.ToLower(c.ID)) {
			return true
		}
	}
	return false
}

// gate applies the evidence gates to an answer.
func (r *Runner) gate(ctx context.Context, t *turn, a *Answer) {
	r.gateEquipment(t, a)
	if a.Mode == ModeLLM {
		r.gateUnknown(ctx, t, a)
	}
}

// gateEquipment keeps a step that touches equipment only with evidence.
func (r *Runner) gateEquipment(t *turn, a *Answer) {
	events := eventAssets(t)
	var userText []string
	userText = append(userText, t.req.Question)
	for _, h := range t.history {
		if h.Role == RoleUser {
			userText = append(userText, h.Content)
		}
	}
	reported := plant.ReportedModes(strings.Join(userText, "\n"))
	// A reading the user took ("pressure is 2.2 bar") is a report too.
	_, _, readingGiven := ReadingIn(strings.Join(userText, "\n"))
	if _, asked := ThresholdIn(t.req.Question); asked {
		readingGiven = false // "how many hours was it above 4.5 mm/s?" reports nothing
	}
	asked := procedureRe.MatchString(t.req.Question) || ShortcutRe.MatchString(t.req.Question) || jobUnderwayRe.MatchString(t.req.Question) ||
		runbookNamed(t.req.Question, a.Citations)
	dropped := 0
	keep := func(steps []Step) []Step {
		var out []Step
		for _, s := range steps {
			if !s.TouchesEquipment {
				out = append(out, s)
				continue
			}
			ok := false
			switch s.Basis {
			case BasisSensor, BasisRule:
				ok = len(events) > 0
			case BasisReport:
				ok = len(reported) > 0 || readingGiven
			case BasisRequest:
				ok = asked
			case "":
				switch {
				case len(events) > 0:
					s.Basis = BasisSensor
					s.Evidence = evidenceText(t.lang, BasisSensor, strings.Join(events, ", "))
				case len(reported) > 0:
					s.Basis = BasisReport
					s.Evidence = evidenceText(t.lang, BasisReport, "")
				case asked:
					s.Basis = BasisRequest
				}
				ok = s.Basis != ""
				if ok && s.Evidence != "" && !strings.Contains(s.Reason, s.Evidence) {
					s.Reason = strings.TrimPrefix(s.Reason+"; "+s.Evidence, "; ") // readers see the reason, not the field
				}
			}
			if !ok {
				dropped++
				continue
			}
			out = append(out, s)
		}
		return out
	}
	a.Steps = keep(a.Steps)
	a.Detail = keep(a.Detail)
	if dropped > 0 {
		if t.lang == "ko" {
			t.warn("근거(센서 이상, 사용자 보고, 요청한 절차) 없이 설비를 다루는 단계 %d개를 제외했습니다", dropped)
		} else {
			t.warn("removed %d step(s) that touch equipment without evidence (no anomaly found, no failure reported, no procedure asked for)", dropped)
		}
		if a.Confidence == "high" {
			a.Confidence = "medium"
		}
	}
}

func evidenceText(lang, basis, what string) string {
	switch {
	case basis == BasisSensor && lang == "ko":
		return "센서 근거: " + what + "에서 감지된 이상"
	case basis == BasisSensor:
		return "sensor evidence: an anomaly detected on " + what
	case lang == "ko":
		return "사용자 보고 기준 (센서 데이터로는 확인되지 않음)"
	}
	return "based on your report (not confirmed by the sensor data)"
}

// eventAssets are the assets (or series) a detector found an event on in this turn.
func eventAssets(t *turn) []string {
	var out []string
	for _, o := range t.outcomes {
		if !o.ok || (o.name != tools.DetectAnomalies && o.name != tools.ExplainAnomaly) {
			continue
		}
		b, err := json.Marshal(o.res.Data)
		if err != nil {
			continue
		}
		var d struct {
			Subject string `json:"subject"`
			Events  []struct {
				Asset  string `json:"asset"`
				Sensor string `json:"sensor"`
			} `json:"events"`
			Event *struct {
				Asset string `json:"asset"`
			} `json:"event"`
		}
		if json.Unmarshal(b, &d) != nil {
			continue
		}
		for _, e := range d.Events {
			who := e.Asset
			if who == "" {
				who = e.Sensor
			}
			out = appendUnique(out, who)
		}
		if d.Event != nil {
			who := d.Event.Asset
			if who == "" {
				who = d.Subject
			}
			out = appendUnique(out, who)
		}
	}
	return out
}

// gateUnknown keeps a model's answer from presenting something the plant
// does not have as something it has.
func (r *Runner) gateUnknown(ctx context.Context, t *turn, a *Answer) {
	// Names the question mentions, read against no plant: every one is a candidate.
	named := (&plant.Plant{}).Resolve(t.req.Question)
	var open []string
	for _, u := range named.Unknown {
		if !coveredByTools(t, u.Said) {
			open = append(open, u.Said)
		}
	}
	if len(open) == 0 {
		return
	}
	p, err := t.tools.Plant(ctx)
	if err != nil || p == nil || len(p.Assets) == 0 {
		return // no catalog to judge by
	}
	m := p.Resolve(t.req.Question)
	if len(m.Unknown) == 0 {
		return
	}
	for _, u := range m.Unknown {
		a.Unknown = appendUnique(a.Unknown, u.Said)
	}
	say := UnknownSentence(t.lang, m.Unknown, p)
	if len(m.Assets)+len(m.Lines)+len(m.Series)+len(m.Types) == 0 {
		// Nothing the plant has was asked about: whatever the model said
		// about other machines is not an answer to this question.
		a.Situation, a.Cause, a.Steps, a.Detail, a.Citations, a.modelCitations = say, "", nil, nil, nil, nil
		a.Confidence = "low"
		a.Escalate = ""
		if t.lang == "ko" {
			t.warn("모델의 답이 플랜트에 없는 대상을 다른 설비로 답해 바꿨습니다")
		} else {
			t.warn("the model's answer was replaced: it answered about something the plant does not have")
		}
		return
	}
	a.Situation = strings.TrimSpace(say + " " + a.Situation)
	if a.Confidence == "high" {
		a.Confidence = "medium"
	}
}

// coveredByTools reports whether a tool of the turn ran on the name
// without being told it does not exist.
func coveredByTools(t *turn, name string) bool {
	for _, o := range t.outcomes {
		if !o.ok {
			continue
		}
		for _, k := range []string{"asset", "series", "line"} {
			if v, _ := o.trace.Args[k].(string); v != "" && strings.EqualFold(v, name) {
				return true
			}
		}
	}
	return false
}

// UnknownSentence says plainly what the plant does not have and the
// closest names it does, in the answer's language.
func UnknownSentence(lang string, us []plant.Unknown, p *plant.Plant) string {
	var parts []string
	for _, u := range us {
		close := u.Closest
		if len(close) == 0 && (u.Kind == plant.UnknownType || u.Kind == plant.UnknownAsset) && p != nil {
			close = p.AssetNames()
		}
		if len(close) > 8 {
			// A register of a hundred machines is no list to read.
			close = append(close[:8:8], "…")
		}
		if u.Kind == plant.UnknownArea {
			if lang == "ko" {
				parts = append(parts, fmt.Sprintf("%s에 있는 설비나 센서는 이 플랜트의 데이터에 없습니다 (아는 라인: %s).", u.Said, strings.Join(close, ", ")))
			} else {
				parts = append(parts, fmt.Sprintf("Nothing in this plant's data is in the %s: no machine or sensor there is connected (the lines I know: %s).", u.Said, strings.Join(close, ", ")))
			}
			continue
		}
		if u.Ambiguous && len(close) > 1 {
			// "P2", "3호기": more than one machine is named so.
			if lang == "ko" {
				parts = append(parts, plant.Josa(fmt.Sprintf("%s은(는) %s 중 어느 설비인가요? 설비 이름으로 다시 물어봐 주세요 (예: \"%s\").", u.Said, strings.Join(close, ", "), close[0])))
			} else {
				parts = append(parts, fmt.Sprintf("%s could be %s: which one do you mean? Ask again with its name (for example \"%s\").", u.Said, strings.Join(close, " or "), close[0]))
			}
			continue
		}
		if lang == "ko" {
			s := plant.Josa(fmt.Sprintf("이 플랜트에는 %s이(가) 없습니다", u.Said))
			if len(close) > 0 {
				s += fmt.Sprintf(" (가까운 이름: %s)", strings.Join(close, ", "))
			}
			parts = append(parts, s+".")
			continue
		}
		s := fmt.Sprintf("There is no %s in this plant", u.Said)
		if len(close) > 0 {
			s += fmt.Sprintf(" (closest known: %s)", strings.Join(close, ", "))
		}
		parts = append(parts, s+".")
	}
	return strings.Join(parts, " ")
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}
