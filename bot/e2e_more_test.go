package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/slackfake"
)

func TestSocketModeMentionAndRedeliveryAnswerOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start(func(o *opts) { o.appToken = "xapp-test" })
	b := e.start(func(o *opts) { o.appToken = "xapp-test" })
	require.NoError(t, e.slack.WaitConnections(10*time.Second, 2))
	_ = b
	q := e.slack.AddMessage(slackfake.Message{Channel: "CS", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing incidents?"})
	payload := slackfake.EventPayload("EvSock", slackfake.Mention(q))
	for i, conn := range []int{0, 1, 0} { // the first delivery, then retries on both connections
		id, err := e.slack.Deliver(conn, slackfake.EnvelopeEvents, payload, i)
		require.NoError(t, err)
		_, err = e.slack.WaitAck(5*time.Second, id)
		require.NoError(t, err, "every envelope is acked")
	}
	replies := e.answered("CS", q.TS)
	e.settled()
	require.Len(t, e.slack.BotReplies("CS", q.TS), 1)
	require.NoError(t, a.bot.Ready(context.Background()))

	// A button click over the websocket.
	click, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": "trig-sock", "team": map[string]any{"id": slackfake.TeamID},
		"user": map[string]any{"id": "U5"}, "channel": map[string]any{"id": "CS"},
		"container": map[string]any{"type": "message", "message_ts": replies[0].TS, "channel_id": "CS"},
		"actions":   []map[string]any{{"action_id": conversation.ActionNotHelpful, "block_id": "gemba_answer_actions", "value": "0", "type": "button"}},
	})
	id, err := e.slack.Deliver(1, slackfake.EnvelopeInteractive, click, 0)
	require.NoError(t, err)
	_, err = e.slack.WaitAck(5*time.Second, id)
	require.NoError(t, err)
	eph, err := e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 1)
	require.NoError(t, err)
	require.Contains(t, eph[0].Params["text"], "Thanks for telling me")
}

func TestMentionMidThreadReadsTheThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	root := e.slack.AddMessage(slackfake.Message{Channel: "CT", User: "U1", Text: "press-3 is making a grinding noise since 6am"})
	e.slack.AddMessage(slackfake.Message{Channel: "CT", User: "U2", Text: "vibration looks high on the HMI too", ThreadTS: root.TS})
	q := e.slack.AddMessage(slackfake.Message{Channel: "CT", User: "U2", Text: "<@" + slackfake.BotUserID + "> what should we check?", ThreadTS: root.TS})
	postEvent(t, a, slackfake.EventPayload("EvMid", slackfake.Mention(q)))
	e.answered("CT", root.TS)
	calls := e.slack.Calls("conversations.replies")
	require.Len(t, calls, 1)
	require.Equal(t, root.TS, calls[0].Params["ts"])
	// The agent got the thread's earlier messages with the question.
	var content string
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.thread_key = $1 AND m.role = 'user' ORDER BY m.id LIMIT 1`, "slack:CT:"+root.TS).Scan(&content))
	require.Contains(t, content, "grinding noise")
	require.Contains(t, content, "what should we check?")
	e.settled()

	// A follow-up in the thread without a mention is answered from memory, without rereading it.
	f := e.slack.AddMessage(slackfake.Message{Channel: "CT", User: "U2", Text: "and what caused it last time?", ThreadTS: root.TS})
	postEvent(t, a, slackfake.EventPayload("EvMid2", slackfake.MessageEvent(f, "channel")))
	require.NoError(t, e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		n := 0
		for _, m := range s.BotReplies("CT", root.TS) {
			if strings.Contains(string(m.Blocks), conversation.ActionResolve) {
				n++
			}
		}
		return n == 2
	}))
	require.Len(t, e.slack.Calls("conversations.replies"), 1)
}

func TestSlashBindSettingsAndDigestSchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start(func(o *opts) { o.Permissions.DigestUsers = []string{"UADMIN", "SLEADS"} })
	ctx := context.Background()
	code, _ := postCommand(t, a, "CB1", "U1", "bind line=line-2 asset=press-3", "trig-b1")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, e.slack.Wait(10*time.Second, func(s *slackfake.Server) bool {
		m := s.Messages("CB1")
		return len(m) == 1 && strings.Contains(m[0].Text, "bound this channel to `line=line-2 asset=press-3`")
	}))
	s, err := a.core.Settings(ctx, bot.Source, "CB1")
	require.NoError(t, err)
	require.Equal(t, "press-3", s.Scope.Asset)
	require.Equal(t, "U1", s.UpdatedBy)

	postCommand(t, a, "CB1", "U1", "settings quiet 22:00-06:00 Asia/Seoul", "trig-b2")
	eph, err := e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 1)
	require.NoError(t, err)
	require.Contains(t, eph[0].Params["text"], "Quiet hours: 22:00–06:00 Asia/Seoul")

	// Digest schedules are limited: U1 is refused politely, saying who can.
	postCommand(t, a, "CB1", "U1", `digest schedule "0 6,14,22 * * *" Asia/Seoul`, "trig-b3")
	eph, err = e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 2)
	require.NoError(t, err)
	require.Contains(t, eph[1].Params["text"], "limited to <@UADMIN>, <!subteam^SLEADS>")
	// A member of the user group may.
	e.slack.SetUserGroup("SLEADS", "U7", "U8")
	postCommand(t, a, "CB1", "U8", `digest schedule "0 6,14,22 * * *" Asia/Seoul`, "trig-b4")
	require.NoError(t, e.slack.Wait(10*time.Second, func(s *slackfake.Server) bool {
		for _, m := range s.Messages("CB1") {
			if strings.Contains(m.Text, "scheduled shift digests here") {
				return true
			}
		}
		return false
	}))
	var cronExpr, tz, scope string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT cron, time_zone, scope FROM digest_schedules WHERE channel_id = 'CB1' AND enabled`).Scan(&cronExpr, &tz, &scope))
	require.Equal(t, "0 6,14,22 * * *", cronExpr)
	require.Equal(t, "Asia/Seoul", tz)
	require.Equal(t, "line=line-2 asset=press-3", scope)

	// Help is answered at once, ephemeral.
	_, body := postCommand(t, a, "CB1", "U1", "help", "trig-b5")
	var help map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &help))
	require.Contains(t, help["text"], "/gemba forecast")
}

