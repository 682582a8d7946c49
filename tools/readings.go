package tools

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/gemba-ai/gemba/internal/series"
)

// LatestReadingsArgs are the arguments of latest_readings.
type LatestReadingsArgs struct {
	Asset string `json:"asset"`
	// Days is how far back the usual range is measured (default 7).
	Days int `json:"days,omitempty"`
	// Sensor keeps one sensor only ("" : every sensor).
	Sensor string `json:"sensor,omitempty"`
	// Since and Until, when Since is set, add each sensor's trend over
	// that window: first and last value, lowest and highest with when,
	// mean and the change (windowArgs' forms; Until defaults to now).
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
	// Every, with Since, adds the trend window's values in buckets of
	// this length ("1h": hourly means, lowest and highest), at most 72.
	Every string `json:"every,omitempty"`
	// Above and Below, with Since, add how long the readings spent above
	// (or below) that level in the trend window ("how many hours has
	// press-3 been above 4.5 mm/s?").
	Above *float64 `json:"above,omitempty"`
	Below *float64 `json:"below,omitempty"`
	// Gaps, with Since, adds the stretches in the trend window where
	// readings are missing ("any sensors with data gaps last week?").
	Gaps bool `json:"gaps,omitempty"`
}

// Gap is a stretch of missing readings: from the first missing reading's
// time to the next reading's (or the window's end).
type Gap struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Missing int       `json:"missing"`
}

// Gaps are a sensor's missing readings in a window (latest_readings with
// gaps): a stretch counts from minGapReadings readings missing in a row
// (a single dropped reading is noise, not a gap).
type Gaps struct {
	Count   int     `json:"count"`
	Missing int     `json:"missing"`
	Hours   float64 `json:"hours"`
	Longest *Gap    `json:"longest,omitempty"`
	// List holds the longest few, longest first.
	List []Gap  `json:"list,omitempty"`
	Step string `json:"step"`
}

// minGapReadings is the run of missing readings that makes a gap.
const minGapReadings = 2

// gapsOf finds the gaps of a window [from, to) of readings on its regular
// grid (missing readings are NaN there; missing ones before the first
// reading and after the last are counted from the window's ends).
func gapsOf(w series.Window, from, to time.Time) Gaps {
	g := Gaps{Step: w.Step.String()}
	var all []Gap
	edge := func(a, b time.Time) {
		if w.Step <= 0 || !a.Before(b) {
			return
		}
		if n := int(b.Sub(a) / w.Step); n >= minGapReadings {
			all = append(all, Gap{From: a, To: b, Missing: n})
			g.Missing += n
		}
	}
	if n := len(w.Data.Times); n > 0 {
		edge(from, w.Data.Times[0])
	}
	run := 0
	flush := func(i int) {
		if run >= minGapReadings {
			end := to
			if i < len(w.Data.Times) {
				end = w.Data.Times[i]
			}
			all = append(all, Gap{From: w.Data.Times[i-run], To: end, Missing: run})
			g.Missing += run
		}
		run = 0
	}
	for i, v := range w.Data.Values {
		if i >= len(w.Data.Times) {
			break
		}
		if math.IsNaN(v) {
			run++
			continue
		}
		flush(i)
	}
	flush(min(len(w.Data.Values), len(w.Data.Times)))
	if n := len(w.Data.Times); n > 0 {
		edge(w.Data.Times[n-1].Add(w.Step), to)
	}
	g.Count = len(all)
	for _, x := range all {
		g.Hours += x.To.Sub(x.From).Hours()
	}
	g.Hours = sig(g.Hours)
	slices.SortStableFunc(all, func(a, b Gap) int { return cmp.Compare(b.To.Sub(b.From), a.To.Sub(a.From)) })
	if len(all) > 0 {
		g.Longest = &all[0]
		g.List = all[:min(3, len(all))]
	}
	return g
}

