package eval

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// plantTools are the tools that act on a named asset, line or series.
var plantTools = map[string]bool{tools.DetectAnomalies: true, tools.ExplainAnomaly: true, tools.ForecastSeries: true, tools.CompareToPlan: true}

// score checks every expected behaviour of c on the answer a.
func score(res *Result, c Case, a *agent.Answer, clk Clock) {
	res.Mode, res.Lang, res.LatencyMS = a.Mode, a.Lang, a.LatencyMS
	res.Numbers, res.Grounded, res.Ungrounded = a.Grounding.Numbers, a.Grounding.Grounded, a.Grounding.Ungrounded
	check := func(name string, ok bool, got string) {
		ch := Check{Name: name, OK: ok}
		if !ok {
			ch.Got = got
		}
		res.Checks = append(res.Checks, ch)
	}
	called := map[string]bool{}
	for _, t := range a.Trace {
		if agent.IsCatalogRead(t) {
			continue // the plant's catalog, read for every question
		}
		if !called[t.Tool] {
			called[t.Tool] = true
			res.ToolsCalled = append(res.ToolsCalled, t.Tool)
		}
	}
	for _, t := range c.Tools {
		check("tool "+t, called[t], "called "+strings.Join(res.ToolsCalled, ","))
	}
	for _, t := range c.NoTools {
		check("no_tool "+t, !called[t], "called")
	}
	text := a.Text
	if text == "" {
		text = agent.Render(a)
	}
	lower := strings.ToLower(text)

	// Targets: the plant tools ran only on what the question named.
	strays := strayTargets(a, c)
	if c.Targets != nil {
		check("targets", len(strays) == 0, "ran on "+strings.Join(strays, ","))
	}
	if w := c.Window; w != nil {
		ok, got := windowHeld(a, *w, clk)
		check("window "+w.Tool, ok, got)
	}
	if h := c.Horizon; h != nil {
		ok, got := horizonHeld(a, *h, clk)
		check("horizon "+h.Tool, ok, got)
	}
	steps := append(append([]agent.Step(nil), a.Steps...), a.Detail...)
	if c.Abstain {
		ok := len(steps) == 0 && (a.Confidence == "" || a.Confidence == "low")
		check("abstain", ok, fmt.Sprintf("%d steps, confidence %q", len(steps), a.Confidence))
	}
	for _, u := range c.Unknown {
		named := false
		for _, alt := range strings.Split(u, "|") {
			named = named || strings.Contains(lower, strings.ToLower(strings.TrimSpace(alt)))
		}
		check("unknown "+u, named, "not named")
	}
	if len(c.Unknown) > 0 {
		res.Swapped = len(strays) > 0 || a.Confidence == "high"
	}
	if len(c.Rank) > 0 {
		ok, got := ranked(text, c.Rank)
		check("rank", ok, got)
	}
	touching := 0
	for _, s := range steps {
		if touches(s) {
			touching++
		}
	}
	if c.EquipmentSteps != nil {
		if *c.EquipmentSteps {
			check("equipment_steps", touching > 0, "none")
		} else {
			check("equipment_steps", touching == 0, fmt.Sprintf("%d steps touch equipment", touching))
		}
	}
	if len(c.Confidence) > 0 {
		ok := false
		for _, x := range c.Confidence {
			ok = ok || x == a.Confidence
		}
		check("confidence", ok, a.Confidence)
	}
	cited := map[string]bool{}
	for _, ci := range a.Citations {
		cited[ci.ID] = true
		res.Cited = append(res.Cited, ci.ID)
	}
	for _, s := range steps {
		for _, id := range s.Citations {
			cited[id] = true
		}
	}
	if len(c.Docs) > 0 {
		hit := false
		for _, d := range c.Docs {
			hit = hit || cited[d]
		}
		check("doc", hit, "cited "+strings.Join(res.Cited, ","))
	}
	for _, f := range c.Facts {
		ok := false
		for _, alt := range strings.Split(f, "|") {
			if alt = strings.ToLower(strings.TrimSpace(alt)); alt != "" && strings.Contains(lower, alt) {
				ok = true
				break
			}
		}
		check("fact "+f, ok, "missing")
	}
	for _, f := range c.Absent {
		check("absent "+f, !strings.Contains(lower, strings.ToLower(f)), "present")
	}
	if c.Asset != "" {
		bad := mislabelled(c, a)
		check("asset", len(bad) == 0, strings.Join(bad, ","))
	}
	if agent.DetectLang(c.Question) == "ko" {
		bad := notKorean(a)
		check("korean", len(bad) == 0, strings.Join(bad, ","))
	}
	var records []string
	for _, s := range a.Steps {
		if recordRe.MatchString(s.Text) || koRecordRe.MatchString(s.Text) {
			records = append(records, s.Text)
		}
	}
	if len(a.Steps) > 0 {
		check("imperative", len(records) == 0, fmt.Sprintf("%d step(s) copied as records", len(records)))
	}
	// Every case: no step touches equipment without evidence, and one
	// event is stated with one σ and one onset.
	res.UnsupportedSteps = unsupported(a, steps)
	check("evidence", len(res.UnsupportedSteps) == 0, strings.Join(res.UnsupportedSteps, " | "))
	res.EventNumbers = severalNumbers(text)
	check("event", len(res.EventNumbers) == 0, strings.Join(res.EventNumbers, " | "))
	for _, ch := range res.Checks {
		res.Total++
		if ch.OK {
			res.Held++
		}
	}
}

