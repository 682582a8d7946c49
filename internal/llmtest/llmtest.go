// Package llmtest is a scripted OpenAI-compatible chat-completions server for
// tests: it speaks POST /v1/chat/completions (non-streaming JSON) the way
// OpenAI, vLLM, llama.cpp and Ollama's /v1 do, so tests drive the real
// langchaingo OpenAI client over HTTP instead of mocking it.
//
// A test queues replies (tool calls, final answers, 500s, 429s with
// Retry-After, hangs) or installs a Responder that answers from the request;
// every request is recorded for assertions.
//
//	srv := llmtest.New(t,
//		llmtest.CallTools(llmtest.Call("detect_anomalies", `{"asset":"press-3"}`)),
//		llmtest.Final(`{"situation":"…"}`),
//	)
//	llm, _ := openai.New(openai.WithBaseURL(srv.URL), openai.WithToken(srv.Token), openai.WithModel("test"))
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is the API key the server expects in the Authorization header.
const Token = "llmtest-token"

// ToolCall is one tool call the scripted model asks for.
type ToolCall struct {
	// ID is the call id; empty gets "call_<n>".
	ID string
	// Name is the tool's name.
	Name string
	// Arguments is the raw JSON argument string, sent as-is (it may be malformed on purpose).
	Arguments string
}

// Call is shorthand for a ToolCall with a generated id.
func Call(name, arguments string) ToolCall {
	return ToolCall{Name: name, Arguments: arguments}
}

// Reply is one scripted response.
type Reply struct {
	// Status, when not 0 or 200, makes the server answer with that HTTP
	// status and an OpenAI-style error body.
	Status int
	// RetryAfter sets the Retry-After header of an error reply (seconds).
	RetryAfter string
	// Hang blocks the reply until the client gives up (or the server closes).
	Hang bool
	// Delay waits before answering.
	Delay time.Duration
	// Content is the assistant's text.
	Content string
	// ToolCalls are the tool calls of the first choice.
	ToolCalls []ToolCall
	// ExtraChoices are further choices, each with its own tool calls (some
	// providers put every tool call in a choice of its own).
	ExtraChoices [][]ToolCall
	// PromptTokens and CompletionTokens fill the usage block; zero gets an
	// estimate from the request and reply sizes.
	PromptTokens, CompletionTokens int
}

// CallTools is a reply asking for the given tool calls.
func CallTools(calls ...ToolCall) Reply { return Reply{ToolCalls: calls} }

// Final is a reply with the final answer text and no tool calls.
func Final(content string) Reply { return Reply{Content: content} }

// Fail is an error reply with the given HTTP status.
func Fail(status int) Reply { return Reply{Status: status} }

