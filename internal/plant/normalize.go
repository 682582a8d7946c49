package plant

import (
	"regexp"
	"strconv"
	"strings"
)

// NumberWords are English number words and their values.
var NumberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
	"eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty": 40,
	"forty-eight": 48, "fifty": 50, "sixty": 60, "seventy-two": 72, "ninety": 90, "hundred": 100,
}

// koSino are the Sino-Korean digits used in machine numbers (삼호기 = No. 3).
var koSino = map[rune]int{'일': 1, '이': 2, '삼': 3, '사': 4, '오': 5, '육': 6, '칠': 7, '팔': 8, '구': 9}

var (
	numberWordRe = func() *regexp.Regexp {
		var ws []string
		for w := range NumberWords {
			ws = append(ws, regexp.QuoteMeta(w))
		}
		// Longest first, so "twenty-four" wins over "twenty".
		sortByLen(ws)
		return regexp.MustCompile(`\b(?:` + strings.Join(ws, "|") + `)\b`)
	}()
	koHogiRe  = regexp.MustCompile(`(십?[일이삼사오육칠팔구]?|십)\s*(호기|라인)`)
	latinWord = regexp.MustCompile(`[a-z]{5,}`)
	// dictionary holds the vocabulary's words, each with its rank: 0 for a
	// concept's first (canonical) word, the only kind misspellings are
	// corrected towards.
	dictionary = func() map[string]int {
		d := map[string]int{}
		add := func(ws []string) {
			for i, w := range ws {
				w = strings.ToLower(w)
				if strings.ContainsAny(w, " -") || len(w) < 5 {
					continue
				}
				if r, ok := d[w]; !ok || min(i, 1) < r {
					d[w] = min(i, 1)
				}
			}
		}
		for _, t := range EquipmentTypes {
			add(t.EN)
		}
		for _, s := range Sensors {
			add(s.EN)
		}
		for _, c := range Components {
			add(c.EN)
		}
		return d
	}()
)

func sortByLen(ws []string) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && len(ws[j]) > len(ws[j-1]); j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

// QuestionWords are words of questions, beside the plant's vocabulary,
// that misspellings are corrected towards ("forcast" → "forecast"); the
// planner passes them to NormalizeWith.
var QuestionWords = []string{"forecast", "anomaly", "anomalies", "procedure", "maintain", "maintenance", "tomorrow", "yesterday",
	"handover", "compare", "production", "output", "status", "history", "escalation", "priority", "schedule", "predict", "tonight", "morning",
	"which", "highest", "lowest", "hottest", "coldest", "weekend", "average", "between", "latest"}

// chatShort are chat spellings of question words ("what shud i do",
// "wat now"), too far from the word for the one-edit correction.
var (
	chatShort = map[string]string{"shud": "should", "shld": "should", "shd": "should", "shoud": "should", "shuld": "should",
		"cud": "could", "cld": "could", "wud": "would", "wat": "what", "wht": "what"}
	chatShortRe = regexp.MustCompile(`\b(?:shud|shld|shd|shoud|shuld|cud|cld|wud|wat|wht)\b`)
)

// countOfRe is a count of machines ("cnc 4대중에", "4대 다"): the number
// counts them, it names none. hogiListRe is numbers listed before one
// "호기" ("1 2 3호기").
var (
	countOfRe  = regexp.MustCompile(`(^|[^\d])(\d{1,2})\s*대(중|가운데|\s|$|[?.,!])`)
	hogiListRe = regexp.MustCompile(`\d{1,2}(?:\s+\d{1,2})+\s*호기`)
)

// Normalize lowercases a text, writes number words as digits ("press
// three" → "press 3", "next two days" → "next 2 days", "프레스 삼호기" →
// "프레스 3호기") and corrects words one edit away from the plant's
// vocabulary ("compressr" → "compressor", "vibraton" → "vibration").
func Normalize(text string) string { return NormalizeWith(text, nil) }

