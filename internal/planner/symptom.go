package planner

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// A symptom the user reports that no failure mode names ("keeps tripping
// on overcurrent") and the data does not show is looked up in the plant's
// memory: the machine's incidents that describe it are cited, and when
// none does the answer says so instead of going quiet.

// symptomTokenRe splits a question into words.
var symptomTokenRe = regexp.MustCompile(`[a-z가-힣][a-z0-9가-힣'-]*`)

// symptomStop are words that say nothing about what the user sees.
var symptomStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but so if then than to of in on at by for from with without into onto over under
		about after before since during while again still just now today tonight yesterday morning evening night shift week
		i we you he she they it its my our your their me us them this that these those there here what what's whats which who whom
		why when where how is are was were be been being am do does did doing done have has had having can could should would will
		shall may might must keep keeps kept keeping going get gets got getting seem seems seemed look looks looked
		please help tell me know think need want problem problems issue issues trouble wrong thing something anything
		make makes making made come comes coming came back go goes going went gone
		호기 machine machines equipment asset unit line plant again twice once times time lot lots bit very really much more
		ok okay fine normal usual usually check checked checking what's going happen happens happened happening next step steps
		do doing fix fixed fixing i'm im i've i'd we're we've it's there's that's
		hear hears hearing heard see sees seeing saw seen notice notices noticed noticing lately recently nowadays` + " " +
		`부터 이후 어떻게 해야 하나요 하죠 할까요 해요 뭐 무엇 왜 계속 또 지금 오늘 어제 다시 자꾸 좀 너무 많이 문제 있어요 있나요 됩니다 되나요 해주세요 알려줘 알려주세요 설비 기계 라인 요즘 요새 최근 있는데 있어 있음 괜찮나 괜찮아 괜찮은지 괜찮을까 괜찮은가 나는데 나요 나네 같은데 같아 들려 들리는데 뭔가 약간 조금`) {
		symptomStop[w] = true
	}
}

// negatedRe marks a record's line that says a symptom was absent.
var negatedRe = regexp.MustCompile(`(?i)\bno (?:unusual |abnormal |change|noise|leak|smell)|\bnot (?:noisy|hot|leaking)|\bwithout\b|\bas usual\b|\bunchanged\b|\bnormal\b|평소와 같|평소와 다르지 않|변화 ?없|이상 ?없|없었|정상`)

// symptomTwins are a symptom word's words in the other language, so a
// record written in one matches a report in the other ("소음" is "noise").
var symptomTwins = map[string][]string{
	"소음": {"noise", "noisy"}, "소리": {"noise", "sound"}, "떨림": {"vibration", "shak"}, "진동": {"vibration"},
	"냄새": {"smell"}, "누수": {"leak"}, "누설": {"leak"}, "막힘": {"clog", "block"}, "과열": {"overheat", "hot"},
	"noise": {"소음", "소리"}, "noisy": {"noise", "소음", "소리"}, "smell": {"냄새"}, "leak": {"누수", "누설"}, "vibration": {"진동", "떨림"},
}

// symptomWords are the question's words that describe what the user
// sees (as said, and their stems): not the machine's names, not question
// words.
func symptomWords(q Query, p *plant.Plant, asset string) (said, stems []string) {
	names := map[string]bool{}
	addName := func(s string) {
		for _, t := range symptomTokenRe.FindAllString(strings.ToLower(s), -1) {
			names[t] = true
			for _, part := range strings.Split(t, "-") {
				names[part] = true
			}
		}
	}
	addName(asset)
	if a, ok := p.Asset(asset); ok {
		for _, al := range a.Aliases {
			addName(al)
		}
		tw := plant.TypeWords(a.Type)
		for _, w := range append(append([]string{}, tw.EN...), tw.KO...) {
			addName(w)
		}
	}
	for _, t := range symptomTokenRe.FindAllString(withoutTimes(q.Text), -1) {
		t = strings.Trim(t, "'-")
		if names[t] || symptomStop[t] || strings.Contains(t, "-") && names[strings.Split(t, "-")[0]] {
			continue
		}
		s := stem(t)
		if len([]rune(s)) < 3 && !hasHangul(s) || len([]rune(s)) < 2 || symptomStop[s] || names[s] {
			continue
		}
		if !contains(stems, s) {
			said, stems = append(said, t), append(stems, s)
		}
	}
	return said, stems
}

// symptomLookup searches asset's incidents for the symptom (its words as
// said and their stems) and returns the answer's lines: the incidents that
// describe it (cited), or that none does and what Gemba can do instead.
func (r *run) symptomLookup(asset string, said, words []string) []string {
	query := r.q.Question + " " + strings.Join(words, " ")
	for _, w := range words {
		query += " " + strings.Join(symptomTwins[w], " ") // "소음" finds a record of "noise"
	}
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{
		"query": query, "asset": asset, "kind": "incident", "k": 6}})
	var own []*doc
	for _, x := range res {
		for _, id := range r.lib.merge(x) {
			if d := r.lib.docs[id]; d != nil && d.incident() && d.Asset == asset {
				own = append(own, d)
			}
		}
	}
	if len(own) > 4 {
		own = own[:4]
	}
	var reads []agent.ToolCall
	for _, d := range own {
		reads = append(reads, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
	}
	r.call(reads...)
	need := min(2, len(words))
	want := polarity(r.q.Text)
	var seen []*doc
	for _, d := range own {
		text := strings.ToLower(d.Title + "\n" + d.Body)
		if got := polarity(strings.ToLower(d.Title)); want != 0 && got != 0 && got != want {
			continue // "temperature low" is no overheating incident
		}
		// The words must describe it together: in one line of the record
		// ("temperature" in one place and "low" pressure in another is
		// not a low temperature).
		hits := 0
		for _, line := range strings.Split(text, "\n") {
			if negatedRe.MatchString(line) {
				continue // "pump noise was as usual", "no unusual noise": not the symptom
			}
			n := 0
			for _, w := range words {
				if wordIn(line, w) || slices.ContainsFunc(symptomTwins[w], func(t string) bool { return wordIn(line, t) }) {
					n++
				}
			}
			hits = max(hits, n)
		}
		if hits >= need && len(seen) < 2 {
			seen = append(seen, d)
		}
	}
	recs := r.partRecords(asset)
	if len(seen) == 0 {
		return append(recs, r.msg("symptom.unseen", asset, strings.Join(said, ", ")))
	}
	out := []string{r.msg("symptom.seen", asset)}
	for _, d := range seen {
		out = append(out, r.historyLine(d, asset))
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
	}
	return append(out, recs...)
}

// symptomParts are parts a reported symptom names beyond those of
// maintenance questions (componentWords).
var symptomParts = []struct {
	re   *regexp.Regexp
	part string
}{
	{regexp.MustCompile(`\bcoupling|커플링`), "coupling"},
	{regexp.MustCompile(`\bgasket|개스킷|가스켓`), "gasket"},
	{regexp.MustCompile(`\bvalve|밸브`), "valve"},
	{regexp.MustCompile(`\bhose|호스`), "hose"},
	{regexp.MustCompile(`\bnozzle|노즐`), "nozzle"},
}

// partRecords reads the maintenance records of the part a reported
// symptom names on the asset ("pump 2 seal is leaking"): work already
// open on it comes first, as the plant's own answer to the report, then
// the last time the part was worked on or checked.
func (r *run) partRecords(asset string) []string {
	part := ""
	for _, c := range componentWords {
		if c.re.MatchString(r.q.Text) {
			part = c.part
			break
		}
	}
	for _, c := range symptomParts {
		if part == "" && c.re.MatchString(r.q.Text) {
			part = c.part
		}
	}
	if part == "" {
		// No part named: the work already open on the machine, which may
		// be about what is reported ("chatter at 12k rpm" beside a tool
		// holder balance check).
		recs, ok := r.records(map[string]any{"asset": asset, "status": "open", "limit": 5})
		if !ok {
			return nil
		}
		var open []string
		for _, rec := range recs {
			if rec.Kind != "alert" {
				open = append(open, r.msg("symptom.open_item", rec.ID, rec.Title, r.recordAt(rec.Opened)))
			}
		}
		if len(open) == 0 {
			return nil
		}
		return []string{r.msg("symptom.open_any", asset, strings.Join(open, "; "))}
	}
	recs, ok := r.records(map[string]any{"asset": asset, "component": part, "limit": 10})
	if !ok || len(recs) == 0 {
		return nil
	}
	var open []string
	var last *maintRecord
	for i, rec := range recs {
		switch {
		case rec.Status == "open":
			open = append(open, r.msg("symptom.open_item", rec.ID, rec.Title, r.recordAt(rec.Opened)))
		case last == nil:
			last = &recs[i]
		}
	}
	var out []string
	if len(open) > 0 {
		out = append(out, r.msg("symptom.open_wo", part, asset, strings.Join(open, "; ")))
	}
	if last != nil {
		out = append(out, r.msg("symptom.last_record", part, asset, r.recordAt(last.Opened), last.Title, last.ID))
	}
	return out
}

// lowRe and highRe say which way a reading went.
var (
	lowRe  = regexp.MustCompile(`\b(?:low|lower|too low|dropp\w*|drops?|fall\w*|fell|decreas\w*|cold|cool\w*|under\w*|reduced|weak)\b|낮|떨어|감소|차갑|약해`)
	highRe = regexp.MustCompile(`\b(?:high|higher|too high|ris\w*|rose|increas\w*|hot|overheat\w*|over-?temp\w*|climb\w*|spik\w*|excess\w*)\b|높|올라|상승|과열|뜨거`)
)

// polarity is −1 for a text about a reading going down, +1 for up, 0 for
// neither or both.
func polarity(text string) int {
	lo, hi := lowRe.MatchString(text), highRe.MatchString(text)
	switch {
	case lo && !hi:
		return -1
	case hi && !lo:
		return 1
	}
	return 0
}

// wordIn reports whether text holds a word beginning with w ("clog" in
// "clogged"), not w inside another word ("low" in "flow"); Korean words
// are matched anywhere (particles attach to them).
func wordIn(text, w string) bool {
	if hasHangul(w) {
		return strings.Contains(text, w)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !isLetter(text[at-1]) {
			return true
		}
		i = at + len(w)
	}
}

func isLetter(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// openWork says the work open on an asset with an ongoing anomaly (its
// open work orders and planned jobs, with their due times); empty when
// there is none, no anomaly, or the answer already names them.
func (r *run) openWork(asset string) string {
	ongoing := false
	for _, e := range r.book.of(asset) {
		ongoing = ongoing || e.Ongoing && e.Significant()
	}
	np := partNamed(r.q.Text)
	if !ongoing && np == nil {
		return ""
	}
	recs, ok := r.records(map[string]any{"asset": asset, "status": "open", "limit": 5})
	if !ok {
		return ""
	}
	if !ongoing {
		// "is it the tool holder again?" on a machine the data calls
		// quiet: the open work on that part, if any.
		recs = slices.DeleteFunc(recs, func(rec maintRecord) bool { return !np.re.MatchString(rec.Title) })
	}
	var items []string
	late, lateDue := "", time.Time{}
	for _, rec := range recs {
		if rec.Kind == "alert" || strings.Contains(r.a.Situation, rec.ID) {
			continue
		}
		item := r.msg("maint.open_one", rec.Title, rec.ID, r.recordAt(rec.Opened))
		if rec.Due != "" {
			item += r.msg("open.due", r.recordAt(rec.Due))
			if due, err := time.Parse(recordLayout, rec.Due); err == nil {
				if ra, ok := r.reach[asset]; ok && ra.At.Before(due) && (late == "" || due.Before(lateDue)) {
					late, lateDue = rec.ID, due
				}
			}
		}
		items = append(items, item)
	}
	if len(items) == 0 {
		return ""
	}
	out := r.msg("open.work", asset, strings.Join(items, "; "))
	if late != "" {
		// The job is due after the reading reaches its next limit.
		ra := r.reach[asset]
		gap := hoursText(lateDue.Sub(ra.At), r.ko())
		r.note("hours between the projected limit and the job's due time", gap, stampUTC(ra.At)+" to "+stampUTC(lateDue))
		if ra.At.Before(r.now) {
			// At its recent rate the reading is there already.
			out += " " + r.msg("open.late_past", late, ra.Limit, r.at(ra.At))
		} else {
			out += " " + r.msg("open.late", late, ra.Limit, r.at(ra.At), gap)
		}
	}
	return out
}
