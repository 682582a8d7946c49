package planner

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// This file routes safety questions to the hazard they are about, not to
// the machine they name: whom to call first after an injury, a leak
// someone would fix while the machine runs, a guard opened to touch a
// part after an alarm, a personal lock at the end of a shift.

// --- Whom to call first -------------------------------------------------------

// escalTitleRe finds the escalation matrix by its title.
var escalTitleRe = regexp.MustCompile(`(?i)escalat|에스컬레이션`)

// escalationAsked says a question asks whom to call or tell ("누구한테
// 먼저 연락함?", "who needs to know?", "에스컬레이션 순서").
func escalationAsked(text string) bool {
	return whoAskRe.MatchString(text) || escalTitleRe.MatchString(text)
}

// escRows pair what a question says happened with the row of the
// escalation matrix for it, most urgent first: an injury before a stopped
// line, a line stopped over an hour before one just stopped.
var escRows = []struct{ ask, row *regexp.Regexp }{
	{injuryRe, regexp.MustCompile(`(?i)safety|injur|near miss|안전|부상|아차`)},
	{regexp.MustCompile(`(?i)\b(?:over|more than|longer than|for) (?:an?|1|one) hours?\b|\b(?:hours|an hour)\b.{0,12}\b(?:down|stopped)\b|(?:한|1) ?시간 ?(?:넘|이상|초과|째|넘게|동안)`), regexp.MustCompile(`(?i)longer than|more than|초과`)},
	{regexp.MustCompile(`(?i)\bline\b.{0,15}\b(?:down|stopped|stops|stopping|halted)\b|\b(?:stopped|down)\b.{0,10}\bline\b|\bcause unknown\b|라인\S*\s*(?:이|가)?\s*(?:섰|서고|서서|서 ?있|멈|정지|다운|스톱)|(?:설비|기계)\S*\s*(?:섰|멈|정지)|원인 ?(?:모름|모르|불명)`), regexp.MustCompile(`(?i)cause unknown|원인 모름`)},
	{regexp.MustCompile(`(?i)\bspare\b|\b(?:out of|not in) stock\b|\bno (?:spare|part)s?\b|예비품|재고\S*\s*(?:없|부족)|부품\S*\s*(?:없|부족)`), regexp.MustCompile(`(?i)spare|stock|예비품|재고`)},
	{regexp.MustCompile(`(?i)\bagain\b|\brepeat\w*|\bsame (?:fault|failure)\b|재발|또 ?고장|다시 ?고장|또 ?섰|또 ?멈`), regexp.MustCompile(`(?i)repeat|재고장`)},
}

// escalationFirst puts the rows of the escalation matrix for what the
// question says happened first, most urgent first, and leads the answer
// with whom to call first ("사람 다쳤을 때 누구한테 먼저 연락함?": the
// shift manager and EHS, not maintenance). en are the rows as the English
// runbook writes them, in the order of the answer's steps, ko the Korean
// twin's rows aligned with them (nil when there is none); id the document
// the Korean rows come from.
func (r *run) escalationFirst(en, ko []string, id string) {
	if len(en) != len(r.a.Steps) {
		return
	}
	var first []int
	for _, k := range escRows {
		if !k.ask.MatchString(r.q.Text) {
			continue
		}
		for i := range en {
			if k.row.MatchString(en[i]+" "+r.a.Steps[i].Text) && !slices.Contains(first, i) {
				first = append(first, i)
				break
			}
		}
	}
	if len(first) == 0 {
		return
	}
	steps := make([]agent.Step, 0, len(r.a.Steps))
	for _, i := range first {
		steps = append(steps, r.a.Steps[i])
	}
	for i, s := range r.a.Steps {
		if !slices.Contains(first, i) {
			steps = append(steps, s)
		}
	}
	r.a.Steps = steps
	// The row in the answer's language: the English one quoted in a
	// Korean answer when no Korean twin says it.
	row, src := en[first[0]], r.a.Steps[0].Citations[0]
	if r.ko() {
		if ko == nil || ko[first[0]] == "" {
			r.a.Situation = joinLines([]string{r.msg("proc.escalate.first_whole", r.msg("quote.en", strings.TrimSuffix(row, ".")), src), r.a.Situation})
			r.escalated()
			return
		}
		row, src = ko[first[0]], id
	}
	row = strings.TrimSuffix(strings.TrimSpace(row), ".")
	lead := r.msg("proc.escalate.first_whole", row, src)
	if sit, who, ok := strings.Cut(row, ": "); ok {
		lead = r.msg("proc.escalate.first", lowerFirst(sit), lowerFirst(who), src)
	}
	r.a.Situation = joinLines([]string{lead, r.a.Situation})
	r.escalated()
}

