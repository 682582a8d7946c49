package planner

import (
	"cmp"
	"regexp"
	"slices"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// hotAskRe asks whether any machine runs hot ("is any machine running hot
// right now", "지금 온도 높은 설비 있어?"): each machine's temperature
// against its usual range, not the plant's risk ranking.
var hotAskRe = regexp.MustCompile(`(?i)\b(?:any|which|what)\b.{0,25}\b(?:running hot|run(?:s|ning)? hotter|overheating|too hot|hotter than (?:usual|normal))\b|(?:온도\s*(?:높은|높게|올라간|높아진)|뜨거운|과열된|열\s*나는)\s*(?:설비|기계|거|데)`)

// hotMachines answers hotAskRe for the whole plant: the machines whose
// latest temperature is above its usual range (the 10th–90th percentile
// of its last week), furthest above first, and how many are within it;
// false when no machine has a temperature sensor.
func (r *run) hotMachines() bool {
	var calls []agent.ToolCall
	for _, a := range r.p.Assets {
		if contains(a.Sensors, "temperature") && r.hasSeries(a.Name) {
			calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": a.Name, "sensor": "temperature"}})
		}
	}
	if len(calls) == 0 {
		return false
	}
	type reading struct {
		Series   string    `json:"series"`
		Unit     string    `json:"unit"`
		Value    float64   `json:"value"`
		At       time.Time `json:"at"`
		P10      float64   `json:"usual_p10"`
		P90      float64   `json:"usual_p90"`
		Position string    `json:"position"`
	}
	var above []reading
	n := 0
	for _, res := range r.call(calls...) {
		d, ok := decode[struct {
			Readings []reading `json:"readings"`
		}](res.Result.Data)
		if !res.OK || !ok {
			continue
		}
		for _, rd := range d.Readings {
			n++
			if rd.Position == "above usual" {
				above = append(above, rd)
			}
		}
	}
	if n == 0 {
		return false
	}
	over := func(rd reading) float64 { return (rd.Value - rd.P90) / max(rd.P90-rd.P10, 1e-9) }
	slices.SortStableFunc(above, func(a, b reading) int { return cmp.Compare(over(b), over(a)) })
	if len(above) == 0 {
		r.a.Situation = r.msg("hot.none", n)
		r.a.Confidence = "high"
		return true
	}
	out := []string{r.msg("hot.head", len(above), n)}
	for _, rd := range above {
		out = append(out, "• "+r.msg("hot.line", rd.Series, val(rd.Value), suffix(rd.Unit), val(rd.P10), val(rd.P90), r.at(rd.At)))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("hot.escalate")
	return true
}
