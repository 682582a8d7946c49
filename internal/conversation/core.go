package conversation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// Asker answers one question; *agent.Runner satisfies it.
type Asker interface {
	Ask(ctx context.Context, req agent.Request) (*agent.Answer, error)
}

// Feedback records a Helpful / Not helpful click with the answer's audit
// record (rating "helpful" or "not_helpful"); *agent.Runner implements it.
// Optional: without it the click is kept with the posted answer only.
type Feedback interface {
	RecordFeedback(ctx context.Context, answerID int64, userID, rating string) error
}

// AnswerStore saves an answer made without the agent (a /gemba forecast
// straight from its tool) in the audit trail, so that its buttons and
// trace work like any other answer's; *agent.Store implements it.
type AnswerStore interface {
	SaveAnswer(ctx context.Context, req agent.Request, a *agent.Answer, calls []agent.ModelCall) (int64, error)
}

// Options configures a Core. DB is required; the rest have defaults.
// Without an Asker the core still runs digests and commands but answers
// questions with a note that the agent is not configured.
type Options struct {
	// DB holds the conversation state (deliveries, settings, threads,
	// posted answers, digests, leases).
	DB db.DBTX
	// Asker answers questions (the agent); Feedback and Answers are its
	// audit store's optional parts.
	Asker    Asker
	Feedback Feedback
	Answers  AnswerStore
	// Incidents stores resolved threads and outcomes; optional (without it
	// "Mark resolved" says it cannot store incidents).
	Incidents Incidents
	// Maintenance, when set, also records each resolved thread as a
	// maintenance record beside its incident document (internal/maintenance).
	Maintenance MaintenanceLog
	// Tools runs forecast_series, detect_anomalies and compare_to_plan for
	// the commands and digests; optional (then commands go to the Asker).
	Tools *tools.Registry

	// Logger, Metrics (nil-safe) and Now (the clock; time.Now by default).
	Logger  *slog.Logger
	Metrics *ops.Metrics
	Now     func() time.Time

	// Workers bounds concurrent answers (default 8); QueueSize bounds the
	// work waiting for a worker (default 4×Workers, at least 128); beyond
	// it recorded deliveries wait in PostgreSQL for the sweeper.
	Workers   int
	QueueSize int
	// UserRate is how many questions one user may ask per minute (0: no limit).
	UserRate int
	// Owner names this replica in leases; default host-pid-random.
	Owner string
	// Lease is how long a claimed delivery belongs to this replica before
	// another may retry it (default AnswerTimeout + 1 min).
	Lease time.Duration
	// SweepEvery is how often expired leases are looked for (default 10 s).
	SweepEvery time.Duration
	// MaxAttempts bounds retries of a delivery whose processing crashed (default 3).
	MaxAttempts int
	// AnswerTimeout bounds one answer (default 2 min).
	AnswerTimeout time.Duration
	// DrainTimeout bounds how long Run waits for in-flight work on stop (default 20 s).
	DrainTimeout time.Duration
	// DigestEvery is how often the leader checks digest schedules and
	// follow-ups (default 30 s); DigestGrace is how late a slot may still
	// be posted (default 15 min).
	DigestEvery time.Duration
	DigestGrace time.Duration
	// FollowUpAfter is how long after an answer that cited documents Gemba
	// asks in the thread whether the advice worked, when nobody said so
	// (default 4 h; negative disables).
	FollowUpAfter time.Duration
	// Permissions limits forecasts and digest schedules.
	Permissions Permissions
	// Periodic is extra leader-only work (model re-evaluation), run by Run
	// beside the digests and follow-ups.
	Periodic []Periodic

	// Alerts configure proactive alerts; Assets lists the plant's assets
	// (the leader's alert sweep) and LineOf names an asset's line (an
	// alert goes to the channels bound to either).
	Alerts AlertOptions
	Assets func(ctx context.Context) ([]string, error)
	LineOf func(ctx context.Context, asset string) string
	// Calendar is the plant's time zone and shifts (alerts, digests and
	// command replies speak in plant time); nil means UTC. It is the
	// calendar at start: SetCalendar replaces it when the applied plant
	// model changes, so read it with Core.Calendar.
	Calendar *plant.Plant
	// PlannedLines lists the lines with an output and a plan series (a
	// digest of a channel bound to nothing compares every one with its
	// plan).
	PlannedLines func(ctx context.Context) ([]string, error)
	// Risk returns the failure-risk lines of a digest: the assets above
	// their alarm threshold, or a note saying why there are none (no
	// model trained).
	Risk func(ctx context.Context, now time.Time) (alarms []string, note string, err error)
}

// Permissions limits who may run forecasts and change digest schedules.
// Empty lists allow everyone; users may include user group ids.
type Permissions struct {
	ForecastChannels []string
	ForecastUsers    []string
	DigestChannels   []string
	DigestUsers      []string
}

// Core is the conversation core every front door runs on: the durable
// inbox of deliveries, the flow of a question, commands, buttons, "Mark
// resolved", digests and follow-ups. Create it with New, Register the
// transports, and start Run.
type Core struct {
	o       Options
	log     *slog.Logger
	metrics *ops.Metrics
	now     func() time.Time

	trMu       sync.RWMutex
	transports map[string]Transport

	queue    chan job
	stopping chan struct{}
	stopOnce sync.Once
	stopped  atomic.Bool

	claimMu  sync.Mutex
	pending  []claimReq
	flushers int

	limiter *limiter
	groups  *groupCache
	alerts  *alerter
	// calendar is the plant calendar in force (Options.Calendar, then
	// SetCalendar's).
	calendar atomic.Pointer[plant.Plant]
}

