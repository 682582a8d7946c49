package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCodesIn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want []string
	}{
		{"what does error code E42 mean on the CNC?", []string{"E42"}},
		{"alarm 1023 on press 3", []string{"1023"}},
		{"fault F-07 and alarm #88", []string{"F-07", "88"}},
		{"에러 코드 e42가 뭐야?", []string{"E42"}},
		{"알람 1023 떴어요", []string{"1023"}},
		{"press 3 alarmed 2 times today", nil},
		{"the alarm limit for vibration", nil},
		{"alarm 2 times", nil},
		// A code asked about alone; an Azure PdM code word with its number.
		{"what does VIB-HI mean?", []string{"VIB-HI"}},
		{"what does error code error4 mean?", []string{"ERROR4"}},
		{"what is INC-1003?", nil},
		{"what is press-3?", nil},
		{"VIB-HI가 뭐야?", []string{"VIB-HI"}},
		{"INC-1003이 뭐야?", nil},
		// The code before its word ("E-07 에러"), never a machine's name.
		{"cnc3에서 E-07 에러 뜨는데 뭐임?", []string{"E-07"}},
		{"got an E42 error on cnc 2", []string{"E42"}},
		{"cnc-4 alarm went off", nil},
		{"press-3 알람 떴어", nil},
	}
	for _, c := range cases {
		require.Equal(t, c.want, codesIn(c.text), c.text)
	}
}

func TestCodeLines(t *testing.T) {
	t.Parallel()
	body := "## Symptoms\n- Spindle stopped with alarm E42 (spindle overload).\n- E420 is another code.\n## Actions\nReset after E42 cleared; checked the belt."
	require.Equal(t, []string{"Spindle stopped with alarm E42 (spindle overload).", "Reset after E42 cleared; checked the belt."}, codeLines(body, "E42"))
	require.Empty(t, codeLines(body, "E4"))
	require.Equal(t, []string{"E420 is another code."}, codeLines(body, "e420"))
}

func TestPartsAsked(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"what spare parts do i need for the press 3 bearing job?": true,
		"what tools do i need for the conveyor belt change?":      true,
		"part number of the filler filter":                        true,
		"필요한 부품은? 펌프 1호기 스트레이너 청소":                                true,
		"how many parts did line 1 make yesterday?":               false,
		"parts short of plan on line 2":                           false,
	} {
		got := partsAskRe.MatchString(text) && !madeRe.MatchString(text)
		require.Equal(t, want, got, text)
	}
	body := "---\ntags: [filter, spare parts]\n---\n## Steps\n1. Get the correct element: part no. PF-25-700.\n| Spare part not in stock | Stores | 1 hour |\n2. **[LOTO]** Fit the new element and a new O-ring."
	require.Equal(t, []string{"Get the correct element: part no. PF-25-700.", "[LOTO] Fit the new element and a new O-ring."}, partLines(body, 5, nil))
	require.Len(t, partLines(body, 1, nil), 1)
}

func TestPolarityAndWords(t *testing.T) {
	t.Parallel()
	require.Equal(t, -1, polarity("why is compressor-1 temperature low?"))
	require.Equal(t, 1, polarity("compressor-1 motor overheating on hot summer days"))
	require.Equal(t, 0, polarity("pump 2 is noisy"))
	require.Equal(t, -1, polarity("토출 압력이 떨어져요"))
	require.True(t, wordIn("the strainer clogged again", "clog"))
	require.False(t, wordIn("air flow was reduced", "low"))
	require.True(t, wordIn("pressure low at the outlet", "low"))
	require.True(t, wordIn("펌프 소음이 났다", "소음"))
}

func TestPrevPeriodAsked(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"compare press 3 vibration this week vs last week": true,
		"press 3 vibration today compare to yesterday":     true,
		"pump 1 pressure vs last week":                     true,
		"프레스 3호기 진동 지난주 대비":                                true,
		"pump-2 motor temperature over the last 2 days":    false,
		"is press 3 worse than before?":                    false,
	} {
		require.Equal(t, want, prevRe.MatchString(q), q)
	}
}

func TestUsualAsked(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"what is the usual vibration for press 2?": true,
		"normal range of pump 1 pressure":          true,
		"프레스 2호기 평소 진동":                            true,
		"press-3 sounds louder than usual":         false,
		"평소보다 진동이 커요":                              false,
	} {
		require.Equal(t, want, usualAsked(q), q)
	}
}

func TestWeekWords(t *testing.T) {
	t.Parallel()
	require.True(t, weekWordRe.MatchString("프레스 3호기 진동 지난주 대비"))
	require.True(t, weekWordRe.MatchString("pump 1 pressure vs last week"))
	require.False(t, weekWordRe.MatchString("3호기 프레스 진동 어제랑 비교해 주세요"), "the 주 of 주세요 is no week")
}