// escalated finishes an escalation answer led by its first call: the
// person first when someone is hurt.
func (r *run) escalated() {
	if hurtRe.MatchString(r.q.Text) {
		r.a.Escalate = r.msg("escalate.injury")
	}
	if stopAskRe.MatchString(r.q.Text) || stopLineAskRe.MatchString(r.q.Text) {
		// "라인은 세워야됨?": the matrix says whom to call, not whether to
		// stop; said so, with the one rule that needs no document.
		r.a.Situation = joinLines([]string{r.a.Situation, r.msg("escalate.stop_line")})
	}
	r.a.Confidence = "high"
}

// stopLineAskRe asks whether to stop the line ("라인은 세워야됨?", "do we
// stop the line?").
var stopLineAskRe = regexp.MustCompile(`(?i)\b(?:stop|shut down|halt) the line\b|라인\S*\s*(?:세워|멈춰|정지해)`)

// --- A leak fixed while the machine runs --------------------------------------

// leakRe says something leaks ("에어 새는데", "leaking oil at the seal",
// "hissing at the coupling"); airLeakRe that it is compressed air.
var (
	leakRe    = regexp.MustCompile(`(?i)\bleak\w*|\bdrip\w*|\bweep\w*|\bhiss\w*|\bspray\w*|\bsquirt\w*|\bseep\w*|새(?:는|고|요|네|서|어|길래|는데)|샌다|누설|누유|누수|누출|스며`)
	airLeakRe = regexp.MustCompile(`(?i)\bair\b|pneumat\w*|compressed|\bcompressor\b|에어|공기|공압|컴프`)
	// oilLeakRe is a liquid other than air: no header pressure to read.
	oilLeakRe = regexp.MustCompile(`(?i)\boil\b|hydraul\w*|coolant|water|grease|유압|기름|오일|누유|절삭유|냉각수|물이|물 ?새`)
)

// leakRunning says the question would fix a leak while the machine runs:
// a pressurised line is the hazard, whatever machine it is on.
func leakRunning(text string) bool {
	return leakRe.MatchString(text) && whileRunningRe.MatchString(text)
}

// releaseStepRe finds the lockout's steps that release stored pressure
// and prove it gone ("vent the receiver", "bleed to zero", "read 0 bar").
var releaseStepRe = regexp.MustCompile(`(?i)\bvent\w*|\bbleed\w*|\bzero\b|\b0 bar\b|배기|배압|0 bar|무에너지`)

// releaseSteps are the steps of the lockout runbook d that release a
// line's pressure and check it is gone, as rules to quote.
func releaseSteps(d *doc) []string {
	var out []string
	for _, s := range stepsOf(d) {
		if releaseStepRe.MatchString(s) && len(out) < 2 {
			out = append(out, strings.TrimSpace(strings.ReplaceAll(s, "**", "")))
		}
	}
	return out
}

