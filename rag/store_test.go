package rag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo/docs"
)

func localStore(t *testing.T, _ any) *Store {
	t.Helper()
	emb, err := NewLocalEmbedder(0)
	require.NoError(t, err)
	return New(dbtest.Tx(t), emb, Options{})
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func incident(id, asset, outcome, body string) string {
	return fmt.Sprintf("---\nid: %s\ntitle: %s event\nkind: incident\nsite: plant-1\nline: line-3\nasset: %s\nfailure_mode: filter_clogging\noccurred_at: 2024-05-01\noutcome: %s\n---\n# %s\n\n## Symptoms\n\n%s\n", id, asset, asset, outcome, id, body)
}

// chunkIDs returns the chunk ids of a document, to see whether it was rewritten.
func chunkIDs(t *testing.T, s *Store, id string) []int64 {
	t.Helper()
	rows, err := s.db.Query(context.Background(), `SELECT id FROM chunks WHERE document_id = $1 ORDER BY ord`, id)
	require.NoError(t, err)
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var x int64
		require.NoError(t, rows.Scan(&x))
		out = append(out, x)
	}
	return out
}

func TestIngestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := localStore(t, nil)
	dir := t.TempDir()
	write(t, dir, "a.md", incident("INC-A", "pump-1", "worked", "Discharge pressure fell from 3.4 to 2.1 bar; strainer clogged."))
	write(t, dir, "sub/b.md", incident("INC-B", "pump-2", "failed", "Strainer clogged again after two days."))
	write(t, dir, "notes.txt", "Shift note\nThe filler was slow today.")
	write(t, dir, "wo.csv", "WO Number,Equipment,Summary,Problem\nWO-1,press-1,Belt squeal,Belt loose at start\n")
	write(t, dir, "docs.jsonl", `{"id":"J-1","title":"json doc","body":"conveyor belt slipped"}`+"\n")
	write(t, dir, ".hidden/x.md", incident("INC-HIDDEN", "pump-1", "", "should be skipped"))
	write(t, dir, "image.png", "not a document")

	rep, err := s.Ingest(ctx, []string{dir}, IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	require.ElementsMatch(t, []string{"INC-A", "INC-B", "notes", "WO-1", "J-1"}, rep.Added)
	require.Equal(t, 5, rep.Files)
	d, err := s.Get(ctx, "INC-A")
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "a.md"), d.Source, "the source path is kept for citations")
	require.Equal(t, "pump-1", d.Asset)
	require.Equal(t, OutcomeWorked, d.Outcome)
	beforeA := chunkIDs(t, s, "INC-A")
	require.NotEmpty(t, beforeA)

	// Unchanged: nothing is written.
	var updated time.Time
	require.NoError(t, s.db.QueryRow(ctx, `SELECT updated_at FROM documents WHERE id = 'INC-A'`).Scan(&updated))
	rep, err = s.Ingest(ctx, []string{dir}, IngestOptions{})
	require.NoError(t, err)
	require.Equal(t, 5, rep.Unchanged)
	require.Empty(t, rep.Added)
	require.Empty(t, rep.Updated)
	require.Zero(t, rep.Chunks)
	require.Equal(t, beforeA, chunkIDs(t, s, "INC-A"))
	var updated2 time.Time
	require.NoError(t, s.db.QueryRow(ctx, `SELECT updated_at FROM documents WHERE id = 'INC-A'`).Scan(&updated2))
	require.Equal(t, updated, updated2)

	// Changed: the document's chunks are replaced, the others untouched.
	beforeB := chunkIDs(t, s, "INC-B")
	write(t, dir, "a.md", incident("INC-A", "pump-1", "worked", "Discharge pressure fell to 2.0 bar.\n\n## Actions\n\nStrainer cleaned, gasket renewed."))
	rep, err = s.Ingest(ctx, []string{dir}, IngestOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-A"}, rep.Updated)
	require.Equal(t, 4, rep.Unchanged)
	afterA := chunkIDs(t, s, "INC-A")
	require.Len(t, afterA, 2)
	require.NotContains(t, afterA, beforeA[0])
	require.Equal(t, beforeB, chunkIDs(t, s, "INC-B"))

	// Bad files are reported with path and reason; the rest goes in; an
	// empty file is a warning; prune keeps what failed files held.
	write(t, dir, "bad-date.md", "---\nid: INC-BAD\noccurred_at: last tuesday\n---\nbody")
	write(t, dir, "bad-yaml.md", "---\nid: [oops\n---\nbody")
	write(t, dir, "binary.txt", "\xff\xfe\x00bad")
	write(t, dir, "empty.md", "---\nid: INC-EMPTY\n---\n")
	write(t, dir, "c.md", incident("INC-C", "filler-1", "partial", "Filter differential pressure 1.4 bar."))
	write(t, dir, "dup.md", incident("INC-C", "filler-1", "", "same id as c.md"))
	require.NoError(t, os.Remove(filepath.Join(dir, "sub/b.md")))
	// INC-A's file turns bad: INC-A must survive the prune.
	write(t, dir, "a.md", "---\nid: INC-A\ndowntime_minutes: many\n---\nbody")
	rep, err = s.Ingest(ctx, []string{dir}, IngestOptions{Prune: true})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-C"}, rep.Added)
	require.Equal(t, []string{"INC-B"}, rep.Pruned)
	reasons := map[string]string{}
	for _, f := range rep.Failed {
		reasons[filepath.Base(f.Path)] = f.Reason
	}
	require.Len(t, reasons, 5)
	require.Contains(t, reasons["bad-date.md"], `"occurred_at"`)
	require.Contains(t, reasons["bad-yaml.md"], "YAML")
	require.Contains(t, reasons["binary.txt"], "UTF-8")
	require.Contains(t, reasons["dup.md"], "also used by")
	require.Contains(t, reasons["a.md"], `"downtime_minutes"`)
	require.Len(t, rep.Warnings, 1)
	require.Contains(t, rep.Warnings[0], "empty.md")
	ex, err := s.Exists(ctx, []string{"INC-A", "INC-B", "INC-C", "INC-BAD"})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"INC-A": true, "INC-B": false, "INC-C": true, "INC-BAD": false}, ex)

	// A path that does not exist is a failure, not a crash.
	rep, err = s.Ingest(ctx, []string{filepath.Join(dir, "nope")}, IngestOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Failed, 1)
	require.Contains(t, rep.Failed[0].Reason, "no such file")
}

func TestUpsertGetSetOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := localStore(t, nil)
	doc := Document{ID: "INC-SLACK-1", Kind: KindIncident, Title: "conveyor-1 belt slip", Asset: "conveyor-1", Outcome: OutcomePartial, OutcomeBy: "U9",
		Source: "https://example.slack.com/archives/C1/p1", Body: "Motor current dropped from 8 A to 5.5 A. Belt replaced."}
	st, err := s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusAdded, st)
	st, err = s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusUnchanged, st)
	got, err := s.Get(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.Equal(t, OutcomePartial, got.Outcome)
	require.Equal(t, "U9", got.OutcomeBy)

	doc.Outcome, doc.OutcomeBy = "", ""
	require.NoError(t, s.SetOutcome(ctx, "INC-SLACK-1", "worked", "U123"))
	got, err = s.Get(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.Equal(t, OutcomeWorked, got.Outcome)
	require.Equal(t, "U123", got.OutcomeBy)
	// Re-upserting a document that states no outcome keeps the one set in Slack.
	st, err = s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusUpdated, st)
	got, err = s.Get(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.Equal(t, OutcomeWorked, got.Outcome)
	require.Equal(t, "U123", got.OutcomeBy)
	st, err = s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusUnchanged, st)
	doc.Body += " Rechecked after 4 hours."
	st, err = s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusUpdated, st)
	got, err = s.Get(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.Equal(t, OutcomeWorked, got.Outcome, "a document stating no outcome keeps the recorded one")

	at := time.Date(2026, 9, 18, 14, 10, 0, 0, time.UTC)
	require.NoError(t, s.SetOccurrence(ctx, "INC-SLACK-1", at, at.Add(12*time.Hour)))
	got, err = s.Get(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.True(t, got.OccurredAt.Equal(at))
	require.True(t, got.ResolvedAt.Equal(at.Add(12*time.Hour)))
	st, err = s.Upsert(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, StatusUnchanged, st, "moving in time keeps the content hash")
	require.ErrorIs(t, s.SetOccurrence(ctx, "INC-NOPE", at, time.Time{}), ErrNotFound)
	require.ErrorIs(t, s.SetOutcome(ctx, "INC-NOPE", "worked", "U1"), ErrNotFound)
	require.ErrorContains(t, s.SetOutcome(ctx, "INC-SLACK-1", "sort of", "U1"), "unknown outcome")
	_, err = s.Get(ctx, "INC-NOPE")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.Upsert(ctx, Document{ID: "bad id!", Body: "x"})
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	_, err = s.Upsert(ctx, Document{ID: "E-1"})
	require.ErrorIs(t, err, ErrEmpty)
	n, err := s.Delete(ctx, "INC-SLACK-1")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// demoStore is a store on its own transaction with the demo corpus loaded.
func demoStore(t *testing.T) *Store {
	t.Helper()
	s := localStore(t, nil)
	rep, err := s.Ingest(context.Background(), []string{"../internal/demo/docs"}, IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	require.GreaterOrEqual(t, len(rep.Added), 60)
	return s
}

func ids(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.DocumentID
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := demoStore(t)
	for _, q := range []Query{
		{Text: "bearing vibration", Kind: KindRunbook, K: 10},
		{Text: "vibration rising", Asset: "press-3", K: 10},
		{Text: "pressure", Line: "line-3", K: 10},
		{Text: "what happened", FailureMode: "belt_slip", K: 10},
		{Text: "overheating", Since: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Kind: KindIncident, K: 10},
	} {
		res, err := s.Search(ctx, q)
		require.NoError(t, err)
		require.NotEmpty(t, res, "%+v", q)
		for _, r := range res {
			if q.Kind != "" {
				require.Equal(t, q.Kind, r.Kind)
			}
			if q.Asset != "" {
				require.Equal(t, q.Asset, r.Asset)
			}
			if q.Line != "" {
				require.Equal(t, q.Line, r.Line)
			}
			if q.FailureMode != "" {
				require.Equal(t, q.FailureMode, r.FailureMode)
			}
			if !q.Since.IsZero() {
				require.False(t, r.OccurredAt.Before(q.Since), r.DocumentID)
				require.True(t, r.OccurredAt.Before(q.Until), r.DocumentID)
			}
			require.NotEmpty(t, r.Title)
			require.NotEmpty(t, r.Snippet)
			require.True(t, strings.HasSuffix(r.Source, ".md") || strings.HasSuffix(r.Source, ".csv"), r.Source)
			require.Greater(t, r.Score, 0.0)
		}
	}
	// At most N chunks per document.
	res, err := s.Search(ctx, Query{Text: "press bearing vibration grease", K: 20, MaxPerDoc: 2})
	require.NoError(t, err)
	per := map[string]int{}
	for _, r := range res {
		per[r.DocumentID]++
		require.LessOrEqual(t, per[r.DocumentID], 2)
	}
	require.Greater(t, len(res), len(per), "some document contributes two chunks")
	// Lenient scope keeps plant-wide runbooks.
	res, err = s.Search(ctx, Query{Text: "lockout before touching the machine", Line: "line-2", Lenient: true, K: 3})
	require.NoError(t, err)
	require.Contains(t, ids(res), "RB-LOTO")
	// Filters alone browse, newest first.
	res, err = s.Search(ctx, Query{Asset: "pump-2", K: 3})
	require.NoError(t, err)
	require.Len(t, res, 3)
	require.Equal(t, "INC-2024-093", res[0].DocumentID)
}

func TestSearchEnglishAndKorean(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := demoStore(t)
	for _, tc := range []struct{ q, want string }{
		{"press-3 knocking, crankshaft bearing vibration rising for days", "INC-1003"},
		{"filler fills out of tolerance, product filter pressure climbing", "INC-1006"},
		{"how do I lock out a machine", "RB-LOTO"},
		{"프레스 베어링 진동 상승", "INC-2024-081"},
		{"펌프 스트레이너 막힘 압력 저하", "INC-2024-083"},
		{"잠금 표지 절차", "RB-014"},
		{"컨베이어 벨트 슬립", "INC-2024-085"},
	} {
		res, err := s.Search(ctx, Query{Text: tc.q, K: 5})
		require.NoError(t, err)
		t.Logf("%q -> %v", tc.q, ids(res))
		require.Contains(t, ids(res), tc.want, "%q -> %v", tc.q, ids(res))
	}
	// Cross-language: a Korean question finds the English incident too.
	res, err := s.Search(ctx, Query{Text: "cnc-4 스핀들 모터 과열", K: 5})
	require.NoError(t, err)
	require.Contains(t, ids(res), "INC-1001")
	// Nothing relevant: nothing found.
	for _, q := range []string{"xyzzy qwerty", "banana bread recipe"} {
		res, err := s.Search(ctx, Query{Text: q})
		require.NoError(t, err)
		require.Empty(t, res, q)
	}
}

func TestOutcomeRanking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := localStore(t, nil)
	body := "Discharge pressure of pump-7 drifted from 3.4 bar to 2.2 bar over five days; suction strainer packed with label fibres. Strainer cleaned."
	for _, d := range []Document{
		{ID: "INC-FAILED", Kind: KindIncident, Title: "pump-7 strainer clogged", Asset: "pump-7", Outcome: OutcomeFailed, Body: body},
		{ID: "INC-WORKED", Kind: KindIncident, Title: "pump-7 strainer clogged", Asset: "pump-7", Outcome: OutcomeWorked, Body: body},
		{ID: "INC-PARTIAL", Kind: KindIncident, Title: "pump-7 strainer clogged", Asset: "pump-7", Outcome: OutcomePartial, Body: body},
	} {
		_, err := s.Upsert(ctx, d)
		require.NoError(t, err)
	}
	for _, m := range []Mode{ModeHybrid, ModeVector, ModeFullText} {
		res, err := s.Search(ctx, Query{Text: "pump-7 pressure dropping, strainer clogged", Mode: m})
		require.NoError(t, err)
		require.Equal(t, []string{"INC-WORKED", "INC-PARTIAL", "INC-FAILED"}, ids(res), m)
	}
	// The Slack "mark resolved" flow flips the order at once.
	require.NoError(t, s.SetOutcome(ctx, "INC-FAILED", "worked", "U1"))
	require.NoError(t, s.SetOutcome(ctx, "INC-WORKED", "failed", "U1"))
	res, err := s.Search(ctx, Query{Text: "pump-7 pressure dropping, strainer clogged"})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-FAILED", "INC-PARTIAL", "INC-WORKED"}, ids(res))
}

// openAIServer speaks POST /v1/embeddings like an OpenAI-compatible server,
// returning dim-dimensional vectors derived from the text.
func openAIServer(t *testing.T, dim int, calls *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		calls.Add(1)
		local, _ := NewLocalEmbedder(dim)
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i, in := range req.Input {
			v, _ := local.EmbedQuery(r.Context(), in)
			data = append(data, item{Object: "embedding", Index: i, Embedding: v})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEmbedderDimensionsAndReembed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Its own database: creating the 48-dimension index is DDL.
	tx := dbtest.Pool(t)
	var calls atomic.Int64
	srv := openAIServer(t, 48, &calls)
	remote, err := NewOpenAIEmbedder(ctx, OpenAIOptions{BaseURL: srv.URL + "/v1", APIKey: "test-key", Model: "test-embed-48"})
	require.NoError(t, err)
	require.Equal(t, 48, remote.Dim())
	require.Equal(t, "test-embed-48", remote.Model())
	_, err = NewOpenAIEmbedder(ctx, OpenAIOptions{BaseURL: srv.URL + "/v1", APIKey: "wrong", Model: "m"})
	require.ErrorContains(t, err, "bad key")

	sr := New(tx, remote, Options{})
	dir := t.TempDir()
	write(t, dir, "a.md", incident("INC-A", "pump-1", "worked", "Discharge pressure fell; strainer clogged."))
	write(t, dir, "b.md", incident("INC-B", "press-2", "worked", "Belt slipped, motor current dropped."))
	write(t, dir, "c.md", incident("INC-C", "cnc-1", "worked", "Spindle motor overheated, fan filter clogged."))
	rep, err := sr.Ingest(ctx, []string{dir}, IngestOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Added, 3)
	var model string
	var dim int
	require.NoError(t, tx.QueryRow(ctx, `SELECT DISTINCT embed_model, embed_dim FROM chunks`).Scan(&model, &dim))
	require.Equal(t, "test-embed-48", model)
	require.Equal(t, 48, dim)
	var idx bool
	require.NoError(t, tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'chunks_embedding_48_idx')`).Scan(&idx))
	require.True(t, idx, "an HNSW index is created for a new dimension")
	res, err := sr.Search(ctx, Query{Text: "strainer clogged", Mode: ModeVector})
	require.NoError(t, err)
	require.Equal(t, "INC-A", res[0].DocumentID)

	// A 384-dimensional query against 48-dimensional vectors is refused.
	local, err := NewLocalEmbedder(0)
	require.NoError(t, err)
	sl := New(tx, local, Options{})
	_, err = sl.Search(ctx, Query{Text: "strainer clogged", Mode: ModeVector})
	require.ErrorIs(t, err, ErrDimension)
	require.ErrorContains(t, err, "reembed")
	st, err := sl.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"test-embed-48/48": 3}, st.Models)

	// Reembed is resumable: it stops at a failure with what it did committed.
	flaky := &failingEmbedder{Embedder: local, failAfter: 1}
	sf := New(tx, flaky, Options{})
	n, err := sf.Reembed(ctx, 1, nil)
	require.Error(t, err)
	require.Equal(t, 1, n)
	st, err = sl.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"test-embed-48/48": 2, "local-ngram-v3/384": 1}, st.Models)
	// Mid-way, vector search uses the chunks of the current model only.
	res, err = sl.Search(ctx, Query{Text: "strainer clogged"})
	require.NoError(t, err)
	require.NotEmpty(t, res)
	var done []string
	n, err = sl.Reembed(ctx, 1, func(d, total int) { done = append(done, fmt.Sprintf("%d/%d", d, total)) })
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, []string{"1/2", "2/2"}, done)
	st, err = sl.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"local-ngram-v3/384": 3}, st.Models)
	res, err = sl.Search(ctx, Query{Text: "belt slipped motor current", Mode: ModeVector})
	require.NoError(t, err)
	require.Equal(t, "INC-B", res[0].DocumentID)

	// Local embedder dimensions are configurable and L2-normalised.
	for _, d := range []int{8, 64, 384, 1024} {
		e, err := NewLocalEmbedder(d)
		require.NoError(t, err)
		vs, err := e.EmbedDocuments(ctx, []string{"베어링 진동", "bearing vibration", ""})
		require.NoError(t, err)
		for _, v := range vs {
			require.Len(t, v, d)
			var sum float64
			for _, x := range v {
				sum += float64(x) * float64(x)
			}
			require.InDelta(t, 1, sum, 1e-4)
		}
	}
	_, err = NewLocalEmbedder(4)
	require.Error(t, err)
	require.Greater(t, calls.Load(), int64(0))
}

// failingEmbedder fails every call after the first failAfter ones, to
// interrupt a reembed.
type failingEmbedder struct {
	Embedder
	failAfter int
	n         int
}

func (f *failingEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	f.n++
	if f.n > f.failAfter {
		return nil, errors.New("provider down")
	}
	return f.Embedder.EmbedDocuments(ctx, texts)
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	since, err := ParseSince("90d", time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, "2024-10-02", since.Format("2006-01-02"))
	since, err = ParseSince("2024-06-01", time.Now())
	require.NoError(t, err)
	require.Equal(t, "2024-06-01", since.Format("2006-01-02"))
	_, err = ParseSince("soon", time.Now())
	require.Error(t, err)
}

// demoPoolStore is the demo corpus in a database of the test's own, so
// that the ingest refreshes the full-text statistics (ANALYZE) as it does
// in production, where search weighs terms by them.
func demoPoolStore(t *testing.T) *Store {
	t.Helper()
	emb, err := NewLocalEmbedder(0)
	require.NoError(t, err)
	s := New(dbtest.Pool(t), emb, Options{})
	rep, err := s.IngestFS(context.Background(), docs.FS, ".", "demo/docs", IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	return s
}

// TestEvalFloors runs the labelled sets (testdata/eval.jsonl, English and
// Korean; testdata/eval_ko.jsonl, Korean shop-floor questions with a dev and
// a frozen split) and holds the floors: the English set no worse than
// before the Korean work (hybrid recall@5 0.839, MRR 0.928), and on both
// Korean splits recall@5 ≥ 0.90 and cross-lingual (Korean question, English
// document) ≥ 0.85, the targets of issue 18.
func TestEvalFloors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := demoPoolStore(t)
	var cases []EvalCase
	for _, f := range []string{"testdata/eval.jsonl", "testdata/eval_ko.jsonl"} {
		cs, err := LoadEvalSet(f)
		require.NoError(t, err)
		cases = append(cases, cs...)
	}
	require.GreaterOrEqual(t, len(cases), 140)
	ko := 0
	for _, c := range cases {
		if c.Lang == "ko" {
			ko++
		}
		ex, err := s.Exists(ctx, c.Relevant)
		require.NoError(t, err)
		for id, ok := range ex {
			require.True(t, ok, "eval label %s for %q is not in the corpus", id, c.Query)
		}
	}
	require.GreaterOrEqual(t, ko, 95)
	ms, err := s.Evaluate(ctx, cases)
	require.NoError(t, err)
	got := map[string]EvalMetrics{}
	for _, m := range ms {
		t.Logf("%-8s %-7s %-6s %-5s n=%d recall@5=%.3f MRR=%.3f", m.Mode, m.Set, m.Split, m.Group, m.Queries, m.Recall5, m.MRR)
		got[fmt.Sprintf("%s/%s/%s/%s", m.Mode, m.Set, m.Split, m.Group)] = m
	}
	en := got["hybrid/eval//all"]
	require.GreaterOrEqual(t, en.Recall5, 0.839)
	require.GreaterOrEqual(t, en.MRR, 0.928)
	require.Greater(t, en.Recall5, got["vector/eval//all"].Recall5)
	require.Greater(t, en.Recall5, got["fulltext/eval//all"].Recall5)
	for _, split := range []string{SplitDev, SplitFrozen} {
		k := got["hybrid/eval_ko/"+split+"/ko"]
		require.GreaterOrEqual(t, k.Queries, 44, split)
		require.GreaterOrEqual(t, k.Recall5, 0.90, "Korean recall@5, %s split", split)
		x := got["hybrid/eval_ko/"+split+"/"+GroupCross]
		require.GreaterOrEqual(t, x.Queries, 40, split)
		require.GreaterOrEqual(t, x.Recall5, 0.85, "cross-lingual recall@5, %s split", split)
	}
}

// TestEvalKoreanSplitRule checks that the Korean set's split is the fixed
// rule it was made with (case n, 1-based in file order, is frozen when n
// is even) and that at least half the questions are answered only by
// English documents.
func TestEvalKoreanSplitRule(t *testing.T) {
	t.Parallel()
	cases, err := LoadEvalSet("testdata/eval_ko.jsonl")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 80)
	english := 0
	for i, c := range cases {
		want := SplitDev
		if (i+1)%2 == 0 {
			want = SplitFrozen
		}
		require.Equal(t, want, c.Split, c.ID)
		require.Equal(t, fmt.Sprintf("ko-%03d", i+1), c.ID)
		require.Equal(t, "ko", c.Lang, c.ID)
		onlyEN := true
		for _, id := range c.Relevant {
			if koreanDemoDoc(t, id) {
				onlyEN = false
			}
		}
		if onlyEN {
			english++
		}
	}
	require.GreaterOrEqual(t, english*2, len(cases), "half the questions are answered by English documents only")
}

// koreanDemoDoc reports whether a demo document is written in Korean (its
// front matter says lang: ko); work orders are English.
func koreanDemoDoc(t *testing.T, id string) bool {
	t.Helper()
	for _, dir := range []string{"incidents", "runbooks", "usecases"} {
		b, err := docs.FS.ReadFile(dir + "/" + id + ".md")
		if err == nil {
			return strings.Contains(string(b), "\nlang: ko\n")
		}
	}
	return false
}

func TestIngestEmbeddedCorpus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := localStore(t, nil)
	rep, err := s.IngestFS(ctx, docs.FS, ".", "demo/docs", IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	require.GreaterOrEqual(t, len(rep.Added), 60)
	d, err := s.Get(ctx, "INC-1003")
	require.NoError(t, err)
	require.Equal(t, "demo/docs/incidents/INC-1003.md", d.Source)
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.ByLang["ko"], 12)
	require.GreaterOrEqual(t, st.ByKind["incident"], 30)
	require.GreaterOrEqual(t, st.ByKind["runbook"], 10)
	require.GreaterOrEqual(t, st.ByKind["usecase"], 5)
	// A Slack-made incident outside the corpus survives a pruning re-ingest.
	_, err = s.Upsert(ctx, Document{ID: "INC-SLACK-9", Kind: KindIncident, Title: "t", Source: "slack://C1/123", Body: "belt slipped"})
	require.NoError(t, err)
	rep, err = s.IngestFS(ctx, docs.FS, ".", "demo/docs", IngestOptions{Prune: true})
	require.NoError(t, err)
	require.Empty(t, rep.Pruned)
	require.Equal(t, len(rep.Added)+rep.Unchanged, rep.Unchanged)
	ex, err := s.Exists(ctx, []string{"INC-SLACK-9"})
	require.NoError(t, err)
	require.True(t, ex["INC-SLACK-9"])
}

// TestOllamaEmbedder runs the Ollama provider against a local server
// speaking Ollama's POST /api/embed.
func TestOllamaEmbedder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/embed" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var req struct {
			Model string `json:"model"`
			Input string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "nomic-embed-text" {
			http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
			return
		}
		calls.Add(1)
		local, _ := NewLocalEmbedder(16)
		v, _ := local.EmbedQuery(r.Context(), req.Input)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": [][]float32{v}})
	}))
	t.Cleanup(srv.Close)
	e, err := NewOllamaEmbedder(ctx, srv.URL, "nomic-embed-text")
	require.NoError(t, err)
	require.Equal(t, 16, e.Dim())
	require.Equal(t, "ollama/nomic-embed-text", e.Model())
	vs, err := e.EmbedDocuments(ctx, []string{"pump pressure", "펌프 압력"})
	require.NoError(t, err)
	require.Len(t, vs, 2)
	require.Len(t, vs[1], 16)
	require.GreaterOrEqual(t, calls.Load(), int64(3))
	_, err = NewOllamaEmbedder(ctx, srv.URL, "no-such-model")
	require.Error(t, err)
}
