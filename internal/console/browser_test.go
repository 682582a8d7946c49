package console_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/console/consoletest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// seriesStore is a series store on a fresh database with the small plant.
func seriesStore(t *testing.T) *series.Store {
	t.Helper()
	st := series.New(dbtest.Pool(t))
	seedPlant(t, st)
	return st
}

func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	st := seriesStore(t)
	f := newFixture(t, st, nil)
	b := consoletest.NewBrowser(t, f.srv.URL)

	// The channel opens empty, with suggestions.
	b.Run("open the console", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".empty .suggestion")))
	require.Contains(t, b.Text("#channel-title"), "shop-floor")
	require.Contains(t, b.Text("#about"), "Offline planner")
	b.Click("connect help", "#connect-btn")
	require.Contains(t, b.Text("#drawer-body"), "GEMBA_SLACK_BOT_TOKEN")
	b.Shot("00-connect-help")
	b.Click("close the drawer", "#drawer-close")
	b.Shot("01-empty-channel")

	// An English question: an answer with steps and citations, in its thread.
	b.Ask("Why is press-3 vibrating?")
	b.Answered(1)
	en := b.Text(consoletest.Group(1) + " .msg.bot")
	require.Contains(t, en, "Situation")
	require.Contains(t, en, "Next steps")
	require.Contains(t, en, "INC-0007", "citations are shown")
	steps := consoletest.Eval[int](b, "count steps", `document.querySelectorAll(`+"`"+consoletest.Group(1)+` .msg.bot ol.bk-list li`+"`"+`).length`)
	require.GreaterOrEqual(t, steps, 3)
	require.Equal(t, "console:", f.agent.lastRequest().ThreadKey[:8])

	// A Korean question renders in Korean, with a CJK font available.
	b.Ask("press-3 진동이 왜 높아요? 지난 6시간 기준으로 알려주세요")
	b.Answered(2)
	ko := b.Text(consoletest.Group(2) + " .msg.bot")
	require.Contains(t, ko, "다음 조치")
	require.Contains(t, ko, "베어링")
	require.Contains(t, b.Text(consoletest.Group(2)+" .msg.user"), "진동이 왜 높아요")
	cjk := consoletest.Eval[bool](b, "CJK font", `document.fonts.check("16px 'Noto Sans CJK KR'", "진동")`)
	t.Logf("CJK font available to the page: %v", cjk)
	b.Shot("02-answers-en-ko")

	// More detail posts the remaining steps in the thread; Helpful is stored.
	b.Click("More detail", consoletest.Group(1)+` button[data-action-id="`+"gemba_more"+`"]`)
	b.Until("detail in thread 1", `document.querySelector(`+"`"+consoletest.Group(1)+"`"+`).textContent.includes("plan a bearing change")`)
	require.False(t, consoletest.Eval[bool](b, "more detail gone", `!!document.querySelector(`+"`"+consoletest.Group(1)+` button[data-action-id="gemba_more"]`+"`"+`)`), "More detail has done its job")
	b.Click("Helpful", consoletest.Group(1)+` .msg.bot button[data-action-id="gemba_helpful"]`)
	b.Until("helpful chip", `!!document.querySelector(`+"`"+consoletest.Group(1)+` .chip.rated`+"`"+`)`)
	require.Equal(t, "helpful", f.agent.rating(1))
	b.Shot("03-more-detail-and-helpful")

	// A slash command with a chart: the image loads.
	b.Ask("/gemba forecast line-1.output 24")
	b.Answered(3)
	b.Until("chart image loaded", `(() => { const i = document.querySelector(`+"`"+consoletest.Group(3)+` img.bk-image-img`+"`"+`); return !!i && i.complete && i.naturalWidth > 0; })()`)
	require.Contains(t, b.Text(consoletest.Group(3)+" .msg.bot"), "Forecast of")
	b.Run("scroll to the chart", chromedp.ScrollIntoView(chromedp.CSS(consoletest.Group(3)+" img.bk-image-img")))
	b.Shot("04-slash-forecast-chart")

	// The trace panel shows the tool calls, documents with scores and the mode.
	b.Click("trace", consoletest.Group(1)+" .msg.bot .trace-btn")
	b.Run("trace", chromedp.WaitVisible(chromedp.CSS("#drawer .trace .tool-call")))
	tr := b.Text("#drawer .trace")
	for _, want := range []string{"detect_anomalies", "search_incidents", "INC-0007", "Offline planner", "0.031", "Why is press-3 vibrating?"} {
		require.Contains(t, tr, want)
	}
	b.Shot("05-trace-panel")

	// Mark resolved opens the form and stores an incident.
	b.Click("Mark resolved", consoletest.Group(1)+` .msg.bot button[data-action-id="gemba_resolve"]`)
	b.Run("fill the resolve form",
		chromedp.WaitVisible(chromedp.ID("resolve-form")),
		chromedp.SendKeys(chromedp.ID("rf-actions"), "Re-greased the drive-end bearing"),
		chromedp.SendKeys(chromedp.ID("rf-cause"), "Dry bearing"),
		chromedp.SendKeys(chromedp.ID("rf-downtime"), "35"),
	)
	b.Shot("06-resolve-form")
	b.Click("Store incident", "#resolve-form button[type=submit]")
	b.Until("resolved chip", `!!document.querySelector(`+"`"+consoletest.Group(1)+` .chip.resolved`+"`"+`)`)
	require.Len(t, f.resolver.got, 1)
	require.Equal(t, "worked", f.resolver.got[0].Outcome)

	// A follow-up typed in the thread drawer goes to the same thread.
	b.Click("reply in thread", consoletest.Group(1)+" .reply-btn")
	b.Run("reply", chromedp.WaitVisible(chromedp.ID("thread-input")), chromedp.SendKeys(chromedp.ID("thread-input"), "Did the temperature drop too?\r"))
	b.Until("follow-up answered", `(() => { const ms = document.querySelectorAll("#drawer-body .msg.bot"); return ms.length >= 4 && !document.querySelector("#drawer-body .msg.pending"); })()`)
	require.Equal(t, "console:"+consoletest.Eval[string](b, "root id", `document.querySelector("#messages > .thread-group").dataset.thread`), f.agent.lastRequest().ThreadKey)
	b.Shot("07-thread-follow-up")

	// Plant page: assets, events and charts.
	b.Run("plant", chromedp.Navigate(f.srv.URL+"/#/plant/press-3"), chromedp.WaitVisible(chromedp.CSS(".asset-item.active")))
	b.Until("plant charts loaded", `(() => { const is = [...document.querySelectorAll(".chart-card img")]; return is.length === 2 && is.every(i => i.complete && i.naturalWidth > 0); })()`)
	b.Until("events listed", `!!document.querySelector(".events table tbody tr")`)
	b.Shot("08-plant")

	// Incidents: search and open a document.
	b.Run("incidents", chromedp.Navigate(f.srv.URL+"/#/incidents"), chromedp.WaitVisible(chromedp.CSS(".doc-item")))
	b.Run("search", chromedp.SendKeys(chromedp.ID("doc-q"), "필터\r"))
	b.Until("search results", `document.querySelectorAll(".doc-item").length === 1 && document.querySelector(".doc-item").textContent.includes("INC-0031")`)
	b.Click("open document", ".doc-item")
	b.Run("document", chromedp.WaitVisible(chromedp.CSS(".doc-view h2")))
	require.Contains(t, b.Text(".doc-view"), "필터 교체")
	b.Shot("09-incidents")

	// Digests: schedules and a preview.
	b.Run("digests", chromedp.Navigate(f.srv.URL+"/#/digests"), chromedp.WaitVisible(chromedp.CSS("[data-preview]")))
	b.Click("preview now", "[data-preview]")
	b.Run("preview", chromedp.WaitVisible(chromedp.CSS(".preview-card .bk-header")))
	require.Contains(t, b.Text(".preview-card"), "press-3 vibration up 11.7σ")
	b.Shot("10-digest-preview")

	require.Empty(t, b.PageErrors(), "the page logged errors")
}

