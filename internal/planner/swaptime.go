package planner

import (
	"maps"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// This file answers how long replacing a part takes ("how long does a
// crank bearing swap take?", "크랭크 베어링 교체 보통 몇시간 걸려?"): the
// records that replaced that part, each with the time it took, the
// breakdowns apart from the planned work. The mean time to repair of
// every failure of the part answers another question: it mixes repairs
// that replaced nothing (a regrease) with replacements, and spindles with
// crankshafts.

// swapTimePattern asks how long replacing something takes or took.
const swapTimePattern = `\bhow long (?:does|did|do|will|would|should|is|was|are|were)\b.{0,50}\b(?:replac\w*|swap\w*|change(?:s|d|out|-out)?|changing)\b|\bhow long (?:to|for)\b.{0,20}\b(?:replac\w*|swap\w*|change|changing)\b|\b(?:replac\w*|swap\w*|change(?:out)?)\b.{0,40}\bhow long(?:\s*\??\s*$|\s+(?:does|did|do|will|would|is|was)\b)|\b(?:time|hours|downtime) (?:to|for|of)(?: an?| the)? .{0,25}\b(?:replac\w*|swap\w*|change(?:out)?)\b|(?:교체|교환|갈아 ?끼우|바꾸)\S*\s*.{0,12}(?:얼마나 ?걸|시간이? ?얼마|몇 ?(?:시간|분) ?(?:걸|정도|소요)|소요 ?시간)`

// partLifeRe asks how long a part will last, not how long changing it
// takes ("how long will press 3 run before the bearing needs replacing?").
var partLifeRe = regexp.MustCompile(`\bhow long (?:will|can|does|do|would|could)\b.{0,30}\b(?:last|hold|survive|run|go|keep going)\b|\b(?:before|until|till)\b|전에|까지`)

// swapTimeAsked says a question asks how long a part's replacement takes.
func swapTimeAsked(text string) bool {
	return swapTimeRe.MatchString(text) && !partLifeRe.MatchString(text)
}

var swapTimeRe = regexp.MustCompile(swapTimePattern)

// partQualifiers narrow a part to one of its kinds ("crank bearing" is the
// presses' crankshaft bearing, not a spindle's); ko is the same word as
// Korean records write it.
var partQualifiers = []struct {
	re     *regexp.Regexp
	en, ko string
}{
	{regexp.MustCompile(`(?i)crank\w*|크랭크`), "crankshaft", "크랭크축"},
	{regexp.MustCompile(`(?i)flywheel|플라이휠`), "flywheel", "플라이휠"},
	{regexp.MustCompile(`(?i)spindle|스핀들`), "spindle", "스핀들"},
	{regexp.MustCompile(`(?i)\bmotor|모터`), "motor", "모터"},
	{regexp.MustCompile(`(?i)pulley|풀리`), "pulley", "풀리"},
	{regexp.MustCompile(`(?i)\bproduct\b|제품`), "product", "제품"},
	{regexp.MustCompile(`(?i)coolant|쿨런트|절삭유`), "coolant", "쿨런트"},
	{regexp.MustCompile(`(?i)intake|흡기`), "intake", "흡기"},
	{regexp.MustCompile(`(?i)suction|흡입`), "suction", "흡입"},
}

// replacedRe marks an action or a title that replaced or exchanged a part.
var replacedRe = regexp.MustCompile(`(?i)\breplac\w*|\bchanged?\b|\bchange-?out\b|\bswap\w*|\bexchang\w*|\bnew \w+ (?:fitted|installed)|교체|교환`)

// swapRecord is one record of the part's work, read for its time.
type swapRecord struct {
	rec      *maintRecord
	minutes  float64 // time it took: downtime, or opened → closed
	measured bool    // minutes come from opened → closed, not downtime
	replaced bool    // the record says the part was replaced
}

// swapTime answers how long replacing the part the question names takes,
// from the records that replaced it; false when no part is named (the
// mean time to repair then answers).
func (r *run) swapTime(args map[string]any) bool {
	q := r.q
	part, partRe := r.swapPart(args)
	if part == "" {
		return false
	}
	text := q.Text
	if q.FollowUp && !componentNamed(text) {
		text = q.Thread + "\n" + text
	}
	qual := -1
	for i, p := range partQualifiers {
		if p.re.MatchString(text) && !p.re.MatchString(part) {
			qual = i
		}
	}
	asset, _ := args["asset"].(string)
	base := map[string]any{"component": part, "limit": 50}
	switch {
	case asset != "":
		base["asset_type"] = typeOf(asset, r.p) // its own, and the same machines' for comparison
	case args["asset_type"] != nil:
		base["asset_type"] = args["asset_type"]
	case args["assets"] != nil:
		base["assets"] = args["assets"]
	case args["line"] != nil:
		base["line"] = args["line"]
	}
	var all []maintRecord
	capped := map[string]bool{}
	cites := r.a.Citations
	bases := []map[string]any{base}
	if asset != "" {
		// The machine's own records too: an imported history need not
		// carry the machines' types.
		bases = append(bases, map[string]any{"component": part, "limit": 50, "asset": asset})
	}
	seen := map[string]bool{}
	for _, b := range bases {
		for _, kind := range []string{"failure", "work_order", "preventive"} {
			a := maps.Clone(b)
			a["kind"] = kind
			recs, ok := r.records(a)
			if !ok {
				r.a.Situation = joinLines(r.maintUnreadable())
				r.a.Confidence = "low"
				return true
			}
			for _, rec := range recs {
				if !seen[rec.ID] {
					seen[rec.ID] = true
					all = append(all, rec)
				}
			}
			if len(recs) == 50 {
				capped[kind] = true // the newest 50 of that kind: said in the answer
			}
		}
	}
	r.a.Citations = cites // only the documents of the records shown, below
	if qual >= 0 {
		var kept []maintRecord
		for _, rec := range all {
			if partQualifiers[qual].re.MatchString(rec.Title + " " + rec.Component) {
				kept = append(kept, rec)
			}
		}
		all = kept
	}
	var ids []string
	for _, rec := range all {
		if rec.Kind == "failure" && rec.Document != "" {
			ids = append(ids, rec.Document)
		}
	}
	r.readFirst(ids, 12)

	var done, notReplaced []swapRecord
	var open []*maintRecord
	for i := range all {
		rec := &all[i]
		if rec.Status == "open" {
			if replacedRe.MatchString(rec.Title) {
				open = append(open, rec)
			}
			continue
		}
		s := swapRecord{rec: rec, replaced: r.recordReplaced(rec, partRe)}
		switch {
		case rec.Downtime != nil:
			s.minutes = float64(*rec.Downtime)
		case rec.Closed != "":
			a, e1 := time.Parse(recordLayout, rec.Opened)
			b, e2 := time.Parse(recordLayout, rec.Closed)
			if e1 != nil || e2 != nil || !b.After(a) {
				continue
			}
			s.minutes, s.measured = b.Sub(a).Minutes(), true
		default:
			continue
		}
		if s.replaced {
			done = append(done, s)
		} else if rec.Kind == "failure" {
			notReplaced = append(notReplaced, s)
		}
	}
	sort.SliceStable(done, func(i, j int) bool { return done[i].rec.Opened > done[j].rec.Opened })

	what := r.partWord(part)
	if qual >= 0 {
		if r.ko() {
			what = partQualifiers[qual].ko + " " + what
		} else {
			what = partQualifiers[qual].en + " " + what
		}
	}
	scope := r.maintScope(args)
	if asset != "" {
		scope = asset
	}
	if len(done) == 0 {
		r.a.Situation = r.msg("swap.none", what, scope, len(all))
		if len(open) > 0 {
			r.a.Situation += "\n" + r.openSwaps(open)
		}
		r.a.Confidence = "low"
		r.a.Escalate = r.msg("maint.escalate")
		return true
	}

	// The asked machine's own replacements first; the same machines' when
	// it has fewer than two.
	own, others := done, []swapRecord(nil)
	if asset != "" {
		own = nil
		for _, s := range done {
			if s.rec.Asset == asset {
				own = append(own, s)
			} else {
				others = append(others, s)
			}
		}
	}
	var out []string
	if latestAskRe.MatchString(q.Text) {
		// "how long did the last bearing replacement take?": that one.
		s := done[0]
		if len(own) > 0 {
			s = own[0]
		}
		out = append(out, r.msg("swap.last", what, r.swapLine(s)))
		r.citeRecord(s.rec)
		own = nil
	}
	if len(own) > 0 {
		out = append(out, r.swapGroups(what, scope, own)...)
	} else if asset != "" && len(out) == 0 {
		out = append(out, r.msg("swap.none_own", what, asset))
	}
	if asset != "" && len(own) < 2 && len(others) > 0 {
		out = append(out, r.swapGroups(what, r.msg("maint.type", typeOf(asset, r.p)), others)...)
	}
	if len(notReplaced) > 0 && len(out) > 0 {
		var ls []string
		for i, s := range notReplaced {
			if i == 3 {
				break
			}
			ls = append(ls, r.recordName(s.rec))
		}
		out = append(out, r.msg("swap.not_replaced", what, strings.Join(ls, "; ")))
	}
	if len(open) > 0 {
		out = append(out, r.openSwaps(open))
	}
	for _, s := range done {
		if capped[s.rec.Kind] {
			out = append(out, r.msg("swap.capped"))
			break
		}
	}
	for i := range out {
		if strings.HasPrefix(out[i], "the ") {
			out[i] = capitalize(out[i]) // "The plant: …", not an asset's name
		}
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("maint.escalate")
	return true
}

// swapPart is the part whose replacement a question asks about, from the
// question or, for "it", the thread; with the pattern that finds it in a
// record's text.
func (r *run) swapPart(args map[string]any) (string, *regexp.Regexp) {
	if c, ok := args["component"].(string); ok && c != "" {
		for _, w := range componentWords {
			if w.part == c {
				return c, w.re
			}
		}
		return c, regexp.MustCompile(`(?i)` + regexp.QuoteMeta(c))
	}
	if c := namedComponent(r.q, r.p); c != "" && !partQualifierWord(c) {
		return c, regexp.MustCompile(`(?i)` + regexp.QuoteMeta(c))
	}
	if r.q.FollowUp {
		lines := strings.Split(r.q.Thread, "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			for _, w := range componentWords {
				if w.re.MatchString(plant.Normalize(lines[i])) {
					return w.part, w.re
				}
			}
		}
	}
	return "", nil
}

// partQualifierWord says a word is a qualifier of a part ("crank"), not a part.
func partQualifierWord(w string) bool {
	for _, p := range partQualifiers {
		if p.re.MatchString(w) {
			return true
		}
	}
	return false
}

// componentNamed says a text names a part of componentWords.
func componentNamed(text string) bool {
	for _, c := range componentWords {
		if c.re.MatchString(text) {
			return true
		}
	}
	return false
}

// recordReplaced says a record replaced the part: a work record whose
// title says so, or a failure whose incident's recorded actions replace or
// exchange the part (or the component the record names: "Spindle
// cartridge exchanged" for a spindle bearing), not a regrease or a
// rebalanced tool holder.
func (r *run) recordReplaced(rec *maintRecord, partRe *regexp.Regexp) bool {
	if rec.Kind != "failure" {
		return replacedRe.MatchString(rec.Title)
	}
	names := []*regexp.Regexp{partRe}
	for _, w := range strings.Fields(rec.Component) {
		if len(w) > 2 {
			names = append(names, regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(w)))
		}
	}
	if d := r.lib.get(rec.Document); rec.Document != "" && d.Read && d.Body != "" {
		for _, a := range actionItems(d.Body) {
			for _, c := range splitClauses(docIDRe.ReplaceAllString(a, "")) {
				// (A runbook's id, "RB-pump-strainer", names no part.)
				for _, n := range names {
					if near(n, replacedRe, c, 12) {
						return true
					}
				}
			}
		}
		return false
	}
	return replacedRe.MatchString(rec.Title) && partRe.MatchString(rec.Title)
}

