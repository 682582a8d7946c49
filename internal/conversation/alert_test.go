package conversation

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/tools"
)

// eventTool is detect_anomalies answering with one ongoing event on
// press-3 whose onset is onset (nothing on other assets).
func eventTool(onset func() time.Time) tools.Tool {
	type args struct {
		Asset string  `json:"asset"`
		Hours float64 `json:"hours"`
		Mode  string  `json:"mode"`
	}
	return tools.New(tools.DetectAnomalies, "events", map[string]any{"type": "object"}, func(_ context.Context, a args) (tools.Result, error) {
		if a.Asset != "press-3" {
			return tools.Result{Summary: "no anomaly events", Data: map[string]any{"events": []any{}}}, nil
		}
		on := onset().UTC().Format("2006-01-02T15:04Z")
		return tools.Result{Summary: "1 event", Data: map[string]any{"events": []map[string]any{{
			"asset": "press-3", "sensor": "vibration", "start": on, "ongoing": true, "kind": "drift",
			"value": 5.6, "current": 5.6, "usual": 3.1, "sigma": 4.2, "unit": "mm/s",
			"summary": "press-3 vibration up 4.2σ since " + on + " (now 5.6 mm/s, usual 3.1)",
		}}}}, nil
	})
}

// TestAlertOncePerEventAcrossReplicas: two replicas look at press-3 at the
// same moment; one alert goes to the channel bound to press-3's line, once.
// Looking again raises nothing; Acknowledge redraws the alert; an alert
// nobody acknowledged is escalated in its thread, once; a channel in quiet
// hours is skipped.
func TestAlertOncePerEventAcrossReplicas(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 5, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	onset := func() time.Time { return clock().Add(-10 * time.Minute) }
	mt := newMemTransport("test")
	mk := func(owner string) *Core {
		c, err := New(Options{DB: pool, Owner: owner, Now: clock, Tools: tools.NewRegistry(eventTool(onset)),
			LineOf: func(_ context.Context, asset string) string { return map[string]string{"press-3": "line-1"}[asset] }})
		require.NoError(t, err)
		c.Register(mt)
		return c
	}
	a, b := mk("replica-a"), mk("replica-b")
	require.NoError(t, a.SaveSettings(ctx, ChannelSettings{Source: "test", Channel: "C-line1", Scope: tools.Scope{Line: "line-1"}, MentionOnly: true, TZ: "UTC"}))
	require.NoError(t, a.SaveSettings(ctx, ChannelSettings{Source: "test", Channel: "C-quiet", Scope: tools.Scope{Asset: "press-3"}, MentionOnly: true,
		QuietStart: 0, QuietEnd: 8 * 60, TZ: "UTC"}))
	require.NoError(t, a.SaveSettings(ctx, ChannelSettings{Source: "test", Channel: "C-line2", Scope: tools.Scope{Line: "line-2"}, MentionOnly: true, TZ: "UTC"}))

	var wg sync.WaitGroup
	raised := make([]int, 2)
	for i, c := range []*Core{a, b} {
		wg.Go(func() {
			got, err := c.CheckAsset(ctx, "press-3")
			require.NoError(t, err)
			raised[i] = len(got)
		})
	}
	wg.Wait()
	require.Equal(t, 1, raised[0]+raised[1], "one alert across the replicas")
	posts := mt.posts
	require.Len(t, posts, 1, "posted once, to the line's channel only (line-2 is elsewhere, C-quiet is in quiet hours)")
	require.Equal(t, "C-line1", posts[0].Channel)
	require.NotNil(t, posts[0].Msg.Alert)
	require.Equal(t, "press-3", posts[0].Msg.Alert.Asset)
	require.Contains(t, posts[0].Msg.Text, "press-3 vibration up 4.2σ")

	got, err := a.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Empty(t, got, "the same event is not told twice")
	got, err = a.CheckAsset(ctx, "cnc-1")
	require.NoError(t, err)
	require.Empty(t, got)

	// Nobody acknowledged it for half an hour: escalated once, in its thread.
	mu.Lock()
	now = now.Add(31 * time.Minute)
	mu.Unlock()
	n, err := b.Escalate(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = a.Escalate(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "escalated once")
	last := mt.posts[len(mt.posts)-1]
	require.Equal(t, posts[0].Ref, last.Thread)
	require.True(t, strings.HasPrefix(last.Msg.Text, "@here"), last.Msg.Text)

	// Acknowledge: the first click counts, and the alert is redrawn.
	alerts, err := a.Alerts(ctx, time.Time{}, 10)
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	ok, err := a.Acknowledge(ctx, alerts[0].ID, "U7")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = b.Acknowledge(ctx, alerts[0].ID, "U8")
	require.NoError(t, err)
	require.False(t, ok)
	require.True(t, mt.posts[0].Updated)
	require.Equal(t, AlertAcknowledged, mt.posts[0].Msg.Alert.Status)
	require.Equal(t, "U7", mt.posts[0].Msg.Alert.AckedBy)

	// A new event within the cooldown is not told; after it, it is.
	got, err = a.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Empty(t, got, "within the cooldown")
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	got, err = a.CheckAsset(ctx, "press-3")
	require.NoError(t, err)
	require.Len(t, got, 1, "a new event after the cooldown")
}
