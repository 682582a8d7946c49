package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/db"
)

// Roles of stored messages.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Ratings accepted by RecordFeedback.
const (
	RatingHelpful    = "helpful"
	RatingNotHelpful = "not_helpful"
)

// ErrNotFound is returned for an answer id that is not stored.
var ErrNotFound = errors.New("agent: not found")

// Turn is one earlier message of a thread, replayed as memory.
type Turn struct {
	// Role is RoleUser or RoleAssistant.
	Role string `json:"role"`
	// Content is the question, or the answer's text.
	Content string `json:"content"`
	// Tokens is the content's estimated size (EstimateTokens).
	Tokens int `json:"tokens"`
}

// Store keeps conversations, messages and the audit trail (answers, model
// calls, tool calls, feedback) in Postgres.
type Store struct {
	db db.DBTX
}

// NewStore returns a store on a pool or transaction.
func NewStore(dbtx db.DBTX) *Store { return &Store{db: dbtx} }

// EstimateTokens estimates a text's token count without a tokenizer: about
// one token per four Latin characters and one per Hangul syllable.
func EstimateTokens(s string) int {
	var other, hangul int
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Han, r) {
			hangul++
		} else {
			other++
		}
	}
	return hangul + (other+3)/4
}

// History returns the thread's latest turns, oldest first, whose estimated
// tokens fit within budget: the newest first, and once an answer no longer
// fits, only the (short) questions before it, back to the first question
// that does not fit.
func (s *Store) History(ctx context.Context, threadKey string, budget int) ([]Turn, error) {
	rows, err := s.db.Query(ctx, `
		SELECT m.role, m.content, m.tokens
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.thread_key = $1
		ORDER BY m.id DESC
		LIMIT 50`, threadKey)
	if err != nil {
		return nil, fmt.Errorf("agent: history: %w", err)
	}
	defer rows.Close()
	var rev []Turn
	used := 0
	for rows.Next() {
		var t Turn
		if err := rows.Scan(&t.Role, &t.Content, &t.Tokens); err != nil {
			return nil, fmt.Errorf("agent: history: %w", err)
		}
		if t.Tokens == 0 {
			t.Tokens = EstimateTokens(t.Content)
		}
		if used+t.Tokens > budget {
			if t.Role == RoleUser {
				break
			}
			// A long answer that no longer fits is left out, not the
			// questions before it: a thread's third question ("지금 당장
			// 세워야 돼?") still knows the machine its first one named.
			continue
		}
		used += t.Tokens
		rev = append(rev, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agent: history: %w", err)
	}
	out := make([]Turn, len(rev))
	for i, t := range rev {
		out[len(rev)-1-i] = t
	}
	// Memory starts with a question, never with a dangling answer.
	for len(out) > 0 && out[0].Role != RoleUser {
		out = out[1:]
	}
	return out, nil
}

// beginner is implemented by pools and transactions.
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// SaveAnswer stores a question, its answer (as memory and as audit record)
// and the model and tool calls behind it, in one transaction, and returns
// the answer's id.
func (s *Store) SaveAnswer(ctx context.Context, req Request, a *Answer, calls []ModelCall) (int64, error) {
	b, ok := s.db.(beginner)
	if !ok {
		return 0, errors.New("agent: save answer: store needs a pool or transaction")
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("agent: save answer: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	memo := memoryText(a)
	body, err := json.Marshal(a)
	if err != nil {
		return 0, fmt.Errorf("agent: save answer: encode: %w", err)
	}
	cits := make([]string, 0, len(a.Citations))
	for _, c := range a.Citations {
		cits = append(cits, c.ID)
	}
	warnings := a.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	// One round trip for the conversation, both messages and the answer.
	var id, convID int64
	if err := tx.QueryRow(ctx, `
		WITH conv AS (
			INSERT INTO conversations (thread_key, channel, scope) VALUES ($1, $2, $3)
			ON CONFLICT (thread_key) DO UPDATE SET updated_at = now()
			RETURNING id
		), msgs AS (
			-- One INSERT, rows in order, so the question's id is below the answer's.
			INSERT INTO messages (conversation_id, role, user_id, content, tokens)
			SELECT conv.id, v.role, v.user_id, v.content, v.tokens
			FROM conv, (VALUES (1, 'user', $4, $5, $6::integer), (2, 'assistant', '', $7, $8::integer)) AS v (ord, role, user_id, content, tokens)
			ORDER BY v.ord
			RETURNING id, role
		)
		INSERT INTO answers (conversation_id, question_id, message_id, thread_key, user_id, question, lang, mode, model,
			warnings, answer, citations, prompt_tokens, completion_tokens, latency_ms)
		SELECT conv.id, (SELECT id FROM msgs WHERE role = 'user'), (SELECT id FROM msgs WHERE role = 'assistant'),
			$1, $4, $5, $9, $10, $11, $12, $13, $14, $15, $16, $17
		FROM conv
		RETURNING id, conversation_id`,
		req.ThreadKey, req.Channel, scopeString(req), req.UserID, req.Question, EstimateTokens(req.Question),
		memo, EstimateTokens(memo), a.Lang, a.Mode, a.Model,
		warnings, body, cits, a.PromptTokens, a.CompletionTokens, a.LatencyMS).Scan(&id, &convID); err != nil {
		return 0, fmt.Errorf("agent: save answer: %w", err)
	}
	batch := &pgx.Batch{}
	for _, c := range calls {
		batch.Queue(`INSERT INTO model_calls (answer_id, conversation_id, model, step, attempt, tool_calls, prompt_tokens, completion_tokens, latency_ms, error, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, convID, c.Model, c.Step, c.Attempt, c.ToolCalls, c.PromptTokens, c.CompletionTokens, c.LatencyMS, c.Error, timeOr(c.At))
	}
	for i, tr := range a.Trace {
		args, err := json.Marshal(tr.Args)
		if err != nil || tr.Args == nil {
			args = []byte("{}")
		}
		batch.Queue(`INSERT INTO tool_calls (answer_id, conversation_id, tool, seq, args, duration_ms, result_bytes, result_summary, error, origin)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, convID, tr.Tool, i+1, args, tr.DurationMS, tr.ResultSize, tr.Summary, tr.Error, tr.Origin)
	}
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return 0, fmt.Errorf("agent: save answer: calls: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("agent: save answer: commit: %w", err)
	}
	return id, nil
}

func timeOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func scopeString(req Request) string {
	var parts []string
	if req.Scope.Site != "" {
		parts = append(parts, "site="+req.Scope.Site)
	}
	if req.Scope.Line != "" {
		parts = append(parts, "line="+req.Scope.Line)
	}
	if req.Scope.Asset != "" {
		parts = append(parts, "asset="+req.Scope.Asset)
	}
	return strings.Join(parts, ",")
}

// memoryText is what a later turn remembers of an answer: its text without
// the warnings and source titles, which only cost tokens.
func memoryText(a *Answer) string {
	c := *a
	c.Warnings = nil
	c.Detail = nil
	return Render(&c)
}

// Answer reloads a stored answer (for "more detail" and the console),
// including its tool trace.
func (s *Store) Answer(ctx context.Context, id int64) (*Answer, error) {
	var body []byte
	err := s.db.QueryRow(ctx, `SELECT answer FROM answers WHERE id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("agent: answer %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("agent: answer %d: %w", id, err)
	}
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("agent: answer %d: decode: %w", id, err)
	}
	a.ID = id
	return &a, nil
}

// RecordFeedback stores (or replaces) a user's rating of an answer; rating
// is RatingHelpful or RatingNotHelpful.
func (s *Store) RecordFeedback(ctx context.Context, answerID int64, userID, rating, comment string) error {
	if rating != RatingHelpful && rating != RatingNotHelpful {
		return fmt.Errorf("agent: feedback: rating must be %q or %q, not %q", RatingHelpful, RatingNotHelpful, rating)
	}
	tag, err := s.db.Exec(ctx, `
		INSERT INTO feedback (answer_id, user_id, rating, comment)
		SELECT id, $2, $3, $4 FROM answers WHERE id = $1
		ON CONFLICT (answer_id, user_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, created_at = now()`,
		answerID, userID, rating, comment)
	if err != nil {
		return fmt.Errorf("agent: feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("agent: feedback on answer %d: %w", answerID, ErrNotFound)
	}
	return nil
}

// ToolCallRecord is one stored tool call.
type ToolCallRecord struct {
	// Seq orders the calls of one answer (1-based).
	Seq        int            `json:"seq"`
	Tool       string         `json:"tool"`
	Args       map[string]any `json:"args"`
	DurationMS int64          `json:"duration_ms"`
	ResultSize int            `json:"result_bytes"`
	Summary    string         `json:"summary,omitempty"`
	Error      string         `json:"error,omitempty"`
	// Origin names the external system that ran the tool ("mcp:cmms"),
	// empty for Gemba's own tools.
	Origin string `json:"origin,omitempty"`
}

// FeedbackRecord is one stored rating.
type FeedbackRecord struct {
	UserID  string    `json:"user_id"`
	Rating  string    `json:"rating"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Trace is "what the bot did" for one answer: the question, every model
// call, every tool call, the answer and its feedback.
type Trace struct {
	// AnswerID is the stored answer's id; the other fields mirror the
	// answers table, with the calls and feedback behind the answer.
	AnswerID   int64            `json:"answer_id"`
	ThreadKey  string           `json:"thread_key"`
	UserID     string           `json:"user_id,omitempty"`
	Question   string           `json:"question"`
	Mode       string           `json:"mode"`
	Model      string           `json:"model,omitempty"`
	Lang       string           `json:"lang"`
	Warnings   []string         `json:"warnings,omitempty"`
	Citations  []string         `json:"citations,omitempty"`
	Tokens     [2]int           `json:"tokens"` // prompt, completion
	LatencyMS  int64            `json:"latency_ms"`
	At         time.Time        `json:"at"`
	ModelCalls []ModelCall      `json:"model_calls"`
	ToolCalls  []ToolCallRecord `json:"tool_calls"`
	Feedback   []FeedbackRecord `json:"feedback,omitempty"`
	Answer     *Answer          `json:"answer,omitempty"`
}

const traceColumns = `a.id, a.thread_key, a.user_id, a.question, a.mode, a.model, a.lang, a.warnings, a.citations,
	a.prompt_tokens, a.completion_tokens, a.latency_ms, a.created_at, a.answer`

func scanTrace(row pgx.Row) (*Trace, error) {
	var tr Trace
	var body []byte
	if err := row.Scan(&tr.AnswerID, &tr.ThreadKey, &tr.UserID, &tr.Question, &tr.Mode, &tr.Model, &tr.Lang, &tr.Warnings,
		&tr.Citations, &tr.Tokens[0], &tr.Tokens[1], &tr.LatencyMS, &tr.At, &body); err != nil {
		return nil, err
	}
	var a Answer
	if json.Unmarshal(body, &a) == nil {
		a.ID = tr.AnswerID
		tr.Answer = &a
	}
	return &tr, nil
}

// Trace returns the audit trail of one answer.
func (s *Store) Trace(ctx context.Context, answerID int64) (*Trace, error) {
	tr, err := scanTrace(s.db.QueryRow(ctx, `SELECT `+traceColumns+` FROM answers a WHERE a.id = $1`, answerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("agent: trace %d: %w", answerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("agent: trace %d: %w", answerID, err)
	}
	if err := s.fillCalls(ctx, []*Trace{tr}); err != nil {
		return nil, err
	}
	return tr, nil
}

// Tail returns the latest n answers' audit trails, newest first.
func (s *Store) Tail(ctx context.Context, n int) ([]*Trace, error) {
	if n <= 0 {
		n = 10
	}
	rows, err := s.db.Query(ctx, `SELECT `+traceColumns+` FROM answers a ORDER BY a.id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("agent: audit tail: %w", err)
	}
	defer rows.Close()
	var out []*Trace
	for rows.Next() {
		tr, err := scanTrace(rows)
		if err != nil {
			return nil, fmt.Errorf("agent: audit tail: %w", err)
		}
		out = append(out, tr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agent: audit tail: %w", err)
	}
	if err := s.fillCalls(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) fillCalls(ctx context.Context, trs []*Trace) error {
	if len(trs) == 0 {
		return nil
	}
	byID := map[int64]*Trace{}
	ids := make([]int64, 0, len(trs))
	for _, tr := range trs {
		byID[tr.AnswerID] = tr
		ids = append(ids, tr.AnswerID)
	}
	rows, err := s.db.Query(ctx, `SELECT answer_id, model, step, attempt, tool_calls, prompt_tokens, completion_tokens, latency_ms, error, created_at
		FROM model_calls WHERE answer_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("agent: trace: model calls: %w", err)
	}
	for rows.Next() {
		var id int64
		var c ModelCall
		if err := rows.Scan(&id, &c.Model, &c.Step, &c.Attempt, &c.ToolCalls, &c.PromptTokens, &c.CompletionTokens, &c.LatencyMS, &c.Error, &c.At); err != nil {
			rows.Close()
			return fmt.Errorf("agent: trace: model calls: %w", err)
		}
		byID[id].ModelCalls = append(byID[id].ModelCalls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("agent: trace: model calls: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT answer_id, seq, tool, args, duration_ms, result_bytes, result_summary, error, origin
		FROM tool_calls WHERE answer_id = ANY($1) ORDER BY answer_id, seq`, ids)
	if err != nil {
		return fmt.Errorf("agent: trace: tool calls: %w", err)
	}
	for rows.Next() {
		var id int64
		var c ToolCallRecord
		var args []byte
		if err := rows.Scan(&id, &c.Seq, &c.Tool, &args, &c.DurationMS, &c.ResultSize, &c.Summary, &c.Error, &c.Origin); err != nil {
			rows.Close()
			return fmt.Errorf("agent: trace: tool calls: %w", err)
		}
		_ = json.Unmarshal(args, &c.Args)
		byID[id].ToolCalls = append(byID[id].ToolCalls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("agent: trace: tool calls: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT answer_id, user_id, rating, comment, created_at FROM feedback WHERE answer_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("agent: trace: feedback: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var f FeedbackRecord
		if err := rows.Scan(&id, &f.UserID, &f.Rating, &f.Comment, &f.At); err != nil {
			return fmt.Errorf("agent: trace: feedback: %w", err)
		}
		byID[id].Feedback = append(byID[id].Feedback, f)
	}
	return rows.Err()
}

// Answer reloads a stored answer; see Store.Answer.
func (r *Runner) Answer(ctx context.Context, id int64) (*Answer, error) {
	if r.o.Store == nil {
		return nil, fmt.Errorf("agent: answer %d: %w (no store)", id, ErrNotFound)
	}
	return r.o.Store.Answer(ctx, id)
}

// Trace returns what the agent did for an answer; see Store.Trace.
func (r *Runner) Trace(ctx context.Context, answerID int64) (*Trace, error) {
	if r.o.Store == nil {
		return nil, fmt.Errorf("agent: trace %d: %w (no store)", answerID, ErrNotFound)
	}
	return r.o.Store.Trace(ctx, answerID)
}

// RecordFeedback stores a user's rating (RatingHelpful or
// RatingNotHelpful) of an answer without a comment; Store.RecordFeedback
// takes one as well.
func (r *Runner) RecordFeedback(ctx context.Context, answerID int64, userID, rating string) error {
	if r.o.Store == nil {
		return fmt.Errorf("agent: feedback on answer %d: %w (no store)", answerID, ErrNotFound)
	}
	return r.o.Store.RecordFeedback(ctx, answerID, userID, rating, "")
}