func TestBrowserLogin(t *testing.T) {
	t.Parallel()
	const token = "console-token-7731"
	// A console bound for other machines: the page asks for the token first.
	g := newFixture(t, nil, func(o *fixtureOptions) { o.console.Addr, o.console.Token = "0.0.0.0:8080", token })
	b := consoletest.NewBrowser(t, g.srv.URL)
	b.Run("open", chromedp.Navigate(g.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	b.Run("wrong token", chromedp.SendKeys(chromedp.ID("token"), "nope\r"), chromedp.WaitVisible(chromedp.CSS(".login-error")))
	b.Shot("11-login-refused")
	b.Run("right token", chromedp.SendKeys(chromedp.ID("token"), token+"\r"), chromedp.WaitVisible(chromedp.ID("composer-input")))
	cookie := consoletest.Eval[string](b, "document.cookie", `document.cookie`)
	require.Empty(t, cookie, "the session cookie is HttpOnly")
	require.Equal(t, 1, consoletest.Eval[int](b, "channels", `document.querySelectorAll("#nav-channels .nav-item").length`))
}

// TestBlockKitMrkdwnInBrowser runs the page's mrkdwn renderer on a table of
// Slack texts: what Slack shows is what the console shows.
func TestBlockKitMrkdwnInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	b := consoletest.NewBrowser(t, f.srv.URL)
	b.Run("open", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("composer-input")))
	for _, tc := range []struct{ in, want string }{
		{"*bold* and _italic_ and ~gone~", `<div class="bk-line"><b>bold</b> and <i>italic</i> and <s>gone</s></div>`},
		{"*Forecast of `line-1.output`* now", `<div class="bk-line"><b>Forecast of <code>line-1.output</code></b> now</div>`},
		{"snake_case_name and 2*3*4 stay", `<div class="bk-line">snake_case_name and 2*3*4 stay</div>`},
		{"_not available (no detect_anomalies tool)_", `<div class="bk-line"><i>not available (no detect_anomalies tool)</i></div>`},
		{"*a* and *b*", `<div class="bk-line"><b>a</b> and <b>b</b></div>`},
		{"*x", `<div class="bk-line">*x</div>`},
		{"<https://example.com/a?b=1&amp;c=2|the runbook>", `<div class="bk-line"><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the runbook</a></div>`},
		{"<javascript:alert(1)|click>", `<div class="bk-line">click</div>`},
		// Links leave the console only for http(s); a path must stay a path
		// on this console in every browser.
		{"</\\evil.example|click>", `<div class="bk-line">click</div>`},
		{"</\t/evil.example|tab>", `<div class="bk-line">tab</div>`},
		{"<//evil.example|two slashes>", `<div class="bk-line">two slashes</div>`},
		{"</api/files/x\\y.png|backslash inside>", `<div class="bk-line">backslash inside</div>`},
		{"<mailto:ops@example.com|mail>", `<div class="bk-line">mail</div>`},
		{"<data:text/html,hi|data>", `<div class="bk-line">data</div>`},
		{"</incidents/INC-1|an incident>", `<div class="bk-line"><a href="/incidents/INC-1">an incident</a></div>`},
		{"<HTTPS://ok.example/a|ok>", `<div class="bk-line"><a href="HTTPS://ok.example/a" target="_blank" rel="noopener noreferrer">ok</a></div>`},
		{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more", `<div class="bk-line">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</div>`},
		{"1. first\n      _why_\n2. second", `<ol class="bk-list" start="1"><li>first<br><i>why</i></li><li>second</li></ol>`},
		{"• one\n• two", `<ul class="bk-list"><li>one</li><li>two</li></ul>`},
		{"```\na <b>\n```", `<pre class="bk-pre">a &lt;b&gt;</pre>`},
		{"before\n```x = 1```\nafter", `<div class="bk-line">before</div><pre class="bk-pre">x = 1</pre><div class="bk-line">after</div>`},
		{"&gt; quoted", `<blockquote class="bk-quote">quoted</blockquote>`},
		{"*상황* 진동 :warning:", `<div class="bk-line"><b>상황</b> 진동 ⚠️</div>`},
		{"<@U123|kim> in <#C1|shop-floor>", `<div class="bk-line"><span class="bk-mention">@kim</span> in <span class="bk-mention">#shop-floor</span></div>`},
	} {
		got := consoletest.Eval[string](b, "mrkdwn", "BlockKit.mrkdwn("+jsString(tc.in)+")")
		require.Equal(t, tc.want, got, "mrkdwn(%q)", tc.in)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
