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
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/tools"
)

// Digest is the content of one shift digest for a channel.
type Digest struct {
	Source  string
	Channel string
	Scope   tools.Scope
	Since   time.Time
	Now     time.Time
	// Loc is the time zone the digest speaks in: the channel's digest
	// schedule's, else the plant's (UTC without a plant calendar).
	Loc *time.Location
	// Shift names the shift the digest covers ("" without a calendar).
	Shift string
	// Anomalies and Plan are the checks' text (Markdown); a Note is
	// instead why the check could not run, shown as such.
	Anomalies, Plan         string
	AnomaliesNote, PlanNote bool
	// Events are the significant anomaly events of the window on the
	// channel's part of the plant, strongest first: the records
	// detect_anomalies returns, as every other view shows them. Checked
	// is how many assets (or series) were checked, Minor how many minor
	// deviations were left out.
	Events  []DigestEvent
	Checked int
	Minor   int
	// Lines are the lines compared with their plans.
	Lines []DigestLine
	// Risk are the failure-risk lines: assets above their alarm threshold,
	// or a note saying why there is no ranking.
	Risk []string
	// Unchecked are the checks that could not run, each with why: while
	// any is there, the digest never says that nothing needs attention.
	Unchecked []string
	// FeedStopped is the newest reading when a check found no data in
	// the shift because the data ends before it: the feed has stopped or
	// is behind, which the header says first.
	FeedStopped time.Time
	Charts      []chart.Chart
	// OpenThreads are the channel's unresolved threads of the last week.
	OpenThreads []DigestThread
	// Alerts are the alerts raised since Since on the channel's part of
	// the plant (all of it when the channel is bound to nothing).
	Alerts []Alert
	// LookFirst is the short priority list, worst first; the header
	// names its first item.
	LookFirst []string
}

// Clean reports whether every check ran and found nothing to look at:
// the only case in which a digest says that nothing needs attention.
func (d *Digest) Clean() bool { return len(d.LookFirst) == 0 && len(d.Unchecked) == 0 }

// In returns t in the digest's time zone.
func (d *Digest) In(t time.Time) time.Time {
	if d.Loc == nil {
		return t.UTC()
	}
	return t.In(d.Loc)
}

// Clock formats t for the digest: the time of day with the zone's
// abbreviation, the date too when it is not the digest's day, and the
// year when it is not this year (a question about 2015's data).
func (d *Digest) Clock(t time.Time) string {
	lt, ln := d.In(t), d.In(d.Now)
	switch {
	case lt.YearDay() == ln.YearDay() && lt.Year() == ln.Year():
		return lt.Format("15:04 MST")
	case lt.Year() == ln.Year():
		return lt.Format("Jan 2 15:04 MST")
	}
	return lt.Format("2006-01-02 15:04 MST")
}

// Ago says how long before the digest t was: "10 h ago", "3 days ago".
func (d *Digest) Ago(t time.Time) string {
	h := d.Now.Sub(t).Hours()
	if h < 48 {
		return fmt.Sprintf("%.0f h ago", h)
	}
	return fmt.Sprintf("%.0f days ago", h/24)
}

// DigestEvent is one anomaly event in a digest.
type DigestEvent struct {
	Asset, Sensor, Kind, Unit string
	Start, End                time.Time
	Ongoing                   bool
	Sigma                     float64
	Value, Current, Usual     float64
	// Alarm is the alarm the machine logged that confirms the event, at
	// AlarmAt ("" when none did).
	Alarm   string
	AlarmAt time.Time
}

// Text is the event as one line in the digest's time zone, e.g. "press-3
// vibration up 25.4σ since 20:10 KST (now 5.6 mm/s, usual 2.1)".
func (e DigestEvent) Text(d *Digest) string {
	dir := "up"
	if e.Sigma < 0 {
		dir = "down"
	}
	u := ""
	if e.Unit != "" {
		u = " " + e.Unit
	}
	s := fmt.Sprintf("%s %s %s %.1fσ", e.Asset, e.Sensor, dir, math.Abs(e.Sigma))
	if e.Ongoing {
		s += fmt.Sprintf(" since %s (now %s%s, usual %s)", d.Clock(e.Start), num(e.Current), u, num(e.Usual))
	} else {
		s += fmt.Sprintf(" from %s to %s (%s: %s%s, usual %s)", d.Clock(e.Start), d.Clock(e.End), strings.ReplaceAll(e.Kind, "_", " "), num(e.Value), u, num(e.Usual))
	}
	if e.Alarm != "" && !e.AlarmAt.IsZero() {
		s += fmt.Sprintf("; confirmed by alarm %s at %s", e.Alarm, d.Clock(e.AlarmAt))
	}
	return s
}

