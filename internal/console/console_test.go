package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

type apiMessage struct {
	ID        string            `json:"id"`
	Thread    string            `json:"thread"`
	ThreadKey string            `json:"thread_key"`
	Author    string            `json:"author"`
	Text      string            `json:"text"`
	Blocks    []json.RawMessage `json:"blocks"`
	Pending   bool              `json:"pending"`
	Error     string            `json:"error"`
	Ephemeral bool              `json:"ephemeral"`
	AnswerID  int64             `json:"answer_id"`
	HasTrace  bool              `json:"has_trace"`
	Rating    string            `json:"rating"`
	Resolved  string            `json:"resolved"`
}

type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	hdr  http.Header
}

func newClient(t *testing.T, base string) *client {
	return &client{t: t, base: base, hc: &http.Client{Timeout: 30 * time.Second}, hdr: http.Header{}}
}

// do sends a request and returns the status and body.
func (c *client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	require.NoError(c.t, err)
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer func() { require.NoError(c.t, res.Body.Close()) }()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res.StatusCode, b
}

func (c *client) json(method, path string, body any, want int, out any) {
	c.t.Helper()
	status, b := c.do(method, path, body)
	require.Equal(c.t, want, status, "body: %s", b)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(b, out), "body: %s", b)
	}
}

// waitReply long-polls until the message with id is no longer pending.
func (c *client) waitReply(id string) apiMessage {
	c.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	version := int64(0)
	for time.Now().Before(deadline) {
		var res struct {
			Version  int64        `json:"version"`
			Messages []apiMessage `json:"messages"`
		}
		c.json("GET", "/api/channels/shop-floor/messages?after="+itoa(version), nil, http.StatusOK, &res)
		for _, m := range res.Messages {
			if m.ID == id && !m.Pending {
				return m
			}
		}
		version = res.Version
	}
	c.t.Fatalf("reply %s still pending after 45s", id)
	return apiMessage{}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func blocksText(ms ...apiMessage) string {
	var b strings.Builder
	for _, m := range ms {
		for _, x := range m.Blocks {
			b.Write(x)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestConsoleDisabledOnNonLoopbackWithoutToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, token string
		serves      bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"10.1.2.3:8080", "", false},
		{"0.0.0.0:8080", "s3cret", true},
		// serve passes the listener's address; an address it does not know
		// (or a blank GEMBA_HTTP_ADDR, which listens everywhere) is closed.
		{"", "", false},
		{"[::]:41234", "", false},
	} {
		c, err := console.New(console.Options{Addr: tc.addr, Token: tc.token})
		require.NoError(t, err, tc.addr)
		if tc.serves {
			require.NoError(t, c.Disabled(), tc.addr)
			continue
		}
		require.ErrorIs(t, c.Disabled(), console.ErrTokenRequired, tc.addr)
		require.Contains(t, c.Disabled().Error(), tc.addr)
		for _, path := range []string{"/", "/api/info", "/assets/app.css", "/login"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Host = "localhost" // a remote client may say anything here
			c.ServeHTTP(rec, req)
			require.Equal(t, http.StatusForbidden, rec.Code, "%s %s", tc.addr, path)
			require.Contains(t, rec.Body.String(), "GEMBA_CONSOLE_TOKEN")
		}
	}
}

func TestTokenRequiredEverywhereWhenSet(t *testing.T) {
	t.Parallel()
	const token = "tok-9f2c1d"
	f := newFixture(t, nil, func(o *fixtureOptions) { o.console.Addr, o.console.Token = "0.0.0.0:8080", token })
	c := newClient(t, f.srv.URL)
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	status, body := c.do("GET", "/api/info", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, string(body), "console token is required")
	c.hdr.Set("Authorization", "Bearer wrong")
	status, _ = c.do("GET", "/api/info", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	c.hdr.Set("Authorization", "Bearer "+token)
	var info map[string]any
	c.json("GET", "/api/info", nil, http.StatusOK, &info)
	require.Equal(t, true, info["auth"])
	require.NotContains(t, mustJSON(t, info), token, "the console never shows the token")
	c.hdr.Del("Authorization")

	// Pages redirect to the login form; assets and the form itself are public.
	req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
	res, err := c.hc.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/login", res.Header.Get("Location"))
	status, body = c.do("GET", "/login", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `name="token"`)
	status, _ = c.do("GET", "/assets/app.css", nil)
	require.Equal(t, http.StatusOK, status)

	// A wrong token at the form is refused; the right one sets an HttpOnly
	// cookie that does not contain the token and opens the API.
	res, err = c.hc.PostForm(f.srv.URL+"/login", url.Values{"token": {"nope"}})
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Empty(t, res.Cookies())
	res, err = c.hc.PostForm(f.srv.URL+"/login", url.Values{"token": {token}})
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	cks := res.Cookies()
	require.Len(t, cks, 1)
	require.True(t, cks[0].HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, cks[0].SameSite)
	require.NotContains(t, cks[0].Value, token)
	c.hdr.Set("Cookie", cks[0].Name+"="+cks[0].Value)
	c.json("GET", "/api/info", nil, http.StatusOK, nil)
	require.False(t, cks[0].Secure, "plain HTTP: a Secure cookie would be dropped")
	req, _ = http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err = c.hc.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.True(t, res.Cookies()[0].Secure, "behind a TLS proxy the cookie is Secure")
	c.hdr.Set("Cookie", cks[0].Name+"=forged")
	status, _ = c.do("GET", "/api/info", nil)
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestOpenConsoleGuardsHostAndOrigin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)
	c.json("GET", "/api/info", nil, http.StatusOK, nil)

	// DNS rebinding: a foreign Host name is refused when there is no token.
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/info", nil)
	req.Host = "evil.example:8080"
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusMisdirectedRequest, res.StatusCode)

	// Cross-site POSTs are refused; same-origin ones pass.
	c.hdr.Set("Origin", "http://evil.example")
	status, _ := c.do("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "hi"})
	require.Equal(t, http.StatusForbidden, status)
	c.hdr.Set("Origin", f.srv.URL)
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "hi"}, http.StatusAccepted, nil)

	// Security headers are set on every response.
	res, err = http.Get(f.srv.URL + "/")
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'")
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
}

