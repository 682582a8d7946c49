// Package agent turns one question into tool calls and the tool results into
// a short prescriptive answer with its evidence. It runs the LLM loop through
// langchaingo's native tool calling, or a deterministic offline planner when
// no LLM is configured or the LLM is down, keeps thread memory in Postgres
// and writes the audit trail of every answer.
//
// It sits between the front ends and the tools (bot, console, cli → agent →
// tools): a Runner is built once in the composition root with a chat model
// (NewModel: OpenAI or any OpenAI-compatible server, Azure OpenAI,
// Anthropic; nil for offline), a tools.Registry, a Store and a DocIndex.
//
// One Ask:
//
//  1. loads the thread's earlier turns within a token budget (Store.History);
//  2. with a model: system prompt + memory + question → model → tool calls
//     (read from every choice, run concurrently, each with its own timeout,
//     results capped in size and wrapped as untrusted data) → … until the
//     model answers or the step limit is reached; model calls are retried
//     with backoff on 429, 5xx and timeouts, honouring Retry-After;
//  3. without one, or when the model failed for good: the offline planner
//     reads intent, entities and time windows (English and Korean), runs the
//     same tools and composes the answer from their results: evidence about
//     the asked machine first (its own incidents, then the same failure mode
//     on a sister machine, cited only as "similar case on press-2"), the
//     fitting runbook's numbered steps as instructions with the incident's
//     recorded actions as their reason, and every section in the question's
//     language (English document text quoted inside Korean framing);
//  4. grounds the answer: cited documents must exist, numbers must appear in
//     a tool result (or the question, or earlier turns), steps repeating
//     instructions found in documents are dropped, and an answer with no
//     evidence says so; steps that touch equipment are marked with their SOP;
//  5. stores the question, the answer, every model call and every tool call
//     (Store.SaveAnswer), which Store.Trace and Store.Tail read back.
//
// agent/llmtest is the scripted chat server the tests (and other packages'
// tests) drive the real langchaingo clients against.
package agent
