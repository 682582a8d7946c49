package conversation

// Shift digests are scheduled per channel (cron + time zone, stored in
// digest_schedules) and checked by the leader (see leader.go). A slot is
// claimed by INSERT INTO digest_posts (source, channel_id, slot) … ON
// CONFLICT DO NOTHING inside the transaction that posts it: should two
// replicas both believe they lead (a lease that just expired), the second
// insert waits on the first's row lock and then finds the slot taken, so
// each slot is posted once; if posting fails the transaction rolls back
// and the slot is retried on the next tick (within DigestGrace), also
// after a restart. The one window left is a crash between the platform's
// reply and COMMIT, which would repost that slot once.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/tools"
)

// Digest is the content of one shift digest for a channel.
type Digest struct {
	Source  string
	Channel string
	Scope   tools.Scope
	Since   time.Time
	Now     time.Time
	// Anomalies and Plan are the tools' summaries (Markdown); a Note is
	// instead why the check could not run, shown as such.
	Anomalies, Plan         string
	AnomaliesNote, PlanNote bool
	Charts                  []chart.Chart
	// OpenThreads are the channel's unresolved threads of the last week.
	OpenThreads []DigestThread
	// Alerts are the alerts raised since Since on the channel's part of
	// the plant (all of it when the channel is bound to nothing).
	Alerts []Alert
	// LookFirst is the short priority list.
	LookFirst []string
}

// DigestThread is an open thread listed in a digest.
type DigestThread struct {
	Ref, User, Question string
	Since               time.Time
	// Mention is the user as the transport writes a mention; Link opens the
	// thread ("" when the platform has no links).
	Mention, Link string
}

// BuildDigest gathers a channel's digest: anomaly events since the last
// digest (or the last 8 hours), forecast against plan for the channel's
// scope, open threads, and what to look at first. Tools that are missing
// or reject the request are reported in the digest, not as errors.
func (c *Core) BuildDigest(ctx context.Context, t Names, channel string) (*Digest, error) {
	s, err := c.Settings(ctx, t.Source(), channel)
	if err != nil {
		return nil, err
	}
	now := c.now()
	d := &Digest{Source: t.Source(), Channel: channel, Scope: s.Scope, Now: now, Since: now.Add(-8 * time.Hour)}
	var last *time.Time
	err = c.o.DB.QueryRow(ctx, `SELECT max(slot) FROM digest_posts WHERE source = $1 AND channel_id = $2 AND slot < $3`, t.Source(), channel, now).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("conversation: last digest: %w", err)
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
	d.Anomalies, d.AnomaliesNote, anomRes = c.digestTool(sctx, tools.DetectAnomalies, anomArgs)
	d.Plan, d.PlanNote, planRes = c.digestTool(sctx, tools.CompareToPlan, planArgs)
	d.Charts = append(append(d.Charts, anomRes.Charts...), planRes.Charts...)

	alerts, err := c.Alerts(ctx, d.Since, 50)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		if c.inScope(ctx, s.Scope, a.Asset) {
			d.Alerts = append(d.Alerts, a)
		}
	}
	for _, a := range d.Alerts {
		if a.Status == AlertOpen {
			d.LookFirst = append(d.LookFirst, "Open alert: "+a.Summary)
			break
		}
	}
	threads, err := c.openThreads(ctx, t.Source(), channel, now.Add(-7*24*time.Hour), 10)
	if err != nil {
		return nil, err
	}
	for _, th := range threads {
		d.OpenThreads = append(d.OpenThreads, DigestThread{Ref: th.Ref, User: th.StartedBy, Question: th.Question, Since: th.LastAnswerAt,
			Mention: t.Mention(th.StartedBy), Link: t.ThreadLink(channel, th.Ref)})
	}
	if !d.AnomaliesNote && anomRes.Summary != "" && !noneFound(anomRes.Summary) {
		d.LookFirst = append(d.LookFirst, "Anomalies: "+firstLine(anomRes.Summary))
	}
	if !d.PlanNote && planRes.Summary != "" {
		d.LookFirst = append(d.LookFirst, "Plan: "+firstLine(planRes.Summary))
	}
	if len(d.OpenThreads) > 0 {
		th := d.OpenThreads[0]
		d.LookFirst = append(d.LookFirst, fmt.Sprintf("Oldest open thread: %s (open since %s)", Truncate(th.Question, 80), th.Since.UTC().Format("Jan 2 15:04 MST")))
	}
	return d, nil
}

