package planner

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
)

// Span is a stretch of plant time.
type Span struct {
	From, To time.Time
	// Label and LabelKO name it for the answer ("yesterday", "어제").
	Label, LabelKO string
	// Named is set when the question said it, not a default.
	Named bool
	// Ahead is set for a horizon a phrase puts in the future ("tomorrow",
	// "next shift"), not one that points either way ("today").
	Ahead bool
	// Point is set when the question asks for the value at To ("at 14:00
	// tomorrow"), not over the whole span.
	Point bool
	// Moment is set when the span ends at a moment the question names
	// ("by 18:00 today", "at 14:00 tomorrow").
	Moment bool
	// Began is the start of a horizon's period that has already begun
	// ("today" asked at 10:00 began at 00:00): a plan is the whole
	// period's, so what was made in it so far counts.
	Began time.Time
}

// direction says which way a time phrase points.
type direction int

const (
	past   direction = iota // a window behind now
	future                  // a horizon ahead of now
	either                  // "today", "this week": past for a status question, ahead for a forecast
	split                   // "on Friday": the latest such day behind, the next one ahead
)

// timeRule is one time expression: its pattern (on the normalized
// question), its direction and how it resolves in the plant's calendar.
type timeRule struct {
	re   *regexp.Regexp
	dir  direction
	span func(m []string, now time.Time, p *plant.Plant) (Span, bool)
	// ahead is the horizon of a split rule (span is its window).
	ahead func(m []string, now time.Time, p *plant.Plant) Span
}

const month = `(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december)`

var months = map[string]time.Month{"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
	"jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
	"nov": 11, "november": 11, "dec": 12, "december": 12}

// koCount are Korean counting words for numbers of hours, days, weeks.
var koCount = map[string]int{"한": 1, "두": 2, "세": 3, "석": 3, "네": 4, "넉": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "열두": 12, "스물네": 24,
	"하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5, "엿새": 6, "이레": 7, "열흘": 10}

const koNum = `(\d+|한|두|세|석|네|넉|다섯|여섯|일곱|여덟|아홉|열두|열|스물네)`
const koDays = `(하루|이틀|사흘|나흘|닷새|엿새|이레|열흘)`

var weekdays = map[string]time.Weekday{"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	"mon": time.Monday, "tue": time.Tuesday, "tues": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "thur": time.Thursday,
	"thurs": time.Thursday, "fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
	"월": time.Monday, "화": time.Tuesday, "수": time.Wednesday, "목": time.Thursday, "금": time.Friday, "토": time.Saturday, "일": time.Sunday}

func count(s string) int {
	if n, ok := koCount[s]; ok {
		return n
	}
	switch s {
	case "", "a", "an":
		return 1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 1
	}
	return n
}

func unit(u string) time.Duration {
	switch {
	case strings.HasPrefix(u, "min"), u == "분":
		return time.Minute
	case strings.HasPrefix(u, "h"), u == "시간":
		return time.Hour
	case strings.HasPrefix(u, "d"), u == "일", koCount[u] > 0:
		return 24 * time.Hour
	case strings.HasPrefix(u, "w"), u == "주":
		return 7 * 24 * time.Hour
	case strings.HasPrefix(u, "shift"), u == "교대":
		return 8 * time.Hour
	case strings.HasPrefix(u, "month"), u == "달", u == "개월":
		return 30 * 24 * time.Hour
	case strings.HasPrefix(u, "year"), u == "년":
		return 365 * 24 * time.Hour
	}
	return time.Hour
}

// date returns 00:00 of the latest month/day not after now, in plant time.
func date(p *plant.Plant, now time.Time, m time.Month, d int) (time.Time, bool) {
	if d < 1 || d > 31 || m < 1 || m > 12 {
		return time.Time{}, false
	}
	l := p.Local(now)
	t := time.Date(l.Year(), m, d, 0, 0, 0, 0, p.Location)
	if t.After(now) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, true
}

// ymd is 00:00 of a date written with its year, in plant time.
func ymd(p *plant.Plant, y, m, d string) (time.Time, bool) {
	yy, mm, dd := atoi(y), atoi(m), atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, p.Location)
	return t, yy >= 1970 && yy <= 2100 && mm >= 1 && mm <= 12 && dd >= 1 && t.Day() == dd
}

// sinceOr turns a span into "since its start" when the question said
// since or from.
func sinceOr(s Span, ok bool) func(prefix string, now time.Time) (Span, bool) {
	return func(prefix string, now time.Time) (Span, bool) {
		if prefix != "" && ok {
			s.To, s.Label, s.LabelKO = now, "since "+s.Label, s.LabelKO+"부터"
		}
		return s, ok
	}
}

// monthNames name months in answers.
var monthNames = [...]string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// daySpan is one whole day of a given year in plant time.
func daySpan(p *plant.Plant, y int, m time.Month, d int) (Span, bool) {
	t, ok := ymd(p, strconv.Itoa(y), strconv.Itoa(int(m)), strconv.Itoa(d))
	if !ok {
		return Span{}, false
	}
	return Span{From: t, To: p.Day(t, 1), Label: fmt.Sprintf("%s %d, %d", monthNames[m], d, y), LabelKO: fmt.Sprintf("%d년 %d월 %d일", y, m, d)}, true
}

// latestMonth is the latest month m that has begun by now: the whole
// month, or this month up to now.
func latestMonth(p *plant.Plant, now time.Time, m time.Month) (Span, bool) {
	if m < 1 || m > 12 {
		return Span{}, false
	}
	y := p.Local(now).Year()
	if time.Date(y, m, 1, 0, 0, 0, 0, p.Location).After(now) {
		y--
	}
	s, ok := monthSpan(p, y, m)
	if s.To.After(now) {
		s.To = now
	}
	return s, ok
}

