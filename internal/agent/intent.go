package agent

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Intent is what a question asks for, as the offline planner sees it.
type Intent string

// The intents the offline planner recognises.
const (
	IntentAnomalies Intent = "anomalies"
	IntentForecast  Intent = "forecast"
	IntentIncidents Intent = "incidents"
	IntentExplain   Intent = "explain"
	IntentPlan      Intent = "plan"
)

// SeriesInfo is one catalog entry (from the list_series tool).
type SeriesInfo struct {
	Name   string `json:"name"`
	Asset  string `json:"asset,omitempty"`
	Line   string `json:"line,omitempty"`
	Sensor string `json:"sensor,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Unit   string `json:"unit,omitempty"`
}

// Catalog is the plant's series, assets and lines.
type Catalog struct {
	Series []SeriesInfo
}

// Assets returns the distinct asset names.
func (c Catalog) Assets() []string { return c.distinct(func(s SeriesInfo) string { return s.Asset }) }

// Lines returns the distinct line names.
func (c Catalog) Lines() []string { return c.distinct(func(s SeriesInfo) string { return s.Line }) }

func (c Catalog) distinct(f func(SeriesInfo) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range c.Series {
		if v := f(s); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func (c Catalog) has(name string) bool {
	for _, s := range c.Series {
		if s.Name == name {
			return true
		}
	}
	return false
}

func (c Catalog) lineOf(asset string) string {
	for _, s := range c.Series {
		if s.Asset == asset && s.Line != "" {
			return s.Line
		}
	}
	return ""
}

// catalogFromData reads series entries out of a list_series result of any
// reasonable shape: objects with a "name" (and optionally asset, line,
// sensor, kind), anywhere in the JSON.
func catalogFromData(data any) Catalog {
	b, err := json.Marshal(data)
	if err != nil {
		return Catalog{}
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return Catalog{}
	}
	var c Catalog
	seen := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			if name, ok := t["name"].(string); ok && strings.Contains(name, ".") && !seen[name] {
				seen[name] = true
				si := SeriesInfo{Name: name}
				si.Asset, _ = t["asset"].(string)
				si.Line, _ = t["line"].(string)
				si.Sensor, _ = t["sensor"].(string)
				si.Kind, _ = t["kind"].(string)
				si.Unit, _ = t["unit"].(string)
				if si.Sensor == "" || (si.Asset == "" && si.Line == "") {
					if i := strings.LastIndexByte(name, '.'); i > 0 {
						if si.Sensor == "" {
							si.Sensor = name[i+1:]
						}
						if si.Asset == "" && !strings.HasPrefix(name, "line-") {
							si.Asset = name[:i]
						}
						if si.Line == "" && strings.HasPrefix(name, "line-") {
							si.Line = name[:i]
						}
					}
				}
				c.Series = append(c.Series, si)
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k])
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return c
}

// Query is a question as the offline planner understands it.
type Query struct {
	Lang    string
	Intents []Intent
	Assets  []string
	Lines   []string
	Series  []string
	Sensors []string
	Window  Window
	Horizon time.Duration
	// FollowUp is set when entities or intents were carried over from an earlier turn.
	FollowUp bool
	// Procedure is set for "how do I…" questions, which want a runbook's steps.
	Procedure bool
	// Check is set for status questions ("any anomalies?", "is press 1 ok?"),
	// which report a symptom of nobody's: with no anomaly found there is nothing to do.
	Check bool

	// target is what the evidence should be about (asset, line, failure
	// mode), set by the planner once detection has run.
	target docTarget
}

// Has reports whether q has intent i.
func (q Query) Has(i Intent) bool {
	for _, x := range q.Intents {
		if x == i {
			return true
		}
	}
	return false
}

var (
	forecastRe  = regexp.MustCompile(`(?i)forecast|predict|projection|project(?:ed)?\b|will (?:we|it|the|line|output)|going to|expect(?:ed)?\b|next \d*\s*(?:hours?|days?|weeks?|shifts?)|tomorrow|by (?:the )?end of|예측|전망|예상|앞으로|내일|향후`)
	planRe      = regexp.MustCompile(`(?i)\bplan(?:ned)?\b|target|behind|ahead of|on track|schedule|quota|vs\.? plan|against plan|계획|목표|달성|미달|초과`)
	incidentsRe = regexp.MustCompile(`(?i)happened before|seen (?:this|that) before|before\?|past (?:incidents?|cases?|failures?)|previous|similar|last time|history|incident|work order|runbook|sop\b|procedure|how (?:do|did|should) (?:i|we)|what did we do|과거|이전|전에도|예전에|비슷한|유사|사례|이력|지난번|절차|매뉴얼|방법`)
	explainRe   = regexp.MustCompile(`(?i)\bwhy\b|cause|explain|what(?:'s| is) (?:driving|behind)|reason|root|왜|원인|이유|설명`)
	anomalyRe   = regexp.MustCompile(`(?i)anomal|unusual|abnormal|strange|weird|odd\b|noise|noisy|vibrat|shak|hot\b|overheat|temperature|leak|alarm|trip|wrong|problem|issue|spike|drift|rising|dropp|low pressure|high|status|check|okay|ok\?|healthy|이상|진동|소음|떨림|온도|과열|누설|누유|알람|경보|문제|고장|급증|상승|하락|괜찮|상태|점검`)
	checkRe     = regexp.MustCompile(`(?i)any (?:anomal|problem|issue)|anything (?:wrong|unusual|odd|in the data)|\bis .{1,30}\b(?:ok|okay|fine|healthy|running normally)\b|\bstatus\b|이상이? ?(?:있었|있나|없나|있어)|괜찮|정상인가|상태`)
	followUpRe  = regexp.MustCompile(`(?i)^(?:and|what about|how about|same for|also|ok,? and|then)\b|^(?:그럼|그러면|그리고|또|그건|그것)|(?:은|는)\?$|(?:는요|은요)\??$`)
)

var sensorWords = []struct {
	sensor string
	re     *regexp.Regexp
}{
	{"vibration", regexp.MustCompile(`(?i)vibrat|shak|rattl|noise|noisy|진동|떨림|소음`)},
	{"temperature", regexp.MustCompile(`(?i)temp|hot\b|heat|overheat|warm|온도|과열|열`)},
	{"pressure", regexp.MustCompile(`(?i)pressure|psi|\bbar\b|압력`)},
	{"motor_current", regexp.MustCompile(`(?i)current|amps?\b|amperage|load|전류|부하`)},
	{"speed", regexp.MustCompile(`(?i)speed|rpm|slow|속도|회전`)},
	{"output", regexp.MustCompile(`(?i)output|production|throughput|parts|units|volume|생산량|생산|출력|산출`)},
}

var koTypeAliases = map[string][]string{
	"press":      {"프레스"},
	"cnc":        {"씨엔씨", "CNC"},
	"pump":       {"펌프"},
	"filler":     {"충전기", "필러"},
	"conveyor":   {"컨베이어"},
	"compressor": {"컴프레서", "압축기", "콤프레서"},
}

// assetPattern matches the ways people name an asset: "press-3", "press 3",
// "Press #3", "press3", "프레스 3", "3번 프레스", "3호기 프레스".
func assetPattern(name string) *regexp.Regexp {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 {
		return regexp.MustCompile(`(?i)(?:^|[^\p{L}\d])` + regexp.QuoteMeta(name) + `(?:$|[^\p{L}\d])`)
	}
	base, num := name[:i], name[i+1:]
	alts := []string{`(?:^|[^\p{L}\d])` + regexp.QuoteMeta(base) + `[\s\-#_no.]*` + num + `(?:$|\D)`}
	for _, ko := range koTypeAliases[strings.ToLower(base)] {
		k := regexp.QuoteMeta(ko)
		alts = append(alts, k+`[\s\-#]*`+num+`(?:\s*(?:번|호기))?(?:$|\D)`, `(?:^|\D)`+num+`\s*(?:번|호기)?\s*`+k)
	}
	return regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
}

var (
	// coordRe finds "press 2 and 3", "프레스 2호기랑 3호기", "pumps 1/2": a
	// machine type, a number, then more numbers joined to it.
	coordRe = regexp.MustCompile(`(?i)(\p{L}+)s?[\s\-#]*(\d+)\s*(?:번|호기)?((?:\s*(?:,|/|&|and|or|랑|이랑|와|과|및|하고)\s*(?:#\s*)?\d+\s*(?:번|호기)?)+)`)
	numRe   = regexp.MustCompile(`\d+`)
)

// coordinatedAssets returns the assets named by a shared type word and a
// list of numbers ("press 2 and 3" → press-2, press-3) that are in the catalog.
func coordinatedAssets(question string, cat Catalog) []string {
	known := map[string]bool{}
	for _, a := range cat.Assets() {
		known[a] = true
	}
	var out []string
	for _, m := range coordRe.FindAllStringSubmatch(question, -1) {
		base := strings.ToLower(m[1])
		for en, kos := range koTypeAliases {
			for _, ko := range kos {
				if strings.EqualFold(m[1], ko) {
					base = en
				}
			}
		}
		for _, n := range append([]string{m[2]}, numRe.FindAllString(m[3], -1)...) {
			if a := base + "-" + n; known[a] {
				out = appendUnique(out, a)
			}
		}
	}
	return out
}

func linePattern(name string) *regexp.Regexp {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 {
		return regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(name) + `\b`)
	}
	num := name[i+1:]
	return regexp.MustCompile(`(?i)\bline[\s\-#_]*` + num + `(?:$|\D)|라인\s*` + num + `(?:$|\D)|(?:^|\D)` + num + `\s*(?:번\s*)?라인|(?:^|\D)` + num + `\s*번?\s*(?:생산\s*)?라인`)
}

