// Package eval measures the agent on Gemba's evaluation set over the demo
// plant. Each case is a question as a user would phrase it (vague,
// misspelled, Korean, plant-wide, about things the plant does not have,
// follow-ups that add facts) with the behaviours the answer must show:
// the tools called and not called, the window of a call in plant time, the
// horizon of a forecast, abstention, the order of a ranking, no step that
// touches equipment without evidence, one number per anomaly event, facts
// present and absent, the answer's language and confidence.
//
// The set is split by a fixed rule (a hash of the case's thread, so a
// thread stays whole) into a dev split, used while tuning, and a frozen
// test split, whose per-case results are not printed unless asked for.
// `gemba eval` runs it offline by default and against the configured LLM
// when there is one, and reports both splits.
package eval

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

//go:embed questions.yaml
var questionsYAML []byte

//go:embed history.yaml
var historyYAML []byte

// Case is one evaluation question and the behaviours its answer must show.
// Every field but ID and Question is optional; a case needs at least one
// expectation.
type Case struct {
	ID       string `yaml:"id" json:"id"`
	Thread   string `yaml:"thread,omitempty" json:"thread,omitempty"`
	Question string `yaml:"question" json:"question"`
	// Note says why the case exists (a problem it reproduces, a phrase it covers).
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
	// Tools must each be called; NoTools must not be.
	Tools   []string `yaml:"tools,omitempty" json:"tools,omitempty"`
	NoTools []string `yaml:"no_tools,omitempty" json:"no_tools,omitempty"`
	// Targets, when set, are the only assets, lines and series the plant
	// tools may be called on (a series counts under its asset or line); an
	// empty list allows none.
	Targets *[]string `yaml:"targets,omitempty" json:"targets,omitempty"`
	// Window expects a call of a tool over a window in plant time.
	Window *WindowExp `yaml:"window,omitempty" json:"window,omitempty"`
	// Horizon expects a forecast reaching a moment in plant time.
	Horizon *HorizonExp `yaml:"horizon,omitempty" json:"horizon,omitempty"`
	// Abstain: the answer gives no steps, its confidence is low, and it
	// says plainly what it cannot answer.
	Abstain bool `yaml:"abstain,omitempty" json:"abstain,omitempty"`
	// Unknown are names the plant does not have: each must be named in the
	// answer, and none may be answered as another (see Targets).
	Unknown []string `yaml:"unknown,omitempty" json:"unknown,omitempty"`
	// Rank are names the answer must list in this order.
	Rank []string `yaml:"rank,omitempty" json:"rank,omitempty"`
	// EquipmentSteps false: no step may touch equipment; true: at least one must.
	EquipmentSteps *bool `yaml:"equipment_steps,omitempty" json:"equipment_steps,omitempty"`
	// Confidence lists the confidence levels allowed.
	Confidence []string `yaml:"confidence,omitempty" json:"confidence,omitempty"`
	// Docs: at least one must be cited; Facts: each must appear ("a|b"
	// accepts either, case-insensitive); Absent: none may appear.
	Docs   []string `yaml:"docs,omitempty" json:"docs,omitempty"`
	Facts  []string `yaml:"facts,omitempty" json:"facts,omitempty"`
	Absent []string `yaml:"absent,omitempty" json:"absent,omitempty"`
	// Asset is the machine the question is about: every cited incident of
	// another machine must be presented as a similar case on that machine
	// ("similar case on press-2", "press-2 유사 사례"), never as the asked
	// machine's own, and Incident, when set, must be the answer's first
	// incident of the asset's own.
	Asset    string `yaml:"asset,omitempty" json:"asset,omitempty"`
	Incident string `yaml:"incident,omitempty" json:"incident,omitempty"`
	// ScopeAsset and ScopeLine ask from a channel bound to them.
	ScopeAsset string `yaml:"scope_asset,omitempty" json:"scope_asset,omitempty"`
	ScopeLine  string `yaml:"scope_line,omitempty" json:"scope_line,omitempty"`
}

