package rag

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	// Outcome keeps the incidents whose fix had this outcome (worked,
	// partial, failed).
	Outcome Outcome
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
	dist         float64 // cosine distance, vector leg only
	text         float64 // full-text rank, text leg only
}

// hasFilter reports whether q restricts documents by anything but its text.
func (q Query) hasFilter() bool {
	return q.Kind != "" || q.Site != "" || q.Line != "" || q.Asset != "" || q.FailureMode != "" || q.Outcome != "" || !q.Since.IsZero() || !q.Until.IsZero()
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
	if q.Outcome != "" {
		add("d.outcome", string(q.Outcome))
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

// docFilter renders q's filters as a condition on chunks c: a semi-join on
// documents only when there is something to filter.
func docFilter(q Query, args []any) (string, []any) {
	where, args := filterSQL(q, args)
	if where == "TRUE" {
		return "TRUE", args
	}
	return "c.document_id IN (SELECT d.id FROM documents d WHERE " + where + ")", args
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
	tsq := s.an.tsQuery(q.Text)
	if strings.TrimSpace(q.Text) == "" {
		return s.browse(ctx, q)
	}
	if tsq == "" {
		// Nothing searchable in the words ("what happened?", "어떻게 됐어요?"):
		// the filters alone select, if there are any.
		if q.hasFilter() {
			return s.browse(ctx, q)
		}
		return []Result{}, nil
	}
	var vs, ts []*candidate
	var verr, terr error
	runVector := q.Mode != ModeFullText
	runText := q.Mode != ModeVector && tsq != ""
	if _, pool := s.db.(*pgxpool.Pool); pool && runVector && runText {
		// Two connections, two cores: the legs overlap.
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts, terr = s.textLeg(ctx, q, tsq)
		}()
		vs, verr = s.vectorLeg(ctx, q)
		wg.Wait()
	} else {
		if runVector {
			vs, verr = s.vectorLeg(ctx, q)
		}
		if runText && (verr == nil || errors.Is(verr, ErrDimension)) {
			ts, terr = s.textLeg(ctx, q, tsq)
		}
	}
	if verr != nil && errors.Is(verr, ErrDimension) && q.Mode == ModeHybrid && terr == nil && runText {
		// The store holds only another model's vectors (an upgrade or a new
		// provider before `gemba rag reembed`): full text still answers.
		s.log.WarnContext(ctx, "vector search skipped until the store is re-embedded", "err", verr)
		verr, vs = nil, nil
	}
	if verr != nil {
		return nil, verr
	}
	if terr != nil {
		return nil, terr
	}
	cands := map[int64]*candidate{}
	for _, c := range vs {
		cands[c.chunkID] = c
	}
	for _, c := range ts {
		if have, ok := cands[c.chunkID]; ok {
			have.text = c.text
		} else {
			cands[c.chunkID] = c
		}
	}
	if err := s.docInfo(ctx, cands); err != nil {
		return nil, err
	}
	rankLegs(vs, ts, cands)
	return s.details(ctx, q.Text, fuse(cands, q.K, q.MaxPerDoc))
}

// rankLegs numbers each leg's chunks by score; exact ties (the same text
// filed twice) go to the incident whose fix worked.
func rankLegs(vs, ts []*candidate, cands map[int64]*candidate) {
	order := func(list []*candidate, score func(*candidate) float64, set func(*candidate, int)) {
		sort.SliceStable(list, func(i, j int) bool {
			a, b := cands[list[i].chunkID], cands[list[j].chunkID]
			if score(a) != score(b) {
				return score(a) > score(b)
			}
			if a.outcome.boost() != b.outcome.boost() {
				return a.outcome.boost() > b.outcome.boost()
			}
			return a.chunkID < b.chunkID
		})
		for i, c := range list {
			set(cands[c.chunkID], i+1)
		}
	}
	order(vs, func(c *candidate) float64 { return -c.dist }, func(c *candidate, r int) { c.vRank = r })
	order(ts, func(c *candidate) float64 { return c.text }, func(c *candidate, r int) { c.tRank = r })
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
	v, err := s.emb.EmbedQuery(ctx, s.expandQuery(q.Text))
	if err != nil {
		return nil, fmt.Errorf("rag: search: %w", err)
	}
	dim := s.emb.Dim()
	if len(v) != dim {
		return nil, fmt.Errorf("%w: query vector has %d dimensions, embedder declares %d", ErrDimension, len(v), dim)
	}
	args := []any{pgvector.NewVector(v), s.emb.Model()}
	where, args := docFilter(q, args)
	args = append(args, q.Candidates)
	// The dimension is inlined: the partial HNSW index's predicate and
	// expression (half precision, see indexSQL) must match literally for
	// the planner to use it.
	d := strconv.Itoa(dim)
	typ := "halfvec(" + d + ")"
	if dim > maxIndexDim {
		typ = "vector(" + d + ")"
	}
	sql := `SELECT c.id, c.document_id, c.embedding::` + typ + ` <=> $1::` + typ + `
FROM chunks c
WHERE c.embed_dim = ` + d + ` AND c.embed_model = $2 AND ` + where + `
ORDER BY c.embedding::` + typ + ` <=> $1::` + typ + `
LIMIT $` + strconv.Itoa(len(args))
	out, err := s.inTx(ctx, func(tx pgx.Tx) ([]*candidate, error) {
		if _, err := tx.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
			strconv.Itoa(max(s.opt.EFSearch, q.Candidates))); err != nil {
			return nil, err
		}
		return collectDist(tx.Query(ctx, sql, args...))
	})
	if err != nil {
		return nil, fmt.Errorf("rag: search: vector: %w", err)
	}
	// Nearest neighbours always exist; below the floor they are noise, and
	// a question about nothing in the store should find nothing.
	if len(out) == 0 {
		if err := s.checkModel(ctx); err != nil {
			return nil, err
		}
	}
	floor := s.minSimilarity()
	kept := out[:0]
	for _, c := range out {
		if 1-c.dist >= floor {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// expandQuery adds to a question the other language's words for what it
// names (vocab.Expand: 프레스 3호기 크랭크축 → press-3 crankshaft), for
// embedders that see only the raw text; the local embedder maps both
// languages to shared concepts itself.
func (s *Store) expandQuery(text string) string {
	if s.opt.NoQueryExpansion {
		return text
	}
	if _, local := s.emb.(analyzerDependent); local {
		return text
	}
	if x := s.an.v.Expand(text); x != "" {
		return text + "\n" + x
	}
	return text
}

// checkModel refuses a vector query when the store holds only vectors of
// another model or dimension: comparing them would be meaningless.
func (s *Store) checkModel(ctx context.Context) error {
	var other string
	err := s.db.QueryRow(ctx, `SELECT embed_model || '/' || embed_dim FROM chunks WHERE NOT (embed_model = $1 AND embed_dim = $2) LIMIT 1`,
		s.emb.Model(), s.emb.Dim()).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
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

// textBudget bounds the rows the full-text leg ranks. PostgreSQL ranks
// every row that matches, reading each one's tsvector from the heap, and an
// OR over common words ("press", "pressure") matches most of a large store.
// So the rows are selected by the rarest query terms (or, when every term
// is common, by pairs of them that must occur together) up to about this
// many estimated rows, and ranked by all terms; documents that match only
// common words are left to the vector leg. A small store is not pruned.
const textBudget = 300

// textLeg returns the best full-text matches of q's terms.
func (s *Store) textLeg(ctx context.Context, q Query, tsq string) ([]*candidate, error) {
	match := s.selectiveTerms(ctx, q.Text)
	args := []any{tsq, match}
	where, args := docFilter(q, args)
	args = append(args, q.Candidates)
	// Rare terms say more than common ones: a chunk scores the summed IDF
	// of the question's terms it holds, scaled by PostgreSQL's cover
	// density (term frequency and proximity); without statistics, cover
	// density alone. The weights and terms are literals, so the checks
	// cost one tsvector lookup each per row; terms are analysed words of
	// letters and digits only (idfSQL), never free text.
	rank := "ts_rank_cd(m.tsv, tq, 1)"
	if w := idfSQL(s.idf(ctx, s.an.analyze(q.Text))); w != "" {
		rank = "(" + w + ") * (1 + ts_rank_cd(m.tsv, tq, 1))"
	}
	// The subquery's LIMIT is a backstop for estimates that were too low.
	sql := `SELECT m.id, m.document_id, ` + rank + ` AS r FROM (
    SELECT c.id, c.document_id, c.tsv FROM chunks c
    WHERE c.tsv @@ to_tsquery('simple', $2) AND ` + where + `
    LIMIT ` + strconv.Itoa(textBudget) + `) m, to_tsquery('simple', $1) tq
ORDER BY r DESC, m.id
LIMIT $` + strconv.Itoa(len(args))
	// One round trip with an unnamed statement: the text differs with
	// every question, so caching prepared statements would only churn.
	out, err := collectText(s.db.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...))
	if err != nil {
		return nil, fmt.Errorf("rag: search: full text: %w", err)
	}
	return out, nil
}

// idfSQL renders the summed IDF of the terms a chunk m holds as an SQL
// expression, "" for none. Terms that are not made only of letters and
// digits are left out (the analyser never makes such terms; this keeps any
// quote out of the SQL).
func idfSQL(ws []termIDF) string {
	parts := make([]string, 0, len(ws))
	for _, tw := range ws {
		if tw.term == "" || strings.IndexFunc(tw.term, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
			continue
		}
		parts = append(parts, "CASE WHEN m.tsv @@ '''"+tw.term+"'''::tsquery THEN "+strconv.FormatFloat(tw.idf, 'f', 3, 64)+" ELSE 0 END")
	}
	return strings.Join(parts, " + ")
}

type termIDF struct {
	term string
	idf  float64
}

// idf returns the inverse document frequency of each distinct term, from
// the planner's statistics of chunks.tsv (a term missing from its most
// common elements is rarer than the least common listed); nil when the
// store has no statistics yet.
func (s *Store) idf(ctx context.Context, terms []term) []termIDF {
	st := s.termStats(ctx)
	if st.rows <= 0 || len(st.freq) == 0 {
		return nil
	}
	floor := st.minFreq / 2
	if floor <= 0 {
		floor = 1 / max(st.rows, 1)
	}
	seen := map[string]bool{}
	var out []termIDF
	for _, t := range terms {
		if seen[t.text] {
			continue
		}
		seen[t.text] = true
		f, ok := st.freq[t.text]
		if !ok || f < floor {
			f = floor
		}
		out = append(out, termIDF{t.text, math.Log(1 + 1/f)})
	}
	return out
}

// termStats are the planner's statistics of chunks.tsv: the frequencies of
// its most common lexemes, refreshed at most once a minute.
type termStats struct {
	at      time.Time
	rows    float64
	freq    map[string]float64
	minFreq float64
}

// selectiveTerms returns the OR query of the rarest terms of text whose
// estimated matches fit textBudget (at least one term), or the whole query
// when the store is small or has no statistics yet.
func (s *Store) selectiveTerms(ctx context.Context, text string) string {
	st := s.termStats(ctx)
	seen := map[string]bool{}
	type est struct {
		term string
		rows float64
		src  int
	}
	var ts []est
	total := 0.0
	for _, t := range s.an.analyze(text) {
		if seen[t.text] {
			continue
		}
		seen[t.text] = true
		f, ok := st.freq[t.text]
		if !ok {
			f = st.minFreq / 2
		}
		ts = append(ts, est{t.text, f * st.rows, t.src})
		total += f * st.rows
	}
	if total <= textBudget || st.rows == 0 {
		return orQuery(ts, func(e est) string { return e.term })
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].rows < ts[j].rows })
	if ts[0].rows <= textBudget {
		cum, n := 0.0, 0
		for n < len(ts) && (n == 0 || cum+ts[n].rows <= textBudget) {
			cum += ts[n].rows
			n++
		}
		return orQuery(ts[:n], func(e est) string { return e.term })
	}
	// Every term is common: require two of the rarest three together,
	// assuming independence to estimate how many rows a pair matches. Two
	// terms of one word (conveyor1 and conveyor, a word and its concept)
	// are not independent: they never make a pair.
	type pair struct {
		a, b string
		rows float64
	}
	var pairs []pair
	var rarest []est
	for _, e := range ts {
		if len(rarest) == 3 {
			break
		}
		if !slices.ContainsFunc(rarest, func(r est) bool { return r.src == e.src }) {
			rarest = append(rarest, e)
		}
	}
	for i := 0; i < len(rarest); i++ {
		for j := i + 1; j < len(rarest); j++ {
			pairs = append(pairs, pair{rarest[i].term, rarest[j].term, rarest[i].rows * rarest[j].rows / st.rows})
		}
	}
	if len(pairs) == 0 {
		return orQuery(ts[:1], func(e est) string { return e.term })
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].rows < pairs[j].rows })
	cum, n := 0.0, 0
	for n < len(pairs) && (n == 0 || cum+pairs[n].rows <= textBudget) {
		cum += pairs[n].rows
		n++
	}
	return orQuery(pairs[:n], func(p pair) string { return "(" + quoteTerm(p.a) + " & " + quoteTerm(p.b) + ")" })
}

