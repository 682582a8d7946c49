package conversation

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// digestText is what a digest says, header and details, as plain text
// (the Block Kit rendering lives in internal/blockkit, above this package).
func digestText(d *Digest) string {
	parts := []string{d.Anomalies, d.Plan, strings.Join(d.LookFirst, "\n"), strings.Join(d.Unchecked, "\n"), strings.Join(d.Risk, "\n")}
	return strings.Join(parts, "\n")
}

// TestDigestOnTheDemoPlant: issue 11's false reassurance reproduced on the
// seeded demo plant with the real tools. A channel bound to nothing covers
// the whole plant: every asset's events (press-3's bearing wear first,
// with the same numbers detect_anomalies gives for press-3 alone) and
// every line against plan; the window is the plant shift, and times are
// in the plant's zone (Asia/Seoul).
func TestDigestOnTheDemoPlant(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 5, 2, 0, 0, time.UTC) // 14:02 in Seoul: the day shift just ended
	clock := func() time.Time { return now }
	_, err := demo.Seed(ctx, pool, demo.Options{Now: now})
	require.NoError(t, err)
	store := series.New(pool)
	// As the app wires it: the maintenance history is the alarm log.
	reg := tools.NewRegistry(tools.PredictiveWith(store, nil, tools.PredictiveOptions{Now: clock, Alarms: maintenance.New(pool)})...)
	cal, err := plant.New(nil, plant.DemoDefaults())
	require.ErrorIs(t, err, plant.ErrEmptyCatalog)
	c, err := New(Options{DB: pool, Now: clock, Tools: reg, Calendar: cal,
		PlannedLines: func(context.Context) ([]string, error) { return []string{"line-1", "line-2", "line-3"}, nil },
		LineOf: func(ctx context.Context, asset string) string {
			ss, _ := store.List(ctx, series.Filter{Asset: asset})
			if len(ss) == 0 {
				return ""
			}
			return ss[0].Line
		}})
	require.NoError(t, err)
	mt := newMemTransport("test")
	c.Register(mt)

	d, err := c.BuildDigest(ctx, mt, "C-unbound")
	require.NoError(t, err)
	text := digestText(d)
	t.Log(text)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	require.Equal(t, time.Date(2026, 11, 27, 6, 0, 0, 0, seoul), d.Since.In(seoul), "the day shift, 06:00–14:00 plant time")
	require.Equal(t, "day", d.Shift)
	require.Equal(t, 12, d.Checked, "every asset of the plant")
	require.Empty(t, d.Unchecked)
	require.False(t, d.Clean(), "press-3 is in alarm: the digest must not reassure")
	require.NotEmpty(t, d.Events)
	require.Equal(t, "press-3", d.Events[0].Asset, "the worst item first")
	require.Contains(t, d.LookFirst[0], "press-3")
	require.Contains(t, d.Anomalies, "KST")
	require.NotContains(t, d.Anomalies, "Z (", "no UTC stamps in a plant digest")
	require.Contains(t, d.Anomalies, "; confirmed by alarm VIB-HI at Nov 26 20:00 KST", "the alarm press-3 logged during its rise")
	for _, l := range []string{"line-1", "line-2", "line-3"} {
		require.Contains(t, d.Plan, l)
	}
	require.Len(t, d.Lines, 3)

	// One event, one record: press-3's event in the digest is the one
	// detect_anomalies reports for press-3 alone over the same window.
	tl, _ := reg.Get(tools.DetectAnomalies)
	res, err := tl.Call(ctx, []byte(`{"asset":"press-3","since":"`+d.Since.UTC().Format(time.RFC3339)+`"}`))
	require.NoError(t, err)
	require.Contains(t, res.Summary, d.Events[0].Sensor)
	require.Contains(t, res.Summary, strings.TrimSuffix(strings.Fields(d.Events[0].Text(d))[3], "σ"), "the same σ")

	// /gemba anomalies without an asset lists the plant's events, worst
	// first, in plant time — not a usage hint.
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindCommand, Channel: "C-unbound", User: "U1", Text: "anomalies"}))
	reply := lastAnswer(mt)
	t.Log(reply)
	require.NotContains(t, reply, "Usage")
	require.Contains(t, reply, "the whole plant (12 assets checked)")
	require.Contains(t, reply, "• press-3 vibration up")
	require.Contains(t, reply, "KST")
	// A plant day: midnight to midnight in Seoul.
	require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindCommand, Channel: "C-unbound", User: "U1", Text: "anomalies press-1 2026-11-26"}))
	require.Contains(t, lastAnswer(mt), "between Nov 26 00:00 KST and 00:00 KST")

	// A channel bound to line-2 sees only line-2's assets and plan.
	require.NoError(t, c.SaveSettings(ctx, ChannelSettings{Source: "test", Channel: "C-line2", Scope: tools.Scope{Line: "line-2"}, MentionOnly: true}))
	d2, err := c.BuildDigest(ctx, mt, "C-line2")
	require.NoError(t, err)
	for _, e := range d2.Events {
		require.NotEqual(t, "press-3", e.Asset)
	}
	require.Len(t, d2.Lines, 1)
	require.Equal(t, "line-2", d2.Lines[0].Line)

	// A day and a half later with no new data: the feed stopped. The
	// digest says since when, in plant time, and never reads as clean.
	later := now.Add(36 * time.Hour)
	lclock := func() time.Time { return later }
	c3, err := New(Options{DB: pool, Now: lclock, Tools: tools.NewRegistry(tools.Predictive(store, nil, lclock)...), Calendar: cal,
		PlannedLines: func(context.Context) ([]string, error) { return []string{"line-1", "line-2", "line-3"}, nil }})
	require.NoError(t, err)
	c3.Register(mt)
	d3, err := c3.BuildDigest(ctx, mt, "C-unbound")
	require.NoError(t, err)
	t.Log(digestText(d3))
	require.False(t, d3.Clean())
	require.False(t, d3.FeedStopped.IsZero(), "the data ends before the shift")
	require.WithinDuration(t, now, d3.FeedStopped, time.Hour, "the newest reading is the seed's last")
	require.Contains(t, d3.Unchecked, "anomalies (no data this shift)")
	require.Contains(t, d3.Unchecked, "plan of line-1 (no output data this shift)")
	require.Contains(t, d3.Anomalies, "KST")
	require.NotContains(t, d3.Anomalies, "Z (", "no UTC stamps in a plant digest")
	require.Equal(t, "36 h ago", d3.Ago(now))
}