func num(v float64) string { return predict.Num(v) }

// DigestLine is one line's output against its plan.
type DigestLine struct {
	Line string
	// Text is compare_to_plan's summary of the line.
	Text string
	// Attainment is the lower of the shift's and the forecast's percent
	// of plan (0 when unknown); Behind says it is under PlanAttention.
	Attainment float64
	Behind     bool
}

// PlanAttention is the percent of plan under which a line is listed among
// the things to look at first (the shift so far, or the next 24 hours'
// forecast).
const PlanAttention = 95.0

// DigestDetectContext is the shortest window a digest's anomaly check
// covers: a shift that began minutes ago still shows the events of the
// hours before it that are running now.
const DigestDetectContext = 2 * time.Hour

// DigestThread is an open thread listed in a digest.
type DigestThread struct {
	Ref, User, Question string
	Since               time.Time
	// Mention is the user as the transport writes a mention; Link opens the
	// thread ("" when the platform has no links).
	Mention, Link string
}

// digestWindow is the window a digest at now covers and the shift's name:
// the plant shift holding now − 5 min (a digest posted at a shift change
// covers the shift that just ended; one asked for mid-shift, the shift so
// far). Without a calendar: since the last digest of the channel within a
// week, else the last 8 hours.
func (c *Core) digestWindow(ctx context.Context, source, channel string, now time.Time) (time.Time, string, error) {
	if cal := c.Calendar(); cal != nil && len(cal.Shifts) > 0 {
		sp := cal.ShiftAt(now.Add(-5*time.Minute), 0)
		return sp.From, sp.Name, nil
	}
	since := now.Add(-8 * time.Hour)
	var last *time.Time
	err := c.o.DB.QueryRow(ctx, `SELECT max(slot) FROM digest_posts WHERE source = $1 AND channel_id = $2 AND slot < $3`, source, channel, now).Scan(&last)
	if err != nil {
		return since, "", fmt.Errorf("conversation: last digest: %w", err)
	}
	if last != nil && last.After(now.Add(-7*24*time.Hour)) {
		since = *last
	}
	return since, "", nil
}

// digestLoc is the time zone of a channel's digest: its schedule's, else
// the plant's.
func (c *Core) digestLoc(ctx context.Context, source, channel string) *time.Location {
	var tz string
	err := c.o.DB.QueryRow(ctx, `SELECT time_zone FROM digest_schedules WHERE source = $1 AND channel_id = $2 AND enabled`, source, channel).Scan(&tz)
	if err == nil && tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return c.plantLoc()
}

// plantLoc is the plant's time zone (UTC without a calendar).
func (c *Core) plantLoc() *time.Location {
	if cal := c.Calendar(); cal != nil && cal.Location != nil {
		return cal.Location
	}
	return time.UTC
}

// BuildDigest gathers a channel's digest now; see buildDigest.
func (c *Core) BuildDigest(ctx context.Context, t Names, channel string) (*Digest, error) {
	return c.buildDigest(ctx, t, channel, c.now())
}