// Beyond is the time a sensor's readings spent beyond a level in a trend
// window, read on its own readings (not hourly means) for windows up to
// 31 days.
type Beyond struct {
	Level float64 `json:"level"`
	// Side is "above" or "below".
	Side string `json:"side"`
	// Hours is the time beyond the level; Share its part of the time the
	// window has readings for, in percent.
	Hours float64 `json:"hours"`
	Share float64 `json:"share_pct"`
	// Readings is the number of readings beyond it.
	Readings int `json:"readings"`
	// First and Last are the first and last readings beyond it.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Since is when the stretch beyond it that the window ends in began
	// (zero when the last reading is not beyond it); SinceHours its length.
	Since      time.Time `json:"since,omitzero"`
	SinceHours float64   `json:"since_hours,omitempty"`
	// Longest is the longest unbroken stretch beyond it, in hours.
	Longest float64 `json:"longest_hours"`
	// Step is the spacing the readings were read at.
	Step string `json:"step"`
}

// beyondOf measures the time w's readings spent above (or below) level:
// each reading counts until the next one, a gap of more than three times
// the usual spacing counts as one spacing (no data is no time beyond), and
// the last reading counts one spacing.
func beyondOf(w series.Window, level float64, above bool) Beyond {
	b := Beyond{Level: level, Side: "below", Step: w.Step.String()}
	if above {
		b.Side = "above"
	}
	var ts []time.Time
	var vs []float64
	for i, v := range w.Data.Values {
		if !math.IsNaN(v) && i < len(w.Data.Times) {
			ts, vs = append(ts, w.Data.Times[i]), append(vs, v)
		}
	}
	if len(ts) == 0 {
		return b
	}
	gaps := make([]float64, 0, len(ts))
	for i := 1; i < len(ts); i++ {
		gaps = append(gaps, ts[i].Sub(ts[i-1]).Hours())
	}
	usual := w.Step.Hours()
	if len(gaps) > 0 {
		sorted := slices.Clone(gaps)
		slices.Sort(sorted)
		usual = sorted[len(sorted)/2]
	}
	if usual <= 0 {
		usual = 1.0 / 6
	}
	total, run := 0.0, 0.0
	var runFrom time.Time
	for i, v := range vs {
		d := usual
		if i < len(gaps) && gaps[i] <= 3*usual {
			d = gaps[i]
		}
		total += d
		if above && v > level || !above && v < level {
			if b.Readings == 0 {
				b.First = ts[i]
			}
			b.Readings++
			b.Last = ts[i]
			b.Hours += d
			if run == 0 {
				runFrom = ts[i]
			}
			run += d
			b.Longest = math.Max(b.Longest, run)
			if i == len(vs)-1 {
				b.Since, b.SinceHours = runFrom, sig(run)
			}
			if i < len(gaps) && gaps[i] > 3*usual {
				run = 0 // the feed stopped: the stretch ends with it
			}
			continue
		}
		run = 0
	}
	if total > 0 {
		b.Share = math.Round(1000*b.Hours/total) / 10
	}
	b.Hours, b.Longest = sig(b.Hours), sig(b.Longest)
	return b
}

