package mcp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Path is where serve mounts the streamable HTTP endpoint.
const Path = "/mcp"

// ErrTokenRequired is why /mcp refuses every request: the server listens
// beyond this machine and no GEMBA_MCP_TOKEN is set.
var ErrTokenRequired = errors.New("mcp: GEMBA_MCP_TOKEN is required when GEMBA_HTTP_ADDR is not a loopback address")

// HTTPOptions secures the streamable HTTP endpoint.
type HTTPOptions struct {
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// every request, whatever the address (GEMBA_MCP_TOKEN).
	Token string
	// Addr is the address the server is bound to. Without a token the
	// endpoint answers only when it is a loopback address; on any other,
	// or when Addr is empty (unknown), it is disabled, as the console is
	// without its token.
	Addr string
	// SessionTimeout closes sessions idle this long (default 30m).
	SessionTimeout time.Duration
}

// Handler returns the streamable HTTP endpoint, listing the store's
// documents as they are now. When the endpoint must stay closed (see
// HTTPOptions.Addr) the handler answers 403 saying how to open it, and
// disabled wraps ErrTokenRequired; the rest of the server is unaffected.
func (s *Server) Handler(ctx context.Context, o HTTPOptions) (h http.Handler, disabled error) {
	if o.Token == "" && !isLoopback(o.Addr) {
		s.log.WarnContext(ctx, "MCP endpoint disabled: set GEMBA_MCP_TOKEN to serve it on a non-loopback address", "addr", o.Addr)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Gemba's MCP endpoint is disabled: this server listens on a non-loopback address and GEMBA_MCP_TOKEN is not set.\n"+
				"Set GEMBA_MCP_TOKEN (a long random string), restart, and give MCP clients the header \"Authorization: Bearer <token>\".", http.StatusForbidden)
		}), fmt.Errorf("%w (listening on %q); /mcp is disabled", ErrTokenRequired, o.Addr)
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 30 * time.Minute
	}
	srv := s.build(ctx, "http")
	h = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, &sdk.StreamableHTTPOptions{
		Logger:         s.log,
		SessionTimeout: o.SessionTimeout,
	})
	if o.Token != "" {
		verify := func(_ context.Context, tok string, _ *http.Request) (*auth.TokenInfo, error) {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(o.Token)) != 1 {
				return nil, fmt.Errorf("%w: the bearer token is not GEMBA_MCP_TOKEN", auth.ErrInvalidToken)
			}
			return &auth.TokenInfo{UserID: "gemba-mcp-token"}, nil
		}
		h = auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h)
	}
	// A browser page on another site must not drive the endpoint with the
	// user's network position.
	return http.NewCrossOriginProtection().Handler(h), nil
}

// isLoopback reports whether a listen address (host:port) only accepts
// connections from this machine; an empty host listens everywhere.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
