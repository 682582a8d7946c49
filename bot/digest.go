package bot

// Shift digests are scheduled per channel (cron + time zone, stored in
// digest_schedules) and run by a scheduler that every replica runs. A slot
// is claimed by INSERT INTO digest_posts (channel_id, slot) … ON CONFLICT
// DO NOTHING inside the transaction that posts it: a second replica's
// insert waits on the first's row lock and then finds the slot taken, so
// each slot is posted once; if posting fails the transaction rolls back
// and the slot is retried on the next tick (within DigestGrace), also
// after a restart. The one window left is a crash between Slack's reply
// and COMMIT, which would repost that slot once.
//
// Why not river's periodic jobs: they are registered in code when the
// client starts, while digest schedules are rows that users add and change
// from Slack at any time; a periodic job would still have to read the
// schedules and claim slots the same way, and river would add its own
// tables and leader election for no gain here.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/tools"
)

// Digest is the content of one shift digest for a channel.
type Digest struct {
	Channel string
	Scope   tools.Scope
	Since   time.Time
	Now     time.Time
	// Anomalies and Plan are the tools' one-line summaries (or why they are
	// unavailable); their charts are uploaded with the details.
	Anomalies string
	Plan      string
	Charts    []chart.Chart
	// OpenThreads are the channel's unresolved threads of the last week.
	OpenThreads []DigestThread
	// LookFirst is the short priority list.
	LookFirst []string
}

// DigestThread is an open thread listed in a digest.
type DigestThread struct {
	TS, User, Question string
	Since              time.Time
	// Link opens the thread in Slack (empty when the workspace URL is unknown).
	Link string
}

// DigestSource is what a digest is built from: the bot's database and the
// tools registry; Now is the clock.
type DigestSource struct {
	DB    db.DBTX
	Tools *tools.Registry
	Now   func() time.Time
}

// BuildDigest gathers a channel's digest: anomaly events since the last
// digest (or the last 8 hours), forecast against plan for the channel's
// scope, open threads, and what to look at first. Tools that are missing
// or reject the request are reported in the digest, not as errors.
func BuildDigest(ctx context.Context, src DigestSource, channel string) (*Digest, error) {
	if src.Now == nil {
		src.Now = time.Now
	}
	b := &Bot{o: Options{DB: src.DB, Tools: src.Tools}, now: src.Now}
	return b.buildDigest(ctx, channel)
}

func (b *Bot) buildDigest(ctx context.Context, channel string) (*Digest, error) {
	s, err := b.Settings(ctx, channel)
	if err != nil {
		return nil, err
	}
	now := b.now()
	d := &Digest{Channel: channel, Scope: s.Scope, Now: now, Since: now.Add(-8 * time.Hour)}
	var last *time.Time
	err = b.o.DB.QueryRow(ctx, `SELECT max(slot) FROM digest_posts WHERE channel_id = $1 AND slot < $2`, channel, now).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("bot: last digest: %w", err)
	}
	if last != nil && last.After(now.Add(-7*24*time.Hour)) {
		d.Since = *last
	}
	sctx := tools.WithScope(ctx, s.Scope)
	anomArgs := map[string]any{"since": d.Since.UTC().Format(time.RFC3339)}
	planArgs := map[string]any{}
	switch {
	case s.Scope.Asset != "":
		anomArgs["asset"] = s.Scope.Asset
	case s.Scope.Line != "":
		anomArgs["line"] = s.Scope.Line
	}
	if s.Scope.Line != "" {
		planArgs["line"] = s.Scope.Line
	}
	var anomRes, planRes tools.Result
	d.Anomalies, anomRes = b.digestTool(sctx, tools.DetectAnomalies, anomArgs)
	d.Plan, planRes = b.digestTool(sctx, tools.CompareToPlan, planArgs)
	d.Charts = append(append(d.Charts, anomRes.Charts...), planRes.Charts...)

	threads, err := b.openThreads(ctx, channel, now.Add(-7*24*time.Hour), 10)
	if err != nil {
		return nil, err
	}
	for _, t := range threads {
		d.OpenThreads = append(d.OpenThreads, DigestThread{TS: t.TS, User: t.StartedBy, Question: t.Question, Since: t.LastAnswerAt,
			Link: b.threadLink(channel, t.TS)})
	}
	if anomRes.UserError == "" && anomRes.Summary != "" && !noneFound(anomRes.Summary) {
		d.LookFirst = append(d.LookFirst, "Anomalies: "+firstLine(anomRes.Summary))
	}
	if planRes.UserError == "" && planRes.Summary != "" {
		d.LookFirst = append(d.LookFirst, "Plan: "+firstLine(planRes.Summary))
	}
	if len(d.OpenThreads) > 0 {
		t := d.OpenThreads[0]
		d.LookFirst = append(d.LookFirst, fmt.Sprintf("Oldest open thread: %s (open since %s)", truncate(t.Question, 80), t.Since.UTC().Format("Jan 2 15:04 MST")))
	}
	return d, nil
}