// RateLimited is a 429 reply with a Retry-After header in seconds.
func RateLimited(retryAfter string) Reply {
	return Reply{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Hang is a reply that never comes.
func Hang() Reply { return Reply{Hang: true} }

// Message is one chat message of a recorded request.
type Message struct {
	Role       string         `json:"role"`
	Content    string         `json:"content"`
	Name       string         `json:"name,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
	ToolCalls  []RecordedCall `json:"tool_calls,omitempty"`
}

// RecordedCall is a tool call the client sent back inside an assistant message.
type RecordedCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolDef is one tool offered in a request.
type ToolDef struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

// Request is one recorded chat-completions request.
type Request struct {
	Model string
	// Deployment is the Azure deployment of the URL path (empty for /v1).
	Deployment string
	// Anthropic is set for requests to the Messages API.
	Anthropic bool
	// MaxTokens is the reply cap the client asked for.
	MaxTokens int
	Messages  []Message
	Tools     []ToolDef
	// Header is a copy of the HTTP headers (Authorization included).
	Header http.Header
	// Raw is the request body.
	Raw []byte
}

// Last returns the last message of the request.
func (r Request) Last() Message {
	if len(r.Messages) == 0 {
		return Message{}
	}
	return r.Messages[len(r.Messages)-1]
}

// ByRole returns the messages with the given role.
func (r Request) ByRole(role string) []Message {
	var out []Message
	for _, m := range r.Messages {
		if m.Role == role {
			out = append(out, m)
		}
	}
	return out
}

// Responder computes a reply from the request when the queue is empty.
type Responder func(Request) Reply

// Server is the scripted chat-completions server.
type Server struct {
	// URL is the base URL to give openai.WithBaseURL (it ends in /v1).
	URL string
	// Token is the API key to give openai.WithToken.
	Token string
	// AzureEndpoint is the base URL for an Azure OpenAI client (no /v1).
	AzureEndpoint string

	srv  *httptest.Server
	done chan struct{}

	mu        sync.Mutex
	queue     []Reply
	responder Responder
	requests  []Request
	calls     int
}

// New starts a server that plays the queued replies in order; it is closed
// when the test ends. With the queue empty and no Responder it answers 500
// "script exhausted".
func New(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	s := NewServer(replies...)
	t.Cleanup(s.Close)
	return s
}

// NewServer is New without a testing.TB (benchmarks, load tests, commands);
// call Close when done.
func NewServer(replies ...Reply) *Server {
	s := &Server{Token: Token, queue: replies, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handle)
	// Azure OpenAI's form: the deployment in the path, api-version in the query, an api-key header.
	mux.HandleFunc("POST /openai/deployments/{deployment}/chat/completions", s.handle)
	// Anthropic's Messages API (anthropic.WithBaseURL(srv.URL)).
	mux.HandleFunc("POST /v1/messages", s.handleAnthropic)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/v1"
	s.AzureEndpoint = s.srv.URL
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.srv.Close()
}

// Enqueue appends replies to the script.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Respond installs a Responder used when the queue is empty.
func (s *Server) Respond(r Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responder = r
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type wireRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		Name       string          `json:"name"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string  `json:"type"`
		Function ToolDef `json:"function"`
	} `json:"tools"`
}

// contentText reads a message content that is a string, null or an array of parts.
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return string(raw)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "llmtest", "code": status}})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	azure := r.PathValue("deployment") != ""
	switch {
	case azure && (r.Header.Get("api-key") != s.Token || r.URL.Query().Get("api-version") == ""):
		writeError(w, http.StatusUnauthorized, "invalid api key or missing api-version")
		return
	case !azure && r.Header.Get("Authorization") != "Bearer "+s.Token:
		writeError(w, http.StatusUnauthorized, "invalid api key")
		return
	}
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request: "+err.Error())
		return
	}
	req := Request{Model: wr.Model, Deployment: r.PathValue("deployment"), Header: r.Header.Clone(), Raw: body}
	for _, m := range wr.Messages {
		msg := Message{Role: m.Role, Content: contentText(m.Content), Name: m.Name, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, RecordedCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		req.Messages = append(req.Messages, msg)
	}
	for _, t := range wr.Tools {
		req.Tools = append(req.Tools, t.Function)
	}

	reply, n, ok := s.next(w, r, req)
	if !ok {
		return
	}
	prompt, completion := reply.PromptTokens, reply.CompletionTokens
	if prompt == 0 {
		prompt = len(body)/4 + 1
	}
	if completion == 0 {
		completion = len(reply.Content)/4 + 1
	}
	choices := []map[string]any{choice(0, n, reply.Content, reply.ToolCalls)}
	for i, extra := range reply.ExtraChoices {
		choices = append(choices, choice(i+1, n, "", extra))
	}
	resp := map[string]any{
		"id":      "chatcmpl-llmtest-" + strconv.Itoa(n),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   wr.Model,
		"choices": choices,
		"usage": map[string]any{
			"prompt_tokens":     prompt,
			"completion_tokens": completion,
			"total_tokens":      prompt + completion,
		},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// next records the request and plays the next reply, handling delays,
// hangs and error statuses; ok is false when the reply has been written.
func (s *Server) next(w http.ResponseWriter, r *http.Request, req Request) (reply Reply, n int, ok bool) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	if len(s.queue) > 0 {
		reply, s.queue, ok = s.queue[0], s.queue[1:], true
	} else if s.responder != nil {
		reply, ok = s.responder(req), true
	}
	s.calls++
	n = s.calls
	s.mu.Unlock()

	if !ok {
		writeError(w, http.StatusInternalServerError, "llmtest: script exhausted")
		return reply, n, false
	}
	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return reply, n, false
		case <-s.done:
			return reply, n, false
		}
	}
	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return reply, n, false
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		writeError(w, reply.Status, fmt.Sprintf("llmtest: scripted status %d", reply.Status))
		return reply, n, false
	}
	return reply, n, true
}

