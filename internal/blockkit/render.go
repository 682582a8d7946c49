// Package blockkit renders what the conversation core says — answers,
// digests, notes — as Slack Block Kit: the blocks the Slack transport
// sends and the local console draws, so that both show the same thing. It
// is pure: the same input always gives the same blocks.
package blockkit

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/tools"
)

// Slack's limits (https://api.slack.com/reference/block-kit/blocks and
// chat.postMessage): characters in one section's text, blocks in one
// message, characters in a message's text.
const (
	MaxSectionText = 3000
	MaxBlocks      = 50
	MaxMessageText = 40000
)

// Action ids of the answer's buttons (the conversation core's).
const (
	ActionHelpful    = conversation.ActionHelpful
	ActionNotHelpful = conversation.ActionNotHelpful
	ActionMore       = conversation.ActionMore
	ActionResolve    = conversation.ActionResolve
)

// RenderOptions shapes one rendered answer.
type RenderOptions struct {
	// Detail renders the Detail steps (the "More detail" follow-up) instead
	// of the main answer.
	Detail bool
	// NoButtons leaves out the feedback and resolve buttons (digests,
	// previews).
	NoButtons bool
	// MaxCitations caps the sources line; zero means 5.
	MaxCitations int
}

// labels holds the headings in the answer's language.
type labels struct {
	situation, cause, steps, more, why, sources, confidence, escalate, equipment, offline,
	helpful, notHelpful, moreButton, resolve, noSteps string
}

var labelSets = map[string]labels{
	"en": {
		situation: "Situation", cause: "Likely cause", steps: "Next steps", more: "More detail", why: "Why",
		sources: "Sources", confidence: "Confidence", escalate: "Escalate", equipment: "Touches equipment — follow SOP",
		offline: "offline — made without an LLM", helpful: "Helpful", notHelpful: "Not helpful", moreButton: "More detail",
		resolve: "Mark resolved", noSteps: "No next step could be backed by the data.",
	},
	"ko": {
		situation: "상황", cause: "추정 원인", steps: "다음 조치", more: "추가 조치", why: "근거",
		sources: "출처", confidence: "신뢰도", escalate: "에스컬레이션", equipment: "설비 조작 — SOP 준수",
		offline: "오프라인 — LLM 없이 작성", helpful: "도움됨", notHelpful: "도움 안 됨", moreButton: "더 보기",
		resolve: "해결됨으로 표시", noSteps: "데이터로 뒷받침되는 조치를 찾지 못했습니다.",
	},
}

// confidenceWords translates the confidence levels the agent reports.
var confidenceWords = map[string]map[string]string{
	"ko": {"high": "높음", "medium": "보통", "low": "낮음"},
}

// confidenceIn returns the confidence level in the answer's language.
func confidenceIn(lang, level string) string {
	if w, ok := confidenceWords[strings.ToLower(strings.TrimSpace(lang))][strings.ToLower(strings.TrimSpace(level))]; ok {
		return w
	}
	return level
}

func labelsFor(lang string) labels {
	if l, ok := labelSets[strings.ToLower(strings.TrimSpace(lang))]; ok {
		return l
	}
	return labelSets["en"]
}