// inScope reports whether an asset is in a channel's scope (all assets for
// a channel bound to nothing).
func (c *Core) inScope(ctx context.Context, sc tools.Scope, asset string) bool {
	switch {
	case sc.Asset != "":
		return sc.Asset == asset
	case sc.Line != "":
		return c.o.LineOf != nil && c.o.LineOf(ctx, asset) == sc.Line
	}
	return true
}

// digestTool runs one check of a digest. It returns the tool's summary, or
// a note saying why the check could not run (note true).
func (c *Core) digestTool(ctx context.Context, name string, args map[string]any) (string, bool, tools.Result) {
	var t tools.Tool
	if c.o.Tools != nil {
		t, _ = c.o.Tools.Get(name)
	}
	if t == nil {
		return "not available (no " + name + " tool in this build)", true, tools.Result{UserError: "missing"}
	}
	raw, _ := json.Marshal(args)
	start := time.Now()
	res, err := t.Call(ctx, raw)
	c.metrics.ObserveTool(name, time.Since(start), err != nil)
	switch {
	case err != nil:
		c.log.WarnContext(ctx, "digest tool failed", "tool", name, "err", err)
		return "unavailable right now (" + name + " failed)", true, tools.Result{UserError: err.Error()}
	case res.UserError != "":
		return res.UserError, true, res
	}
	return res.Summary, false, res
}

func noneFound(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "no anomal") || strings.Contains(l, "no events") || strings.Contains(l, " 0 events") || strings.HasPrefix(l, "0 events")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return Truncate(s, 160)
}

// PostDigest builds and posts a channel's digest now (header, details in
// its thread, charts), outside any schedule; it returns the header's
// reference.
func (c *Core) PostDigest(ctx context.Context, t Transport, channel string) (string, error) {
	d, err := c.BuildDigest(ctx, t, channel)
	if err != nil {
		return "", err
	}
	return c.postDigest(ctx, t, d)
}

func (c *Core) postDigest(ctx context.Context, t Transport, d *Digest) (string, error) {
	ref, err := t.Post(ctx, d.Channel, "", Message{Digest: d, Text: "Shift digest"})
	if err != nil {
		return "", err
	}
	if _, err := t.Post(ctx, d.Channel, ref, Message{Digest: d, DigestDetails: true, Text: "Shift digest details"}); err != nil {
		return ref, err
	}
	for _, ch := range d.Charts {
		if err := t.Upload(ctx, d.Channel, ref, ch); err != nil {
			c.log.ErrorContext(ctx, "digest chart upload failed", "title", ch.Title, "err", err)
		}
	}
	c.metrics.CountDigest()
	return ref, nil
}

// Schedule is one channel's digest schedule.
type Schedule struct {
	ID        int64     `json:"-"`
	Source    string    `json:"source"`
	Channel   string    `json:"channel"`
	Cron      string    `json:"cron"`
	TZ        string    `json:"time_zone"`
	Scope     string    `json:"scope,omitempty"`
	Enabled   bool      `json:"enabled"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Next is the next slot (zero when disabled or not parseable).
	Next time.Time `json:"next,omitzero"`
}

// SetSchedule creates or replaces a channel's digest schedule.
func (c *Core) SetSchedule(ctx context.Context, source, channel, expr, tz, user string) error {
	if _, err := parseSchedule(expr, tz); err != nil {
		return err
	}
	s, err := c.Settings(ctx, source, channel)
	if err != nil {
		return err
	}
	_, err = c.o.DB.Exec(ctx, `INSERT INTO digest_schedules (source, channel_id, cron, time_zone, scope, enabled, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, true, $6, $7)
		ON CONFLICT (source, channel_id) DO UPDATE SET cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone, scope = EXCLUDED.scope,
			enabled = true, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
		source, channel, expr, tz, FormatScope(s.Scope), user, c.now())
	if err != nil {
		return fmt.Errorf("conversation: save digest schedule: %w", err)
	}
	return nil
}

