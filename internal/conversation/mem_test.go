package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gemba-ai/gemba/internal/chart"
)

// memTransport is a front door that keeps what the core shows in memory,
// for the core's own tests (the Slack and console transports are tested
// end to end in their packages, against the local Slack and a browser).
// Its deliveries are JSON-encoded Inbounds.
type memTransport struct {
	source string

	mu    sync.Mutex
	seq   int
	posts []memPost
	forms []Form
}

type memPost struct {
	Ref, Channel, Thread, User string
	Msg                        Message
	Ephemeral, Updated         bool
}

func newMemTransport(source string) *memTransport { return &memTransport{source: source} }

func (m *memTransport) Source() string { return m.source }

func (m *memTransport) Decode(_ context.Context, kind string, payload []byte) (Inbound, error) {
	var in Inbound
	if len(payload) == 0 || string(payload) == "{}" {
		return in, nil
	}
	err := json.Unmarshal(payload, &in)
	in.Kind = kind
	return in, err
}

func (m *memTransport) add(p memPost) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	p.Ref = fmt.Sprintf("m%d", m.seq)
	m.posts = append(m.posts, p)
	return p.Ref
}

func (m *memTransport) Post(_ context.Context, channel, thread string, msg Message) (string, error) {
	return m.add(memPost{Channel: channel, Thread: thread, Msg: msg}), nil
}

func (m *memTransport) Update(_ context.Context, channel, _, ref string, msg Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.posts {
		if m.posts[i].Ref == ref && m.posts[i].Channel == channel {
			m.posts[i].Msg, m.posts[i].Updated = msg, true
			return nil
		}
	}
	return fmt.Errorf("no message %s in %s", ref, channel)
}

func (m *memTransport) Ephemeral(_ context.Context, channel, user, thread string, msg Message) error {
	m.add(memPost{Channel: channel, Thread: thread, User: user, Msg: msg, Ephemeral: true})
	return nil
}

func (m *memTransport) React(context.Context, string, string, string, bool) {}

func (m *memTransport) Upload(_ context.Context, channel, thread string, c chart.Chart) error {
	m.add(memPost{Channel: channel, Thread: thread, Msg: Message{Text: "chart: " + c.Title}})
	return nil
}

func (m *memTransport) OpenForm(_ context.Context, _ string, f Form) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forms = append(m.forms, f)
	return nil
}

func (m *memTransport) History(_ context.Context, channel, thread string) ([]Said, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Said
	for _, p := range m.posts {
		if p.Channel == channel && (p.Thread == thread || p.Ref == thread) && !p.Ephemeral {
			out = append(out, Said{Ref: p.Ref, Text: p.Msg.Text, Bot: true})
		}
	}
	return out, nil
}

func (m *memTransport) FindPlaceholder(context.Context, string, string) (string, error) {
	return "", nil
}

func (m *memTransport) MemberOf(_ context.Context, group, user string) (bool, error) {
	return strings.HasPrefix(group, "G") && strings.HasSuffix(group, user), nil
}

func (m *memTransport) Mention(user string) string               { return "@" + user }
func (m *memTransport) ChannelRef(channel string) string         { return "#" + channel }
func (m *memTransport) GroupRef(group string) string             { return "" }
func (m *memTransport) ThreadLink(channel, thread string) string { return "" }
func (m *memTransport) Everyone() string                         { return "@here" }

// texts returns what was posted, in order.
func (m *memTransport) texts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.posts))
	for i, p := range m.posts {
		out[i] = p.Msg.Text
	}
	return out
}
