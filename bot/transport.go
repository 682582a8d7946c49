package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/blockkit"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
)

// Source names the Slack front door in the core's rows.
func (b *Bot) Source() string { return Source }

// Decode turns a recorded Slack delivery (the raw Events API envelope, the
// slash command, or the interaction payload) into what the core handles.
func (b *Bot) Decode(ctx context.Context, kind string, payload []byte) (conversation.Inbound, error) {
	switch kind {
	case conversation.KindMessage:
		return b.decodeMessage(ctx, payload)
	case conversation.KindCommand:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(payload, &cmd); err != nil {
			return conversation.Inbound{}, fmt.Errorf("decode command: %w", err)
		}
		return conversation.Inbound{Kind: conversation.KindCommand, Channel: cmd.ChannelID, User: cmd.UserID, Text: cmd.Text, Trigger: cmd.TriggerID}, nil
	case conversation.KindAction:
		var cb slack.InteractionCallback
		if err := json.Unmarshal(payload, &cb); err != nil {
			return conversation.Inbound{}, fmt.Errorf("decode interaction: %w", err)
		}
		return inboundAction(cb)
	}
	return conversation.Inbound{}, fmt.Errorf("unknown delivery kind %q", kind)
}

// decodeMessage reads an Events API envelope: mentions, direct messages
// and channel messages; the bot's own and other bots' messages, edits and
// other subtypes come back as nothing to do.
func (b *Bot) decodeMessage(ctx context.Context, payload []byte) (conversation.Inbound, error) {
	var outer struct {
		Event innerEvent `json:"event"`
	}
	if err := json.Unmarshal(payload, &outer); err != nil {
		return conversation.Inbound{}, fmt.Errorf("decode event: %w", err)
	}
	ev := outer.Event
	if err := b.identify(ctx); err != nil {
		return conversation.Inbound{}, err
	}
	me := b.identity()
	if ignorableEvent(ev) || ev.User == "" || ev.User == me {
		return conversation.Inbound{}, nil
	}
	in := conversation.Inbound{Kind: conversation.KindMessage, Channel: ev.Channel, User: ev.User, Text: stripMentions(ev.Text),
		Ref: ev.TS, Thread: ev.ThreadTS}
	switch ev.Type {
	case "app_mention":
		if strings.HasPrefix(ev.Channel, "D") {
			return conversation.Inbound{}, nil // direct messages are answered from their message.im event
		}
		in.Addressed = true
	case "message":
		in.Direct = ev.ChannelType == "im"
		in.AlsoAddressed = !in.Direct && me != "" && strings.Contains(ev.Text, "<@"+me)
	}
	return in, nil
}

// Post sends a message (in a thread when thread is set) and returns its ts.
func (b *Bot) Post(ctx context.Context, channel, thread string, m conversation.Message) (string, error) {
	msgs, text := b.render(m)
	var first string
	for i, blocks := range msgs {
		opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
		if len(blocks) > 0 {
			opts = append(opts, slack.MsgOptionBlocks(blocks...))
		}
		in := thread
		if i > 0 && in == "" {
			in = first // the rest of a long message follows in its thread
		}
		ts, err := b.post(ctx, channel, in, opts...)
		if err != nil {
			return first, err
		}
		if i == 0 {
			first = ts
		}
	}
	return first, nil
}

// render turns a message into Block Kit, split over messages of at most
// 50 blocks, and its plain-text fallback.
func (b *Bot) render(m conversation.Message) ([][]slack.Block, string) {
	blocks, text := blockkit.Message(m)
	if len(blocks) == 0 {
		return [][]slack.Block{nil}, text
	}
	return blockkit.Messages(blocks), text
}

func (b *Bot) post(ctx context.Context, channel, thread string, opts ...slack.MsgOption) (string, error) {
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
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

// Update replaces a message; blocks beyond one message's limit follow in
// the thread.
func (b *Bot) Update(ctx context.Context, channel, thread, ref string, m conversation.Message) error {
	msgs, text := b.render(m)
	for i, blocks := range msgs {
		opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
		if len(blocks) > 0 || i == 0 {
			opts = append(opts, slack.MsgOptionBlocks(blocks...))
		}
		if i > 0 {
			in := thread
			if in == "" {
				in = ref
			}
			if _, err := b.post(ctx, channel, in, opts...); err != nil {
				return err
			}
			continue
		}
		err := b.retry(ctx, "chat.update", func(ctx context.Context) error {
			_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ref, opts...)
			return err
		})
		if err != nil {
			return fmt.Errorf("update %s in %s: %w", ref, channel, err)
		}
	}
	return nil
}

