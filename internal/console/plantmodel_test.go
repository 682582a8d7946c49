package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/console/consoletest"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/internal/series"
)

// consolePlant is the fixture plant's model file.
const consolePlant = `site: plant-a
time_zone: Europe/Berlin
shifts:
  - {name: early, start: "06:00"}
  - {name: late, start: "14:00"}
lines:
  - {name: line-1, aliases: [stamping line], output: line-1.output, unit: parts/h, step: 1h}
  - {name: line-2}
assets:
  - name: press-3
    line: line-1
    type: press
    aliases: [800t press]
    sensors:
      - name: vibration
        unit: mm/s
        range: [0, 12]
        step: 10m
        limits: [{level: alarm, above: 4.5, doc: RB-012}]
      - {name: temperature, unit: °C}
runbooks:
  - {type: press, docs: [RB-012]}
bindings:
  - {channel: "console:stamping", line: line-1}
digests:
  - {channel: "console:stamping", cron: "0 6,14 * * *"}
`

// modelFixture is a console with the plant model applied and its admin
// connected, on one database.
func modelFixture(t *testing.T) (*fixture, *conversation.Core, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	st := series.New(pool)
	seedPlant(t, st)
	_, err := model.Apply(ctx, model.Env{DB: pool, Channels: conversation.PlantChannelsOn}, []byte(consolePlant), model.ApplyOptions{By: "test"})
	require.NoError(t, err)
	f := newFixture(t, st, func(o *fixtureOptions) {
		o.core.DB = pool
		o.console.Channels = []string{"shop-floor", "stamping"}
		o.console.PlantModel = &model.Admin{DB: pool, Channels: conversation.PlantChannelsOn(pool), Catalog: st,
			ConsoleChannels: []string{"shop-floor"}, Fallback: plant.DemoDefaults()}
	})
	return f, f.core, pool
}

// waitReplyIn long-polls a channel until the message with id is no longer pending.
func (c *client) waitReplyIn(channel, id string) apiMessage {
	c.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	version := int64(0)
	for time.Now().Before(deadline) {
		var res struct {
			Version  int64        `json:"version"`
			Messages []apiMessage `json:"messages"`
		}
		c.json("GET", "/api/channels/"+channel+"/messages?after="+itoa(version), nil, http.StatusOK, &res)
		for _, m := range res.Messages {
			if m.ID == id && !m.Pending {
				return m
			}
		}
		version = res.Version
	}
	c.t.Fatalf("reply %s still pending after 45s", id)
	return apiMessage{}
}

func TestPlantModelPageAndSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, core, _ := modelFixture(t)
	c := newClient(t, f.srv.URL)

	var info struct {
		Features map[string]bool `json:"features"`
	}
	c.json("GET", "/api/info", nil, http.StatusOK, &info)
	require.True(t, info.Features["model"])

	var v model.View
	c.json("GET", "/api/plant/model", nil, http.StatusOK, &v)
	require.True(t, v.FromFile)
	require.Equal(t, "Europe/Berlin", v.TimeZone)
	require.Len(t, v.Shifts, 2)
	require.Equal(t, []string{"press-3"}, v.Lines[0].Assets)
	require.Equal(t, []string{"stamping line"}, v.Lines[0].Aliases)
	a := v.Assets[0]
	require.Equal(t, "press", a.Type)
	require.Equal(t, []string{"800t press"}, a.Aliases)
	require.Equal(t, []string{"RB-012"}, a.Runbooks)
	require.Equal(t, model.SensorView{Name: "vibration", Series: "press-3.vibration", Unit: "mm/s", Range: []float64{0, 12}, Step: "10m",
		Limits: []model.LimitView{{Level: "alarm", Side: "above", Value: 4.5, Doc: "RB-012"}}}, a.Sensors[0])
	require.Len(t, v.Bindings, 1)
	require.Equal(t, "plant.yaml", v.Bindings[0].Origin)
	require.Len(t, v.Digests, 2, "the file's and the fixture's own")
	require.Empty(t, v.Inferred, "every series of the fixture is described")

	// Bind a Slack channel; the core's settings change as /gemba bind's do.
	var br model.BindResult
	c.json("POST", "/api/plant/bindings", map[string]any{"channel": "slack:C0SHOP", "target": "press-3"}, http.StatusOK, &br)
	require.Equal(t, model.Target{Asset: "press-3"}, br.Target)
	require.Empty(t, br.Note)
	s, err := core.Settings(ctx, "slack", "C0SHOP")
	require.NoError(t, err)
	require.Equal(t, "press-3", s.Scope.Asset)
	require.Equal(t, "console", s.UpdatedBy)

	// Rebinding a channel plant.yaml binds is allowed, with a note.
	c.json("POST", "/api/plant/bindings", map[string]any{"channel": "console:stamping", "target": "line=line-2"}, http.StatusOK, &br)
	require.Contains(t, br.Note, "plant.yaml (version 1) binds console:stamping to line=line-1")
	var ub model.BindResult
	c.json("POST", "/api/plant/bindings", map[string]any{"channel": "slack:C0SHOP", "unbind": true}, http.StatusOK, &ub)
	require.Equal(t, model.Target{Asset: "press-3"}, ub.Was)
	require.True(t, ub.Target.IsZero())

	// Bad requests are refused with what is wrong.
	for _, bad := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"channel": "slack:#general", "target": "line-1"}, "slack channels are named by a channel id"},
		{map[string]any{"channel": "console:nowhere", "target": "line-1"}, `no console channel "nowhere" (console channels: shop-floor, stamping)`},
		{map[string]any{"channel": "slack:C0SHOP", "target": "line-9"}, `unknown line or asset "line-9" (lines: line-1, line-2`},
		{map[string]any{"channel": "slack:C0SHOP", "target": "asset=press-9"}, `unknown asset "press-9" (closest: press-3)`},
		{map[string]any{"channel": "", "target": "line-1"}, "channel is required"},
		{map[string]any{"channel": "slack:C0SHOP", "target": "line-1", "unbind": true}, "not both"},
	} {
		var e struct{ Error string }
		c.json("POST", "/api/plant/bindings", bad.body, http.StatusBadRequest, &e)
		require.Contains(t, e.Error, bad.want)
	}

	// Digest schedules: the plant's time zone by default; bad cron and
	// zones refused.
	var sr model.ScheduleResult
	c.json("POST", "/api/plant/digests", map[string]any{"channel": "slack:C0SHOP", "cron": "0 7 * * 1-5"}, http.StatusOK, &sr)
	require.Equal(t, "Europe/Berlin", sr.Schedule.TZ)
	require.True(t, sr.Schedule.Enabled)
	require.False(t, sr.Schedule.Next.IsZero())
	c.json("POST", "/api/plant/digests", map[string]any{"channel": "console:stamping", "disable": true}, http.StatusOK, &sr)
	require.True(t, sr.Changed)
	require.Contains(t, sr.Note, "the next `gemba plant apply` turns them back on")
	for _, bad := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"channel": "slack:C0SHOP", "cron": "0 25 * * *"}, `"0 25 * * *" is not a cron expression`},
		{map[string]any{"channel": "slack:C0SHOP", "cron": "0 7 * * *", "tz": "Europe/Berln"}, `unknown time zone "Europe/Berln"`},
		{map[string]any{"channel": "slack:C0SHOP"}, "cron is required"},
	} {
		var e struct{ Error string }
		c.json("POST", "/api/plant/digests", bad.body, http.StatusBadRequest, &e)
		require.Contains(t, e.Error, bad.want)
	}
	scheds, err := core.Schedules(ctx)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, s := range scheds {
		got[s.Source+":"+s.Channel] = s.Enabled
	}
	require.Equal(t, map[string]bool{"slack:C0SHOP": true, "console:stamping": false, "console:shop-floor": true}, got)

	// Cross-site POSTs are refused (CSRF).
	c.hdr.Set("Origin", "http://evil.example")
	status, _ := c.do("POST", "/api/plant/bindings", map[string]any{"channel": "slack:C0SHOP", "target": "line-1"})
	require.Equal(t, http.StatusForbidden, status)
}

// TestPlantSettingsNeedTheToken: with a token, the settings API refuses a
// request without it or a session.
func TestPlantSettingsNeedTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(o *fixtureOptions) {
		o.console.Addr, o.console.Token = "0.0.0.0:8080", "tok-77"
		o.console.PlantModel = &model.Admin{DB: o.core.DB, Channels: conversation.PlantChannelsOn(o.core.DB), Fallback: plant.DemoDefaults()}
	})
	c := newClient(t, f.srv.URL)
	for _, p := range []string{"/api/plant/bindings", "/api/plant/digests"} {
		status, _ := c.do("POST", p, map[string]any{"channel": "slack:C1", "target": "line-1"})
		require.Equal(t, http.StatusUnauthorized, status, p)
	}
	status, _ := c.do("GET", "/api/plant/model", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	c.hdr.Set("Authorization", "Bearer tok-77")
	var v model.View
	c.json("GET", "/api/plant/model", nil, http.StatusOK, &v)
	require.False(t, v.FromFile)
	require.Equal(t, "built-in defaults (no plant.yaml applied)", v.Origin)
}

