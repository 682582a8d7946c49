package planner

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// --- A fact of the documents: PPE, a torque, a clearance ---------------------
//
// "what PPE do I need to change the press 3 bearing?", "what torque for the
// motor terminals on cnc 4?", "프레스3 베어링 교체할 때 보호구 뭐 착용해야돼?":
// the documents' sentences that state it, quoted with their source; when
// none does, said plainly with where to take it from, never the machine's
// diagnosis in its place and never a guessed value.

// docFactKind is one kind of fact asked of the documents.
type docFactKind struct {
	key string         // messages: docfact.<key>.*
	ask *regexp.Regexp // the question asks for it
	// line finds a document's sentence about it; value, when set, is what
	// such a sentence must hold to state it (a number with its unit).
	line, value *regexp.Regexp
	search      string // words added to the search
}

var docFactKinds = []docFactKind{
	{
		key:    "ppe",
		ask:    regexp.MustCompile(`(?i)\b(?:what|which|any)\b.{0,25}\b(?:ppe|protective (?:equipment|gear|clothing)|safety (?:gear|equipment)|gloves|goggles|safety glasses|face ?shield|hearing protection|ear ?(?:plugs|protection|defenders))\b|\bppe\b.{0,30}\b(?:need\w*|required|requirements?|wear)\b|\b(?:do|should|must) (?:i|we) (?:need to |have to )?wear\b|(?:보호구|보안경|안전 ?장갑|귀마개|안전화|안전모).{0,12}(?:뭐|뭘|무엇|어떤|어떤거|필요|착용|써야|껴야|신어야|해야)`),
		line:   regexp.MustCompile(`(?i)\bppe\b|protective (?:equipment|gear|clothing)|\bgloves?\b|goggles|safety glasses|face ?shield|hearing protection|ear ?(?:plugs|defenders)|hard hat|safety (?:shoes|boots)|보호구|장갑|보안경|귀마개|안전화|안전모`),
		search: "PPE personal protective equipment gloves safety glasses 보호구",
	},
	{
		key:    "torque",
		ask:    regexp.MustCompile(`(?i)\b(?:what|which|how much)\b.{0,40}\btorque\b|\btorque (?:spec\w*|values?|settings?|figures?)\b|\btorque\b.{0,30}\?|(?:토크|체결력).{0,12}(?:몇|얼마|값|규정|기준|으로|로 조)`),
		line:   regexp.MustCompile(`(?i)\btorqu\w*|토크|체결력`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:N\s?·?\s?m\b|Nm\b|kgf\s?·?\s?(?:m|cm)\b|ft[- ]?lbs?\b|lbf?[- ]?ft\b|in[- ]?lbs?\b)`),
		search: "torque tightening Nm 토크",
	},
	{
		key:    "clearance",
		ask:    regexp.MustCompile(`(?i)\b(?:what|which|how much)\b.{0,40}\b(?:clearance|tolerance|end ?play|runout|backlash)\b|(?:간극|공차|유격|런아웃|백래시).{0,10}(?:몇|얼마|값|기준)`),
		line:   regexp.MustCompile(`(?i)clearance|tolerance|end ?play|runout|backlash|간극|공차|유격|런아웃|백래시`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:mm|µm|μm|um|micron\w*|thou|in(?:ch(?:es)?)?)\b`),
		search: "clearance tolerance runout mm 간극 공차",
	},
	{
		key:    "tension",
		ask:    regexp.MustCompile(`(?i)\b(?:what|how much|which)\b.{0,30}\btension\b|\btension\b.{0,25}\b(?:should|supposed|set|spec\w*|value|freq\w*|hz)\b|\b(?:freq\w*|hz)\b.{0,20}\btension\b|장력.{0,12}(?:얼마|몇|맞춰|기준|값|hz|주파수)`),
		line:   regexp.MustCompile(`(?i)tension|장력`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:Hz\b|N\b|kgf\b|mm\b)`),
		search: "belt tension Hz frequency 장력",
	},
	{
		key:    "rating",
		ask:    regexp.MustCompile(`(?i)\b(?:what|which|how many)\b.{0,15}\b(?:micron\w*|µm|μm|mesh)\b|\b(?:micron|mesh) (?:rating|size|element|filter)\b|몇 ?(?:마이크로\S*|미크론|마이크론|µm|um|메쉬|메시)|(?:마이크로|미크론|마이크론|메쉬|메시)\S* ?(?:짜리|몇|얼마|뭐)`),
		line:   regexp.MustCompile(`(?i)micron|µm|μm|\bmesh\b|마이크로|미크론|메쉬|메시`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:µm|μm|um\b|microns?\b|mesh\b|마이크로|미크론)`),
		search: "filter element micron µm part no. 필터 엘리먼트",
	},
	{
		key:    "heat",
		ask:    regexp.MustCompile(`(?i)\b(?:how hot|what temp\w*|max\w* temp\w*|how many degrees)\b.{0,40}\bheat\w*|\bheat\w*\b.{0,40}\b(?:how hot|what temp\w*|max\w*|degrees)\b|가열.{0,20}(?:몇 ?도|온도|최대|최고)|(?:몇 ?도|최대 온도|최고 온도).{0,15}가열`),
		line:   regexp.MustCompile(`(?i)heat|가열`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:°\s?C|℃|°F)`),
		search: "bearing fitting heated induction heater temperature max 가열",
	},
	{
		key:    "schedule",
		ask:    regexp.MustCompile(`(?i)(?:마다|매주|매일|매번|월요일 ?아침|주말마다).{0,12}(?:해야|하는|돌려야|돌리는|돌려|실행)|언제 (?:해야|돌려야|실행해야)|\b(?:every|each) (?:monday|morning|shift|day|week|start-?up)\b.{0,30}\b(?:do|run|need\w*|required|supposed|have to)\b|\b(?:do|should|must) (?:i|we) (?:run|do) (?:it|this|that) (?:every|each|after|before)\b|\bwhen (?:do|should|must) (?:i|we) (?:run|do) (?:it|this|that|the)\b|\b(?:have to|need to|must|should|supposed to) (?:run|do)\b.{0,40}\b(?:every|each) (?:monday|morning|shift|day|week)\b`),
		line:   regexp.MustCompile(`(?i)\brun (?:it )?(?:after|before|every|when|at)\b|\bevery (?:monday|morning|shift|day|week)\b|\bafter a stop\b|마다|매주|매일|실행한다|수행한다`),
		search: "when to run every Monday morning after a stop",
	},
	{
		key:    "warmup",
		ask:    regexp.MustCompile(`(?i)\bwarm[- ]?up\b.{0,30}\b(?:how long|minutes|mins)\b|\bhow long\b.{0,30}\bwarm[- ]?up\b|워밍업.{0,12}(?:몇 ?분|얼마|몇 ?시간)|예열.{0,12}(?:몇 ?분|얼마|몇 ?시간)|몇 ?분.{0,12}(?:워밍업|예열)`),
		line:   regexp.MustCompile(`(?i)warm[- ]?up|워밍업|예열|\brpm\b`),
		value:  regexp.MustCompile(`(?i)\d+\s*(?:min\b|minutes|분)`),
		search: "spindle warm-up program minutes rpm 워밍업",
	},
	{
		// "cnc 스핀들 워밍업 프로그램 번호 뭐였죠": the NC program a runbook
		// names (O9001), never a status of the machines.
		key:    "program",
		ask:    regexp.MustCompile(`(?i)\bprogram ?(?:no\.?|number|num|#|name)\b|\b(?:which|what) (?:nc |cnc |g-?code )?program\b|\bprogram (?:do|should|must) (?:i|we) (?:run|use|load|call)\b|프로그램 ?(?:번호|넘버|no|이름|명|뭐)|(?:몇 ?번|어떤|무슨) ?프로그램`),
		line:   regexp.MustCompile(`(?i)\bprogram\b|프로그램`),
		value:  regexp.MustCompile(`\b[OP]\d{3,5}\b`),
		search: "program number run program O warm-up 프로그램 실행",
	},
	{
		key:    "setpoint",
		ask:    regexp.MustCompile(`(?i)\bsupposed to (?:deliver|run at|be at|read|hold|be|give|put out)\b|\bwhat (?:pressure|temperature|temp|speed|current|rpm)\b.{0,40}\b(?:should|supposed|normally|spec\w*)\b|\bset ?point\b|정상 ?(?:압력|온도|속도|전류|회전수).{0,8}(?:얼마|몇)|(?:압력|온도|속도|전류|회전수)\S* (?:기준|설정값|정격).{0,8}(?:얼마|몇)|설정값.{0,8}(?:얼마|몇)`),
		line:   regexp.MustCompile(`(?i)pressure|temperature|speed|current|\breach|\bhold|normal|압력|온도|속도|전류|정상`),
		value:  regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s*(?:bar\b|°\s?C|℃|rpm\b|A\b|mm/s\b|psi\b)`),
		search: "normal operating pressure temperature reach hold 정상",
	},
}

// stepsAskRe asks for a procedure's steps, not when it is run.
var stepsAskRe = regexp.MustCompile(`(?i)\b(?:steps?|procedure|how (?:do|to|should) (?:i|we)?|sequence|walk me through)\b|순서|절차|방법|어떻게 (?:해|하|돌려)`)

// fastenerRe names what is tightened ("the bolts", "단자").
var fastenerRe = regexp.MustCompile(`(?i)\bbolts?\b|\bscrews?\b|\bnuts?\b|\bterminals?\b|\bfasteners?\b|\btighten\w*|\bstuds?\b|볼트|너트|나사|단자|조임|체결`)

// docFactAsked returns the kind of document fact the question asks for.
// A torque where the plant measures one ("what's the torque on cnc 4?")
// is the reading, unless something tightened is named.
func docFactAsked(text string, p *plant.Plant) (docFactKind, bool) {
	for _, k := range docFactKinds {
		if !k.ask.MatchString(text) {
			continue
		}
		if k.key == "schedule" && stepsAskRe.MatchString(text) {
			continue // "월요일 아침이라 워밍업 해야 되는데 순서 알려줘": the steps
		}
		if k.key == "torque" && !fastenerRe.MatchString(text) && slices.ContainsFunc(p.Series, func(s plant.Series) bool {
			return strings.Contains(strings.ToLower(s.Sensor+" "+s.Name), "torque")
		}) {
			return docFactKind{}, false
		}
		return k, true
	}
	return docFactKind{}, false
}

// docFact answers a question for a fact of the documents (docFactAsked):
// the sentences that state it, those that name it without a value, or,
// when none does, that the documents do not state it.
func (r *run) docFact(k docFactKind) bool {
	q := r.q
	query := q.Question + " " + k.search
	about := q.Text
	if k.key == "schedule" && q.Thread != "" {
		// "월요일 아침마다 해야 되는 거 맞아?" after the warm-up: of the
		// thread's procedure.
		lines := strings.Split(strings.TrimSpace(q.Thread), "\n")
		last := lines[len(lines)-1]
		query += " " + last
		about += " " + plant.Normalize(last)
	}
	for _, s := range searchSynonyms {
		if s.re.MatchString(about) {
			query += " " + s.add
		}
	}
	targets := targetsOf(q, r.p)
	ids := r.readFitting(query, targets)
	// A line of a document and how well the document fits the machine
	// asked about: where documents of the machine or its type (fit 2 or
	// more: named in the title, or its own) state it, the lines of others
	// are left out ("compressor-1": not the filler's filter).
	type found struct {
		line string
		d    *doc
		fit  float64
	}
	var stated, named []found
	var read []string
	for _, id := range r.oneOfTwins(ids) {
		d := r.lib.docs[id]
		if d == nil {
			continue
		}
		read = append(read, d.ID)
		f := 0.0
		if len(targets) > 0 {
			f = fit(d, targets[0], r.p)
		}
		for _, l := range docLines(d.Body) {
			if !k.line.MatchString(l) {
				continue
			}
			if k.value == nil || k.value.MatchString(l) {
				stated = append(stated, found{l, d, f})
			} else {
				named = append(named, found{l, d, f})
			}
		}
	}
	if k.key == "schedule" && len(stated) > 0 {
		// When a procedure is to be run is its own runbook's line, not
		// every "every shift" of the others.
		first := stated[0].d
		stated = slices.DeleteFunc(stated, func(f found) bool { return f.d != first })
	}
	best := func(fs []found, n int) []string {
		top := 0.0
		for _, x := range fs {
			top = max(top, x.fit)
		}
		var out []string
		for _, x := range fs {
			if top >= 2 && x.fit < 2 || len(out) == n {
				continue
			}
			out = append(out, r.quote(x.line, x.d))
		}
		return out
	}
	what := r.msg("docfact." + k.key + ".what")
	switch {
	case len(stated) > 0:
		r.a.Situation = joinLines(append([]string{r.msg("docfact.head", what)}, best(stated, 4)...))
		r.a.Confidence = "medium"
	case len(named) > 0:
		r.a.Situation = joinLines(append(append([]string{r.msg("docfact.named", what)}, best(named, 3)...), r.msg("docfact."+k.key+".instead")))
		r.a.Confidence = "low"
	default:
		docs := r.msg("docfact.docs_none")
		if len(read) > 0 {
			docs = r.msg("docfact.docs", strings.Join(read, ", "))
		}
		r.a.Situation = joinLines([]string{r.msg("docfact.none", docs, what), r.msg("docfact." + k.key + ".instead")})
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("docfact." + k.key + ".escalate")
	return true
}

// readFitting searches runbooks and incidents for query, keeps those that
// fit the first target (another machine's are left out) and reads the
// first six.
func (r *run) readFitting(query string, targets []string) []string {
	var ids []string
	for _, res := range r.call(
		agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "kind": "runbook", "k": 4}},
		agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "kind": "incident", "k": 4}}) {
		for _, id := range r.lib.merge(res) {
			d := r.lib.docs[id]
			if d == nil || len(targets) > 0 && fit(d, targets[0], r.p) < 0 {
				continue
			}
			ids = appendUnique(ids, id)
		}
	}
	return r.readFirst(ids, 6)
}
