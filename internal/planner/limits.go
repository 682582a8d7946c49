package planner

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// replaceCritRe asks for the rule that says when a part is replaced
// ("replacement criteria", "교체 기준 알려줘"); replaceWhenRe asks when
// to replace it ("when should the filler-1 product filter be replaced?"),
// which for a machine whose readings are moving now is its diagnosis.
var (
	replaceCritRe = regexp.MustCompile(`(?i)\b(?:replacement|change-?out|changeout) (?:criteri\w*|rules?|points?|limits?)\b|교체 ?(?:기준|조건)`)
	// replaceNeedRe asks whether the part is due for a change now ("do we
	// need to change the filter?", "교체해야되나").
	replaceNeedRe = regexp.MustCompile(`(?i)\b(?:should|must) (?:we|i|you) (?:change|replace|swap)\b|\b(?:do|does) (?:we|i|you|it) (?:need to|have to) (?:change|replace|swap)\b|\bneeds? (?:to be )?(?:changed|replaced|changing|replacing|a change)\b|\b(?:is it )?time to (?:change|replace|swap)\b|\bdue (?:for )?(?:a )?(?:change|replacement)\b|(?:교체|교환|갈아)\S*\s*(?:해야\s*(?:되나|돼|하나|할까|됨|함|되요|돼요|되는|하는)|필요(?:해|한가|하나|함|할까)?\s*\?|할까)|(?:교체|교환|갈|바꿀)\S*\s*(?:때|시기|타이밍)\S*\s*(?:됐|된|되었|왔|온)`)
	replaceWhenRe = regexp.MustCompile(`(?i)\bwhen to (?:replace|change|swap)\b|\bwhen (?:should|must|do|does) .{0,50}\bbe (?:replaced|changed|swapped)\b|\bwhen (?:do|should|must) (?:we|i|you) (?:replace|change|swap)\b|교체 ?시점|언제 ?(?:교체|갈아|바꿔)`)
)

// replaceCriterion answers when one machine's part is to be replaced: the
// documented rules whose action replaces it, with that action; false when
// the question is not that or no such rule is stated.
func (r *run) replaceCriterion() bool {
	ts := targetsOf(r.q, r.p)
	need := replaceNeedRe.MatchString(r.q.Text) && !replaceCritRe.MatchString(r.q.Text) && !replaceWhenRe.MatchString(r.q.Text)
	if len(ts) != 1 || !replaceCritRe.MatchString(r.q.Text) && !replaceWhenRe.MatchString(r.q.Text) && !need {
		return false
	}
	if !replaceCritRe.MatchString(r.q.Text) {
		// "when should it be replaced?": of a machine moving now, its
		// diagnosis (the state against the same rules, and how soon).
		r.call(agent.ToolCall{Name: tools.DetectAnomalies, Args: map[string]any{"asset": ts[0]}})
		for _, e := range r.book.of(ts[0]) {
			if e.Significant() {
				return false
			}
		}
	}
	saved := *r.a
	r.replaceRules = true
	found := r.limits()
	r.replaceRules = false
	if !found {
		*r.a = saved
		return false
	}
	if need && r.replaceRead {
		// "교체해야되나": the answer first, then the rule and the reading.
		key := "limits.replace_not_yet"
		if r.replaceCrossed {
			key = "limits.replace_due"
		}
		r.a.Situation = r.msg(key) + "\n" + r.a.Situation
	}
	return true
}

// limits answers "what are the alarm limits for pump-1?": per sensor of
// each machine asked about (the sensors named, else all), the limits its
// failure modes' runbooks and incidents state and those of the plant
// model, each with where it comes from and the current reading;
// false when none is stated for them.
func (r *run) limits() bool {
	q := r.q
	targets := targetsOf(q, r.p)
	near := nearLimitRe.MatchString(q.Text)
	plantWide := false
	if len(targets) == 0 && near {
		// "is any sensor near its limit?": every machine with readings.
		plantWide = true
		for _, a := range r.p.Assets {
			if r.hasSeries(a.Name) {
				targets = append(targets, a.Name)
			}
		}
	}
	if len(targets) == 0 {
		r.a.Situation = r.msg("limits.which")
		r.a.Confidence = "low"
		return false
	}
	if len(targets) > 3 && !plantWide {
		targets = targets[:3]
	}
	var out []string
	var all []limitLine
	cited := map[string]bool{}
	byID := map[string]*doc{} // the documents read, by id
	for _, a := range targets {
		var sensors []string
		for _, s := range r.p.Series {
			if s.Asset == a && s.Sensor != "" && (len(q.Sensors) == 0 || contains(q.Sensors, s.Sensor)) {
				sensors = appendUnique(sensors, s.Sensor)
			}
		}
		// The documents of every failure mode a sensor's movement supports.
		var rules []rule
		mds := r.modeDocs(a, sensors)
		for _, md := range mds {
			rules = append(rules, r.rulesFor(a, md.d)...)
			for _, x := range append([]*doc{md.d.canon}, md.d.incidents...) {
				if x != nil {
					byID[x.ID] = x
				}
			}
		}
		if len(mds) == 0 {
			rules = r.rulesFor(a, docs{})
		}
		lines := r.limitLines(a, sensors, rules, cited)
		if len(lines) == 0 {
			if !plantWide {
				out = append(out, r.msg("limits.none", a))
			}
			continue
		}
		for _, l := range lines {
			out = append(out, l.text)
		}
		all = append(all, lines...)
	}
	if near {
		out = r.nearest(all, out, plantWide)
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "medium"
	for id := range cited {
		d := byID[id]
		if d == nil {
			d = r.lib.docs[id]
		}
		if d != nil {
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
		} else {
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: id})
		}
	}
	sort.SliceStable(r.a.Citations, func(i, j int) bool { return r.a.Citations[i].ID < r.a.Citations[j].ID })
	return len(all) > 0
}

