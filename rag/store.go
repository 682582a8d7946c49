package rag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/vocab"
)

// ErrNotFound is returned by Get and SetOutcome for an unknown document id.
var ErrNotFound = errors.New("rag: document not found")

// Options tune a Store; the zero value is usable.
type Options struct {
	// Logger receives warnings (mixed embedding models, skipped input).
	Logger *slog.Logger
	// Chunk bounds chunk sizes.
	Chunk ChunkOptions
	// EFSearch is hnsw.ef_search for every vector query (default 200,
	// which gave recall@10 0.966 against exact search at 100,000 chunks of
	// the local embedder, whose hashed vectors are hard for HNSW: 100 gave
	// 0.93; see `gemba rag bench`).
	EFSearch int
	// MinSimilarity drops vector hits with a lower cosine similarity; 0
	// uses the embedder's floor (LocalEmbedder: 0.15), negative disables it.
	MinSimilarity float64
	// Now is the clock for relative dates ("since 90d"); time.Now by default.
	Now func() time.Time
	// Vocabulary is the bilingual vocabulary text analysis uses (asset
	// names, Korean particles, concepts shared by both languages);
	// vocab.Default() when nil. Give the local embedder the same one.
	Vocabulary *vocab.Vocabulary
	// NoQueryExpansion turns off adding the other language's words to a
	// question before a provider embeds it (for measurements).
	NoQueryExpansion bool
}

// Store is the document store on PostgreSQL with pgvector. It is safe for
// concurrent use when its DBTX is a pool.
type Store struct {
	db  db.DBTX
	emb Embedder
	log *slog.Logger
	opt Options
	an  *analyzer

	indexMu sync.Mutex
	indexed map[int]bool // dimensions known to have an HNSW index

	statsMu sync.Mutex
	stats   *termStats
}

// New returns a store on dbtx (a pool, or a transaction in tests) that
// embeds with emb.
func New(dbtx db.DBTX, emb Embedder, opt Options) *Store {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.EFSearch <= 0 {
		opt.EFSearch = 200
	}
	an := defaultAnalyzer()
	if opt.Vocabulary != nil {
		an = newAnalyzer(opt.Vocabulary)
	}
	return &Store{db: dbtx, emb: emb, log: opt.Logger.With("component", "rag"), opt: opt, an: an, indexed: map[int]bool{}}
}

// Analyzer names the store's text analysis (rules and vocabulary), which
// every chunk records; chunks with another need `gemba rag reembed`.
func (s *Store) Analyzer() string { return s.an.version }

// Embedder returns the store's embedder.
func (s *Store) Embedder() Embedder { return s.emb }

// Now is the store's clock (Options.Now), which relative search filters
// such as "since 90d" are counted back from.
func (s *Store) Now() time.Time { return s.opt.Now() }

// Status says what an upsert did to a document.
type Status string

// The results of writing one document.
const (
	StatusAdded     Status = "added"
	StatusUpdated   Status = "updated"
	StatusUnchanged Status = "unchanged"
)

// Upsert validates and stores one document (the Slack "mark resolved" flow
// stores a thread this way). An unchanged document (same content hash)
// writes nothing; a changed one has its chunks replaced in one transaction.
func (s *Store) Upsert(ctx context.Context, d Document) (Status, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("rag: upsert %s: %w", d.ID, err)
	}
	if strings.TrimSpace(d.Body) == "" {
		return "", fmt.Errorf("rag: upsert %s: %w", d.ID, ErrEmpty)
	}
	st, work, err := s.prepare(ctx, []Document{d}, false)
	if err != nil {
		return "", err
	}
	if _, err := s.write(ctx, work); err != nil {
		return "", err
	}
	return st[0], nil
}

// prepared is a document ready to write: its hash, chunks and vectors.
type prepared struct {
	doc    Document
	hash   string
	chunks []Chunk
	lex    []string
	vecs   [][]float32
}

