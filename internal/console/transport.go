package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/blockkit"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
)

// Source names the console's front door in the conversation core's rows.
const Source = "console"

var (
	_ conversation.Transport   = (*Console)(nil)
	_ conversation.ThreadKeyer = (*Console)(nil)
)

// reply collects, for one request the console handles at once, what the
// core said outside the messages it posted: a notice only the user sees,
// a form to open, the last message it wrote (charts attach to it) and the
// messages it posted.
type reply struct {
	mu     sync.Mutex
	notice string
	open   string
	last   string
	posted []string
	// pending is the reply the browser shows as pending: it stays pending
	// until the request is done (its charts attached), and filled says
	// whether the core wrote it.
	pending string
	filled  bool
}

type replyKey struct{}

func withReply(ctx context.Context, pending string) (context.Context, *reply) {
	r := &reply{pending: pending}
	return context.WithValue(ctx, replyKey{}, r), r
}

// holds reports whether ref is the request's pending reply (and notes that
// the core wrote it): it stays pending until the request is done.
func (r *reply) holds(ref string) bool {
	if r == nil || r.pending == "" || r.pending != ref {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.filled = true
	return true
}

func replyFrom(ctx context.Context) *reply {
	r, _ := ctx.Value(replyKey{}).(*reply)
	return r
}

func (r *reply) wrote(id string, posted bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = id
	if posted {
		r.posted = append(r.posted, id)
	}
}

// Source names the console in the core's rows.
func (c *Console) Source() string { return Source }

// ThreadKey keeps the console's thread keys "console:<root id>": its
// message ids are unique across channels.
func (c *Console) ThreadKey(_, thread string) string { return Source + ":" + thread }

// Decode is never needed: the console hands its inbounds to the core at
// once (Core.Handle), it records none.
func (c *Console) Decode(context.Context, string, []byte) (conversation.Inbound, error) {
	return conversation.Inbound{}, errors.New("console: deliveries are handled at once, never recorded")
}

// render draws a message as the console's Block Kit JSON and keeps the
// answer it carries.
func (c *Console) render(m conversation.Message) (json.RawMessage, string) {
	blocks, text := blockkit.Message(m)
	if len(blocks) == 0 && text != "" {
		blocks = []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(text, blockkit.MaxSectionText), false, false), nil, nil)}
	}
	return blocksJSON(blocks, nil), text
}

// Post adds a bot message to a channel, in a thread when thread is set.
func (c *Console) Post(ctx context.Context, channel, thread string, m conversation.Message) (string, error) {
	raw, text := c.render(m)
	msg := &message{Channel: channel, Thread: thread, Author: authorBot, User: "gemba", Text: text, Blocks: raw, Pending: m.Placeholder}
	if m.Detail {
		msg.AnswerID = answerID(m)
	} else {
		setAnswer(msg, m)
	}
	if thread != "" {
		if root, ok := c.msgs.get(thread); ok {
			msg.ThreadKey = root.ThreadKey
		}
	}
	added := c.msgs.add(msg)
	replyFrom(ctx).wrote(added.ID, true)
	return added.ID, nil
}

func answerID(m conversation.Message) int64 {
	if m.Answer != nil {
		return m.Answer.ID
	}
	return 0
}

// setAnswer keeps an answer (or an alert's id) with its message (the
// trace panel, the buttons and More detail read it).
func setAnswer(msg *message, m conversation.Message) {
	if m.Alert != nil {
		msg.AlertID = m.Alert.ID
	}
	if m.Answer == nil {
		return
	}
	msg.answer, msg.AnswerID, msg.HasTrace = m.Answer, m.Answer.ID, true
}

// Update replaces a message (the pending placeholder).
func (c *Console) Update(ctx context.Context, _, _, ref string, m conversation.Message) error {
	raw, text := c.render(m)
	hold := replyFrom(ctx).holds(ref)
	_, ok := c.msgs.update(ref, func(msg *message) {
		msg.Pending, msg.Blocks, msg.Text, msg.Ephemeral, msg.Error = m.Placeholder || hold, raw, text, false, ""
		msg.charts = nil
		setAnswer(msg, m)
	})
	if !ok {
		return fmt.Errorf("console: no message %s (the console keeps the latest messages in memory)", ref)
	}
	replyFrom(ctx).wrote(ref, false)
	return nil
}

