package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

func TestConflict(t *testing.T) {
	t.Parallel()
	require.True(t, db.Conflict(&pgconn.PgError{Code: "40P01"}))
	require.True(t, db.Conflict(errors.Join(errors.New("x"), &pgconn.PgError{Code: "40001"})))
	require.False(t, db.Conflict(&pgconn.PgError{Code: "23505"}))
	require.False(t, db.Conflict(errors.New("deadlock detected")))
	require.False(t, db.Conflict(nil))
}

// TestRetryConflictsRecoversFromARealDeadlock makes two transactions lock
// two rows in opposite orders, so that PostgreSQL kills one of them, and
// checks that the retried one then commits.
func TestRetryConflictsRecoversFromARealDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	_, err := pool.Exec(ctx, `CREATE TABLE lock_pair (id int PRIMARY KEY, n int NOT NULL DEFAULT 0); INSERT INTO lock_pair (id) VALUES (1), (2)`)
	require.NoError(t, err)

	var retries int
	var mu sync.Mutex
	first := make(chan struct{}, 2)
	run := func(a, b int) error {
		attempt := 0
		return db.RetryConflicts(ctx, db.RetryPolicy{OnRetry: func(int, error) { mu.Lock(); retries++; mu.Unlock() }}, func(ctx context.Context) error {
			attempt++
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback(ctx) }()
			if _, err := tx.Exec(ctx, `UPDATE lock_pair SET n = n + 1 WHERE id = $1`, a); err != nil {
				return err
			}
			if attempt == 1 {
				// Both hold their first row before either takes its second.
				first <- struct{}{}
				for len(first) < 2 {
					time.Sleep(time.Millisecond)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE lock_pair SET n = n + 1 WHERE id = $1`, b); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = run(1, 2) })
	wg.Go(func() { errs[1] = run(2, 1) })
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	// One transaction is killed as the deadlock victim and retried; on a
	// loaded machine its retry can meet the other transaction again before
	// that one commits (seen once in CI under the race detector), so a
	// second retry is allowed — what matters is that both commit.
	require.GreaterOrEqual(t, retries, 1, "a transaction was killed as the deadlock victim and retried")
	require.LessOrEqual(t, retries, 4, "and the retries converge")
	var total int
	require.NoError(t, pool.QueryRow(ctx, `SELECT sum(n) FROM lock_pair`).Scan(&total))
	require.Equal(t, 4, total, "both transactions committed both updates")
}

func TestRetryConflictsGivesUp(t *testing.T) {
	t.Parallel()
	calls := 0
	err := db.RetryConflicts(context.Background(), db.RetryPolicy{Attempts: 3, Base: time.Microsecond}, func(context.Context) error {
		calls++
		return &pgconn.PgError{Code: "40001"}
	})
	require.True(t, db.Conflict(err))
	require.Equal(t, 3, calls)

	calls = 0
	err = db.RetryConflicts(context.Background(), db.RetryPolicy{}, func(context.Context) error {
		calls++
		return errors.New("syntax")
	})
	require.EqualError(t, err, "syntax")
	require.Equal(t, 1, calls, "other errors are not retried")
}
