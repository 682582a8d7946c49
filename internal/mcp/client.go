package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/tools"
)

// ClientOptions configures the connections to external MCP servers.
type ClientOptions struct {
	// Version is Gemba's version, sent to the servers.
	Version string
	// Logger gets the component's logs; nil discards them.
	Logger *slog.Logger
	// HTTPClient reaches servers given by URL; nil uses a new client.
	HTTPClient *http.Client
	// Reserved are tool names the external tools must not take (Gemba's
	// own); a clash skips the external tool with a warning.
	Reserved []string
}

// External holds the connections to the external MCP servers of the
// configuration and the tools they contribute.
type External struct {
	conns []*conn
	tools []tools.Tool
	// Problems says, in words, which servers could not be reached and which
	// allowed tools they do not have (gemba serve logs them at start).
	Problems []string
}

// conn is one external server: its configuration and its session, which is
// reopened on the next call after it broke.
type conn struct {
	cfg    config.MCPServer
	client *sdk.Client
	http   *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	session *sdk.ClientSession
}

// Connect connects to every configured server at once, each within its
// timeout, lists its tools and keeps the allowed ones. A server that cannot
// be reached is reported in Problems, not returned as an error: the agent
// works without it, and its tools are not offered.
func Connect(ctx context.Context, servers []config.MCPServer, o ClientOptions) *External {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "mcp-client")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	reserved := map[string]bool{}
	for _, n := range o.Reserved {
		reserved[n] = true
	}
	e := &External{}
	type listed struct {
		tools    []*sdk.Tool
		problems []string
	}
	results := make([]listed, len(servers))
	var wg sync.WaitGroup
	for i, cfg := range servers {
		c := &conn{cfg: cfg, log: log.With("mcp_server", cfg.Name), http: withHeaders(o.HTTPClient, cfg.Headers),
			client: sdk.NewClient(&sdk.Implementation{Name: "gemba", Version: o.Version}, nil)}
		e.conns = append(e.conns, c)
		wg.Go(func() {
			ts, err := c.listTools(ctx)
			if err != nil {
				results[i].problems = append(results[i].problems, fmt.Sprintf("MCP server %s: %v; its tools are not offered", cfg.Name, err))
				return
			}
			results[i].tools = ts
		})
	}
	wg.Wait()
	for i, c := range e.conns {
		e.Problems = append(e.Problems, results[i].problems...)
		got := map[string]bool{}
		for _, t := range results[i].tools {
			got[t.Name] = true
			if !c.cfg.AllowsTool(t.Name) {
				continue
			}
			name := toolName(c.cfg.Prefix, t.Name)
			switch {
			case len(name) > 64:
				e.Problems = append(e.Problems, fmt.Sprintf("MCP server %s: tool %q is skipped: %q is longer than the 64 characters models accept", c.cfg.Name, t.Name, name))
				continue
			case reserved[name]:
				e.Problems = append(e.Problems, fmt.Sprintf("MCP server %s: tool %q is skipped: %q is a tool name of Gemba's own; set a prefix", c.cfg.Name, t.Name, name))
				continue
			}
			reserved[name] = true
			e.tools = append(e.tools, &extTool{c: c, remote: t.Name, name: name, desc: describe(c.cfg.Name, t), schema: schemaOf(t.InputSchema)})
		}
		if len(results[i].tools) == 0 && len(results[i].problems) > 0 {
			continue
		}
		for _, want := range c.cfg.Tools {
			if want != "*" && !got[want] {
				e.Problems = append(e.Problems, fmt.Sprintf("MCP server %s has no tool %q (allowed in its configuration)", c.cfg.Name, want))
			}
		}
	}
	for _, p := range e.Problems {
		log.WarnContext(ctx, p)
	}
	sort.Slice(e.tools, func(i, j int) bool { return e.tools[i].Name() < e.tools[j].Name() })
	return e
}

// Tools returns the allowed tools of the connected servers, named with
// their server's prefix; each implements agent.ExternalTool.
func (e *External) Tools() []tools.Tool { return e.tools }

// closeWait bounds how long Close waits for one server to end its
// session: a stuck remote server must not hold up Gemba's shutdown.
const closeWait = 3 * time.Second