// leakContext is what the plant knows of a leak like the one reported:
// the past incident of the same leak (what was found, how it ended) and,
// for compressed air, the header pressure now against its usual range.
func (r *run) leakContext() []string {
	target := ""
	if ts := targetsOf(r.q, r.p); len(ts) == 1 {
		target = ts[0]
	}
	air := airLeakRe.MatchString(r.q.Text) && !oilLeakRe.MatchString(r.q.Text)
	query := "leak 누설 " + r.q.Question
	if air {
		query += " air leak compressed air pressure 공기 누설"
	}
	var lines []string
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: map[string]any{"query": query, "kind": "incident", "k": 6}})
	var found *doc
	for _, x := range res {
		for _, id := range r.lib.merge(x) {
			d := r.lib.docs[id]
			if d == nil || !d.incident() || found != nil {
				continue
			}
			leak := leakRe.MatchString(d.Title) || d.Mode == "air_leak"
			if air {
				leak = d.Mode == "air_leak" || leakRe.MatchString(d.Title) && airLeakRe.MatchString(d.Title)
			}
			// Compressed air is one network: its leak on any machine is
			// the same case; another leak is the same machine's or its
			// type's.
			if leak && (air || target != "" && (d.Asset == target || typeOf(d.Asset, r.p) == typeOf(target, r.p))) {
				found = d
			}
		}
	}
	if found != nil {
		r.call(agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": found.ID}})
		how := r.msg("outcome." + strings.ToLower(orDefault(found.Outcome, "unknown")))
		if found.Downtime != nil {
			if *found.Downtime == 0 {
				how += ", " + r.msg("leak.no_downtime")
			} else {
				how += ", " + r.msg("leak.downtime", *found.Downtime)
			}
		}
		lines = append(lines, r.msg("leak.case", found.ID, found.Title, how))
		if f := foundSentence(found.Body); f != "" {
			if r.ko() && !hasHangul(f) {
				f = r.msg("quote.en", f)
			}
			lines = append(lines, r.msg("leak.found", f))
		}
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: found.ID, Title: found.Title, Kind: found.Kind})
	}
	if air {
		lines = append(lines, r.airPressure(target)...)
	}
	return lines
}

// foundSentence is the sentence of an incident that says what was found
// ("An ultrasonic leak survey found a broken quick coupling …").
func foundSentence(body string) string {
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") || strings.HasPrefix(line, "---") {
			continue
		}
		for _, sen := range splitSentences(line) {
			if foundRe.MatchString(sen) {
				return sen
			}
		}
	}
	return ""
}

var foundRe = regexp.MustCompile(`(?i)\bfound\b|\bcaused by\b|\broot cause\b|발견|원인은`)

// airPressure is the compressed-air header's pressure now (the machine's
// own when it makes the air, else the plant's compressors'), against its
// usual range: whether the leak shows in the data yet.
func (r *run) airPressure(target string) []string {
	var assets []string
	if a, ok := r.p.Asset(target); ok && contains(a.Sensors, "pressure") && a.Type == "compressor" {
		assets = []string{target}
	} else {
		for _, c := range r.p.AssetsOfType("compressor") {
			if a, ok := r.p.Asset(c); ok && contains(a.Sensors, "pressure") {
				assets = append(assets, c)
			}
		}
	}
	var calls []agent.ToolCall
	for _, a := range assets {
		calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": a, "sensor": "pressure"}})
	}
	var out []string
	for _, x := range r.call(calls...) {
		d, ok := decode[readingsData](x.Result.Data)
		if !x.OK || !ok {
			continue
		}
		for _, rd := range d.Readings {
			key := "leak.pressure_other"
			switch rd.Position {
			case "within usual":
				key = "leak.pressure_ok"
			case "below usual":
				key = "leak.pressure_low"
			}
			asset, _, _ := strings.Cut(rd.Series, ".")
			name := asset + " " + r.sensorName(rd.Sensor)
			if rd.UsualP10 == 0 && rd.UsualP90 == 0 {
				out = append(out, r.msg("leak.pressure_now", name, val(rd.Value)+suffix(rd.Unit), r.at(rd.At)))
				continue
			}
			out = append(out, r.msg(key, name, val(rd.Value)+suffix(rd.Unit), r.at(rd.At), val(rd.UsualP10), val(rd.UsualP90)+suffix(rd.Unit)))
		}
	}
	return out
}

// --- A door opened to touch a part after an alarm ------------------------------

// openTouchRe opens a guard or door to touch a part by hand (agent.OpenTouchPattern);
// alarmSaidRe says an alarm came up; hotSaidRe that heat is the worry.
var (
	openTouchRe = regexp.MustCompile(`(?i)` + agent.OpenTouchPattern)
	alarmSaidRe = regexp.MustCompile(`(?i)\balarm\w*|\balert\w*|\btrip\w*|\bwarning\b|\bfault\b|알람|경보|트립|경고|에러|폴트`)
	hotSaidRe   = regexp.MustCompile(`(?i)\btemp\w*|\bhot\b|\bheat\w*|\boverheat\w*|\bwarm\b|\bburn\w*|온도|뜨거|과열|화상|열나|열이`)
	// openStepRe finds a runbook's step about opening the machine.
	openStepRe = regexp.MustCompile(`(?i)\bbefore opening\b|\bopen\w*\b|열기|여는|열고`)
)

