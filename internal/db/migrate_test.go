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
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema='public' AND table_name = ANY($1)`,
		[]string{"documents", "chunks", "series", "points", "models", "conversations", "messages", "tool_calls", "feedback", "slack_events", "digest_schedules"}).Scan(&tables))
	require.Equal(t, 11, tables)
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
