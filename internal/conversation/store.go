package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// isNoRows reports a query that found no row.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// ChannelSettings are one channel's binding and behaviour.
type ChannelSettings struct {
	// Source is the front door the channel belongs to.
	Source  string
	Channel string
	// Scope narrows every tool call and search in the channel.
	Scope tools.Scope
	// MentionOnly: answer only when mentioned (default); false answers every
	// question asked in the channel.
	MentionOnly bool
	// AllowedTools, when not empty, limits the tools the agent may use.
	AllowedTools []string
	// ForecastUsers, when not empty, limits forecasts to these users or groups.
	ForecastUsers []string
	// QuietStart and QuietEnd (minutes after midnight in TZ; equal = none):
	// no unsolicited messages (digests, answers to unaddressed questions).
	QuietStart, QuietEnd int
	TZ                   string
	UpdatedBy            string
}

// Quiet reports whether t falls in the channel's quiet hours.
func (s ChannelSettings) Quiet(t time.Time) bool {
	if s.QuietStart == s.QuietEnd {
		return false
	}
	loc, err := time.LoadLocation(s.TZ)
	if err != nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if s.QuietStart < s.QuietEnd {
		return m >= s.QuietStart && m < s.QuietEnd
	}
	return m >= s.QuietStart || m < s.QuietEnd // across midnight
}

// Settings returns a channel's settings (the defaults when none are stored).
func (c *Core) Settings(ctx context.Context, source, channel string) (ChannelSettings, error) {
	s := ChannelSettings{Source: source, Channel: channel, MentionOnly: true, TZ: "UTC"}
	var scope string
	var qs, qe pgtype.Time
	err := c.o.DB.QueryRow(ctx, `SELECT scope, mention_only, coalesce(allowed_tools, '{}'), coalesce(forecast_users, '{}'),
		quiet_start, quiet_end, time_zone, updated_by FROM channel_settings WHERE source = $1 AND channel_id = $2`, source, channel).
		Scan(&scope, &s.MentionOnly, &s.AllowedTools, &s.ForecastUsers, &qs, &qe, &s.TZ, &s.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("conversation: load channel settings: %w", err)
	}
	if scope != "" {
		if sc, err := ParseScope(scope); err == nil {
			s.Scope = sc
		}
	}
	if qs.Valid && qe.Valid {
		s.QuietStart, s.QuietEnd = int(qs.Microseconds/60e6), int(qe.Microseconds/60e6)
	}
	return s, nil
}

