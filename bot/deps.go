package bot

import (
	"context"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
)

// Asker answers one question; *agent.Runner satisfies it.
type Asker interface {
	Ask(ctx context.Context, req agent.Request) (*agent.Answer, error)
}

// Feedback records a Helpful / Not helpful click on a stored answer
// (rating "helpful" or "not_helpful"); *agent.Runner implements it. Optional: without it the bot keeps the click in its own table only.
type Feedback interface {
	RecordFeedback(ctx context.Context, answerID int64, userID, rating string) error
}

var _ Feedback = (*agent.Runner)(nil)

// Incident is a resolved Slack thread as a new document for the incident
// store: what happened, what was done and whether it worked.
type Incident struct {
	// ID is the document id the bot proposes, e.g. "slack-C123-1700000000.000100".
	ID    string
	Title string
	// Body is Markdown: the question, the thread, what was done, the root cause.
	Body       string
	Site       string
	Line       string
	Asset      string
	RootCause  string
	Actions    string
	Downtime   int    // minutes
	Outcome    string // OutcomeWorked, OutcomePartial or OutcomeFailed
	OccurredAt time.Time
	ResolvedAt time.Time
	ResolvedBy string
	// Source links the document to its Slack thread ("slack:C123:1700000000.000100").
	Source string
	// Cites are the documents the thread's answers cited.
	Cites []string
}

// Incidents stores resolved threads and outcomes in the incident store;
// the lead adapts *rag.Store to it (Upsert of a rag.Document with kind
// "incident"; SetOutcome).
type Incidents interface {
	// SaveIncident stores (or replaces) the incident and returns its id.
	SaveIncident(ctx context.Context, inc Incident) (string, error)
	// SetOutcome records on a cited document whether the fix it describes
	// worked this time (OutcomeWorked, OutcomePartial, OutcomeFailed), and who said so.
	SetOutcome(ctx context.Context, docID, outcome, by string) error
}