// monthSpan is one whole month of a given year in plant time.
func monthSpan(p *plant.Plant, y int, m time.Month) (Span, bool) {
	if y < 1970 || y > 2100 || m < 1 || m > 12 {
		return Span{}, false
	}
	from := time.Date(y, m, 1, 0, 0, 0, 0, p.Location)
	return Span{From: from, To: from.AddDate(0, 1, 0), Label: fmt.Sprintf("%s %d", monthNames[m], y), LabelKO: fmt.Sprintf("%d년 %d월", y, m)}, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// inRe is the preposition before "the last/past …" in a time phrase.
var inRe = regexp.MustCompile(`^(?:over|in|during|for|within|across) the `)

func ago(now time.Time, d time.Duration, label, ko string) Span {
	return Span{From: now.Add(-d), To: now, Label: label, LabelKO: ko}
}

func ahead(now time.Time, d time.Duration, label, ko string) Span {
	return Span{From: now, To: now.Add(d), Label: label, LabelKO: ko}
}

// strictClock is a time of day that cannot be a count: "6am", "14:00",
// "noon" (not a bare "6").
const strictClock = `\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)|\d{1,2}:\d{2}|noon|midday|midnight`

// clockWord is a time of day in English: "8am", "8:30 pm", "14:00",
// "noon", "midnight".
const clockWord = `\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)?|noon|midday|midnight`

// mealTimeRe is a time told by a meal or the middle of the day: "since
// lunch", "after the lunch break yesterday", "since yesterday's lunch",
// "from noon", "since midnight", "어제 점심 먹고 나서", "정오부터".
var mealTimeRe = regexp.MustCompile(`\b(?:since|from|after) (?:(yesterday)(?:'s)? )?(?:the )?(?:lunch(?: ?time| ?break)?|(noon|midday|midnight))(?:\s+(yesterday|today))?\b|(어제|오늘)?\s*(?:점심(?:\s*시간)?|(정오|자정))\s*(?:먹고\s*나서|먹고|먹은\s*(?:후|뒤)|이후|부터|후|뒤|지나서)(?:부터|로)?`)

// withoutTimes is text with its time expressions blanked: the words of
// "since lunch yesterday" describe when, not what.
func withoutTimes(text string) string {
	for _, tr := range timeRules {
		text = tr.re.ReplaceAllString(text, " ")
	}
	return mealWordRe.ReplaceAllString(text, " ")
}

// mealWordRe blanks the meal words of time expressions ("since lunch")
// before the intent is scored: lunch there is a time, not small talk.
var mealWordRe = regexp.MustCompile(`\b((?:since|from|after|before|until|till|by|around) (?:(?:yesterday|today)(?:'s)? )?(?:the )?)lunch(?: ?time| ?break)?\b|점심(?:\s*시간)?(\s*(?:먹고|먹은|이후|부터|후|뒤|전|까지|지나서))`)

var clockWordRe = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)?$`)

// clockOf reads a clockWord.
func clockOf(s string) (time.Duration, bool) {
	switch s = strings.TrimSpace(s); s {
	case "noon", "midday":
		return 12 * time.Hour, true
	case "midnight":
		return 0, true
	}
	m := clockWordRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	return clock(atoi(m[1]), atoi(m[2]), m[3])
}

// clock is the time of day from an hour, minutes and am/pm words.
func clock(h, m int, ampm string) (time.Duration, bool) {
	switch strings.ReplaceAll(ampm, ".", "") {
	case "pm", "오후", "저녁", "밤":
		if h < 12 {
			h += 12
		}
	case "am", "오전", "아침":
		if h == 12 {
			h = 0
		}
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

func since(p *plant.Plant, now time.Time, dayOff int, c time.Duration, label string) Span {
	from := p.At(now, dayOff, c)
	if dayOff == 0 && from.After(now) {
		from = p.At(now, -1, c)
	}
	return Span{From: from, To: now, Label: label, LabelKO: label}
}

// timeRules are the time expressions, most specific first; the first rule
// of each direction that matches wins. A new time word is an entry here
// plus a test case.
var timeRules = []timeRule{
	// One hour of the clock: "in the 10am hour", "the 14:00 hour", "10시대":
	// the latest such hour begun (today's, else yesterday's).
	{regexp.MustCompile(`\b(?:in |during |for |over )?the (\d{1,2})(?::00)?\s*(am|pm|a\.m\.|p\.m\.)?[- ]?(?:o'?clock )?hour\b|(오전|오후)?\s*(\d{1,2})\s*시\s*(?:대|시간대)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			h, ampm := m[1]+m[4], m[2]+m[3]
			c, ok := clock(atoi(h), 0, ampm)
			if !ok {
				return Span{}, false
			}
			at := p.At(now, 0, c)
			if at.After(now) {
				at = at.Add(-24 * time.Hour)
			}
			lab := p.Local(at).Format("01-02 15:04")
			return Span{From: at, To: minTime(at.Add(time.Hour), now), Label: "the hour from " + lab, LabelKO: lab + "부터 한 시간"}, true
		}, nil},
	// Dates with a year: any stretch of the past (an imported history),
	// before the rules that read a month and day as the latest such date.
	{regexp.MustCompile(`\b(?:from |between )?(\d{4})-(\d{2})-(\d{2}) ?(?:\.\.|~|to|until|till|and|-) ?(\d{4})-(\d{2})-(\d{2})\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			a, ok1 := ymd(p, m[1], m[2], m[3])
			b, ok2 := ymd(p, m[4], m[5], m[6])
			return Span{From: a, To: p.Day(b, 1), Label: m[0], LabelKO: m[0]}, ok1 && ok2 && !b.Before(a)
		}, nil},
	{regexp.MustCompile(`\b(since |from )?` + month + ` (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return sinceOr(daySpan(p, atoi(m[4]), months[m[2]], atoi(m[3])))(m[1], now)
		}, nil},
	{regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?` + month + `,? (\d{4})\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return daySpan(p, atoi(m[3]), months[m[2]], atoi(m[1]))
		}, nil},
	{regexp.MustCompile(`(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return daySpan(p, atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]))
		}, nil},
	{regexp.MustCompile(`(\d{1,2})\s*월\s*(\d{1,2})\s*일\s*,?\s*(\d{4})(?:\s*년)?`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return daySpan(p, atoi(m[3]), time.Month(atoi(m[1])), atoi(m[2]))
		}, nil},
	{regexp.MustCompile(`\b(since |from )?` + month + `,? (\d{4})\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return sinceOr(monthSpan(p, atoi(m[3]), months[m[2]]))(m[1], now)
		}, nil},
	{regexp.MustCompile(`(\d{4})\s*년\s*(\d{1,2})\s*월|(\d{1,2})\s*월\s*,?\s*(\d{4})\s*년`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			if m[1] != "" {
				return monthSpan(p, atoi(m[1]), time.Month(atoi(m[2])))
			}
			return monthSpan(p, atoi(m[4]), time.Month(atoi(m[3])))
		}, nil},
	{regexp.MustCompile(`\b(\d{4})-(\d{2})(?:[^-\d]|$)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return monthSpan(p, atoi(m[1]), time.Month(atoi(m[2])))
		}, nil},
	{regexp.MustCompile(`\b(?:in|during|throughout|all of) (\d{4})(?:\s*[?.!,]|\s*$)|(\d{4})\s*년`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			y := atoi(m[1] + m[2])
			from := time.Date(y, 1, 1, 0, 0, 0, 0, p.Location)
			return Span{From: from, To: from.AddDate(1, 0, 0), Label: strconv.Itoa(y), LabelKO: strconv.Itoa(y) + "년"}, y >= 1970 && y <= 2100
		}, nil},
	// Absolute ranges and dates.
	{regexp.MustCompile(`\b(?:between|from) ` + month + ` (\d{1,2})(?:st|nd|rd|th)? (?:and|to|until|till|-) (?:` + month + ` )?(\d{1,2})`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			m2 := m[1]
			if m[3] != "" {
				m2 = m[3]
			}
			a, ok1 := date(p, now, months[m[1]], atoi(m[2]))
			b, ok2 := date(p, now, months[m2], atoi(m[4]))
			if b.Before(a) {
				b = b.AddDate(1, 0, 0)
			}
			return Span{From: a, To: p.Day(b, 1), Label: m[0], LabelKO: m[0]}, ok1 && ok2
		}, nil},
	{regexp.MustCompile(`(\d{1,2})월\s*(\d{1,2})일\s*(?:부터|~|-|에서)\s*(?:(\d{1,2})월\s*)?(\d{1,2})일`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			m2 := m[1]
			if m[3] != "" {
				m2 = m[3]
			}
			a, ok1 := date(p, now, time.Month(atoi(m[1])), atoi(m[2]))
			b, ok2 := date(p, now, time.Month(atoi(m2)), atoi(m[4]))
			if b.Before(a) {
				b = b.AddDate(1, 0, 0)
			}
			return Span{From: a, To: p.Day(b, 1), Label: m[0], LabelKO: m[0]}, ok1 && ok2
		}, nil},
	{regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			t, ok := ymd(p, m[1], m[2], m[3]) // 2026-11-31 is no date: see badDate
			return Span{From: t, To: p.Day(t, 1), Label: m[0], LabelKO: m[0]}, ok
		}, nil},
	{regexp.MustCompile(`\b(since |on )?` + month + ` (\d{1,2})(?:st|nd|rd|th)?\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			a, ok := date(p, now, months[m[2]], atoi(m[3]))
			if strings.HasPrefix(m[1], "since") {
				return Span{From: a, To: now, Label: m[0], LabelKO: m[0]}, ok
			}
			return Span{From: a, To: p.Day(a, 1), Label: strings.TrimSpace(m[0]), LabelKO: m[0]}, ok
		}, nil},
	// "1 dec", "tue 1 dec", "the 5th of december": a day and a month with
	// no year, the latest such date not after now.
	{regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?` + month + `\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			a, ok := date(p, now, months[m[2]], atoi(m[1]))
			return Span{From: a, To: p.Day(a, 1), Label: m[0], LabelKO: m[0]}, ok
		}, nil},
	// "on the 5th": that day of this month, or of last month when it is
	// still ahead.
	{regexp.MustCompile(`\b(?:on )?the (\d{1,2})(?:st|nd|rd|th)\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l, d := p.Local(now), atoi(m[1])
			first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, p.Location)
			a := first.AddDate(0, 0, d-1)
			if a.After(now) {
				first = first.AddDate(0, -1, 0)
				a = first.AddDate(0, 0, d-1)
			}
			ok := d >= 1 && a.Month() == first.Month() // "the 31st" of a 30-day month is no day
			return Span{From: a, To: p.Day(a, 1), Label: m[0], LabelKO: m[0]}, ok && !a.After(now)
		}, nil},
	// "재작년 11월", "작년 11월", "november last year": that month of the
	// year before last, or of last year.
	{regexp.MustCompile(`(재작년|작년|지난해|지지난해)\s*(\d{1,2})\s*월|\b` + month + ` (?:of )?(last year|the year before last)\b|\b(?:in )?(last|the previous) year'?s? ` + month + `\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			back, mo := 1, time.Month(0)
			switch {
			case m[1] != "":
				mo = time.Month(atoi(m[2]))
				if m[1] == "재작년" || m[1] == "지지난해" {
					back = 2
				}
			case m[3] != "":
				mo = months[m[3]]
				if m[4] == "the year before last" {
					back = 2
				}
			default:
				mo = months[m[6]]
			}
			if mo < 1 || mo > 12 {
				return Span{}, false
			}
			y := p.Local(now).Year() - back
			from := time.Date(y, mo, 1, 0, 0, 0, 0, p.Location)
			return Span{From: from, To: from.AddDate(0, 1, 0), Label: m[0], LabelKO: m[0]}, true
		}, nil},
	{regexp.MustCompile(`(\d{1,2})월\s*(\d{1,2})일(부터|이후)?`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			a, ok := date(p, now, time.Month(atoi(m[1])), atoi(m[2]))
			if m[3] != "" {
				return Span{From: a, To: now, Label: m[0], LabelKO: m[0]}, ok
			}
			return Span{From: a, To: p.Day(a, 1), Label: m[0], LabelKO: m[0]}, ok
		}, nil},
	// A month named alone ("downtime in november", "11월에"): the latest
	// such month not after now (this month so far). An English month needs
	// a preposition before it: "may" alone is a verb.
	// "since september", "9월부터": from that month's start until now.
	{regexp.MustCompile(`\b(in|during|for|since|from|of|throughout|last|over) ` + month + `\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			pre := ""
			if m[1] == "since" || m[1] == "from" {
				pre = m[1]
			}
			return sinceOr(latestMonth(p, now, months[m[2]]))(pre, now)
		}, nil},
	// A month's full name alone ("october vs november"), but not "may" or
	// "march", which are verbs.
	{regexp.MustCompile(`\b(january|february|april|june|july|august|september|october|november|december)\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return sinceOr(latestMonth(p, now, months[m[1]]))("", now)
		}, nil},
	{regexp.MustCompile(`(?:^|[^\d년])\s*(\d{1,2})\s*월(?:\s*(에|에는|중|동안|한 ?달|의|부터|이후로|이후|이래로?|들어서?)|\s|$)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			pre := ""
			switch m[2] {
			case "부터", "이후로", "이후", "이래", "이래로", "들어", "들어서":
				pre = "since" // "10월 이후로": from October to now
			}
			return sinceOr(latestMonth(p, now, time.Month(atoi(m[1]))))(pre, now)
		}, nil},
	// Since a weekday, a clock time.
	{regexp.MustCompile(`\bsince (monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:'s)?(?:\s+(?:at\s+)?(` + strictClock + `))?(?:\s|$|[?.,!])|\b(?:from|since) (?:last )?(mon|tue|wed|thu|fri|sat|sun)\b|([월화수목금토일])요일\s*(?:부터|이후)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			w := m[1] + m[4]
			if m[3] != "" {
				w = map[string]string{"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday"}[m[3]]
			}
			wd, ok := weekdays[w]
			from := p.Weekday(now, wd)
			if c, cok := clockOf(m[2]); cok && m[2] != "" {
				// "since monday 6am": from that time of that day.
				if at := from.Add(c); !at.After(now) {
					from = at
				}
			}
			return Span{From: from, To: now, Label: strings.TrimSpace(m[0]), LabelKO: strings.TrimSpace(m[0])}, ok
		}, nil},
	// "between 8am and noon today", "from 14:00 to 16:30 yesterday",
	// "어제 오후 2시부터 4시까지": the latest such span, unless a day is named.
	{clockRangeRe, past, clockRange, nil},
	// "since lunch", "after the lunch break yesterday", "since noon",
	// "점심 먹고 나서": a plant's lunch is read as 12:00, and the label says so.
	{mealTimeRe, past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			c, ok := clockOf(m[2])
			switch {
			case m[5] == "자정":
				c = 0
			case !ok:
				c = 12 * time.Hour // lunch, noon (정오)
			}
			off := 0
			if m[1] == "yesterday" || m[3] == "yesterday" || m[4] == "어제" {
				off = -1
			}
			s := since(p, now, off, c, strings.TrimSpace(m[0]))
			if !strings.Contains(m[0], "noon") && !strings.Contains(m[0], "midday") && !strings.Contains(m[0], "midnight") {
				s.Label += fmt.Sprintf(" (read as %s)", p.Local(s.From).Format("15:04"))
				s.LabelKO += fmt.Sprintf(" (%s 기준)", p.Local(s.From).Format("15:04"))
			}
			return s, true
		}, nil},
	{regexp.MustCompile(`\b(?:since|from|after) (\d{1,2})(?::(\d{2}))?(?:\s*(am|pm|a\.m\.|p\.m\.|o'?clock))?(?:\s+(yesterday|today|this morning))?\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			c, ok := clock(atoi(m[1]), atoi(m[2]), m[3])
			off := 0
			if m[4] == "yesterday" {
				off = -1
			}
			return since(p, now, off, c, m[0]), ok
		}, nil},
	{regexp.MustCompile(`(오늘|어제)?\s*(아침|오전|오후|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?\s*(?:부터|이후)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			c, ok := clock(atoi(m[3]), atoi(m[4]), m[2])
			off := 0
			if m[1] == "어제" {
				off = -1
			}
			return since(p, now, off, c, m[0]), ok
		}, nil},
	// Shifts and nights.
	{regexp.MustCompile(`\b(?:last|previous|prior) shift\b|지난\s*교대|이전\s*교대|전\s*교대`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.ShiftAt(now, -1)
			return Span{From: s.From, To: s.To, Label: "the last shift (" + s.Name + ")", LabelKO: "지난 교대(" + s.NameKO + ")"}, true
		}, nil},
	// A day of last week: "tuesday last week", "last week's tuesday",
	// "지난주 화요일" (before "last week", which would take the whole week).
	{regexp.MustCompile(`\b(?:on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday) (?:of )?last week\b|\blast week'?s (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|(?:지난|저번)\s*주\s*([월화수목금토일])요일`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			wd, ok := weekdays[m[1]+m[2]+m[3]]
			d := p.Day(p.Week(now, -1), (int(wd)+6)%7) // Monday first
			return Span{From: d, To: p.Day(d, 1), Label: m[0], LabelKO: m[0]}, ok
		}, nil},
	// This clock time yesterday: "this time yesterday", "어제 이맘때".
	{sameTimeYesterdayRe, past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			at := now.Add(-24 * time.Hour)
			lab := p.Local(at).Format("01-02 15:04")
			return Span{From: at, To: at.Add(time.Hour), Label: "this time yesterday (" + lab + ")", LabelKO: "어제 이맘때(" + lab + ")", Point: true}, true
		}, nil},
	{regexp.MustCompile(`\b(?:the )?day before yesterday\b|그저께|그제(?:[^서]|$)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, -2), To: p.Day(now, -1), Label: "the day before yesterday", LabelKO: "그저께"}, true
		}, nil},
	// A named shift of a weekday: "tue night shift", "monday's day shift",
	// "monday night", "월요일 야간조": the latest such shift begun, or,
	// when the question looks ahead, the next one (before the bare night
	// shift, which would take last night's).
	{re: weekdayShiftRe, dir: split,
		span: func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return weekdayShift(m, now, p, false)
		},
		ahead: func(m []string, now time.Time, p *plant.Plant) Span {
			s, _ := weekdayShift(m, now, p, true)
			return s
		}},
	// A named shift of a day: "yesterday's late shift", "the day shift
	// today", "tomorrow night shift", "어제 오후조", "오늘 야간 근무", "내일
	// 야간조".
	{regexp.MustCompile(`\b(yesterday|today|tonight|tomorrow)(?:'s)? (day|morning|early|first|late|afternoon|evening|swing|second|night|third) shift\b|\b(?:the )?(day|morning|early|first|late|afternoon|evening|swing|second|night|third) shift (yesterday|today|tonight|tomorrow)\b|(어제|오늘|그저께|그제|내일|모레)\s*(주간|오전|아침|오후|저녁|야간|밤)\s*(?:조|근무|교대)|(주간|오전|아침|오후|저녁|야간|밤)\s*(?:조|근무|교대)\s*(?:끝|마감|종료|마칠)`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return shiftOfDay(m, now, p)
		}, nil},
	{regexp.MustCompile(`\blast night\b|어젯밤|어제\s*밤|간밤|지난밤`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.LastNight(now)
			return Span{From: s.From, To: s.To, Label: "last night's shift", LabelKO: "지난 야간 교대"}, true
		}, nil},
	{regexp.MustCompile(`\bovernight\b|\bnight shift\b|밤사이|야간`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.LatestNight(now)
			return Span{From: s.From, To: s.To, Label: bareNightLabel, LabelKO: "야간 교대"}, true
		}, nil},
	{regexp.MustCompile(`\b(?:end|rest) of (?:the |this )?shift\b|교대\s*(?:끝|종료|마감)`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.ShiftAt(now, 0)
			return Span{From: now, To: s.To, Label: "the end of this shift", LabelKO: "이번 교대 끝", Began: byEnd(m[0], s.From)}, true
		}, nil},
	{regexp.MustCompile(`\bnext shift\b|다음\s*교대|다음\s*조(?:[\s?,.!]|$|에|는|가|도|의|까지|에서|동안|꺼|거)`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.ShiftAt(now, 1)
			return Span{From: s.From, To: s.To, Label: "the next shift (" + s.Name + ")", LabelKO: "다음 교대(" + s.NameKO + ")"}, true
		}, nil},
	{regexp.MustCompile(`\b(?:this|current) shift\b|이번\s*교대|현\s*교대|현재\s*교대|지금\s*교대|(?:이번|지금|현)\s*조(?:[\s?,.!]|$|에|는|가|도|의|까지|에서|동안|꺼|거)`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.ShiftAt(now, 0)
			return Span{From: s.From, To: s.To, Label: "this shift (" + s.Name + ")", LabelKO: "이번 교대(" + s.NameKO + ")"}, true
		}, nil},
	// A moment ahead: "at 14:00 tomorrow", "tomorrow at 2pm", "by 6pm
	// today", "내일 오후 2시에": the horizon ends then, and "at" asks for
	// the value at that moment (Point), "by" for everything until it.
	{regexp.MustCompile(`\b(at|around|by|until|till) (` + clockWord + `) (tomorrow|today|tonight)\b|\b(tomorrow|today|tonight) (at|around|by|until|till) (` + clockWord + `)(?:\s|$|[?.,!])|(내일|오늘|모레)\s*(오전|오후|아침|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?\s*(에|까지|쯤|경|즈음)?`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return momentAhead(m, now, p)
		}, nil},
	// A moment behind: "at 3pm yesterday", "yesterday around 15:00",
	// "어제 오후 3시쯤": the reading then (Point), the hour from it as
	// the window.
	{pastMomentRe, past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			var c time.Duration
			ok := false
			day := m[2] + m[3]
			switch {
			case m[1] != "":
				c, ok = clockOf(m[1])
			case m[4] != "":
				c, ok = clockOf(m[4])
			default:
				day = m[5]
				mins := atoi(m[8])
				if m[9] != "" {
					mins = 30
				}
				ampm := m[6]
				if ampm == "" && atoi(m[7]) >= 1 && atoi(m[7]) <= 6 {
					ampm = "오후" // "3시쯤" on the floor is 15:00
				}
				c, ok = clock(atoi(m[7]), mins, ampm)
			}
			if !ok {
				return Span{}, false
			}
			off := dayOffset(day)
			at := p.Day(now, off).Add(c)
			if day == "" && at.After(now) {
				at = at.Add(-24 * time.Hour) // the latest such time
			}
			if at.After(now) {
				return Span{}, false
			}
			lab := p.Local(at).Format("01-02 15:04")
			return Span{From: at, To: minTime(at.Add(time.Hour), now), Label: "at " + lab, LabelKO: lab, Point: true}, true
		}, nil},
	// Days ahead.
	{regexp.MustCompile(`\bday after tomorrow\b|모레`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, 2), To: p.Day(now, 3), Label: "the day after tomorrow", LabelKO: "모레"}, true
		}, nil},
	{regexp.MustCompile(`\btomorrow\b|내일`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, 1), To: p.Day(now, 2), Label: "tomorrow", LabelKO: "내일"}, true
		}, nil},
	// "tonight" asked during the night shift (at 04:10): the night under
	// way, so far and what is left of it; else the coming night.
	{regexp.MustCompile(`\btonight\b|오늘\s*밤`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.LatestNight(now)
			end := p.ShiftAt(s.From, 0).To
			if s.From.After(now) || !now.Before(end) || now.Sub(s.From) >= 12*time.Hour {
				return Span{}, false
			}
			return Span{From: s.From, To: end, Label: "tonight", LabelKO: "오늘 밤"}, true
		}, nil},
	{regexp.MustCompile(`\btonight\b|오늘\s*밤`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			s := p.LatestNight(p.At(now, 0, 23*time.Hour))
			return Span{From: s.From, To: p.ShiftAt(s.From, 0).To, Label: "tonight", LabelKO: "오늘 밤"}, true
		}, nil},
	// "last weekend": the latest weekend that has ended (Saturday and
	// Sunday); "over the weekend": the weekend under way or just past
	// while it is nearer than the coming one (until Wednesday noon), and
	// the coming one for a forecast.
	{regexp.MustCompile(`\blast weekend\b|\b(?:over|during|on|at|across) the (?:last|past|previous) weekend\b|지난 ?주말|저번 ?주말`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			sat := lastWeekend(p, now)
			if now.Before(p.Day(sat, 2)) {
				sat = p.Day(sat, -7) // in a weekend: the one before
			}
			return Span{From: sat, To: p.Day(sat, 2), Label: "last weekend", LabelKO: "지난 주말"}, true
		}, nil},
	{re: regexp.MustCompile(`\b(?:over|during|across|on|at) (?:the )?weekend\b|주말 ?(?:동안|내내|사이)|주말에`), dir: split, span: weekendSpan, ahead: weekendAhead},
	// "until the weekend": to Saturday 00:00; "over the weekend": Saturday and Sunday.
	{regexp.MustCompile(`\b(?:until|till|to|by|before) (?:the |this )?weekend\b|주말까지|주말 전`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			sat := nextSaturday(p, now)
			if !sat.After(now) {
				sat = sat.AddDate(0, 0, 7) // at the weekend already: the next one
			}
			return Span{From: now, To: sat, Label: "until the weekend", LabelKO: "주말까지"}, true
		}, nil},
	{regexp.MustCompile(`\b(?:over|through|during|across) (?:the |this )?weekend\b|\bthis weekend\b|주말 ?(?:동안|내내|사이)|이번 ?주말`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			sat := nextSaturday(p, now)
			if now.Sub(sat) >= 48*time.Hour {
				sat = sat.AddDate(0, 0, 7)
			}
			return Span{From: maxTime(now, sat), To: sat.AddDate(0, 0, 2), Label: "the weekend", LabelKO: "주말"}, true
		}, nil},
	// "weekend output", "주말 생산량": a bare weekend is the split one above.
	{re: regexp.MustCompile(`\bweekend'?s?\b|주말`), dir: split, span: weekendSpan, ahead: weekendAhead},
	{regexp.MustCompile(`\bthe week before last\b|지지난\s*주|저저번\s*주`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Week(now, -2), To: p.Week(now, -1), Label: "the week before last", LabelKO: "지지난주"}, true
		}, nil},
	{regexp.MustCompile(`\bnext month\b|다음\s*달`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			first := time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, l.Location())
			return Span{From: first, To: first.AddDate(0, 1, 0), Label: "next month", LabelKO: "다음 달"}, true
		}, nil},
	{regexp.MustCompile(`\bnext week\b|다음\s*주`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Week(now, 1), To: p.Week(now, 2), Label: "next week", LabelKO: "다음 주"}, true
		}, nil},
	{regexp.MustCompile(`\b(?:rest|end) of (?:the |this )?week\b|\b(?:left|remaining) (?:this|for the|of the|for this) week\b|\bthis week'?s? (?:remaining|left)\b|이번\s*주\s*(?:남은|말)|남은\s*이번\s*주`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: now, To: p.Week(now, 1), Label: "the rest of this week", LabelKO: "이번 주 남은 기간", Began: byEnd(m[0], p.Week(now, 0))}, true
		}, nil},
	{regexp.MustCompile(`\bend of (?:the )?day\b`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: now, To: p.Day(now, 1), Label: "the end of today", LabelKO: "오늘 끝", Began: p.Day(now, 0)}, true
		}, nil},
	{regexp.MustCompile(`\b(?:next|coming|following)\s+(\d+|a|an)?\s*(hours?|hrs?|h|days?|d|weeks?|wks?|shifts?|months?|years?)\b`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			d := time.Duration(count(m[1])) * unit(m[2])
			return ahead(now, d, m[0], m[0]), true
		}, nil},
	{regexp.MustCompile(`(?:앞으로|향후)\s*(?:` + koNum + `\s*(시간|일|주|교대|개월|달)|` + koDays + `)`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			if m[3] != "" {
				return ahead(now, time.Duration(count(m[3]))*24*time.Hour, m[0], m[0]), true
			}
			return ahead(now, time.Duration(count(m[1]))*unit(m[2]), m[0], m[0]), true
		}, nil},
	{regexp.MustCompile(`\bmake it (\d+) ?(hours?|days?|weeks?)\b`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return ahead(now, time.Duration(count(m[1]))*unit(m[2]), m[1]+" "+m[2], m[1]+" "+m[2]), true
		}, nil},
	// Days behind.
	{regexp.MustCompile(`\bsince yesterday\b|어제부터|어제 이후`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, -1), To: now, Label: "since yesterday", LabelKO: "어제부터"}, true
		}, nil},
	{regexp.MustCompile(`\byesterday (morning|afternoon|evening)\b|어제\s*(아침|오전|오후|저녁)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			part := m[1] + m[2]
			from, to := map[string][2]int{"morning": {6, 12}, "아침": {6, 12}, "오전": {6, 12}, "afternoon": {12, 18}, "오후": {12, 18}, "evening": {18, 22}, "저녁": {18, 22}}[part][0],
				map[string][2]int{"morning": {6, 12}, "아침": {6, 12}, "오전": {6, 12}, "afternoon": {12, 18}, "오후": {12, 18}, "evening": {18, 22}, "저녁": {18, 22}}[part][1]
			return Span{From: p.At(now, -1, time.Duration(from)*time.Hour), To: p.At(now, -1, time.Duration(to)*time.Hour), Label: m[0], LabelKO: m[0]}, true
		}, nil},
	{regexp.MustCompile(`\byesterday\b|어제|전날`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, -1), To: p.Day(now, 0), Label: "yesterday", LabelKO: "어제"}, true
		}, nil},
	// "this afternoon", "this evening", "오늘 오후": that part of today, so
	// far when it has begun, ahead when not.
	{regexp.MustCompile(`\bthis (afternoon|evening)\b|오늘\s*(오후|저녁)(?:\s|$|에|부터|동안|[?.,!])`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			part := m[1] + m[2]
			h := map[string][2]int{"afternoon": {12, 18}, "오후": {12, 18}, "evening": {18, 22}, "저녁": {18, 22}}[part]
			return Span{From: p.At(now, 0, time.Duration(h[0])*time.Hour), To: p.At(now, 0, time.Duration(h[1])*time.Hour), Label: "this " + part, LabelKO: "오늘 " + part}, true
		}, nil},
	// "since lunch", "점심 이후": from noon (yesterday's before it).
	{regexp.MustCompile(`\b(?:since|after) lunch(?:time)?\b|점심\s*(?:이후|먹고|후에?|지나고|부터)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			from := p.At(now, 0, 12*time.Hour)
			if from.After(now) {
				from = p.At(now, -1, 12*time.Hour)
			}
			return Span{From: from, To: now, Label: "since lunch", LabelKO: "점심 이후"}, true
		}, nil},
	{regexp.MustCompile(`\bthis morning\b|오늘\s*아침|아침부터|오전부터`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			from := p.FirstShiftStart(now)
			if from.After(now) {
				from = p.Day(now, 0)
			}
			return Span{From: from, To: now, Label: "this morning", LabelKO: "오늘 아침"}, true
		}, nil},
	// "over the last month", "the past week": the days up to now, not
	// the calendar month or week before this one.
	{regexp.MustCompile(`\b(?:over|in|during|for|within|across) the (?:last|past) (month|week)\b|\bthe past (month|week)\b|(?:최근|지난) 한 ?(달|주)(?:간| 동안)?|한 ?(달|주) ?(?:간|동안)|(?:최근|지난)?\s*일(주)일(?:간| 동안)?`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			u := m[1] + m[2] + m[3] + m[4] + m[5]
			if u == "month" || u == "달" {
				return ago(now, 30*24*time.Hour, "the last 30 days", "최근 30일"), true
			}
			return ago(now, 7*24*time.Hour, "the last 7 days", "최근 7일"), true
		}, nil},
	{regexp.MustCompile(`\blast week\b|지난\s*주|저번\s*주`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Week(now, -1), To: p.Week(now, 0), Label: "last week", LabelKO: "지난주"}, true
		}, nil},
	{regexp.MustCompile(`\blast month\b|지난\s*달`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, p.Location)
			return Span{From: first.AddDate(0, -1, 0), To: first, Label: "last month", LabelKO: "지난달"}, true
		}, nil},
	{regexp.MustCompile(`\b(?:last|past|previous|over the last|over the past|in the last|in the past|during the last|for the last|for the past)\s+(\d+|a|an)?\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|shifts?|months?|years?)\b`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			if m[1] == "" && strings.HasPrefix(m[2], "year") && (m[0] == "last year" || m[0] == "previous year") {
				return Span{}, false // "last year" alone is the calendar year before this one
			}
			d := time.Duration(count(m[1])) * unit(m[2])
			switch {
			case strings.HasPrefix(m[2], "month"):
				d = now.Sub(now.AddDate(0, -count(m[1]), 0)) // calendar months back
			case strings.HasPrefix(m[2], "year"):
				d = now.Sub(now.AddDate(-count(m[1]), 0, 0))
			}
			label := inRe.ReplaceAllString(m[0], "the ") // "in the last 12 months" is said "in the last 12 months", not "in in …"
			return ago(now, d, label, label), true
		}, nil},
	{regexp.MustCompile(`(?:지난|최근|과거)\s*` + koNum + `\s*(?:년|해)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return ago(now, now.Sub(now.AddDate(-count(m[1]), 0, 0)), m[0], m[0]), true // calendar years back
		}, nil},
	{regexp.MustCompile(`(?:지난|최근|과거)\s*` + koNum + `\s*(?:개월|달)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return ago(now, now.Sub(now.AddDate(0, -count(m[1]), 0)), m[0], m[0]), true // calendar months back
		}, nil},
	{regexp.MustCompile(`(?:지난|최근|과거)\s*` + koNum + `?\s*(분|시간|일|주|교대)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return ago(now, time.Duration(count(m[1]))*unit(m[2]), m[0], m[0]), true
		}, nil},
	{regexp.MustCompile(koDays + `\s*(?:간|동안)`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return ago(now, time.Duration(count(m[1]))*24*time.Hour, m[0], m[0]), true
		}, nil},
	{regexp.MustCompile(`\blast (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|지난\s*([월화수목금토일])요일`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			d := p.Weekday(now, weekdays[m[1]+m[2]])
			if d.Equal(p.Day(now, 0)) {
				d = p.Day(d, -7)
			}
			return Span{From: d, To: p.Day(d, 1), Label: m[0], LabelKO: m[0]}, true
		}, nil},
	{regexp.MustCompile(`\b(?:next|this coming|until|till|by) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|다음\s*주?\s*([월화수목금토일])요일|([월화수목금토일])요일까지`), future,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			wd := weekdays[m[1]+m[2]+m[3]]
			d := p.Day(now, 0)
			for i := 0; i < 8; i++ {
				if c := p.Day(now, i); c.Weekday() == wd && c.After(now) {
					d = c
					break
				}
			}
			if strings.HasPrefix(m[0], "until") || strings.HasPrefix(m[0], "till") || strings.HasPrefix(m[0], "by") || strings.HasSuffix(m[0], "까지") {
				return Span{From: now, To: p.Day(d, 1), Label: m[0], LabelKO: m[0]}, true
			}
			return Span{From: d, To: p.Day(d, 1), Label: m[0], LabelKO: m[0]}, true
		}, nil},
	// Either way: a status question looks back, a forecast ahead.
	{regexp.MustCompile(`\b(?:so far )?today(?:'s)?\b|오늘`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Day(now, 0), To: p.Day(now, 1), Label: "today", LabelKO: "오늘"}, true
		}, nil},
	{regexp.MustCompile(`\bthis week\b|이번\s*주|금주`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			return Span{From: p.Week(now, 0), To: p.Week(now, 1), Label: "this week", LabelKO: "이번 주"}, true
		}, nil},
	{re: regexp.MustCompile(`\b(?:on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri)\b|([월화수목금토일])요일`), dir: split,
		span: func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			last := p.Weekday(now, weekdays[m[1]+m[2]])
			return Span{From: last, To: p.Day(last, 1), Label: m[0], LabelKO: m[0]}, true
		},
		ahead: func(m []string, now time.Time, p *plant.Plant) Span {
			next := p.Weekday(now, weekdays[m[1]+m[2]])
			if !next.After(now) {
				next = p.Day(next, 7)
			}
			return Span{From: next, To: p.Day(next, 1), Label: m[0], LabelKO: m[0]}
		}},
	{regexp.MustCompile(`(\d+)\s*(시간|일)|\b(\d+) ?(hours?|days?)\b`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			n, u := m[1]+m[3], m[2]+m[4]
			d := time.Duration(count(n)) * unit(u)
			return Span{From: now.Add(-d), To: now.Add(d), Label: n + " " + u, LabelKO: n + u}, d <= 92*24*time.Hour
		}, nil},
	// Calendar months, quarters and years, for maintenance history ("this
	// year", "last quarter", "지난달"): a window up to now or the whole span.
	{regexp.MustCompile(`\bthis year\b|\byear to date\b|\bytd\b|올해|금년`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			return Span{From: time.Date(l.Year(), 1, 1, 0, 0, 0, 0, l.Location()), To: now, Label: "this year", LabelKO: "올해"}, true
		}, nil},
	{regexp.MustCompile(`\bthe year before last\b|재작년|지지난해`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			return Span{From: time.Date(l.Year()-2, 1, 1, 0, 0, 0, 0, l.Location()), To: time.Date(l.Year()-1, 1, 1, 0, 0, 0, 0, l.Location()), Label: "the year before last", LabelKO: "재작년"}, true
		}, nil},
	{regexp.MustCompile(`\blast year\b|\bpast year\b|작년|지난해`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			return Span{From: time.Date(l.Year()-1, 1, 1, 0, 0, 0, 0, l.Location()), To: time.Date(l.Year(), 1, 1, 0, 0, 0, 0, l.Location()), Label: "last year", LabelKO: "작년"}, true
		}, nil},
	{regexp.MustCompile(`\bthis quarter\b|이번 ?분기`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			q := time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+1), 1, 0, 0, 0, 0, l.Location())
			return Span{From: q, To: now, Label: "this quarter", LabelKO: "이번 분기"}, true
		}, nil},
	{regexp.MustCompile(`\blast quarter\b|\bprevious quarter\b|지난 ?분기`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			q := time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+1), 1, 0, 0, 0, 0, l.Location())
			return Span{From: q.AddDate(0, -3, 0), To: q, Label: "last quarter", LabelKO: "지난 분기"}, true
		}, nil},
	{regexp.MustCompile(`\bthis month\b|이번 ?달`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			return Span{From: time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, l.Location()), To: now, Label: "this month", LabelKO: "이번 달"}, true
		}, nil},
	{regexp.MustCompile(`\blast month\b|지난 ?달`), past,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			l := p.Local(now)
			first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, l.Location())
			return Span{From: first.AddDate(0, -1, 0), To: first, Label: "last month", LabelKO: "지난달"}, true
		}, nil},
	// A bare shift name ("what about the afternoon shift so far?",
	// "오후조는?"): its latest one begun, so far. Last of all, so that a
	// day named beside it places it ("11월 30일 주간조", read by partOfDay).
	{regexp.MustCompile(`\b(?:the )?(day|morning|early|first|late|afternoon|evening|swing|second) shift\b|(주간|오후|저녁)\s*(?:조|근무|교대)`), either,
		func(m []string, now time.Time, p *plant.Plant) (Span, bool) {
			want := shiftWant(m[1] + m[2])
			for _, sh := range p.Shifts {
				if shiftPart(sh) != want {
					continue
				}
				start := p.Day(now, 0).Add(sh.Start)
				if start.After(now) {
					start = p.Day(now, -1).Add(sh.Start)
				}
				span := p.ShiftAt(start.Add(time.Minute), 0)
				day := map[bool]string{true: "today's", false: "yesterday's"}[p.Day(span.From, 0).Equal(p.Day(now, 0))]
				dayKO := map[bool]string{true: "오늘", false: "어제"}[p.Day(span.From, 0).Equal(p.Day(now, 0))]
				return Span{From: span.From, To: span.To, Label: day + " " + sh.Name + " shift", LabelKO: dayKO + " " + sh.NameKO + " 근무"}, true
			}
			return Span{}, false
		}, nil},
}

