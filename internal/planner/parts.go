package planner

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// IntentParts asks which spare parts, tools or materials a job needs
// ("what spare parts do I need for the press 3 bearing job?", "필요한
// 부품은?"): what the plant's runbooks and past incidents of the job say.
const IntentParts Intent = "parts"

// partsAskRe asks for a job's parts, tools or materials.
var partsAskRe = regexp.MustCompile(`\bwhat (?:micron|size|grade|rating|spec\w*)\b|\b(?:micron|µm) (?:rating|filter|element)\b|\b(?:spare )?parts?\b.{0,40}\b(?:need|needed|required|require|list)\b|\bwhat (?:spares|spare parts|parts|tools|materials|consumables)\b|\bwhich (?:spares|spare parts|parts|tools)\b|\bpart (?:number|no\.?)s?\b|\bp/n\b|\bbill of materials\b|(?:필요한|어떤) ?(?:부품|예비품|공구|자재)|(?:부품|예비품|공구|자재)\S* (?:뭐|무엇|필요)|부품 ?(?:번호|목록|리스트)|\bwhat (?:do|should) (?:i|we) (?:need to )?(?:bring|prepare|have ready|get ready)\b|준비(?:할|해야 ?할|해 ?둘) ?(?:거|것|게|물품|자재)|뭘 ?준비|뭐 ?준비|챙겨야 ?(?:할|될)|품번|파트 ?넘버|(?:필터|엘리먼트|베어링|벨트|씰|부품)\S* ?(?:규격|사양|스펙)`)

// stockAskRe asks what is in stock ("do we have spare bearings?",
// "베어링 재고 있어?"): the plant's data keeps no stores records.
var stockAskRe = regexp.MustCompile(`(?i)\b(?:do|did) we (?:have|still have|keep)\b.{0,20}\b(?:spares?|spare \w+|bearings?|filters?|belts?|seals?|strainers?|parts?)\b|\bin stock\b|\bstock (?:of|level)s?\b|\binventory\b|\bspares? (?:left|available|on hand)\b|재고|예비품.{0,14}(?:있|남)|(?:부품|베어링|필터|벨트|씰|엘리먼트)\S*.{0,10}몇 ?개.{0,6}(?:있|남)`)

// madeRe marks "parts" as output ("how many parts did line 1 make?").
var madeRe = regexp.MustCompile(`\bproduc(?:e|ed|es|ing|tion|tive|tivity|ts)\b|\bmade\b|\bmake\b|\boutput\b|\bbuilt\b|\bpacked\b|\bshipped\b|\bshort\b|생산|실적`)

// partLineRe marks a document line that names a part, a tool or a
// material of the job.
var partLineRe = regexp.MustCompile(`(?i)part no\.?|\bp/n\b|\bspares?\b|\bnew (?:[a-z-]+ ){0,2}(?:unit|bearing|bearings|element|belt|belts|seal|seals|filter|cartridge|gasket|kit|impeller|strainer|basket|coupling|screen|fan)\b|\bgaskets?\b|\bkit\b|\bpuller\b|\binduction heater\b|\btorque wrench\b|\bgrease\b|\bSKF\b|예비|부품|신품|개스킷|그리스|풀러|품번|엘리먼트|오링|O-?링`)

