package loadtest_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/loadtest"
)

// sendAll delivers every event to instance i%n and requires a 2xx ack.
func sendAll(t *testing.T, h *loadtest.Harness, evs []loadtest.Event) {
	t.Helper()
	for i, ev := range evs {
		d := h.Send(context.Background(), h.Instances[i%len(h.Instances)], ev, 0)
		require.NoError(t, d.Err)
		require.Equal(t, http.StatusOK, d.Status)
	}
}

// requireExactlyOnce checks that every event has one answer and no
// placeholder was left behind.
func requireExactlyOnce(t *testing.T, h *loadtest.Harness, evs []loadtest.Event, timeout time.Duration) {
	t.Helper()
	pending := h.WaitAnswered(context.Background(), evs, timeout)
	require.Empty(t, pending, "unanswered events; instance 0 log:\n%s", h.Instances[0].Log(20))
	for _, ev := range evs {
		require.Len(t, h.Answers(ev), 1, "event %s answered %d times", ev.ID, len(h.Answers(ev)))
		require.Empty(t, h.Placeholders(ev), "event %s left a placeholder", ev.ID)
	}
}

// TestFaultLLMErrorsAndHangs: the model answers 500 to some calls and hangs
// on others; every question still gets an answer, made by the offline
// planner, within the agent's deadline.
func TestFaultLLMErrorsAndHangs(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir(), Env: map[string]string{
		"GEMBA_LLM_TIMEOUT":     "2s",
		"GEMBA_LLM_MAX_RETRIES": "1",
		"GEMBA_AGENT_DEADLINE":  "8s",
	}})
	require.NoError(t, err)
	defer h.Close()
	var n atomic.Int64
	h.LLM.Respond(func(req llmtest.Request) llmtest.Reply {
		if n.Add(1)%2 == 0 {
			return llmtest.Hang()
		}
		return llmtest.Fail(http.StatusInternalServerError)
	})
	evs := loadtest.MakeEvents("llm", 12, 3)
	start := time.Now()
	sendAll(t, h, evs)
	requireExactlyOnce(t, h, evs, 60*time.Second)
	took := time.Since(start)
	for _, ev := range evs {
		a := h.Answers(ev)[0]
		require.True(t, strings.Contains(a.Text, "without an LLM") || strings.Contains(string(a.Blocks), "without an LLM") ||
			strings.Contains(string(a.Blocks), "LLM 없이") || strings.Contains(a.Text, "LLM 없이"), "offline answer expected: %s", a.Text)
	}
	require.NotEmpty(t, h.LLM.Requests(), "the LLM was tried first")
	t.Logf("12 questions with the LLM failing or hanging answered offline in %s", took.Round(time.Millisecond))
}

// TestFaultPostgresRestart: the database restarts while questions arrive.
// Readiness goes red, deliveries refused while it is down are retried the
// way Slack retries them, readiness comes back, and every question is
// answered exactly once.
func TestFaultPostgresRestart(t *testing.T) {
	ctx := context.Background()
	pg, err := loadtest.NewCluster(ctx)
	require.NoError(t, err)
	defer pg.Close()
	seed(t, pg.URL())
	cpuHog(t)
	// A short lease so that work interrupted by the outage (an answer whose
	// delivery could not be marked done) is taken over within the test.
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: pg.URL(), Instances: 2, LogDir: t.TempDir(), Env: map[string]string{
		"GEMBA_AGENT_DEADLINE": "5s",
		"GEMBA_SLACK_LEASE":    "20s",
	}})
	require.NoError(t, err)
	defer h.Close()

	before := loadtest.MakeEvents("pgA", 10, 2)
	sendAll(t, h, before)

	require.NoError(t, pg.Stop(ctx))
	require.Eventually(t, func() bool {
		code, _ := h.Ready(ctx, h.Instances[0])
		return code == http.StatusServiceUnavailable
	}, 20*time.Second, 100*time.Millisecond, "readiness goes red while the database is down")

	// Deliveries while the database is down are not acked with 2xx (the
	// bot cannot record them), so Slack would retry them: do the same.
	during := loadtest.MakeEvents("pgB", 6, 2)
	refused := 0
	for i, ev := range during {
		if d := h.Send(ctx, h.Instances[i%2], ev, 0); d.Err != nil || d.Status != http.StatusOK {
			refused++
		}
	}
	time.Sleep(2 * time.Second)
	require.NoError(t, pg.Start(ctx))
	require.Eventually(t, func() bool {
		code, _ := h.Ready(ctx, h.Instances[0])
		return code == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "readiness goes green again")
	for i, ev := range during {
		for retry := 1; retry <= 3; retry++ {
			d := h.Send(ctx, h.Instances[(i+1)%2], ev, retry)
			if d.Err == nil && d.Status == http.StatusOK {
				break
			}
			time.Sleep(time.Second)
		}
	}
	all := append(append([]loadtest.Event{}, before...), during...)
	requireExactlyOnce(t, h, all, 3*time.Minute)
	t.Logf("database restart: %d of %d deliveries refused while down, all %d questions answered once", refused, len(during), len(all))
}

// TestFaultInstanceKilledMidAnswer: an instance is killed (SIGKILL) while
// it is answering; the other instance takes the questions over when their
// lease expires, reuses the placeholder, and each is answered exactly once.
func TestFaultInstanceKilledMidAnswer(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir(), Env: map[string]string{
		"GEMBA_AGENT_DEADLINE": "10s",
		"GEMBA_SLACK_LEASE":    "25s",
	}})
	require.NoError(t, err)
	defer h.Close()
	// The model is slow to answer new questions, so the kill lands mid-answer.
	h.LLM.Respond(func(req llmtest.Request) llmtest.Reply {
		r := loadtest.ScriptedAnswer(req)
		if req.Last().Role != "tool" {
			r.Delay = 3 * time.Second
		}
		return r
	})
	evs := loadtest.MakeEvents("kill", 6, 2)
	for _, ev := range evs {
		d := h.Send(ctx, h.Instances[0], ev, 0)
		require.NoError(t, d.Err)
		require.Equal(t, http.StatusOK, d.Status)
	}
	// Wait until instance 0 is mid-answer (placeholders posted), then kill it.
	require.Eventually(t, func() bool {
		for _, ev := range evs {
			if len(h.Placeholders(ev)) == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond)
	h.Kill(h.Instances[0])
	for _, ev := range evs {
		require.Empty(t, h.Answers(ev), "killed before answering")
	}
	requireExactlyOnce(t, h, evs, 2*time.Minute)
}

// TestFaultSlack429: Slack rate-limits chat.postMessage; the bot waits for
// Retry-After and every answer still arrives once.
func TestFaultSlack429(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir()})
	require.NoError(t, err)
	defer h.Close()
	h.Slack.RateLimit("chat.postMessage", 4, 1)
	h.Slack.RateLimit("chat.update", 2, 1)
	evs := loadtest.MakeEvents("rl", 6, 2)
	start := time.Now()
	sendAll(t, h, evs)
	requireExactlyOnce(t, h, evs, time.Minute)
	limited := 0
	for _, c := range h.Slack.Calls("chat.postMessage", "chat.update") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	require.Equal(t, 6, limited, "every 429 was answered and retried")
	require.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After honoured")
}
