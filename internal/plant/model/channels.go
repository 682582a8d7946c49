package model

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
)

// Channels are where channel bindings and digest schedules live: the
// conversation core's channel settings and digest schedules, the same the
// /gemba bind and /gemba digest commands change (conversation.Core
// implements it through PlantChannels).
type Channels interface {
	// Bindings lists every channel bound to something.
	Bindings(ctx context.Context) ([]BindingState, error)
	// Bind binds a channel (a zero Target unbinds it); by names who did.
	Bind(ctx context.Context, ch Channel, t Target, by string) error
	// Schedules lists every digest schedule, enabled or not.
	Schedules(ctx context.Context) ([]ScheduleState, error)
	// SetSchedule creates or replaces a channel's digest schedule.
	SetSchedule(ctx context.Context, ch Channel, cron, tz, by string) error
	// DisableSchedule turns a channel's digests off; it reports whether
	// there was an enabled schedule.
	DisableSchedule(ctx context.Context, ch Channel) (bool, error)
}

// Target is what a channel is bound to: a line or an asset, optionally
// of a site (the scope of the channel's questions, tools and alerts).
type Target struct {
	Site  string `json:"site,omitempty"`
	Line  string `json:"line,omitempty"`
	Asset string `json:"asset,omitempty"`
}

// IsZero reports an empty target (not bound).
func (t Target) IsZero() bool { return t == Target{} }

// String writes the target as /gemba bind reads it ("line=line-1").
func (t Target) String() string {
	var parts []string
	if t.Site != "" {
		parts = append(parts, "site="+t.Site)
	}
	if t.Line != "" {
		parts = append(parts, "line="+t.Line)
	}
	if t.Asset != "" {
		parts = append(parts, "asset="+t.Asset)
	}
	if len(parts) == 0 {
		return "nothing (whole plant)"
	}
	return strings.Join(parts, " ")
}

// BindingState is a channel's binding as stored.
type BindingState struct {
	Channel Channel `json:"channel"`
	Target  Target  `json:"target"`
	// By is who set it last (a user id, "plant.yaml", "cli", "console").
	By        string    `json:"by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ScheduleState is a channel's digest schedule as stored.
type ScheduleState struct {
	Channel Channel `json:"channel"`
	Cron    string  `json:"cron"`
	TZ      string  `json:"tz"`
	Enabled bool    `json:"enabled"`
	// By is who set it last; Next the next slot (zero when disabled).
	By   string    `json:"by,omitempty"`
	Next time.Time `json:"next,omitzero"`
}

// ByPlantFile is the "who" Apply records on what it sets, so that lists
// tell file-made bindings and schedules from hand-made ones.
const ByPlantFile = "plant.yaml"

// target is the binding's Target.
func (b Binding) target() Target { return Target{Site: b.Site, Line: b.Line, Asset: b.Asset} }

// bindingsOf maps the model's bindings by channel (nil model: none).
func bindingsOf(m *Model) (map[Channel]Target, []Channel) {
	out := map[Channel]Target{}
	var order []Channel
	if m == nil {
		return out, nil
	}
	for _, b := range m.Bindings {
		ch, err := ParseChannel(b.Channel)
		if err != nil {
			continue
		}
		if _, dup := out[ch]; !dup {
			order = append(order, ch)
		}
		out[ch] = b.target()
	}
	return out, order
}

// schedule is a digest schedule's cron and time zone.
type schedule struct{ Cron, TZ string }

func (s schedule) String() string { return fmt.Sprintf("%q %s", s.Cron, s.TZ) }

// digestsOf maps the model's digest schedules by channel, each with its
// time zone (the plant's when it names none).
func digestsOf(m *Model) (map[Channel]schedule, []Channel) {
	out := map[Channel]schedule{}
	var order []Channel
	if m == nil {
		return out, nil
	}
	for _, d := range m.Digests {
		ch, err := ParseChannel(d.Channel)
		if err != nil {
			continue
		}
		tz := d.TZ
		if tz == "" {
			tz = m.TimeZone
		}
		if _, dup := out[ch]; !dup {
			order = append(order, ch)
		}
		out[ch] = schedule{Cron: d.Cron, TZ: tz}
	}
	return out, order
}

// FileBinding is what the applied plant.yaml binds a channel to, and the
// model's version (ok false: no applied model, or it does not bind the
// channel). A binding changed elsewhere (Slack, the console) lasts until
// the next apply, which restores the file's: those front doors say so.
func FileBinding(ctx context.Context, dbtx db.DBTX, ch Channel) (t Target, version int64, ok bool, err error) {
	a, err := Current(ctx, dbtx)
	if err != nil || a == nil {
		return Target{}, 0, false, err
	}
	owned, _ := bindingsOf(a.Model)
	t, ok = owned[ch]
	return t, a.Version, ok, nil
}
