package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tmc/langchaingo/llms/anthropic"

	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// DocIndex tells which document ids exist in the incident store; the agent
// drops citations of ids that do not (a model may invent them). *rag.Store
// satisfies it through an adapter in the composition root.
type DocIndex interface {
	// Exists returns the subset of ids that are stored documents.
	Exists(ctx context.Context, ids []string) (map[string]bool, error)
}

// Options configures a Runner. Zero values get the defaults named on each field.
type Options struct {
	// Model is the chat model; nil answers every question offline.
	Model Model
	// Planner answers offline: without a model, or when the model failed
	// for good. Nil answers those questions with the tool results alone
	// (none, offline), saying that no planner is configured.
	Planner Planner
	// Plant are the plant's time zone, shifts, aliases, types and limits,
	// which the series catalog does not hold (default plant.DemoDefaults();
	// the applied plant.yaml in a server, replaced by SetPlant).
	Plant plant.Defaults
	// ModelName is recorded in answers and the audit trail.
	ModelName string
	// Tools are the tools offered to the model and used by the offline planner (required).
	Tools *tools.Registry
	// Store keeps thread memory and the audit trail; nil keeps nothing
	// (answers then have no ID).
	Store *Store
	// Docs checks cited document ids; nil accepts only ids that a tool
	// returned during the same answer.
	Docs DocIndex
	// Logger gets the component's logs; nil discards them.
	Logger *slog.Logger
	// Metrics records stage durations, tool calls, tokens and questions; nil records nothing.
	Metrics *ops.Metrics

	// MaxSteps bounds model calls per answer (default 6).
	MaxSteps int
	// Deadline bounds a whole answer (default 90s).
	Deadline time.Duration
	// ToolTimeout bounds one tool call (default 15s).
	ToolTimeout time.Duration
	// LLMTimeout bounds one model call (default 60s).
	LLMTimeout time.Duration
	// MaxRetries is how many times a failed model call (429, 5xx, timeout)
	// is retried before the answer falls back to offline mode (default 2;
	// negative means none).
	MaxRetries int
	// RetryBase is the first backoff (default 500ms, doubled each retry).
	RetryBase time.Duration
	// MaxRetryWait caps one backoff, Retry-After included (default 10s).
	MaxRetryWait time.Duration
	// MaxResultBytes caps each tool result as sent to the model (default 16000,
	// about 4000 tokens: a full runbook fits, a raw series does not).
	MaxResultBytes int
	// MaxTurnBytes caps all tool results of one answer together (default
	// 64000, about 16000 tokens): once spent, later results are cut to
	// their summary, so a long loop cannot overflow a small context.
	MaxTurnBytes int
	// MemoryTokens is the budget of earlier turns replayed to the model (default 1500).
	MemoryTokens int
	// MaxTokens caps each model reply (default 2048; Anthropic requires a cap).
	MaxTokens int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Runner answers questions: one Ask is one turn of a thread.
type Runner struct {
	o   Options
	log *slog.Logger
	// plant is the plant's defaults and time zone in force (Options.Plant,
	// then SetPlant's); answers write times in its zone.
	plant atomic.Pointer[plantInForce]
	// splitToolTurns replays each tool call as its own assistant message
	// followed by its result: langchaingo's Anthropic client sends only the
	// first tool call of an assistant message.
	splitToolTurns bool
}

// New returns a Runner; it fails only on a missing tool registry.
func New(o Options) (*Runner, error) {
	if o.Tools == nil {
		return nil, errors.New("agent: new runner: a tool registry is required")
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 6
	}
	if o.Deadline <= 0 {
		o.Deadline = 90 * time.Second
	}
	if o.ToolTimeout <= 0 {
		o.ToolTimeout = 15 * time.Second
	}
	if o.LLMTimeout <= 0 {
		o.LLMTimeout = 60 * time.Second
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 2
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 500 * time.Millisecond
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = 10 * time.Second
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = 16000
	}
	if o.MaxTurnBytes <= 0 {
		o.MaxTurnBytes = 64000
	}
	if o.MemoryTokens <= 0 {
		o.MemoryTokens = 1500
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 2048
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Plant.TimeZone == "" && len(o.Plant.Shifts) == 0 {
		o.Plant = plant.DemoDefaults()
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	_, split := o.Model.(*anthropic.LLM)
	r := &Runner{o: o, log: log.With("component", "agent"), splitToolTurns: split}
	if err := r.SetPlant(o.Plant); err != nil {
		return nil, fmt.Errorf("agent: new runner: %w", err)
	}
	return r, nil
}

// plantInForce is the plant's defaults with their time zone loaded.
type plantInForce struct {
	d   plant.Defaults
	loc *time.Location
}

// SetPlant replaces the plant's time zone, shifts, aliases and limits for
// the answers that follow (the plant model watcher calls it when a new
// plant.yaml is applied); an answer under way keeps the plant it began
// with.
func (r *Runner) SetPlant(d plant.Defaults) error {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		return fmt.Errorf("plant time zone: %w", err)
	}
	r.plant.Store(&plantInForce{d: d, loc: loc})
	return nil
}

// Plant returns the plant's defaults in force.
func (r *Runner) Plant() plant.Defaults { return r.plant.Load().d }

// Online reports whether a chat model is configured.
func (r *Runner) Online() bool { return r.o.Model != nil }

// Store returns the runner's store (nil when it keeps nothing).
func (r *Runner) Store() *Store { return r.o.Store }

// turn is the working state of one Ask.
type turn struct {
	req      Request
	now      time.Time
	lang     string
	history  []Turn
	registry *tools.Registry
	// tools runs the planner's calls and reads the plant once per turn.
	tools *turnTools
	// plant is the plant in force when the turn began; plantZone its time
	// zone's name (the system prompt says plant time).
	plant     *plantInForce
	plantZone string

	outcomes   []callOutcome
	modelCalls []ModelCall
	// sentBytes is how much tool output went to the model so far (guarded by sentMu).
	sentMu     sync.Mutex
	sentBytes  int
	warnings   []string
	prompt     int
	completion int
}

func (t *turn) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	for _, x := range t.warnings {
		if x == w {
			return
		}
	}
	t.warnings = append(t.warnings, w)
}

// Ask answers one question. It always returns an answer unless the
// question is empty or the context is cancelled: a failing model falls back
// to the offline planner, and failing tools are reported in the answer. When
// the answer cannot be stored, Ask returns it together with the error, so
// the user still gets it.
func (r *Runner) Ask(ctx context.Context, req Request) (*Answer, error) {
	start := time.Now()
	req.Question = strings.TrimSpace(req.Question)
	if req.Question == "" {
		return nil, errors.New("agent: ask: empty question")
	}
	if req.Now.IsZero() {
		req.Now = r.o.Now()
	}
	if req.ThreadKey == "" {
		req.ThreadKey = fmt.Sprintf("adhoc:%d", start.UnixNano())
	}
	ctx, cancel := context.WithTimeout(ctx, r.o.Deadline)
	defer cancel()

	t := &turn{req: req, now: req.Now, lang: DetectLang(req.Question), registry: r.o.Tools.Only(req.AllowedTools)}
	t.plant = r.plant.Load()
	t.tools = &turnTools{r: r, t: t}
	t.plantZone = t.plant.d.TimeZone
	if r.o.Store != nil {
		h, err := r.o.Store.History(ctx, req.ThreadKey, r.o.MemoryTokens)
		if err != nil {
			r.log.WarnContext(ctx, "thread memory unavailable", "thread", req.ThreadKey, "err", err)
			t.warn("thread memory unavailable")
		}
		t.history = h
	}

	var ans *Answer
	if r.o.Model != nil {
		// Keep a reserve of the deadline so that an offline fallback can still run.
		reserve := min(10*time.Second, r.o.Deadline/4)
		llmCtx := ctx
		if dl, ok := ctx.Deadline(); ok {
			var c context.CancelFunc
			llmCtx, c = context.WithDeadline(ctx, dl.Add(-reserve))
			defer c()
		}
		a, err := r.askLLM(llmCtx, t)
		if err != nil {
			if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("agent: ask: %w", ctx.Err())
			}
			r.log.WarnContext(ctx, "LLM failed, answering offline", "err", err)
			if t.lang == "ko" {
				t.warn("LLM을 사용할 수 없어 오프라인 모드로 답했습니다: %v", err)
			} else {
				t.warn("the LLM was unavailable, so this answer was made offline: %v", err)
			}
		} else {
			ans = a
		}
	}
	if ans == nil {
		t.registry = ownTools(t.registry) // the planner never calls another system's tools
		a, err := r.plan(ctx, t)
		if err != nil {
			return nil, err
		}
		ans = a
	}

	r.finish(ctx, t, ans)
	ans.LatencyMS = time.Since(start).Milliseconds()
	r.o.Metrics.ObserveStage("answer", time.Since(start))
	r.o.Metrics.CountQuestion(source(req.ThreadKey), ans.Mode)

	if r.o.Store != nil {
		// Store even when the answer's deadline has passed: the audit trail must not lose it.
		sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer c()
		id, err := r.o.Store.SaveAnswer(sctx, req, ans, t.modelCalls)
		if err != nil {
			r.log.ErrorContext(ctx, "store answer", "err", err)
			return ans, fmt.Errorf("agent: ask: store answer: %w", err)
		}
		ans.ID = id
	}
	return ans, nil
}

