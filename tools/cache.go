package tools

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Cache defaults: many questions about the same asset arrive within one
// sampling interval (a shift asking about press-3, a digest and a thread
// at once), and the detection or forecast behind them is the expensive
// part of an answer.
const (
	// DefaultCacheSize bounds the entries of the predictive tools' cache
	// (a detection entry holds its subject's 31 days of readings, about
	// 250 KB for an asset with four sensors at 10 minutes).
	DefaultCacheSize = 64
	// DefaultCacheTTL bounds how long a cached detection or forecast is
	// reused. Entries are keyed on the exact points they read (see
	// series.Store.WindowBounds), so a new reading or the window sliding
	// past an old one already misses; the TTL bounds what the key cannot
	// see, a rewrite of points inside the window (a re-import).
	DefaultCacheTTL = time.Minute
)

// memo is a small TTL cache of computed values, bounded in size, that also
// shares one computation between concurrent callers of the same key.
// Values must be treated as immutable by every caller.
type memo struct {
	mu      sync.Mutex
	now     func() time.Time
	ttl     time.Duration
	max     int
	entries map[string]*memoEntry
	hits    int64
	misses  int64
}

type memoEntry struct {
	at    time.Time     // when the value was computed
	done  chan struct{} // closed when val/err are set
	val   any
	err   error
	ready bool
}

// newMemo returns a cache of at most size entries that live ttl on the
// clock now; size <= 0 or ttl <= 0 returns nil, a disabled cache.
func newMemo(size int, ttl time.Duration, now func() time.Time) *memo {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &memo{now: now, ttl: ttl, max: size, entries: map[string]*memoEntry{}}
}

// do returns the value of key, computing it with fn when it is absent or
// expired. Concurrent callers of a key being computed wait for it (or for
// their ctx); errors are not cached, and a waiter whose computation failed
// computes on its own. A nil memo always calls fn.
func (m *memo) do(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	if m == nil {
		return fn()
	}
	m.mu.Lock()
	if e, ok := m.entries[key]; ok {
		if !e.ready {
			m.mu.Unlock()
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if e.err == nil {
				m.mu.Lock()
				m.hits++
				m.mu.Unlock()
				return e.val, nil
			}
			return fn()
		}
		if m.now().Sub(e.at) < m.ttl {
			m.hits++
			m.mu.Unlock()
			return e.val, nil
		}
		delete(m.entries, key)
	}
	m.misses++
	m.evictLocked()
	e := &memoEntry{done: make(chan struct{}), at: m.now()}
	m.entries[key] = e
	m.mu.Unlock()

	val, err := fn()

	m.mu.Lock()
	e.val, e.err, e.ready = val, err, true
	if err != nil && m.entries[key] == e {
		delete(m.entries, key)
	}
	m.mu.Unlock()
	close(e.done)
	return val, err
}

// evictLocked makes room for one entry: expired entries go first, then
// the oldest finished one.
func (m *memo) evictLocked() {
	if len(m.entries) < m.max {
		return
	}
	now := m.now()
	var oldestKey string
	var oldest time.Time
	for k, e := range m.entries {
		if !e.ready {
			continue
		}
		if now.Sub(e.at) >= m.ttl {
			delete(m.entries, k)
			continue
		}
		if oldestKey == "" || e.at.Before(oldest) {
			oldestKey, oldest = k, e.at
		}
	}
	if len(m.entries) >= m.max && oldestKey != "" {
		delete(m.entries, oldestKey)
	}
}

// stats reports hits, misses and the current number of entries.
func (m *memo) stats() (hits, misses int64, size int) {
	if m == nil {
		return 0, 0, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits, m.misses, len(m.entries)
}

// errUncached tells memo.do not to keep what a computation produced (a
// refusal worded with the caller's clock); the caller recomputes.
var errUncached = errors.New("tools: not cached")
