package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/console/consoletest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/rag"
)

// demoApp is an App on a fresh database loaded with the demo plant: the
// generated series ending now and the demo documents.
func demoApp(t *testing.T, env map[string]string) *App {
	t.Helper()
	ctx := context.Background()
	if env == nil {
		env = map[string]string{}
	}
	env["GEMBA_DATABASE_URL"] = dbtest.NewDatabase(t)
	if _, ok := env["GEMBA_LOG_LEVEL"]; !ok {
		env["GEMBA_LOG_LEVEL"] = "error"
	}
	app := NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	pool, err := app.Pool(ctx)
	require.NoError(t, err)
	_, err = demo.Seed(ctx, pool, demo.Options{})
	require.NoError(t, err)
	docs, err := openDocs(ctx, app)
	require.NoError(t, err)
	rep, err := docs.Ingest(ctx, []string{filepath.Join("..", "demo", "docs")}, rag.IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	return app
}

// TestConsoleOnDemoPlant is the console's done-when test on the real
// wiring: the offline agent, the bot's renderer and command parser, the
// incident store and the series store, on the demo plant, driven in
// headless Chromium.
func TestConsoleOnDemoPlant(t *testing.T) {
	t.Parallel()
	app := demoApp(t, nil)
	ctx := context.Background()
	con, err := buildConsole(ctx, app, nil)
	require.NoError(t, err)
	t.Cleanup(con.Close)
	srv := httptest.NewServer(con)
	t.Cleanup(srv.Close)
	pool, err := app.Pool(ctx)
	require.NoError(t, err)

	b := consoletest.NewBrowser(t, srv.URL)
	b.Run("open the console", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".empty .suggestion")))

	// English: steps and citations from the demo incidents.
	b.Ask("conveyor-1 belt is slipping, how do I tension the drive belt?")
	b.Answered(1)
	en := b.Text(consoletest.Group(1) + " .msg.bot")
	t.Logf("English answer:\n%s", en)
	require.Contains(t, en, "Next steps")
	require.Regexp(t, `(INC|RB)-[\w-]+`, en, "the answer cites the store's documents")
	steps := consoletest.Eval[int](b, "steps", `[...document.querySelectorAll(`+jsQuote(consoletest.Group(1)+" .msg.bot .bk-section")+`)].filter(s => /^\d+\./.test(s.textContent.trim())).length`)
	require.GreaterOrEqual(t, steps, 1, "numbered next steps")

	// Korean.
	b.Ask("press-3 진동이 높아요. 베어링 문제인가요? 어떻게 해야 하나요?")
	b.Answered(2)
	ko := b.Text(consoletest.Group(2) + " .msg.bot")
	t.Logf("Korean answer:\n%s", ko)
	require.Contains(t, ko, "다음 조치")
	b.Shot("demo-01-answers-en-ko")

	// More detail posts the steps held back (a runbook procedure has more
	// than the five shown first) in the thread, from the stored answer.
	b.Click("More detail", consoletest.Group(1)+` .msg.bot button[data-action-id="gemba_more"]`)
	b.Until("detail in the thread", `document.querySelectorAll(`+jsQuote(consoletest.Group(1)+" .msg.bot")+`).length >= 2`)
	require.Contains(t, b.Text(consoletest.Group(1)+" .thread .msg.bot:nth-of-type(2)"), "More detail")

	// Helpful is stored with the answer in the audit trail.
	b.Click("Helpful", consoletest.Group(1)+` .msg.bot button[data-action-id="gemba_helpful"]`)
	b.Until("helpful recorded", `!!document.querySelector(`+jsQuote(consoletest.Group(1)+" .chip.rated")+`)`)
	var rating string
	require.NoError(t, pool.QueryRow(ctx, `SELECT rating FROM feedback ORDER BY id DESC LIMIT 1`).Scan(&rating))
	require.Equal(t, "helpful", rating)
	b.Shot("demo-02-helpful")

	// A forecast command runs the forecast tool and shows its chart.
	b.Ask("/gemba forecast line-1.output 24")
	b.Answered(3)
	fc := b.Text(consoletest.Group(3) + " .msg.bot")
	t.Logf("forecast reply:\n%s", fc)
	require.True(t, hasTool(t, app, "forecast_series"), "the composition root offers forecast_series")
	b.Until("chart image loaded", `(() => { const i = document.querySelector(`+jsQuote(consoletest.Group(3)+" img.bk-image-img")+`); return !!i && i.complete && i.naturalWidth > 0; })()`)
	require.Contains(t, fc, "forecast")
	b.Run("scroll to the forecast", chromedp.ScrollIntoView(chromedp.CSS(consoletest.Group(3)+" .msg.bot")))
	b.Shot("demo-03-forecast")

	// The trace panel reads the audit trail.
	b.Click("trace", consoletest.Group(1)+" .msg.bot .trace-btn")
	b.Run("trace", chromedp.WaitVisible(chromedp.CSS("#drawer .trace .stat")))
	tr := b.Text("#drawer .trace")
	require.Contains(t, tr, "Offline planner")
	require.Contains(t, tr, "audit trail")
	require.Contains(t, tr, "search_incidents")
	b.Shot("demo-04-trace")

	// A follow-up in the thread continues the same conversation in the agent's memory.
	b.Click("reply in thread", consoletest.Group(1)+" .reply-btn")
	b.Run("follow-up", chromedp.WaitVisible(chromedp.ID("thread-input")), chromedp.SendKeys(chromedp.ID("thread-input"), "and what tension for the press V-belts?\r"))
	b.Until("follow-up answered", `(() => { const ms = document.querySelectorAll("#drawer-body .msg.user"); return ms.length === 2 && !document.querySelector("#drawer-body .msg.pending"); })()`)
	root := consoletest.Eval[string](b, "root id", `document.querySelector("#messages > .thread-group").dataset.thread`)
	var turns int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.thread_key = $1 AND m.role = 'user'`, "console:"+root).Scan(&turns))
	require.Equal(t, 2, turns, "both questions are in the thread's conversation")

	// Mark resolved stores the thread as an incident the store can find.
	b.Click("Mark resolved", consoletest.Group(1)+` .msg.bot button[data-action-id="gemba_resolve"]`)
	b.Run("fill the form", chromedp.WaitVisible(chromedp.ID("resolve-form")),
		chromedp.SendKeys(chromedp.ID("rf-actions"), "Replaced the glazed belt set and re-tensioned to 62 Hz"),
		chromedp.SendKeys(chromedp.ID("rf-cause"), "Glazed, stretched belts"),
		chromedp.SendKeys(chromedp.ID("rf-downtime"), "90"),
		chromedp.Click(chromedp.CSS("#resolve-form button[type=submit]")))
	b.Until("resolved", `!!document.querySelector(`+jsQuote(consoletest.Group(1)+" .chip.resolved")+`)`)
	docs, err := openDocs(ctx, app)
	require.NoError(t, err)
	stored, err := docs.Get(ctx, "console-"+root)
	require.NoError(t, err)
	require.Equal(t, rag.KindIncident, stored.Kind)
	require.Equal(t, rag.OutcomeWorked, stored.Outcome)
	require.Contains(t, stored.Body, "Replaced the glazed belt set")
	b.Shot("demo-05-thread-resolved")

	// The plant page shows the demo assets with charts.
	b.Run("plant", chromedp.Navigate(srv.URL+"/#/plant/press-3"), chromedp.WaitVisible(chromedp.CSS(".asset-item.active")))
	b.Until("plant charts loaded", `(() => { const is = [...document.querySelectorAll(".chart-card img")]; return is.length > 0 && is.every(i => i.complete && i.naturalWidth > 0); })()`)
	b.Shot("demo-06-plant")

	// The incident store: search in Korean, open a document.
	b.Run("incidents", chromedp.Navigate(srv.URL+"/#/incidents"), chromedp.WaitVisible(chromedp.CSS(".doc-item")))
	b.Run("search", chromedp.SendKeys(chromedp.ID("doc-q"), "스핀들 과열\r"))
	b.Until("search results", `[...document.querySelectorAll(".doc-item")].some(d => d.textContent.includes("INC-"))`)
	b.Click("open document", ".doc-item")
	b.Run("document", chromedp.WaitVisible(chromedp.CSS(".doc-view h2")))
	b.Shot("demo-07-incident")

	// Digests: preview one now.
	b.Run("digests", chromedp.Navigate(srv.URL+"/#/digests"), chromedp.WaitVisible(chromedp.CSS("[data-preview]")))
	b.Click("preview now", "[data-preview]")
	b.Run("preview", chromedp.WaitVisible(chromedp.CSS(".preview-card .bk-section")))
	require.Contains(t, b.Text(".preview-card"), "Shift digest")
	b.Shot("demo-08-digest")

	require.Empty(t, b.PageErrors())
}

// hasTool reports whether the composition root's plant tools include name.
func hasTool(t *testing.T, app *App, name string) bool {
	t.Helper()
	pool, err := app.Pool(context.Background())
	require.NoError(t, err)
	for _, tl := range plantTools(pool, app) {
		if tl.Name() == name {
			return true
		}
	}
	return false
}

// jsQuote quotes s as a JavaScript string literal.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestConsoleDisabledOpenNonLoopback: bound for other machines without a
// token, the console is disabled (serve still starts for Slack and health)
// and says why.
func TestConsoleDisabledOpenNonLoopback(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error", "GEMBA_HTTP_ADDR": "0.0.0.0:8080"}
	app := NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	con, err := buildConsole(context.Background(), app, nil)
	require.NoError(t, err)
	require.ErrorIs(t, con.Disabled(), console.ErrTokenRequired)
	require.Contains(t, con.Disabled().Error(), "GEMBA_CONSOLE_TOKEN")
	con.Close()

	env["GEMBA_CONSOLE_TOKEN"] = "a-long-console-token"
	app = NewApp(io.Discard, io.Discard, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	t.Cleanup(app.Close)
	con, err = buildConsole(context.Background(), app, nil)
	require.NoError(t, err)
	require.NoError(t, con.Disabled())
	con.Close()
}
