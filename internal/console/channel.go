package console

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
)

// Message authors.
const (
	authorUser = "user"
	authorBot  = "bot"
)

// message is one message of a console channel, as the browser sees it.
type message struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	// Thread is the id of the thread's root message; empty for a root.
	Thread string `json:"thread,omitempty"`
	// ThreadKey is the conversation key handed to the agent.
	ThreadKey string          `json:"thread_key"`
	Author    string          `json:"author"`
	User      string          `json:"user"`
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	// Pending is true while the bot is still working on it.
	Pending   bool      `json:"pending,omitempty"`
	Error     string    `json:"error,omitempty"`
	Ephemeral bool      `json:"ephemeral,omitempty"`
	AnswerID  int64     `json:"answer_id,omitempty"`
	AlertID   int64     `json:"alert_id,omitempty"`
	HasTrace  bool      `json:"has_trace,omitempty"`
	Detail    bool      `json:"detail,omitempty"`
	Rating    string    `json:"rating,omitempty"`
	Resolved  string    `json:"resolved,omitempty"`
	Time      time.Time `json:"ts"`
	Edited    int       `json:"edited,omitempty"`

	// answer is kept to re-render (more detail) and for the trace when no
	// answer store is configured.
	answer *agent.Answer
	// charts are the URLs of images appended after the blocks.
	charts []chartRef
}

type chartRef struct {
	URL, Title string
}

// channelLog holds the console's messages in memory (the agent keeps the
// conversations themselves in Postgres). It is bounded: the oldest
// messages go first.
type channelLog struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	seq     int64
	version int64
	msgs    []*message
	byID    map[string]*message
	changed chan struct{}
}

func newChannelLog(max int, now func() time.Time) *channelLog {
	return &channelLog{max: max, now: now, byID: map[string]*message{}, changed: make(chan struct{})}
}

// add stores m with a new id and returns a copy.
func (l *channelLog) add(m *message) message {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	m.ID = strconv.FormatInt(l.now().UnixMilli(), 36) + "-" + strconv.FormatInt(l.seq, 10)
	m.Time = l.now()
	if m.Thread == "" && m.ThreadKey == "" {
		m.ThreadKey = "console:" + m.ID
	}
	l.msgs = append(l.msgs, m)
	l.byID[m.ID] = m
	if len(l.msgs) > l.max {
		old := l.msgs[0]
		delete(l.byID, old.ID)
		l.msgs = l.msgs[1:]
	}
	l.bump()
	return *m
}

// update changes the message with id under the lock and returns a copy.
func (l *channelLog) update(id string, fn func(m *message)) (message, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byID[id]
	if !ok {
		return message{}, false
	}
	fn(m)
	m.Edited++
	l.bump()
	return *m, true
}

// get returns a copy of the message with id.
func (l *channelLog) get(id string) (message, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byID[id]
	if !ok {
		return message{}, false
	}
	return *m, true
}

// list returns the channel's messages in order and the log's version.
func (l *channelLog) list(channel string) ([]message, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]message, 0, len(l.msgs))
	for _, m := range l.msgs {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out, l.version
}

// thread returns the thread's messages (root first) in order.
func (l *channelLog) thread(root string) []message {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []message
	for _, m := range l.msgs {
		if m.ID == root || m.Thread == root {
			out = append(out, *m)
		}
	}
	return out
}

// bump records a change and wakes waiters; call with the lock held.
func (l *channelLog) bump() {
	l.version++
	close(l.changed)
	l.changed = make(chan struct{})
}

// wait returns when the version passes after, or ctx ends.
func (l *channelLog) wait(ctx context.Context, after int64) int64 {
	for {
		l.mu.Lock()
		v, ch := l.version, l.changed
		l.mu.Unlock()
		if v > after {
			return v
		}
		select {
		case <-ctx.Done():
			return v
		case <-ch:
		}
	}
}

// fileStore keeps the images the console serves (charts), bounded.
type fileStore struct {
	mu    sync.Mutex
	max   int
	seq   int64
	order []string
	files map[string]File
}

func newFileStore(max int) *fileStore {
	return &fileStore{max: max, files: map[string]File{}}
}

// put stores f and returns its URL path.
func (s *fileStore) put(f File) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := strconv.FormatInt(s.seq, 10)
	s.files[id] = f
	s.order = append(s.order, id)
	if len(s.order) > s.max {
		delete(s.files, s.order[0])
		s.order = slices.Delete(s.order, 0, 1)
	}
	return "/api/files/" + id
}

func (s *fileStore) get(id string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	return f, ok
}
