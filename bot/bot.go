package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/tools"
)

// Options configures a Bot. DB and BotToken are required; the rest have
// defaults. Without an Asker the bot still runs digests and commands but
// answers questions with a note that the agent is not configured.
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

	// DB holds the bot's state (deliveries, settings, threads, digests).
	DB db.DBTX
	// Asker answers questions (the agent).
	Asker Asker
	// Feedback records Helpful / Not helpful on stored answers; optional.
	Feedback Feedback
	// Incidents stores resolved threads and outcomes; optional (without it
	// "Mark resolved" says it cannot store incidents).
	Incidents Incidents
	// Tools runs forecast_series and detect_anomalies for the slash
	// commands and digests; optional (then those questions go to the Asker).
	Tools *tools.Registry

	// Logger, Metrics (nil-safe) and Now (the clock; time.Now by default).
	Logger  *slog.Logger
	Metrics *ops.Metrics
	Now     func() time.Time

	// Workers bounds concurrent answers (default 8); QueueSize bounds the
	// work waiting for a worker (default 4×Workers, at least 128); beyond
	// it deliveries wait in Postgres for the sweeper.
	Workers   int
	QueueSize int
	// UserRate is how many questions one user may ask per minute (0: no limit).
	UserRate int
	// Owner names this replica in leases; default host-pid-random.
	Owner string
	// Lease is how long a claimed delivery belongs to this replica before
	// another may retry it (default 3 min; longer than AnswerTimeout).
	Lease time.Duration
	// SweepEvery is how often expired leases are looked for (default 10 s).
	SweepEvery time.Duration
	// MaxAttempts bounds retries of a delivery whose processing crashed (default 3).
	MaxAttempts int
	// AnswerTimeout bounds one answer (default 2 min).
	AnswerTimeout time.Duration
	// DrainTimeout bounds how long Run waits for in-flight work on stop (default 20 s).
	DrainTimeout time.Duration
	// DigestEvery is how often digest schedules are checked (default 30 s);
	// DigestGrace is how late a slot may still be posted (default 15 min).
	DigestEvery time.Duration
	DigestGrace time.Duration
	// FollowUpAfter is how long after an answer that cited documents Gemba
	// asks in the thread whether the advice worked, when nobody said so
	// (default 4 h; negative disables). The reply is recorded as the
	// outcome on the cited documents.
	FollowUpAfter time.Duration
	// Permissions limits forecasts and digest schedules.
	Permissions Permissions
	// MaxRetryWait caps how long one Slack 429 may make the bot wait (default 60 s).
	MaxRetryWait time.Duration
}

// Permissions limits who may run forecasts and change digest schedules.
// Empty lists allow everyone; users may include user group ids (S…).
type Permissions struct {
	ForecastChannels []string
	ForecastUsers    []string
	DigestChannels   []string
	DigestUsers      []string
}

// Bot is the Slack app. Create it with New, mount Routes (HTTP transport)
// and start Run (workers, lease sweeper, digest scheduler, and Socket Mode
// when an app token is set).
type Bot struct {
	o       Options
	api     *slack.Client
	sm      *socketmode.Client
	log     *slog.Logger
	metrics *ops.Metrics
	now     func() time.Time

	queue    chan job
	stopping chan struct{}
	stopOnce sync.Once
	stopped  atomic.Bool
	running  atomic.Bool

	idMu      sync.Mutex
	botUserID string
	botID     string
	teamURL   string

	claimMu  sync.Mutex
	pending  []claimReq
	flushers int

	connected atomic.Bool
	limiter   *limiter
	groups    *groupCache
	acceptSem chan struct{}
	charts    chartCache // drawn chart PNGs by content
}

