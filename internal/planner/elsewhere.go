package planner

import (
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
)

// A failure reported near several machines ("고무 타는 냄새 near the line-1
// presses") whose data shows none of it, while one of them has another
// fault the detectors found (press-3's bearing wear): the answer is about
// that fault, and the report would be lost in it. reportedElsewhere says
// what the report points to, that the data shows it on none of them, and
// puts the report's first check, from its runbook, before the other
// fault's steps (those until its job; its repair is pointed to).

// reportedElsewhere adds the reported failure's check to an answer whose
// hypothesis is another failure the data found, when the question named
// several machines.
func (r *run) reportedElsewhere(h *hypothesis, targets []string) {
	q := r.q
	if h == nil || h.Basis != agent.BasisSensor || h.Reported || len(targets) < 2 || len(q.Reported) == 0 || q.AsksMode {
		return
	}
	mode := q.Reported[0]
	if mode == h.Mode {
		return
	}
	var with []string // the machines the mode is about
	for _, a := range targets {
		if modeSensor(mode, typeOf(a, r.p)) != "" { // a mode machines of its type have
			with = append(with, a)
		}
	}
	if len(with) == 0 {
		return
	}
	d := r.readDocs(&hypothesis{Asset: with[0], Mode: mode, Basis: agent.BasisReport, Reported: true})
	rb := d.canon
	if r.ko() && d.ko != nil {
		rb = d.ko
	}
	if rb == nil {
		return
	}
	steps := stepsOf(rb)
	if len(steps) == 0 {
		return
	}
	first := strings.TrimSpace(steps[0])
	if len(steps) > 1 && strings.Contains(first, "LOTO") && len([]rune(first)) < 60 {
		// "[LOTO] Apply RB-LOTO, remove the guard": the look that follows
		// it is the check.
		first += " " + strings.TrimSpace(steps[1])
	}
	list := strings.Join(with, ", ")
	r.a.Situation = joinLines([]string{r.a.Situation, r.msg("report.elsewhere", r.modeName(mode), rb.ID, list, h.Asset)})
	check := agent.Step{Text: r.msg("report.elsewhere_step", list, first), Citations: []string{rb.ID},
		Basis: agent.BasisReport, Evidence: r.msg("report.elsewhere_evidence", r.modeName(mode)), TouchesEquipment: true, SOP: rb.ID}
	// The other fault's repair under lockout is not what was asked: its
	// steps until the job stay, the repair is pointed to.
	r.a.Steps = append([]agent.Step{check}, r.untilTheJob(r.a.Steps, h)...)
	r.cite(docs{canon: rb})
}
