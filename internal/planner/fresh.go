package planner

import (
	"math"
	"regexp"
	"strings"
	"time"
)

// freshRe asks whether a machine's data is arriving ("is the cnc-4 data
// up to date?", "when did press 2 last report?", "데이터 들어오고 있어?").
var freshRe = regexp.MustCompile(`\bup to date\b|\bup-to-date\b|\blast report\w*|\blast (?:reading|data|value|update|sample)s?\b|\blatest (?:reading|data|update)s?\b|\bstale\b|\bdata (?:is |still )?(?:coming|flowing|arriving|current|fresh|live|late|missing|delayed)\b|\bstill (?:sending|reporting|online|connected)\b|\bstopped (?:sending|reporting)\b|\bwhen did .{0,30}\b(?:report|send|update)\w*|\bis .{0,30}\b(?:online|connected|offline)\b|마지막 ?(?:데이터|측정|수신)|데이터.{0,6}(?:들어오|수신|최신|끊)|최신 데이터`)

// freshness says, for each machine asked about, when its latest reading
// came, how long ago, and whether that is late for how often it reports:
// an answer about "now" rests on that reading.
func (r *run) freshness(targets []string) []string {
	var out []string
	for _, a := range targets {
		var newest time.Time
		var every time.Duration
		for _, s := range r.p.Series {
			if s.Asset != a || s.LatestAt == "" {
				continue
			}
			if t := parseStamp(s.LatestAt); t.After(newest) {
				newest = t
			}
			if d, err := time.ParseDuration(s.Interval); err == nil && d > 0 && (every == 0 || d < every) {
				every = d
			}
		}
		if newest.IsZero() {
			out = append(out, r.msg("asset.noseries", a))
			continue
		}
		age := r.now.Sub(newest)
		ago := r.ago(age)
		switch {
		case every == 0:
			out = append(out, r.msg("fresh.unknown_rate", a, r.at(newest), ago))
		case age > max(3*every, 15*time.Minute):
			out = append(out, r.msg("fresh.late", a, r.at(newest), ago, r.every(every)))
		default:
			out = append(out, r.msg("fresh.ok", a, r.at(newest), ago, r.every(every)))
		}
	}
	return out
}

// ago writes a duration as the grounding check reads elapsed times: whole
// minutes under an hour, hours with one decimal under two days, days.
func (r *run) ago(d time.Duration) string {
	switch {
	case d < time.Hour:
		return r.msg("ago.min", int(math.Round(d.Minutes())))
	case d < 48*time.Hour:
		return r.msg("ago.hours", strings.TrimSuffix(strings.TrimSuffix(val(math.Round(d.Hours()*10)/10), ".0"), "."))
	}
	return r.msg("ago.days", int(math.Round(d.Hours()/24)))
}

// every writes a sampling interval as people say it: "10 min", "1 h",
// "1 h 30 min", "30 s".
func (r *run) every(d time.Duration) string {
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var parts []string
	if h > 0 {
		parts = append(parts, r.msg("unit.h", h))
	}
	if m > 0 {
		parts = append(parts, r.msg("unit.min", m))
	}
	if sec > 0 || len(parts) == 0 {
		parts = append(parts, r.msg("unit.s", sec))
	}
	return strings.Join(parts, " ")
}