// parts answers what a job needs from the lines of its runbooks and of
// the machine's past incidents of it that name parts, tools or materials,
// each cited; with none, it says the documents list none.
func (r *run) parts() {
	q := r.q
	asset := ""
	if ts := targetsOf(q, r.p); len(ts) > 0 {
		asset = ts[0]
	}
	mode := r.partMode()
	if mode == "" && q.FollowUp {
		mode = r.threadPartMode() // "교체할때 뭐 준비해야돼?" after the filter
	}
	query := q.Question
	var recLine string
	for _, id := range q.Docs {
		// "parts + tools i need for WO-P3-BRG?": the job the work order
		// names, on its machine.
		recs, ok := r.records(map[string]any{"id": id})
		if !ok || len(recs) == 0 {
			continue
		}
		if asset == "" {
			asset = recs[0].Asset
		}
		if mode == "" {
			mode = partModeIn(plant.Normalize(recs[0].Title))
		}
		query += " " + recs[0].Title
		recLine = r.recordByID(recs[0].ID)
		break
	}
	if recLine != "" {
		defer func() { r.a.Situation = joinLines([]string{recLine, r.a.Situation}) }()
	}
	calls := []agent.ToolCall{{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "kind": "runbook", "k": 4}}}
	inc := map[string]any{"query": query, "kind": "incident", "k": 4}
	if asset != "" {
		inc["asset"] = asset
	}
	if mode != "" {
		inc["failure_mode"] = mode
	}
	calls = append(calls, agent.ToolCall{Name: tools.SearchIncidents, Args: inc})
	var ids []string
	for _, res := range r.call(calls...) {
		for _, id := range r.lib.merge(res) {
			if d := r.lib.docs[id]; d != nil && (mode == "" || d.Mode == mode || d.Mode == "") && (asset == "" || fit(d, asset, r.p) >= 0) {
				ids = appendUnique(ids, id)
			}
		}
	}
	if mode != "" {
		if canon, _ := r.lib.runbooks(mode, asset, r.p); canon != nil {
			ids = append([]string{canon.ID}, slices.DeleteFunc(ids, func(id string) bool { return id == canon.ID })...)
		}
	}
	ids = r.readFirst(ids, 5)
	ids = r.oneOfTwins(ids)
	if asset != "" {
		// Where documents of the machine itself (or its type, by title)
		// hold the answer, another machine's are left out ("compressor
		// intake filter part no": not the filler's filter).
		top := 0.0
		for _, id := range ids {
			if d := r.lib.docs[id]; d != nil {
				top = max(top, fit(d, asset, r.p))
			}
		}
		if top >= 2 {
			ids = slices.DeleteFunc(ids, func(id string) bool {
				d := r.lib.docs[id]
				return d == nil || fit(d, asset, r.p) < 2 && r.namesOther(d, asset)
			})
		}
	}
	// A part named ("the pump-2 mechanical seal"): only lines that name it;
	// a filter's part number is no answer for a seal.
	var comp *namedPart
	if partNumberAskRe.MatchString(q.Text) {
		comp = partNamed(q.Text) // not "parts for the strainer cleaning": a gasket
	}
	var lines []string
	for _, id := range ids {
		d := r.lib.docs[id]
		if d == nil {
			continue
		}
		n := min(2, 6-len(lines))
		var keep *regexp.Regexp
		if comp != nil {
			n, keep = 6-len(lines), comp.re
		}
		for _, l := range partLines(d.Body, n, keep) {
			lines = append(lines, r.quote(l, d))
		}
	}
	var lead []string
	switch {
	case orderAsked(q.Text):
		// "pls order 2 spare crank bearings": nothing is ordered here.
		lead = []string{r.msg("stock.order")}
	case stockAskRe.MatchString(q.Text) || storesAskRe.MatchString(q.Text):
		// "do we have spare bearings?": no stores records, said first.
		lead = []string{r.msg("parts.no_stock")}
	}
	if len(lines) == 0 && comp != nil {
		// Said plainly, with the open work orders on that part.
		what := comp.part
		if r.ko() {
			what = comp.ko
		}
		scope := asset
		if scope == "" {
			scope = r.msg("parts.any_machine")
		}
		out := append(lead, r.msg("parts.none_named", what, scope))
		if asset != "" {
			if recs, ok := r.records(map[string]any{"asset": asset, "kind": "work_order", "status": "open"}); ok {
				for _, rec := range recs {
					if comp.re.MatchString(strings.ToLower(rec.Title)) {
						due := ""
						if rec.Due != "" {
							due = r.msg("parts.wo_due", r.recordAt(rec.Due))
						}
						out = append(out, r.msg("parts.wo_open", rec.Title, rec.ID, due))
					}
				}
			}
		}
		r.a.Situation = joinLines(out)
		r.a.Confidence = "low"
		return
	}
	if len(lines) == 0 {
		r.a.Situation = joinLines(append(lead, r.msg("parts.none")))
		r.a.Confidence = "low"
		return
	}
	r.a.Situation = joinLines(append(append(append(lead, r.msg("parts.head")), lines...), r.msg("parts.stock")))
	r.a.Confidence = "medium"
	if len(lead) > 0 {
		r.a.Confidence = "low" // the question asked was stock, which is not known
	}
}

// namedPart is a part a question can name, with the words that name it
// in a document's line.
type namedPart struct {
	re       *regexp.Regexp // in the question and in a document's line
	part, ko string
}

// partNumberAskRe asks for a part itself (its number, spec or an order),
// not for what a job on it needs.
var partNumberAskRe = regexp.MustCompile(`(?i)\bpart (?:number|no\.?)s?\b|\bp/n\b|\border\b|\bwhat (?:micron|size|grade|rating|spec\w*)\b|\bspec(?:ification)?s?\b|품번|파트 ?넘버|규격|사양|스펙|주문|발주`)

