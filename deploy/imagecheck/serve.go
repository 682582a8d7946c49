package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// assetRef finds the console's own assets in its first page.
var assetRef = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)

// serveOptions are the flags of `imagecheck serve`.
type serveOptions struct {
	base    string
	live    []string
	ready   []string
	page    string
	pid     int
	timeout time.Duration
}

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o serveOptions
	var live, ready string
	fl.StringVar(&o.base, "url", "", "the server's base URL, e.g. http://127.0.0.1:18080")
	fl.StringVar(&live, "live", "/healthz", "comma-separated paths that answer 200 while the process runs (startup and liveness probes)")
	fl.StringVar(&ready, "ready", "/readyz", "comma-separated paths that answer 200 once it is ready (readiness probe)")
	fl.StringVar(&o.page, "page", "/", "the console's first page; it and every /assets/ file it references must load")
	fl.IntVar(&o.pid, "pid", 0, "the server's process id: stop waiting as soon as it has exited")
	fl.DurationVar(&o.timeout, "timeout", time.Minute, "how long to wait for liveness and then for readiness")
	if err := fl.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if o.base == "" {
		return usageError{"serve: -url is required"}
	}
	o.live, o.ready = splitList(live), splitList(ready)
	report, err := checkServe(ctx, http.DefaultClient, o)
	for _, line := range report {
		fmt.Fprintln(stdout, "imagecheck: ok:", line)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// errExited reports that the server process is gone.
var errExited = errors.New("the server process exited")

// checkServe waits for the live paths, then the ready paths, to answer
// 200, and loads the console page with its assets.
func checkServe(ctx context.Context, client *http.Client, o serveOptions) ([]string, error) {
	var report []string
	start := time.Now()
	for _, group := range []struct {
		what  string
		paths []string
	}{{"live", o.live}, {"ready", o.ready}} {
		for _, p := range group.paths {
			body, err := waitOK(ctx, client, o, p)
			if err != nil {
				return report, fmt.Errorf("%s %s: %w", group.what, p, err)
			}
			report = append(report, fmt.Sprintf("%s %s: 200 after %.1fs: %s", group.what, p, time.Since(start).Seconds(), oneLine(body, 160)))
		}
	}
	if o.page == "" {
		return report, nil
	}
	page, ctype, err := get(ctx, client, o.base+o.page)
	if err != nil {
		return report, fmt.Errorf("console page %s: %w", o.page, err)
	}
	if !strings.HasPrefix(ctype, "text/html") {
		return report, fmt.Errorf("console page %s: content type %q, want text/html", o.page, ctype)
	}
	refs := assetRef.FindAllStringSubmatch(string(page), -1)
	if len(refs) == 0 {
		return report, fmt.Errorf("console page %s references no /assets/ files: %s", o.page, oneLine(page, 200))
	}
	var total int
	for _, m := range refs {
		b, _, err := get(ctx, client, o.base+m[1])
		if err != nil {
			return report, fmt.Errorf("console asset %s: %w", m[1], err)
		}
		if len(b) == 0 {
			return report, fmt.Errorf("console asset %s is empty", m[1])
		}
		total += len(b)
	}
	report = append(report, fmt.Sprintf("console %s: %d bytes of HTML and %d assets (%d bytes)", o.page, len(page), len(refs), total))
	return report, nil
}

// waitOK polls path until it answers 200, the timeout passes or the
// process exits.
func waitOK(ctx context.Context, client *http.Client, o serveOptions, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		body, _, err := get(ctx, client, o.base+path)
		if err == nil {
			return body, nil
		}
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusNotFound {
			return nil, err // a wrong path, not a server still starting
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		if o.pid > 0 && syscall.Kill(o.pid, 0) != nil {
			return nil, fmt.Errorf("%w (last answer: %w)", errExited, last)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("not 200 within %s: %w", o.timeout, last)
		case <-tick.C:
		}
	}
}

// get fetches url and returns its body and content type; any status but 200
// is an error that carries the body.
func get(ctx context.Context, client *http.Client, url string) ([]byte, string, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return body, "", &statusError{code: resp.StatusCode, body: oneLine(body, 200)}
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// statusError is an answer other than 200.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("status %d: %s", e.code, e.body) }

// oneLine shortens b to one line of at most n bytes for a report.
func oneLine(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
