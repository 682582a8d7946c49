package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// innerEvent holds the fields of an app_mention or message event the bot
// routes on.
type innerEvent struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype"`
	User        string          `json:"user"`
	BotID       string          `json:"bot_id"`
	Text        string          `json:"text"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts"`
	Channel     string          `json:"channel"`
	ChannelType string          `json:"channel_type"`
	Edited      json.RawMessage `json:"edited"`
}

// question is one thing to answer, whatever its source.
type question struct {
	channel, user, text string
	// ts is the user's message (for the 👀 reaction); threadTS the thread
	// the answer goes in.
	ts, threadTS string
	// midThread: Gemba was first called inside an existing thread, so the
	// earlier messages are read with conversations.replies.
	midThread bool
	source    string
}

// ignorableEvent reports, from the event alone, that it can never need an
// answer (another bot's or Gemba's own message, an edit, a join …): it is
// acked without being recorded, which keeps slack_events small in busy
// channels.
func ignorableEvent(ev innerEvent) bool {
	if ev.Type != "app_mention" && ev.Type != "message" {
		return true
	}
	if ev.BotID != "" || len(ev.Edited) > 0 && string(ev.Edited) != "null" {
		return true
	}
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
		return false
	}
	return true
}

var reMention = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)

// stripMentions removes user mentions and tidies the spaces left behind.
func stripMentions(s string) string {
	return strings.Join(strings.Fields(reMention.ReplaceAllString(s, " ")), " ")
}

// handleEvent routes one Events API delivery: mentions, direct messages,
// follow-ups in Gemba's threads, and (when a channel asks for it) every
// question. The bot's own and other bots' messages, edits and other
// subtypes are ignored.
func (b *Bot) handleEvent(ctx context.Context, j job) error {
	var outer struct {
		Event innerEvent `json:"event"`
	}
	if err := json.Unmarshal(j.payload, &outer); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	ev := outer.Event
	if err := b.identify(ctx); err != nil {
		return err
	}
	me := b.identity()
	if ev.BotID != "" || ev.User == "" || ev.User == me || len(ev.Edited) > 0 && string(ev.Edited) != "null" {
		return nil
	}
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
	default:
		return nil // message_changed, message_deleted, channel_join, bot_message …
	}
	text := stripMentions(ev.Text)
	q := question{channel: ev.Channel, user: ev.User, text: text, ts: ev.TS, threadTS: ev.TS, source: ev.Type}
	if ev.ThreadTS != "" {
		q.threadTS = ev.ThreadTS
		q.midThread = ev.ThreadTS != ev.TS
	}
	switch ev.Type {
	case "app_mention":
		if strings.HasPrefix(q.channel, "D") {
			return nil // direct messages are answered from their message.im event
		}
		if q.midThread {
			th, err := b.loadThread(ctx, q.channel, q.threadTS)
			if err != nil {
				return err
			}
			if th != nil {
				q.midThread = false // Gemba's memory already has the thread
				if out, step := ClassifyOutcome(text); out != "" && len(th.Citations) > 0 {
					return b.onOutcome(ctx, j, th, q, out, step)
				}
			}
		}
		return b.ask(ctx, j, q)
	case "message":
		if ev.ChannelType == "im" {
			q.source = "dm"
			return b.ask(ctx, j, q)
		}
		if me != "" && strings.Contains(ev.Text, "<@"+me) {
			return nil // the app_mention event of the same message answers it
		}
		if q.midThread {
			th, err := b.loadThread(ctx, q.channel, q.threadTS)
			if err != nil || th == nil {
				return err
			}
			q.midThread, q.source = false, "thread"
			if out, step := ClassifyOutcome(text); out != "" && len(th.Citations) > 0 {
				return b.onOutcome(ctx, j, th, q, out, step)
			}
			return b.ask(ctx, j, q)
		}
		s, err := b.Settings(ctx, q.channel)
		if err != nil {
			return err
		}
		if !s.MentionOnly && LooksLikeQuestion(text) && !s.Quiet(b.now()) {
			q.source = "channel"
			return b.ask(ctx, j, q)
		}
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

// Outcomes of advice, as the incident store records them.
const (
	OutcomeWorked  = "worked"
	OutcomePartial = "partial"
	OutcomeFailed  = "failed"
)

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
