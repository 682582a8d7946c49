package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
)

// ModelCall is the audit record of one model call (one attempt).
type ModelCall struct {
	// Model is the model (or Azure deployment) called.
	Model string `json:"model"`
	// Step is the loop step (1-based); Attempt counts retries of that step.
	Step    int `json:"step"`
	Attempt int `json:"attempt"`
	// PromptTokens and CompletionTokens are the provider's usage figures.
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// LatencyMS is how long the call took.
	LatencyMS int64 `json:"latency_ms"`
	// ToolCalls is how many tool calls the model asked for.
	ToolCalls int `json:"tool_calls"`
	// Error says why the call failed, empty when it did not.
	Error string `json:"error,omitempty"`
	// At is when the call started.
	At time.Time `json:"at"`
}

// askLLM runs the tool-calling loop. It returns an error only when the
// model failed for good (after retries); the caller then answers offline.
func (r *Runner) askLLM(ctx context.Context, t *turn) (*Answer, error) {
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeSystem, systemPrompt(t))}
	for _, h := range t.history {
		role := llms.ChatMessageTypeHuman
		if h.Role == RoleAssistant {
			role = llms.ChatMessageTypeAI
		}
		msgs = append(msgs, llms.TextParts(role, h.Content))
	}
	msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, userPrompt(t)))

	var toolDefs []llms.Tool
	for _, tl := range t.registry.List() {
		toolDefs = append(toolDefs, llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
			Name: tl.Name(), Description: tl.Description(), Parameters: tl.Schema(),
		}})
	}

	for step := 1; step <= r.o.MaxSteps; step++ {
		resp, err := r.generate(ctx, t, step, msgs, toolDefs)
		if err != nil {
			return nil, err
		}
		var calls []llms.ToolCall
		var text strings.Builder
		// Read every choice: some providers put each tool call in a choice of its own.
		for _, c := range resp.Choices {
			if c == nil {
				continue
			}
			calls = append(calls, c.ToolCalls...)
			if c.Content != "" {
				if text.Len() > 0 {
					text.WriteString("\n")
				}
				text.WriteString(c.Content)
			}
		}
		if len(calls) == 0 {
			if strings.TrimSpace(text.String()) == "" {
				// An empty reply (cut off, or a model that only talks in tool calls): answer from the evidence.
				t.warn("the model returned no answer text; this answer was composed from the tool results")
				ans := summarize(t)
				ans.Mode, ans.Model = ModeLLM, r.o.ModelName
				return ans, nil
			}
			ans := ParseAnswer(text.String())
			ans.Mode, ans.Model = ModeLLM, r.o.ModelName
			return ans, nil
		}
		// One AI message holding the tool calls, then one tool message per call.
		ai := llms.MessageContent{Role: llms.ChatMessageTypeAI}
		pending := make([]pendingCall, 0, len(calls))
		for i, c := range calls {
			if c.ID == "" {
				c.ID = fmt.Sprintf("call_%d_%d", step, i)
			}
			if c.FunctionCall == nil {
				c.FunctionCall = &llms.FunctionCall{}
			}
			if c.Type == "" {
				c.Type = "function"
			}
			pending = append(pending, pendingCall{ID: c.ID, Name: c.FunctionCall.Name, Args: c.FunctionCall.Arguments, Step: step})
			if r.splitToolTurns && !json.Valid([]byte(c.FunctionCall.Arguments)) {
				// Anthropic's client re-parses the arguments; the tool result says what was wrong.
				fc := *c.FunctionCall
				fc.Arguments = "{}"
				c.FunctionCall = &fc
			}
			calls[i] = c
			ai.Parts = append(ai.Parts, c)
		}
		outs := r.runCalls(ctx, t, pending)
		if !r.splitToolTurns {
			msgs = append(msgs, ai)
		}
		for i, o := range outs {
			if r.splitToolTurns {
				msgs = append(msgs, llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{calls[i]}})
			}
			msgs = append(msgs, llms.MessageContent{
				Role:  llms.ChatMessageTypeTool,
				Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: o.id, Name: o.name, Content: o.content}},
			})
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("agent: deadline reached after %d steps: %w", step, ctx.Err())
		}
	}
	// The model kept asking for tools: answer from the evidence gathered.
	if t.lang == "ko" {
		t.warn("모델이 %d단계 안에 답을 끝내지 못해 수집한 결과로 답을 만들었습니다", r.o.MaxSteps)
	} else {
		t.warn("the model did not finish within %d steps; this answer was composed from the tool results gathered", r.o.MaxSteps)
	}
	ans := summarize(t)
	ans.Mode, ans.Model = ModeLLM, r.o.ModelName
	return ans, nil
}