// Close ends every session (a command's server process is stopped), waiting
// at most a few seconds for each server.
func (e *External) Close() error {
	errs := make([]error, len(e.conns))
	var wg sync.WaitGroup
	for i, c := range e.conns {
		c.mu.Lock()
		s := c.session
		c.session = nil
		c.mu.Unlock()
		if s == nil {
			continue
		}
		wg.Go(func() {
			done := make(chan error, 1)
			go func() { done <- s.Close() }()
			select {
			case err := <-done:
				if err != nil {
					errs[i] = fmt.Errorf("mcp: close %s: %w", c.cfg.Name, err)
				}
			case <-time.After(closeWait):
				errs[i] = fmt.Errorf("mcp: close %s: no answer within %s; left behind", c.cfg.Name, closeWait)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// listTools connects and lists the server's tools, within its timeout.
func (c *conn) listTools(ctx context.Context) ([]*sdk.Tool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	s, err := c.sessionFor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*sdk.Tool
	for t, err := range s.Tools(ctx, nil) {
		if err != nil {
			c.drop(s)
			return nil, fmt.Errorf("list tools: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// sessionFor returns the open session, connecting first when there is
// none (the first call, or after the server went away).
func (c *conn) sessionFor(ctx context.Context) (*sdk.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != nil {
		return c.session, nil
	}
	var t sdk.Transport
	if c.cfg.URL != "" {
		t = &sdk.StreamableClientTransport{Endpoint: c.cfg.URL, HTTPClient: c.http, MaxRetries: 1}
	} else {
		// The command runs for the life of the session, not of this call's
		// context: it is stopped by Close.
		cmd := exec.CommandContext(context.WithoutCancel(ctx), c.cfg.Command[0], c.cfg.Command[1:]...) //nolint:gosec // the operator's configured command
		cmd.Env = os.Environ()
		for k, v := range c.cfg.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		t = &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}
	}
	s, err := c.client.Connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	c.session = s
	c.log.InfoContext(ctx, "MCP server connected", "via", transportName(c.cfg))
	return s, nil
}

// drop forgets a broken session so the next call reconnects.
func (c *conn) drop(s *sdk.ClientSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == s {
		_ = s.Close()
		c.session = nil
	}
}

func transportName(cfg config.MCPServer) string {
	if cfg.URL != "" {
		return "http"
	}
	return "stdio"
}

var badName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// toolName is the name the model sees: the prefix and the server's tool
// name, with characters models refuse replaced.
func toolName(prefix, remote string) string {
	return badName.ReplaceAllString(prefix+remote, "_")
}

// describe marks an external tool's description with its origin, so the
// model knows whose data it reads.
func describe(server string, t *sdk.Tool) string {
	d := strings.TrimSpace(t.Description)
	if d == "" {
		d = strings.TrimSpace(t.Title)
	}
	if r := []rune(d); len(r) > 1000 {
		d = string(r[:1000]) + "…"
	}
	return fmt.Sprintf("[from the plant system %q over MCP, not Gemba's own data] %s", server, d)
}

// schemaOf is the tool's input schema as the model needs it: a JSON object
// schema (some servers send none).
func schemaOf(s any) map[string]any {
	var m map[string]any
	if b, err := json.Marshal(s); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	if m == nil {
		m = map[string]any{}
	}
	if m["type"] != "object" {
		m = map[string]any{"type": "object", "properties": m["properties"]}
		if m["properties"] == nil {
			m["properties"] = map[string]any{}
		}
	}
	return m
}

// extTool is one allowed tool of an external server, as the agent sees it.
type extTool struct {
	c            *conn
	remote, name string
	desc         string
	schema       map[string]any
}

func (t *extTool) Name() string           { return t.name }
func (t *extTool) Description() string    { return t.desc }
func (t *extTool) Schema() map[string]any { return t.schema }

// Origin names the server, e.g. "mcp:cmms" (agent.ExternalTool).
func (t *extTool) Origin() string { return "mcp:" + t.c.cfg.Name }

// maxExternalText bounds the text kept from one external result before
// the agent caps what reaches the model: a server that returns megabytes
// must not hold them in every answer's evidence.
const maxExternalText = 256 << 10

// Call calls the server's tool within the server's timeout (the agent's
// per-call deadline applies as well, whichever is shorter). Arguments that
// are not one JSON object and the server's own tool errors come back as a
// readable UserError; an unreachable or silent server is an error.
func (t *extTool) Call(ctx context.Context, raw json.RawMessage) (tools.Result, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	var args map[string]any
	if err := json.Unmarshal(raw, &args); err != nil || args == nil {
		return tools.Result{UserError: fmt.Sprintf("arguments for %s must be one JSON object matching its schema", t.name), InvalidArgs: true}, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(parent, t.c.cfg.Timeout)
	defer cancel()
	s, err := t.c.sessionFor(ctx)
	if err != nil {
		return tools.Result{}, fmt.Errorf("MCP server %s is unreachable: %w", t.c.cfg.Name, err)
	}
	res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: t.remote, Arguments: args})
	switch {
	case err == nil:
	case parent.Err() != nil:
		return tools.Result{}, parent.Err() // the caller's deadline: the agent says it timed out
	case ctx.Err() != nil:
		return tools.Result{}, fmt.Errorf("MCP server %s did not answer %s within %s (its timeout)", t.c.cfg.Name, t.remote, t.c.cfg.Timeout)
	case errors.Is(err, sdk.ErrConnectionClosed) || errors.Is(err, sdk.ErrSessionMissing):
		t.c.drop(s)
		return tools.Result{}, fmt.Errorf("MCP server %s closed the connection (it is reopened on the next call): %w", t.c.cfg.Name, err)
	default:
		// A JSON-RPC error (unknown tool, invalid params): the model may correct its call.
		return tools.Result{UserError: fmt.Sprintf("%s refused the call: %s", t.c.cfg.Name, cut(err.Error(), 500))}, nil
	}
	return t.result(res), nil
}

// result turns the server's answer into a tools.Result: structured
// content, or JSON text, or the text itself as data; a tool error as a
// UserError in the server's words.
func (t *extTool) result(res *sdk.CallToolResult) tools.Result {
	var parts []string
	for _, c := range res.Content {
		switch x := c.(type) {
		case *sdk.TextContent:
			parts = append(parts, x.Text)
		case *sdk.EmbeddedResource:
			if x.Resource != nil && x.Resource.Text != "" {
				parts = append(parts, x.Resource.Text)
			}
		case *sdk.ResourceLink:
			parts = append(parts, "[resource "+x.URI+"]")
		case *sdk.ImageContent:
			parts = append(parts, "[image "+x.MIMEType+" left out]")
		case *sdk.AudioContent:
			parts = append(parts, "[audio "+x.MIMEType+" left out]")
		}
	}
	text := cut(strings.Join(parts, "\n"), maxExternalText)
	if res.IsError {
		msg := strings.TrimSpace(text)
		if msg == "" {
			msg = "the tool failed without saying why"
		}
		return tools.Result{UserError: fmt.Sprintf("%s: %s", t.c.cfg.Name, cut(msg, 2000)), Summary: t.c.cfg.Name + " returned an error"}
	}
	var data any
	switch {
	case res.StructuredContent != nil:
		data = res.StructuredContent
	case json.Valid([]byte(strings.TrimSpace(text))) && strings.TrimSpace(text) != "":
		data = json.RawMessage(strings.TrimSpace(text))
	default:
		data = map[string]any{"text": text}
	}
	sum := firstLine(text)
	if strings.HasPrefix(sum, "{") || strings.HasPrefix(sum, "[") || sum == "" {
		sum = fmt.Sprintf("%d bytes", len(text))
	}
	return tools.Result{Data: data, Summary: fmt.Sprintf("%s (from %s)", cut(sum, 200), t.c.cfg.Name)}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// cut shortens s to at most n bytes on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// withHeaders returns a client that adds the server's configured headers
// (credentials, usually) to every request.
func withHeaders(base *http.Client, h map[string]string) *http.Client {
	if len(h) == 0 {
		return base
	}
	c := *base
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = headerTransport{next: next, h: h}
	return &c
}

type headerTransport struct {
	next http.RoundTripper
	h    map[string]string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header.Set(k, v)
	}
	return t.next.RoundTrip(r)
}
