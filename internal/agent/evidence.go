package agent

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/gemba-ai/gemba/tools"
)

// failureModes maps a question's words onto the failure modes the incident
// store files documents under. Named components come before symptoms, so
// "press 2 motor current dropped, is the V-belt slipping?" reads as belt slip.
var failureModes = []struct {
	mode string
	re   *regexp.Regexp
}{
	{"belt_slip", regexp.MustCompile(`(?i)\bv-?belt|\bbelts?\b|\bslip|벨트|슬립|미끄러`)},
	{"cavitation", regexp.MustCompile(`(?i)cavitat|tank is low|low tank|캐비테이션`)},
	{"filter_clogging", regexp.MustCompile(`(?i)strainer|filter|clog|pressure (?:is |keeps )?(?:drop|fall|fell|low|climb|ris)|스트레이너|필터|막힘|차압`)},
	{"air_leak", regexp.MustCompile(`(?i)air leak|leak(?:ing)? air|공기 누설|에어 누설`)},
	{"bearing_wear", regexp.MustCompile(`(?i)bearing|vibrat|knock|베어링|진동|타격음`)},
	{"motor_overheating", regexp.MustCompile(`(?i)overheat|\bhot\b|temperature|과열|온도`)},
}

// FailureModeOf returns the failure mode a question's words point at
// (bearing_wear, belt_slip, filter_clogging, motor_overheating, cavitation,
// air_leak), or "" when they name none.
func FailureModeOf(question string) string {
	for _, f := range failureModes {
		if f.re.MatchString(question) {
			return f.mode
		}
	}
	return ""
}

// sensorFailureMode is the failure mode a detected sensor usually means.
func sensorFailureMode(sensor string) string {
	switch {
	case strings.Contains(sensor, "vibration"):
		return "bearing_wear"
	case strings.Contains(sensor, "temperature"):
		return "motor_overheating"
	}
	return ""
}

// docTarget is what the evidence should be about: the asked asset (or the
// channel's), its line, the failure mode and the question's language.
type docTarget struct {
	Asset, Line, FailureMode, Lang string
	// Procedure is set for "how do I…" questions: the runbook asked for
	// stays first whatever the incidents say.
	Procedure bool
}

// docMeta is what the planner knows of one document from search hits and
// get_document results.
type docMeta struct {
	ID, Title, Kind, Asset, Line, FailureMode, Outcome string
	rank                                               int
}

func (d docMeta) korean() bool { return hasHangul(d.Title) }

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// docMetas collects document metadata from the turn's search and
// get_document results, keyed by id, with the order of first appearance.
func docMetas(outs []callOutcome) map[string]docMeta {
	out := map[string]docMeta{}
	merge := func(m docMeta) {
		if m.ID == "" {
			return
		}
		old, ok := out[m.ID]
		if !ok {
			m.rank = len(out)
			out[m.ID] = m
			return
		}
		for _, p := range []struct{ dst, src *string }{{&old.Title, &m.Title}, {&old.Kind, &m.Kind}, {&old.Asset, &m.Asset}, {&old.Line, &m.Line}, {&old.FailureMode, &m.FailureMode}, {&old.Outcome, &m.Outcome}} {
			if *p.dst == "" {
				*p.dst = *p.src
			}
		}
		out[m.ID] = old
	}
	type hitShape struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Kind        string `json:"kind"`
		Asset       string `json:"asset"`
		Line        string `json:"line"`
		FailureMode string `json:"failure_mode"`
		Outcome     string `json:"outcome"`
	}
	for _, o := range outs {
		if !o.ok || (o.name != tools.SearchIncidents && o.name != tools.GetDocument) {
			continue
		}
		b, err := json.Marshal(o.res.Data)
		if err != nil {
			continue
		}
		var d struct {
			hitShape
			Results []hitShape `json:"results"`
		}
		_ = json.Unmarshal(b, &d)
		for _, h := range append(d.Results, d.hitShape) {
			merge(docMeta{ID: h.ID, Title: h.Title, Kind: h.Kind, Asset: h.Asset, Line: h.Line, FailureMode: h.FailureMode, Outcome: h.Outcome})
		}
		for _, c := range o.res.Citations {
			merge(docMeta{ID: c.ID, Title: c.Title, Kind: c.Kind})
		}
	}
	return out
}

