package planner

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// --- Incidents in a named time -------------------------------------------------
//
// "How many incidents did we have last month?", "what incidents happened on
// press 3 this year?", "past incidents this month": the incident records
// that occurred in that time, newest first, counted when asked; when there
// are none, that is said, with the latest one before it.

// countAskRe asks for a number ("how many", "몇 건").
var countAskRe = regexp.MustCompile(`(?i)\bhow many\b|몇 ?(?:건|번|개|회)`)

// incidentTime reads a document's occurred time (the search gives its UTC
// minute, get_document RFC 3339, older results a date); ok is false when it
// has none.
func incidentTime(d *doc) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04Z", time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, d.Occurred); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// occurredIn says whether d occurred in w. The search gives a UTC date, so
// the window's ends are compared as UTC dates too (a day's incidents stay
// together).
func (r *run) occurredIn(d *doc, w Span) bool {
	t, ok := incidentTime(d)
	if !ok {
		return false
	}
	if len(d.Occurred) > len(time.DateOnly) {
		return !t.Before(w.From) && t.Before(w.To) // an instant: the window itself
	}
	day := func(x time.Time) time.Time { return x.UTC().Truncate(24 * time.Hour) }
	return !t.Before(day(w.From)) && t.Before(w.To.UTC())
}

// incidentsOf are search_incidents arguments listing the incidents of an
// asset (else a line) and a failure mode by date, with args added.
func incidentsOf(asset, line, mode string, args map[string]any) map[string]any {
	args["query"], args["kind"] = "", "incident"
	if asset != "" {
		args["asset"] = asset
	}
	if mode != "" {
		args["failure_mode"] = mode
	}
	if line != "" && asset == "" {
		args["line"] = line
	}
	return args
}

// failedNone says that no incident of the window is recorded as a fix that
// did not work, with how many incidents it has and how they ended.
func (r *run) failedNone(asset, line, mode, span string) []string {
	res := r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: incidentsOf(asset, line, mode, map[string]any{"k": 50,
		"since": r.q.Window.From.UTC().Format(time.DateOnly), "until": r.q.Window.To.UTC().Add(24 * time.Hour).Format(time.DateOnly)})})
	outcomes := map[string]int{}
	n := 0
	for _, id := range r.lib.merge(firstResult(res)) {
		d := r.lib.docs[id]
		if d == nil || !d.incident() || !r.occurredIn(d, r.q.Window) {
			continue
		}
		n++
		outcomes[strings.ToLower(orDefault(d.Outcome, "unknown"))]++
	}
	if n == 0 {
		return []string{r.msg("hist.none_window", r.subject(orDefault(asset, line), mode), span)}
	}
	var parts []string
	for _, o := range []string{"worked", "partial", "failed", "unknown"} {
		if outcomes[o] > 0 {
			parts = append(parts, r.msg("hist.outcome_n", outcomes[o], r.msg("outcome."+o)))
		}
	}
	return []string{r.msg("hist.none_failed", span, n, strings.Join(parts, ", "))}
}

// historyIn answers with found, the incidents in the question's window
// (of asset, or of the failure mode, or plant-wide): counted when asked,
// newest first (at most 8 listed); none is said plainly, with the latest
// before the window from a search without it.
func (r *run) historyIn(found []*doc, asset, line, mode string, matches func(*doc) bool) {
	if asset != "" {
		// A machine named: its own incidents, not the mode's elsewhere.
		var own []*doc
		for _, d := range found {
			if d.Asset == asset {
				own = append(own, d)
			}
		}
		found = own
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Occurred > found[j].Occurred })
	subject := r.subject(orDefault(asset, line), mode)
	if asset == "" && line == "" && mode == "" {
		subject = r.msg("hist.plant")
	}
	span := r.spanIn(r.q.Window)
	before := func(t time.Time) {
		r.call(agent.ToolCall{Name: tools.SearchIncidents, Args: incidentsOf(asset, line, mode, map[string]any{"k": 5, "until": t.UTC().Format(time.DateOnly)})})
	}
	var out []string
	switch {
	case len(found) == 0 && failedRe.MatchString(r.q.Text):
		// "which fixes did not work?": none recorded as failed is not "no
		// incident": how many there were, and how they ended.
		out = append(out, r.failedNone(asset, line, mode, span)...)
		r.a.Confidence = "medium"
	case len(found) == 0:
		out = append(out, r.msg("hist.none_window", subject, span))
		// The latest before the window, so "none" has a reference.
		before(r.q.Window.From)
		var latest *doc
		for _, d := range r.sortedDocs() {
			t, ok := incidentTime(d)
			if !ok || !matches(d) || asset != "" && d.Asset != asset || !t.Before(r.q.Window.From) {
				continue
			}
			if latest == nil || d.Occurred > latest.Occurred {
				latest = d
			}
		}
		if latest != nil {
			out = append(out, r.msg("hist.latest_before", r.historyLine(latest, asset)))
			r.a.Citations = append(r.a.Citations, tools.Citation{ID: latest.ID, Title: latest.Title, Kind: latest.Kind})
		}
		r.a.Confidence = "medium"
	default:
		switch {
		case len(found) >= 50:
			// The search lists at most 50: a floor, not the count.
			out = append(out, r.msg("hist.count_capped", len(found), subject, span))
		case countAskRe.MatchString(r.q.Text) && len(found) == 1:
			out = append(out, r.msg("hist.count1", subject, span))
		case countAskRe.MatchString(r.q.Text):
			out = append(out, r.msg("hist.count", len(found), subject, span))
		default:
			out = append(out, r.msg("hist.in_window", subject, span))
		}
		shown := found[:min(8, len(found))]
		var read []agent.ToolCall
		for i, d := range shown {
			if i < 2 {
				read = append(read, agent.ToolCall{Name: tools.GetDocument, Args: map[string]any{"id": d.ID}})
			}
		}
		r.call(read...)
		for _, d := range shown {
			out = append(out, r.historyLine(d, asset))
			r.a.Citations = append(r.a.Citations, tools.Citation{ID: d.ID, Title: d.Title, Kind: d.Kind})
		}
		if len(found) > len(shown) {
			out = append(out, r.msg("hist.more", len(found)-len(shown)))
		}
		r.a.Confidence = "high"
	}
	r.a.Situation = joinLines(out)
	r.a.Escalate = r.msg("escalate.incidents")
}
