package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// consoleServer serves probes and a console page; readiness answers 503
// for the first notReady calls, and missing names an asset it lacks.
func consoleServer(t *testing.T, notReady int32, missing string) *httptest.Server {
	t.Helper()
	var readyCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"status":"ok"}`) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if readyCalls.Add(1) <= notReady {
			http.Error(w, `{"ready":false}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"ready":true}`)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script>`)
	})
	mux.HandleFunc("GET /assets/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") == missing {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "body{}")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckServe(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		notReady int32
		missing  string
		page     string
		live     string
		timeout  time.Duration
		want     string // error substring; empty means success
	}{
		{name: "ready at once", page: "/"},
		{name: "ready after a few 503s", notReady: 3, page: "/"},
		{name: "never ready", notReady: 1 << 30, page: "/", timeout: 600 * time.Millisecond, want: "ready /readyz: not 200 within 600ms: status 503"},
		{name: "a missing asset", page: "/", missing: "app.js", want: "console asset /assets/app.js: status 404"},
		{name: "a wrong probe path fails at once", page: "/", live: "/health", timeout: time.Minute, want: "live /health: status 404"},
		{name: "a page that is not the console", page: "/healthz", want: `content type "text/plain; charset=utf-8", want text/html`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := consoleServer(t, tc.notReady, tc.missing)
			o := serveOptions{base: srv.URL, live: []string{"/healthz"}, ready: []string{"/readyz"}, page: tc.page, timeout: tc.timeout}
			if tc.live != "" {
				o.live = []string{tc.live}
			}
			if o.timeout == 0 {
				o.timeout = 10 * time.Second
			}
			start := time.Now()
			report, err := checkServe(context.Background(), srv.Client(), o)
			require.Less(t, time.Since(start), 30*time.Second)
			if tc.want == "" {
				require.NoError(t, err)
				require.Len(t, report, 3)
				require.Contains(t, report[2], "2 assets")
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestCheckServeExitedProcess: a server that died stops the wait at once
// instead of after the timeout.
func TestCheckServeExitedProcess(t *testing.T) {
	t.Parallel()
	cmd := exec.CommandContext(context.Background(), "true")
	require.NoError(t, cmd.Run())
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens any more
	start := time.Now()
	_, err := checkServe(context.Background(), http.DefaultClient, serveOptions{
		base: srv.URL, live: []string{"/healthz"}, pid: cmd.Process.Pid, timeout: time.Minute,
	})
	require.ErrorIs(t, err, errExited)
	require.Less(t, time.Since(start), 10*time.Second)
}
