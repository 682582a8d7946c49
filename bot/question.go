package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/ops"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/tools"
)

// errLostLease stops a worker whose delivery was taken over by another
// replica (its lease ran out): that replica answers instead.
var errLostLease = errors.New("bot: lease lost to another replica; not posting")

// ask answers one question in its thread: rate limit, 👀, placeholder,
// thread history when first called mid-thread, the agent, then the
// rendered answer, its charts and the thread's memory.
func (b *Bot) ask(ctx context.Context, j job, q question) error {
	start := time.Now()
	ctx = ops.WithLogAttrs(ctx, "thread", threadKey(q.channel, q.threadTS), "user", q.user)
	tx := textFor(q.text)
	if strings.TrimSpace(q.text) == "" {
		return b.postThread(ctx, q.channel, q.threadTS, tx.greeting)
	}
	if b.o.Asker == nil {
		return b.postThread(ctx, q.channel, q.threadTS, tx.noAgent)
	}
	if ok, wait := b.limiter.allow(q.user); !ok {
		return b.postThread(ctx, q.channel, q.threadTS, tx.slow(q.user, wait))
	}
	settings, err := b.Settings(ctx, q.channel)
	if err != nil {
		return err
	}
	b.react(ctx, q.channel, q.ts, "eyes", true)
	defer b.react(context.WithoutCancel(ctx), q.channel, q.ts, "eyes", false)

	replyTS := j.replyTS
	if replyTS == "" && j.attempt > 1 {
		// An earlier attempt may have posted its placeholder without being
		// able to record it (the database was down, or the replica died in
		// between): find it in the thread so it is replaced, not left behind.
		replyTS = b.findPlaceholder(ctx, q.channel, q.threadTS)
	}
	if replyTS == "" {
		replyTS, err = b.post(ctx, q.channel, q.threadTS, slack.MsgOptionText(tx.placeholder, false))
		if err != nil {
			return err
		}
		b.setReplyTS(ctx, j, replyTS)
	}
	if err := b.joinThread(ctx, q.channel, q.threadTS, q.user, q.text); err != nil {
		return err
	}

	text := q.text
	if q.midThread {
		if h := b.threadHistory(ctx, q.channel, q.threadTS, q.ts); h != "" {
			text = "Earlier in this Slack thread:\n" + h + "\n\nQuestion: " + q.text
		}
	}
	req := agent.Request{
		ThreadKey: threadKey(q.channel, q.threadTS), Channel: q.channel, UserID: q.user, Question: text,
		Scope: settings.Scope, AllowedTools: settings.AllowedTools, Now: b.now(),
	}
	a, err := b.o.Asker.Ask(tools.WithScope(ctx, settings.Scope), req)
	if err == nil && a == nil {
		err = errors.New("the agent returned no answer")
	}
	if err != nil {
		b.apologize(context.WithoutCancel(ctx), q.channel, q.threadTS, replyTS, tx, err)
		return &toldUser{fmt.Errorf("ask: %w", err)}
	}
	if j.id != "" && !b.owns(ctx, j) {
		return errLostLease
	}
	if err := b.postAnswer(ctx, q.channel, q.threadTS, replyTS, a); err != nil {
		return err
	}
	if err := b.recordAnswer(ctx, q.channel, q.threadTS, replyTS, q.user, q.text, a); err != nil {
		b.log.ErrorContext(ctx, "remember the thread", "err", err)
	}
	b.metrics.CountQuestion("slack", a.Mode)
	b.metrics.ObserveStage("answer", time.Since(start))
	b.log.InfoContext(ctx, "answered", "channel", q.channel, "thread", q.threadTS, "source", q.source, "mode", a.Mode,
		"steps", len(a.Steps), "charts", len(a.Charts), "ms", time.Since(start).Milliseconds())
	return nil
}