func (c Case) expectations() int {
	n := len(c.Tools) + len(c.NoTools) + len(c.Docs) + len(c.Facts) + len(c.Absent) + len(c.Rank) + len(c.Unknown) + len(c.Confidence)
	for _, set := range []bool{c.Targets != nil, c.Window != nil, c.Horizon != nil, c.Abstain, c.EquipmentSteps != nil, c.Asset != ""} {
		if set {
			n++
		}
	}
	return n
}

// Split names the split a case belongs to: "test" (frozen) or "dev". The
// rule is fixed: FNV-1a of the thread (or the id for a lone question)
// modulo 100 below 40 is test, so follow-ups stay with their thread and a
// new case lands in a split without anyone choosing it.
func Split(c Case) string {
	key := c.Thread
	if key == "" {
		key = c.ID
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	if h.Sum32()%100 < 40 {
		return SplitTest
	}
	return SplitDev
}

// The splits of the evaluation set.
const (
	SplitDev  = "dev"
	SplitTest = "test"
)

// Load returns the embedded evaluation set.
func Load() ([]Case, error) { return Parse(questionsYAML) }

// LoadHistory returns the embedded evaluation set over an imported
// history (the committed Azure PdM slice; see history.yaml): questions
// about dates in the past, asked long after the data ends.
func LoadHistory() ([]Case, error) { return Parse(historyYAML) }

// Parse reads an evaluation set; every case needs an id, a question and at
// least one expectation, ids are unique and expected times readable.
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
	probe := Clock{Now: time.Date(2026, 3, 4, 10, 20, 0, 0, time.UTC), Location: time.UTC}
	for i, c := range f.Cases {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("eval: case %d: no id", i+1)
		case seen[c.ID]:
			return nil, fmt.Errorf("eval: case %s: duplicate id", c.ID)
		case strings.TrimSpace(c.Question) == "":
			return nil, fmt.Errorf("eval: case %s: no question", c.ID)
		case c.expectations() == 0:
			return nil, fmt.Errorf("eval: case %s: no expected behaviour", c.ID)
		}
		if w := c.Window; w != nil {
			for _, e := range []string{w.Since, w.Until} {
				if _, err := probe.At(e); e != "" && err != nil {
					return nil, fmt.Errorf("eval: case %s: window: %w", c.ID, err)
				}
			}
			if w.Tool == "" || w.Since == "" {
				return nil, fmt.Errorf("eval: case %s: a window needs a tool and since", c.ID)
			}
		}
		if h := c.Horizon; h != nil {
			if _, err := probe.At(h.Until); err != nil || h.Tool == "" {
				return nil, fmt.Errorf("eval: case %s: a horizon needs a tool and a readable until: %w", c.ID, err)
			}
		}
		seen[c.ID] = true
	}
	return f.Cases, nil
}

// Asker answers a question; *agent.Runner satisfies it.
type Asker interface {
	Ask(ctx context.Context, r agent.Request) (*agent.Answer, error)
}

// Options configure a run.
type Options struct {
	// RunID keeps the threads of one run apart from earlier runs.
	RunID string
	// Clock is the moment questions are asked and the plant's calendar;
	// a zero Now asks at time.Now.
	Clock Clock
}

// Check is one expected behaviour of a case and whether it held.
type Check struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Got says what the answer did instead, when it failed.
	Got string `json:"got,omitempty"`
}

// Result is the outcome of one case.
type Result struct {
	ID          string   `json:"id"`
	Split       string   `json:"split"`
	Question    string   `json:"question"`
	Mode        string   `json:"mode"`
	Lang        string   `json:"lang"`
	ToolsCalled []string `json:"tools_called"`
	Cited       []string `json:"cited,omitempty"`
	Checks      []Check  `json:"checks"`
	// Held and Total count the case's behaviours.
	Held  int `json:"held"`
	Total int `json:"total"`
	// Numbers and Grounded are the answer's numeric grounding.
	Numbers    int      `json:"numbers"`
	Grounded   int      `json:"grounded"`
	Ungrounded []string `json:"ungrounded,omitempty"`
	// UnsupportedSteps lists steps that touch equipment without evidence.
	UnsupportedSteps []string `json:"unsupported_steps,omitempty"`
	// Swapped is set when an unknown thing was answered as another.
	Swapped bool `json:"swapped,omitempty"`
	// EventNumbers lists events stated with more than one σ or onset.
	EventNumbers []string `json:"event_numbers,omitempty"`
	LatencyMS    int64    `json:"latency_ms"`
	Error        string   `json:"error,omitempty"`
}

