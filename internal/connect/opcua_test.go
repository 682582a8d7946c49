package connect_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/connect/connecttest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// full reports whether the full-size benchmarks were asked for
// (GEMBA_CONNECT_BENCH=full, as `make bench` does); CI runs small sizes
// with floors.
func full() bool { return os.Getenv("GEMBA_CONNECT_BENCH") == "full" }

func opcuaConfig(endpoint string, n int, interval time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- name: opc\n  type: opcua\n  endpoint: %s\n  interval: %s\n  reconnect_max: 500ms\n  nodes:\n", endpoint, interval)
	for i := range n {
		fmt.Fprintf(&b, "    - {node: %q, series: \"cell-%d.v\", unit: bar}\n", connecttest.NodeID(i), i)
	}
	return b.String()
}

// TestOPCUAFollowsAServerRestart subscribes to n nodes sampled every
// interval, restarts the server, and checks that every series resumes with
// no gap longer than the server's own outage plus one sampling interval,
// and that no value the server published while Gemba was connected is
// missing. Full size (GEMBA_CONNECT_BENCH=full): 1,000 nodes at 1 s, a 10 s
// outage.
func TestOPCUAFollowsAServerRestart(t *testing.T) {
	t.Parallel()
	n, interval, outage, before, after := 200, time.Second, 2*time.Second, 3*time.Second, 4*time.Second
	if full() {
		n, interval, outage, before, after = 1000, time.Second, 10*time.Second, 15*time.Second, 15*time.Second
	}
	srv := connecttest.StartOPCUA(t, n, interval)
	pool := dbtest.Pool(t)
	store := series.New(pool)
	cfg := parse(t, opcuaConfig(srv.URL(), n, interval))
	conn, err := connect.New(cfg, connect.Options{Store: store})
	require.NoError(t, err)
	stop := run(t, conn)
	waitFor(t, 90*time.Second, "subscribed", func() bool { return conn.Status().Connected && conn.Status().Points >= int64(n) })
	time.Sleep(before)

	srv.Stop()
	waitFor(t, 10*time.Second, "disconnect noticed", func() bool { return !conn.Status().Connected })
	time.Sleep(outage)
	srv.Start()
	waitFor(t, 20*time.Second, "resubscribed", func() bool { return conn.Status().Connected })
	time.Sleep(after)
	stop()

	// The server's own gap: from its last tick before the stop to its
	// first tick after the restart.
	ticks := srv.Ticks()
	var serverGap time.Duration
	var lastBefore, firstAfter time.Time
	for i := 1; i < len(ticks); i++ {
		if d := ticks[i].Sub(ticks[i-1]); d > serverGap {
			serverGap, lastBefore, firstAfter = d, ticks[i-1], ticks[i]
		}
	}
	require.Greater(t, serverGap, outage)

	ctx := context.Background()
	rows, err := pool.Query(ctx, `
SELECT s.name, max(p.gap), count(*)
FROM (SELECT series_id, ts - lag(ts) OVER (PARTITION BY series_id ORDER BY ts) AS gap FROM points) p
JOIN series s ON s.id = p.series_id GROUP BY s.name`)
	require.NoError(t, err)
	var worst time.Duration
	seriesSeen := 0
	for rows.Next() {
		var name string
		var gap *time.Duration
		var count int
		require.NoError(t, rows.Scan(&name, &gap, &count))
		seriesSeen++
		if gap != nil && *gap > worst {
			worst = *gap
		}
	}
	require.NoError(t, rows.Err())
	require.Equal(t, n, seriesSeen, "every node has a series")

	// Ticks the server published while the connector was subscribed: from
	// its first stored point to the stop, and from the first point after
	// the restart to the end.
	var firstTS, resumeTS time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT min(ts) FROM points`).Scan(&firstTS))
	require.NoError(t, pool.QueryRow(ctx, `SELECT min(ts) FROM points WHERE ts > $1`, lastBefore).Scan(&resumeTS))
	expected := 0
	for _, tk := range ticks {
		if (!tk.Before(firstTS) && !tk.After(lastBefore)) || (!tk.Before(resumeTS) && tk.Before(ticks[len(ticks)-1])) {
			expected++
		}
	}
	var stored int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT ts) FROM points WHERE ts >= $1`, firstTS).Scan(&stored))
	var total int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM points`).Scan(&total))
	t.Logf("opc ua: %d nodes at %s; server outage %s (last tick %s, first after %s); worst stored gap %s (%.2f intervals over the outage); resumed at %s; %d of %d ticks stored (%d points); reconnects %d",
		n, interval, serverGap, lastBefore.Format("15:04:05.000"), firstAfter.Format("15:04:05.000"), worst,
		float64(worst-serverGap)/float64(interval), resumeTS.Format("15:04:05.000"), stored, expected, total, conn.Status().Reconnects)
	require.LessOrEqual(t, worst, serverGap+interval, "no series has a gap longer than the outage plus one sampling interval")
	require.GreaterOrEqual(t, stored, expected-1, "every tick published while subscribed is stored (the last may be in flight at the stop)")
	require.Equal(t, int64(1), conn.Status().Reconnects)
}
