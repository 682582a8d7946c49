package connect

import (
	"sync"
	"time"
)

// Status is a connector's state as the console and `GET /status/connectors`
// show it.
type Status struct {
	// Name and Type ("mqtt", "opcua") identify the connector.
	Name string `json:"name"`
	Type string `json:"type"`
	// Target is the broker or endpoint URL (no credentials).
	Target string `json:"target"`
	// Connected reports a live session; Since is when it last changed.
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since,omitzero"`
	// LastMessage is when the last message or notification arrived.
	LastMessage time.Time `json:"last_message,omitzero"`
	// LastWrite is when points were last committed; LastPoint is the newest
	// timestamp among them.
	LastWrite time.Time `json:"last_write,omitzero"`
	LastPoint time.Time `json:"last_point,omitzero"`
	// LagSeconds is the last batch's time from the arrival of its oldest
	// message to the commit.
	LagSeconds float64 `json:"lag_seconds"`
	// Messages received, Points written, Errors of any kind, Reconnects.
	Messages   int64 `json:"messages"`
	Points     int64 `json:"points"`
	Errors     int64 `json:"errors"`
	Reconnects int64 `json:"reconnects"`
	// Queue is the points held in memory, QueueLimit its bound.
	Queue      int `json:"queue"`
	QueueLimit int `json:"queue_limit"`
	// Series is the number of series the connector knows.
	Series int `json:"series"`
	// Folds counts the transactions that folded the store's tail into
	// blocks for this connector's writer (a fold of a busy tail is many,
	// with rests between), FoldedPoints the points they moved; LastFold is
	// when the last one committed and FoldSeconds how long it took.
	Folds        int64     `json:"folds"`
	FoldedPoints int64     `json:"folded_points"`
	LastFold     time.Time `json:"last_fold,omitzero"`
	FoldSeconds  float64   `json:"fold_seconds"`
	// LastError and LastErrorAt describe the latest failure; ErrorKind is
	// its kind (connect, payload, unmapped, series, write, fold, status).
	LastError   string    `json:"last_error,omitempty"`
	ErrorKind   string    `json:"error_kind,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// logEvery rate-limits the log lines of repeated errors of one kind.
const logEvery = 10 * time.Second

// tracker keeps a connector's Status, safe for concurrent use.
type tracker struct {
	mu      sync.Mutex
	s       Status
	lastLog map[string]time.Time
}

func newTracker(name, typ, target string, queueLimit int) *tracker {
	return &tracker{s: Status{Name: name, Type: typ, Target: target, QueueLimit: queueLimit}, lastLog: map[string]time.Time{}}
}

func (t *tracker) snapshot(queue int) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.Queue = queue
	return s
}

func (t *tracker) connected(up bool, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.s.Connected != up || t.s.Since.IsZero() {
		t.s.Since = now
	}
	t.s.Connected = up
}

func (t *tracker) reconnect() {
	t.mu.Lock()
	t.s.Reconnects++
	t.mu.Unlock()
}

func (t *tracker) message(n int, now time.Time) {
	t.mu.Lock()
	t.s.Messages += int64(n)
	t.s.LastMessage = now
	t.mu.Unlock()
}

func (t *tracker) wrote(points int, newest time.Time, lag time.Duration, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Points += int64(points)
	t.s.LastWrite = now
	if newest.After(t.s.LastPoint) {
		t.s.LastPoint = newest
	}
	t.s.LagSeconds = lag.Seconds()
}

func (t *tracker) folded(points int64, took time.Duration, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Folds++
	t.s.FoldedPoints += points
	t.s.LastFold = now
	t.s.FoldSeconds = took.Seconds()
}

func (t *tracker) setSeries(n int) {
	t.mu.Lock()
	t.s.Series = n
	t.mu.Unlock()
}

// failed records an error and reports whether it should be logged (the
// first of its kind in logEvery).
func (t *tracker) failed(kind string, err error, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Errors++
	t.s.LastError = err.Error()
	t.s.ErrorKind = kind
	t.s.LastErrorAt = now
	if now.Sub(t.lastLog[kind]) < logEvery {
		return false
	}
	t.lastLog[kind] = now
	return true
}
