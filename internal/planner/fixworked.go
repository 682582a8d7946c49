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

// --- Did a past fix work? ------------------------------------------------------
//
// "did the regrease fix on press-1 back in 2024 work?", "작년에 펌프1 스트레이너
// 청소한 거 효과 있었어?": the machine's incident of that fix and its recorded
// outcome, said as yes, no or partly first, and, when it did not fix it, the
// incident that followed on the machine and what it did.

// fixWorkedRe asks whether a fix done in the past worked.
var fixWorkedRe = regexp.MustCompile(`\b(?:replaced|changed|swapped|fixed|repaired|rebuilt|overhauled)\b.{0,60}\bhow(?:'?s| is| has| have| was)\b.{0,20}\b(?:running|doing|behaving|going|been|held up)\b.{0,15}\bsince\b|(?:교체|수리|청소|정비|갈아 ?끼운|갈은)\S*\s*(?:뒤로|뒤에|후로|후에|이후로?|하고 ?나서)\s*.{0,15}(?:상태|어때|어떤가|괜찮)|\bno (?:repeat|recurrence|return|comeback)\w*\b.{0,40}\b(?:since|after)\b|(?:갈고|교체하고|바꾸고|고치고|수리하고|청소하고|갈아 ?끼우고)(?: ?나서| ?난 ?(?:후|뒤)에?)?\s*.{0,20}재발|(?:교체|수리|청소|정비) ?(?:후|이후|하고 ?나서|한 ?뒤)\S*\s*.{0,20}재발 ?(?:없|안)|\bdid (?:it|that|the (?:[\w-]+ )?(?:fix|repair|replacement|job|change)) (?:work|help|hold)\b|\b(?:any )?signs? (?:of )?(?:it |its |it's |the \w+ )?(?:coming back|returning|recurring)\b|재발 ?(?:조짐|징후|기미)|\b(?:stayed|been|remained|kept|stays?) (?:normal|ok|okay|fine|down|good|low)\b.{0,20}\b(?:since|after)\b|(?:다시|재발) ?안 ?(?:올라|오르|생기|났)|\bdid (?:the |that |our |their |your |a )?.{0,60}\b(?:work|hold|help|fix (?:it|the problem|the issue))\b\s*\W*$|\bwas (?:the |that )?.{0,40}\b(?:successful|effective|a success)\b|(?:한|던|은)(?: ?거| ?것)?\s*(?:효과|소용) ?(?:있었|봤|있어|있나|없었)|(?:해서|하고) (?:고쳐졌|해결됐|나았)|(?:이제|인제|지금은) ?(?:괜찮|정상|문제 ?없)\S*.{0,30}(?:갈았|교체했|교체한|바꿨|바꾼|고쳤|수리했|청소했|정비했)|(?:갈았|교체했|교체한|바꿨|바꾼|고쳤|수리했|청소했|정비했)\S*.{0,30}(?:이제|인제|지금은) ?(?:괜찮|정상|문제 ?없)|\b(?:ok|okay|fine|good|normal|alright) now\b.{0,40}\b(?:replaced|changed|swapped|fixed|repaired|cleaned)\b|\b(?:replaced|changed|swapped|fixed|repaired|cleaned)\b.{0,40}\b(?:ok|okay|fine|good|normal|alright) now\b`)

// howFixedRe asks how something was fixed ("how did we fix it?"), not
// whether the fix worked: the incidents' actions answer it.
var howFixedRe = regexp.MustCompile(`\bhow (?:did|do|have|had) (?:we|they|you|maintenance|it) (?:get |got )?(?:fix|fixed|repair|repaired|solve|solved|sort|sorted|cure|cured)\b`)

// fixStopRe are the words of such a question that say nothing of what was
// done: function words, times, machine names.
var fixStopRe = regexp.MustCompile(`\b(?:the|that|our|their|your|on|in|at|of|for|to|back|last|this|year|month|week|ago|it|its|a|an|did|does|do|was|were|is|work|worked|hold|help|fix|fixed|repair|job|successful|effective|success|\d+)\b|[a-z]+-\d+|\S*(?:년|월|주|일)에?\b|효과\S*|소용\S*|있었\S*|없었\S*|거\b|것\b`)

