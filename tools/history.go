package tools

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// Questions about any stretch of the past: the tools read a window of any
// length at the resolution it needs (the raw readings when they fit in
// maxWindowPoints per series, else minute, hour or day means from the
// store's rollups), with as much history before it as fits in
// maxReadPoints, and say what they read.
const (
	// maxWindowPoints bounds the points of the window itself per series:
	// 92 days of 10-minute data (13,248) stay raw readings; 300 days are
	// read as 7,200 hour means.
	maxWindowPoints = 20_000
	// maxReadPoints bounds a window with the history before it (the
	// detector's warm-up, a forecast's fit): the history is shortened, not
	// the window, when both would not fit.
	maxReadPoints = 300_000
)

// readPlan is how a tool reads a window and the history before it.
type readPlan struct {
	series.Resolution
	// from is where the read starts: the window's start minus the history
	// that fits.
	from time.Time
	// history is the history read before the window.
	history time.Duration
	// first is the first series read (what data describes).
	first series.Series
}

// planRead decides the resolution of the window [from, to) of ss and how
// much of the wanted history before it is read.
func planRead(ss []series.Series, from, to time.Time, history time.Duration) readPlan {
	res := series.ResolutionFor(ss, to.Sub(from), maxWindowPoints)
	grid := res.Grid
	if grid <= 0 {
		grid = time.Minute
	}
	if room := time.Duration(maxReadPoints)*grid - to.Sub(from); history > room {
		history = max(0, room)
	}
	rp := readPlan{Resolution: res, from: from.Add(-history), history: history}
	if len(ss) > 0 {
		rp.first = ss[0]
	}
	return rp
}

// data is what a result says of how the window was read.
func (rp readPlan) data() map[string]any {
	out := map[string]any{"reads": series.ReadsFrom(rp.first, rp.Step)}
	if rp.Grid > 0 {
		out["step"] = rp.Grid.String()
	}
	return out
}

// readAs is the summary's note of a coarser read ("" for raw readings).
func (rp readPlan) readAs() string {
	if rp.Step <= 0 {
		return ""
	}
	return fmt.Sprintf("; read as %s means from the %s", hoursText(rp.Step), series.ReadsFrom(rp.first, rp.Step))
}

// sensorStat summarises one sensor over a window (of readings, or of the
// slot means the window was read at).
type sensorStat struct {
	Sensor string  `json:"sensor"`
	Unit   string  `json:"unit,omitempty"`
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Points int     `json:"points"`
	First  string  `json:"first,omitempty"`
	Last   string  `json:"last,omitempty"`
}

// windowStats summarises each sensor of sub over points i0..i1-1.
func windowStats(sub predict.Subject, i0, i1 int) []sensorStat {
	var out []sensorStat
	for j, name := range sub.Data.Names {
		st := sensorStat{Sensor: name, Unit: sub.Unit(name), Min: math.Inf(1), Max: math.Inf(-1)}
		sum := 0.0
		for i := i0; i < i1 && i < len(sub.Data.Values[j]); i++ {
			v := sub.Data.Values[j][i]
			if math.IsNaN(v) {
				continue
			}
			if st.Points == 0 {
				st.First = stamp(sub.Data.Times[i])
			}
			st.Last = stamp(sub.Data.Times[i])
			st.Points++
			sum += v
			st.Min, st.Max = math.Min(st.Min, v), math.Max(st.Max, v)
		}
		if st.Points == 0 {
			continue
		}
		st.Mean, st.Min, st.Max = sig(sum/float64(st.Points)), sig(st.Min), sig(st.Max)
		out = append(out, st)
	}
	return out
}

// ParsePeriod reads a stretch of the past written as dates, for slash
// commands and other terse input: a day (2015-03-18), a month (2015-03),
// a year (2015) or a range of days (2015-03-18..2015-03-20, also with ~;
// the last day included), each from midnight in loc (nil: UTC). ok is
// false for anything else (a duration like 12h, an asset name).
func ParsePeriod(s string, loc *time.Location) (from, to time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	for _, sep := range []string{"..", "~"} {
		if a, b, found := strings.Cut(s, sep); found {
			f, _, ok1 := ParsePeriod(a, loc)
			_, t, ok2 := ParsePeriod(b, loc)
			if !ok1 || !ok2 || !t.After(f) {
				return time.Time{}, time.Time{}, false
			}
			return f, t, true
		}
	}
	for _, p := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if len(s) != len(p.layout) {
			continue
		}
		if t, err := time.ParseInLocation(p.layout, s, loc); err == nil && t.Year() >= 1970 && t.Year() <= 2100 {
			return t, p.next(t), true
		}
	}
	return time.Time{}, time.Time{}, false
}
