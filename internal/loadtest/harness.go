// Package loadtest runs Gemba the way a plant does — several `gemba serve`
// processes against one PostgreSQL — with a local Slack (bot/slackfake) and
// a scripted OpenAI-compatible LLM (agent/llmtest) on loopback, and drives
// it with signed Events API deliveries, duplicates and retries included. It
// measures throughput, ack and end-to-end latency, and proves that every
// event is answered exactly once. The fault tests (LLM errors and hangs,
// PostgreSQL restarts, an instance killed mid-answer, Slack 429s) use the
// same harness. cmd/gemba-loadtest (`make loadtest`) runs it outside the tests.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/slackfake"
)

// Secret is the signing secret the harness and its instances share.
const Secret = "loadtest-signing-secret"

// Config describes one harness.
type Config struct {
	// Binary is the gemba executable to start.
	Binary string
	// DatabaseURL is the PostgreSQL database every instance shares; it
	// must be migrated (instances migrate on start too) and, for answers
	// with data, seeded with the demo plant.
	DatabaseURL string
	// Instances is how many `gemba serve` processes to start (default 2).
	Instances int
	// Workers is each instance's worker pool (default 8).
	Workers int
	// LogDir receives each instance's stderr (default a temp dir).
	LogDir string
	// Env adds or overrides variables for every instance.
	Env map[string]string
	// NoLLM starts the instances without an LLM (offline planner).
	NoLLM bool
	// InstanceEnv, when set, adds variables for instance i (a connector's
	// client id, say), after Env.
	InstanceEnv func(i int) map[string]string
}

// Instance is one running `gemba serve` process.
type Instance struct {
	Index int
	URL   string
	log   string
	env   []string

	// mu guards the process: Restart replaces it while Load may be
	// reading its CPU time.
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// proc returns the instance's current process (nil before it started) and
// the channel closed when it exits.
func (in *Instance) proc() (*exec.Cmd, chan struct{}) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cmd, in.done
}

// Harness is a running set of instances with their local Slack and LLM.
type Harness struct {
	cfg       Config
	Slack     *slackfake.Server
	LLM       *llmtest.Server
	Instances []*Instance
	client    *http.Client
}