// fixWorked answers whether one machine's past fix worked; false when the
// question is not that or no incident of the machine is found.
func (r *run) fixWorked(targets []string) bool {
	q := r.q
	if !fixWorkedRe.MatchString(q.Text) || len(targets) != 1 || howFixedRe.MatchString(q.Text) {
		return false
	}
	asset := targets[0]
	var stems []string
	for _, w := range strings.Fields(fixStopRe.ReplaceAllString(strings.ToLower(q.Text), " ")) {
		w = strings.Trim(w, "?.,!")
		if m := r.p.Resolve(w); len(m.Assets)+len(m.Lines)+len(m.Types) > 0 {
			continue // "프레스2": the machine, not what was done
		}
		if len([]rune(w)) >= 2 && !stopWords[w] {
			stems = append(stems, stem(w))
		}
	}
	for _, syn := range searchSynonyms {
		if syn.re.MatchString(q.Text) {
			// "벨트 … 장력": the English records' words for it too.
			for _, w := range strings.Fields(syn.add) {
				if len([]rune(w)) >= 3 && !stopWords[w] {
					stems = appendUnique(stems, stem(w))
				}
			}
		}
	}
	args := map[string]any{"query": q.Question, "asset": asset, "kind": "incident", "k": 20}
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: args})
	if len(res) == 0 || !res[0].OK {
		return false
	}
	ids := r.lib.merge(res[0])
	r.readFirst(ids, 8)
	var own []*doc
	for _, id := range ids {
		if d := r.lib.docs[id]; d != nil && d.incident() && d.Asset == asset {
			own = append(own, d)
		}
	}
	if len(own) == 0 {
		return false
	}
	sort.SliceStable(own, func(i, j int) bool { return own[i].Occurred < own[j].Occurred })
	// The time said is when the fix was done ("back in 2024", "작년에"),
	// which a fact said ("청소한 거") does not make the question's window.
	w, _ := readTimes(q.Text, r.now, r.p)
	inWindow := func(d *doc) bool {
		if !w.Named || w.Ahead || r.occurredIn(d, w) {
			return true
		}
		// "replaced in nov": the repair done then, though the incident
		// began before it.
		c, ok := r.repairClosed(asset, d.ID)
		return ok && !c.Before(w.From) && c.Before(w.To)
	}
	says := func(d *doc) int { // what was done in its title counts twice
		title, body := strings.ToLower(d.Title), strings.ToLower(d.Body)
		n := 0
		for _, s := range stems {
			if strings.Contains(title, s) {
				n += 2
			}
			if strings.Contains(body, s) {
				n++
			}
		}
		return n
	}
	// The latest of those that say most of what was done.
	var hit *doc
	best := 0
	for _, d := range own {
		if !inWindow(d) {
			continue
		}
		if n := says(d); n >= best {
			hit, best = d, n
		}
	}
	var lines []string
	if hit == nil && w.Named {
		// Nothing of it in the time said: the latest of it, said as such.
		best = 1
		for _, d := range own {
			if n := says(d); n >= best {
				hit, best = d, n
			}
		}
		if hit == nil {
			return false
		}
		label := w.Label
		if r.ko() {
			label = w.LabelKO
		}
		lines = append(lines, r.msg("fixworked.none_in", asset, label))
	}
	if hit == nil {
		return false
	}
	switch strings.ToLower(hit.Outcome) {
	case "failed":
		lines = append(lines, r.msg("fixworked.no", r.historyLine(hit, asset)))
		for _, d := range own {
			if d.Occurred > hit.Occurred {
				lines = append(lines, r.msg("fixworked.then", r.historyLine(d, asset)))
				r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
				break
			}
		}
	case "worked":
		lines = append(lines, r.msg("fixworked.yes", r.historyLine(hit, asset)))
	case "partial":
		lines = append(lines, r.msg("fixworked.partly", r.historyLine(hit, asset)))
	default:
		lines = append(lines, r.msg("fixworked.unknown", r.historyLine(hit, asset)))
	}
	lines = append(lines, r.sinceFix(asset, hit)...)
	r.a.Citations = append([]tools.Citation{{ID: hit.ID, Title: hit.Title, Kind: hit.Kind}}, r.a.Citations...)
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.history")
	return true
}

// sinceFix is how the asked sensor (or the fixed failure's leading one) has
// read since the fix: the record says whether it was fixed, the readings
// whether it stayed so ("has vibration stayed normal since?"). Nothing
// when no sensor is known or the fix is too recent to tell.
func (r *run) sinceFix(asset string, fix *doc) []string {
	t, ok := incidentTime(fix)
	if !ok {
		return nil
	}
	from := t.Add(24 * time.Hour) // the repair itself left out
	if c, ok := r.repairClosed(asset, fix.ID); ok && c.After(t) {
		// The failure record says when the repair ended: the readings
		// since then, not since a day after the incident began (a
		// bearing that failed four days later would count as "since").
		from = c
	}
	if r.now.Sub(from) < 24*time.Hour {
		return nil
	}
	sensors := r.q.Sensors
	if len(sensors) == 0 {
		if s := modeSensor(fix.Mode, typeOf(asset, r.p)); s != "" {
			sensors = []string{s}
		}
	}
	if len(sensors) == 0 {
		return nil
	}
	saved := r.q.Sensors
	r.q.Sensors = sensors[:1]
	defer func() { r.q.Sensors = saved }()
	w := Span{From: from, To: r.now, Label: "since the fix", LabelKO: "조치 이후", Named: true}
	lines, _ := r.trendsWithMeans([]string{asset}, w)
	if len(lines) == 0 {
		return nil
	}
	return append([]string{r.msg("fixworked.since", r.at(from))}, lines...)
}

// modeSensor is the first sensor the plant vocabulary names as a sign of
// mode on a machine of type typ ("" when none).
func modeSensor(mode, typ string) string {
	for _, f := range plant.FailureModes {
		if f.Mode != mode {
			continue
		}
		for _, sg := range f.Signs {
			if len(sg.Types) == 0 || slices.Contains(sg.Types, typ) {
				return sg.Sensor
			}
		}
	}
	return ""
}

// repairClosed is when the failure record of the incident id on asset
// was closed (the repair done), if the records hold it.
func (r *run) repairClosed(asset, id string) (time.Time, bool) {
	cites := r.a.Citations
	recs, ok := r.records(map[string]any{"asset": asset, "kind": "failure", "limit": 50})
	r.a.Citations = cites
	if !ok {
		return time.Time{}, false
	}
	for _, rec := range recs {
		if rec.Document == id && rec.Closed != "" {
			if c, err := time.Parse(recordLayout, rec.Closed); err == nil {
				return c, true
			}
		}
	}
	return time.Time{}, false
}
