package connect_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/connect/connecttest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// parse reads one connector from YAML through the real configuration
// parser and fails the test on any problem.
func parse(t testing.TB, yml string) config.Connector {
	t.Helper()
	cs, problems := config.ParseConnectors([]byte(yml))
	require.Empty(t, problems)
	require.Len(t, cs, 1)
	return cs[0]
}

// run starts the connector and returns a stop function that waits for it.
func run(t testing.TB, c connect.Connector) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Error("connector did not stop within 30s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countPoints(t testing.TB, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM points`).Scan(&n))
	return n
}

func TestMQTTMapsPlainAndJSONPayloadsToSeries(t *testing.T) {
	t.Parallel()
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	store := series.New(pool)
	cfg := parse(t, fmt.Sprintf(`
- name: line-1
  type: mqtt
  broker: %s
  client_id: gemba-map-test
  mappings:
    - topic: plant/{line}/{asset}/telemetry
      payload: json
      timestamp: ts
      fields: values
      series: "{asset}.{field}"
    - topic: plant/{line}/{asset}/batch
      records: samples
      timestamp: t
      values:
        - {path: v.temp, series: "{asset}.temperature", unit: "°C"}
        - {path: v.rpm, series: "{asset}.speed", unit: rpm}
    - topic: plant/{line}/{asset}/{sensor}
      series: "{asset}.{sensor}"
      unit: bar
`, broker.URL()))
	feed := connect.NewFeed()
	sub := feed.Subscribe(64, nil)
	conn, err := connect.New(cfg, connect.Options{Store: store, Feed: feed})
	require.NoError(t, err)
	run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })

	pub := connecttest.NewPublisher(t, broker.URL(), "pub-map")
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	require.NoError(t, pub.Publish("plant/line-1/press-1/pressure", []byte(" 4.25\n")))
	require.NoError(t, pub.Publish("plant/line-1/press-1/telemetry", []byte(`{"ts":"2026-03-01T08:00:00Z","values":{"vibration":2.5,"current":"11.0","running":true,"label":"x"}}`)))
	require.NoError(t, pub.Publish("plant/line-1/oven-2/batch", fmt.Appendf(nil, `{"samples":[{"t":%d,"v":{"temp":180.5,"rpm":1200}},{"t":%d,"v":{"temp":181}}]}`,
		t0.UnixMilli(), t0.Add(time.Second).UnixMilli())))
	require.NoError(t, pub.Publish("plant/line-1/press-1/pressure", []byte("not a number")))
	require.NoError(t, pub.Publish("plant/line-1/press-1/telemetry", []byte(`{"ts":"yesterday","values":{"vibration":1}}`)))
	require.NoError(t, pub.Publish("plant/line-1/press-1/pressure", []byte("4.5")))

	want := 1 + 3 + 3 + 1 // plain, three numeric fields, three batch values, plain
	var got []connect.Written
	for len(got) < want {
		select {
		case b := <-sub.C:
			got = append(got, b...)
		case <-time.After(15 * time.Second):
			t.Fatalf("got %d of %d points: %+v", len(got), want, got)
		}
	}
	byName := map[string][]connect.Written{}
	for _, w := range got {
		byName[w.Series] = append(byName[w.Series], w)
	}
	require.Len(t, byName["press-1.pressure"], 2)
	require.InDelta(t, 4.25, byName["press-1.pressure"][0].Value, 1e-9)
	require.Equal(t, 2.5, byName["press-1.vibration"][0].Value)
	require.Equal(t, 11.0, byName["press-1.current"][0].Value)
	require.Equal(t, 1.0, byName["press-1.running"][0].Value)
	require.Equal(t, t0, byName["press-1.vibration"][0].TS)
	require.Len(t, byName["oven-2.temperature"], 2)
	require.Equal(t, t0.Add(time.Second), byName["oven-2.temperature"][1].TS)
	require.Equal(t, 1200.0, byName["oven-2.speed"][0].Value)
	require.NotContains(t, byName, "press-1.label")

	// Series were created with their place in the plant and their unit.
	s, err := store.Lookup(context.Background(), "oven-2.temperature")
	require.NoError(t, err)
	require.Equal(t, "oven-2", s.Asset)
	require.Equal(t, "line-1", s.Line)
	require.Equal(t, "temperature", s.Sensor)
	require.Equal(t, "°C", s.Unit)
	p, err := store.Lookup(context.Background(), "press-1.pressure")
	require.NoError(t, err)
	require.Equal(t, "bar", p.Unit)
	require.Equal(t, "pressure", p.Sensor)

	// The two bad messages were counted (and acknowledged: nothing is redelivered).
	st := conn.Status()
	require.Equal(t, int64(6), st.Messages)
	require.Equal(t, int64(8), st.Points)
	require.GreaterOrEqual(t, st.Errors, int64(2))
	require.Equal(t, "payload", st.ErrorKind)
	require.Contains(t, st.LastError, "timestamp")
	require.Equal(t, 8, countPoints(t, pool))
}

