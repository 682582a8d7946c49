package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/tools"
)

// maxText bounds a question or command (Slack's own message limit is 40k
// characters; a question is far shorter).
const maxText = 4000

func (c *Console) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", c.index)
	m.HandleFunc("GET /login", c.login)
	m.HandleFunc("POST /login", c.login)
	m.HandleFunc("POST /logout", c.logout)
	m.Handle("GET /assets/", c.assets)

	m.HandleFunc("GET /api/info", c.info)
	m.HandleFunc("GET /api/channels/{channel}/messages", c.listMessages)
	m.HandleFunc("POST /api/channels/{channel}/messages", c.postMessage)
	m.HandleFunc("GET /api/messages/{id}/thread", c.getThread)
	m.HandleFunc("GET /api/messages/{id}/trace", c.getTrace)
	m.HandleFunc("POST /api/messages/{id}/actions", c.postAction)
	m.HandleFunc("POST /api/messages/{id}/resolve", c.postResolve)
	m.HandleFunc("GET /api/files/{id}", c.getFile)

	m.HandleFunc("GET /api/plant/series", c.plantSeries)
	m.HandleFunc("GET /api/plant/events", c.plantEvents)
	m.HandleFunc("GET /api/plant/chart", c.plantChart)
	m.HandleFunc("GET /api/docs", c.searchDocs)
	m.HandleFunc("GET /api/docs/{id...}", c.getDoc)
	m.HandleFunc("GET /api/digests", c.listDigests)
	m.HandleFunc("POST /api/digests/preview", c.previewDigest)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such console API: "+r.Method+" "+r.URL.Path)
	})
	c.mux = m
}

func (c *Console) index(w http.ResponseWriter, _ *http.Request) {
	b, err := fs.ReadFile(webFS, "web/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "console assets missing")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)}) //nolint:gosec // Secure follows the request's scheme; see secure
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// info tells the page what is connected; it never includes secrets.
func (c *Console) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"channels": c.o.Channels,
		"user":     c.o.User,
		"about":    c.o.About,
		"auth":     c.auth.enabled(),
		"features": map[string]bool{
			"ask":      c.o.Asker != nil,
			"commands": c.o.Commands != nil,
			"feedback": c.o.Feedback != nil,
			"resolve":  c.o.Resolve != nil,
			"trace":    true,
			"docs":     c.o.Docs != nil,
			"plant":    c.o.Plant != nil,
			"digests":  c.o.Digests != nil,
		},
	})
}

func (c *Console) channel(w http.ResponseWriter, r *http.Request) (string, bool) {
	ch := r.PathValue("channel")
	if !slices.Contains(c.o.Channels, ch) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no channel #%s (channels: %s)", ch, strings.Join(c.o.Channels, ", ")))
		return "", false
	}
	return ch, true
}

// listMessages returns the channel's messages. With after=V it waits (up
// to 25 s) until something changes after version V: a long poll, so the
// page shows answers as soon as they are ready without a websocket.
func (c *Console) listMessages(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.channel(w, r)
	if !ok {
		return
	}
	if a := r.URL.Query().Get("after"); a != "" {
		after, err := strconv.ParseInt(a, 10, 64)
		if err != nil || after < 0 {
			writeError(w, http.StatusBadRequest, "after must be a version number returned by this API")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 25*time.Second)
		c.msgs.wait(ctx, after)
		cancel()
	}
	msgs, v := c.msgs.list(ch)
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "messages": c.present(msgs)})
}

// present fills in what the browser needs and hides nothing else (there is
// nothing secret in a message).
func (c *Console) present(msgs []message) []message {
	for i := range msgs {
		if len(msgs[i].Blocks) == 0 {
			msgs[i].Blocks = json.RawMessage("[]")
		}
	}
	return msgs
}

type postBody struct {
	Text   string `json:"text"`
	Thread string `json:"thread,omitempty"`
}