// modeDoc is one failure mode a sensor's movement supports and its
// documents.
type modeDoc struct {
	mode string
	d    docs
}

// modeDocs reads the documents of every failure mode that a rise or a
// fall of one of the asset's sensors supports, each mode once.
func (r *run) modeDocs(asset string, sensors []string) []modeDoc {
	typ := typeOf(asset, r.p)
	var out []modeDoc
	seen := map[string]bool{}
	for _, sensor := range sensors {
		for _, dir := range []int{+1, -1} {
			for _, mode := range plant.SupportingModes(sensor, dir, typ) {
				if !seen[mode] {
					seen[mode] = true
					out = append(out, modeDoc{mode, r.readDocs(&hypothesis{Asset: asset, Mode: mode, Basis: agent.BasisReport})})
				}
			}
		}
	}
	return out
}

func b2s(b bool) string {
	if b {
		return "below"
	}
	return "above"
}

// limitLine is one sensor's limits, as written, and where its current
// reading stands against the nearest of them.
type limitLine struct {
	text, asset, sensor string
	// margin says how far the reading is from its nearest limit not yet
	// crossed ("" when there is no reading or every limit is crossed);
	// rel is that distance as a share of the limit, crossed the level of
	// the highest limit it is beyond (0: none).
	margin  string
	rel     float64
	crossed int
	// beyond says by how much the reading is past the highest limit it
	// has crossed ("" when none).
	beyond string
}

// limitLines writes one line per sensor: its limits, highest level last,
// each once, with its source, the current reading and how far it is from
// the nearest limit.
func (r *run) limitLines(asset string, sensors []string, rules []rule, cited map[string]bool) []limitLine {
	var out []limitLine
	for _, sensor := range sensors {
		seen := map[string]bool{} // a limit stated by several documents is said once, by the first
		var rs []rule
		for _, ru := range rules {
			k := r.levelName(ru.Level) + " " + b2s(ru.Condition == "below") + " " + val(ru.Limit)
			if ru.Sensor != sensor || !r.applies(ru, asset) || ru.Limit == 0 || seen[k] {
				continue
			}
			if r.replaceRules && !replaceWordRe.MatchString(ru.Action+" "+ru.ActionKO) {
				continue
			}
			seen[k] = true
			rs = append(rs, ru)
		}
		if len(rs) == 0 {
			continue
		}
		sort.SliceStable(rs, func(i, j int) bool { return levelRank[rs[i].Level] < levelRank[rs[j].Level] })
		var parts []string
		for _, ru := range rs {
			cond := r.msg("limits.above")
			if ru.Condition == "below" {
				cond = r.msg("limits.below")
			}
			src := ru.Doc
			if ru.Plant && ru.Doc != "plant.yaml" {
				src = "plant.yaml, " + ru.Doc // the plant model's limit, with the reference it gives
			}
			part := r.msg("limits.one", r.levelName(ru.Level), cond, val(ru.Limit), suffix(ru.Unit), src)
			if r.replaceRules {
				act := ru.Action
				if r.ko() && ru.ActionKO != "" {
					act = ru.ActionKO
				}
				part += r.msg("limits.action", act)
			}
			parts = append(parts, part)
			if !ru.Plant {
				cited[ru.Doc] = true
			}
		}
		ll := limitLine{asset: asset, sensor: sensor, rel: math.Inf(1)}
		line := fmt.Sprintf("%s %s: %s", asset, r.sensorName(sensor), strings.Join(parts, "; "))
		for _, s := range r.p.Series {
			if s.Asset == asset && s.Sensor == sensor && s.LatestAt != "" {
				key, at := "limits.now", parseStamp(s.LatestAt)
				if r.now.Sub(at) > time.Hour {
					key = "limits.last" // a reading hours old says nothing of now
				}
				line += " " + r.msg(key, val(s.Latest), suffix(s.Unit), r.at(at))
				r.marginOf(&ll, s.Latest, rs)
				if r.replaceRules {
					// Whether the part is due by its rule now ("교체해야되나").
					r.replaceRead = true
					r.replaceCrossed = r.replaceCrossed || ll.crossed > 0
				}
				if ll.margin != "" {
					line = strings.TrimSuffix(line, ".") + ": " + ll.margin + "."
				}
				break
			}
		}
		ll.text = line
		out = append(out, ll)
	}
	return out
}