// buildDigest gathers a channel's digest at now: the anomaly events of
// the shift on the channel's part of the plant (every asset when it is
// bound to nothing), every line of that part against its plan, the
// failure risk, the shift's alerts and the channel's open threads, and
// what to look at first, worst first. A check that cannot run is said so
// (Unchecked), never taken for a clean one.
func (c *Core) buildDigest(ctx context.Context, t Names, channel string, now time.Time) (*Digest, error) {
	s, err := c.Settings(ctx, t.Source(), channel)
	if err != nil {
		return nil, err
	}
	d := &Digest{Source: t.Source(), Channel: channel, Scope: s.Scope, Now: now, Loc: c.digestLoc(ctx, t.Source(), channel)}
	if d.Since, d.Shift, err = c.digestWindow(ctx, t.Source(), channel, now); err != nil {
		return nil, err
	}
	sctx := tools.WithScope(ctx, s.Scope)
	c.digestAnomalies(sctx, d)
	c.digestPlan(sctx, d)
	var riskAlarm string
	if c.o.Risk != nil && s.Scope.IsZero() {
		alarms, note, err := c.o.Risk(ctx, now)
		switch {
		case err != nil:
			c.log.WarnContext(ctx, "digest: failure risk unavailable", "err", err)
			d.Risk = []string{"Failure risk could not be scored right now."}
		case len(alarms) > 0:
			d.Risk = alarms
			riskAlarm = alarms[0]
		case note != "":
			d.Risk = []string{note}
		}
	}

	alerts, err := c.Alerts(ctx, d.Since, 50)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		if c.inScope(ctx, s.Scope, a.Asset) {
			d.Alerts = append(d.Alerts, a)
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

	// What to look at first, worst first: an alert nobody acknowledged,
	// the strongest events running now, lines behind plan, events that
	// ended, the oldest open thread.
	alerted := map[string]bool{}
	for _, a := range d.Alerts {
		if a.Status == AlertOpen {
			d.LookFirst = append(d.LookFirst, "Open alert: "+a.Summary)
			alerted[a.Asset] = true
			break
		}
	}
	for _, e := range d.Events {
		if e.Ongoing && !alerted[e.Asset] && len(d.LookFirst) < 3 {
			d.LookFirst = append(d.LookFirst, e.Text(d))
		}
	}
	if riskAlarm != "" {
		d.LookFirst = append(d.LookFirst, "Failure risk: "+riskAlarm)
	}
	for _, l := range d.Lines {
		if l.Behind {
			d.LookFirst = append(d.LookFirst, "Plan: "+firstLine(l.Text))
		}
	}
	for _, e := range d.Events {
		if !e.Ongoing {
			d.LookFirst = append(d.LookFirst, e.Text(d))
			break
		}
	}
	if len(d.OpenThreads) > 0 {
		th := d.OpenThreads[0]
		d.LookFirst = append(d.LookFirst, fmt.Sprintf("Oldest open thread: %s (open since %s)", Truncate(th.Question, 80), d.Clock(th.Since)))
	}
	return d, nil
}

// digestAnomalies runs the anomaly check of a digest: detect_anomalies on
// the channel's scope (the whole plant when it has none) over the shift,
// at least DigestDetectContext back.
func (c *Core) digestAnomalies(ctx context.Context, d *Digest) {
	since := d.Since
	if d.Now.Sub(since) < DigestDetectContext {
		since = d.Now.Add(-DigestDetectContext)
	}
	args := map[string]any{"since": since.UTC().Format(time.RFC3339)}
	switch {
	case d.Scope.Asset != "":
		args["asset"] = d.Scope.Asset
	case d.Scope.Line != "":
		args["line"] = d.Scope.Line
	}
	var res tools.Result
	d.Anomalies, d.AnomaliesNote, res = c.digestTool(ctx, tools.DetectAnomalies, args)
	if d.AnomaliesNote {
		if last, ok := d.stale(res, since); ok {
			d.Anomalies = "No data this shift: the newest reading is from " + d.Clock(last) + "."
			d.Unchecked = append(d.Unchecked, "anomalies (no data this shift)")
			return
		}
		d.Unchecked = append(d.Unchecked, "anomalies ("+d.Anomalies+")")
		return
	}
	found, err := readDetection(res)
	if err != nil {
		d.Anomalies, d.AnomaliesNote = "the detector's answer could not be read", true
		d.Unchecked = append(d.Unchecked, "anomalies (the detector's answer could not be read)")
		return
	}
	if len(found.Checked) == 0 {
		// Nothing was checked (no asset with data, or a detector that
		// does not say what it checked): never a clean result.
		d.Anomalies = res.Summary
		d.Unchecked = append(d.Unchecked, "anomalies (no asset with data was checked)")
		return
	}
	d.Events, d.Checked, d.Minor = found.Events, len(found.Checked), found.Minor
	d.Charts = append(d.Charts, res.Charts...)
	d.Anomalies = found.text(d, fmt.Sprintf("the %d asset(s) checked", d.Checked), since)
}

// stale reads a tool's refusal for want of data: when the data it names
// ends before from (the feed stopped or is behind), its newest reading,
// which FeedStopped keeps (the newest over all checks).
func (d *Digest) stale(res tools.Result, from time.Time) (time.Time, bool) {
	m, ok := res.Data.(map[string]any)
	if !ok {
		return time.Time{}, false
	}
	s, _ := m["last"].(string)
	last, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		if last, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, false
		}
	}
	if !last.Before(from) {
		return time.Time{}, false
	}
	if last.After(d.FeedStopped) {
		d.FeedStopped = last
	}
	return last, true
}

