package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// subject is what a detection runs on: one series, or all sensors of one
// asset aligned on one grid.
type subject struct {
	label  string // "press-3" or "press-3.vibration"
	asset  string
	series []series.Series // in the order of data.Names
	data   predict.Multi
	past   bool // the window ends before now: "ongoing" means "at the window's end"
}

func (s subject) unit(sensor string) string {
	for i, n := range s.data.Names {
		if n == sensor {
			return s.series[i].Unit
		}
	}
	return ""
}

// load fetches a subject between from and to.
func (p *predictive) load(ctx context.Context, asset, name string, from, to time.Time) (subject, error) {
	if name != "" {
		w, err := p.store.Window(ctx, name, from, to)
		if err != nil {
			return subject{}, err
		}
		sensor := w.Series.Sensor
		if sensor == "" {
			sensor = w.Series.Name
		}
		return subject{label: w.Series.Name, asset: w.Series.Asset, series: []series.Series{w.Series},
			data: predict.Multi{Names: []string{sensor}, Times: w.Data.Times, Values: [][]float64{w.Data.Values}}}, nil
	}
	mw, err := p.store.AssetWindow(ctx, asset, from, to)
	if err != nil {
		return subject{}, err
	}
	return subject{label: mw.Asset, asset: mw.Asset, series: mw.Series, data: mw.Data}, nil
}

// finding is one anomaly of a subject: the univariate events of its
// sensors that overlap in time, merged, with the leading sensor and each
// sensor's share. Ev spans the merged events; its Contributions are the
// shares (from the multivariate detector when the subject has several
// sensors), its Kind, peak and score those of the leading sensor.
type finding struct {
	ev    predict.Event
	lead  int
	sigma float64
}

// analyze detects anomalies on every sensor of sub, merges overlapping
// events into findings and attributes them with the multivariate
// detector's per-point contributions. Each sensor is judged on its own
// seasonal baseline (a technician asks "is vibration high?"), while the
// shares say which sensors moved together.
//
// Events ending before index from are merged too (they may join a later
// one) but their size is not measured: callers drop them.
func analyze(sub subject, opt predict.DetectOptions, from int) ([]finding, error) {
	type uniEvent struct {
		j     int
		e     predict.Event
		sigma float64
	}
	var all []uniEvent
	ran := 0
	for j := range sub.data.Names {
		det, err := predict.Detect(predict.Series{Times: sub.data.Times, Values: sub.data.Values[j]}, opt)
		if errors.Is(err, predict.ErrTooShort) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ran++
		for _, e := range det.Events {
			sigma := 0.0
			if e.EndIdx >= from {
				_, _, _, sigma = levelStats(sub, j, e)
			}
			all = append(all, uniEvent{j, e, sigma})
		}
	}
	if ran == 0 {
		return nil, fmt.Errorf("tools: %s: %w", sub.label, predict.ErrTooShort)
	}
	var contrib [][]float64
	if len(sub.data.Names) > 1 {
		if md, err := predict.DetectMulti(sub.data, opt); err == nil {
			contrib = md.Contributions
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].e.StartIdx < all[b].e.StartIdx })
	var out []finding
	flush := func(group []uniEvent) {
		start, end := group[0].e.StartIdx, group[0].e.EndIdx
		for _, g := range group {
			start, end = min(start, g.e.StartIdx), max(end, g.e.EndIdx)
		}
		shares := make([]float64, len(sub.data.Names))
		member := make([]bool, len(sub.data.Names))
		for _, g := range group {
			member[g.j] = true
		}
		if contrib != nil {
			for t := start; t <= end && t < len(contrib); t++ {
				for j, c := range contrib[t] {
					if !math.IsNaN(c) {
						shares[j] += c
					}
				}
			}
		}
		total := 0.0
		for _, v := range shares {
			total += v
		}
		if !(total > 0) { // no multivariate attribution: weigh the members by how far they moved
			clear(shares)
			for _, g := range group {
				shares[g.j] = math.Max(shares[g.j], math.Abs(g.sigma)+1e-9)
			}
			total = 0
			for _, v := range shares {
				total += v
			}
		}
		// The leading sensor is the member with the largest share.
		best := group[0]
		for _, g := range group {
			if shares[g.j] > shares[best.j] || (shares[g.j] == shares[best.j] && g.e.Score > best.e.Score) {
				best = g
			}
		}
		ev := best.e
		ev.StartIdx, ev.EndIdx = start, end
		ev.Start, ev.End = sub.data.Times[start], sub.data.Times[end]
		for _, g := range group {
			ev.Score = math.Max(ev.Score, g.e.Score)
		}
		ev.Contributions = nil
		for j, v := range shares {
			if v > 0 {
				ev.Contributions = append(ev.Contributions, predict.Contribution{Sensor: sub.data.Names[j], Share: v / total})
			}
		}
		sort.SliceStable(ev.Contributions, func(a, b int) bool { return ev.Contributions[a].Share > ev.Contributions[b].Share })
		out = append(out, finding{ev: ev, lead: best.j, sigma: best.sigma})
	}
	var group []uniEvent
	groupEnd := -1
	for _, u := range all {
		if len(group) > 0 && u.e.StartIdx > groupEnd+3 {
			flush(group)
			group = nil
		}
		group = append(group, u)
		groupEnd = max(groupEnd, u.e.EndIdx)
		if len(group) == 1 {
			groupEnd = u.e.EndIdx
		}
	}
	if len(group) > 0 {
		flush(group)
	}
	return out, nil
}

