package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/series"
)

// Change is one line of an apply's diff.
type Change struct {
	// Op is "+" (added), "~" (changed), "-" (removed) or "!" (left as it
	// is, with the reason: a hand-made change the file no longer claims).
	Op string `json:"op"`
	// Kind is what changed: plant, shift, line, asset, sensor, runbook,
	// connector, series, binding or digest.
	Kind string `json:"kind"`
	// Name names the thing ("press-3.vibration", "slack:C0123456789").
	Name string `json:"name"`
	// Detail says how ("unit \"\" → \"mm/s\"").
	Detail string `json:"detail,omitempty"`

	do func(ctx context.Context, w *work) error
}

func (c Change) String() string {
	s := c.Op + " " + c.Kind + " " + c.Name
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Report is what an apply did (or, dry, would do).
type Report struct {
	// Changes are the diff, in order: the model, then series, bindings and
	// digest schedules.
	Changes []Change `json:"changes"`
	// Notes are what the user should know besides (aliases changed: run
	// `gemba rag reembed`).
	Notes []string `json:"notes,omitempty"`
	// Version is the model's version after the apply; Previous before it
	// (0: none).
	Version  int64 `json:"version"`
	Previous int64 `json:"previous"`
	// DryRun is set when nothing was written.
	DryRun bool `json:"dry_run"`
	// Took is how long it took.
	Took time.Duration `json:"took_ns"`
}

// Unchanged reports that the apply changed nothing.
func (r *Report) Unchanged() bool { return len(r.Changes) == 0 }

// Write prints the report as a diff; each kind of change shows at most
// limit lines (0: all) and says how many more there are.
func (r *Report) Write(w io.Writer, limit int) {
	if r.Unchanged() {
		fmt.Fprintf(w, "no changes: the plant model in force (version %d) already matches the file\n", r.Version)
		for _, n := range r.Notes {
			fmt.Fprintln(w, "note: "+n)
		}
		return
	}
	verb := "applied"
	if r.DryRun {
		verb = "would apply (dry run: nothing written)"
	}
	switch {
	case r.Version == r.Previous:
		fmt.Fprintf(w, "%s: version %d stays in force\n", verb, r.Version)
	case r.DryRun:
		fmt.Fprintf(w, "%s: a new version after %d\n", verb, r.Previous)
	default:
		fmt.Fprintf(w, "%s: version %d (was %d)\n", verb, r.Version, r.Previous)
	}
	shown := map[string]int{}
	hidden := map[string]int{}
	var kinds []string
	for _, c := range r.Changes {
		if limit > 0 && shown[c.Kind] >= limit {
			if hidden[c.Kind] == 0 {
				kinds = append(kinds, c.Kind)
			}
			hidden[c.Kind]++
			continue
		}
		shown[c.Kind]++
		fmt.Fprintln(w, "  "+c.String())
	}
	for _, k := range kinds {
		fmt.Fprintf(w, "  … and %d more %s changes (--all shows every one)\n", hidden[k], k)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// Env is what Apply works on.
type Env struct {
	// DB holds the plant model, the series catalog and the channel
	// settings; Apply runs in a transaction of its own on it.
	DB db.DBTX
	// Channels builds the bindings and schedules store on Apply's
	// transaction (conversation.PlantChannelsOn).
	Channels func(db.DBTX) Channels
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// FileName and By are recorded with the new version.
	FileName, By string
	// DryRun computes the diff and writes nothing.
	DryRun bool
}

// work is the state of one apply.
type work struct {
	tx       db.DBTX
	series   *series.Store
	channels Channels
	src      []byte
	o        ApplyOptions
}

// Apply makes the database hold the model of src: it stores the model (a
// new version when the file changed), describes every series it names
// (asset, line, sensor, unit, interval; a series that does not exist yet
// is created without points), and binds channels and schedules digests
// as it says, undoing the bindings and schedules an earlier version made
// that this one drops. A binding or schedule changed by hand since (in
// Slack, the console or the CLI) is restored where the file still names
// it, and left alone where it does not. Points are never touched. It runs
// in one transaction under an advisory lock; a file with problems is
// refused with them (Problems) and changes nothing.
func Apply(ctx context.Context, env Env, src []byte, o ApplyOptions) (*Report, error) {
	start := time.Now()
	m, problems := Parse(src)
	if len(problems) > 0 {
		return nil, problems
	}
	tx, err := env.DB.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("plant model: apply: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('gemba.plant.apply'))`); err != nil {
		return nil, fmt.Errorf("plant model: apply: lock: %w", err)
	}
	w := &work{tx: tx, series: series.New(tx), channels: env.Channels(tx), src: src, o: o}
	prev, err := Current(ctx, tx)
	var unreadable Problems
	if errors.As(err, &unreadable) {
		// The version in force no longer reads (a check this build added):
		// the new file replaces it, but what it made cannot be told apart.
		v, verr := CurrentVersion(ctx, tx)
		if verr != nil {
			return nil, verr
		}
		prev, err = &Applied{Version: v}, nil
	}
	if err != nil {
		return nil, err
	}
	rep, err := w.plan(ctx, prev, m)
	if err != nil {
		return nil, err
	}
	if unreadable != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("version %d no longer reads (%s); bindings and digest schedules it made are kept (remove them by hand if the new file drops them)", prev.Version, unreadable[0]))
	}
	rep.DryRun = o.DryRun
	if !o.DryRun {
		for _, c := range rep.Changes {
			if c.do == nil {
				continue
			}
			if err := c.do(ctx, w); err != nil {
				return nil, fmt.Errorf("plant model: apply: %s %s: %w", c.Kind, c.Name, err)
			}
		}
		if prev == nil || prev.SHA256 != digest(src) {
			if rep.Version, err = save(ctx, tx, src, o.FileName, o.By); err != nil {
				return nil, err
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, fmt.Errorf("plant model: apply: commit: %w", err)
		}
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// plan compares the model with what the database holds.
func (w *work) plan(ctx context.Context, prev *Applied, m *Model) (*Report, error) {
	rep := &Report{}
	var pm *Model
	if prev != nil {
		rep.Previous, rep.Version, pm = prev.Version, prev.Version, prev.Model
	}
	if prev != nil && pm == nil {
		rep.Changes = append(rep.Changes, Change{Op: "~", Kind: "plant", Name: "model", Detail: "replaces an unreadable version: " + summary(m)})
	}
	if prev == nil || pm != nil {
		rep.Changes = append(rep.Changes, modelChanges(pm, m)...)
	}
	if prev != nil && prev.SHA256 != digest(w.src) && len(rep.Changes) == 0 {
		rep.Changes = append(rep.Changes, Change{Op: "~", Kind: "plant", Name: "plant.yaml", Detail: "the text changed (comments or layout), the model did not"})
	}
	if pm != nil && !reflect.DeepEqual(pm.Aliases(), m.Aliases()) {
		rep.Notes = append(rep.Notes, "aliases changed: run `gemba rag reembed` so that documents are searched with them (questions use them at once)")
	}
	sc, err := w.seriesChanges(ctx, m)
	if err != nil {
		return nil, err
	}
	rep.Changes = append(rep.Changes, sc...)
	bc, notes, err := w.bindingChanges(ctx, pm, m)
	if err != nil {
		return nil, err
	}
	rep.Changes, rep.Notes = append(rep.Changes, bc...), append(rep.Notes, notes...)
	dc, notes, err := w.digestChanges(ctx, pm, m)
	if err != nil {
		return nil, err
	}
	rep.Changes, rep.Notes = append(rep.Changes, dc...), append(rep.Notes, notes...)
	return rep, nil
}

// wantSeries are the series the model describes.
func wantSeries(m *Model) []series.Series {
	var out []series.Series
	siteOf := map[string]string{}
	for _, l := range m.Lines {
		site := l.Site
		if site == "" {
			site = m.DefaultSite()
		}
		siteOf[l.Name] = site
		if l.Output != "" {
			out = append(out, series.Series{Name: l.Output, Unit: l.Unit, Site: site, Line: l.Name, Sensor: "output", Kind: series.KindProduction, Interval: l.Step})
		}
		if l.Plan != "" {
			out = append(out, series.Series{Name: l.Plan, Unit: l.Unit, Site: site, Line: l.Name, Sensor: "plan", Kind: series.KindPlan, Interval: l.Step})
		}
	}
	lineOf := map[string]string{}
	for _, a := range m.Assets {
		lineOf[a.Name] = a.Line
	}
	for _, s := range m.AllSensors() {
		line := lineOf[s.Asset]
		site := siteOf[line]
		if site == "" {
			site = m.DefaultSite()
		}
		out = append(out, series.Series{Name: s.SeriesName(), Unit: s.Unit, Site: site, Line: line, Asset: s.Asset,
			Sensor: s.Name, Kind: series.KindSensor, Interval: s.Step})
	}
	return out
}

func (w *work) seriesChanges(ctx context.Context, m *Model) ([]Change, error) {
	have, err := w.series.List(ctx, series.Filter{})
	if err != nil {
		return nil, fmt.Errorf("plant model: apply: %w", err)
	}
	byName := make(map[string]series.Series, len(have))
	for _, s := range have {
		byName[s.Name] = s
	}
	var out []Change
	for _, want := range wantSeries(m) {
		upsert := func(ctx context.Context, w *work) error {
			_, err := w.series.Upsert(ctx, want)
			return err
		}
		cur, ok := byName[want.Name]
		if !ok {
			out = append(out, Change{Op: "+", Kind: "series", Name: want.Name, Detail: "created without points (" + describeSeries(want) + ")", do: upsert})
			continue
		}
		var diffs []string
		field := func(name, have, want string) {
			if want != "" && have != want {
				diffs = append(diffs, fmt.Sprintf("%s %q → %q", name, have, want))
			}
		}
		field("unit", cur.Unit, want.Unit)
		field("site", cur.Site, want.Site)
		field("line", cur.Line, want.Line)
		field("asset", cur.Asset, want.Asset)
		field("sensor", cur.Sensor, want.Sensor)
		field("kind", cur.Kind, want.Kind)
		if want.Interval > 0 && cur.Interval != want.Interval {
			diffs = append(diffs, fmt.Sprintf("interval %s → %s", fmtDur(cur.Interval), fmtDur(want.Interval)))
		}
		if len(diffs) > 0 {
			out = append(out, Change{Op: "~", Kind: "series", Name: want.Name, Detail: strings.Join(diffs, ", "), do: upsert})
		}
	}
	return out, nil
}

func describeSeries(s series.Series) string {
	var parts []string
	if s.Asset != "" {
		parts = append(parts, "asset "+s.Asset)
	}
	if s.Line != "" {
		parts = append(parts, "line "+s.Line)
	}
	if s.Unit != "" {
		parts = append(parts, s.Unit)
	}
	if s.Interval > 0 {
		parts = append(parts, "every "+fmtDur(s.Interval))
	}
	return strings.Join(parts, ", ")
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "unknown"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (w *work) bindingChanges(ctx context.Context, pm, m *Model) ([]Change, []string, error) {
	states, err := w.channels.Bindings(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("plant model: apply: %w", err)
	}
	cur := map[Channel]BindingState{}
	for _, s := range states {
		cur[s.Channel] = s
	}
	owned, ownedOrder := bindingsOf(pm)
	want, order := bindingsOf(m)
	var out []Change
	var notes []string
	for _, ch := range order {
		t := want[ch]
		bind := func(ctx context.Context, w *work) error { return w.channels.Bind(ctx, ch, t, ByPlantFile) }
		have, ok := cur[ch]
		switch {
		case !ok:
			out = append(out, Change{Op: "+", Kind: "binding", Name: ch.String(), Detail: "→ " + t.String(), do: bind})
		case have.Target == t:
		case owned[ch] == t:
			out = append(out, Change{Op: "~", Kind: "binding", Name: ch.String(), Detail: fmt.Sprintf("%s (changed outside plant.yaml%s) → %s (restored from plant.yaml)", have.Target, byWhom(have.By), t), do: bind})
		default:
			out = append(out, Change{Op: "~", Kind: "binding", Name: ch.String(), Detail: fmt.Sprintf("%s → %s", have.Target, t), do: bind})
		}
	}
	for _, ch := range ownedOrder {
		if _, still := want[ch]; still {
			continue
		}
		was := owned[ch]
		have, ok := cur[ch]
		switch {
		case !ok:
		case have.Target == was:
			out = append(out, Change{Op: "-", Kind: "binding", Name: ch.String(), Detail: fmt.Sprintf("was %s; no longer in plant.yaml (the channel covers the whole plant again)", was),
				do: func(ctx context.Context, w *work) error { return w.channels.Bind(ctx, ch, Target{}, ByPlantFile) }})
		default:
			notes = append(notes, fmt.Sprintf("%s is no longer in plant.yaml; its binding to %s was set%s after the file made it, so it is left as it is", ch, have.Target, byWhom(have.By)))
		}
	}
	return out, notes, nil
}

func byWhom(by string) string {
	if by == "" || by == ByPlantFile {
		return ""
	}
	return " by " + by
}

func (w *work) digestChanges(ctx context.Context, pm, m *Model) ([]Change, []string, error) {
	states, err := w.channels.Schedules(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("plant model: apply: %w", err)
	}
	cur := map[Channel]ScheduleState{}
	for _, s := range states {
		cur[s.Channel] = s
	}
	owned, ownedOrder := digestsOf(pm)
	want, order := digestsOf(m)
	var out []Change
	var notes []string
	for _, ch := range order {
		s := want[ch]
		set := func(ctx context.Context, w *work) error {
			return w.channels.SetSchedule(ctx, ch, s.Cron, s.TZ, ByPlantFile)
		}
		have, ok := cur[ch]
		haveS := schedule{Cron: have.Cron, TZ: have.TZ}
		switch {
		case !ok:
			out = append(out, Change{Op: "+", Kind: "digest", Name: ch.String(), Detail: s.String(), do: set})
		case have.Enabled && haveS == s:
		case !have.Enabled && haveS == s:
			out = append(out, Change{Op: "~", Kind: "digest", Name: ch.String(), Detail: fmt.Sprintf("%s turned back on (it was turned off outside plant.yaml%s)", s, byWhom(have.By)), do: set})
		case owned[ch] == s:
			out = append(out, Change{Op: "~", Kind: "digest", Name: ch.String(), Detail: fmt.Sprintf("%s (changed outside plant.yaml%s) → %s (restored from plant.yaml)", describeState(have), byWhom(have.By), s), do: set})
		default:
			out = append(out, Change{Op: "~", Kind: "digest", Name: ch.String(), Detail: fmt.Sprintf("%s → %s", describeState(have), s), do: set})
		}
	}
	for _, ch := range ownedOrder {
		if _, still := want[ch]; still {
			continue
		}
		was := owned[ch]
		have, ok := cur[ch]
		switch {
		case !ok || !have.Enabled:
		case (schedule{Cron: have.Cron, TZ: have.TZ}) == was:
			out = append(out, Change{Op: "-", Kind: "digest", Name: ch.String(), Detail: fmt.Sprintf("%s turned off: no longer in plant.yaml", was),
				do: func(ctx context.Context, w *work) error { _, err := w.channels.DisableSchedule(ctx, ch); return err }})
		default:
			notes = append(notes, fmt.Sprintf("%s is no longer in plant.yaml; its digest schedule was changed%s after the file made it (%s), so it is left on", ch, byWhom(have.By), describeState(have)))
		}
	}
	return out, notes, nil
}

func describeState(s ScheduleState) string {
	d := schedule{Cron: s.Cron, TZ: s.TZ}.String()
	if !s.Enabled {
		d += " (off)"
	}
	return d
}

// modelChanges are the differences between two versions of the model, for
// people to read; they change nothing themselves (the series, bindings
// and digests that follow do).
func modelChanges(prev, next *Model) []Change {
	if prev == nil {
		return []Change{{Op: "+", Kind: "plant", Name: "model", Detail: summary(next)}}
	}
	var out []Change
	if prev.TimeZone != next.TimeZone {
		out = append(out, Change{Op: "~", Kind: "plant", Name: "time zone", Detail: prev.TimeZone + " → " + next.TimeZone})
	}
	if a, b := shiftsText(prev), shiftsText(next); a != b {
		out = append(out, Change{Op: "~", Kind: "plant", Name: "shifts", Detail: a + " → " + b})
	}
	if a, b := strings.Join(prev.SiteNames(), ", "), strings.Join(next.SiteNames(), ", "); a != b {
		out = append(out, Change{Op: "~", Kind: "plant", Name: "sites", Detail: orNone(a) + " → " + orNone(b)})
	}
	out = append(out, diffNamed("line", prev.Lines, next.Lines, func(l Line) string { return l.Name })...)
	strip := func(as []Asset) []Asset {
		out := make([]Asset, len(as))
		for i, a := range as {
			a.Sensors = nil
			out[i] = a
		}
		return out
	}
	out = append(out, diffNamed("asset", strip(prev.Assets), strip(next.Assets), func(a Asset) string { return a.Name })...)
	out = append(out, diffNamed("sensor", prev.AllSensors(), next.AllSensors(), func(s Sensor) string { return s.Asset + "." + s.Name })...)
	out = append(out, diffNamed("runbook", prev.Runbooks, next.Runbooks, func(r Runbook) string { return r.Type })...)
	out = append(out, diffNamed("connector", prev.Connectors, next.Connectors, func(c configConnector) string { return c.Name })...)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func summary(m *Model) string {
	parts := []string{"time zone " + m.TimeZone}
	if len(m.Shifts) > 0 {
		parts = append(parts, "shifts "+shiftsText(m))
	}
	count := func(n int, one string) {
		if n == 0 {
			return
		}
		if n == 1 {
			parts = append(parts, "1 "+one)
			return
		}
		plural := one + "s"
		if strings.HasSuffix(one, "h") {
			plural = one + "es"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, plural))
	}
	count(len(m.Lines), "line")
	count(len(m.Assets), "asset")
	count(len(m.AllSensors()), "sensor")
	count(len(m.Runbooks), "runbook link")
	count(len(m.Bindings), "binding")
	count(len(m.Digests), "digest schedule")
	count(len(m.Connectors), "connector")
	return strings.Join(parts, ", ")
}

func shiftsText(m *Model) string {
	if len(m.Shifts) == 0 {
		return "none"
	}
	var parts []string
	for _, s := range m.Shifts {
		p := s.Name + " " + s.Start
		if len(s.Days) > 0 {
			p += " (" + strings.Join(s.Days, ",") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " · ")
}

// diffNamed compares two lists of things by name: added, removed, and
// changed fields (as their JSON).
func diffNamed[T any](kind string, prev, next []T, name func(T) string) []Change {
	before := map[string]T{}
	for _, p := range prev {
		before[name(p)] = p
	}
	after := map[string]bool{}
	var out []Change
	for _, n := range next {
		k := name(n)
		after[k] = true
		p, ok := before[k]
		if !ok {
			out = append(out, Change{Op: "+", Kind: kind, Name: k, Detail: compact(n)})
			continue
		}
		if d := fieldDiff(p, n); d != "" {
			out = append(out, Change{Op: "~", Kind: kind, Name: k, Detail: d})
		}
	}
	var gone []string
	for k := range before {
		if !after[k] {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		out = append(out, Change{Op: "-", Kind: kind, Name: k, Detail: "no longer in the file (its series and points are kept)"})
	}
	return out
}

// fieldDiff lists the fields of two values of a struct type that differ,
// by their JSON names: "unit \"\" → \"mm/s\", limits [...] → [...]".
func fieldDiff(a, b any) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	var diffs []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		x, y := jsonOf(va.Field(i).Interface()), jsonOf(vb.Field(i).Interface())
		if x != y {
			diffs = append(diffs, name+" "+x+" → "+y)
		}
	}
	return strings.Join(diffs, ", ")
}

// compact is a thing as short JSON without its name.
func compact(v any) string {
	p := plain(reflect.ValueOf(v))
	if m, ok := p.(map[string]any); ok {
		delete(m, "name")
		if len(m) == 0 {
			return ""
		}
	}
	return jsonOf(p)
}

// jsonOf writes a value as compact JSON, durations as text (10m0s).
func jsonOf(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain(reflect.ValueOf(v))); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	if s == "null" {
		return `""`
	}
	return s
}

// plain turns a value into maps, lists and scalars for jsonOf: struct
// fields by their JSON names without the empty ones, durations as text.
func plain(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || v.Field(i).IsZero() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = plain(v.Field(i))
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = plain(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k.Interface())] = plain(v.MapIndex(k))
		}
		return out
	}
	return v.Interface()
}
