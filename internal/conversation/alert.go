package conversation

// Proactive alerts: nobody has to ask. Live points (a connector's Feed)
// make the core look at their asset at once; the leader also sweeps every
// asset each minute, for data that arrives another way. Both run the same
// detect_anomalies tool every other consumer runs (one detector
// configuration, one record per event). A new event — its onset recent,
// ongoing, not minor — is claimed in a short transaction under an advisory
// lock per asset: one alert per event across replicas, and at most one per
// asset per cooldown. The alert goes to the channels bound to the asset or
// its line (or the configured alert channels), with the event's numbers,
// its chart, and the first steps that touch no equipment; Acknowledge and
// Ask Gemba buttons; and an escalation in its thread when nobody
// acknowledges it in time. Channels in quiet hours are skipped (the alert
// stays on the console and in the next digest).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// AlertOptions configure proactive alerts (zero values: the defaults).
type AlertOptions struct {
	// Disabled turns alerts off.
	Disabled bool
	// Channels receive an asset's alerts when no channel is bound to the
	// asset or its line.
	Channels []Target
	// Cooldown is the least time between two alerts on one asset (default 30 min).
	Cooldown time.Duration
	// EscalateAfter is how long an alert may stay unacknowledged before
	// Gemba says so in its thread, to everyone in the channel (default 30
	// min; negative disables).
	EscalateAfter time.Duration
	// Recent is how recent an event's onset must be to alert (default 2 h):
	// older events were there before anyone could have been told.
	Recent time.Duration
	// Window is the history the detection reads (default 6 h).
	Window time.Duration
	// SweepEvery is how often the leader looks at every asset (default 1 min).
	SweepEvery time.Duration
	// Debounce gathers live points of one asset before it is looked at
	// (default 500 ms).
	Debounce time.Duration
	// Confirm is ConfirmAlarm (default) or ConfirmNone. With ConfirmAlarm,
	// an event on an asset whose alarm log Gemba reads (any alarm on
	// record) is posted once an alarm the machine logged confirms it
	// (predict.Confirming); until then it is watched: listed by
	// detect_anomalies, in digests and on the console, but nobody is paged.
	// Assets without an alarm log alert on the sensors alone.
	Confirm string
}

// Values of AlertOptions.Confirm.
const (
	ConfirmAlarm = "alarm"
	ConfirmNone  = "none"
)

// Target is a channel of a front door.
type Target struct {
	Source, Channel string
}

