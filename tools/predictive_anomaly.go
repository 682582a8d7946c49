package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
	"golang.org/x/sync/errgroup"
)

// The anomaly tools are a thin adapter: they decode arguments, read the
// series from the store, let predict find and describe the anomalies under
// the one detector configuration (predict.DetectorSettings) and shape the
// records (predict.Anomaly) into a compact result with a chart.

// subjectOf turns a store window of one series into a predict subject.
func subjectOf(w series.Window) predict.Subject {
	sensor := w.Series.Sensor
	if sensor == "" {
		sensor = w.Series.Name
	}
	return predict.Subject{Label: w.Series.Name, Asset: w.Series.Asset, Units: []string{w.Series.Unit},
		Data: predict.Multi{Names: []string{sensor}, Times: w.Data.Times, Values: [][]float64{w.Data.Values}}}
}

// assetSubject turns a store window of an asset's sensors into a subject.
func assetSubject(mw series.MultiWindow) predict.Subject {
	units := make([]string, len(mw.Series))
	for i, s := range mw.Series {
		units[i] = s.Unit
	}
	return predict.Subject{Label: mw.Asset, Asset: mw.Asset, Units: units, Data: mw.Data}
}

// load fetches a subject: the window [from, to) with up to history
// before it, at the resolution the window needs (planRead).
func (p *predictive) load(ctx context.Context, asset, name string, from, to time.Time, history time.Duration) (predict.Subject, readPlan, error) {
	var ss []series.Series
	if name != "" {
		s, err := p.store.Lookup(ctx, name)
		if err != nil {
			return predict.Subject{}, readPlan{}, err
		}
		ss = []series.Series{s}
	} else {
		a, err := p.store.ResolveAsset(ctx, asset)
		if err != nil {
			return predict.Subject{}, readPlan{}, err
		}
		if ss, err = p.store.List(ctx, series.Filter{Asset: a, Kind: series.KindSensor}); err != nil {
			return predict.Subject{}, readPlan{}, err
		}
		asset = a
	}
	plan := planRead(ss, from, to, history)
	if name != "" {
		w, err := p.store.WindowAt(ctx, ss[0], plan.from, to, plan.Step)
		if err != nil {
			return predict.Subject{}, plan, err
		}
		return subjectOf(w), plan, nil
	}
	mw, err := p.store.AssetWindowAt(ctx, asset, ss, plan.from, to, plan.Step)
	if err != nil {
		return predict.Subject{}, plan, err
	}
	return assetSubject(mw), plan, nil
}

// settings are the detector settings for a subject: the one configuration.
func settings(sub predict.Subject, online bool) predict.DetectOptions {
	return predict.DetectorSettingsFor(sub.Data.Times, online)
}

// usualLine is the chart line of the usual values of sensor j over
// points i0..i1-1 (nil when the history has no season to compare with).
func usualLine(sub predict.Subject, j, i0, i1 int) []chart.Line {
	vals := sub.Data.Values[j]
	p := predict.CalendarPeriod(stepOf(sub.Data.Times), len(vals))
	if p <= 1 || i0 < p {
		return nil
	}
	u := make([]float64, i1-i0)
	for t := i0; t < i1; t++ {
		u[t-i0] = predict.UsualAt(vals, p, t)
	}
	return []chart.Line{chartLine("usual (same time, previous weeks)", "plan", sub.Data.Times[i0:i1], u)}
}

