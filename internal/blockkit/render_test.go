package blockkit

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/tools"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name.golden, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/blockkit -run %s -update to create it", t.Name())
	require.Equal(t, string(want), string(got))
}

func sampleAnswer() *agent.Answer {
	return &agent.Answer{
		ID: 42, Lang: "en", Mode: agent.ModeLLM, Model: "gpt-4o-mini",
		Situation: "Vibration on **press-3** rose from 4.1 to 9.3 mm/s since 06:10 (score 0.97).\n\n| sensor | share |\n|---|---|\n| vibration | 71% |\n| current | 18% |",
		Cause:     "Bearing wear, as in [INC-2024-031](https://wiki.example/INC-2024-031): the same rise over 3 days before a seizure.",
		Steps: []agent.Step{
			{Text: "Check the bearing temperature on press-3 with the handheld probe.", Reason: "Temperature rose 6 °C with the vibration.", Citations: []string{"INC-2024-031"}},
			{Text: "Stop press-3 and replace the drive-end bearing.", Reason: "INC-2024-031 seized 40 h after the same pattern.", Citations: []string{"INC-2024-031", "RB-PRESS-07"}, TouchesEquipment: true, SOP: "RB-PRESS-07"},
			{Text: "Log the reading in the shift book & tell maintenance.", Reason: "Keeps the <next shift> informed."},
		},
		Detail:     []agent.Step{{Text: "Order a spare bearing (SKF 6205).", Reason: "Only one in stock.", Citations: []string{"RB-PRESS-07"}}},
		Confidence: "medium",
		Escalate:   "Call the maintenance lead if vibration passes 11 mm/s.",
		Citations:  []tools.Citation{{ID: "INC-2024-031", Title: "Press-3 bearing seizure", Kind: "incident"}, {ID: "RB-PRESS-07", Title: "Press bearing replacement SOP", Kind: "runbook"}},
		Trace:      []agent.ToolTrace{{Tool: "detect_anomalies"}, {Tool: "search_incidents"}},
		LatencyMS:  2345,
	}
}

func renderJSON(t *testing.T, a *agent.Answer, o RenderOptions) []byte {
	t.Helper()
	b, err := RenderAnswerJSON(a, o)
	require.NoError(t, err)
	var pretty any
	require.NoError(t, json.Unmarshal(b, &pretty))
	out, err := json.MarshalIndent(pretty, "", "  ")
	require.NoError(t, err)
	return append(out, '\n')
}

func TestRenderAnswerGolden(t *testing.T) {
	t.Parallel()
	korean := &agent.Answer{
		Lang: "ko", Mode: agent.ModeOffline,
		Situation: "지난 24시간 동안 라인 2 생산량은 계획 대비 8% 낮습니다 (1,840 vs 2,000).",
		Steps:     []agent.Step{{Text: "컨베이어 벨트 장력을 점검하세요.", Reason: "모터 전류가 12% 떨어졌습니다.", Citations: []string{"INC-2025-004"}, TouchesEquipment: true, SOP: "RB-CONV-02"}},
		Citations: []tools.Citation{{ID: "INC-2025-004", Title: "라인 2 벨트 미끄러짐"}},
		LatencyMS: 120,
	}
	noEvidence := &agent.Answer{Lang: "en", Mode: agent.ModeOffline, Situation: "No series or incident matches \"coffee machine\".", Confidence: "low"}
	for name, tc := range map[string]struct {
		a *agent.Answer
		o RenderOptions
	}{
		"answer_en":          {sampleAnswer(), RenderOptions{}},
		"answer_en_detail":   {sampleAnswer(), RenderOptions{Detail: true}},
		"answer_ko_offline":  {korean, RenderOptions{}},
		"answer_no_evidence": {noEvidence, RenderOptions{NoButtons: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden(t, name, renderJSON(t, tc.a, tc.o))
		})
	}
}

func TestRenderRespectsSlackLimits(t *testing.T) {
	t.Parallel()
	a := sampleAnswer()
	a.Situation = strings.Repeat("Pressure on filter F-2 keeps drifting upwards. ", 400) // ~19k chars
	for i := 0; i < 70; i++ {
		a.Steps = append(a.Steps, agent.Step{Text: strings.Repeat("step ", 100), Citations: []string{"INC-1"}})
	}
	blocks := RenderAnswer(a, RenderOptions{})
	msgs := Messages(blocks)
	require.Greater(t, len(msgs), 1, "too many blocks for one message")
	total := 0
	var text strings.Builder
	for _, m := range msgs {
		require.LessOrEqual(t, len(m), MaxBlocks)
		n := 0
		for _, b := range m {
			l := blockTextLen(b)
			require.LessOrEqual(t, l, MaxSectionText)
			n += l
			if s, ok := b.(*slack.SectionBlock); ok {
				text.WriteString(s.Text.Text)
			}
		}
		require.LessOrEqual(t, n, MaxMessageText)
		total += len(m)
	}
	require.Equal(t, len(blocks), total, "no block dropped")
	require.Equal(t, 400, strings.Count(text.String(), "Pressure"), "no text dropped")
}

