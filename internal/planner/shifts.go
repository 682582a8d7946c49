package planner

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
)

// IntentShifts asks for the plant's shift calendar ("when is the next shift
// change?", "교대 시간 알려줘") and who works when ("who is on shift
// tonight?", "which operator ran press 2?"), which Gemba has no record of.
const IntentShifts Intent = "shifts"

// shiftTimesRe asks for the shift calendar itself.
var shiftTimesRe = regexp.MustCompile(`\bwhen (?:is|does|do) (?:the )?(?:next |this |current |our |my |the night |the day |the late )?shifts? (?:change|start|end|begin|finish|handover)s?\b|\bshift (?:times|schedule|pattern|hours|calendar|change ?over|changes?)\b|\bwhat time (?:does|do|is) .{0,25}\bshifts? (?:start|end|change|begin|finish)\b|\bhow long (?:is|are) (?:a |the |our )?shifts?\b|\bwhich shift (?:is it|are we (?:in|on))\b|교대 ?(?:시간|시각|일정|근무표|패턴)|(?:지금|현재|이번) ?(?:무슨|어느|몇) ?(?:교대|근무|조)|무슨 교대|어느 조(?:야|예요|인가)|교대(?:는|가)? 언제|언제 교대|몇 시에 교대|근무 시간표|\bwhen (?:is|does|do|will) (?:the )?(?:\w+ )?shifts? (?:change|start|end|begin|finish|over)s?\b|\bhow (?:long|much time|many (?:hours|minutes)) (?:until|till|before|is left|are left|left|remains?|to go)\b.{0,30}\bshift\b|\btime left (?:in|of|on) (?:the |this |my |our )?(?:\w+ )?shift\b|(?:야간|주간|오후|오전|낮|밤|저녁|아침)\s*(?:근무|조|교대)[^?]{0,12}(?:몇 ?시|언제|얼마나 남)|(?:근무|교대|조)\S*\s*(?:끝나|마치|시작)[^?]{0,8}(?:몇 ?시|언제|얼마)|(?:근무|교대)\S*\s*(?:끝날 때까지|종료까지|끝까지)\s*얼마`)

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
	if lead := r.shiftAsked(name); lead != "" {
		lines = append(lines, lead)
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

// shiftWordRe finds a shift the question names by its time of day, for
// plants whose shift names differ ("the morning shift" when it is called
// "A"): 1 morning, 2 afternoon or evening, 3 night, 4 this shift.
var shiftWordRe = regexp.MustCompile(`\b(?:(morning|early|first|day)|(afternoon|evening|late|swing|second)|(night|overnight|graveyard|third)|(this|current|my|our))(?: |-)shift\b|(오전|아침|주간|낮)\s*(?:근무|조|교대)|(오후|저녁)\s*(?:근무|조|교대)|(야간|밤)\s*(?:근무|조|교대)|(이번|지금|현재)\s*(?:근무|교대|조)`)

// shiftEndRe asks when a shift ends or how long is left of it.
var shiftEndRe = regexp.MustCompile(`\b(?:end|ends|ending|finish|finishes|finishing|over|left|remains?|until|till|to go)\b|끝|마치|종료|남`)

// namedShift is the shift a question names, by its name in either
// language first, then by the time of day it names; ok is false when the
// question names none. current is set for "this shift".
func (r *run) namedShift() (s plant.Shift, current, ok bool) {
	text := strings.ToLower(r.q.Text)
	for _, sh := range r.p.Shifts {
		for _, n := range []string{sh.Name, sh.NameKO} {
			if n == "" {
				continue
			}
			n = strings.ToLower(n)
			if regexp.MustCompile(`(?:^|[^\p{L}])` + regexp.QuoteMeta(n) + `(?:[ -]shift|\s*(?:근무|조|교대))`).MatchString(text) {
				return sh, false, true
			}
		}
	}
	m := shiftWordRe.FindStringSubmatch(text)
	if m == nil {
		return s, false, false
	}
	if m[4] != "" || m[8] != "" {
		return r.p.ShiftAt(r.now, 0).Shift, true, true
	}
	// Morning shifts start from 04:00 to 10:00, afternoon ones from 10:00
	// to 18:00, night ones from 18:00 to 04:00.
	want := 0
	switch {
	case m[1] != "" || m[5] != "":
		want = 1
	case m[2] != "" || m[6] != "":
		want = 2
	default:
		want = 3
	}
	for _, sh := range r.p.Shifts {
		if shiftPart(sh) == want {
			return sh, false, true
		}
	}
	return s, false, false
}

// shiftAsked answers the shift the question names first: when it starts
// (or started, when it is the shift now) and when it ends, with the time
// from now; empty when the question names no shift of the plant.
func (r *run) shiftAsked(name func(n, ko string) string) string {
	sh, _, ok := r.namedShift()
	if !ok {
		return ""
	}
	// The shift now or the next time it runs.
	var span plant.ShiftSpan
	found := false
	for k := 0; k <= 8*len(r.p.Shifts)+8; k++ {
		span = r.p.ShiftAt(r.now, k)
		if span.Name == sh.Name && span.Start == sh.Start {
			found = true
			break
		}
	}
	if !found {
		return ""
	}
	n := name(sh.Name, sh.NameKO)
	clock := func(t time.Time) string {
		c := r.p.Local(t).Format("15:04")
		r.note("shift time, plant time", c, "plant calendar")
		return c
	}
	until := func(t time.Time) string {
		d := t.Sub(r.now).Round(time.Minute)
		txt := r.every(d)
		r.note("time from now", txt, "plant calendar, from "+stampUTC(r.now))
		return txt
	}
	now := !span.From.After(r.now)
	ends := shiftEndRe.MatchString(r.q.Text)
	switch {
	case now && ends:
		return r.msg("shifts.ends", n, clock(span.To), r.dayWord(span.To), r.at(span.To), until(span.To))
	case now:
		return r.msg("shifts.started", n, clock(span.From), r.dayWord(span.From), clock(span.To), r.at(span.To), until(span.To))
	case ends:
		return r.msg("shifts.ends.next", n, clock(span.To), clock(span.From), r.dayWord(span.From), r.at(span.From), r.at(span.To), until(span.To))
	}
	return r.msg("shifts.starts", n, clock(span.From), r.dayWord(span.From), r.at(span.From), until(span.From))
}

// dayWord names the plant day of an instant from the question's day:
// "today", "tomorrow", "yesterday", or its weekday.
func (r *run) dayWord(t time.Time) string {
	d := int(r.p.Day(t, 0).Sub(r.p.Day(r.now, 0)).Round(24*time.Hour) / (24 * time.Hour))
	switch d {
	case 0:
		return r.msg("day.today")
	case 1:
		return r.msg("day.tomorrow")
	case -1:
		return r.msg("day.yesterday")
	}
	if r.ko() {
		return [...]string{"일", "월", "화", "수", "목", "금", "토"}[r.p.Local(t).Weekday()] + "요일"
	}
	return "on " + r.p.Local(t).Weekday().String()
}

// shiftPart is the part of the day a shift starts in: 1 morning (04:00 to
// 10:00), 2 afternoon (10:00 to 18:00), 3 night.
func shiftPart(sh plant.Shift) int {
	switch h := int(sh.Start.Hours()); {
	case h >= 4 && h < 10:
		return 1
	case h >= 10 && h < 18:
		return 2
	}
	return 3
}
