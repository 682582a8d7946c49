package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/tools"
)

// QuickReply answers a /gemba command that needs no work at once — help,
// and usage errors — so that a transport can show it in its immediate
// response (Slack's slash-command reply, only the caller sees it). It
// reports false for a command that has to be recorded and run.
func QuickReply(text string) (string, bool) {
	c, err := ParseCommand(text)
	var ue *UsageError
	if errors.As(err, &ue) {
		return ":warning: " + Escape(ue.Problem) + "\nUsage: " + Usage(ue.Sub), true
	}
	if err == nil && c.Sub == SubHelp {
		return Usage(""), true
	}
	return "", false
}

// onCommand runs a /gemba command.
func (c *Core) onCommand(ctx context.Context, t Transport, j job, in Inbound) error {
	cmd, err := ParseCommand(in.Text)
	if err != nil || cmd.Sub == SubHelp {
		text, _ := QuickReply(in.Text)
		return c.ephemeral(ctx, t, in, text)
	}
	switch cmd.Sub {
	case SubAsk:
		p, replyRef, err := c.commandThread(ctx, t, j, in, fmt.Sprintf(":speech_balloon: %s asked: %s", t.Mention(in.User), Escape(cmd.Question)))
		if err != nil {
			return err
		}
		if in.Placeholder == "" {
			// The placeholder of the header's thread comes from ask itself.
			replyRef = ""
		}
		return c.ask(ctx, t, j, question{place: p, user: in.User, text: cmd.Question,
			ref: p.thread, placeholder: replyRef, via: "command"})
	case SubForecast:
		return c.runForecast(ctx, t, j, in, cmd)
	case SubAnomalies:
		return c.runAnomalies(ctx, t, j, in, cmd)
	case SubDigest:
		return c.runDigestCommand(ctx, t, in, cmd)
	case SubBind:
		return c.runBind(ctx, t, in, cmd)
	case SubSettings:
		return c.runSettings(ctx, t, in, cmd)
	}
	return nil
}

// ephemeral shows text to the user who sent in only (in the placeholder's
// place when the transport shows one).
func (c *Core) ephemeral(ctx context.Context, t Transport, in Inbound, text string) error {
	return t.Ephemeral(ctx, in.Channel, in.User, in.Placeholder, Message{Text: text})
}

// commandThread is where a command's reply goes. A transport that shows
// the command in a thread of its own (the console) gives the thread and a
// placeholder; otherwise the header is posted as a new message of the
// channel and the reply goes in its thread (once: a retry finds the header
// it posted through the delivery's reply reference).
func (c *Core) commandThread(ctx context.Context, t Transport, j job, in Inbound, header string) (place, string, error) {
	if in.Thread != "" {
		return placeOf(t, in.Channel, in.Thread), in.Placeholder, nil
	}
	if j.replyRef != "" {
		return placeOf(t, in.Channel, j.replyRef), "", nil
	}
	root, err := t.Post(ctx, in.Channel, "", Message{Text: header})
	if err != nil {
		return place{}, "", err
	}
	c.setReplyRef(ctx, j, root)
	return placeOf(t, in.Channel, root), "", nil
}

func (c *Core) runForecast(ctx context.Context, t Transport, j job, in Inbound, cmd Command) error {
	s, err := c.Settings(ctx, t.Source(), in.Channel)
	if err != nil {
		return err
	}
	if ok, why := c.permitted(ctx, t, "forecasts", in.User, in.Channel, c.o.Permissions.ForecastChannels, c.o.Permissions.ForecastUsers); !ok {
		return c.ephemeral(ctx, t, in, why)
	}
	if ok, why := c.permitted(ctx, t, "forecasts", in.User, in.Channel, nil, s.ForecastUsers); !ok {
		return c.ephemeral(ctx, t, in, why)
	}
	args := map[string]any{"series": cmd.Series}
	q := "Forecast " + cmd.Series
	if cmd.Horizon > 0 {
		args["horizon"] = cmd.Horizon
		q += fmt.Sprintf(" for the next %d steps", cmd.Horizon)
	}
	if cmd.Season > 0 {
		args["season"] = cmd.Season
		q += fmt.Sprintf(" with a season of %d steps", cmd.Season)
	}
	if !cmd.AsOf.IsZero() {
		// A plant day: the forecast is made at its midnight, plant time.
		d := cmd.AsOf
		asOf := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, c.plantLoc())
		args["until"] = asOf.UTC().Format(time.RFC3339)
		q += " as of " + asOf.Format("2006-01-02 15:04 MST")
	}
	return c.runTool(ctx, t, j, in, s, tools.ForecastSeries, args, q,
		fmt.Sprintf(":chart_with_upwards_trend: %s asked for a forecast of `%s`", t.Mention(in.User), Escape(cmd.Series)), nil)
}