func quoteTerm(t string) string { return "'" + strings.ReplaceAll(t, "'", "''") + "'" }

// orQuery joins the rendered items with |; plain terms are quoted.
func orQuery[T any](items []T, render func(T) string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		r := render(it)
		if !strings.HasPrefix(r, "(") {
			r = quoteTerm(r)
		}
		parts[i] = r
	}
	return strings.Join(parts, " | ")
}

func (s *Store) termStats(ctx context.Context) termStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.stats != nil && s.opt.Now().Sub(s.stats.at) < time.Minute {
		return *s.stats
	}
	st := termStats{at: s.opt.Now(), freq: map[string]float64{}}
	var elems []string
	var freqs []float32
	err := s.db.QueryRow(ctx, `
SELECT coalesce((SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass), 0),
       coalesce(s.most_common_elems::text::text[], '{}'), coalesce(s.most_common_elem_freqs, '{}')
FROM (SELECT 1) one LEFT JOIN pg_stats s
  ON s.schemaname = current_schema() AND s.tablename = 'chunks' AND s.attname = 'tsv'`).Scan(&st.rows, &elems, &freqs)
	if err != nil {
		s.log.WarnContext(ctx, "reading full-text statistics", "err", err)
	}
	if st.rows < 0 {
		st.rows = 0
	}
	// The last three frequencies are the minimum, the maximum and the null share.
	for i, e := range elems {
		if i < len(freqs) {
			st.freq[e] = float64(freqs[i])
		}
	}
	if n := len(freqs); n >= 3 {
		st.minFreq = float64(freqs[n-3])
	}
	s.stats = &st
	return st
}