// strayTargets lists the assets, lines and series the plant tools ran on
// that the case does not allow (nil when the case sets no targets).
func strayTargets(a *agent.Answer, c Case) []string {
	if c.Targets == nil {
		return nil
	}
	allowed := map[string]bool{}
	for _, t := range *c.Targets {
		allowed[t] = true
	}
	var out []string
	for _, t := range a.Trace {
		if !plantTools[t.Tool] {
			continue
		}
		for _, k := range []string{"asset", "line", "series"} {
			v, _ := t.Args[k].(string)
			if v == "" {
				continue
			}
			owner, _, _ := strings.Cut(v, ".")
			if !allowed[v] && !allowed[owner] {
				out = append(out, v)
			}
		}
	}
	return out
}

func windowHeld(a *agent.Answer, w WindowExp, clk Clock) (bool, string) {
	since, err := clk.At(w.Since)
	if err != nil {
		return false, err.Error()
	}
	var until time.Time
	if w.Until != "" {
		if until, err = clk.At(w.Until); err != nil {
			return false, err.Error()
		}
	}
	tol := tolOf(w.Tol, 20*time.Minute)
	var got []string
	for _, t := range a.Trace {
		if t.Tool != w.Tool {
			continue
		}
		s, u, ok := callWindow(t.Args, clk.Now)
		if !ok {
			got = append(got, "no window")
			continue
		}
		if near(s, since, tol) && (until.IsZero() || near(u, until, tol)) {
			return true, ""
		}
		got = append(got, s.In(clk.Location).Format("01-02 15:04")+"–"+u.In(clk.Location).Format("01-02 15:04"))
	}
	if len(got) == 0 {
		return false, "not called"
	}
	return false, strings.Join(got, ", ")
}

func horizonHeld(a *agent.Answer, h HorizonExp, clk Clock) (bool, string) {
	want, err := clk.At(h.Until)
	if err != nil {
		return false, err.Error()
	}
	tol := tolOf(h.Tol, 90*time.Minute)
	var got []string
	for _, t := range a.Trace {
		if t.Tool != h.Tool {
			continue
		}
		end, ok := callHorizon(t.Args, clk.Now)
		if !ok {
			got = append(got, "no horizon")
			continue
		}
		if near(end, want, tol) {
			return true, ""
		}
		got = append(got, "to "+end.In(clk.Location).Format("01-02 15:04"))
	}
	if len(got) == 0 {
		return false, "not called"
	}
	return false, strings.Join(got, ", ")
}

var rankNameRe = regexp.MustCompile(`\b(?:press|pump|cnc|conveyor|filler|compressor|line)-\d+\b`)