// targets resolves which assets or series a call is about: the arguments,
// else the caller's scope (asset, then every asset of the line), else —
// when plant is true — every asset of the plant.
func (p *predictive) targets(ctx context.Context, asset, name, line string, plant bool) ([]string, string, *Result, error) {
	if name != "" {
		s, err := p.store.Lookup(ctx, name)
		if err != nil {
			r, err := userErr(err)
			return nil, "", &r, err
		}
		return nil, s.Name, nil, nil
	}
	sc := ScopeFrom(ctx)
	if asset == "" && line == "" {
		asset, line = sc.Asset, sc.Line
	}
	if asset != "" {
		a, err := p.store.ResolveAsset(ctx, asset)
		if err != nil {
			r, err := userErr(err)
			return nil, "", &r, err
		}
		return []string{a}, "", nil, nil
	}
	if line != "" {
		ss, err := p.store.List(ctx, series.Filter{Line: line, Kind: series.KindSensor})
		if err != nil {
			return nil, "", nil, fmt.Errorf("tools: %w", err)
		}
		seen := map[string]bool{}
		var assets []string
		for _, s := range ss {
			if s.Asset != "" && !seen[s.Asset] {
				seen[s.Asset] = true
				assets = append(assets, s.Asset)
			}
		}
		if len(assets) == 0 {
			msg := fmt.Sprintf("Line %q has no sensor series.", line)
			lines, err := p.store.Lines(ctx)
			if err != nil {
				return nil, "", nil, fmt.Errorf("tools: %w", err)
			}
			if near := series.Nearest(line, lines, 3); len(near) > 0 {
				msg += " Did you mean " + strings.Join(near, ", ") + "?"
			} else {
				msg += " The lines are " + strings.Join(lines, ", ") + "."
			}
			r := Result{UserError: msg, Summary: "unknown line " + line}
			return nil, "", &r, nil
		}
		return assets, "", nil, nil
	}
	assets, err := p.store.Assets(ctx)
	if err != nil {
		return nil, "", nil, fmt.Errorf("tools: %w", err)
	}
	if plant && len(assets) > 0 {
		return assets, "", nil, nil
	}
	if len(assets) == 0 {
		r := Result{UserError: "The plant has no asset series yet: import data (gemba series import) or connect a live source first.", Summary: "no assets"}
		return nil, "", &r, nil
	}
	r := Result{UserError: "Name an asset (e.g. " + strings.Join(first(assets, 4), ", ") + "), a line or a series.", Summary: "no asset or series named"}
	return nil, "", &r, nil
}

func first(ss []string, k int) []string {
	if len(ss) > k {
		return ss[:k]
	}
	return ss
}

// --- detect_anomalies ------------------------------------------------------

type detectArgs struct {
	Asset  string `json:"asset,omitempty"`
	Series string `json:"series,omitempty"`
	Line   string `json:"line,omitempty"`
	Mode   string `json:"mode,omitempty"`
	windowArgs
}

const detectDesc = "Find anomalies on an asset (all its sensors together, with each sensor's share of the anomaly), a single series, every asset of a line, or, with none of them named (and no channel scope), every asset of the plant, in a time window (default the last 24 hours). Returns events with start, onset, end, peak, score, kind (spike, level_shift, drift, variance_change, flatline), the sensors that drove them, the leading sensor's current and usual values and how far apart they are (sigma). Use it for 'is anything wrong with press 3?', 'what is happening on line 2 now?' or 'is anything wrong anywhere?'."

var detectSchema = map[string]any{
	"type": "object",
	"properties": mergeProps(map[string]any{
		"asset":  map[string]any{"type": "string", "description": "Asset name, e.g. press-3 (all its sensors together)."},
		"series": map[string]any{"type": "string", "description": "One series, e.g. press-3.vibration."},
		"line":   map[string]any{"type": "string", "description": "Every asset of this line, e.g. line-2."},
		"mode":   map[string]any{"type": "string", "enum": []string{"online", "batch"}, "description": "online scores each point only from earlier points (what a live monitor saw; default when the window ends now); batch may use the whole window (default for past windows)."},
	}, windowProps),
	"additionalProperties": false,
}