func TestAskAnswerButtonsAndTrace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)

	var posted struct{ Message, Reply apiMessage }
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "Why is press-3 vibrating?"}, http.StatusAccepted, &posted)
	require.True(t, posted.Reply.Pending)
	require.Equal(t, posted.Message.ID, posted.Reply.Thread)
	require.Equal(t, "console:"+posted.Message.ID, posted.Message.ThreadKey)
	reply := c.waitReply(posted.Reply.ID)
	require.Empty(t, reply.Error)
	require.EqualValues(t, 1, reply.AnswerID)
	require.True(t, reply.HasTrace)
	txt := blocksText(reply)
	require.Contains(t, txt, "Next steps")
	require.Contains(t, txt, "INC-0007")
	require.Contains(t, txt, ActionIDs(console.ActionHelpful))
	require.NotContains(t, txt, "plan a bearing change", "detail waits for More detail")
	require.Equal(t, "console:"+posted.Message.ID, f.agent.lastRequest().ThreadKey)
	require.Equal(t, "shop-floor", f.agent.lastRequest().Channel)

	// A follow-up in the thread goes to the same conversation.
	var follow struct{ Message, Reply apiMessage }
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "and the temperature?", "thread": posted.Reply.ID}, http.StatusAccepted, &follow)
	require.Equal(t, posted.Message.ID, follow.Message.Thread)
	c.waitReply(follow.Reply.ID)
	require.Equal(t, "console:"+posted.Message.ID, f.agent.lastRequest().ThreadKey)
	var th struct {
		Messages []apiMessage `json:"messages"`
	}
	c.json("GET", "/api/messages/"+follow.Reply.ID+"/thread", nil, http.StatusOK, &th)
	require.Len(t, th.Messages, 4)
	th.Messages = nil

	// Helpful stores feedback with the stored answer.
	var act struct {
		Message apiMessage `json:"message"`
		Notice  string     `json:"notice"`
		Open    string     `json:"open"`
	}
	c.json("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": console.ActionHelpful, "value": "1"}, http.StatusOK, &act)
	require.Equal(t, "helpful", act.Message.Rating)
	require.Equal(t, "helpful", f.agent.rating(1))
	// A bot's own action ids are recognised by what they say.
	c.json("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": "answer_not_helpful"}, http.StatusOK, &act)
	require.Equal(t, "not_helpful", f.agent.rating(1))

	// More detail re-renders from the stored answer with the rest of the steps.
	// More detail posts the rest of the steps, from the stored answer, in the thread, once.
	var more struct {
		Message apiMessage `json:"message"`
		Detail  apiMessage `json:"detail"`
		Notice  string     `json:"notice"`
	}
	c.json("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": console.ActionMoreDetail}, http.StatusOK, &more)
	require.Contains(t, blocksText(more.Detail), "plan a bearing change")
	require.Contains(t, blocksText(more.Detail), "*4.*", "numbered after the steps shown first")
	require.Equal(t, posted.Message.ID, more.Detail.Thread)
	require.Equal(t, blocksText(reply), blocksText(more.Message), "the answer itself is unchanged")
	c.json("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": "gemba_more"}, http.StatusOK, &more)
	require.Contains(t, more.Notice, "already")

	// The trace comes from the audit trail.
	var tr struct {
		AnswerID  int64  `json:"answer_id"`
		Source    string `json:"source"`
		Mode      string `json:"mode"`
		Question  string `json:"question"`
		LatencyMS int64  `json:"latency_ms"`
		Tools     []struct {
			Tool       string         `json:"tool"`
			Args       map[string]any `json:"args"`
			DurationMS int64          `json:"duration_ms"`
			Summary    string         `json:"summary"`
		} `json:"tools"`
		Documents []struct {
			ID    string  `json:"id"`
			Score float64 `json:"score"`
		} `json:"documents"`
	}
	c.json("GET", "/api/messages/"+reply.ID+"/trace", nil, http.StatusOK, &tr)
	require.EqualValues(t, 1, tr.AnswerID)
	require.Equal(t, "audit", tr.Source)
	require.Equal(t, "offline", tr.Mode)
	require.Equal(t, "Why is press-3 vibrating?", tr.Question)
	require.Len(t, tr.Tools, 2)
	require.Equal(t, "detect_anomalies", tr.Tools[0].Tool)
	require.Equal(t, "press-3", tr.Tools[0].Args["asset"])
	require.Equal(t, "INC-0007", tr.Documents[0].ID)
	require.InDelta(t, 0.0312, tr.Documents[0].Score, 1e-9)
	status, _ := c.do("GET", "/api/messages/"+posted.Message.ID+"/trace", nil)
	require.Equal(t, http.StatusNotFound, status, "a question has no trace")

	// Mark resolved opens the form; bad forms are refused with the reason
	// and store nothing; a good one stores an incident and says so.
	c.json("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": console.ActionResolve}, http.StatusOK, &act)
	require.Equal(t, "resolve", act.Open)
	status, body := c.do("POST", "/api/messages/"+reply.ID+"/resolve", map[string]any{"actions": " ", "outcome": "maybe", "downtime_minutes": -5})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, string(body), "say what was done")
	require.Contains(t, string(body), "downtime must be")
	require.Contains(t, string(body), "did it work")
	require.Empty(t, f.resolver.got)
	var rs struct {
		DocID string     `json:"doc_id"`
		Note  apiMessage `json:"note"`
	}
	c.json("POST", "/api/messages/"+reply.ID+"/resolve", map[string]any{"actions": "Re-greased the bearing", "root_cause": "dry bearing", "downtime_minutes": 35, "outcome": "worked"}, http.StatusOK, &rs)
	require.Equal(t, "console-"+posted.Message.ID, rs.DocID, "the incident is named after its thread")
	require.Equal(t, posted.Message.ID, rs.Note.Thread)
	require.Contains(t, blocksText(rs.Note), rs.DocID)
	got := f.resolver.got[0]
	require.Equal(t, "console:"+posted.Message.ID, got.Source)
	require.Contains(t, got.Body, "## Symptom\nWhy is press-3 vibrating?")
	require.Contains(t, got.Title, "Why is press-3 vibrating? — dry bearing")
	require.Equal(t, 35, got.Downtime)
	require.Equal(t, "worked", got.Outcome)
	require.ElementsMatch(t, []string{"INC-0007", "INC-0011", "RB-012"}, got.Cites, "every document the thread's answers cited")
	require.Equal(t, "worked", f.resolver.outcomes["INC-0007"], "the outcome is recorded on the cited documents")
}