// levelStats measures sensor j during e: the level (the latest hour when
// the event is still running, the peak for a spike, else the mean), the
// usual value at those times of the week (the median of the same phase in
// up to four earlier seasons), and how far the level is from usual in
// units of the robust scale of those seasonal residuals over the week
// before the event. Measured against the seasonal expectation, a night
// shift's low current is not "down 2σ"; a bearing's rising vibration is.
func levelStats(sub subject, j int, e predict.Event) (level, usual, scale, sigma float64) {
	vals := sub.data.Values[j]
	step := stepOf(sub.data.Times)
	p := seasonFor(step, len(vals))
	last := lastFinite(sub.data)
	a, b := e.StartIdx, e.EndIdx
	switch {
	case e.EndIdx >= last-3:
		a = max(e.StartIdx, e.EndIdx-int(time.Hour/step))
	case e.Kind == predict.KindSpike && e.PeakIdx < len(vals) && !math.IsNaN(vals[e.PeakIdx]):
		a, b = e.PeakIdx, e.PeakIdx
	}
	level = predict.NaNMean(vals[a : b+1])
	base0 := max(0, e.StartIdx-int(baselineSpan/step))
	if p > 1 {
		expect := func(t int) float64 { return usualAt(vals, p, t) }
		var exp, res, base []float64
		for t := a; t <= b; t++ {
			x := expect(t)
			exp = append(exp, x)
			res = append(res, vals[t]-x)
		}
		for t := base0; t < e.StartIdx; t++ {
			base = append(base, vals[t]-expect(t))
		}
		med, sc := robust(base)
		if u := predict.NaNMean(exp); !math.IsNaN(u) && sc > 0 && predict.CountFinite(base) >= 12 {
			return level, u, sc, (predict.NaNMean(res) - med) / sc
		}
	}
	// Without seasons to compare with: the raw level against the week before.
	usual, scale = robust(vals[base0:e.StartIdx])
	if e.StartIdx-base0 < 12 {
		usual, scale = robust(vals)
	}
	if scale > 0 {
		sigma = (level - usual) / scale
	}
	return level, usual, scale, sigma
}

