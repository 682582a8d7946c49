package rag

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// BenchOptions size a load benchmark.
type BenchOptions struct {
	// Chunks is the number of chunks to ingest (default 100,000).
	Chunks int
	// Queries is the number of hybrid queries timed (default 200).
	Queries int
	// RecallQueries is the number of queries for HNSW recall (default 100).
	RecallQueries int
	// EFSearch lists the hnsw.ef_search values whose recall is measured.
	EFSearch []int
	// Corpus is a folder of real documents whose sentences seed the
	// synthetic ones (the demo corpus); empty uses built-in phrases.
	Corpus string
	// Dir is where the synthetic files are written (a temporary folder by default).
	Dir string
	// Seed makes the synthetic corpus reproducible.
	Seed uint64
	// Questions are real questions (the labelled sets' shop-floor
	// phrasing, Korean and English) timed beside the synthetic ones, every
	// other query, so that vocabulary expansion and Korean analysis are in
	// the figures.
	Questions []string
	// Progress receives a line per phase.
	Progress func(string)
}

// BenchReport holds the measured figures.
type BenchReport struct {
	Chunks          int             `json:"chunks"`
	Documents       int             `json:"documents"`
	Files           int             `json:"files"`
	IngestSeconds   float64         `json:"ingest_seconds"`
	ChunksPerSecond float64         `json:"chunks_per_second"`
	IndexSeconds    float64         `json:"index_seconds"`
	QueryP50MS      float64         `json:"query_p50_ms"`
	QueryP95MS      float64         `json:"query_p95_ms"`
	QueryP99MS      float64         `json:"query_p99_ms"`
	VectorP95MS     float64         `json:"vector_p95_ms"`
	TextP95MS       float64         `json:"fulltext_p95_ms"`
	Recall          map[int]float64 `json:"hnsw_recall_at_10"` // by ef_search
	EFSearch        int             `json:"ef_search"`         // the store's setting during the query timing
}

