package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/planner"
	"github.com/gemba-ai/gemba/tools"
)

func TestEvalSetIsWellFormed(t *testing.T) {
	t.Parallel()
	cases, err := Load()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 200)
	korean, followUps, test := 0, 0, 0
	threads := map[string]int{}
	for _, c := range cases {
		if agent.DetectLang(c.Question) == "ko" {
			korean++
		}
		if c.Thread != "" {
			threads[c.Thread]++
		}
		if Split(c) == SplitTest {
			test++
		}
	}
	for _, n := range threads {
		followUps += n - 1
	}
	require.GreaterOrEqual(t, korean, 50)
	require.GreaterOrEqual(t, followUps, 15)
	require.GreaterOrEqual(t, test, 80, "the frozen test split")

	_, err = Parse([]byte("cases:\n  - id: a\n    question: q\n"))
	require.ErrorContains(t, err, "no expected behaviour")
	_, err = Parse([]byte("cases:\n  - {id: a, question: q, tools: [x]}\n  - {id: a, question: q, tools: [x]}\n"))
	require.ErrorContains(t, err, "duplicate id")
	_, err = Parse([]byte("cases:\n  - {id: a, question: q, tools: [x], typo: 1}\n"))
	require.ErrorContains(t, err, "typo")
	_, err = Parse([]byte("cases:\n  - {id: a, question: q, window: {tool: x, since: yesterday}}\n"))
	require.ErrorContains(t, err, "cannot read the time")
}

// TestSplitIsFixed: the split follows the thread, not the case, and does
// not change between runs.
func TestSplitIsFixed(t *testing.T) {
	t.Parallel()
	a := Case{ID: "one", Thread: "t9"}
	b := Case{ID: "two", Thread: "t9"}
	require.Equal(t, Split(a), Split(b))
	require.Equal(t, Split(Case{ID: "press3-vibration"}), Split(Case{ID: "press3-vibration"}))
}

// TestClockReadsPlantTime: expected windows are plant time in the plant's
// zone and shift calendar.
func TestClockReadsPlantTime(t *testing.T) {
	t.Parallel()
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	// Wednesday 2026-03-04 10:20 in Seoul.
	clk := Clock{Now: time.Date(2026, 3, 4, 10, 20, 0, 0, seoul), Location: seoul,
		ShiftStarts: []time.Duration{6 * time.Hour, 14 * time.Hour, 22 * time.Hour}}
	cases := map[string]string{
		"now":              "2026-03-04 10:20",
		"now-24h":          "2026-03-03 10:20",
		"now+48h":          "2026-03-06 10:20",
		"day":              "2026-03-04 00:00",
		"day-1":            "2026-03-03 00:00",
		"day+2":            "2026-03-06 00:00",
		"day@06:00":        "2026-03-04 06:00",
		"day-1@22:00":      "2026-03-03 22:00",
		"shift":            "2026-03-04 06:00",
		"shift-1":          "2026-03-03 22:00",
		"shift+1":          "2026-03-04 14:00",
		"shift+2":          "2026-03-04 22:00",
		"week":             "2026-03-02 00:00",
		"week-1":           "2026-02-23 00:00",
		"week+2":           "2026-03-16 00:00",
		"date:03-18":       "2025-03-18 00:00",
		"date:02-20":       "2026-02-20 00:00",
		"date:11-20@06:00": "2025-11-20 06:00",
	}
	for expr, want := range cases {
		got, err := clk.At(expr)
		require.NoError(t, err, expr)
		require.Equal(t, want, got.In(seoul).Format("2006-01-02 15:04"), expr)
	}
	_, err = clk.At("yesterday")
	require.Error(t, err)

	now := clk.Now
	s, u, ok := callWindow(map[string]any{"since": "2026-03-03T15:00:00Z", "until": "2026-03-04T01:20:00Z"}, now)
	require.True(t, ok)
	require.Equal(t, "2026-03-04 00:00", s.In(seoul).Format("2006-01-02 15:04"))
	require.Equal(t, "2026-03-04 10:20", u.In(seoul).Format("2006-01-02 15:04"))
	s, _, ok = callWindow(map[string]any{"hours": 24.0}, now)
	require.True(t, ok)
	require.Equal(t, "2026-03-03 10:20", s.In(seoul).Format("2006-01-02 15:04"))
	end, ok := callHorizon(map[string]any{"horizon_hours": 38.0}, now)
	require.True(t, ok)
	require.Equal(t, "2026-03-06 00:20", end.In(seoul).Format("2006-01-02 15:04"))
}