// TestBrowserPlantModel opens the plant page and the channels page in a
// browser: the model's limits show on the asset, and a binding made with
// the form lands in the core's settings.
func TestBrowserPlantModel(t *testing.T) {
	t.Parallel()
	f, core, _ := modelFixture(t)
	b := consoletest.NewBrowser(t, f.srv.URL)
	b.Run("plant", chromedp.Navigate(f.srv.URL+"/#/plant/press-3"), chromedp.WaitVisible(chromedp.CSS("table.sensors")))
	text := b.Text("#asset-detail")
	require.Contains(t, text, "alarm above 4.5 (RB-012)")
	require.Contains(t, text, "800t press")
	text = b.Text("#plant-model")
	require.Contains(t, text, "Europe/Berlin")
	require.Contains(t, text, "stamping line")
	b.Shot("plant-model")

	b.Run("channels", chromedp.Navigate(f.srv.URL+"/#/digests"), chromedp.WaitVisible(chromedp.ID("bind-form")))
	b.Run("bind", chromedp.SendKeys(chromedp.CSS(`#bind-form input[name=channel]`), "slack:C0FLOOR"), chromedp.SendKeys(chromedp.CSS(`#bind-form input[name=target]`), "line-1"))
	b.Click("bind", "#bind-form button")
	b.Run("bound", chromedp.WaitVisible(chromedp.CSS(`[data-unbind="slack:C0FLOOR"]`)))
	s, err := core.Settings(context.Background(), "slack", "C0FLOOR")
	require.NoError(t, err)
	require.Equal(t, "line-1", s.Scope.Line)
	b.Run("bad schedule", chromedp.SendKeys(chromedp.CSS(`#schedule-form input[name=channel]`), "slack:C0FLOOR"), chromedp.SendKeys(chromedp.CSS(`#schedule-form input[name=cron]`), "every day"))
	b.Click("schedule", "#schedule-form button")
	b.Run("refused", chromedp.WaitVisible(chromedp.CSS(".toast.bad")))
	require.Contains(t, b.Text("#toast"), "is not a cron expression")
	b.Shot("channels-and-digests")
	for _, e := range b.PageErrors() {
		require.Contains(t, e, "400 (Bad Request)", "the refused schedule is the only error")
	}
}

// TestSlashBindAgainstPlantFile: `/gemba bind` in a channel plant.yaml
// binds (the command path Slack takes too) holds until the next apply,
// which restores the file's binding and says so in its diff.
func TestSlashBindAgainstPlantFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, core, pool := modelFixture(t)
	c := newClient(t, f.srv.URL)
	var posted struct {
		Reply apiMessage `json:"reply"`
	}
	c.json("POST", "/api/channels/stamping/messages", map[string]string{"text": "/gemba bind line-2"}, http.StatusAccepted, &posted)
	reply := c.waitReplyIn("stamping", posted.Reply.ID)
	require.Contains(t, reply.Text+blocksText(reply), "bound this channel to `line=line-2`")
	// plant.yaml binds the channel to line-1: the reply says the change
	// lasts until the next apply.
	require.Contains(t, reply.Text+blocksText(reply), "plant.yaml (version 1) binds this channel to `line=line-1`: this change lasts until the next `gemba plant apply`")
	s, err := core.Settings(ctx, "console", "stamping")
	require.NoError(t, err)
	require.Equal(t, "line-2", s.Scope.Line)

	rep, err := model.Apply(ctx, model.Env{DB: pool, Channels: conversation.PlantChannelsOn}, []byte(consolePlant), model.ApplyOptions{By: "test"})
	require.NoError(t, err)
	require.Len(t, rep.Changes, 1)
	require.Equal(t, "~ binding console:stamping: line=line-2 (changed outside plant.yaml by console) → line=line-1 (restored from plant.yaml)", rep.Changes[0].String())
	s, err = core.Settings(ctx, "console", "stamping")
	require.NoError(t, err)
	require.Equal(t, "line-1", s.Scope.Line)
}
