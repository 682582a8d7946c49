package agent

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gemba-ai/gemba/tools"
)

// ExternalTool is a tool another system runs: an external MCP server's
// tool (see internal/mcp), added to the registry under a prefix. The agent
// treats such tools differently from Gemba's own:
//
//   - only the LLM is offered them; the offline planner never calls them and
//     never composes an answer from their results;
//   - their calls carry the origin in the trace panel and the audit trail;
//   - a step that acts on equipment is kept only when Gemba's own evidence
//     backs it (a cited incident or runbook, or numbers from Gemba's own tool
//     results), never on an external result alone.
//
// They run like every tool: under the per-call deadline, with their results
// capped and wrapped as untrusted data.
type ExternalTool interface {
	tools.Tool
	// Origin names the system that runs the tool, e.g. "mcp:cmms".
	Origin() string
}

// originOf returns the origin of an external tool, "" for Gemba's own.
func originOf(t tools.Tool) string {
	if x, ok := t.(ExternalTool); ok {
		return x.Origin()
	}
	return ""
}

// ownTools returns the registry without external tools: what the offline
// planner may use.
func ownTools(reg *tools.Registry) *tools.Registry {
	all := reg.List()
	own := make([]tools.Tool, 0, len(all))
	for _, t := range all {
		if originOf(t) == "" {
			own = append(own, t)
		}
	}
	if len(own) == len(all) {
		return reg
	}
	return tools.NewRegistry(own...)
}

// externalNote tells the model which tools come from other systems and
// what their results may and may not back; empty when there are none.
func externalNote(reg *tools.Registry) string {
	var names []string
	for _, t := range reg.List() {
		if originOf(t) != "" {
			names = append(names, t.Name())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "\nThese tools come from other plant systems, not from Gemba: " + strings.Join(names, ", ") +
		". Use their results as context (work orders, orders, quality records). A step that acts on equipment must be backed by Gemba's own evidence: " +
		"a runbook or incident id from search_incidents/get_document, or numbers from Gemba's sensor tools; a step backed only by another system's result is removed."
}

// holdExternalEquipment removes the steps that act on equipment when the
// turn used an external tool and nothing of Gemba's own backs the step:
// no cited document or SOP (ground has already dropped citations of
// documents that are not in Gemba's store) and no number from Gemba's own
// tool results, or a number found only in an external result. It runs
// after ground and before markEquipment, which would otherwise lend such a
// step the answer's first runbook as its SOP.
func holdExternalEquipment(a *Answer, t *turn) {
	var origins []string
	seen := map[string]bool{}
	var ownTexts []string
	for _, o := range t.outcomes {
		if o.external == "" {
			ownTexts = append(ownTexts, o.evidence)
			for _, v := range o.trace.Args {
				if s, ok := v.(string); ok {
					ownTexts = append(ownTexts, s)
				} else {
					ownTexts = append(ownTexts, strconv.Quote(strings.TrimSpace(toJSON(v))))
				}
			}
			continue
		}
		if o.ok && !seen[o.external] {
			seen[o.external] = true
			origins = append(origins, o.external)
		}
	}
	if len(origins) == 0 {
		return
	}
	sort.Strings(origins)
	own := newEvidence(append(ownTexts, t.req.Question)...)
	backed := func(s Step) bool {
		if len(s.Citations) > 0 || s.SOP != "" {
			return true
		}
		found, foreign := false, false
		for _, n := range extractNumbers(s.Text + "\n" + s.Reason) {
			if n.decimals == 0 && n.val >= 0 && n.val <= 10 {
				continue // counts and step numbers back nothing
			}
			if own.has(n) {
				found = true
			} else {
				foreign = true
			}
		}
		return found && !foreign
	}
	hold := func(steps []Step) []Step {
		out := steps[:0]
		for _, s := range steps {
			if (s.TouchesEquipment || equipmentRe.MatchString(s.Text)) && !backed(s) {
				if t.lang == "ko" {
					t.warn("설비 조치 단계를 뺐습니다. 외부 시스템(%s)의 결과만 근거이고 Gemba 자체 근거가 없습니다: %s", strings.Join(origins, ", "), oneLine(s.Text))
				} else {
					t.warn("held back a step that acts on equipment: only another system (%s) backs it, not Gemba's own data or documents: %s", strings.Join(origins, ", "), oneLine(s.Text))
				}
				continue
			}
			out = append(out, s)
		}
		return out
	}
	a.Steps = hold(a.Steps)
	a.Detail = hold(a.Detail)
}

// oneLine shortens a step's text for a warning.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}
