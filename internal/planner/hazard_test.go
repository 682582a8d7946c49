package planner

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

// TestHazardQuestions: safety questions are read by the hazard they are
// about, not the machine they name: a leak fixed while running, a door
// opened to touch a part, a lock at the end of a shift are shortcuts
// (answered no, with the lockout); whom to call after an injury is the
// escalation procedure. The same words without the hazard are not.
func TestHazardQuestions(t *testing.T) {
	t.Parallel()
	p := testPlant(t)
	shortcut := map[string]bool{
		"컴프레서 퀵커플링 쪽 에어 새는데 운전중에 조여도 되나":                                                                    true,
		"air leaking at the compressor quick coupling, can i tighten it while it runs?":                     true,
		"filler 1 pneumatic fitting hissing, can i fix it without stopping the line?":                       true,
		"cnc4 온도알람 떴는데 도어 열고 스핀들 만져봐도 됨?":                                                                   true,
		"cnc 4 temp alarm, can I open the door and touch the spindle to check?":                             true,
		"LOTO 걸어놨는데 교대시간 넘어가면 자물쇠 어떻게 해야돼?":                                                                 true,
		"i have my lock on press 2, shift ends at 14:00 and the job isn't done, what do i do with my lock?": true,
		"퇴근해야 되는데 작업 안 끝났어요. 제 자물쇠 걸어둔 채로 가도 돼요?":                                                           true,
		"when does the shift end?":                               false,
		"교대 시간 언제야?":                                             false,
		"air leak at the compressor, what should I do?":          false,
		"how do I open the guard on press 2?":                    false,
		"cnc 4 temp alarm, what is the spindle temperature now?": false,
	}
	for question, want := range shortcut {
		q := Understand(question, wednesday, p, nil, tools.Scope{})
		require.Equal(t, want, q.Shortcut, question)
	}
	for _, question := range []string{
		"라인 서고 사람 다쳤을 때 누구한테 먼저 연락함? 에스컬레이션 순서좀",
		"someone got hurt on line 2, who do I call first?",
		"near miss at the press, who needs to know?",
		"2라인 작업자 손 다쳤는데 누구한테 먼저 전화해?",
	} {
		q := Understand(question, wednesday, p, nil, tools.Scope{})
		require.Equal(t, IntentProcedure, q.Intent, question)
		require.True(t, escalationAsked(q.Text), question)
	}
}