// Start launches the local Slack and LLM servers and the instances, and
// waits until every instance is ready.
func Start(ctx context.Context, cfg Config) (*Harness, error) {
	if cfg.Instances <= 0 {
		cfg.Instances = 2
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.LogDir == "" {
		d, err := os.MkdirTemp("", "gemba-loadtest-")
		if err != nil {
			return nil, err
		}
		cfg.LogDir = d
	}
	h := &Harness{
		cfg:    cfg,
		Slack:  slackfake.New(),
		LLM:    llmtest.NewServer(),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
	}
	h.LLM.Respond(ScriptedAnswer)
	for i := range cfg.Instances {
		in, err := h.startInstance(ctx, i)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.Instances = append(h.Instances, in)
	}
	return h, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

func (h *Harness) instanceEnv(i int, addr string) []string {
	env := map[string]string{
		"PATH":                       os.Getenv("PATH"),
		"HOME":                       os.Getenv("HOME"),
		"GEMBA_DATABASE_URL":         h.cfg.DatabaseURL,
		"GEMBA_HTTP_ADDR":            addr,
		"GEMBA_LOG_FORMAT":           "json",
		"GEMBA_LOG_LEVEL":            "warn",
		"GEMBA_SLACK_BOT_TOKEN":      "xoxb-loadtest",
		"GEMBA_SLACK_SIGNING_SECRET": Secret,
		"GEMBA_SLACK_API_URL":        h.Slack.URL,
		"GEMBA_SLACK_WORKERS":        strconv.Itoa(h.cfg.Workers),
		"GEMBA_SLACK_USER_RATE":      "0",
		"GEMBA_SHUTDOWN_TIMEOUT":     "20s",
		"GEMBA_DB_MAX_CONNS":         "16",
	}
	if !h.cfg.NoLLM {
		env["GEMBA_LLM_PROVIDER"] = "openai"
		env["GEMBA_LLM_MODEL"] = "scripted"
		env["GEMBA_LLM_BASE_URL"] = h.LLM.URL
		env["GEMBA_LLM_API_KEY"] = h.LLM.Token
	}
	if v := os.Getenv("GORACE"); v != "" {
		// A race-enabled build (GEMBA_LOAD_BINARY) reports where GORACE says.
		env["GORACE"] = v
	}
	for k, v := range h.cfg.Env {
		env[k] = v
	}
	if h.cfg.InstanceEnv != nil {
		for k, v := range h.cfg.InstanceEnv(i) {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func (h *Harness) startInstance(ctx context.Context, i int) (*Instance, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	in := &Instance{Index: i, URL: "http://" + addr, log: filepath.Join(h.cfg.LogDir, fmt.Sprintf("gemba-%d.log", i)), env: h.instanceEnv(i, addr)}
	if err := h.launch(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}

func (h *Harness) launch(ctx context.Context, in *Instance) error {
	logf, err := os.OpenFile(in.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(h.cfg.Binary, "serve")
	cmd.Env = in.env
	cmd.Stdout = io.Discard
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("loadtest: start instance %d: %w", in.Index, err)
	}
	done := make(chan struct{})
	in.mu.Lock()
	in.cmd, in.done = cmd, done
	in.mu.Unlock()
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(done) }()
	if err := h.WaitReady(ctx, in, 90*time.Second); err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("%w (log: %s)", err, tail(in.log, 20))
	}
	return nil
}

// WaitReady polls the instance's /readyz until it answers 200.
func (h *Harness) WaitReady(ctx context.Context, in *Instance, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	_, done := in.proc()
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("loadtest: instance %d exited before it was ready", in.Index)
		default:
		}
		if code, _ := h.Ready(ctx, in); code == http.StatusOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("loadtest: instance %d not ready after %s", in.Index, timeout)
}

// Ready returns the instance's /readyz status code and body.
func (h *Harness) Ready(ctx context.Context, in *Instance) (int, string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.URL+"/readyz", nil)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Kill ends an instance at once (SIGKILL), as a crashed pod would.
func (h *Harness) Kill(in *Instance) {
	if cmd, done := in.proc(); cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Stop ends an instance gracefully (SIGTERM) and waits for it.
func (h *Harness) Stop(in *Instance, timeout time.Duration) error {
	cmd, done := in.proc()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if cmd.ProcessState != nil && !cmd.ProcessState.Success() {
			return fmt.Errorf("loadtest: instance %d exited with %s: %s", in.Index, cmd.ProcessState, tail(in.log, 10))
		}
		return nil
	case <-time.After(timeout):
		h.Kill(in)
		return fmt.Errorf("loadtest: instance %d did not stop within %s", in.Index, timeout)
	}
}

// Restart starts a stopped or killed instance again on its address.
func (h *Harness) Restart(ctx context.Context, in *Instance) error { return h.launch(ctx, in) }

// Close stops every instance and the local servers.
func (h *Harness) Close() {
	var wg sync.WaitGroup
	for _, in := range h.Instances {
		wg.Go(func() { _ = h.Stop(in, 30*time.Second) })
	}
	wg.Wait()
	h.LLM.Close()
	h.Slack.Close()
}

// Log returns the last n lines of an instance's log.
func (in *Instance) Log(n int) string { return tail(in.log, n) }

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Event is one Slack app_mention delivery.
type Event struct {
	ID      string // event_id
	Channel string
	TS      string // the message's ts; the answer goes in this thread
	User    string
	Text    string
}

// Delivery is the result of one POST to /slack/events.
type Delivery struct {
	Status int
	Ack    time.Duration
	Err    error
}

// Send delivers ev to an instance as Slack's Events API would; retry > 0
// adds X-Slack-Retry-Num like Slack's redeliveries.
func (h *Harness) Send(ctx context.Context, in *Instance, ev Event, retry int) Delivery {
	body, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": "T0LOAD", "api_app_id": "A0LOAD", "type": "event_callback",
		"event_id": ev.ID, "event_time": time.Now().Unix(),
		"event": map[string]any{
			"type": "app_mention", "user": ev.User, "text": "<@" + slackfake.BotUserID + "> " + ev.Text,
			"ts": ev.TS, "channel": ev.Channel, "event_ts": ev.TS,
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.URL+"/slack/events", bytes.NewReader(body))
	if err != nil {
		return Delivery{Err: err}
	}
	for k, v := range slackfake.Sign(Secret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	start := time.Now()
	resp, err := h.client.Do(req)
	d := Delivery{Ack: time.Since(start), Err: err}
	if err == nil {
		d.Status = resp.StatusCode
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return d
}

// Answers returns the bot's final answers in ev's thread (placeholders
// that were never replaced do not count as answers, and are reported by
// Placeholders).
func (h *Harness) Answers(ev Event) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range h.Slack.BotReplies(ev.Channel, ev.TS) {
		if !conversation.IsPlaceholder(m.Text) {
			out = append(out, m)
		}
	}
	return out
}

// Placeholders returns bot messages in ev's thread still showing the placeholder.
func (h *Harness) Placeholders(ev Event) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range h.Slack.BotReplies(ev.Channel, ev.TS) {
		if conversation.IsPlaceholder(m.Text) {
			out = append(out, m)
		}
	}
	return out
}

// Tally counts, per thread, the bot's answers and left-over placeholders,
// reading the local Slack once.
func (h *Harness) Tally(channels []string) (answers, placeholders map[string]int) {
	answers, placeholders = map[string]int{}, map[string]int{}
	for _, c := range channels {
		for _, m := range h.Slack.Messages(c) {
			if m.BotID != slackfake.BotID || m.ThreadTS == "" {
				continue
			}
			key := c + "/" + m.ThreadTS
			if conversation.IsPlaceholder(m.Text) {
				placeholders[key]++
			} else {
				answers[key]++
			}
		}
	}
	return answers, placeholders
}

// WaitAnswered waits until every event has at least one answer, or the
// timeout passes; it returns the events still unanswered.
func (h *Harness) WaitAnswered(ctx context.Context, evs []Event, timeout time.Duration) []Event {
	deadline := time.Now().Add(timeout)
	chans := channelsOf(evs)
	for {
		answers, _ := h.Tally(chans)
		var pending []Event
		for _, ev := range evs {
			if answers[ev.Channel+"/"+ev.TS] == 0 {
				pending = append(pending, ev)
			}
		}
		if len(pending) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return pending
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func channelsOf(evs []Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, ev := range evs {
		if !seen[ev.Channel] {
			seen[ev.Channel] = true
			out = append(out, ev.Channel)
		}
	}
	return out
}

// ErrLost reports events that were never answered.
var ErrLost = errors.New("loadtest: events lost")
