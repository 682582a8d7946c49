package agent

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Window is a time span named in a question.
type Window struct {
	Since, Until time.Time
	// Phrase is the matched words ("since 6am", "지난 24시간").
	Phrase string
}

// IsZero reports whether no window was found.
func (w Window) IsZero() bool { return w.Since.IsZero() }

var (
	// "since 6am", "since 6:30 pm", "since 06:00", "from 14:00"
	sinceClockRe = regexp.MustCompile(`(?i)\b(?:since|from)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)?\b`)
	// "오늘 아침 6시부터", "오전 6시부터", "오후 2시 30분부터", "6시 이후"
	koClockRe = regexp.MustCompile(`(오늘\s*)?(아침|오전|오후|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?\s*(부터|이후|以後)`)
	// "last 24 hours", "past 3 days", "previous 2 weeks", "last hour", "last 30 min"
	lastRe = regexp.MustCompile(`(?i)\b(?:last|past|previous|over the last|in the last)\s+(\d+|an?|one|two|three|few)?\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|shifts?)\b`)
	// "지난 24시간", "최근 3일", "지난 2주", "최근 한 시간"
	koLastRe = regexp.MustCompile(`(지난|최근|과거)\s*(\d+|한|두|세)?\s*(분|시간|일|주|교대)`)
	// "next 8 hours", "coming 3 days", "next week"
	nextRe   = regexp.MustCompile(`(?i)\b(?:next|coming|following)\s+(\d+|an?|one|two|three|few)?\s*(hours?|hrs?|h|days?|d|weeks?|shifts?)\b`)
	koNextRe = regexp.MustCompile(`(앞으로|향후|다음)\s*(\d+|한|두|세)?\s*(시간|일|주|교대)`)
)

func wordNum(s string) int {
	switch strings.ToLower(s) {
	case "", "a", "an", "one", "한":
		return 1
	case "two", "두":
		return 2
	case "three", "세", "few":
		return 3
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 1
	}
	return n
}

