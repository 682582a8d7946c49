package model_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/internal/series"
)

func env(pool *pgxpool.Pool) model.Env {
	return model.Env{DB: pool, Channels: conversation.PlantChannelsOn}
}

func apply(t *testing.T, pool *pgxpool.Pool, src string, dry bool) (*model.Report, string) {
	t.Helper()
	rep, err := model.Apply(context.Background(), env(pool), []byte(src), model.ApplyOptions{FileName: "plant.yaml", By: "test", DryRun: dry})
	require.NoError(t, err)
	var b bytes.Buffer
	rep.Write(&b, 0)
	return rep, b.String()
}

// TestApplyIsIdempotentAndShowsTheDiff applies a file, applies it again
// (no changes), changes it (a diff of exactly the change, dry and then
// for real) and removes items (what the file made goes, points stay).
func TestApplyIsIdempotentAndShowsTheDiff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	st := series.New(pool)
	// A series the file will describe already has points and no unit.
	s, err := st.Upsert(ctx, series.Series{Name: "press-3.vibration"})
	require.NoError(t, err)
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	_, err = st.Append(ctx, []series.Row{{SeriesID: s.ID, TS: t0, Value: 2.1}, {SeriesID: s.ID, TS: t0.Add(10 * time.Minute), Value: 2.2}})
	require.NoError(t, err)

	rep, out := apply(t, pool, small, false)
	require.Equal(t, int64(1), rep.Version)
	require.Contains(t, out, "applied: version 1 (was 0)")
	require.Contains(t, out, "+ plant model: time zone Europe/Berlin, shifts early 06:00 · late 14:00 (mon,tue,wed,thu,fri), 1 line, 1 asset, 2 sensors, 1 runbook link, 1 binding, 1 digest schedule")
	require.Contains(t, out, `~ series press-3.vibration: unit "" → "mm/s", site "" → "plant-a", line "" → "line-1", asset "" → "press-3", sensor "" → "vibration", interval unknown → 10m`)
	require.Contains(t, out, "+ series press-3.temperature: created without points (asset press-3, line line-1, °C)")
	require.Contains(t, out, "+ series line-1.output: created without points (line line-1, parts/h, every 1h)")
	require.Contains(t, out, "+ binding slack:C0123456789: → line=line-1")
	require.Contains(t, out, `+ digest console:stamping: "0 6,14 * * 1-5" Europe/Berlin`)

	got, err := st.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)
	require.Equal(t, "mm/s", got.Unit)
	require.Equal(t, 10*time.Minute, got.Interval)
	w, err := st.Window(ctx, "press-3.vibration", t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []float64{2.1, 2.2}, w.Data.Values, "points are kept")
	out2, err := st.Lookup(ctx, "line-1.output")
	require.NoError(t, err)
	require.Equal(t, series.KindProduction, out2.Kind)

	core, err := conversation.New(conversation.Options{DB: pool})
	require.NoError(t, err)
	cs, err := core.Settings(ctx, "slack", "C0123456789")
	require.NoError(t, err)
	require.Equal(t, "line-1", cs.Scope.Line)
	require.Equal(t, model.ByPlantFile, cs.UpdatedBy)
	scheds, err := core.Schedules(ctx)
	require.NoError(t, err)
	require.Len(t, scheds, 1)
	require.Equal(t, "Europe/Berlin", scheds[0].TZ)
	require.True(t, scheds[0].Enabled)

	// The same file again: nothing to do, no new version.
	rep, out = apply(t, pool, small, false)
	require.True(t, rep.Unchanged(), out)
	require.Equal(t, "no changes: the plant model in force (version 1) already matches the file\n", out)

	// A change: dry run shows the diff and writes nothing.
	changed := strings.Replace(small, "unit: mm/s", "unit: in/s", 1)
	rep, out = apply(t, pool, changed, true)
	require.True(t, rep.DryRun)
	require.Contains(t, out, "would apply (dry run: nothing written)")
	require.Contains(t, out, `~ sensor press-3.vibration: unit "mm/s" → "in/s"`)
	require.Contains(t, out, `~ series press-3.vibration: unit "mm/s" → "in/s"`)
	require.Len(t, rep.Changes, 2, out)
	got, err = st.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)
	require.Equal(t, "mm/s", got.Unit, "a dry run writes nothing")
	v, err := model.CurrentVersion(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, int64(1), v)

	// Removing the binding, the digest and the temperature sensor: the
	// binding and schedule the file made go; the series and points stay.
	removed := strings.NewReplacer(
		"sensors:\n  - {asset: press-3, name: temperature, unit: °C}\n", "",
		"bindings:\n  - {channel: \"slack:C0123456789\", line: line-1}\n", "",
		"digests:\n  - {channel: \"console:stamping\", cron: \"0 6,14 * * 1-5\"}\n", "").Replace(small)
	rep, out = apply(t, pool, removed, false)
	require.Equal(t, int64(2), rep.Version)
	require.Contains(t, out, "- sensor press-3.temperature: no longer in the file (its series and points are kept)")
	require.Contains(t, out, "- binding slack:C0123456789: was line=line-1; no longer in plant.yaml")
	require.Contains(t, out, `- digest console:stamping: "0 6,14 * * 1-5" Europe/Berlin turned off: no longer in plant.yaml`)
	cs, err = core.Settings(ctx, "slack", "C0123456789")
	require.NoError(t, err)
	require.True(t, cs.Scope.IsZero())
	scheds, err = core.Schedules(ctx)
	require.NoError(t, err)
	require.False(t, scheds[0].Enabled)
	_, err = st.Lookup(ctx, "press-3.temperature")
	require.NoError(t, err, "the series the file no longer names is kept")
	w, err = st.Window(ctx, "press-3.vibration", t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []float64{2.1, 2.2}, w.Data.Values)

	// Putting them back brings them back.
	rep, out = apply(t, pool, small, false)
	require.Equal(t, int64(3), rep.Version)
	require.Contains(t, out, "+ binding slack:C0123456789")
	require.Contains(t, out, "~ digest console:stamping: \"0 6,14 * * 1-5\" Europe/Berlin turned back on")

	// A file with problems changes nothing.
	_, err = model.Apply(ctx, env(pool), []byte(strings.Replace(small, "line: line-1}", "line: line-4}", 1)), model.ApplyOptions{})
	var ps model.Problems
	require.ErrorAs(t, err, &ps)
	require.Contains(t, err.Error(), `line 29: bindings[0].line: slack:C0123456789 is bound to unknown line "line-4"`)
	v, err = model.CurrentVersion(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, int64(3), v)
}

