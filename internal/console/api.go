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
	"github.com/gemba-ai/gemba/internal/conversation"
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
	m.HandleFunc("GET /api/plant/model", c.plantModel)
	m.HandleFunc("POST /api/plant/bindings", c.postBinding)
	m.HandleFunc("POST /api/plant/digests", c.postSchedule)
	m.HandleFunc("GET /api/docs", c.searchDocs)
	m.HandleFunc("GET /api/docs/{id...}", c.getDoc)
	m.HandleFunc("GET /api/digests", c.listDigests)
	m.HandleFunc("GET /api/live", c.live)
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

// info tells the page what is connected; it never includes secrets.
func (c *Console) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"channels": c.o.Channels,
		"user":     c.o.User,
		"about":    c.o.About,
		"auth":     c.auth.enabled(),
		"features": map[string]bool{
			"ask":      c.o.Core != nil,
			"commands": c.o.Core != nil,
			"feedback": c.o.Core != nil,
			"resolve":  c.o.Core != nil,
			"trace":    true,
			"docs":     c.o.Docs != nil,
			"plant":    c.o.Plant != nil,
			"digests":  c.o.Core != nil,
			"model":    c.o.PlantModel != nil,
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
	if c.o.Core == nil {
		if isCommand {
			writeError(w, http.StatusServiceUnavailable, "slash commands are not connected in this build")
		} else {
			writeError(w, http.StatusServiceUnavailable, "no agent is connected: questions cannot be answered")
		}
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

// work hands q to the conversation core, which fills the pending reply
// (or says in it why it could not).
func (c *Console) work(replyID string, q message, isCommand bool) {
	select {
	case c.busy <- struct{}{}:
		defer func() { <-c.busy }()
	case <-c.bg.Done():
		return
	}
	ctx, cancel := context.WithTimeout(c.bg, c.o.AskTimeout)
	defer cancel()
	ctx, rep := withReply(ctx, replyID)
	root := q.ID
	if q.Thread != "" {
		root = q.Thread
	}
	in := conversation.Inbound{Kind: conversation.KindMessage, Channel: q.Channel, User: q.User, Text: q.Text,
		Ref: q.ID, Thread: root, Addressed: true, Placeholder: replyID}
	if isCommand {
		in.Kind, in.Text, in.Ref = conversation.KindCommand, strings.TrimSpace(strings.TrimPrefix(q.Text, "/gemba")), ""
	}
	start := time.Now()
	err := c.o.Core.Handle(ctx, c, in)
	if err != nil {
		c.log.ErrorContext(ctx, "console reply failed", "command", isCommand, "err", err, "took", time.Since(start))
	}
	rep.mu.Lock()
	filled := rep.filled
	rep.mu.Unlock()
	if filled {
		c.msgs.update(replyID, func(m *message) {
			m.Pending = false
			if err != nil {
				m.Error = err.Error()
			}
		})
		return
	}
	// The core left the reply pending: it failed before saying anything.
	msg := "Gemba could not answer"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("Gemba took longer than %s and stopped. Try a narrower question.", c.o.AskTimeout)
	case err != nil:
		msg += ": " + err.Error()
	default:
		msg = "Nothing to answer."
	}
	blocks, _ := json.Marshal([]slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, ":warning: "+conversation.Escape(msg), false, false), nil, nil)})
	c.msgs.update(replyID, func(m *message) {
		m.Pending, m.Text, m.Blocks = false, msg, blocks
		if err != nil {
			m.Error = err.Error()
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

// withImages adds image blocks for refs to a message's Block Kit JSON,
// before a trailing actions block (the buttons stay last).
func withImages(raw json.RawMessage, refs []chartRef) json.RawMessage {
	var blocks []json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		blocks = nil
	}
	var tail []json.RawMessage
	if n := len(blocks); n > 0 {
		var last struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(blocks[n-1], &last) == nil && last.Type == string(slack.MBTAction) {
			blocks, tail = blocks[:n-1], blocks[n-1:]
		}
	}
	var imgs []json.RawMessage
	if err := json.Unmarshal(blocksJSON(nil, refs), &imgs); err == nil {
		blocks = append(blocks, imgs...)
	}
	out, err := json.Marshal(append(blocks, tail...))
	if err != nil {
		return raw
	}
	return out
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
		c.log.WarnContext(ctx, "console: answer not in the audit trail, showing the copy in memory", "answer_id", m.AnswerID, "err", err)
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
		c.log.ErrorContext(r.Context(), "console trace", "err", err)
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
			c.log.WarnContext(r.Context(), "console: no audit trail for answer, showing the stored answer", "answer_id", m.AnswerID, "err", err)
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

// postAction handles a button of a message, as Slack interactivity does:
// the conversation core does what the button asks, and the response
// carries what it said (the updated message, a detail message, a notice,
// or the form to open).
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
	alert := kind == kindAlertAck || kind == kindAlertAsk
	if alert && m.AlertID == 0 {
		writeError(w, http.StatusConflict, "this message is not an alert")
		return
	}
	if !alert && !m.HasTrace {
		writeError(w, http.StatusConflict, "this message is not an answer")
		return
	}
	if c.o.Core == nil {
		writeError(w, http.StatusServiceUnavailable, "buttons are not connected in this build")
		return
	}
	if kind == kindDetail && m.Detail {
		// As in Slack, the rest of the steps come once, as a new message in the thread.
		writeJSON(w, http.StatusOK, map[string]any{"message": m, "notice": "The detail is already in the thread."})
		return
	}
	root := m.Thread
	if root == "" {
		root = m.ID
	}
	in := conversation.Inbound{Kind: conversation.KindAction, Channel: m.Channel, User: c.o.User, Ref: m.ID, Thread: root,
		Action: map[string]string{kindHelpful: conversation.ActionHelpful, kindNotHelpful: conversation.ActionNotHelpful,
			kindDetail: conversation.ActionMore, kindResolve: conversation.ActionResolve,
			kindAlertAck: conversation.ActionAlertAck, kindAlertAsk: conversation.ActionAlertAsk}[kind]}
	if m.AnswerID > 0 {
		in.Value = strconv.FormatInt(m.AnswerID, 10)
	}
	if alert {
		in.Value = strconv.FormatInt(m.AlertID, 10)
	}
	ctx, rep := withReply(r.Context(), "")
	if err := c.o.Core.Handle(ctx, c, in); err != nil {
		c.log.ErrorContext(ctx, "console action", "action", kind, "message", m.ID, "err", err)
		status := http.StatusBadGateway
		if errors.Is(err, conversation.ErrNotAnswer) {
			status = http.StatusConflict
		}
		writeError(w, status, "console: "+kind+": "+err.Error())
		return
	}
	out := map[string]any{"message": m}
	if rep.notice != "" {
		out["notice"] = rep.notice
	}
	switch kind {
	case kindHelpful, kindNotHelpful:
		out["message"], _ = c.msgs.update(m.ID, func(m *message) { m.Rating = kind })
	case kindDetail:
		if len(rep.posted) > 0 {
			out["message"], _ = c.msgs.update(m.ID, func(m *message) { m.Detail = true })
			out["detail"], _ = c.msgs.get(rep.posted[0])
		}
	case kindResolve:
		out["open"] = rep.open
	case kindAlertAck, kindAlertAsk:
		out["message"], _ = c.msgs.get(m.ID)
	}
	writeJSON(w, http.StatusOK, out)
}

type resolveBody struct {
	Actions         string `json:"actions"`
	RootCause       string `json:"root_cause"`
	DowntimeMinutes *int   `json:"downtime_minutes,omitempty"`
	Outcome         string `json:"outcome"`
}

// postResolve stores the "mark resolved" form as an incident, through the
// conversation core as Slack's modal does.
func (c *Console) postResolve(w http.ResponseWriter, r *http.Request) {
	m, ok := c.message(w, r)
	if !ok {
		return
	}
	if c.o.Core == nil {
		writeError(w, http.StatusServiceUnavailable, "mark resolved is not connected in this build")
		return
	}
	var b resolveBody
	if !readJSON(w, r, &b) {
		return
	}
	root := m.Thread
	if root == "" {
		root = m.ID
	}
	res := conversation.Resolution{Channel: m.Channel, Thread: root, Message: m.ID, User: c.o.User,
		Actions: b.Actions, RootCause: b.RootCause, Downtime: b.DowntimeMinutes, Outcome: b.Outcome}
	if errs := conversation.ValidateResolution(res); len(errs) > 0 {
		var problems []string
		for _, f := range []string{conversation.FieldActions, conversation.FieldDowntime, conversation.FieldOutcome} {
			if e, ok := errs[f]; ok {
				problems = append(problems, e)
			}
		}
		writeError(w, http.StatusBadRequest, strings.Join(problems, "; "))
		return
	}
	ctx, rep := withReply(r.Context(), "")
	id, err := c.o.Core.Resolve(ctx, c, res)
	if err != nil {
		c.log.ErrorContext(ctx, "console resolve", "thread", root, "err", err)
		writeError(w, http.StatusBadGateway, "console: mark resolved: "+err.Error())
		return
	}
	upd, _ := c.msgs.update(m.ID, func(m *message) { m.Resolved = id })
	out := map[string]any{"doc_id": id, "message": upd}
	if len(rep.posted) > 0 {
		out["note"], _ = c.msgs.get(rep.posted[len(rep.posted)-1])
	}
	writeJSON(w, http.StatusOK, out)
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
