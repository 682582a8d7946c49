package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// Docs is the part of the incident store the server reads: documents by id
// (resources) and the newest documents (the resource list). *rag.Store
// satisfies it.
type Docs interface {
	Get(ctx context.Context, id string) (rag.Document, error)
	Search(ctx context.Context, q rag.Query) ([]rag.Result, error)
}

// Recorder writes a direct tool call to the audit trail; *agent.Store
// satisfies it.
type Recorder interface {
	RecordCall(ctx context.Context, c agent.DirectCall) error
}

// Metrics observes tool calls; *ops.Metrics satisfies it (nil observes nothing).
type Metrics interface {
	ObserveTool(tool string, d time.Duration, failed bool)
}

// ServerOptions configures a Server. Zero values get the defaults named on
// each field.
type ServerOptions struct {
	// Tools are the tools offered (required): Gemba's own registry, never
	// the external tools the agent may add to its own.
	Tools *tools.Registry
	// Docs serves incident store documents as resources; nil offers none.
	Docs Docs
	// Recorder receives every tool call; nil records nothing.
	Recorder Recorder
	// Metrics observes every tool call; nil observes nothing.
	Metrics Metrics
	// Version is Gemba's version, sent to clients.
	Version string
	// Logger gets the component's logs; nil discards them.
	Logger *slog.Logger
	// ToolTimeout bounds one tool call (default 15s, as in the agent).
	ToolTimeout time.Duration
	// MaxListed bounds the documents listed as resources (default 500,
	// newest first); any stored document can be read by its URI.
	MaxListed int
}

// DocumentURI is the URI template of incident store documents.
const DocumentURI = "gemba://documents/{id}"

// DiagnosePrompt is the name of the "diagnose an asset" prompt.
const DiagnosePrompt = "diagnose_asset"

// Server is Gemba's MCP server: its tools, documents and prompt, for one
// process (stdio) or many sessions (HTTP).
type Server struct {
	o    ServerOptions
	log  *slog.Logger
	impl *sdk.Implementation
	// instance names this process's stdio session in the audit trail,
	// where the transport has no session id of its own.
	instance string
}

// NewServer returns a server on the given tools; it fails only on a
// missing registry.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Tools == nil {
		return nil, errors.New("mcp: new server: a tool registry is required")
	}
	if o.ToolTimeout <= 0 {
		o.ToolTimeout = 15 * time.Second
	}
	if o.MaxListed <= 0 {
		o.MaxListed = 500
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Server{o: o, log: log.With("component", "mcp"), impl: &sdk.Implementation{Name: "gemba", Title: "Gemba", Version: o.Version},
		instance: hex.EncodeToString(b)}, nil
}

const instructions = `Gemba answers questions about a factory: which series and assets exist (list_series), whether a machine or line is behaving abnormally (detect_anomalies, explain_anomaly), forecasts and plan vs actual (forecast_series, compare_to_plan), and the plant's memory of past incidents and runbooks (search_incidents, get_document; documents are also resources at gemba://documents/{id}). The tools are read-only. Call list_series first when unsure of a name; tool errors say how to correct the call. Steps that act on equipment should follow the runbook (SOP) Gemba cites.`

