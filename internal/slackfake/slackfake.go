// Package slackfake is a local Slack for tests and staging: an httptest
// server that speaks the parts of the Slack Web API Gemba uses (auth.test,
// chat.postMessage, chat.update, chat.postEphemeral, reactions.add and
// reactions.remove, conversations.replies, views.open, the three-step file
// upload, usergroups.users.list, apps.connections.open) and the Socket Mode
// websocket. A slack-go
// client reaches it through slack.OptionAPIURL(server.URL).
//
// It records every call for assertions, keeps the messages of each channel
// so that threads can be read back, delivers Socket Mode envelopes and
// collects their acks, and can answer 429 with Retry-After or an API error
// on demand. Waiting helpers block on channels with a timeout, never on
// sleeps.
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Identity of the bot as auth.test reports it.
const (
	TeamID    = "T0GEMBA"
	BotUserID = "U0GEMBA"
	BotID     = "B0GEMBA"
)

// Call is one Web API request the server received.
type Call struct {
	// Method is the API method, e.g. "chat.postMessage", or "upload" for
	// the file upload URL.
	Method string
	// Params holds form fields, or the top-level fields of a JSON body
	// (non-string values re-encoded as JSON).
	Params map[string]string
	// Body is the raw request body (the file bytes for "upload").
	Body []byte
	// Token is the bearer or form token the call carried.
	Token string
	// Status is the HTTP status the server answered.
	Status int
	// At is when the call arrived.
	At time.Time
}

// Message is a message as the fake workspace stores it.
type Message struct {
	Channel  string          `json:"channel"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	User     string          `json:"user,omitempty"`
	BotID    string          `json:"bot_id,omitempty"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	Edited   bool            `json:"-"`
}

// File is an uploaded file, complete once files.completeUploadExternal ran.
type File struct {
	ID             string
	Name           string
	Title          string
	Data           []byte
	Channel        string
	ThreadTS       string
	InitialComment string
	Complete       bool
}

// Ack is the answer a Socket Mode client sent for one envelope.
type Ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

// Server is the fake Slack. Create it with New and Close it when done.
type Server struct {
	// URL is the Web API base URL, ending in "/", for slack.OptionAPIURL.
	URL string

	srv *httptest.Server

	mu       sync.Mutex
	calls    []Call
	changed  chan struct{}
	messages []*Message
	files    map[string]*File
	views    []json.RawMessage
	nextTS   int
	nextID   int
	limits   map[string]*limit
	outages  map[string]int
	failures map[string][]string
	conns    []*sockConn
	acks     map[string]Ack
	pingEach time.Duration
	groups   map[string][]string
	closed   bool
}

type limit struct {
	n          int
	retryAfter int
}

type sockConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

// Option configures the server.
type Option func(*Server)

// WithPingInterval makes the Socket Mode websocket ping every d (default
// 2s); slack-go reconnects when pings stop for its ping interval.
func WithPingInterval(d time.Duration) Option { return func(s *Server) { s.pingEach = d } }

// New starts a fake Slack on a loopback port.
func New(opts ...Option) *Server {
	s := &Server{
		changed:  make(chan struct{}),
		files:    map[string]*File{},
		limits:   map[string]*limit{},
		outages:  map[string]int{},
		failures: map[string][]string{},
		acks:     map[string]Ack{},
		groups:   map[string][]string{},
		pingEach: 2 * time.Second,
		nextTS:   100,
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/upload/", s.serveUpload)
	mux.HandleFunc("/socket", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/api/"
	return s
}

// Close stops the server and drops every websocket.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// RateLimit makes the next n calls of method answer HTTP 429 with the
// given Retry-After (seconds).
func (s *Server) RateLimit(method string, n, retryAfterSeconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[method] = &limit{n: n, retryAfter: retryAfterSeconds}
}

// ServerError makes the next n calls of method answer HTTP 500.
func (s *Server) ServerError(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outages[method] = n
}

// FailNext makes the next call of method answer {"ok":false,"error":errCode}.
func (s *Server) FailNext(method, errCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], errCode)
}

// SetUserGroup sets the members usergroups.users.list returns for a group.
func (s *Server) SetUserGroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = users
}

