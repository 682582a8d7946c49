package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// A noise reported beside a change the detectors found ("진동 몇 나와?
// 아까부터 소리가 좀 이상함") is more than colour: a runbook's stop row may
// name a sound as a stop condition whatever the reading ("10 mm/s or
// knocking"). The answer says that row for the machine's type, so the
// person hearing it knows to stop at once if that is the sound.

// noiseRe reports a noise.
var noiseRe = regexp.MustCompile(`(?i)\b(?:nois\w*|sounds? (?:odd|weird|strange|funny|different|wrong|rough|off)|knock\w*|rattl\w*|grind\w*|bang\w*|clunk\w*)\b|소리|소음|노킹|딱딱|쿵쿵|덜컹`)

// noiseView adds, when a noise is reported on one machine with an ongoing
// change, its runbook's stop row for that machine's type when the row
// names a condition besides a reading ("or knocking").
func (r *run) noiseView() {
	if !noiseRe.MatchString(r.q.Text) || negatedRe.MatchString(r.q.Text) {
		return
	}
	asset, ev := r.oneOngoing()
	if ev == nil {
		return
	}
	typ := typeOf(asset, r.p)
	for _, mode := range plant.SupportingModes(ev.Sensor, ev.Dir(), typ) {
		d, _ := r.lib.runbooks(mode, asset, r.p)
		if d == nil {
			r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": r.modeQuery(mode, asset), "failure_mode": mode, "kind": "runbook", "k": 4}})
			if d, _ = r.lib.runbooks(mode, asset, r.p); d == nil {
				continue
			}
		}
		if !d.Read {
			r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
		}
		if cell, _ := stopSymptom(d.Body, typ); cell != "" {
			if strings.Contains(r.a.Situation, cell) {
				return // the symptom named, its stop verdict said (reportedStop)
			}
			r.a.Situation = joinLines([]string{r.a.Situation, r.msg("noise.stop", d.ID, typ, cell, asset)})
			r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
			return
		}
	}
}
