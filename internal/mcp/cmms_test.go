package mcp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// childEnv makes the test binary serve the test CMMS over stdio instead of
// running tests: the stdio client tests start it as a command.
const childEnv = "GEMBA_MCP_TEST_CMMS_STDIO"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := cmmsServer(nil, nil).Run(context.Background(), &sdk.StdioTransport{}); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "cmms:", err)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type orderArgs struct {
	Asset string `json:"asset" jsonschema:"the asset, e.g. press-3"`
}

type order struct {
	ID                 string `json:"id"`
	Asset              string `json:"asset"`
	Status             string `json:"status"`
	Title              string `json:"title"`
	DaysSinceBearingCh int    `json:"days_since_bearing_change"`
}

// cmmsServer is a small MCP server in the role of a plant's maintenance
// system: work orders (allowed), a tool that never answers (slow_report),
// one that fails (broken), one Gemba must not be given (close_work_order)
// and one that returns far more than a model should read (dump). hung,
// when not nil, is told each time slow_report starts.
func cmmsServer(hung chan<- struct{}, release <-chan struct{}) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "test-cmms", Version: "0.1"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "list_work_orders", Description: "Open work orders of an asset."},
		func(_ context.Context, _ *sdk.CallToolRequest, a orderArgs) (*sdk.CallToolResult, struct {
			Orders []order `json:"orders"`
		}, error) {
			var out struct {
				Orders []order `json:"orders"`
			}
			if a.Asset == "" {
				return nil, out, errors.New("asset is required, e.g. press-3")
			}
			out.Orders = []order{{ID: "WO-4411", Asset: a.Asset, Status: "open", Title: "Replace main bearing", DaysSinceBearingCh: 412}}
			return nil, out, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "slow_report", Description: "A report that takes forever."},
		func(ctx context.Context, _ *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
			if hung != nil {
				hung <- struct{}{}
			}
			// Like a stuck remote system, it may not even notice the
			// cancellation; only the end of the test releases it.
			select {
			case <-ctx.Done():
			case <-release:
			}
			return nil, nil, errors.New("gave up")
		})
	sdk.AddTool(s, &sdk.Tool{Name: "broken", Description: "Always fails."},
		func(context.Context, *sdk.CallToolRequest, struct{}) (*sdk.CallToolResult, any, error) {
			return nil, nil, errors.New("the CMMS database is in maintenance until 06:00")
		})
	sdk.AddTool(s, &sdk.Tool{Name: "close_work_order", Description: "Closes a work order."},
		func(context.Context, *sdk.CallToolRequest, orderArgs) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "closed"}}}, nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "dump", Description: "Every work order ever."},
		func(context.Context, *sdk.CallToolRequest, struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "work order history\n" + strings.Repeat("WO-1 closed: replaced a seal. ", 20000)}}}, nil, nil
		})
	return s
}

// serveCMMS serves the test CMMS over streamable HTTP and returns its URL.
func serveCMMS(t testing.TB, hung chan<- struct{}) string {
	t.Helper()
	release := make(chan struct{})
	srv := cmmsServer(hung, release)
	hs := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(hs.Close)
	t.Cleanup(func() { close(release) })
	return hs.URL + "/mcp"
}
