package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// onCommand acks a /gemba command: bad arguments and help are answered at
// once (ephemeral, only the caller sees them); anything else is recorded
// and handled by a worker. An error means the command was not recorded.
func (b *Bot) onCommand(ctx context.Context, cmd slack.SlashCommand) (any, error) {
	c, err := ParseCommand(cmd.Text)
	var ue *UsageError
	if errors.As(err, &ue) {
		return ephemeral(":warning: " + ue.Problem + "\nUsage: " + Usage(ue.Sub)), nil
	}
	if c.Sub == SubHelp {
		return ephemeral(Usage("")), nil
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("bot: encode command: %w", err)
	}
	id := "cmd:" + cmd.TriggerID
	if cmd.TriggerID == "" {
		id = "cmd:" + randomID()
	}
	if _, err := b.accept(ctx, id, cmd.TeamID, kindCommand, payload); err != nil {
		return nil, err
	}
	return nil, nil
}

func randomID() string {
	buf := make([]byte, 8)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// handleCommand runs a recorded /gemba command.
func (b *Bot) handleCommand(ctx context.Context, j job) error {
	var cmd slack.SlashCommand
	if err := json.Unmarshal(j.payload, &cmd); err != nil {
		return fmt.Errorf("decode command: %w", err)
	}
	c, err := ParseCommand(cmd.Text)
	if err != nil {
		return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", ":warning: "+err.Error())
	}
	switch c.Sub {
	case SubAsk:
		root, err := b.post(ctx, cmd.ChannelID, "", slack.MsgOptionText(fmt.Sprintf(":speech_balloon: <@%s> asked: %s", cmd.UserID, escape(c.Question)), false))
		if err != nil {
			return err
		}
		return b.ask(ctx, j, question{channel: cmd.ChannelID, user: cmd.UserID, text: c.Question, ts: root, threadTS: root, source: "command"})
	case SubForecast:
		return b.runForecast(ctx, j, cmd, c)
	case SubAnomalies:
		return b.runAnomalies(ctx, j, cmd, c)
	case SubDigest:
		return b.runDigestCommand(ctx, cmd, c)
	case SubBind:
		return b.runBind(ctx, cmd, c)
	case SubSettings:
		return b.runSettings(ctx, cmd, c)
	}
	return nil
}

func (b *Bot) runForecast(ctx context.Context, j job, cmd slack.SlashCommand, c Command) error {
	s, err := b.Settings(ctx, cmd.ChannelID)
	if err != nil {
		return err
	}
	if ok, why := b.permitted(ctx, "forecasts", cmd.UserID, cmd.ChannelID, b.o.Permissions.ForecastChannels, b.o.Permissions.ForecastUsers); !ok {
		return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", why)
	}
	if ok, why := b.permitted(ctx, "forecasts", cmd.UserID, cmd.ChannelID, nil, s.ForecastUsers); !ok {
		return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", why)
	}
	args := map[string]any{"series": c.Series}
	if c.Horizon > 0 {
		args["horizon"] = c.Horizon
	}
	if c.Season > 0 {
		args["season"] = c.Season
	}
	q := "Forecast " + c.Series
	if c.Horizon > 0 {
		q += fmt.Sprintf(" for the next %d steps", c.Horizon)
	}
	if c.Season > 0 {
		q += fmt.Sprintf(" with a season of %d steps", c.Season)
	}
	return b.runTool(ctx, j, cmd, s, tools.ForecastSeries, args, q, fmt.Sprintf(":chart_with_upwards_trend: <@%s> asked for a forecast of `%s`", cmd.UserID, c.Series))
}

func (b *Bot) runAnomalies(ctx context.Context, j job, cmd slack.SlashCommand, c Command) error {
	s, err := b.Settings(ctx, cmd.ChannelID)
	if err != nil {
		return err
	}
	since := c.SinceTime
	if since.IsZero() {
		since = b.now().Add(-c.Since)
	}
	args := map[string]any{"since": since.UTC().Format(time.RFC3339)}
	asset := c.Asset
	if asset == "" {
		asset = s.Scope.Asset
	}
	if asset != "" {
		args["asset"] = asset
	} else if s.Scope.Line != "" {
		args["line"] = s.Scope.Line
	}
	what := "the plant"
	if asset != "" {
		what = "`" + asset + "`"
	} else if !s.Scope.IsZero() {
		what = "`" + FormatScope(s.Scope) + "`"
	}
	q := fmt.Sprintf("What anomalies happened on %s since %s?", strings.Trim(what, "`"), since.UTC().Format("2006-01-02 15:04 MST"))
	return b.runTool(ctx, j, cmd, s, tools.DetectAnomalies, args, q, fmt.Sprintf(":rotating_light: <@%s> asked for anomalies on %s since %s", cmd.UserID, what, since.UTC().Format("Jan 2 15:04 MST")))
}

// runTool answers a forecast or anomalies command: the tool runs directly
// (fast, with its chart) when the registry has it and accepts the
// arguments; otherwise the question goes to the agent. A readable tool
// error (unknown series, empty window) goes back to the caller only.
func (b *Bot) runTool(ctx context.Context, j job, cmd slack.SlashCommand, s ChannelSettings, name string, args map[string]any, fallbackQ, header string) error {
	var tool tools.Tool
	if b.o.Tools != nil && (len(s.AllowedTools) == 0 || contains(s.AllowedTools, name)) {
		tool, _ = b.o.Tools.Get(name)
	}
	if tool == nil {
		root, err := b.post(ctx, cmd.ChannelID, "", slack.MsgOptionText(header, false))
		if err != nil {
			return err
		}
		return b.ask(ctx, job{id: j.id, attempt: j.attempt}, question{channel: cmd.ChannelID, user: cmd.UserID, text: fallbackQ, ts: root, threadTS: root, source: "command"})
	}
	raw, _ := json.Marshal(args)
	start := time.Now()
	res, err := tool.Call(tools.WithScope(ctx, s.Scope), raw)
	b.metrics.ObserveTool(name, time.Since(start), err != nil)
	if err != nil {
		_ = b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", ":warning: Sorry — "+name+" failed. Please try again in a minute.")
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.UserError != "" {
		if res.InvalidArgs {
			// This build's tool takes other arguments: let the agent call it.
			b.log.WarnContext(ctx, "tool rejected the command's arguments; asking the agent", "tool", name, "err", res.UserError)
			noTool := s
			noTool.AllowedTools = []string{"(agent only)"}
			return b.runTool(ctx, j, cmd, noTool, name, args, fallbackQ, header)
		}
		return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", ":information_source: "+escape(res.UserError))
	}
	if j.id != "" && !b.owns(ctx, j) {
		return errLostLease
	}
	root := j.replyTS
	if root == "" {
		if root, err = b.post(ctx, cmd.ChannelID, "", slack.MsgOptionText(header, false)); err != nil {
			return err
		}
		b.setReplyTS(ctx, j, root)
	}
	a := &agent.Answer{
		Lang: "en", Mode: agent.ModeOffline, Situation: res.Summary, Text: res.Summary, Citations: res.Citations, Charts: res.Charts,
		Trace:     []agent.ToolTrace{{Tool: name, Args: args, DurationMS: time.Since(start).Milliseconds(), Summary: res.Summary}},
		LatencyMS: time.Since(start).Milliseconds(),
	}
	ts, err := b.post(ctx, cmd.ChannelID, root, slack.MsgOptionText(PlainText(a), false), slack.MsgOptionBlocks(RenderAnswer(a, RenderOptions{})...))
	if err != nil {
		return err
	}
	b.uploadCharts(ctx, cmd.ChannelID, root, a.Charts)
	if err := b.recordAnswer(ctx, cmd.ChannelID, root, ts, cmd.UserID, fallbackQ, a); err != nil {
		b.log.ErrorContext(ctx, "remember the thread", "err", err)
	}
	b.metrics.CountQuestion("slack", agent.ModeOffline)
	return nil
}

func (b *Bot) runBind(ctx context.Context, cmd slack.SlashCommand, c Command) error {
	s, err := b.Settings(ctx, cmd.ChannelID)
	if err != nil {
		return err
	}
	s.Scope, s.UpdatedBy = c.Scope, cmd.UserID
	if err := b.SaveSettings(ctx, s); err != nil {
		return err
	}
	text := fmt.Sprintf(":link: <@%s> bound this channel to `%s`: questions, tools and searches here are scoped to it unless a question names something else.", cmd.UserID, FormatScope(c.Scope))
	if c.Unbind {
		text = fmt.Sprintf(":link: <@%s> removed this channel's binding: questions here cover the whole plant.", cmd.UserID)
	}
	return b.postThread(ctx, cmd.ChannelID, "", text)
}

func (b *Bot) runSettings(ctx context.Context, cmd slack.SlashCommand, c Command) error {
	s, err := b.Settings(ctx, cmd.ChannelID)
	if err != nil {
		return err
	}
	changed := true
	switch c.Setting {
	case "show":
		changed = false
	case "mention-only":
		s.MentionOnly = true
	case "every-question":
		s.MentionOnly = false
	case "tools":
		s.AllowedTools = nil
		if c.Value != "all" {
			s.AllowedTools = splitList(c.Value)
		}
	case "quiet":
		if c.Value == "off" {
			s.QuietStart, s.QuietEnd = 0, 0
		} else {
			s.QuietStart, s.QuietEnd, _ = parseQuiet(c.Value)
			if c.TZ != "" {
				s.TZ = c.TZ
			}
		}
	}
	if changed {
		s.UpdatedBy = cmd.UserID
		if err := b.SaveSettings(ctx, s); err != nil {
			return err
		}
	}
	return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", describeSettings(s, changed))
}

func describeSettings(s ChannelSettings, changed bool) string {
	var sb strings.Builder
	if changed {
		sb.WriteString(":white_check_mark: Saved. ")
	}
	sb.WriteString("*This channel's Gemba settings*\n")
	scope := FormatScope(s.Scope)
	if scope == "" {
		scope = "whole plant (not bound)"
	}
	fmt.Fprintf(&sb, "• Scope: `%s`\n", scope)
	if s.MentionOnly {
		sb.WriteString("• Answers: only when mentioned\n")
	} else {
		sb.WriteString("• Answers: every question asked in the channel\n")
	}
	if len(s.AllowedTools) == 0 {
		sb.WriteString("• Tools: all\n")
	} else {
		fmt.Fprintf(&sb, "• Tools: %s\n", strings.Join(s.AllowedTools, ", "))
	}
	if s.QuietStart == s.QuietEnd {
		sb.WriteString("• Quiet hours: none")
	} else {
		fmt.Fprintf(&sb, "• Quiet hours: %02d:%02d–%02d:%02d %s", s.QuietStart/60, s.QuietStart%60, s.QuietEnd/60, s.QuietEnd%60, s.TZ)
	}
	return sb.String()
}
