package plant

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJosa checks that a Korean particle placeholder takes the form of the
// word before it.
func TestJosa(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"press-3의 진동이(가) 높습니다": "press-3의 진동이 높습니다",
		"압력이(가) 낮습니다":          "압력이 낮습니다",
		"press-3은(는) 정지":       "press-3은 정지",
		"cnc-2은(는) 정상":         "cnc-2는 정상",
		"pump-1을(를) 세우세요":      "pump-1을 세우세요",
		"filler-1은(는)":         "filler-1은",
		"온도을(를) 확인":            "온도를 확인",
		"bar(으)로 바꿀":           "bar로 바꿀",
		"A(으)로":                "A로",
		"mm(으)로":               "mm으로",
		"7(으)로":                "7로",
		"3(으)로":                "3으로",
		"RB-LOTO은(는)":          "RB-LOTO는",
		"\"필터\"을(를)":           "\"필터\"를",
		"vibration은(는)":        "vibration은",
		"pressure은(는)":         "pressure는",
		"이(가) 앞에 아무것도 없으면 그대로": "이(가) 앞에 아무것도 없으면 그대로",
		"잠금(LOTO)을(를) 생략":      "잠금(LOTO)을 생략",
		"RB-005(모터)은(는)":       "RB-005(모터)는",
	} {
		require.Equal(t, want, Josa(in), in)
	}
}