// Ephemeral shows a note to the user: in the pending reply when there is
// one (thread names it), else as the notice of the request being handled.
func (c *Console) Ephemeral(ctx context.Context, _, _, thread string, m conversation.Message) error {
	_, text := blockkit.Message(m)
	if thread != "" {
		if msg, ok := c.msgs.get(thread); ok && msg.Pending {
			raw, _ := c.render(m)
			hold := replyFrom(ctx).holds(thread)
			c.msgs.update(thread, func(msg *message) {
				msg.Pending, msg.Blocks, msg.Text, msg.Ephemeral = hold, raw, text, true
			})
			replyFrom(ctx).wrote(thread, false)
			return nil
		}
	}
	if r := replyFrom(ctx); r != nil {
		r.mu.Lock()
		r.notice = text
		r.mu.Unlock()
		return nil
	}
	c.log.InfoContext(ctx, "console note with no request to show it in", "text", text)
	return nil
}

// React does nothing: the console shows the pending reply instead of 👀.
func (c *Console) React(context.Context, string, string, string, bool) {}

// zone is the plant's time zone (charts' time axes are in it).
func (c *Console) zone() *time.Location {
	if c.o.Core != nil {
		if cal := c.o.Core.Calendar(); cal != nil && cal.Location != nil {
			return cal.Location
		}
	}
	return time.UTC
}

// Upload draws a chart and shows it in the message the core wrote last in
// this request (the answer it belongs to), or as a message of its own.
func (c *Console) Upload(ctx context.Context, channel, thread string, ch chart.Chart) error {
	png, err := c.charts.PNGIn(ch, c.zone())
	if err != nil {
		return fmt.Errorf("console: chart %q: %w", ch.Title, err)
	}
	ref := chartRef{URL: c.files.put(File{Name: "chart.png", Title: ch.Title, MIME: "image/png", Data: png}), Title: ch.Title}
	target := ""
	if r := replyFrom(ctx); r != nil {
		r.mu.Lock()
		target = r.last
		r.mu.Unlock()
	}
	if target != "" {
		if _, ok := c.msgs.update(target, func(m *message) {
			m.charts = append(m.charts, ref)
			m.Blocks = withImages(m.Blocks, []chartRef{ref})
		}); ok {
			return nil
		}
	}
	raw := blocksJSON(nil, []chartRef{ref})
	added := c.msgs.add(&message{Channel: channel, Thread: thread, Author: authorBot, User: "gemba", Text: ch.Title, Blocks: raw})
	replyFrom(ctx).wrote(added.ID, true)
	return nil
}

// OpenForm asks the browser to open the "Mark resolved" form.
func (c *Console) OpenForm(ctx context.Context, _ string, _ conversation.Form) error {
	r := replyFrom(ctx)
	if r == nil {
		return errors.New("console: a form can only open in answer to a click")
	}
	r.mu.Lock()
	r.open = "resolve"
	r.mu.Unlock()
	return nil
}

// History returns a thread's messages (the root first).
func (c *Console) History(_ context.Context, _, thread string) ([]conversation.Said, error) {
	var out []conversation.Said
	for _, m := range c.msgs.thread(thread) {
		if m.Pending || m.Ephemeral {
			continue
		}
		text := m.Text
		if m.answer != nil && m.answer.Text != "" {
			text = m.answer.Text
		}
		out = append(out, conversation.Said{Ref: m.ID, User: m.User, Text: text, Bot: m.Author == authorBot})
	}
	return out, nil
}

// FindPlaceholder finds nothing: the console's placeholders never outlive
// the request that made them.
func (c *Console) FindPlaceholder(context.Context, string, string) (string, error) { return "", nil }

// MemberOf knows no user groups.
func (c *Console) MemberOf(context.Context, string, string) (bool, error) { return false, nil }

// Mention writes a user mention (the console's Block Kit renderer shows it).
func (c *Console) Mention(user string) string { return "<@" + user + ">" }

// ChannelRef writes a channel.
func (c *Console) ChannelRef(channel string) string { return "#" + channel }

// GroupRef writes nothing: the console has no user groups.
func (c *Console) GroupRef(string) string { return "" }

// Everyone is shown as @here, as Slack shows it.
func (c *Console) Everyone() string { return "<!here>" }

// ThreadLink is empty: the console shows threads beside their channel.
func (c *Console) ThreadLink(string, string) string { return "" }