// incidentTier orders incidents for a target: the asked asset's own
// incidents first (of the failure mode when one is known), then the same
// failure mode on other assets, then the asset's other incidents, then the
// same line, then the rest. A lower tier is better.
func incidentTier(d docMeta, t docTarget) int {
	sameMode := t.FailureMode != "" && d.FailureMode == t.FailureMode
	switch {
	case t.Asset != "" && d.Asset == t.Asset && (t.FailureMode == "" || d.FailureMode == "" || sameMode):
		return 0
	case t.Asset == "" && sameMode && (t.Line == "" || d.Line == t.Line):
		return 0
	case sameMode && t.Line != "" && d.Line == t.Line:
		return 1 // a sister machine on the same line
	case sameMode:
		return 2
	case t.Asset != "" && d.Asset == t.Asset:
		return 3
	case d.Asset == "" && d.Line == "":
		return 4 // nothing known: as good as the search's own rank
	case t.Line != "" && d.Line == t.Line:
		return 4
	}
	return 5
}

// runbookTier orders runbooks: the failure mode's runbooks that fit the
// asset (or any asset), then the asset's or line's own, then the rest.
func runbookTier(d docMeta, t docTarget) int {
	sameMode := t.FailureMode != "" && d.FailureMode == t.FailureMode
	own := t.Asset != "" && d.Asset == t.Asset || d.Asset == "" && t.Line != "" && d.Line == t.Line
	fits := (d.Asset == "" || t.Asset == "" || d.Asset == t.Asset) && (d.Line == "" || t.Line == "" || d.Line == t.Line)
	// "Pump suction strainer cleaning (pump-1, pump-2)": a title that
	// lists its machines says which ones it is for.
	if named := titleAssetRe.FindAllString(strings.ToLower(d.Title), -1); len(named) > 0 && t.Asset != "" {
		mine := false
		for _, n := range named {
			mine = mine || n == t.Asset
		}
		own, fits = mine && fits, mine && fits
	}
	switch {
	case sameMode && own:
		return 0
	case sameMode && fits:
		return 1
	case own:
		return 2
	case fits:
		return 3
	}
	return 4
}

var titleAssetRe = regexp.MustCompile(`\b(?:press|pump|cnc|conveyor|filler|compressor)-\d+\b`)

// pickDocs returns the best incident and the best runbook that
// search_incidents returned for the target (see rankDocs).
func pickDocs(outs []callOutcome, t docTarget) (incident, runbook tools.Citation) {
	incs, rbs := rankDocs(outs, t)
	if len(incs) > 0 {
		incident = incs[0]
	}
	if len(rbs) > 0 {
		runbook = rbs[0]
	}
	return incident, runbook
}

