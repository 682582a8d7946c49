package console

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// cookieName is the session cookie set by the login form.
const cookieName = "gemba_console"

// auth checks requests against the console token. A login creates a
// session of its own: the cookie holds a random id whose hash the session
// store keeps (never the token), it expires after SessionLifetime, logging
// out deletes it on the server, and changing the token ends every session.
// Wrong tokens are rate limited per address (see MaxLoginFailures).
type auth struct {
	token    string
	tag      []byte
	sessions Sessions
	limit    *failLimiter
	now      func() time.Time
}

func newAuth(token string, sessions Sessions, now func() time.Time) *auth {
	if sessions == nil {
		sessions = newMemSessions()
	}
	return &auth{token: token, tag: tokenTag(token), sessions: sessions, limit: newFailLimiter(now), now: now}
}

// enabled reports whether a token is required.
func (a *auth) enabled() bool { return a.token != "" }

// verdict is what check decided about a request.
type verdict int

const (
	allowed verdict = iota
	denied
	limited
)

// check reports whether r carries the token (bearer header) or a live
// session cookie; an address with too many wrong tokens is limited.
func (a *auth) check(r *http.Request) (verdict, time.Duration) {
	if !a.enabled() {
		return allowed, 0
	}
	host := remoteHost(r)
	if h := r.Header.Get("Authorization"); h != "" {
		if block, wait := a.limit.blocked(host); block {
			return limited, wait
		}
		if tok, found := strings.CutPrefix(h, "Bearer "); found && a.tokenOK(tok) {
			return allowed, 0
		}
		a.limit.fail(host)
		return denied, 0
	}
	if ck, err := r.Cookie(cookieName); err == nil && ck.Value != "" {
		ok, err := a.sessions.Valid(r.Context(), hashID(ck.Value), a.tag, a.now())
		if err == nil && ok {
			return allowed, 0
		}
	}
	return denied, 0
}

func (a *auth) tokenOK(tok string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.token)) == 1
}

// allowHost guards an open (token-less) console against DNS rebinding: a
// page on another site must not reach it through a name that resolves to
// 127.0.0.1. With a token any Host is fine, because requests need it.
func (a *auth) allowHost(r *http.Request) bool {
	if a.enabled() {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin refuses cross-site state changes: a browser sends Origin on
// POSTs, and it must name this host. Requests without Origin (curl, tests)
// pass; they cannot come from another site's page.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// login serves the token form (GET) and checks it (POST), starting a
// session and setting its HttpOnly cookie on success.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !c.auth.enabled() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		host := remoteHost(r)
		if block, wait := c.auth.limit.blocked(host); block {
			tooMany(w, wait)
			c.log.WarnContext(r.Context(), "console login refused: too many wrong tokens", "remote", r.RemoteAddr)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if c.auth.tokenOK(r.PostFormValue("token")) {
			if err := c.startSession(w, r); err != nil {
				c.log.ErrorContext(r.Context(), "console login: could not start a session", "err", err)
				http.Error(w, "Could not start a session (the database may be unreachable). Please try again in a minute.", http.StatusServiceUnavailable)
				return
			}
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		c.auth.limit.fail(host)
		c.log.WarnContext(r.Context(), "console login failed", "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(loginPage("That token is not right. Check GEMBA_CONSOLE_TOKEN on the server."))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(loginPage(""))
}

// startSession records a new session and sets its cookie.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request) error {
	cookie, idHash, err := newSessionID()
	if err != nil {
		return err
	}
	now := c.now()
	if err := c.auth.sessions.Create(r.Context(), Session{IDHash: idHash, TokenTag: c.auth.tag, Created: now, Expires: now.Add(SessionLifetime), Remote: remoteHost(r)}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure follows the request's scheme; see secure
		Name: cookieName, Value: cookie, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r),
		MaxAge: int(SessionLifetime / time.Second),
	})
	return nil
}

// logout ends the request's session on the server (a copy of its cookie
// stops working) and clears the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(cookieName); err == nil && ck.Value != "" {
		if err := c.auth.sessions.Revoke(r.Context(), hashID(ck.Value)); err != nil {
			c.log.ErrorContext(r.Context(), "console logout: could not end the session", "err", err)
			http.Error(w, "Could not log out (the database may be unreachable). Please try again.", http.StatusServiceUnavailable)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)}) //nolint:gosec // Secure follows the request's scheme; see secure
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// tooMany answers 429 with when to try again.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	http.Error(w, fmt.Sprintf("Too many wrong console tokens from this address; try again in %d s.", secs), http.StatusTooManyRequests)
}

func loginPage(msg string) []byte {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gemba console · log in</title><link rel="stylesheet" href="/assets/app.css"></head>
<body class="login"><form class="login-card" method="post" action="/login">
<div class="brand"><span class="logo">G</span> Gemba</div>
<p>This console is protected. Enter the console token (the value of <code>GEMBA_CONSOLE_TOKEN</code> on the server).</p>`)
	if msg != "" {
		b.WriteString(`<p class="login-error" role="alert">` + msg + `</p>`)
	}
	b.WriteString(`<label for="token">Console token</label>
<input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<button type="submit" class="btn primary">Log in</button></form></body></html>`)
	return []byte(b.String())
}

// secure reports whether the browser reached the console over HTTPS
// (directly or through a TLS-terminating proxy), so the session cookie is
// marked Secure there; on plain HTTP (localhost, a lab LAN) a Secure
// cookie would be dropped and nobody could log in.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