// isoDateRe finds a date written as YYYY-MM-DD.
var isoDateRe = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)

// badDate returns a YYYY-MM-DD date in text that is no date of the
// calendar (2026-11-31, 2026-02-29), or "".
func badDate(text string, p *plant.Plant) string {
	for _, m := range isoDateRe.FindAllStringSubmatch(text, -1) {
		if _, ok := ymd(p, m[1], m[2], m[3]); !ok {
			return m[0]
		}
	}
	return ""
}

// sofar returns w, the part of span s up to now; or, when s has only just
// begun ("this week" asked on Monday at 00:05, or in its first half day)
// and w holds next to nothing yet, the span of the same length before it,
// labelled so.
func sofar(s, w Span, named bool) Span {
	length := s.To.Sub(s.From)
	if w.To.Sub(w.From) >= max(time.Hour, length/14) || length <= 2*time.Hour {
		return w
	}
	return Span{From: s.From.Add(-length), To: s.From, Named: named,
		Label: s.Label + " (just begun, so the one before)", LabelKO: s.LabelKO + " (막 시작되어 직전 기간)"}
}

// readTimes finds the window behind now and the horizon ahead of now a
// question names, in the plant's calendar. A phrase that points either
// way ("today", "this shift") fills both: the window up to now, the
// horizon to the span's end.
func readTimes(text string, now time.Time, p *plant.Plant) (window, horizon Span) {
	// taken are the bytes of phrases already read: "friday" inside "until
	// friday" is that horizon's, not also a past Friday's window.
	var taken [][2]int
	inside := func(loc []int) bool {
		for _, t := range taken {
			if loc[0] >= t[0] && loc[1] <= t[1] {
				return true
			}
		}
		return false
	}
	for _, r := range timeRules {
		if window.Named && horizon.Named {
			break
		}
		loc := r.re.FindStringSubmatchIndex(text)
		if loc == nil || inside(loc) {
			continue
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = text[loc[2*i]:loc[2*i+1]]
			}
		}
		s, ok := r.span(m, now, p)
		if !ok {
			continue
		}
		taken = append(taken, [2]int{loc[0], loc[1]})
		s.Named = true
		switch r.dir {
		case past:
			// A date or month named that has not begun yet ("in 2027",
			// "on 2026-12-25" asked before it) is ahead, not behind.
			if s.From.After(now) {
				if !horizon.Named {
					s.Ahead = true
					horizon = s
				}
				continue
			}
			if !window.Named {
				window = s
			}
		case future:
			if !horizon.Named {
				s.Ahead = true
				horizon = s
			}
		case split:
			if window.Named && !horizon.Named {
				// "tue 1 dec": the date named already places the day; its
				// weekday is no coming one.
				break
			}
			if !window.Named && !splitAheadRe.MatchString(text) {
				// A question that looks ahead ("will it hold until the job
				// on wednesday?") is about the coming one only: last
				// Wednesday's data is no part of it.
				w := s
				if w.To.After(now) {
					w.To = now
				}
				window = w
			}
			if !horizon.Named {
				h := r.ahead(m, now, p)
				// Ahead (a forecast's) only when the question looks ahead:
				// "forecast line 2 for wednesday", not "line 3 output on
				// monday" asked on a Wednesday.
				h.Named, h.Ahead = true, splitAheadRe.MatchString(text)
				horizon = h
			}
		case either:
			if !s.From.Before(now) {
				// Wholly ahead ("tonight's night shift" asked at noon): a
				// horizon, never a window.
				if !horizon.Named {
					s.Ahead = true
					horizon = s
				}
				break
			}
			if !window.Named {
				w := s
				if w.To.After(now) {
					w.To = now
				}
				if !w.From.Before(now) {
					w.From = now.Add(-24 * time.Hour)
				}
				window = sofar(s, w, true)
			}
			if !horizon.Named {
				h := s
				if h.From.Before(now) {
					h.From, h.Began = now, s.From
				}
				if h.To.After(now) {
					horizon = h
				}
			}
		}
	}
	if window.Named {
		if w, ok := partOfDay(text, window, now, p); ok {
			window = w
		}
	}
	if window.Point && !window.Ahead {
		// "thursday at 3pm": the moment on the day named beside it.
		if day, _ := readTimes(sameTimeYesterdayRe.ReplaceAllString(pastMomentRe.ReplaceAllString(text, " "), " "), now, p); day.Named && day.From.Equal(p.Day(day.From, 0)) && day.To.Equal(p.Day(day.From, 1)) {
			at := day.From.Add(window.From.Sub(p.Day(window.From, 0)))
			if !at.After(now) {
				lab := p.Local(at).Format("01-02 15:04")
				window = Span{From: at, To: minTime(at.Add(time.Hour), now), Label: "at " + lab, LabelKO: lab, Point: true, Named: true}
			}
		}
	}
	return window, horizon
}