// plan answers offline with the configured planner.
func (r *Runner) plan(ctx context.Context, t *turn) (*Answer, error) {
	if r.o.Planner == nil {
		t.warn("no offline planner is configured")
		a := summarize(t)
		a.Mode = ModeOffline
		return a, nil
	}
	a, err := r.o.Planner.Plan(ctx, PlanInput{Request: t.req, Lang: t.lang, History: t.history, Tools: t.tools})
	if err != nil {
		return nil, fmt.Errorf("agent: offline planner: %w", err)
	}
	a.Mode = ModeOffline
	return a, nil
}

// finish applies the checks every answer gets, whichever mode made it.
func (r *Runner) finish(ctx context.Context, t *turn, ans *Answer) {
	ans.Lang = t.lang
	r.ground(ctx, t, ans)
	holdExternalEquipment(ans, t)
	if ans.Mode != ModeOffline {
		// The planner marks its steps from the canonical (English) runbook,
		// the same in both languages; a model's steps are marked here.
		markEquipment(ans, t)
	}
	r.gate(ctx, t, ans)
	if len(ans.Steps) > maxSteps {
		ans.Detail = append(ans.Steps[maxSteps:], ans.Detail...)
		ans.Steps = ans.Steps[:maxSteps]
	}
	ans.Trace = make([]ToolTrace, 0, len(t.outcomes))
	for _, o := range t.outcomes {
		ans.Trace = append(ans.Trace, o.trace)
		ans.Charts = append(ans.Charts, o.res.Charts...)
	}
	ans.PromptTokens, ans.CompletionTokens = t.prompt, t.completion
	ans.Warnings = append(ans.Warnings, t.warnings...)
	ans.Text = Render(ans)
}

// maxSteps is how many next steps come first; the rest go to Detail.
const maxSteps = 5

func source(threadKey string) string {
	if i := strings.IndexByte(threadKey, ':'); i > 0 {
		switch s := threadKey[:i]; s {
		case "slack", "console", "cli", "eval":
			return s
		}
	}
	return "other"
}
