package agent

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		in         string
		situation  string
		cause      string
		steps      []string
		confidence string
		cites      []string
	}{
		{name: "plain JSON", in: `{"situation":"S","cause":"C","steps":[{"text":"a","citations":["INC-1"]}],"confidence":"High"}`,
			situation: "S", cause: "C", steps: []string{"a"}, confidence: "high"},
		{name: "fenced JSON with prose", in: "Here you go:\n```json\n{\"situation\":\"S\",\"steps\":[\"do x [RB-007]\",\"do y\"]}\n```",
			situation: "S", steps: []string{"do x [RB-007]", "do y"}},
		{name: "markdown", in: "**Situation:** vibration high\n**Likely cause:** bearing\n**Next steps:**\n1. grease [RB-007]\n   because dry\n2. call lead\n**Confidence:** medium",
			situation: "vibration high", cause: "bearing", steps: []string{"grease [RB-007]", "call lead"}, confidence: "medium", cites: []string{"RB-007"}},
		{name: "korean markdown", in: "## 상황\n진동이 높습니다\n## 원인\n베어링 마모\n## 다음 단계\n- 그리스 주입\n- 리더에게 보고\n## 신뢰도\n높음",
			situation: "진동이 높습니다", cause: "베어링 마모", steps: []string{"그리스 주입", "리더에게 보고"}, confidence: "high"},
		{name: "free text", in: "Everything looks fine.", situation: "Everything looks fine."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := ParseAnswer(c.in)
			require.Equal(t, c.situation, a.Situation)
			require.Equal(t, c.cause, a.Cause)
			var steps []string
			for _, s := range a.Steps {
				steps = append(steps, s.Text)
			}
			require.Equal(t, c.steps, steps)
			require.Equal(t, c.confidence, a.Confidence)
			for _, id := range c.cites {
				require.Contains(t, a.modelCitations, id)
			}
		})
	}
	a := ParseAnswer("**Next steps:**\n1. grease\n   because dry")
	require.Equal(t, "because dry", a.Steps[0].Reason)
}

func TestDetectLang(t *testing.T) {
	t.Parallel()
	require.Equal(t, "ko", DetectLang("프레스 3호기 진동이 심해요"))
	require.Equal(t, "ko", DetectLang("press-3 vibration 왜 높아요?"))
	require.Equal(t, "en", DetectLang("Press 3 is vibrating"))
	require.Equal(t, "en", DetectLang("what does 진동 mean in the press-3 vibration alarm text?"))
}

func TestExtractNumbers(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"press-3 at 6.9 mm/s vs 2.8":         {"6.9", "2.8"},
		"INC-2025-031 said 80% on line-1":    {"031", "80"},
		"at 2026-11-27T14:30:00Z":            {"2026", "11", "27", "14", "30", "00"},
		"output 1,234.5 parts, P3 and v2":    {"1,234.5"},
		"진동 6.9 mm/s, 36시간 동안 상승":            {"6.9", "36"},
		"cnc-4.temperature rose 12 °C in 3h": {"12", "3"},
	}
	for in, want := range cases {
		var got []string
		for _, n := range extractNumbers(in) {
			got = append(got, n.text)
		}
		require.Equal(t, want, got, in)
	}
	ev := newEvidence(`{"peak":6.93,"score":0.78,"total":10450}`)
	for _, s := range []string{"6.9", "6.93", "78%", "10450", "10,450", "7", "3"} {
		require.True(t, ev.has(extractNumbers(s)[0]), s)
	}
	for _, s := range []string{"6.5", "12", "11000"} {
		require.False(t, ev.has(extractNumbers(s)[0]), s)
	}
	// A negative number in a tool's JSON is negative: an answer may say
	// it with its sign, and a sign it did not have is no match.
	ev = newEvidence(`{"change":-0.0375,"deltas":[-2.5,3.1]}`)
	for _, s := range []string{"(-0.0375 bar)", "fell -2.5", "0.0375", "rose 3.1"} {
		n := extractNumbers(s)
		require.True(t, ev.has(n[0]), s)
	}
	require.False(t, ev.has(extractNumbers(" -3.1")[0]), "3.1 was positive")
}

func TestRenderMarksOfflineAndEquipment(t *testing.T) {
	t.Parallel()
	a := &Answer{Lang: "en", Mode: ModeOffline, Situation: "S", Steps: []Step{{Text: "Grease", TouchesEquipment: true, SOP: "RB-007", Citations: []string{"INC-1"}}},
		Detail: []Step{{Text: "Later"}}, Confidence: "high"}
	out := Render(a)
	require.Contains(t, out, "1. Grease [INC-1] (⚠ touches equipment: follow SOP RB-007)")
	require.Contains(t, out, "*More detail:*\n2. Later")
	require.Contains(t, out, "Made without an LLM")
	a.Lang = "ko"
	require.Contains(t, Render(a), "*신뢰도:* 높음")
}

// TestJobUnderway: a job said as under way with its next steps asked is a
// request for the rest of its procedure; a plain status or a "what next"
// with nothing done is not.
func TestJobUnderway(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"we cleaned the pump 1 strainer this morning, anything else to do?": true,
		"filler filter changed, what next?":                                 true,
		"펌프 1호기 스트레이너 청소했어요. 이제 뭐 해야 돼?":                                    true,
		"what next?":                         false,
		"is pump 1 ok? anything else?":       false,
		"the strainer was cleaned last week": false,
	} {
		require.Equal(t, want, jobUnderwayRe.MatchString(q), q)
	}
}

// TestReadingRe: a reading given with its unit is a report the equipment
// gate accepts; numbers without a sensor's unit are not.
func TestReadingRe(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"pump-1 pressure is 2.2 bar, what do I do?": true,
		"cnc 2 spindle is hot, 75 degrees":          true,
		"press 1 motor current jumped to 60 A":      true,
		"press 2 vibration is 3 mm/s":               true,
		"스핀들 75도야":                                  true,
		"is press 3 ok?":                            false,
		"line 1 made 500 parts":                     false,
		"what happened at 14:00?":                   false,
	} {
		_, _, got := ReadingIn(q)
		require.Equal(t, want, got, q)
	}
	_, _, got := ReadingIn("press 3 stopped at 3 a.m.")
	require.False(t, got, "a clock, not amperes")
	v, u, _ := ReadingIn("at 3 a.m. it drew 60 A")
	require.Equal(t, []string{"60", "A"}, []string{v, u})
}
