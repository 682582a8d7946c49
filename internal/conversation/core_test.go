package conversation

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// TestHandleWithoutAgentOrTools: a core with no agent and no tools still
// answers every inbound in words — usage for a bad command, the help, a
// note that questions cannot be answered, and a forecast handed to the
// (missing) agent says so — and never stays silent.
func TestHandleWithoutAgentOrTools(t *testing.T) {
	t.Parallel()
	c, err := New(Options{DB: dbtest.Pool(t)})
	require.NoError(t, err)
	mt := newMemTransport("test")
	c.Register(mt)
	ctx := context.Background()
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindCommand, Channel: "C1", User: "U1", Text: "forecast"}))
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindCommand, Channel: "C1", User: "U1", Text: "help"}))
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "C1", User: "U1", Text: "why is press-3 hot?", Ref: "q1", Addressed: true}))
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "C1", User: "U1", Text: "lunch is at noon", Ref: "q2"}))
	got := mt.texts()
	require.Len(t, got, 3, "the unaddressed message gets no reply: %q", got)
	require.Contains(t, got[0], "forecast needs a series name")
	require.Contains(t, got[0], "Usage:")
	require.Contains(t, got[1], "*Gemba commands*")
	require.Contains(t, got[2], "agent is not configured")
}

// countingAsker answers every question with its text and counts calls.
type countingAsker struct {
	mu    sync.Mutex
	calls int
}

func (a *countingAsker) Ask(_ context.Context, req agent.Request) (*agent.Answer, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	return &agent.Answer{Lang: "en", Mode: agent.ModeOffline, Text: "ok", Situation: "ok"}, nil
}

// TestLongQuestionsAreRefusedPolitely: a mention or a direct message
// longer than MaxQuestion characters (the /gemba ask limit) is not handed
// to the agent; the user is told the limit.
func TestLongQuestionsAreRefusedPolitely(t *testing.T) {
	t.Parallel()
	asker := &countingAsker{}
	c, err := New(Options{DB: dbtest.Pool(t), Asker: asker})
	require.NoError(t, err)
	mt := newMemTransport("test")
	c.Register(mt)
	ctx := context.Background()
	long := strings.Repeat("why is press-3 vibrating? ", 40_000) // ~1 MB, as a signed mention could carry
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "C1", User: "U1", Text: long, Ref: "q1", Addressed: true}))
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "D1", User: "U1", Text: long, Ref: "q2", Direct: true}))
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "C1", User: "U1", Text: strings.Repeat("가", MaxQuestion+1), Ref: "q3", Addressed: true}))
	require.Zero(t, asker.calls, "nothing that long reaches the agent")
	got := mt.texts()
	require.Len(t, got, 3)
	require.Contains(t, got[0], "up to 4,000 characters")
	require.Contains(t, got[1], "up to 4,000 characters")
	require.Contains(t, got[2], "4,000자까지", "in the question's language")
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindMessage, Channel: "C1", User: "U1", Text: strings.Repeat("가", MaxQuestion), Ref: "q4", Addressed: true}))
	require.Equal(t, 1, asker.calls, "a question at the limit is answered")
}