func newRunner(t testing.TB, d *demoPlant, model agent.Model) *agent.Runner {
	t.Helper()
	r, err := agent.New(agent.Options{
		Model: model, ModelName: "scripted", Tools: d.registry(), Store: agent.NewStore(d.pool), Docs: d.docs,
		Planner: planner.New(planner.Options{}), Plant: d.defaults,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return d.now },
	})
	require.NoError(t, err)
	return r
}

// TestOfflineEval runs the whole evaluation set through the offline planner
// on the seeded demo plant and holds the figures to a floor. Only the dev
// split's cases are printed; the frozen test split shows its figures.
func TestOfflineEval(t *testing.T) {
	if raceDetector {
		t.Skip("the evaluation runs against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	cases, err := Load()
	require.NoError(t, err)
	rep := Run(context.Background(), newRunner(t, d, nil), cases, Options{RunID: fmt.Sprint(time.Now().UnixNano()), Clock: d.clock()})
	var buf bytes.Buffer
	require.NoError(t, WriteText(&buf, rep, WriteOptions{ShowTest: os.Getenv("GEMBA_EVAL_SHOW_TEST") != ""}))
	t.Log("\n" + buf.String())
	if path := os.Getenv("GEMBA_EVAL_DUMP"); path != "" {
		// A development aid: every case's answer and checks, to compare two
		// runs (GEMBA_EVAL_DUMP=/tmp/after.json).
		b, err := json.MarshalIndent(rep.Results, "", " ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b, 0o600))
	}
	require.Equal(t, "offline", rep.Mode)
	dev, test := rep.Splits[SplitDev], rep.Splits[SplitTest]
	for _, s := range []*Summary{dev, test} {
		require.Zero(t, s.Errors)
		require.Zero(t, s.UnsupportedSteps, "steps that touch equipment without evidence")
		require.Zero(t, s.Swapped, "unknown things answered as another")
		require.GreaterOrEqual(t, s.NumericGrounding, 0.97)
	}
	require.GreaterOrEqual(t, dev.Behaviours, evalFloorDev)
	require.GreaterOrEqual(t, test.Behaviours, evalFloorTest)
	// A sanity bound on a shared CI machine; BenchmarkOfflineAnswers
	// measures the target (p95 ≤ 1 s).
	require.LessOrEqual(t, test.P95LatencyMS, int64(3000))
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	require.Contains(t, string(b), `"behaviours"`)
}

// The floors of the offline eval: the frozen split's is the bar
// (95 % of expected behaviours); the dev split's is where tuning left it.
const (
	evalFloorDev  = 0.97
	evalFloorTest = 0.95
)

// BenchmarkOfflineAnswers measures the offline planner's answer latency on
// the demo plant over the whole evaluation set: one pass to warm the
// tools' caches (its p95 is reported as p95-cold-ms), then each iteration
// asks every question again. Follow-ups keep their threads.
func BenchmarkOfflineAnswers(b *testing.B) {
	d := openDemo(b)
	cases, err := Load()
	require.NoError(b, err)
	r := newRunner(b, d, nil)
	ctx := context.Background()
	pass := func(run string) []time.Duration {
		var lat []time.Duration
		for _, c := range cases {
			thread := c.Thread
			if thread == "" {
				thread = c.ID
			}
			began := time.Now()
			if _, err := r.Ask(ctx, agent.Request{ThreadKey: "bench:" + run + ":" + thread, Question: c.Question, Now: d.now,
				Scope: tools.Scope{Asset: c.ScopeAsset, Line: c.ScopeLine}}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(began))
		}
		return lat
	}
	cold := pass(fmt.Sprint("cold-", time.Now().UnixNano()))
	var warm []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		warm = append(warm, pass(fmt.Sprint("warm-", time.Now().UnixNano(), "-", i))...)
	}
	b.StopTimer()
	b.ReportMetric(float64(pct(warm, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(warm, 95).Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(pct(warm, 100).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(pct(cold, 95).Microseconds())/1000, "p95-cold-ms")
}

// TestChecksCatchKnownProblems: the eval's checks flag a Korean answer
// with an English section, another machine's incident cited as the asked
// machine's, steps copied from past-tense records, steps that touch
// equipment without evidence, one event stated with two σ, and an unknown
// asset answered as another; and pass the fixed forms.
func TestChecksCatchKnownProblems(t *testing.T) {
	t.Parallel()
	inc2 := tools.Citation{ID: "INC-2024-059", Title: "press-2 crankshaft bearing vibration caught early", Kind: "incident"}
	inc3 := tools.Citation{ID: "INC-1003", Title: "press-3 main crankshaft bearing failed", Kind: "incident"}
	rb := tools.Citation{ID: "RB-011", Title: "베어링 점검 및 교체 절차", Kind: "runbook"}
	detected := []agent.ToolTrace{{Tool: "detect_anomalies", Args: map[string]any{"asset": "press-3"}, Summary: "1 anomaly event(s) on press-3; strongest: …"}}
	quiet := []agent.ToolTrace{{Tool: "detect_anomalies", Args: map[string]any{"asset": "filler-1"}, Summary: "filler-1: no significant anomalies between …"}}
	cases := []struct {
		name   string
		c      Case
		a      agent.Answer
		failed []string // the checks that must fail; every other must hold
		swap   bool
	}{
		{name: "Korean answer with an English cause and a record as a step",
			c: Case{Question: "프레스 3호기 진동이 심해요", Asset: "press-3"},
			a: agent.Answer{Lang: "ko", Situation: "press-3 진동 이상", Cause: "press-3 vibration up 26.8σ since 2026-11-25",
				Steps:     []agent.Step{{Text: "Press locked out (RB-LOTO), flywheel brought to rest and blocked.", Citations: []string{"INC-1003"}, TouchesEquipment: true, Basis: agent.BasisSensor}},
				Citations: []tools.Citation{inc3}, Escalate: "보전 리더에게 알리세요.", Trace: detected},
			failed: []string{"korean", "imperative"}},
		{name: "Korean answer, every section Korean, English quote framed",
			c: Case{Question: "프레스 3호기 진동이 심해요", Asset: "press-3", Incident: "INC-1003"},
			a: agent.Answer{Lang: "ko", Situation: "press-3 진동 이상", Cause: "과거 사례 INC-1003 기준: worn bearing",
				Steps:     []agent.Step{{Text: "그리스 공급을 확인한다.", Citations: []string{"RB-011", "INC-1003"}, Reason: "INC-1003의 기록된 조치: Bearing replaced."}},
				Citations: []tools.Citation{rb, inc3}, Escalate: "보전 리더에게 알리세요."}},
		{name: "press-2 incident cited as if it were press-3's",
			c: Case{Question: "press 3 vibration, seen before?", Asset: "press-3", Incident: "INC-1003"},
			a: agent.Answer{Lang: "en", Situation: "press-3 vibration is rising", Cause: "As in INC-2024-059: worn bearing",
				Steps:     []agent.Step{{Text: "Bearing replaced during the planned stop.", Citations: []string{"INC-2024-059"}}},
				Citations: []tools.Citation{inc2}},
			failed: []string{"asset", "imperative", "evidence"}},
		{name: "press-2 incident cited as a similar case, step backed by a report",
			c: Case{Question: "press 3 V-belt slipping, seen before?", Asset: "press-3"},
			a: agent.Answer{Lang: "en", Situation: "No sensor evidence", Cause: "Not a press-3 case: in a similar case on press-2 (INC-2024-059), worn bearing",
				Steps:     []agent.Step{{Text: "Replace the bearing at the next planned stop.", Citations: []string{"INC-2024-059"}, TouchesEquipment: true, Basis: agent.BasisReport}},
				Citations: []tools.Citation{inc2}, DocAssets: map[string]string{"INC-2024-059": "press-2"}}},
		{name: "LOTO filter change though the detector found nothing",
			c: Case{Question: "filler-1 pressure looks off", EquipmentSteps: ptr(false)},
			a: agent.Answer{Lang: "en", Situation: "filler-1: no significant anomalies",
				Steps: []agent.Step{{Text: "Apply RB-LOTO; depressurise the line.", TouchesEquipment: true, SOP: "RB-LOTO", Basis: agent.BasisSensor}},
				Trace: quiet},
			failed: []string{"equipment_steps", "evidence"}},
		{name: "one drift with two σ and two onsets",
			c: Case{Question: "why is press 3 vibrating?", Tools: []string{"detect_anomalies"}},
			a: agent.Answer{Lang: "en", Situation: "press-3 vibration up 25.4σ since 2026-12-04T20:10Z.",
				Cause: "press-3 vibration up 26.7σ since 2026-12-04T10:10Z; a trend change.", Trace: detected},
			failed: []string{"event"}},
		{name: "unknown robot answered about press-3",
			c: Case{Question: "what's wrong with robot-7 on line-4?", Unknown: []string{"robot-7"}, Targets: &[]string{}, Abstain: true},
			a: agent.Answer{Lang: "en", Situation: "press-3 vibration up 25.4σ.", Confidence: "high",
				Trace: []agent.ToolTrace{{Tool: "detect_anomalies", Args: map[string]any{"line": "line-1"}, Summary: "1 anomaly event(s)"}}},
			failed: []string{"targets", "abstain", "unknown robot-7"}, swap: true},
		{name: "unknown robot said plainly",
			c: Case{Question: "what's wrong with robot-7 on line-4?", Unknown: []string{"robot-7"}, Targets: &[]string{}, Abstain: true},
			a: agent.Answer{Lang: "en", Situation: "There is no robot-7 and no line-4 in this plant. Assets: press-1…", Confidence: "low"}},
	}
	clk := Clock{Now: time.Now(), Location: time.UTC}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.c.ID = "x"
			var res Result
			score(&res, c.c, &c.a, clk)
			var failed []string
			for _, ch := range res.Checks {
				if !ch.OK {
					failed = append(failed, ch.Name)
				}
			}
			require.ElementsMatch(t, c.failed, failed, "%+v", res.Checks)
			require.Equal(t, c.swap, res.Swapped)
			require.Equal(t, len(res.Checks), res.Total)
		})
	}
	require.Equal(t, "press-2", assetOf(&agent.Answer{}, tools.Citation{Title: "프레스-2 크랭크축 베어링 마모"}))
	require.Equal(t, "filler-1", assetOf(&agent.Answer{}, tools.Citation{Title: "충전기 1 필터"}))
}

func ptr[T any](v T) *T { return &v }

// scriptedModel answers like a quick model: three tool calls on the first
// step of a turn, then a short grounded answer built from the tool results.
func scriptedModel(req llmtest.Request) llmtest.Reply {
	if req.Last().Role != "tool" {
		return llmtest.CallTools(
			llmtest.Call("detect_anomalies", `{"asset":"press-3"}`),
			llmtest.Call("search_incidents", `{"query":"press-3 vibration rising bearing","asset":"press-3"}`),
			llmtest.Call("get_document", `{"id":"RB-bearing-inspection"}`),
		)
	}
	return llmtest.Final(`{"situation":"press-3 vibration is rising (see detect_anomalies).","cause":"Bearing wear, as in INC-1003.",
"steps":[{"text":"Check lubrication and trend vibration every shift","reason":"alert level per the runbook","citations":["RB-bearing-inspection"]},
{"text":"Plan a bearing replacement at the next stop","citations":["INC-1003","RB-bearing-inspection"],"touches_equipment":true,"sop":"RB-bearing-inspection"}],
"confidence":"medium","escalate":"If it reaches the Danger level, call the maintenance lead."}`)
}

// BenchmarkAgentOverhead measures what the agent adds to one answer when
// the model answers instantly: a turn with three tool calls on the demo
// data, then the final answer, grounding, and the audit write. Overhead is
// the answer's wall time minus the slowest tool call (they run
// concurrently; tool durations are recorded in whole milliseconds).
func BenchmarkAgentOverhead(b *testing.B) {
	d := openDemo(b)
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.Respond(scriptedModel)
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(b, err)
	r := newRunner(b, d, model)
	ctx := context.Background()
	for i := range 3 { // warm the tools' caches and the connection pool
		if _, err := r.Ask(ctx, agent.Request{ThreadKey: fmt.Sprintf("bench:warm:%d:%d", time.Now().UnixNano(), i), Question: "press 3?"}); err != nil {
			b.Fatal(err)
		}
	}
	var overhead, total []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		began := time.Now()
		a, err := r.Ask(ctx, agent.Request{ThreadKey: fmt.Sprintf("bench:%d:%d", time.Now().UnixNano(), i), Question: "press 3 vibration is rising, what now?"})
		lat := time.Since(began)
		if err != nil {
			b.Fatal(err)
		}
		if a.Mode != agent.ModeLLM || len(a.Trace) != 3 {
			b.Fatalf("mode %s, %d tool calls: %v", a.Mode, len(a.Trace), a.Warnings)
		}
		var slowest int64
		for _, tr := range a.Trace {
			if tr.Error != "" {
				b.Fatalf("%s: %s", tr.Tool, tr.Error)
			}
			slowest = max(slowest, tr.DurationMS)
		}
		total = append(total, lat)
		overhead = append(overhead, lat-time.Duration(slowest)*time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(pct(overhead, 50).Microseconds())/1000, "p50-overhead-ms")
	b.ReportMetric(float64(pct(overhead, 95).Microseconds())/1000, "p95-overhead-ms")
	b.ReportMetric(float64(pct(total, 95).Microseconds())/1000, "p95-total-ms")
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

// TestScriptedTurnOnDemoData is the benchmark's turn as a test: the model's
// three calls run on the real demo tools and the answer keeps its citations.
func TestScriptedTurnOnDemoData(t *testing.T) {
	d := openDemo(t)
	srv := llmtest.New(t)
	srv.Respond(scriptedModel)
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(t, err)
	r := newRunner(t, d, model)
	a, err := r.Ask(context.Background(), agent.Request{ThreadKey: "eval:turn", Question: "press 3 vibration is rising, what now?"})
	require.NoError(t, err)
	require.Equal(t, agent.ModeLLM, a.Mode)
	require.Len(t, a.Trace, 3)
	for _, tr := range a.Trace {
		require.Empty(t, tr.Error, tr.Tool)
	}
	var ids []string
	for _, c := range a.Citations {
		ids = append(ids, c.ID)
	}
	require.Contains(t, ids, "INC-1003")
	require.Contains(t, ids, "RB-bearing-inspection")
	require.True(t, a.Steps[1].TouchesEquipment)
	require.Empty(t, a.Warnings, strings.Join(a.Warnings, "; "))
}

// TestLLMModeEvalCountsUngroundedNumbers runs a few cases through the LLM
// path with a scripted model that searches, cites the first document it got
// and invents one number: the report must show the citation and count the
// invented number against numeric grounding.
func TestLLMModeEvalCountsUngroundedNumbers(t *testing.T) {
	d := openDemo(t)
	srv := llmtest.New(t)
	srv.Respond(func(req llmtest.Request) llmtest.Reply {
		last := req.Last()
		if last.Role != "tool" {
			return llmtest.CallTools(llmtest.Call("search_incidents", fmt.Sprintf(`{"query":%q}`, last.Content)))
		}
		var env struct {
			Citations []struct{ ID string } `json:"citations"`
		}
		_ = json.Unmarshal([]byte(last.Content), &env)
		id := ""
		if len(env.Citations) > 0 {
			id = env.Citations[0].ID
		}
		return llmtest.Final(fmt.Sprintf(`{"situation":"Similar to %s; failure expected in 42.7 hours.","steps":[{"text":"Follow %s","citations":[%q]}],"confidence":"low"}`, id, id, id))
	})
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(t, err)
	cases, err := Load()
	require.NoError(t, err)
	var pick []Case
	for _, c := range cases {
		if len(c.Docs) > 0 && c.Thread == "" && len(pick) < 4 {
			pick = append(pick, c)
		}
	}
	rep := Run(context.Background(), newRunner(t, d, model), pick, Options{RunID: fmt.Sprint(time.Now().UnixNano()), Clock: d.clock()})
	var buf bytes.Buffer
	require.NoError(t, WriteText(&buf, rep, WriteOptions{}))
	t.Log("\n" + buf.String())
	require.Equal(t, "llm", rep.Mode)
	for _, s := range rep.Splits {
		if s.Cases > 0 {
			require.Less(t, s.NumericGrounding, 1.0)
		}
	}
	missed := false
	for _, r := range rep.Results {
		require.Contains(t, r.Ungrounded, "42.7")
		require.NotEmpty(t, r.Cited)
		for _, c := range r.Checks {
			missed = missed || c.Name == "tool detect_anomalies" && !c.OK
		}
	}
	require.True(t, missed, "the scripted model never calls detect_anomalies")
}