func (c *Core) runAnomalies(ctx context.Context, t Transport, j job, in Inbound, cmd Command) error {
	s, err := c.Settings(ctx, t.Source(), in.Channel)
	if err != nil {
		return err
	}
	loc := c.plantLoc()
	since, until := cmd.SinceTime, time.Time{}
	switch {
	case !cmd.From.IsZero():
		// Whole plant days (or a month, a year), midnight to midnight in
		// the plant's zone.
		since = time.Date(cmd.From.Year(), cmd.From.Month(), cmd.From.Day(), 0, 0, 0, 0, loc)
		until = time.Date(cmd.To.Year(), cmd.To.Month(), cmd.To.Day(), 0, 0, 0, 0, loc)
		if until.After(c.now()) {
			until = time.Time{}
		}
	case cmd.SinceLocal:
		since = time.Date(since.Year(), since.Month(), since.Day(), since.Hour(), since.Minute(), 0, 0, loc)
	case since.IsZero():
		since = c.now().Add(-cmd.Since)
	}
	args := map[string]any{"since": since.UTC().Format(time.RFC3339)}
	if !until.IsZero() {
		args["until"] = until.UTC().Format(time.RFC3339)
	}
	asset := cmd.Asset
	if asset == "" {
		asset = s.Scope.Asset
	}
	if asset != "" {
		args["asset"] = asset
	} else if s.Scope.Line != "" {
		args["line"] = s.Scope.Line
	}
	what := "the whole plant"
	if asset != "" {
		what = "`" + asset + "`"
	} else if !s.Scope.IsZero() {
		what = "`" + FormatScope(s.Scope) + "`"
	}
	// Times in the plant's zone; the events are detect_anomalies' records,
	// as the digest and the answers show them.
	view := &Digest{Now: c.now(), Loc: c.plantLoc()}
	format := func(res tools.Result) string {
		f, err := readDetection(res)
		if err != nil {
			return res.Summary
		}
		subject := strings.Trim(what, "`")
		if len(f.Checked) > 1 {
			subject = fmt.Sprintf("%s (%d assets checked)", subject, len(f.Checked))
		}
		head := fmt.Sprintf("%d anomaly event(s) on %s", len(f.Events), subject)
		body := f.text(view, subject, since)
		if !until.IsZero() {
			body = strings.Replace(body, "since "+view.Clock(since), "between "+view.Clock(since)+" and "+view.Clock(until), 1)
		}
		if len(f.Events) == 0 {
			return body
		}
		return head + ":\n" + body
	}
	window := "since " + view.Clock(since)
	qWindow := "since " + view.In(since).Format("2006-01-02 15:04 MST")
	if !until.IsZero() {
		window = "between " + view.Clock(since) + " and " + view.Clock(until)
		qWindow = "between " + view.In(since).Format("2006-01-02 15:04") + " and " + view.In(until).Format("2006-01-02 15:04 MST")
	}
	q := fmt.Sprintf("What anomalies happened on %s %s?", strings.Trim(what, "`"), qWindow)
	return c.runTool(ctx, t, j, in, s, tools.DetectAnomalies, args, q,
		fmt.Sprintf(":rotating_light: %s asked for anomalies on %s %s", t.Mention(in.User), Escape(what), window), format)
}