// prepare finds which documents changed (by content hash) and chunks and
// embeds those; write then stores them. Unchanged documents get no work.
// In bulk mode the HNSW index has been dropped and is rebuilt by the caller.
func (s *Store) prepare(ctx context.Context, docs []Document, bulk bool) ([]Status, []*prepared, error) {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	existing := map[string]string{}
	sources := map[string]string{}
	// A document whose chunks were analysed by other rules or another
	// vocabulary is rewritten even when its content is unchanged.
	rows, err := s.db.Query(ctx, `SELECT d.id, d.content_hash, d.source,
    EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id AND c.analyzer <> $2)
FROM documents d WHERE d.id = ANY($1)`, ids, s.an.version)
	if err != nil {
		return nil, nil, fmt.Errorf("rag: upsert: %w", err)
	}
	for rows.Next() {
		var id, h, src string
		var stale bool
		if err := rows.Scan(&id, &h, &src, &stale); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("rag: upsert: %w", err)
		}
		if stale {
			h = "stale:" + h
		}
		existing[id] = h
		sources[id] = src
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("rag: upsert: %w", err)
	}

	status := make([]Status, len(docs))
	var work []*prepared
	var texts []string
	for i, d := range docs {
		h := d.Hash()
		old, ok := existing[d.ID]
		switch {
		case ok && old == h:
			status[i] = StatusUnchanged
			continue
		case ok:
			status[i] = StatusUpdated
			if prev := sources[d.ID]; prev != "" && prev != d.Source {
				s.log.WarnContext(ctx, "document moved to another source", "id", d.ID, "from", prev, "to", d.Source)
			}
		default:
			status[i] = StatusAdded
		}
		p := &prepared{doc: d, hash: h, chunks: ChunkMarkdown(d.Body, s.opt.Chunk)}
		if len(p.chunks) == 0 {
			p.chunks = []Chunk{{Content: d.Title}}
		}
		for _, c := range p.chunks {
			texts = append(texts, embedText(d.Title, c.Heading, c.Content))
			p.lex = append(p.lex, s.an.chunkLex(d.Title, d.Asset, d.FailureMode, d.Tags, c.Heading, c.Content))
		}
		work = append(work, p)
	}
	if len(work) == 0 {
		return status, nil, nil
	}
	vecs, err := s.emb.EmbedDocuments(ctx, texts)
	if err != nil {
		return nil, nil, fmt.Errorf("rag: upsert: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, nil, fmt.Errorf("rag: upsert: embedder returned %d vectors for %d chunks", len(vecs), len(texts))
	}
	dim := s.emb.Dim()
	for _, v := range vecs {
		if len(v) != dim {
			return nil, nil, fmt.Errorf("%w: a %d-dimensional vector from %s, which declares %d", ErrDimension, len(v), s.emb.Model(), dim)
		}
	}
	k := 0
	for _, p := range work {
		p.vecs = vecs[k : k+len(p.chunks)]
		k += len(p.chunks)
	}
	if !bulk {
		if err := s.ensureIndex(ctx, dim); err != nil {
			return nil, nil, err
		}
	}
	return status, work, nil
}

const upsertDocSQL = `
INSERT INTO documents (id, kind, title, source, site, line, asset, failure_mode, severity,
    occurred_at, resolved_at, downtime_minutes, tags, outcome, lang, body, metadata, content_hash, outcome_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, title = EXCLUDED.title, source = EXCLUDED.source, site = EXCLUDED.site,
    line = EXCLUDED.line, asset = EXCLUDED.asset, failure_mode = EXCLUDED.failure_mode,
    severity = EXCLUDED.severity, occurred_at = EXCLUDED.occurred_at, resolved_at = EXCLUDED.resolved_at,
    downtime_minutes = EXCLUDED.downtime_minutes, tags = EXCLUDED.tags,
    -- An outcome recorded in Slack survives re-ingesting a file that states none.
    outcome = CASE WHEN EXCLUDED.outcome = '' THEN documents.outcome ELSE EXCLUDED.outcome END,
    outcome_by = CASE WHEN EXCLUDED.outcome = '' THEN documents.outcome_by ELSE EXCLUDED.outcome_by END,
    lang = EXCLUDED.lang, body = EXCLUDED.body, metadata = EXCLUDED.metadata,
    content_hash = EXCLUDED.content_hash, updated_at = now()`