// touchContext is, for a question to open a machine and touch a part
// after an alarm: the step of the runbook of the failure the alarm's
// sensor points to that says to lock out before opening ("[LOTO] Apply
// RB-LOTO before opening a motor enclosure"), quoted; and what the data
// says of the alarm: the sensor's latest reading against its usual range
// and the runbook's limit, or every sensor's when the alarm names none.
// A reading within its range says the alarm and the data disagree.
func (r *run) touchContext() (quote string, data []string) {
	ts := targetsOf(r.q, r.p)
	if len(ts) != 1 {
		return "", nil
	}
	asset := ts[0]
	as, ok := r.p.Asset(asset)
	if !ok {
		return "", nil
	}
	var sensors []string
	for _, s := range r.q.Sensors {
		if contains(as.Sensors, s) {
			sensors = append(sensors, s)
		}
	}
	if len(sensors) == 0 && hotSaidRe.MatchString(r.q.Text) && contains(as.Sensors, "temperature") {
		sensors = []string{"temperature"}
	}
	var limit *rule
	if len(sensors) == 1 {
		if modes := plant.SupportingModes(sensors[0], +1, as.Type); len(modes) > 0 {
			d := r.readDocs(&hypothesis{Asset: asset, Mode: modes[0], Basis: agent.BasisReport})
			quote = r.openStep(d)
			for _, ru := range r.rulesFor(asset, d) {
				if ru.Sensor == sensors[0] && r.applies(ru, asset) && strings.HasPrefix(ru.Condition, "above") && (limit == nil || levelRank[ru.Level] < levelRank[limit.Level]) {
					ru := ru
					limit = &ru // the first limit an alarm would be: the lowest level stated
				}
			}
		}
	}
	if !alarmSaidRe.MatchString(r.q.Text) {
		return quote, nil
	}
	args := map[string]any{"asset": asset}
	if len(sensors) == 1 {
		args["sensor"] = sensors[0]
	}
	var readings []tools.Reading
	for _, x := range r.call(agent.ToolCall{Name: tools.LatestReadings, Args: args}) {
		if d, ok := decode[readingsData](x.Result.Data); x.OK && ok {
			readings = append(readings, d.Readings...)
		}
	}
	if len(readings) == 0 {
		return quote, []string{r.msg("touch.no_data", asset)}
	}
	if len(sensors) == 1 {
		rd := readings[0]
		lim := ""
		if limit != nil {
			side := "touch.below_limit"
			if rd.Value > limit.Limit {
				side = "touch.above_limit"
			}
			lim = r.msg(side, r.levelName(limit.Level), val(limit.Limit)+suffix(limit.Unit), limit.Doc)
		}
		name := asset + " " + r.sensorName(rd.Sensor)
		reading := val(rd.Value) + suffix(rd.Unit)
		switch {
		case rd.Position == "above usual" || limit != nil && rd.Value > limit.Limit:
			key := "touch.data_high"
			if rd.Sensor == "temperature" {
				key = "touch.data_hot" // let it cool down first
			}
			return quote, []string{r.msg(key, name, reading, r.at(rd.At), val(rd.UsualP10), val(rd.UsualP90)+suffix(rd.Unit), lim)}
		case rd.UsualP10 == 0 && rd.UsualP90 == 0:
			return quote, []string{r.msg("touch.data_now", name, reading, r.at(rd.At), lim)}
		default:
			return quote, []string{r.msg("touch.data_ok", name, reading, r.at(rd.At), val(rd.UsualP10), val(rd.UsualP90)+suffix(rd.Unit), lim)}
		}
	}
	// No sensor named: those outside their usual range, else that none is.
	var off []string
	var newest time.Time
	for _, rd := range readings {
		newest = maxTime(newest, rd.At)
		if rd.Position == "above usual" || rd.Position == "below usual" {
			off = append(off, r.msg("hot.line", r.sensorName(rd.Sensor), val(rd.Value), suffix(rd.Unit), val(rd.UsualP10), val(rd.UsualP90), r.at(rd.At)))
		}
	}
	if len(off) > 0 {
		return quote, []string{r.msg("touch.data_off", asset, strings.Join(off, "; "))}
	}
	return quote, []string{r.msg("touch.data_none", asset, r.at(newest))}
}