// RenderAnswer builds the Block Kit blocks of an answer: Situation, Likely
// cause, numbered Next steps with their reasons and citations (⚠ marks a
// step that touches equipment, with its SOP), Confidence and escalation,
// the sources, a context line saying how the answer was made, and the
// Helpful / Not helpful / More detail / Mark resolved buttons. It is pure:
// the same answer always gives the same blocks, which the local console
// renders too. Long texts are split over several sections so that none
// passes Slack's 3,000-character limit; Messages splits the result over
// messages of at most 50 blocks.
func RenderAnswer(a *agent.Answer, o RenderOptions) []slack.Block {
	if a == nil {
		return nil
	}
	l := labelsFor(a.Lang)
	var blocks []slack.Block
	add := func(text string) { blocks = append(blocks, sections(text)...) }

	if o.Detail {
		add("*" + l.more + "*")
		blocks = append(blocks, stepBlocks(a.Detail, len(a.Steps)+1, l)...)
	} else {
		if s := strings.TrimSpace(a.Situation); s != "" {
			add(":factory: *" + l.situation + "*\n" + Mrkdwn(s))
		} else if a.Text != "" && len(a.Steps) == 0 {
			add(Mrkdwn(a.Text))
		}
		if c := strings.TrimSpace(a.Cause); c != "" {
			add(":mag: *" + l.cause + "*\n" + Mrkdwn(c))
		}
		if len(a.Steps) > 0 {
			add(":white_check_mark: *" + l.steps + "*")
			blocks = append(blocks, stepBlocks(a.Steps, 1, l)...)
		} else if a.Situation != "" && (a.Cause != "" || a.Confidence != "") { // a prescriptive answer that found no step (a forecast or anomaly report from a slash command has none to give)
			add("_" + l.noSteps + "_")
		}
		var ce []string
		if a.Confidence != "" {
			ce = append(ce, "*"+l.confidence+":* "+escape(confidenceIn(a.Lang, a.Confidence)))
		}
		if a.Escalate != "" {
			ce = append(ce, "*"+l.escalate+":* "+Mrkdwn(a.Escalate))
		}
		if len(ce) > 0 {
			add(strings.Join(ce, "\n"))
		}
	}
	if src := sourcesLine(a.Citations, o.MaxCitations); src != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, truncate(l.sources+": "+src, MaxSectionText), false, false)))
	}
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, modeLine(a, l), false, false)))
	if !o.NoButtons && !o.Detail {
		val := strconv.FormatInt(a.ID, 10)
		els := []slack.BlockElement{
			slack.NewButtonBlockElement(ActionHelpful, val, slack.NewTextBlockObject(slack.PlainTextType, ":+1: "+l.helpful, true, false)),
			slack.NewButtonBlockElement(ActionNotHelpful, val, slack.NewTextBlockObject(slack.PlainTextType, ":-1: "+l.notHelpful, true, false)),
		}
		if len(a.Detail) > 0 {
			els = append(els, slack.NewButtonBlockElement(ActionMore, val, slack.NewTextBlockObject(slack.PlainTextType, l.moreButton, false, false)))
		}
		resolve := slack.NewButtonBlockElement(ActionResolve, val, slack.NewTextBlockObject(slack.PlainTextType, l.resolve, false, false))
		resolve.Style = slack.StylePrimary
		els = append(els, resolve)
		blocks = append(blocks, slack.NewActionBlock("gemba_answer_actions", els...))
	}
	return blocks
}

// RenderAnswerJSON is RenderAnswer encoded as the JSON array of blocks
// Slack (and the console) receives.
func RenderAnswerJSON(a *agent.Answer, o RenderOptions) ([]byte, error) {
	b, err := json.Marshal(RenderAnswer(a, o))
	if err != nil {
		return nil, fmt.Errorf("bot: render answer: %w", err)
	}
	return b, nil
}

func stepBlocks(steps []agent.Step, first int, l labels) []slack.Block {
	var out []slack.Block
	for i, s := range steps {
		var sb strings.Builder
		fmt.Fprintf(&sb, "*%d.* ", first+i)
		if s.TouchesEquipment {
			sb.WriteString(":warning: ")
		}
		sb.WriteString(Mrkdwn(s.Text))
		if s.Reason != "" {
			sb.WriteString("\n_" + l.why + ":_ " + Mrkdwn(s.Reason))
		}
		if len(s.Citations) > 0 {
			sb.WriteString("\n" + codeList(s.Citations))
		}
		if s.TouchesEquipment {
			sop := s.SOP
			if sop == "" {
				sop = "?"
			}
			sb.WriteString("\n:warning: _" + l.equipment + "_ " + code(sop))
		}
		out = append(out, sections(sb.String())...)
	}
	return out
}

func codeList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = code(id)
	}
	return ":page_facing_up: " + strings.Join(parts, " ")
}

// code shows an id as inline code: escaped, on one line, with no backtick
// that would end the code span early.
func code(id string) string {
	id = strings.NewReplacer("`", "'", "\n", " ", "\r", " ").Replace(id)
	return "`" + escape(id) + "`"
}