// postAnswer replaces the placeholder with the answer; blocks beyond one
// message's limits follow in the thread, then the charts.
func (b *Bot) postAnswer(ctx context.Context, channel, threadTS, replyTS string, a *agent.Answer) error {
	msgs := Messages(RenderAnswer(a, RenderOptions{}))
	if len(msgs) == 0 {
		msgs = [][]slack.Block{nil}
	}
	fallback := PlainText(a)
	for i, blocks := range msgs {
		opts := []slack.MsgOption{slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...)}
		if i == 0 && replyTS != "" {
			err := b.retry(ctx, "chat.update", func(ctx context.Context) error {
				_, _, _, err := b.api.UpdateMessageContext(ctx, channel, replyTS, opts...)
				return err
			})
			if err == nil {
				continue
			}
			b.log.WarnContext(ctx, "could not update the placeholder; posting the answer instead", "err", err)
		}
		if _, err := b.post(ctx, channel, threadTS, opts...); err != nil {
			return err
		}
	}
	b.uploadCharts(ctx, channel, threadTS, a.Charts)
	return nil
}

// uploadCharts uploads each chart as a PNG in the thread with its numbers.
func (b *Bot) uploadCharts(ctx context.Context, channel, threadTS string, charts []chart.Chart) {
	for _, c := range charts {
		png, err := b.charts.png(c)
		if err != nil {
			b.log.WarnContext(ctx, "chart not drawn", "title", c.Title, "err", err)
			continue
		}
		comment := "*" + escape(c.Title) + "*"
		if t := chart.Table(c, nil, 12); t != "" {
			comment += "\n```\n" + t + "\n```"
		}
		name := slug(c.Title) + ".png"
		err = b.retry(ctx, "files.upload", func(ctx context.Context) error {
			_, err := b.api.UploadFileContext(ctx, slack.UploadFileParameters{
				Reader: bytes.NewReader(png), FileSize: len(png), Filename: name, Title: c.Title,
				InitialComment: truncate(comment, 3900), Channel: channel, ThreadTimestamp: threadTS,
				AltTxt: truncate("Chart: "+c.Title, 1000),
			})
			return err
		})
		if err != nil {
			b.log.ErrorContext(ctx, "chart upload failed", "title", c.Title, "err", err)
			_ = b.postThread(ctx, channel, threadTS, "I couldn't upload the chart _"+escape(c.Title)+"_; here are its numbers:\n```\n"+chart.Table(c, nil, 12)+"\n```")
		}
	}
}

var reSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(reSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "chart"
	}
	return truncate(s, 60)
}

