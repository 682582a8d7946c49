package bot

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

// Delivery kinds stored in slack_events.kind.
const (
	kindEvent       = "event"
	kindCommand     = "command"
	kindInteraction = "interaction"
)

// job is one claimed delivery waiting for (or in) a worker.
type job struct {
	id      string
	kind    string
	payload []byte
	attempt int
	replyTS string
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
INSERT INTO slack_events (event_id, team_id, kind, payload, owner, lease_until)
SELECT e, t, k, p, $5, now() + $6::interval FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS x(e, t, k, p)
ORDER BY e COLLATE "C"
ON CONFLICT (event_id) DO UPDATE
   SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, attempts = slack_events.attempts + 1
 WHERE slack_events.status = 'processing' AND slack_events.lease_until < now()
   AND slack_events.attempts < $7
RETURNING event_id, attempts, reply_ts`

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

// accept records a delivery and hands it to a worker. It reports false for
// a duplicate. An error means the delivery could not be recorded: the
// caller must not ack it, so Slack delivers it again.
//
// Deliveries arriving together are written together (group commit): the
// first caller becomes the flusher and writes everything pending, and at
// most two flushers run at once, so a burst of 50 events costs a few round
// trips instead of 50 commits.
func (b *Bot) accept(ctx context.Context, id, team, kind string, payload []byte) (bool, error) {
	req := claimReq{j: job{id: id, kind: kind, payload: payload}, team: team, done: make(chan claimRes, 1)}
	b.claimMu.Lock()
	b.pending = append(b.pending, req)
	lead := b.flushers < 2
	if lead {
		b.flushers++
	}
	b.claimMu.Unlock()
	if lead {
		b.flushClaims()
	}
	res := <-req.done
	if res.err != nil {
		return false, res.err
	}
	if !res.won {
		b.metrics.CountDedupe()
		b.log.DebugContext(ctx, "duplicate delivery dropped", "id", id)
		return false, nil
	}
	b.enqueue(ctx, res.j)
	return true, nil
}

// flushClaims writes pending deliveries until none is left.
func (b *Bot) flushClaims() {
	for {
		b.claimMu.Lock()
		n := min(len(b.pending), maxClaimBatch)
		if n == 0 {
			b.flushers--
			b.claimMu.Unlock()
			return
		}
		batch := append([]claimReq(nil), b.pending[:n]...)
		b.pending = b.pending[n:]
		b.claimMu.Unlock()
		b.claimBatch(batch)
	}
}

func (b *Bot) claimBatch(batch []claimReq) {
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
		b.metrics.CountDBRetry("claim")
		b.log.WarnContext(ctx, "recording deliveries conflicted with another transaction; retrying", "attempt", attempt, "deliveries", len(ids), "err", err)
	}}, func(ctx context.Context) error {
		won = map[string]job{}
		rows, err := b.o.DB.Query(ctx, claimSQL, ids, teams, kinds, payloads, b.o.Owner, interval(b.o.Lease), b.o.MaxAttempts)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var j job
			if err := rows.Scan(&id, &j.attempt, &j.replyTS); err != nil {
				return err
			}
			won[id] = j
		}
		return rows.Err()
	})
	for i, r := range batch {
		if err != nil {
			r.done <- claimRes{err: fmt.Errorf("bot: record delivery %s: %w", r.j.id, err)}
			continue
		}
		w, ok := won[r.j.id]
		if !ok || first[r.j.id] != i {
			r.done <- claimRes{}
			continue
		}
		j := r.j
		j.attempt, j.replyTS = w.attempt, w.replyTS
		r.done <- claimRes{j: j, won: true}
	}
}

// enqueue gives j to a worker, or, when the queue is full or the bot is
// stopping, releases its lease so that the sweeper of any replica takes it.
func (b *Bot) enqueue(ctx context.Context, j job) {
	if !b.stopped.Load() {
		select {
		case b.queue <- j:
			return
		default:
		}
	}
	b.log.DebugContext(ctx, "worker queue full or stopping; leaving the delivery to the sweeper", "id", j.id)
	b.releaseUnstarted(ctx, j)
}

// release gives up this replica's lease on j after an attempt that failed
// in a way worth retrying; the attempt counts towards MaxAttempts.
func (b *Bot) release(ctx context.Context, j job) {
	_, err := b.o.DB.Exec(ctx, `UPDATE slack_events SET lease_until = now() - interval '1 millisecond', owner = ''
		WHERE event_id = $1 AND owner = $2 AND status = 'processing'`, j.id, b.o.Owner)
	if err != nil {
		b.log.ErrorContext(ctx, "release delivery", "id", j.id, "err", err)
	}
}

// releaseUnstarted gives up the lease on j without having worked on it (the
// queue was full, or the bot is stopping), and takes back the attempt its
// claim counted: only attempts that ran count towards MaxAttempts, so a
// burst larger than the queue delays deliveries but never gives up on one.
func (b *Bot) releaseUnstarted(ctx context.Context, j job) {
	_, err := b.o.DB.Exec(ctx, `UPDATE slack_events SET lease_until = now() - interval '1 millisecond', owner = '',
		attempts = greatest(attempts - 1, 0)
		WHERE event_id = $1 AND owner = $2 AND status = 'processing' AND attempts = $3`, j.id, b.o.Owner, j.attempt)
	if err != nil {
		b.log.ErrorContext(ctx, "release delivery", "id", j.id, "err", err)
	}
}

// releaseQueued releases the deliveries still queued when the bot stops.
func (b *Bot) releaseQueued(ctx context.Context) {
	for {
		select {
		case j := <-b.queue:
			b.releaseUnstarted(ctx, j)
		default:
			return
		}
	}
}

// finish marks a delivery done (or failed, with the reason), if this
// replica still owns it.
func (b *Bot) finish(ctx context.Context, j job, failure error) {
	status, msg := "done", ""
	if failure != nil {
		status, msg = "failed", truncate(failure.Error(), 1000)
	}
	_, err := b.o.DB.Exec(ctx, `UPDATE slack_events SET status = $3, error = $4, finished_at = now()
		WHERE event_id = $1 AND owner = $2 AND attempts = $5`, j.id, b.o.Owner, status, msg, j.attempt)
	if err != nil {
		b.log.ErrorContext(ctx, "finish delivery", "id", j.id, "err", err)
	}
}

// owns reports whether this replica still holds j's lease: checked just
// before the answer is posted, so a replica whose lease ran out (and whose
// work was taken over) does not post a second answer.
func (b *Bot) owns(ctx context.Context, j job) bool {
	var ok bool
	err := b.o.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM slack_events WHERE event_id = $1 AND owner = $2
		AND attempts = $3 AND status = 'processing')`, j.id, b.o.Owner, j.attempt).Scan(&ok)
	if err != nil {
		b.log.ErrorContext(ctx, "check lease", "id", j.id, "err", err)
		return false
	}
	return ok
}