// detection is what a detect_anomalies result holds, read back from its
// data: the events (running first, then by strength), what was checked
// and how many minor deviations were left out.
type detection struct {
	Events  []DigestEvent
	Checked []string
	Minor   int
}

func readDetection(res tools.Result) (detection, error) {
	var data struct {
		Events  []detectedEvent `json:"events"`
		Checked []string        `json:"checked"`
		Minor   int             `json:"minor_events"`
	}
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, &data); err != nil {
		return detection{}, fmt.Errorf("conversation: read detect_anomalies data: %w", err)
	}
	out := detection{Checked: data.Checked, Minor: data.Minor}
	for _, e := range data.Events {
		start, err := e.onset()
		if err != nil {
			continue
		}
		end, _ := time.Parse("2006-01-02T15:04Z", e.End)
		de := DigestEvent{Asset: e.Asset, Sensor: e.Sensor, Kind: e.Kind, Unit: e.Unit, Start: start, End: end,
			Ongoing: e.Ongoing, Sigma: e.Sigma, Value: e.Value, Current: e.Current, Usual: e.Usual}
		if c := e.ConfirmedBy; c != nil {
			de.Alarm = c.Code
			if de.Alarm == "" {
				de.Alarm = c.ID
			}
			de.AlarmAt, _ = time.Parse("2006-01-02T15:04Z", c.At)
		}
		out.Events = append(out.Events, de)
	}
	slices.SortStableFunc(out.Events, func(a, b DigestEvent) int {
		if a.Ongoing != b.Ongoing {
			if a.Ongoing {
				return -1
			}
			return 1
		}
		return cmpAbs(b.Sigma, a.Sigma)
	})
	return out, nil
}