// ranked reports whether the answer lists the names first, in this order:
// among the names of the same kind (lines, or assets) in the order they
// first appear in text, the expected ones come first.
func ranked(text string, names []string) (bool, string) {
	lines := strings.HasPrefix(names[0], "line-")
	var order []string
	for _, n := range uniq(rankNameRe.FindAllString(strings.ToLower(text), -1)) {
		if strings.HasPrefix(n, "line-") == lines {
			order = append(order, n)
		}
	}
	got := strings.Join(order, ",")
	if len(order) < len(names) {
		return false, got
	}
	for i, n := range names {
		if order[i] != n {
			return false, got
		}
	}
	return true, ""
}

// equipmentRe finds steps that act on a machine, whatever the agent marked.
var equipmentRe = regexp.MustCompile(`(?i)\bloto\b|lock(?:ed)? ?out|\b(?:replac\w*|swap\w*|re-?tension\w*|tension(?:ed)?|tighten\w*|loosen\w*|lubric\w*|regrease\w*|grease[ds]?|re-?align\w*|flush\w*|bleed|drain\w*|disassembl\w*|isolat\w*|open the (?:housing|cover|guard|strainer|enclosure)|remove the (?:bearing|belt|guard|element|basket|filter))\b|잠금|교체|분해|장착|그리스 주입|장력`)

// docIDRe finds document ids, whose words ("RB-belt-tension") are no actions.
var docIDRe = regexp.MustCompile(`\b(?:RB|SOP|INC|WO|UC)-[A-Za-z0-9-]+`)

func touches(s agent.Step) bool {
	return s.TouchesEquipment || equipmentRe.MatchString(docIDRe.ReplaceAllString(s.Text, ""))
}

var (
	detectEventRe = regexp.MustCompile(`\d+ anomaly event`)
	explainNoneRe = regexp.MustCompile(`no anomaly detected|nothing to explain`)
)

// sensorEvidence reports whether a detector found an event in the answer's turn.
func sensorEvidence(a *agent.Answer) bool {
	for _, t := range a.Trace {
		switch {
		case t.Error != "":
		case t.Tool == tools.DetectAnomalies && detectEventRe.MatchString(t.Summary):
			return true
		case t.Tool == tools.ExplainAnomaly && t.Summary != "" && !explainNoneRe.MatchString(t.Summary):
			return true
		}
	}
	return false
}

// unsupported lists the steps that touch equipment without evidence: no
// stated basis, or a sensor or rule basis when no detector found anything.
func unsupported(a *agent.Answer, steps []agent.Step) []string {
	var out []string
	ev := sensorEvidence(a)
	for _, s := range steps {
		if !touches(s) {
			continue
		}
		switch s.Basis {
		case agent.BasisReport, agent.BasisRequest:
			continue
		case agent.BasisSensor, agent.BasisRule:
			if ev {
				continue
			}
		}
		t := s.Text
		if r := []rune(t); len(r) > 60 {
			t = string(r[:60]) + "…"
		}
		out = append(out, t)
	}
	return out
}

var (
	sentenceSplitRe = regexp.MustCompile(`[.;]\s+|\n`)
	assetNameRe     = regexp.MustCompile(`\b(?:press|pump|cnc|conveyor|filler|compressor)-\d+\b`)
	sensorNameRe    = regexp.MustCompile(`(?i)vibration|temperature|pressure|motor_current|motor current|speed|진동|온도|압력|전류|속도`)
	sigmaRe         = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*σ`)
	onsetRe         = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}Z?|\b\d{2}-\d{2} \d{2}:\d{2}\b`)
)

// severalNumbers lists the events (asset and sensor) an answer states with
// more than one σ or more than one onset.
func severalNumbers(text string) []string {
	sigmas, onsets := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, s := range sentenceSplitRe.Split(text, -1) {
		assets := uniq(assetNameRe.FindAllString(s, -1))
		sensors := uniq(sensorNameRe.FindAllString(strings.ToLower(s), -1))
		sg := sigmaRe.FindStringSubmatch(s)
		if len(assets) != 1 || len(sensors) != 1 || sg == nil {
			continue
		}
		key := assets[0] + " " + canonicalSensor(sensors[0])
		if sigmas[key] == nil {
			sigmas[key], onsets[key] = map[string]bool{}, map[string]bool{}
		}
		sigmas[key][sg[1]] = true
		if on := onsetRe.FindString(s); on != "" {
			onsets[key][on] = true
		}
	}
	var out []string
	for k := range sigmas {
		if len(sigmas[k]) > 1 || len(onsets[k]) > 1 {
			out = append(out, fmt.Sprintf("%s: %d σ values, %d onsets", k, len(sigmas[k]), len(onsets[k])))
		}
	}
	return out
}

