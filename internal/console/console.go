package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
)

//go:embed web
var webFS embed.FS

// AnswerStore loads a stored answer with its audit trail (tool calls,
// citations with scores, mode, tokens, latency) by id.
type AnswerStore interface {
	Answer(ctx context.Context, id int64) (*agent.Answer, error)
}

// TraceStore reads the whole audit trail of a stored answer: the model
// calls with their tokens and latency as well as the tool calls. Optional;
// *agent.Runner satisfies it. Without it the trace panel shows what the
// stored answer holds.
type TraceStore interface {
	Trace(ctx context.Context, answerID int64) (*agent.Trace, error)
}

// File is a file a reply carries (Slack uploads it; the console serves it
// and shows images inline).
type File struct {
	// Name is the file name, e.g. forecast-line-1.output.png.
	Name string
	// Title is shown above the image.
	Title string
	// MIME is the content type; empty means image/png.
	MIME string
	// Data holds the bytes.
	Data []byte
}

// DocHit is one search result of the incident store.
type DocHit struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Kind    string  `json:"kind,omitempty"`
	Asset   string  `json:"asset,omitempty"`
	Score   float64 `json:"score,omitempty"`
	Snippet string  `json:"snippet,omitempty"`
	Outcome string  `json:"outcome,omitempty"`
}

// Doc is one document of the incident store.
type Doc struct {
	ID              string     `json:"id"`
	Title           string     `json:"title"`
	Kind            string     `json:"kind,omitempty"`
	Site            string     `json:"site,omitempty"`
	Line            string     `json:"line,omitempty"`
	Asset           string     `json:"asset,omitempty"`
	FailureMode     string     `json:"failure_mode,omitempty"`
	Severity        string     `json:"severity,omitempty"`
	OccurredAt      *time.Time `json:"occurred_at,omitempty"`
	DowntimeMinutes *int       `json:"downtime_minutes,omitempty"`
	Outcome         string     `json:"outcome,omitempty"`
	Tags            []string   `json:"tags,omitempty"`
	Source          string     `json:"source,omitempty"`
	Body            string     `json:"body"`
}

// Docs searches and reads the incident store. An empty query should list
// recent documents.
type Docs interface {
	Search(ctx context.Context, query string, k int) ([]DocHit, error)
	Get(ctx context.Context, id string) (*Doc, error)
}

// SeriesInfo describes one series of the plant.
type SeriesInfo struct {
	Name     string `json:"name"`
	Unit     string `json:"unit,omitempty"`
	Site     string `json:"site,omitempty"`
	Line     string `json:"line,omitempty"`
	Asset    string `json:"asset,omitempty"`
	Sensor   string `json:"sensor,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Interval string `json:"interval,omitempty"`
}

// Event is one anomaly event on an asset.
type Event struct {
	Asset  string    `json:"asset"`
	Series string    `json:"series,omitempty"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Peak   time.Time `json:"peak"`
	Score  float64   `json:"score"`
	Kind   string    `json:"kind,omitempty"`
	// Drivers name the sensors behind the event with their share, e.g. "vibration 72%".
	Drivers []string `json:"drivers,omitempty"`
}

// Plant lists the plant's series, finds recent anomaly events and builds
// charts of series windows. NewSeriesPlant adapts the series store.
type Plant interface {
	Series(ctx context.Context) ([]SeriesInfo, error)
	Events(ctx context.Context, asset string, from, to time.Time) ([]Event, error)
	Chart(ctx context.Context, series string, from, to time.Time) (chart.Chart, error)
}

// About is what the console shows about the running instance: modes and
// versions, never secrets.
type About struct {
	// Version of the binary.
	Version string `json:"version,omitempty"`
	// LLM names the provider and model ("openai gpt-4o-mini"), empty offline.
	LLM string `json:"llm,omitempty"`
	// Slack says whether a Slack workspace is connected.
	Slack bool `json:"slack"`
}

// Options configure the console. Only Addr matters for security; every
// other dependency may be nil, which disables what needs it.
type Options struct {
	// Core answers questions, commands and buttons: the console is one of
	// its front doors (New registers it). Nil disables chat.
	Core *conversation.Core
	// Answers loads stored answers and their audit trail.
	Answers AnswerStore
	// Traces reads the full audit trail (model calls) for the trace panel.
	Traces TraceStore
	// Docs is the incident store.
	Docs Docs
	// Plant is the series store with anomaly detection.
	Plant Plant
	// PlantModel shows the plant model in force and edits channel
	// bindings and digest schedules (nil: the plant page shows series only
	// and the settings cannot be edited here).
	PlantModel PlantAdmin
	// Connectors reports the live data connectors' state (JSON-able); nil
	// when none run.
	Connectors func() any
	// About describes the instance.
	About About
	// Channels are the console's channels; empty means ["shop-floor"].
	Channels []string
	// User is the user id questions are asked as; empty means "console".
	User string
	// Addr is the address the HTTP server is bound to: the listener's
	// address (serve passes ln.Addr()), not the configured string, so that
	// a name that resolves elsewhere cannot open the console. When it is
	// not a loopback address, or empty (unknown), Token is required. The
	// request's Host header never takes part in this decision: a remote
	// client can send "Host: localhost".
	Addr string
	// Token protects the console (GEMBA_CONSOLE_TOKEN); empty means open on loopback.
	Token string
	// Sessions stores login sessions; nil keeps them in memory (one
	// replica, lost on restart). serve passes NewPGSessions.
	Sessions Sessions
	// Logger receives request errors; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AskTimeout bounds one question or command; zero means 2 minutes.
	AskTimeout time.Duration
}