// Bench ingests a synthetic corpus of opt.Chunks chunks with the store's
// embedder (writing files and running Ingest end to end: parse, chunk,
// embed, COPY, index), then times hybrid top-10 queries and measures HNSW
// recall@10 against exact search for each ef_search. Run it on an empty,
// disposable database: `gemba rag bench` creates one.
func (s *Store) Bench(ctx context.Context, opt BenchOptions) (BenchReport, error) {
	if opt.Chunks <= 0 {
		opt.Chunks = 100_000
	}
	if opt.Queries <= 0 {
		opt.Queries = 200
	}
	if opt.RecallQueries <= 0 {
		opt.RecallQueries = 100
	}
	if len(opt.EFSearch) == 0 {
		opt.EFSearch = []int{20, 40, 64, 100, 200}
	}
	say := func(f string, a ...any) {
		if opt.Progress != nil {
			opt.Progress(fmt.Sprintf(f, a...))
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 42)) //nolint:gosec // a reproducible synthetic corpus, not secrets
	sentences := benchSentences(opt.Corpus)
	dir := opt.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "gemba-rag-bench-")
		if err != nil {
			return BenchReport{}, fmt.Errorf("rag: bench: %w", err)
		}
		defer func() { _ = os.RemoveAll(d) }()
		dir = d
	}
	const perDoc = 4
	nDocs := (opt.Chunks + perDoc - 1) / perDoc
	say("writing %d synthetic documents (%d chunks) to %s", nDocs, nDocs*perDoc, dir)
	var queries []string
	for i := 0; i < nDocs; i++ {
		text, q := benchDoc(rng, sentences, i, perDoc)
		sub := filepath.Join(dir, fmt.Sprintf("%03d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(sub, 0o750); err != nil {
				return BenchReport{}, fmt.Errorf("rag: bench: %w", err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("BENCH-%06d.md", i)), []byte(text), 0o600); err != nil {
			return BenchReport{}, fmt.Errorf("rag: bench: %w", err)
		}
		if len(queries) < opt.Queries+opt.RecallQueries && rng.IntN(max(1, nDocs/(opt.Queries+opt.RecallQueries))) == 0 {
			queries = append(queries, q)
		}
	}
	for len(queries) < opt.Queries+opt.RecallQueries {
		w := strings.Fields(sentences[rng.IntN(len(sentences))])
		queries = append(queries, strings.Join(w[:min(len(w), 6)], " "))
	}

	say("ingesting")
	start := time.Now()
	rep, err := s.Ingest(ctx, []string{dir}, IngestOptions{BatchSize: 500})
	if err != nil {
		return BenchReport{}, err
	}
	if len(rep.Failed) > 0 {
		return BenchReport{}, fmt.Errorf("rag: bench: %d synthetic files failed, first: %s", len(rep.Failed), rep.Failed[0].Error())
	}
	el := time.Since(start)
	out := BenchReport{Chunks: rep.Chunks, Documents: len(rep.Added) + len(rep.Updated), Files: rep.Files, IngestSeconds: el.Seconds(),
		ChunksPerSecond: float64(rep.Chunks) / el.Seconds(), Recall: map[int]float64{}, EFSearch: s.opt.EFSearch}
	out.IndexSeconds = rep.IndexSeconds
	say("ingested %d chunks in %.1fs (%.0f chunks/s; HNSW index build %.1fs of it)", out.Chunks, out.IngestSeconds, out.ChunksPerSecond, rep.IndexSeconds)
	// What autovacuum would do shortly after a bulk load; measuring queries
	// while it runs would time the vacuum, not the search.
	for _, q := range []string{`VACUUM (ANALYZE) documents`, `VACUUM (ANALYZE) chunks`} {
		if _, err := s.db.Exec(ctx, q); err != nil {
			return out, fmt.Errorf("rag: bench: %s: %w", q, err)
		}
	}
	say("sample queries: %q", queries[:3])

	// Warm the caches as a running server's are, with questions other than
	// the timed ones.
	for i := 0; i < 100; i++ {
		w := strings.Fields(sentences[rng.IntN(len(sentences))])
		q := benchAssets[rng.IntN(len(benchAssets))] + " " + strings.Join(w[:min(len(w), 5)], " ")
		if _, err := s.Search(ctx, Query{Text: q, K: 10}); err != nil {
			return out, err
		}
	}
	timed := queries[:opt.Queries]
	if len(opt.Questions) > 0 {
		timed = make([]string, opt.Queries)
		for i := range timed {
			if i%2 == 1 {
				timed[i] = opt.Questions[(i/2)%len(opt.Questions)]
			} else {
				timed[i] = queries[i]
			}
		}
	}
	say("timing %d hybrid top-10 queries", opt.Queries)
	lat := make([]float64, 0, opt.Queries)
	for _, q := range timed {
		t0 := time.Now()
		if _, err := s.Search(ctx, Query{Text: q, K: 10}); err != nil {
			return out, err
		}
		lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
	}
	sort.Float64s(lat)
	out.QueryP50MS, out.QueryP95MS, out.QueryP99MS = pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99)
	say("hybrid query latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", out.QueryP50MS, out.QueryP95MS, out.QueryP99MS)
	for _, m := range []Mode{ModeVector, ModeFullText} {
		lat = lat[:0]
		for _, q := range timed {
			t0 := time.Now()
			if _, err := s.Search(ctx, Query{Text: q, K: 10, Mode: m}); err != nil {
				return out, err
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		}
		sort.Float64s(lat)
		if m == ModeVector {
			out.VectorP95MS = pct(lat, 0.95)
		} else {
			out.TextP95MS = pct(lat, 0.95)
		}
		say("%s-only query latency p50 %.1f ms, p95 %.1f ms", m, pct(lat, 0.5), pct(lat, 0.95))
	}

	say("measuring HNSW recall@10 against exact search on %d queries", opt.RecallQueries)
	rq := queries[opt.Queries:]
	exact := make([][]int64, len(rq))
	vecs := make([]pgvector.Vector, len(rq))
	for i, q := range rq {
		v, err := s.emb.EmbedQuery(ctx, q)
		if err != nil {
			return out, err
		}
		vecs[i] = pgvector.NewVector(v)
		exact[i], err = s.nearest(ctx, vecs[i], 10, 0)
		if err != nil {
			return out, err
		}
	}
	for _, ef := range opt.EFSearch {
		var sum float64
		for i := range rq {
			got, err := s.nearest(ctx, vecs[i], 10, ef)
			if err != nil {
				return out, err
			}
			sum += overlap(exact[i], got)
		}
		out.Recall[ef] = sum / float64(len(rq))
		say("ef_search %d: recall@10 %.3f", ef, out.Recall[ef])
	}
	return out, nil
}