func mergeProps(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func suffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

func (p *predictive) detectorRef(ctx context.Context) string {
	if p.reg == nil {
		return modelreg.BuiltinDetector
	}
	m, err := p.reg.Get(ctx, modelreg.BuiltinDetector, "")
	if err != nil {
		return modelreg.BuiltinDetector
	}
	return m.Ref()
}

func (p *predictive) detectAnomalies(ctx context.Context, a detectArgs) (Result, error) {
	from, to, msg := p.window(a.windowArgs, 24*time.Hour)
	if msg != "" {
		return Result{UserError: msg, Summary: "bad window"}, nil
	}
	assets, name, bad, err := p.targets(ctx, a.Asset, a.Series, a.Line, true)
	if bad != nil || err != nil {
		return derefResult(bad), err
	}
	online := a.Until == "" || to.After(p.now().Add(-time.Hour))
	switch a.Mode {
	case "online":
		online = true
	case "batch":
		online = false
	case "":
	default:
		return Result{UserError: fmt.Sprintf("mode must be online or batch, not %q", a.Mode), Summary: "bad mode"}, nil
	}
	type job struct{ asset, name string }
	var jobs []job
	if name != "" {
		jobs = []job{{"", name}}
	}
	for _, as := range assets {
		jobs = append(jobs, job{as, ""})
	}
	var (
		events   []predict.Anomaly
		checked  []string
		noData   []string
		firstDet *detection
		lastErr  error
	)
	past := to.Before(p.now().Add(-time.Hour))
	// Subjects are detected concurrently (a line or the whole plant is many
	// assets) and gathered in their order, so the answer does not depend on
	// which finished first.
	dets := make([]detection, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, min(runtime.GOMAXPROCS(0), 4, p.store.Parallel())))
	for i, j := range jobs {
		g.Go(func() error {
			d, err := p.detectOne(gctx, j.asset, j.name, from, to, online, past)
			dets[i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	var subs []predict.Subject
	var oldest, newest time.Time // where the data of the subjects without data in the window runs
	allEmpty := true
	for _, d := range dets {
		if d.noData != nil {
			noData = append(noData, d.noLabel)
			lastErr = d.noData
			var ew *series.EmptyWindowError
			if errors.As(d.noData, &ew) && !ew.Last.IsZero() {
				newest = maxTime(newest, ew.Last)
				if oldest.IsZero() || ew.First.Before(oldest) {
					oldest = ew.First
				}
			} else {
				allEmpty = false
			}
			continue
		}
		checked = append(checked, d.sub.Label)
		subs = append(subs, d.sub)
		if firstDet == nil {
			firstDet = &d
		}
		events = append(events, d.events...)
	}
	if len(checked) == 0 {
		if len(noData) > 1 && allEmpty {
			// The whole plant, or a line, has no data in the window: say
			// so once, with where the newest data is, not about one machine.
			return Result{UserError: fmt.Sprintf("There is no data between %s and %s on any of the %d assets checked: their data runs from %s to %s; ask for a window inside that.",
				stamp(from), stamp(to), len(noData), stamp(oldest), stamp(newest)), Summary: "no data in the window",
				Data: map[string]any{"no_data": noData, "first": stamp(oldest), "last": stamp(newest)}}, nil
		}
		return userErr(lastErr)
	}
	// Events whose leading sensor stays close to its usual weekly pattern
	// (predict.Anomaly.Minor) are statistically unusual but not worth a
	// technician's attention; they are counted, not listed.
	minor := 0
	kept := events[:0:0]
	for _, e := range events {
		if e.Minor() {
			minor++
			continue
		}
		kept = append(kept, e)
	}
	events = kept
	logged, err := p.confirm(ctx, subs, events, to)
	if err != nil {
		return Result{}, err
	}
	sort.SliceStable(events, func(i, j int) bool { return math.Abs(events[i].Sigma) > math.Abs(events[j].Sigma) })
	total := len(events)
	if len(events) > maxEvents {
		events = events[:maxEvents]
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Start.Before(events[j].Start) })
	mode := "batch"
	if online {
		mode = "online"
	}
	data := map[string]any{
		"window":  map[string]string{"from": stamp(from), "to": stamp(to)},
		"mode":    mode,
		"model":   p.detectorRef(ctx),
		"checked": checked,
		"events":  events,
	}
	if total > len(events) {
		data["note"] = fmt.Sprintf("%d events in all; the %d strongest are listed", total, len(events))
	}
	if p.alarms != nil {
		// The assets whose alarm log was read: their events carry
		// confirmed_by when an alarm the machine logged confirms them.
		data["alarm_log"] = logged
	}
	if minor > 0 {
		data["minor_events"] = minor
		data["minor_note"] = fmt.Sprintf("%d detector event(s) within %.0fσ of the usual weekly pattern (%.0fσ if sustained) are not listed", minor, predict.MinSigma, predict.MinSigma/2)
	}
	for _, d := range dets {
		if d.noData == nil && d.sub.Cut {
			// The data runs on after the window: its end is not the
			// latest reading, and an event running there may have moved on.
			data["runs_on"] = true
			break
		}
	}
	if len(noData) > 0 {
		data["no_data"] = noData
	}
	var readAs string
	if firstDet != nil {
		data["resolution"] = firstDet.plan.data()
		readAs = firstDet.plan.readAs()
		if len(jobs) == 1 {
			// How the sensors behaved over the window, for "how did it
			// behave in March?" as much as for "anything wrong?".
			t := firstDet.sub.Data.Times
			if st := windowStats(firstDet.sub, indexAt(t, from), indexAt(t, to)); len(st) > 0 {
				data["sensors"] = st
			}
		}
	}
	res := Result{Data: data}
	what := strings.Join(first(checked, 3), ", ")
	if len(checked) > 3 {
		what = fmt.Sprintf("%d assets", len(checked))
	}
	if sc := ScopeFrom(ctx); a.Asset == "" && a.Series == "" && a.Line == "" && sc.Asset == "" && sc.Line == "" {
		what = fmt.Sprintf("the whole plant (%d assets)", len(checked))
		data["scope"] = "plant"
	}
	if len(events) == 0 {
		res.Summary = fmt.Sprintf("%s: no significant anomalies between %s and %s (%s mode", what, stamp(from), stamp(to), mode)
		if minor > 0 {
			res.Summary += fmt.Sprintf("; %d minor deviation(s) under %.0fσ", minor, predict.MinSigma)
		}
		res.Summary += ")" + readAs
	} else {
		best := events[0]
		for _, e := range events {
			if math.Abs(e.Sigma) > math.Abs(best.Sigma) {
				best = e
			}
		}
		res.Summary = fmt.Sprintf("%d anomaly event(s) on %s; strongest: %s", total, what, best.Text())
		if best.Alarm != nil {
			res.Summary += fmt.Sprintf("; the machine logged alarm %s at %s, which confirms it", alarmName(*best.Alarm), predict.Stamp(best.Alarm.At))
		}
		res.Summary += readAs
	}
	if len(subs) > 0 {
		// The chart shows the subject of the strongest event (the first
		// subject when there is none) with its own events only.
		sub := subs[0]
		for _, e := range byStrength(events) {
			if i := slices.IndexFunc(subs, func(s predict.Subject) bool { return s.Label == e.Asset || s.Asset == e.Asset }); i >= 0 {
				sub = subs[i]
				break
			}
		}
		var own []predict.Anomaly
		for _, e := range events {
			if len(subs) == 1 || e.Asset == sub.Asset || e.Asset == sub.Label {
				own = append(own, e)
			}
		}
		res.Charts = []chart.Chart{anomalyChart(sub, own, from, to)}
	}
	return res, nil
}

// alarmHistory is how far back an asset's alarm log is read to tell
// whether Gemba reads its alarms at all.
const alarmHistory = 90 * 24 * time.Hour

// confirm reads the alarm log of the subjects' assets and marks each event
// an alarm the machine logged confirms (predict.Confirming: while the
// event ran or within predict.AlarmAfter after it, up to the window's end
// or now). It returns the assets with any alarm on record in the 90 days
// before the window's end (empty without an alarm log): on the others an
// event cannot be confirmed, only seen. Events are modified in place
// (they are the caller's copies, not the cache's).
func (p *predictive) confirm(ctx context.Context, subs []predict.Subject, events []predict.Anomaly, to time.Time) ([]string, error) {
	if p.alarms == nil || len(subs) == 0 {
		return nil, nil
	}
	var assets []string
	for _, s := range subs {
		if s.Asset != "" && !slices.Contains(assets, s.Asset) {
			assets = append(assets, s.Asset)
		}
	}
	if len(assets) == 0 {
		return []string{}, nil
	}
	since := to.Add(-alarmHistory)
	for _, e := range events {
		if e.Start.Before(since) {
			since = e.Start
		}
	}
	until := to.Add(predict.AlarmAfter)
	if now := p.now(); until.After(now) {
		until = now.Add(time.Minute)
	}
	recs, err := p.alarms.Query(ctx, maintenance.Filter{Assets: assets, Kinds: []maintenance.Kind{maintenance.KindAlert}, Since: since, Until: until, Order: "oldest"})
	if err != nil {
		return nil, fmt.Errorf("tools: alarm log: %w", err)
	}
	byAsset := map[string][]predict.Alarm{}
	for _, r := range recs {
		code := r.Code
		if code == "" {
			code = r.Title
		}
		byAsset[r.Asset] = append(byAsset[r.Asset], predict.Alarm{ID: r.ID, Code: code, At: r.OpenedAt})
	}
	logged := []string{}
	for _, a := range assets {
		if len(byAsset[a]) > 0 {
			logged = append(logged, a)
		}
	}
	for i, e := range events {
		if a, ok := predict.Confirming(e.Start, e.End, byAsset[e.Asset]); ok {
			events[i].Alarm = &a
		}
	}
	return logged, nil
}

// alarmName names an alarm for a sentence: its code and its record's id.
func alarmName(a predict.Alarm) string {
	switch {
	case a.Code != "" && a.ID != "" && a.ID != a.Code:
		return a.Code + " (" + a.ID + ")"
	case a.Code != "":
		return a.Code
	}
	return a.ID
}

// byStrength returns the events from the strongest (largest |σ|) down.
func byStrength(events []predict.Anomaly) []predict.Anomaly {
	out := slices.Clone(events)
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].Sigma) > math.Abs(out[j].Sigma) })
	return out
}

