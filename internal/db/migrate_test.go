package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// emptyDatabase returns the URL of a fresh database with no migrations applied.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	u := dbtest.NewDatabase(t)
	m, err := db.NewMigrator(context.Background(), u, nil)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.DownTo(context.Background(), 0)
	require.NoError(t, err)
	return u
}

func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := emptyDatabase(t)
	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer m.Close()

	st, err := m.Status(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, st)
	for _, s := range st {
		require.False(t, s.Applied, s.Name)
	}
	n, err := m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, len(st), n)
	pending, err := m.Pending(ctx)
	require.NoError(t, err)
	require.False(t, pending)

	n, err = m.Up(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a second up applies nothing")

	n, err = m.Down(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = m.DownTo(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, len(st)-1, n)

	n, err = m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, len(st), n)

	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	defer pool.Close()
	var tables int
	want := []string{"documents", "chunks", "series", "points", "models", "conversations", "messages", "tool_calls", "feedback",
		"deliveries", "threads", "posted_answers", "channel_settings", "leases", "digest_schedules", "digest_posts"}
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema='public' AND table_name = ANY($1)`,
		want).Scan(&tables))
	require.Equal(t, len(want), tables)
}

func TestConcurrentMigrateUpAppliesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := emptyDatabase(t)
	const runners = 4
	var wg sync.WaitGroup
	counts := make([]int, runners)
	errs := make([]error, runners)
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = db.Migrate(ctx, u, nil)
		}()
	}
	wg.Wait()
	total := 0
	for i := range runners {
		require.NoError(t, errs[i])
		total += counts[i]
	}
	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer m.Close()
	st, err := m.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, len(st), total, "every migration applied exactly once across runners")
}

func TestConnectionFailureIsOneClearLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := db.Open(ctx, "postgres://nobody@127.0.0.1:1/gemba?connect_timeout=2", db.Options{})
	require.Error(t, err)
	require.True(t, errors.Is(err, db.ErrUnreachable))
	require.NotContains(t, err.Error(), "\n")
	require.Contains(t, err.Error(), "127.0.0.1:1")
	require.Contains(t, err.Error(), "refused")

	_, err = db.NewMigrator(ctx, "postgres:///gemba?host=/nonexistent&port=5499", nil)
	require.ErrorIs(t, err, db.ErrUnreachable)
	require.NotContains(t, err.Error(), "\n")

	_, err = db.Open(ctx, dbtest.WithDatabase(dbtest.BaseURL(), "no_such_db_gemba"), db.Options{})
	require.ErrorIs(t, err, db.ErrUnreachable)
	require.Contains(t, err.Error(), "does not exist")
}

func TestCheckCurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.NewDatabase(t)
	pool, err := db.Open(ctx, u, db.Options{MaxConns: 2})
	require.NoError(t, err)
	defer pool.Close()
	require.NoError(t, db.CheckCurrent(ctx, pool))

	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	n, err := m.Down(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.ErrorIs(t, db.CheckCurrent(ctx, pool), db.ErrMigrationsPending)
	_, err = m.Up(ctx)
	require.NoError(t, err)
	require.NoError(t, db.CheckCurrent(ctx, pool))
}

// TestConversationMigrationKeepsSlackRows: migration 10 renames the Slack
// tables to the conversation core's and adds a source column. Every Slack
// row survives up and down; rows of other front doors are dropped going
// down (the old tables have no place for them).
func TestConversationMigrationKeepsSlackRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := emptyDatabase(t)
	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.Up(ctx)
	require.NoError(t, err)
	_, err = m.DownTo(ctx, 5)
	require.NoError(t, err)

	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(ctx, `
INSERT INTO slack_events (event_id, team_id, kind, payload, status, owner, attempts, lease_until, reply_ts)
VALUES ('Ev1', 'T1', 'event', '{}', 'processing', 'replica-a', 2, now() + interval '1 minute', '1700.1'),
       ('cmd:t1', 'T1', 'command', '{}', 'done', '', 1, NULL, '');
INSERT INTO channel_settings (channel_id, scope, mention_only) VALUES ('C1', 'line-2', false);
INSERT INTO slack_threads (channel_id, thread_ts, thread_key, started_by, question, citations)
VALUES ('C1', '1700.0', 'slack:C1:1700.0', 'U1', 'why?', '{INC-1}');
INSERT INTO slack_answers (channel_id, message_ts, thread_ts, answer) VALUES ('C1', '1700.1', '1700.0', '{"text":"a"}');
INSERT INTO digest_schedules (channel_id, cron, time_zone) VALUES ('C1', '0 6 * * *', 'Asia/Seoul');
INSERT INTO digest_posts (channel_id, slot, message_ts) VALUES ('C1', '2026-11-27T06:00:00+09:00', '1700.5');`)
	require.NoError(t, err)

	_, err = m.Up(ctx)
	require.NoError(t, err)
	var n int
	var owner, reply string
	require.NoError(t, pool.QueryRow(ctx, `SELECT owner, reply_ref FROM deliveries WHERE source = 'slack' AND delivery_id = 'Ev1'`).Scan(&owner, &reply))
	require.Equal(t, "replica-a", owner, "a delivery in flight keeps its lease")
	require.Equal(t, "1700.1", reply)
	for table, want := range map[string]int{"deliveries": 2, "channel_settings": 1, "threads": 1, "posted_answers": 1, "digest_schedules": 1, "digest_posts": 1} {
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE source = 'slack'`).Scan(&n))
		require.Equal(t, want, n, table)
	}
	// Another front door can use the same ids without colliding.
	_, err = pool.Exec(ctx, `
INSERT INTO deliveries (source, delivery_id, kind) VALUES ('console', 'Ev1', 'event');
INSERT INTO threads (source, channel_id, thread_ref, thread_key) VALUES ('console', 'C1', '1700.0', 'console:1700.0');
INSERT INTO digest_schedules (source, channel_id, cron) VALUES ('console', 'C1', '0 6 * * *');`)
	require.NoError(t, err)

	_, err = m.DownTo(ctx, 5)
	require.NoError(t, err)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM slack_events`).Scan(&n))
	require.Equal(t, 2, n, "the Slack deliveries are back, the console's are gone")
	require.NoError(t, pool.QueryRow(ctx, `SELECT reply_ts FROM slack_events WHERE event_id = 'Ev1'`).Scan(&reply))
	require.Equal(t, "1700.1", reply)
	for _, table := range []string{"slack_threads", "slack_answers", "digest_schedules", "digest_posts", "channel_settings"} {
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		require.Equal(t, 1, n, table)
	}
	_, err = m.Up(ctx)
	require.NoError(t, err, "and up again")
}

// TestMaintenanceAndRiskMigrationsDownWithData: with maintenance records,
// a trained risk model and its artifact stored, migrating down below 00080
// removes them (they have no place in the older schema) and keeps the
// detect and forecast models; up again restores an empty history.
func TestMaintenanceAndRiskMigrationsDownWithData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := emptyDatabase(t)
	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.Up(ctx)
	require.NoError(t, err)
	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(ctx, `
