package rag

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// Mode selects the retrieval legs of a search.
type Mode string

// The retrieval modes; hybrid is the default, the others exist for
// measurement and debugging.
const (
	ModeHybrid   Mode = "hybrid"
	ModeVector   Mode = "vector"
	ModeFullText Mode = "fulltext"
)

// rrfK is the reciprocal-rank-fusion constant. The literature's 60 suits
// long result lists; on the labelled set (testdata/eval.jsonl) 10 gave the
// best recall@5 and MRR, because the top few ranks of each leg carry the
// signal here (k=60: hybrid recall@5 0.775, k=10: 0.819).
const rrfK = 10

// Query is a search request. Empty filter fields do not restrict.
type Query struct {
	// Text is the question or symptom; it may be empty when filters alone
	// select (then the newest documents come first).
	Text        string
	K           int // results wanted (default 5)
	Kind        Kind
	Site        string
	Line        string
	Asset       string
	FailureMode string
	// Since and Until bound occurred_at; documents without a date (most
	// runbooks) are kept.
	Since, Until time.Time
	// MaxPerDoc caps the chunks returned per document (default 1).
	MaxPerDoc int
	// Mode selects the legs (default hybrid).
	Mode Mode
	// Candidates is how many chunks each leg contributes to the fusion
	// (default 60).
	Candidates int
	// Lenient lets documents with no site, line or asset at all pass those
	// filters: a plant-wide runbook still applies inside a channel scoped
	// to one line.
	Lenient bool
}

