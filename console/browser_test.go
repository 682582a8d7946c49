package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/console"
	"github.com/gemba-ai/gemba/db/dbtest"
	"github.com/gemba-ai/gemba/series"
)

// seriesStore is a series store on a fresh database with the small plant.
func seriesStore(t *testing.T) *series.Store {
	t.Helper()
	st := series.New(dbtest.Pool(t))
	seedPlant(t, st)
	return st
}

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// artifactsDir is where screenshots go: $GEMBA_ARTIFACTS_DIR, or
// artifacts/console at the repository root (gitignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GEMBA_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "console")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browser is a headless Chromium driven through the DevTools protocol,
// collecting JavaScript exceptions and console errors.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	base string

	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the console browser test needs headless Chromium at %s: install Debian's package with `apt-get install -y chromium` (%v)", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
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
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx, dir: artifactsDir(t), base: base}
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

func (b *browser) addError(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

func (b *browser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// run runs actions and fails the test with what was being done.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...), "browser: %s (page errors: %v)", what, b.pageErrors())
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, "browser: %s", what)
	return v
}

// shot writes a screenshot of the viewport as an artifact.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err, "screenshot %s", name)
	p := filepath.Join(b.dir, name+".png")
	require.NoError(b.t, os.WriteFile(p, png, 0o644))
	b.t.Logf("screenshot %s", p)
}

// text returns the text of the first visible node matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(b.t, err, "browser: read %s (page errors: %v)", sel, b.pageErrors())
	return s
}