// splitAheadRe marks a question about a weekday or weekend that looks
// ahead (its coming one is a forecast's horizon, a due date, the day a job
// is pushed to).
var splitAheadRe = regexp.MustCompile(`(?i)\b(?:is|are|'s|it's) due (?:on |by |this )?(?:mon|tue|wed|thu|fri|sat|sun)\w*|\b(?:push|postpone|delay|defer|move)\w*\b.{0,30}\b(?:to|until|till) (?:this )?(?:mon|tue|wed|thu|fri|sat|sun)\w*|\bforecast\w*|\bpredict\w*|\bprojected\b|\bwill\b|\bgoing to\b|\bexpect\w*|\bcoming\b|\bupcoming\b|\bplanned for\b|예측|예상|될까|할까|맞출|달성할`)

// bareNightLabel labels the night shift named alone ("night shift", "야간"):
// the latest one, which "지금" overrides (Understand).
const bareNightLabel = "the night shift"

// sameTimeYesterdayRe is this clock time yesterday.
var sameTimeYesterdayRe = regexp.MustCompile(`\b(?:(?:at |around |about )?(?:this|the same) time yesterday|yesterday (?:at |around |about )?(?:this|the same) time)\b|어제\s*(?:이맘때|이\s*시간(?:대|쯤)?|이\s*시각|같은\s*시간(?:대)?|이\s*때|이때)`)