// usualAt is the usual value of vals at t: the median of the same phase
// of the season p in up to four earlier seasons (NaN when there is none).
func usualAt(vals []float64, p, t int) float64 {
	var xs [4]float64
	n := 0
	for k := 1; k <= 4 && t-k*p >= 0; k++ {
		if v := vals[t-k*p]; !math.IsNaN(v) {
			// insertion sort: at most four values
			i := n
			for i > 0 && xs[i-1] > v {
				xs[i] = xs[i-1]
				i--
			}
			xs[i] = v
			n++
		}
	}
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// usualLine is the chart line of the usual values of sensor j over
// points i0..i1-1 (nil when the history has no season to compare with).
func usualLine(sub subject, j, i0, i1 int) []chart.Line {
	vals := sub.data.Values[j]
	p := seasonFor(stepOf(sub.data.Times), len(vals))
	if p <= 1 || i0 < p {
		return nil
	}
	u := make([]float64, i1-i0)
	for t := i0; t < i1; t++ {
		u[t-i0] = usualAt(vals, p, t)
	}
	return []chart.Line{chartLine("usual (same time, previous weeks)", "plan", sub.data.Times[i0:i1], u)}
}

// detectOptions are the detector settings of the tools: the operating
// point measured on the predictive-maintenance evaluation (threshold 0.99,
// CUSUM interval 18, see predict/eval), which halves false events on the
// demo plant against the defaults while catching the same precursors, and
// the period named by seasonFor.
func detectOptions(sub subject, online bool) predict.DetectOptions {
	return DetectorSettings(sub.data.Times, online)
}

// targets resolves which assets or series a call is about: the arguments,
// else the caller's scope (asset, then every asset of the line).
func (p *predictive) targets(ctx context.Context, asset, name, line string) ([]string, string, *Result, error) {
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

const detectDesc = "Find anomalies on an asset (all its sensors together, with each sensor's share of the anomaly), a single series, or every asset of a line, in a time window (default the last 24 hours). Returns events with start, end, peak, score, kind (spike, level_shift, drift), the sensors that drove them and how far the leading sensor is from its usual level. Use it for 'is anything wrong with press 3?' or 'what is happening on line 2 now?'."

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

type contribOut struct {
	Sensor   string  `json:"sensor"`
	SharePct float64 `json:"share_pct"`
}

type eventOut struct {
	Asset        string       `json:"asset,omitempty"`
	Sensor       string       `json:"sensor"`
	Start        string       `json:"start"`
	End          string       `json:"end"`
	Peak         string       `json:"peak"`
	Ongoing      bool         `json:"ongoing,omitempty"`
	Hours        float64      `json:"hours"`
	Kind         string       `json:"kind"`
	Score        float64      `json:"score"`
	Value        float64      `json:"value"`
	Usual        float64      `json:"usual"`
	Sigma        float64      `json:"sigma"`
	Unit         string       `json:"unit,omitempty"`
	Contributors []contribOut `json:"contributors,omitempty"`
	Summary      string       `json:"summary"`

	score float64
	start time.Time
	end   time.Time
}

// describeEvent turns a finding into the compact result form.
func describeEvent(sub subject, f finding) eventOut {
	e := f.ev
	name := sub.data.Names[f.lead]
	level, med, _, sigma := levelStats(sub, f.lead, e)
	ongoing := e.EndIdx >= lastFinite(sub.data)-3
	step := stepOf(sub.data.Times)
	unit := sub.unit(name)
	o := eventOut{
		Asset: sub.asset, Sensor: name, Start: stamp(e.Start), End: stamp(e.End), Peak: stamp(e.PeakTime),
		Ongoing: ongoing, Hours: sig(e.End.Sub(e.Start).Hours() + step.Hours()), Kind: e.Kind, Score: sig(e.Score),
		Value: sig(level), Usual: sig(med), Sigma: sig(sigma), Unit: unit,
		score: e.Score, start: e.Start, end: e.End,
	}
	for _, c := range e.Contributions {
		if len(o.Contributors) == 4 {
			break
		}
		o.Contributors = append(o.Contributors, contribOut{Sensor: c.Sensor, SharePct: math.Round(100 * c.Share)})
	}
	dir := "up"
	if sigma < 0 {
		dir = "down"
	}
	var b strings.Builder
	who := sub.asset
	if who == "" {
		who = sub.label
	}
	fmt.Fprintf(&b, "%s %s %s %.1fσ", who, name, dir, math.Abs(sigma))
	if ongoing {
		when := "now"
		if sub.past {
			when = "at " + stamp(e.End)
		}
		fmt.Fprintf(&b, " since %s (%s %s%s, usual %s)", stamp(e.Start), when, num(level), suffix(unit), num(med))
	} else {
		fmt.Fprintf(&b, " from %s to %s (%s: %s%s, usual %s)", stamp(e.Start), stamp(e.End), strings.ReplaceAll(e.Kind, "_", " "), num(level), suffix(unit), num(med))
	}
	if len(e.Contributions) > 1 {
		fmt.Fprintf(&b, ", %s drove %.0f%%", e.Contributions[0].Sensor, 100*e.Contributions[0].Share)
	}
	o.Summary = b.String()
	return o
}

func suffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

// lastFinite is the index of the last point where any sensor has a value.
func lastFinite(m predict.Multi) int {
	for i := len(m.Times) - 1; i >= 0; i-- {
		for _, v := range m.Values {
			if !math.IsNaN(v[i]) {
				return i
			}
		}
	}
	return -1
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
	assets, name, bad, err := p.targets(ctx, a.Asset, a.Series, a.Line)
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
		events   []eventOut
		checked  []string
		noData   []string
		firstSub *subject
		lastErr  error
	)
	past := to.Before(p.now().Add(-time.Hour))
	for _, j := range jobs {
		d, err := p.detectOne(ctx, j.asset, j.name, from, to, online, past)
		if err != nil {
			return Result{}, err
		}
		if d.noData != nil {
			noData = append(noData, d.noLabel)
			lastErr = d.noData
			continue
		}
		checked = append(checked, d.sub.label)
		if firstSub == nil {
			s := d.sub
			firstSub = &s
		}
		events = append(events, d.events...)
	}
	if len(checked) == 0 {
		return userErr(lastErr)
	}
	// Events whose leading sensor stays within minSigma of its usual
	// weekly pattern are statistically unusual but not worth a
	// technician's attention; they are counted, not listed.
	minor := 0
	kept := events[:0]
	for _, e := range events {
		if math.Abs(e.Sigma) < minSigma {
			minor++
			continue
		}
		kept = append(kept, e)
	}
	events = kept
	sort.SliceStable(events, func(i, j int) bool { return math.Abs(events[i].Sigma) > math.Abs(events[j].Sigma) })
	total := len(events)
	if len(events) > maxEvents {
		events = events[:maxEvents]
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].start.Before(events[j].start) })
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
	if minor > 0 {
		data["minor_events"] = minor
		data["minor_note"] = fmt.Sprintf("%d detector event(s) within %.0fσ of the usual weekly pattern are not listed", minor, minSigma)
	}
	if len(noData) > 0 {
		data["no_data"] = noData
	}
	res := Result{Data: data}
	what := strings.Join(first(checked, 3), ", ")
	if len(checked) > 3 {
		what = fmt.Sprintf("%d assets", len(checked))
	}
	if len(events) == 0 {
		res.Summary = fmt.Sprintf("%s: no significant anomalies between %s and %s (%s mode", what, stamp(from), stamp(to), mode)
		if minor > 0 {
			res.Summary += fmt.Sprintf("; %d minor deviation(s) under %.0fσ", minor, minSigma)
		}
		res.Summary += ")"
	} else {
		best := events[0]
		for _, e := range events {
			if math.Abs(e.Sigma) > math.Abs(best.Sigma) {
				best = e
			}
		}
		res.Summary = fmt.Sprintf("%d anomaly event(s) on %s; strongest: %s", total, what, best.Summary)
	}
	if firstSub != nil {
		res.Charts = []chart.Chart{anomalyChart(*firstSub, events, from, to)}
	}
	return res, nil
}