INSERT INTO maintenance_events (id, kind, asset, opened_at) VALUES ('WO-1', 'work_order', 'press-3', now());
INSERT INTO equipment (asset, asset_type) VALUES ('press-3', 'press');
INSERT INTO models (name, version, kind, task) VALUES ('stl-mad', 'v1', 'builtin', 'detect'), ('failure-risk', 'v1', 'builtin', 'risk');
INSERT INTO model_artifacts (model_id, artifact) SELECT id, '{"w":[1]}' FROM models WHERE task = 'risk';`)
	require.NoError(t, err)

	_, err = m.DownTo(ctx, 79)
	require.NoError(t, err)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM models WHERE task = 'risk'`).Scan(&n))
	require.Zero(t, n, "the risk model goes with its task")
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM models WHERE name = 'stl-mad'`).Scan(&n))
	require.Equal(t, 1, n, "the detect model stays")
	var exists bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('maintenance_events') IS NOT NULL`).Scan(&exists))
	require.False(t, exists)
	_, err = pool.Exec(ctx, `INSERT INTO models (name, version, kind, task) VALUES ('x', 'v1', 'builtin', 'risk')`)
	require.Error(t, err, "the older schema's task check is back")

	_, err = m.Up(ctx)
	require.NoError(t, err)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM maintenance_events`).Scan(&n))
	require.Zero(t, n)
	_, err = pool.Exec(ctx, `INSERT INTO models (name, version, kind, task) VALUES ('failure-risk', 'v2', 'builtin', 'risk')`)
	require.NoError(t, err)
}
