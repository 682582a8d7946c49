package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/maintenance"
)

// TestResolvedThreadIsAMaintenanceRecord: "Mark resolved" in a channel
// bound to an asset writes a work order beside the incident document,
// linked to it, with its downtime and outcome; without an asset nothing.
func TestResolvedThreadIsAMaintenanceRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	log := resolvedLog{store: maintenance.New(tx)}
	at := time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)
	inc := conversation.Incident{ID: "slack-c1-1700000000.000100", Title: "press 3 vibrating — bearing", Line: "line-1", Asset: "press-3",
		RootCause: "bearing_wear", Actions: "replaced bearing", Downtime: 95, Outcome: conversation.OutcomeWorked,
		OccurredAt: at, ResolvedAt: at.Add(3 * time.Hour), Via: "slack"}
	require.NoError(t, log.RecordResolved(ctx, inc))
	es, err := maintenance.New(tx).Query(ctx, maintenance.Filter{Assets: []string{"press-3"}})
	require.NoError(t, err)
	require.Len(t, es, 1)
	e := es[0]
	require.Equal(t, inc.ID, e.DocumentID)
	require.Equal(t, maintenance.KindWorkOrder, e.Kind)
	require.Equal(t, 95, *e.DowntimeMinutes)
	require.Equal(t, "worked", e.Outcome)
	require.NoError(t, log.RecordResolved(ctx, inc), "resolving again replaces the record")
	inc.Asset = ""
	require.NoError(t, log.RecordResolved(ctx, conversation.Incident{ID: "x", OccurredAt: at, ResolvedAt: at}))
}
