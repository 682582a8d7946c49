package rag

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// analyzerDependent is an embedder whose vectors depend on the text
// analysis (the local embedder hashes analysed terms): when the analysis
// changes, its stored vectors are stale too.
type analyzerDependent interface {
	Analyzer() string
}

// Reembed brings every chunk up to date with the store's embedder and
// text analysis: chunks whose model or dimension differs from the
// embedder's are re-embedded (after switching provider or model), and
// chunks whose terms were computed by other analysis rules or another
// vocabulary (chunks.analyzer) have their full-text terms recomputed, and
// their vectors too when the embedder depends on the analysis (the local
// one). It commits a batch of documents at a time, so an interrupted run
// resumes where it stopped; during the run, vector search uses only chunks
// of the current model and full-text search covers all. progress, when
// set, gets documents done and the total. It returns the number of chunks
// updated.
func (s *Store) Reembed(ctx context.Context, batchDocs int, progress func(done, total int)) (int, error) {
	if batchDocs <= 0 {
		batchDocs = 50
	}
	model, dim, version := s.emb.Model(), s.emb.Dim(), s.an.version
	// Vectors of an analysis-dependent embedder are stale with the analysis.
	vecAnalyzer := ""
	if ad, ok := s.emb.(analyzerDependent); ok {
		vecAnalyzer = ad.Analyzer()
	}
	const stale = `(NOT (embed_model = $1 AND embed_dim = $2) OR analyzer <> $3)`
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(DISTINCT document_id) FROM chunks WHERE `+stale, model, dim, version).Scan(&total); err != nil {
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
SELECT c.id, c.document_id, d.title, d.asset, d.failure_mode, d.tags, c.heading, c.content,
       NOT (c.embed_model = $1 AND c.embed_dim = $2) OR ($4 <> '' AND c.analyzer <> $4)
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.document_id IN (
    SELECT DISTINCT document_id FROM chunks WHERE `+stale+` ORDER BY document_id LIMIT $5)
ORDER BY c.document_id, c.ord`, model, dim, version, vecAnalyzer, batchDocs)
		if err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		var ids, vecIDs []int64
		var lex, texts []string
		docs := map[string]bool{}
		for rows.Next() {
			var id int64
			var doc, title, asset, fm, heading, content string
			var tags []string
			var needVec bool
			if err := rows.Scan(&id, &doc, &title, &asset, &fm, &tags, &heading, &content, &needVec); err != nil {
				rows.Close()
				return chunks, fmt.Errorf("rag: reembed: %w", err)
			}
			ids = append(ids, id)
			lex = append(lex, s.an.chunkLex(title, asset, fm, tags, heading, content))
			if needVec {
				vecIDs = append(vecIDs, id)
				texts = append(texts, embedText(title, heading, content))
			}
			docs[doc] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return chunks, fmt.Errorf("rag: reembed: %w", err)
		}
		if len(ids) == 0 {
			return chunks, nil
		}
		var pv []pgvector.Vector
		if len(texts) > 0 {
			vecs, err := s.emb.EmbedDocuments(ctx, texts)
			if err != nil {
				return chunks, fmt.Errorf("rag: reembed: %w", err)
			}
			if len(vecs) != len(texts) {
				return chunks, fmt.Errorf("rag: reembed: %d vectors for %d chunks", len(vecs), len(texts))
			}
			pv = make([]pgvector.Vector, len(vecs))
			for i, v := range vecs {
				if len(v) != dim {
					return chunks, fmt.Errorf("%w: %s returned %d dimensions, expected %d", ErrDimension, model, len(v), dim)
				}
				pv[i] = pgvector.NewVector(v)
			}
		}
		if err := s.updateChunks(ctx, ids, lex, vecIDs, pv, model, dim); err != nil {
			return chunks, err
		}
		chunks += len(ids)
		done += len(docs)
		if progress != nil {
			progress(min(done, total), total)
		}
	}
}

// updateChunks writes recomputed terms (and vectors, where given) in one
// transaction, so all chunks of a document change together. The rows are
// locked in id order first, so that two re-embedding processes working on
// overlapping batches cannot deadlock.
func (s *Store) updateChunks(ctx context.Context, ids []int64, lex []string, vecIDs []int64, vecs []pgvector.Vector, model string, dim int) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("rag: reembed: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM chunks WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	b.Queue(`UPDATE chunks c SET lex = u.lex, analyzer = $3
FROM unnest($1::bigint[], $2::text[]) AS u(id, lex) WHERE c.id = u.id`, ids, lex, s.an.version)
	if len(vecIDs) > 0 {
		b.Queue(`UPDATE chunks c SET embedding = u.v, embed_model = $3, embed_dim = $4
FROM unnest($1::bigint[], $2::vector[]) AS u(id, v) WHERE c.id = u.id`, vecIDs, vecs, model, dim)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("rag: reembed: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("rag: reembed: %w", err)
	}
	return nil
}
