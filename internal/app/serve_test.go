package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// startServer serves h with serve's server construction and the given
// timeouts on a loopback port.
func startServer(t *testing.T, h http.Handler, to httpTimeouts) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := newHTTPServer(h, to)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestServerCutsOffSlowBodies is the slow-body attack: headers, then
// Content-Length: 1000 and one byte every 200 ms. The server must give up
// on the request after its read timeout (here 1 s) instead of holding the
// connection, and the handler's read fails.
func TestServerCutsOffSlowBodies(t *testing.T) {
	t.Parallel()
	readErr := make(chan error, 1)
	addr := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusOK)
	}), httpTimeouts{Header: time.Second, Read: time.Second, Idle: time.Second})

	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_, err = fmt.Fprintf(conn, "POST /slack/events HTTP/1.1\r\nHost: gemba\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	require.NoError(t, err)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("{")); err != nil {
					return
				}
			}
		}
	}()
	select {
	case err := <-readErr:
		require.Error(t, err, "the handler's read of the body is cut off")
	case <-time.After(10 * time.Second):
		t.Fatal("a body sent one byte every 200 ms held the connection for 10 s")
	}
	require.Less(t, time.Since(start), 5*time.Second)
	// The server closes the connection (after its answer, if any).
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.Copy(io.Discard, conn)
	// A close reads as EOF, or as a reset when the client was still
	// writing into the closed connection; a timeout means it stayed open.
	if err != nil {
		require.ErrorIs(t, err, syscall.ECONNRESET, "the server closed the connection")
	}
}

// TestServerClosesIdleConnections: a keep-alive connection that sends no
// next request is closed after the idle timeout.
func TestServerClosesIdleConnections(t *testing.T) {
	t.Parallel()
	addr := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), httpTimeouts{Header: 5 * time.Second, Read: 5 * time.Second, Idle: time.Second})
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_, err = fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: gemba\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	require.NoError(t, res.Body.Close())
	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(4*time.Second)))
	_, err = br.ReadByte()
	require.ErrorIs(t, err, io.EOF, "the idle connection is closed by the server, not by our deadline")
	require.Less(t, time.Since(start), 3*time.Second)
}

// TestServeTimeoutsAreSet guards serve's own values: a read timeout long
// enough for a Slack body on a slow link, short enough to shed slow
// clients, and an idle timeout.
func TestServeTimeoutsAreSet(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(http.NotFoundHandler(), serverTimeouts)
	require.Equal(t, 10*time.Second, srv.ReadHeaderTimeout)
	require.Equal(t, 30*time.Second, srv.ReadTimeout)
	require.Equal(t, 2*time.Minute, srv.IdleTimeout)
	require.Zero(t, srv.WriteTimeout, "the console's long poll and /mcp streams outlive any write timeout")
}

// TestServeDecidesOnTheBoundAddress runs `gemba serve` on every interface
// (":0") without a console token: the console and /mcp stay closed even
// to a client that says "Host: localhost", /readyz answers, and /metrics
// wants GEMBA_METRICS_TOKEN when it is set.
func TestServeDecidesOnTheBoundAddress(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error",
		"GEMBA_HTTP_ADDR": ":0", "GEMBA_METRICS_TOKEN": "metrics-token", "GEMBA_SHUTDOWN_TIMEOUT": "5s"}
	app := NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	bound := startServe(t, app)
	_, port, err := net.SplitHostPort(bound)
	require.NoError(t, err)
	base := "http://127.0.0.1:" + port
	get := func(path string, hdr map[string]string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Host = "localhost"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		require.NoError(t, res.Body.Close())
		return res.StatusCode, string(b)
	}
	code, body := get("/", nil)
	require.Equal(t, http.StatusForbidden, code, "the console is closed on every interface without a token, whatever Host says")
	require.Contains(t, body, "GEMBA_CONSOLE_TOKEN")
	code, _ = get("/api/info", nil)
	require.Equal(t, http.StatusForbidden, code)
	code, body = get("/mcp", nil)
	require.Equal(t, http.StatusForbidden, code, "/mcp too")
	require.Contains(t, body, "GEMBA_MCP_TOKEN")

	code, body = get("/readyz", nil)
	require.Equal(t, http.StatusOK, code, body)
	code, _ = get("/metrics", nil)
	require.Equal(t, http.StatusUnauthorized, code)
	code, body = get("/metrics", map[string]string{"Authorization": "Bearer metrics-token"})
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "gemba_slack_dedupe_hits_total")
}

// startServe runs `gemba serve` in-process until the test ends (then
// stops it and checks it stopped cleanly) and returns the bound address.
func startServe(t *testing.T, app *App) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, app, ready) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// TestServeStopsDuringALongPoll: a console page waiting on its long poll
// (held up to 25 s) does not hold `gemba serve`'s shutdown to its timeout
// (3 s here): the poll is told to end when shutdown begins, answers, and
// the server stops cleanly (startServe's cleanup requires it).
func TestServeStopsDuringALongPoll(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error",
		"GEMBA_HTTP_ADDR": "127.0.0.1:0", "GEMBA_SHUTDOWN_TIMEOUT": "3s"}
	app := NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	polled := make(chan int, 1)
	t.Cleanup(func() {
		// After the server stopped (cleanups run last first): the poll
		// was answered, not cut off.
		select {
		case code := <-polled:
			require.Equal(t, http.StatusOK, code)
		case <-time.After(10 * time.Second):
			t.Error("the long poll never returned")
		}
	})
	addr := startServe(t, app)
	res, err := http.Get("http://" + addr + "/api/channels/shop-floor/messages")
	require.NoError(t, err)
	var list struct {
		Version int64 `json:"version"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	require.NoError(t, res.Body.Close())
	go func() {
		res, err := http.Get(fmt.Sprintf("http://%s/api/channels/shop-floor/messages?after=%d", addr, list.Version))
		if err != nil {
			polled <- 0
			return
		}
		_ = res.Body.Close()
		polled <- res.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the poll is waiting
}
