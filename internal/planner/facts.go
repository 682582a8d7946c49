package planner

import (
	"regexp"
	"strings"
)

// Fact is something the user says was done ("the bearing was replaced
// last week", "we already cleaned the filter"): it rules out or down-ranks
// a failure mode, drops the steps that would do it again, and the answer
// says what changed.
type Fact struct {
	// Component and Action are keys of the plant vocabulary (bearing,
	// replaced).
	Component, Action string
}

// factRule reads one kind of fact.
type factRule struct {
	Component, Action string
	// re finds it said as done (past tense, "already", "what if … was").
	re *regexp.Regexp
	// RulesDown is the failure mode the fact makes unlikely.
	RulesDown string
	// Redo finds the steps that would do it again.
	Redo *regexp.Regexp
	// Instead is the message key of what to look at now.
	Instead string
}

// factRules are the facts the planner understands, in English and
// Korean. A new one is an entry here and its message in messages.go.
var factRules = []factRule{
	{Component: "bearing", Action: "replaced",
		re:        regexp.MustCompile(`\bbearings?\b.{0,30}\b(?:was |were |got |been )?(?:replaced|changed|swapped|renewed)\b|\b(?:replaced|changed|swapped|fitted a new|put in a new|installed a new|new)\b.{0,15}\bbearings?\b|베어링.{0,12}(?:(?:교체|교환)\s*(?:했|함|한 ?(?:지|후|뒤|다음|거)|됐|되었|완료)|바꿨|바꾸었|갈았|새로 ?(?:넣|달|끼|갈))`),
		RulesDown: "bearing_wear", Redo: regexp.MustCompile(`(?i)remove the bearing|fit the new bearing|new bearing|bearing replacement|bearing change|replace the bearing|베어링을 분리|새 베어링|베어링 교체`), Instead: "fact.bearing_replaced"},
	{Component: "filter", Action: "replaced",
		re:        regexp.MustCompile(`\b(?:filter|element)s?\b.{0,30}\b(?:was |were |got |been )?(?:replaced|changed|swapped|renewed|cleaned)\b|\b(?:replaced|changed|swapped|cleaned)\b.{0,15}\b(?:filter|element)s?\b|(?:필터|엘리먼트).{0,12}(?:(?:교체|교환|청소|세척)\s*(?:했|함|한 ?(?:지|후|뒤|다음|거)|됐|되었|완료)|바꿨|갈았)`),
		RulesDown: "filter_clogging", Redo: regexp.MustCompile(`(?i)remove the element|fit the new element|new element|change the (?:product )?filter|replace the intake|filter element|엘리먼트를 빼|새 엘리먼트|필터 (?:엘리먼트)?.{0,6}교체`), Instead: "fact.filter_replaced"},
	{Component: "strainer", Action: "cleaned",
		re:        regexp.MustCompile(`\b(?:strainer|screen|basket)s?\b.{0,30}\b(?:was |were |got |been )?(?:cleaned|cleared|replaced|flushed|unblocked)\b|\b(?:cleaned|cleared|replaced)\b.{0,15}\b(?:strainer|screen|basket)s?\b|스트레이너.{0,12}(?:(?:청소|세척|교체)\s*(?:했|함|한 ?(?:지|후|뒤|다음|거)|됐|되었|완료))`),
		RulesDown: "filter_clogging", Redo: regexp.MustCompile(`(?i)clean it with water|lift out the basket|open the strainer|clean the suction strainer|스트레이너 청소`), Instead: "fact.strainer_cleaned"},
	{Component: "belt", Action: "tensioned",
		re:        regexp.MustCompile(`\b(?:re-?tensioned|tightened|adjusted the tension)\b|\bbelts?\b.{0,30}\b(?:was |were |got |been )?(?:tensioned|re-?tensioned|tightened|adjusted)\b|(?:벨트|장력).{0,12}(?:조정했|조였|맞췄)`),
		RulesDown: "", Redo: regexp.MustCompile(`(?i)set tension|re-check tension|tension with the frequency|장력 설정|장력 재확인`), Instead: "fact.belt_tensioned"},
	{Component: "belt", Action: "replaced",
		re:        regexp.MustCompile(`\bbelts?\b.{0,30}\b(?:was |were |got |been )?(?:replaced|changed|swapped|renewed)\b|\b(?:replaced|changed|new)\b.{0,15}\bbelts?\b|벨트.{0,12}(?:(?:교체|교환)\s*(?:했|함|한 ?(?:지|후|뒤|다음|거)|됐|되었|완료)|바꿨|갈았)`),
		RulesDown: "belt_slip", Redo: regexp.MustCompile(`(?i)replace the complete matched|matched set|세트 전체를 교체`), Instead: "fact.belt_replaced"},
	{Component: "grease", Action: "greased",
		re:        regexp.MustCompile(`\b(?:re-?greased|greased|lubricated|oiled)\b|(?:그리스|윤활).{0,12}(?:했|주입했|넣었)`),
		RulesDown: "", Redo: regexp.MustCompile(`(?i)regrease|grease with|lubric|그리스 주입|재윤활`), Instead: "fact.greased"},
}

// notDoneBefore finds, just before a fact's words, that it is asked about
// or planned rather than done ("should we replace the bearing", "do we need
// a new belt"); notDoneAfter finds it after Korean verbs ("교체해야",
// "교체할까요", "언제 교체", "교체한게 언제야?", "교체 들어가기전에").
var (
	notDoneBefore = regexp.MustCompile(`\b(?:should|need|needs|must|have to|has to|going to|will|shall|when to|when (?:was|were|did)|how many times|how often|(?:did|has|have) (?:anyone|anybody|someone|somebody|we|they)|can we|could we|can i|do we|do i|is it time to|time to|plan to|planning to|want to|whether to|how to|when do)\b[^.?!,;]{0,25}$|언제\s*$`)
	notDoneAfter  = regexp.MustCompile(`^\s*(?:해야|할|하려|하면|해도|할까|하나|해 ?줘|해주|예정|필요|시기|주기|언제|들어가|들어갈|시작|착수|하기 ?전|전에|작업 ?(?:전|시작|들어))|^\S{0,4}\s*언제`)
)

// factsIn returns the facts a text states as done.
func factsIn(text string) []factRule {
	lower := strings.ToLower(text)
	var out []factRule
	for _, r := range factRules {
		for _, m := range r.re.FindAllStringIndex(lower, -1) {
			if notDoneBefore.MatchString(lower[:m[0]]) || notDoneAfter.MatchString(lower[m[1]:]) {
				continue
			}
			out = append(out, r)
			break
		}
	}
	return out
}