// Ephemeral shows a message to one user only.
func (b *Bot) Ephemeral(ctx context.Context, channel, user, thread string, m conversation.Message) error {
	_, text := blockkit.Message(m)
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
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

// React adds (or removes) a reaction; failures only get logged, progress
// signs are not worth failing an answer over.
func (b *Bot) React(ctx context.Context, channel, ref, name string, add bool) {
	if ref == "" {
		return
	}
	item := slack.NewRefToMessage(channel, ref)
	err := b.retry(ctx, "reactions", func(ctx context.Context) error {
		if add {
			return b.api.AddReactionContext(ctx, name, item)
		}
		return b.api.RemoveReactionContext(ctx, name, item)
	})
	if err != nil && err.Error() != "already_reacted" && err.Error() != "no_reaction" {
		b.log.DebugContext(ctx, "reaction failed", "name", name, "add", add, "err", err)
	}
}

// zone is the plant's time zone (charts' time axes and tables are in it).
func (b *Bot) zone() *time.Location {
	if cal := b.core.Calendar(); cal != nil && cal.Location != nil {
		return cal.Location
	}
	return time.UTC
}

// Upload uploads a chart as a PNG in the thread with its numbers; when the
// upload fails, the numbers are posted as text instead.
func (b *Bot) Upload(ctx context.Context, channel, thread string, c chart.Chart) error {
	png, err := b.charts.PNGIn(c, b.zone())
	if err != nil {
		return fmt.Errorf("chart %q not drawn: %w", c.Title, err)
	}
	comment := "*" + conversation.Escape(c.Title) + "*"
	if t := chart.Table(c, b.zone(), 12); t != "" {
		comment += "\n```\n" + t + "\n```"
	}
	name := slug(c.Title) + ".png"
	err = b.retry(ctx, "files.upload", func(ctx context.Context) error {
		_, err := b.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(png), FileSize: len(png), Filename: name, Title: c.Title,
			InitialComment: conversation.Truncate(comment, 3900), Channel: channel, ThreadTimestamp: thread,
			AltTxt: conversation.Truncate("Chart: "+c.Title, 1000),
		})
		return err
	})
	if err != nil {
		_, perr := b.Post(ctx, channel, thread, conversation.Message{Text: "I couldn't upload the chart _" + conversation.Escape(c.Title) + "_; here are its numbers:\n```\n" + chart.Table(c, b.zone(), 12) + "\n```"})
		return errors.Join(fmt.Errorf("upload chart %q: %w", c.Title, err), perr)
	}
	return nil
}

var reSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(reSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "chart"
	}
	return conversation.Truncate(s, 60)
}

// History reads a thread's messages, oldest first (at most 200).
func (b *Bot) History(ctx context.Context, channel, thread string) ([]conversation.Said, error) {
	msgs, err := b.replies(ctx, channel, thread, 200)
	if err != nil {
		return nil, err
	}
	out := make([]conversation.Said, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, conversation.Said{Ref: m.Timestamp, User: m.User, Text: stripMentions(m.Text), Bot: m.BotID != ""})
	}
	return out, nil
}

func (b *Bot) replies(ctx context.Context, channel, thread string, limit int) ([]slack.Message, error) {
	var msgs []slack.Message
	err := b.retry(ctx, "conversations.replies", func(ctx context.Context) error {
		var err error
		msgs, _, _, err = b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: thread, Limit: limit})
		return err
	})
	if err != nil && err.Error() == "thread_not_found" {
		return nil, nil // no replies yet
	}
	return msgs, err
}

// FindPlaceholder returns the ts of this bot's placeholder still waiting in
// the thread, or "" when there is none.
func (b *Bot) FindPlaceholder(ctx context.Context, channel, thread string) (string, error) {
	msgs, err := b.replies(ctx, channel, thread, 200)
	if err != nil {
		return "", err
	}
	me := b.identity()
	b.idMu.Lock()
	botID := b.botID
	b.idMu.Unlock()
	for _, m := range msgs {
		if m.Timestamp != thread && conversation.IsPlaceholder(m.Text) && (m.User == me || (m.BotID != "" && m.BotID == botID)) {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// MemberOf reports whether user is in a user group (S…); other ids are
// users, not groups.
func (b *Bot) MemberOf(ctx context.Context, group, user string) (bool, error) {
	if !strings.HasPrefix(group, "S") {
		return false, nil
	}
	var ids []string
	err := b.retry(ctx, "usergroups.users.list", func(ctx context.Context) error {
		var err error
		ids, err = b.api.GetUserGroupMembersContext(ctx, group)
		return err
	})
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if id == user {
			return true, nil
		}
	}
	return false, nil
}

// Mention writes a user mention.
func (b *Bot) Mention(user string) string { return Names{}.Mention(user) }

// ChannelRef writes a channel link.
func (b *Bot) ChannelRef(channel string) string { return Names{}.ChannelRef(channel) }

// GroupRef writes a user group mention, or "" for an id that is not a group.
func (b *Bot) GroupRef(group string) string { return Names{}.GroupRef(group) }

// Everyone notifies the active members of a channel.
func (b *Bot) Everyone() string { return Names{}.Everyone() }

// ThreadLink is a link to a thread in the workspace, or "" when unknown.
func (b *Bot) ThreadLink(channel, thread string) string {
	b.idMu.Lock()
	base := b.teamURL
	b.idMu.Unlock()
	if base == "" || channel == "" || thread == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/archives/" + channel + "/p" + strings.ReplaceAll(thread, ".", "")
}

// Names writes Slack references without a connection: for building a
// digest to print (the workspace's thread links need auth.test, so it
// has none).
type Names struct{}

var _ conversation.Names = Names{}

// Source is "slack".
func (Names) Source() string { return Source }

// Mention writes a user mention.
func (Names) Mention(user string) string { return "<@" + user + ">" }

// ChannelRef writes a channel link.
func (Names) ChannelRef(channel string) string { return "<#" + channel + ">" }

// GroupRef writes a user group mention, or "" for an id that is not a group.
func (Names) GroupRef(group string) string {
	if strings.HasPrefix(group, "S") {
		return "<!subteam^" + group + ">"
	}
	return ""
}

// ThreadLink is empty: without auth.test the workspace's address is unknown.
func (Names) ThreadLink(string, string) string { return "" }

// Everyone notifies the active members of a channel.
func (Names) Everyone() string { return "<!here>" }