// Bucket is one stretch of a trend window (latest_readings with every).
type Bucket struct {
	At     time.Time `json:"at"`
	Mean   float64   `json:"mean"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Points int       `json:"points"`
}

// maxBuckets bounds a trend's buckets: a table a person reads.
const maxBuckets = 72

// bucketsOf splits a window's values into buckets every long, aligned on
// multiples of every since the Unix epoch (whole hours for 1h).
func bucketsOf(w series.Window, every time.Duration) []Bucket {
	var out []Bucket
	for i, v := range w.Data.Values {
		if math.IsNaN(v) || i >= len(w.Data.Times) {
			continue
		}
		at := w.Data.Times[i].Truncate(every)
		if n := len(out); n == 0 || !out[n-1].At.Equal(at) {
			out = append(out, Bucket{At: at, Min: v, Max: v})
		}
		b := &out[len(out)-1]
		b.Mean += v
		b.Points++
		b.Min, b.Max = math.Min(b.Min, v), math.Max(b.Max, v)
	}
	for i := range out {
		out[i].Mean = sig(out[i].Mean / float64(out[i].Points))
		out[i].Min, out[i].Max = sig(out[i].Min), sig(out[i].Max)
	}
	return out
}

// Trend is one sensor's figures over a window (latest_readings with
// since), as its result's readings carry them.
type Trend struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Points int       `json:"points"`
	// Step is the spacing the figures were read at ("10m", "1h": hourly
	// means over long windows).
	Step      string    `json:"step"`
	First     float64   `json:"first"`
	FirstAt   time.Time `json:"first_at"`
	Last      float64   `json:"last"`
	LastAt    time.Time `json:"last_at"`
	Min       float64   `json:"min"`
	MinAt     time.Time `json:"min_at"`
	Max       float64   `json:"max"`
	MaxAt     time.Time `json:"max_at"`
	Mean      float64   `json:"mean"`
	Change    float64   `json:"change"`
	ChangePct float64   `json:"change_pct,omitempty"`
	// Buckets are the window's values every Every (when asked).
	Every   string   `json:"every,omitempty"`
	Buckets []Bucket `json:"buckets,omitempty"`
	// Beyond is the time beyond the level asked (above or below).
	Beyond *Beyond `json:"beyond,omitempty"`
	// Gaps are the window's missing readings (when asked).
	Gaps *Gaps `json:"gaps,omitempty"`
}

// trendOf computes a window's figures; ok is false without a reading.
func trendOf(w series.Window, from, to time.Time) (Trend, bool) {
	t := Trend{From: from, To: to, Step: w.Step.String(), Min: math.Inf(1), Max: math.Inf(-1)}
	sum := 0.0
	for i, v := range w.Data.Values {
		if math.IsNaN(v) || i >= len(w.Data.Times) {
			continue
		}
		at := w.Data.Times[i]
		if t.Points == 0 {
			t.First, t.FirstAt = v, at
		}
		t.Last, t.LastAt = v, at
		if v < t.Min {
			t.Min, t.MinAt = v, at
		}
		if v > t.Max {
			t.Max, t.MaxAt = v, at
		}
		sum += v
		t.Points++
	}
	if t.Points == 0 {
		return Trend{}, false
	}
	t.Mean = sig(sum / float64(t.Points))
	t.Change = sig(t.Last - t.First)
	if t.First != 0 {
		t.ChangePct = math.Round(1000*(t.Last-t.First)/math.Abs(t.First)) / 10
	}
	t.First, t.Last, t.Min, t.Max = sig(t.First), sig(t.Last), sig(t.Min), sig(t.Max)
	return t, true
}

var latestReadingsSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"asset":  map[string]any{"type": "string", "description": "The asset, e.g. press-3 (as list_series names it)."},
		"days":   map[string]any{"type": "integer", "minimum": 1, "maximum": 90, "description": "How many days back the usual range is measured (default 7)."},
		"sensor": map[string]any{"type": "string", "description": "Only this sensor (e.g. pressure); default every sensor of the asset."},
		"since":  map[string]any{"type": "string", "description": "Add each sensor's trend from this time: first and last value, lowest and highest with when, mean, change. An ISO time or a time ago (30d, 1w). Windows over 3 days are read as hourly means."},
		"until":  map[string]any{"type": "string", "description": "End of the trend window (default now)."},
		"every":  map[string]any{"type": "string", "description": "With since: also list the window's values in buckets this long (mean, lowest, highest), e.g. 1h for hourly values; at most 72 buckets."},
		"above":  map[string]any{"type": "number", "description": "With since and one sensor: also say how long the readings were above this level in the window (hours, share of the time, first and last time, the stretch it ends in)."},
		"below":  map[string]any{"type": "number", "description": "As above, for time below this level."},
		"gaps":   map[string]any{"type": "boolean", "description": "With since: also list each sensor's gaps in the window (2 or more readings missing in a row: when, how long, how many readings), read on the readings themselves over at most 31 days."},
	},
	"required":             []string{"asset"},
	"additionalProperties": false,
}

const latestReadingsDesc = "The latest reading of every sensor of an asset, how old it is, and where it stands against the sensor's usual range " +
	"(10th–90th percentile of the last days). Use it for \"how is press-3 now?\" before looking for anomalies."

// Reading is one sensor's latest value in a latest_readings result.
type Reading struct {
	Sensor   string    `json:"sensor"`
	Series   string    `json:"series"`
	Unit     string    `json:"unit,omitempty"`
	Value    float64   `json:"value"`
	At       time.Time `json:"at"`
	AgeMin   int       `json:"age_minutes"`
	UsualP10 float64   `json:"usual_p10"`
	UsualP50 float64   `json:"usual_median"`
	UsualP90 float64   `json:"usual_p90"`
	// Position is "above usual", "below usual" or "within usual".
	Position string `json:"position"`
	// Trend is the sensor over the window asked (since), when asked.
	Trend *Trend `json:"trend,omitempty"`
}

// LatestReadingsTool is latest_readings on the series store; now is the clock.
func LatestReadingsTool(store *series.Store, now func() time.Time) Tool {
	if now == nil {
		now = time.Now
	}
	return New(LatestReadings, latestReadingsDesc, latestReadingsSchema, func(ctx context.Context, a LatestReadingsArgs) (Result, error) {
		if strings.TrimSpace(a.Asset) == "" {
			return Result{UserError: "asset is empty: name an asset such as press-3 (list_series lists them)"}, nil
		}
		days := a.Days
		if days == 0 {
			days = 7
		}
		if days < 1 || days > 90 {
			return Result{UserError: fmt.Sprintf("days must be from 1 to 90, not %d", days)}, nil
		}
		asset, err := store.ResolveAsset(ctx, a.Asset)
		if err != nil {
			return userErr(err)
		}
		ss, err := store.List(ctx, series.Filter{Asset: asset, Kind: series.KindSensor})
		if err != nil {
			return Result{}, err
		}
		if a.Sensor != "" {
			var names []string
			ss = slices.DeleteFunc(ss, func(s series.Series) bool {
				names = append(names, s.Sensor)
				return !strings.EqualFold(s.Sensor, strings.TrimSpace(a.Sensor))
			})
			if len(ss) == 0 {
				return Result{UserError: fmt.Sprintf("%s has no %s sensor; its sensors: %s", asset, a.Sensor, strings.Join(names, ", "))}, nil
			}
		}
		t := now()
		var from, until time.Time
		if a.Since != "" {
			if from, err = parseWhen(a.Since, t.UTC()); err == nil {
				until, err = parseWhen(a.Until, t.UTC())
			}
			if err != nil {
				return Result{UserError: err.Error()}, nil
			}
			if !from.Before(until) {
				return Result{UserError: fmt.Sprintf("the trend window is empty: since (%s) must be before until (%s)", stamp(from), stamp(until))}, nil
			}
		}
		if a.Above != nil || a.Below != nil {
			switch {
			case a.Above != nil && a.Below != nil:
				return Result{UserError: "give above or below, not both"}, nil
			case from.IsZero():
				return Result{UserError: "above and below need since: the window to measure (e.g. since 7d, above 4.5)"}, nil
			case a.Sensor == "":
				return Result{UserError: "above and below need one sensor: a level is in one sensor's unit"}, nil
			case until.Sub(from) > 31*24*time.Hour:
				return Result{UserError: "time beyond a level is measured on the readings themselves over at most 31 days: shorten the window"}, nil
			}
		}
		if a.Gaps {
			switch {
			case from.IsZero():
				return Result{UserError: "gaps need since: the window to look in (e.g. since 7d, gaps true)"}, nil
			case until.Sub(from) > 31*24*time.Hour:
				return Result{UserError: "gaps are found on the readings themselves over at most 31 days: shorten the window"}, nil
			}
		}
		var every time.Duration
		if a.Every != "" {
			if every, err = time.ParseDuration(strings.TrimSpace(a.Every)); err != nil || every < time.Minute {
				return Result{UserError: fmt.Sprintf("every %q: give a length such as 1h or 30m", a.Every)}, nil
			}
			switch {
			case from.IsZero():
				return Result{UserError: "every needs since: the window to split (e.g. since 12h, every 1h)"}, nil
			case until.Sub(from)/every > maxBuckets:
				return Result{UserError: fmt.Sprintf("%s every %s is %d buckets; at most %d: widen every or shorten the window", until.Sub(from).Round(time.Minute), every, int(until.Sub(from)/every), maxBuckets)}, nil
			}
		}
		ids := make([]int64, len(ss))
		for i, s := range ss {
			ids[i] = s.ID
		}
		latest, err := store.Latest(ctx, ids)
		if err != nil {
			return Result{}, err
		}
		var out []Reading
		var parts []string
		for _, s := range ss {
			p, ok := latest[s.ID]
			if !ok {
				continue
			}
			r := Reading{Sensor: s.Sensor, Series: s.Name, Unit: s.Unit, Value: sig(p.Value), At: p.TS, AgeMin: int(t.Sub(p.TS).Minutes())}
			w, err := store.WindowOf(ctx, s, p.TS.Add(-time.Duration(days)*24*time.Hour), p.TS)
			if err == nil {
				vals := slices.DeleteFunc(slices.Clone(w.Data.Values), math.IsNaN)
				if len(vals) > 0 {
					slices.Sort(vals)
					r.UsualP10 = sig(stat.Quantile(0.1, stat.Empirical, vals, nil))
					r.UsualP50 = sig(stat.Quantile(0.5, stat.Empirical, vals, nil))
					r.UsualP90 = sig(stat.Quantile(0.9, stat.Empirical, vals, nil))
				}
			}
			switch {
			case r.UsualP90 == 0 && r.UsualP10 == 0:
				r.Position = "no usual range (too little history)"
			case r.Value > r.UsualP90:
				r.Position = "above usual"
			case r.Value < r.UsualP10:
				r.Position = "below usual"
			default:
				r.Position = "within usual"
			}
			part := fmt.Sprintf("%s %s %s (usual %s–%s, %s)", r.Sensor, num(r.Value), r.Unit, num(r.UsualP10), num(r.UsualP90), r.Position)
			if !from.IsZero() {
				var w series.Window
				if until.Sub(from) > 3*24*time.Hour {
					w, err = store.WindowStep(ctx, s, from, until, time.Hour)
				} else {
					w, err = store.WindowOf(ctx, s, from, until)
				}
				if err != nil {
					return Result{}, err
				}
				if tr, ok := trendOf(w, from, until); ok {
					if every > 0 {
						tr.Every, tr.Buckets = every.String(), bucketsOf(w, every)
					}
					part += fmt.Sprintf("; %s to %s: %s → %s (lowest %s at %s, highest %s at %s, mean %s)", stamp(from), stamp(until),
						num(tr.First), num(tr.Last), num(tr.Min), stamp(tr.MinAt), num(tr.Max), stamp(tr.MaxAt), num(tr.Mean))
					if a.Above != nil || a.Below != nil {
						raw := w
						if raw.Step >= time.Hour && s.Interval > 0 && s.Interval < time.Hour {
							// Hourly means blur a crossing: the readings themselves.
							if raw, err = store.WindowOf(ctx, s, from, until); err != nil {
								return Result{}, err
							}
						}
						var b Beyond
						if a.Above != nil {
							b = beyondOf(raw, *a.Above, true)
						} else {
							b = beyondOf(raw, *a.Below, false)
						}
						tr.Beyond = &b
						part += fmt.Sprintf("; %s %s for %s h (%s%% of the time), %d readings", b.Side, num(b.Level), num(b.Hours), num(b.Share), b.Readings)
					}
					if a.Gaps {
						raw := w
						if raw.Step >= time.Hour && s.Interval > 0 && s.Interval < time.Hour {
							// Hourly means hide a short gap: the readings themselves.
							if raw, err = store.WindowOf(ctx, s, from, until); err != nil {
								return Result{}, err
							}
						}
						g := gapsOf(raw, from, until)
						tr.Gaps = &g
						part += fmt.Sprintf("; %d gaps (%d readings missing, %s h)", g.Count, g.Missing, num(g.Hours))
					}
					r.Trend = &tr
				} else {
					part += fmt.Sprintf("; no reading from %s to %s", stamp(from), stamp(until))
				}
			}
			out = append(out, r)
			parts = append(parts, part)
		}
		if len(out) == 0 {
			return Result{UserError: fmt.Sprintf("%s has no sensor readings stored", asset)}, nil
		}
		newest := out[0].At
		for _, r := range out {
			if r.At.After(newest) {
				newest = r.At
			}
		}
		sum := fmt.Sprintf("%s at %s: %s", asset, newest.UTC().Format("2006-01-02 15:04 MST"), strings.Join(parts, "; "))
		return Result{Data: map[string]any{"asset": asset, "days": days, "readings": out}, Summary: sum}, nil
	})
}
