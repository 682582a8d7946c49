package planner

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// --- How often a job is to be done, by the documents --------------------------
//
// "What's the lube interval on press 3?", "프레스3 그리스 주기 몇 시간이야?":
// the interval the runbooks and incidents state for that work, quoted
// with its source; how often it was done is the records' (maintenance).

// intervalAskRe asks for the interval a job is to be done at.
var intervalAskRe = regexp.MustCompile(`(?i)\b(?:interval|frequency)\b|\bhow often (?:should|must|do we need to|are we supposed to|to|is it to be)\b|\bevery how many\b|주기|몇 ?(?:시간|일|주)마다 (?:해야|넣어야|줘야|점검해야|교체해야)|얼마나 ?자주 ?(?:해야|갈아야|바꿔야|교체해야|점검해야|넣어야|청소해야)`)

// intervalWorkRe names the work the interval is of.
var intervalWorkRe = regexp.MustCompile(`(?i)\bgreas\w*|\blub\w*|\boil\w*|\bclean\w*|\binspect\w*|\bchang\w*|\breplac\w*|\bcheck\w*|\bservic\w*|\bpm\b|\bfilter\b|\bstrainer\b|\bbelt\b|그리스|구리스|윤활|급유|청소|세척|점검|교체|교환|필터|스트레이너|벨트`)

// intervalLineRe finds a document's sentence that states an interval.
var intervalLineRe = regexp.MustCompile(`(?i)\bevery\s+(?:\d+|few|two|three|four|six|eight)?\s*(?:hours?|h|days?|weeks?|months?|shifts?|years?|[\d,]+\s*(?:hours?|hrs?|h))\b|\binterval\b|\bweekly\b|\bmonthly\b|\bdaily\b|\bper shift\b|\d+\s*(?:시간|일|주|개월)\s*마다|주기|매\s*(?:주|월|일|교대)`)

// statedPeriodRe is an interval stated as a period ("every 4 hours",
// "4시간마다").
var statedPeriodRe = regexp.MustCompile(`(?i)\bevery\s+\d+|\d+\s*(?:시간|일|주|개월)\s*마다`)

// intervalAsked says whether the question asks for a documented interval.
func intervalAsked(text string) bool {
	return intervalAskRe.MatchString(text) && intervalWorkRe.MatchString(text)
}

// intervalText is the text an interval question names its work in: the
// question, or, when it names none ("how often shud it be done" after "how
// do i change the compressor intake filter"), the question with the
// thread's latest question that does.
func intervalText(q Query) string {
	if intervalWorkRe.MatchString(q.Text) || !intervalAskRe.MatchString(q.Text) || len(strings.Fields(q.Text)) > 10 {
		return q.Text
	}
	earlier := strings.Split(q.Thread, "\n")
	for i := len(earlier) - 1; i >= 0 && i >= len(earlier)-2; i-- {
		if intervalWorkRe.MatchString(earlier[i]) {
			return q.Text + " " + strings.ToLower(earlier[i])
		}
	}
	return q.Text
}

// interval answers with the documents' sentences that state how often the
// work named is done, on the machine named; false when none says.
func (r *run) interval() bool {
	q := r.q
	text := intervalText(q)
	query := q.Question
	if text != q.Text {
		query = text // the work is the thread's
	}
	for _, s := range searchSynonyms {
		if s.re.MatchString(text) {
			query += " " + s.add
		}
	}
	if m := workDone(text); m != nil {
		query += " " + m.what
	}
	ids := r.readFitting(query, targetsOf(q, r.p))
	// The work asked about, as matchers: its family's words ("lube" is
	// greasing), else the word itself (its first five letters for a
	// longer one: "calibrate" finds "calibration").
	var work []*regexp.Regexp
	for _, w := range intervalWorkRe.FindAllString(text, -1) {
		rs := []rune(w)
		m := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(string(rs[:min(len(rs), 5)])))
		for _, f := range workFamilies {
			if f.MatchString(w) {
				m = f
			}
		}
		work = append(work, m)
	}
	var lines []string
	for _, id := range r.oneOfTwins(ids) {
		d := r.lib.docs[id]
		if d == nil {
			continue
		}
		for _, l := range docLines(d.Body) {
			if !intervalLineRe.MatchString(l) || !slices.ContainsFunc(work, func(m *regexp.Regexp) bool { return m.MatchString(l) }) {
				continue
			}
			lines = append(lines, r.quote(l, d))
			if len(lines) == 4 {
				break
			}
		}
		if len(lines) == 4 {
			break
		}
	}
	if len(lines) == 0 {
		return false
	}
	// A stated period first ("every 4 hours"), then the rest.
	sort.SliceStable(lines, func(i, j int) bool {
		return statedPeriodRe.MatchString(lines[i]) && !statedPeriodRe.MatchString(lines[j])
	})
	r.a.Situation = joinLines(append([]string{r.msg("interval.head")}, lines...))
	r.a.Confidence = "medium"
	return true
}

// workFamilies are words that name the same work ("lube" is greasing).
var workFamilies = []*regexp.Regexp{
	regexp.MustCompile(`(?i)greas|lub|oil|그리스|구리스|윤활|급유`),
	regexp.MustCompile(`(?i)clean|청소|세척`),
	regexp.MustCompile(`(?i)inspect|check|점검|확인`),
	regexp.MustCompile(`(?i)chang|replac|교체|교환`),
}
