package conversation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// TestAlertWaitsForTheMachinesAlarm runs the real detect_anomalies tool on
// the seeded demo plant, with the maintenance history as the alarm log.
// press-3's bearing wear shows in its vibration from the morning of 11-26;
// the machine logs VIB-HI at 18:40. With the default policy the event is
// watched, not posted, until that alarm, and posted once it is logged,
// naming it; with GEMBA_ALERT_CONFIRM=none it is posted at once. An asset
// without an alarm log would alert on its sensors alone (see the tool's
// alarm_log; press-3 is in it).
func TestAlertWaitsForTheMachinesAlarm(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()
	seeded := time.Date(2026, 11, 27, 12, 47, 0, 0, time.UTC)
	_, err := demo.Seed(ctx, pool, demo.Options{Now: seeded})
	require.NoError(t, err)
	alarm := time.Date(2026, 11, 26, 18, 40, 0, 0, time.UTC)
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 11, 40, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }

	core := func(confirm string) (*Core, *memTransport) {
		reg := tools.NewRegistry(tools.PredictiveWith(series.New(pool), nil, tools.PredictiveOptions{Now: clock, Alarms: maintenance.New(pool), CacheSize: -1})...)
		c, err := New(Options{DB: pool, Owner: "replica-" + confirm, Now: clock, Tools: reg,
			Alerts: AlertOptions{Confirm: confirm, Recent: 3 * time.Hour}})
		require.NoError(t, err)
		mt := newMemTransport("test")
		c.Register(mt)
		return c, mt
	}
	alerts := func(mt *memTransport) []memPost {
		var out []memPost
		for _, p := range mt.posts {
			if p.Msg.Alert != nil {
				out = append(out, p)
			}
		}
		return out
	}

	// Before the alarm: the drift is there, the machine has said nothing.
	c, mt := core(ConfirmAlarm)
	require.NoError(t, c.SaveSettings(ctx, ChannelSettings{Source: "test", Channel: "C-press3", Scope: tools.Scope{Asset: "press-3"}, MentionOnly: true, TZ: "UTC"}))
	got, err := c.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Empty(t, got, "watched until the machine's alarm log confirms it")
	require.Empty(t, alerts(mt))

	// Without the policy the same event is posted at once.
	none, nmt := core(ConfirmNone)
	got, err = none.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Len(t, alerts(nmt), 1)
	require.NotContains(t, alerts(nmt)[0].Msg.Text, "Confirmed by alarm")

	// Twenty minutes after VIB-HI: posted, naming the alarm. The other
	// core's alert is within the cooldown of this asset, so clear it first
	// (one database; the two policies are two plants here).
	_, err = pool.Exec(ctx, `DELETE FROM alerts`)
	require.NoError(t, err)
	set(alarm.Add(20 * time.Minute))
	got, err = c.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Len(t, alerts(mt), 1)
	require.Contains(t, alerts(mt)[0].Msg.Text, "press-3 vibration up")
	require.Contains(t, alerts(mt)[0].Msg.Text, "Confirmed by alarm VIB-HI, logged by the machine at 11-26 18:40")
	got, err = c.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Empty(t, got, "told once")
}