var namedParts = []namedPart{
	{regexp.MustCompile(`(?i)\bseals?\b|씰|실링`), "seal", "씰"},
	{regexp.MustCompile(`(?i)\bbearings?\b|베어링`), "bearing", "베어링"},
	{regexp.MustCompile(`(?i)\bbelts?\b|벨트`), "belt", "벨트"},
	{regexp.MustCompile(`(?i)\bimpellers?\b|임펠러`), "impeller", "임펠러"},
	{regexp.MustCompile(`(?i)\bcouplings?\b|커플링`), "coupling", "커플링"},
	{regexp.MustCompile(`(?i)\bgaskets?\b|개스킷|가스켓`), "gasket", "개스킷"},
	{regexp.MustCompile(`(?i)\bo-?rings?\b|오링|O-?링`), "O-ring", "오링"},
	{regexp.MustCompile(`(?i)\bfilters?\b|\belements?\b|필터|엘리먼트`), "filter", "필터"},
	{regexp.MustCompile(`(?i)\bstrainers?\b|\bbaskets?\b|스트레이너`), "strainer", "스트레이너"},
	{regexp.MustCompile(`(?i)\bfans?\b|팬`), "fan", "팬"},
	{regexp.MustCompile(`(?i)\bmotors?\b|모터`), "motor", "모터"},
	{regexp.MustCompile(`(?i)\bpulleys?\b|풀리`), "pulley", "풀리"},
	{regexp.MustCompile(`(?i)\blagging\b|라깅`), "lagging", "라깅"},
	{regexp.MustCompile(`(?i)\btool ?holders?\b|툴 ?홀더|공구 ?홀더`), "tool holder", "툴 홀더"},
}

// partNamed is the part the question names ("the pump-2 mechanical seal"),
// or nil.
func partNamed(text string) *namedPart {
	for i := range namedParts {
		if namedParts[i].re.MatchString(text) {
			return &namedParts[i]
		}
	}
	return nil
}

// oneOfTwins keeps one of a runbook and its twin in the other language
// (the same steps, titles that name the same parts): the one in the
// answer's language, so its lines are not said twice.
func (r *run) oneOfTwins(ids []string) []string {
	kept := map[string]string{} // the dropped one → its twin, which takes its place
	for _, a := range ids {
		en := r.lib.docs[a]
		if en == nil || en.korean() || !en.Read {
			continue
		}
		for _, b := range ids {
			ko := r.lib.docs[b]
			if ko == nil || !ko.korean() || !ko.Read || !sameProcedure(stepsOf(en), stepsOf(ko)) || !titlesAgree(en.Title, ko.Title) {
				continue
			}
			if r.ko() {
				kept[en.ID] = ko.ID
				if r.twinOf == nil {
					r.twinOf = map[string]string{}
				}
				r.twinOf[ko.ID] = en.ID // cited beside it: the canonical procedure
			} else {
				kept[ko.ID] = en.ID
			}
		}
	}
	var out []string
	for _, id := range ids {
		if k, ok := kept[id]; ok {
			id = k
		}
		out = appendUnique(out, id)
	}
	return out
}

// partLines are up to n lines of a document's text (docLines) that name
// a part, a tool or a material and match keep (nil: any).
func partLines(body string, n int, keep *regexp.Regexp) []string {
	var out []string
	for _, l := range docLines(body) {
		if len(out) >= n {
			break
		}
		if partLineRe.MatchString(l) && (keep == nil || keep.MatchString(l)) {
			out = append(out, l)
		}
	}
	return out
}

// docLines are a document's text lines without its front matter, tables
// and empty lines, each without its list marker and bold markup.
// listMarkRe is a line's list or heading marks ("- ", "5. ", "## 2) ").
var listMarkRe = regexp.MustCompile(`^\s*(?:(?:[-*+]|#+|\d{1,3}[.)])(?:\s+|$))+`)

func docLines(body string) []string {
	var out []string
	for _, l := range strings.Split(bodyText(body), "\n") {
		l = strings.TrimSpace(listMarkRe.ReplaceAllString(l, "")) // "5. 2,000시간마다": the item's number, not the figure's
		l = strings.TrimSpace(strings.ReplaceAll(l, "**", ""))
		if l != "" && !strings.HasPrefix(l, "|") {
			out = append(out, l)
		}
	}
	return out
}

// quote is a document's line as an answer cites it ("• "…" [RB-005]",
// marked as the English original in a Korean answer), and cites d.
func (r *run) quote(l string, d *doc) string {
	key := "parts.line"
	if r.ko() && !d.korean() {
		key = "parts.line_en"
	}
	if en := r.lib.docs[r.twinOf[d.ID]]; en != nil {
		// A Korean runbook quoted for its English twin: both cited, as
		// the procedure answer cites them.
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: en.ID, Title: en.Title, Kind: en.Kind})
	}
	r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	return "• " + r.msg(key, l, d.ID)
}

// bodyText is a document's text without its front matter.
func bodyText(body string) string {
	if strings.HasPrefix(body, "---") {
		if i := strings.Index(body[3:], "\n---"); i >= 0 {
			return body[3+i+4:]
		}
	}
	return body
}

// namesOther says a document is about other machines than asset: its
// asset field, or the machine types its title names ("filter change
// (filler, coolant, hydraulic)" is not the compressor's).
func (r *run) namesOther(d *doc, asset string) bool {
	if d.Asset != "" {
		return d.Asset != asset
	}
	title := plant.Normalize(d.Title)
	typ := typeOf(asset, r.p)
	named := false
	for _, et := range plant.EquipmentTypes {
		if et.Matcher().MatchString(title) {
			if et.Type == typ {
				return false
			}
			named = true
		}
	}
	return named
}