// ParseQuestion reads intents, entities and time windows from a question
// (English or Korean) against the catalog.
func ParseQuestion(question string, now time.Time, cat Catalog) Query {
	q := Query{Lang: DetectLang(question)}
	lq := strings.ToLower(question)
	for _, a := range cat.Assets() {
		if assetPattern(a).MatchString(question) {
			q.Assets = append(q.Assets, a)
		}
	}
	for _, a := range coordinatedAssets(question, cat) {
		q.Assets = appendUnique(q.Assets, a)
	}
	for _, l := range cat.Lines() {
		if linePattern(l).MatchString(question) {
			q.Lines = append(q.Lines, l)
		}
	}
	for _, s := range cat.Series {
		if strings.Contains(lq, strings.ToLower(s.Name)) {
			q.Series = appendUnique(q.Series, s.Name)
		}
	}
	for _, sw := range sensorWords {
		if sw.re.MatchString(question) {
			q.Sensors = append(q.Sensors, sw.sensor)
		}
	}
	if forecastRe.MatchString(question) {
		q.Intents = append(q.Intents, IntentForecast)
	}
	if planRe.MatchString(question) {
		q.Intents = append(q.Intents, IntentPlan)
	}
	if explainRe.MatchString(question) {
		q.Intents = append(q.Intents, IntentExplain)
	}
	if incidentsRe.MatchString(question) {
		q.Intents = append(q.Intents, IntentIncidents)
	}
	if anomalyRe.MatchString(question) && !q.Has(IntentForecast) && !q.Has(IntentPlan) {
		q.Intents = append(q.Intents, IntentAnomalies)
	}
	q.Procedure = procedureRe.MatchString(question)
	q.Check = checkRe.MatchString(question)
	q.Window = ParseWindow(question, now)
	q.Horizon = ParseHorizon(question, now)
	return q
}

