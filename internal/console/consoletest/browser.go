// Package consoletest drives the local console in headless Chromium for
// browser tests (the console's own and the composition root's on the demo
// plant): start the browser, type, click, wait on page conditions, and
// write screenshots as test artifacts.
package consoletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// stepTimeout bounds one browser step. It is generous because the test
// machines are shared: a step normally takes milliseconds.
const stepTimeout = 60 * time.Second

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

// ArtifactsDir is where screenshots go: $GEMBA_ARTIFACTS_DIR, or
// artifacts/console at the repository root (gitignored).
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("GEMBA_ARTIFACTS_DIR")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		root := wd
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				root = wd
				break
			}
			root = parent
		}
		dir = filepath.Join(root, "artifacts", "console")
	}
	require.NoError(t, os.MkdirAll(dir, 0o750)) //nolint:gosec // the test runner chooses where its artifacts go
	return dir
}

// Browser is a headless Chromium driven through the DevTools protocol,
// collecting JavaScript exceptions and console errors.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	dir  string
	base string

	mu     sync.Mutex
	errors []string
}

// NewBrowser starts headless Chromium from Debian's package for the
// console at base. The test fails (it does not skip) when the browser is
// missing, because the console's done-when test needs it.
func NewBrowser(t testing.TB, base string) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("the console browser test needs headless Chromium at %s: install Debian's package with `apt-get install -y chromium` (%v)", ChromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 960),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	b := &Browser{t: t, ctx: ctx, dir: ArtifactsDir(t), base: base}
	// Collect uncaught exceptions, console.error calls and browser log
	// errors (CSP violations, failed loads) for the whole session.
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.addError(m.String() + " " + m.URL)
			}
		}
	}()
	return b
}

func (b *Browser) addError(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// PageErrors returns the exceptions and console errors seen so far.
func (b *Browser) PageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Run runs actions and fails the test with what was being done.
func (b *Browser) Run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...), "browser: %s (page errors: %v)", what, b.PageErrors())
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, "browser: %s", what)
	return v
}

// Shot writes a screenshot of the viewport as an artifact name.png.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err, "screenshot %s", name)
	p := filepath.Join(b.dir, name+".png")
	require.NoError(b.t, os.WriteFile(p, png, 0o600))
	b.t.Logf("screenshot %s", p)
}

// Text returns the text of the first visible node matching the CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(b.t, err, "browser: read %s (page errors: %v)", sel, b.PageErrors())
	return s
}

// Until polls a JavaScript expression until it is true.
func (b *Browser) Until(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(stepTimeout-5*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(b.t, err, "browser: wait for %s (page errors: %v)", what, b.PageErrors())
	require.True(b.t, ok, what)
}

// Ask types text into the channel composer and sends it with Enter.
func (b *Browser) Ask(text string) {
	b.t.Helper()
	b.Run("type "+text,
		chromedp.WaitVisible(chromedp.ID("composer-input")),
		chromedp.SendKeys(chromedp.ID("composer-input"), text),
		chromedp.SendKeys(chromedp.ID("composer-input"), "\r"),
	)
}

// Group is the selector of the n-th thread (1-based) in the channel.
func Group(n int) string { return fmt.Sprintf("#messages > .thread-group:nth-of-type(%d)", n) }

// Answered waits until the n-th thread has a finished bot reply.
func (b *Browser) Answered(n int) {
	b.t.Helper()
	b.Until(fmt.Sprintf("answer in thread %d", n), fmt.Sprintf(
		`(() => { const g = document.querySelector(%q); return !!g && g.querySelectorAll(".msg.bot").length > 0 && !g.querySelector(".msg.bot.pending"); })()`, Group(n)))
}

// Click waits for the CSS selector to be visible and clicks it.
func (b *Browser) Click(what, sel string) {
	b.t.Helper()
	b.Run("click "+what, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}
