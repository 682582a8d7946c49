package agent

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/llmtest"
)

func TestNewModelProviders(t *testing.T) {
	t.Parallel()
	m, err := NewModel(config.LLMConfig{}, nil)
	require.NoError(t, err)
	require.Nil(t, m, "no provider: offline")

	m, err = NewModel(config.LLMConfig{Provider: "anthropic", Model: "claude-x", APIKey: "k"}, nil)
	require.NoError(t, err)
	require.NotNil(t, m)

	// OpenAI-compatible servers need no key; langchaingo still wants one.
	m, err = NewModel(config.LLMConfig{Provider: "openai", Model: "llama3", BaseURL: "http://127.0.0.1:1/v1"}, nil)
	require.NoError(t, err)
	require.NotNil(t, m)

	_, err = NewModel(config.LLMConfig{Provider: "palm", Model: "x"}, nil)
	require.ErrorContains(t, err, `unknown LLM provider "palm"`)
}

func TestAzureProviderSpeaksAzureURLs(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.Final(`{"situation":"ok","steps":[]}`))
	m, err := NewModel(config.LLMConfig{Provider: "azure", Model: "gemba-gpt4o", BaseURL: srv.AzureEndpoint, APIKey: srv.Token, APIVersion: "2024-06-01"}, nil)
	require.NoError(t, err)
	r := newTestRunner(t, m, nil, func(o *Options) { o.ModelName = "gemba-gpt4o" })
	a := ask(t, r, "hello")
	require.Equal(t, ModeLLM, a.Mode)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "gemba-gpt4o", reqs[0].Deployment)
	require.Equal(t, srv.Token, reqs[0].Header.Get("api-key"))
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 2*time.Second, parseRetryAfter("2", now))
	require.Equal(t, 1500*time.Millisecond, parseRetryAfter("1.5", now))
	require.Equal(t, 30*time.Second, parseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	require.Zero(t, parseRetryAfter("soon", now))
	require.Zero(t, parseRetryAfter("", now))
}

func TestModelErrorRetryable(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]bool{429: true, 500: true, 503: true, 408: true, 400: false, 401: false, 404: false} {
		require.Equal(t, want, (&ModelError{Status: status}).Retryable(), status)
	}
	require.True(t, (&ModelError{Timeout: true}).Retryable())
}

// Anthropic puts each tool call in a choice of its own and langchaingo's
// client replays only the first tool call of an assistant message: the
// runner must read every choice and replay each call with its own result.
func TestAnthropicParallelToolCalls(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t,
		llmtest.Reply{Content: "Let me look.", ToolCalls: []llmtest.ToolCall{
			llmtest.Call("detect_anomalies", `{"asset":"press-3"}`),
			llmtest.Call("search_incidents", `{"query":"press vibration"}`),
		}},
		llmtest.Final(`{"situation":"press-3 vibration is 6.9 mm/s, like INC-2025-031.","steps":[{"text":"Grease the main drive bearing","citations":["INC-2025-031"]}]}`),
	)
	m, err := NewModel(config.LLMConfig{Provider: "anthropic", Model: "claude-test", BaseURL: srv.URL, APIKey: srv.Token}, nil)
	require.NoError(t, err)
	r := newTestRunner(t, m, nil)
	a := ask(t, r, "press 3 is shaking")
	require.Equal(t, ModeLLM, a.Mode)
	require.Len(t, a.Trace, 2)
	require.Equal(t, "detect_anomalies", a.Trace[0].Tool)
	require.Equal(t, "search_incidents", a.Trace[1].Tool)
	require.Equal(t, "press-3 vibration is 6.9 mm/s, like INC-2025-031.", a.Situation)
	require.Positive(t, a.PromptTokens)

	reqs := srv.Requests()
	require.True(t, reqs[0].Anthropic)
	require.Equal(t, 2048, reqs[0].MaxTokens)
	require.Equal(t, "system", reqs[0].Messages[0].Role)
	// Second request: user question, then (tool_use, tool_result) twice, ids matching.
	var uses []llmtest.RecordedCall
	var results []llmtest.Message
	for _, msg := range reqs[1].Messages {
		uses = append(uses, msg.ToolCalls...)
		if msg.Role == "tool" {
			results = append(results, msg)
		}
	}
	require.Len(t, uses, 2)
	require.Len(t, results, 2)
	for i := range uses {
		require.Equal(t, uses[i].ID, results[i].ToolCallID)
	}
	require.Contains(t, results[0].Content, "6.9 mm/s")
}