// TestMQTTDeduplicatesRepeatedReadings: a message sent again (as after a
// crash before its PUBACK) and a message repeating a reading in itself
// store each (series, timestamp) once.
func TestMQTTDeduplicatesRepeatedReadings(t *testing.T) {
	t.Parallel()
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	cfg := parse(t, fmt.Sprintf(`
- name: dedupe
  type: mqtt
  broker: %s
  mappings:
    - topic: m/{asset}
      payload: json
      records: .
      timestamp: ts
      value: v
      series: "{asset}.v"
`, broker.URL()))
	conn, err := connect.New(cfg, connect.Options{Store: series.New(pool)})
	require.NoError(t, err)
	run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })
	pub := connecttest.NewPublisher(t, broker.URL(), "pub-dedupe")
	msg := []byte(`[{"ts":1767225600,"v":1},{"ts":1767225600,"v":2},{"ts":1767225601,"v":3}]`)
	for range 3 {
		require.NoError(t, pub.Publish("m/a", msg))
	}
	waitFor(t, 10*time.Second, "three messages written", func() bool { return conn.Status().Messages == 3 && conn.Status().Queue == 0 })
	require.Equal(t, 2, countPoints(t, pool))
	var v float64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT value FROM points WHERE ts = to_timestamp(1767225600)`).Scan(&v))
	require.Equal(t, 2.0, v, "the last reading of a repeated timestamp wins")
}

// TestMQTTRefusesUnknownSeriesWhenTheyMustBeDeclared: create_series false
// drops points of undeclared series, counts them, and keeps the others.
func TestMQTTRefusesUnknownSeriesWhenTheyMustBeDeclared(t *testing.T) {
	t.Parallel()
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	store := series.New(pool)
	_, err := store.Upsert(context.Background(), series.Series{Name: "press-1.pressure", Asset: "press-1", Sensor: "pressure"})
	require.NoError(t, err)
	cfg := parse(t, fmt.Sprintf(`
- name: declared
  type: mqtt
  broker: %s
  create_series: false
  mappings:
    - {topic: "p/{asset}/{sensor}", series: "{asset}.{sensor}"}
