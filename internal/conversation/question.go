package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/tools"
)

// errLostLease stops a worker whose delivery was taken over by another
// replica (its lease ran out): that replica answers instead.
var errLostLease = errors.New("conversation: lease lost to another replica; not posting")

// question is one thing to answer, whatever its source.
type question struct {
	place
	user, text string
	// ref is the user's message (for the 👀 reaction).
	ref string
	// midThread: Gemba was first called inside an existing thread, so the
	// earlier messages are read from the transport.
	midThread bool
	// placeholder is a reply the transport already shows as pending.
	placeholder string
	// via says how the question came (mention, dm, thread, channel, command).
	via string
}

// ask answers one question in its thread: rate limit, 👀, placeholder,
// thread history when first called mid-thread, the agent, then the
// rendered answer, its charts and the thread's memory.
func (c *Core) ask(ctx context.Context, t Transport, j job, q question) error {
	start := time.Now()
	ctx = ops.WithLogAttrs(ctx, "thread", q.key(), "user", q.user)
	tx := textFor(q.text)
	reply := func(text string) error {
		if q.placeholder != "" {
			return t.Update(ctx, q.channel, q.thread, q.placeholder, Message{Text: text})
		}
		_, err := t.Post(ctx, q.channel, q.thread, Message{Text: text})
		return err
	}
	if strings.TrimSpace(q.text) == "" {
		return reply(tx.greeting)
	}
	if n := utf8.RuneCountInString(q.text); n > MaxQuestion {
		// Mentions and direct messages have the limit /gemba ask has: a
		// signed 900 KB mention must not run an agent turn past its
		// deadline (and through the model's context window).
		return reply(tx.long(n))
	}
	if c.o.Asker == nil {
		return reply(tx.noAgent)
	}
	if ok, wait := c.limiter.allow(q.source + ":" + q.user); !ok {
		return reply(tx.slow(t.Mention(q.user), wait))
	}
	settings, err := c.Settings(ctx, q.source, q.channel)
	if err != nil {
		return err
	}
	t.React(ctx, q.channel, q.ref, "eyes", true)
	defer t.React(context.WithoutCancel(ctx), q.channel, q.ref, "eyes", false)

	// A command's delivery keeps its header message as its reply
	// reference (commandThread); any other delivery keeps its placeholder.
	command := q.via == "command"
	replyRef := q.placeholder
	if replyRef == "" && !command {
		replyRef = j.replyRef
	}
	if replyRef == "" && j.attempt > 1 {
		// An earlier attempt may have posted its placeholder without being
		// able to record it (the database was down, or the replica died in
		// between): find it in the thread so it is replaced, not left behind.
		if replyRef, err = t.FindPlaceholder(ctx, q.channel, q.thread); err != nil {
			c.log.WarnContext(ctx, "could not look for an earlier placeholder", "err", err)
		}
	}
	if replyRef == "" {
		replyRef, err = t.Post(ctx, q.channel, q.thread, Message{Text: tx.placeholder, Placeholder: true})
		if err != nil {
			return err
		}
		if !command {
			c.setReplyRef(ctx, j, replyRef)
		}
	}
	if err := c.joinThread(ctx, q.place, q.user, q.text); err != nil {
		return err
	}

	text := q.text
	if q.midThread {
		if h := c.threadHistory(ctx, t, q.place, q.ref); h != "" {
			text = "Earlier in this thread:\n" + h + "\n\nQuestion: " + q.text
		}
	}
	req := agent.Request{
		ThreadKey: q.key(), Channel: q.channel, UserID: q.user, Question: text,
		Scope: settings.Scope, AllowedTools: settings.AllowedTools, Now: c.now(),
	}
	a, err := c.o.Asker.Ask(tools.WithScope(ctx, settings.Scope), req)
	if err == nil && a == nil {
		err = errors.New("the agent returned no answer")
	}
	if err != nil {
		if c.willRetry(j, err) {
			// The database or the platform hiccuped and the delivery will
			// be tried again, reusing the placeholder: an apology now would
			// stand beside the answer that attempt gives (two replies to
			// one question).
			return fmt.Errorf("ask: %w", err)
		}
		c.apologize(context.WithoutCancel(ctx), t, q.place, replyRef, tx, err)
		return &toldUser{fmt.Errorf("ask: %w", err)}
	}
	if !c.owns(ctx, j) {
		return errLostLease
	}
	if err := c.postAnswer(ctx, t, q.place, replyRef, a); err != nil {
		return err
	}
	if err := c.recordAnswer(ctx, q.place, replyRef, q.user, q.text, a); err != nil {
		c.log.ErrorContext(ctx, "remember the thread", "err", err)
	}
	c.log.InfoContext(ctx, "answered", "via", q.via, "mode", a.Mode,
		"steps", len(a.Steps), "charts", len(a.Charts), "ms", time.Since(start).Milliseconds())
	return nil
}