func canonicalSensor(s string) string {
	switch s {
	case "진동":
		return "vibration"
	case "온도":
		return "temperature"
	case "압력":
		return "pressure"
	case "전류", "motor current":
		return "motor_current"
	case "속도":
		return "speed"
	}
	return s
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// notKorean names the sections of an answer to a Korean question that hold
// no Korean at all (text quoted from English documents must come framed).
func notKorean(a *agent.Answer) []string {
	var out []string
	for _, f := range []struct{ name, text string }{{"situation", a.Situation}, {"cause", a.Cause}, {"escalate", a.Escalate}} {
		if strings.TrimSpace(f.text) != "" && !hasHangul(f.text) {
			out = append(out, f.name)
		}
	}
	for i, s := range a.Steps {
		if !hasHangul(s.Text) && !hasHangul(s.Reason) {
			out = append(out, fmt.Sprintf("step %d", i+1))
		}
	}
	if !hasHangul(agent.Render(a)) {
		out = append(out, "text")
	}
	return out
}

var (
	assetInTitleRe = regexp.MustCompile(`(?i)\b(press|pump|cnc|conveyor|filler|compressor)[- ]?(\d+)\b|(프레스|펌프|컨베이어|압축기|충전기)[- ]?(\d+)`)
	koAssets       = map[string]string{"프레스": "press", "펌프": "pump", "컨베이어": "conveyor", "압축기": "compressor", "충전기": "filler"}
)

// assetOf is the machine a cited document is about: the agent's own
// record of it, else the first machine its title names.
func assetOf(a *agent.Answer, c tools.Citation) string {
	if s := a.DocAssets[c.ID]; s != "" {
		return s
	}
	m := assetInTitleRe.FindStringSubmatch(c.Title)
	switch {
	case m == nil:
		return ""
	case m[1] != "":
		return strings.ToLower(m[1]) + "-" + m[2]
	}
	return koAssets[m[3]] + "-" + m[4]
}

// mislabelled lists the cited incidents of other machines than the case's
// asset that the answer does not call similar cases, and the expected
// incident when another one leads.
func mislabelled(c Case, a *agent.Answer) []string {
	text := agent.Render(a)
	var out []string
	first := ""
	for _, ci := range a.Citations {
		k := strings.ToLower(ci.Kind)
		if k == "runbook" || k == "usecase" || strings.HasPrefix(ci.ID, "RB-") || strings.HasPrefix(ci.ID, "UC-") {
			continue
		}
		asset := assetOf(a, ci)
		if asset == "" || asset == c.Asset {
			if first == "" && asset == c.Asset {
				first = ci.ID
			}
			continue
		}
		if !strings.Contains(text, "similar case on "+asset) && !strings.Contains(text, asset+" 유사 사례") {
			out = append(out, ci.ID+" ("+asset+")")
		}
	}
	if c.Incident != "" && first != c.Incident {
		out = append(out, "expected "+c.Incident+" first, got "+first)
	}
	return out
}

var (
	// recordRe matches a next step worded as an incident record: a thing
	// and then what was done to it ("Press locked out…", "Bearing replaced…").
	recordRe = regexp.MustCompile(`^(?:[\w()-]+ ){1,4}(?:was |were )?(?:replaced|cleaned|checked|flushed|locked out|removed|renewed|refilled|degreased|fitted|restarted|drained|isolated|tensioned|re-tensioned|adjusted|tightened|rebalanced|cooled|confirmed|blocked|exchanged|primed|regreased|greased|inspected)\b`)
	// koRecordRe matches a Korean step in the past tense ("…조정했다.").
	koRecordRe = regexp.MustCompile(`(?:했|하였|되었)(?:다|음)\.?$`)
)