// build returns an SDK server for one transport ("stdio" or "http"),
// listing the store's documents as they are now.
func (s *Server) build(ctx context.Context, transport string) *sdk.Server {
	srv := sdk.NewServer(s.impl, &sdk.ServerOptions{Instructions: instructions, Logger: s.log})
	for _, tl := range s.o.Tools.List() {
		srv.AddTool(&sdk.Tool{
			Name:        tl.Name(),
			Description: tl.Description(),
			InputSchema: tl.Schema(),
			Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)},
		}, s.toolHandler(tl, transport))
	}
	if s.o.Docs != nil {
		srv.AddResourceTemplate(&sdk.ResourceTemplate{
			Name:        "document",
			Title:       "Incident store document",
			Description: "An incident, runbook/SOP or use case of the plant's memory, by id (e.g. INC-1003, RB-LOTO).",
			MIMEType:    "text/markdown",
			URITemplate: DocumentURI,
		}, s.readDocument)
		s.listDocuments(ctx, srv)
	}
	srv.AddPrompt(&sdk.Prompt{
		Name:        DiagnosePrompt,
		Title:       "Diagnose an asset",
		Description: "Find out what is wrong with one machine and what to do next, from its sensor data and the plant's past incidents and runbooks.",
		Arguments: []*sdk.PromptArgument{
			{Name: "asset", Description: "The machine, e.g. press-3 (list_series names them).", Required: true},
			{Name: "symptom", Description: "What people notice, e.g. \"vibrating\" or \"pressure dropping\" (optional)."},
			{Name: "hours", Description: "How far back to look, in hours (optional, default 24)."},
		},
	}, s.diagnose)
	return srv
}

// ServeStdio serves one session over r and w (stdin and stdout for
// `gemba mcp`) until the client disconnects or ctx ends.
func (s *Server) ServeStdio(ctx context.Context, r io.Reader, w io.Writer) error {
	srv := s.build(ctx, "stdio")
	err := srv.Run(ctx, &sdk.IOTransport{Reader: io.NopCloser(r), Writer: nopWriteCloser{w}})
	if err != nil && (errors.Is(err, io.EOF) || ctx.Err() != nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mcp: stdio: %w", err)
	}
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// toolHandler runs one of Gemba's tools for an MCP client. Bad arguments,
// unknown series and windows without data are tool results with isError
// and the tool's own words; a failure of Gemba itself is one too, worded
// without internals, and logged.
func (s *Server) toolHandler(tl tools.Tool, transport string) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		began := time.Now()
		raw := req.Params.Arguments
		callCtx, cancel := context.WithTimeout(ctx, s.o.ToolTimeout)
		res, err := tl.Call(callCtx, raw)
		cancel()
		out, rec := s.result(ctx, tl.Name(), res, err)
		rec.Source, rec.Tool, rec.Args, rec.At = agent.SourceMCP, tl.Name(), raw, began
		rec.Session, rec.Caller = s.session(req), caller(req, transport)
		took := time.Since(began)
		rec.DurationMS = took.Milliseconds()
		if s.o.Metrics != nil {
			s.o.Metrics.ObserveTool(tl.Name(), took, rec.Error != "")
		}
		s.record(ctx, rec)
		return out, nil
	}
}

// result turns a tool's result into an MCP result and its audit record.
func (s *Server) result(ctx context.Context, name string, res tools.Result, err error) (*sdk.CallToolResult, agent.DirectCall) {
	var rec agent.DirectCall
	fail := func(msg string) (*sdk.CallToolResult, agent.DirectCall) {
		rec.Error = msg
		rec.ResultBytes = len(msg)
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: msg}}}, rec
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fail(fmt.Sprintf("%s timed out after %s; narrow the request (a shorter window, one asset) and try again", name, s.o.ToolTimeout))
	case err != nil:
		s.log.WarnContext(ctx, "tool failed", "tool", name, "err", err)
		return fail(fmt.Sprintf("Gemba could not run %s just now (%s); try again, or ask the plant's Gemba administrator to check its logs", name, brief(err)))
	case res.InvalidArgs:
		return fail(res.UserError + ". The tool's inputSchema lists the accepted arguments.")
	case res.UserError != "":
		return fail(res.UserError)
	}
	body := map[string]any{"summary": res.Summary}
	if res.Data != nil {
		body["data"] = res.Data
	}
	if len(res.Citations) > 0 {
		cs := make([]map[string]any, 0, len(res.Citations))
		for _, c := range res.Citations {
			cs = append(cs, map[string]any{"id": c.ID, "title": c.Title, "kind": c.Kind, "uri": documentURI(c.ID)})
		}
		body["citations"] = cs
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fail(fmt.Sprintf("the result of %s could not be encoded", name))
	}
	rec.Summary, rec.ResultBytes = res.Summary, len(b)
	return &sdk.CallToolResult{
		Content:           []sdk.Content{&sdk.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b),
	}, rec
}