// ActionIDs quotes an action id as it appears in block JSON.
func ActionIDs(id string) string { return `"action_id":"` + id + `"` }

func TestKoreanQuestionIsUTF8(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)
	var posted struct{ Message, Reply apiMessage }
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "press-3 진동이 왜 높아요?"}, http.StatusAccepted, &posted)
	require.Equal(t, "press-3 진동이 왜 높아요?", posted.Message.Text)
	reply := c.waitReply(posted.Reply.ID)
	require.Contains(t, blocksText(reply), "다음 조치")
	require.Contains(t, blocksText(reply), "베어링")
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		says         string
	}{
		{"POST", "/api/channels/shop-floor/messages", map[string]string{"text": "   "}, 400, "empty"},
		{"POST", "/api/channels/shop-floor/messages", map[string]string{"text": strings.Repeat("가", 4001)}, 400, "too long"},
		{"POST", "/api/channels/shop-floor/messages", map[string]string{"text": "/deploy now"}, 400, "unknown command"},
		{"POST", "/api/channels/shop-floor/messages", `{"text": 5}`, 400, "not the expected JSON"},
		{"POST", "/api/channels/shop-floor/messages", `{"text": "hi", "channel": "x"}`, 400, "unknown field"},
		{"POST", "/api/channels/shop-floor/messages", map[string]string{"text": "hi", "thread": "nope"}, 404, "no such thread"},
		{"POST", "/api/channels/random/messages", map[string]string{"text": "hi"}, 404, "no channel #random"},
		{"GET", "/api/channels/shop-floor/messages?after=x", nil, 400, "version"},
		{"POST", "/api/messages/nope/actions", map[string]string{"action_id": console.ActionHelpful}, 404, "no such message"},
		{"GET", "/api/files/999", nil, 404, "no such file"},
		{"GET", "/api/nothing", nil, 404, "no such console API"},
		{"GET", "/api/docs/INC-9999", nil, 404, "no document"},
		{"GET", "/api/docs?k=0", nil, 400, "k must be"},
		{"POST", "/api/digests/preview", map[string]string{"channel": ""}, 400, "channel is required"},
		{"POST", "/api/digests/preview", map[string]string{"channel": "nowhere"}, 404, "no channel nowhere"},
		{"GET", "/api/plant/series", nil, 503, "not connected"},
	} {
		status, body := c.do(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, status, "%s %s: %s", tc.method, tc.path, body)
		require.Contains(t, string(body), tc.says, "%s %s", tc.method, tc.path)
	}

	// An unknown action on a real answer, and an agent failure, are said in words.
	var posted struct{ Message, Reply apiMessage }
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "please explode"}, http.StatusAccepted, &posted)
	reply := c.waitReply(posted.Reply.ID)
	require.Contains(t, reply.Error, "scripted failure")
	require.Contains(t, blocksText(reply), "couldn't finish this answer")
	status, body := c.do("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": "launch_rocket"})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, string(body), "unknown action")
	status, _ = c.do("POST", "/api/messages/"+reply.ID+"/actions", map[string]string{"action_id": console.ActionHelpful})
	require.Equal(t, http.StatusConflict, status)
}

