package conversation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/ops"
)

// job is one claimed delivery waiting for (or in) a worker; a job with no
// id is an inbound handled at once (Core.Handle), which nothing recorded.
type job struct {
	source  string
	id      string
	kind    string
	payload []byte
	attempt int
	// replyRef is the placeholder an earlier attempt posted.
	replyRef string
}

// claimSQL writes deliveries before they are acked, many in one statement
// (one round trip and one WAL flush for a burst). A new id is inserted and
// belongs to this replica. An id already there is a duplicate (Slack retry,
// another replica) and is dropped — unless its processing crashed: then its
// lease has expired and this replica takes it over. Both cases are one
// statement, so two replicas can never both win.
//
// Rows are inserted in event-id order (the ids arrive sorted, and ORDER BY
// keeps the insert in that order), so every statement on every replica
// takes its row locks in one global order: two batches that overlap wait
// for each other instead of deadlocking.
const claimSQL = `
INSERT INTO deliveries (source, delivery_id, team_id, kind, payload, owner, lease_until)
SELECT $8, e, t, k, p, $5, now() + $6::interval FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS x(e, t, k, p)
ORDER BY e COLLATE "C"
ON CONFLICT (source, delivery_id) DO UPDATE
   SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, attempts = deliveries.attempts + 1
 WHERE deliveries.status = 'processing' AND deliveries.lease_until < now()
   AND deliveries.attempts < $7
RETURNING delivery_id, attempts, reply_ref`

// claimReq is one delivery waiting to be written.
type claimReq struct {
	j    job
	team string
	done chan claimRes
}

type claimRes struct {
	j   job
	won bool
	err error
}

// maxClaimBatch bounds the deliveries written in one statement.
const maxClaimBatch = 200

// Accept records a delivery of a registered transport and hands it to a
// worker, which decodes it with the transport and handles it. It reports
// false for a duplicate (a retry, or a copy sent to another replica). An
// error means the delivery could not be recorded: the transport must not
// acknowledge it, so that the platform delivers it again.
//
// Deliveries arriving together are written together (group commit): the
// first caller becomes the flusher and writes everything pending, and at
// most two flushers run at once, so a burst of 50 events costs a few round
// trips instead of 50 commits.
func (c *Core) Accept(ctx context.Context, source, id, team, kind string, payload []byte) (bool, error) {
	if _, ok := c.transport(source); !ok {
		return false, fmt.Errorf("conversation: no transport %q registered", source)
	}
	req := claimReq{j: job{source: source, id: id, kind: kind, payload: payload}, team: team, done: make(chan claimRes, 1)}
	c.claimMu.Lock()
	c.pending = append(c.pending, req)
	lead := c.flushers < 2
	if lead {
		c.flushers++
	}
	c.claimMu.Unlock()
	if lead {
		c.flushClaims()
	}
	res := <-req.done
	if res.err != nil {
		return false, res.err
	}
	if !res.won {
		c.metrics.CountDedupe()
		c.log.DebugContext(ctx, "duplicate delivery dropped", "id", id)
		return false, nil
	}
	c.enqueue(ctx, res.j)
	return true, nil
}

// flushClaims writes pending deliveries until none is left, a batch per
// source at a time.
func (c *Core) flushClaims() {
	for {
		c.claimMu.Lock()
		n := min(len(c.pending), maxClaimBatch)
		if n == 0 {
			c.flushers--
			c.claimMu.Unlock()
			return
		}
		src := c.pending[0].j.source
		var batch, rest []claimReq
		for i, r := range c.pending {
			if i < n && r.j.source == src {
				batch = append(batch, r)
			} else {
				rest = append(rest, r)
			}
		}
		c.pending = rest
		c.claimMu.Unlock()
		c.claimBatch(batch)
	}
}

