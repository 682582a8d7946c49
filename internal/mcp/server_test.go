package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/tools"
)

// TestServerOnDemoPlant drives Gemba's MCP server with the SDK's own
// client over streamable HTTP, on the seeded demo plant.
func TestServerOnDemoPlant(t *testing.T) {
	t.Parallel()
	p := seedPlant(t)
	endpoint := p.serveHTTP(t, mcp.HTTPOptions{Addr: "127.0.0.1:8080"})
	ctx := context.Background()

	t.Run("lists Gemba's tools with their schemas", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		res, err := cs.ListTools(ctx, nil)
		require.NoError(t, err)
		var names []string
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
			own, ok := p.tools.Get(tl.Name)
			require.True(t, ok, tl.Name)
			require.Equal(t, own.Description(), tl.Description)
			want, _ := json.Marshal(own.Schema())
			got, _ := json.Marshal(tl.InputSchema)
			require.JSONEq(t, string(want), string(got), tl.Name)
			require.True(t, tl.Annotations.ReadOnlyHint, "Gemba's tools change nothing")
		}
		sort.Strings(names)
		require.Equal(t, []string{tools.CompareToPlan, tools.DetectAnomalies, tools.ExplainAnomaly, tools.ForecastSeries,
			tools.GetDocument, tools.ListSeries, tools.SearchIncidents}, names)
	})

	t.Run("detect_anomalies on press-3 is the tool's own result", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		args := map[string]any{"asset": "press-3"}
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tools.DetectAnomalies, Arguments: args})
		require.NoError(t, err)
		require.False(t, res.IsError, text(res))
		var got struct {
			Summary string          `json:"summary"`
			Data    json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(text(res)), &got))

		raw, _ := json.Marshal(args)
		tl, _ := p.tools.Get(tools.DetectAnomalies)
		direct, err := tl.Call(ctx, raw)
		require.NoError(t, err)
		require.Equal(t, direct.Summary, got.Summary)
		require.Contains(t, got.Summary, "press-3")
		want, _ := json.Marshal(direct.Data)
		require.JSONEq(t, string(want), string(got.Data))
		// The structured content is the same document as the text.
		sc, _ := json.Marshal(res.StructuredContent)
		require.JSONEq(t, text(res), string(sc))
	})

	t.Run("bad arguments are tool errors, not protocol errors", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		for _, c := range []struct {
			tool string
			args any
			want string
		}{
			{tools.DetectAnomalies, map[string]any{"asset": 3}, "do not match its schema"},
			{tools.DetectAnomalies, map[string]any{"machine": "press-3"}, "unknown field"},
			{tools.DetectAnomalies, map[string]any{"asset": "press-99"}, "press-99"},
			{tools.ForecastSeries, map[string]any{"series": "line-1.output", "horizon": 100000}, "horizon"},
			{tools.GetDocument, map[string]any{"id": "INC-NOPE"}, "no document"},
		} {
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: c.tool, Arguments: c.args})
			require.NoError(t, err, "%s %v: a protocol error", c.tool, c.args)
			require.True(t, res.IsError, "%s %v", c.tool, c.args)
			require.Contains(t, text(res), c.want, "%s %v", c.tool, c.args)
		}
		// An unknown tool is the protocol's own error.
		_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "reboot_press", Arguments: map[string]any{}})
		require.ErrorContains(t, err, "reboot_press")
	})

	t.Run("documents are resources", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		var uris []string
		for r, err := range cs.Resources(ctx, nil) {
			require.NoError(t, err)
			uris = append(uris, r.URI)
		}
		require.Greater(t, len(uris), 20, "the demo store's documents are listed")
		tpl, err := cs.ListResourceTemplates(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, mcp.DocumentURI, tpl.ResourceTemplates[0].URITemplate)

		hits, err := p.docs.Search(ctx, ragQuery("press-3 bearing vibration"))
		require.NoError(t, err)
		require.NotEmpty(t, hits)
		id := hits[0].DocumentID
		got, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "gemba://documents/" + id})
		require.NoError(t, err)
		require.Len(t, got.Contents, 1)
		require.Equal(t, "text/markdown", got.Contents[0].MIMEType)
		require.Contains(t, got.Contents[0].Text, "- id: "+id)
		require.Contains(t, got.Contents[0].Text, "# "+hits[0].Title)

		_, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "gemba://documents/INC-NOPE"})
		require.ErrorContains(t, err, "not found")
	})

	t.Run("diagnose_asset prompt", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		got, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: mcp.DiagnosePrompt, Arguments: map[string]string{"asset": "press-3", "symptom": "vibrating", "hours": "36"}})
		require.NoError(t, err)
		msg := got.Messages[0].Content.(*sdk.TextContent).Text
		require.Contains(t, msg, `{"asset": "press-3", "hours": 36}`)
		require.Contains(t, msg, "search_incidents")
		require.Contains(t, msg, "(reported: vibrating)")

		_, err = cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: mcp.DiagnosePrompt, Arguments: map[string]string{"asset": "press-99"}})
		require.ErrorContains(t, err, "press-99")
		_, err = cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: mcp.DiagnosePrompt, Arguments: map[string]string{"asset": "press-3", "hours": "soon"}})
		require.ErrorContains(t, err, "hours must be a whole number")
	})

	t.Run("every call lands in the audit trail with its caller", func(t *testing.T) {
		t.Parallel()
		cs := connect(t, endpoint, nil)
		_, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tools.ListSeries, Arguments: map[string]any{"asset": "pump-1"}})
		require.NoError(t, err)
		_, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: tools.ListSeries, Arguments: map[string]any{"asset": 7}})
		require.NoError(t, err)
		calls, err := p.audit.DirectCalls(ctx, agent.SourceMCP, 200)
		require.NoError(t, err)
		var mine []agent.DirectCall
		for _, c := range calls {
			if c.Session == cs.ID() {
				mine = append(mine, c)
			}
		}
		require.Len(t, mine, 2)
		bad, good := mine[0], mine[1] // newest first
		require.Equal(t, "gemba-test 1.0 (http)", good.Caller)
		require.Equal(t, tools.ListSeries, good.Tool)
		require.JSONEq(t, `{"asset":"pump-1"}`, string(good.Args))
		require.Contains(t, good.Summary, "series")
		require.Empty(t, good.Error)
		require.Positive(t, good.ResultBytes)
		require.Contains(t, bad.Error, "do not match its schema")
	})
}