func TestLLMOutageStillAnswersOffline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	llm := llmtest.New(t)
	llm.Respond(func(llmtest.Request) llmtest.Reply { return llmtest.Fail(http.StatusServiceUnavailable) })
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", Model: "down", BaseURL: llm.URL, APIKey: llm.Token, Timeout: 5 * time.Second}, nil)
	require.NoError(t, err)
	runner, err := agent.New(agent.Options{Model: model, ModelName: "down", Tools: e.reg, Store: agent.NewStore(e.pool), MaxRetries: -1})
	require.NoError(t, err)
	a := e.start(func(o *opts) { o.Asker = runner })
	q := e.slack.AddMessage(slackfake.Message{Channel: "CO", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing incidents?"})
	postEvent(t, a, slackfake.EventPayload("EvOut", slackfake.Mention(q)))
	replies := e.answered("CO", q.TS)
	require.Contains(t, string(replies[0].Blocks), "offline — made without an LLM")
}

func TestAgentFailureGetsAnApology(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	broken := dbtest.Pool(t)
	broken.Close() // the agent's memory is unreachable
	runner, err := agent.New(agent.Options{Tools: e.reg, Store: agent.NewStore(broken)})
	require.NoError(t, err)
	a := e.start(func(o *opts) { o.Asker = runner })
	q := e.slack.AddMessage(slackfake.Message{Channel: "CA", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3?"})
	postEvent(t, a, slackfake.EventPayload("EvFail", slackfake.Mention(q)))
	require.NoError(t, e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		r := s.BotReplies("CA", q.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "Sorry")
	}))
	e.settled()
	var status, msg string
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT status, error FROM deliveries WHERE delivery_id = 'EvFail'`).Scan(&status, &msg))
	require.Equal(t, "failed", status)
	require.NotEmpty(t, msg)
}

func TestSlackOutageIsRetriedBySweeper(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	ctx := context.Background()
	e.slack.ServerError("chat.postMessage", 1)
	q := e.slack.AddMessage(slackfake.Message{Channel: "CX", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 incidents?"})
	postEvent(t, a, slackfake.EventPayload("EvOutage", slackfake.Mention(q)))
	// The first attempt fails on Slack's 500 and gives its lease back.
	require.NoError(t, waitFor(20*time.Second, func() bool {
		var owner string
		_ = e.pool.QueryRow(ctx, `SELECT owner FROM deliveries WHERE delivery_id = 'EvOutage'`).Scan(&owner)
		return owner == ""
	}))
	n, err := a.core.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	e.answered("CX", q.TS)
	e.settled()
	require.Len(t, e.slack.BotReplies("CX", q.TS), 1)
}

func TestKoreanQuestionGetsKoreanPlaceholderAndAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	q := e.slack.AddMessage(slackfake.Message{Channel: "CK", User: "U1", Text: "<@" + slackfake.BotUserID + "> 프레스 3호기 베어링 진동 과거 사례 알려줘"})
	postEvent(t, a, slackfake.EventPayload("EvKo", slackfake.Mention(q)))
	e.answered("CK", q.TS)
	posts := e.slack.Calls("chat.postMessage")
	require.NotEmpty(t, posts)
	require.Contains(t, posts[0].Params["text"], "확인하고 있습니다")
}

func TestFollowUpAskedOnceThenReplyRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.start(), e.start()
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "CF", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing vibration, past fixes?"})
	postEvent(t, a, slackfake.EventPayload("EvF", slackfake.Mention(q)))
	e.answered("CF", q.TS)
	e.settled()
	var cites []string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT citations FROM threads WHERE channel_id = 'CF'`).Scan(&cites))
	require.NotEmpty(t, cites)

	// Too early: nothing asked.
	n, err := a.core.FollowUpTick(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	// Five hours later both replicas tick; the thread is asked once.
	_, err = e.pool.Exec(ctx, `UPDATE threads SET last_answer_at = now() - interval '5 hours'`)
	require.NoError(t, err)
	na, err := a.core.FollowUpTick(ctx)
	require.NoError(t, err)
	nb, err := b.core.FollowUpTick(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, na+nb)
	var asks []slackfake.Message
	for _, m := range e.slack.BotReplies("CF", q.TS) {
		if strings.Contains(m.Text, "did the steps help?") {
			asks = append(asks, m)
		}
	}
	require.Len(t, asks, 1)
	require.Contains(t, asks[0].Text, "<@U1>")

	r := e.slack.AddMessage(slackfake.Message{Channel: "CF", User: "U1", Text: "no", ThreadTS: q.TS})
	postEvent(t, b, slackfake.EventPayload("EvFR", slackfake.MessageEvent(r, "channel")))
	require.NoError(t, e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		for _, m := range s.BotReplies("CF", q.TS) {
			if strings.Contains(m.Text, "*did not work*") {
				return true
			}
		}
		return false
	}))
	var outcome string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT outcome FROM documents WHERE id = $1`, cites[0]).Scan(&outcome))
	require.Equal(t, "failed", outcome)
	// Answered threads are not asked again.
	n, err = a.core.FollowUpTick(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}
