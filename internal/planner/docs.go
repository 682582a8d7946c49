package planner

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// doc is what the planner knows of one document of the incident store,
// from search hits and get_document.
type doc struct {
	ID, Title, Kind, Asset, Line, Mode, Outcome, Occurred string
	Score                                                 float64
	// Rank is the order in which searches first returned it.
	Rank int
	// Body, Rules and Read come from get_document.
	Body  string
	Rules []rule
	Read  bool
	// Downtime is an incident's recorded downtime in minutes, when read.
	Downtime *int
}

func (d *doc) korean() bool { return hasHangul(d.Title) }

func (d *doc) runbook() bool {
	k := strings.ToLower(d.Kind)
	return k == "runbook" || k == "sop" || k == "" && (strings.HasPrefix(d.ID, "RB-") || strings.HasPrefix(d.ID, "SOP-"))
}

func (d *doc) incident() bool {
	k := strings.ToLower(d.Kind)
	return k == "incident" || k == "work_order" || k == "" && !d.runbook()
}

// library holds the documents one answer has seen.
type library struct {
	docs map[string]*doc
	n    int
}

func (l *library) get(id string) *doc {
	if l.docs == nil {
		l.docs = map[string]*doc{}
	}
	d, ok := l.docs[id]
	if !ok {
		d = &doc{ID: id, Rank: l.n}
		l.n++
		l.docs[id] = d
	}
	return d
}

type hitShape struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Kind        string  `json:"kind"`
	Score       float64 `json:"score"`
	Asset       string  `json:"asset"`
	Line        string  `json:"line"`
	FailureMode string  `json:"failure_mode"`
	Outcome     string  `json:"outcome"`
	OccurredAt  string  `json:"occurred_at"`
	Body        string  `json:"body"`
	Rules       []rule  `json:"rules"`
	Downtime    *int    `json:"downtime_minutes"`
}

// merge records what a search or get_document result says of documents,
// and returns the ids in the result's order.
func (l *library) merge(r agent.ToolResult) []string {
	if !r.OK || (r.Call.Name != tools.SearchIncidents && r.Call.Name != tools.GetDocument) {
		return nil
	}
	b, err := json.Marshal(r.Result.Data)
	if err != nil {
		return nil
	}
	var d struct {
		hitShape
		Results []hitShape `json:"results"`
	}
	if json.Unmarshal(b, &d) != nil {
		return nil
	}
	hits := d.Results
	if r.Call.Name == tools.GetDocument && d.ID != "" {
		hits = []hitShape{d.hitShape}
	}
	var ids []string
	for _, h := range hits {
		if h.ID == "" {
			continue
		}
		x := l.get(h.ID)
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&x.Title, h.Title)
		fill(&x.Kind, h.Kind)
		fill(&x.Asset, h.Asset)
		fill(&x.Line, h.Line)
		fill(&x.Mode, h.FailureMode)
		fill(&x.Outcome, h.Outcome)
		fill(&x.Occurred, h.OccurredAt)
		if h.Score > x.Score {
			x.Score = h.Score
		}
		if r.Call.Name == tools.GetDocument {
			x.Body, x.Read = h.Body, true
			if h.Downtime != nil {
				x.Downtime = h.Downtime
			}
			x.Rules = nil
			for _, ru := range h.Rules {
				ru.Doc = h.ID
				x.Rules = append(x.Rules, ru)
			}
		}
		ids = append(ids, h.ID)
	}
	for _, c := range r.Result.Citations {
		x := l.get(c.ID)
		if x.Title == "" {
			x.Title = c.Title
		}
		if x.Kind == "" {
			x.Kind = c.Kind
		}
	}
	return ids
}

// typeHints are words in a runbook's title that say it is for an
// equipment type besides the type's own names.
var typeHints = map[string][]string{"cnc": {"spindle", "spindles", "스핀들"}, "filler": {"product filter", "제품 필터"}}

var repairTitleRe = regexp.MustCompile(`(?i)inspection|replacement|replace|change|cleaning|tension|response|triage|교체|청소|점검|조정|장력`)

