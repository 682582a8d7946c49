package conversation

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/ops"
)

// TestClaimBurstAcrossReplicasDoesNotDeadlock reproduces issue 21: two
// replicas, two flushers each, receive a burst of overlapping deliveries
// (Slack retries and duplicates sent to the other replica) in opposite
// orders. Batches that lock the same rows in different orders deadlock in
// PostgreSQL, and every delivery of the killed batch would be refused with
// a non-2xx. Every delivery must be recorded, and each event won exactly
// once across the replicas.
func TestClaimBurstAcrossReplicasDoesNotDeadlock(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	metrics := ops.NewMetrics()
	mk := func(owner string) *Core {
		c, err := New(Options{DB: pool, Owner: owner, QueueSize: 100000, Metrics: metrics})
		require.NoError(t, err)
		c.Register(newMemTransport("slack"))
		return c
	}
	replicas := []*Core{mk("replica-a"), mk("replica-b")}
	ctx := context.Background()

	const rounds, n = 6, 400
	var mu sync.Mutex
	won := map[string]int{}
	var errs []error
	for r := range rounds {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("Ev%d-%04d", r, i)
		}
		var wg sync.WaitGroup
		// Each replica receives every id twice (a delivery and a retry), one
		// replica in ascending order, the other in descending order; each
		// send is its own goroutine, as concurrent HTTP requests are.
		for k, b := range replicas {
			for copyN := range 2 {
				order := make([]string, n)
				for i := range ids {
					if (k+copyN)%2 == 0 {
						order[i] = ids[i]
					} else {
						order[i] = ids[n-1-i]
					}
				}
				wg.Go(func() {
					var inner sync.WaitGroup
					for _, id := range order {
						inner.Go(func() {
							ok, err := b.Accept(ctx, "slack", id, "T1", KindMessage, []byte(`{}`))
							mu.Lock()
							defer mu.Unlock()
							if err != nil {
								errs = append(errs, err)
							}
							if ok {
								won[id]++
							}
						})
					}
					inner.Wait()
				})
			}
		}
		wg.Wait()
	}
	require.Zero(t, len(errs), "deliveries refused (Slack would get a non-2xx); the first: %v", firstErr(errs))
	require.Len(t, won, rounds*n, "every event recorded and won by one replica")
	for id, c := range won {
		require.Equal(t, 1, c, "event %s won more than once", id)
	}
	// The global lock order alone prevents the deadlock; the retry is a
	// safety net that this burst never needs.
	require.Zero(t, testutil.ToFloat64(metrics.DBRetries.WithLabelValues("claim")), "claims retried after a conflict")
}

func firstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
