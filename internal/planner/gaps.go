package planner

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// gapsAskRe asks where the data has holes ("any sensors with data gaps in
// the last week?", "최근 일주일 데이터 끊긴 센서 있어?"): the gaps in a past
// window, not whether the feeds report now.
var gapsAskRe = regexp.MustCompile(`(?i)\b(?:gaps?|dropouts?|drop-?outs?|holes?)\b.{0,20}\b(?:data|readings?|sensors?|feeds?)\b|\b(?:data|readings?|sensors?|feeds?)\b.{0,20}\b(?:gaps?|dropouts?|drop-?outs?|holes?)\b|\bmissing (?:data|readings?)\b|\b(?:chart|graph|trend|plot)\b.{0,20}\b(?:holes?|gaps?|blank|missing)\b|데이터\S*\s*(?:끊긴|끊겼|끊김|끊어진|빠진|누락|비어|공백)|(?:끊긴|끊겼던|누락된|빠진)\s*(?:센서|데이터|구간)|결측`)

// gapsWindow is the window gaps are looked for in when none is named.
const gapsWindow = 7 * 24 * time.Hour

// dataGaps answers where readings went missing: every sensor of the
// machines asked (all, when none is) with its gaps in the window, the
// longest first, and how many sensors had none.
func (r *run) dataGaps(targets []string) {
	w := r.q.Window
	if !w.Named || w.Ahead {
		w = Span{From: r.now.Add(-gapsWindow), To: r.now, Label: "the last 7 days", LabelKO: "최근 7일"}
	}
	if w.To.After(r.now) {
		w.To = r.now
	}
	if w.To.Sub(w.From) > 31*24*time.Hour {
		w.From = w.To.Add(-31 * 24 * time.Hour) // the tool reads at most 31 days of readings
	}
	if len(targets) == 0 {
		for _, a := range r.p.Assets {
			if r.hasSeries(a.Name) {
				targets = append(targets, a.Name)
			}
		}
	}
	var calls []agent.ToolCall
	for _, a := range targets {
		args := map[string]any{"asset": a, "since": stampUTC(w.From), "until": stampUTC(w.To), "gaps": true}
		if len(r.q.Sensors) == 1 && len(targets) == 1 {
			args["sensor"] = r.q.Sensors[0] // "cnc-3 temp chart has a hole": that sensor
		}
		calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: args})
	}
	type hole struct {
		series   string
		count    int
		missing  int
		hours    float64
		from, to time.Time
	}
	var holes []hole
	sensors := 0
	for _, res := range r.call(calls...) {
		d, ok := decode[struct {
			Readings []struct {
				Series string `json:"series"`
				Trend  *struct {
					Gaps *struct {
						Count   int     `json:"count"`
						Missing int     `json:"missing"`
						Hours   float64 `json:"hours"`
						Longest *struct {
							From time.Time `json:"from"`
							To   time.Time `json:"to"`
						} `json:"longest"`
					} `json:"gaps"`
				} `json:"trend"`
			} `json:"readings"`
		}](res.Result.Data)
		if !res.OK || !ok {
			continue
		}
		for _, rd := range d.Readings {
			if rd.Trend == nil || rd.Trend.Gaps == nil {
				continue
			}
			sensors++
			if g := rd.Trend.Gaps; g.Count > 0 && g.Longest != nil {
				holes = append(holes, hole{rd.Series, g.Count, g.Missing, g.Hours, g.Longest.From, g.Longest.To})
			}
		}
	}
	if sensors == 0 {
		r.a.Situation = r.msg("gaps.none_read", r.spanIn(w))
		r.a.Confidence = "low"
		return
	}
	slices.SortStableFunc(holes, func(a, b hole) int { return cmp.Compare(b.to.Sub(b.from), a.to.Sub(a.from)) })
	if len(holes) == 0 {
		r.a.Situation = r.msg("gaps.none", sensors, r.spanIn(w))
		r.a.Confidence = "high"
		return
	}
	out := []string{r.msg("gaps.head", len(holes), sensors, r.spanIn(w))}
	for i, h := range holes {
		if i == 10 {
			out = append(out, r.msg("gaps.more", len(holes)-10))
			break
		}
		longest := r.derive("hours of "+h.series+"'s longest gap", math.Round(10*h.to.Sub(h.from).Hours())/10, "its end − its start, to 0.1 h")
		out = append(out, "• "+r.msg("gaps.line", h.series, h.count, h.missing, r.at(h.from), r.at(h.to), longest))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("gaps.escalate")
}
