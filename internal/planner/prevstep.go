package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// A follow-up that asks the limit at which to stop ("워밍업 중에 진동 몇
// 넘으면 세워?", "at what vibration do I stop?") right after a procedure
// was given is answered by that procedure's own step, which says it for
// the job at hand (3 mm/s during a spindle warm-up), not by the machine's
// general limits (6 mm/s in running).

// stopAtAskRe asks at what reading to stop.
var stopAtAskRe = regexp.MustCompile(`(?i)\b(?:at )?what\b.{0,30}\b(?:do|should|must) (?:i|we) stop\b|\bwhen (?:do|should|must) (?:i|we) stop\b|\bstop (?:it )?(?:at|above|over) what\b|몇\s*(?:넘으면|이상이면|되면|까지)\s*(?:세워|세우|정지|멈춰|멈추|스톱)|언제\s*(?:세워|세우|정지|멈춰|멈추)`)

// stepLineRe is a numbered step of an answer, with its citations.
var stepLineRe = regexp.MustCompile(`^\s*(\d+)\.\s+(.+?)\s*(?:\[([^\]]+)\])?\s*$`)

// stepStopRe says a step stops something at a value with its unit.
var (
	stepStopRe  = regexp.MustCompile(`(?i)\bstop\b|정지|멈추|세운다|세우`)
	stepValueRe = regexp.MustCompile(`\d+(?:\.\d+)?\s*(?:mm/s|°C|bar|A\b|rpm|%)`)
)

// previousStop answers such a follow-up from the step of the thread's
// last answer that states it; false when there is none.
func (r *run) previousStop() bool {
	if !r.q.FollowUp || !stopAtAskRe.MatchString(r.q.Text) {
		return false
	}
	var words []string
	for _, s := range r.q.Sensors {
		w := plant.SensorOf(s)
		words = append(words, w.EN...)
		words = append(words, w.KO...)
	}
	for _, line := range strings.Split(lastAnswer(r.in.History), "\n") {
		m := stepLineRe.FindStringSubmatch(line)
		if m == nil || !stepStopRe.MatchString(m[2]) || !stepValueRe.MatchString(m[2]) {
			continue
		}
		if len(words) > 0 && !containsAny(strings.ToLower(m[2]), words) {
			continue
		}
		text := strings.TrimSpace(strings.SplitN(m[2], " — ", 2)[0])
		var ids []string
		for _, id := range strings.Split(m[3], ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
				r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: id})
			}
		}
		src := m[1]
		if len(ids) > 0 {
			src = ids[0] + ", " + r.msg("prev.step_n", m[1])
		}
		r.a.Situation = r.msg("prev.stop", src, text)
		r.a.Confidence = "high"
		r.a.Escalate = r.msg("prev.stop_escalate")
		return true
	}
	return false
}

// containsAny says s contains any of words (lower-cased).
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if w != "" && strings.Contains(s, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
