package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExtremeCount: how many machines a ranking question asks for.
func TestExtremeCount(t *testing.T) {
	for q, want := range map[string]int{
		"top 3 machines by vibration":                    3,
		"which 2 machines have the highest temperature?": 2,
		"top three pumps by pressure":                    3,
		"진동 높은 순으로 설비 3개 알려줘":                            3,
		"상위 4 진동":                                        4,
		"which press vibrates the most?":                 5,
		"rank the pumps by pressure":                     5,
		"top 900 machines by vibration":                  50,
	} {
		require.Equal(t, want, extremeCount(q), q)
	}
	for _, q := range []string{"top 3 machines by vibration", "rank the pumps by pressure", "진동 높은 순으로", "bottom 2 by speed"} {
		require.True(t, extremeAskRe.MatchString(q), q)
	}
}
