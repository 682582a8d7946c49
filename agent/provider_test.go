package agent

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/agent/llmtest"
	"github.com/gemba-ai/gemba/config"
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