// pastMomentRe is a moment behind ("at 3pm yesterday", "어제 오후 3시쯤").
var pastMomentRe = regexp.MustCompile(`\b(?:at|around|about|as of) (` + strictClock + `)(?:\s+(yesterday|today|this morning))?(?:\s|$|[?.,!])|\b(yesterday|today) (?:at|around|about) (` + strictClock + `)|(어제|오늘|그저께|그제)?\s*(오전|오후|아침|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?\s*(?:쯤|경|즈음|께|에)(?:[^서부]|$)`)

// shiftNameRe names a shift of the day ("the day shift", "주간조").
var shiftNameRe = regexp.MustCompile(`\b(day|morning|early|first|late|afternoon|evening|swing|second|night|third) shift\b|(주간|오전|아침|오후|저녁|야간|밤)\s*(?:조|근무|교대)|(야간)`)

// partOfDay narrows a window of one whole day ("11월 30일", "on the 5th",
// "the day before yesterday") to the clock times or the shift the text
// also names ("11월 30일 주간조", "between 2am and 6am on the 5th"), on
// that day.
func partOfDay(text string, w Span, now time.Time, p *plant.Plant) (Span, bool) {
	if !w.From.Equal(p.Day(w.From, 0)) || !w.To.Equal(p.Day(w.From, 1)) {
		return Span{}, false
	}
	at := minTime(w.To.Add(-time.Second), now) // "now" on that day
	if m := clockRangeRe.FindStringSubmatch(text); m != nil && m[3]+m[4] == "" {
		if s, ok := clockRange(m, at, p); ok && p.Day(s.From, 0).Equal(w.From) {
			return Span{From: s.From, To: s.To, Label: w.Label + ", " + s.Label, LabelKO: w.LabelKO + ", " + s.LabelKO, Named: true}, true
		}
	}
	if m := shiftNameRe.FindStringSubmatch(text); m != nil {
		want := shiftWant(m[1] + m[2] + m[3])
		for _, sh := range p.Shifts {
			if shiftPart(sh) != want {
				continue
			}
			span := p.ShiftAt(w.From.Add(sh.Start).Add(time.Minute), 0)
			if !span.From.Before(now) {
				return Span{}, false
			}
			return Span{From: span.From, To: minTime(span.To, now), Label: w.Label + " " + sh.Name + " shift", LabelKO: w.LabelKO + " " + sh.NameKO + " 근무", Named: true}, true
		}
	}
	return Span{}, false
}

