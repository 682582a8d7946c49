package loadtest_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/connect/connecttest"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/loadtest"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/slackfake"
)

// TestAlertReachesSlackOnceFromTwoReplicas: two `gemba serve` replicas
// share an MQTT subscription (each message reaches one of them); pump-9
// has three quiet days of pressure at one-minute steps; a channel is bound
// to pump-9. A live reading far above normal arrives: an alert reaches the
// local Slack within 10 s, exactly once, although both replicas look.
func TestAlertReachesSlackOnceFromTwoReplicas(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	_, err := db.Migrate(ctx, url, nil)
	require.NoError(t, err)
	pool, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	require.NoError(t, err)
	defer pool.Close()

	// Three days of quiet history, ending a minute ago.
	end := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	var b strings.Builder
	b.WriteString("timestamp,pressure\n")
	for i := 3 * 24 * 60; i >= 0; i-- {
		ts := end.Add(-time.Duration(i) * time.Minute)
		v := 5 + 0.2*math.Sin(2*math.Pi*float64(ts.Hour()*60+ts.Minute())/1440) + 0.03*math.Sin(float64(i)*1.7)
		fmt.Fprintf(&b, "%s,%.4f\n", ts.Format(time.RFC3339), v)
	}
	_, err = series.New(pool).Import(ctx, strings.NewReader(b.String()), series.ImportOptions{Asset: "pump-9", Line: "line-9", Unit: "bar"})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO channel_settings (source, channel_id, scope, mention_only) VALUES ('slack', 'CALERT', 'asset=pump-9', true)`)
	require.NoError(t, err)

	broker := connecttest.StartMosquitto(t)
	conns := func(i int) string {
		return fmt.Sprintf(`connectors:
  - name: plant
    type: mqtt
    broker: %s
    client_id: gemba-alert-test-%d
    share_group: gemba
    mappings:
      - topic: plant/{line}/{asset}/telemetry
        timestamp: ts
        fields: values
        series: "{asset}.{field}"
`, broker.URL(), i)
	}
	h, err := loadtest.Start(ctx, loadtest.Config{Binary: gembaBinary(t), DatabaseURL: url, Instances: 2, LogDir: t.TempDir(), NoLLM: true,
		InstanceEnv: func(i int) map[string]string { return map[string]string{"GEMBA_CONNECTORS": conns(i)} }})
	require.NoError(t, err)
	defer h.Close()
	time.Sleep(2 * time.Second) // both replicas subscribed

	pub := connecttest.NewPublisher(t, broker.URL(), "alert-test-publisher")
	at := end.Add(time.Minute)
	payload := fmt.Sprintf(`{"ts":%q,"values":{"pressure":9.8}}`, at.Format(time.RFC3339))
	sent := time.Now()
	require.NoError(t, pub.Publish("plant/line-9/pump-9/telemetry", []byte(payload)))

	alerted := func() []slackfake.Message {
		var out []slackfake.Message
		for _, m := range h.Slack.Messages("CALERT") {
			if m.ThreadTS == "" && strings.Contains(m.Text, "Alert on pump-9") {
				out = append(out, m)
			}
		}
		return out
	}
	require.NoError(t, h.Slack.Wait(10*time.Second, func(*slackfake.Server) bool { return len(alerted()) > 0 }),
		"no alert within 10 s; instance 0:\n%s\ninstance 1:\n%s", h.Instances[0].Log(15), h.Instances[1].Log(15))
	took := time.Since(sent)
	// Give a second alert every chance to show up.
	time.Sleep(5 * time.Second)
	require.Len(t, alerted(), 1, "exactly one alert across the two replicas")
	t.Logf("alert posted %s after the anomalous reading was published", took.Round(10*time.Millisecond))
	require.Contains(t, string(alerted()[0].Blocks), "gemba_alert_ack", "with its Acknowledge button")
}
