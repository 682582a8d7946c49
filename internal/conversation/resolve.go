package conversation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Outcomes of advice, as the incident store records them; OutcomeUnknown
// is a resolution that does not say.
const (
	OutcomeWorked  = "worked"
	OutcomePartial = "partial"
	OutcomeFailed  = "failed"
	OutcomeUnknown = "unknown"
)

// Resolution is a submitted "Mark resolved" form: what was done about the
// thread's problem and whether it worked.
type Resolution struct {
	// Channel and Thread are the thread resolved; Message is the answer
	// whose button opened the form (optional).
	Channel, Thread, Message string
	// User resolved it.
	User string
	// Actions is what was done (required); RootCause is optional.
	Actions, RootCause string
	// Downtime in minutes, when known.
	Downtime *int
	// Outcome is OutcomeWorked, OutcomePartial, OutcomeFailed or
	// OutcomeUnknown ("" means unknown).
	Outcome string
}

// Fields of a Resolution that ValidateResolution names.
const (
	FieldActions  = "actions"
	FieldDowntime = "downtime"
	FieldOutcome  = "outcome"
)

// maxDowntime is a year of minutes.
const maxDowntime = 60 * 24 * 365

// ValidateResolution returns what is wrong with a form, by field (empty
// when it can be stored), in words a person can act on.
func ValidateResolution(r Resolution) map[string]string {
	errs := map[string]string{}
	if strings.TrimSpace(r.Actions) == "" {
		errs[FieldActions] = "say what was done, so the next person can repeat it"
	}
	if r.Downtime != nil && (*r.Downtime < 0 || *r.Downtime > maxDowntime) {
		errs[FieldDowntime] = fmt.Sprintf("downtime must be a whole number of minutes from 0 to %d, e.g. 45", maxDowntime)
	}
	switch r.Outcome {
	case OutcomeWorked, OutcomePartial, OutcomeFailed, OutcomeUnknown, "":
	default:
		errs[FieldOutcome] = "did it work: choose worked, partial, failed or unknown"
	}
	return errs
}

// Incident is a resolved thread as a new document for the incident store:
// what happened, what was done and whether it worked.
type Incident struct {
	// ID is the document id, made from the thread's key, e.g.
	// "slack-c123-1700000000.000100" or "console-lx3k2-4".
	ID    string
	Title string
	// Body is Markdown: the question, what was done, the root cause, the
	// outcome, the thread.
	Body       string
	Site       string
	Line       string
	Asset      string
	RootCause  string
	Actions    string
	Downtime   int    // minutes
	Outcome    string // OutcomeWorked, OutcomePartial, OutcomeFailed or OutcomeUnknown
	OccurredAt time.Time
	ResolvedAt time.Time
	ResolvedBy string
	// Source links the document to its thread (the thread key).
	Source string
	// Via is the front door it was resolved in ("slack", "console").
	Via string
	// Cites are the documents the thread's answers cited.
	Cites []string
}

// Incidents stores resolved threads and outcomes in the incident store;
// RAGIncidents adapts *rag.Store to it.
type Incidents interface {
	// SaveIncident stores (or replaces) the incident and returns its id.
	SaveIncident(ctx context.Context, inc Incident) (string, error)
	// SetOutcome records on a cited document whether the fix it describes
	// worked this time, and who said so.
	SetOutcome(ctx context.Context, docID, outcome, by string) error
}

// MaintenanceLog records a resolved thread in the maintenance history (a
// work order linked to its incident document); internal/app adapts the
// maintenance store to it.
type MaintenanceLog interface {
	RecordResolved(ctx context.Context, inc Incident) error
}

// resolve stores a form submitted through a recorded delivery.
func (c *Core) resolve(ctx context.Context, t Transport, j job, r Resolution) error {
	if !c.owns(ctx, j) {
		return errLostLease
	}
	_, err := c.Resolve(ctx, t, r)
	return err
}

