package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/tools"
)

func TestEvalSetIsWellFormed(t *testing.T) {
	t.Parallel()
	cases, err := Load()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 40)
	korean, followUps := 0, 0
	threads := map[string]int{}
	for _, c := range cases {
		if agent.DetectLang(c.Question) == "ko" {
			korean++
		}
		if c.Thread != "" {
			threads[c.Thread]++
		}
	}
	for _, n := range threads {
		followUps += n - 1
	}
	require.GreaterOrEqual(t, korean, 8)
	require.GreaterOrEqual(t, followUps, 4)

	_, err = Parse([]byte("cases:\n  - id: a\n    question: q\n"))
	require.ErrorContains(t, err, "no expected tools")
	_, err = Parse([]byte("cases:\n  - {id: a, question: q, tools: [x]}\n  - {id: a, question: q, tools: [x]}\n"))
	require.ErrorContains(t, err, "duplicate id")
	_, err = Parse([]byte("cases:\n  - {id: a, question: q, tools: [x], typo: 1}\n"))
	require.ErrorContains(t, err, "typo")
}

func newRunner(t testing.TB, d *demoPlant, model agent.Model) *agent.Runner {
	t.Helper()
	r, err := agent.New(agent.Options{
		Model: model, ModelName: "scripted", Tools: d.registry(), Store: agent.NewStore(d.pool), Docs: d.docs,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return d.now },
	})
	require.NoError(t, err)
	return r
}

// TestOfflineEval runs the whole evaluation set through the offline planner
// on the seeded demo plant and holds the figures to a floor.
func TestOfflineEval(t *testing.T) {
	d := openDemo(t)
	cases, err := Load()
	require.NoError(t, err)
	rep := Run(context.Background(), newRunner(t, d, nil), cases, fmt.Sprint(time.Now().UnixNano()))
	var buf bytes.Buffer
	require.NoError(t, WriteText(&buf, rep))
	t.Log("\n" + buf.String())
	require.Equal(t, "offline", rep.Mode)
	require.Zero(t, rep.Errors)
	require.GreaterOrEqual(t, rep.ToolRouting, 0.9)
	require.GreaterOrEqual(t, rep.CitationHit, 0.75)
	require.GreaterOrEqual(t, rep.NumericGrounding, 0.97)
	require.GreaterOrEqual(t, rep.Facts, 0.9)
	require.GreaterOrEqual(t, rep.Language, 0.95)
	require.GreaterOrEqual(t, rep.AssetMatch, 0.95)
	require.GreaterOrEqual(t, rep.Imperative, 0.9)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	require.Contains(t, string(b), `"tool_routing_accuracy"`)
}

// TestChecksCatchKnownProblems: the eval's checks flag a Korean answer
// with an English section, another machine's incident cited as the asked
// machine's, and steps copied from past-tense records; and pass the fixed forms.
func TestChecksCatchKnownProblems(t *testing.T) {
	t.Parallel()
	inc2 := tools.Citation{ID: "INC-2024-059", Title: "press-2 crankshaft bearing vibration caught early", Kind: "incident"}
	inc3 := tools.Citation{ID: "INC-1003", Title: "press-3 main crankshaft bearing failed", Kind: "incident"}
	rb := tools.Citation{ID: "RB-011", Title: "베어링 점검 및 교체 절차", Kind: "runbook"}
	cases := []struct {
		name    string
		c       Case
		a       agent.Answer
		langOK  *bool
		assetOK *bool
		records int
	}{
		{name: "Korean answer with an English cause",
			c: Case{Question: "프레스 3호기 진동이 심해요", Asset: "press-3"},
			a: agent.Answer{Lang: "ko", Situation: "press-3 진동 이상", Cause: "press-3 vibration up 26.8σ since 2026-11-25",
				Steps:     []agent.Step{{Text: "Press locked out (RB-LOTO), flywheel brought to rest and blocked.", Citations: []string{"INC-1003"}}},
				Citations: []tools.Citation{inc3}, Escalate: "보전 리더에게 알리세요."},
			langOK: ptr(false), assetOK: ptr(true), records: 1},
		{name: "Korean answer, every section Korean, English quote framed",
			c: Case{Question: "프레스 3호기 진동이 심해요", Asset: "press-3", Incident: "INC-1003"},
			a: agent.Answer{Lang: "ko", Situation: "press-3 진동 이상", Cause: "과거 사례 INC-1003 기준: worn bearing",
				Steps:     []agent.Step{{Text: "그리스 공급을 확인한다.", Citations: []string{"RB-011", "INC-1003"}, Reason: "INC-1003의 기록된 조치: Bearing replaced."}},
				Citations: []tools.Citation{rb, inc3}, Escalate: "보전 리더에게 알리세요."},
			langOK: ptr(true), assetOK: ptr(true)},
		{name: "press-2 incident cited as if it were press-3's",
			c: Case{Question: "press 3 vibration, seen before?", Asset: "press-3", Incident: "INC-1003"},
			a: agent.Answer{Lang: "en", Situation: "press-3 vibration is rising", Cause: "As in INC-2024-059: worn bearing",
				Steps:     []agent.Step{{Text: "Bearing replaced during the planned stop.", Citations: []string{"INC-2024-059"}}},
				Citations: []tools.Citation{inc2}},
			assetOK: ptr(false), records: 1},
		{name: "press-2 incident cited as a similar case",
			c: Case{Question: "press 3 V-belt slipping, seen before?", Asset: "press-3"},
			a: agent.Answer{Lang: "en", Situation: "No sensor evidence", Cause: "Not a press-3 case: in a similar case on press-2 (INC-2024-059), worn bearing",
				Steps:     []agent.Step{{Text: "Replace the bearing at the next planned stop.", Citations: []string{"INC-2024-059"}}},
				Citations: []tools.Citation{inc2}, DocAssets: map[string]string{"INC-2024-059": "press-2"}},
			assetOK: ptr(true)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.c.ID, c.c.Tools = "x", []string{"search_incidents"}
			var res Result
			score(&res, c.c, &c.a)
			require.Equal(t, c.langOK, res.LangOK, "not Korean: %v", res.NotKorean)
			require.Equal(t, c.assetOK, res.AssetOK, "mislabelled: %v", res.Mislabelled)
			require.Equal(t, c.records, res.Records, "records: %v", res.RecordOut)
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
	rep := Run(context.Background(), newRunner(t, d, model), pick, fmt.Sprint(time.Now().UnixNano()))
	var buf bytes.Buffer
	require.NoError(t, WriteText(&buf, rep))
	t.Log("\n" + buf.String())
	require.Equal(t, "llm", rep.Mode)
	require.Less(t, rep.NumericGrounding, 1.0)
	for _, r := range rep.Results {
		require.Contains(t, r.Ungrounded, "42.7")
		require.NotEmpty(t, r.Cited)
	}
	require.Less(t, rep.ToolRouting, 1.0, "the scripted model never calls detect_anomalies")
}