// detection is what detect_anomalies finds on one subject; cached values
// are shared, so nothing in it is modified after it is built.
type detection struct {
	sub    subject
	events []eventOut // events ending inside the window
	// noData is the user-facing reason the subject could not be checked
	// (nil when it was), noLabel the name it is reported under.
	noData  error
	noLabel string
}

// detectOne runs the detection of one subject (an asset's sensors, or one
// series) over [from, to) with detectContext of history before it, from the
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
	compute := func() (any, error) { return p.runDetection(ctx, asset, name, ss, from, to, online, past) }
	key, ok := p.detectKey(ctx, asset, name, ss, from, to, online, past)
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

// detectKey is the cache key of a detection: the subject, the mode, the
// grid slot of the window's start (which decides the first index a result
// lists) and the points read. ok is false when the detection cannot be
// cached (a series without a known interval, a disabled cache).
func (p *predictive) detectKey(ctx context.Context, asset, name string, ss []series.Series, from, to time.Time, online, past bool) (string, bool) {
	if p.cache == nil || len(ss) == 0 {
		return "", false
	}
	// The grid step is the smallest interval of the series with points;
	// the smallest of all is never larger, so slots counted in it are at
	// least as fine as the grid's.
	var step time.Duration
	ids := make([]int64, len(ss))
	var desc strings.Builder // what results show of the series
	for i, s := range ss {
		if s.Interval <= 0 {
			return "", false
		}
		if step == 0 || s.Interval < step {
			step = s.Interval
		}
		ids[i] = s.ID
		fmt.Fprintf(&desc, "%q,%q,%q,%q;", s.Name, s.Asset, s.Sensor, s.Unit)
	}
	pk, ok := p.pointsKey(ctx, ids, from.Add(-detectContext), to)
	if !ok {
		return "", false
	}
	slot := from.UnixNano() / int64(step)
	if from.UnixNano()%int64(step) != 0 {
		slot++ // the first grid time at or after from
	}
	return fmt.Sprintf("detect|%s|%s|%t|%t|%d|%d|%s|%s", asset, name, online, past, step, slot, pk, desc.String()), true
}

