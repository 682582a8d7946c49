package conversation

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

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