// detection is what detect_anomalies finds on one subject; cached values
// are shared, so nothing in it is modified after it is built.
type detection struct {
	sub    predict.Subject
	plan   readPlan
	events []predict.Anomaly // events ending inside the window
	// noData is the user-facing reason the subject could not be checked
	// (nil when it was), noLabel the name it is reported under.
	noData  error
	noLabel string
}

// detectOne runs the detection of one subject (an asset's sensors, or one
// series) over [from, to) with detectContext of history before it (less
// when a long window leaves no room, see planRead), at the resolution the
// window needs, from the
// cache when the points it would read are unchanged. Errors are
// infrastructure failures; a subject without usable data comes back in
// noData.
func (p *predictive) detectOne(ctx context.Context, asset, name string, from, to time.Time, online, past bool) (detection, error) {
	var ss []series.Series
	var err error
	if name != "" {
		var s series.Series
		s, err = p.store.Lookup(ctx, name)
		ss = []series.Series{s}
	} else {
		ss, err = p.store.List(ctx, series.Filter{Asset: asset, Kind: series.KindSensor})
	}
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return detection{noData: err, noLabel: asset + name}, nil
		}
		return detection{}, fmt.Errorf("tools: detect_anomalies: %w", err)
	}
	plan := planRead(ss, from, to, detectContext)
	if plan.history >= detectContext {
		// The full context fits: start it on the weekly grid, so windows
		// in the same week judge every point from the same history.
		plan.from = historyStart(from)
	}
	// A past window that ends before the data does cut any event running
	// at its end (a stale feed's last day does not).
	cut := past && p.runsOn(ctx, ss, to)
	compute := func() (any, error) { return p.runDetection(ctx, asset, name, ss, plan, from, to, online, past, cut) }
	key, ok := p.detectKey(ctx, asset, name, ss, plan, from, to, online, past)
	key += fmt.Sprintf("|cut=%t", cut)
	var v any
	if ok {
		v, err = p.cache.do(ctx, key, compute)
	} else {
		v, err = compute()
	}
	if err != nil {
		return detection{}, err
	}
	d := v.(detection)
	// A cached refusal names the window asked for now.
	var ew *series.EmptyWindowError
	if errors.As(d.noData, &ew) {
		c := *ew
		c.From, c.To = from, to
		d.noData = &c
	}
	return d, nil
}