// lastAnswer is the text of the last answer posted.
func lastAnswer(m *memTransport) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.posts) - 1; i >= 0; i-- {
		if m.posts[i].Msg.Answer != nil {
			return m.posts[i].Msg.Text
		}
	}
	return ""
}

// TestDigestSaysWhatItCouldNotCheck: a detector that fails, or is missing,
// makes the digest incomplete and says so; it never reads as clean. A
// plant where everything ran and nothing was found is clean.
func TestDigestSaysWhatItCouldNotCheck(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 5, 2, 0, 0, time.UTC)
	type args struct {
		Since string `json:"since"`
	}
	failing := tools.New(tools.DetectAnomalies, "fails", map[string]any{"type": "object"}, func(context.Context, args) (tools.Result, error) {
		return tools.Result{}, errors.New("database down")
	})
	quiet := tools.New(tools.DetectAnomalies, "quiet", map[string]any{"type": "object"}, func(context.Context, args) (tools.Result, error) {
		return tools.Result{Summary: "the whole plant (3 assets): no significant anomalies", Data: map[string]any{"events": []any{}, "checked": []string{"a", "b", "c"}}}, nil
	})
	mk := func(reg *tools.Registry) *Core {
		c, err := New(Options{DB: pool, Now: func() time.Time { return now }, Tools: reg})
		require.NoError(t, err)
		return c
	}
	mt := newMemTransport("test")
	for name, reg := range map[string]*tools.Registry{"failing": tools.NewRegistry(failing), "missing": tools.NewRegistry()} {
		c := mk(reg)
		c.Register(mt)
		d, err := c.BuildDigest(ctx, mt, "C1")
		require.NoError(t, err)
		require.False(t, d.Clean(), name)
		require.NotEmpty(t, d.Unchecked, name)
		require.Contains(t, d.Unchecked[0], "anomalies", name)
	}
	c := mk(tools.NewRegistry(quiet))
	c.Register(mt)
	d, err := c.BuildDigest(ctx, mt, "C1")
	require.NoError(t, err)
	require.True(t, d.Clean(), "every check ran and found nothing: %+v", d)
	require.Equal(t, 3, d.Checked)
	require.Contains(t, d.Anomalies, "No significant anomaly on the 3 asset(s) checked")
}
