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