func TestSplitTextKeepsCodeBlocksClosed(t *testing.T) {
	t.Parallel()
	text := "```\n" + strings.Repeat("row 1234567890\n", 50) + "```"
	parts := SplitText(text, 200)
	require.Greater(t, len(parts), 1)
	for _, p := range parts {
		require.LessOrEqual(t, runeLen(p), 200)
		require.Equal(t, 0, strings.Count(p, "```")%2, "unbalanced fence in %q", p)
	}
	require.Equal(t, []string{""}, SplitText("", 100))
}

func TestMrkdwn(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"**bold** and __also__":            "*bold* and *also*",
		"# Heading":                        "*Heading*",
		"- one\n* two":                     "• one\n• two",
		"see [the SOP](https://x.y/z)":     "see the SOP (<https://x.y/z>)",
		"[https://x.y/z](https://x.y/z)":   "<https://x.y/z>",
		"a < b & c > d":                    "a &lt; b &amp; c &gt; d",
		"| a | bb |\n|---|---|\n| 1 | 2 |": "```\na  bb\n1  2\n```",
		"```\n**not bold** <x>\n```":       "```\n**not bold** &lt;x&gt;\n```",
	}
	for in, want := range cases {
		require.Equal(t, want, Mrkdwn(in), "input %q", in)
	}
}

func TestRenderDigestGolden(t *testing.T) {
	t.Parallel()
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	at := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC) // 14:00 in Seoul
	d := &conversation.Digest{
		Channel: "C1", Scope: tools.Scope{Line: "line-2"}, Since: at.Add(-8 * time.Hour), Now: at, Loc: seoul, Shift: "day",
		Anomalies: "• press-3 vibration up 11.7σ since 11:10 KST (now 5.6 mm/s, usual 2.1)\n_4 asset(s) checked since 06:00 KST._",
		Plan:      "• line-2: last 8 h produced 780 of 820 planned (95.1%, 40 short); next 24 h forecast 843 vs plan 892 (94.5%, 80%: 801–885), expected shortfall 49 parts",
		Events:    []conversation.DigestEvent{{Asset: "press-3", Sensor: "vibration", Start: at.Add(-170 * time.Minute), Ongoing: true, Sigma: 11.7, Current: 5.6, Usual: 2.1, Unit: "mm/s"}},
		Checked:   4,
		Lines:     []conversation.DigestLine{{Line: "line-2", Attainment: 94.5, Behind: true}},
		OpenThreads: []conversation.DigestThread{{Ref: "1764000000.000042", User: "U4", Mention: "<@U4>", Question: "filler-1 pressure drifting?", Since: at.Add(-27 * time.Hour),
			Link: "https://gemba-test.slack.com/archives/C1/p1764000000000042"}},
		LookFirst: []string{"press-3 vibration up 11.7σ since 11:10 KST (now 5.6 mm/s, usual 2.1)", "Plan: line-2: next 24 h forecast 843 vs plan 892 (94.5%)"},
	}
	header, details := RenderDigest(d)
	b, err := json.MarshalIndent(map[string]any{"header": header, "details": details}, "", "  ")
	require.NoError(t, err)
	golden(t, "digest", append(b, '\n'))
	text := DigestText(d)
	require.Contains(t, text, "What to look at first")
	require.Contains(t, text, "day shift, since 06:00 KST")
	require.Contains(t, text, "last answer Nov 26 11:00 KST", "times in the digest's zone, with the date when not today")
	require.NotContains(t, text, "Nothing needs attention")
}

// TestDigestHeaderNeverReassuresFalsely: "nothing needs attention" only
// when every check ran and was clean; a check that could not run is named
// in the header.
func TestDigestHeaderNeverReassuresFalsely(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	clean := &conversation.Digest{Channel: "C1", Since: at.Add(-8 * time.Hour), Now: at, Checked: 12,
		Lines: []conversation.DigestLine{{Line: "line-1", Attainment: 101}, {Line: "line-2", Attainment: 99}}}
	require.True(t, clean.Clean())
	text := DigestText(clean)
	require.Contains(t, text, "`whole plant`")
	require.Contains(t, text, "Nothing needs attention")
	require.Contains(t, text, "12 asset(s) checked, 2 line(s) on plan")

	failed := &conversation.Digest{Channel: "C1", Since: at.Add(-8 * time.Hour), Now: at, Anomalies: "unavailable right now (detect_anomalies failed)",
		AnomaliesNote: true, Unchecked: []string{"anomalies (unavailable right now (detect_anomalies failed))"}}
	require.False(t, failed.Clean())
	text = DigestText(failed)
	require.NotContains(t, text, "Nothing needs attention")
	require.Contains(t, text, "Not checked:* anomalies")
	require.Contains(t, text, "this digest is incomplete")
	require.NotContains(t, text, "No data since")

	// A feed that stopped is said first, with since when.
	stopped := &conversation.Digest{Channel: "C1", Since: at.Add(-8 * time.Hour), Now: at, Anomalies: "No data this shift",
		AnomaliesNote: true, Unchecked: []string{"anomalies (no data this shift)"}, FeedStopped: at.Add(-10 * time.Hour)}
	text = DigestText(stopped)
	require.Contains(t, text, "No data since Nov 26 19:00 UTC* (10 h ago)")
	require.Contains(t, text, "gemba connect")
	require.Less(t, strings.Index(text, "No data since"), strings.Index(text, "Not checked"))
}