// SaveSettings stores a channel's settings.
func (c *Core) SaveSettings(ctx context.Context, s ChannelSettings) error {
	var qs, qe pgtype.Time
	if s.QuietStart != s.QuietEnd {
		qs = pgtype.Time{Microseconds: int64(s.QuietStart) * 60e6, Valid: true}
		qe = pgtype.Time{Microseconds: int64(s.QuietEnd) * 60e6, Valid: true}
	}
	if s.TZ == "" {
		s.TZ = "UTC"
	}
	_, err := c.o.DB.Exec(ctx, `INSERT INTO channel_settings (channel_id, scope, mention_only, allowed_tools, forecast_users,
			quiet_start, quiet_end, time_zone, updated_by, updated_at, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10)
		ON CONFLICT (source, channel_id) DO UPDATE SET scope = EXCLUDED.scope, mention_only = EXCLUDED.mention_only,
			allowed_tools = EXCLUDED.allowed_tools, forecast_users = EXCLUDED.forecast_users, quiet_start = EXCLUDED.quiet_start,
			quiet_end = EXCLUDED.quiet_end, time_zone = EXCLUDED.time_zone, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		s.Channel, FormatScope(s.Scope), s.MentionOnly, nonNil(s.AllowedTools), nonNil(s.ForecastUsers), qs, qe, s.TZ, s.UpdatedBy, s.Source)
	if err != nil {
		return fmt.Errorf("conversation: save channel settings: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// thread is a thread Gemba answered in.
type thread struct {
	Source, Channel, Ref string
	StartedBy            string
	Question             string
	AnswerID             int64
	Citations            []string
	StepCitations        [][]string
	Resolved             bool
	IncidentID           string
	LastAnswerAt         time.Time
	CreatedAt            time.Time
}

// loadThread returns the thread, or nil when Gemba is not part of it.
func (c *Core) loadThread(ctx context.Context, source, channel, ref string) (*thread, error) {
	t := &thread{Source: source, Channel: channel, Ref: ref}
	var steps []byte
	var answerID *int64
	var resolved *time.Time
	err := c.o.DB.QueryRow(ctx, `SELECT started_by, question, answer_id, citations, step_citations, resolved_at, incident_id, last_answer_at, created_at
		FROM threads WHERE source = $1 AND channel_id = $2 AND thread_ref = $3`, source, channel, ref).
		Scan(&t.StartedBy, &t.Question, &answerID, &t.Citations, &steps, &resolved, &t.IncidentID, &t.LastAnswerAt, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("conversation: load thread: %w", err)
	}
	if answerID != nil {
		t.AnswerID = *answerID
	}
	t.Resolved = resolved != nil
	_ = json.Unmarshal(steps, &t.StepCitations)
	return t, nil
}

// place is where a message lives: the front door, the channel and the
// thread, with the thread's key in the agent's memory.
type place struct {
	source, channel, thread, tkey string
}

func (p place) key() string { return p.tkey }

// placeOf is the place of a thread of t's.
func placeOf(t Transport, channel, thread string) place {
	key := ThreadKey(t.Source(), channel, thread)
	if k, ok := t.(ThreadKeyer); ok {
		key = k.ThreadKey(channel, thread)
	}
	return place{source: t.Source(), channel: channel, thread: thread, tkey: key}
}

// ThreadKeyer is implemented by a transport whose thread references are
// unique without their channel (the console's message ids): its thread
// keys are then "source:thread" instead of "source:channel:thread".
type ThreadKeyer interface {
	ThreadKey(channel, thread string) string
}

// recordAnswer remembers that Gemba answered in a thread (for follow-ups,
// outcomes and the digest's open threads) and keeps the posted answer for
// "More detail" and feedback.
func (c *Core) recordAnswer(ctx context.Context, p place, messageRef, user, question string, a *agent.Answer) error {
	var cites []string
	seen := map[string]bool{}
	steps := make([][]string, 0, len(a.Steps)+len(a.Detail))
	for _, s := range append(append([]agent.Step(nil), a.Steps...), a.Detail...) {
		steps = append(steps, nonNil(s.Citations))
		for _, id := range s.Citations {
			if !seen[id] {
				seen[id] = true
				cites = append(cites, id)
			}
		}
	}
	for _, ci := range a.Citations {
		if !seen[ci.ID] {
			seen[ci.ID] = true
			cites = append(cites, ci.ID)
		}
	}
	stepJSON, _ := json.Marshal(steps)
	var answerID *int64
	if a.ID != 0 {
		answerID = &a.ID
	}
	_, err := c.o.DB.Exec(ctx, `INSERT INTO threads (source, channel_id, thread_ref, thread_key, started_by, question, answer_id, citations, step_citations)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (source, channel_id, thread_ref) DO UPDATE SET answer_id = coalesce(EXCLUDED.answer_id, threads.answer_id),
			citations = coalesce((SELECT array_agg(DISTINCT c) FROM unnest(threads.citations || EXCLUDED.citations) c), '{}'),
			step_citations = EXCLUDED.step_citations, last_answer_at = now()`,
		p.source, p.channel, p.thread, p.key(), user, Truncate(question, 2000), answerID, nonNil(cites), stepJSON)
	if err != nil {
		return fmt.Errorf("conversation: record thread: %w", err)
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("conversation: encode answer: %w", err)
	}
	_, err = c.o.DB.Exec(ctx, `INSERT INTO posted_answers (source, channel_id, message_ref, thread_ref, answer_id, answer)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, channel_id, message_ref) DO UPDATE SET answer = EXCLUDED.answer, answer_id = EXCLUDED.answer_id`,
		p.source, p.channel, messageRef, p.thread, answerID, body)
	if err != nil {
		return fmt.Errorf("conversation: record answer: %w", err)
	}
	return nil
}

// joinThread records that Gemba takes part in a thread as soon as it starts
// answering, so that a quick follow-up is not missed.
func (c *Core) joinThread(ctx context.Context, p place, user, question string) error {
	_, err := c.o.DB.Exec(ctx, `INSERT INTO threads (source, channel_id, thread_ref, thread_key, started_by, question)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, channel_id, thread_ref) DO NOTHING`,
		p.source, p.channel, p.thread, p.key(), user, Truncate(question, 2000))
	if err != nil {
		return fmt.Errorf("conversation: join thread: %w", err)
	}
	return nil
}

// PostedAnswer returns the answer posted as message ref in a channel of a
// front door, and the thread it is in (nil when that message is not an
// answer).
func (c *Core) PostedAnswer(ctx context.Context, source, channel, ref string) (*agent.Answer, string, error) {
	var body []byte
	var thread string
	err := c.o.DB.QueryRow(ctx, `SELECT answer, thread_ref FROM posted_answers WHERE source = $1 AND channel_id = $2 AND message_ref = $3`,
		source, channel, ref).Scan(&body, &thread)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("conversation: load answer: %w", err)
	}
	var a agent.Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, "", fmt.Errorf("conversation: decode stored answer: %w", err)
	}
	return &a, thread, nil
}

// recordFeedback stores a user's rating of a posted answer (the last click counts).
func (c *Core) recordFeedback(ctx context.Context, source, channel, ref, user, rating string) error {
	tag, err := c.o.DB.Exec(ctx, `UPDATE posted_answers SET feedback = feedback || jsonb_build_object($4::text, $5::text)
		WHERE source = $1 AND channel_id = $2 AND message_ref = $3`, source, channel, ref, user, rating)
	if err != nil {
		return fmt.Errorf("conversation: record feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("conversation: record feedback: %w: no answer stored for message %s", ErrNotAnswer, ref)
	}
	return nil
}

// ErrNotAnswer is returned for a button on a message that is not a stored
// answer.
var ErrNotAnswer = errors.New("not an answer")

// openThreads lists unresolved threads of a channel answered since since.
func (c *Core) openThreads(ctx context.Context, source, channel string, since time.Time, limit int) ([]thread, error) {
	rows, err := c.o.DB.Query(ctx, `SELECT thread_ref, started_by, question, last_answer_at FROM threads
		WHERE source = $1 AND channel_id = $2 AND resolved_at IS NULL AND last_answer_at >= $3 ORDER BY last_answer_at LIMIT $4`,
		source, channel, since, limit)
	if err != nil {
		return nil, fmt.Errorf("conversation: open threads: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (thread, error) {
		t := thread{Source: source, Channel: channel}
		err := r.Scan(&t.Ref, &t.StartedBy, &t.Question, &t.LastAnswerAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: open threads: %w", err)
	}
	return out, nil
}

// markResolved records who resolved a thread and the incident made of it.
func (c *Core) markResolved(ctx context.Context, p place, user, incidentID, outcome string) error {
	_, err := c.o.DB.Exec(ctx, `INSERT INTO threads (source, channel_id, thread_ref, thread_key, resolved_at, resolved_by, incident_id, outcome, outcome_by)
		VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $5)
		ON CONFLICT (source, channel_id, thread_ref) DO UPDATE SET resolved_at = now(), resolved_by = $5, incident_id = $6,
			outcome = CASE WHEN $7 = '' THEN threads.outcome ELSE $7 END,
			outcome_by = CASE WHEN $7 = '' THEN threads.outcome_by ELSE $5 END`,
		p.source, p.channel, p.thread, p.key(), user, incidentID, outcome)
	if err != nil {
		return fmt.Errorf("conversation: mark resolved: %w", err)
	}
	return nil
}

// recordOutcome stores the outcome a user reported in a thread.
func (c *Core) recordOutcome(ctx context.Context, p place, user, outcome string) error {
	_, err := c.o.DB.Exec(ctx, `UPDATE threads SET outcome = $4, outcome_by = $5 WHERE source = $1 AND channel_id = $2 AND thread_ref = $3`,
		p.source, p.channel, p.thread, outcome, user)
	if err != nil {
		return fmt.Errorf("conversation: record outcome: %w", err)
	}
	return nil
}
