package planner

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gemba-ai/gemba/internal/plant"
)

// --- Does a runbook cover the task asked about? -------------------------------
//
// A how-to question is answered with a runbook's steps, and the steps that
// touch equipment are marked as asked for. The search always returns the
// nearest runbooks, so a task the plant has no procedure for ("the start-up
// procedure for press 2", "replace the motor on conveyor 1") would get
// another task's steps as if they were the one asked for. The task's own
// words decide: most of them must be in the runbook's title, directly or
// through the search synonyms ("guard" names lockout).

// taskTokenRe finds the words of a question, hyphenated ones whole
// ("start-up", "warm-up").
var taskTokenRe = regexp.MustCompile(`[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*`)

// circumstance are the words that end an English task and begin its
// circumstances ("how do I restart the press after an emergency stop?").
var circumstance = map[string]bool{"after": true, "before": true, "when": true, "whenever": true, "while": true, "during": true,
	"if": true, "once": true, "since": true, "until": true, "because": true, "following": true, "without": true}

// coverSynonyms add what a task word is called in runbook titles, for
// the cover check only (searchSynonyms also feed the searches).
var coverSynonyms = []synonym{
	{regexp.MustCompile(`isolat\w*|de-?energi\w*|차단`), "lockout LOTO 잠금"},
	{regexp.MustCompile(`\bcheck\w*|inspect\w*|확인|점검`), "inspection check 점검"},
	{regexp.MustCompile(`greas\w*|lubric\w*|oil(?:ing)?\b|윤활|그리스|급유`), "lubrication grease 윤활"},
	{regexp.MustCompile(`replac\w*|chang\w*|swap\w*|교체|교환`), "replacement change 교체"},
	{regexp.MustCompile(`clean\w*|flush\w*|청소|세척`), "cleaning 청소"},
}

// procWords are the words of a how-to question that are not the task:
// question and procedure words, politeness, and particles.
var procWords = map[string]bool{}

// procWordsKO are Korean prefixes of the same ("절차", "방법을", "알려줘").
var procWordsKO = []string{"절차", "방법", "알려", "어떻게", "순서", "매뉴얼", "가이드", "해야", "하나", "하는", "뭐", "무엇", "좀", "주세요", "해줘", "대로", "위한"}

func init() {
	for _, w := range strings.Fields(`how what what's whats which who whom why when where whether if is are was do does did
		i we you me my our us someone one can could should would shall will must need to a an the of on in at for by with
		procedure procedures proc steps step instructions instruction guide way ways method sop sops runbook runbooks process
		correct correctly right proper properly safe safely best please show tell give send explain walk through
		handle deal respond react perform carry manage treat approach go make
		there any some again it this that these those out up off down about get do done doing don't dont know`) {
		procWords[w] = true
	}
}

// taskStems are the stems of the task words of question text (see
// procWords), leaving out the plant's machine, line and equipment-type
// words and numbers; each comes with the synonym additions whose pattern
// covers it. phrase is the question from the first task word to the last.
func taskStems(text string, p *plant.Plant) (words []taskWord, phrase string) {
	names := map[string]bool{"machine": true, "machines": true, "line": true, "lines": true, "equipment": true, "unit": true, "plant": true, "asset": true}
	var namesKO []string
	addName := func(s string) {
		for _, w := range taskTokenRe.FindAllString(strings.ToLower(s), -1) {
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' }) {
				if hasHangul(part) {
					namesKO = append(namesKO, part)
				} else {
					names[part] = true
				}
			}
		}
	}
	for _, t := range plant.EquipmentTypes {
		for _, w := range append(append([]string{t.Type}, t.Words.EN...), t.Words.KO...) {
			// "belt conveyor" is a conveyor: only the head word names the
			// type ("belt" stays a task word).
			f := strings.Fields(w)
			addName(f[len(f)-1])
		}
	}
	namesKO = append(namesKO, "라인", "설비", "기계")
	if p != nil {
		for _, a := range p.Assets {
			addName(a.Name)
			addName(a.Type)
		}
		for _, l := range p.Lines {
			addName(l.Name)
			for _, al := range l.Aliases {
				addName(al)
			}
		}
	}
	lower := strings.ToLower(text)
	// The synonym additions that cover each byte of the question.
	type span struct {
		from, to int
		add      string
		strong   bool
	}
	var spans []span
	for k, syns := range [][]synonym{searchSynonyms, coverSynonyms} {
		for _, s := range syns {
			for _, m := range s.re.FindAllStringIndex(lower, -1) {
				spans = append(spans, span{m[0], m[1], s.add, k == 0})
			}
		}
	}
	first, last := -1, -1
	for _, loc := range taskTokenRe.FindAllStringIndex(lower, -1) {
		tok := lower[loc[0]:loc[1]]
		if first >= 0 && circumstance[tok] {
			break // "warm up cnc 2 | after the weekend": the task ends here
		}
		kept := false
		for _, part := range strings.FieldsFunc(tok, func(r rune) bool { return r == '-' || r == '\'' || r == '’' }) {
			if !taskWordOK(part, tok, names, namesKO) {
				continue
			}
			w := taskWord{stem: stem(part)}
			for _, sp := range spans {
				if sp.from < loc[1] && loc[0] < sp.to {
					w.syn = append(w.syn, sp.add)
					w.strong = w.strong || sp.strong
				}
			}
			words = append(words, w)
			kept = true
		}
		if kept {
			if first < 0 {
				first = loc[0]
			}
			last = loc[1]
		}
	}
	if first >= 0 {
		phrase = strings.TrimSpace(text[first:last])
	}
	return words, phrase
}

