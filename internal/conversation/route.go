package conversation

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// onMessage routes a message: mentions, direct messages, follow-ups in
// Gemba's threads, outcome reports ("yes, step 2 fixed it"), and — when a
// channel asks for it — every question asked in the channel.
func (c *Core) onMessage(ctx context.Context, t Transport, j job, in Inbound) error {
	q := question{place: placeOf(t, in.Channel, in.thread()), user: in.User, text: in.Text,
		ref: in.Ref, midThread: in.midThread(), placeholder: in.Placeholder, via: "mention"}
	switch {
	case in.Direct:
		q.via = "dm"
		return c.ask(ctx, t, j, q)
	case in.Addressed:
		if q.midThread {
			th, err := c.loadThread(ctx, q.source, q.channel, q.thread)
			if err != nil {
				return err
			}
			if th != nil {
				q.midThread = false // Gemba's memory already has the thread
				if out, step := ClassifyOutcome(q.text); out != "" && len(th.Citations) > 0 {
					return c.onOutcome(ctx, t, j, th, q, out, step)
				}
			}
		}
		return c.ask(ctx, t, j, q)
	case in.AlsoAddressed:
		return nil // the mention event of the same message answers it
	case q.midThread:
		th, err := c.loadThread(ctx, q.source, q.channel, q.thread)
		if err != nil || th == nil {
			return err
		}
		q.midThread, q.via = false, "thread"
		if out, step := ClassifyOutcome(q.text); out != "" && len(th.Citations) > 0 {
			return c.onOutcome(ctx, t, j, th, q, out, step)
		}
		return c.ask(ctx, t, j, q)
	}
	s, err := c.Settings(ctx, q.source, q.channel)
	if err != nil {
		return err
	}
	if !s.MentionOnly && LooksLikeQuestion(q.text) && !s.Quiet(c.now()) {
		q.via = "channel"
		return c.ask(ctx, t, j, q)
	}
	return nil
}

var (
	reQuestionStart = regexp.MustCompile(`(?i)^(why|what|how|when|where|which|who|is|are|can|could|should|will|does|do|did|any)\b`)
	reKoreanAsk     = regexp.MustCompile(`(왜|어떻게|뭐|무엇|언제|어디|얼마|까요|나요|니까|을까|ㄹ까|야\?|어\?)`)
)

// LooksLikeQuestion says whether a channel message is a question Gemba
// should answer in "every question" channels.
func LooksLikeQuestion(s string) bool {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) < 6 {
		return false
	}
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") || reQuestionStart.MatchString(s) || reKoreanAsk.MatchString(s)
}

var (
	reStep     = regexp.MustCompile(`(?i)(?:step|#)\s*(\d{1,2})|(\d{1,2})\s*번`)
	reNegative = regexp.MustCompile(`(?i)(didn'?t|did not|doesn'?t|does not|not)\s+(work|help|fix)|^(no|nope|nah)\b|no luck|still (broken|failing|high|there|bad|vibrating)|no change|안\s*(됐|됨|돼)|해결\s*안|효과\s*없|그대로|^아니`)
	rePartly   = regexp.MustCompile(`(?i)partly|partially|somewhat|a bit better|부분적|조금\s*나아`)
	rePositive = regexp.MustCompile(`(?i)\b(it|that|this|step \d+)\s+(worked|fixed it|did it|helped)\b|^(yes|yep|yeah)\b|^(네|예)(\s|,|\.|!|$)|\bworked\b|\bfixed\b|\bsolved\b|\bresolved\b|해결(됐|되었|했)|효과\s*있|됐어요|됐습니다|고쳐졌`)
	reAsking   = regexp.MustCompile(`(?i)^(did|does|do|is|was|will|can|could|should|why|what|how)\b`)
)

// ClassifyOutcome recognises a follow-up that reports whether the advice
// worked ("yes, step 2 fixed it", "didn't help", "부분적으로 해결") and
// returns OutcomeWorked, OutcomePartial or OutcomeFailed with the step number it
// names (0 = the whole answer). Questions ("did step 2 fix it?") and long
// messages are not outcomes: they go to the agent.
func ClassifyOutcome(s string) (string, int) {
	s = strings.TrimSpace(s)
	if s == "" || len(strings.Fields(s)) > 14 || reAsking.MatchString(s) {
		return "", 0
	}
	step := 0
	if m := reStep.FindStringSubmatch(s); m != nil {
		n := m[1]
		if n == "" {
			n = m[2]
		}
		step, _ = strconv.Atoi(n)
	}
	switch {
	case reNegative.MatchString(s):
		return OutcomeFailed, step
	case rePartly.MatchString(s):
		return OutcomePartial, step
	case rePositive.MatchString(s):
		return OutcomeWorked, step
	}
	return "", 0
}