// dayOffset is the days back a day word names (yesterday −1, the day
// before −2, else 0).
func dayOffset(day string) int {
	switch day {
	case "yesterday", "어제":
		return -1
	case "그저께", "그제":
		return -2
	case "tomorrow", "내일":
		return 1
	case "모레":
		return 2
	}
	return 0
}

// weekdayShiftRe is a named shift of a weekday ("tue night shift",
// "monday's day shift", "monday night", "월요일 야간조", "수요일 밤").
var weekdayShiftRe = regexp.MustCompile(`\b(?:on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:'s)? (?:(day|morning|early|first|late|afternoon|evening|swing|second|night|third) shift|(night))\b|([월화수목금토일])요일\s*(?:(주간|오전|아침|오후|저녁|야간|밤)\s*(?:조|근무|교대)|(야간|밤))`)

// weekdayShift reads weekdayShiftRe's match: the latest such shift that
// has begun, or with ahead the next one that has not.
func weekdayShift(m []string, now time.Time, p *plant.Plant, ahead bool) (Span, bool) {
	wd, ok := weekdays[m[1]+m[4]]
	if !ok {
		return Span{}, false
	}
	want := shiftWant(m[2] + m[3] + m[5] + m[6])
	for _, sh := range p.Shifts {
		if shiftPart(sh) != want {
			continue
		}
		d := p.Weekday(now, wd)
		switch {
		case ahead && !d.Add(sh.Start).After(now):
			d = p.Day(d, 7)
		case !ahead && d.Add(sh.Start).After(now):
			d = p.Day(d, -7)
		}
		span := p.ShiftAt(d.Add(sh.Start).Add(time.Minute), 0)
		return Span{From: span.From, To: span.To, Label: wd.String() + "'s " + sh.Name + " shift",
			LabelKO: string([]rune("일월화수목금토")[wd]) + "요일 " + sh.NameKO + " 근무"}, true
	}
	return Span{}, false
}