// Resolve stores a resolved thread as a new incident document, records the
// outcome on the documents the thread's answers cited, marks the thread
// resolved and says so in it. It returns the incident's id. A form with
// problems is refused with them (as an error the user sees in the thread's
// ephemeral note).
func (c *Core) Resolve(ctx context.Context, t Transport, r Resolution) (string, error) {
	if errs := ValidateResolution(r); len(errs) > 0 {
		var list []string
		for _, f := range []string{FieldActions, FieldDowntime, FieldOutcome} {
			if e, ok := errs[f]; ok {
				list = append(list, e)
			}
		}
		msg := strings.Join(list, "; ")
		_ = t.Ephemeral(ctx, r.Channel, r.User, r.Thread, Message{Text: ":warning: " + msg})
		return "", &toldUser{fmt.Errorf("conversation: resolve: %s", msg)}
	}
	if r.Outcome == "" {
		r.Outcome = OutcomeUnknown
	}
	p := placeOf(t, r.Channel, r.Thread)
	if c.o.Incidents == nil {
		_, err := t.Post(ctx, r.Channel, r.Thread, Message{Text: fmt.Sprintf("%s marked this resolved, but this Gemba has no incident store configured, so I couldn't save it. An admin can enable it.", t.Mention(r.User))})
		return "", err
	}
	th, err := c.loadThread(ctx, p.source, p.channel, p.thread)
	if err != nil {
		return "", err
	}
	settings, err := c.Settings(ctx, p.source, p.channel)
	if err != nil {
		return "", err
	}
	var q string
	var cites []string
	occurred := c.now()
	if th != nil {
		q, cites = th.Question, th.Citations
		if !th.CreatedAt.IsZero() {
			occurred = th.CreatedAt
		}
	}
	down := 0
	if r.Downtime != nil {
		down = *r.Downtime
	}
	inc := Incident{
		ID: strings.ToLower(strings.ReplaceAll(p.key(), ":", "-")), Title: incidentTitle(q, r.RootCause, t.Source()),
		Site: settings.Scope.Site, Line: settings.Scope.Line, Asset: settings.Scope.Asset,
		RootCause: strings.TrimSpace(r.RootCause), Actions: strings.TrimSpace(r.Actions), Downtime: down, Outcome: r.Outcome,
		OccurredAt: occurred, ResolvedAt: c.now(), ResolvedBy: r.User, Source: p.key(), Via: t.Source(), Cites: cites,
	}
	inc.Body = incidentBody(inc, q, c.threadHistory(ctx, t, p, ""))
	id, err := c.o.Incidents.SaveIncident(ctx, inc)
	if err != nil {
		_, _ = t.Post(ctx, r.Channel, r.Thread, Message{Text: ":warning: Sorry — I couldn't save this incident just now. Please try *Mark resolved* again in a minute."})
		return "", &toldUser{fmt.Errorf("conversation: resolve: save incident: %w", err)}
	}
	if c.o.Maintenance != nil {
		// The record beside the document: counted in reliability figures.
		if err := c.o.Maintenance.RecordResolved(ctx, inc); err != nil {
			c.log.WarnContext(ctx, "maintenance record not saved", "incident", id, "err", err)
		}
	}
	var recorded []string
	if r.Outcome != OutcomeUnknown {
		for _, d := range cites {
			if d == id {
				continue
			}
			if err := c.o.Incidents.SetOutcome(ctx, d, r.Outcome, r.User); err != nil {
				c.log.WarnContext(ctx, "outcome not recorded", "doc", d, "err", err)
				continue
			}
			recorded = append(recorded, "`"+Escape(d)+"`")
		}
	}
	if err := c.markResolved(ctx, p, r.User, id, r.Outcome); err != nil {
		return id, err
	}
	msg := fmt.Sprintf(":white_check_mark: %s marked this resolved. Saved as incident `%s`", t.Mention(r.User), Escape(id))
	if down > 0 {
		msg += fmt.Sprintf(" (%d min downtime)", down)
	}
	msg += "."
	if len(recorded) > 0 {
		msg += " Outcome recorded on " + strings.Join(recorded, ", ") + "."
	}
	_, err = t.Post(ctx, r.Channel, r.Thread, Message{Text: msg})
	return id, err
}

func incidentTitle(question, cause, via string) string {
	t := strings.TrimSpace(question)
	if t == "" {
		t = "Incident resolved in " + via
	}
	if cause = strings.TrimSpace(cause); cause != "" {
		t += " — " + cause
	}
	return Truncate(t, 120)
}

var outcomeWords = map[string]string{OutcomeWorked: "Worked", OutcomePartial: "Partly worked", OutcomeFailed: "Did not work", OutcomeUnknown: "Outcome not reported"}

func incidentBody(inc Incident, question, history string) string {
	var sb strings.Builder
	if question != "" {
		sb.WriteString("## Symptom\n" + question + "\n\n")
	}
	sb.WriteString("## Actions taken\n" + inc.Actions + "\n\n")
	if inc.RootCause != "" {
		sb.WriteString("## Root cause\n" + inc.RootCause + "\n\n")
	}
	fmt.Fprintf(&sb, "## Outcome\n%s (downtime %d min), resolved by %s in %s.\n", outcomeWords[inc.Outcome], inc.Downtime, inc.ResolvedBy, inc.Via)
	if len(inc.Cites) > 0 {
		sb.WriteString("\nRelated documents: " + strings.Join(inc.Cites, ", ") + "\n")
	}
	if history != "" {
		sb.WriteString("\n## Thread\n" + history + "\n")
	}
	return sb.String()
}