// DisableSchedule turns a channel's digests off; it reports whether there
// was a schedule to turn off.
func (c *Core) DisableSchedule(ctx context.Context, source, channel string) (bool, error) {
	tag, err := c.o.DB.Exec(ctx, `UPDATE digest_schedules SET enabled = false WHERE source = $1 AND channel_id = $2 AND enabled`, source, channel)
	if err != nil {
		return false, fmt.Errorf("conversation: disable digest schedule: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Schedules lists every digest schedule with its next slot.
func (c *Core) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := c.o.DB.Query(ctx, `SELECT id, source, channel_id, cron, time_zone, scope, enabled, created_by, created_at
		FROM digest_schedules ORDER BY source, channel_id`)
	if err != nil {
		return nil, fmt.Errorf("conversation: digest schedules: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Schedule, error) {
		var s Schedule
		err := r.Scan(&s.ID, &s.Source, &s.Channel, &s.Cron, &s.TZ, &s.Scope, &s.Enabled, &s.CreatedBy, &s.CreatedAt)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: digest schedules: %w", err)
	}
	now := c.now()
	for i, s := range list {
		if cs, err := parseSchedule(s.Cron, s.TZ); err == nil && s.Enabled {
			list[i].Next = cs.Next(now)
		}
	}
	return list, nil
}

func parseSchedule(expr, tz string) (cron.Schedule, error) {
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("conversation: time zone %q: %w", tz, err)
	}
	s, err := cron.ParseStandard("CRON_TZ=" + tz + " " + expr)
	if err != nil {
		return nil, fmt.Errorf("conversation: cron %q: %w", expr, err)
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

// digestWork is the leader's digest tick: due digest slots, then
// follow-up questions.
func (c *Core) digestWork(ctx context.Context) error {
	_, err := c.DigestTick(ctx)
	_, ferr := c.FollowUpTick(ctx)
	return errors.Join(err, ferr)
}

// DigestTick posts every digest slot that is due and not yet posted, for
// the front doors registered here; it returns how many it posted. The
// leader calls it every DigestEvery; tests and operators may call it
// directly.
func (c *Core) DigestTick(ctx context.Context) (int, error) {
	all, err := c.Schedules(ctx)
	if err != nil {
		return 0, err
	}
	posted := 0
	var errs []error
	now := c.now()
	for _, s := range all {
		if !s.Enabled {
			continue
		}
		t, ok := c.transport(s.Source)
		if !ok {
			continue
		}
		cs, err := parseSchedule(s.Cron, s.TZ)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		slot := lastSlot(cs, now, s.CreatedAt, c.o.DigestGrace)
		if slot.IsZero() {
			continue
		}
		ok, err = c.postSlot(ctx, t, s, slot)
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
func (c *Core) postSlot(ctx context.Context, t Transport, s Schedule, slot time.Time) (bool, error) {
	tx, err := c.o.DB.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("conversation: digest slot: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	tag, err := tx.Exec(ctx, `INSERT INTO digest_posts (schedule_id, source, channel_id, slot) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, channel_id, slot) DO NOTHING`, s.ID, s.Source, s.Channel, slot)
	if err != nil {
		return false, fmt.Errorf("conversation: claim digest slot: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	settings, err := c.Settings(ctx, s.Source, s.Channel)
	if err != nil {
		return false, err
	}
	ref := "skipped: quiet hours"
	if !settings.Quiet(slot) {
		d, err := c.BuildDigest(ctx, t, s.Channel)
		if err != nil {
			return false, err
		}
		d.Now = slot
		if ref, err = c.postDigest(ctx, t, d); err != nil {
			return false, fmt.Errorf("conversation: post digest to %s: %w", s.Channel, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE digest_posts SET message_ref = $4 WHERE source = $1 AND channel_id = $2 AND slot = $3`,
		s.Source, s.Channel, slot, ref); err != nil {
		return false, fmt.Errorf("conversation: digest slot: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("conversation: digest slot commit: %w", err)
	}
	c.log.InfoContext(ctx, "digest posted", "source", s.Source, "channel", s.Channel, "slot", slot, "ref", ref)
	return true, nil
}

// runDigestCommand handles /gemba digest now|schedule|off.
func (c *Core) runDigestCommand(ctx context.Context, t Transport, in Inbound, cmd Command) error {
	switch cmd.DigestAction {
	case "now":
		if in.Placeholder != "" {
			// The reply slot of the command stays for the note; the digest
			// itself is a new message of the channel, as scheduled ones are.
			if err := t.Update(ctx, in.Channel, in.thread(), in.Placeholder, Message{Text: ":clipboard: Posting the shift digest now."}); err != nil {
				return err
			}
		}
		_, err := c.PostDigest(ctx, t, in.Channel)
		return err
	case "schedule", "off":
		if ok, why := c.permitted(ctx, t, "digest schedules", in.User, in.Channel, c.o.Permissions.DigestChannels, c.o.Permissions.DigestUsers); !ok {
			return c.ephemeral(ctx, t, in, why)
		}
		if cmd.DigestAction == "off" {
			ok, err := c.DisableSchedule(ctx, t.Source(), in.Channel)
			if err != nil {
				return err
			}
			if !ok {
				return c.ephemeral(ctx, t, in, "This channel had no digest schedule.")
			}
			return c.announce(ctx, t, in, fmt.Sprintf(":no_bell: %s turned this channel's shift digests off.", t.Mention(in.User)))
		}
		if err := c.SetSchedule(ctx, t.Source(), in.Channel, cmd.Cron, cmd.TZ, in.User); err != nil {
			return err
		}
		cs, _ := parseSchedule(cmd.Cron, cmd.TZ)
		loc, _ := time.LoadLocation(cmd.TZ)
		next := cs.Next(c.now())
		return c.announce(ctx, t, in, fmt.Sprintf(":bell: %s scheduled shift digests here: `%s` (%s). Next: %s.",
			t.Mention(in.User), Escape(cmd.Cron), Escape(cmd.TZ), next.In(loc).Format("Mon Jan 2 15:04 MST")))
	}
	return nil
}

// followUpSQL claims, atomically across replicas, the threads whose answer
// cited documents some hours ago and whose outcome nobody reported yet.
const followUpSQL = `
UPDATE threads SET followup_at = now()
 WHERE (source, channel_id, thread_ref) IN (
       SELECT source, channel_id, thread_ref FROM threads
        WHERE followup_at IS NULL AND resolved_at IS NULL AND outcome = '' AND cardinality(citations) > 0
          AND last_answer_at < $1 AND last_answer_at > $2 AND source = ANY($3)
        ORDER BY last_answer_at
        LIMIT 20
        FOR UPDATE SKIP LOCKED)
RETURNING source, channel_id, thread_ref, started_by, citations`

// FollowUpTick asks, in each thread answered FollowUpAfter ago with cited
// documents and no reported outcome, whether the advice worked; the reply
// ("yes, step 2 fixed it", "no") is then recorded on the cited documents.
// Each thread is asked once. It returns how many it asked.
func (c *Core) FollowUpTick(ctx context.Context) (int, error) {
	if c.o.FollowUpAfter < 0 {
		return 0, nil
	}
	now := c.now()
	rows, err := c.o.DB.Query(ctx, followUpSQL, now.Add(-c.o.FollowUpAfter), now.Add(-c.o.FollowUpAfter-24*time.Hour), c.sources())
	if err != nil {
		return 0, fmt.Errorf("conversation: follow-ups: %w", err)
	}
	type due struct {
		source, channel, ref, user string
		cites                      []string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
		var d due
		err := r.Scan(&d.source, &d.channel, &d.ref, &d.user, &d.cites)
		return d, err
	})
	if err != nil {
		return 0, fmt.Errorf("conversation: follow-ups: %w", err)
	}
	asked := 0
	for _, d := range list {
		t, ok := c.transport(d.source)
		if !ok {
			continue
		}
		s, err := c.Settings(ctx, d.source, d.channel)
		if err == nil && s.Quiet(now) {
			// Ask later, outside quiet hours.
			if _, err := c.o.DB.Exec(ctx, `UPDATE threads SET followup_at = NULL WHERE source = $1 AND channel_id = $2 AND thread_ref = $3`,
				d.source, d.channel, d.ref); err != nil {
				c.log.WarnContext(ctx, "could not postpone a follow-up", "err", err)
			}
			continue
		}
		who := ""
		if d.user != "" {
			who = t.Mention(d.user) + " "
		}
		cites := make([]string, 0, len(d.cites))
		for _, ci := range d.cites {
			cites = append(cites, "`"+Escape(ci)+"`")
		}
		text := fmt.Sprintf("%sdid the steps help? Reply here with *yes*, *partly* or *no* (e.g. \"yes, step 2 fixed it\"). "+
			"I'll record it on %s so the next answer ranks what worked.", who, strings.Join(cites, ", "))
		if _, err := t.Post(ctx, d.channel, d.ref, Message{Text: text}); err != nil {
			c.log.WarnContext(ctx, "follow-up not posted", "channel", d.channel, "thread", d.ref, "err", err)
			continue
		}
		asked++
	}
	return asked, nil
}