// nearest returns the ids of the k nearest chunks: through the HNSW index
// with ef_search ef, or by exact scan when ef is 0.
func (s *Store) nearest(ctx context.Context, v pgvector.Vector, k, ef int) ([]int64, error) {
	d := strconv.Itoa(s.emb.Dim())
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if ef > 0 {
		_, err = tx.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, true)`, strconv.Itoa(ef))
	} else {
		_, err = tx.Exec(ctx, `SELECT set_config('enable_indexscan', 'off', true)`)
	}
	if err != nil {
		return nil, err
	}
	// Exact search at full precision is the ground truth; the index search
	// is what Search runs (half precision through HNSW).
	q := `SELECT id FROM chunks WHERE embed_dim = ` + d + ` ORDER BY embedding::vector(` + d + `) <=> $1 LIMIT $2`
	if ef > 0 {
		q = `SELECT id FROM chunks WHERE embed_dim = ` + d + ` ORDER BY embedding::halfvec(` + d + `) <=> $1::halfvec(` + d + `) LIMIT $2`
	}
	rows, err := tx.Query(ctx, q, v, k)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	return ids, tx.Commit(ctx)
}

func overlap(want, got []int64) float64 {
	if len(want) == 0 {
		return 1
	}
	in := map[int64]bool{}
	for _, id := range got {
		in[id] = true
	}
	n := 0
	for _, id := range want {
		if in[id] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

var benchAssets = []string{"press-1", "press-2", "press-3", "cnc-1", "cnc-2", "cnc-3", "cnc-4", "filler-1", "conveyor-1", "compressor-1", "pump-1", "pump-2"}
var benchModes = []string{"bearing_wear", "filter_clogging", "belt_slip", "motor_overheating", "cavitation", "sensor_fault"}
var benchSections = []string{"Symptoms", "Sensor evidence", "Root cause", "Actions taken", "Outcome", "증상", "원인", "조치"}

// benchSentences are the sentences synthetic documents are made of.
func benchSentences(corpus string) []string {
	var out []string
	if corpus != "" {
		files := collectFiles([]string{corpus}).files
		for _, f := range files {
			docs, _, err := ParseFile(f, ParseOptions{})
			if err != nil {
				continue
			}
			for _, d := range docs {
				for _, l := range strings.Split(d.Body, "\n") {
					l = strings.TrimSpace(strings.TrimLeft(l, "#-*|0123456789. "))
					if len([]rune(l)) >= 30 {
						out = append(out, l)
					}
				}
			}
		}
	}
	if len(out) < 50 {
		out = append(out,
			"Vibration rose from 2.8 mm/s to 9.6 mm/s over five days before the bearing failed.",
			"Discharge pressure drifted down from 3.4 bar to 2.1 bar as the strainer clogged.",
			"Motor current dropped in a step from 8 A to 5.5 A when the belt started to slip.",
			"Motor temperature climbed from 46 °C to 78 °C because the cooling fan filter was blocked.",
			"The bearing was replaced and the grease line flushed; vibration after restart was 2.6 mm/s.",
			"진동이 5일 동안 2.8 mm/s에서 8.7 mm/s까지 꾸준히 상승했다.",
			"토출 압력이 일주일에 걸쳐 3.4 bar에서 2.2 bar로 서서히 떨어졌다.",
			"모터 전류가 평소 8 A에서 5.8 A로 계단식으로 떨어졌다.",
		)
	}
	return out
}

// benchDoc builds one synthetic incident with perDoc sections (one chunk
// each) and returns it with a query made from one of its sentences.
func benchDoc(rng *rand.Rand, sentences []string, i, perDoc int) (string, string) {
	asset := benchAssets[rng.IntN(len(benchAssets))]
	mode := benchModes[rng.IntN(len(benchModes))]
	outcome := []string{"worked", "partial", "failed"}[rng.IntN(3)]
	var b strings.Builder
	fmt.Fprintf(&b, "---\nid: BENCH-%06d\ntitle: %s %s event %d\nkind: incident\nsite: plant-1\nasset: %s\nfailure_mode: %s\noutcome: %s\noccurred_at: %s\n---\n",
		i, asset, strings.ReplaceAll(mode, "_", " "), i, asset, mode, outcome,
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(5*365*24))*time.Hour).Format(time.RFC3339))
	query := ""
	for s := 0; s < perDoc; s++ {
		fmt.Fprintf(&b, "\n## %s\n\n", benchSections[rng.IntN(len(benchSections))])
		n := 2 + rng.IntN(3)
		for k := 0; k < n; k++ {
			sent := sentences[rng.IntN(len(sentences))]
			// Real incidents name their own machine: vary the assets.
			for _, a := range benchAssets {
				if strings.Contains(sent, a) {
					sent = strings.ReplaceAll(sent, a, benchAssets[rng.IntN(len(benchAssets))])
				}
			}
			b.WriteString(sent)
			b.WriteString(" ")
			if query == "" && rng.IntN(3) == 0 {
				// A question is shorter than a sentence: the asset and a few words.
				w := strings.Fields(sent)
				query = asset + " " + strings.Join(w[:min(len(w), 3+rng.IntN(5))], " ")
			}
		}
		b.WriteString("\n")
	}
	if query == "" {
		query = asset + " " + strings.ReplaceAll(mode, "_", " ")
	}
	return b.String(), query
}
