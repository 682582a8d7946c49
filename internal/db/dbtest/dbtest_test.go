package dbtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

func TestTxIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			tx := dbtest.Tx(t)
			_, err := tx.Exec(ctx, `INSERT INTO series (name) VALUES ('iso-test')`)
			require.NoError(t, err) // would violate UNIQUE(name) if another test's row were visible
			var n int
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM series WHERE name = 'iso-test'`).Scan(&n))
			require.Equal(t, 1, n)
		})
	}
}

func TestPoolHasVector(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	var d float64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT '[1,0]'::vector <=> '[0,1]'::vector`).Scan(&d))
	require.InDelta(t, 1.0, d, 1e-9)
}

func TestDropStale(t *testing.T) {
	t.Parallel()
	_, err := dbtest.DropStale(context.Background())
	require.NoError(t, err)
}
