package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/ops"
)

// Source is the name of Slack's front door in the conversation core's rows.
const Source = "slack"

// Options configures a Bot. BotToken and Core are required; the rest have
// defaults.
type Options struct {
	// BotToken is the bot token (xoxb-…).
	BotToken string
	// AppToken (xapp-…) selects the Socket Mode transport in Run.
	AppToken string
	// SigningSecret verifies the HTTP transport's requests.
	SigningSecret string
	// APIURL is the Slack Web API base URL, ending in "/"; empty means Slack's.
	APIURL string
	// HTTPClient makes the Web API calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client

	// Core records and handles what arrives; New registers the bot with it.
	Core *conversation.Core

	// Logger, Metrics (nil-safe) and Now (the clock; time.Now by default).
	Logger  *slog.Logger
	Metrics *ops.Metrics
	Now     func() time.Time

	// MaxRetryWait caps how long one Slack 429 may make the bot wait (default 60 s).
	MaxRetryWait time.Duration
}

// Bot is Gemba's Slack front door: the Socket Mode and HTTP Events API
// transports, request signatures, Block Kit, and the Web API calls the
// conversation core makes through it (it implements
// conversation.Transport). Create it with New, mount Routes (HTTP) and
// start Run (identity and, with an app token, Socket Mode); the core's Run
// does the work.
type Bot struct {
	o       Options
	core    *conversation.Core
	api     *slack.Client
	sm      *socketmode.Client
	log     *slog.Logger
	metrics *ops.Metrics
	now     func() time.Time

	idMu      sync.Mutex
	botUserID string
	botID     string
	teamURL   string

	connected atomic.Bool
	acceptSem chan struct{}
	charts    chart.Cache // drawn chart PNGs by content
}

var _ conversation.Transport = (*Bot)(nil)

// New checks the options, builds a Bot and registers it with the core; it
// makes no network call.
func New(o Options) (*Bot, error) {
	if o.BotToken == "" {
		return nil, errors.New("bot: a bot token is required")
	}
	if o.Core == nil {
		return nil, errors.New("bot: a conversation core is required")
	}
	if o.APIURL == "" {
		o.APIURL = slack.APIURL
	}
	if o.APIURL[len(o.APIURL)-1] != '/' {
		return nil, fmt.Errorf("bot: the Slack API URL %q must end in /", o.APIURL)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = 60 * time.Second
	}
	log := o.Logger.With("component", "bot")
	opts := []slack.Option{slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(o.HTTPClient)}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	b := &Bot{
		o: o, core: o.Core, api: slack.New(o.BotToken, opts...), log: log, metrics: o.Metrics, now: o.Now,
		acceptSem: make(chan struct{}, 64),
	}
	if o.AppToken != "" {
		b.sm = socketmode.New(b.api, socketmode.OptionLog(slogLogger{log.With("transport", "socket")}))
	}
	o.Core.Register(b)
	return b, nil
}

// Client returns the Slack Web API client the bot uses.
func (b *Bot) Client() *slack.Client { return b.api }

// SocketMode reports whether Run uses the Socket Mode transport.
func (b *Bot) SocketMode() bool { return b.sm != nil }

// Ready is a readiness check: the bot knows who it is and, in Socket Mode,
// is connected.
func (b *Bot) Ready(_ context.Context) error {
	if b.identity() == "" {
		return errors.New("slack: not authenticated yet")
	}
	if b.sm != nil && !b.connected.Load() {
		return errors.New("slack: socket mode not connected")
	}
	return nil
}

// Run learns the bot's identity (retrying while Slack is unreachable) and,
// in Socket Mode, receives events until ctx is done.
func (b *Bot) Run(ctx context.Context) error {
	for {
		err := b.identify(ctx)
		if err == nil {
			break
		}
		if !retryable(err) {
			return err
		}
		b.log.WarnContext(ctx, "Slack unreachable; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	b.log.InfoContext(ctx, "slack bot running", "socket_mode", b.sm != nil)
	if b.sm == nil {
		<-ctx.Done()
		return nil
	}
	if err := b.runSocket(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("bot: socket mode: %w", err)
	}
	return nil
}

// retryable reports whether a Web API error may go away on its own.
func retryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne)
}

// identify learns the bot's own user id (auth.test), needed to ignore its
// own messages and to strip mentions.
func (b *Bot) identify(ctx context.Context) error {
	if b.identity() != "" {
		return nil
	}
	var resp *slack.AuthTestResponse
	err := b.retry(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		resp, err = b.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("bot: slack auth.test (check GEMBA_SLACK_BOT_TOKEN): %w", err)
	}
	b.idMu.Lock()
	b.botUserID, b.botID, b.teamURL = resp.UserID, resp.BotID, resp.URL
	b.idMu.Unlock()
	return nil
}

func (b *Bot) identity() string {
	b.idMu.Lock()
	defer b.idMu.Unlock()
	return b.botUserID
}

// retry runs one Web API call, waiting and retrying when Slack answers 429
// with Retry-After (at most 3 retries, each wait capped by MaxRetryWait).
func (b *Bot) retry(ctx context.Context, method string, call func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || attempt >= 3 {
			return err
		}
		wait := min(max(rl.RetryAfter, 100*time.Millisecond), b.o.MaxRetryWait)
		b.log.WarnContext(ctx, "slack rate limited; waiting", "method", method, "retry_after", rl.RetryAfter, "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// slogLogger adapts slog to slack-go's logger interface (debug level).
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Output(_ int, msg string) error {
	s.l.Debug(msg)
	return nil
}

// capitalise makes the first letter of s upper case (Slack's field errors
// are sentences).
func capitalise(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
