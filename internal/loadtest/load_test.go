package loadtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/loadtest"
)

// TestLoadTwoInstances sends signed app_mention events to two `gemba serve`
// processes sharing one database, with a fifth of them delivered to both
// instances at once and a tenth redelivered as Slack retries, and checks
// that every question is answered exactly once. The normal suite sends 300
// events; `make loadtest` sends 3,000 over three minutes
// (GEMBA_LOAD_EVENTS, GEMBA_LOAD_DURATION).
func TestLoadTwoInstances(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir()})
	require.NoError(t, err)
	defer h.Close()

	events := envInt("GEMBA_LOAD_EVENTS", 300)
	rep, err := h.Load(ctx, loadtest.LoadOptions{
		Events:            events,
		Duration:          envDuration("GEMBA_LOAD_DURATION", 15*time.Second),
		DuplicateFraction: 0.2,
		RetryFraction:     0.1,
	})
	if rep != nil {
		t.Logf("load report:\n%s", rep)
	}
	require.NoError(t, err, "instance 0 log:\n%s", h.Instances[0].Log(20))
	requireDelivered(t, h, rep)
	if envInt("GEMBA_LOAD_CPU_HOG", 0) == 0 {
		require.Less(t, rep.AckP99, time.Second, "acks stay fast under load (the figure for the closing note comes from a quiet machine)")
	}

	// Every question went through the scripted LLM with three tool calls.
	llmCalls := len(h.LLM.Requests())
	require.GreaterOrEqual(t, llmCalls, 2*events)
}

// TestLoadBurstLargerThanQueues sends 300 events at once to two instances
// with small worker queues, so most deliveries are handed to the sweeper:
// they are answered later, but every one is answered exactly once.
func TestLoadBurstLargerThanQueues(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, Workers: 2, LogDir: t.TempDir(),
		Env: map[string]string{"GEMBA_SLACK_LEASE": "2m"}})
	require.NoError(t, err)
	defer h.Close()
	rep, err := h.Load(ctx, loadtest.LoadOptions{Events: 300, Duration: time.Millisecond, Concurrency: 100, DuplicateFraction: 0.2, RetryFraction: 0.1})
	if rep != nil {
		t.Logf("burst report:\n%s", rep)
	}
	require.NoError(t, err, "instance 0 log:\n%s", h.Instances[0].Log(20))
	requireDelivered(t, h, rep)
}

// requireDelivered holds a load run to Gemba's promise: every event
// answered exactly once, no placeholder left, and every delivery
// acknowledged with a 2xx within Slack's 3 s, so that nobody waits for
// Slack's redelivery (a non-2xx would mean the database refused to record
// a delivery).
func requireDelivered(t *testing.T, h *loadtest.Harness, rep *loadtest.Report) {
	t.Helper()
	require.Zero(t, rep.Lost, "lost, even after Slack's redeliveries")
	require.Zero(t, rep.Duplicated, "answered twice")
	require.Zero(t, rep.Stale, "placeholders left")
	require.Zero(t, rep.Non2xx, "deliveries refused; instance 0 log:\n%s", h.Instances[0].Log(20))
	require.Zero(t, rep.SlowAcks, "acks slower than Slack waits")
	require.Zero(t, rep.AnsweredLate, "events answered only after Slack's redelivery")
}

// TestLoadSlackRedeliversRefusedDeliveries checks the harness's model of
// Slack: deliveries to a replica that is down get no 2xx, Slack redelivers
// them on its schedule (here twenty times faster) to whichever replica its
// load balancer picks, and they are answered late, not lost. "Lost" in the
// other load tests therefore means that Slack's retries could not get an
// event answered either.
func TestLoadSlackRedeliversRefusedDeliveries(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	seed(t, url)
	cpuHog(t)
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir()})
	require.NoError(t, err)
	defer h.Close()
	require.NoError(t, h.Stop(h.Instances[1], 30*time.Second))
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		restarted <- h.Restart(ctx, h.Instances[1])
	}()
	rep, err := h.Load(ctx, loadtest.LoadOptions{Events: 40, Duration: 500 * time.Millisecond, DuplicateFraction: 0, RetryFraction: 0,
		SlackRetries: loadtest.SlackPolicy(1.0 / 20), AnswerTimeout: time.Minute})
	require.NoError(t, <-restarted)
	if rep != nil {
		t.Logf("report:\n%s", rep)
	}
	require.NoError(t, err)
	require.GreaterOrEqual(t, rep.Non2xx, 20, "every first delivery to the stopped replica was refused")
	require.GreaterOrEqual(t, rep.Redelivered, rep.Non2xx)
	require.Equal(t, 20, rep.AnsweredLate, "answered after Slack's redelivery")
	require.Zero(t, rep.Lost)
	require.Zero(t, rep.Duplicated)
	require.Zero(t, rep.Stale)
}
