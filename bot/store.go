package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// ChannelSettings are one channel's binding and behaviour.
type ChannelSettings struct {
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
func (b *Bot) Settings(ctx context.Context, channel string) (ChannelSettings, error) {
	s := ChannelSettings{Channel: channel, MentionOnly: true, TZ: "UTC"}
	var scope string
	var qs, qe pgtype.Time
	err := b.o.DB.QueryRow(ctx, `SELECT scope, mention_only, coalesce(allowed_tools, '{}'), coalesce(forecast_users, '{}'),
		quiet_start, quiet_end, time_zone, updated_by FROM channel_settings WHERE channel_id = $1`, channel).
		Scan(&scope, &s.MentionOnly, &s.AllowedTools, &s.ForecastUsers, &qs, &qe, &s.TZ, &s.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("bot: load channel settings: %w", err)
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
func (b *Bot) SaveSettings(ctx context.Context, s ChannelSettings) error {
	var qs, qe pgtype.Time
	if s.QuietStart != s.QuietEnd {
		qs = pgtype.Time{Microseconds: int64(s.QuietStart) * 60e6, Valid: true}
		qe = pgtype.Time{Microseconds: int64(s.QuietEnd) * 60e6, Valid: true}
	}
	if s.TZ == "" {
		s.TZ = "UTC"
	}
	_, err := b.o.DB.Exec(ctx, `INSERT INTO channel_settings (channel_id, scope, mention_only, allowed_tools, forecast_users,
			quiet_start, quiet_end, time_zone, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
		ON CONFLICT (channel_id) DO UPDATE SET scope = EXCLUDED.scope, mention_only = EXCLUDED.mention_only,
			allowed_tools = EXCLUDED.allowed_tools, forecast_users = EXCLUDED.forecast_users, quiet_start = EXCLUDED.quiet_start,
			quiet_end = EXCLUDED.quiet_end, time_zone = EXCLUDED.time_zone, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		s.Channel, FormatScope(s.Scope), s.MentionOnly, nonNil(s.AllowedTools), nonNil(s.ForecastUsers), qs, qe, s.TZ, s.UpdatedBy)
	if err != nil {
		return fmt.Errorf("bot: save channel settings: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// thread is a Slack thread Gemba answered in.
type thread struct {
	Channel, TS   string
	StartedBy     string
	Question      string
	AnswerID      int64
	Citations     []string
	StepCitations [][]string
	Resolved      bool
	IncidentID    string
	LastAnswerAt  time.Time
}

func threadKey(channel, ts string) string { return "slack:" + channel + ":" + ts }

// loadThread returns the thread, or nil when Gemba is not part of it.
func (b *Bot) loadThread(ctx context.Context, channel, ts string) (*thread, error) {
	t := &thread{Channel: channel, TS: ts}
	var steps []byte
	var answerID *int64
	var resolved *time.Time
	err := b.o.DB.QueryRow(ctx, `SELECT started_by, question, answer_id, citations, step_citations, resolved_at, incident_id, last_answer_at
		FROM slack_threads WHERE channel_id = $1 AND thread_ts = $2`, channel, ts).
		Scan(&t.StartedBy, &t.Question, &answerID, &t.Citations, &steps, &resolved, &t.IncidentID, &t.LastAnswerAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bot: load thread: %w", err)
	}
	if answerID != nil {
		t.AnswerID = *answerID
	}
	t.Resolved = resolved != nil
	_ = json.Unmarshal(steps, &t.StepCitations)
	return t, nil
}

// recordAnswer remembers that Gemba answered in a thread (for follow-ups,
// outcomes and the digest's open threads) and keeps the posted answer for
// "More detail" and feedback.
func (b *Bot) recordAnswer(ctx context.Context, channel, threadTS, messageTS, user, question string, a *agent.Answer) error {
	var cites []string
	seen := map[string]bool{}
	steps := make([][]string, 0, len(a.Steps)+len(a.Detail))
	for _, s := range append(append([]agent.Step(nil), a.Steps...), a.Detail...) {
		steps = append(steps, nonNil(s.Citations))
		for _, c := range s.Citations {
			if !seen[c] {
				seen[c] = true
				cites = append(cites, c)
			}
		}
	}
	for _, c := range a.Citations {
		if !seen[c.ID] {
			seen[c.ID] = true
			cites = append(cites, c.ID)
		}
	}
	stepJSON, _ := json.Marshal(steps)
	var answerID *int64
	if a.ID != 0 {
		answerID = &a.ID
	}
	_, err := b.o.DB.Exec(ctx, `INSERT INTO slack_threads (channel_id, thread_ts, thread_key, started_by, question, answer_id, citations, step_citations)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (channel_id, thread_ts) DO UPDATE SET answer_id = coalesce(EXCLUDED.answer_id, slack_threads.answer_id),
			citations = coalesce((SELECT array_agg(DISTINCT c) FROM unnest(slack_threads.citations || EXCLUDED.citations) c), '{}'),
			step_citations = EXCLUDED.step_citations, last_answer_at = now()`,
		channel, threadTS, threadKey(channel, threadTS), user, truncate(question, 2000), answerID, nonNil(cites), stepJSON)
	if err != nil {
		return fmt.Errorf("bot: record thread: %w", err)
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("bot: encode answer: %w", err)
	}
	_, err = b.o.DB.Exec(ctx, `INSERT INTO slack_answers (channel_id, message_ts, thread_ts, answer_id, answer)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel_id, message_ts) DO UPDATE SET answer = EXCLUDED.answer, answer_id = EXCLUDED.answer_id`,
		channel, messageTS, threadTS, answerID, body)
	if err != nil {
		return fmt.Errorf("bot: record answer: %w", err)
	}
	return nil
}

// joinThread records that Gemba takes part in a thread as soon as it starts
// answering, so that a quick follow-up is not missed.
func (b *Bot) joinThread(ctx context.Context, channel, threadTS, user, question string) error {
	_, err := b.o.DB.Exec(ctx, `INSERT INTO slack_threads (channel_id, thread_ts, thread_key, started_by, question)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel_id, thread_ts) DO NOTHING`,
		channel, threadTS, threadKey(channel, threadTS), user, truncate(question, 2000))
	if err != nil {
		return fmt.Errorf("bot: join thread: %w", err)
	}
	return nil
}

// loadAnswer returns the answer posted as message ts in channel.
func (b *Bot) loadAnswer(ctx context.Context, channel, ts string) (*agent.Answer, string, error) {
	var body []byte
	var threadTS string
	err := b.o.DB.QueryRow(ctx, `SELECT answer, thread_ts FROM slack_answers WHERE channel_id = $1 AND message_ts = $2`, channel, ts).Scan(&body, &threadTS)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("bot: load answer: %w", err)
	}
	var a agent.Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, "", fmt.Errorf("bot: decode stored answer: %w", err)
	}
	return &a, threadTS, nil
}

// recordFeedback stores a user's rating of a posted answer (the last click counts).
func (b *Bot) recordFeedback(ctx context.Context, channel, ts, user, rating string) error {
	tag, err := b.o.DB.Exec(ctx, `UPDATE slack_answers SET feedback = feedback || jsonb_build_object($3::text, $4::text)
		WHERE channel_id = $1 AND message_ts = $2`, channel, ts, user, rating)
	if err != nil {
		return fmt.Errorf("bot: record feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("bot: record feedback: no answer stored for message %s", ts)
	}
	return nil
}

// openThreads lists unresolved threads of a channel answered since since.
func (b *Bot) openThreads(ctx context.Context, channel string, since time.Time, limit int) ([]thread, error) {
	rows, err := b.o.DB.Query(ctx, `SELECT thread_ts, started_by, question, last_answer_at FROM slack_threads
		WHERE channel_id = $1 AND resolved_at IS NULL AND last_answer_at >= $2 ORDER BY last_answer_at LIMIT $3`, channel, since, limit)
	if err != nil {
		return nil, fmt.Errorf("bot: open threads: %w", err)
	}
	defer rows.Close()
	var out []thread
	for rows.Next() {
		t := thread{Channel: channel}
		if err := rows.Scan(&t.TS, &t.StartedBy, &t.Question, &t.LastAnswerAt); err != nil {
			return nil, fmt.Errorf("bot: open threads: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// markResolved records who resolved a thread and the incident made of it.
func (b *Bot) markResolved(ctx context.Context, channel, ts, user, incidentID, outcome string) error {
	_, err := b.o.DB.Exec(ctx, `INSERT INTO slack_threads (channel_id, thread_ts, thread_key, resolved_at, resolved_by, incident_id, outcome, outcome_by)
		VALUES ($1, $2, $3, now(), $4, $5, $6, $4)
		ON CONFLICT (channel_id, thread_ts) DO UPDATE SET resolved_at = now(), resolved_by = $4, incident_id = $5,
			outcome = CASE WHEN $6 = '' THEN slack_threads.outcome ELSE $6 END,
			outcome_by = CASE WHEN $6 = '' THEN slack_threads.outcome_by ELSE $4 END`,
		channel, ts, threadKey(channel, ts), user, incidentID, outcome)
	if err != nil {
		return fmt.Errorf("bot: mark resolved: %w", err)
	}
	return nil
}

// recordOutcome stores the outcome a user reported in a thread.
func (b *Bot) recordOutcome(ctx context.Context, channel, ts, user, outcome string) error {
	_, err := b.o.DB.Exec(ctx, `UPDATE slack_threads SET outcome = $3, outcome_by = $4 WHERE channel_id = $1 AND thread_ts = $2`,
		channel, ts, outcome, user)
	if err != nil {
		return fmt.Errorf("bot: record outcome: %w", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