// swapGroups sums up replacements of the part on scope: those after a
// breakdown (the downtime each cost) apart from those done as planned work
// or in a planned stop, each with the latest records.
func (r *run) swapGroups(what, scope string, recs []swapRecord) []string {
	var broke, planned, inStop []swapRecord
	for _, s := range recs {
		switch {
		case s.rec.Kind == "failure" && s.minutes > 0:
			broke = append(broke, s)
		case s.rec.Kind == "failure":
			inStop = append(inStop, s)
		default:
			planned = append(planned, s)
		}
	}
	var out []string
	group := func(key string, g []swapRecord) {
		if len(g) == 0 {
			return
		}
		mins := make([]float64, len(g))
		for i, s := range g {
			mins[i] = s.minutes
		}
		sort.Float64s(mins)
		if len(g) == 1 {
			out = append(out, r.msg(key+"_one", what, scope, r.swapLine(g[0])))
			r.citeRecord(g[0].rec)
			return
		}
		med := mins[len(mins)/2]
		if len(mins)%2 == 0 {
			med = (mins[len(mins)/2-1] + mins[len(mins)/2]) / 2
		}
		s := r.msg(key, what, scope, r.derive("median minutes of the replacements", math.Round(med), "median of each record's downtime or opened → closed"),
			r.swapMinutes(mins[0], g), r.swapMinutes(mins[len(mins)-1], g), len(g))
		var ls []string
		for i, x := range g {
			if i == 4 {
				break
			}
			ls = append(ls, r.swapLine(x))
			r.citeRecord(x.rec)
		}
		if len(g) > 4 {
			ls = append(ls, r.msg("swap.more", r.deriveCount("replacements not listed", float64(len(g)-4), "the group's records less the 4 listed")))
		}
		out = append(out, s+" "+strings.Join(ls, "; ")+".")
	}
	group("swap.broke", broke)
	group("swap.planned", planned)
	for _, s := range inStop {
		out = append(out, r.msg("swap.in_stop", r.recordName(s.rec)))
		r.citeRecord(s.rec)
	}
	return out
}

