package rag

import (
	"context"
	"fmt"

	"github.com/pgvector/pgvector-go"
)

// Reembed re-embeds every chunk whose model or dimension differs from the
// store's embedder (after switching provider or model). It commits a batch
// of documents at a time, so an interrupted run resumes where it stopped;
// during the run, vector search uses only chunks of the current model and
// full-text search covers all. progress, when set, gets documents done and
// the total. It returns the number of chunks re-embedded.
func (s *Store) Reembed(ctx context.Context, batchDocs int, progress func(done, total int)) (int, error) {
	if batchDocs <= 0 {
		batchDocs = 50
	}
	model, dim := s.emb.Model(), s.emb.Dim()
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(DISTINCT document_id) FROM chunks WHERE NOT (embed_model = $1 AND embed_dim = $2)`, model, dim).Scan(&total); err != nil {
		return 0, fmt.Errorf("rag: reembed: %w", err)
	}
	if total == 0 {
		return 0, nil
	}
	if err := s.ensureIndex(ctx, dim); err != nil {
		return 0, err
	}
	done, chunks := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return chunks, err
		}
		rows, err := s.db.Query(ctx, `
SELECT c.id, c.document_id, d.title, c.heading, c.content
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.document_id IN (
    SELECT DISTINCT document_id FROM chunks WHERE NOT (embed_model = $1 AND embed_dim = $2) ORDER BY document_id LIMIT $3)
ORDER BY c.document_id, c.ord`, model, dim, batchDocs)
		if err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		var ids []int64
		var texts []string
		docs := map[string]bool{}
		for rows.Next() {
			var id int64
			var doc, title, heading, content string
			if err := rows.Scan(&id, &doc, &title, &heading, &content); err != nil {
				rows.Close()
				return chunks, fmt.Errorf("rag: reembed: %w", err)
			}
			ids = append(ids, id)
			texts = append(texts, embedText(title, heading, content))
			docs[doc] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		if len(ids) == 0 {
			return chunks, nil
		}
		vecs, err := s.emb.EmbedDocuments(ctx, texts)
		if err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		pv := make([]pgvector.Vector, len(vecs))
		for i, v := range vecs {
			if len(v) != dim {
				return chunks, fmt.Errorf("%w: %s returned %d dimensions, expected %d", ErrDimension, model, len(v), dim)
			}
			pv[i] = pgvector.NewVector(v)
		}
		// All chunks of a document change together, in one statement.
		// The rows are locked in id order first, so that two re-embedding
		// processes working on overlapping batches cannot deadlock.
		if _, err := s.db.Exec(ctx, `
WITH locked AS (SELECT id FROM chunks WHERE id = ANY($1) ORDER BY id FOR UPDATE)
UPDATE chunks c SET embedding = u.v, embed_model = $3, embed_dim = $4
FROM unnest($1::bigint[], $2::vector[]) AS u(id, v), locked l WHERE c.id = u.id AND l.id = u.id`, ids, pv, model, dim); err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		chunks += len(ids)
		done += len(docs)
		if progress != nil {
			progress(min(done, total), total)
		}
	}
}