// until polls a JavaScript expression until it is true.
func (b *browser) until(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(25*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(b.t, err, "browser: wait for %s (page errors: %v)", what, b.pageErrors())
	require.True(b.t, ok, what)
}

// ask types text into the channel composer and sends it with Enter.
func (b *browser) ask(text string) {
	b.t.Helper()
	b.run("type "+text,
		chromedp.WaitVisible(chromedp.ID("composer-input")),
		chromedp.SendKeys(chromedp.ID("composer-input"), text),
		chromedp.SendKeys(chromedp.ID("composer-input"), "\r"),
	)
}

// group is the selector of the n-th thread (1-based) in the channel.
func group(n int) string { return fmt.Sprintf("#messages > .thread-group:nth-of-type(%d)", n) }

// answered waits until the n-th thread has a finished bot reply.
func (b *browser) answered(n int) {
	b.t.Helper()
	b.until(fmt.Sprintf("answer in thread %d", n), fmt.Sprintf(
		`(() => { const g = document.querySelector(%q); return !!g && g.querySelectorAll(".msg.bot").length > 0 && !g.querySelector(".msg.bot.pending"); })()`, group(n)))
}

func (b *browser) click(what, sel string) {
	b.t.Helper()
	b.run("click "+what, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	st := seriesStore(t)
	f := newFixture(t, st, nil)
	b := newBrowser(t, f.srv.URL)

	// The channel opens empty, with suggestions.
	b.run("open the console", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".empty .suggestion")))
	require.Contains(t, b.text("#channel-title"), "shop-floor")
	require.Contains(t, b.text("#about"), "Offline planner")
	b.shot("01-empty-channel")

	// An English question: an answer with steps and citations, in its thread.
	b.ask("Why is press-3 vibrating?")
	b.answered(1)
	en := b.text(group(1) + " .msg.bot")
	require.Contains(t, en, "Situation")
	require.Contains(t, en, "Next steps")
	require.Contains(t, en, "INC-0007", "citations are shown")
	steps := eval[int](b, "count steps", `document.querySelectorAll(`+"`"+group(1)+` .msg.bot ol.bk-list li`+"`"+`).length`)
	require.GreaterOrEqual(t, steps, 3)
	require.Equal(t, "console:", f.agent.lastRequest().ThreadKey[:8])

	// A Korean question renders in Korean, with a CJK font available.
	b.ask("press-3 진동이 왜 높아요? 지난 6시간 기준으로 알려주세요")
	b.answered(2)
	ko := b.text(group(2) + " .msg.bot")
	require.Contains(t, ko, "다음 조치")
	require.Contains(t, ko, "베어링")
	require.Contains(t, b.text(group(2)+" .msg.user"), "진동이 왜 높아요")
	cjk := eval[bool](b, "CJK font", `document.fonts.check("16px 'Noto Sans CJK KR'", "진동")`)
	t.Logf("CJK font available to the page: %v", cjk)
	b.shot("02-answers-en-ko")

	// More detail posts the remaining steps in the thread; Helpful is stored.
	b.click("More detail", group(1)+` button[data-action-id="`+"gemba_more"+`"]`)
	b.until("detail in thread 1", `document.querySelector(`+"`"+group(1)+"`"+`).textContent.includes("plan a bearing change")`)
	b.click("Helpful", group(1)+` .msg.bot button[data-action-id="gemba_helpful"]`)
	b.until("helpful chip", `!!document.querySelector(`+"`"+group(1)+` .chip.rated`+"`"+`)`)
	require.Equal(t, "helpful", f.agent.rating(1))
	b.shot("03-more-detail-and-helpful")

	// A slash command with a chart: the image loads.
	b.ask("/gemba forecast line-1.output 24")
	b.answered(3)
	b.until("chart image loaded", `(() => { const i = document.querySelector(`+"`"+group(3)+` img.bk-image-img`+"`"+`); return !!i && i.complete && i.naturalWidth > 0; })()`)
	require.Contains(t, b.text(group(3)+" .msg.bot"), "Forecast of")
	b.run("scroll to the chart", chromedp.ScrollIntoView(chromedp.CSS(group(3)+" img.bk-image-img")))
	b.shot("04-slash-forecast-chart")

	// The trace panel shows the tool calls, documents with scores and the mode.
	b.click("trace", group(1)+" .msg.bot .trace-btn")
	b.run("trace", chromedp.WaitVisible(chromedp.CSS("#drawer .trace .tool-call")))
	tr := b.text("#drawer .trace")
	for _, want := range []string{"detect_anomalies", "search_incidents", "INC-0007", "Offline planner", "0.031", "Why is press-3 vibrating?"} {
		require.Contains(t, tr, want)
	}
	b.shot("05-trace-panel")

	// Mark resolved opens the form and stores an incident.
	b.click("Mark resolved", group(1)+` .msg.bot button[data-action-id="gemba_resolve"]`)
	b.run("fill the resolve form",
		chromedp.WaitVisible(chromedp.ID("resolve-form")),
		chromedp.SendKeys(chromedp.ID("rf-actions"), "Re-greased the drive-end bearing"),
		chromedp.SendKeys(chromedp.ID("rf-cause"), "Dry bearing"),
		chromedp.SendKeys(chromedp.ID("rf-downtime"), "35"),
	)
	b.shot("06-resolve-form")
	b.click("Store incident", "#resolve-form button[type=submit]")
	b.until("resolved chip", `!!document.querySelector(`+"`"+group(1)+` .chip.resolved`+"`"+`)`)
	require.Len(t, f.resolver.got, 1)
	require.Equal(t, "worked", f.resolver.got[0].Outcome)

	// A follow-up typed in the thread drawer goes to the same thread.
	b.click("reply in thread", group(1)+" .reply-btn")
	b.run("reply", chromedp.WaitVisible(chromedp.ID("thread-input")), chromedp.SendKeys(chromedp.ID("thread-input"), "Did the temperature drop too?\r"))
	b.until("follow-up answered", `(() => { const ms = document.querySelectorAll("#drawer-body .msg.bot"); return ms.length >= 4 && !document.querySelector("#drawer-body .msg.pending"); })()`)
	require.Equal(t, "console:"+eval[string](b, "root id", `document.querySelector("#messages > .thread-group").dataset.thread`), f.agent.lastRequest().ThreadKey)
	b.shot("07-thread-follow-up")

	// Plant page: assets, events and charts.
	b.run("plant", chromedp.Navigate(f.srv.URL+"/#/plant/press-3"), chromedp.WaitVisible(chromedp.CSS(".asset-item.active")))
	b.until("plant charts loaded", `(() => { const is = [...document.querySelectorAll(".chart-card img")]; return is.length === 2 && is.every(i => i.complete && i.naturalWidth > 0); })()`)
	b.until("events listed", `!!document.querySelector(".events table tbody tr")`)
	b.shot("08-plant")

	// Incidents: search and open a document.
	b.run("incidents", chromedp.Navigate(f.srv.URL+"/#/incidents"), chromedp.WaitVisible(chromedp.CSS(".doc-item")))
	b.run("search", chromedp.SendKeys(chromedp.ID("doc-q"), "필터\r"))
	b.until("search results", `document.querySelectorAll(".doc-item").length === 1 && document.querySelector(".doc-item").textContent.includes("INC-0031")`)
	b.click("open document", ".doc-item")
	b.run("document", chromedp.WaitVisible(chromedp.CSS(".doc-view h2")))
	require.Contains(t, b.text(".doc-view"), "필터 교체")
	b.shot("09-incidents")

	// Digests: schedules and a preview.
	b.run("digests", chromedp.Navigate(f.srv.URL+"/#/digests"), chromedp.WaitVisible(chromedp.CSS("[data-preview]")))
	b.click("preview now", "[data-preview]")
	b.run("preview", chromedp.WaitVisible(chromedp.CSS(".preview-card .bk-header")))
	require.Contains(t, b.text(".preview-card"), "2 anomaly events")
	b.shot("10-digest-preview")

	require.Empty(t, b.pageErrors(), "the page logged errors")
}

