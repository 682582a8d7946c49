package mcp_test

import (
	"context"
	"slices"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/mcp"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// BenchmarkToolCallsOverMCP measures one tools/call of each of Gemba's
// tools as an MCP client sees it on the seeded demo plant: the SDK's
// client over streamable HTTP on loopback, Gemba's handler, the tool
// (database reads included) and the audit-trail insert. "served" is the
// registry gemba serve builds (detections and forecasts cached for a
// sampling interval, so repeated questions reuse them); "uncached"
// computes every call. Each sub-benchmark reports p50 and p95 in ms.
func BenchmarkToolCallsOverMCP(b *testing.B) {
	ctx := context.Background()
	p := seedPlant(b)
	hits, err := p.docs.Search(ctx, ragQuery("press-3 bearing vibration"))
	require.NoError(b, err)
	doc := hits[0].DocumentID
	now := func() time.Time { return plantNow }
	uncached := tools.NewRegistry(append(tools.PredictiveWith(series.New(p.pool), modelreg.New(p.pool),
		tools.PredictiveOptions{Now: now, CacheSize: -1}), tools.Incidents(p.docs)...)...)
	calls := []struct {
		name, tool string
		args       map[string]any
	}{
		{"list_series", tools.ListSeries, map[string]any{"line": "line-1"}},
		{"search_incidents", tools.SearchIncidents, map[string]any{"query": "press-3 vibration rising", "asset": "press-3"}},
		{"get_document", tools.GetDocument, map[string]any{"id": doc}},
		{"compare_to_plan", tools.CompareToPlan, map[string]any{"line": "line-1"}},
		{"detect_asset_24h", tools.DetectAnomalies, map[string]any{"asset": "press-3"}},
		{"explain_asset", tools.ExplainAnomaly, map[string]any{"asset": "press-3", "hours": 36}},
		{"forecast_output_24h", tools.ForecastSeries, map[string]any{"series": "line-1.output", "horizon": 24}},
	}
	for _, mode := range []struct {
		name string
		reg  *tools.Registry
	}{{"served", p.tools}, {"uncached", uncached}} {
		q := *p
		q.tools = mode.reg
		endpoint := q.serveHTTP(b, mcp.HTTPOptions{Addr: "127.0.0.1:8080"})
		cs := connect(b, endpoint, nil)
		for _, c := range calls {
			b.Run(mode.name+"/"+c.name, func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					began := time.Now()
					res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: c.tool, Arguments: c.args})
					took = append(took, time.Since(began))
					require.NoError(b, err)
					require.False(b, res.IsError, text(res))
				}
				slices.Sort(took)
				b.ReportMetric(ms(took[len(took)/2]), "p50_ms")
				b.ReportMetric(ms(took[min(len(took)-1, len(took)*95/100)]), "p95_ms")
			})
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
