package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Sources of tool calls in the audit trail (tool_calls.source).
const (
	// SourceAgent marks the calls Gemba's agent made to answer a question.
	SourceAgent = "agent"
	// SourceMCP marks the calls an MCP client made to Gemba's tools
	// directly (gemba mcp over stdio, or /mcp over HTTP).
	SourceMCP = "mcp"
)

// DirectCall is the audit record of one tool call made outside an answer:
// an MCP client calling one of Gemba's tools.
type DirectCall struct {
	// ID is the stored row's id (set when read back).
	ID int64 `json:"id,omitempty"`
	// Source is SourceMCP.
	Source string `json:"source"`
	// Session identifies the client's session; the calls of one session
	// share a conversation whose thread key is Source + ":" + Session.
	Session string `json:"session"`
	// Caller is who called: the client's name and version as it introduced
	// itself, and the transport ("claude-ai 0.1.0 (stdio)").
	Caller string `json:"caller"`
	// Tool is the tool called.
	Tool string `json:"tool"`
	// Args are the arguments as sent (a JSON object; anything else is kept
	// under "_raw").
	Args json.RawMessage `json:"args"`
	// DurationMS is how long the call took.
	DurationMS int64 `json:"duration_ms"`
	// ResultBytes is the size of the result sent back.
	ResultBytes int `json:"result_bytes"`
	// Summary is the result's one-line summary.
	Summary string `json:"summary,omitempty"`
	// Error is the tool error returned to the caller, empty on success.
	Error string `json:"error,omitempty"`
	// At is when the call started.
	At time.Time `json:"at"`
}

// RecordCall stores a direct tool call in the audit trail, in one round
// trip: the session's conversation is created on its first call.
func (s *Store) RecordCall(ctx context.Context, c DirectCall) error {
	if c.Source == "" {
		c.Source = SourceMCP
	}
	args := c.Args
	if !json.Valid(args) || !strings.HasPrefix(strings.TrimSpace(string(args)), "{") {
		args, _ = json.Marshal(map[string]string{"_raw": string(c.Args)})
	}
	_, err := s.db.Exec(ctx, `
		WITH conv AS (
			INSERT INTO conversations (thread_key, channel) VALUES ($1, $2)
			ON CONFLICT (thread_key) DO UPDATE SET updated_at = now()
			RETURNING id
		)
		INSERT INTO tool_calls (conversation_id, tool, args, duration_ms, result_bytes, result_summary, error, source, caller, created_at)
		SELECT conv.id, $3, $4, $5, $6, $7, $8, $2, $9, $10 FROM conv`,
		c.Source+":"+c.Session, c.Source, c.Tool, args, c.DurationMS, c.ResultBytes, c.Summary, c.Error, c.Caller, timeOr(c.At))
	if err != nil {
		return fmt.Errorf("agent: record %s call of %s: %w", c.Source, c.Tool, err)
	}
	return nil
}

// DirectCalls returns the latest n direct tool calls of a source, newest
// first (`gemba mcp calls`).
func (s *Store) DirectCalls(ctx context.Context, source string, n int) ([]DirectCall, error) {
	if n <= 0 {
		n = 20
	}
	rows, err := s.db.Query(ctx, `
		SELECT t.id, t.source, c.thread_key, t.caller, t.tool, t.args, t.duration_ms, t.result_bytes, t.result_summary, t.error, t.created_at
		FROM tool_calls t JOIN conversations c ON c.id = t.conversation_id
		WHERE t.source = $1 AND t.answer_id IS NULL
		ORDER BY t.id DESC
		LIMIT $2`, source, n)
	if err != nil {
		return nil, fmt.Errorf("agent: %s calls: %w", source, err)
	}
	defer rows.Close()
	var out []DirectCall
	for rows.Next() {
		var c DirectCall
		var key string
		if err := rows.Scan(&c.ID, &c.Source, &key, &c.Caller, &c.Tool, &c.Args, &c.DurationMS, &c.ResultBytes, &c.Summary, &c.Error, &c.At); err != nil {
			return nil, fmt.Errorf("agent: %s calls: %w", source, err)
		}
		c.Session = strings.TrimPrefix(key, c.Source+":")
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agent: %s calls: %w", source, err)
	}
	return out, nil
}
