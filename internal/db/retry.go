package db

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Conflict reports whether err is a conflict between concurrent
// transactions that PostgreSQL resolved by aborting this one: a
// serialization failure (40001) or a deadlock (40P01). Nothing is wrong
// with the statement; run again, it succeeds.
func Conflict(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
}

// RetryPolicy bounds RetryConflicts. The zero value means 4 attempts with
// a backoff that starts at 5 ms and doubles, each wait jittered between
// half and all of it, so that transactions that collided do not collide
// again in step.
type RetryPolicy struct {
	Attempts int
	Base     time.Duration
	// OnRetry, when set, is told of each conflict that is retried (for a
	// metric or a log line).
	OnRetry func(attempt int, err error)
}

// RetryConflicts runs fn until it succeeds, fails with something other than
// a Conflict, the attempts are used up or ctx ends. fn must be a whole
// transaction or a single statement: it is run again from the start.
func RetryConflicts(ctx context.Context, p RetryPolicy, fn func(context.Context) error) error {
	if p.Attempts <= 0 {
		p.Attempts = 4
	}
	if p.Base <= 0 {
		p.Base = 5 * time.Millisecond
	}
	wait := p.Base
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !Conflict(err) || attempt >= p.Attempts {
			return err
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, err)
		}
		d := wait/2 + rand.N(wait/2+1) //nolint:gosec // jitter spreads retries; it needs no unpredictability
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}
