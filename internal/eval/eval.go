// Package eval measures the agent on Gemba's evaluation set over the demo
// plant: tool routing (did the expected tools run), citation hits (did the
// answer cite an expected document), numeric grounding (share of numbers in
// answers found in tool results) and facts (does the answer say what it
// must). `gemba eval` runs it offline by default and against the configured
// LLM when there is one. It also checks that answers to Korean questions
// are Korean in every section the agent writes, that incidents of another
// machine than the one asked about are cited only as similar cases, and
// that next steps are instructions rather than copied past-tense records.
package eval

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

//go:embed questions.yaml
var questionsYAML []byte

// Case is one evaluation question.
type Case struct {
	ID       string   `yaml:"id" json:"id"`
	Thread   string   `yaml:"thread,omitempty" json:"thread,omitempty"`
	Question string   `yaml:"question" json:"question"`
	Tools    []string `yaml:"tools" json:"tools"`
	Docs     []string `yaml:"docs,omitempty" json:"docs,omitempty"`
	Facts    []string `yaml:"facts,omitempty" json:"facts,omitempty"`
	// Asset is the machine the question is about: every cited incident of
	// another machine must be presented as a similar case on that machine
	// ("similar case on press-2", "press-2 유사 사례"), never as the asked
	// machine's own, and Incident, when set, must be the answer's first
	// incident of the asset's own.
	Asset string `yaml:"asset,omitempty" json:"asset,omitempty"`
	// Incident is an incident of Asset the answer must rely on first.
	Incident string `yaml:"incident,omitempty" json:"incident,omitempty"`
	// ScopeAsset asks the question from a channel bound to this asset.
	ScopeAsset string `yaml:"scope_asset,omitempty" json:"scope_asset,omitempty"`
}

// Load returns the embedded evaluation set.
func Load() ([]Case, error) { return Parse(questionsYAML) }