// setReplyTS remembers the placeholder message so that a retry updates it
// instead of posting another.
func (b *Bot) setReplyTS(ctx context.Context, j job, ts string) {
	if j.id == "" {
		return
	}
	if _, err := b.o.DB.Exec(ctx, `UPDATE slack_events SET reply_ts = $2 WHERE event_id = $1`, j.id, ts); err != nil {
		b.log.ErrorContext(ctx, "remember placeholder", "id", j.id, "err", err)
	}
}

// sweepSQL takes over deliveries whose lease expired (their replica died,
// or let them go when its queue was full), at most $3 at a time; SKIP
// LOCKED lets replicas sweep side by side.
const sweepSQL = `
UPDATE slack_events e
   SET owner = $1, lease_until = now() + $2::interval, attempts = e.attempts + 1
 WHERE e.event_id IN (
       SELECT event_id FROM slack_events
        WHERE status = 'processing' AND lease_until < now() AND attempts < $4
        ORDER BY received_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
RETURNING e.event_id, e.kind, e.payload, e.attempts, e.reply_ts`

// Sweep claims expired deliveries for free workers, gives up on those
// that failed MaxAttempts times, and prunes finished ones older than a day. It returns how many it took over. Run
// calls it every SweepEvery; tests call it directly.
func (b *Bot) Sweep(ctx context.Context) (int, error) {
	// Both statements below touch many rows that claims may be locking at
	// the same moment: SKIP LOCKED leaves those to the next sweep instead
	// of waiting (or deadlocking) on them.
	if _, err := b.o.DB.Exec(ctx, `UPDATE slack_events SET status = 'failed', error = 'gave up after repeated crashes', finished_at = now()
		WHERE event_id IN (SELECT event_id FROM slack_events
			WHERE status = 'processing' AND lease_until < now() AND attempts >= $1
			ORDER BY event_id FOR UPDATE SKIP LOCKED)`, b.o.MaxAttempts); err != nil {
		return 0, fmt.Errorf("bot: sweep: %w", err)
	}
	// Finished deliveries are kept a day (Slack retries for about an hour),
	// then pruned a batch at a time.
	if _, err := b.o.DB.Exec(ctx, `DELETE FROM slack_events WHERE event_id IN (
		SELECT event_id FROM slack_events WHERE status <> 'processing' AND received_at < now() - interval '1 day'
		LIMIT 1000 FOR UPDATE SKIP LOCKED)`); err != nil {
		return 0, fmt.Errorf("bot: prune deliveries: %w", err)
	}
	free := cap(b.queue) - len(b.queue)
	if free <= 0 || b.stopped.Load() {
		return 0, nil
	}
	rows, err := b.o.DB.Query(ctx, sweepSQL, b.o.Owner, interval(b.o.Lease), free, b.o.MaxAttempts)
	if err != nil {
		return 0, fmt.Errorf("bot: sweep: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		err := r.Scan(&j.id, &j.kind, &j.payload, &j.attempt, &j.replyTS)
		return j, err
	})
	if err != nil {
		return 0, fmt.Errorf("bot: sweep: %w", err)
	}
	for _, j := range jobs {
		b.log.InfoContext(ctx, "retrying a delivery whose lease expired", "id", j.id, "attempt", j.attempt)
		b.enqueue(ctx, j)
	}
	return len(jobs), nil
}