// swapMinutes is a replacement's minutes as the answer writes them: the
// record's own downtime, or derived from its opening and closing.
func (r *run) swapMinutes(m float64, g []swapRecord) string {
	for _, s := range g {
		if s.minutes == m && s.measured {
			return r.derive("minutes from opened to closed", math.Round(m), "closed − opened of the record")
		}
	}
	return num(m)
}

// swapLine is one replacement: when, what and the minutes it took.
func (r *run) swapLine(s swapRecord) string {
	m := num(s.minutes)
	if s.measured {
		m = r.derive("minutes from opened to closed", math.Round(s.minutes), "closed − opened of "+s.rec.ID)
	}
	return r.msg("swap.line", r.recordName(s.rec), m)
}

// recordName is a record as the answer names it: when, the machine when
// its title does not say it, the title and id.
func (r *run) recordName(rec *maintRecord) string {
	s := r.recordAt(rec.Opened) + " "
	if !strings.Contains(strings.ToLower(rec.Title), strings.ToLower(rec.Asset)) {
		s += rec.Asset + ": "
	}
	s += rec.Title + " (" + rec.ID + ")"
	if rec.Document != "" && rec.Document != rec.ID {
		s += " → " + rec.Document
	}
	return s
}

// openSwaps lists the open work to replace the part, with its planned time.
func (r *run) openSwaps(open []*maintRecord) string {
	var ls []string
	for _, rec := range open {
		s := rec.Title + " (" + rec.ID + ")"
		if rec.Planned != nil && *rec.Planned > 0 {
			s += " " + r.msg("swap.plans", *rec.Planned)
		}
		if rec.Due != "" {
			s += " " + r.msg("swap.due", r.recordAt(rec.Due))
		}
		ls = append(ls, s)
	}
	return r.msg("swap.open", strings.Join(ls, "; "))
}

// citeRecord adds a record's document to the answer's sources.
func (r *run) citeRecord(rec *maintRecord) {
	if rec.Document == "" {
		return
	}
	title := rec.Title
	if d := r.lib.get(rec.Document); d.Title != "" {
		title = d.Title
	}
	r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: rec.Document, Title: title})
}

// near says a clause names the part within gap bytes of the replacing
// word, either way round ("Bearing unit replaced", "replaced the
// bearing", "베어링을 교체"), so "Strainer cleaned and gasket replaced"
// replaced the gasket, not the strainer.
func near(part, verb *regexp.Regexp, clause string, gap int) bool {
	for _, p := range part.FindAllStringIndex(clause, -1) {
		for _, v := range verb.FindAllStringIndex(clause, -1) {
			if v[0] >= p[1] && v[0]-p[1] <= gap || p[0] >= v[1] && p[0]-v[1] <= gap {
				return true
			}
		}
	}
	return false
}