func sourcesLine(cs []tools.Citation, max int) string {
	if max <= 0 {
		max = 5
	}
	var parts []string
	for i, c := range cs {
		if i == max {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-max))
			break
		}
		p := code(c.ID)
		if c.Title != "" {
			p += " " + escape(c.Title)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " · ")
}

func modeLine(a *agent.Answer, l labels) string {
	mode := l.offline
	if a.Mode == agent.ModeLLM {
		mode = "LLM"
		if a.Model != "" {
			mode += " " + escape(a.Model)
		}
	}
	parts := []string{":robot_face: " + mode}
	if a.LatencyMS > 0 {
		parts = append(parts, formatLatency(a.LatencyMS))
	}
	if n := len(a.Trace); n > 0 {
		parts = append(parts, fmt.Sprintf("%d tool call(s)", n))
	}
	if n := len(a.Warnings); n > 0 {
		parts = append(parts, fmt.Sprintf(":grey_exclamation: %d claim(s) flagged", n))
	}
	return strings.Join(parts, " · ")
}

func formatLatency(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// sections turns text into one or more mrkdwn sections, splitting at line
// (then word) boundaries so that none passes MaxSectionText; a code block
// cut in two is closed and reopened.
func sections(text string) []slack.Block {
	var out []slack.Block
	for _, part := range SplitText(text, MaxSectionText) {
		out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
	}
	return out
}

// SplitText cuts text into pieces of at most max characters (runes),
// preferring line boundaries, then spaces; a ``` code block split across
// pieces is closed at the end of one and reopened in the next.
func SplitText(text string, max int) []string {
	if max < 16 {
		max = 16
	}
	var out []string
	rest := text
	for runeLen(rest) > max {
		cut := cutPoint(rest, max-4) // room to close a code block
		piece, next := rest[:cut], strings.TrimLeft(rest[cut:], "\n ")
		if strings.Count(piece, "```")%2 == 1 {
			piece += "\n```"
			next = "```\n" + next
		}
		out = append(out, piece)
		rest = next
	}
	if strings.TrimSpace(rest) != "" || len(out) == 0 {
		out = append(out, rest)
	}
	return out
}

// cutPoint returns a byte index at most max runes into s, at a newline or
// space when one is in the second half.
func cutPoint(s string, max int) int {
	end, n := len(s), 0
	for i := range s {
		if n == max {
			end = i
			break
		}
		n++
	}
	if i := strings.LastIndex(s[:end], "\n"); i > end/2 {
		return i
	}
	if i := strings.LastIndex(s[:end], " "); i > end/2 {
		return i
	}
	return end
}

func runeLen(s string) int { return len([]rune(s)) }

// truncate cuts s to at most max runes, marking the cut with an ellipsis.
func truncate(s string, max int) string { return conversation.Truncate(s, max) }

// escape makes text safe inside mrkdwn: &, < and > are control characters.
func escape(s string) string { return conversation.Escape(s) }

var (
	reBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	reBoldU   = regexp.MustCompile(`__([^_\n]+)__`)
	reLink    = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^()\s<>|"'` + "`" + `]+)\)`)
	reHeading = regexp.MustCompile(`^#{1,6}\s+(.+)$`)
	reTableSp = regexp.MustCompile(`^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$`)
	reBullet  = regexp.MustCompile(`^(\s*)[-*+]\s+`)
)

