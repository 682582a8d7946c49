package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/blockkit"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/slackfake"
	"github.com/gemba-ai/gemba/tools"
)

// TestDemoPlantCommandsAndDigest runs the slash commands and a digest on
// the seeded demo plant with the real predictive tools: the forecast chart
// of a line's output and the anomaly window of press-3's live bearing wear.
func TestDemoPlantCommandsAndDigest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute) // signatures are checked against this clock too
	clock := func() time.Time { return now }
	_, err := demo.Seed(ctx, e.pool, demo.Options{Now: now})
	require.NoError(t, err)
	e.reg = tools.NewRegistry(append(tools.Predictive(series.New(e.pool), nil, clock), tools.Incidents(e.rag)...)...)
	e.runner, err = agent.New(agent.Options{Tools: e.reg, Store: agent.NewStore(e.pool), Now: clock})
	require.NoError(t, err)
	a := e.start(func(o *opts) { o.Now = clock })

	postCommand(t, a, "CD", "U1", "forecast line-2.output 24", "trig-d1")
	_, err = e.slack.WaitCalls(60*time.Second, "files.completeUploadExternal", 1)
	require.NoError(t, err, "ephemerals: %+v", e.slack.Calls("chat.postEphemeral"))
	f := e.slack.Files()[0]
	require.Equal(t, []byte("\x89PNG"), f.Data[:4])
	require.Contains(t, f.InitialComment, "80%")
	require.Contains(t, f.InitialComment, "data cutoff")

	postCommand(t, a, "CD", "U1", "anomalies press-3 2d", "trig-d2")
	_, err = e.slack.WaitCalls(60*time.Second, "files.completeUploadExternal", 2)
	require.NoError(t, err, "ephemerals: %+v", e.slack.Calls("chat.postEphemeral"))
	var found bool
	for _, m := range e.slack.Messages("CD") {
		found = found || strings.Contains(string(m.Blocks), "press-3")
	}
	require.True(t, found, "the anomaly summary names press-3")

	require.NoError(t, a.core.SaveSettings(ctx, conversation.ChannelSettings{Source: bot.Source, Channel: "CD2", Scope: tools.Scope{Line: "line-2"}, MentionOnly: true, TZ: "UTC"}))
	d, err := a.core.BuildDigest(ctx, a.bot, "CD2")
	require.NoError(t, err)
	text := blockkit.DigestText(d)
	require.NotContains(t, text, "not available")
	require.NotContains(t, text, "do not match its schema")
	require.Empty(t, d.Unchecked, "every check of line 2 ran")
	for _, l := range d.LookFirst {
		require.NotContains(t, l, "press-3", "press-3 is on line 1, not in this channel's scope")
	}
	require.Len(t, d.Lines, 1)
	require.Equal(t, "line-2", d.Lines[0].Line)
	require.Contains(t, text, "planned")

	// Asked in Slack, the agent answers about press-3 from the same tools.
	q := e.slack.AddMessage(slackfake.Message{Channel: "CD", User: "U1", Text: "<@" + slackfake.BotUserID + "> is anything wrong with press-3?"})
	postEvent(t, a, slackfake.EventPayload("EvDemo", slackfake.Mention(q)))
	replies := e.answered("CD", q.TS)
	require.Contains(t, string(replies[0].Blocks), "press-3")
}
