package eval

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
)

// Clock is what an expected window is read against: the moment the
// question is asked and the plant's time zone and shift starts, so that a
// case can say "yesterday" as plant time (day-1 .. day) whatever the run's
// moment.
type Clock struct {
	// Now is the moment every question of a run is asked.
	Now time.Time
	// Location is the plant's time zone.
	Location *time.Location
	// ShiftStarts are the shift start times of day ("06:00", "14:00", "22:00").
	ShiftStarts []time.Duration
}

// PlantClock is the clock of a plant described by its defaults (time zone
// and shifts) at now.
func PlantClock(now time.Time, d plant.Defaults) (Clock, error) {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		return Clock{}, fmt.Errorf("eval: plant time zone: %w", err)
	}
	c := Clock{Now: now, Location: loc}
	for _, s := range d.Shifts {
		c.ShiftStarts = append(c.ShiftStarts, s.Start)
	}
	return c, nil
}

// At reads one instant of the expectation language, in plant time:
//
//	now, now-24h, now+48h, now-30m
//	day, day-1, day+2            local midnight of today, yesterday, …
//	day@06:00, day-1@22:00       a time of such a day
//	shift, shift-1, shift+1      start of the current, previous, next shift
//	week, week-1, week+1         Monday 00:00 of this, last, next week
//	date:03-18, date:11-20@06:00 the latest such date not after now
//	date:2015-03-18              that day of that year (imported history)
func (c Clock) At(expr string) (time.Time, error) {
	expr = strings.TrimSpace(expr)
	m := atRe.FindStringSubmatch(expr)
	if m == nil {
		return time.Time{}, fmt.Errorf("eval: cannot read the time %q", expr)
	}
	now := c.Now.In(c.Location)
	off := 0
	if m[2] != "" {
		off, _ = strconv.Atoi(strings.ReplaceAll(m[2], "+", ""))
	}
	var at time.Time
	switch m[1] {
	case "now":
		if m[3] == "" {
			return c.Now, nil
		}
		d, err := time.ParseDuration(strings.TrimPrefix(m[3], "+"))
		if err != nil {
			return time.Time{}, fmt.Errorf("eval: %q: %w", expr, err)
		}
		return c.Now.Add(d), nil
	case "day":
		at = midnight(now).AddDate(0, 0, off)
	case "week":
		d := midnight(now)
		wd := (int(d.Weekday()) + 6) % 7 // Monday = 0
		at = d.AddDate(0, 0, -wd+7*off)
	case "shift":
		at = c.shiftStart(now, off)
	default: // date:MM-DD, or date:YYYY-MM-DD for a day of a given year
		d := strings.TrimPrefix(m[1], "date:")
		if len(d) == 10 {
			yy, _ := strconv.Atoi(d[:4])
			mo, _ := strconv.Atoi(d[5:7])
			dd, _ := strconv.Atoi(d[8:10])
			at = time.Date(yy, time.Month(mo), dd, 0, 0, 0, 0, c.Location)
			break
		}
		mo, _ := strconv.Atoi(d[:2])
		dd, _ := strconv.Atoi(d[3:5])
		at = time.Date(now.Year(), time.Month(mo), dd, 0, 0, 0, 0, c.Location)
		if at.After(now) {
			at = at.AddDate(-1, 0, 0)
		}
	}
	if m[4] != "" {
		h, _ := strconv.Atoi(m[4])
		mi, _ := strconv.Atoi(m[5])
		at = time.Date(at.Year(), at.Month(), at.Day(), h, mi, 0, 0, c.Location)
	}
	return at, nil
}

// atRe reads an instant: 1 the anchor, 2 a count of days, weeks or shifts,
// 3 a duration from now, 4 and 5 a time of day.
var atRe = regexp.MustCompile(`^(now|day|week|shift|date:(?:\d{4}-)?\d{2}-\d{2})([+-]\d+)?([+-]\d+[hm])?(?:@(\d{2}):(\d{2}))?$`)

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// shiftStart is the start of the shift holding now, moved by off shifts.
func (c Clock) shiftStart(now time.Time, off int) time.Time {
	starts := c.ShiftStarts
	if len(starts) == 0 {
		starts = []time.Duration{0}
	}
	var all []time.Time
	for d := -2; d <= 2; d++ {
		day := midnight(now).AddDate(0, 0, d)
		for _, s := range starts {
			all = append(all, day.Add(s))
		}
	}
	cur := 0
	for i, t := range all {
		if !t.After(now) {
			cur = i
		}
	}
	i := min(max(cur+off, 0), len(all)-1)
	return all[i]
}

// WindowExp expects a tool call over a window: since and until in the
// language of Clock.At; an empty until is not checked.
type WindowExp struct {
	Tool  string `yaml:"tool"`
	Since string `yaml:"since"`
	Until string `yaml:"until,omitempty"`
	// Tol is the tolerance of each bound (default 20m).
	Tol string `yaml:"tol,omitempty"`
}

// HorizonExp expects a forecast (forecast_series or compare_to_plan) that
// reaches until.
type HorizonExp struct {
	Tool  string `yaml:"tool"`
	Until string `yaml:"until"`
	// Tol is the tolerance (default 90m: horizons are whole hours).
	Tol string `yaml:"tol,omitempty"`
}

func tolOf(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && s != "" {
		return d
	}
	return def
}

// callWindow reads the window a tool call covered from its arguments:
// since/until (RFC 3339 or a time ago), hours, at (±12 h) or past_hours
// (compare_to_plan, counted from the whole hour).
func callWindow(args map[string]any, now time.Time) (since, until time.Time, ok bool) {
	until = now
	if u, _ := args["until"].(string); u != "" {
		t, err := parseStamp(u, now)
		if err != nil {
			return since, until, false
		}
		until = t
	}
	switch {
	case args["since"] != nil:
		s, _ := args["since"].(string)
		t, err := parseStamp(s, now)
		if err != nil {
			return since, until, false
		}
		return t, until, true
	case args["at"] != nil:
		s, _ := args["at"].(string)
		t, err := parseStamp(s, now)
		if err != nil {
			return since, until, false
		}
		until = t.Add(12 * time.Hour)
		if until.After(now) {
			until = now
		}
		return t.Add(-12 * time.Hour), until, true
	case args["hours"] != nil:
		h, _ := args["hours"].(float64)
		return until.Add(-time.Duration(h * float64(time.Hour))), until, true
	case args["past_hours"] != nil:
		h, _ := args["past_hours"].(float64)
		return now.Truncate(time.Hour).Add(-time.Duration(h * float64(time.Hour))), now, true
	}
	return since, until, false
}

// callHorizon reads how far a forecast call looks ahead: its horizon, or
// an until in the future.
func callHorizon(args map[string]any, now time.Time) (time.Time, bool) {
	for _, k := range []string{"horizon_hours", "horizon"} {
		if h, ok := args[k].(float64); ok && h > 0 {
			return now.Add(time.Duration(h * float64(time.Hour))), true
		}
	}
	// compare_to_plan over a period that ends ahead reaches its until.
	if u, _ := args["until"].(string); u != "" {
		if t, err := parseStamp(u, now); err == nil && t.After(now) {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseStamp(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if len(s) >= 2 {
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
		if f, err := strconv.ParseFloat(s[:len(s)-1], 64); err == nil && unit > 0 {
			return now.Add(-time.Duration(f * float64(unit))), nil
		}
	}
	return time.Time{}, fmt.Errorf("eval: cannot read the time %q", s)
}

func near(a, b time.Time, tol time.Duration) bool {
	d := a.Sub(b)
	return d <= tol && d >= -tol
}