// Parse reads an evaluation set; every case needs an id, a question and at
// least one expected tool, and ids are unique.
func Parse(b []byte) ([]Case, error) {
	var f struct {
		Cases []Case `yaml:"cases"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("eval: parse: %w", err)
	}
	seen := map[string]bool{}
	for i, c := range f.Cases {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("eval: case %d: no id", i+1)
		case seen[c.ID]:
			return nil, fmt.Errorf("eval: case %s: duplicate id", c.ID)
		case strings.TrimSpace(c.Question) == "":
			return nil, fmt.Errorf("eval: case %s: no question", c.ID)
		case len(c.Tools) == 0:
			return nil, fmt.Errorf("eval: case %s: no expected tools", c.ID)
		}
		seen[c.ID] = true
	}
	return f.Cases, nil
}

// Asker answers a question; *agent.Runner satisfies it.
type Asker interface {
	Ask(ctx context.Context, r agent.Request) (*agent.Answer, error)
}

// Result is the outcome of one case.
type Result struct {
	ID           string   `json:"id"`
	Question     string   `json:"question"`
	Mode         string   `json:"mode"`
	Lang         string   `json:"lang"`
	ToolsCalled  []string `json:"tools_called"`
	MissingTools []string `json:"missing_tools,omitempty"`
	ToolsOK      bool     `json:"tools_ok"`
	Cited        []string `json:"cited,omitempty"`
	DocHit       *bool    `json:"doc_hit,omitempty"`
	DocsFound    int      `json:"docs_found"`
	DocsExpected int      `json:"docs_expected"`
	FactsFound   int      `json:"facts_found"`
	FactsTotal   int      `json:"facts_total"`
	MissingFacts []string `json:"missing_facts,omitempty"`
	Numbers      int      `json:"numbers"`
	Grounded     int      `json:"grounded"`
	Ungrounded   []string `json:"ungrounded,omitempty"`
	// LangOK is set for Korean questions: every section the agent writes is Korean.
	LangOK *bool `json:"lang_ok,omitempty"`
	// NotKorean lists the sections of a Korean answer without Hangul.
	NotKorean []string `json:"not_korean,omitempty"`
	// AssetOK is set for cases with an asset: no other machine's incident
	// is passed off as the asked machine's (and the expected incident leads).
	AssetOK *bool `json:"asset_ok,omitempty"`
	// Mislabelled lists the cited incidents of other machines that the
	// answer does not present as similar cases.
	Mislabelled []string `json:"mislabelled,omitempty"`
	// Steps counts the next steps shown first; Records counts those worded
	// as a copied past-tense record ("Bearing replaced…") instead of an instruction.
	Steps     int      `json:"steps"`
	Records   int      `json:"records"`
	RecordOut []string `json:"record_steps,omitempty"`
	LatencyMS int64    `json:"latency_ms"`
	Error     string   `json:"error,omitempty"`
}

// Report sums up a run.
type Report struct {
	Mode  string `json:"mode"`
	Cases int    `json:"cases"`
	// ToolRouting is the share of cases where every expected tool ran.
	ToolRouting float64 `json:"tool_routing_accuracy"`
	// CitationHit is the share of cases with expected documents where at least one was cited.
	CitationHit float64 `json:"citation_hit_rate"`
	// CitationRecall is the share of all expected documents that were cited.
	CitationRecall float64 `json:"citation_recall"`
	// NumericGrounding is the share of numbers in answers found in tool results.
	NumericGrounding float64 `json:"numeric_grounding"`
	// Facts is the share of required facts the answers contain.
	Facts float64 `json:"facts"`
	// Language is the share of Korean questions answered in Korean in every section.
	Language float64 `json:"korean_sections"`
	// AssetMatch is the share of cases naming an asset whose cited
	// incidents are the asset's own or labelled as similar cases.
	AssetMatch float64 `json:"asset_match"`
	// Imperative is the share of first next steps worded as instructions.
	Imperative   float64       `json:"imperative_steps"`
	Numbers      int           `json:"numbers"`
	Errors       int           `json:"errors"`
	P50LatencyMS int64         `json:"p50_latency_ms"`
	P95LatencyMS int64         `json:"p95_latency_ms"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	Results      []Result      `json:"results"`
}

// Run asks every case in order (follow-ups share a thread key per run)
// and scores the answers.
func Run(ctx context.Context, a Asker, cases []Case, runID string) Report {
	began := time.Now()
	rep := Report{Cases: len(cases)}
	var toolsOK, docCases, docHits, docsFound, docsExp, facts, factsTotal, numbers, grounded int
	var koCases, koOK, assetCases, assetOK, steps, records int
	var lat []int64
	modes := map[string]int{}
	for _, c := range cases {
		thread := c.Thread
		if thread == "" {
			thread = c.ID
		}
		res := Result{ID: c.ID, Question: c.Question, DocsExpected: len(c.Docs), FactsTotal: len(c.Facts)}
		ans, err := a.Ask(ctx, agent.Request{ThreadKey: "eval:" + runID + ":" + thread, Channel: "eval", UserID: "eval", Question: c.Question,
			Scope: tools.Scope{Asset: c.ScopeAsset}})
		if err != nil {
			res.Error = err.Error()
			res.MissingTools = c.Tools
			rep.Errors++
			rep.Results = append(rep.Results, res)
			docsExp += len(c.Docs)
			factsTotal += len(c.Facts)
			if len(c.Docs) > 0 {
				docCases++
			}
			if agent.DetectLang(c.Question) == "ko" {
				koCases++
			}
			if c.Asset != "" {
				assetCases++
			}
			continue
		}
		score(&res, c, ans)
		modes[ans.Mode]++
		if res.ToolsOK {
			toolsOK++
		}
		if res.DocHit != nil {
			docCases++
			if *res.DocHit {
				docHits++
			}
		}
		docsFound += res.DocsFound
		docsExp += res.DocsExpected
		facts += res.FactsFound
		factsTotal += res.FactsTotal
		numbers += res.Numbers
		grounded += res.Grounded
		if res.LangOK != nil {
			koCases++
			if *res.LangOK {
				koOK++
			}
		}
		if res.AssetOK != nil {
			assetCases++
			if *res.AssetOK {
				assetOK++
			}
		}
		steps += res.Steps
		records += res.Records
		lat = append(lat, res.LatencyMS)
		rep.Results = append(rep.Results, res)
	}
	rep.ToolRouting = ratio(toolsOK, len(cases))
	rep.CitationHit = ratio(docHits, docCases)
	rep.CitationRecall = ratio(docsFound, docsExp)
	rep.NumericGrounding = ratio(grounded, numbers)
	rep.Facts = ratio(facts, factsTotal)
	rep.Numbers = numbers
	rep.Language = ratio(koOK, koCases)
	rep.AssetMatch = ratio(assetOK, assetCases)
	rep.Imperative = ratio(steps-records, steps)
	var ms []string
	for m := range modes {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	rep.Mode = strings.Join(ms, "+")
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if n := len(lat); n > 0 {
		rep.P50LatencyMS = lat[n/2]
		rep.P95LatencyMS = lat[min(n-1, (n*95+99)/100-1)]
	}
	rep.Elapsed = time.Since(began)
	return rep
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func score(res *Result, c Case, a *agent.Answer) {
	res.Mode, res.Lang, res.LatencyMS = a.Mode, a.Lang, a.LatencyMS
	called := map[string]bool{}
	for _, t := range a.Trace {
		if !called[t.Tool] {
			called[t.Tool] = true
			res.ToolsCalled = append(res.ToolsCalled, t.Tool)
		}
	}
	for _, t := range c.Tools {
		if !called[t] {
			res.MissingTools = append(res.MissingTools, t)
		}
	}
	res.ToolsOK = len(res.MissingTools) == 0
	cited := map[string]bool{}
	for _, ci := range a.Citations {
		cited[ci.ID] = true
		res.Cited = append(res.Cited, ci.ID)
	}
	for _, s := range append(append([]agent.Step(nil), a.Steps...), a.Detail...) {
		for _, id := range s.Citations {
			cited[id] = true
		}
	}
	if len(c.Docs) > 0 {
		hit := false
		for _, d := range c.Docs {
			if cited[d] {
				hit = true
				res.DocsFound++
			}
		}
		res.DocHit = &hit
	}
	text := strings.ToLower(a.Text)
	for _, f := range c.Facts {
		ok := false
		for _, alt := range strings.Split(f, "|") {
			if alt = strings.ToLower(strings.TrimSpace(alt)); alt != "" && strings.Contains(text, alt) {
				ok = true
				break
			}
		}
		if ok {
			res.FactsFound++
		} else {
			res.MissingFacts = append(res.MissingFacts, f)
		}
	}
	res.Numbers, res.Grounded, res.Ungrounded = a.Grounding.Numbers, a.Grounding.Grounded, a.Grounding.Ungrounded
	if agent.DetectLang(c.Question) == "ko" {
		res.NotKorean = notKorean(a)
		ok := len(res.NotKorean) == 0
		res.LangOK = &ok
	}
	if c.Asset != "" {
		res.Mislabelled = mislabelled(c, a)
		ok := len(res.Mislabelled) == 0
		res.AssetOK = &ok
	}
	for _, s := range a.Steps {
		res.Steps++
		if recordRe.MatchString(s.Text) || koRecordRe.MatchString(s.Text) {
			res.Records++
			res.RecordOut = append(res.RecordOut, s.Text)
		}
	}
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

// WriteText prints the report for people.
func WriteText(out io.Writer, rep Report) error {
	var w strings.Builder
	fmt.Fprintf(&w, "Gemba eval · mode %s · %d cases · %s\n", rep.Mode, rep.Cases, rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&w, "  tool routing accuracy  %5.1f%%\n", 100*rep.ToolRouting)
	fmt.Fprintf(&w, "  citation hit rate      %5.1f%%   (recall of expected documents %.1f%%)\n", 100*rep.CitationHit, 100*rep.CitationRecall)
	fmt.Fprintf(&w, "  numeric grounding      %5.1f%%   (%d numbers)\n", 100*rep.NumericGrounding, rep.Numbers)
	fmt.Fprintf(&w, "  facts present          %5.1f%%\n", 100*rep.Facts)
	fmt.Fprintf(&w, "  korean sections        %5.1f%%   (Korean questions answered in Korean in every section)\n", 100*rep.Language)
	fmt.Fprintf(&w, "  asset match            %5.1f%%   (other machines' incidents cited only as similar cases)\n", 100*rep.AssetMatch)
	fmt.Fprintf(&w, "  imperative steps       %5.1f%%   (first steps worded as instructions, not copied records)\n", 100*rep.Imperative)
	fmt.Fprintf(&w, "  latency p50 %d ms, p95 %d ms; errors %d\n", rep.P50LatencyMS, rep.P95LatencyMS, rep.Errors)
	for _, r := range rep.Results {
		var problems []string
		if r.Error != "" {
			problems = append(problems, "error: "+r.Error)
		}
		if len(r.MissingTools) > 0 {
			problems = append(problems, "missing tools "+strings.Join(r.MissingTools, ","))
		}
		if r.DocHit != nil && !*r.DocHit {
			problems = append(problems, "no expected document cited (cited "+strings.Join(r.Cited, ",")+")")
		}
		if len(r.MissingFacts) > 0 {
			problems = append(problems, "missing facts "+strings.Join(r.MissingFacts, ","))
		}
		if len(r.Ungrounded) > 0 {
			problems = append(problems, "ungrounded "+strings.Join(r.Ungrounded, ","))
		}
		if len(r.NotKorean) > 0 {
			problems = append(problems, "not Korean: "+strings.Join(r.NotKorean, ","))
		}
		if len(r.Mislabelled) > 0 {
			problems = append(problems, "other machine's incident not labelled: "+strings.Join(r.Mislabelled, ","))
		}
		if r.Records > 0 {
			problems = append(problems, fmt.Sprintf("%d step(s) copied as records", r.Records))
		}
		mark := "ok  "
		if len(problems) > 0 {
			mark = "MISS"
		}
		fmt.Fprintf(&w, "  %s %-24s %s", mark, r.ID, r.Mode)
		if len(problems) > 0 {
			fmt.Fprintf(&w, "  %s", strings.Join(problems, "; "))
		}
		fmt.Fprintln(&w)
	}
	_, err := io.WriteString(out, w.String())
	return err
}
