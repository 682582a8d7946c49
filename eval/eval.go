// Package eval measures the agent on Gemba's evaluation set over the demo
// plant: tool routing (did the expected tools run), citation hits (did the
// answer cite an expected document), numeric grounding (share of numbers in
// answers found in tool results) and facts (does the answer say what it
// must). `gemba eval` runs it offline by default and against the configured
// LLM when there is one.
package eval

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/agent"
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
	LatencyMS    int64    `json:"latency_ms"`
	Error        string   `json:"error,omitempty"`
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
	Facts        float64       `json:"facts"`
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
	var lat []int64
	modes := map[string]int{}
	for _, c := range cases {
		thread := c.Thread
		if thread == "" {
			thread = c.ID
		}
		res := Result{ID: c.ID, Question: c.Question, DocsExpected: len(c.Docs), FactsTotal: len(c.Facts)}
		ans, err := a.Ask(ctx, agent.Request{ThreadKey: "eval:" + runID + ":" + thread, Channel: "eval", UserID: "eval", Question: c.Question})
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
		lat = append(lat, res.LatencyMS)
		rep.Results = append(rep.Results, res)
	}
	rep.ToolRouting = ratio(toolsOK, len(cases))
	rep.CitationHit = ratio(docHits, docCases)
	rep.CitationRecall = ratio(docsFound, docsExp)
	rep.NumericGrounding = ratio(grounded, numbers)
	rep.Facts = ratio(facts, factsTotal)
	rep.Numbers = numbers
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
}

// WriteText prints the report for people.
func WriteText(out io.Writer, rep Report) error {
	var w strings.Builder
	fmt.Fprintf(&w, "Gemba eval · mode %s · %d cases · %s\n", rep.Mode, rep.Cases, rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&w, "  tool routing accuracy  %5.1f%%\n", 100*rep.ToolRouting)
	fmt.Fprintf(&w, "  citation hit rate      %5.1f%%   (recall of expected documents %.1f%%)\n", 100*rep.CitationHit, 100*rep.CitationRecall)
	fmt.Fprintf(&w, "  numeric grounding      %5.1f%%   (%d numbers)\n", 100*rep.NumericGrounding, rep.Numbers)
	fmt.Fprintf(&w, "  facts present          %5.1f%%\n", 100*rep.Facts)
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