// postMessage takes a question or a /gemba command. It answers at once
// with the user's message and a pending bot message, and works on the
// reply in the background, as the bot does in Slack.
func (c *Console) postMessage(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.channel(w, r)
	if !ok {
		return
	}
	var b postBody
	if !readJSON(w, r, &b) {
		return
	}
	text := strings.TrimSpace(b.Text)
	switch {
	case text == "":
		writeError(w, http.StatusBadRequest, "the message is empty: type a question, or /gemba help")
		return
	case !utf8.ValidString(text):
		writeError(w, http.StatusBadRequest, "the message is not valid UTF-8 text")
		return
	case utf8.RuneCountInString(text) > maxText:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the message is too long (%d characters; at most %d)", utf8.RuneCountInString(text), maxText))
		return
	}
	isCommand := strings.HasPrefix(text, "/")
	if isCommand && !strings.HasPrefix(text+" ", "/gemba ") {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown command %q: the console knows /gemba (try /gemba help)", strings.Fields(text)[0]))
		return
	}
	if isCommand && c.o.Commands == nil {
		writeError(w, http.StatusServiceUnavailable, "slash commands are not connected in this build")
		return
	}
	if !isCommand && c.o.Asker == nil {
		writeError(w, http.StatusServiceUnavailable, "no agent is connected: questions cannot be answered")
		return
	}
	threadKey := ""
	if b.Thread != "" {
		root, ok := c.msgs.get(b.Thread)
		if !ok || root.Channel != ch {
			writeError(w, http.StatusNotFound, "no such thread in #"+ch)
			return
		}
		if root.Thread != "" { // a reply's id: use its root
			b.Thread = root.Thread
			root, _ = c.msgs.get(b.Thread)
		}
		threadKey = root.ThreadKey
	}
	q := c.msgs.add(&message{Channel: ch, Thread: b.Thread, ThreadKey: threadKey, Author: authorUser, User: c.o.User, Text: text})
	root := q.ID
	if q.Thread != "" {
		root = q.Thread
	}
	pending := c.msgs.add(&message{Channel: ch, Thread: root, ThreadKey: q.ThreadKey, Author: authorBot, User: "gemba", Pending: true})
	go c.work(pending.ID, q, isCommand)
	writeJSON(w, http.StatusAccepted, map[string]any{"message": q, "reply": pending})
}

// work produces the reply to q and fills the pending message.
func (c *Console) work(replyID string, q message, isCommand bool) {
	select {
	case c.busy <- struct{}{}:
		defer func() { <-c.busy }()
	case <-c.bg.Done():
		return
	}
	ctx, cancel := context.WithTimeout(c.bg, c.o.AskTimeout)
	defer cancel()
	start := time.Now()
	var rep Reply
	var err error
	if isCommand {
		rep, err = c.o.Commands(ctx, Command{Channel: q.Channel, User: q.User, Text: q.Text, ThreadKey: q.ThreadKey})
	} else {
		var a *agent.Answer
		a, err = c.o.Asker.Ask(ctx, agent.Request{
			ThreadKey: q.ThreadKey, Channel: q.Channel, UserID: q.User, Question: q.Text, Now: c.now(),
		})
		rep.Answer = a
	}
	if err == nil && !isCommand && rep.Answer == nil {
		err = errors.New("the agent returned no answer")
	}
	if err != nil {
		c.log.Error("console reply failed", "command", isCommand, "err", err, "took", time.Since(start))
		msg := "Gemba could not answer: " + err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("Gemba took longer than %s and stopped. Try a narrower question.", c.o.AskTimeout)
		}
		blocks, _ := json.Marshal([]slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, ":warning: "+escapeMrkdwn(msg), false, false), nil, nil)})
		c.msgs.update(replyID, func(m *message) {
			m.Pending, m.Error, m.Text, m.Blocks = false, msg, msg, blocks
		})
		return
	}
	c.fill(replyID, rep)
}

// fill renders rep into the message with id: blocks from the reply (or
// the answer through the Renderer), then its files and charts as images.
func (c *Console) fill(id string, rep Reply) {
	blocks := rep.Blocks
	if len(blocks) == 0 && rep.Answer != nil {
		blocks = c.o.Renderer(rep.Answer, RenderOptions{})
	}
	var refs []chartRef
	for _, f := range rep.Files {
		if f.MIME == "" || strings.HasPrefix(f.MIME, "image/") {
			refs = append(refs, chartRef{URL: c.files.put(f), Title: f.Title})
		}
	}
	charts := rep.Charts
	if rep.Answer != nil && len(rep.Files) == 0 {
		charts = append(charts, rep.Answer.Charts...)
	}
	for _, ch := range charts {
		png, err := chart.PNG(ch, chart.Options{})
		if err != nil {
			c.log.Warn("console chart failed", "title", ch.Title, "err", err)
			continue
		}
		refs = append(refs, chartRef{URL: c.files.put(File{Name: "chart.png", Title: ch.Title, MIME: "image/png", Data: png}), Title: ch.Title})
	}
	raw := blocksJSON(blocks, refs)
	text := rep.Text
	if text == "" && rep.Answer != nil {
		text = rep.Answer.Text
	}
	c.msgs.update(id, func(m *message) {
		m.Pending = false
		m.Blocks = raw
		m.Text = text
		m.Ephemeral = rep.Ephemeral
		m.charts = refs
		if rep.Answer != nil {
			m.answer = rep.Answer
			m.AnswerID = rep.Answer.ID
			m.HasTrace = true
		}
	})
}