// runsOn reports whether any of the series has points after t.
func (p *predictive) runsOn(ctx context.Context, ss []series.Series, t time.Time) bool {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	last, err := p.store.Latest(ctx, ids)
	if err != nil {
		return false
	}
	for _, pt := range last {
		if pt.TS.After(t) {
			return true
		}
	}
	return false
}

// detectKey is the cache key of a detection: the subject, the mode, the
// grid slot of the window's start (which decides the first index a result
// lists) and the points read. ok is false when the detection cannot be
// cached (a series without a known interval, a disabled cache).
func (p *predictive) detectKey(ctx context.Context, asset, name string, ss []series.Series, plan readPlan, from, to time.Time, online, past bool) (string, bool) {
	if p.cache == nil || len(ss) == 0 {
		return "", false
	}
	// The grid step is the read's step or the smallest interval of the
	// series with points; the smallest of all is never larger, so slots
	// counted in it are at least as fine as the grid's.
	step := plan.Step
	ids := make([]int64, len(ss))
	var desc strings.Builder // what results show of the series
	for i, s := range ss {
		if s.Interval <= 0 && plan.Step <= 0 {
			return "", false
		}
		if plan.Step <= 0 && (step == 0 || s.Interval < step) {
			step = s.Interval
		}
		ids[i] = s.ID
		fmt.Fprintf(&desc, "%q,%q,%q,%q;", s.Name, s.Asset, s.Sensor, s.Unit)
	}
	pk, ok := p.pointsKey(ctx, ids, plan.from, to)
	if !ok {
		return "", false
	}
	slot := from.UnixNano() / int64(step)
	if from.UnixNano()%int64(step) != 0 {
		slot++ // the first grid time at or after from
	}
	return fmt.Sprintf("detect|%s|%s|%t|%t|%d|%d|%d|%s|%s", asset, name, online, past, plan.Step, step, slot, pk, desc.String()), true
}