// Alert is one anomaly event told to people.
type Alert struct {
	ID          int64      `json:"id"`
	Asset       string     `json:"asset"`
	Sensor      string     `json:"sensor"`
	Kind        string     `json:"kind"`
	Onset       time.Time  `json:"onset"`
	Sigma       float64    `json:"sigma"`
	Value       float64    `json:"value"`
	Usual       float64    `json:"usual"`
	Unit        string     `json:"unit,omitempty"`
	Summary     string     `json:"summary"`
	Status      string     `json:"status"`
	AckedBy     string     `json:"acked_by,omitempty"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// Steps are the first steps that touch no equipment (from the agent's
	// answer about the event), when one was made.
	Steps []agent.Step `json:"steps,omitempty"`
	// Zone is the time zone times are shown in.
	Zone *time.Location `json:"-"`
}

// Action ids of an alert's buttons.
const (
	ActionAlertAck = "gemba_alert_ack"
	ActionAlertAsk = "gemba_alert_ask"
)

// Alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
)

func (o *AlertOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Cooldown, 30*time.Minute)
	def(&o.EscalateAfter, 30*time.Minute)
	def(&o.Recent, 2*time.Hour)
	def(&o.Window, 6*time.Hour)
	def(&o.SweepEvery, time.Minute)
	def(&o.Debounce, 500*time.Millisecond)
	if o.Confirm == "" {
		o.Confirm = ConfirmAlarm
	}
}

// alerter gathers the assets live points touched, so that each is looked
// at once per burst.
type alerter struct {
	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

func newAlerter() *alerter {
	return &alerter{pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Notice tells the core that new points of an asset were written (a
// connector's Feed calls it); the asset is looked at shortly, and an alert
// goes out if it shows a new anomaly event. It never blocks.
func (c *Core) Notice(asset string) {
	if c.o.Alerts.Disabled || asset == "" {
		return
	}
	c.alerts.mu.Lock()
	c.alerts.pending[asset] = true
	c.alerts.mu.Unlock()
	select {
	case c.alerts.wake <- struct{}{}:
	default:
	}
}

// alertLoop looks at the assets live points touched, a burst at a time.
func (c *Core) alertLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.alerts.wake:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.o.Alerts.Debounce):
		}
		c.alerts.mu.Lock()
		assets := make([]string, 0, len(c.alerts.pending))
		for a := range c.alerts.pending {
			assets = append(assets, a)
		}
		clear(c.alerts.pending)
		c.alerts.mu.Unlock()
		for _, a := range assets {
			if _, err := c.CheckAsset(ctx, a); err != nil && ctx.Err() == nil {
				c.log.ErrorContext(ctx, "alert check failed", "asset", a, "err", err)
			}
		}
	}
}

// sweepAlerts is the leader's minute: every asset looked at, and alerts
// nobody acknowledged escalated.
func (c *Core) sweepAlerts(ctx context.Context) error {
	var errs []error
	if c.o.Assets != nil {
		assets, err := c.o.Assets(ctx)
		if err != nil {
			return fmt.Errorf("conversation: alerts: assets: %w", err)
		}
		for _, a := range assets {
			if _, err := c.CheckAsset(ctx, a); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a, err))
			}
		}
	}
	if _, err := c.Escalate(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// detectedEvent is the part of a detect_anomalies event an alert needs.
type detectedEvent struct {
	Asset   string  `json:"asset"`
	Sensor  string  `json:"sensor"`
	Start   string  `json:"start"`
	Onset   string  `json:"onset"`
	End     string  `json:"end"`
	Ongoing bool    `json:"ongoing"`
	Kind    string  `json:"kind"`
	Value   float64 `json:"value"`
	Current float64 `json:"current"`
	Usual   float64 `json:"usual"`
	Sigma   float64 `json:"sigma"`
	Unit    string  `json:"unit"`
	Summary string  `json:"summary"`
	// ConfirmedBy is the alarm the machine logged that confirms the event.
	ConfirmedBy *struct {
		ID   string `json:"id"`
		Code string `json:"code"`
		At   string `json:"at"`
	} `json:"confirmed_by"`
}

func (e detectedEvent) onset() (time.Time, error) {
	s := e.Onset
	if s == "" {
		s = e.Start
	}
	return time.Parse("2006-01-02T15:04Z", s)
}

// CheckAsset runs the detector on an asset's recent history and alerts on
// each new event; it returns the alerts it raised. Tests and operators may
// call it directly.
func (c *Core) CheckAsset(ctx context.Context, asset string) ([]Alert, error) {
	if c.o.Alerts.Disabled || c.o.Tools == nil {
		return nil, nil
	}
	t, ok := c.o.Tools.Get(tools.DetectAnomalies)
	if !ok {
		return nil, nil
	}
	raw, _ := json.Marshal(map[string]any{"asset": asset, "hours": c.o.Alerts.Window.Hours(), "mode": "online"})
	start := time.Now()
	res, err := t.Call(ctx, raw)
	c.metrics.ObserveTool(tools.DetectAnomalies, time.Since(start), err != nil)
	if err != nil {
		return nil, err
	}
	if res.UserError != "" {
		return nil, nil // an asset without data: nothing to alert on
	}
	var data struct {
		Events []detectedEvent `json:"events"`
		// AlarmLog are the assets whose alarm log the tool read.
		AlarmLog []string `json:"alarm_log"`
	}
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("conversation: alerts: read events: %w", err)
	}
	now := c.now()
	var raised []Alert
	for _, e := range data.Events {
		onset, err := e.onset()
		if err != nil {
			continue
		}
		if e.Asset == "" {
			e.Asset = asset
		}
		// An event is new when its onset is recent. On an asset whose alarm
		// log Gemba reads it waits for an alarm the machine logged to
		// confirm it, and is new when that alarm is (the sensors drifted
		// for hours, then the machine raised it; the event may have just
		// ended); until then it is watched, not posted.
		var alarmAt time.Time
		if e.ConfirmedBy != nil {
			alarmAt, _ = time.Parse("2006-01-02T15:04Z", e.ConfirmedBy.At)
		}
		at := onset
		switch needAlarm := c.o.Alerts.Confirm == ConfirmAlarm && slices.Contains(data.AlarmLog, e.Asset); {
		case needAlarm && alarmAt.IsZero():
			continue
		case needAlarm:
			if alarmAt.After(onset) {
				at = alarmAt
			}
		case !e.Ongoing:
			continue
		}
		if at.Before(now.Add(-c.o.Alerts.Recent)) {
			continue
		}
		if !alarmAt.IsZero() {
			name := e.ConfirmedBy.Code
			if name == "" {
				name = e.ConfirmedBy.ID
			}
			e.Summary = strings.TrimSuffix(e.Summary, ".") + fmt.Sprintf(". Confirmed by alarm %s, logged by the machine at %s.", name, alarmAt.In(c.zone()).Format("01-02 15:04"))
		}
		a, won, err := c.claimAlert(ctx, e, onset)
		if err != nil {
			return raised, err
		}
		if !won {
			continue
		}
		c.tell(ctx, &a, res)
		raised = append(raised, a)
	}
	return raised, nil
}

// claimAlert records an alert for e unless its asset had one within the
// cooldown or this event already has one; it reports whether it did. The
// advisory lock per asset makes the check and the insert one step across
// replicas, in a transaction of a few milliseconds.
func (c *Core) claimAlert(ctx context.Context, e detectedEvent, onset time.Time) (Alert, bool, error) {
	a := Alert{Asset: e.Asset, Sensor: e.Sensor, Kind: e.Kind, Onset: onset, Sigma: e.Sigma, Value: e.Value, Usual: e.Usual,
		Unit: e.Unit, Summary: e.Summary, Status: AlertOpen}
	if a.Value == 0 {
		a.Value = e.Current
	}
	won := false
	err := pgx.BeginFunc(ctx, c.o.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('gemba-alert:' || $1))`, a.Asset); err != nil {
			return err
		}
		var recent bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alerts WHERE asset = $1 AND (created_at > $2
			OR (sensor = $3 AND onset BETWEEN $4::timestamptz - interval '1 hour' AND $4::timestamptz + interval '1 hour')))`,
			a.Asset, c.now().Add(-c.o.Alerts.Cooldown), a.Sensor, onset).Scan(&recent); err != nil {
			return err
		}
		if recent {
			return nil
		}
		won = true
		return tx.QueryRow(ctx, `INSERT INTO alerts (asset, sensor, kind, onset, sigma, value, usual, unit, summary, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
			a.Asset, a.Sensor, a.Kind, onset, a.Sigma, a.Value, a.Usual, a.Unit, a.Summary, c.now()).Scan(&a.ID, &a.CreatedAt)
	})
	if err != nil {
		return a, false, fmt.Errorf("conversation: claim alert: %w", err)
	}
	return a, won, nil
}

