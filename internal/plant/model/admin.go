package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
)

// Catalog is the series store's catalog: the assets and lines a channel
// may be bound to on a plant without a model file (or with series beyond
// it), and the series the plant page shows; *series.Store satisfies it.
type Catalog interface {
	Assets(ctx context.Context) ([]string, error)
	Lines(ctx context.Context) ([]string, error)
	List(ctx context.Context, f series.Filter) ([]series.Series, error)
}

// Admin binds channels and schedules digests for `gemba channel`, `gemba
// digest schedule` and the console, with the same checks: the channel is a
// channel of a known front door, the line or asset exists, the cron
// expression and time zone are good. It writes through Channels, as the
// slash commands do, and says when the applied plant.yaml claims the
// channel (the next apply restores the file's setting: plant.yaml is the
// source of truth where it says something).
type Admin struct {
	// DB holds the applied plant model.
	DB db.DBTX
	// Channels is where bindings and schedules live.
	Channels Channels
	// Catalog lists the series store's assets and lines (optional).
	Catalog Catalog
	// ConsoleChannels are the console's own channels (shop-floor); those
	// the model names are added.
	ConsoleChannels []string
	// Fallback is the plant in force without a model (its time zone is
	// the default of schedules).
	Fallback plant.Defaults
}

// InputError is a request Admin refuses: an unknown channel, line or
// asset, a bad cron expression or time zone. Its text is for the user.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErr(format string, a ...any) error { return &InputError{msg: fmt.Sprintf(format, a...)} }

// IsInput reports whether err is an InputError.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// BindResult says what a bind or unbind did.
type BindResult struct {
	Channel Channel `json:"channel"`
	Target  Target  `json:"target"`
	Was     Target  `json:"was"`
	// Note warns when plant.yaml claims the channel otherwise.
	Note string `json:"note,omitempty"`
}

// ScheduleResult says what a schedule or disable did.
type ScheduleResult struct {
	Schedule ScheduleState `json:"schedule"`
	// Changed is false when there was nothing to do (disable of a channel
	// without digests).
	Changed bool   `json:"changed"`
	Note    string `json:"note,omitempty"`
}

// BindingView is a channel's binding with where it comes from.
type BindingView struct {
	BindingState
	// File is what plant.yaml binds the channel to (zero: nothing).
	File Target `json:"file,omitzero"`
	// Origin says who made it and whether the next apply changes it.
	Origin string `json:"origin"`
}

// ScheduleView is a digest schedule with where it comes from.
type ScheduleView struct {
	ScheduleState
	Origin string `json:"origin"`
}

// known is what names a channel may be bound to, from the model and the
// catalog.
type known struct {
	m       *Model
	lines   []string
	assets  []string
	sites   []string
	console []string
	tz      string
	version int64
}

func (a *Admin) known(ctx context.Context) (*known, error) {
	cur, err := Current(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	k := &known{tz: a.Fallback.TimeZone, console: append([]string(nil), a.ConsoleChannels...)}
	if cur != nil {
		k.m, k.version, k.tz = cur.Model, cur.Version, cur.Model.TimeZone
		k.lines = lineNames(cur.Model)
		for _, as := range cur.Model.Assets {
			k.assets = append(k.assets, as.Name)
		}
		k.sites = cur.Model.SiteNames()
		for _, c := range cur.Model.ConsoleChannels() {
			if !slices.Contains(k.console, c) {
				k.console = append(k.console, c)
			}
		}
	}
	if a.Catalog != nil {
		ls, err := a.Catalog.Lines(ctx)
		if err != nil {
			return nil, err
		}
		as, err := a.Catalog.Assets(ctx)
		if err != nil {
			return nil, err
		}
		k.lines, k.assets = union(k.lines, ls), union(k.assets, as)
	}
	if k.tz == "" {
		k.tz = "UTC"
	}
	return k, nil
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// channel reads a channel and checks that its front door has it.
func (k *known) channel(s string) (Channel, error) {
	ch, err := ParseChannel(s)
	if err != nil {
		return Channel{}, &InputError{msg: err.Error()}
	}
	if ch.Source == SourceConsole && !slices.Contains(k.console, ch.ID) {
		return Channel{}, inputErr("no console channel %q (console channels: %s); a new one is made by naming it in plant.yaml's bindings or digests",
			ch.ID, strings.Join(k.console, ", "))
	}
	return ch, nil
}

// ParseTarget reads what a channel is bound to: a line or asset name
// ("line-1", "press-3", told apart by the plant's registry), or key=value
// pairs with the keys site, line and asset ("line=line-1", "site=plant-1
// asset=press-3").
func (k *known) target(s string) (Target, error) {
	var t Target
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return t, inputErr("name a line or an asset, e.g. line-1 or asset=press-3")
	}
	for _, f := range fields {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			val = f
			switch {
			case slices.Contains(k.lines, f):
				key = "line"
			case slices.Contains(k.assets, f):
				key = "asset"
			default:
				return t, inputErr("unknown line or asset %q (lines: %s; closest assets: %s)", f, listOr(first(k.lines, 10), "none"), listOr(closest(f, k.assets, 5), "none"))
			}
		}
		var dst *string
		switch strings.ToLower(key) {
		case "line":
			if !slices.Contains(k.lines, val) {
				return t, inputErr("unknown line %q (lines: %s)", val, listOr(first(k.lines, 10), "none known: apply a plant.yaml or import series first"))
			}
			dst = &t.Line
		case "asset":
			if !slices.Contains(k.assets, val) {
				return t, inputErr("unknown asset %q (closest: %s)", val, listOr(closest(val, k.assets, 5), "none known: apply a plant.yaml or import series first"))
			}
			dst = &t.Asset
		case "site":
			if len(k.sites) > 0 && !slices.Contains(k.sites, val) {
				return t, inputErr("unknown site %q (sites: %s)", val, strings.Join(k.sites, ", "))
			}
			dst = &t.Site
		default:
			return t, inputErr("unknown key %q: bind to line=…, asset=… or site=…", key)
		}
		if *dst != "" {
			return t, inputErr("%s is given twice", strings.ToLower(key))
		}
		*dst = val
	}
	if t.Line != "" && t.Asset != "" {
		return t, inputErr("bind to a line or to an asset, not both")
	}
	if t.Line == "" && t.Asset == "" {
		return t, inputErr("name a line or an asset to bind to (a site alone does not scope questions)")
	}
	return t, nil
}