// openStep quotes the step of a failure mode's runbook that says to lock
// the machine out before opening it, in the answer's language.
func (r *run) openStep(d docs) string {
	if d.canon == nil {
		return ""
	}
	en := stepsOf(d.canon)
	var ko []string
	if r.ko() && d.ko != nil {
		ko = align(en, stepsOf(d.ko))
	}
	for i, s := range en {
		if !strings.Contains(s, "[LOTO]") || !openStepRe.MatchString(s) {
			continue
		}
		text, id := strings.TrimSpace(strings.ReplaceAll(s, "**", "")), d.canon.ID
		if ko != nil && ko[i] != "" {
			text, id = strings.TrimSpace(strings.ReplaceAll(ko[i], "**", "")), d.ko.ID
		}
		r.a.Citations = append(r.a.Citations, tools.Citation{ID: id, Title: r.lib.docs[id].Title, Kind: r.lib.docs[id].Kind})
		if r.ko() && !hasHangul(text) {
			return r.msg("quote.step", text, id) // no Korean twin says it
		}
		return r.msg("proc.rule", id, text)
	}
	return ""
}

// --- A personal lock when the shift ends -----------------------------------------

// lockShiftRe asks what becomes of one's lock when the shift ends with the
// job open (agent.LockShiftPattern).
var lockShiftRe = regexp.MustCompile(`(?i)` + agent.LockShiftPattern)

var (
	// lockWordRe finds a rule about a personal lock or its key.
	lockWordRe = regexp.MustCompile(`(?i)\b(?:pad)?locks?\b|\bkey\b|자물쇠|열쇠`)
	// lockAuthRe is who may apply locks: another question (lockWhoRe).
	lockAuthRe = regexp.MustCompile(`(?i)authori|trained|권한|교육`)
	// shiftClauseRe is a rule about a lock at a shift change.
	shiftClauseRe = regexp.MustCompile(`(?i)\bshift (?:change|end|handover|hand-?over)\b|\bend of (?:the |a )?shift\b|교대 ?(?:시|때|시간|인계|교체)|근무 ?교대`)
)

// lockShift answers what to do with one's lock when the shift ends and
// the job is not done: the plain rule (it stays the owner's; not off while
// the job is open, not left behind), what the lockout procedure d says of
// personal locks and their keys, and its rule for a shift change, or that
// it has none: the handover is agreed with the shift manager.
func (r *run) lockShift(d *doc) {
	lines := []string{r.shortcutNo()}
	var pieces []string
	var clause string
	for _, line := range strings.Split(d.Body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") || strings.HasPrefix(line, "---") {
			continue
		}
		if m := listItemRe.FindStringSubmatch(line); m != nil {
			line = m[1]
		}
		line = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(line, "**", ""), "[LOTO]", ""))
		for _, sen := range splitSentences(line) {
			if shiftClauseRe.MatchString(sen) && lockWordRe.MatchString(sen) && clause == "" {
				clause = sen
			}
			// The part of a long step that is about the lock ("…; each
			// person removes only their own lock; restart …").
			for _, part := range strings.Split(sen, "; ") {
				part = strings.TrimSpace(part)
				if lockWordRe.MatchString(part) && !lockAuthRe.MatchString(part) && !slices.Contains(pieces, part) {
					pieces = append(pieces, part)
				}
			}
		}
	}
	if len(pieces) > 0 {
		quoted := make([]string, len(pieces))
		for i, p := range pieces {
			quoted[i] = "“" + p + "”"
		}
		lines = append(lines, r.msg("lock.rules", d.ID, strings.Join(quoted, " ")))
	}
	if clause != "" {
		lines = append(lines, r.msg("proc.rule", d.ID, clause))
	} else {
		lines = append(lines, r.msg("lock.no_shift_rule", d.ID))
	}
	r.a.Situation = joinLines(lines)
	r.a.Steps, r.a.Detail = nil, nil
	r.a.Escalate = r.msg("escalate.lock_shift")
	r.a.Confidence = "high"
}