func (c *Core) claimBatch(batch []claimReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The same id twice in one statement would be an error; later copies
	// are duplicates of the first.
	first := map[string]int{}
	var ids []string
	for i, r := range batch {
		if _, dup := first[r.j.id]; dup {
			continue
		}
		first[r.j.id] = i
		ids = append(ids, r.j.id)
	}
	slices.Sort(ids) // byte order, as COLLATE "C" in claimSQL
	teams, kinds, payloads := make([]string, len(ids)), make([]string, len(ids)), make([][]byte, len(ids))
	for i, id := range ids {
		r := batch[first[id]]
		teams[i], kinds[i], payloads[i] = r.team, r.j.kind, r.j.payload
	}
	var won map[string]job
	// A conflict with another transaction (a deadlock with a statement
	// outside this ordering, a serialization failure) is nobody's fault:
	// run the statement again before refusing the whole batch.
	err := db.RetryConflicts(ctx, db.RetryPolicy{OnRetry: func(attempt int, err error) {
		c.metrics.CountDBRetry("claim")
		c.log.WarnContext(ctx, "recording deliveries conflicted with another transaction; retrying", "attempt", attempt, "deliveries", len(ids), "err", err)
	}}, func(ctx context.Context) error {
		won = map[string]job{}
		rows, err := c.o.DB.Query(ctx, claimSQL, ids, teams, kinds, payloads, c.o.Owner, interval(c.o.Lease), c.o.MaxAttempts, batch[0].j.source)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var j job
			if err := rows.Scan(&id, &j.attempt, &j.replyRef); err != nil {
				return err
			}
			won[id] = j
		}
		return rows.Err()
	})
	for i, r := range batch {
		if err != nil {
			r.done <- claimRes{err: fmt.Errorf("conversation: record delivery %s: %w", r.j.id, err)}
			continue
		}
		w, ok := won[r.j.id]
		if !ok || first[r.j.id] != i {
			r.done <- claimRes{}
			continue
		}
		j := r.j
		j.attempt, j.replyRef = w.attempt, w.replyRef
		r.done <- claimRes{j: j, won: true}
	}
}

// enqueue gives j to a worker, or, when the queue is full or the bot is
// stopping, releases its lease so that the sweeper of any replica takes it.
func (c *Core) enqueue(ctx context.Context, j job) {
	if !c.stopped.Load() {
		select {
		case c.queue <- j:
			return
		default:
		}
	}
	c.log.DebugContext(ctx, "worker queue full or stopping; leaving the delivery to the sweeper", "source", j.source, "id", j.id)
	c.releaseUnstarted(ctx, j)
}

// release gives up this replica's lease on j after an attempt that failed
// in a way worth retrying; the attempt counts towards MaxAttempts.
func (c *Core) release(ctx context.Context, j job) {
	_, err := c.o.DB.Exec(ctx, `UPDATE deliveries SET lease_until = now() - interval '1 millisecond', owner = ''
		WHERE source = $3 AND delivery_id = $1 AND owner = $2 AND status = 'processing'`, j.id, c.o.Owner, j.source)
	if err != nil {
		c.log.ErrorContext(ctx, "release delivery", "id", j.id, "err", err)
	}
}

// releaseUnstarted gives up the lease on j without having worked on it (the
// queue was full, or the bot is stopping), and takes back the attempt its
// claim counted: only attempts that ran count towards MaxAttempts, so a
// burst larger than the queue delays deliveries but never gives up on one.
func (c *Core) releaseUnstarted(ctx context.Context, j job) {
	_, err := c.o.DB.Exec(ctx, `UPDATE deliveries SET lease_until = now() - interval '1 millisecond', owner = '',
		attempts = greatest(attempts - 1, 0)
		WHERE source = $4 AND delivery_id = $1 AND owner = $2 AND status = 'processing' AND attempts = $3`, j.id, c.o.Owner, j.attempt, j.source)
	if err != nil {
		c.log.ErrorContext(ctx, "release delivery", "id", j.id, "err", err)
	}
}

// releaseQueued releases the deliveries still queued when the bot stops.
func (c *Core) releaseQueued(ctx context.Context) {
	for {
		select {
		case j := <-c.queue:
			c.releaseUnstarted(ctx, j)
		default:
			return
		}
	}
}

