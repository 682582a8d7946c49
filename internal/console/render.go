package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
)

// Action ids of the answer buttons, the same as the bot's. The console
// also recognises other ids by what they contain (helpful, not_helpful,
// detail or more, resolve), so a renderer with other names still gets
// working buttons.
const (
	ActionHelpful    = "gemba_helpful"
	ActionNotHelpful = "gemba_not_helpful"
	ActionMoreDetail = "gemba_more"
	ActionResolve    = "gemba_resolve"
)

// Kinds of button action the console handles.
const (
	kindHelpful    = "helpful"
	kindNotHelpful = "not_helpful"
	kindDetail     = "detail"
	kindResolve    = "resolve"
)

// actionKind maps a button's action_id to what it does, or "".
func actionKind(actionID string) string {
	id := strings.ToLower(actionID)
	switch {
	case id == ActionNotHelpful || strings.Contains(id, "not_helpful") || strings.Contains(id, "unhelpful") || strings.Contains(id, "thumbs_down"):
		return kindNotHelpful
	case id == ActionHelpful || strings.Contains(id, "helpful") || strings.Contains(id, "thumbs_up"):
		return kindHelpful
	case id == ActionMoreDetail || strings.Contains(id, "detail") || strings.Contains(id, "more"):
		return kindDetail
	case id == ActionResolve || strings.Contains(id, "resolve"):
		return kindResolve
	}
	return ""
}

// RenderAnswer is the console's fallback Block Kit renderer, used when no
// Renderer is configured: Situation, Likely cause, the first steps,
// confidence and sources, and the four buttons; with Detail, only the
// steps held back (the "More detail" follow-up), as the bot renders them.
func RenderAnswer(a *agent.Answer, o RenderOptions) []slack.Block {
	if a == nil {
		return nil
	}
	ko := a.Lang == "ko"
	label := func(en, k string) string {
		if ko {
			return k
		}
		return en
	}
	var blocks []slack.Block
	section := func(s string) {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(s, 3000), false, false), nil, nil))
	}
	if o.Detail {
		// The "More detail" follow-up: only the steps held back.
		section("*" + label("More detail", "추가 조치") + "*\n" + renderSteps(a.Detail, len(a.Steps)+1))
		return blocks
	}
	if a.Situation != "" {
		section("*" + label("Situation", "상황") + "*\n" + escapeMrkdwn(a.Situation))
	} else if a.Text != "" {
		section(escapeMrkdwn(a.Text))
	}
	if a.Cause != "" {
		section("*" + label("Likely cause", "추정 원인") + "*\n" + escapeMrkdwn(a.Cause))
	}
	if len(a.Steps) > 0 {
		section("*" + label("Next steps", "다음 조치") + "*\n" + renderSteps(a.Steps, 1))
	}
	var ctx []string
	if a.Confidence != "" {
		ctx = append(ctx, label("Confidence: ", "신뢰도: ")+escapeMrkdwn(a.Confidence))
	}
	if a.Escalate != "" {
		ctx = append(ctx, label("Escalate: ", "에스컬레이션: ")+escapeMrkdwn(a.Escalate))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, contextBlock(strings.Join(ctx, "  ·  ")))
	}
	if len(a.Citations) > 0 {
		var cs []string
		for _, c := range a.Citations {
			cs = append(cs, "`"+escapeMrkdwn(c.ID)+"` "+escapeMrkdwn(c.Title))
		}
		blocks = append(blocks, contextBlock(label("Sources: ", "근거: ")+strings.Join(cs, "  ·  ")))
	}
	mode := label("Answered with ", "모델: ") + escapeMrkdwn(a.Model)
	if a.Mode == agent.ModeOffline || a.Model == "" {
		mode = label("Answered offline (no LLM)", "오프라인 답변 (LLM 없음)")
	}
	blocks = append(blocks, contextBlock(fmt.Sprintf("%s  ·  %.1f s", mode, float64(a.LatencyMS)/1000)))

	id := strconv.FormatInt(a.ID, 10)
	btn := func(action, text string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, id, slack.NewTextBlockObject(slack.PlainTextType, text, true, false))
	}
	els := []slack.BlockElement{btn(ActionHelpful, label("Helpful", "도움됨")), btn(ActionNotHelpful, label("Not helpful", "도움 안 됨"))}
	if len(a.Detail) > 0 {
		els = append(els, btn(ActionMoreDetail, label("More detail", "자세히")))
	}
	resolve := btn(ActionResolve, label("Mark resolved", "해결됨으로 표시"))
	resolve.Style = slack.StylePrimary
	els = append(els, resolve)
	blocks = append(blocks, slack.NewActionBlock("answer_actions", els...))
	return blocks
}

func renderSteps(steps []agent.Step, first int) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d. %s", first+i, escapeMrkdwn(s.Text))
		if s.TouchesEquipment {
			b.WriteString(" :warning:")
			if s.SOP != "" {
				b.WriteString(" _(SOP " + escapeMrkdwn(s.SOP) + ")_")
			}
		}
		if s.Reason != "" {
			b.WriteString("\n      _" + escapeMrkdwn(s.Reason) + "_")
		}
		if len(s.Citations) > 0 {
			b.WriteString(" [" + "`" + strings.Join(s.Citations, "`, `") + "`" + "]")
		}
	}
	return clip(b.String(), 2900)
}

func contextBlock(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clip(s, 2000), false, false))
}

// escapeMrkdwn escapes the three characters Slack's mrkdwn reserves.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
