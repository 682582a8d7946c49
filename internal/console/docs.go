package console

import (
	"context"

	"github.com/gemba-ai/gemba/rag"
)

// RAGDocs adapts the incident store to the console's Docs.
type RAGDocs struct {
	Store *rag.Store
}

var _ Docs = RAGDocs{}

// Search runs a hybrid search; an empty query lists the newest documents.
func (r RAGDocs) Search(ctx context.Context, q string, k int) ([]DocHit, error) {
	res, err := r.Store.Search(ctx, rag.Query{Text: q, K: k})
	if err != nil {
		return nil, err
	}
	out := make([]DocHit, 0, len(res))
	for _, h := range res {
		out = append(out, DocHit{ID: h.DocumentID, Title: h.Title, Kind: string(h.Kind), Asset: h.Asset, Score: h.Score, Snippet: h.Snippet, Outcome: string(h.Outcome)})
	}
	return out, nil
}

// Get reads one document.
func (r RAGDocs) Get(ctx context.Context, id string) (*Doc, error) {
	d, err := r.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Doc{
		ID: d.ID, Title: d.Title, Kind: string(d.Kind), Site: d.Site, Line: d.Line, Asset: d.Asset, FailureMode: d.FailureMode,
		Severity: d.Severity, OccurredAt: d.OccurredAt, DowntimeMinutes: d.DowntimeMinutes, Outcome: string(d.Outcome),
		Tags: d.Tags, Source: d.Source, Body: d.Body,
	}, nil
}
