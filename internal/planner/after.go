package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// nextAskRe asks what is left once something was done ("we cleaned the
// strainer, anything else to do?", "이제 뭐 해야 돼?").
var nextAskRe = regexp.MustCompile(`\banything else\b|\bwhat (?:now|next|else)\b|\bwhat(?:'s| is) (?:left|next)\b|\bwhat should (?:i|we) do (?:now|next)\b|\bnext steps?\b|\bwhat (?:do|should) (?:i|we) (?:check|do) (?:now|next|after)\b|\bhow do (?:i|we) finish\b|\bis (?:that|it) (?:all|enough)\b|다음에? ?(?:뭐|무엇)|또 뭐|뭘 더|이제 뭐|더 할 (?:것|일)|남은 (?:작업|단계)`)

// modeOfComponent is the failure mode whose runbook works on a component.
func modeOfComponent(component string) string {
	for _, fm := range plant.FailureModes {
		for _, c := range fm.Components {
			if c == component {
				return fm.Mode
			}
		}
	}
	return ""
}

// afterDone answers "we did X, what else?": the steps of X's runbook that
// come after X, cited, with the machine's data as it stands now (already
// in the answer). It reports whether it found such steps.
func (r *run) afterDone(asset string) bool {
	f := r.q.Facts[0]
	mode := f.RulesDown
	if mode == "" {
		mode = modeOfComponent(f.Component)
	}
	if mode == "" || f.Redo == nil {
		return false
	}
	r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": r.q.Question, "failure_mode": mode, "kind": "runbook", "k": 6}})
	rb, _ := r.lib.runbooks(mode, asset, r.p)
	if rb == nil {
		return false
	}
	r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": rb.ID}})
	steps := stepsOf(rb)
	done := -1
	for i, s := range steps {
		if f.Redo.MatchString(s) {
			done = i
		}
	}
	if done < 0 || done == len(steps)-1 {
		return false
	}
	var out []agent.Step
	for _, it := range steps[done+1:] {
		s := agent.Step{Text: it, Citations: []string{rb.ID}}
		if r.ko() && !hasHangul(it) {
			s.Text = r.msg("quote.step", it, rb.ID)
		}
		out = append(out, r.requested(s, it, rb.ID)) // the job under way: its own procedure's next steps
	}
	r.a.Steps = out
	r.a.Detail = nil
	r.a.Situation = strings.TrimSpace(r.msg("after.head", r.msg("fact.said."+f.Component), rb.ID, rb.Title) + "\n" + r.a.Situation)
	r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: rb.ID, Title: rb.Title, Kind: rb.Kind})
	return true
}