// ErrTokenRequired is why a console is disabled (see Console.Disabled): it
// would be reachable from other machines without a token.
var ErrTokenRequired = errors.New("console: GEMBA_CONSOLE_TOKEN is required when GEMBA_HTTP_ADDR is not a loopback address")

// Console is the console's http.Handler, to be mounted at "/" of the
// server that also serves /slack/*, /healthz and /metrics.
type Console struct {
	o      Options
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	auth   *auth
	msgs   *channelLog
	files  *fileStore
	assets http.Handler
	// bg bounds background answers to the server's life (Close cancels it).
	bg     context.Context
	cancel context.CancelFunc
	// disabled, when set, is why every request is refused.
	disabled error
	// busy bounds the replies worked on at once; more wait their turn
	// (still shown as pending), so a burst of questions cannot start an
	// unbounded number of agent turns.
	busy chan struct{}
	// charts keeps drawn chart PNGs by content.
	charts chart.Cache
}

// maxBusy is how many questions and commands the console works on at once.
const maxBusy = 4

// New builds the console. When Addr is not a loopback address (or is
// empty) and no Token is set, the console is disabled rather than open to the network: every
// request gets 403 saying how to enable it, and Disabled reports why. The
// rest of the server (Slack endpoints, health, metrics) is not affected, so
// a Slack-only deployment without a console token still starts.
func New(o Options) (*Console, error) {
	if len(o.Channels) == 0 {
		o.Channels = []string{"shop-floor"}
	}
	if o.User == "" {
		o.User = "console"
	}
	if o.AskTimeout <= 0 {
		o.AskTimeout = 2 * time.Minute
	}
	c := &Console{o: o, log: o.Logger, now: o.Now, files: newFileStore(256), busy: make(chan struct{}, maxBusy)}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "console")
	if o.Token == "" && !IsLoopback(o.Addr) {
		where := o.Addr
		if where == "" {
			where = "an unknown address"
		}
		c.disabled = fmt.Errorf("%w (listening on %s); the console is disabled", ErrTokenRequired, where)
		c.log.Warn("console disabled: set GEMBA_CONSOLE_TOKEN to use it on a non-loopback address", "addr", o.Addr)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.msgs = newChannelLog(1000, c.now)
	c.auth = newAuth(o.Token, o.Sessions, c.now)
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, fmt.Errorf("console: assets: %w", err)
	}
	c.assets = http.StripPrefix("/assets/", http.FileServer(http.FS(sub)))
	c.bg, c.cancel = context.WithCancel(context.Background())
	c.routes()
	if o.Core != nil {
		o.Core.Register(c)
	}
	return c, nil
}

// Close stops answers still being worked on in the background.
func (c *Console) Close() { c.cancel() }

// Disabled returns why the console refuses every request (an error wrapping
// ErrTokenRequired), or nil when it serves.
func (c *Console) Disabled() error { return c.disabled }

// ServeHTTP applies the security checks and routes the request.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.disabled != nil {
		http.Error(w, "The Gemba console is disabled: this server listens on a non-loopback address and GEMBA_CONSOLE_TOKEN is not set.\nSet GEMBA_CONSOLE_TOKEN (a long random string) and restart to use the console; you will be asked for the token.", http.StatusForbidden)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin") // no-referrer would make browsers send "Origin: null" on form posts
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	if !c.auth.allowHost(r) {
		http.Error(w, "console: this console only answers on localhost; set GEMBA_CONSOLE_TOKEN to serve it on other names", http.StatusMisdirectedRequest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		writeError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	public := r.URL.Path == "/login" || strings.HasPrefix(r.URL.Path, "/assets/")
	if public {
		c.mux.ServeHTTP(w, r)
		return
	}
	switch v, wait := c.auth.check(r); v {
	case limited:
		tooMany(w, wait)
		return
	case denied:
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gemba-console"`)
			writeError(w, http.StatusUnauthorized, "a console token is required (Authorization: Bearer <GEMBA_CONSOLE_TOKEN>, or log in at /login)")
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// IsLoopback reports whether a listen address (host:port) only accepts
// connections from this machine. An empty host (":8080") listens
// everywhere, and an empty address is not known to be loopback.
func IsLoopback(addr string) bool {
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