// Result is one retrieved chunk with its document's citation data.
type Result struct {
	DocumentID  string     `json:"document_id"`
	Title       string     `json:"title"`
	Kind        Kind       `json:"kind"`
	Score       float64    `json:"score"`
	Heading     string     `json:"heading,omitempty"`
	Snippet     string     `json:"snippet"`
	Source      string     `json:"source"`
	Site        string     `json:"site,omitempty"`
	Line        string     `json:"line,omitempty"`
	Asset       string     `json:"asset,omitempty"`
	FailureMode string     `json:"failure_mode,omitempty"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	OccurredAt  *time.Time `json:"occurred_at,omitempty"`
	ChunkID     int64      `json:"chunk_id"`
	// VectorRank and TextRank are the chunk's 1-based ranks in each leg
	// (0: not retrieved by that leg).
	VectorRank int `json:"vector_rank,omitempty"`
	TextRank   int `json:"text_rank,omitempty"`
}

type candidate struct {
	chunkID      int64
	docID        string
	kind         Kind
	outcome      Outcome
	vRank, tRank int
	score        float64
}

// filterSQL renders the document filters of q as SQL over alias d,
// appending arguments to args.
func filterSQL(q Query, args []any) (string, []any) {
	var w []string
	add := func(col string, v any) {
		args = append(args, v)
		w = append(w, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	place := func(col string, v any) {
		if !q.Lenient {
			add(col, v)
			return
		}
		args = append(args, v)
		w = append(w, fmt.Sprintf("(%s = $%d OR %s = '')", col, len(args), col))
	}
	if q.Kind != "" {
		add("d.kind", string(q.Kind))
	}
	if q.Site != "" {
		place("d.site", q.Site)
	}
	if q.Line != "" {
		place("d.line", q.Line)
	}
	if q.Asset != "" {
		place("d.asset", q.Asset)
	}
	if q.FailureMode != "" {
		add("d.failure_mode", q.FailureMode)
	}
	if !q.Since.IsZero() {
		args = append(args, q.Since)
		w = append(w, fmt.Sprintf("(d.occurred_at IS NULL OR d.occurred_at >= $%d)", len(args)))
	}
	if !q.Until.IsZero() {
		args = append(args, q.Until)
		w = append(w, fmt.Sprintf("(d.occurred_at IS NULL OR d.occurred_at < $%d)", len(args)))
	}
	if len(w) == 0 {
		return "TRUE", args
	}
	return strings.Join(w, " AND "), args
}

// Search runs a hybrid (or single-leg) search and returns at most q.K
// results, best first; none is an empty slice, not an error. Incidents
// whose fix worked are ranked above equally relevant ones whose fix failed.
func (s *Store) Search(ctx context.Context, q Query) ([]Result, error) {
	if q.K <= 0 {
		q.K = 5
	}
	if q.MaxPerDoc <= 0 {
		q.MaxPerDoc = 1
	}
	if q.Mode == "" {
		q.Mode = ModeHybrid
	}
	if q.Candidates <= 0 {
		q.Candidates = max(60, 4*q.K*q.MaxPerDoc)
	}
	if q.Kind != "" {
		k, err := ParseKind(string(q.Kind))
		if err != nil {
			return nil, fmt.Errorf("rag: search: %w", err)
		}
		q.Kind = k
	}
	tsq := tsQuery(q.Text)
	if strings.TrimSpace(q.Text) == "" || tsq == "" && q.Mode == ModeFullText {
		return s.browse(ctx, q)
	}
	cands := map[int64]*candidate{}
	if q.Mode != ModeFullText {
		vs, err := s.vectorLeg(ctx, q)
		if err != nil {
			return nil, err
		}
		for i, c := range vs {
			c.vRank = i + 1
			cands[c.chunkID] = c
		}
	}
	if q.Mode != ModeVector && tsq != "" {
		ts, err := s.textLeg(ctx, q, tsq)
		if err != nil {
			return nil, err
		}
		for i, c := range ts {
			if have, ok := cands[c.chunkID]; ok {
				have.tRank = i + 1
			} else {
				c.tRank = i + 1
				cands[c.chunkID] = c
			}
		}
	}
	return s.details(ctx, q.Text, fuse(cands, q.K, q.MaxPerDoc))
}

// fuse ranks documents by reciprocal rank fusion of their best chunk's
// rank in each leg (document ranks, so that a document with many matching
// chunks does not push others down a leg), applies the outcome boost to
// incidents, and returns up to k chunks, at most maxPerDoc per document,
// the best chunks of the best documents first.
func fuse(cands map[int64]*candidate, k, maxPerDoc int) []*candidate {
	list := make([]*candidate, 0, len(cands))
	for _, c := range cands {
		list = append(list, c)
	}
	docScore := map[string]float64{}
	for _, leg := range []func(*candidate) int{
		func(c *candidate) int { return c.vRank },
		func(c *candidate) int { return c.tRank },
	} {
		in := make([]*candidate, 0, len(list))
		for _, c := range list {
			if leg(c) > 0 {
				in = append(in, c)
			}
		}
		sort.Slice(in, func(i, j int) bool { return leg(in[i]) < leg(in[j]) })
		rank := 0
		seen := map[string]bool{}
		for _, c := range in {
			if seen[c.docID] {
				continue
			}
			seen[c.docID] = true
			rank++
			docScore[c.docID] += 1.0 / float64(rrfK+rank)
		}
	}
	for _, c := range list {
		// Within a document, chunks order by their own fused chunk ranks.
		if c.vRank > 0 {
			c.score += 1.0 / float64(rrfK+c.vRank)
		}
		if c.tRank > 0 {
			c.score += 1.0 / float64(rrfK+c.tRank)
		}
	}
	// Every chunk of a document carries its kind and outcome.
	final := map[string]float64{}
	for _, c := range list {
		d := docScore[c.docID]
		if c.kind == KindIncident {
			d *= c.outcome.boost()
		}
		final[c.docID] = d
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if final[a.docID] != final[b.docID] {
			return final[a.docID] > final[b.docID]
		}
		if a.docID != b.docID {
			return a.docID < b.docID
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.chunkID < b.chunkID
	})
	perDoc := map[string]int{}
	var keep []*candidate
	for _, c := range list {
		if perDoc[c.docID] >= maxPerDoc {
			continue
		}
		perDoc[c.docID]++
		c.score = final[c.docID]
		keep = append(keep, c)
		if len(keep) == k {
			break
		}
	}
	return keep

}

// vectorLeg returns the nearest chunks by cosine distance through the HNSW
// index of the embedder's dimension, with ef_search set for this query only.
func (s *Store) vectorLeg(ctx context.Context, q Query) ([]*candidate, error) {
	v, err := s.emb.EmbedQuery(ctx, q.Text)
	if err != nil {
		return nil, fmt.Errorf("rag: search: %w", err)
	}
	dim := s.emb.Dim()
	if len(v) != dim {
		return nil, fmt.Errorf("%w: query vector has %d dimensions, embedder declares %d", ErrDimension, len(v), dim)
	}
	args := []any{pgvector.NewVector(v), s.emb.Model()}
	where, args := filterSQL(q, args)
	args = append(args, q.Candidates)
	// The dimension is inlined: the partial HNSW index's predicate and
	// expression must match literally for the planner to use it.
	d := strconv.Itoa(dim)
	sql := `SELECT c.id, c.document_id, d.kind, d.outcome
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.embed_dim = ` + d + ` AND c.embed_model = $2 AND ` + where + `
ORDER BY c.embedding::vector(` + d + `) <=> $1
LIMIT $` + strconv.Itoa(len(args))
	out, err := s.inTx(ctx, func(tx pgx.Tx) ([]*candidate, error) {
		if _, err := tx.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
			strconv.Itoa(max(s.opt.EFSearch, q.Candidates))); err != nil {
			return nil, err
		}
		return collect(tx.Query(ctx, sql, args...))
	})
	if err != nil {
		return nil, fmt.Errorf("rag: search: vector: %w", err)
	}
	if len(out) == 0 {
		if err := s.checkModel(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkModel refuses a vector query when the store holds only vectors of
// another model or dimension: comparing them would be meaningless.
func (s *Store) checkModel(ctx context.Context) error {
	var other string
	err := s.db.QueryRow(ctx, `SELECT embed_model || '/' || embed_dim FROM chunks WHERE NOT (embed_model = $1 AND embed_dim = $2) LIMIT 1`,
		s.emb.Model(), s.emb.Dim()).Scan(&other)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rag: search: %w", err)
	}
	var mine bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chunks WHERE embed_model = $1 AND embed_dim = $2)`, s.emb.Model(), s.emb.Dim()).Scan(&mine); err != nil {
		return fmt.Errorf("rag: search: %w", err)
	}
	if mine {
		return nil
	}
	return fmt.Errorf("%w: the store holds %s embeddings but queries are embedded with %s/%d; run `gemba rag reembed`",
		ErrDimension, other, s.emb.Model(), s.emb.Dim())
}