func TestMissingPartsDisableFeatures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(o *fixtureOptions) { o.core, o.console.Docs = nil, nil })
	c := newClient(t, f.srv.URL)
	var info struct {
		Features map[string]bool `json:"features"`
	}
	c.json("GET", "/api/info", nil, http.StatusOK, &info)
	require.False(t, info.Features["ask"])
	status, body := c.do("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "hi"})
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Contains(t, string(body), "no agent is connected")
	status, _ = c.do("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "/gemba help"})
	require.Equal(t, http.StatusServiceUnavailable, status)
	status, _ = c.do("GET", "/api/docs?q=x", nil)
	require.Equal(t, http.StatusServiceUnavailable, status)
}

func TestSlashCommandChart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)
	var posted struct{ Message, Reply apiMessage }
	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "/gemba forecast line-1.output 24"}, http.StatusAccepted, &posted)
	reply := c.waitReply(posted.Reply.ID)
	require.Empty(t, reply.Error)
	require.True(t, reply.HasTrace, "a forecast answer has a trace (its tool call)")
	require.Contains(t, blocksText(reply), "Forecast of")
	var img struct {
		Type     string `json:"type"`
		ImageURL string `json:"image_url"`
	}
	for _, b := range reply.Blocks {
		var probe struct {
			Type string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(b, &probe))
		if probe.Type == "image" {
			require.NoError(t, json.Unmarshal(b, &img))
		}
	}
	require.Equal(t, "image", img.Type, "the chart is shown in the answer")
	res, err := http.Get(f.srv.URL + img.ImageURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, res.Body.Close()) }()
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	pic, err := png.Decode(res.Body)
	require.NoError(t, err)
	require.Greater(t, pic.Bounds().Dx(), 300)

	c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "/gemba"}, http.StatusAccepted, &posted)
	reply = c.waitReply(posted.Reply.ID)
	require.True(t, reply.Ephemeral)
	require.Contains(t, blocksText(reply), "Gemba commands", "/gemba alone shows the help")
}