// first lists up to n names, and how many more there are.
func first(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(append([]string(nil), names[:n]...), fmt.Sprintf("and %d more", len(names)-n))
}

// closest are up to n names nearest to s: the same type first (press-9 →
// press-1, press-2 …), then by edit distance.
func closest(s string, names []string, n int) []string {
	typ, _ := plant.NameParts(s)
	type c struct {
		name string
		d    int
	}
	var cs []c
	for _, name := range names {
		d := editDistance(strings.ToLower(s), strings.ToLower(name))
		if t, _ := plant.NameParts(name); t == typ {
			d -= 100
		}
		if d <= max(2, len(s)/2) {
			cs = append(cs, c{name, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// Bind binds a channel ("slack:C0123456789") to a target ("line-1",
// "asset=press-3").
func (a *Admin) Bind(ctx context.Context, channel, target, by string) (BindResult, error) {
	k, err := a.known(ctx)
	if err != nil {
		return BindResult{}, err
	}
	ch, err := k.channel(channel)
	if err != nil {
		return BindResult{}, err
	}
	t, err := k.target(target)
	if err != nil {
		return BindResult{}, err
	}
	return a.bind(ctx, k, ch, t, by)
}

// Unbind removes a channel's binding.
func (a *Admin) Unbind(ctx context.Context, channel, by string) (BindResult, error) {
	k, err := a.known(ctx)
	if err != nil {
		return BindResult{}, err
	}
	ch, err := k.channel(channel)
	if err != nil {
		return BindResult{}, err
	}
	return a.bind(ctx, k, ch, Target{}, by)
}

func (a *Admin) bind(ctx context.Context, k *known, ch Channel, t Target, by string) (BindResult, error) {
	res := BindResult{Channel: ch, Target: t}
	states, err := a.Channels.Bindings(ctx)
	if err != nil {
		return res, err
	}
	for _, s := range states {
		if s.Channel == ch {
			res.Was = s.Target
		}
	}
	if err := a.Channels.Bind(ctx, ch, t, by); err != nil {
		return res, err
	}
	owned, _ := bindingsOf(k.m)
	if f, ok := owned[ch]; ok && f != t {
		res.Note = fmt.Sprintf("plant.yaml (version %d) binds %s to %s: this change lasts until the next `gemba plant apply`, which restores the file's binding (edit plant.yaml to change it for good)", k.version, ch, f)
	}
	return res, nil
}

// Bindings lists every bound channel, and the channels plant.yaml binds
// that were unbound by hand, with where each binding comes from.
func (a *Admin) Bindings(ctx context.Context) ([]BindingView, error) {
	k, err := a.known(ctx)
	if err != nil {
		return nil, err
	}
	states, err := a.Channels.Bindings(ctx)
	if err != nil {
		return nil, err
	}
	owned, order := bindingsOf(k.m)
	var out []BindingView
	seen := map[Channel]bool{}
	for _, s := range states {
		seen[s.Channel] = true
		v := BindingView{BindingState: s}
		f, ok := owned[s.Channel]
		switch {
		case ok && f == s.Target:
			v.File, v.Origin = f, "plant.yaml"
		case ok:
			v.File, v.Origin = f, fmt.Sprintf("changed%s; plant.yaml binds it to %s, which the next apply restores", byWhom(s.By), f)
		default:
			v.Origin = "set" + byWhom(s.By) + " (not in plant.yaml)"
			if s.By == "" {
				v.Origin = "not in plant.yaml"
			}
		}
		out = append(out, v)
	}
	for _, ch := range order {
		if !seen[ch] {
			out = append(out, BindingView{BindingState: BindingState{Channel: ch}, File: owned[ch],
				Origin: fmt.Sprintf("unbound by hand; plant.yaml binds it to %s, which the next apply restores", owned[ch])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Channel.String() < out[j].Channel.String() })
	return out, nil
}

// Schedule schedules a channel's digests (tz "": the plant's time zone).
func (a *Admin) Schedule(ctx context.Context, channel, cron, tz, by string) (ScheduleResult, error) {
	k, err := a.known(ctx)
	if err != nil {
		return ScheduleResult{}, err
	}
	ch, err := k.channel(channel)
	if err != nil {
		return ScheduleResult{}, err
	}
	if tz == "" {
		tz = k.tz
	}
	if err := CheckSchedule(cron, tz); err != nil {
		return ScheduleResult{}, &InputError{msg: err.Error()}
	}
	if err := a.Channels.SetSchedule(ctx, ch, cron, tz, by); err != nil {
		return ScheduleResult{}, err
	}
	res := ScheduleResult{Changed: true}
	res.Schedule, _ = a.schedule(ctx, ch)
	owned, _ := digestsOf(k.m)
	if f, ok := owned[ch]; ok && f != (schedule{Cron: cron, TZ: tz}) {
		res.Note = fmt.Sprintf("plant.yaml (version %d) schedules %s's digests at %s: this change lasts until the next `gemba plant apply`, which restores the file's schedule", k.version, ch, f)
	}
	return res, nil
}

// Disable turns a channel's digests off.
func (a *Admin) Disable(ctx context.Context, channel string) (ScheduleResult, error) {
	k, err := a.known(ctx)
	if err != nil {
		return ScheduleResult{}, err
	}
	ch, err := k.channel(channel)
	if err != nil {
		return ScheduleResult{}, err
	}
	ok, err := a.Channels.DisableSchedule(ctx, ch)
	if err != nil {
		return ScheduleResult{}, err
	}
	res := ScheduleResult{Changed: ok}
	res.Schedule, _ = a.schedule(ctx, ch)
	res.Schedule.Channel = ch
	owned, _ := digestsOf(k.m)
	if f, in := owned[ch]; in && ok {
		res.Note = fmt.Sprintf("plant.yaml (version %d) schedules %s's digests at %s: the next `gemba plant apply` turns them back on (remove them from plant.yaml to stop them for good)", k.version, ch, f)
	}
	return res, nil
}

func (a *Admin) schedule(ctx context.Context, ch Channel) (ScheduleState, bool) {
	all, err := a.Channels.Schedules(ctx)
	if err != nil {
		return ScheduleState{Channel: ch}, false
	}
	for _, s := range all {
		if s.Channel == ch {
			return s, true
		}
	}
	return ScheduleState{Channel: ch}, false
}

// Schedules lists every digest schedule with where it comes from.
func (a *Admin) Schedules(ctx context.Context) ([]ScheduleView, error) {
	k, err := a.known(ctx)
	if err != nil {
		return nil, err
	}
	all, err := a.Channels.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	owned, _ := digestsOf(k.m)
	out := make([]ScheduleView, 0, len(all))
	for _, s := range all {
		v := ScheduleView{ScheduleState: s}
		f, ok := owned[s.Channel]
		cur := schedule{Cron: s.Cron, TZ: s.TZ}
		switch {
		case ok && f == cur && s.Enabled:
			v.Origin = "plant.yaml"
		case ok:
			v.Origin = fmt.Sprintf("changed%s; plant.yaml schedules %s, which the next apply restores", byWhom(s.By), f)
		case s.By == ByPlantFile:
			v.Origin = "made by an earlier plant.yaml"
		default:
			v.Origin = "set" + byWhom(s.By) + " (not in plant.yaml)"
		}
		out = append(out, v)
	}
	return out, nil
}

// ConsoleChannelsOf are the console's channels with those the applied
// model names (bindings, digests) added: what the console shows.
func ConsoleChannelsOf(ctx context.Context, dbtx db.DBTX, own []string) ([]string, error) {
	out := append([]string(nil), own...)
	cur, err := Current(ctx, dbtx)
	if err != nil || cur == nil {
		return out, err
	}
	return union(out, cur.Model.ConsoleChannels()), nil
}