// textLeg returns the best full-text matches of the OR query tsq.
func (s *Store) textLeg(ctx context.Context, q Query, tsq string) ([]*candidate, error) {
	args := []any{tsq}
	where, args := filterSQL(q, args)
	args = append(args, q.Candidates)
	sql := `SELECT c.id, c.document_id, d.kind, d.outcome
FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('simple', $1) tq
WHERE c.tsv @@ tq AND ` + where + `
ORDER BY ts_rank_cd(c.tsv, tq, 1) DESC, c.id
LIMIT $` + strconv.Itoa(len(args))
	out, err := collect(s.db.Query(ctx, sql, args...))
	if err != nil {
		return nil, fmt.Errorf("rag: search: full text: %w", err)
	}
	return out, nil
}

// browse lists documents matching the filters alone, newest first.
func (s *Store) browse(ctx context.Context, q Query) ([]Result, error) {
	where, args := filterSQL(q, nil)
	args = append(args, q.K)
	rows, err := s.db.Query(ctx, `SELECT c.id, c.document_id, d.kind, d.outcome
FROM documents d JOIN chunks c ON c.document_id = d.id AND c.ord = 0
WHERE `+where+`
ORDER BY d.occurred_at DESC NULLS LAST, d.id
LIMIT $`+strconv.Itoa(len(args)), args...)
	cs, err := collect(rows, err)
	if err != nil {
		return nil, fmt.Errorf("rag: browse: %w", err)
	}
	for i, c := range cs {
		c.score = 1 / float64(rrfK+i+1)
	}
	return s.details(ctx, "", cs)
}

func collect(rows pgx.Rows, err error) ([]*candidate, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*candidate
	for rows.Next() {
		c := &candidate{}
		var kind, outcome string
		if err := rows.Scan(&c.chunkID, &c.docID, &kind, &outcome); err != nil {
			return nil, err
		}
		c.kind, c.outcome = Kind(kind), Outcome(outcome)
		out = append(out, c)
	}
	return out, rows.Err()
}

// inTx runs fn in a transaction (a savepoint when the store already runs
// in one) so that SET LOCAL settings end with it.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) ([]*candidate, error)) ([]*candidate, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	out, err := fn(tx)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit(ctx)
}

// details loads the citation data and text of the chosen chunks.
func (s *Store) details(ctx context.Context, text string, cs []*candidate) ([]Result, error) {
	out := make([]Result, 0, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.chunkID
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.heading, c.content, d.title, d.source, d.site, d.line, d.asset, d.failure_mode, d.occurred_at
FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("rag: search: details: %w", err)
	}
	defer rows.Close()
	type det struct {
		heading, content, title, source, site, line, asset, fm string
		occ                                                    *time.Time
	}
	byID := map[int64]det{}
	for rows.Next() {
		var id int64
		var d det
		if err := rows.Scan(&id, &d.heading, &d.content, &d.title, &d.source, &d.site, &d.line, &d.asset, &d.fm, &d.occ); err != nil {
			return nil, fmt.Errorf("rag: search: details: %w", err)
		}
		byID[id] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rag: search: details: %w", err)
	}
	terms := map[string]bool{}
	for _, t := range analyze(text) {
		terms[t.text] = true
	}
	for _, c := range cs {
		d := byID[c.chunkID]
		out = append(out, Result{
			DocumentID: c.docID, Title: d.title, Kind: c.kind, Score: c.score, Heading: d.heading,
			Snippet: snippet(d.content, terms, 240), Source: d.source, Site: d.site, Line: d.line, Asset: d.asset,
			FailureMode: d.fm, Outcome: c.outcome, OccurredAt: d.occ, ChunkID: c.chunkID,
			VectorRank: c.vRank, TextRank: c.tRank,
		})
	}
	return out, nil
}

// snippet returns about n characters of content starting near the first
// line that contains a query term, on one line.
func snippet(content string, terms map[string]bool, n int) string {
	lines := strings.Split(content, "\n")
	start := 0
	if len(terms) > 0 {
	find:
		for i, l := range lines {
			for _, t := range analyze(l) {
				if terms[t.text] {
					start = i
					break find
				}
			}
		}
	}
	s := strings.Join(strings.Fields(strings.Join(lines[start:], " ")), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + " …"
	}
	return string(r) + "…"
}