// runTool answers a forecast or anomalies command: the tool runs directly
// (fast, with its chart) when the registry has it, the channel allows it
// and it accepts the arguments; otherwise the question goes to the agent.
// A readable tool error (unknown series, empty window) goes back to the
// caller only.
//
// format, when not nil, writes the answer's text from the result (times
// in plant time); nil uses the tool's summary.
func (c *Core) runTool(ctx context.Context, t Transport, j job, in Inbound, s ChannelSettings, name string, args map[string]any, q, header string,
	format func(tools.Result) string) error {
	var tool tools.Tool
	if c.o.Tools != nil && (len(s.AllowedTools) == 0 || slices.Contains(s.AllowedTools, name)) {
		tool, _ = c.o.Tools.Get(name)
	}
	askAgent := func() error {
		p, replyRef, err := c.commandThread(ctx, t, j, in, header)
		if err != nil {
			return err
		}
		if in.Placeholder == "" {
			replyRef = ""
		}
		return c.ask(ctx, t, j, question{place: p, user: in.User, text: q,
			ref: p.thread, placeholder: replyRef, via: "command"})
	}
	if tool == nil {
		return askAgent()
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	start := time.Now()
	res, err := tool.Call(tools.WithScope(ctx, s.Scope), raw)
	c.metrics.ObserveTool(name, time.Since(start), err != nil)
	if err != nil {
		_ = c.ephemeral(ctx, t, in, ":warning: Sorry — "+name+" failed. Please try again in a minute.")
		return &toldUser{fmt.Errorf("%s: %w", name, err)}
	}
	if res.InvalidArgs {
		// This build's tool takes other arguments: let the agent call it.
		c.log.WarnContext(ctx, "tool rejected the command's arguments; asking the agent", "tool", name, "err", res.UserError)
		return askAgent()
	}
	if res.UserError != "" {
		return c.ephemeral(ctx, t, in, ":information_source: "+Escape(res.UserError))
	}
	if !c.owns(ctx, j) {
		return errLostLease
	}
	p, replyRef, err := c.commandThread(ctx, t, j, in, header)
	if err != nil {
		return err
	}
	took := time.Since(start)
	text := res.Summary
	if format != nil {
		text = format(res)
	}
	a := &agent.Answer{
		Lang: "en", Mode: agent.ModeOffline, Situation: text, Text: text, Citations: res.Citations, Charts: res.Charts,
		Trace:     []agent.ToolTrace{{Tool: name, Args: args, DurationMS: took.Milliseconds(), Summary: res.Summary}},
		LatencyMS: took.Milliseconds(),
	}
	if c.o.Answers != nil {
		// Into the audit trail, so that the buttons and the trace work as
		// for any answer.
		req := agent.Request{ThreadKey: p.key(), Channel: p.channel, UserID: in.User, Question: q, Now: c.now()}
		if id, err := c.o.Answers.SaveAnswer(ctx, req, a, nil); err != nil {
			c.log.WarnContext(ctx, "command answer not stored in the audit trail", "tool", name, "err", err)
		} else {
			a.ID = id
		}
	}
	m := Message{Answer: a, Text: a.Text}
	if replyRef != "" {
		err = t.Update(ctx, p.channel, p.thread, replyRef, m)
	} else {
		replyRef, err = t.Post(ctx, p.channel, p.thread, m)
	}
	if err != nil {
		return err
	}
	c.uploadCharts(ctx, t, p, a)
	if err := c.recordAnswer(ctx, p, replyRef, in.User, q, a); err != nil {
		c.log.ErrorContext(ctx, "remember the thread", "err", err)
	}
	// Answers made without the agent are counted here; the agent counts its own.
	c.metrics.CountQuestion(t.Source(), agent.ModeOffline)
	c.metrics.ObserveStage("answer", took)
	return nil
}

func (c *Core) runBind(ctx context.Context, t Transport, in Inbound, cmd Command) error {
	s, err := c.Settings(ctx, t.Source(), in.Channel)
	if err != nil {
		return err
	}
	s.Scope, s.UpdatedBy = cmd.Scope, in.User
	if err := c.SaveSettings(ctx, s); err != nil {
		return err
	}
	text := fmt.Sprintf(":link: %s bound this channel to `%s`: questions, tools and searches here are scoped to it unless a question names something else.", t.Mention(in.User), Escape(FormatScope(cmd.Scope)))
	if cmd.Unbind {
		text = fmt.Sprintf(":link: %s removed this channel's binding: questions here cover the whole plant.", t.Mention(in.User))
	}
	// plant.yaml is the source of truth where it binds the channel: say
	// that this change lasts until the next apply.
	ch := model.Channel{Source: t.Source(), ID: in.Channel}
	if f, version, ok, err := model.FileBinding(ctx, c.o.DB, ch); err == nil && ok {
		now := model.Target{Site: cmd.Scope.Site, Line: cmd.Scope.Line, Asset: cmd.Scope.Asset}
		if cmd.Unbind {
			now = model.Target{}
		}
		if now != f {
			text += fmt.Sprintf("\n:warning: plant.yaml (version %d) binds this channel to `%s`: this change lasts until the next `gemba plant apply`, which restores the file's binding. Edit plant.yaml to change it for good.", version, Escape(f.String()))
		}
	} else if err != nil {
		c.log.WarnContext(ctx, "read the plant model's binding", "channel", in.Channel, "err", err)
	}
	return c.announce(ctx, t, in, text)
}

// announce tells a channel what a command changed (everyone sees it).
func (c *Core) announce(ctx context.Context, t Transport, in Inbound, text string) error {
	if in.Placeholder != "" {
		return t.Update(ctx, in.Channel, in.thread(), in.Placeholder, Message{Text: text})
	}
	_, err := t.Post(ctx, in.Channel, in.Thread, Message{Text: text})
	return err
}

func (c *Core) runSettings(ctx context.Context, t Transport, in Inbound, cmd Command) error {
	s, err := c.Settings(ctx, t.Source(), in.Channel)
	if err != nil {
		return err
	}
	changed := true
	switch cmd.Setting {
	case "show":
		changed = false
	case "mention-only":
		s.MentionOnly = true
	case "every-question":
		s.MentionOnly = false
	case "tools":
		s.AllowedTools = nil
		if cmd.Value != "all" {
			s.AllowedTools = splitList(cmd.Value)
		}
	case "quiet":
		if cmd.Value == "off" {
			s.QuietStart, s.QuietEnd = 0, 0
		} else {
			s.QuietStart, s.QuietEnd, _ = parseQuiet(cmd.Value)
			s.TZ = cmd.TZ
			if s.TZ == "" {
				s.TZ = c.plantLoc().String() // quiet hours without a zone are plant time
			}
		}
	}
	if changed {
		s.UpdatedBy = in.User
		if err := c.SaveSettings(ctx, s); err != nil {
			return err
		}
	}
	return c.ephemeral(ctx, t, in, describeSettings(s, changed))
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
	fmt.Fprintf(&sb, "• Scope: `%s`\n", Escape(scope))
	if s.MentionOnly {
		sb.WriteString("• Answers: only when mentioned\n")
	} else {
		sb.WriteString("• Answers: every question asked in the channel\n")
	}
	if len(s.AllowedTools) == 0 {
		sb.WriteString("• Tools: all\n")
	} else {
		fmt.Fprintf(&sb, "• Tools: %s\n", Escape(strings.Join(s.AllowedTools, ", ")))
	}
	if s.QuietStart == s.QuietEnd {
		sb.WriteString("• Quiet hours: none")
	} else {
		fmt.Fprintf(&sb, "• Quiet hours: %02d:%02d–%02d:%02d %s", s.QuietStart/60, s.QuietStart%60, s.QuietEnd/60, s.QuietEnd%60, Escape(s.TZ))
	}
	return sb.String()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