func TestDocsAndDigests(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	c := newClient(t, f.srv.URL)
	var hits struct {
		Hits []console.DocHit `json:"hits"`
	}
	c.json("GET", "/api/docs?q="+url.QueryEscape("필터"), nil, http.StatusOK, &hits)
	require.Len(t, hits.Hits, 1)
	require.Equal(t, "INC-0031", hits.Hits[0].ID)
	c.json("GET", "/api/docs?q=zzz", nil, http.StatusOK, &hits)
	require.Empty(t, hits.Hits)
	var d console.Doc
	c.json("GET", "/api/docs/INC-0007", nil, http.StatusOK, &d)
	require.Contains(t, d.Body, "Re-greased")

	var ds struct {
		Schedules []struct {
			Source   string    `json:"source"`
			Channel  string    `json:"channel"`
			TimeZone string    `json:"time_zone"`
			Next     time.Time `json:"next"`
		} `json:"schedules"`
	}
	c.json("GET", "/api/digests", nil, http.StatusOK, &ds)
	require.Equal(t, "Asia/Seoul", ds.Schedules[0].TimeZone)
	require.Equal(t, "console", ds.Schedules[0].Source)
	require.True(t, ds.Schedules[0].Next.After(now), "the next slot is shown")
	var pv struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	c.json("POST", "/api/digests/preview", map[string]string{"channel": "shop-floor"}, http.StatusOK, &pv)
	require.Contains(t, string(pv.Blocks[0]), `"header"`)
	require.Contains(t, pv.Text, "press-3 vibration up 11.7σ")
	require.Contains(t, pv.Text, "line-1: next 24 h forecast")
}