func (b *Bot) digestTool(ctx context.Context, name string, args map[string]any) (string, tools.Result) {
	if b.o.Tools == nil {
		return "_not available (no " + name + " tool in this build)_", tools.Result{UserError: "missing"}
	}
	t, ok := b.o.Tools.Get(name)
	if !ok {
		return "_not available (no " + name + " tool in this build)_", tools.Result{UserError: "missing"}
	}
	raw, _ := json.Marshal(args)
	start := time.Now()
	res, err := t.Call(ctx, raw)
	b.metrics.ObserveTool(name, time.Since(start), err != nil)
	switch {
	case err != nil:
		b.log.WarnContext(ctx, "digest tool failed", "tool", name, "err", err)
		return "_unavailable right now (" + name + " failed)_", tools.Result{UserError: err.Error()}
	case res.UserError != "":
		return "_" + escape(res.UserError) + "_", res
	}
	return Mrkdwn(res.Summary), res
}

func noneFound(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "no anomal") || strings.Contains(l, "no events") || strings.Contains(l, " 0 events") || strings.HasPrefix(l, "0 events")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return truncate(s, 160)
}

// RenderDigest returns the digest's short header message and the details
// posted in its thread.
func RenderDigest(d *Digest) (header []slack.Block, details []slack.Block) {
	scope := FormatScope(d.Scope)
	if scope == "" {
		scope = "whole plant"
	}
	head := fmt.Sprintf(":clipboard: *Shift digest* — `%s` · since %s", scope, d.Since.UTC().Format("Jan 2 15:04 MST"))
	if len(d.LookFirst) > 0 {
		head += "\n*Look first:* " + escape(d.LookFirst[0])
	} else {
		head += "\nNothing needs attention. :white_check_mark:"
	}
	header = []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(head, MaxSectionText), false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("%d open thread(s) · details in the thread :thread:", len(d.OpenThreads)), false, false)),
	}
	add := func(text string) { details = append(details, sections(text)...) }
	add(":rotating_light: *Anomaly events since the last digest*\n" + d.Anomalies)
	add(":chart_with_upwards_trend: *Forecast vs plan*\n" + d.Plan)
	if len(d.OpenThreads) == 0 {
		add(":speech_balloon: *Open threads*\nNone.")
	} else {
		var sb strings.Builder
		sb.WriteString(":speech_balloon: *Open threads*")
		for _, t := range d.OpenThreads {
			q := escape(truncate(t.Question, 120))
			if t.Link != "" {
				q = "<" + t.Link + "|" + strings.NewReplacer("|", "¦", ">", "›").Replace(q) + ">"
			}
			fmt.Fprintf(&sb, "\n• %s — <@%s>, last answer %s", q, t.User, t.Since.UTC().Format("Jan 2 15:04"))
		}
		add(sb.String())
	}
	if len(d.LookFirst) > 0 {
		var sb strings.Builder
		sb.WriteString(":eyes: *What to look at first*")
		for i, l := range d.LookFirst {
			fmt.Fprintf(&sb, "\n%d. %s", i+1, escape(l))
		}
		add(sb.String())
	}
	return header, details
}

