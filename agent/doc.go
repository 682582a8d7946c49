// Package agent turns one question into tool calls and the tool results into
// a short prescriptive answer with its evidence. It runs the LLM loop through
// langchaingo's native tool calling, or a deterministic offline planner when
// no LLM is configured or the LLM is down, keeps thread memory in Postgres
// and writes the audit trail of every answer.
package agent