// New checks the options and builds a Core; it makes no network call.
func New(o Options) (*Core, error) {
	if o.DB == nil {
		return nil, errors.New("conversation: a database is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
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
	if o.FollowUpAfter == 0 {
		o.FollowUpAfter = 4 * time.Hour
	}
	if o.Owner == "" {
		o.Owner = replicaName()
	}
	o.Alerts.defaults()
	c := &Core{
		o: o, log: o.Logger.With("component", "conversation"), metrics: o.Metrics, now: o.Now,
		transports: map[string]Transport{},
		queue:      make(chan job, o.QueueSize),
		stopping:   make(chan struct{}),
		limiter:    newLimiter(o.UserRate, o.Now),
		alerts:     newAlerter(),
	}
	c.groups = newGroupCache(5*time.Minute, o.Now)
	c.calendar.Store(o.Calendar)
	return c, nil
}

// Calendar returns the plant calendar in force (nil: UTC, no shifts).
func (c *Core) Calendar() *plant.Plant { return c.calendar.Load() }

// SetCalendar replaces the plant calendar, for the answers, digests and
// alerts that follow: the plant model watcher calls it when a new
// plant.yaml is applied.
func (c *Core) SetCalendar(p *plant.Plant) { c.calendar.Store(p) }

// replicaName names this process in leases: host, pid and a random part.
func replicaName() string {
	host, _ := os.Hostname()
	buf := make([]byte, 4)
	_, _ = rand.Read(buf)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(buf))
}

// Register adds a front door. Deliveries recorded by a source are handled
// by its transport, on whichever replica has it registered.
func (c *Core) Register(t Transport) {
	c.trMu.Lock()
	defer c.trMu.Unlock()
	c.transports[t.Source()] = t
}

func (c *Core) transport(source string) (Transport, bool) {
	c.trMu.RLock()
	defer c.trMu.RUnlock()
	t, ok := c.transports[source]
	return t, ok
}

// Run starts the workers, the lease sweeper and the leader-only periodic
// work (digests, follow-ups, pruning, and Options.Periodic). It returns
// when ctx is done and in-flight answers finished, or DrainTimeout passed
// (unfinished deliveries are left to another replica through their leases).
func (c *Core) Run(ctx context.Context) error {
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var workers sync.WaitGroup
	for range c.o.Workers {
		workers.Go(func() { c.worker(workCtx) })
	}
	var bg sync.WaitGroup
	bg.Go(func() { c.sweepLoop(ctx) })
	periodic := append([]Periodic{
		{Name: "digests", Every: c.o.DigestEvery, Run: c.digestWork},
		{Name: "deliveries-prune", Every: time.Hour, Run: c.Prune},
	}, c.o.Periodic...)
	if !c.o.Alerts.Disabled {
		periodic = append(periodic, Periodic{Name: "alerts", Every: c.o.Alerts.SweepEvery, Run: c.sweepAlerts})
		bg.Go(func() { c.alertLoop(ctx) })
	}
	for _, p := range periodic {
		bg.Go(func() { c.runPeriodic(ctx, p) })
	}
	c.log.InfoContext(ctx, "conversation core running", "workers", c.o.Workers, "owner", c.o.Owner)

	<-ctx.Done()
	c.stopped.Store(true)
	c.stopOnce.Do(func() { close(c.stopping) })
	bg.Wait()
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	t := time.NewTimer(c.o.DrainTimeout)
	defer t.Stop()
	select {
	case <-done:
		c.log.InfoContext(ctx, "conversation core drained")
	case <-t.C:
		c.log.WarnContext(ctx, "drain timed out; leaving unfinished work to other replicas", "timeout", c.o.DrainTimeout)
		cancelWork()
		<-done
	}
	c.releaseQueued(context.WithoutCancel(ctx))
	return nil
}

// Handle runs one inbound at once, without recording it: for front doors
// that live in this process only (the console), where a delivery cannot
// outlive the process that shows it. Errors the user was already told
// about are returned too, for the caller's log.
func (c *Core) Handle(ctx context.Context, t Transport, in Inbound) error {
	ctx, cancel := context.WithTimeout(ctx, c.o.AnswerTimeout)
	defer cancel()
	return c.handle(ctx, t, job{source: t.Source()}, in)
}

// handle routes one inbound to what it asks for.
func (c *Core) handle(ctx context.Context, t Transport, j job, in Inbound) error {
	switch in.Kind {
	case "":
		return nil
	case KindMessage:
		return c.onMessage(ctx, t, j, in)
	case KindCommand:
		return c.onCommand(ctx, t, j, in)
	case KindAction:
		if in.Resolution != nil {
			return c.resolve(ctx, t, j, *in.Resolution)
		}
		if in.Action == ActionAlertAck || in.Action == ActionAlertAsk {
			return c.onAlertAction(ctx, t, j, in)
		}
		return c.onAction(ctx, t, j, in)
	}
	return fmt.Errorf("conversation: unknown inbound kind %q", in.Kind)
}

// ThreadKey names a thread in the agent's memory: source, channel and
// thread reference.
func ThreadKey(source, channel, thread string) string {
	return source + ":" + channel + ":" + thread
}

// transient reports whether err may go away on its own (network trouble,
// a platform's 5xx or rate limit, a database connection lost) rather than
// being a permanent answer. Transports mark their own errors retryable or
// not by implementing Retryable() bool, as slack-go's errors do.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	var pe *pgconn.PgError
	var told *toldUser
	var tmp interface{ Retryable() bool }
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.As(err, &told):
		return false
	case errors.As(err, &tmp):
		return tmp.Retryable()
	case errors.As(err, &ne):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || db.Conflict(err) // connection, shutdown, conflict
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