// shiftWant is the shift of the day (1 first, 2 second, 3 night) a shift
// word names.
func shiftWant(kind string) int {
	switch kind {
	case "day", "morning", "early", "first", "주간", "오전", "아침":
		return 1
	case "late", "afternoon", "evening", "swing", "second", "오후", "저녁":
		return 2
	}
	return 3
}

// clockRangeRe is a span of clock times ("between 2 pm and 4 pm", "오후 2시부터
// 4시까지"), of today, yesterday or the latest such.
var clockRangeRe = regexp.MustCompile(`\b(?:between|from) (` + clockWord + `) (?:and|to|until|till|-) (` + clockWord + `)(?:\s+(yesterday|today))?\b|(오늘|어제)?\s*(오전|오후|아침|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?\s*(?:부터|에서|~)\s*(오전|오후|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?\s*(?:까지|사이)?`)

// clockRange reads clockRangeRe's match.
func clockRange(m []string, now time.Time, p *plant.Plant) (Span, bool) {
	var c1, c2 time.Duration
	var ok1, ok2 bool
	day := m[3] + m[4]
	if m[1] != "" {
		c1, ok1 = clockOf(m[1])
		c2, ok2 = clockOf(m[2])
	} else {
		c1, ok1 = clock(atoi(m[6]), atoi(m[7]), m[5])
		ampm := m[8]
		if ampm == "" && m[5] != "" && atoi(m[9]) < 12 && atoi(m[9]) <= atoi(m[6])+12 && (m[5] == "오후" || m[5] == "저녁" || m[5] == "밤") {
			ampm = m[5] // "오후 2시부터 4시까지": both in the afternoon
		}
		c2, ok2 = clock(atoi(m[9]), atoi(m[10]), ampm)
	}
	if !ok1 || !ok2 {
		return Span{}, false
	}
	off := 0
	if day == "yesterday" || day == "어제" {
		off = -1
	}
	from, to := p.At(now, off, c1), p.At(now, off, c2)
	if !to.After(from) {
		to = to.Add(24 * time.Hour) // "from 22:00 to 06:00": across midnight
	}
	if day == "" && from.After(now) {
		from, to = from.Add(-24*time.Hour), to.Add(-24*time.Hour) // the latest such span
	}
	if to.After(now) && from.Before(now) {
		to = now
	}
	return Span{From: from, To: to, Label: m[0], LabelKO: m[0]}, true
}