// runDetection loads the subject and detects its anomalies (the uncached
// path of detectOne).
func (p *predictive) runDetection(ctx context.Context, asset, name string, ss []series.Series, from, to time.Time, online, past bool) (detection, error) {
	var sub subject
	var err error
	if name != "" {
		var w series.Window
		w, err = p.store.WindowOf(ctx, ss[0], from.Add(-detectContext), to)
		if err == nil {
			sensor := w.Series.Sensor
			if sensor == "" {
				sensor = w.Series.Name
			}
			sub = subject{label: w.Series.Name, asset: w.Series.Asset, series: []series.Series{w.Series},
				data: predict.Multi{Names: []string{sensor}, Times: w.Data.Times, Values: [][]float64{w.Data.Values}}}
		}
	} else {
		var mw series.MultiWindow
		mw, err = p.store.AssetWindowOf(ctx, asset, ss, from.Add(-detectContext), to)
		if err == nil {
			sub = subject{label: mw.Asset, asset: mw.Asset, series: mw.Series, data: mw.Data}
		}
	}
	sub.past = past
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
	i0 := indexAt(sub.data.Times, from)
	if i0 >= len(sub.data.Times) {
		return detection{noLabel: sub.label, noData: &series.EmptyWindowError{Name: sub.label, From: from, To: to,
			First: sub.data.Times[0], Last: sub.data.Times[len(sub.data.Times)-1]}}, nil
	}
	found, err := analyze(sub, detectOptions(sub, online), i0)
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return detection{noData: err, noLabel: sub.label}, nil
		}
		return detection{}, fmt.Errorf("tools: detect_anomalies %s: %w", sub.label, err)
	}
	d := detection{sub: sub}
	for _, f := range found {
		if f.ev.EndIdx < i0 {
			continue
		}
		d.events = append(d.events, describeEvent(sub, f))
	}
	return d, nil
}

func derefResult(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}