// DigestText renders a digest as plain text (for --dry-run).
func DigestText(d *Digest) string {
	h, det := RenderDigest(d)
	var parts []string
	for _, b := range append(h, det...) {
		switch v := b.(type) {
		case *slack.SectionBlock:
			parts = append(parts, v.Text.Text)
		case *slack.ContextBlock:
			for _, e := range v.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, t.Text)
				}
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

// PostDigest builds and posts a digest now (header, details in its
// thread, charts), outside any schedule; it returns the header's ts.
func (b *Bot) PostDigest(ctx context.Context, channel string) (string, error) {
	d, err := b.buildDigest(ctx, channel)
	if err != nil {
		return "", err
	}
	return b.postDigest(ctx, d)
}

func (b *Bot) postDigest(ctx context.Context, d *Digest) (string, error) {
	header, details := RenderDigest(d)
	ts, err := b.post(ctx, d.Channel, "", slack.MsgOptionText("Shift digest", false), slack.MsgOptionBlocks(header...))
	if err != nil {
		return "", err
	}
	for _, blocks := range Messages(details) {
		if _, err := b.post(ctx, d.Channel, ts, slack.MsgOptionText("Shift digest details", false), slack.MsgOptionBlocks(blocks...)); err != nil {
			return ts, err
		}
	}
	b.uploadCharts(ctx, d.Channel, ts, d.Charts)
	b.metrics.CountDigest()
	return ts, nil
}

// Schedule is one channel's digest schedule.
type Schedule struct {
	ID        int64
	Channel   string
	Cron      string
	TZ        string
	Enabled   bool
	CreatedBy string
	CreatedAt time.Time
}

// SetSchedule creates or replaces a channel's digest schedule.
func (b *Bot) SetSchedule(ctx context.Context, channel, expr, tz, user string) error {
	if _, err := parseSchedule(expr, tz); err != nil {
		return err
	}
	s, _ := b.Settings(ctx, channel)
	_, err := b.o.DB.Exec(ctx, `INSERT INTO digest_schedules (channel_id, cron, time_zone, scope, enabled, created_by, created_at)
		VALUES ($1, $2, $3, $4, true, $5, $6)
		ON CONFLICT (channel_id) DO UPDATE SET cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone, scope = EXCLUDED.scope,
			enabled = true, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
		channel, expr, tz, FormatScope(s.Scope), user, b.now())
	if err != nil {
		return fmt.Errorf("bot: save digest schedule: %w", err)
	}
	return nil
}

// DisableSchedule turns a channel's digests off.
func (b *Bot) DisableSchedule(ctx context.Context, channel string) (bool, error) {
	tag, err := b.o.DB.Exec(ctx, `UPDATE digest_schedules SET enabled = false WHERE channel_id = $1 AND enabled`, channel)
	if err != nil {
		return false, fmt.Errorf("bot: disable digest schedule: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

func parseSchedule(expr, tz string) (cron.Schedule, error) {
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("bot: time zone %q: %w", tz, err)
	}
	s, err := cron.ParseStandard("CRON_TZ=" + tz + " " + expr)
	if err != nil {
		return nil, fmt.Errorf("bot: cron %q: %w", expr, err)
	}
	return s, nil
}

// lastSlot returns the latest scheduled time in (max(now-grace, created),
// now], or zero when there is none.
func lastSlot(s cron.Schedule, now, created time.Time, grace time.Duration) time.Time {
	from := now.Add(-grace)
	if created.After(from) {
		from = created
	}
	var last time.Time
	for t := s.Next(from.Add(-time.Second)); !t.IsZero() && !t.After(now); t = s.Next(t) {
		last = t
	}
	return last
}

// DigestTick posts every digest slot that is due and not yet posted; it
// returns how many this replica posted. Run calls it every DigestEvery;
// tests and operators may call it directly.
func (b *Bot) DigestTick(ctx context.Context) (int, error) {
	rows, err := b.o.DB.Query(ctx, `SELECT id, channel_id, cron, time_zone, created_at FROM digest_schedules WHERE enabled ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("bot: digest schedules: %w", err)
	}
	due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Schedule, error) {
		var s Schedule
		err := r.Scan(&s.ID, &s.Channel, &s.Cron, &s.TZ, &s.CreatedAt)
		return s, err
	})
	if err != nil {
		return 0, fmt.Errorf("bot: digest schedules: %w", err)
	}
	posted := 0
	var errs []error
	now := b.now()
	for _, s := range due {
		cs, err := parseSchedule(s.Cron, s.TZ)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		slot := lastSlot(cs, now, s.CreatedAt, b.o.DigestGrace)
		if slot.IsZero() {
			continue
		}
		ok, err := b.postSlot(ctx, s, slot)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			posted++
		}
	}
	return posted, errors.Join(errs...)
}

