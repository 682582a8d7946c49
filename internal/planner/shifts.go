package planner

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// IntentShifts asks for the plant's shift calendar ("when is the next shift
// change?", "교대 시간 알려줘") and who works when ("who is on shift
// tonight?", "which operator ran press 2?"), which Gemba has no record of.
const IntentShifts Intent = "shifts"

// shiftTimesRe asks for the shift calendar itself.
var shiftTimesRe = regexp.MustCompile(`\bwhen (?:is|does|do) (?:the )?(?:next |this |current |our |my |the night |the day |the late )?shifts? (?:change|start|end|begin|finish|handover)s?\b|\bshift (?:times|schedule|pattern|hours|calendar|change ?over|changes?)\b|\bwhat time (?:does|do|is) .{0,25}\bshifts? (?:start|end|change|begin|finish)\b|\bhow long (?:is|are) (?:a |the |our )?shifts?\b|\bwhich shift (?:is it|are we (?:in|on))\b|교대 ?(?:시간|시각|일정|근무표|패턴)|교대(?:는|가)? 언제|언제 교대|몇 시에 교대|근무 시간표`)

// peopleRe asks who works, ran or is on duty: a roster Gemba does not have
// ("who should I call" is a procedure's escalation, not this).
var peopleRe = regexp.MustCompile(`\bwho(?:'s| is| was| are| were| will be)? (?:on (?:shift|duty|call)|working|running|in charge|operating)\b|\bwho ran\b|\bwho (?:is|was) the (?:operator|technician|supervisor|shift lead)\b|\bwhich (?:operators?|technicians?|person|people|workers?|crew|team|mechanic)\b.{0,30}\b(?:ran|run|running|worked|working|was on|is on|on shift|operated|operating|fixed|repaired)\b|\b(?:shift )?(?:roster|rota)\b|\bstaffing\b|\bhow many (?:people|operators|workers) (?:are|were|will be)\b|누가 (?:근무|일했|일해|담당|운전|작업|당직)|(?:교대|근무|근무조|조)\s*(?:는|가)?\s*누구|근무자|작업자(?:가|는)? 누구|담당자(?:가|는)? 누구|당직자`)

// shifts answers from the plant calendar: the shift now and the next
// change, the plant's shift pattern, and plainly that who works when is no
// record Gemba has, with what it can say instead.
func (r *run) shifts() {
	people := peopleRe.MatchString(r.q.Text)
	cur, next := r.p.ShiftAt(r.now, 0), r.p.ShiftAt(r.now, 1)
	var lines []string
	if people {
		lines = append(lines, r.msg("shifts.people"))
	}
	name := func(n, ko string) string {
		if r.ko() && ko != "" {
			return ko
		}
		return n
	}
	lines = append(lines, r.msg("shifts.now", name(cur.Name, cur.NameKO), r.at(cur.From), r.at(cur.To), r.at(next.From), name(next.Name, next.NameKO)))
	var pattern []string
	for _, s := range r.p.Shifts {
		start := time.Time{}.Add(s.Start).Format("15:04")
		r.note("shift start, plant time", start, "plant calendar")
		days := ""
		if len(s.Days) > 0 && len(s.Days) < 7 {
			var ds []string
			for _, d := range s.Days {
				ds = append(ds, d.String()[:3])
			}
			days = " (" + strings.Join(ds, ", ") + ")"
		}
		pattern = append(pattern, fmt.Sprintf("%s %s%s", name(s.Name, s.NameKO), start, days))
	}
	if len(pattern) > 0 {
		lines = append(lines, r.msg("shifts.pattern", strings.Join(pattern, ", "), r.p.Local(r.now).Location().String()))
	}
	r.note("next shift change, plant time", r.at(next.From), stampUTC(next.From))
	if people {
		target := ""
		switch {
		case len(r.q.Assets) > 0:
			target = r.q.Assets[0]
		case len(r.q.Lines) > 0:
			target = r.q.Lines[0]
		}
		if target != "" {
			lines = append(lines, r.msg("shifts.instead.asset", target))
		} else {
			lines = append(lines, r.msg("shifts.instead"))
		}
		r.a.Confidence = "low"
	} else {
		r.a.Confidence = "high"
	}
	r.a.Situation = joinLines(lines)
}