// anomalyChart draws the leading sensor of the strongest event (or the
// first sensor) over the window with the events marked.
func anomalyChart(sub subject, events []eventOut, from, to time.Time) chart.Chart {
	lead := 0
	var best *eventOut
	for i := range events {
		if events[i].Asset == sub.asset && (best == nil || math.Abs(events[i].Sigma) > math.Abs(best.Sigma)) {
			best = &events[i]
		}
	}
	if best != nil {
		for j, n := range sub.data.Names {
			if n == best.Sensor {
				lead = j
			}
		}
	}
	i0 := indexAt(sub.data.Times, from)
	i1 := indexAt(sub.data.Times, to.Add(time.Nanosecond))
	name := sub.data.Names[lead]
	c := chart.Chart{Title: sub.label + " " + name, Unit: sub.unit(name),
		Lines: append([]chart.Line{chartLine(name, "history", sub.data.Times[i0:i1], sub.data.Values[lead][i0:i1])}, usualLine(sub, lead, i0, i1)...)}
	for _, e := range events {
		if e.Asset != sub.asset {
			continue
		}
		c.Marks = append(c.Marks, chart.Mark{Label: e.Kind, Start: e.start.Unix(), End: e.end.Unix()})
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

func (p *predictive) explainAnomaly(ctx context.Context, a explainArgs) (Result, error) {
	var from, to time.Time
	if a.At != "" {
		now := p.now().UTC()
		at, err := parseWhen(a.At, now)
		if err != nil {
			return Result{UserError: err.Error(), Summary: "bad time"}, nil
		}
		from, to = at.Add(-12*time.Hour), at.Add(12*time.Hour)
		if to.After(now) {
			to = now
		}
	} else {
		var msg string
		if from, to, msg = p.window(a.windowArgs, 24*time.Hour); msg != "" {
			return Result{UserError: msg, Summary: "bad window"}, nil
		}
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
		events, _ := data["events"].([]eventOut)
		var best *eventOut
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
	assets, name, bad, err := p.targets(ctx, a.Asset, a.Series, "")
	if bad != nil || err != nil {
		return derefResult(bad), err
	}
	asset := ""
	if len(assets) > 0 {
		asset = assets[0]
	}
	sub, err := p.load(ctx, asset, name, to.Add(-explainHistory), to)
	sub.past = to.Before(p.now().Add(-time.Hour))
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
	times := sub.data.Times
	i0, i1 := indexAt(times, from), indexAt(times, to.Add(time.Nanosecond))
	if i0 >= i1 {
		return userErr(&series.EmptyWindowError{Name: sub.label, From: from, To: to, First: times[0], Last: times[len(times)-1]})
	}
	found, err := analyze(sub, detectOptions(sub, false), 0)
	if err != nil {
		if r, uerr := userErr(err); uerr == nil && r.UserError != "" {
			return r, nil
		}
		return Result{}, fmt.Errorf("tools: explain_anomaly: %w", err)
	}
	// The focus is the strongest event overlapping the window.
	var focusF *finding
	var past []predict.Event
	for k := range found {
		f := &found[k]
		if f.ev.EndIdx >= i0 && f.ev.StartIdx < i1 {
			if focusF == nil || math.Abs(f.sigma) > math.Abs(focusF.sigma) {
				focusF = f
			}
		}
	}
	var focus *predict.Event
	if focusF != nil {
		focus = &focusF.ev
	}
	data := map[string]any{
		"subject": sub.label,
		"window":  map[string]string{"from": stamp(from), "to": stamp(to)},
		"model":   p.detectorRef(ctx),
	}
	lead := 0
	var sum strings.Builder
	if focus != nil {
		ev := describeEvent(sub, *focusF)
		data["event"] = ev
		lead = focusF.lead
		sum.WriteString(ev.Summary)
		// Past findings, except those in the first day of history, where
		// a batch detector has no baseline yet.
		warm := int(24 * time.Hour / stepOf(times))
		for _, f := range found {
			if f.ev.EndIdx < focus.StartIdx && f.ev.StartIdx >= warm {
				past = append(past, f.ev)
			}
		}
	} else {
		data["event"] = nil
		fmt.Fprintf(&sum, "%s: no anomaly detected between %s and %s", sub.label, stamp(from), stamp(to))
	}

	// Decomposition of the leading sensor: the week before the window and the window.
	leadName := sub.data.Names[lead]
	d0 := max(0, i0-int(baselineSpan/stepOf(times)))
	dec, derr := predict.Decompose(predict.Series{Times: times[d0:i1], Values: sub.data.Values[lead][d0:i1]}, seasonFor(stepOf(times), i1-d0))
	if derr == nil {
		w0 := i0 - d0
		tr := dec.Trend[w0:]
		trStart, trEnd := firstFinite(tr), lastFiniteVal(tr)
		_, resScale := robust(dec.Residual[:max(w0, 1)])
		seasRange := rangeOf(dec.Seasonal[w0:])
		maxRes := 0.0
		for _, r := range dec.Residual[w0:] {
			if !math.IsNaN(r) && math.Abs(r) > math.Abs(maxRes) {
				maxRes = r
			}
		}
		decOut := map[string]any{
			"sensor":          leadName,
			"unit":            sub.unit(leadName),
			"period_points":   dec.Period,
			"period":          (time.Duration(dec.Period) * stepOf(times)).String(),
			"trend_start":     sig(trStart),
			"trend_end":       sig(trEnd),
			"trend_change":    sig(trEnd - trStart),
			"seasonal_range":  sig(seasRange),
			"residual_peak":   sig(maxRes),
			"residual_peak_z": 0.0,
		}
		if resScale > 0 {
			decOut["residual_peak_z"] = sig(maxRes / resScale)
		}
		verdict := "the usual daily/weekly pattern explains most of the movement"
		switch {
		case math.Abs(trEnd-trStart) > math.Max(seasRange/2, 3*resScale):
			verdict = fmt.Sprintf("a trend change (%+.3g%s over the window), not the usual daily/weekly pattern", trEnd-trStart, suffix(sub.unit(leadName)))
		case resScale > 0 && math.Abs(maxRes) > 4*resScale:
			verdict = "short irregular excursions (residual), not a trend"
		}
		decOut["verdict"] = verdict
		data["decomposition"] = decOut
		fmt.Fprintf(&sum, "; %s: %s", leadName, verdict)
	}

	// The same window one period (a week, else a day) earlier.
	step := stepOf(times)
	for _, lagDur := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour} {
		lag := int(lagDur / step)
		if i0-lag < 0 {
			continue
		}
		deltas, err := predict.CompareLag(sub.data, i0, i1, lag)
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
		// predict.Similar weighs drivers, kind and duration; a technician
		// also asks "did the same sensor move as far?", so the ranking adds
		// the likeness of the leading sensor's excursion (same direction,
		// ratio of the smaller to the larger σ).
		matches := predict.Similar(*focus, past, 0)
		for k := range matches {
			_, _, _, ps := levelStats(sub, focusF.lead, matches[k].Event)
			like := 0.0
			if ps*focusF.sigma > 0 {
				like = math.Min(math.Abs(ps), math.Abs(focusF.sigma)) / math.Max(math.Abs(ps), math.Abs(focusF.sigma))
			}
			matches[k].Similarity = 0.6*matches[k].Similarity + 0.4*like
		}
		sort.SliceStable(matches, func(a, b int) bool { return matches[a].Similarity > matches[b].Similarity })
		matches = matches[:min(3, len(matches))]
		var outs []similarOut
		for _, m := range matches {
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
	c := chart.Chart{Title: sub.label + " " + leadName, Unit: sub.unit(leadName),
		Lines: append([]chart.Line{chartLine(leadName, "history", times[d0:i1], sub.data.Values[lead][d0:i1])}, usualLine(sub, lead, d0, i1)...)}
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

func firstFinite(x []float64) float64 {
	for _, v := range x {
		if !math.IsNaN(v) {
			return v
		}
	}
	return math.NaN()
}

func lastFiniteVal(x []float64) float64 {
	for i := len(x) - 1; i >= 0; i-- {
		if !math.IsNaN(x[i]) {
			return x[i]
		}
	}
	return math.NaN()
}

func rangeOf(x []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return 0
	}
	return hi - lo
}

// DetectorSettings are the detector settings the anomaly tools use for a
// window with these timestamps (period from the sampling step and length,
// the operating point measured on the PdM evaluation), exported so that the
// console's plant page and digests judge anomalies exactly as answers do.
func DetectorSettings(times []time.Time, online bool) predict.DetectOptions {
	return predict.DetectOptions{
		Online:         online,
		Threshold:      0.99,
		ShiftThreshold: 18,
		Period:         seasonFor(stepOf(times), len(times)),
	}
}
