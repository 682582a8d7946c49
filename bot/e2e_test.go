package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/slackfake"
	"github.com/gemba-ai/gemba/rag"
)

func TestMentionGetsOneAnswerInThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C1", User: "U1", Text: "<@" + slackfake.BotUserID + "> why is press-3 vibrating?"})
	code, _ := postEvent(t, a, slackfake.EventPayload("Ev1", slackfake.Mention(q)))
	require.Equal(t, http.StatusOK, code)

	require.NotEmpty(t, e.answered("C1", q.TS))
	e.settled()
	replies := e.slack.BotReplies("C1", q.TS)
	require.Len(t, replies, 1, "exactly one answer message in the thread")
	require.True(t, replies[0].Edited, "the placeholder was updated with the answer")
	require.Contains(t, string(replies[0].Blocks), "gemba_helpful")
	// Progress: 👀 added on the question, then removed.
	adds := e.slack.Calls("reactions.add")
	require.Len(t, adds, 1)
	require.Equal(t, "eyes", adds[0].Params["name"])
	require.Equal(t, q.TS, adds[0].Params["timestamp"])
	_, err := e.slack.WaitCalls(5*time.Second, "reactions.remove", 1)
	require.NoError(t, err)
	// The delivery is done and the thread is remembered with the answer.
	var status string
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT status FROM deliveries WHERE delivery_id = 'Ev1'`).Scan(&status))
	require.Equal(t, "done", status)
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*) FROM posted_answers WHERE channel_id = 'C1' AND thread_ref = $1`, q.TS).Scan(&n))
	require.Equal(t, 1, n)
}

func TestDuplicateDeliveriesAcrossInstancesAnswerOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.start(), e.start()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C2", User: "U1", Text: "<@" + slackfake.BotUserID + "> any past incidents on press-3 bearings?"})
	payload := slackfake.EventPayload("EvDup", slackfake.Mention(q))
	var wg sync.WaitGroup
	codes := make(chan int, 4)
	for _, inst := range []*instance{a, a, a, b} { // three Slack retries to one replica, one delivery to another
		wg.Go(func() {
			c, _ := postEvent(t, inst, payload)
			codes <- c
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Equal(t, http.StatusOK, c, "every delivery is acked")
	}
	e.answered("C2", q.TS)
	e.settled()
	require.Len(t, e.slack.BotReplies("C2", q.TS), 1, "one answer")
	require.Len(t, e.slack.Calls("reactions.add"), 1)
	var m dto.Metric
	require.NoError(t, e.metrics.DedupeHits.Write(&m))
	require.Equal(t, 3.0, m.GetCounter().GetValue(), "three duplicates dropped")
}

func TestBadSignatureIsRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C3", User: "U1", Text: "<@" + slackfake.BotUserID + "> hello?"})
	payload := slackfake.EventPayload("EvBad", slackfake.Mention(q))

	req, _ := http.NewRequest(http.MethodPost, a.url+"/slack/events", strings.NewReader(string(payload)))
	for k, v := range slackfake.Sign("wrong-secret", time.Now(), payload) {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	code, _ := post(t, a.url, "/slack/events", "application/json", payload, time.Now().Add(-6*time.Minute))
	require.Equal(t, http.StatusUnauthorized, code, "replayed (old) request")

	unsigned, err := http.Post(a.url+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("text=help"))
	require.NoError(t, err)
	unsigned.Body.Close()
	require.Equal(t, http.StatusUnauthorized, unsigned.StatusCode)

	// Slack's periodic certificate check is answered without a signature.
	check, err := http.Post(a.url+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("ssl_check=1&token=x"))
	require.NoError(t, err)
	check.Body.Close()
	require.Equal(t, http.StatusOK, check.StatusCode)

	// Nothing was recorded or posted.
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries`).Scan(&n))
	require.Zero(t, n)
	require.Empty(t, e.slack.Calls("chat.postMessage", "reactions.add"))

	// The URL verification challenge is answered (signed).
	code, body := postEvent(t, a, []byte(`{"type":"url_verification","challenge":"abc123","token":"x"}`))
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"challenge":"abc123"}`, body)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1764200000, 0)
	body := []byte(`{"a":1}`)
	require.NoError(t, bot.Verify(slackfake.Sign(secret, now, body), body, secret, now))
	require.NoError(t, bot.Verify(slackfake.Sign(secret, now.Add(-4*time.Minute), body), body, secret, now))
	for name, h := range map[string]http.Header{
		"tampered body": slackfake.Sign(secret, now, []byte(`{"a":2}`)),
		"other secret":  slackfake.Sign("nope", now, body),
		"too old":       slackfake.Sign(secret, now.Add(-6*time.Minute), body),
		"from future":   slackfake.Sign(secret, now.Add(6*time.Minute), body),
		"missing":       {},
	} {
		require.ErrorIs(t, bot.Verify(h, body, secret, now), bot.ErrBadSignature, name)
	}
	require.ErrorIs(t, bot.Verify(slackfake.Sign("", now, body), body, "", now), bot.ErrBadSignature, "no secret configured")
}

func TestSlashForecastUploadsChartInThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	code, body := postCommand(t, a, "C4", "U1", "forecast line-2.output 12 --season 24", "trig-f1")
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, strings.TrimSpace(body), "acked with no message; the answer goes to the channel")

	calls, err := e.slack.WaitCalls(20*time.Second, "files.completeUploadExternal", 1)
	require.NoError(t, err)
	files := e.slack.Files()
	require.Len(t, files, 1)
	f := files[0]
	require.True(t, f.Complete)
	require.Equal(t, "C4", f.Channel)
	require.Equal(t, []byte("\x89PNG"), f.Data[:4], "a PNG")
	require.Contains(t, f.InitialComment, "forecast")
	require.Contains(t, f.InitialComment, "80%")
	require.Contains(t, f.InitialComment, "data cutoff")
	require.Equal(t, f.ThreadTS, calls[0].Params["thread_ts"])
	// The chart is in the thread of the command's root message, next to the numbers.
	root := e.slack.Messages("C4")[0]
	require.Equal(t, root.TS, f.ThreadTS)
	require.Contains(t, root.Text, "forecast of `line-2.output`")
	replies := e.slack.BotReplies("C4", root.TS)
	require.Len(t, replies, 1)
	require.Contains(t, string(replies[0].Blocks), "next 12 h forecast")

	// A bad series is explained to the caller only.
	code, _ = postCommand(t, a, "C4", "U1", "forecast nope 12", "trig-f2")
	require.Equal(t, http.StatusOK, code)
	eph, err := e.slack.WaitCalls(20*time.Second, "chat.postEphemeral", 1)
	require.NoError(t, err)
	require.Contains(t, eph[0].Params["text"], "did you mean line-2.output")

	// Bad arguments get the usage at once, ephemeral, naming the problem.
	code, body = postCommand(t, a, "C4", "U1", "forecast line-2.output soon", "trig-f3")
	require.Equal(t, http.StatusOK, code)
	var usage map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &usage))
	require.Equal(t, "ephemeral", usage["response_type"])
	require.Contains(t, usage["text"], `not "soon"`)
	require.Contains(t, usage["text"], "/gemba forecast &lt;series&gt;", "Slack shows <series>; unescaped it would be a link")

	// What the user typed is echoed escaped: only the caller sees it, but
	// Slack would still notify the channel for a live <!channel>.
	code, body = postCommand(t, a, "C4", "U1", "forecast <!channel> <@U2>", "trig-f4")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, json.Unmarshal([]byte(body), &usage))
	require.Contains(t, usage["text"], "&lt;!channel&gt;")
	require.NotContains(t, usage["text"], "<!channel>")
	require.NotContains(t, usage["text"], "<@U2>")
}

func TestForecastPermissionRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start(func(o *opts) { o.Permissions.ForecastUsers = []string{"UBOSS"} })
	code, _ := postCommand(t, a, "C5", "U1", "forecast line-2.output", "trig-p1")
	require.Equal(t, http.StatusOK, code)
	eph, err := e.slack.WaitCalls(20*time.Second, "chat.postEphemeral", 1)
	require.NoError(t, err)
	require.Contains(t, eph[0].Params["text"], "limited to <@UBOSS>")
	e.settled()
	require.Empty(t, e.slack.Files())
}

