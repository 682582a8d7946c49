package planner

import (
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
)

// An operator asking what to do ("im the operator, what do i do right
// now", "저 작업자인데 지금 뭐 해야돼요?") needs two things first: whether
// the machine may keep running, by the limit its documents set for
// stopping it, and whom to tell. The maintenance plan (with its lockout
// steps, which only authorised maintenance staff carry out) stays in the
// answer, after those, said to be maintenance's.

// operatorSelfRe says the asker runs the machine.
var operatorSelfRe = regexp.MustCompile(`(?i)\b(?:i'?m|i am|im) (?:the |an? |just (?:the |an? )?)?(?:machine |press |line |cnc |shift )?operator\b|\boperator here\b|\bas (?:the |an? )?operator\b|(?:저|나|전|난|제가)\s*(?:는|은)?\s*(?:작업자|오퍼레이터|운전자)(?:인데|입니다|예요|에요|임|이라|라서)|(?:작업자|오퍼레이터)(?:인데|입니다|예요|에요|임|라서)`)

// operatorView puts an operator's steps first when the asker says they run
// the machine: keep running or stop, by the stop limit of the machine's
// documents against the reading now, and tell maintenance (naming the
// open work order when the answer has one); the plan's steps follow as
// the detail, said to be maintenance's. Nothing changes when the answer
// has no steps or no ongoing event.
func (r *run) operatorView() {
	if !operatorSelfRe.MatchString(r.q.Text) || len(r.a.Steps)+len(r.a.Detail) == 0 {
		return
	}
	asset, ev := r.oneOngoing()
	if ev == nil {
		return
	}
	stop := r.stopRule(asset, ev.Sensor)
	var first []agent.Step
	name := asset + " " + r.sensorName(ev.Sensor)
	reading := val(ev.Value) + suffix(ev.Unit)
	if stop != nil {
		act := stop.Action
		if r.ko() && stop.ActionKO != "" {
			act = stop.ActionKO
		}
		past := ev.Value >= stop.Limit
		if stop.Condition == "below" {
			past = ev.Value <= stop.Limit
		}
		limit := val(stop.Limit) + suffix(stop.Unit)
		step := agent.Step{Citations: []string{stop.Doc}}
		if past {
			step.Text = r.msg("operator.stop", name, reading, limit, stop.Doc, act)
			step.TouchesEquipment, step.SOP, step.Basis = true, stop.Doc, agent.BasisRule
			step.Evidence = r.msg("operator.stop", name, reading, limit, stop.Doc, act)
		} else {
			step.Text = r.msg("operator.keep", name, reading, limit, stop.Doc, act)
		}
		first = append(first, step)
	} else {
		first = append(first, agent.Step{Text: r.msg("operator.no_stop_rule", name)})
	}
	tell := agent.Step{Text: r.msg("operator.tell")}
	for _, id := range docIDRe.FindAllString(r.a.Situation, -1) {
		if strings.HasPrefix(strings.ToUpper(id), "WO-") {
			tell.Text = r.msg("operator.tell_wo", id) // the open work order the answer names
			break
		}
	}
	first = append(first, tell)
	rest := append(append([]agent.Step(nil), r.a.Steps...), r.a.Detail...)
	r.a.Steps, r.a.Detail = first, rest
	r.a.Situation = joinLines([]string{r.a.Situation, r.msg("operator.rest", len(rest))})
}

// oneOngoing is the one machine a question names and its strongest
// ongoing change; a nil event when it names more or none, or the machine
// shows none.
func (r *run) oneOngoing() (string, *Event) {
	targets := targetsOf(r.q, r.p)
	if len(targets) != 1 {
		return "", nil
	}
	var ev *Event
	for _, e := range r.book.of(targets[0]) {
		if e.Ongoing && e.Significant() && (ev == nil || math.Abs(e.Sigma) > math.Abs(ev.Sigma)) {
			ev = &e
		}
	}
	return targets[0], ev
}

// stopRule is the lowest limit at which the machine's documents say to
// stop it for this sensor (level "stop"), or nil.
func (r *run) stopRule(asset, sensor string) *rule {
	var rs []rule
	ids := make([]string, 0, len(r.lib.docs))
	for id := range r.lib.docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		d := r.lib.docs[id]
		if d.korean() {
			continue // a Korean twin states the same limits
		}
		for _, ru := range d.Rules {
			if ru.Level == "stop" && ru.Sensor == sensor && ru.Limit != 0 && r.applies(ru, asset) {
				ru.Doc = d.ID
				rs = append(rs, ru)
			}
		}
	}
	if len(rs) == 0 {
		return nil
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Condition == "below" {
			return rs[i].Limit > rs[j].Limit
		}
		return rs[i].Limit < rs[j].Limit
	})
	return &rs[0]
}