`, broker.URL()))
	conn, err := connect.New(cfg, connect.Options{Store: store})
	require.NoError(t, err)
	run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })
	pub := connecttest.NewPublisher(t, broker.URL(), "pub-declared")
	require.NoError(t, pub.Publish("p/press-1/pressure", []byte("1")))
	require.NoError(t, pub.Publish("p/press-9/pressure", []byte("2")))
	waitFor(t, 10*time.Second, "both messages handled", func() bool { return conn.Status().Messages == 2 && conn.Status().Queue == 0 })
	require.Equal(t, 1, countPoints(t, pool))
	st := conn.Status()
	require.Equal(t, "series", st.ErrorKind)
	require.Contains(t, st.LastError, "press-9.pressure")
	all, err := store.List(context.Background(), series.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
}

// stamp is the JSON message the fault and load tests publish: the send
// time in Unix nanoseconds as the timestamp, so every message stores
// distinct points, and n values.
func stamp(seq int, sent time.Time, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"ts":%d,"id":"m%d"`, sent.UnixNano(), seq)
	for k := range n {
		fmt.Fprintf(&b, `,"s%d":%d.5`, k, seq%1000)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

func loadConfig(broker, name, clientID string, extra string) string {
	return fmt.Sprintf(`
- name: %s
  type: mqtt
  broker: %s
  client_id: %s
  reconnect_max: 500ms
%s
  mappings:
    - topic: load/{asset}
      payload: json
      timestamp: ts
      fields: .
      series: "{asset}.{field}"
`, name, broker, clientID, extra)
}

// TestMQTTLosesNoMessageAcrossRestarts: QoS 1 messages published while the
// broker restarts (gracefully, persistence on) and while Gemba's connector
// is stopped all reach the store exactly once per (series, timestamp).
func TestMQTTLosesNoMessageAcrossRestarts(t *testing.T) {
	t.Parallel()
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	store := series.New(pool)
	cfg := parse(t, loadConfig(broker.URL(), "restart", "gemba-restart", ""))
	conn, err := connect.New(cfg, connect.Options{Store: store})
	require.NoError(t, err)
	stop := run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })

	pub := connecttest.NewPublisher(t, broker.URL(), "pub-restart")
	published := 0
	publish := func(k int) {
		for range k {
			require.NoError(t, pub.Publish("load/a", stamp(published, time.Now(), 1)))
			published++
		}
	}
	publish(200)
	broker.Restart(300 * time.Millisecond) // queued and in-flight messages survive in the persistence file
	publish(200)
	waitFor(t, 20*time.Second, "reconnected", func() bool { return conn.Status().Connected })

	stop() // Gemba away: the broker queues for the persistent session
	publish(300)
	conn2, err := connect.New(cfg, connect.Options{Store: store})
	require.NoError(t, err)
	run(t, conn2)
	publish(100)
	waitFor(t, 30*time.Second, fmt.Sprintf("%d points", published), func() bool { return countPoints(t, pool) >= published })
	require.Equal(t, published, countPoints(t, pool))
	require.GreaterOrEqual(t, conn.Status().Reconnects, int64(1), "the broker restart was a reconnect")
}

// TestMQTTHoldsBackWhileTheDatabaseIsSlow: while the points table is
// locked by another transaction (a database that does not answer), the
// connector holds at most queue_points in memory, acknowledges nothing it
// has not written (the broker keeps the rest), and once the lock is gone
// every message is stored once.
func TestMQTTHoldsBackWhileTheDatabaseIsSlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	const limit = 40
	cfg := parse(t, loadConfig(broker.URL(), "slow", "gemba-slow", fmt.Sprintf("  queue_points: %d\n  batch_points: 20", limit)))
	conn, err := connect.New(cfg, connect.Options{Store: series.New(pool), Logger: slog.New(slog.NewTextHandler(tlog{t}, nil))})
	require.NoError(t, err)
	run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })
	pub := connecttest.NewPublisher(t, broker.URL(), "pub-slow")
	published := 0
	publish := func(k int) {
		for range k {
			require.NoError(t, pub.Publish("load/a", stamp(published, time.Now(), 2)))
			published++
		}
	}
	publish(5) // creates the two series
	waitFor(t, 10*time.Second, "first points", func() bool { return conn.Status().Points == 10 })

	// Slow: another transaction holds the points table.
	lock, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = lock.Exec(ctx, `LOCK TABLE points IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)
	publish(200)
	waitFor(t, 10*time.Second, "the queue to fill", func() bool { return conn.Status().Queue >= limit-2 })
	st := conn.Status()
	require.LessOrEqual(t, st.Queue, limit, "memory stays bounded")
	require.Equal(t, int64(10), st.Points, "nothing written while the table is locked")
	require.NoError(t, lock.Rollback(ctx))
	waitFor(t, 30*time.Second, "catch-up after the lock", func() bool { return conn.Status().Points == int64(published*2) })

	require.Equal(t, published*2, countPoints(t, pool), "every message stored once")
}

type tlog struct{ t testing.TB }

func (l tlog) Write(b []byte) (int, error) { l.t.Log(strings.TrimSpace(string(b))); return len(b), nil }