func TestResolveModalStoresSearchableIncident(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C6", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing noise, past incidents?"})
	postEvent(t, a, slackfake.EventPayload("EvR", slackfake.Mention(q)))
	replies := e.answered("C6", q.TS)
	answerTS := replies[0].TS

	// Click "Mark resolved": the modal opens.
	click := map[string]any{
		"type": "block_actions", "trigger_id": "trig-r1", "team": map[string]any{"id": slackfake.TeamID},
		"user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C6"},
		"container": map[string]any{"type": "message", "message_ts": answerTS, "channel_id": "C6", "thread_ts": q.TS},
		"message":   map[string]any{"ts": answerTS, "thread_ts": q.TS},
		"actions":   []map[string]any{{"action_id": conversation.ActionResolve, "block_id": "gemba_answer_actions", "value": "1", "type": "button"}},
	}
	code, _ := postInteraction(t, a, click)
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, e.slack.Wait(5*time.Second, func(s *slackfake.Server) bool { return len(s.Views()) == 1 }))
	var view slack.ModalViewRequest
	require.NoError(t, json.Unmarshal(e.slack.Views()[0], &view))
	require.Equal(t, "gemba_resolve", view.CallbackID)

	submit := func(actions, downtime, worked string) (int, string) {
		state := map[string]any{"values": map[string]any{
			"resolve_actions":  map[string]any{"value": map[string]any{"type": "plain_text_input", "value": actions}},
			"resolve_cause":    map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "Worn drive-end bearing"}},
			"resolve_downtime": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": downtime}},
			"resolve_worked":   map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": worked}}},
		}}
		return postInteraction(t, a, map[string]any{
			"type": "view_submission", "trigger_id": "trig-r2", "team": map[string]any{"id": slackfake.TeamID}, "user": map[string]any{"id": "U2"},
			"view": map[string]any{"id": "V1", "callback_id": "gemba_resolve", "private_metadata": view.PrivateMetadata, "state": state},
		})
	}
	// Bad input: the form shows field errors and nothing is stored.
	code, body := submit("", "forty", "worked")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"response_action":"errors"`)
	require.Contains(t, body, "resolve_actions")
	require.Contains(t, body, "whole number of minutes")

	code, _ = submit("Replaced the drive-end bearing on press-3 and re-greased it", "45", "worked")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		for _, m := range s.BotReplies("C6", q.TS) {
			if strings.Contains(m.Text, "marked this resolved") {
				return true
			}
		}
		return false
	}))
	id := "slack-c6-" + q.TS
	res, err := e.rag.Search(ctx, rag.Query{Text: "drive-end bearing replaced re-greased press-3", K: 5, Kind: rag.KindIncident})
	require.NoError(t, err)
	var found bool
	for _, r := range res {
		found = found || r.DocumentID == id
	}
	require.True(t, found, "the new incident is searchable: %+v", res)
	var resolvedBy, incident string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT resolved_by, incident_id FROM threads WHERE channel_id = 'C6' AND thread_ref = $1`, q.TS).Scan(&resolvedBy, &incident))
	require.Equal(t, "U2", resolvedBy)
	require.Equal(t, id, incident)
}

func TestDigestSlotPostedOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	slot := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return slot.Add(90 * time.Second) }
	a := e.start(func(o *opts) { o.Now = clock })
	b := e.start(func(o *opts) { o.Now = clock })
	ctx := context.Background()
	require.NoError(t, a.core.SetSchedule(ctx, bot.Source, "C7", "0 6,14,22 * * *", "UTC", "U1"))
	_, err := e.pool.Exec(ctx, `UPDATE digest_schedules SET created_at = $1`, slot.Add(-24*time.Hour))
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `INSERT INTO threads (channel_id, thread_ref, thread_key, started_by, question, last_answer_at)
		VALUES ('C7', '1764000000.000042', 'slack:C7:1764000000.000042', 'U4', 'filler-1 pressure drifting?', $1)`, slot.Add(-2*time.Hour))
	require.NoError(t, err)

	var wg sync.WaitGroup
	counts := make(chan int, 4)
	for _, inst := range []*instance{a, b, a, b} {
		wg.Go(func() {
			n, err := inst.core.DigestTick(ctx)
			require.NoError(t, err)
			counts <- n
		})
	}
	wg.Wait()
	close(counts)
	total := 0
	for n := range counts {
		total += n
	}
	require.Equal(t, 1, total, "the slot is posted exactly once")
	var headers []slackfake.Message
	for _, m := range e.slack.Messages("C7") {
		if m.ThreadTS == "" {
			headers = append(headers, m)
		}
	}
	require.Len(t, headers, 1)
	details := e.slack.BotReplies("C7", headers[0].TS)
	require.NotEmpty(t, details, "details in the header's thread")
	require.Contains(t, string(details[0].Blocks), "Anomaly events this shift")
	require.Contains(t, string(details[0].Blocks), "press-3 vibration")
	require.Contains(t, string(details[0].Blocks), "https://gemba-test.slack.com/archives/C7/p1764000000000042|filler-1 pressure drifting?")

	// A restart (new instance, same slot) posts nothing more.
	c := e.start(func(o *opts) { o.Now = clock })
	n, err := c.core.DigestTick(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestSlackRateLimitIsRetriedAfterDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	e.slack.RateLimit("chat.postMessage", 1, 1)
	q := e.slack.AddMessage(slackfake.Message{Channel: "C8", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 incidents?"})
	postEvent(t, a, slackfake.EventPayload("Ev429", slackfake.Mention(q)))
	e.answered("C8", q.TS)
	calls := e.slack.Calls("chat.postMessage")
	require.GreaterOrEqual(t, len(calls), 2)
	require.Equal(t, http.StatusTooManyRequests, calls[0].Status)
	require.Equal(t, http.StatusOK, calls[1].Status)
	require.GreaterOrEqual(t, calls[1].At.Sub(calls[0].At), time.Second, "waited Retry-After")
	require.Len(t, e.slack.BotReplies("C8", q.TS), 1)
}

func TestCrashedDeliveryIsRetriedByAnotherReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C9", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing history?"})
	payload := slackfake.EventPayload("EvCrash", slackfake.Mention(q))
	// A replica recorded the event, acked it, and died before answering.
	_, err := e.pool.Exec(ctx, `INSERT INTO deliveries (delivery_id, kind, payload, owner, lease_until) VALUES ('EvCrash', 'event', $1, 'dead-replica', now() - interval '1 second')`, payload)
	require.NoError(t, err)
	a := e.start()
	n, err := a.core.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	e.answered("C9", q.TS)
	e.settled()
	// A late Slack retry of the same event is a duplicate now.
	postEvent(t, a, payload)
	e.settled()
	require.Len(t, e.slack.BotReplies("C9", q.TS), 1)
	var attempts int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT attempts FROM deliveries WHERE delivery_id = 'EvCrash'`).Scan(&attempts))
	require.Equal(t, 2, attempts)
}

func TestIgnoresBotsEditsAndUnaddressedMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	own := slackfake.Message{Channel: "C10", User: slackfake.BotUserID, BotID: slackfake.BotID, Text: "I am Gemba", TS: "1764000001.000001"}
	other := slackfake.Message{Channel: "C10", User: "U9", BotID: "B9", Text: "<@" + slackfake.BotUserID + "> build failed?", TS: "1764000001.000002"}
	plain := slackfake.Message{Channel: "C10", User: "U1", Text: "lunch is at noon", TS: "1764000001.000003"}
	edited := slackfake.MessageEvent(slackfake.Message{Channel: "C10", User: "U1", Text: "why is press-3 hot?", TS: "1764000001.000004"}, "channel")
	edited["subtype"] = "message_changed"
	for i, ev := range []map[string]any{
		slackfake.MessageEvent(own, "channel"), slackfake.Mention(other), slackfake.MessageEvent(plain, "channel"), edited,
		slackfake.MessageEvent(slackfake.Message{Channel: "C10", User: "U1", Text: "why is press-3 hot?", TS: "1764000001.000005"}, "channel"),
	} {
		code, _ := postEvent(t, a, slackfake.EventPayload("EvIgn"+string(rune('a'+i)), ev))
		require.Equal(t, http.StatusOK, code)
	}
	e.settled()
	require.Empty(t, e.slack.Calls("chat.postMessage", "reactions.add"), "mention-only channel: nothing answered")
	var recorded int
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries`).Scan(&recorded))
	require.Equal(t, 2, recorded, "bots' messages and edits are acked without being recorded")

	// Finished deliveries older than a day are pruned by the leader's upkeep.
	_, err := e.pool.Exec(context.Background(), `UPDATE deliveries SET received_at = now() - interval '2 days'`)
	require.NoError(t, err)
	require.NoError(t, a.core.Prune(context.Background()))
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries`).Scan(&recorded))
	require.Zero(t, recorded)
}

func TestDirectMessageAndEveryQuestionChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	dm := e.slack.AddMessage(slackfake.Message{Channel: "D1", User: "U1", Text: "<@" + slackfake.BotUserID + "> what happened on press-3 last night?"})
	postEvent(t, a, slackfake.EventPayload("EvDM", slackfake.MessageEvent(dm, "im")))
	postEvent(t, a, slackfake.EventPayload("EvDMMention", slackfake.Mention(dm))) // if Slack also sends the mention
	e.answered("D1", dm.TS)
	e.settled()
	require.Len(t, e.slack.BotReplies("D1", dm.TS), 1, "a direct message is answered once")

	require.NoError(t, a.core.SaveSettings(context.Background(), conversation.ChannelSettings{Source: bot.Source, Channel: "C11", MentionOnly: false, TZ: "UTC"}))
	q := e.slack.AddMessage(slackfake.Message{Channel: "C11", User: "U1", Text: "why is press-3 vibrating again?"})
	postEvent(t, a, slackfake.EventPayload("EvEvery", slackfake.MessageEvent(q, "channel")))
	e.answered("C11", q.TS)
}

func TestFollowUpOutcomeIsRecordedOnCitedIncidents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C12", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing vibration, what did we do last time?"})
	postEvent(t, a, slackfake.EventPayload("EvQ", slackfake.Mention(q)))
	e.answered("C12", q.TS)
	e.settled()
	var cites []string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT citations FROM threads WHERE channel_id = 'C12' AND thread_ref = $1`, q.TS).Scan(&cites))
	require.NotEmpty(t, cites, "the answer cited incidents")

	// Hours later, in the thread, without a mention.
	f := e.slack.AddMessage(slackfake.Message{Channel: "C12", User: "U3", Text: "yes, that fixed it", ThreadTS: q.TS})
	postEvent(t, a, slackfake.EventPayload("EvOutcome", slackfake.MessageEvent(f, "channel")))
	require.NoError(t, e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		for _, m := range s.BotReplies("C12", q.TS) {
			if strings.Contains(m.Text, "noted that the advice *worked*") {
				return true
			}
		}
		return false
	}))
	var outcome, by string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT outcome, outcome_by FROM documents WHERE id = $1`, cites[0]).Scan(&outcome, &by))
	require.Equal(t, "worked", outcome)
	require.Equal(t, "U3", by)
}

func TestUserRateLimitIsFriendly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start(func(o *opts) { o.UserRate = 1 })
	q1 := e.slack.AddMessage(slackfake.Message{Channel: "C13", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3?"})
	postEvent(t, a, slackfake.EventPayload("EvRate1", slackfake.Mention(q1)))
	e.answered("C13", q1.TS)
	q2 := e.slack.AddMessage(slackfake.Message{Channel: "C13", User: "U1", Text: "<@" + slackfake.BotUserID + "> and press-4?"})
	postEvent(t, a, slackfake.EventPayload("EvRate2", slackfake.Mention(q2)))
	require.NoError(t, e.slack.Wait(10*time.Second, func(s *slackfake.Server) bool {
		r := s.BotReplies("C13", q2.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "faster than I can")
	}))
}

func TestFeedbackAndMoreDetail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C14", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing incidents?"})
	postEvent(t, a, slackfake.EventPayload("EvFB", slackfake.Mention(q)))
	replies := e.answered("C14", q.TS)
	e.settled()
	var answerID int64
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT coalesce(answer_id, 0) FROM posted_answers WHERE channel_id = 'C14'`).Scan(&answerID))
	click := func(trigger, action string) {
		code, _ := postInteraction(t, a, map[string]any{
			"type": "block_actions", "trigger_id": trigger, "team": map[string]any{"id": slackfake.TeamID},
			"user": map[string]any{"id": "U5"}, "channel": map[string]any{"id": "C14"},
			"container": map[string]any{"type": "message", "message_ts": replies[0].TS, "channel_id": "C14"},
			"actions":   []map[string]any{{"action_id": action, "block_id": "gemba_answer_actions", "value": itoa(answerID), "type": "button"}},
		})
		require.Equal(t, http.StatusOK, code)
	}
	click("trig-h", conversation.ActionHelpful)
	_, err := e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 1)
	require.NoError(t, err)
	e.settled()
	var fb string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT feedback->>'U5' FROM posted_answers WHERE channel_id = 'C14'`).Scan(&fb))
	require.Equal(t, "helpful", fb)
	if answerID > 0 {
		var rating string
		require.NoError(t, e.pool.QueryRow(ctx, `SELECT rating FROM feedback WHERE answer_id = $1 AND user_id = 'U5'`, answerID).Scan(&rating))
		require.Equal(t, "helpful", rating)
	}
	click("trig-m", conversation.ActionMore)
	_, err = e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 2)
	if err != nil { // the answer had detail steps: they were posted in the thread instead
		require.NoError(t, e.slack.Wait(10*time.Second, func(s *slackfake.Server) bool {
			for _, m := range s.BotReplies("C14", q.TS) {
				if m.Text == "More detail" {
					return true
				}
			}
			return false
		}))
	}
}

// TestClicksWithoutTriggerAreNotDropped: clicks arrive without a
// trigger_id sometimes; each click still counts (they are told apart by
// their action_ts), while Slack's redelivery of one click is not counted
// twice.
func TestClicksWithoutTriggerAreNotDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.start()
	ctx := context.Background()
	q := e.slack.AddMessage(slackfake.Message{Channel: "C16", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing incidents?"})
	postEvent(t, a, slackfake.EventPayload("EvNoTrig", slackfake.Mention(q)))
	replies := e.answered("C16", q.TS)
	e.settled()
	var answerID int64
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT coalesce(answer_id, 0) FROM posted_answers WHERE channel_id = 'C16'`).Scan(&answerID))
	click := func(user, actionTS string) {
		code, _ := postInteraction(t, a, map[string]any{
			"type": "block_actions", "trigger_id": "", "team": map[string]any{"id": slackfake.TeamID},
			"user": map[string]any{"id": user}, "channel": map[string]any{"id": "C16"},
			"container": map[string]any{"type": "message", "message_ts": replies[0].TS, "channel_id": "C16"},
			"actions": []map[string]any{{"action_id": conversation.ActionHelpful, "block_id": "gemba_answer_actions", "value": itoa(answerID),
				"type": "button", "action_ts": actionTS}},
		})
		require.Equal(t, http.StatusOK, code)
	}
	click("U5", "1764000000.000001")
	click("U6", "1764000000.000002")
	click("U6", "1764000000.000002") // Slack redelivers the same click
	_, err := e.slack.WaitCalls(10*time.Second, "chat.postEphemeral", 2)
	require.NoError(t, err)
	e.settled()
	var fb map[string]string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT feedback FROM posted_answers WHERE channel_id = 'C16'`).Scan(&fb))
	require.Equal(t, map[string]string{"U5": "helpful", "U6": "helpful"}, fb, "both clicks counted")
	require.Len(t, e.slack.Calls("chat.postEphemeral"), 2, "the redelivered click is not handled twice")
}

func TestSocketModeAnswersOnceAndDrains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.gate = make(chan struct{})
	a := e.start(func(o *opts) { o.appToken = "xapp-test" })
	require.NoError(t, e.slack.WaitConnections(10*time.Second, 1))
	require.NoError(t, waitFor(5*time.Second, func() bool { return a.bot.Ready(context.Background()) == nil }))

	// Bad arguments are answered in the ack itself (ephemeral).
	bad, _ := json.Marshal(map[string]string{"command": "/gemba", "text": "forecast", "channel_id": "C15", "user_id": "U1", "trigger_id": "trig-s0"})
	envBad, err := e.slack.Deliver(0, slackfake.EnvelopeSlash, bad, 0)
	require.NoError(t, err)
	ack, err := e.slack.WaitAck(5*time.Second, envBad)
	require.NoError(t, err)
	require.Contains(t, string(ack.Payload), "forecast needs a series name")
	require.Contains(t, string(ack.Payload), `"response_type":"ephemeral"`)

	// A slash command over the websocket: acked at once, even though the
	// forecast itself is held at the gate.
	cmd, _ := json.Marshal(map[string]string{"command": "/gemba", "text": "forecast line-2.output 6", "channel_id": "C15", "user_id": "U1",
		"team_id": slackfake.TeamID, "trigger_id": "trig-s1"})
	env1, err := e.slack.Deliver(0, slackfake.EnvelopeSlash, cmd, 0)
	require.NoError(t, err)
	_, err = e.slack.WaitAck(5*time.Second, env1)
	require.NoError(t, err)
	env2, err := e.slack.Deliver(0, slackfake.EnvelopeSlash, cmd, 1) // redelivered
	require.NoError(t, err)
	_, err = e.slack.WaitAck(5*time.Second, env2)
	require.NoError(t, err)

	// Stop while the forecast is in flight: Run waits for it.
	stopped := make(chan error, 1)
	go func() { stopped <- a.stop() }()
	select {
	case <-stopped:
		t.Fatal("Run returned before in-flight work finished")
	case <-time.After(200 * time.Millisecond):
	}
	close(e.gate)
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after draining")
	}
	require.Len(t, e.slack.Files(), 1, "one forecast chart despite the redelivery")
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