// text lists the events one per line in d's time zone, then what was
// checked (what, e.g. "press-3" or "the 12 asset(s) checked") since when.
func (f detection) text(d *Digest, what string, since time.Time) string {
	var sb strings.Builder
	if len(f.Events) == 0 {
		fmt.Fprintf(&sb, "No significant anomaly on %s since %s.", what, d.Clock(since))
	} else {
		for i, e := range f.Events {
			if i > 0 {
				sb.WriteString("\n")
			}
			sb.WriteString("• " + e.Text(d))
		}
		fmt.Fprintf(&sb, "\n_%s, since %s._", upperFirst(what), d.Clock(since))
	}
	if f.Minor > 0 {
		fmt.Fprintf(&sb, " %d minor deviation(s) not listed.", f.Minor)
	}
	return sb.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func cmpAbs(a, b float64) int {
	switch a, b := math.Abs(a), math.Abs(b); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// digestPlan compares each line of the channel's scope with its plan: the
// shift so far and the forecast of the next 24 hours.
func (c *Core) digestPlan(ctx context.Context, d *Digest) {
	var lines []string
	switch {
	case d.Scope.Line != "":
		lines = []string{d.Scope.Line}
	case d.Scope.Asset != "":
		if c.o.LineOf != nil {
			if l := c.o.LineOf(ctx, d.Scope.Asset); l != "" {
				lines = []string{l}
			}
		}
	case c.o.PlannedLines != nil:
		ls, err := c.o.PlannedLines(ctx)
		if err != nil {
			c.log.WarnContext(ctx, "digest: planned lines", "err", err)
			d.Plan, d.PlanNote = "unavailable right now (the lines could not be listed)", true
			d.Unchecked = append(d.Unchecked, "plan (the lines could not be listed)")
			return
		}
		lines = ls
	}
	if len(lines) == 0 {
		d.Plan = "No line with an output and a plan series here."
		return
	}
	past := max(1, math.Round(d.Now.Sub(d.Since).Hours()))
	var sb strings.Builder
	for _, l := range lines {
		text, note, res := c.digestTool(ctx, tools.CompareToPlan, map[string]any{"line": l, "past_hours": past})
		if sb.Len() > 0 {
			sb.WriteString("\n")
		}
		if note {
			if last, ok := d.stale(res, d.Now.Add(-time.Duration(past)*time.Hour)); ok {
				fmt.Fprintf(&sb, "• %s: _no output data this shift: the newest is from %s_", l, d.Clock(last))
				d.Unchecked = append(d.Unchecked, "plan of "+l+" (no output data this shift)")
				continue
			}
			fmt.Fprintf(&sb, "• %s: _%s_", l, text)
			d.Unchecked = append(d.Unchecked, "plan of "+l+" ("+text+")")
			continue
		}
		sb.WriteString("• " + text)
		d.Charts = append(d.Charts, res.Charts...)
		var data struct {
			Past struct {
				Attainment float64 `json:"attainment_pct"`
			} `json:"past"`
			Ahead struct {
				Attainment float64 `json:"attainment_pct"`
			} `json:"ahead"`
		}
		b, _ := json.Marshal(res.Data)
		_ = json.Unmarshal(b, &data)
		dl := DigestLine{Line: l, Text: text}
		for _, a := range []float64{data.Past.Attainment, data.Ahead.Attainment} {
			if a > 0 && (dl.Attainment == 0 || a < dl.Attainment) {
				dl.Attainment = a
			}
		}
		dl.Behind = dl.Attainment > 0 && dl.Attainment < PlanAttention
		d.Lines = append(d.Lines, dl)
	}
	d.Plan = sb.String()
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
		d, err := c.buildDigest(ctx, t, s.Channel, slot)
		if err != nil {
			return false, err
		}
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
		expr, tz := cmd.Cron, cmd.TZ
		if tz == "" {
			tz = c.plantLoc().String() // no zone given: the plant's
		}
		if expr == ShiftsCron {
			var err error
			if expr, err = c.shiftsCron(); err != nil {
				return c.ephemeral(ctx, t, in, ":information_source: "+Escape(err.Error()))
			}
		}
		if err := c.SetSchedule(ctx, t.Source(), in.Channel, expr, tz, in.User); err != nil {
			return err
		}
		cs, _ := parseSchedule(expr, tz)
		loc, _ := time.LoadLocation(tz)
		next := cs.Next(c.now())
		return c.announce(ctx, t, in, fmt.Sprintf(":bell: %s scheduled shift digests here: `%s` (%s). Next: %s.",
			t.Mention(in.User), Escape(expr), Escape(tz), next.In(loc).Format("Mon Jan 2 15:04 MST")))
	}
	return nil
}

// shiftsCron is the cron expression of the plant's shift starts, in the
// plant's zone (e.g. "0 6,14,22 * * *"); shifts starting at different
// minutes past the hour need a cron expression per minute, which one
// schedule cannot hold, so the user is asked for one.
func (c *Core) shiftsCron() (string, error) {
	cal := c.Calendar()
	if cal == nil || len(cal.Shifts) == 0 {
		return "", errors.New("this plant has no shift calendar; give a cron expression instead, e.g. \"0 6,14,22 * * *\"")
	}
	minute := -1
	var hours []string
	for _, sh := range cal.Shifts {
		h, m := int(sh.Start/time.Hour), int(sh.Start%time.Hour/time.Minute)
		if minute >= 0 && m != minute {
			return "", errors.New("the plant's shifts start at different minutes past the hour; give a cron expression instead")
		}
		minute = m
		hours = append(hours, strconv.Itoa(h))
	}
	return fmt.Sprintf("%d %s * * *", minute, strings.Join(hours, ",")), nil
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