// AddMessage stores a message written by someone else (a user, another
// bot) and returns it with its ts; conversations.replies will show it.
func (s *Server) AddMessage(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.TS == "" {
		m.TS = s.newTS()
	}
	cp := m
	s.messages = append(s.messages, &cp)
	s.notify()
	return m
}

// Calls returns the calls received, all or only those of the given methods.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filter(methods)
}

func (s *Server) filter(methods []string) []Call {
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the stored messages of a channel (all channels when
// empty), in posting order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if channel == "" || m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

// BotReplies returns the bot's messages in the thread rooted at threadTS.
func (s *Server) BotReplies(channel, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.BotID == BotID && m.ThreadTS == threadTS {
			out = append(out, m)
		}
	}
	return out
}

// Files returns the uploaded files, ordered by id.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Views returns the views opened with views.open (the "view" objects).
func (s *Server) Views() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.views...)
}

// ErrTimeout is returned by the Wait helpers when the condition did not
// hold in time.
var ErrTimeout = errors.New("slackfake: timed out")

// Wait blocks until cond (evaluated under no lock, on a snapshot of the
// server's state) returns true, or timeout passes.
func (s *Server) Wait(timeout time.Duration, cond func(s *Server) bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			if cond(s) {
				return nil
			}
			return ErrTimeout
		}
	}
}

// WaitCalls waits until at least n calls of method arrived and returns them.
func (s *Server) WaitCalls(timeout time.Duration, method string, n int) ([]Call, error) {
	var got []Call
	err := s.Wait(timeout, func(s *Server) bool {
		got = s.Calls(method)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("%w waiting for %d %s call(s), got %d", err, n, method, len(got))
	}
	return got, nil
}

// notify wakes every waiter; the caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newTS() string {
	s.nextTS++
	return fmt.Sprintf("1764000000.%06d", s.nextTS)
}