// Summary sums up the cases of one split.
type Summary struct {
	Cases int `json:"cases"`
	// Behaviours is the share of expected behaviours that held.
	Behaviours float64 `json:"behaviours"`
	Held       int     `json:"held"`
	Total      int     `json:"total"`
	// CasesPassed counts cases whose every behaviour held.
	CasesPassed int `json:"cases_passed"`
	// NumericGrounding is the share of numbers in answers found in tool results.
	NumericGrounding float64 `json:"numeric_grounding"`
	Numbers          int     `json:"numbers"`
	// UnsupportedSteps counts steps that touch equipment without evidence.
	UnsupportedSteps int `json:"unsupported_equipment_steps"`
	// Swapped counts unknown things answered as something else.
	Swapped int `json:"unknown_answered_as_another"`
	// EventNumbers counts answers that state one event with several numbers.
	EventNumbers int `json:"events_with_several_numbers"`
	// ByCheck is the share of each kind of check that held.
	ByCheck      map[string]float64 `json:"by_check"`
	Errors       int                `json:"errors"`
	P50LatencyMS int64              `json:"p50_latency_ms"`
	P95LatencyMS int64              `json:"p95_latency_ms"`
}

// Report is a run over both splits.
type Report struct {
	Mode    string              `json:"mode"`
	Cases   int                 `json:"cases"`
	Now     time.Time           `json:"now"`
	Splits  map[string]*Summary `json:"splits"`
	Elapsed time.Duration       `json:"elapsed_ns"`
	Results []Result            `json:"results"`
}