// TestSlackChangeAgainstTheFile is the documented rule: plant.yaml is the
// source of truth where it says something. A binding changed in Slack (or
// the console, or the CLI) lasts until the next apply, which restores the
// file's and says so; a binding the file no longer names is left as the
// last hand made it.
func TestSlackChangeAgainstTheFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	src := strings.Replace(small, "lines:\n", "lines:\n  - {name: line-2}\n", 1)
	apply(t, pool, src, false)

	core, err := conversation.New(conversation.Options{DB: pool})
	require.NoError(t, err)
	// What `/gemba bind line-2` does in Slack, by user U42.
	s, err := core.Settings(ctx, "slack", "C0123456789")
	require.NoError(t, err)
	s.Scope.Line, s.UpdatedBy = "line-2", "U42"
	require.NoError(t, core.SaveSettings(ctx, s))
	// And `/gemba digest off` in the console channel.
	_, err = core.DisableSchedule(ctx, "console", "stamping")
	require.NoError(t, err)

	admin := &model.Admin{DB: pool, Channels: core.PlantChannels(), ConsoleChannels: []string{"shop-floor"}}
	views, err := admin.Bindings(ctx)
	require.NoError(t, err)
	require.Len(t, views, 1)
	require.Equal(t, "changed by U42; plant.yaml binds it to line=line-1, which the next apply restores", views[0].Origin)

	st := series.New(pool)
	shown, err := model.Show(ctx, pool, plant.DemoDefaults(), st, core.PlantChannels())
	require.NoError(t, err)
	require.Len(t, shown.Drift, 2, shown.Drift)

	rep, out := apply(t, pool, src, false)
	require.False(t, rep.Unchanged())
	require.Contains(t, out, "applied: version 1 stays in force")
	require.Contains(t, out, "~ binding slack:C0123456789: line=line-2 (changed outside plant.yaml by U42) → line=line-1 (restored from plant.yaml)")
	require.Contains(t, out, "turned back on (it was turned off outside plant.yaml")
	s, err = core.Settings(ctx, "slack", "C0123456789")
	require.NoError(t, err)
	require.Equal(t, "line-1", s.Scope.Line)

	// Slack changes it again, then the file drops the binding: the
	// hand-made binding stays, with a note.
	s.Scope.Line, s.UpdatedBy = "line-2", "U42"
	require.NoError(t, core.SaveSettings(ctx, s))
	rep, out = apply(t, pool, strings.Replace(src, "bindings:\n  - {channel: \"slack:C0123456789\", line: line-1}\n", "", 1), false)
	require.Contains(t, out, "note: slack:C0123456789 is no longer in plant.yaml; its binding to line=line-2 was set by U42 after the file made it, so it is left as it is")
	require.NotContains(t, out, "- binding")
	require.Equal(t, int64(2), rep.Version)
	s, err = core.Settings(ctx, "slack", "C0123456789")
	require.NoError(t, err)
	require.Equal(t, "line-2", s.Scope.Line)
}