// finish marks a delivery done (or failed, with the reason), if this
// replica still owns it.
func (c *Core) finish(ctx context.Context, j job, failure error) {
	status, msg := "done", ""
	if failure != nil {
		status, msg = "failed", Truncate(failure.Error(), 1000)
	}
	_, err := c.o.DB.Exec(ctx, `UPDATE deliveries SET status = $3, error = $4, finished_at = now()
		WHERE source = $6 AND delivery_id = $1 AND owner = $2 AND attempts = $5`, j.id, c.o.Owner, status, msg, j.attempt, j.source)
	if err != nil {
		c.log.ErrorContext(ctx, "finish delivery", "id", j.id, "err", err)
	}
}

// owns reports whether this replica still holds j's lease: checked just
// before the answer is posted, so a replica whose lease ran out (and whose
// work was taken over) does not post a second answer.
func (c *Core) owns(ctx context.Context, j job) bool {
	var ok bool
	if j.id == "" {
		return true // handled at once: nobody else can have it
	}
	err := c.o.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE source = $4 AND delivery_id = $1 AND owner = $2
		AND attempts = $3 AND status = 'processing')`, j.id, c.o.Owner, j.attempt, j.source).Scan(&ok)
	if err != nil {
		c.log.ErrorContext(ctx, "check lease", "id", j.id, "err", err)
		return false
	}
	return ok
}

// setReplyRef remembers the placeholder message so that a retry updates it
// instead of posting another.
func (c *Core) setReplyRef(ctx context.Context, j job, ref string) {
	if j.id == "" {
		return
	}
	if _, err := c.o.DB.Exec(ctx, `UPDATE deliveries SET reply_ref = $2 WHERE source = $3 AND delivery_id = $1`, j.id, ref, j.source); err != nil {
		c.log.ErrorContext(ctx, "remember placeholder", "id", j.id, "err", err)
	}
}

// sweepSQL takes over deliveries whose lease expired (their replica died,
// or let them go when its queue was full), at most $3 at a time; SKIP
// LOCKED lets replicas sweep side by side.
const sweepSQL = `
UPDATE deliveries e
   SET owner = $1, lease_until = now() + $2::interval, attempts = e.attempts + 1
 WHERE (e.source, e.delivery_id) IN (
       SELECT source, delivery_id FROM deliveries
        WHERE status = 'processing' AND lease_until < now() AND attempts < $4 AND source = ANY($5)
        ORDER BY received_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
RETURNING e.source, e.delivery_id, e.kind, e.payload, e.attempts, e.reply_ref`

// Sweep claims expired deliveries of the transports registered here for
// free workers (a replica that died, or one whose queue was full, left
// them) and gives up on those that failed MaxAttempts times. It returns
// how many it took over. Every replica sweeps: this spreads the work, it
// is not periodic upkeep. Run calls it every SweepEvery; tests call it
// directly.
func (c *Core) Sweep(ctx context.Context) (int, error) {
	// The statement below touches many rows that claims may be locking at
	// the same moment: SKIP LOCKED leaves those to the next sweep instead
	// of waiting (or deadlocking) on them.
	if _, err := c.o.DB.Exec(ctx, `UPDATE deliveries SET status = 'failed', error = 'gave up after repeated crashes', finished_at = now()
		WHERE (source, delivery_id) IN (SELECT source, delivery_id FROM deliveries
			WHERE status = 'processing' AND lease_until < now() AND attempts >= $1
			ORDER BY source, delivery_id FOR UPDATE SKIP LOCKED)`, c.o.MaxAttempts); err != nil {
		return 0, fmt.Errorf("conversation: sweep: %w", err)
	}
	free := cap(c.queue) - len(c.queue)
	if free <= 0 || c.stopped.Load() {
		return 0, nil
	}
	rows, err := c.o.DB.Query(ctx, sweepSQL, c.o.Owner, interval(c.o.Lease), free, c.o.MaxAttempts, c.sources())
	if err != nil {
		return 0, fmt.Errorf("conversation: sweep: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		err := r.Scan(&j.source, &j.id, &j.kind, &j.payload, &j.attempt, &j.replyRef)
		return j, err
	})
	if err != nil {
		return 0, fmt.Errorf("conversation: sweep: %w", err)
	}
	for _, j := range jobs {
		c.log.InfoContext(ctx, "retrying a delivery whose lease expired", "source", j.source, "id", j.id, "attempt", j.attempt)
		c.enqueue(ctx, j)
	}
	return len(jobs), nil
}

// Prune deletes finished deliveries older than a day (platforms retry for
// about an hour), a batch at a time; it is leader-only upkeep.
func (c *Core) Prune(ctx context.Context) error {
	if _, err := c.o.DB.Exec(ctx, `DELETE FROM deliveries WHERE (source, delivery_id) IN (
		SELECT source, delivery_id FROM deliveries WHERE status <> 'processing' AND received_at < now() - interval '1 day'
		LIMIT 1000 FOR UPDATE SKIP LOCKED)`); err != nil {
		return fmt.Errorf("conversation: prune deliveries: %w", err)
	}
	return nil
}

// sources lists the registered transports' names.
func (c *Core) sources() []string {
	c.trMu.RLock()
	defer c.trMu.RUnlock()
	out := make([]string, 0, len(c.transports))
	for s := range c.transports {
		out = append(out, s)
	}
	return out
}

func (c *Core) sweepLoop(ctx context.Context) {
	t := time.NewTicker(c.o.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := c.Sweep(ctx); err != nil && ctx.Err() == nil {
				c.log.ErrorContext(ctx, "sweep deliveries", "err", err)
			}
		}
	}
}

// worker processes queued deliveries until the bot stops and the queue is
// empty.
func (c *Core) worker(ctx context.Context) {
	for {
		select {
		case j := <-c.queue:
			c.process(ctx, j)
		case <-c.stopping:
			for {
				select {
				case j := <-c.queue:
					c.process(ctx, j)
				default:
					return
				}
			}
		}
	}
}

// process runs one delivery with the answer deadline; a panic is logged
// and the delivery marked failed rather than crashing the process.
func (c *Core) process(ctx context.Context, j job) {
	ctx = ops.WithLogAttrs(ctx, "delivery", j.id, "source", j.source, "kind", j.kind, "attempt", j.attempt)
	ctx, cancel := context.WithTimeout(ctx, c.o.AnswerTimeout)
	defer cancel()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		t, ok := c.transport(j.source)
		if !ok {
			err = fmt.Errorf("no transport %q registered", j.source)
			return
		}
		var in Inbound
		if in, err = t.Decode(ctx, j.kind, j.payload); err != nil {
			err = fmt.Errorf("decode %s delivery: %w", j.kind, err)
			return
		}
		err = c.handle(ctx, t, j, in)
	}()
	if c.willRetry(j, err) {
		// The platform or the database hiccuped: let the sweeper try again
		// (the placeholder, if any, is reused).
		c.log.WarnContext(ctx, "delivery hit a transient error; will retry", "err", err)
		c.release(context.WithoutCancel(ctx), j)
		return
	}
	if err != nil {
		c.log.ErrorContext(ctx, "delivery failed", "err", err)
	}
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) && err != nil {
		// Stopped mid-way (drain timeout): keep the lease so another replica retries.
		return
	}
	c.finish(context.WithoutCancel(ctx), j, err)
}

// willRetry reports whether a recorded delivery that failed with err is
// released to be tried again (a transient error with attempts left)
// rather than finished; the console's deliveries (no id) never are.
func (c *Core) willRetry(j job, err error) bool {
	return err != nil && j.id != "" && transient(err) && j.attempt < c.o.MaxAttempts && !errors.Is(err, errLostLease)
}

func interval(d time.Duration) string { return fmt.Sprintf("%d milliseconds", d.Milliseconds()) }