// threadHistory reads the thread's earlier messages (Gemba was first
// called mid-thread), oldest first, excluding the question itself.
func (b *Bot) threadHistory(ctx context.Context, channel, threadTS, exclude string) string {
	var msgs []slack.Message
	err := b.retry(ctx, "conversations.replies", func(ctx context.Context) error {
		var err error
		msgs, _, _, err = b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: threadTS, Limit: 50})
		return err
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not read the thread", "channel", channel, "thread", threadTS, "err", err)
		return ""
	}
	var lines []string
	for _, m := range msgs {
		if m.Timestamp == exclude || strings.TrimSpace(m.Text) == "" {
			continue
		}
		who := "<@" + m.User + ">"
		if m.BotID != "" {
			who = "bot"
		}
		lines = append(lines, who+": "+truncate(stripMentions(m.Text), 500))
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// onOutcome records what a user said about the advice ("step 2 fixed it")
// on the documents the answer cited, so that retrieval ranks fixes that
// worked higher, and thanks them in the thread.
func (b *Bot) onOutcome(ctx context.Context, j job, th *thread, q question, outcome string, step int) error {
	docs := th.Citations
	if step > 0 && step <= len(th.StepCitations) && len(th.StepCitations[step-1]) > 0 {
		docs = th.StepCitations[step-1]
	}
	var recorded []string
	if b.o.Incidents != nil {
		for _, d := range docs {
			if err := b.o.Incidents.SetOutcome(ctx, d, outcome, q.user); err != nil {
				b.log.WarnContext(ctx, "could not record outcome", "doc", d, "err", err)
				continue
			}
			recorded = append(recorded, "`"+d+"`")
		}
	}
	if err := b.recordOutcome(ctx, q.channel, q.threadTS, q.user, outcome); err != nil {
		return err
	}
	what := map[string]string{OutcomeWorked: "worked", OutcomePartial: "partly worked", OutcomeFailed: "did not work"}[outcome]
	subject := "the advice"
	if step > 0 {
		subject = fmt.Sprintf("step %d", step)
	}
	msg := fmt.Sprintf("Thanks <@%s> — noted that %s *%s*.", q.user, subject, what)
	if len(recorded) > 0 {
		msg += " Recorded on " + strings.Join(recorded, ", ") + ", so similar questions will rank that fix accordingly."
	}
	if outcome != OutcomeWorked {
		msg += " If it's still a problem, mention me with what you see now and I'll look again."
	}
	if j.id != "" && !b.owns(ctx, j) {
		return errLostLease
	}
	return b.postThread(ctx, q.channel, q.threadTS, msg)
}

// apologize replaces the placeholder (or posts) a short message saying
// that something went wrong and what to try; Gemba never stays silent.
func (b *Bot) apologize(ctx context.Context, channel, threadTS, replyTS string, tx botText, cause error) {
	text := tx.failed
	if errors.Is(cause, context.DeadlineExceeded) {
		text = tx.timeout
	}
	if replyTS != "" {
		err := b.retry(ctx, "chat.update", func(ctx context.Context) error {
			_, _, _, err := b.api.UpdateMessageContext(ctx, channel, replyTS, slack.MsgOptionText(text, false))
			return err
		})
		if err == nil {
			return
		}
	}
	_ = b.postThread(ctx, channel, threadTS, text)
}

// post sends a message (in a thread when threadTS is set) and returns its ts.
func (b *Bot) post(ctx context.Context, channel, threadTS string, opts ...slack.MsgOption) (string, error) {
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	err := b.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = b.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("post to %s: %w", channel, err)
	}
	return ts, nil
}

func (b *Bot) postThread(ctx context.Context, channel, threadTS, text string) error {
	_, err := b.post(ctx, channel, threadTS, slack.MsgOptionText(text, false))
	return err
}

// postEphemeral shows text to one user only.
func (b *Bot) postEphemeral(ctx context.Context, channel, user, threadTS, text string) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	err := b.retry(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := b.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("ephemeral to %s: %w", user, err)
	}
	return nil
}

// react adds (or removes) a reaction; failures only get logged, progress
// signs are not worth failing an answer over.
func (b *Bot) react(ctx context.Context, channel, ts, name string, add bool) {
	if ts == "" {
		return
	}
	ref := slack.NewRefToMessage(channel, ts)
	err := b.retry(ctx, "reactions", func(ctx context.Context) error {
		if add {
			return b.api.AddReactionContext(ctx, name, ref)
		}
		return b.api.RemoveReactionContext(ctx, name, ref)
	})
	if err != nil && err.Error() != "already_reacted" && err.Error() != "no_reaction" {
		b.log.DebugContext(ctx, "reaction failed", "name", name, "add", add, "err", err)
	}
}

// findPlaceholder returns the ts of this bot's placeholder still waiting in
// the thread, or "" when there is none (or the thread cannot be read).
func (b *Bot) findPlaceholder(ctx context.Context, channel, threadTS string) string {
	var msgs []slack.Message
	err := b.retry(ctx, "conversations.replies", func(ctx context.Context) error {
		var err error
		msgs, _, _, err = b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: threadTS, Limit: 200})
		return err
	})
	if err != nil {
		if err.Error() != "thread_not_found" { // no replies yet: nothing to find
			b.log.WarnContext(ctx, "could not look for an earlier placeholder", "err", err)
		}
		return ""
	}
	me := b.identity()
	b.idMu.Lock()
	botID := b.botID
	b.idMu.Unlock()
	for _, m := range msgs {
		if m.Timestamp != threadTS && IsPlaceholder(m.Text) && (m.User == me || (m.BotID != "" && m.BotID == botID)) {
			return m.Timestamp
		}
	}
	return ""
}
