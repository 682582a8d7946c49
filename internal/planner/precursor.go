package planner

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// failureWords mark a question about a failure and what led to it.
var failureWords = regexp.MustCompile(`\bfail\w*|\bbroke\b|\bbroken\b|\bbreak ?down\w*|\bprecursor\w*|\bwarning signs?\b|\bearly signs?\b|\bwhat happened\b|\bwent wrong\b|\bseiz\w*|\bburn(?:t|ed) out\b|고장|고착|전조|징후|파손|무슨 일`)

// precursorLookback is how far before a failure the answer looks for what
// announced it: anomaly events that began, and alerts raised, in it.
const precursorLookback = 7 * 24 * time.Hour

// failureHistory answers the maintenance side of a question about a few
// machines over a past window, or about a failure: the failures recorded
// in the window and, for each, what came before it in the week before —
// anomaly events that began then and alerts raised then — or that the
// data show nothing before it. Nothing is said when the plant has no
// maintenance history (the question is then about the sensors alone) or
// the question is neither about the past nor about a failure.
func (r *run) failureHistory(targets []string) []string {
	q := r.q
	past := q.Window.Named && q.Window.To.Before(r.now.Add(-precursorLookback))
	asked := failureWords.MatchString(q.Text) && !failAheadRe.MatchString(q.Text) && !tillFailRe.MatchString(q.Text) // "will it fail this week?", "how long till it fails?" look ahead
	if len(targets) == 0 || len(targets) > 3 || !(past || asked) || !r.in.Tools.Has(tools.MaintenanceHistory) {
		return nil
	}
	// The failures of the window and the alerts of the week before each,
	// read apart: a long window's routine records must not crowd the
	// failures out of one list.
	call := func(kind string, from time.Time) agent.ToolCall {
		args := map[string]any{"aggregate": "records", "order": "oldest", "limit": 50, "kind": kind,
			"since": stampUTC(from), "until": stampUTC(q.Window.To)}
		if len(targets) == 1 {
			args["asset"] = targets[0]
		} else {
			args["assets"] = targets
		}
		return agent.ToolCall{Name: tools.MaintenanceHistory, Args: args}
	}
	res := r.in.Tools.Run(r.ctx, call("failure", q.Window.From), call("alert", q.Window.From.Add(-precursorLookback)))
	r.results = append(r.results, res...)
	if len(res) < 2 || !res[0].OK {
		return nil // no history here, or not for these machines: the sensors answer alone
	}
	var d struct{ Records []maintRecord }
	for _, x := range res {
		got, ok := decode[struct {
			Records []maintRecord `json:"records"`
		}](x.Result.Data)
		if x.OK && ok {
			d.Records = append(d.Records, got.Records...)
		}
	}
	var failures, alerts []maintRecord
	for _, rec := range d.Records {
		t, err := time.Parse(recordLayout, rec.Opened)
		if err != nil {
			continue
		}
		rec.at = t
		switch rec.Kind {
		case "failure":
			if !t.Before(q.Window.From) && t.Before(q.Window.To) {
				failures = append(failures, rec)
			}
		case "alert":
			alerts = append(alerts, rec)
		}
	}
	r.windowFailures = failures
	if len(failures) == 0 {
		if asked {
			key := "failure.none"
			if prepLabelRe.MatchString(q.Window.Label) {
				key = "failure.none_at" // "on tuesday", not "in on tuesday"
			}
			return []string{r.msg(key, strings.Join(targets, ", "), r.spanIn(q.Window))}
		}
		return nil
	}
	cited := map[string]bool{}
	for _, f := range failures {
		cited[f.Document] = true
	}
	for _, c := range res[0].Result.Citations {
		if cited[c.ID] {
			r.a.Citations = appendCitation(r.a.Citations, c)
		}
	}
	var out []string
	for _, f := range failures {
		what := f.Component
		if what == "" {
			what = f.Code
		}
		if what == "" {
			what = f.Title
		}
		out = append(out, r.msg("failure.record", f.Asset, what, r.at(f.at), f.ID))
		out = append(out, r.precursors(f, alerts)...)
	}
	return out
}