// rankDocs orders the incidents and the runbooks that search_incidents
// returned for the target: by incidentTier and runbookTier, documents in
// the question's language first among equally relevant ones, then in the
// search's own order (a runbook-only search, asked for "how do I…", ranks
// runbooks best).
func rankDocs(outs []callOutcome, t docTarget) (incidents, runbooks []tools.Citation) {
	metas := docMetas(outs)
	type cand struct {
		c    tools.Citation
		tier int
		lang bool
		rank int
		// group holds equally relevant documents: same failure mode (and,
		// for incidents, same asset); "" when nothing says they are alike.
		group string
		lead  int // the best rank in the group
	}
	var incs, rbs []cand
	seen := map[string]bool{}
	// Runbook-only searches first, so their order is the runbooks' rank.
	for pass := 0; pass < 2; pass++ {
		for _, o := range outs {
			if o.name != tools.SearchIncidents || !o.ok || (o.trace.Args["kind"] == "runbook") != (pass == 0) {
				continue
			}
			for _, c := range o.res.Citations {
				if seen[c.ID] {
					continue
				}
				seen[c.ID] = true
				m := metas[c.ID]
				if m.Kind == "" {
					m.Kind = c.Kind
				}
				lang := (t.Lang == "ko") == (hasHangul(c.Title) || m.korean())
				k := strings.ToLower(c.Kind)
				switch {
				case isRunbook(c.ID, c.Kind):
					tier := runbookTier(m, t)
					if t.Lang != "ko" && !lang {
						tier = 9 // Korean steps are no use to an English reader; the reverse comes framed
					}
					rbs = append(rbs, cand{c: c, tier: tier, lang: lang, rank: len(rbs), group: m.FailureMode})
				case k == "incident" || k == "" || k == "work_order":
					g := ""
					if m.FailureMode != "" && m.Asset != "" {
						g = m.FailureMode + "@" + m.Asset
					}
					incs = append(incs, cand{c: c, tier: incidentTier(m, t), lang: lang, rank: len(incs), group: g})
				}
			}
		}
	}
	// Within a tier the search's order holds, except that among equally
	// relevant documents the question's language comes first.
	order := func(cs []cand) []tools.Citation {
		lead := map[string]int{}
		for _, c := range cs {
			k := fmt.Sprint(c.tier, "/", c.group)
			if l, ok := lead[k]; !ok || c.rank < l {
				lead[k] = c.rank
			}
		}
		for i := range cs {
			cs[i].lead = cs[i].rank
			if cs[i].group != "" {
				cs[i].lead = lead[fmt.Sprint(cs[i].tier, "/", cs[i].group)]
			}
		}
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].tier != cs[j].tier {
				return cs[i].tier < cs[j].tier
			}
			if cs[i].lead != cs[j].lead {
				return cs[i].lead < cs[j].lead
			}
			if cs[i].lang != cs[j].lang {
				return cs[i].lang
			}
			return cs[i].rank < cs[j].rank
		})
		out := make([]tools.Citation, len(cs))
		for i, c := range cs {
			out[i] = c.c
		}
		return out
	}
	incidents = order(incs)
	if t.FailureMode == "" && !t.Procedure && len(incidents) > 0 {
		// The question named no failure mode: the runbooks that fit are
		// those of the incident the answer builds on.
		if m := metas[incidents[0].ID]; m.FailureMode != "" && (t.Asset == "" || m.Asset == t.Asset) {
			t.FailureMode = m.FailureMode
			for i := range rbs {
				if rbs[i].tier != 9 {
					rbs[i].tier = runbookTier(metas[rbs[i].c.ID], t)
				}
			}
		}
	}
	return incidents, order(rbs)
}

// targetOf is what the turn's evidence should be about.
func targetOf(t *turn, q *Query) docTarget {
	tg := docTarget{Lang: t.lang}
	if q != nil {
		tg = q.target
		tg.Lang = t.lang
		if tg.Asset == "" && len(q.Assets) == 1 {
			tg.Asset = q.Assets[0]
		}
		if tg.Line == "" && len(q.Lines) == 1 {
			tg.Line = q.Lines[0]
		}
	}
	if tg.Asset == "" && tg.Line == "" {
		tg.Asset, tg.Line = t.req.Scope.Asset, t.req.Scope.Line
	}
	if tg.FailureMode == "" {
		tg.FailureMode = FailureModeOf(t.req.Question)
	}
	tg.Procedure = q != nil && q.Procedure
	return tg
}