func TestHTTPEndpointSecurity(t *testing.T) {
	t.Parallel()
	reg := tools.NewRegistry(tools.New("echo", "says hi", map[string]any{"type": "object", "properties": map[string]any{}},
		func(context.Context, struct{}) (tools.Result, error) { return tools.Result{Summary: "hi"}, nil }))
	srv, err := mcp.NewServer(mcp.ServerOptions{Tools: reg})
	require.NoError(t, err)
	ctx := context.Background()

	// Off loopback without a token: closed, saying how to open it.
	h, disabled := srv.Handler(ctx, mcp.HTTPOptions{Addr: "0.0.0.0:8080"})
	require.ErrorIs(t, disabled, mcp.ErrTokenRequired)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}")))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, rec.Body.String(), "GEMBA_MCP_TOKEN")

	// An unknown address counts as off loopback.
	_, disabled = srv.Handler(ctx, mcp.HTTPOptions{})
	require.ErrorIs(t, disabled, mcp.ErrTokenRequired)

	// With a token: required, whatever the address.
	h, disabled = srv.Handler(ctx, mcp.HTTPOptions{Addr: "0.0.0.0:8080", Token: "s3cret-token"})
	require.NoError(t, disabled)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	c := sdk.NewClient(&sdk.Implementation{Name: "intruder", Version: "1"}, nil)
	_, err = c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, nil)
	require.ErrorContains(t, err, "Unauthorized")
	_, err = c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1, HTTPClient: bearer("wrong")}, nil)
	require.ErrorContains(t, err, "Unauthorized")

	cs := connect(t, hs.URL, bearer("s3cret-token"))
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "echo", Arguments: map[string]any{}})
	require.NoError(t, err)
	require.Contains(t, text(res), `"summary":"hi"`)

	// A page of another site cannot post to it from a browser.
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer s3cret-token")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code)
}

// text joins the text contents of a tool result.
func text(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func bearer(tok string) *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