func TestPlantPagesOnSeriesStore(t *testing.T) {
	t.Parallel()
	st := series.New(dbtest.Pool(t))
	seedPlant(t, st)
	f := newFixture(t, st, nil)
	c := newClient(t, f.srv.URL)

	var ps struct {
		Assets []struct {
			Name   string               `json:"name"`
			Series []console.SeriesInfo `json:"series"`
		} `json:"assets"`
	}
	c.json("GET", "/api/plant/series", nil, http.StatusOK, &ps)
	require.Len(t, ps.Assets, 2)
	require.Equal(t, "line-1", ps.Assets[0].Name)
	require.Equal(t, "press-3", ps.Assets[1].Name)
	require.Len(t, ps.Assets[1].Series, 2)

	var ev struct {
		Events []console.Event `json:"events"`
	}
	c.json("GET", "/api/plant/events?asset=press-3&hours=96", nil, http.StatusOK, &ev)
	require.NotEmpty(t, ev.Events, "the drift of the last hours is an event")
	last := ev.Events[0]
	require.True(t, last.End.After(now.Add(-8*time.Hour)), "newest first: %+v", last)
	require.NotEmpty(t, last.Drivers)
	c.json("GET", "/api/plant/events?asset=line-1&hours=96", nil, http.StatusOK, &ev)

	res, err := http.Get(f.srv.URL + "/api/plant/chart?series=press-3.vibration&hours=72")
	require.NoError(t, err)
	defer func() { require.NoError(t, res.Body.Close()) }()
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err = png.Decode(res.Body)
	require.NoError(t, err)

	for _, tc := range []struct {
		path   string
		status int
		says   string
	}{
		{"/api/plant/events", 400, "asset is required"},
		{"/api/plant/events?asset=press-3&hours=0", 400, "hours must be"},
		{"/api/plant/events?asset=nosuch", 502, "nosuch"},
		{"/api/plant/chart?series=press-9.vibration", 404, "press-9"},
		{"/api/plant/chart", 400, "series is required"},
	} {
		status, body := c.do("GET", tc.path, nil)
		require.Equal(t, tc.status, status, "%s: %s", tc.path, body)
		require.Contains(t, string(body), tc.says)
	}
}

func TestPlantShowsLastDataWhenSeededEarlier(t *testing.T) {
	t.Parallel()
	st := series.New(dbtest.Pool(t))
	seedPlant(t, st)
	p := console.NewSeriesPlant(st)
	// A week after the data ends, the chart shows the last stored span.
	later := now.Add(7 * 24 * time.Hour)
	ch, err := p.Chart(t.Context(), "press-3.vibration", later.Add(-24*time.Hour), later)
	require.NoError(t, err)
	require.NotEmpty(t, ch.Lines[0].Times)
	require.LessOrEqual(t, ch.Lines[0].Times[len(ch.Lines[0].Times)-1], now.Unix())
	_, err = p.Chart(t.Context(), "nope.nothing", later.Add(-time.Hour), later)
	require.True(t, errors.Is(err, series.ErrNotFound))
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// gateAsker blocks every question until released and records how many
// were in flight at once.
type gateAsker struct {
	mu       sync.Mutex
	in, most int
	entered  chan struct{}
	release  chan struct{}
	answered int
}

func (g *gateAsker) Ask(ctx context.Context, _ agent.Request) (*agent.Answer, error) {
	g.mu.Lock()
	g.in++
	g.most = max(g.most, g.in)
	g.mu.Unlock()
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	g.in--
	g.answered++
	g.mu.Unlock()
	return &agent.Answer{Lang: "en", Mode: agent.ModeOffline, Situation: "ok", Steps: []agent.Step{{Text: "wait"}}}, nil
}

func TestRepliesInFlightAreBounded(t *testing.T) {
	t.Parallel()
	g := &gateAsker{entered: make(chan struct{}, 16), release: make(chan struct{})}
	f := newFixture(t, nil, func(o *fixtureOptions) { o.core.Asker = g })
	c := newClient(t, f.srv.URL)
	var ids []string
	for i := range 6 {
		var posted struct{ Message, Reply apiMessage }
		c.json("POST", "/api/channels/shop-floor/messages", map[string]string{"text": "question " + strconv.Itoa(i)}, http.StatusAccepted, &posted)
		ids = append(ids, posted.Reply.ID)
	}
	for range 4 {
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("four questions should be worked on at once")
		}
	}
	select {
	case <-g.entered:
		t.Fatal("a fifth question started while four were in flight")
	case <-time.After(200 * time.Millisecond):
	}
	close(g.release)
	for _, id := range ids {
		c.waitReply(id)
	}
	require.Equal(t, 4, g.most)
	require.Equal(t, 6, g.answered)
}