// postAnswer replaces the placeholder with the answer (or posts it when
// that fails), then uploads its charts in the thread.
func (c *Core) postAnswer(ctx context.Context, t Transport, p place, replyRef string, a *agent.Answer) error {
	m := Message{Answer: a, Text: a.Text}
	posted := false
	if replyRef != "" {
		err := t.Update(ctx, p.channel, p.thread, replyRef, m)
		if err == nil {
			posted = true
		} else {
			c.log.WarnContext(ctx, "could not update the placeholder; posting the answer instead", "err", err)
		}
	}
	if !posted {
		if _, err := t.Post(ctx, p.channel, p.thread, m); err != nil {
			return err
		}
	}
	c.uploadCharts(ctx, t, p, a)
	return nil
}

// uploadCharts attaches an answer's charts in its thread.
func (c *Core) uploadCharts(ctx context.Context, t Transport, p place, a *agent.Answer) {
	for _, ch := range a.Charts {
		if err := t.Upload(ctx, p.channel, p.thread, ch); err != nil {
			c.log.ErrorContext(ctx, "chart upload failed", "title", ch.Title, "err", err)
		}
	}
}

// threadHistory reads the thread's earlier messages (Gemba was first
// called mid-thread), oldest first, without the question itself.
func (c *Core) threadHistory(ctx context.Context, t Transport, p place, exclude string) string {
	msgs, err := t.History(ctx, p.channel, p.thread)
	if err != nil {
		c.log.WarnContext(ctx, "could not read the thread", "err", err)
		return ""
	}
	var lines []string
	for _, m := range msgs {
		if m.Ref == exclude || strings.TrimSpace(m.Text) == "" {
			continue
		}
		who := t.Mention(m.User)
		if m.Bot {
			who = "bot"
		}
		lines = append(lines, who+": "+Truncate(m.Text, 500))
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// onOutcome records what a user said about the advice ("step 2 fixed it")
// on the documents the answer cited, so that retrieval ranks fixes that
// worked higher, and thanks them in the thread.
func (c *Core) onOutcome(ctx context.Context, t Transport, j job, th *thread, q question, outcome string, step int) error {
	docs := th.Citations
	if step > 0 && step <= len(th.StepCitations) && len(th.StepCitations[step-1]) > 0 {
		docs = th.StepCitations[step-1]
	}
	var recorded []string
	if c.o.Incidents != nil {
		for _, d := range docs {
			if err := c.o.Incidents.SetOutcome(ctx, d, outcome, q.user); err != nil {
				c.log.WarnContext(ctx, "could not record outcome", "doc", d, "err", err)
				continue
			}
			recorded = append(recorded, "`"+d+"`")
		}
	}
	if err := c.recordOutcome(ctx, q.place, q.user, outcome); err != nil {
		return err
	}
	what := map[string]string{OutcomeWorked: "worked", OutcomePartial: "partly worked", OutcomeFailed: "did not work"}[outcome]
	subject := "the advice"
	if step > 0 {
		subject = fmt.Sprintf("step %d", step)
	}
	msg := fmt.Sprintf("Thanks %s — noted that %s *%s*.", t.Mention(q.user), subject, what)
	if len(recorded) > 0 {
		msg += " Recorded on " + strings.Join(recorded, ", ") + ", so similar questions will rank that fix accordingly."
	}
	if outcome != OutcomeWorked {
		msg += " If it's still a problem, mention me with what you see now and I'll look again."
	}
	if !c.owns(ctx, j) {
		return errLostLease
	}
	_, err := t.Post(ctx, q.channel, q.thread, Message{Text: msg})
	return err
}

// apologize replaces the placeholder (or posts) a short message saying
// that something went wrong and what to try; Gemba never stays silent.
func (c *Core) apologize(ctx context.Context, t Transport, p place, replyRef string, tx botText, cause error) {
	text := tx.failed
	if errors.Is(cause, context.DeadlineExceeded) {
		text = tx.timeout
	}
	if replyRef != "" {
		if err := t.Update(ctx, p.channel, p.thread, replyRef, Message{Text: text}); err == nil {
			return
		}
	}
	if _, err := t.Post(ctx, p.channel, p.thread, Message{Text: text}); err != nil {
		c.log.ErrorContext(ctx, "could not tell the user that the answer failed", "err", err)
	}
}

// Truncate cuts s to at most max runes, marking the cut with an ellipsis.
func Truncate(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	if max <= 1 {
		return string(r[:max])
	}
	return string(r[:max-1]) + "…"
}