type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
}

type anthropicRequest struct {
	Model     string `json:"model"`
	System    string `json:"system"`
	MaxTokens int    `json:"max_tokens"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		InputSchema map[string]any `json:"input_schema"`
	} `json:"tools"`
}

// handleAnthropic speaks Anthropic's Messages API: tool calls are tool_use
// content blocks, results come back as tool_result blocks in user turns.
func (s *Server) handleAnthropic(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if r.Header.Get("x-api-key") != s.Token || r.Header.Get("anthropic-version") == "" {
		writeError(w, http.StatusUnauthorized, "invalid x-api-key or missing anthropic-version")
		return
	}
	var ar anthropicRequest
	if err := json.Unmarshal(body, &ar); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request: "+err.Error())
		return
	}
	if ar.MaxTokens <= 0 {
		writeError(w, http.StatusBadRequest, "max_tokens: field required")
		return
	}
	req := Request{Model: ar.Model, Anthropic: true, MaxTokens: ar.MaxTokens, Header: r.Header.Clone(), Raw: body}
	if ar.System != "" {
		req.Messages = append(req.Messages, Message{Role: "system", Content: ar.System})
	}
	for _, m := range ar.Messages {
		var blocks []anthropicBlock
		if json.Unmarshal(m.Content, &blocks) != nil {
			req.Messages = append(req.Messages, Message{Role: m.Role, Content: contentText(m.Content)})
			continue
		}
		var text strings.Builder
		var calls []RecordedCall
		for _, b := range blocks {
			switch b.Type {
			case "text":
				text.WriteString(b.Text)
			case "tool_use":
				calls = append(calls, RecordedCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
			case "tool_result":
				req.Messages = append(req.Messages, Message{Role: "tool", ToolCallID: b.ToolUseID, Content: contentText(b.Content)})
			}
		}
		if text.Len() > 0 || len(calls) > 0 {
			req.Messages = append(req.Messages, Message{Role: m.Role, Content: text.String(), ToolCalls: calls})
		}
	}
	for _, t := range ar.Tools {
		req.Tools = append(req.Tools, ToolDef{Name: t.Name, Description: t.Description, Parameters: t.InputSchema})
	}
	reply, n, ok := s.next(w, r, req)
	if !ok {
		return
	}
	var content []map[string]any
	if reply.Content != "" {
		content = append(content, map[string]any{"type": "text", "text": reply.Content})
	}
	all := append([]ToolCall(nil), reply.ToolCalls...)
	for _, extra := range reply.ExtraChoices {
		all = append(all, extra...)
	}
	for i, c := range all {
		id := c.ID
		if id == "" {
			id = fmt.Sprintf("toolu_%d_%d", n, i)
		}
		input := json.RawMessage(c.Arguments)
		if !json.Valid(input) {
			b, _ := json.Marshal(map[string]string{"_invalid": c.Arguments})
			input = b
		}
		content = append(content, map[string]any{"type": "tool_use", "id": id, "name": c.Name, "input": input})
	}
	stop := "end_turn"
	if len(all) > 0 {
		stop = "tool_use"
	}
	in, out := reply.PromptTokens, reply.CompletionTokens
	if in == 0 {
		in = len(body)/4 + 1
	}
	if out == 0 {
		out = len(reply.Content)/4 + 1
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("msg_llmtest_%d", n), "type": "message", "role": "assistant", "model": ar.Model,
		"content": content, "stop_reason": stop, "usage": map[string]any{"input_tokens": in, "output_tokens": out},
	})
}

func choice(index, n int, content string, calls []ToolCall) map[string]any {
	msg := map[string]any{"role": "assistant", "content": content}
	finish := "stop"
	if len(calls) > 0 {
		finish = "tool_calls"
		var tcs []map[string]any
		for i, c := range calls {
			id := c.ID
			if id == "" {
				id = fmt.Sprintf("call_%d_%d_%d", n, index, i)
			}
			tcs = append(tcs, map[string]any{
				"id":       id,
				"type":     "function",
				"function": map[string]any{"name": c.Name, "arguments": c.Arguments},
			})
		}
		msg["tool_calls"] = tcs
		if content == "" {
			msg["content"] = nil
		}
	}
	return map[string]any{"index": index, "message": msg, "finish_reason": finish}
}