// resolve fills in what the planner needs: a default intent, the lines of
// named assets, and the series the question is about.
func (q *Query) resolve(cat Catalog) {
	if len(q.Intents) == 0 {
		switch {
		case len(q.Assets) > 0 || len(q.Series) > 0:
			q.Intents = []Intent{IntentAnomalies}
		case len(q.Lines) > 0 && contains(q.Sensors, "output"):
			q.Intents = []Intent{IntentForecast}
		case len(q.Lines) > 0:
			q.Intents = []Intent{IntentAnomalies}
		default:
			q.Intents = []Intent{IntentIncidents}
		}
	}
	// Forecast/plan questions are about series: a line's output by default.
	if q.Has(IntentForecast) || q.Has(IntentPlan) {
		if len(q.Series) == 0 {
			for _, a := range q.Assets {
				for _, s := range q.Sensors {
					if n := a + "." + s; cat.has(n) {
						q.Series = appendUnique(q.Series, n)
					}
				}
			}
		}
		if len(q.Series) == 0 {
			lines := q.Lines
			if len(lines) == 0 {
				for _, a := range q.Assets {
					if l := cat.lineOf(a); l != "" {
						lines = appendUnique(lines, l)
					}
				}
			}
			for _, l := range lines {
				if n := l + ".output"; cat.has(n) {
					q.Series = appendUnique(q.Series, n)
				}
			}
		}
	}
}

// merge returns c with the series of o it does not have yet.
func (c Catalog) merge(o Catalog) Catalog {
	out := Catalog{Series: append([]SeriesInfo(nil), c.Series...)}
	for _, s := range o.Series {
		if !c.has(s.Name) {
			out.Series = append(out.Series, s)
		}
	}
	return out
}

// lineAssets returns the assets of the named lines.
func (c Catalog) lineAssets(lines []string) []string {
	var out []string
	for _, s := range c.Series {
		if s.Asset != "" && contains(lines, s.Line) {
			out = appendUnique(out, s.Asset)
		}
	}
	return out
}

// inherit carries entities and intents over from an earlier question of
// the thread when a follow-up leaves them out ("what about press 2?").
func (q *Query) inherit(prev Query, question string) {
	short := len([]rune(question)) < 60
	if len(q.Assets) == 0 && len(q.Lines) == 0 && len(q.Series) == 0 {
		q.Assets, q.Lines, q.Series = prev.Assets, prev.Lines, prev.Series
		if len(q.Sensors) == 0 {
			q.Sensors = prev.Sensors
		}
		q.FollowUp = true
	}
	if len(q.Intents) == 0 || (followUpRe.MatchString(strings.TrimSpace(question)) && short && len(q.Intents) == 1 && q.Intents[0] == IntentAnomalies && !prev.Has(IntentAnomalies)) {
		if len(prev.Intents) > 0 {
			q.Intents = prev.Intents
			q.FollowUp = true
		}
	}
	if len(q.Sensors) == 0 && len(q.Assets) > 0 {
		q.Sensors = prev.Sensors
	}
	if q.Window.IsZero() && q.FollowUp {
		q.Window = prev.Window
	}
	if q.Horizon == 0 && q.FollowUp {
		q.Horizon = prev.Horizon
	}
}

func appendUnique(ss []string, s string) []string {
	if contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