// blocksJSON appends image blocks for the charts after the blocks, before
// a trailing actions block so the buttons stay last, as in Slack where the
// chart is uploaded into the thread.
func blocksJSON(blocks []slack.Block, refs []chartRef) json.RawMessage {
	out := make([]slack.Block, 0, len(blocks)+len(refs))
	var tail []slack.Block
	if n := len(blocks); n > 0 && blocks[n-1].BlockType() == slack.MBTAction {
		blocks, tail = blocks[:n-1], blocks[n-1:]
	}
	out = append(out, blocks...)
	for _, r := range refs {
		title := r.Title
		if title == "" {
			title = "chart"
		}
		out = append(out, slack.NewImageBlock(r.URL, title, "", slack.NewTextBlockObject(slack.PlainTextType, clip(title, 2000), false, false)))
	}
	out = append(out, tail...)
	b, err := json.Marshal(out)
	if err != nil {
		b, _ = json.Marshal([]slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, "(this reply could not be shown: "+err.Error()+")", false, false), nil, nil)})
	}
	return b
}

func (c *Console) message(w http.ResponseWriter, r *http.Request) (message, bool) {
	m, ok := c.msgs.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such message (the console keeps the latest messages in memory; it may have restarted)")
		return message{}, false
	}
	return m, true
}

func (c *Console) getThread(w http.ResponseWriter, r *http.Request) {
	m, ok := c.message(w, r)
	if !ok {
		return
	}
	root := m.ID
	if m.Thread != "" {
		root = m.Thread
	}
	writeJSON(w, http.StatusOK, map[string]any{"root": root, "messages": c.present(c.msgs.thread(root))})
}

// loadAnswer returns the message's answer from the audit trail when an
// answer store is connected, else the copy kept with the message.
func (c *Console) loadAnswer(ctx context.Context, m message) (*agent.Answer, string, error) {
	if m.AnswerID > 0 && c.o.Answers != nil {
		a, err := c.o.Answers.Answer(ctx, m.AnswerID)
		if err == nil && a != nil {
			if a.ID == 0 {
				a.ID = m.AnswerID
			}
			return a, "audit", nil
		}
		if m.answer == nil {
			if err == nil {
				err = errors.New("not found")
			}
			return nil, "", fmt.Errorf("load answer %d: %w", m.AnswerID, err)
		}
		c.log.Warn("console: answer not in the audit trail, showing the copy in memory", "answer_id", m.AnswerID, "err", err)
	}
	if m.answer == nil {
		return nil, "", errors.New("this message has no answer")
	}
	return m.answer, "memory", nil
}

// traceView is the "What the bot did" panel.
type traceView struct {
	AnswerID         int64             `json:"answer_id,omitempty"`
	Source           string            `json:"source"`
	Question         string            `json:"question,omitempty"`
	Lang             string            `json:"lang,omitempty"`
	Mode             string            `json:"mode"`
	Model            string            `json:"model,omitempty"`
	PromptTokens     int               `json:"prompt_tokens"`
	CompletionTokens int               `json:"completion_tokens"`
	LatencyMS        int64             `json:"latency_ms"`
	Tools            []agent.ToolTrace `json:"tools"`
	Documents        []tools.Citation  `json:"documents"`
	Warnings         []string          `json:"warnings,omitempty"`
	Confidence       string            `json:"confidence,omitempty"`
	// ModelCalls are the LLM calls (empty offline), from the audit trail.
	ModelCalls []agent.ModelCall `json:"model_calls"`
}

