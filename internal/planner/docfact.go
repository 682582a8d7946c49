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
}

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
	for _, s := range searchSynonyms {
		if s.re.MatchString(q.Text) {
			query += " " + s.add
		}
	}
	targets := targetsOf(q, r.p)
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
	ids = r.readFirst(ids, 6)
	var stated, named, read []string
	for _, id := range r.oneOfTwins(ids) {
		d := r.lib.docs[id]
		if d == nil {
			continue
		}
		read = append(read, d.ID)
		for _, l := range strings.Split(bodyText(d.Body), "\n") {
			l = strings.TrimSpace(strings.TrimLeft(strings.ReplaceAll(l, "**", ""), "-*0123456789. "))
			if l == "" || strings.HasPrefix(l, "|") || !k.line.MatchString(l) {
				continue
			}
			key := "parts.line"
			if r.ko() && !d.korean() {
				key = "parts.line_en"
			}
			line := "• " + r.msg(key, l, d.ID)
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
			if k.value == nil || k.value.MatchString(l) {
				if len(stated) < 4 {
					stated = append(stated, line)
				}
			} else if len(named) < 3 {
				named = append(named, line)
			}
		}
	}
	what := r.msg("docfact." + k.key + ".what")
	switch {
	case len(stated) > 0:
		r.a.Situation = joinLines(append([]string{r.msg("docfact.head", what)}, stated...))
		r.a.Confidence = "medium"
	case len(named) > 0:
		r.a.Situation = joinLines(append(append([]string{r.msg("docfact.named", what)}, named...), r.msg("docfact."+k.key+".instead")))
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
