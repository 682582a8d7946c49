package conversation

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
)

// botText holds what Gemba itself says (not the agent's answer), in the
// language of the question.
type botText struct {
	placeholder, greeting, slowDown, timeout, failed, noAgent, tooLong string
}

var botTexts = map[string]botText{
	"en": {
		placeholder: ":hourglass_flowing_sand: Looking into it…",
		greeting:    "Hi! Ask me about the plant, e.g. _why is press-3 vibrating?_ or _forecast line-2 output for the next shift_. `/gemba help` lists the commands.",
		slowDown:    "%s you're asking faster than I can dig through the data :sweat_smile: Please wait about %s and ask again.",
		timeout:     ":warning: Sorry — I couldn't finish this answer in time. Try a narrower question (one asset, a shorter window), or ask again in a minute.",
		failed:      ":warning: Sorry — I couldn't finish this answer. Please try again in a minute; if it keeps failing, `/gemba help` shows other ways to ask, and an admin can check Gemba's logs.",
		noAgent:     "Gemba's agent is not configured in this process, so I can't answer questions here.",
		tooLong:     ":warning: Your message is %s characters long; I read questions of up to %s characters (as `/gemba ask` does). Please ask again with just the symptoms, the asset and the numbers that matter.",
	},
	"ko": {
		placeholder: ":hourglass_flowing_sand: 확인하고 있습니다…",
		greeting:    "안녕하세요! 공장에 대해 물어보세요. 예: _프레스 3호기 진동이 왜 높아?_ 또는 _다음 교대 라인 2 생산량 예측_. 명령어는 `/gemba help` 로 볼 수 있습니다.",
		slowDown:    "%s 질문이 너무 빨라요 :sweat_smile: 약 %s 뒤에 다시 물어봐 주세요.",
		timeout:     ":warning: 죄송합니다 — 제한 시간 안에 답을 마치지 못했습니다. 범위를 좁혀서(설비 하나, 더 짧은 기간) 다시 물어보거나 잠시 후 다시 시도해 주세요.",
		failed:      ":warning: 죄송합니다 — 답을 마치지 못했습니다. 잠시 후 다시 시도해 주세요. 계속 실패하면 `/gemba help` 의 다른 방법을 쓰거나 관리자에게 Gemba 로그 확인을 요청해 주세요.",
		noAgent:     "이 프로세스에는 Gemba 에이전트가 설정되어 있지 않아 질문에 답할 수 없습니다.",
		tooLong:     ":warning: 메시지가 %s자입니다. 질문은 %s자까지 읽을 수 있습니다(`/gemba ask` 와 같음). 증상, 설비, 중요한 수치만 담아 다시 물어봐 주세요.",
	},
}

func textFor(question string) botText {
	if t, ok := botTexts[agent.DetectLang(question)]; ok {
		return t
	}
	return botTexts["en"]
}

// slow says "you ask too fast" to a user (written as the transport mentions them).
func (t botText) slow(mention string, wait time.Duration) string {
	return fmt.Sprintf(t.slowDown, mention, max(wait, time.Second))
}

// long says a question is over MaxQuestion characters.
func (t botText) long(n int) string {
	return fmt.Sprintf(t.tooLong, thousands(n), thousands(MaxQuestion))
}

// thousands writes n with comma separators (4000 → "4,000").
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// IsPlaceholder reports whether text is the "looking into it" message Gemba
// posts before an answer is ready, in any of its languages (load and
// fault tests use it to tell a finished answer from one still pending).
func IsPlaceholder(text string) bool {
	for _, t := range botTexts {
		if text == t.placeholder {
			return true
		}
	}
	return false
}
