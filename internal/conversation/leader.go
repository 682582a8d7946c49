package conversation

// Periodic work (digests and follow-ups, pruning, model re-evaluation) runs
// on one replica at a time: the holder of a row in the leases table. Each
// tick, a replica takes or renews the lease with one short statement and
// runs the work only if it holds it; the work itself runs in short
// statements of its own, so no transaction or pooled connection is held
// for the length of the work, and a replica that dies loses the lease
// when it expires (three periods, at least a minute).
//
// Why not riverqueue/river's periodic jobs: river would bring its own
// tables, a job table poller and its own leader election for four
// periodic tasks; digests are per-channel rows users change at run time
// and are made exactly-once by a unique slot row anyway. A lease row is the
// same guarantee in one statement, with no second scheduler to operate.

import (
	"context"
	"time"
)

// Periodic is one piece of leader-only work run every Every.
type Periodic struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
	// FirstAfter is when the first run happens after start (default Every).
	FirstAfter time.Duration
}

// takeLeaseSQL takes the lease when it is free or expired, or renews it
// when this replica holds it; it returns a row only when this replica
// holds the lease afterwards.
const takeLeaseSQL = `
INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
 WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
RETURNING holder`

// Lead reports whether this replica holds (now takes or renews) the lease
// on name for ttl.
func (c *Core) Lead(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	var holder string
	err := c.o.DB.QueryRow(ctx, takeLeaseSQL, name, c.o.Owner, interval(ttl)).Scan(&holder)
	if err != nil {
		if isNoRows(err) {
			return false, nil
		}
		return false, err
	}
	return holder == c.o.Owner, nil
}

// resign gives the lease up at shutdown, so another replica takes over at
// once instead of after it expires.
func (c *Core) resign(ctx context.Context, name string) {
	if _, err := c.o.DB.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, c.o.Owner); err != nil {
		c.log.WarnContext(ctx, "could not give up a lease", "lease", name, "err", err)
	}
}

// runPeriodic runs p on its schedule while this replica leads it. Every
// failure is logged; none stops the loop.
func (c *Core) runPeriodic(ctx context.Context, p Periodic) {
	first := p.FirstAfter
	if first <= 0 {
		first = p.Every
	}
	ttl := max(3*p.Every, time.Minute)
	t := time.NewTimer(first)
	defer t.Stop()
	defer c.resign(context.WithoutCancel(ctx), p.Name)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(p.Every)
		lead, err := c.Lead(ctx, p.Name, ttl)
		if err != nil {
			if ctx.Err() == nil {
				c.log.ErrorContext(ctx, "periodic work: could not take its lease", "work", p.Name, "err", err)
			}
			continue
		}
		if !lead {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, ttl)
		err = p.Run(wctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.log.ErrorContext(ctx, "periodic work failed", "work", p.Name, "err", err)
		}
	}
}
