package connect

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errQueueClosed is returned by put after close.
var errQueueClosed = errors.New("connect: queue closed")

// item is one message (MQTT) or notification (OPC UA) on its way to the
// store: its points, and how to acknowledge it once they are committed.
type item struct {
	points []Point
	// describe holds series created by this message's mapping the first
	// time a name is seen (unit, asset, line …); nil when all are known.
	describe map[string]SeriesInfo
	// ack acknowledges the message to its source (nil: nothing to ack).
	ack func()
	// arrived is when Gemba received the message.
	arrived time.Time
}

// queue is a FIFO of items bounded by the number of points it holds,
// including the points of batches being written: put blocks while it is
// full, so a slow database stops the reading of the source instead of
// growing memory. An item larger than the bound is admitted alone.
type queue struct {
	mu     sync.Mutex
	items  []*item
	held   int // points put and not yet released
	limit  int
	closed bool
	// space is closed (and replaced) when points are released; ready when
	// items are added.
	space, ready chan struct{}
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, space: make(chan struct{}), ready: make(chan struct{})}
}

// errStopping is returned by put when stop closes while it waits.
var errStopping = errors.New("connect: stopping")

// put adds it, waiting while the queue is full or until stop closes.
func (q *queue) put(stop <-chan struct{}, it *item) error {
	n := len(it.points)
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return errQueueClosed
		}
		if q.held == 0 || q.held+n <= q.limit {
			q.items = append(q.items, it)
			q.held += n
			close(q.ready)
			q.ready = make(chan struct{})
			q.mu.Unlock()
			return nil
		}
		space := q.space
		q.mu.Unlock()
		select {
		case <-stop:
			return errStopping
		case <-space:
		}
	}
}

// take returns the oldest items holding at most maxPoints points (at least
// one item). It waits for a first item; then, while fewer than maxPoints
// points wait, it lingers until the oldest item is linger old, so a quiet
// source still gets small batches quickly and a busy one large batches at
// once. It returns nil when ctx is done or the queue is closed and empty.
func (q *queue) take(ctx context.Context, maxPoints int, linger time.Duration) []*item {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			pts := 0
			for _, it := range q.items {
				pts += len(it.points)
			}
			wait := linger - time.Since(q.items[0].arrived)
			if pts >= maxPoints || wait <= 0 || q.closed {
				out := q.cut(maxPoints)
				q.mu.Unlock()
				return out
			}
			ready := q.ready
			q.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-ready:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		if q.closed {
			q.mu.Unlock()
			return nil
		}
		ready := q.ready
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-ready:
		}
	}
}

// cut removes and returns the oldest items up to maxPoints points (at
// least one). The caller holds mu.
func (q *queue) cut(maxPoints int) []*item {
	k, pts := 0, 0
	for k < len(q.items) {
		n := len(q.items[k].points)
		if k > 0 && pts+n > maxPoints {
			break
		}
		pts += n
		k++
	}
	out := make([]*item, k)
	copy(out, q.items[:k])
	clear(q.items[:k])
	q.items = q.items[k:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array go
	}
	return out
}

// release frees n points after their batch was written.
func (q *queue) release(n int) {
	q.mu.Lock()
	q.held -= n
	close(q.space)
	q.space = make(chan struct{})
	q.mu.Unlock()
}

// close stops put; take still drains what is queued.
func (q *queue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ready)
		q.ready = make(chan struct{})
		close(q.space)
		q.space = make(chan struct{})
	}
	q.mu.Unlock()
}

// size returns the points held (queued or being written).
func (q *queue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.held
}