// NormalizeWith is Normalize with more words to correct towards (a
// caller's own vocabulary: "forecast", "anomaly").
func NormalizeWith(text string, extra []string) string {
	t := strings.ToLower(text)
	t = strings.NewReplacer("’", "'", "‘", "'", "“", "\"", "”", "\"", "－", "-", "＃", "#").Replace(t)
	t = chatShortRe.ReplaceAllStringFunc(t, func(w string) string { return chatShort[w] }) // "what shud i do" is "what should i do"
	t = currentAdjRe.ReplaceAllString(t, "now ${1}")                                       // "the current vibration" is the vibration now, not motor current
	t = numberWordRe.ReplaceAllStringFunc(t, func(w string) string { return strconv.Itoa(NumberWords[w]) })
	t = replaceKoNumbers(t)
	t = countOfRe.ReplaceAllString(t, "${1}${3}") // "cnc 4대중에": four machines, not cnc-4
	t = hogiListRe.ReplaceAllStringFunc(t, func(m string) string {
		// "프레스 1 2 3호기": each number is a machine of the kind.
		return strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(m), "호기")), "호기, ") + "호기"
	})
	dict := dictionary
	if len(extra) > 0 {
		dict = make(map[string]int, len(dictionary)+len(extra))
		for w, r := range dictionary {
			dict[w] = r
		}
		for _, w := range extra {
			if len(w) >= 5 && !strings.ContainsAny(w, " -") {
				dict[strings.ToLower(w)] = 0
			}
		}
	}
	return latinWord.ReplaceAllStringFunc(t, func(w string) string {
		if _, ok := dict[w]; ok {
			return w
		}
		if realWords[w] {
			return w // "lower" is a word, not a misspelling of "power"
		}
		// Only a concept's first word is a target: a listed misspelling
		// (one of the type's listed misspellings) is read, never written:
		// "compressed" stays "compressed".
		best, bestD := w, 2
		for d, r := range dict {
			if l := len(d) - len(w); r != 0 || l > 1 || l < -1 {
				continue
			}
			if x := Distance(w, d); x < bestD || x == bestD && best != w && d < best {
				best, bestD = d, x
			}
		}
		return best
	})
}

// replaceKoNumbers writes Sino-Korean machine and line numbers as digits
// ("삼호기" → "3호기") when they start a word ("검사 라인" stays).
func replaceKoNumbers(t string) string {
	var b strings.Builder
	last := 0
	for _, m := range koHogiRe.FindAllStringSubmatchIndex(t, -1) {
		n := koNumber(t[m[2]:m[3]])
		if n == 0 || m[2] > 0 && hasHangulString(lastRune(t[:m[2]])) {
			continue
		}
		b.WriteString(t[last:m[2]])
		b.WriteString(strconv.Itoa(n))
		b.WriteString(t[m[4]:m[5]])
		last = m[1]
	}
	b.WriteString(t[last:])
	return b.String()
}

func lastRune(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[len(r)-1])
}

// koNumber reads a Sino-Korean number up to 99 (삼 = 3, 십이 = 12).
func koNumber(s string) int {
	rs := []rune(s)
	switch len(rs) {
	case 0:
		return 0
	case 1:
		if rs[0] == '십' {
			return 10
		}
		return koSino[rs[0]]
	}
	n := 0
	if rs[0] == '십' {
		n = 10
		rs = rs[1:]
	} else if len(rs) >= 2 && rs[1] == '십' {
		n = 10 * koSino[rs[0]]
		rs = rs[2:]
	}
	for _, r := range rs {
		n += koSino[r]
	}
	return n
}

// Distance is the Damerau-Levenshtein (optimal string alignment) distance
// between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// currentAdjRe is "current" as an adjective of time before another
// measure ("the current vibration", "current temp", "current reading"),
// not the motor current sensor.
var currentAdjRe = regexp.MustCompile(`\bcurrent\s+((?:the\s+|its\s+)?(?:vibrations?|temp\w*|pressures?|speed|rpm|readings?|values?|status|state|levels?|situation|condition|numbers?|figures?|output|production|plan|rate|risk|trend))\b`)
