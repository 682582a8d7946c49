package conversation

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/tools"
)

// PlantChannels returns the core's channel bindings and digest schedules as
// the plant model reads and writes them (plant.yaml's bindings: and
// digests:, `gemba channel` and `gemba digest schedule`, the console's
// settings): through the same Settings, SaveSettings, SetSchedule and
// DisableSchedule the /gemba bind and /gemba digest commands use.
func (c *Core) PlantChannels() model.Channels { return plantChannels{c} }

// PlantChannelsOn returns PlantChannels of a core on dbtx (a transaction
// of `gemba plant apply`), which runs no workers.
func PlantChannelsOn(dbtx db.DBTX) model.Channels {
	c, _ := New(Options{DB: dbtx, QueueSize: 1, Workers: 1}) // only fails without a database
	return c.PlantChannels()
}

type plantChannels struct{ c *Core }

func (p plantChannels) Bindings(ctx context.Context) ([]model.BindingState, error) {
	rows, err := p.c.o.DB.Query(ctx, `SELECT source, channel_id, scope, updated_by, updated_at FROM channel_settings
		WHERE scope <> '' ORDER BY source, channel_id`)
	if err != nil {
		return nil, fmt.Errorf("conversation: bindings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.BindingState, error) {
		var b model.BindingState
		var scope string
		if err := r.Scan(&b.Channel.Source, &b.Channel.ID, &scope, &b.By, &b.UpdatedAt); err != nil {
			return b, err
		}
		if sc, err := ParseScope(scope); err == nil {
			b.Target = model.Target{Site: sc.Site, Line: sc.Line, Asset: sc.Asset}
		}
		return b, nil
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: bindings: %w", err)
	}
	return out, nil
}

func (p plantChannels) Bind(ctx context.Context, ch model.Channel, t model.Target, by string) error {
	s, err := p.c.Settings(ctx, ch.Source, ch.ID)
	if err != nil {
		return err
	}
	s.Scope, s.UpdatedBy = tools.Scope{Site: t.Site, Line: t.Line, Asset: t.Asset}, by
	return p.c.SaveSettings(ctx, s)
}

func (p plantChannels) Schedules(ctx context.Context) ([]model.ScheduleState, error) {
	all, err := p.c.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]model.ScheduleState, 0, len(all))
	for _, s := range all {
		out = append(out, model.ScheduleState{Channel: model.Channel{Source: s.Source, ID: s.Channel}, Cron: s.Cron, TZ: s.TZ,
			Enabled: s.Enabled, By: s.CreatedBy, Next: s.Next})
	}
	return out, nil
}

func (p plantChannels) SetSchedule(ctx context.Context, ch model.Channel, cron, tz, by string) error {
	return p.c.SetSchedule(ctx, ch.Source, ch.ID, cron, tz, by)
}

func (p plantChannels) DisableSchedule(ctx context.Context, ch model.Channel) (bool, error) {
	return p.c.DisableSchedule(ctx, ch.Source, ch.ID)
}
