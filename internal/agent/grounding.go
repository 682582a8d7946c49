package agent

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/tools"
)

// number is one number found in a text.
type number struct {
	text     string
	val      float64
	decimals int
	pct      bool
	start    int
	end      int
}

var numberRe = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`)

// extractNumbers finds the numbers of a text, skipping digits that belong
// to identifiers (press-3, line-1.output, INC-2024-017, P3).
func extractNumbers(s string) []number {
	var out []number
	for _, m := range numberRe.FindAllStringIndex(s, -1) {
		i, j := m[0], m[1]
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			before, _ := utf8.DecodeLastRuneInString(s[:i-1])
			if i == 1 {
				before = ' '
			}
			if prev < unicode.MaxASCII && (unicode.IsLetter(prev) || prev == '_') && (prev != 'T' || !unicode.IsDigit(before)) {
				continue // P3, v2, but not the hour of 2026-11-27T14:30
			}
			if (prev == '-' || prev == '.' || prev == '#') && before < unicode.MaxASCII && unicode.IsLetter(before) {
				continue // press-3, line-1, INC-2024
			}
		}
		// Digits glued to a following '-' plus letter are identifiers too (3-phase is fine, 2024-INC rare).
		txt := s[i:j]
		v, err := strconv.ParseFloat(strings.ReplaceAll(txt, ",", ""), 64)
		if err != nil {
			continue
		}
		n := number{text: txt, val: v, start: i, end: j}
		if k := strings.IndexByte(txt, '.'); k >= 0 {
			n.decimals = len(txt) - k - 1
		}
		rest := strings.TrimLeft(s[j:], " ")
		n.pct = strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, "퍼센트") || strings.HasPrefix(rest, "percent")
		if i > 0 && s[i-1] == '-' && (i == 1 || strings.IndexByte(" (:,[=\n", s[i-2]) >= 0) {
			// A minus sign: after a space or bracket in prose, after ':'
			// or ',' in a tool's JSON ("change":-0.0375).
			n.val = -v
		}
		out = append(out, n)
	}
	return out
}

// evidence is the set of numbers an answer may use.
type evidence struct {
	vals []float64 // sorted
}

func newEvidence(texts ...string) *evidence {
	e := &evidence{}
	for _, t := range texts {
		for _, n := range extractNumbers(t) {
			e.vals = append(e.vals, n.val, math.Abs(n.val))
		}
	}
	sort.Float64s(e.vals)
	return e
}

// has reports whether v (as written with the given decimals) matches an
// evidence number within rounding or 1% relative tolerance; percentages
// also match fractions (78% ~ 0.78).
func (e *evidence) has(n number) bool {
	if n.decimals == 0 && n.val >= 0 && n.val <= 10 {
		return true // counts, step numbers and the like
	}
	cands := []float64{n.val}
	if n.pct {
		cands = append(cands, n.val/100)
	}
	for _, v := range cands {
		tol := 0.5 * math.Pow(10, -float64(n.decimals))
		if v != n.val { // a fraction written as a percentage
			tol /= 100
		}
		lo := v - math.Max(tol, 0.01*math.Abs(v))
		hi := v + math.Max(tol, 0.01*math.Abs(v))
		k := sort.SearchFloat64s(e.vals, lo)
		if k < len(e.vals) && e.vals[k] <= hi {
			return true
		}
		// Evidence 0.78 written as 78%.
		if n.pct {
			continue
		}
	}
	return false
}

var (
	equipmentRe = regexp.MustCompile(`(?i)\b(stop|shut ?down|restart|reset|lock ?out|loto|replace|swap|adjust|tighten|loosen|lubricate|lubrication|lubricating|grease|re-?align|align|clean|flush|bleed|drain|remove|install|re-?tension|tension|calibrat\w*|disassembl\w*|isolate|power (?:off|down)|open the)\b|정지|교체|조정|조임|체결|윤활|그리스|정렬|청소|세척|분해|장착|설치|교환|재시작|리셋|차단|잠금|재조정`)
	injectionRe = regexp.MustCompile(`(?i)ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|rules)|disregard (?:all |the )?(?:previous|prior|above)|system prompt|you are now|new instructions:|이전 지시(?:를|사항을)? ?무시|지시를 무시`)
)

// ground checks an answer against the evidence of its turn: citations must
// name stored documents, numbers must come from tool results, steps carrying
// instructions smuggled in documents are dropped, and an answer with no
// evidence at all says so.
func (r *Runner) ground(ctx context.Context, t *turn, a *Answer) {
	// Known documents: those tools returned in this turn, then the store.
	known := map[string]tools.Citation{}
	for _, o := range t.outcomes {
		for _, c := range o.res.Citations {
			if _, ok := known[c.ID]; !ok {
				known[c.ID] = c
			}
		}
	}
	var asked []string
	seen := map[string]bool{}
	collect := func(ids []string) {
		for _, id := range ids {
			if _, ok := known[id]; !ok && !seen[id] && id != "" {
				seen[id] = true
				asked = append(asked, id)
			}
		}
	}
	for _, s := range append(append([]Step(nil), a.Steps...), a.Detail...) {
		collect(s.Citations)
		if s.SOP != "" {
			collect([]string{s.SOP})
		}
	}
	collect(a.modelCitations)
	exists := map[string]bool{}
	if len(asked) > 0 && r.o.Docs != nil {
		ex, err := r.o.Docs.Exists(ctx, asked)
		if err != nil {
			r.log.WarnContext(ctx, "citation check failed", "err", err)
		}
		exists = ex
	}
	valid := func(id string) bool {
		_, ok := known[id]
		return ok || exists[id]
	}
	dropped := map[string]bool{}
	filter := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if valid(id) {
				out = append(out, id)
			} else if id != "" {
				dropped[id] = true
			}
		}
		return out
	}

	ev := r.evidenceOf(t, a)
	a.Grounding = Grounding{}
	var ungrounded []string
	check := func(s string) (clean string, bad bool) {
		nums := extractNumbers(s)
		for _, n := range nums {
			a.Grounding.Numbers++
			if ev.has(n) {
				a.Grounding.Grounded++
				continue
			}
			bad = true
			ungrounded = append(ungrounded, n.text)
		}
		if !bad {
			return s, false
		}
		return dropUngroundedSentences(s, ev), true
	}

	a.Situation, _ = check(a.Situation)
	a.Cause, _ = check(a.Cause)
	a.Escalate, _ = check(a.Escalate)
	cleanSteps := func(steps []Step) []Step {
		var out []Step
		for _, s := range steps {
			if injectionRe.MatchString(s.Text) || injectionRe.MatchString(s.Reason) {
				t.warn("dropped a step that repeated instructions found in a document")
				continue
			}
			s.Citations = filter(s.Citations)
			if s.SOP != "" && !valid(s.SOP) {
				dropped[s.SOP] = true
				s.SOP = ""
			}
			var bad bool
			if s.Text, bad = check(s.Text); bad && s.Text == "" {
				continue
			}
			s.Reason, _ = check(s.Reason)
			out = append(out, s)
		}
		return out
	}
	a.Steps = cleanSteps(a.Steps)
	a.Detail = cleanSteps(a.Detail)
	if len(ungrounded) > 0 {
		a.Grounding.Ungrounded = ungrounded
		if t.lang == "ko" {
			t.warn("도구 결과에서 찾을 수 없는 숫자를 제외했습니다: %s", strings.Join(ungrounded, ", "))
		} else {
			t.warn("removed numbers not found in any tool result: %s", strings.Join(ungrounded, ", "))
		}
	}
	if a.Situation == "" && a.Grounding.Numbers > 0 {
		if t.lang == "ko" {
			a.Situation = "확인된 수치가 없습니다."
		} else {
			a.Situation = "No verified figures."
		}
	}

	// Answer-level citations: those the steps use first, then those the model listed.
	var cits []tools.Citation
	added := map[string]bool{}
	add := func(id string) {
		if added[id] || !valid(id) {
			return
		}
		added[id] = true
		c, ok := known[id]
		if !ok {
			c = tools.Citation{ID: id}
		}
		cits = append(cits, c)
	}
	for _, s := range append(append([]Step(nil), a.Steps...), a.Detail...) {
		for _, id := range s.Citations {
			add(id)
		}
		if s.SOP != "" {
			add(s.SOP)
		}
	}
	for _, id := range filter(a.modelCitations) {
		add(id)
	}
	for _, c := range a.Citations {
		if valid(c.ID) && !added[c.ID] {
			added[c.ID] = true
			cits = append(cits, c)
		}
	}
	a.Citations = cits
	assets := docAssets(t.outcomes)
	for _, c := range cits {
		if as := assets[c.ID]; as != "" {
			if a.DocAssets == nil {
				a.DocAssets = map[string]string{}
			}
			a.DocAssets[c.ID] = as
		}
	}
	if len(dropped) > 0 {
		var ids []string
		for id := range dropped {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if t.lang == "ko" {
			t.warn("저장소에 없는 문서 인용을 제외했습니다: %s", strings.Join(ids, ", "))
		} else {
			t.warn("dropped citations of documents that are not in the store: %s", strings.Join(ids, ", "))
		}
	}

	// No evidence at all: say so instead of guessing.
	okTools := 0
	for _, o := range t.outcomes {
		if o.ok {
			okTools++
		}
	}
	if okTools == 0 && len(t.history) == 0 && (len(a.Steps) > 0 || a.Grounding.Numbers > 0) {
		a.Steps, a.Detail, a.Cause, a.Citations = nil, nil, "", nil
		a.Confidence = "low"
		a.Situation = noEvidence(t)
		t.warn("no tool returned evidence")
	}
}

func noEvidence(t *turn) string {
	var errs []string
	for _, o := range t.outcomes {
		if o.trace.Error != "" {
			errs = append(errs, o.trace.Error)
		}
	}
	if t.lang == "ko" {
		s := "근거가 되는 데이터나 과거 사례를 찾지 못해 추측하지 않겠습니다. 설비나 시리즈 이름(예: press-3, line-1.output)과 기간을 알려 주세요."
		if len(errs) > 0 {
			s += " (" + strings.Join(errs, "; ") + ")"
		}
		return s
	}
	s := "I found no data or past incidents to back an answer, so I will not guess. Name the machine or series (e.g. press-3, line-1.output) and the time window."
	if len(errs) > 0 {
		s += " (" + strings.Join(errs, "; ") + ")"
	}
	return s
}

// evidenceOf gathers the texts numbers may come from: tool results and
// their arguments, the question, earlier turns of the thread and the clock.
func (r *Runner) evidenceOf(t *turn, a *Answer) *evidence {
	texts := []string{t.req.Question, t.now.Format(time.RFC3339), t.now.Format("2006-01-02 15:04")}
	for _, d := range a.Derived {
		texts = append(texts, d.Value) // computed by the planner from tool results, shown in the trace
	}
	for _, o := range t.outcomes {
		texts = append(texts, o.evidence)
		for _, v := range o.trace.Args {
			if s, ok := v.(string); ok {
				texts = append(texts, s)
			} else {
				texts = append(texts, strconv.Quote(strings.TrimSpace(toJSON(v))))
			}
		}
	}
	for _, h := range t.history {
		texts = append(texts, h.Content)
	}
	ev := newEvidence(texts...)
	ev.addElapsed(t.now, t.plant.loc, texts...)
	return ev
}

var stampRe = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?`)

