package conversation

import (
	"context"
	"fmt"

	"github.com/gemba-ai/gemba/rag"
)

// RAGIncidents stores resolved threads in the RAG store as incident
// documents, where search finds them at once, and records outcomes there.
type RAGIncidents struct {
	Store *rag.Store
}

var _ Incidents = RAGIncidents{}

// SaveIncident upserts the incident as a rag document of kind incident,
// tagged with its front door and linked to its thread.
func (r RAGIncidents) SaveIncident(ctx context.Context, inc Incident) (string, error) {
	occurred, resolved, down := inc.OccurredAt, inc.ResolvedAt, inc.Downtime
	d := rag.Document{
		ID: inc.ID, Kind: rag.KindIncident, Title: inc.Title, Source: inc.Source,
		Site: inc.Site, Line: inc.Line, Asset: inc.Asset, FailureMode: inc.RootCause,
		OccurredAt: &occurred, ResolvedAt: &resolved, DowntimeMinutes: &down,
		Outcome: rag.Outcome(inc.Outcome), OutcomeBy: inc.ResolvedBy, Tags: []string{inc.Via},
		Body:     inc.Body,
		Metadata: map[string]any{"thread": inc.Source, "resolved_by": inc.ResolvedBy, "cites": inc.Cites},
	}
	if _, err := r.Store.Upsert(ctx, d); err != nil {
		return "", fmt.Errorf("conversation: save incident %s: %w", inc.ID, err)
	}
	return inc.ID, nil
}

// SetOutcome records the outcome on a document of the store.
func (r RAGIncidents) SetOutcome(ctx context.Context, docID, outcome, by string) error {
	if err := r.Store.SetOutcome(ctx, docID, outcome, by); err != nil {
		return fmt.Errorf("conversation: record outcome on %s: %w", docID, err)
	}
	return nil
}