// postSlot claims and posts one slot in one transaction (see the file
// comment); it reports false when the slot was already taken.
func (b *Bot) postSlot(ctx context.Context, s Schedule, slot time.Time) (bool, error) {
	tx, err := b.o.DB.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("bot: digest slot: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	tag, err := tx.Exec(ctx, `INSERT INTO digest_posts (schedule_id, channel_id, slot) VALUES ($1, $2, $3)
		ON CONFLICT (channel_id, slot) DO NOTHING`, s.ID, s.Channel, slot)
	if err != nil {
		return false, fmt.Errorf("bot: claim digest slot: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	settings, err := b.Settings(ctx, s.Channel)
	if err != nil {
		return false, err
	}
	ts := "skipped: quiet hours"
	if !settings.Quiet(slot) {
		d, err := b.buildDigest(ctx, s.Channel)
		if err != nil {
			return false, err
		}
		d.Now = slot
		if ts, err = b.postDigest(ctx, d); err != nil {
			return false, fmt.Errorf("bot: post digest to %s: %w", s.Channel, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE digest_posts SET message_ts = $3 WHERE channel_id = $1 AND slot = $2`, s.Channel, slot, ts); err != nil {
		return false, fmt.Errorf("bot: digest slot: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("bot: digest slot commit: %w", err)
	}
	b.log.InfoContext(ctx, "digest posted", "channel", s.Channel, "slot", slot, "ts", ts)
	return true, nil
}

func (b *Bot) digestLoop(ctx context.Context) {
	t := time.NewTicker(b.o.DigestEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := b.DigestTick(ctx); err != nil && ctx.Err() == nil {
				b.log.ErrorContext(ctx, "digest tick", "err", err)
			}
			if _, err := b.FollowUpTick(ctx); err != nil && ctx.Err() == nil {
				b.log.ErrorContext(ctx, "follow-up tick", "err", err)
			}
		}
	}
}