func unitDur(u string) time.Duration {
	u = strings.ToLower(u)
	switch {
	case strings.HasPrefix(u, "min"), u == "분":
		return time.Minute
	case strings.HasPrefix(u, "h"), u == "시간":
		return time.Hour
	case strings.HasPrefix(u, "d"), u == "일":
		return 24 * time.Hour
	case strings.HasPrefix(u, "w"), u == "주":
		return 7 * 24 * time.Hour
	case strings.HasPrefix(u, "shift"), u == "교대":
		return 8 * time.Hour
	}
	return time.Hour
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// shiftStart returns the start of the 8-hour shift (06, 14, 22) holding t.
func shiftStart(t time.Time) time.Time {
	d := dayStart(t)
	switch h := t.Hour(); {
	case h >= 22:
		return d.Add(22 * time.Hour)
	case h >= 14:
		return d.Add(14 * time.Hour)
	case h >= 6:
		return d.Add(6 * time.Hour)
	default:
		return d.Add(-2 * time.Hour)
	}
}

// ParseWindow finds the look-back window a question names, relative to
// now, in English or Korean: "since 6am", "오늘 아침 6시부터", "last 24 hours",
// "지난 24시간", "yesterday"/"어제", "today"/"오늘", "this shift"/"이번 교대",
// "last night"/"어젯밤". The zero Window means none was named.
func ParseWindow(q string, now time.Time) Window {
	lq := strings.ToLower(q)
	clock := func(h, m int, ampm string, phrase string) Window {
		ampm = strings.ToLower(strings.ReplaceAll(ampm, ".", ""))
		switch ampm {
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
			return Window{}
		}
		since := dayStart(now).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		if since.After(now) {
			since = since.Add(-24 * time.Hour)
		}
		return Window{Since: since, Until: now, Phrase: phrase}
	}
	if m := sinceClockRe.FindStringSubmatch(q); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		return clock(h, mi, m[3], m[0])
	}
	if m := koClockRe.FindStringSubmatch(q); m != nil {
		h, _ := strconv.Atoi(m[3])
		mi, _ := strconv.Atoi(m[4])
		return clock(h, mi, m[2], m[0])
	}
	if m := lastRe.FindStringSubmatch(q); m != nil {
		d := time.Duration(wordNum(m[1])) * unitDur(m[2])
		return Window{Since: now.Add(-d), Until: now, Phrase: m[0]}
	}
	if m := koLastRe.FindStringSubmatch(q); m != nil {
		d := time.Duration(wordNum(m[2])) * unitDur(m[3])
		return Window{Since: now.Add(-d), Until: now, Phrase: m[0]}
	}
	switch {
	case strings.Contains(lq, "last night") || strings.Contains(q, "어젯밤") || strings.Contains(q, "어제 밤") || strings.Contains(lq, "night shift") || strings.Contains(q, "야간"):
		end := dayStart(now).Add(6 * time.Hour)
		if end.After(now) {
			end = end.Add(-24 * time.Hour)
		}
		return Window{Since: end.Add(-8 * time.Hour), Until: end, Phrase: "last night"}
	case strings.Contains(lq, "yesterday") || strings.Contains(q, "어제"):
		d := dayStart(now)
		return Window{Since: d.Add(-24 * time.Hour), Until: d, Phrase: "yesterday"}
	case strings.Contains(lq, "this shift") || strings.Contains(lq, "current shift") || strings.Contains(q, "이번 교대") || strings.Contains(q, "현재 교대"):
		return Window{Since: shiftStart(now), Until: now, Phrase: "this shift"}
	case strings.Contains(lq, "this morning") || strings.Contains(q, "오늘 아침"):
		return Window{Since: dayStart(now).Add(6 * time.Hour), Until: now, Phrase: "this morning"}
	case strings.Contains(lq, "today") || strings.Contains(q, "오늘"):
		return Window{Since: dayStart(now), Until: now, Phrase: "today"}
	case strings.Contains(lq, "this week") && !isForecastish(lq) || strings.Contains(q, "이번 주") && !isForecastish(q):
		return Window{Since: now.Add(-7 * 24 * time.Hour), Until: now, Phrase: "this week"}
	}
	return Window{}
}

func isForecastish(q string) bool {
	return forecastRe.MatchString(q)
}

// ParseHorizon finds how far ahead a forecast question looks: "next 8
// hours", "앞으로 3일", "tomorrow"/"내일", "end of shift"/"교대 끝", "this
// week"/"이번 주"; zero when none is named.
func ParseHorizon(q string, now time.Time) time.Duration {
	lq := strings.ToLower(q)
	if m := nextRe.FindStringSubmatch(q); m != nil {
		return time.Duration(wordNum(m[1])) * unitDur(m[2])
	}
	if m := koNextRe.FindStringSubmatch(q); m != nil {
		return time.Duration(wordNum(m[2])) * unitDur(m[3])
	}
	switch {
	case strings.Contains(lq, "end of shift") || strings.Contains(lq, "end of the shift") || strings.Contains(lq, "this shift") || strings.Contains(q, "교대 끝") || strings.Contains(q, "이번 교대"):
		if d := shiftStart(now).Add(8 * time.Hour).Sub(now); d > 0 {
			return (d + time.Hour - 1).Truncate(time.Hour)
		}
		return 8 * time.Hour
	case strings.Contains(lq, "tomorrow") || strings.Contains(q, "내일"):
		return dayStart(now).Add(48 * time.Hour).Sub(now).Round(time.Hour)
	case strings.Contains(lq, "end of day") || strings.Contains(lq, "today") || strings.Contains(q, "오늘"):
		if d := dayStart(now).Add(24 * time.Hour).Sub(now).Round(time.Hour); d > 0 {
			return d
		}
		return 24 * time.Hour
	case strings.Contains(lq, "this week") || strings.Contains(lq, "end of the week") || strings.Contains(lq, "end of week") || strings.Contains(q, "이번 주"):
		return 7 * 24 * time.Hour
	}
	return 0
}