// fit says how well a runbook fits an asset: its own asset, a title that
// names the asset or its type, a title that names a repair.
func fit(d *doc, asset string, p *plant.Plant) float64 {
	title := strings.ToLower(d.Title)
	score := 0.0
	a, known := p.Asset(asset)
	switch {
	case d.Asset != "" && d.Asset == asset:
		score += 3
	case d.Asset != "" && known && !strings.HasPrefix(d.Asset, a.Type):
		return -1 // another machine's runbook
	}
	if known {
		named := false
		for _, w := range append(append(plant.TypeWords(a.Type).EN, plant.TypeWords(a.Type).KO...), typeHints[a.Type]...) {
			named = named || strings.Contains(title, strings.ToLower(w))
		}
		if named || strings.Contains(title, asset) {
			score += 2
		}
		// A title that lists machines and not this one is for others.
		if others := titleAssetRe.FindAllString(title, -1); len(others) > 0 && !contains(others, asset) {
			return -1
		}
	}
	if repairTitleRe.MatchString(title) {
		score++
	}
	return score
}

var titleAssetRe = regexp.MustCompile(`\b(?:press|pump|cnc|conveyor|filler|compressor)-\d+\b`)

// runbooks returns the canonical runbook for a failure mode on an asset
// (the best fitting English one, so that the same failure gets the same
// steps in either language) and a Korean runbook for the same mode.
func (l *library) runbooks(mode, asset string, p *plant.Plant) (canon, ko *doc) {
	var cands []*doc
	for _, d := range l.docs {
		if d.runbook() && (mode == "" || d.Mode == mode) && fit(d, asset, p) >= 0 {
			cands = append(cands, d)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		fi, fj := fit(cands[i], asset, p), fit(cands[j], asset, p)
		if fi != fj {
			return fi > fj
		}
		return cands[i].Rank < cands[j].Rank
	})
	for _, d := range cands {
		if !d.korean() && canon == nil {
			canon = d
		}
	}
	for _, d := range cands {
		// The Korean one whose title names the parts the canonical one's
		// does: the bearing procedure's twin, not the press lubrication
		// check filed under the same failure.
		if d.korean() && ko == nil && (canon == nil || titlesAgree(canon.Title, d.Title)) {
			ko = d
		}
	}
	if canon == nil {
		canon, ko = ko, nil
	}
	return canon, ko
}

// incidents returns the incidents that count as similar for a failure
// mode on an asset: the same failure mode on the same asset first, then on
// the same equipment type (a sister machine), in search order. Anything
// else is below the relevance floor and never gives steps.
func (l *library) incidents(mode, asset string, p *plant.Plant) []*doc {
	a, _ := p.Asset(asset)
	var own, sister []*doc
	for _, d := range l.docs {
		if !d.incident() || d.Mode == "" || d.Mode != mode {
			continue
		}
		switch {
		case d.Asset == asset:
			own = append(own, d)
		case a.Type != "" && typeOf(d.Asset, p) == a.Type:
			sister = append(sister, d)
		}
	}
	byRank := func(ds []*doc) {
		sort.SliceStable(ds, func(i, j int) bool {
			wi, wj := ds[i].Outcome != "failed", ds[j].Outcome != "failed"
			if wi != wj {
				return wi // fixes that worked before those that did not
			}
			// Among equals the English record, whatever the question's
			// language: the same failure builds on the same incident in
			// both languages (a Korean answer quotes it).
			if ki, kj := ds[i].korean(), ds[j].korean(); ki != kj {
				return !ki
			}
			return ds[i].Rank < ds[j].Rank
		})
	}
	byRank(own)
	byRank(sister)
	return append(own, sister...)
}

func typeOf(asset string, p *plant.Plant) string {
	if a, ok := p.Asset(asset); ok {
		return a.Type
	}
	if i := strings.LastIndexByte(asset, '-'); i > 0 {
		return asset[:i]
	}
	return asset
}