// taskWordOK says whether part (of token tok) is a word of the task.
func taskWordOK(part, tok string, names map[string]bool, namesKO []string) bool {
	if strings.Trim(part, "0123456789") == "" || procWords[part] || procWords[tok] || stopWords[part] || names[part] {
		return false
	}
	if hasHangul(part) {
		if len([]rune(part)) < 2 {
			return false
		}
		for _, pre := range append(procWordsKO, namesKO...) {
			if strings.HasPrefix(part, pre) {
				return false
			}
		}
		return true
	}
	return len(part) >= 3
}

// taskWord is one task word's stem and the synonym additions that cover
// it.
type taskWord struct {
	stem string
	syn  []string
	// strong is set when a search synonym covers the word: those name the
	// plant's runbook topics ("who do I call" is the escalation matrix,
	// "jam" the jam procedure), so one of them in the title is enough.
	strong bool
}

// covers says whether d's title names the task: more than half of the task
// words are in it, directly or through their synonyms, or one word a
// search synonym covers (see taskWord.strong). ok is false when it
// cannot be judged: a Korean task with no synonym against an English title
// (there is no translation to compare with). No task words: covered.
func covers(d *doc, words []taskWord) (covered, ok bool) {
	if len(words) == 0 {
		return true, true
	}
	title := stems(d.Title)
	in := func(s string) bool {
		if title[s] {
			return true
		}
		for t := range title {
			if len(s) >= 3 && len(t) >= 3 && (strings.HasPrefix(t, s) || strings.HasPrefix(s, t)) {
				return true
			}
		}
		return false
	}
	matched, judged, strong := 0, 0, false
	for _, w := range words {
		hit := in(w.stem)
		for _, add := range w.syn {
			for s := range stems(add) {
				hit = hit || in(s)
			}
		}
		if hit {
			matched++
			strong = strong || w.strong
		}
		if hit || !hasHangul(w.stem) || hasHangul(d.Title) || len(w.syn) > 0 {
			judged++
		}
	}
	if strong || 2*matched > len(words) {
		return true, true
	}
	if judged < len(words) {
		return false, false
	}
	return false, true
}

// coveringRunbook returns the first of ranked whose title covers the task
// of the question, or the first when its cover cannot be judged; nil when
// none covers it.
func (r *run) coveringRunbook(ranked []*doc) *doc {
	words, _ := taskStems(r.q.Text, r.p)
	for _, d := range ranked {
		if c, _ := covers(d, words); c {
			return d
		}
	}
	if _, ok := covers(ranked[0], words); !ok {
		return ranked[0]
	}
	return nil
}

// noProcedure answers a how-to question no runbook covers: it says so,
// names the task as asked, and lists the nearest runbooks by id so the
// user can open one; no steps, for none of them is the procedure asked
// for.
func (r *run) noProcedure(ranked []*doc) {
	_, phrase := taskStems(r.q.Text, r.p)
	if phrase == "" {
		phrase = r.q.Text
	}
	// The nearest, in the question's language first, each once.
	var order []*doc
	for _, same := range []bool{true, false} {
		for _, d := range ranked {
			if d.korean() == r.ko() == same && !slices.Contains(order, d) {
				order = append(order, d)
			}
		}
	}
	ranked = order
	var near []string
	for _, d := range ranked[:min(3, len(ranked))] {
		title := d.Title
		if r.ko() && !hasHangul(title) {
			title = r.msg("quote.en", title)
		}
		near = append(near, d.ID+" "+title)
	}
	lines := []string{r.msg("proc.uncovered", phrase)}
	if len(near) > 0 {
		lines = append(lines, r.msg("proc.nearest", strings.Join(near, "; "), ranked[0].ID))
	}
	r.a.Situation = joinLines(lines)
	r.a.Escalate = r.msg("escalate.uncovered")
	r.a.Confidence = "low"
}