func (c *Console) getTrace(w http.ResponseWriter, r *http.Request) {
	m, ok := c.message(w, r)
	if !ok {
		return
	}
	if !m.HasTrace {
		writeError(w, http.StatusNotFound, "this message is not an answer, so it has no trace")
		return
	}
	a, src, err := c.loadAnswer(r.Context(), m)
	if err != nil {
		c.log.Error("console trace", "err", err)
		writeError(w, http.StatusBadGateway, "console: trace: "+err.Error())
		return
	}
	tv := traceView{
		AnswerID: a.ID, Source: src, Lang: a.Lang, Mode: a.Mode, Model: a.Model,
		PromptTokens: a.PromptTokens, CompletionTokens: a.CompletionTokens, LatencyMS: a.LatencyMS,
		Tools: a.Trace, Documents: a.Citations, Warnings: a.Warnings, Confidence: a.Confidence,
	}
	if m.AnswerID > 0 && c.o.Traces != nil {
		if tr, err := c.o.Traces.Trace(r.Context(), m.AnswerID); err == nil && tr != nil {
			tv.Source, tv.Mode, tv.Model, tv.LatencyMS = "audit", tr.Mode, tr.Model, tr.LatencyMS
			tv.PromptTokens, tv.CompletionTokens = tr.Tokens[0], tr.Tokens[1]
			tv.ModelCalls = tr.ModelCalls
			if len(tr.Warnings) > 0 {
				tv.Warnings = tr.Warnings
			}
			if len(tr.ToolCalls) > 0 {
				tv.Tools = tv.Tools[:0:0]
				for _, tc := range tr.ToolCalls {
					tv.Tools = append(tv.Tools, agent.ToolTrace{Tool: tc.Tool, Args: tc.Args, DurationMS: tc.DurationMS, Summary: tc.Summary, Error: tc.Error, ResultSize: tc.ResultSize})
				}
			}
		} else if err != nil {
			c.log.Warn("console: no audit trail for answer, showing the stored answer", "answer_id", m.AnswerID, "err", err)
		}
	}
	if tv.Tools == nil {
		tv.Tools = []agent.ToolTrace{}
	}
	if tv.ModelCalls == nil {
		tv.ModelCalls = []agent.ModelCall{}
	}
	if tv.Documents == nil {
		tv.Documents = []tools.Citation{}
	}
	// The question is the last user message before the answer in its thread.
	for _, t := range c.msgs.thread(m.Thread) {
		if t.ID == m.ID {
			break
		}
		if t.Author == authorUser {
			tv.Question = t.Text
		}
	}
	writeJSON(w, http.StatusOK, tv)
}

type actionBody struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value,omitempty"`
}

// postAction handles a button of a message, as Slack interactivity does.
func (c *Console) postAction(w http.ResponseWriter, r *http.Request) {
	m, ok := c.message(w, r)
	if !ok {
		return
	}
	var b actionBody
	if !readJSON(w, r, &b) {
		return
	}
	kind := actionKind(b.ActionID)
	if kind == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown action %q", b.ActionID))
		return
	}
	if !m.HasTrace {
		writeError(w, http.StatusConflict, "this message is not an answer")
		return
	}
	switch kind {
	case kindHelpful, kindNotHelpful:
		if c.o.Feedback == nil {
			writeError(w, http.StatusServiceUnavailable, "feedback is not connected in this build")
			return
		}
		if m.AnswerID == 0 {
			writeError(w, http.StatusConflict, "this answer was not stored, so feedback cannot be recorded")
			return
		}
		if err := c.o.Feedback.RecordFeedback(r.Context(), m.AnswerID, c.o.User, kind, ""); err != nil {
			c.log.Error("console feedback", "answer_id", m.AnswerID, "err", err)
			writeError(w, http.StatusBadGateway, "console: feedback: "+err.Error())
			return
		}
		upd, _ := c.msgs.update(m.ID, func(m *message) { m.Rating = kind })
		notice := "Thanks, recorded as helpful."
		if kind == kindNotHelpful {
			notice = "Thanks, recorded as not helpful. A follow-up in the thread saying what was wrong helps most."
		}
		writeJSON(w, http.StatusOK, map[string]any{"message": upd, "notice": notice})
	case kindDetail:
		// As in Slack, the rest of the steps come as a new message in the
		// thread (the renderer's Detail view), once.
		if m.Detail {
			writeJSON(w, http.StatusOK, map[string]any{"message": m, "notice": "The detail is already in the thread."})
			return
		}
		a, _, err := c.loadAnswer(r.Context(), m)
		if err != nil {
			writeError(w, http.StatusBadGateway, "console: more detail: "+err.Error())
			return
		}
		if len(a.Detail) == 0 {
			writeJSON(w, http.StatusOK, map[string]any{"message": m, "notice": "There is no more detail for this answer."})
			return
		}
		raw := blocksJSON(c.o.Renderer(a, RenderOptions{Detail: true}), nil)
		upd, _ := c.msgs.update(m.ID, func(m *message) { m.Detail = true })
		root := m.Thread
		if root == "" {
			root = m.ID
		}
		more := c.msgs.add(&message{Channel: m.Channel, Thread: root, ThreadKey: m.ThreadKey, Author: authorBot, User: "gemba",
			Text: "More detail", Blocks: raw, AnswerID: m.AnswerID, answer: m.answer})
		writeJSON(w, http.StatusOK, map[string]any{"message": upd, "detail": more})
	case kindResolve:
		if c.o.Resolve == nil {
			writeError(w, http.StatusServiceUnavailable, "mark resolved is not connected in this build")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"open": "resolve", "message": m})
	}
}