// addElapsed lets an answer say how long ago a time in the evidence was
// ("rising for the last 36 hours" when a tool said "since 02:30 yesterday"):
// the hours and days from each timestamp to now count as evidence; and
// an answer may write a tool's instant in the plant's time zone (a UTC
// "2026-11-30T16:10Z" is "12-01 01:10" in Seoul).
func (e *evidence) addElapsed(now time.Time, loc *time.Location, texts ...string) {
	for _, t := range texts {
		for _, m := range stampRe.FindAllString(t, 64) {
			var at time.Time
			for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
				if x, err := time.Parse(layout, m); err == nil {
					at = x
					break
				}
			}
			if at.IsZero() {
				continue
			}
			d := now.Sub(at)
			if d < 0 {
				d = -d
			}
			e.vals = append(e.vals, math.Round(d.Hours()), math.Round(d.Hours()*10)/10, math.Round(d.Hours()/24), math.Round(d.Minutes()))
			if loc != nil {
				l := at.In(loc)
				e.vals = append(e.vals, float64(l.Year()), float64(l.Month()), float64(l.Day()), float64(l.Hour()), float64(l.Minute()))
			}
		}
	}
	sort.Float64s(e.vals)
}

var sentenceEnd = regexp.MustCompile(`([.!?。]|다\.)\s+`)