func (b *Bot) sweepLoop(ctx context.Context) {
	t := time.NewTicker(b.o.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := b.Sweep(ctx); err != nil && ctx.Err() == nil {
				b.log.ErrorContext(ctx, "sweep", "err", err)
			}
		}
	}
}

// worker processes queued deliveries until the bot stops and the queue is
// empty.
func (b *Bot) worker(ctx context.Context) {
	for {
		select {
		case j := <-b.queue:
			b.process(ctx, j)
		case <-b.stopping:
			for {
				select {
				case j := <-b.queue:
					b.process(ctx, j)
				default:
					return
				}
			}
		}
	}
}

// process runs one delivery with the answer deadline; a panic is logged
// and the delivery marked failed rather than crashing the process.
func (b *Bot) process(ctx context.Context, j job) {
	ctx = ops.WithLogAttrs(ctx, "delivery", j.id, "kind", j.kind, "attempt", j.attempt)
	ctx, cancel := context.WithTimeout(ctx, b.o.AnswerTimeout)
	defer cancel()
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		switch j.kind {
		case kindEvent:
			err = b.handleEvent(ctx, j)
		case kindCommand:
			err = b.handleCommand(ctx, j)
		case kindInteraction:
			err = b.handleInteraction(ctx, j)
		default:
			err = fmt.Errorf("unknown delivery kind %q", j.kind)
		}
	}()
	if err != nil && transient(err) && j.attempt < b.o.MaxAttempts && !errors.Is(err, errLostLease) {
		// Slack or the database hiccuped: let the sweeper try again (the
		// placeholder, if any, is reused).
		b.log.WarnContext(ctx, "delivery hit a transient error; will retry", "id", j.id, "attempt", j.attempt, "err", err)
		b.release(context.WithoutCancel(ctx), j)
		return
	}
	if err != nil {
		b.log.ErrorContext(ctx, "delivery failed", "id", j.id, "kind", j.kind, "err", err)
	}
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) && err != nil {
		// Stopped mid-way (drain timeout): keep the lease so another replica retries.
		return
	}
	b.finish(context.WithoutCancel(ctx), j, err)
}

func interval(d time.Duration) string { return fmt.Sprintf("%d milliseconds", d.Milliseconds()) }
