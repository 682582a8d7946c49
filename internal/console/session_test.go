package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tokenConsole serves a console that requires token, with its sessions in
// the database when withDB is set (as serve wires it), in memory otherwise.
func tokenConsole(t *testing.T, token string, clk *clock, withDB bool) *httptest.Server {
	t.Helper()
	o := console.Options{Addr: "0.0.0.0:8080", Token: token, Now: clk.now}
	if withDB {
		o.Sessions = console.NewPGSessions(dbtest.Pool(t))
	}
	c, err := console.New(o)
	require.NoError(t, err)
	srv := httptest.NewServer(c)
	t.Cleanup(func() { srv.Close(); c.Close() })
	return srv
}

// loginResult is what the login form answered.
type loginResult struct {
	status     int
	retryAfter string
}

func login(t *testing.T, base, token string) (loginResult, string) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(base+"/login", url.Values{"token": {token}})
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	out := loginResult{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	for _, ck := range res.Cookies() {
		if ck.Value != "" {
			return out, ck.Name + "=" + ck.Value
		}
	}
	return out, ""
}

func getWith(t *testing.T, base, path, cookie string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	require.NoError(t, err)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res.StatusCode
}

func postWith(t *testing.T, base, path, cookie string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(""))
	require.NoError(t, err)
	req.Header.Set("Cookie", cookie)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res.StatusCode
}

// TestSessionsAreRevocableAndExpire: each login gets its own session;
// logging out ends that session on the server (a copied cookie stops
// working), and a session ends by itself after its lifetime.
func TestSessionsAreRevocableAndExpire(t *testing.T) {
	t.Parallel()
	for _, withDB := range []bool{false, true} {
		clk := &clock{t: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)}
		const token = "a-long-console-token"
		srv := tokenConsole(t, token, clk, withDB)

		_, a := login(t, srv.URL, token)
		_, b := login(t, srv.URL, token)
		require.NotEmpty(t, a)
		require.NotEqual(t, a, b, "every login is a session of its own")
		require.Equal(t, http.StatusOK, getWith(t, srv.URL, "/api/info", a))
		require.Equal(t, http.StatusOK, getWith(t, srv.URL, "/api/info", b))

		stolen := a
		require.Equal(t, http.StatusSeeOther, postWith(t, srv.URL, "/logout", a))
		require.Equal(t, http.StatusUnauthorized, getWith(t, srv.URL, "/api/info", stolen), "logged out: a copy of the cookie no longer works (db %v)", withDB)
		require.Equal(t, http.StatusOK, getWith(t, srv.URL, "/api/info", b), "other sessions stay")

		clk.add(console.SessionLifetime + time.Minute)
		require.Equal(t, http.StatusUnauthorized, getWith(t, srv.URL, "/api/info", b), "sessions expire (db %v)", withDB)
	}
}

// TestSessionsEndWhenTheTokenChanges: a session made with one token does
// not open a console restarted with another (sessions in the database).
func TestSessionsEndWhenTheTokenChanges(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	clk := &clock{t: time.Now()}
	open := func(token string) *httptest.Server {
		c, err := console.New(console.Options{Addr: "0.0.0.0:8080", Token: token, Now: clk.now, Sessions: console.NewPGSessions(pool)})
		require.NoError(t, err)
		srv := httptest.NewServer(c)
		t.Cleanup(func() { srv.Close(); c.Close() })
		return srv
	}
	first := open("first-console-token")
	_, ck := login(t, first.URL, "first-console-token")
	require.Equal(t, http.StatusOK, getWith(t, first.URL, "/api/info", ck))
	other := open("first-console-token")
	require.Equal(t, http.StatusOK, getWith(t, other.URL, "/api/info", ck), "another replica knows the session")
	second := open("second-console-token")
	require.Equal(t, http.StatusUnauthorized, getWith(t, second.URL, "/api/info", ck))
}

// TestLoginIsRateLimited: after a few wrong tokens from one address, even
// the right one is refused with 429 until the window passes.
func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)}
	const token = "a-long-console-token"
	srv := tokenConsole(t, token, clk, false)
	for i := range console.MaxLoginFailures {
		res, _ := login(t, srv.URL, "wrong-"+string(rune('a'+i)))
		require.Equal(t, http.StatusUnauthorized, res.status)
	}
	res, ck := login(t, srv.URL, token)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	require.NotEmpty(t, res.retryAfter)
	require.Empty(t, ck)
	// Wrong bearer tokens on the API count too.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/info", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	r2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, r2.Body.Close())
	require.Equal(t, http.StatusTooManyRequests, r2.StatusCode, "a limited address is refused on the API as well")

	clk.add(console.LoginWindow + time.Second)
	res, ck = login(t, srv.URL, token)
	require.Equal(t, http.StatusSeeOther, res.status)
	require.NotEmpty(t, ck)
}

// TestSessionsMigrationDownAndUp: migration 00090 goes down with sessions
// in the table (everyone is logged out; nothing else changes) and up again.
func TestSessionsMigrationDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := dbtest.NewDatabase(t)
	pool, err := db.Open(ctx, u, db.Options{})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	clk := &clock{t: time.Now()}
	c, err := console.New(console.Options{Addr: "0.0.0.0:8080", Token: "a-long-console-token", Now: clk.now, Sessions: console.NewPGSessions(pool)})
	require.NoError(t, err)
	srv := httptest.NewServer(c)
	t.Cleanup(func() { srv.Close(); c.Close() })
	_, ck := login(t, srv.URL, "a-long-console-token")
	require.Equal(t, http.StatusOK, getWith(t, srv.URL, "/api/info", ck))
	_, err = pool.Exec(ctx, `INSERT INTO documents (id, title, kind, body, content_hash) VALUES ('d1', 't', 'note', 'b', 'h')`)
	require.NoError(t, err)

	m, err := db.NewMigrator(ctx, u, nil)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.DownTo(ctx, 50)
	require.NoError(t, err)
	var tables, docs int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'console_sessions'`).Scan(&tables))
	require.Zero(t, tables)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&docs))
	require.Equal(t, 1, docs, "other data stays")
	_, err = m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, getWith(t, srv.URL, "/api/info", ck), "sessions from before are gone")
	_, ck = login(t, srv.URL, "a-long-console-token")
	require.Equal(t, http.StatusOK, getWith(t, srv.URL, "/api/info", ck))
}