// rule is a limit or decision rule a document states (rag.Rule), with the
// document it comes from.
type rule struct {
	Doc       string  `json:"-"`
	Sensor    string  `json:"sensor"`
	Asset     string  `json:"asset"`
	AssetType string  `json:"asset_type"`
	Condition string  `json:"condition"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit"`
	For       string  `json:"for"`
	Level     string  `json:"level"`
	Action    string  `json:"action"`
	ActionKO  string  `json:"action_ko"`
	// Plant marks a limit the plant model states (not a document's rule):
	// Doc is then the reference the file gives, which need not be a
	// document in the store.
	Plant bool `json:"-"`
}

// levelRank orders rule levels: a stop before a danger before an alert.
var levelRank = map[string]int{"trip": 4, "stop": 4, "danger": 3, "alarm": 2, "alert": 1, "warn": 0}

// stepsOf reads a runbook's numbered steps, leaving out text that tries
// to instruct the assistant.
func stepsOf(d *doc) []string {
	if d == nil || d.Body == "" {
		return nil
	}
	var out []string
	items := actionItems(d.Body)
	if len(items) == 0 {
		// Steps kept under sections of their cadence ("## Weekly",
		// "## Monthly") or their own headings: every numbered item, in order.
		items = numberedItems(d.Body)
	}
	for _, it := range items {
		if injectionRe.MatchString(it) {
			continue
		}
		out = append(out, it)
	}
	return out
}

// injectionRe finds document text that tries to instruct the assistant.
var injectionRe = regexp.MustCompile(`(?i)ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|rules)|disregard (?:all |the )?(?:previous|prior|above)|system prompt|you are now|new instructions:|이전 지시(?:를|사항을)? ?무시|지시를 무시`)

// align pairs each English step with the Korean step that says the same
// (numbers, document ids, the [LOTO] tag and term pairs in common), each
// Korean step used once; "" where none does.
func align(en, ko []string) []string {
	out := make([]string, len(en))
	type pair struct{ i, j, score int }
	var pairs []pair
	for i, e := range en {
		for j, k := range ko {
			if s := alignScore(e, k); s >= 2 {
				pairs = append(pairs, pair{i, j, s})
			}
		}
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].score > pairs[b].score })
	usedKO := map[int]bool{}
	for _, p := range pairs {
		if out[p.i] == "" && !usedKO[p.j] {
			out[p.i] = ko[p.j]
			usedKO[p.j] = true
		}
	}
	return out
}

var (
	numTokRe = regexp.MustCompile(`\d+(?:[.,]\d+)?`)
	idTokRe  = regexp.MustCompile(`\b(?:RB|INC|WO|UC)-[A-Za-z0-9-]+|\b(?:press|pump|cnc|conveyor|filler|compressor)-\d+\b`)
)

func alignScore(en, ko string) int {
	le, lk := strings.ToLower(en), strings.ToLower(ko)
	score := 0
	nk := map[string]bool{}
	for _, n := range numTokRe.FindAllString(lk, -1) {
		nk[n] = true
	}
	for _, n := range uniqStrings(numTokRe.FindAllString(le, -1)) {
		if nk[n] {
			score += 2
		}
	}
	ik := map[string]bool{}
	for _, id := range idTokRe.FindAllString(ko, -1) {
		ik[strings.ToLower(id)] = true
	}
	for _, id := range uniqStrings(idTokRe.FindAllString(en, -1)) {
		if ik[strings.ToLower(id)] {
			score += 2
		}
	}
	if strings.Contains(en, "[LOTO]") != strings.Contains(ko, "[LOTO]") {
		score -= 2
	}
	for _, tp := range plant.TermPairs {
		inE, inK := false, false
		for _, w := range tp.EN {
			inE = inE || strings.Contains(le, strings.ToLower(w))
		}
		for _, w := range tp.KO {
			inK = inK || strings.Contains(lk, strings.ToLower(w))
		}
		if inE && inK {
			score++
		}
	}
	return score
}

func uniqStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		out = appendUnique(out, s)
	}
	return out
}

// readFirst reads the first n of ids (get_document each) and returns them.
func (r *run) readFirst(ids []string, n int) []string {
	if len(ids) > n {
		ids = ids[:n]
	}
	var reads []agent.ToolCall
	for _, id := range ids {
		reads = append(reads, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": id}})
	}
	r.call(reads...)
	return ids
}