// plantFailures lists the failures recorded anywhere in the plant over the
// question's window, for "did anything break last week?": the sensors say
// what looks wrong, the records say what broke. Nil when the question does
// not ask about failures or there is no maintenance history.
func (r *run) plantFailures() []string {
	q := r.q
	if !failureWords.MatchString(q.Text) && !breakWords.MatchString(q.Text) || !r.in.Tools.Has(tools.MaintenanceHistory) {
		return nil
	}
	res := r.call(agent.ToolCall{Name: tools.MaintenanceHistory, Args: map[string]any{"aggregate": "records", "kind": "failure",
		"order": "oldest", "limit": 10, "since": stampUTC(q.Window.From), "until": stampUTC(q.Window.To)}})
	if len(res) == 0 || !res[0].OK {
		return nil
	}
	d, ok := decode[struct {
		Matched int           `json:"matched"`
		Records []maintRecord `json:"records"`
	}](res[0].Result.Data)
	if !ok {
		return nil
	}
	if len(d.Records) == 0 {
		return []string{r.msg("failure.none_plant", r.spanIn(q.Window))}
	}
	out := []string{r.msg("failure.plant_head", d.Matched, r.spanIn(q.Window))}
	for _, f := range d.Records {
		at, err := time.Parse(recordLayout, f.Opened)
		if err != nil {
			continue
		}
		what := f.Component
		if what == "" {
			what = f.Title
		}
		out = append(out, r.msg("failure.record", f.Asset, what, r.at(at), f.ID))
	}
	for _, c := range res[0].Result.Citations {
		r.a.Citations = appendCitation(r.a.Citations, c)
	}
	return out
}

// breakWords are the other words for a failure ("did anything break?").
var breakWords = regexp.MustCompile(`\bbreak\b|\bbroke\b|\bwent down\b|\btripped\b|고장|멈췄|멈춘`)

// precursors says what came before one failure: the anomaly events on its
// machine that began in the week before it (read over that week, whatever
// window the question asked) and the alerts raised then.
func (r *run) precursors(f maintRecord, alerts []maintRecord) []string {
	from := f.at.Add(-precursorLookback)
	var events []Event
	for _, e := range r.book.of(f.Asset) {
		if !e.Start.Before(from) && e.Start.Before(f.at) {
			events = append(events, e)
		}
	}
	if from.Before(r.q.Window.From) {
		// The week before the failure is partly outside the window read:
		// read it, without adding its events to the window's answer.
		res := r.in.Tools.Run(r.ctx, agent.ToolCall{Name: tools.DetectAnomalies, Args: map[string]any{
			"asset": f.Asset, "since": stampUTC(from), "until": stampUTC(f.at)}})
		r.results = append(r.results, res...)
		events = events[:0]
		for _, x := range res {
			for _, e := range eventsOf(x, r.now) {
				if e.Asset == f.Asset && !e.Start.Before(from) && e.Start.Before(f.at) {
					events = append(events, e)
				}
			}
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].Start.Before(events[j].Start) })
	var parts []string
	for _, e := range events {
		h := r.derive(fmt.Sprintf("hours from %s %s's onset to the failure", e.Asset, e.Sensor), math.Round(f.at.Sub(e.Start).Hours()),
			fmt.Sprintf("%s − %s", stampUTC(f.at), stampUTC(e.Start)))
		dir := r.msg("dir.above")
		if e.Sigma < 0 {
			dir = r.msg("dir.below")
		}
		parts = append(parts, r.msg("precursor.event", r.sensorName(e.Sensor), val(math.Abs(e.Sigma)), dir, r.at(e.Start), h))
	}
	// Alerts, one mention per time: "error2, error3 at 2015-03-22 06:00 (24 h before)".
	byTime := map[time.Time][]string{}
	var times []time.Time
	for _, a := range alerts {
		if a.Asset != f.Asset || a.at.Before(from) || !a.at.Before(f.at) {
			continue
		}
		code := a.Code
		if code == "" {
			code = a.Title
		}
		if _, ok := byTime[a.at]; !ok {
			times = append(times, a.at)
		}
		byTime[a.at] = appendUnique(byTime[a.at], code)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, t := range times {
		h := r.derive(fmt.Sprintf("hours from the alert at %s to the failure", stampUTC(t)), math.Round(f.at.Sub(t).Hours()),
			fmt.Sprintf("%s − %s", stampUTC(f.at), stampUTC(t)))
		parts = append(parts, r.msg("precursor.alert", strings.Join(byTime[t], ", "), r.at(t), h))
	}
	if len(parts) == 0 {
		return []string{r.msg("precursor.none", f.Asset)}
	}
	return []string{r.msg("precursor.head", strings.Join(parts, "; "))}
}

// prepLabelRe is a window label that carries its own preposition.
var prepLabelRe = regexp.MustCompile(`^(?:on|since|from|until|till|during|over|before|after|between|at) `)
