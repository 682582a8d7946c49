package planner

import (
	"math"
	"regexp"
	"strings"
	"time"
)

// freshRe asks whether a machine's data is arriving ("is the cnc-4 data
// up to date?", "when did press 2 last report?", "데이터 들어오고 있어?").
var freshRe = regexp.MustCompile(`\b(?:sensors?|readings?|values?|data|signals?)\b.{0,20}\b(?:stuck|flat-?lin\w*|frozen|dead)\b|\b(?:stuck|flat-?lin\w*|frozen|dead) (?:sensors?|readings?|values?|signals?)\b|\b(?:haven't|hasn't|have not|has not|not|stopped|no longer) (?:sent|sending|reported|reporting)\b|\bdata (?:is |still )?(?:all )?coming in\b|\ball the data\b|데이터.{0,4}안 ?(?:들어|와|오)|\bup to date\b|\bup-to-date\b|\blast report\w*|\blast (?:reading|data|value|update|sample)s?\b|\blatest (?:reading|data|update)s?\b|\bstale\b|\bdata (?:is |still )?(?:coming|flowing|arriving|current|fresh|live|late|missing|delayed)\b|\bstill (?:sending|reporting|online|connected)\b|\bstopped (?:sending|reporting)\b|\bwhen did .{0,30}\b(?:report|send|update)\w*|\bis .{0,30}\b(?:online|connected|offline)\b|마지막 ?(?:데이터|측정|수신)|데이터.{0,6}(?:들어오|수신|최신|끊)|최신 데이터|(?:센서|데이터|측정|값).{0,20}(?:안 ?바뀌|그대로|멈춰|멈췄|멈춘|업데이트 ?안|갱신 ?안)|\b(?:values?|readings?|data|numbers?)\b.{0,20}\b(?:not changing|haven't changed|stuck|frozen|flat-?lined)\b`)

// freshness says, for each machine asked about, when its latest reading
// came, how long ago, and whether that is late for how often it reports:
// an answer about "now" rests on that reading.
func (r *run) freshness(targets []string) []string {
	var out []string
	for _, a := range targets {
		_, line, _, _ := r.freshInfo(a)
		out = append(out, line)
	}
	return out
}

// freshState is how current an asset's data is.
type freshState int

const (
	freshNone freshState = iota // no series
	freshOK
	freshLate
	freshUnknown // no sampling interval known
)

// freshInfo says how current asset a's data is, the line that says so,
// its newest reading and its shortest sampling interval.
func (r *run) freshInfo(a string) (st freshState, line string, newest time.Time, every time.Duration) {
	for _, s := range r.p.Series {
		if s.Asset != a || s.LatestAt == "" {
			continue
		}
		newest = maxTime(newest, parseStamp(s.LatestAt))
		if d, err := time.ParseDuration(s.Interval); err == nil && d > 0 && (every == 0 || d < every) {
			every = d
		}
	}
	if newest.IsZero() {
		return freshNone, r.msg("asset.noseries", a), newest, every
	}
	age := r.now.Sub(newest)
	ago := r.ago(age)
	switch {
	case every == 0:
		return freshUnknown, r.msg("fresh.unknown_rate", a, r.at(newest), ago), newest, every
	case age > max(3*every, 15*time.Minute):
		return freshLate, r.msg("fresh.late", a, r.at(newest), ago, r.every(every)), newest, every
	}
	return freshOK, r.msg("fresh.ok", a, r.at(newest), ago, r.every(every)), newest, every
}

// plantFreshness answers "which machines haven't sent data?", "is all the
// data coming in?": every machine with readings against its own sampling
// interval, the late ones named first.
func (r *run) plantFreshness() {
	var late, unknown, ok, lateNames []string
	var lateFrom, lateTo time.Time
	var lateEvery time.Duration
	for _, a := range r.p.Assets {
		if !r.hasSeries(a.Name) {
			continue
		}
		switch st, line, newest, every := r.freshInfo(a.Name); st {
		case freshLate:
			late = append(late, r.msg("fresh.late_one", a.Name, r.at(newest), r.ago(r.now.Sub(newest)), r.every(every)))
			lateNames = append(lateNames, a.Name)
			if lateFrom.IsZero() || newest.Before(lateFrom) {
				lateFrom = newest
			}
			lateTo, lateEvery = maxTime(lateTo, newest), max(lateEvery, every)
		case freshUnknown:
			unknown = append(unknown, line)
		case freshOK:
			ok = append(ok, a.Name)
		}
	}
	n := len(late) + len(unknown) + len(ok)
	var out []string
	switch {
	case n == 0:
		r.a.Situation = r.msg("fresh.none")
		r.a.Confidence = "low"
		return
	case len(late) == 0:
		out = append(out, r.msg("fresh.all_ok", len(ok), n))
	case len(late) == n && lateTo.Sub(lateFrom) < time.Minute:
		// Every machine silent since the same moment: the feed, not the machines.
		out = append(out, r.msg("fresh.all_late", n, r.at(lateTo), r.ago(r.now.Sub(lateTo)), r.every(lateEvery)))
	case len(late) > 1 && lateTo.Sub(lateFrom) < time.Minute:
		out = append(out, r.msg("fresh.some_late_same", len(late), n, strings.Join(lateNames, ", "), r.at(lateTo), r.ago(r.now.Sub(lateTo))))
		if len(ok) > 0 {
			out = append(out, r.msg("fresh.rest_ok", len(ok), strings.Join(ok, ", ")))
		}
	default:
		out = append(out, r.msg("fresh.some_late", len(late), n))
		out = append(out, late...)
		if len(ok) > 0 {
			out = append(out, r.msg("fresh.rest_ok", len(ok), strings.Join(ok, ", ")))
		}
	}
	out = append(out, unknown...)
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	if len(late) > 0 {
		r.a.Escalate = r.msg("fresh.escalate")
	}
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
