package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/gemba-ai/gemba/internal/config"
)

// Model is the part of a langchaingo chat model the agent uses.
type Model interface {
	GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error)
}

// NewModel builds the chat model selected by cfg: "openai" (also any
// OpenAI-compatible server such as vLLM, llama.cpp or Ollama's /v1 when
// BaseURL is set), "azure" (BaseURL is the resource endpoint, Model the
// deployment) or "anthropic". It returns nil and no error when no provider
// is configured: the agent then answers offline.
//
// The HTTP client it installs remembers each error response's Retry-After
// header so that the agent's retries honour it.
func NewModel(cfg config.LLMConfig, hc *http.Client) (Model, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	if hc == nil {
		hc = &http.Client{}
	}
	doer := &noteDoer{hc: hc}
	switch cfg.Provider {
	case "openai":
		token := cfg.APIKey
		if token == "" {
			// langchaingo refuses an empty token even for local servers that need none.
			token = "none"
		}
		opts := []openai.Option{openai.WithToken(token), openai.WithModel(cfg.Model), openai.WithHTTPClient(doer)}
		if cfg.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(cfg.BaseURL))
		}
		m, err := openai.New(opts...)
		if err != nil {
			return nil, fmt.Errorf("agent: openai client: %w", err)
		}
		return m, nil
	case "azure":
		version := cfg.APIVersion
		if version == "" {
			version = "2024-06-01"
		}
		m, err := openai.New(
			openai.WithAPIType(openai.APITypeAzure),
			openai.WithAPIVersion(version),
			openai.WithBaseURL(cfg.BaseURL),
			openai.WithToken(cfg.APIKey),
			openai.WithModel(cfg.Model),
			openai.WithHTTPClient(doer),
		)
		if err != nil {
			return nil, fmt.Errorf("agent: azure openai client: %w", err)
		}
		return m, nil
	case "anthropic":
		opts := []anthropic.Option{anthropic.WithToken(cfg.APIKey), anthropic.WithModel(cfg.Model), anthropic.WithHTTPClient(doer)}
		if cfg.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(cfg.BaseURL))
		}
		m, err := anthropic.New(opts...)
		if err != nil {
			return nil, fmt.Errorf("agent: anthropic client: %w", err)
		}
		return m, nil
	default:
		return nil, fmt.Errorf("agent: unknown LLM provider %q (want openai, azure or anthropic)", cfg.Provider)
	}
}

// callNote carries what the HTTP layer saw during one model call, since
// langchaingo's errors keep the status code only in their text.
type callNote struct {
	status     int
	retryAfter time.Duration
}

type noteKey struct{}

func withNote(ctx context.Context) (context.Context, *callNote) {
	n := &callNote{}
	return context.WithValue(ctx, noteKey{}, n), n
}

// noteDoer is the HTTP client handed to langchaingo; it records the status
// and Retry-After of error responses in the request's callNote.
type noteDoer struct {
	hc *http.Client
}

// Do sends the request and notes an error response's status and Retry-After.
func (d *noteDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req) //nolint:gosec // the URL is the operator's configured LLM endpoint
	if err != nil {
		return resp, err
	}
	if n, ok := req.Context().Value(noteKey{}).(*callNote); ok && resp.StatusCode != http.StatusOK {
		n.status = resp.StatusCode
		n.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

var statusRe = regexp.MustCompile(`status code: (\d{3})`)

// ModelError is a failed model call, classified for the retry policy.
type ModelError struct {
	// Status is the HTTP status, 0 when the call did not get one.
	Status int
	// Timeout is true when the call ran out of time.
	Timeout bool
	// RetryAfter is the server's requested wait, if any.
	RetryAfter time.Duration
	// Err is the error langchaingo returned.
	Err error
}

// Error says what failed in words fit for a log line.
func (e *ModelError) Error() string {
	switch {
	case e.Timeout:
		return "model call timed out"
	case e.Status != 0:
		return fmt.Sprintf("model call failed with HTTP %d: %v", e.Status, e.Err)
	default:
		return "model call failed: " + e.Err.Error()
	}
}

// Unwrap returns the client's error.
func (e *ModelError) Unwrap() error { return e.Err }

// Retryable reports whether another attempt may succeed: rate limits,
// server errors, timeouts and connection failures.
func (e *ModelError) Retryable() bool {
	if e.Timeout {
		return true
	}
	switch {
	case e.Status == http.StatusTooManyRequests, e.Status == http.StatusRequestTimeout, e.Status >= 500:
		return true
	case e.Status == 0:
		return true // connection refused or reset: the server may come back
	}
	return false
}

func classify(err error, note *callNote, callCtx context.Context) *ModelError {
	me := &ModelError{Err: err, Status: note.status, RetryAfter: note.retryAfter}
	if me.Status == 0 {
		if m := statusRe.FindStringSubmatch(err.Error()); m != nil {
			me.Status, _ = strconv.Atoi(m[1])
		}
	}
	if me.Status == 0 && (errors.Is(err, context.DeadlineExceeded) || errors.Is(callCtx.Err(), context.DeadlineExceeded) ||
		strings.Contains(strings.ToLower(err.Error()), "timeout") || strings.Contains(strings.ToLower(err.Error()), "timed out")) {
		me.Timeout = true
	}
	return me
}
