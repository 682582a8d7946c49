// Package vmtest starts a real VictoriaMetrics (Debian's victoria-metrics
// package, installed by deploy/local/test-deps.sh) on a free loopback port
// for tests and benchmarks, and loads series into it through its import
// API. The server's data lives in a temporary directory and the process
// is stopped when the test ends.
package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Binary is the VictoriaMetrics executable: $GEMBA_VICTORIA_METRICS, else
// victoria-metrics on the PATH.
func Binary() (string, error) {
	if p := os.Getenv("GEMBA_VICTORIA_METRICS"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("victoria-metrics")
	if err != nil {
		return "", fmt.Errorf("vmtest: victoria-metrics not found (run deploy/local/test-deps.sh, or set GEMBA_VICTORIA_METRICS): %w", err)
	}
	return p, nil
}

// Server is a running VictoriaMetrics.
type Server struct {
	// URL is its base URL, e.g. http://127.0.0.1:41234.
	URL string
	cmd *exec.Cmd
	hc  *http.Client
}

// Start runs VictoriaMetrics for the test; the test fails (it does not
// skip) when the binary is missing, since the source's done-when needs a
// real server. Data of any age is kept (retention 100 years) and is
// visible to queries at once (no latency offset, no response cache).
func Start(t testing.TB) *Server {
	t.Helper()
	// The server outlives any one call of the test: Stop (at cleanup) ends it.
	s, err := start(context.WithoutCancel(t.Context()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartIn runs VictoriaMetrics with its data in dir (for the benchmark
// command) until ctx ends or Stop is called.
func StartIn(ctx context.Context, dir string) (*Server, error) { return start(ctx, dir) }

func start(ctx context.Context, dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken between asking and binding
		port, err := freePort(ctx)
		if err != nil {
			return nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		var logs bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, //nolint:gosec // the test machine's own binary
			"-storageDataPath="+dir,
			"-httpListenAddr="+addr,
			"-retentionPeriod=100y",
			"-search.latencyOffset=0s",
			"-search.disableCache",
			"-memory.allowedPercent=10",
			"-loggerLevel=ERROR",
		)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("vmtest: start %s: %w", bin, err)
		}
		// Imports of millions of samples on a busy machine take minutes.
		s := &Server{URL: "http://" + addr, cmd: cmd, hc: &http.Client{Timeout: 10 * time.Minute}}
		if err := s.waitHealthy(ctx, 15*time.Second); err != nil {
			s.Stop()
			lastErr = fmt.Errorf("%w; server output: %s", err, logs.String())
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func freePort(ctx context.Context) (int, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("vmtest: free port: %w", err)
	}
	defer l.Close() //nolint:errcheck // only the port number is wanted
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/health", nil)
		if err != nil {
			return err
		}
		resp, err := s.hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("vmtest: VictoriaMetrics at %s not healthy within %s", s.URL, limit)
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Series is one time series to import: its labels (with __name__) and
// samples; NaN values are skipped.
type Series struct {
	Labels map[string]string
	Times  []time.Time
	Values []float64
}

// Import loads series through /api/v1/import (JSON lines), in chunks,
// then flushes so that they are searchable at once. It returns the
// number of samples sent.
func (s *Server) Import(ctx context.Context, ss []Series) (int, error) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	total := 0
	send := func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		if buf.Len() == 0 {
			return nil
		}
		if err := s.post(ctx, "/api/v1/import", &buf); err != nil {
			return err
		}
		buf.Reset()
		return nil
	}
	type line struct {
		Metric     map[string]string `json:"metric"`
		Values     []float64         `json:"values"`
		Timestamps []int64           `json:"timestamps"`
	}
	enc := json.NewEncoder(w)
	for _, sr := range ss {
		const chunk = 20_000
		for lo := 0; lo < len(sr.Values); lo += chunk {
			hi := min(lo+chunk, len(sr.Values))
			l := line{Metric: sr.Labels}
			for i := lo; i < hi; i++ {
				if math.IsNaN(sr.Values[i]) {
					continue
				}
				l.Values = append(l.Values, sr.Values[i])
				l.Timestamps = append(l.Timestamps, sr.Times[i].UnixMilli())
			}
			if len(l.Values) == 0 {
				continue
			}
			total += len(l.Values)
			if err := enc.Encode(l); err != nil {
				return total, err
			}
			if buf.Len() > 4<<20 {
				if err := send(); err != nil {
					return total, err
				}
			}
		}
	}
	if err := send(); err != nil {
		return total, err
	}
	return total, s.Flush(ctx)
}

// Flush makes every imported sample searchable.
func (s *Server) Flush(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/internal/force_flush", nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("vmtest: flush: %w", err)
	}
	defer resp.Body.Close() //nolint:errcheck // read-only body
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

func (s *Server) post(ctx context.Context, path string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, body)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("vmtest: %s: %w", path, err)
	}
	defer resp.Body.Close() //nolint:errcheck // read-only body
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("vmtest: %s: HTTP %d: %s", path, resp.StatusCode, msg)
	}
	return nil
}