// docInfo fills in the kind and outcome of the candidates' documents.
func (s *Store) docInfo(ctx context.Context, cands map[int64]*candidate) error {
	if len(cands) == 0 {
		return nil
	}
	ids := make([]string, 0, len(cands))
	for _, c := range cands {
		ids = append(ids, c.docID)
	}
	rows, err := s.db.Query(ctx, `SELECT id, kind, outcome FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("rag: search: %w", err)
	}
	defer rows.Close()
	info := map[string][2]string{}
	for rows.Next() {
		var id, kind, outcome string
		if err := rows.Scan(&id, &kind, &outcome); err != nil {
			return fmt.Errorf("rag: search: %w", err)
		}
		info[id] = [2]string{kind, outcome}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rag: search: %w", err)
	}
	for _, c := range cands {
		c.kind, c.outcome = Kind(info[c.docID][0]), Outcome(info[c.docID][1])
	}
	return nil
}

// browse lists documents matching the filters alone, newest first.
func (s *Store) browse(ctx context.Context, q Query) ([]Result, error) {
	where, args := filterSQL(q, nil)
	args = append(args, q.K)
	rows, err := s.db.Query(ctx, `SELECT c.id, c.document_id
FROM documents d JOIN chunks c ON c.document_id = d.id AND c.ord = 0
WHERE `+where+`
ORDER BY d.occurred_at DESC NULLS LAST, d.id
LIMIT $`+strconv.Itoa(len(args)), args...)
	cs, err := collect(rows, err)
	if err != nil {
		return nil, fmt.Errorf("rag: browse: %w", err)
	}
	m := make(map[int64]*candidate, len(cs))
	for _, c := range cs {
		m[c.chunkID] = c
	}
	if err := s.docInfo(ctx, m); err != nil {
		return nil, err
	}
	for i, c := range cs {
		c.score = 1 / float64(rrfK+i+1)
	}
	return s.details(ctx, "", cs)
}

// scanCandidates reads one candidate a row, each filled in by scan; err is
// the error of the query that gave rows, returned as it is.
func scanCandidates(rows pgx.Rows, err error, scan func(pgx.Rows, *candidate) error) ([]*candidate, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*candidate
	for rows.Next() {
		c := &candidate{}
		if err := scan(rows, c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func collectDist(rows pgx.Rows, err error) ([]*candidate, error) {
	return scanCandidates(rows, err, func(r pgx.Rows, c *candidate) error {
		return r.Scan(&c.chunkID, &c.docID, &c.dist)
	})
}

func collectText(rows pgx.Rows, err error) ([]*candidate, error) {
	return scanCandidates(rows, err, func(r pgx.Rows, c *candidate) error {
		var rank float32
		if err := r.Scan(&c.chunkID, &c.docID, &rank); err != nil {
			return err
		}
		c.text = float64(rank)
		return nil
	})
}

// minSimilarity is the cosine similarity below which a vector hit is
// dropped: Options.MinSimilarity, else the embedder's own floor.
func (s *Store) minSimilarity() float64 {
	if s.opt.MinSimilarity != 0 {
		return s.opt.MinSimilarity
	}
	if f, ok := s.emb.(interface{ MinSimilarity() float64 }); ok {
		return f.MinSimilarity()
	}
	return 0
}

func collect(rows pgx.Rows, err error) ([]*candidate, error) {
	return scanCandidates(rows, err, func(r pgx.Rows, c *candidate) error {
		return r.Scan(&c.chunkID, &c.docID)
	})
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
	for _, t := range s.an.analyze(text) {
		terms[t.text] = true
	}
	for _, c := range cs {
		d := byID[c.chunkID]
		out = append(out, Result{
			DocumentID: c.docID, Title: d.title, Kind: c.kind, Score: c.score, Heading: d.heading,
			Snippet: s.an.snippet(d.content, terms, 240), Source: d.source, Site: d.site, Line: d.line, Asset: d.asset,
			FailureMode: d.fm, Outcome: c.outcome, OccurredAt: d.occ, ChunkID: c.chunkID,
			VectorRank: c.vRank, TextRank: c.tRank,
		})
	}
	return out, nil
}

// snippet returns about n characters of content starting near the first
// line that contains a query term, on one line.
func (a *analyzer) snippet(content string, terms map[string]bool, n int) string {
	lines := strings.Split(content, "\n")
	start := 0
	if len(terms) > 0 {
	find:
		for i, l := range lines {
			for _, t := range a.analyze(l) {
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
