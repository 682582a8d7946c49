package planner

import (
	"regexp"
	"strings"
)

// sensorWordRe asks for sensors rather than machines.
var sensorWordRe = regexp.MustCompile(`\bsensors?\b|\bsignals?\b|\btags?\b|센서|신호|태그`)

// catalog answers what the plant has, from its catalog (the series, the
// plant model and the maintenance register): for machines named, their
// sensors with the latest readings; else each line with its machines, and
// the machines on no line.
func (r *run) catalog() {
	q := r.q
	var out []string
	if q.Type != "" && !sensorWordRe.MatchString(q.Text) {
		// "list the machines of model4", "which presses do we have?"
		as := r.p.AssetsOfType(q.Type)
		shown := as
		if len(shown) > 30 {
			shown = shown[:30]
		}
		list := strings.Join(shown, ", ")
		if len(shown) < len(as) {
			list += ", …"
		}
		out = append(out, r.msg("catalog.type", q.Type, len(as), list))
		if len(as) > 0 {
			out = append(out, r.msg("catalog.ask", as[0]))
		}
		r.a.Situation = joinLines(out)
		r.a.Confidence = "high"
		return
	}
	if len(q.Assets) > 0 && !q.PlantWide && len(q.Assets) <= 6 {
		for _, a := range q.Assets {
			var rd []string
			for _, s := range r.p.Series {
				if s.Asset != a || s.Sensor == "" {
					continue
				}
				item := r.sensorName(s.Sensor)
				if s.LatestAt != "" {
					item += " (" + val(s.Latest) + suffix(s.Unit) + ", " + r.at(parseStamp(s.LatestAt)) + ")"
				}
				rd = append(rd, item)
			}
			if len(rd) == 0 {
				out = append(out, r.msg("asset.noseries", a))
				continue
			}
			out = append(out, r.msg("catalog.sensors", a, len(rd), strings.Join(rd, ", ")))
		}
		r.a.Situation = joinLines(out)
		r.a.Confidence = "high"
		return
	}
	lines := r.p.LineNames()
	if len(q.Lines) > 0 {
		lines = q.Lines
	}
	onLine := map[string]bool{}
	for _, l := range lines {
		var as []string
		for _, a := range r.p.AssetNames() {
			if x, ok := r.p.Asset(a); ok && x.Line == l {
				as = append(as, a)
				onLine[a] = true
			}
		}
		out = append(out, r.msg("catalog.line", l, strings.Join(as, ", ")))
	}
	if len(q.Lines) == 0 {
		var rest []string
		for _, a := range r.p.AssetNames() {
			if !onLine[a] {
				rest = append(rest, a)
			}
		}
		switch {
		case len(rest) > 30:
			out = append(out, r.msg("catalog.others_many", len(rest), strings.Join(rest[:30], ", ")))
		case len(rest) > 0:
			out = append(out, r.msg("catalog.others", strings.Join(rest, ", ")))
		}
	}
	if names := r.p.AssetNames(); len(names) > 0 {
		out = append(out, r.msg("catalog.ask", names[0]))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
}