// TestWatcherReloadsTheCalendarOfARunningCore applies a new time zone
// while a core runs with the old one: the watcher sees the new version
// and the core speaks in the new zone, without a restart.
func TestWatcherReloadsTheCalendarOfARunningCore(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := dbtest.Pool(t)
	w := model.NewWatcher(ctx, pool, plant.DemoDefaults(), model.WatcherOptions{Every: 20 * time.Millisecond})
	require.Nil(t, w.Current().Applied)
	require.Equal(t, "built-in defaults (no plant.yaml applied)", w.Current().Origin())
	cal, err := plant.New(nil, w.Current().Defaults)
	require.ErrorIs(t, err, plant.ErrEmptyCatalog)
	core, err := conversation.New(conversation.Options{DB: pool, Calendar: cal})
	require.NoError(t, err)
	require.Equal(t, "Asia/Seoul", core.Calendar().Location.String())

	reloaded := make(chan model.InForce, 4)
	w.OnChange(func(_ context.Context, f model.InForce) {
		p, _ := plant.New(nil, f.Defaults)
		core.SetCalendar(p)
		reloaded <- f
	})
	go w.Run(ctx)

	apply(t, pool, small, false)
	select {
	case f := <-reloaded:
		require.Equal(t, int64(1), f.Applied.Version)
		require.True(t, strings.HasPrefix(f.Origin(), "plant.yaml version 1, applied "), f.Origin())
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not reload the model")
	}
	cal = core.Calendar()
	require.Equal(t, "Europe/Berlin", cal.Location.String())
	// Tuesday 2026-03-03 12:00 UTC is 13:00 in Berlin: the early shift.
	require.Equal(t, "early", cal.ShiftAt(time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), 0).Name)
	// The late shift runs on weekdays only: Saturday 15:00 is still early.
	require.Equal(t, "early", cal.ShiftAt(time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC), 0).Name)
	require.Equal(t, "late", cal.ShiftAt(time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC), 0).Name)

	// Nothing new: no reload.
	changed, err := w.Check(ctx)
	require.NoError(t, err)
	require.False(t, changed)
}

// TestMigrationDownAndUp: migration 00030 goes down with an applied model
// (the plant falls back to the built-in defaults; the series, bindings and
// schedules it made stay) and up again, and the file applies anew.
func TestMigrationDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.NewDatabase(t)
	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	apply(t, pool, small, false)

	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.DownTo(ctx, 29)
	require.NoError(t, err)
	var tables int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'plant_models'`).Scan(&tables))
	require.Zero(t, tables)
	_, err = series.New(pool).Lookup(ctx, "press-3.vibration")
	require.NoError(t, err, "the series the model described stay")
	_, err = m.Up(ctx)
	require.NoError(t, err)

	f, err := model.Load(ctx, pool, plant.DemoDefaults())
	require.NoError(t, err)
	require.Nil(t, f.Applied)
	require.Equal(t, "Asia/Seoul", f.Defaults.TimeZone)
	rep, out := apply(t, pool, small, false)
	require.Equal(t, int64(1), rep.Version)
	require.Len(t, rep.Changes, 1, "only the model itself: series, binding and schedule are already there")
	require.Contains(t, out, "+ plant model")
}

// TestUnreadableVersionIsReplaced: a stored version that no longer reads
// leaves the built-in defaults in force (said so), and a good file still
// applies over it.
func TestUnreadableVersionIsReplaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	_, err := pool.Exec(ctx, `INSERT INTO plant_models (source, sha256) VALUES ('time_zone: Mars/Olympus', 'x')`)
	require.NoError(t, err)
	_, err = model.Load(ctx, pool, plant.DemoDefaults())
	require.ErrorContains(t, err, "plant model: version 1 no longer reads")
	w := model.NewWatcher(ctx, pool, plant.DemoDefaults(), model.WatcherOptions{})
	require.Contains(t, w.Current().Origin(), "built-in defaults (the applied plant.yaml could not be read: ")
	require.Equal(t, "Asia/Seoul", w.Current().Defaults.TimeZone)

	rep, out := apply(t, pool, small, false)
	require.Equal(t, int64(2), rep.Version)
	require.Contains(t, out, "~ plant model: replaces an unreadable version: time zone Europe/Berlin")
	require.Contains(t, out, "note: version 1 no longer reads (line 1: time_zone: unknown time zone \"Mars/Olympus\"")
	changed, err := w.Check(ctx)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "Europe/Berlin", w.Current().Defaults.TimeZone)
}