// marginOf fills ll's margin from the reading x and the sensor's limits:
// the nearest limit not yet crossed, and the highest one crossed.
func (r *run) marginOf(ll *limitLine, x float64, rs []rule) {
	var best, worst *rule
	for i := range rs {
		ru := &rs[i]
		beyond := x > ru.Limit
		if ru.Condition == "below" {
			beyond = x < ru.Limit
		}
		if beyond {
			if lv := levelRank[ru.Level] + 1; lv > ll.crossed {
				ll.crossed, worst = lv, ru
			}
			continue
		}
		if d := math.Abs(x-ru.Limit) / math.Max(math.Abs(ru.Limit), 1e-9); d < ll.rel {
			ll.rel, best = d, ru
		}
	}
	if worst != nil {
		from := fmt.Sprintf("%s %s reading %s against the %s %s limit %s (%s)", ll.asset, ll.sensor, val(x), worst.Level, worst.Condition, val(worst.Limit), worst.Doc)
		cond := r.msg("limits.above")
		if worst.Condition == "below" {
			cond = r.msg("limits.below")
		}
		ll.beyond = r.msg("limits.over", r.derive("distance beyond the limit", math.Abs(x-worst.Limit), from), suffix(worst.Unit), cond, val(worst.Limit), suffix(worst.Unit), r.levelName(worst.Level))
	}
	if best == nil {
		ll.margin = ll.beyond
		return
	}
	side := r.msg("limits.below")
	if best.Condition == "below" {
		side = r.msg("limits.above")
	}
	from := fmt.Sprintf("%s %s reading %s against the %s %s limit %s (%s)", ll.asset, ll.sensor, val(x), best.Level, best.Condition, val(best.Limit), best.Doc)
	diff := r.derive("distance to the nearest limit", math.Abs(x-best.Limit), from)
	pct := r.derive("distance to the nearest limit, % of the limit", math.Round(100*ll.rel), from)
	ll.margin = r.msg("limits.margin", diff, suffix(best.Unit), pct, side, val(best.Limit), suffix(best.Unit), r.levelName(best.Level))
	if ll.beyond != "" {
		ll.margin = ll.beyond + "; " + ll.margin
	}
}

// nearest puts the sensors closest to a limit first: those beyond one
// (highest level first), then by the margin to the nearest, as a share of
// that limit. Plant-wide, only the closest few are listed.
func (r *run) nearest(all []limitLine, out []string, plantWide bool) []string {
	if len(all) == 0 {
		return out
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].crossed != all[j].crossed {
			return all[i].crossed > all[j].crossed
		}
		return all[i].rel < all[j].rel
	})
	first := all[0]
	var lead string
	switch {
	case first.crossed > 0:
		lead = r.msg("limits.beyond", first.asset, r.sensorName(first.sensor), first.beyond)
	case first.margin != "":
		lead = r.msg("limits.closest", first.asset, r.sensorName(first.sensor), first.margin)
	default:
		return out
	}
	shown := all
	if plantWide && len(shown) > 6 {
		shown = shown[:6]
	}
	lines := []string{lead}
	for _, l := range shown {
		lines = append(lines, l.text)
	}
	if n := len(all) - len(shown); n > 0 {
		lines = append(lines, r.msg("limits.more", n))
	}
	return lines
}

// tripReading is the tripped sensor's latest reading against its limits
// ("cnc-4 temperature: alarm above 70 °C (RB-005); 45.1 °C at …"), the
// documents that state them cited: whether it has cooled below the limit
// that tripped it, before a restart.
func (r *run) tripReading(asset string) []string {
	var rules []rule
	for _, md := range r.modeDocs(asset, r.q.Sensors) {
		rules = append(rules, r.rulesFor(asset, md.d)...)
	}
	cited := map[string]bool{}
	var out []string
	for _, l := range r.limitLines(asset, r.q.Sensors, rules, cited) {
		out = append(out, l.text)
	}
	for id := range cited {
		if d := r.lib.docs[id]; d != nil {
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
		}
	}
	return out
}
