package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cookieName is the session cookie set by the login form.
const cookieName = "gemba_console"

// auth checks requests against the console token. The cookie holds an HMAC
// of a fixed label keyed by the token, not the token itself, so a leaked
// cookie jar does not reveal GEMBA_CONSOLE_TOKEN, and changing the token
// logs everyone out.
type auth struct {
	token  string
	cookie string
}

func newAuth(token string) *auth {
	a := &auth{token: token}
	if token != "" {
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte("gemba-console-session-v1"))
		a.cookie = hex.EncodeToString(m.Sum(nil))
	}
	return a
}

// enabled reports whether a token is required.
func (a *auth) enabled() bool { return a.token != "" }

// ok reports whether r carries the token (bearer header or session cookie).
func (a *auth) ok(r *http.Request) bool {
	if !a.enabled() {
		return true
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, found := strings.CutPrefix(h, "Bearer "); found {
			return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.token)) == 1
		}
	}
	if ck, err := r.Cookie(cookieName); err == nil {
		return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(a.cookie)) == 1
	}
	return false
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

// login serves the token form (GET) and checks it (POST), setting the
// HttpOnly session cookie on success.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !c.auth.enabled() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		tok := r.PostFormValue("token")
		if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(c.auth.token)) == 1 {
			http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure follows the request's scheme; see secure
				Name: cookieName, Value: c.auth.cookie, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r),
				Expires: c.now().Add(30 * 24 * time.Hour),
			})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		c.log.WarnContext(r.Context(), "console login failed", "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(loginPage("That token is not right. Check GEMBA_CONSOLE_TOKEN on the server."))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(loginPage(""))
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