// Mrkdwn converts the Markdown an LLM writes into Slack's mrkdwn: **bold**
// becomes *bold*, headings become bold lines, bullets become •, and
// Markdown tables become aligned code blocks (Slack has no tables).
//
// Every character of the input is text, never markup Slack acts on: &, <
// and > are escaped everywhere — in code blocks and table cells too — so
// a model (or the document it quotes) cannot mention people, notify a
// channel or hide a link's target. A Markdown link [text](url) to a plain
// http(s) URL shows its target: "text (<url>)"; one whose URL holds < > |
// quotes or spaces stays text.
func Mrkdwn(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var out []string
	inCode := false
	for i := 0; i < len(lines); i++ {
		ln := lines[i]
		if strings.HasPrefix(strings.TrimSpace(ln), "```") {
			inCode = !inCode
			out = append(out, "```")
			continue
		}
		if inCode {
			out = append(out, escape(ln))
			continue
		}
		// A table: a row of cells followed by a separator row.
		if strings.Contains(ln, "|") && i+1 < len(lines) && reTableSp.MatchString(lines[i+1]) {
			j := i + 2
			rows := [][]string{cells(ln)}
			for ; j < len(lines) && strings.Contains(lines[j], "|") && strings.TrimSpace(lines[j]) != ""; j++ {
				rows = append(rows, cells(lines[j]))
			}
			// Widths are counted on the text as shown; escaping after
			// keeps the columns aligned where Slack displays it.
			out = append(out, "```\n"+escape(table(rows))+"\n```")
			i = j - 1
			continue
		}
		out = append(out, inline(ln))
	}
	return strings.Join(out, "\n")
}

// linkMark stands for a link while the rest of a line is escaped; NUL
// cannot come from the input (escape drops it).
const linkMark = "\x00"

func inline(ln string) string {
	ln = strings.ReplaceAll(ln, linkMark, "")
	if m := reHeading.FindStringSubmatch(ln); m != nil {
		ln = "**" + strings.TrimSpace(m[1]) + "**"
	}
	ln = reBullet.ReplaceAllString(ln, "$1• ")
	// Links become their text and their target shown in full; the
	// target is held aside while the rest is escaped.
	var links []string
	ln = reLink.ReplaceAllStringFunc(ln, func(s string) string {
		m := reLink.FindStringSubmatch(s)
		u, err := url.Parse(m[2])
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return s
		}
		links = append(links, "<"+strings.ReplaceAll(m[2], "&", "&amp;")+">")
		mark := linkMark + strconv.Itoa(len(links)-1) + linkMark
		if strings.TrimSpace(m[1]) == m[2] {
			return mark
		}
		return m[1] + " (" + mark + ")"
	})
	ln = escape(strings.ReplaceAll(ln, linkMark, "\x01")) // escape drops NUL: keep the marks apart
	ln = strings.ReplaceAll(ln, "\x01", linkMark)
	ln = reBold.ReplaceAllString(ln, "*$1*")
	ln = reBoldU.ReplaceAllString(ln, "*$1*")
	for i, l := range links {
		ln = strings.Replace(ln, linkMark+strconv.Itoa(i)+linkMark, l, 1)
	}
	return ln
}

func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	parts := strings.Split(row, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(parts[i], "**", ""))
	}
	return parts
}