// runDigestCommand handles /gemba digest now|schedule|off.
func (b *Bot) runDigestCommand(ctx context.Context, cmd slack.SlashCommand, c Command) error {
	switch c.DigestAction {
	case "now":
		_, err := b.PostDigest(ctx, cmd.ChannelID)
		return err
	case "schedule", "off":
		if ok, why := b.permitted(ctx, "digest schedules", cmd.UserID, cmd.ChannelID, b.o.Permissions.DigestChannels, b.o.Permissions.DigestUsers); !ok {
			return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", why)
		}
		if c.DigestAction == "off" {
			ok, err := b.DisableSchedule(ctx, cmd.ChannelID)
			if err != nil {
				return err
			}
			if !ok {
				return b.postEphemeral(ctx, cmd.ChannelID, cmd.UserID, "", "This channel had no digest schedule.")
			}
			return b.postThread(ctx, cmd.ChannelID, "", fmt.Sprintf(":no_bell: <@%s> turned this channel's shift digests off.", cmd.UserID))
		}
		if err := b.SetSchedule(ctx, cmd.ChannelID, c.Cron, c.TZ, cmd.UserID); err != nil {
			return err
		}
		cs, _ := parseSchedule(c.Cron, c.TZ)
		loc, _ := time.LoadLocation(c.TZ)
		next := cs.Next(b.now())
		return b.postThread(ctx, cmd.ChannelID, "", fmt.Sprintf(":bell: <@%s> scheduled shift digests here: `%s` (%s). Next: %s.",
			cmd.UserID, c.Cron, c.TZ, next.In(loc).Format("Mon Jan 2 15:04 MST")))
	}
	return nil
}

// timeFromSlack converts a Slack ts (seconds.micros) to a time.
func timeFromSlack(sec float64) time.Time {
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

// followUpSQL claims, atomically across replicas, the threads whose answer
// cited documents some hours ago and whose outcome nobody reported yet.
const followUpSQL = `
UPDATE slack_threads SET followup_at = now()
 WHERE (channel_id, thread_ts) IN (
       SELECT channel_id, thread_ts FROM slack_threads
        WHERE followup_at IS NULL AND resolved_at IS NULL AND outcome = '' AND cardinality(citations) > 0
          AND last_answer_at < $1 AND last_answer_at > $2
        ORDER BY last_answer_at
        LIMIT 20
        FOR UPDATE SKIP LOCKED)
RETURNING channel_id, thread_ts, started_by, citations`

// FollowUpTick asks, in each thread answered FollowUpAfter ago with cited
// documents and no reported outcome, whether the advice worked; the reply
// ("yes, step 2 fixed it", "no") is then recorded on the cited documents.
// Each thread is asked once, by one replica. It returns how many it asked.
func (b *Bot) FollowUpTick(ctx context.Context) (int, error) {
	if b.o.FollowUpAfter < 0 {
		return 0, nil
	}
	now := b.now()
	rows, err := b.o.DB.Query(ctx, followUpSQL, now.Add(-b.o.FollowUpAfter), now.Add(-b.o.FollowUpAfter-24*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("bot: follow-ups: %w", err)
	}
	type due struct {
		channel, ts, user string
		cites             []string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
		var d due
		err := r.Scan(&d.channel, &d.ts, &d.user, &d.cites)
		return d, err
	})
	if err != nil {
		return 0, fmt.Errorf("bot: follow-ups: %w", err)
	}
	asked := 0
	for _, d := range list {
		s, err := b.Settings(ctx, d.channel)
		if err == nil && s.Quiet(now) {
			// Ask later, outside quiet hours.
			_, _ = b.o.DB.Exec(ctx, `UPDATE slack_threads SET followup_at = NULL WHERE channel_id = $1 AND thread_ts = $2`, d.channel, d.ts)
			continue
		}
		who := ""
		if d.user != "" {
			who = "<@" + d.user + "> "
		}
		cites := make([]string, 0, len(d.cites))
		for _, c := range d.cites {
			cites = append(cites, "`"+c+"`")
		}
		text := fmt.Sprintf("%sdid the steps help? Reply here with *yes*, *partly* or *no* (e.g. \"yes, step 2 fixed it\"). "+
			"I'll record it on %s so the next answer ranks what worked.", who, strings.Join(cites, ", "))
		if err := b.postThread(ctx, d.channel, d.ts, text); err != nil {
			b.log.WarnContext(ctx, "follow-up not posted", "channel", d.channel, "thread", d.ts, "err", err)
			continue
		}
		asked++
	}
	return asked, nil
}
