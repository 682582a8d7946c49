package planner

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// This file reads documents: Markdown sections, a runbook's numbered
// steps (or its table, an escalation matrix), an incident's recorded
// actions, and rewrites a recorded action ("Bearing replaced…") as an
// instruction ("Replace the bearing…").

var (
	sentenceEnd = regexp.MustCompile(`([.!?。]|다\.)\s+`)
	sopRefRe    = regexp.MustCompile(`\b(?:RB|SOP)-[A-Za-z0-9-]*[A-Za-z0-9]`)
)

var (
	mdHeadingRe = regexp.MustCompile(`^\s*#{1,6}\s*(.+?)\s*#*\s*$|^\s*\*\*(.+?)\*\*\s*:?\s*$|^\s*([A-Za-z가-힣 /()]+):\s*$`)
	listItemRe  = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•]|\[[ x]\])\s+(.+)$`)
)

// sections splits a Markdown body into heading → text.
func sections(body string) map[string][]string {
	out := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(body, "\n") {
		if m := mdHeadingRe.FindStringSubmatch(line); m != nil {
			h := m[1] + m[2] + m[3]
			cur = strings.ToLower(strings.TrimSpace(h))
			continue
		}
		if strings.TrimSpace(line) != "" {
			out[cur] = append(out[cur], line)
		}
	}
	return out
}

// sectionLines returns the lines of the first section whose heading
// contains one of the names.
func sectionLines(secs map[string][]string, names ...string) []string {
	keys := make([]string, 0, len(secs))
	for k := range secs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, n := range names {
		for _, k := range keys {
			if strings.Contains(k, n) {
				return secs[k]
			}
		}
	}
	return nil
}

// actionItems reads the recorded actions of an incident ("Actions",
// "Actions taken", "조치", "조치 사항") or a runbook's procedure.
func actionItems(body string) []string {
	secs := sections(body)
	lines := sectionLines(secs, "actions", "action taken", "corrective", "fix", "조치", "procedure", "steps", "절차", "resolution", "해결")
	var items []string
	for _, l := range lines {
		if m := listItemRe.FindStringSubmatch(l); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
		} else if n := len(items); n > 0 && strings.HasPrefix(l, "  ") {
			items[n-1] += " " + strings.TrimSpace(l)
		}
	}
	if len(items) == 0 && lines == nil {
		// No steps section: a short runbook numbers its steps right under
		// its title.
		items = topLevelSteps(body)
	}
	if len(items) == 0 {
		for _, l := range lines {
			if s := strings.TrimSpace(l); s != "" {
				items = append(items, s)
			}
		}
	}
	if len(items) == 0 && lines == nil && len(numberedItems(body)) == 0 {
		// A record told as prose ("탱크 보충, 수위 스위치 청소 및 시험 후
		// 재가동"): its sentences that say what was done. Numbered steps
		// under headings of their own ("## 매주") are no prose: stepsOf
		// reads them.
		for _, l := range strings.Split(body, "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "|") || strings.HasPrefix(l, "---") {
				continue
			}
			for _, sen := range splitSentences(l) {
				if proseActionRe.MatchString(sen) && !proseNoActionRe.MatchString(sen) {
					items = append(items, sen)
				}
			}
		}
	}
	return items
}

// proseActionRe finds a sentence of a prose record that says what was
// done; proseNoActionRe one that only judges or tells the outcome.
var (
	proseActionRe   = regexp.MustCompile(`(?i)\b(?:replaced|cleaned|refilled|topped up|tightened|adjusted|realigned|reset|flushed|regreased|greased|restarted|repaired|fitted|changed|swapped|tested)\b|보충|청소|교체|조임|조정|재정렬|세척|재가동|수리|장착|시험 후`)
	proseNoActionRe = regexp.MustCompile(`(?i)구분한다|\bdistinguish|\bunlike\b|\blesson\b|교훈`)
)

var numberedItemRe = regexp.MustCompile(`^\s*\d+[.)]\s+(.+)$`)

// topLevelSteps returns the numbered items that stand under the document's
// title (or before any heading), not those of a sub-section.
func topLevelSteps(body string) []string {
	var items []string
	top := true
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			top = !strings.HasPrefix(t, "##")
			continue
		}
		if !top {
			continue
		}
		if m := numberedItemRe.FindStringSubmatch(l); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
		}
	}
	if len(items) == 0 {
		items = tableSteps(body)
	}
	return items
}

// numberedItems are the numbered items of body, whatever section holds
// them (not those of an escalation or reference section), with their
// continuation lines.
func numberedItems(body string) []string {
	var items []string
	skip := false
	cont := false
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			h := strings.ToLower(t)
			skip = strings.Contains(h, "escalat") || strings.Contains(h, "reference") || strings.Contains(h, "에스컬레이션") || strings.Contains(h, "참고")
			cont = false
			continue
		}
		if skip {
			continue
		}
		if m := numberedItemRe.FindStringSubmatch(l); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
			cont = true
		} else if n := len(items); cont && n > 0 && strings.HasPrefix(l, "  ") && t != "" {
			items[n-1] += " " + t
		} else {
			cont = false
		}
	}
	return items
}

// tableSteps reads a runbook that is one table of three columns (an
// escalation matrix: situation, who, within) as one step per row:
// "Line stopped, cause unknown: Maintenance on-call (ext. 4411), within 10 minutes".
func tableSteps(body string) []string {
	var rows [][]string
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
			continue // the separator row
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 || len(rows[0]) != 3 {
		return nil
	}
	var items []string
	for _, r := range rows[1:] {
		if len(r) != 3 || r[0] == "" || r[1] == "" {
			continue
		}
		s := r[0] + ": " + r[1]
		switch {
		case r[2] == "":
		case r[2][0] >= '0' && r[2][0] <= '9' && !hasHangul(rows[0][2]):
			s += ", " + strings.ToLower(rows[0][2]) + " " + r[2] // "within 10 minutes" ("10분 이내" says it itself)
		default:
			s += ", " + r[2] // "immediately"
		}
		items = append(items, s+".")
	}
	return items
}

func firstSentence(lines []string) string {
	var prose []string
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "|") { // tables do not read as a sentence
			prose = append(prose, l)
		}
	}
	s := strings.TrimSpace(strings.Join(prose, " "))
	s = strings.TrimLeft(s, "-*• ")
	if m := sentenceEnd.FindStringIndex(s); m != nil {
		return strings.TrimSpace(s[:m[1]])
	}
	if r := []rune(s); len(r) > 240 {
		return string(r[:240]) + "…"
	}
	return s
}

// --- Recorded actions as next steps ---

var (
	wordRe = regexp.MustCompile(`[\p{L}\p{N}]+`)
	// stopWords carry no meaning for matching a recorded action to a runbook step.
	stopWords = map[string]bool{"the": true, "and": true, "with": true, "from": true, "then": true, "each": true, "into": true,
		"after": true, "before": true, "that": true, "this": true, "they": true, "were": true, "was": true, "for": true, "per": true,
		"new": true, "all": true, "not": true, "only": true, "its": true, "their": true, "are": true}
)

// stem reduces a word to a crude stem so "replaced" meets "replace" and "교체" meets "교체한다".
func stem(w string) string {
	w = strings.ToLower(w)
	r := []rune(w)
	if hasHangul(w) {
		if len(r) > 2 {
			r = r[:2]
		}
		return string(r)
	}
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			break
		}
	}
	r = []rune(w)
	if len(r) > 5 {
		r = r[:5]
	}
	return string(r)
}

func stems(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range wordRe.FindAllString(s, -1) {
		lw := strings.ToLower(w)
		if strings.Trim(lw, "0123456789") == "" || stopWords[lw] || (len([]rune(lw)) < 3 && !hasHangul(lw)) || (hasHangul(lw) && len([]rune(lw)) < 2) {
			continue
		}
		out[stem(lw)] = true
	}
	return out
}

// matchActions assigns each recorded action to the runbook step it
// overlaps most (at least two shared stems, or one shared SOP id); the
// result maps step index to the actions that back it, and lists the
// actions that matched no step.
func matchActions(steps, actions []string) (byStep map[int][]string, unmatched []string) {
	byStep = map[int][]string{}
	ss := make([]map[string]bool, len(steps))
	for i, s := range steps {
		ss[i] = stems(s)
	}
	for _, a := range actions {
		as := stems(a)
		bestI, bestN := -1, 0
		for i, s := range ss {
			n := 0
			for w := range as {
				if s[w] {
					n++
				}
			}
			if n > bestN {
				bestI, bestN = i, n
			}
		}
		sop := sopRefRe.FindString(a)
		if bestI >= 0 && (bestN >= 2 || sop != "" && strings.Contains(steps[bestI], sop)) {
			byStep[bestI] = append(byStep[bestI], a)
		} else {
			unmatched = append(unmatched, a)
		}
	}
	return byStep, unmatched
}

// pastVerbs maps the past participles recorded actions use onto the
// imperative that asks for the same action.
var pastVerbs = map[string]string{
	"replaced": "replace", "cleaned": "clean", "checked": "check", "flushed": "flush", "removed": "remove", "renewed": "renew",
	"refilled": "refill", "tested": "test", "degreased": "degrease", "fitted": "fit", "restarted": "restart", "drained": "drain",
	"isolated": "isolate", "closed": "close", "opened": "open", "measured": "measure", "cut": "cut", "set": "set",
	"tensioned": "tension", "re-tensioned": "re-tension", "retensioned": "re-tension", "adjusted": "adjust", "tightened": "tighten",
	"rebalanced": "rebalance", "realigned": "realign", "aligned": "align", "regreased": "regrease", "greased": "grease",
	"inspected": "inspect", "confirmed": "confirm", "blocked": "block", "stopped": "stop", "cooled": "cool", "blown": "blow",
	"brought": "bring", "exchanged": "exchange", "sent": "send", "run": "run", "primed": "prime", "vented": "vent",
	"depressurised": "depressurise", "depressurized": "depressurize", "reduced": "reduce", "repaired": "repair",
	"rerouted": "reroute", "scheduled": "schedule", "kept": "keep", "shortened": "shorten", "added": "add", "installed": "install",
	"changed": "change", "traced": "trace", "recorded": "record", "torqued": "torque", "lubricated": "lubricate", "reset": "reset",
	"locked": "lock", "tagged": "tag", "swapped": "swap", "unblocked": "unblock", "freed": "free", "rinsed": "rinse", "updated": "update",
}

// imperativeStart reports whether a recorded action already reads as an
// instruction ("Reduce press-3 stroke rate to 80%…").
func imperativeStart(action string) bool {
	f := strings.Fields(action)
	if len(f) < 2 {
		return false
	}
	w := strings.ToLower(strings.Trim(f[0], ",.:;"))
	for _, x := range f[1:min(len(f), 6)] {
		x = strings.ToLower(strings.Trim(x, ",.:;()"))
		if _, past := pastVerbs[x]; past && !ambiguousVerbs[x] {
			return false // "Grease flow to the bearing confirmed": a record
		}
	}
	return imperativeVerbs[w]
}

var imperativeVerbs = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range pastVerbs {
		m[v] = true
	}
	for _, v := range []string{"reduce", "keep", "apply", "call", "monitor", "watch", "plan", "switch", "verify", "tell", "lower", "raise",
		"trend", "compare", "listen", "record", "note", "refit", "re-check", "recheck", "do", "don't", "never", "use", "wait"} {
		m[v] = true
	}
	return m
}()

var ambiguousVerbs = map[string]bool{"cut": true, "set": true, "run": true, "reset": true, "sent": true, "kept": true}

var determinerRe = regexp.MustCompile(`(?i)^(?:the|a|an|each|all|both|its|their|this|that|every|one|two|three|four|five|\d)`)

// imperative rewrites a recorded action ("Bearing replaced with a new SKF
// unit; grease line flushed") as an instruction ("Replace the bearing with
// a new SKF unit; flush the grease line"). It returns "" when a clause does
// not follow the "<thing> <done>" pattern, so the caller frames the action
// as a record instead of guessing.
func imperative(action string) string {
	s := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(action), "."))
	if s == "" || hasHangul(s) {
		return ""
	}
	var out []string
	subject := ""
	for _, part := range strings.Split(s, ";") {
		var clauses []string
		parts := splitClauses(part)
		pending := ""
		for ci, c := range parts {
			if pending != "" {
				c, pending = pending+" and "+c, ""
			}
			words := strings.Fields(c)
			// "cut", "set", "run" are nouns as often as verbs: they count
			// only when no other verb does ("a test cut measured").
			vi := -1
			for pass := 0; pass < 2 && vi < 0; pass++ {
				for i, w := range words {
					lw := strings.ToLower(strings.TrimRight(w, ":"))
					if _, ok := pastVerbs[lw]; ok && (pass == 1 || !ambiguousVerbs[lw]) {
						vi = i
						break
					}
				}
			}
			if vi < 0 && ci < len(parts)-1 {
				pending = c // "Belt and pulleys degreased": one subject of two things
				continue
			}
			if vi < 0 {
				return ""
			}
			subj := strings.Join(words[:vi], " ")
			subj = strings.TrimSuffix(strings.TrimSuffix(subj, " was"), " were")
			if subj == "" {
				subj = subject
			}
			if subj == "" {
				return ""
			}
			subject = subj
			colon := strings.HasSuffix(words[vi], ":")
			verb := pastVerbs[strings.ToLower(strings.TrimRight(words[vi], ":"))]
			rest := words[vi+1:]
			// "locked out", "brought to rest": the particle stays with the verb.
			if len(rest) > 0 && (rest[0] == "out" || rest[0] == "off" || rest[0] == "up" || rest[0] == "down" || rest[0] == "in" || rest[0] == "clean") {
				verb += " " + rest[0]
				rest = rest[1:]
			}
			obj := subj
			if !determinerRe.MatchString(obj) {
				obj = "the " + lowerFirst(obj)
			} else {
				obj = lowerFirst(obj)
			}
			if colon {
				obj += ":"
			}
			clause := verb + " " + obj
			if len(rest) > 0 {
				clause += " " + strings.Join(rest, " ")
			}
			clauses = append(clauses, clause)
		}
		if len(clauses) > 0 {
			out = append(out, strings.Join(clauses, ", "))
		}
	}
	if len(out) == 0 {
		return ""
	}
	r := strings.Join(out, "; ")
	return strings.ToUpper(r[:1]) + r[1:] + "."
}

// splitClauses splits "a, b and c" into its clauses, keeping parentheses whole.
func splitClauses(s string) []string {
	var out []string
	depth, start := 0, 0
	flush := func(end int) {
		if c := strings.TrimSpace(s[start:end]); c != "" {
			out = append(out, c)
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				start = i + 1
			}
		case ' ':
			if depth == 0 && strings.HasPrefix(s[i:], " and ") {
				flush(i)
				start = i + 5
				i += 4
			}
		}
	}
	flush(len(s))
	return out
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsUpper(r[1]) {
		return s // an acronym: LOTO, CIP
	}
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

var koPastRe = regexp.MustCompile(`(했|하였)(다|음)\.?$`)

// koImperative turns a Korean recorded action written in the past tense
// ("벨트 장력만 다시 조정했다.") into a request ("…조정하세요."); noun-ending
// actions ("모터 풀리 교체") already read as instructions.
func koImperative(action string) string {
	s := strings.TrimSpace(action)
	if koPastRe.MatchString(s) {
		return koPastRe.ReplaceAllString(s, "하세요.")
	}
	return s
}
