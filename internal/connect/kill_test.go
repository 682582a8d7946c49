package connect_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/connect/connecttest"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// TestMQTTConnectorProcess is no test of its own: it is the connector
// process TestMQTTLosesNoMessageWhenKilled starts (this test binary run
// again with GEMBA_CONNECT_CHILD set) and kills with SIGKILL.
func TestMQTTConnectorProcess(t *testing.T) {
	if os.Getenv("GEMBA_CONNECT_CHILD") == "" {
		t.Skip("the child process of TestMQTTLosesNoMessageWhenKilled")
	}
	ctx := context.Background()
	pool, err := db.Open(ctx, os.Getenv("GEMBA_CONNECT_DB"), db.Options{MaxConns: 4})
	require.NoError(t, err)
	cfg := parse(t, loadConfig(os.Getenv("GEMBA_CONNECT_BROKER"), "kill", "gemba-kill", ""))
	conn, err := connect.New(cfg, connect.Options{Store: series.New(pool)})
	require.NoError(t, err)
	require.NoError(t, conn.Run(ctx)) // until killed
}

// TestMQTTLosesNoMessageWhenKilled: Gemba's connector process is killed
// (SIGKILL: no clean disconnect, its queue and open batch lost) twice
// while messages stream in. The PUBACK of a message is sent only after its
// point is committed, so the broker redelivers whatever was not, to the
// persistent session of the restarted process: every published point is
// stored, once.
func TestMQTTLosesNoMessageWhenKilled(t *testing.T) {
	if raceDetector {
		t.Skip("two connector processes built with the race detector outlast the test's deadlines")
	}
	t.Parallel()
	broker := connecttest.StartMosquitto(t)
	url := dbtest.NewDatabase(t)
	pool, err := db.Open(context.Background(), url, db.Options{MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMQTTConnectorProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "GEMBA_CONNECT_CHILD=1", "GEMBA_CONNECT_DB="+url, "GEMBA_CONNECT_BROKER="+broker.URL())
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	pub := connecttest.NewPublisher(t, broker.URL(), "pub-kill")
	published := 0
	publish := func(k int) {
		for range k {
			require.NoError(t, pub.Publish("load/a", stamp(published, time.Now(), 1)))
			published++
		}
	}

	// The child's first connection makes the broker's persistent session:
	// probes on another topic until one is stored say it is subscribed.
	probe := connecttest.NewPublisher(t, broker.URL(), "pub-kill-probe")
	count := func(asset string) int {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id
			WHERE s.name LIKE $1 || '.%'`, asset).Scan(&n))
		return n
	}
	child := start()
	waitFor(t, 30*time.Second, "the child process subscribed", func() bool {
		require.NoError(t, probe.Publish("load/probe", stamp(0, time.Now(), 1)))
		return count("probe") >= 1
	})
	for round := range 2 {
		// Kill it mid-stream: messages keep coming while it dies and while
		// it is away (the broker queues them for the persistent session).
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(20 * time.Millisecond)
			if err := child.Process.Kill(); err != nil {
				t.Error(err)
			}
			_, _ = child.Process.Wait()
		}()
		publish(300)
		<-done
		publish(100)
		t.Logf("round %d: killed with %d published, %d stored", round+1, published, count("a"))
		child = start()
		publish(100)
	}
	waitFor(t, 60*time.Second, "every published point", func() bool { return count("a") >= published })
	require.Equal(t, published, count("a"), "every point once")
}
