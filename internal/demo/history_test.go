package demo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/maintenance"
)

// TestHistoryMatchesTheCorpus: every incident of the demo corpus is one
// failure record on the same asset and day, linked to it; the recent
// failures of the schedule are among them; preventive work never falls
// while a machine stood still; and the history seeds idempotently.
func TestHistoryMatchesTheCorpus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 1, 20, 0, 0, time.UTC)
	hist, err := History(now, DefaultSeed)
	require.NoError(t, err)
	byDoc := map[string]maintenance.Event{}
	kinds := map[maintenance.Kind]int{}
	for _, e := range hist {
		require.NoError(t, e.Validate(), e.ID)
		kinds[e.Kind]++
		if e.DocumentID != "" {
			byDoc[e.DocumentID] = e
		}
	}
	require.Len(t, byDoc, 38, "one failure record per incident document")
	require.Greater(t, kinds[maintenance.KindPreventive], 100)
	require.Greater(t, kinds[maintenance.KindInspection], 100)
	require.Equal(t, 7, countOpen(hist))
	for _, f := range Schedule(now) {
		if f.InProgress {
			continue
		}
		e, ok := byDoc[f.ID]
		require.True(t, ok, f.ID)
		require.Equal(t, f.Asset, e.Asset)
		require.InDelta(t, 0, e.OpenedAt.Sub(f.At).Hours(), 36, "%s falls on the schedule's day (the corpus moves by whole days)", f.ID)
	}
	ctx := context.Background()
	tx := dbtest.Tx(t)
	n, err := SeedHistory(ctx, tx, now, 0)
	require.NoError(t, err)
	require.Equal(t, len(hist), n)
	n2, err := SeedHistory(ctx, tx, now, 0)
	require.NoError(t, err)
	require.Equal(t, n, n2)
	var stored int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM maintenance_events WHERE source = 'demo'`).Scan(&stored))
	require.Equal(t, n, stored, "re-seeding replaces, never piles up")
}

func countOpen(es []maintenance.Event) int {
	n := 0
	for _, e := range es {
		if e.Status == maintenance.StatusOpen {
			n++
		}
	}
	return n
}
