package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SessionLifetime is how long a console login lasts; after it the login
// form asks for the token again.
const SessionLifetime = 12 * time.Hour

// Sessions stores console login sessions by the SHA-256 of their cookie
// (never the cookie itself) with the tag of the token they were made with.
// NewPGSessions keeps them in PostgreSQL, shared by replicas; without a
// store the console keeps them in memory.
type Sessions interface {
	// Create records a new session.
	Create(ctx context.Context, s Session) error
	// Valid reports whether a session exists for idHash, was made with
	// tag and has not expired at now.
	Valid(ctx context.Context, idHash, tag []byte, now time.Time) (bool, error)
	// Revoke ends a session (log out); an unknown one is not an error.
	Revoke(ctx context.Context, idHash []byte) error
}

// Session is one console login.
type Session struct {
	IDHash, TokenTag []byte
	Created, Expires time.Time
	// Remote is the address the login came from (for the audit of logins).
	Remote string
}

// newSessionID returns a fresh random cookie value and its hash.
func newSessionID() (cookie string, idHash []byte, err error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", nil, fmt.Errorf("console: session id: %w", err)
	}
	cookie = base64.RawURLEncoding.EncodeToString(buf)
	return cookie, hashID(cookie), nil
}

func hashID(cookie string) []byte {
	h := sha256.Sum256([]byte(cookie))
	return h[:]
}

// tokenTag ties sessions to the token they were made with, so that changing
// GEMBA_CONSOLE_TOKEN ends them all (the tag reveals nothing of the token).
func tokenTag(token string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("gemba-console-session-v2"))
	return m.Sum(nil)
}

// memSessions keeps sessions in the process (one replica, lost on restart).
type memSessions struct {
	mu sync.Mutex
	m  map[string]Session
}

func newMemSessions() *memSessions { return &memSessions{m: map[string]Session{}} }

func (s *memSessions) Create(_ context.Context, x Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if !x.Created.Before(v.Expires) {
			delete(s.m, k)
		}
	}
	s.m[string(x.IDHash)] = x
	return nil
}

func (s *memSessions) Valid(_ context.Context, idHash, tag []byte, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[string(idHash)]
	return ok && hmac.Equal(x.TokenTag, tag) && now.Before(x.Expires), nil
}

func (s *memSessions) Revoke(_ context.Context, idHash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, string(idHash))
	return nil
}

// SessionDB is what PGSessions needs of a pool or a transaction.
type SessionDB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PGSessions keeps console sessions in the console_sessions table.
type PGSessions struct {
	db SessionDB
}

// NewPGSessions returns sessions stored in db.
func NewPGSessions(db SessionDB) *PGSessions { return &PGSessions{db: db} }

// Create records s and deletes sessions that have expired.
func (p *PGSessions) Create(ctx context.Context, s Session) error {
	if _, err := p.db.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at <= $1`, s.Created); err != nil {
		return fmt.Errorf("console: sessions: %w", err)
	}
	if _, err := p.db.Exec(ctx, `INSERT INTO console_sessions (id_hash, token_tag, created_at, expires_at, remote) VALUES ($1, $2, $3, $4, $5)`,
		s.IDHash, s.TokenTag, s.Created, s.Expires, s.Remote); err != nil {
		return fmt.Errorf("console: sessions: %w", err)
	}
	return nil
}

// Valid reports whether the session exists, matches tag and is unexpired.
func (p *PGSessions) Valid(ctx context.Context, idHash, tag []byte, now time.Time) (bool, error) {
	var one int
	err := p.db.QueryRow(ctx, `SELECT 1 FROM console_sessions WHERE id_hash = $1 AND token_tag = $2 AND expires_at > $3`, idHash, tag, now).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("console: sessions: %w", err)
	}
	return true, nil
}

// Revoke deletes the session.
func (p *PGSessions) Revoke(ctx context.Context, idHash []byte) error {
	if _, err := p.db.Exec(ctx, `DELETE FROM console_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("console: sessions: %w", err)
	}
	return nil
}

// Login attempts: after MaxLoginFailures wrong tokens (at the form or as a
// bearer header) from one address within LoginWindow, that address is
// refused with 429 until the window has passed; more than
// maxGlobalFailures from everywhere together refuse everyone, so that
// guessing from many addresses gains nothing either.
const (
	MaxLoginFailures  = 5
	LoginWindow       = time.Minute
	maxGlobalFailures = 50
)

// failLimiter counts failed logins per address in a sliding window.
type failLimiter struct {
	now func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
	all   []time.Time
}

func newFailLimiter(now func() time.Time) *failLimiter {
	return &failLimiter{now: now, fails: map[string][]time.Time{}}
}

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func recent(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

// blocked reports whether host must wait, and how long.
func (l *failLimiter) blocked(host string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	since := now.Add(-LoginWindow)
	l.all = recent(l.all, since)
	f := recent(l.fails[host], since)
	if len(f) == 0 {
		delete(l.fails, host)
	} else {
		l.fails[host] = f
	}
	switch {
	case len(f) >= MaxLoginFailures:
		return true, f[0].Add(LoginWindow).Sub(now)
	case len(l.all) >= maxGlobalFailures:
		return true, l.all[0].Add(LoginWindow).Sub(now)
	}
	return false, 0
}

// fail records a failed attempt from host.
func (l *failLimiter) fail(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.fails[host] = append(l.fails[host], now)
	l.all = append(l.all, now)
}