// dropUngroundedSentences removes the sentences of s that hold a number
// the evidence does not have.
func dropUngroundedSentences(s string, ev *evidence) string {
	var parts []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringIndex(s, -1) {
		parts = append(parts, s[last:m[1]])
		last = m[1]
	}
	if last < len(s) {
		parts = append(parts, s[last:])
	}
	var keep []string
	for _, p := range parts {
		ok := true
		for _, n := range extractNumbers(p) {
			if !ev.has(n) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, p)
		}
	}
	return strings.TrimSpace(strings.Join(keep, ""))
}

// markEquipment marks the steps that act on a machine and names their SOP:
// a runbook the step itself cites, else an SOP id its text names. It never
// borrows another step's runbook: a bearing step is not tagged with a belt
// procedure because the answer cites one.
func markEquipment(a *Answer, t *turn) {
	kinds := map[string]string{}
	for _, o := range t.outcomes {
		for _, c := range o.res.Citations {
			kinds[c.ID] = c.Kind
		}
	}
	fix := func(steps []Step) {
		for i := range steps {
			s := &steps[i]
			if !s.TouchesEquipment && equipmentRe.MatchString(s.Text) {
				s.TouchesEquipment = true
			}
			if !s.TouchesEquipment || s.SOP != "" {
				continue
			}
			for _, id := range s.Citations {
				if isRunbook(id, kinds[id]) {
					s.SOP = id
					break
				}
			}
			if s.SOP == "" {
				s.SOP = sopRefRe.FindString(s.Text)
			}
		}
	}
	fix(a.Steps)
	fix(a.Detail)
}

var sopRefRe = regexp.MustCompile(`\b(?:RB|SOP)-[A-Za-z0-9-]*[A-Za-z0-9]`)

func isRunbook(id, kind string) bool {
	k := strings.ToLower(kind)
	if k == "runbook" || k == "sop" {
		return true
	}
	u := strings.ToUpper(id)
	return kind == "" && (strings.HasPrefix(u, "RB-") || strings.HasPrefix(u, "SOP-") || strings.HasPrefix(u, "RUNBOOK-"))
}
