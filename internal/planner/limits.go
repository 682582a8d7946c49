package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// limits answers "what are the alarm limits for pump-1?": per sensor of
// each machine asked about (the sensors named, else all), the limits its
// failure modes' runbooks and incidents state and those of the plant
// model, each with where it comes from and the current reading.
func (r *run) limits() {
	q := r.q
	targets := targetsOf(q, r.p)
	if len(targets) == 0 {
		r.a.Situation = r.msg("limits.which")
		r.a.Confidence = "low"
		return
	}
	if len(targets) > 3 {
		targets = targets[:3]
	}
	var out []string
	cited := map[string]bool{}
	byID := map[string]*doc{} // the documents read, by id
	for _, a := range targets {
		typ := typeOf(a, r.p)
		var sensors []string
		for _, s := range r.p.Series {
			if s.Asset == a && s.Sensor != "" && (len(q.Sensors) == 0 || contains(q.Sensors, s.Sensor)) {
				sensors = appendUnique(sensors, s.Sensor)
			}
		}
		// The documents of every failure mode a sensor's movement supports.
		var rules []rule
		seen := map[string]bool{}
		for _, sensor := range sensors {
			for _, dir := range []int{+1, -1} {
				for _, mode := range plant.SupportingModes(sensor, dir, typ) {
					if seen[mode] {
						continue
					}
					seen[mode] = true
					d := r.readDocs(&hypothesis{Asset: a, Mode: mode, Basis: agent.BasisReport})
					rules = append(rules, r.rulesFor(a, d)...)
					for _, x := range append([]*doc{d.canon}, d.incidents...) {
						if x != nil {
							byID[x.ID] = x
						}
					}
				}
			}
		}
		if len(seen) == 0 {
			rules = r.rulesFor(a, docs{})
		}
		lines := r.limitLines(a, sensors, rules, cited)
		if len(lines) == 0 {
			out = append(out, r.msg("limits.none", a))
			continue
		}
		out = append(out, lines...)
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
}

func b2s(b bool) string {
	if b {
		return "below"
	}
	return "above"
}

// limitLines writes one line per sensor: its limits, highest level last,
// each once, with its source, and the current reading.
func (r *run) limitLines(asset string, sensors []string, rules []rule, cited map[string]bool) []string {
	var out []string
	for _, sensor := range sensors {
		seen := map[string]bool{} // a limit stated by several documents is said once, by the first
		var rs []rule
		for _, ru := range rules {
			k := r.levelName(ru.Level) + " " + b2s(ru.Condition == "below") + " " + val(ru.Limit)
			if ru.Sensor != sensor || !r.applies(ru, asset) || ru.Limit == 0 || seen[k] {
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
			parts = append(parts, r.msg("limits.one", r.levelName(ru.Level), cond, val(ru.Limit), suffix(ru.Unit), src))
			if !ru.Plant {
				cited[ru.Doc] = true
			}
		}
		line := fmt.Sprintf("%s %s: %s", asset, r.sensorName(sensor), strings.Join(parts, "; "))
		for _, s := range r.p.Series {
			if s.Asset == asset && s.Sensor == sensor && s.LatestAt != "" {
				line += " " + r.msg("limits.now", val(s.Latest), suffix(s.Unit), r.at(parseStamp(s.LatestAt)))
				break
			}
		}
		out = append(out, line)
	}
	return out
}