// tell posts a new alert to its channels, with the first safe steps and
// the event's chart in the alert's thread.
func (c *Core) tell(ctx context.Context, a *Alert, res tools.Result) {
	a.Zone = c.zone()
	if c.o.Asker != nil {
		q := fmt.Sprintf("%s: what should we check first?", strings.TrimSuffix(a.Summary, "."))
		ans, err := c.o.Asker.Ask(ctx, agent.Request{ThreadKey: fmt.Sprintf("alert:%d", a.ID), Channel: "alerts", UserID: "gemba", Question: q, Now: c.now()})
		if err != nil {
			c.log.WarnContext(ctx, "no steps for the alert", "alert", a.ID, "err", err)
		} else {
			for _, s := range append(ans.Steps, ans.Detail...) {
				if !s.TouchesEquipment && len(a.Steps) < 3 {
					a.Steps = append(a.Steps, s)
				}
			}
		}
	}
	targets, err := c.alertTargets(ctx, a.Asset)
	if err != nil {
		c.log.ErrorContext(ctx, "alert targets", "alert", a.ID, "err", err)
	}
	now := c.now()
	posted := 0
	for _, tg := range targets {
		t, ok := c.transport(tg.Source)
		if !ok {
			continue
		}
		if s, err := c.Settings(ctx, tg.Source, tg.Channel); err == nil && s.Quiet(now) {
			c.log.InfoContext(ctx, "alert not posted in quiet hours", "alert", a.ID, "channel", tg.Channel)
			continue
		}
		ref, err := t.Post(ctx, tg.Channel, "", Message{Alert: a, Text: alertText(a)})
		if err != nil {
			c.log.ErrorContext(ctx, "alert not posted", "alert", a.ID, "channel", tg.Channel, "err", err)
			continue
		}
		posted++
		if _, err := c.o.DB.Exec(ctx, `INSERT INTO alert_posts (alert_id, source, channel_id, message_ref) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, a.ID, tg.Source, tg.Channel, ref); err != nil {
			c.log.ErrorContext(ctx, "alert post not recorded", "alert", a.ID, "err", err)
		}
		for _, ch := range res.Charts {
			if err := t.Upload(ctx, tg.Channel, ref, ch); err != nil {
				c.log.WarnContext(ctx, "alert chart not uploaded", "alert", a.ID, "err", err)
			}
		}
	}
	c.metrics.CountAlert(posted > 0)
	c.log.InfoContext(ctx, "alert raised", "alert", a.ID, "asset", a.Asset, "sensor", a.Sensor, "channels", posted)
}

// alertTargets are the channels bound to the asset or its line, else the
// configured alert channels.
func (c *Core) alertTargets(ctx context.Context, asset string) ([]Target, error) {
	line := ""
	if c.o.LineOf != nil {
		line = c.o.LineOf(ctx, asset)
	}
	rows, err := c.o.DB.Query(ctx, `SELECT source, channel_id, scope FROM channel_settings WHERE scope <> '' ORDER BY source, channel_id`)
	if err != nil {
		return nil, fmt.Errorf("conversation: alert targets: %w", err)
	}
	type bound struct{ source, channel, scope string }
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bound, error) {
		var b bound
		err := r.Scan(&b.source, &b.channel, &b.scope)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: alert targets: %w", err)
	}
	var out []Target
	for _, b := range all {
		sc, err := ParseScope(b.scope)
		if err != nil {
			continue
		}
		if sc.Asset == asset || (sc.Asset == "" && line != "" && sc.Line == line) {
			out = append(out, Target{Source: b.source, Channel: b.channel})
		}
	}
	if len(out) == 0 {
		out = append(out, c.o.Alerts.Channels...)
	}
	return out, nil
}

// alertText is an alert's plain text.
func alertText(a *Alert) string {
	return fmt.Sprintf("Alert on %s: %s", a.Asset, a.Summary)
}

// zone is the plant's time zone (UTC without a calendar).
func (c *Core) zone() *time.Location {
	if cal := c.Calendar(); cal != nil && cal.Location != nil {
		return cal.Location
	}
	return time.UTC
}

// onAlertAction handles an alert's buttons: Acknowledge, and Ask Gemba
// (an answer about the event in the alert's thread).
func (c *Core) onAlertAction(ctx context.Context, t Transport, j job, in Inbound) error {
	id, err := strconv.ParseInt(in.Value, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("conversation: alert button with no alert id %q", in.Value)
	}
	a, err := c.AlertByID(ctx, id)
	if err != nil {
		return err
	}
	switch in.Action {
	case ActionAlertAck:
		_, err := c.Acknowledge(ctx, id, in.User)
		return err
	case ActionAlertAsk:
		thread := in.Thread
		if thread == "" {
			thread = in.Ref
		}
		q := question{place: placeOf(t, in.Channel, thread), user: in.User, ref: in.Ref, via: "alert",
			text: fmt.Sprintf("%s — what should I do?", strings.TrimSuffix(a.Summary, "."))}
		return c.ask(ctx, t, j, q)
	}
	return fmt.Errorf("conversation: unknown alert action %q", in.Action)
}

const alertColumns = `id, asset, sensor, kind, onset, sigma, value, usual, unit, summary, status, acked_by, acked_at, escalated_at, created_at`

func scanAlert(r pgx.Row) (Alert, error) {
	var a Alert
	err := r.Scan(&a.ID, &a.Asset, &a.Sensor, &a.Kind, &a.Onset, &a.Sigma, &a.Value, &a.Usual, &a.Unit, &a.Summary, &a.Status,
		&a.AckedBy, &a.AckedAt, &a.EscalatedAt, &a.CreatedAt)
	return a, err
}

// AlertByID reads one alert.
func (c *Core) AlertByID(ctx context.Context, id int64) (Alert, error) {
	a, err := scanAlert(c.o.DB.QueryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("conversation: alert %d: %w", id, err)
	}
	a.Zone = c.zone()
	return a, nil
}

// Alerts lists the alerts raised since since, newest first.
func (c *Core) Alerts(ctx context.Context, since time.Time, limit int) ([]Alert, error) {
	rows, err := c.o.DB.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE created_at >= $1 ORDER BY created_at DESC LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("conversation: alerts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Alert, error) { return scanAlert(r) })
	if err != nil {
		return nil, fmt.Errorf("conversation: alerts: %w", err)
	}
	for i := range out {
		out[i].Zone = c.zone()
	}
	return out, nil
}

// Acknowledge marks an alert acknowledged by user (the first click counts)
// and shows it on every copy of the alert; it reports whether this click
// acknowledged it.
func (c *Core) Acknowledge(ctx context.Context, id int64, user string) (bool, error) {
	tag, err := c.o.DB.Exec(ctx, `UPDATE alerts SET status = 'acknowledged', acked_by = $2, acked_at = $3 WHERE id = $1 AND status = 'open'`,
		id, user, c.now())
	if err != nil {
		return false, fmt.Errorf("conversation: acknowledge alert %d: %w", id, err)
	}
	a, err := c.AlertByID(ctx, id)
	if err != nil {
		return false, err
	}
	c.updateAlertPosts(ctx, &a)
	return tag.RowsAffected() == 1, nil
}

// updateAlertPosts redraws every posted copy of an alert (its status).
func (c *Core) updateAlertPosts(ctx context.Context, a *Alert) {
	rows, err := c.o.DB.Query(ctx, `SELECT source, channel_id, message_ref FROM alert_posts WHERE alert_id = $1`, a.ID)
	if err != nil {
		c.log.ErrorContext(ctx, "alert posts", "alert", a.ID, "err", err)
		return
	}
	type post struct{ source, channel, ref string }
	posts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (post, error) {
		var p post
		err := r.Scan(&p.source, &p.channel, &p.ref)
		return p, err
	})
	if err != nil {
		c.log.ErrorContext(ctx, "alert posts", "alert", a.ID, "err", err)
		return
	}
	for _, p := range posts {
		t, ok := c.transport(p.source)
		if !ok {
			continue
		}
		if err := t.Update(ctx, p.channel, "", p.ref, Message{Alert: a, Text: alertText(a)}); err != nil {
			c.log.WarnContext(ctx, "alert copy not updated", "alert", a.ID, "channel", p.channel, "err", err)
		}
	}
}

// Escalate says, in the thread of every alert nobody acknowledged within
// EscalateAfter, that it is still open, to everyone in the channel; each
// alert is escalated once. It returns how many it escalated.
func (c *Core) Escalate(ctx context.Context) (int, error) {
	if c.o.Alerts.EscalateAfter < 0 {
		return 0, nil
	}
	rows, err := c.o.DB.Query(ctx, `UPDATE alerts SET escalated_at = $2
		WHERE id IN (SELECT id FROM alerts WHERE status = 'open' AND escalated_at IS NULL AND created_at < $1
			ORDER BY id FOR UPDATE SKIP LOCKED)
		RETURNING `+alertColumns, c.now().Add(-c.o.Alerts.EscalateAfter), c.now())
	if err != nil {
		return 0, fmt.Errorf("conversation: escalate alerts: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Alert, error) { return scanAlert(r) })
	if err != nil {
		return 0, fmt.Errorf("conversation: escalate alerts: %w", err)
	}
	for i := range list {
		a := &list[i]
		a.Zone = c.zone()
		prow, err := c.o.DB.Query(ctx, `SELECT source, channel_id, message_ref FROM alert_posts WHERE alert_id = $1`, a.ID)
		if err != nil {
			return 0, fmt.Errorf("conversation: escalate alerts: %w", err)
		}
		type post struct{ source, channel, ref string }
		posts, err := pgx.CollectRows(prow, func(r pgx.CollectableRow) (post, error) {
			var p post
			err := r.Scan(&p.source, &p.channel, &p.ref)
			return p, err
		})
		if err != nil {
			return 0, fmt.Errorf("conversation: escalate alerts: %w", err)
		}
		mins := int(math.Round(c.o.Alerts.EscalateAfter.Minutes()))
		for _, p := range posts {
			t, ok := c.transport(p.source)
			if !ok {
				continue
			}
			text := fmt.Sprintf("%s this alert on *%s* has not been acknowledged for %d minutes. Please look at it, or press *Acknowledge* if someone is on it.",
				t.Everyone(), Escape(a.Asset), mins)
			if _, err := t.Post(ctx, p.channel, p.ref, Message{Text: text}); err != nil {
				c.log.WarnContext(ctx, "escalation not posted", "alert", a.ID, "err", err)
			}
		}
	}
	return len(list), nil
}