// runDetection loads the subject and detects its anomalies (the uncached
// path of detectOne).
func (p *predictive) runDetection(ctx context.Context, asset, name string, ss []series.Series, plan readPlan, from, to time.Time, online, past, cut bool) (detection, error) {
	var sub predict.Subject
	var err error
	if name != "" {
		var w series.Window
		if w, err = p.store.WindowAt(ctx, ss[0], plan.from, to, plan.Step); err == nil {
			sub = subjectOf(w)
		}
	} else {
		var mw series.MultiWindow
		if mw, err = p.store.AssetWindowAt(ctx, asset, ss, plan.from, to, plan.Step); err == nil {
			sub = assetSubject(mw)
		}
	}
	sub.Past, sub.Cut = past, cut
	var ew *series.EmptyWindowError
	if errors.As(err, &ew) {
		ew.From = from // report the window asked for, not the warm-up
	}
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return detection{noData: err, noLabel: asset + name}, nil
		}
		return detection{}, fmt.Errorf("tools: detect_anomalies: %w", err)
	}
	i0 := indexAt(sub.Data.Times, from)
	if i0 >= len(sub.Data.Times) {
		return detection{noLabel: sub.Label, noData: &series.EmptyWindowError{Name: sub.Label, From: from, To: to,
			First: sub.Data.Times[0], Last: sub.Data.Times[len(sub.Data.Times)-1]}}, nil
	}
	found, err := predict.FindAnomalies(sub, settings(sub, online), i0)
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return detection{noData: err, noLabel: sub.Label}, nil
		}
		return detection{}, fmt.Errorf("tools: detect_anomalies %s: %w", sub.Label, err)
	}
	return detection{sub: sub, plan: plan, events: found}, nil
}

// historyStart is where the detector's history begins for a window
// starting at from: at least detectContext before it, on a weekly grid
// (Mondays 00:00 UTC). The online detector's verdict on a point depends on
// the history it has seen, so windows that start in the same week — a
// shift's digest, the last 24 hours, an asset's question — judge every
// point from the same start and report one event with one onset and one σ.
func historyStart(from time.Time) time.Time {
	return from.Add(-detectContext).UTC().Truncate(7 * 24 * time.Hour)
}

func derefResult(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}

// anomalyChart draws the leading sensor of the strongest event (or the
// first sensor) over the window with the events marked.
func anomalyChart(sub predict.Subject, events []predict.Anomaly, from, to time.Time) chart.Chart {
	lead := 0
	var best *predict.Anomaly
	for i := range events {
		if events[i].Asset == sub.Asset && events[i].Subject == sub.Label && (best == nil || math.Abs(events[i].Sigma) > math.Abs(best.Sigma)) {
			best = &events[i]
		}
	}
	if best != nil {
		lead = best.Lead
	}
	i0 := indexAt(sub.Data.Times, from)
	i1 := indexAt(sub.Data.Times, to.Add(time.Nanosecond))
	name := sub.Data.Names[lead]
	c := chart.Chart{Title: sub.Label + " " + name, Unit: sub.Unit(name),
		Lines: append([]chart.Line{chartLine(name, "history", sub.Data.Times[i0:i1], sub.Data.Values[lead][i0:i1])}, usualLine(sub, lead, i0, i1)...)}
	for _, e := range events {
		if e.Subject != sub.Label {
			continue
		}
		c.Marks = append(c.Marks, chart.Mark{Label: e.Kind, Start: e.Start.Unix(), End: e.End.Unix()})
	}
	return c
}

// --- explain_anomaly -------------------------------------------------------

type explainArgs struct {
	Asset  string `json:"asset,omitempty"`
	Series string `json:"series,omitempty"`
	Line   string `json:"line,omitempty"`
	At     string `json:"at,omitempty"`
	windowArgs
}

const explainDesc = "Explain an anomaly on an asset or series: split the leading sensor into trend, daily/weekly pattern and residual, list the sensors that drove it, compare the window with the same window one period earlier, and find similar past events on the same asset (with their dates, to look up in incident reports). Give the time of the event (at) or a window; default the last 24 hours. With only a line, it explains the asset of the line with the strongest anomaly in the window."

var explainSchema = map[string]any{
	"type": "object",
	"properties": mergeProps(map[string]any{
		"asset":  map[string]any{"type": "string", "description": "Asset name, e.g. press-3."},
		"series": map[string]any{"type": "string", "description": "One series, e.g. press-3.vibration."},
		"line":   map[string]any{"type": "string", "description": "A line, e.g. line-1: explains its asset with the strongest anomaly."},
		"at":     map[string]any{"type": "string", "description": "A time inside the event (ISO time or a time ago like 3h); the window is then 12 hours either side."},
	}, windowProps),
	"additionalProperties": false,
}

type contribOut struct {
	Sensor   string  `json:"sensor"`
	SharePct float64 `json:"share_pct"`
}