// write stores prepared documents and their chunks in one transaction:
// the documents in one batch of statements, their chunks with COPY.
func (s *Store) write(ctx context.Context, work []*prepared) (int, error) {
	if len(work) == 0 {
		return 0, nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("rag: write: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Documents are written in id order, so that two ingests of
	// overlapping documents lock their rows in the same order and wait for
	// each other instead of deadlocking.
	work = slices.SortedFunc(slices.Values(work), func(a, b *prepared) int { return strings.Compare(a.doc.ID, b.doc.ID) })
	b := &pgx.Batch{}
	ids := make([]string, len(work))
	for i, p := range work {
		d := p.doc
		ids[i] = d.ID
		meta := d.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		mj, err := json.Marshal(meta)
		if err != nil {
			return 0, fmt.Errorf("rag: write %s: metadata: %w", d.ID, err)
		}
		tags := d.Tags
		if tags == nil {
			tags = []string{}
		}
		b.Queue(upsertDocSQL, d.ID, string(d.Kind), d.Title, d.Source, d.Site, d.Line, d.Asset, d.FailureMode,
			d.Severity, d.OccurredAt, d.ResolvedAt, d.DowntimeMinutes, tags, string(d.Outcome), d.Lang, d.Body, mj, p.hash, d.OutcomeBy)
	}
	b.Queue(`DELETE FROM chunks WHERE document_id = ANY($1)`, ids)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("rag: write documents: %w", err)
	}
	model, dim := s.emb.Model(), s.emb.Dim()
	var rowsN int
	for _, p := range work {
		rowsN += len(p.chunks)
	}
	src := make([][]any, 0, rowsN)
	for _, p := range work {
		for i, c := range p.chunks {
			src = append(src, []any{p.doc.ID, i, c.Heading, c.Content, p.lex[i], s.an.version, model, dim, pgvector.NewVector(p.vecs[i])})
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"},
		[]string{"document_id", "ord", "heading", "content", "lex", "analyzer", "embed_model", "embed_dim", "embedding"},
		pgx.CopyFromRows(src))
	if err != nil {
		return 0, fmt.Errorf("rag: write chunks: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("rag: write: commit: %w", err)
	}
	return int(n), nil
}

// maxIndexDim is the largest dimension pgvector's HNSW indexes as halfvec.
const maxIndexDim = 4000

// indexName is the partial HNSW index of one dimension (the migration
// creates the one for 384).
func indexName(dim int) string { return fmt.Sprintf("chunks_embedding_%d_idx", dim) }

// indexSQL creates the partial HNSW index of one dimension. It indexes
// half-precision copies of the vectors (the table keeps full precision):
// the index is half the size, so at 100,000 chunks it stays in PostgreSQL's
// buffers and a query reads three times fewer pages. m and ef_construction
// are pgvector's defaults; the hashed local vectors are hard for HNSW, so
// queries use a large ef_search (Options.EFSearch; see `gemba rag bench`).
func indexSQL(dim int) string {
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks USING hnsw ((embedding::halfvec(%d)) halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE embed_dim = %d`,
		indexName(dim), dim, dim)
}

// ensureIndex makes sure the HNSW index of a dimension exists (a provider's
// 768 or 1536, or one a crashed bulk load left dropped), once per store.
func (s *Store) ensureIndex(ctx context.Context, dim int) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexed[dim] {
		return nil
	}
	if dim > maxIndexDim {
		// pgvector's HNSW on halfvec is limited to 4,000 dimensions: exact search only.
		s.log.WarnContext(ctx, "embedding dimension above 4000 has no HNSW index; vector search is exact", "dim", dim)
		s.indexed[dim] = true
		return nil
	}
	// Look before creating: CREATE INDEX IF NOT EXISTS takes a table lock
	// even when the index is there, which would serialise writers.
	var exists bool
	if err := s.db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, indexName(dim)).Scan(&exists); err != nil {
		return fmt.Errorf("rag: look up HNSW index for %d dimensions: %w", dim, err)
	}
	if !exists {
		if _, err := s.db.Exec(ctx, indexSQL(dim)); err != nil {
			return fmt.Errorf("rag: create HNSW index for %d dimensions: %w", dim, err)
		}
	}
	s.indexed[dim] = true
	return nil
}

// dropIndex removes a dimension's HNSW index before a bulk load: inserting
// row by row into HNSW costs about four times more than building it once.
func (s *Store) dropIndex(ctx context.Context, dim int) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	delete(s.indexed, dim)
	if _, err := s.db.Exec(ctx, "DROP INDEX IF EXISTS "+indexName(dim)); err != nil {
		return fmt.Errorf("rag: bulk load: drop HNSW index: %w", err)
	}
	return nil
}

// buildIndex rebuilds a dimension's HNSW index after a bulk load, with
// enough maintenance memory for the graph to be built in memory (and in
// parallel, as PostgreSQL allows).
func (s *Store) buildIndex(ctx context.Context, dim int) error {
	if dim > maxIndexDim {
		return nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("rag: bulk load: build HNSW index: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', '512MB', true)`); err != nil {
		return fmt.Errorf("rag: bulk load: build HNSW index: %w", err)
	}
	if _, err := tx.Exec(ctx, indexSQL(dim)); err != nil {
		return fmt.Errorf("rag: bulk load: build HNSW index: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("rag: bulk load: build HNSW index: %w", err)
	}
	s.indexMu.Lock()
	s.indexed[dim] = true
	s.indexMu.Unlock()
	return nil
}

const docColumns = `id, kind, title, source, site, line, asset, failure_mode, severity, occurred_at, resolved_at,
    downtime_minutes, tags, outcome, outcome_by, lang, body, metadata, updated_at`

func scanDoc(row pgx.Row) (Document, error) {
	var d Document
	var kind, outcome string
	var meta []byte
	err := row.Scan(&d.ID, &kind, &d.Title, &d.Source, &d.Site, &d.Line, &d.Asset, &d.FailureMode, &d.Severity,
		&d.OccurredAt, &d.ResolvedAt, &d.DowntimeMinutes, &d.Tags, &outcome, &d.OutcomeBy, &d.Lang, &d.Body, &meta, &d.UpdatedAt)
	if err != nil {
		return d, err
	}
	d.Kind, d.Outcome = Kind(kind), Outcome(outcome)
	if len(meta) > 2 {
		_ = json.Unmarshal(meta, &d.Metadata)
	}
	return d, nil
}

// Get returns a whole document by id (the get_document tool and citation
// checks), or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Document, error) {
	d, err := scanDoc(s.db.QueryRow(ctx, `SELECT `+docColumns+` FROM documents WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Document{}, fmt.Errorf("rag: get %s: %w", id, err)
	}
	return d, nil
}

// Exists reports which of ids are stored; the agent checks that the
// documents an answer cites are real.
func (s *Store) Exists(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = false
	}
	rows, err := s.db.Query(ctx, `SELECT id FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("rag: exists: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("rag: exists: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// SetOutcome records whether an incident's fix worked (worked, partial,
// failed, unknown) and who said so; search ranks by it at once. It does not
// change the content hash, so re-ingesting the unchanged source file keeps it.
func (s *Store) SetOutcome(ctx context.Context, docID, outcome, by string) error {
	o, err := ParseOutcome(outcome)
	if err != nil {
		return fmt.Errorf("rag: set outcome of %s: %w", docID, err)
	}
	tag, err := s.db.Exec(ctx, `UPDATE documents SET outcome = $2, outcome_by = $3, updated_at = now() WHERE id = $1`, docID, string(o), by)
	if err != nil {
		return fmt.Errorf("rag: set outcome of %s: %w", docID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, docID)
	}
	return nil
}

// Delete removes documents and their chunks; it returns how many existed.
func (s *Store) Delete(ctx context.Context, ids ...string) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("rag: delete: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Stats describes the store's content.
type Stats struct {
	Documents int            `json:"documents"`
	Chunks    int            `json:"chunks"`
	ByKind    map[string]int `json:"by_kind"`
	ByLang    map[string]int `json:"by_lang"`
	ByOutcome map[string]int `json:"by_outcome"`
	// Models counts chunks per "model/dimension"; more than one entry
	// means a reembed is due or under way.
	Models map[string]int `json:"models"`
	// Analyzers counts chunks per text-analysis version; any other than
	// the current one (Analyzer) means a reembed is due.
	Analyzers  map[string]int `json:"analyzers"`
	Analyzer   string         `json:"analyzer"`
	LastUpdate *time.Time     `json:"last_update,omitempty"`
	TableBytes int64          `json:"table_bytes"`
}

// Stats counts documents and chunks by kind, language, outcome and model.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByKind: map[string]int{}, ByLang: map[string]int{}, ByOutcome: map[string]int{}, Models: map[string]int{},
		Analyzers: map[string]int{}, Analyzer: s.an.version}
	count := func(q string, into map[string]int) error {
		rows, err := s.db.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			into[k] = n
		}
		return rows.Err()
	}
	for q, m := range map[string]map[string]int{
		`SELECT kind, count(*) FROM documents GROUP BY 1`:                                                          st.ByKind,
		`SELECT lang, count(*) FROM documents GROUP BY 1`:                                                          st.ByLang,
		`SELECT coalesce(nullif(outcome, ''), 'none'), count(*) FROM documents WHERE kind = 'incident' GROUP BY 1`: st.ByOutcome,
		`SELECT embed_model || '/' || embed_dim, count(*) FROM chunks GROUP BY 1`:                                  st.Models,
		`SELECT coalesce(nullif(analyzer, ''), 'none'), count(*) FROM chunks GROUP BY 1`:                           st.Analyzers,
	} {
		if err := count(q, m); err != nil {
			return st, fmt.Errorf("rag: stats: %w", err)
		}
	}
	for _, n := range st.ByKind {
		st.Documents += n
	}
	for _, n := range st.Models {
		st.Chunks += n
	}
	err := s.db.QueryRow(ctx, `SELECT max(updated_at), pg_total_relation_size('documents') + pg_total_relation_size('chunks') FROM documents`).Scan(&st.LastUpdate, &st.TableBytes)
	if err != nil {
		return st, fmt.Errorf("rag: stats: %w", err)
	}
	return st, nil
}

// SetOccurrence moves an incident in time: the demo seeder aligns the demo
// incidents with the failures it generates relative to the seed time. Like
// SetOutcome it leaves the content hash alone, so re-ingesting the
// unchanged file keeps the new times. A zero resolvedAt clears it.
func (s *Store) SetOccurrence(ctx context.Context, docID string, occurredAt, resolvedAt time.Time) error {
	var res *time.Time
	if !resolvedAt.IsZero() {
		res = &resolvedAt
	}
	tag, err := s.db.Exec(ctx, `UPDATE documents SET occurred_at = $2, resolved_at = $3, updated_at = now() WHERE id = $1`, docID, occurredAt, res)
	if err != nil {
		return fmt.Errorf("rag: set occurrence of %s: %w", docID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, docID)
	}
	return nil
}