func TestBrowserLogin(t *testing.T) {
	t.Parallel()
	const token = "console-token-7731"
	// A console bound for other machines: the page asks for the token first.
	g := newFixture(t, nil, func(o *console.Options) { o.Addr, o.Token = "0.0.0.0:8080", token })
	b := newBrowser(t, g.srv.URL)
	b.run("open", chromedp.Navigate(g.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	b.run("wrong token", chromedp.SendKeys(chromedp.ID("token"), "nope\r"), chromedp.WaitVisible(chromedp.CSS(".login-error")))
	b.shot("11-login-refused")
	b.run("right token", chromedp.SendKeys(chromedp.ID("token"), token+"\r"), chromedp.WaitVisible(chromedp.ID("composer-input")))
	cookie := eval[string](b, "document.cookie", `document.cookie`)
	require.Empty(t, cookie, "the session cookie is HttpOnly")
	require.Equal(t, 1, eval[int](b, "channels", `document.querySelectorAll("#nav-channels .nav-item").length`))
}

// TestBlockKitMrkdwnInBrowser runs the page's mrkdwn renderer on a table of
// Slack texts: what Slack shows is what the console shows.
func TestBlockKitMrkdwnInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	b := newBrowser(t, f.srv.URL)
	b.run("open", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("composer-input")))
	for _, tc := range []struct{ in, want string }{
		{"*bold* and _italic_ and ~gone~", `<div class="bk-line"><b>bold</b> and <i>italic</i> and <s>gone</s></div>`},
		{"*Forecast of `line-1.output`* now", `<div class="bk-line"><b>Forecast of <code>line-1.output</code></b> now</div>`},
		{"snake_case_name and 2*3*4 stay", `<div class="bk-line">snake_case_name and 2*3*4 stay</div>`},
		{"<https://example.com/a?b=1&amp;c=2|the runbook>", `<div class="bk-line"><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the runbook</a></div>`},
		{"<javascript:alert(1)|click>", `<div class="bk-line">click</div>`},
		{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more", `<div class="bk-line">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</div>`},
		{"1. first\n      _why_\n2. second", `<ol class="bk-list" start="1"><li>first<br><i>why</i></li><li>second</li></ol>`},
		{"• one\n• two", `<ul class="bk-list"><li>one</li><li>two</li></ul>`},
		{"```\na <b>\n```", `<pre class="bk-pre">a &lt;b&gt;</pre>`},
		{"before\n```x = 1```\nafter", `<div class="bk-line">before</div><pre class="bk-pre">x = 1</pre><div class="bk-line">after</div>`},
		{"&gt; quoted", `<blockquote class="bk-quote">quoted</blockquote>`},
		{"*상황* 진동 :warning:", `<div class="bk-line"><b>상황</b> 진동 ⚠️</div>`},
		{"<@U123|kim> in <#C1|shop-floor>", `<div class="bk-line"><span class="bk-mention">@kim</span> in <span class="bk-mention">#shop-floor</span></div>`},
	} {
		got := eval[string](b, "mrkdwn", "BlockKit.mrkdwn("+jsString(tc.in)+")")
		require.Equal(t, tc.want, got, "mrkdwn(%q)", tc.in)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