// New checks the options and builds a Bot; it makes no network call.
func New(o Options) (*Bot, error) {
	if o.BotToken == "" {
		return nil, errors.New("bot: a bot token is required")
	}
	if o.DB == nil {
		return nil, errors.New("bot: a database is required")
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
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.QueueSize <= 0 {
		o.QueueSize = max(4*o.Workers, 128)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	def(&o.AnswerTimeout, 2*time.Minute)
	def(&o.Lease, o.AnswerTimeout+time.Minute)
	def(&o.SweepEvery, 10*time.Second)
	def(&o.DrainTimeout, 20*time.Second)
	def(&o.DigestEvery, 30*time.Second)
	def(&o.DigestGrace, 15*time.Minute)
	def(&o.MaxRetryWait, 60*time.Second)
	if o.FollowUpAfter == 0 {
		o.FollowUpAfter = 4 * time.Hour
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		buf := make([]byte, 4)
		_, _ = rand.Read(buf)
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(buf))
	}
	log := o.Logger.With("component", "bot")
	opts := []slack.Option{slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(o.HTTPClient)}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	b := &Bot{
		o: o, api: slack.New(o.BotToken, opts...), log: log, metrics: o.Metrics, now: o.Now,
		queue:     make(chan job, o.QueueSize),
		stopping:  make(chan struct{}),
		limiter:   newLimiter(o.UserRate, o.Now),
		acceptSem: make(chan struct{}, 64),
	}
	b.groups = newGroupCache(b, 5*time.Minute)
	if o.AppToken != "" {
		b.sm = socketmode.New(b.api, socketmode.OptionLog(slogLogger{log.With("transport", "socket")}))
	}
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

// Run starts the workers, the lease sweeper, the digest scheduler and, in
// Socket Mode, the websocket. It returns when ctx is done and in-flight
// answers finished, or DrainTimeout passed (unfinished deliveries are left
// to another replica through their leases).
func (b *Bot) Run(ctx context.Context) error {
	for {
		err := b.identify(ctx)
		if err == nil {
			break
		}
		if !transient(err) {
			return err
		}
		b.log.WarnContext(ctx, "Slack unreachable; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	b.running.Store(true)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var workers sync.WaitGroup
	for range b.o.Workers {
		workers.Go(func() { b.worker(workCtx) })
	}
	var bg sync.WaitGroup
	bg.Go(func() { b.sweepLoop(ctx) })
	bg.Go(func() { b.digestLoop(ctx) })
	var sockErr error
	if b.sm != nil {
		bg.Go(func() { sockErr = b.runSocket(ctx) })
	}
	b.log.InfoContext(ctx, "slack bot running", "socket_mode", b.sm != nil, "workers", b.o.Workers, "owner", b.o.Owner)

	<-ctx.Done()
	b.stopped.Store(true)
	b.stopOnce.Do(func() { close(b.stopping) })
	bg.Wait()
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	t := time.NewTimer(b.o.DrainTimeout)
	defer t.Stop()
	select {
	case <-done:
		b.log.InfoContext(ctx, "slack bot drained")
	case <-t.C:
		b.log.WarnContext(ctx, "slack bot drain timed out; leaving unfinished work to other replicas", "timeout", b.o.DrainTimeout)
		cancelWork()
		<-done
	}
	b.releaseQueued(context.WithoutCancel(ctx))
	if sockErr != nil && !errors.Is(sockErr, context.Canceled) {
		return fmt.Errorf("bot: socket mode: %w", sockErr)
	}
	return nil
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

// threadLink is a link to a thread in the workspace, or "" when unknown.
func (b *Bot) threadLink(channel, ts string) string {
	b.idMu.Lock()
	base := b.teamURL
	b.idMu.Unlock()
	if base == "" || channel == "" || ts == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
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

// transient reports whether err may go away on its own (network trouble,
// Slack 5xx or rate limits, a database connection lost) rather than being
// a permanent answer such as invalid_auth or channel_not_found.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	var sc slack.StatusCodeError
	var rl *slack.RateLimitedError
	var pe *pgconn.PgError
	var told *toldUser
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.As(err, &told):
		return false
	case errors.As(err, &rl), errors.As(err, &ne):
		return true
	case errors.As(err, &sc):
		return sc.Code >= 500
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") // connection, shutdown
	case pgconn.SafeToRetry(err):
		return true
	}
	return false
}

// toldUser wraps an error the user was already told about (an apology in
// the thread): retrying it would only confuse the thread.
type toldUser struct{ err error }

func (e *toldUser) Error() string { return e.err.Error() }
func (e *toldUser) Unwrap() error { return e.err }

// slogLogger adapts slog to slack-go's logger interface (debug level).
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Output(_ int, msg string) error {
	s.l.Debug(msg)
	return nil
}