// Run asks every case in order (follow-ups share a thread key per run) at
// one moment and scores the answers.
func Run(ctx context.Context, a Asker, cases []Case, o Options) Report {
	began := time.Now()
	if o.Clock.Now.IsZero() {
		o.Clock.Now = time.Now()
	}
	if o.Clock.Location == nil {
		o.Clock.Location = time.UTC
	}
	if o.RunID == "" {
		o.RunID = fmt.Sprint(began.UnixNano())
	}
	rep := Report{Cases: len(cases), Now: o.Clock.Now, Splits: map[string]*Summary{}}
	modes := map[string]int{}
	for _, c := range cases {
		thread := c.Thread
		if thread == "" {
			thread = c.ID
		}
		res := Result{ID: c.ID, Split: Split(c), Question: c.Question}
		req := agent.Request{ThreadKey: "eval:" + o.RunID + ":" + thread, Channel: "eval", UserID: "eval", Question: c.Question,
			Scope: tools.Scope{Asset: c.ScopeAsset, Line: c.ScopeLine}, Now: o.Clock.Now}
		ans, err := a.Ask(ctx, req)
		if err != nil {
			res.Error = err.Error()
			res.Total = max(1, c.expectations())
			res.Checks = []Check{{Name: "answer", Got: err.Error()}}
		} else {
			score(&res, c, ans, o.Clock)
			modes[ans.Mode]++
		}
		rep.Results = append(rep.Results, res)
	}
	for _, split := range []string{SplitDev, SplitTest} {
		rep.Splits[split] = summarize(rep.Results, split)
	}
	var ms []string
	for m := range modes {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	rep.Mode = strings.Join(ms, "+")
	rep.Elapsed = time.Since(began)
	return rep
}

func summarize(results []Result, split string) *Summary {
	s := &Summary{ByCheck: map[string]float64{}}
	held, total := map[string]int{}, map[string]int{}
	var grounded int
	var lat []int64
	for _, r := range results {
		if r.Split != split {
			continue
		}
		s.Cases++
		s.Held += r.Held
		s.Total += r.Total
		if r.Held == r.Total {
			s.CasesPassed++
		}
		if r.Error != "" {
			s.Errors++
			continue
		}
		s.Numbers += r.Numbers
		grounded += r.Grounded
		s.UnsupportedSteps += len(r.UnsupportedSteps)
		if r.Swapped {
			s.Swapped++
		}
		if len(r.EventNumbers) > 0 {
			s.EventNumbers++
		}
		for _, c := range r.Checks {
			kind, _, _ := strings.Cut(c.Name, " ")
			total[kind]++
			if c.OK {
				held[kind]++
			}
		}
		lat = append(lat, r.LatencyMS)
	}
	s.Behaviours = ratio(s.Held, s.Total)
	s.NumericGrounding = ratio(grounded, s.Numbers)
	for k, n := range total {
		s.ByCheck[k] = ratio(held[k], n)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if n := len(lat); n > 0 {
		s.P50LatencyMS = lat[n/2]
		s.P95LatencyMS = lat[min(n-1, (n*95+99)/100-1)]
	}
	return s
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// WriteOptions steer the text report.
type WriteOptions struct {
	// ShowTest prints the frozen test split's cases one by one too; by
	// default only its figures are printed, so it is not tuned against.
	ShowTest bool
}

// WriteText prints the report for people: both splits' figures, then the
// dev split's cases (and the test split's with ShowTest).
func WriteText(out io.Writer, rep Report, o WriteOptions) error {
	var w strings.Builder
	fmt.Fprintf(&w, "Gemba eval · mode %s · %d cases · asked at %s · %s\n", rep.Mode, rep.Cases, rep.Now.UTC().Format(time.RFC3339), rep.Elapsed.Round(time.Millisecond))
	for _, split := range []string{SplitDev, SplitTest} {
		s := rep.Splits[split]
		if s == nil {
			continue
		}
		label := split
		if split == SplitTest {
			label = "test (frozen)"
		}
		fmt.Fprintf(&w, "  %-14s %3d cases  behaviours %5.1f%% (%d/%d)  cases passed %d/%d\n", label, s.Cases, 100*s.Behaviours, s.Held, s.Total, s.CasesPassed, s.Cases)
		fmt.Fprintf(&w, "                 equipment steps without evidence %d · unknown answered as another %d · events with several numbers %d\n",
			s.UnsupportedSteps, s.Swapped, s.EventNumbers)
		fmt.Fprintf(&w, "                 numeric grounding %5.1f%% (%d numbers) · latency p50 %d ms, p95 %d ms · errors %d\n",
			100*s.NumericGrounding, s.Numbers, s.P50LatencyMS, s.P95LatencyMS, s.Errors)
		var kinds []string
		for k := range s.ByCheck {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", k, 100*s.ByCheck[k]))
		}
		fmt.Fprintf(&w, "                 %s\n", strings.Join(parts, " · "))
	}
	for _, r := range rep.Results {
		if r.Split == SplitTest && !o.ShowTest {
			continue
		}
		var problems []string
		for _, c := range r.Checks {
			if !c.OK {
				p := c.Name
				if c.Got != "" {
					p += " (" + c.Got + ")"
				}
				problems = append(problems, p)
			}
		}
		if len(r.Ungrounded) > 0 {
			problems = append(problems, "ungrounded "+strings.Join(r.Ungrounded, ","))
		}
		mark := "ok  "
		if len(problems) > 0 {
			mark = "MISS"
		}
		fmt.Fprintf(&w, "  %s %-5s %-28s %s", mark, r.Split, r.ID, r.Mode)
		if len(problems) > 0 {
			fmt.Fprintf(&w, "  %s", strings.Join(problems, "; "))
		}
		fmt.Fprintln(&w)
	}
	_, err := io.WriteString(out, w.String())
	return err
}