type deltaOut struct {
	Sensor   string  `json:"sensor"`
	Current  float64 `json:"current"`
	Previous float64 `json:"previous"`
	Delta    float64 `json:"delta"`
	RelPct   float64 `json:"rel_pct"`
	Effect   float64 `json:"effect_sigma"`
}

type similarOut struct {
	Start      string       `json:"start"`
	End        string       `json:"end"`
	DaysAgo    float64      `json:"days_ago"`
	Kind       string       `json:"kind"`
	Hours      float64      `json:"hours"`
	Score      float64      `json:"score"`
	Similarity float64      `json:"similarity"`
	Drivers    []contribOut `json:"drivers,omitempty"`
}

// explainHistory is how much history explain_anomaly reads for
// decomposition and similar past events.
const explainHistory = 90 * 24 * time.Hour

// explainWindow resolves explain_anomaly's window: 12 hours either side of
// at, or the window arguments.
func (p *predictive) explainWindow(a explainArgs) (from, to time.Time, msg string) {
	if a.At == "" {
		return p.window(a.windowArgs, 24*time.Hour)
	}
	now := p.now().UTC()
	at, err := parseWhen(a.At, now)
	if err != nil {
		return from, to, err.Error()
	}
	from, to = at.Add(-12*time.Hour), at.Add(12*time.Hour)
	if to.After(now) {
		to = now
	}
	return from, to, ""
}