// brief is the first part of an infrastructure error, enough to tell a
// timeout from a refused connection, without a stack of wrapped prefixes.
func brief(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	if r := []rune(msg); len(r) > 120 {
		msg = string(r[:120]) + "…"
	}
	return msg
}

// record writes the call to the audit trail; a failure to record is
// logged, and the caller still gets the result.
func (s *Server) record(ctx context.Context, c agent.DirectCall) {
	if s.o.Recorder == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.o.Recorder.RecordCall(rctx, c); err != nil {
		s.log.ErrorContext(ctx, "audit: record MCP call", "tool", c.Tool, "err", err)
	}
}

// session names the client's session: the HTTP session id, or this
// process's instance for stdio.
func (s *Server) session(req *sdk.CallToolRequest) string {
	if req.Session != nil {
		if id := req.Session.ID(); id != "" {
			return id
		}
	}
	return s.instance
}

// caller is the client's name and version as it introduced itself, and the
// transport.
func caller(req *sdk.CallToolRequest, transport string) string {
	name := "unknown client"
	if ci := req.ClientInfo(); ci != nil && ci.Name != "" {
		name = strings.TrimSpace(ci.Name + " " + ci.Version)
	}
	return fmt.Sprintf("%s (%s)", name, transport)
}

func documentURI(id string) string {
	return strings.Replace(DocumentURI, "{id}", id, 1)
}

// listDocuments adds the newest documents as resources, so a client can
// browse them; older ones are still read through the template.
func (s *Server) listDocuments(ctx context.Context, srv *sdk.Server) {
	hits, err := s.o.Docs.Search(ctx, rag.Query{K: s.o.MaxListed})
	if err != nil {
		s.log.WarnContext(ctx, "mcp: list documents", "err", err)
		return
	}
	for _, h := range hits {
		desc := string(h.Kind)
		if h.Asset != "" {
			desc += " on " + h.Asset
		}
		if h.OccurredAt != nil {
			desc += ", " + h.OccurredAt.Format("2006-01-02")
		}
		srv.AddResource(&sdk.Resource{URI: documentURI(h.DocumentID), Name: h.DocumentID, Title: h.Title, Description: desc, MIMEType: "text/markdown"}, s.readDocument)
	}
}

// readDocument serves one document as Markdown with its metadata first.
func (s *Server) readDocument(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	uri := req.Params.URI
	id, ok := strings.CutPrefix(uri, strings.TrimSuffix(DocumentURI, "{id}"))
	if !ok || id == "" {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	d, err := s.o.Docs.Get(ctx, id)
	if errors.Is(err, rag.ErrNotFound) {
		return nil, sdk.ResourceNotFoundError(uri)
	}
	if err != nil {
		return nil, fmt.Errorf("mcp: read %s: %w", uri, err)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: documentText(d)}}}, nil
}

// documentText is a document as Markdown: title, the metadata that tells
// whose incident it is and how it ended, then the body.
func documentText(d rag.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "- %s: %s\n", k, v)
		}
	}
	field("id", d.ID)
	field("kind", string(d.Kind))
	field("site", d.Site)
	field("line", d.Line)
	field("asset", d.Asset)
	field("failure mode", d.FailureMode)
	field("severity", d.Severity)
	if d.OccurredAt != nil {
		field("occurred", d.OccurredAt.Format(time.RFC3339))
	}
	if d.DowntimeMinutes != nil {
		field("downtime", fmt.Sprintf("%d min", *d.DowntimeMinutes))
	}
	field("outcome", string(d.Outcome))
	b.WriteString("\n")
	b.WriteString(d.Body)
	return b.String()
}