func table(rows [][]string) string {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], runeLen(c))
		}
	}
	var sb strings.Builder
	for ri, r := range rows {
		for i, c := range r {
			if i > 0 {
				sb.WriteString("  ")
			}
			sb.WriteString(c)
			if i < len(r)-1 {
				sb.WriteString(strings.Repeat(" ", widths[i]-runeLen(c)))
			}
		}
		if ri < len(rows)-1 {
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// Messages splits blocks over as many messages as Slack's limits need (at
// most 50 blocks and 40,000 characters of text each), in order. Nothing is
// dropped: the caller posts the first as the answer and the rest as
// follow-ups in the thread.
func Messages(blocks []slack.Block) [][]slack.Block {
	var out [][]slack.Block
	var cur []slack.Block
	size := 0
	for _, b := range blocks {
		n := blockTextLen(b)
		if len(cur) > 0 && (len(cur) == MaxBlocks || size+n > MaxMessageText) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, b)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func blockTextLen(b slack.Block) int {
	switch v := b.(type) {
	case *slack.SectionBlock:
		if v.Text != nil {
			return runeLen(v.Text.Text)
		}
	case *slack.ContextBlock:
		n := 0
		for _, e := range v.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				n += runeLen(t.Text)
			}
		}
		return n
	}
	return 0
}

// PlainText is the fallback text of a message (notifications, screen
// readers, clients without Block Kit): the answer's first lines, escaped
// (Slack parses a message's text for mentions and links too).
func PlainText(a *agent.Answer) string {
	if a == nil {
		return ""
	}
	t := a.Situation
	if t == "" {
		t = a.Text
	}
	if len(a.Steps) > 0 {
		t += "\n1. " + a.Steps[0].Text
	}
	return escape(truncate(t, 2900))
}

// RenderDigest returns the digest's short header message and the details
// posted in its thread. Times are in the digest's time zone. The header
// names the worst item; it says that nothing needs attention only when
// every check ran and was clean, and names the checks that could not run.
func RenderDigest(d *conversation.Digest) (header []slack.Block, details []slack.Block) {
	scope := conversation.FormatScope(d.Scope)
	if scope == "" {
		scope = "whole plant"
	}
	window := "since " + d.Clock(d.Since)
	if d.Shift != "" {
		window = d.Shift + " shift, " + window
	}
	head := fmt.Sprintf(":clipboard: *Shift digest* — `%s` · %s", escape(scope), escape(window))
	if !d.FeedStopped.IsZero() {
		head += fmt.Sprintf("\n:warning: *No data since %s* (%s): the plant's data feed has stopped or is behind, so this shift could not be checked. Check the connectors (`gemba connect`) or the gateway.",
			escape(d.Clock(d.FeedStopped)), escape(d.Ago(d.FeedStopped)))
	}
	if len(d.LookFirst) > 0 {
		head += "\n*Look first:* " + escape(d.LookFirst[0])
	}
	if len(d.Unchecked) > 0 {
		head += "\n:warning: *Not checked:* " + escape(strings.Join(d.Unchecked, "; "))
		if len(d.LookFirst) == 0 {
			head += "\nNothing else found, but this digest is incomplete."
		}
	}
	if d.Clean() {
		head += "\n" + strings.TrimSpace("Nothing needs attention. :white_check_mark: "+escape(cleanCounts(d)))
	}
	header = []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(head, MaxSectionText), false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("%d open thread(s) · details in the thread :thread:", len(d.OpenThreads)), false, false)),
	}
	add := func(text string) { details = append(details, sections(text)...) }
	check := func(text string, note bool) string {
		if note {
			return "_" + escape(text) + "_"
		}
		return Mrkdwn(text)
	}
	add(":rotating_light: *Anomaly events this shift*\n" + check(d.Anomalies, d.AnomaliesNote))
	add(":chart_with_upwards_trend: *Output vs plan*\n" + check(d.Plan, d.PlanNote))
	if len(d.Risk) > 0 {
		var sb strings.Builder
		sb.WriteString(":hourglass_flowing_sand: *Failure risk*")
		for _, l := range d.Risk {
			sb.WriteString("\n• " + escape(l))
		}
		add(sb.String())
	}
	if len(d.Alerts) > 0 {
		var sb strings.Builder
		sb.WriteString(":bell: *Alerts this shift*")
		for _, a := range d.Alerts {
			status := "open"
			if a.Status == conversation.AlertAcknowledged {
				status = "acknowledged by <@" + escape(a.AckedBy) + ">"
			}
			fmt.Fprintf(&sb, "\n• %s — %s", escape(a.Summary), status)
		}
		add(sb.String())
	}
	if len(d.OpenThreads) == 0 {
		add(":speech_balloon: *Open threads*\nNone.")
	} else {
		var sb strings.Builder
		sb.WriteString(":speech_balloon: *Open threads*")
		for _, t := range d.OpenThreads {
			q := escape(truncate(t.Question, 120))
			if t.Link != "" {
				q = "<" + t.Link + "|" + strings.NewReplacer("|", "¦", ">", "›").Replace(q) + ">"
			}
			who := t.Mention
			if who == "" {
				who = "<@" + t.User + ">"
			}
			fmt.Fprintf(&sb, "\n• %s — %s, last answer %s", q, who, escape(d.Clock(t.Since)))
		}
		add(sb.String())
	}
	if len(d.LookFirst) > 0 {
		var sb strings.Builder
		sb.WriteString(":eyes: *What to look at first*")
		for i, l := range d.LookFirst {
			fmt.Fprintf(&sb, "\n%d. %s", i+1, escape(l))
		}
		add(sb.String())
	}
	return header, details
}

