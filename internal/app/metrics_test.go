package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/slackfake"
)

// TestMetricsCountEachQuestionOnce runs `gemba serve` with Slack (the local
// Slack) and the console, asks one question through each front door, and
// reads /metrics: each question is counted once, under its front door,
// and the answer stage observed once per question.
func TestMetricsCountEachQuestionOnce(t *testing.T) {
	t.Parallel()
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	const secret = "metrics-secret"
	app := demoApp(t, map[string]string{
		"GEMBA_HTTP_ADDR":            "127.0.0.1:0",
		"GEMBA_SLACK_BOT_TOKEN":      "xoxb-test",
		"GEMBA_SLACK_SIGNING_SECRET": secret,
		"GEMBA_SLACK_API_URL":        fake.URL,
		"GEMBA_MIGRATE_ON_START":     "false",
	})
	base := "http://" + startServe(t, app)
	client := &http.Client{Timeout: 30 * time.Second}

	// Slack: a signed mention, answered in its thread.
	q := fake.AddMessage(slackfake.Message{Channel: "CM", User: "U1", Text: "<@" + slackfake.BotUserID + "> is press-3 ok?"})
	body := slackfake.EventPayload("EvMetrics", slackfake.Mention(q))
	req, err := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range slackfake.Sign(secret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, fake.Wait(60*time.Second, func(s *slackfake.Server) bool {
		for _, m := range s.BotReplies("CM", q.TS) {
			if bytes.Contains(m.Blocks, []byte("gemba_resolve")) {
				return true
			}
		}
		return false
	}), "the Slack question is answered")

	// The console: a question in its channel, answered in the reply.
	res, err = client.Post(base+"/api/channels/shop-floor/messages", "application/json", bytes.NewReader([]byte(`{"text":"is press-3 ok?"}`)))
	require.NoError(t, err)
	var posted struct {
		Reply struct{ ID string } `json:"reply"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&posted))
	require.NoError(t, res.Body.Close())
	require.Eventually(t, func() bool {
		res, err := client.Get(base + "/api/channels/shop-floor/messages")
		if err != nil {
			return false
		}
		defer func() { _ = res.Body.Close() }()
		var list struct {
			Messages []struct {
				ID      string `json:"id"`
				Pending bool   `json:"pending"`
			} `json:"messages"`
		}
		if json.NewDecoder(res.Body).Decode(&list) != nil {
			return false
		}
		for _, m := range list.Messages {
			if m.ID == posted.Reply.ID {
				return !m.Pending
			}
		}
		return false
	}, 60*time.Second, 100*time.Millisecond, "the console question is answered")

	res, err = client.Get(base + "/metrics")
	require.NoError(t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	text := string(raw)
	require.Equal(t, 1.0, metric(t, text, `gemba_questions_total{mode="offline",source="slack"}`), "one Slack question, counted once")
	require.Equal(t, 1.0, metric(t, text, `gemba_questions_total{mode="offline",source="console"}`), "one console question, counted once")
	require.Equal(t, 2.0, metric(t, text, `gemba_stage_duration_seconds_count{stage="answer"}`), "one answer observed per question")
}

// metric reads one sample of a Prometheus text exposition.
func metric(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	require.NotNil(t, m, "no %s in /metrics", series)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}