// byEnd is the period's start for "by the end of the shift" (the whole
// shift's plan), none for "the rest of the shift" (only what is left).
func byEnd(phrase string, start time.Time) time.Time {
	if strings.Contains(phrase, "rest") || strings.Contains(phrase, "남은") {
		return time.Time{}
	}
	return start
}

// nextSaturday is 00:00 of this week's Saturday in plant time (today's on
// a Saturday, the day before's on a Sunday).
// weekendSpan is "the weekend" behind: the one under way, or the one just
// past while it is nearer than the coming one.
func weekendSpan(m []string, now time.Time, p *plant.Plant) (Span, bool) {
	sat := lastWeekend(p, now)
	end := p.Day(sat, 2)
	if now.Before(end) {
		return Span{From: sat, To: now, Label: "the weekend so far", LabelKO: "이번 주말 현재까지"}, true
	}
	return Span{From: sat, To: end, Label: "the weekend", LabelKO: "주말"}, now.Sub(end) < p.Day(sat, 7).Sub(now)
}

// weekendAhead is "the weekend" ahead: the coming one (the rest of the
// one under way).
func weekendAhead(m []string, now time.Time, p *plant.Plant) Span {
	sat := nextSaturday(p, now)
	if now.Sub(sat) >= 48*time.Hour {
		sat = sat.AddDate(0, 0, 7)
	}
	return Span{From: maxTime(now, sat), To: sat.AddDate(0, 0, 2), Label: "the weekend", LabelKO: "주말"}
}

// lastWeekend is the Saturday 00:00 of the latest weekend begun by now.
func lastWeekend(p *plant.Plant, now time.Time) time.Time {
	d := p.Day(now, 0)
	back := (int(d.Weekday()) + 1) % 7 // Saturday 0, Sunday 1, Monday 2, …
	return p.Day(d, -back)
}

func nextSaturday(p *plant.Plant, now time.Time) time.Time {
	d := p.Day(now, 0)
	if d.Weekday() == time.Sunday {
		return p.Day(d, -1)
	}
	return p.Day(d, int(time.Saturday-d.Weekday()))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// minTime is the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// momentAhead reads a moment ahead from the groups of its rule: 1 the
// English preposition, 2 the time and 3 the day, or 4 the day, 5 the
// preposition and 6 the time; in Korean 7 the day, 8 the part of the day,
// 9 the hour, 10 the minutes, 11 "반" (half past) and 12 the particle.
func momentAhead(m []string, now time.Time, p *plant.Plant) (Span, bool) {
	prep, day, at := m[1], m[3], m[2]
	if m[4] != "" {
		prep, day, at = m[5], m[4], m[6]
	}
	var c time.Duration
	ok := false
	if m[7] != "" {
		day, prep = m[7], m[12]
		mins := atoi(m[10])
		if m[11] != "" {
			mins = 30
		}
		c, ok = clock(atoi(m[9]), mins, m[8])
	} else {
		c, ok = clockOf(at)
		if ok && day == "tonight" && c < 12*time.Hour && c >= time.Hour {
			c += 12 * time.Hour // "tonight at 10" is 22:00
		}
	}
	if !ok {
		return Span{}, false
	}
	off := 0
	switch day {
	case "tomorrow", "내일":
		off = 1
	case "모레":
		off = 2
	}
	to := p.Day(now, off).Add(c)
	if !to.After(now) {
		return Span{}, false
	}
	clk := p.Local(to).Format("15:04")
	label, ko := clk+" "+map[int]string{0: "today", 1: "tomorrow", 2: "the day after tomorrow"}[off], map[int]string{0: "오늘", 1: "내일", 2: "모레"}[off]+" "+clk
	point := true
	switch prep {
	case "by", "until", "till", "까지":
		point = false
		label, ko = "until "+label, ko+"까지"
	}
	return Span{From: now, To: to, Label: label, LabelKO: ko, Point: point, Moment: true}, true
}

// shiftOfDay reads a named shift of a day from its rule's groups: 1 the day
// and 2 the shift, or 3 the shift and 4 the day, or (Korean) 5 the day and
// 6 the shift. The shift is the plant's that starts in that part of the day
// (morning 04:00–10:00, afternoon 10:00–18:00, night 18:00–04:00).
func shiftOfDay(m []string, now time.Time, p *plant.Plant) (Span, bool) {
	day, kind := m[1], m[2]
	switch {
	case m[3] != "":
		day, kind = m[4], m[3]
	case m[5] != "":
		day, kind = m[5], m[6]
	case m[7] != "":
		day, kind = "", m[7] // "오후조 끝날 때까지": the one now or next
	}
	off := dayOffset(day)
	want := shiftWant(kind)
	for _, sh := range p.Shifts {
		if shiftPart(sh) != want {
			continue
		}
		start := p.Day(now, off).Add(sh.Start)
		if day == "" {
			// The shift under way, else its next start.
			if cur := p.ShiftAt(now, 0); cur.Name == sh.Name {
				start = cur.From
			} else if !start.After(now) {
				start = start.AddDate(0, 0, 1)
			}
		}
		span := p.ShiftAt(start.Add(time.Minute), 0)
		dayEN := map[int]string{0: "today's", -1: "yesterday's", -2: "the day before yesterday's", 1: "tomorrow's", 2: "the day after tomorrow's"}[off]
		dayKO := map[int]string{0: "오늘", -1: "어제", -2: "그저께", 1: "내일", 2: "모레"}[off]
		return Span{From: span.From, To: span.To, Label: dayEN + " " + sh.Name + " shift", LabelKO: dayKO + " " + sh.NameKO + " 근무"}, true
	}
	return Span{}, false
}
