package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// A burning smell or smoke is a safety event before it is a diagnosis: a
// winding, a cable or a belt can burn before any sensor sees it, so the
// readings being normal says little. The answer leads with what to do
// now (stop the machine from its panel and keep clear if there is smoke
// or the smell grows) and whom to call (the plant's escalation matrix:
// shift manager and EHS, immediately), then the diagnosis it would give.

// burnRe reports a burning smell or smoke.
var burnRe = regexp.MustCompile(`(?i)\bburn(?:ing|t)\b.{0,25}\bsmell|\bsmell\w*\s+(?:of\s+|like\s+)?(?:(?:something|sth|smth|sumthin\w*|sort of|kind of)\s+)?(?:burn\w*|smoke|scorch\w*)|\bsmok(?:e|ing|y)\b|\bscorch\w*|타는\s*냄새|탄\s*냄새|탄내|연기`)

// noBurnRe denies it ("no smoke", "no burning smell", "연기는 없").
var noBurnRe = regexp.MustCompile(`(?i)\bno\s+(?:smoke|burn\w*|smell)|\bwithout\s+(?:smoke|a smell)|연기\S*\s*(?:는|도)?\s*(?:없|안)|냄새\S*\s*(?:는|도)?\s*(?:없|안)`)

// burnReported says the question reports a burning smell or smoke.
func burnReported(text string) bool {
	return burnRe.MatchString(text) && !noBurnRe.MatchString(text)
}

// burnView puts the safety steps first when a burning smell or smoke is
// reported on one machine: stop and keep clear if it grows, call the
// shift manager and EHS now (the escalation matrix's safety row, cited),
// and says the sensors may not see it. The escalation line becomes the
// matrix's, not a limit of another runbook.
func (r *run) burnView() {
	if !burnReported(r.q.Text) {
		return
	}
	targets := targetsOf(r.q, r.p)
	if len(targets) == 0 || len(targets) > 6 {
		return
	}
	asset := targets[0]
	if len(targets) > 1 {
		// "1라인 프레스쪽에서 타는 냄새": near several machines, the same
		// safety event for all of them, and which one it is comes first.
		asset = strings.Join(targets, ", ")
	}
	matrix := r.escalationMatrix()
	stop := agent.Step{Text: r.msg("burn.stop", asset)}
	if len(targets) > 1 {
		stop = agent.Step{Text: r.msg("burn.stop_area", asset)}
	}
	call := agent.Step{Text: r.msg("burn.call")}
	if matrix != "" {
		call.Citations = []string{matrix}
	}
	rest := append(append([]agent.Step(nil), r.a.Steps...), r.a.Detail...)
	first := []agent.Step{stop, call}
	n := min(len(rest), 3)
	r.a.Steps, r.a.Detail = append(first, rest[:n]...), rest[n:]
	r.a.Situation = joinLines([]string{r.msg("burn.situation", asset), r.a.Situation})
	r.a.Escalate = r.msg("burn.escalate")
	if matrix != "" {
		r.a.Escalate = r.msg("burn.escalate_doc", matrix)
	}
}

// escalationMatrix is the id of the plant's escalation matrix (the
// runbook whose title says escalation), searched when the answer has not
// read it; "" when the plant has none.
func (r *run) escalationMatrix() string {
	find := func() string {
		var best *doc
		for _, d := range r.lib.docs {
			if d.runbook() && !d.korean() && escalTitleRe.MatchString(d.Title) && (best == nil || d.Rank < best.Rank) {
				best = d
			}
		}
		if best == nil {
			return ""
		}
		return best.ID
	}
	if id := find(); id != "" {
		return id
	}
	r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": "escalation matrix safety event", "kind": "runbook", "k": 3}})
	return find()
}