func (s *Server) newID(prefix string) string {
	s.nextID++
	return fmt.Sprintf("%s%06d", prefix, s.nextID)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Sign returns the X-Slack-Signature and X-Slack-Request-Timestamp headers
// Slack would send for body, signed with secret at time at.
func Sign(secret string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// serveAPI answers one Web API method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(r.Body)
	params, token := parseParams(r, body)
	call := Call{Method: method, Params: params, Body: body, Token: token, At: time.Now()}

	s.mu.Lock()
	defer s.mu.Unlock()
	record := func(status int) {
		call.Status = status
		s.calls = append(s.calls, call)
		s.notify()
	}
	if l := s.limits[method]; l != nil && l.n > 0 {
		l.n--
		record(http.StatusTooManyRequests)
		w.Header().Set("Retry-After", strconv.Itoa(l.retryAfter))
		http.Error(w, "ratelimited", http.StatusTooManyRequests)
		return
	}
	if s.outages[method] > 0 {
		s.outages[method]--
		record(http.StatusInternalServerError)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if fs := s.failures[method]; len(fs) > 0 {
		s.failures[method] = fs[1:]
		record(http.StatusOK)
		writeJSON(w, map[string]any{"ok": false, "error": fs[0]})
		return
	}
	if token == "" {
		record(http.StatusOK)
		writeJSON(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	resp := s.handle(method, params, r)
	record(http.StatusOK)
	writeJSON(w, resp)
}

// handle builds the response of one method; the caller holds s.mu.
func (s *Server) handle(method string, p map[string]string, r *http.Request) map[string]any {
	ok := func(kv ...any) map[string]any {
		m := map[string]any{"ok": true}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	fail := func(code string) map[string]any { return map[string]any{"ok": false, "error": code} }
	ok2 := ok

	switch method {
	case "auth.test":
		return ok("url", "https://gemba-test.slack.com/", "team", "Gemba Test", "user", "gemba",
			"team_id", TeamID, "user_id", BotUserID, "bot_id", BotID)
	case "chat.postMessage":
		if p["channel"] == "" {
			return fail("channel_not_found")
		}
		if p["text"] == "" && p["blocks"] == "" {
			return fail("no_text")
		}
		m := &Message{Channel: p["channel"], TS: s.newTS(), ThreadTS: p["thread_ts"], BotID: BotID, User: BotUserID,
			Text: p["text"], Blocks: rawOrNil(p["blocks"])}
		s.messages = append(s.messages, m)
		return ok("channel", m.Channel, "ts", m.TS, "message", m)
	case "chat.update":
		for _, m := range s.messages {
			if m.Channel == p["channel"] && m.TS == p["ts"] {
				m.Text = p["text"]
				m.Blocks = rawOrNil(p["blocks"])
				m.Edited = true
				return ok("channel", m.Channel, "ts", m.TS, "text", m.Text)
			}
		}
		return fail("message_not_found")
	case "chat.postEphemeral":
		if p["user"] == "" || p["channel"] == "" {
			return fail("user_not_in_channel")
		}
		return ok("message_ts", s.newTS())
	case "reactions.add", "reactions.remove":
		if p["name"] == "" || p["timestamp"] == "" {
			return fail("invalid_arguments")
		}
		return ok()
	case "conversations.replies":
		var out []*Message
		for _, m := range s.messages {
			if m.Channel == p["channel"] && (m.TS == p["ts"] || m.ThreadTS == p["ts"]) {
				out = append(out, m)
			}
		}
		if len(out) == 0 {
			return fail("thread_not_found")
		}
		return ok("messages", out, "has_more", false)
	case "views.open":
		if p["trigger_id"] == "" {
			return fail("invalid_trigger_id")
		}
		v := json.RawMessage(p["view"])
		s.views = append(s.views, v)
		var view map[string]any
		_ = json.Unmarshal(v, &view)
		if view == nil {
			view = map[string]any{}
		}
		view["id"] = s.newID("V")
		return ok("view", view)
	case "files.getUploadURLExternal":
		if p["filename"] == "" || p["length"] == "" || p["length"] == "0" {
			return fail("invalid_arguments")
		}
		id := s.newID("F")
		s.files[id] = &File{ID: id, Name: p["filename"]}
		return ok("upload_url", "http://"+r.Host+"/upload/"+id, "file_id", id)
	case "files.completeUploadExternal":
		var fs []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(p["files"]), &fs); err != nil || len(fs) == 0 {
			return fail("invalid_arguments")
		}
		var out []map[string]string
		for _, f := range fs {
			st := s.files[f.ID]
			if st == nil || st.Data == nil {
				return fail("file_not_found")
			}
			st.Title, st.Channel, st.ThreadTS, st.InitialComment, st.Complete = f.Title, p["channel_id"], p["thread_ts"], p["initial_comment"], true
			out = append(out, map[string]string{"id": f.ID, "title": f.Title})
		}
		return ok("files", out)
	case "usergroups.users.list":
		users, ok := s.groups[p["usergroup"]]
		if !ok {
			return fail("no_such_subteam")
		}
		return ok2("users", users)
	case "apps.connections.open":
		return ok("url", "ws://"+r.Host+"/socket")
	default:
		return fail("unknown_method")
	}
}

// serveUpload receives the file bytes of the second upload step.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	data, name, err := readUpload(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: "upload", Params: map[string]string{"file_id": id, "filename": name}, Body: data,
		Token: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), Status: http.StatusOK, At: time.Now()})
	s.notify()
	f := s.files[id]
	if err != nil || f == nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	f.Data = data
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

func readUpload(r *http.Request) ([]byte, string, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(r.Body)
		return b, "", err
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, "", fmt.Errorf("no file part: %w", err)
		}
		if part.FormName() == "file" {
			b, err := io.ReadAll(part)
			return b, part.FileName(), err
		}
	}
}

func parseParams(r *http.Request, body []byte) (map[string]string, string) {
	p := map[string]string{}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				var str string
				if json.Unmarshal(v, &str) == nil {
					p[k] = str
				} else {
					p[k] = string(v)
				}
			}
		}
	} else {
		vals, _ := url.ParseQuery(string(body))
		for k, v := range vals {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		for k, v := range r.URL.Query() {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
	}
	if token == "" {
		token = p["token"]
	}
	delete(p, "token")
	return p, token
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