// similarTo says, in the answer's language, that an incident is of another
// asset than the one asked about; "" when it is the asked asset's own (or
// nothing tells).
func similarTo(d docMeta, t docTarget, ko bool) string {
	if t.Asset == "" || d.Asset == "" || d.Asset == t.Asset {
		return ""
	}
	if ko {
		return d.Asset + " 유사 사례"
	}
	return "similar case on " + d.Asset
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

// koToolLabel names a tool's result in Korean, to frame a summary the
// Korean wording could not read.
func koToolLabel(tool string) string {
	switch tool {
	case tools.DetectAnomalies:
		return "이상 감지"
	case tools.ExplainAnomaly:
		return "이상 원인 분석"
	case tools.ForecastSeries:
		return "예측"
	case tools.CompareToPlan:
		return "계획 대비"
	}
	return tool
}

// --- Korean explanation ---

// koExplain says an explain_anomaly result in Korean, with the tool's numbers.
func koExplain(data any) string {
	var d struct {
		Subject string `json:"subject"`
		Window  struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"window"`
		Event *struct {
			Asset        string  `json:"asset"`
			Sensor       string  `json:"sensor"`
			Start        string  `json:"start"`
			Ongoing      bool    `json:"ongoing"`
			Value        float64 `json:"value"`
			Usual        float64 `json:"usual"`
			Sigma        float64 `json:"sigma"`
			Unit         string  `json:"unit"`
			Contributors []struct {
				Sensor   string  `json:"sensor"`
				SharePct float64 `json:"share_pct"`
			} `json:"contributors"`
		} `json:"event"`
		Decomposition *struct {
			Sensor      string  `json:"sensor"`
			Unit        string  `json:"unit"`
			TrendChange float64 `json:"trend_change"`
			Verdict     string  `json:"verdict"`
		} `json:"decomposition"`
		VsPrevious *struct {
			Lag     string `json:"lag"`
			Sensors []struct {
				Sensor string  `json:"sensor"`
				RelPct float64 `json:"rel_pct"`
			} `json:"sensors"`
		} `json:"vs_previous_period"`
		Similar []struct {
			Start      string  `json:"start"`
			Similarity float64 `json:"similarity"`
		} `json:"similar_past_events"`
	}
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &d) != nil || d.Subject == "" {
		return ""
	}
	var parts []string
	if e := d.Event; e != nil {
		dir := "높음"
		if e.Sigma < 0 {
			dir = "낮음"
		}
		unit := ""
		if e.Unit != "" {
			unit = " " + e.Unit
		}
		s := fmt.Sprintf("%s %s: %s부터 평소보다 %sσ %s (현재 %s%s, 평소 %s)", d.Subject, e.Sensor, e.Start, fmtNum(abs(e.Sigma)), dir, fmtNum(e.Value), unit, fmtNum(e.Usual))
		if len(e.Contributors) > 0 {
			s += fmt.Sprintf(", 주요 요인 %s %s%%", e.Contributors[0].Sensor, fmtNum(e.Contributors[0].SharePct))
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, fmt.Sprintf("%s: %s ~ %s 기간에 감지된 이상 없음", d.Subject, d.Window.From, d.Window.To))
	}
	if dc := d.Decomposition; dc != nil {
		switch {
		case strings.HasPrefix(dc.Verdict, "a trend change"):
			unit := ""
			if dc.Unit != "" {
				unit = " " + dc.Unit
			}
			parts = append(parts, fmt.Sprintf("%s: 평소 일간·주간 패턴이 아닌 추세 변화 (구간 중 %+.3g%s)", dc.Sensor, dc.TrendChange, unit))
		case strings.HasPrefix(dc.Verdict, "short irregular"):
			parts = append(parts, fmt.Sprintf("%s: 추세가 아닌 짧고 불규칙한 변동", dc.Sensor))
		default:
			parts = append(parts, fmt.Sprintf("%s: 움직임 대부분이 평소 일간·주간 패턴으로 설명됨", dc.Sensor))
		}
	}
	if v := d.VsPrevious; v != nil && len(v.Sensors) > 0 {
		lag := "지난주"
		if v.Lag == "24h0m0s" {
			lag = "전날"
		}
		parts = append(parts, fmt.Sprintf("%s 같은 시간대 대비 %s %+.0f%%", lag, v.Sensors[0].Sensor, v.Sensors[0].RelPct))
	}
	if len(d.Similar) > 0 {
		parts = append(parts, fmt.Sprintf("가장 비슷한 과거 이벤트 %s (유사도 %s)", d.Similar[0].Start, fmtNum(d.Similar[0].Similarity)))
	}
	return strings.Join(parts, "; ") + "."
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// nextSteps composes the offline answer's steps. With a runbook that has
// numbered steps, those are the steps (they are instructions), each backed
// by the incident's recorded action that did the same ("in INC-1003 this
// fixed it: …"); recorded actions no step covers follow, rewritten as
// instructions. Without a runbook, the recorded actions are the steps,
// rewritten as instructions where their wording allows and otherwise framed
// as the record they are. Text of documents that looks like instructions
// to the assistant is dropped, never followed.
func (r *Runner) nextSteps(t *turn, q *Query, inc tools.Citation, incBody string, rb tools.Citation, rbBody string, incMeta docMeta, similar string) []Step {
	ko := t.lang == "ko"
	procedure := q != nil && q.Procedure
	clean := func(items []string, id string) []string {
		var out []string
		for _, it := range items {
			if injectionRe.MatchString(it) {
				t.warn("ignored text in %s that looked like instructions to the assistant", id)
				continue
			}
			if outcomeLineRe.MatchString(it) {
				continue // a reading after the fix, not an action
			}
			out = append(out, it)
		}
		return out
	}
	var rbItems, incItems []string
	if rbBody != "" {
		rbItems = clean(actionItems(rbBody), rb.ID)
	}
	if incBody != "" && (!procedure || len(rbItems) == 0) {
		incItems = clean(actionItems(incBody), inc.ID)
	}
	worked := incMeta.Outcome == "" || strings.EqualFold(incMeta.Outcome, "worked")
	failed := strings.EqualFold(incMeta.Outcome, "failed")
	// evidence says what the incident's record shows, in the answer's language.
	evidence := func(actions []string) string {
		rec := strings.Join(actions, " ")
		switch {
		case ko && failed:
			return fmt.Sprintf("%s의 기록된 조치는 효과가 없었음: %s", inc.ID, rec)
		case failed:
			return fmt.Sprintf("in %s this did not fix it: %s", inc.ID, rec)
		case ko && similar != "":
			return fmt.Sprintf("%s(%s)의 기록된 조치: %s", inc.ID, similar, rec)
		case ko && worked:
			return fmt.Sprintf("%s의 기록된 조치(효과 있었음): %s", inc.ID, rec)
		case ko:
			return fmt.Sprintf("%s의 기록된 조치(결과: %s): %s", inc.ID, incMeta.Outcome, rec)
		case similar != "" && worked:
			return fmt.Sprintf("in %s (%s) this fixed it: %s", inc.ID, similar, rec)
		case similar != "":
			return fmt.Sprintf("in %s (%s, outcome %s) this was done: %s", inc.ID, similar, incMeta.Outcome, rec)
		case worked:
			return fmt.Sprintf("in %s this fixed it: %s", inc.ID, rec)
		}
		return fmt.Sprintf("in %s (outcome %s) this was done: %s", inc.ID, incMeta.Outcome, rec)
	}
	mark := func(s *Step, cite tools.Citation, text string) {
		if isRunbook(cite.ID, cite.Kind) {
			s.SOP = cite.ID
		}
		if m := sopRefRe.FindString(text); m != "" && equipmentRe.MatchString(text) {
			s.TouchesEquipment, s.SOP = true, m // "Lock-out per RB-LOTO": the SOP the step names
		}
	}
	// fromRecord turns one recorded action into a step.
	fromRecord := func(action string) Step {
		s := Step{Citations: []string{inc.ID}}
		switch {
		case hasHangul(action):
			s.Text = koImperative(action)
			s.Reason = strings.TrimSuffix(evidence(nil), ": ")
		case imperativeStart(action):
			s.Text = action
			s.Reason = strings.TrimSuffix(evidence(nil), ": ")
		case imperative(action) != "":
			s.Text = imperative(action)
			s.Reason = evidence([]string{action})
		case ko:
			s.Text = fmt.Sprintf("%s의 기록된 조치를 따르세요: %s", inc.ID, action)
			if similar != "" {
				s.Reason = similar
			}
		default:
			s.Text = fmt.Sprintf("Repeat what was done in %s: %s", inc.ID, action)
			if similar != "" {
				s.Reason = similar
			}
		}
		mark(&s, inc, action)
		return s
	}
	var steps []Step
	if len(rbItems) > 0 {
		byStep, unmatched := matchActions(rbItems, incItems)
		for i, it := range rbItems {
			s := Step{Text: it, Citations: []string{rb.ID}}
			var why []string
			if ko && !hasHangul(it) {
				why = append(why, rb.ID+" 절차")
			}
			if ev := byStep[i]; len(ev) > 0 {
				s.Citations = append(s.Citations, inc.ID)
				why = append(why, evidence(ev))
			}
			s.Reason = strings.Join(why, "; ")
			mark(&s, rb, it)
			steps = append(steps, s)
		}
		// A recorded action no runbook step covers is still worth doing:
		// right after the runbook's first two steps when it is the asset's
		// own fix, else at the end.
		var extra []Step
		for _, a := range unmatched {
			if !failed { // an action that did not fix it is no next step
				extra = append(extra, fromRecord(a))
			}
		}
		if len(extra) > 0 && similar == "" && !procedure && len(steps) > 2 {
			steps = append(steps[:2], append(extra, steps[2:]...)...)
		} else {
			steps = append(steps, extra...)
		}
		return steps
	}
	for _, a := range incItems {
		s := fromRecord(a)
		if failed {
			// What did not fix it is worth knowing, not worth repeating.
			s.Text = strings.TrimSuffix(evidence([]string{a}), ": ")
			if ko {
				s.Text += " — 같은 조치만 반복하지 말고 원인을 다시 확인하세요."
			} else {
				s.Text += " — do not just repeat it; check for another cause."
			}
			s.Reason = ""
		}
		steps = append(steps, s)
	}
	return steps
}