type resolveBody struct {
	Actions         string `json:"actions"`
	RootCause       string `json:"root_cause"`
	DowntimeMinutes *int   `json:"downtime_minutes,omitempty"`
	Outcome         string `json:"outcome"`
}

// postResolve stores the "mark resolved" form as an incident.
func (c *Console) postResolve(w http.ResponseWriter, r *http.Request) {
	m, ok := c.message(w, r)
	if !ok {
		return
	}
	if c.o.Resolve == nil {
		writeError(w, http.StatusServiceUnavailable, "mark resolved is not connected in this build")
		return
	}
	var b resolveBody
	if !readJSON(w, r, &b) {
		return
	}
	var problems []string
	if strings.TrimSpace(b.Actions) == "" {
		problems = append(problems, "say what was done")
	}
	if b.DowntimeMinutes != nil && (*b.DowntimeMinutes < 0 || *b.DowntimeMinutes > 60*24*365) {
		problems = append(problems, "downtime must be between 0 and 525600 minutes")
	}
	switch b.Outcome {
	case "worked", "partial", "failed", "unknown":
	case "":
		b.Outcome = "unknown"
	default:
		problems = append(problems, "did it work must be worked, partial, failed or unknown")
	}
	if len(problems) > 0 {
		writeError(w, http.StatusBadRequest, strings.Join(problems, "; "))
		return
	}
	res := Resolution{
		AnswerID: m.AnswerID, ThreadKey: m.ThreadKey, Channel: m.Channel, UserID: c.o.User,
		Actions: strings.TrimSpace(b.Actions), RootCause: strings.TrimSpace(b.RootCause),
		DowntimeMinutes: b.DowntimeMinutes, Outcome: b.Outcome,
	}
	root := m.Thread
	if root == "" {
		root = m.ID
	}
	for _, t := range c.msgs.thread(root) {
		if t.Author == authorUser && res.Question == "" {
			res.Question = t.Text
		}
	}
	if a, _, err := c.loadAnswer(r.Context(), m); err == nil {
		res.Answer = a.Text
		for _, ci := range a.Citations {
			res.Citations = append(res.Citations, ci.ID)
		}
	}
	id, err := c.o.Resolve(r.Context(), res)
	if err != nil {
		c.log.Error("console resolve", "thread", m.ThreadKey, "err", err)
		writeError(w, http.StatusBadGateway, "console: mark resolved: "+err.Error())
		return
	}
	upd, _ := c.msgs.update(m.ID, func(m *message) { m.Resolved = id })
	text := fmt.Sprintf(":white_check_mark: Stored as incident `%s` (outcome: %s). Future answers can cite it.", escapeMrkdwn(id), b.Outcome)
	blocks, _ := json.Marshal([]slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)})
	note := c.msgs.add(&message{Channel: m.Channel, Thread: root, ThreadKey: m.ThreadKey, Author: authorBot, User: "gemba", Text: text, Blocks: blocks})
	writeJSON(w, http.StatusOK, map[string]any{"doc_id": id, "message": upd, "note": note})
}

func (c *Console) getFile(w http.ResponseWriter, r *http.Request) {
	f, ok := c.files.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such file (the console keeps recent images in memory)")
		return
	}
	mime := f.MIME
	if mime == "" {
		mime = "image/png"
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(f.Data)
}

// readJSON decodes a small JSON body into v, answering 400 with the reason
// when it does not fit.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the request body is too large (64 KiB at most)")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "the request body is not the expected JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
