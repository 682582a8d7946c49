package slackfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/slackfake"
)

func TestWebAPI(t *testing.T) {
	t.Parallel()
	srv := slackfake.New()
	t.Cleanup(srv.Close)
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL))
	ctx := context.Background()

	auth, err := api.AuthTestContext(ctx)
	require.NoError(t, err)
	require.Equal(t, slackfake.BotUserID, auth.UserID)

	q := srv.AddMessage(slackfake.Message{Channel: "C1", User: "U1", Text: "why is press-3 loud?"})
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("working…", false), slack.MsgOptionTS(q.TS))
	require.NoError(t, err)
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("done", false))
	require.NoError(t, err)
	require.NoError(t, api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", q.TS)))

	replies, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: q.TS})
	require.NoError(t, err)
	require.Len(t, replies, 2)
	require.Equal(t, "done", replies[1].Text)

	f, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Channel: "C1", ThreadTimestamp: q.TS, Filename: "c.png",
		FileSize: 3, Reader: bytes.NewReader([]byte{1, 2, 3}), Title: "chart", InitialComment: "numbers"})
	require.NoError(t, err)
	files := srv.Files()
	require.Len(t, files, 1)
	require.Equal(t, f.ID, files[0].ID)
	require.Equal(t, []byte{1, 2, 3}, files[0].Data)
	require.Equal(t, q.TS, files[0].ThreadTS)
	require.True(t, files[0].Complete)

	_, err = api.OpenViewContext(ctx, "trig", slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "x", false, false)})
	require.NoError(t, err)
	require.Len(t, srv.Views(), 1)

	srv.FailNext("chat.postMessage", "channel_not_found")
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	require.EqualError(t, err, "channel_not_found")

	srv.RateLimit("chat.postMessage", 1, 7)
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	require.True(t, errors.As(err, &rl))
	require.Equal(t, 7*time.Second, rl.RetryAfter)

	noToken := slack.New("", slack.OptionAPIURL(srv.URL))
	_, err = noToken.AuthTestContext(ctx)
	require.EqualError(t, err, "not_authed")
}

func TestSocketMode(t *testing.T) {
	t.Parallel()
	srv := slackfake.New(slackfake.WithPingInterval(200 * time.Millisecond))
	t.Cleanup(srv.Close)
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL), slack.OptionAppLevelToken("xapp-test"))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()
	require.NoError(t, srv.WaitConnections(5*time.Second, 1))

	id, err := srv.Deliver(0, slackfake.EnvelopeEvents, slackfake.EventPayload("Ev1", map[string]any{"type": "app_mention", "text": "hi"}), 0)
	require.NoError(t, err)
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-sm.Events:
			if ev.Type != socketmode.EventTypeEventsAPI {
				continue
			}
			require.Equal(t, id, ev.Request.EnvelopeID)
			var outer struct {
				EventID string `json:"event_id"`
			}
			require.NoError(t, json.Unmarshal(ev.Request.Payload, &outer))
			require.Equal(t, "Ev1", outer.EventID)
			require.NoError(t, sm.Ack(*ev.Request))
			a, err := srv.WaitAck(5*time.Second, id)
			require.NoError(t, err)
			require.Equal(t, id, a.EnvelopeID)
			return
		case <-timeout:
			t.Fatal("no event")
		}
	}
}