func (p *predictive) explainAnomaly(ctx context.Context, a explainArgs) (Result, error) {
	from, to, msg := p.explainWindow(a)
	if msg != "" {
		summary := "bad window"
		if a.At != "" {
			summary = "bad time"
		}
		return Result{UserError: msg, Summary: summary}, nil
	}
	if sc := ScopeFrom(ctx); a.Asset == "" && a.Series == "" && a.Line == "" && sc.Asset == "" {
		a.Line = sc.Line
	}
	if a.Asset == "" && a.Series == "" && a.Line != "" {
		// A line: explain the asset with the strongest anomaly in the window.
		res, err := p.detectAnomalies(ctx, detectArgs{Line: a.Line, windowArgs: windowArgs{Since: stamp(from), Until: stamp(to)}})
		if err != nil || res.UserError != "" {
			return res, err
		}
		data, _ := res.Data.(map[string]any)
		events, _ := data["events"].([]predict.Anomaly)
		var best *predict.Anomaly
		for i := range events {
			if best == nil || math.Abs(events[i].Sigma) > math.Abs(best.Sigma) {
				best = &events[i]
			}
		}
		if best == nil {
			return Result{Data: data, Summary: fmt.Sprintf("%s: no significant anomaly on any asset between %s and %s, nothing to explain", a.Line, stamp(from), stamp(to))}, nil
		}
		a.Asset = best.Asset
	}
	assets, name, bad, err := p.targets(ctx, a.Asset, a.Series, "", false)
	if bad != nil || err != nil {
		return derefResult(bad), err
	}
	asset := ""
	if len(assets) > 0 {
		asset = assets[0]
	}
	sub, plan, err := p.load(ctx, asset, name, from, to, max(explainHistory-to.Sub(from), baselineSpan))
	sub.Past = to.Before(p.now().Add(-time.Hour))
	var ew *series.EmptyWindowError
	if errors.As(err, &ew) {
		ew.From = from
	}
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return r, nil
		}
		return Result{}, fmt.Errorf("tools: explain_anomaly: %w", err)
	}
	times := sub.Data.Times
	i0, i1 := indexAt(times, from), indexAt(times, to.Add(time.Nanosecond))
	if i0 >= i1 {
		return userErr(&series.EmptyWindowError{Name: sub.Label, From: from, To: to, First: times[0], Last: times[len(times)-1]})
	}
	found, err := predict.FindAnomalies(sub, settings(sub, false), 0)
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return r, nil
		}
		return Result{}, fmt.Errorf("tools: explain_anomaly: %w", err)
	}
	// The focus is the strongest event overlapping the window.
	var focus *predict.Anomaly
	for k := range found {
		f := &found[k]
		if f.Event.EndIdx >= i0 && f.Event.StartIdx < i1 && (focus == nil || math.Abs(f.Sigma) > math.Abs(focus.Sigma)) {
			focus = f
		}
	}
	data := map[string]any{
		"subject": sub.Label,
		"window":  map[string]string{"from": stamp(from), "to": stamp(to)},
		"model":   p.detectorRef(ctx),
	}
	data["resolution"] = plan.data()
	lead := 0
	var sum strings.Builder
	var past []predict.Event
	step := stepOf(times)
	if focus != nil {
		data["event"] = *focus
		lead = focus.Lead
		sum.WriteString(focus.Text())
		// Past findings, except those in the first day of history, where
		// a batch detector has no baseline yet.
		warm := int(24 * time.Hour / step)
		for _, f := range found {
			if f.Event.EndIdx < focus.Event.StartIdx && f.Event.StartIdx >= warm {
				past = append(past, f.Event)
			}
		}
	} else {
		data["event"] = nil
		fmt.Fprintf(&sum, "%s: no anomaly detected between %s and %s", sub.Label, stamp(from), stamp(to))
	}

	// Decomposition of the leading sensor: the week before the window and the window.
	leadName := sub.Data.Names[lead]
	d0 := max(0, i0-int(7*24*time.Hour/step))
	dec, derr := predict.Decompose(predict.Series{Times: times[d0:i1], Values: sub.Data.Values[lead][d0:i1]}, predict.CalendarPeriod(step, i1-d0))
	if derr == nil {
		ds := predict.SummarizeDecomposition(dec, i0-d0, sub.Unit(leadName))
		data["decomposition"] = map[string]any{
			"sensor":          leadName,
			"unit":            sub.Unit(leadName),
			"period_points":   ds.Period,
			"period":          (time.Duration(ds.Period) * step).String(),
			"trend_start":     sig(ds.TrendStart),
			"trend_end":       sig(ds.TrendEnd),
			"trend_change":    sig(ds.TrendChange),
			"seasonal_range":  sig(ds.SeasonalRange),
			"residual_peak":   sig(ds.ResidualPeak),
			"residual_peak_z": sig(ds.ResidualPeakZ),
			"verdict":         ds.Verdict,
		}
		fmt.Fprintf(&sum, "; %s: %s", leadName, ds.Verdict)
	}

	// The same window one period (a week, else a day) earlier.
	for _, lagDur := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour} {
		lag := int(lagDur / step)
		if i0-lag < 0 {
			continue
		}
		deltas, err := predict.CompareLag(sub.Data, i0, i1, lag)
		if err != nil {
			break
		}
		var outs []deltaOut
		for _, d := range deltas {
			if len(outs) == 5 {
				break
			}
			outs = append(outs, deltaOut{Sensor: d.Sensor, Current: sig(d.Current), Previous: sig(d.Previous), Delta: sig(d.Delta), RelPct: sig(100 * d.RelDelta), Effect: sig(d.Effect)})
		}
		data["vs_previous_period"] = map[string]any{"lag": lagDur.String(), "sensors": outs}
		if len(outs) > 0 {
			fmt.Fprintf(&sum, "; vs %s earlier %s is %+.0f%%", hoursText(lagDur), outs[0].Sensor, outs[0].RelPct)
		}
		break
	}

	// Similar past events on the same asset.
	if focus != nil && len(past) > 0 {
		var outs []similarOut
		for _, m := range predict.RankSimilar(sub, *focus, past, 3) {
			e := m.Event
			o := similarOut{Start: stamp(e.Start), End: stamp(e.End), DaysAgo: sig(focus.Start.Sub(e.Start).Hours() / 24), Kind: e.Kind,
				Hours: sig(e.End.Sub(e.Start).Hours()), Score: sig(e.Score), Similarity: sig(m.Similarity)}
			for _, c := range e.Contributions {
				if len(o.Drivers) == 3 {
					break
				}
				o.Drivers = append(o.Drivers, contribOut{Sensor: c.Sensor, SharePct: math.Round(100 * c.Share)})
			}
			outs = append(outs, o)
		}
		data["similar_past_events"] = outs
		if len(outs) > 0 {
			fmt.Fprintf(&sum, "; most similar past event %s (similarity %.2f)", outs[0].Start, outs[0].Similarity)
		}
	}
	res := Result{Data: data, Summary: sum.String()}
	c := chart.Chart{Title: sub.Label + " " + leadName, Unit: sub.Unit(leadName),
		Lines: append([]chart.Line{chartLine(leadName, "history", times[d0:i1], sub.Data.Values[lead][d0:i1])}, usualLine(sub, lead, d0, i1)...)}
	if focus != nil {
		c.Marks = []chart.Mark{{Label: focus.Kind, Start: focus.Start.Unix(), End: focus.End.Unix()}}
	}
	res.Charts = []chart.Chart{c}
	return res, nil
}

func stepOf(times []time.Time) time.Duration {
	if len(times) < 2 {
		return time.Hour
	}
	return times[1].Sub(times[0])
}