// cleanCounts says what a clean digest checked.
func cleanCounts(d *conversation.Digest) string {
	var parts []string
	if d.Checked > 0 {
		parts = append(parts, fmt.Sprintf("%d asset(s) checked", d.Checked))
	}
	if len(d.Lines) > 0 {
		parts = append(parts, fmt.Sprintf("%d line(s) on plan", len(d.Lines)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// DigestText renders a digest as plain text (for --dry-run).
func DigestText(d *conversation.Digest) string {
	h, det := RenderDigest(d)
	var parts []string
	for _, b := range append(h, det...) {
		switch v := b.(type) {
		case *slack.SectionBlock:
			parts = append(parts, v.Text.Text)
		case *slack.ContextBlock:
			for _, e := range v.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, t.Text)
				}
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

// Message renders what the core says as Block Kit blocks and the message's
// plain-text fallback: an answer (or its held-back detail), a digest's
// header or details, or a text note.
func Message(m conversation.Message) (blocks []slack.Block, text string) {
	switch {
	case m.Answer != nil:
		return RenderAnswer(m.Answer, RenderOptions{Detail: m.Detail}), PlainText(m.Answer)
	case m.Alert != nil:
		return RenderAlert(m.Alert), orText(m.Text, "Alert on "+m.Alert.Asset)
	case m.Digest != nil:
		header, details := RenderDigest(m.Digest)
		if m.DigestDetails {
			return details, orText(m.Text, "Shift digest details")
		}
		return header, orText(m.Text, "Shift digest")
	}
	return nil, m.Text
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// RenderAlert builds the blocks of a proactive alert: the event with its
// numbers in plant time, the first steps that touch no equipment, and the
// Acknowledge and Ask Gemba buttons — or, once acknowledged, who did.
func RenderAlert(a *conversation.Alert) []slack.Block {
	zone := a.Zone
	if zone == nil {
		zone = time.UTC
	}
	dir := "up"
	if a.Sigma < 0 {
		dir = "down"
	}
	unit := ""
	if a.Unit != "" {
		unit = " " + a.Unit
	}
	head := fmt.Sprintf(":rotating_light: *Alert: %s %s %s %.1fσ* since %s\nNow %s%s, usual %s%s (%s).",
		escape(a.Asset), escape(a.Sensor), dir, math.Abs(a.Sigma), a.Onset.In(zone).Format("Jan 2 15:04 MST"),
		num(a.Value), escape(unit), num(a.Usual), escape(unit), escape(strings.ReplaceAll(a.Kind, "_", " ")))
	blocks := []slack.Block{section(head)}
	if len(a.Steps) > 0 {
		var sb strings.Builder
		sb.WriteString("*First safe steps* (no equipment touched)")
		for i, st := range a.Steps {
			fmt.Fprintf(&sb, "\n%d. %s", i+1, escape(st.Text))
		}
		blocks = append(blocks, section(truncate(sb.String(), MaxSectionText)))
	}
	if a.Status == conversation.AlertAcknowledged {
		when := ""
		if a.AckedAt != nil {
			when = " at " + a.AckedAt.In(zone).Format("15:04 MST")
		}
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf(":white_check_mark: Acknowledged by <@%s>%s · alert #%d", escape(a.AckedBy), when, a.ID), false, false)))
		return blocks
	}
	id := strconv.FormatInt(a.ID, 10)
	ack := slack.NewButtonBlockElement(conversation.ActionAlertAck, id, slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false))
	ack.Style = slack.StylePrimary
	ask := slack.NewButtonBlockElement(conversation.ActionAlertAsk, id, slack.NewTextBlockObject(slack.PlainTextType, "Ask Gemba", false, false))
	blocks = append(blocks,
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf(":robot_face: Gemba's online detector · alert #%d", a.ID), false, false)),
		slack.NewActionBlock("alert_actions", ack, ask))
	return blocks
}

// section is a mrkdwn section block.
func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

// num writes a reading with three significant digits.
func num(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	d := math.Ceil(math.Log10(math.Abs(v)))
	p := math.Pow(10, 3-d)
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}