// generate makes one model call with retries and backoff on 429, 5xx and timeouts.
func (r *Runner) generate(ctx context.Context, t *turn, step int, msgs []llms.MessageContent, toolDefs []llms.Tool) (*llms.ContentResponse, error) {
	opts := []llms.CallOption{llms.WithTemperature(0), llms.WithMaxTokens(r.o.MaxTokens)}
	if r.o.ModelName != "" {
		// Azure routes by deployment, which langchaingo takes from the call's model.
		opts = append(opts, llms.WithModel(r.o.ModelName))
	}
	if len(toolDefs) > 0 {
		opts = append(opts, llms.WithTools(toolDefs))
	}
	var last *ModelError
	for attempt := 0; attempt <= r.o.MaxRetries; attempt++ {
		if attempt > 0 {
			wait := r.o.RetryBase << (attempt - 1)
			wait += time.Duration(rand.Int64N(int64(wait)/4 + 1)) //nolint:gosec // jitter, not a secret
			if last != nil && last.RetryAfter > wait {
				wait = last.RetryAfter
			}
			wait = min(wait, r.o.MaxRetryWait)
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				return nil, fmt.Errorf("agent: no time left to retry: %w", last)
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("agent: model call: %w", ctx.Err())
			case <-time.After(wait):
			}
		}
		callCtx, cancel := context.WithTimeout(ctx, r.o.LLMTimeout)
		callCtx, note := withNote(callCtx)
		began := time.Now()
		resp, err := r.o.Model.GenerateContent(callCtx, msgs, opts...)
		took := time.Since(began)
		cancel()
		r.o.Metrics.ObserveStage("llm", took)
		mc := ModelCall{Model: r.o.ModelName, Step: step, Attempt: attempt + 1, LatencyMS: took.Milliseconds(), At: began}
		if err == nil && (resp == nil || len(resp.Choices) == 0) {
			err = errors.New("empty response")
		}
		if err != nil {
			last = classify(err, note, callCtx)
			mc.Error = last.Error()
			t.modelCalls = append(t.modelCalls, mc)
			r.log.WarnContext(ctx, "model call failed", "step", step, "attempt", attempt+1, "err", last)
			if !last.Retryable() {
				return nil, last
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("agent: model call: %w", last)
			}
			continue
		}
		p, c := usage(resp)
		mc.PromptTokens, mc.CompletionTokens = p, c
		for _, ch := range resp.Choices {
			if ch != nil {
				mc.ToolCalls += len(ch.ToolCalls)
			}
		}
		t.modelCalls = append(t.modelCalls, mc)
		t.prompt += p
		t.completion += c
		r.o.Metrics.CountTokens(p, c)
		return resp, nil
	}
	return nil, fmt.Errorf("agent: model failed after %d attempts: %w", r.o.MaxRetries+1, last)
}

// usage reads token counts from the first choice's generation info, under
// OpenAI's or Anthropic's names.
func usage(resp *llms.ContentResponse) (prompt, completion int) {
	for _, c := range resp.Choices {
		if c == nil || c.GenerationInfo == nil {
			continue
		}
		prompt = intOf(c.GenerationInfo["PromptTokens"]) + intOf(c.GenerationInfo["InputTokens"])
		completion = intOf(c.GenerationInfo["CompletionTokens"]) + intOf(c.GenerationInfo["OutputTokens"])
		return prompt, completion
	}
	return 0, 0
}

func intOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int32:
		return int(x)
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}
