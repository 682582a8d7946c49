package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/demo/docs"
	"github.com/gemba-ai/gemba/rag"
)

// openDocs opens the incident store on the configured database and embedder.
func openDocs(ctx context.Context, app *App) (*rag.Store, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, err
	}
	pool, err := app.Pool(ctx)
	if err != nil {
		return nil, err
	}
	return newDocStore(ctx, cfg, pool, app)
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress bar makes sense; pipes and files get none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "[#####.....] 12/63 label" in place on a terminal.
func progressBar(w io.Writer, label string) func(done, total int) {
	last := -1
	return func(done, total int) {
		if total <= 0 {
			return
		}
		const width = 30
		filled := done * width / total
		if filled == last && done != total {
			return
		}
		last = filled
		fmt.Fprintf(w, "\r[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, label)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// newIngestCmd is `gemba ingest PATH...`.
func newIngestCmd(app *App) *cobra.Command {
	var (
		kind, csvMap, csvMapFile string
		prune, asJSON            bool
	)
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Load incidents, runbooks and use cases (Markdown, JSON/JSONL, CSV, text) into the incident store",
		Long: `Ingest reads files and folders (recursively) into the incident store. Markdown files carry
YAML front matter (id, title, kind, site, line, asset, failure_mode, occurred_at, resolved_at,
severity, downtime_minutes, tags, outcome); JSON and JSONL hold objects with the same fields and a
body; CSV work-order exports map columns by header name or by --csv-map / --csv-map-file.

Unchanged documents are not rewritten; changed ones replace their chunks in one transaction;
--prune deletes stored documents under the given paths whose files are gone. A file that cannot
be read or parsed is reported with its reason and skipped; the exit status is 1 if any failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opt := rag.IngestOptions{Prune: prune}
			if kind != "" {
				k, err := rag.ParseKind(kind)
				if err != nil {
					return exitCode(2, "--kind: "+err.Error())
				}
				opt.Parse.Kind = k
			}
			switch {
			case csvMap != "" && csvMapFile != "":
				return exitCode(2, "use --csv-map or --csv-map-file, not both")
			case csvMap != "":
				m, err := rag.ParseCSVMapping(csvMap)
				if err != nil {
					return exitCode(2, err.Error())
				}
				opt.Parse.CSV = m
			case csvMapFile != "":
				m, err := rag.LoadCSVMapping(csvMapFile)
				if err != nil {
					return exitCode(2, err.Error())
				}
				opt.Parse.CSV = m
			}
			store, err := openDocs(ctx, app)
			if err != nil {
				return err
			}
			if !asJSON && isTerminal(app.Err) {
				opt.Progress = progressBar(app.Err, "files")
			}
			rep, err := store.Ingest(ctx, args, opt)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printIngest(app.Out, app.Err, rep, prune)
			}
			if len(rep.Failed) > 0 {
				return exitCode(1, fmt.Sprintf("%d file(s) failed", len(rep.Failed)))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "kind for documents that do not state one: incident, runbook, usecase or note")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete stored documents under the given paths whose files are gone")
	cmd.Flags().StringVar(&csvMap, "csv-map", "", `CSV columns for document fields, e.g. "id=WO Number,title=Summary,body=Problem+Action"`)
	cmd.Flags().StringVar(&csvMapFile, "csv-map-file", "", "YAML file mapping document fields to CSV columns")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printIngest(out, errw io.Writer, rep rag.IngestReport, prune bool) {
	for _, w := range rep.Warnings {
		fmt.Fprintln(errw, "warning: "+w)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(errw, "failed: %s: %s\n", f.Path, f.Reason)
	}
	fmt.Fprintf(out, "%d file(s): %d added, %d updated, %d unchanged, %d failed", rep.Files, len(rep.Added), len(rep.Updated), rep.Unchanged, len(rep.Failed))
	if prune {
		fmt.Fprintf(out, ", %d pruned", len(rep.Pruned))
	}
	fmt.Fprintf(out, " (%d chunks written)\n", rep.Chunks)
}

// newSearchCmd is `gemba search "text"`.
func newSearchCmd(app *App) *cobra.Command {
	var (
		q            rag.Query
		kind, mode   string
		since, until string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   `search "text"`,
		Short: "Search past incidents, runbooks and use cases (hybrid vector + full-text)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				q.Text = args[0]
			}
			if strings.TrimSpace(q.Text) == "" && q.Asset == "" && q.Line == "" && q.FailureMode == "" && kind == "" {
				return exitCode(2, "give a search text, or a filter such as --asset")
			}
			if kind != "" {
				k, err := rag.ParseKind(kind)
				if err != nil {
					return exitCode(2, "--kind: "+err.Error())
				}
				q.Kind = k
			}
			switch rag.Mode(mode) {
			case rag.ModeHybrid, rag.ModeVector, rag.ModeFullText:
				q.Mode = rag.Mode(mode)
			default:
				return exitCode(2, "--mode must be hybrid, vector or fulltext")
			}
			for _, f := range []struct {
				name, v string
				into    *time.Time
			}{{"--since", since, &q.Since}, {"--until", until, &q.Until}} {
				if f.v == "" {
					continue
				}
				t, err := time.Parse("2006-01-02", f.v)
				if err != nil {
					return exitCode(2, f.name+" wants a date like 2024-06-01")
				}
				*f.into = t
			}
			store, err := openDocs(ctx, app)
			if err != nil {
				return err
			}
			res, err := store.Search(ctx, q)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			if len(res) == 0 {
				fmt.Fprintf(app.Out, "no documents match %q\n", q.Text)
				return nil
			}
			for i, r := range res {
				tag := string(r.Kind)
				if r.Outcome != "" {
					tag += ", fix " + string(r.Outcome)
				}
				fmt.Fprintf(app.Out, "%d. %s  %s  (%s, score %.3f)\n", i+1, r.DocumentID, r.Title, tag, r.Score)
				if r.Heading != "" {
					fmt.Fprintf(app.Out, "   § %s\n", r.Heading)
				}
				fmt.Fprintf(app.Out, "   %s\n   source: %s\n", r.Snippet, relPath(r.Source))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&q.K, "k", "k", 5, "number of results")
	f.StringVar(&kind, "kind", "", "only incident, runbook, usecase or note")
	f.StringVar(&q.Site, "site", "", "only this site")
	f.StringVar(&q.Line, "line", "", "only this line")
	f.StringVar(&q.Asset, "asset", "", "only this asset")
	f.StringVar(&q.FailureMode, "failure-mode", "", "only this failure mode, e.g. bearing_wear")
	f.StringVar(&since, "since", "", "only documents that occurred on or after this date (undated ones are kept)")
	f.StringVar(&until, "until", "", "only documents that occurred before this date (undated ones are kept)")
	f.IntVar(&q.MaxPerDoc, "per-doc", 1, "at most this many chunks per document")
	f.StringVar(&mode, "mode", "hybrid", "hybrid, vector or fulltext")
	f.BoolVar(&asJSON, "json", false, "print results as JSON")
	return cmd
}

// newRagCmd is `gemba rag`: stats, reembed, eval and bench.
func newRagCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "rag", Short: "Inspect and maintain the incident store"}
	var statsJSON bool
	stats := &cobra.Command{
		Use:   "stats",
		Short: "Count documents and chunks by kind, language, outcome and embedding model",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := openDocs(cmd.Context(), app)
			if err != nil {
				return err
			}
			st, err := store.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if statsJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			tw := tabwriter.NewWriter(app.Out, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "documents\t%d\n", st.Documents)
			fmt.Fprintf(tw, "chunks\t%d\n", st.Chunks)
			for _, g := range []struct {
				name string
				m    map[string]int
			}{{"by kind", st.ByKind}, {"by language", st.ByLang}, {"incident outcomes", st.ByOutcome}, {"embedding models", st.Models}, {"text analysis", st.Analyzers}} {
				fmt.Fprintf(tw, "%s\t%s\n", g.name, joinCounts(g.m))
			}
			if st.LastUpdate != nil {
				fmt.Fprintf(tw, "last update\t%s\n", st.LastUpdate.Format(time.RFC3339))
			}
			fmt.Fprintf(tw, "size\t%.1f MB\n", float64(st.TableBytes)/1e6)
			if err := tw.Flush(); err != nil {
				return err
			}
			e := store.Embedder()
			if len(st.Models) > 1 || (len(st.Models) == 1 && st.Models[fmt.Sprintf("%s/%d", e.Model(), e.Dim())] == 0) {
				fmt.Fprintf(app.Out, "note: the configured embedder is %s/%d; run `gemba rag reembed` to bring every chunk to it\n", e.Model(), e.Dim())
			} else if stale := st.Chunks - st.Analyzers[st.Analyzer]; stale > 0 {
				fmt.Fprintf(app.Out, "note: %d chunk(s) were analysed by older rules or another vocabulary (current %s); run `gemba rag reembed`\n", stale, st.Analyzer)
			}
			return nil
		},
	}
	stats.Flags().BoolVar(&statsJSON, "json", false, "print as JSON")

	var batch int
	reembed := &cobra.Command{
		Use:   "reembed",
		Short: "Bring every chunk to the configured embedder and text analysis (resumable: run again after an interruption)",
		Long: `Reembed re-embeds chunks stored with another embedding model or dimension (after changing
GEMBA_EMBED_PROVIDER, GEMBA_EMBED_MODEL or GEMBA_EMBED_DIM, e.g. from the built-in local embedder
to a multilingual model such as bge-m3 on Ollama), and recomputes the full-text terms of chunks
analysed by older rules or another vocabulary (after an upgrade), with their vectors when the
embedder is the local one. It commits a batch of documents at a time: run it again to resume.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := openDocs(cmd.Context(), app)
			if err != nil {
				return err
			}
			var progress func(int, int)
			if isTerminal(app.Err) {
				progress = progressBar(app.Err, "documents")
			}
			n, err := store.Reembed(cmd.Context(), batch, progress)
			if err != nil {
				return fmt.Errorf("%w (%d chunks were brought up to date; run again to resume)", err, n)
			}
			e := store.Embedder()
			fmt.Fprintf(app.Out, "%d chunk(s) brought up to date: embedder %s/%d, text analysis %s\n", n, e.Model(), e.Dim(), store.Analyzer())
			return nil
		},
	}
	reembed.Flags().IntVar(&batch, "batch", 50, "documents per transaction")

	var (
		setPaths          []string
		docsPath, split   string
		evalJSON, showMis bool
	)
	eval := &cobra.Command{
		Use:   "eval",
		Short: "Measure recall@5 and MRR of vector, full-text and hybrid search on labelled query sets",
		Long: `Eval ingests the demo corpus (--docs) into a fresh scratch database on the configured server,
runs every labelled query of each --set (JSON lines of {"query", "relevant": [ids], "lang", "split"})
in the three modes and prints recall@5 and MRR per set and split: over all queries, per language,
and cross-lingually (ko→en: Korean questions scored on their English documents only).

The Korean set has a frozen split that tuning must not look at: use --split dev while tuning and
read the frozen figures once at the end. Your own store is not touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			switch split {
			case "", "all", rag.SplitDev, rag.SplitFrozen:
			default:
				return exitCode(2, "--split must be all, dev or frozen")
			}
			var cases []rag.EvalCase
			for _, p := range setPaths {
				cs, err := rag.LoadEvalSet(p)
				if err != nil {
					return err
				}
				for _, c := range cs {
					// Sets without a split count in every run; a split set
					// contributes only the split asked for.
					if split == "" || split == "all" || c.Split == "" || c.Split == split {
						cases = append(cases, c)
					}
				}
			}
			return withScratchDB(ctx, app, false, func(store *rag.Store) error {
				var rep rag.IngestReport
				var err error
				if docsPath == "" {
					rep, err = store.IngestFS(ctx, docs.FS, ".", "demo/docs", rag.IngestOptions{})
				} else {
					rep, err = store.Ingest(ctx, []string{docsPath}, rag.IngestOptions{})
				}
				if err != nil {
					return err
				}
				if len(rep.Failed) > 0 {
					return fmt.Errorf("rag eval: %d corpus file(s) failed, first: %w", len(rep.Failed), rep.Failed[0])
				}
				ms, err := store.Evaluate(ctx, cases)
				if err != nil {
					return err
				}
				if evalJSON {
					enc := json.NewEncoder(app.Out)
					enc.SetIndent("", "  ")
					return enc.Encode(ms)
				}
				printEval(app.Out, ms, len(cases), len(rep.Added)+len(rep.Updated)+rep.Unchanged, store.Embedder(), showMis)
				return nil
			})
		},
	}
	eval.Flags().StringSliceVar(&setPaths, "set", []string{"rag/testdata/eval.jsonl", "rag/testdata/eval_ko.jsonl"}, "labelled query sets (repeat or comma-separate)")
	eval.Flags().StringVar(&split, "split", "all", "all, dev or frozen: which split of a split set to run")
	eval.Flags().StringVar(&docsPath, "docs", "", "corpus folder to ingest (default: the demo corpus built into the binary)")
	eval.Flags().BoolVar(&evalJSON, "json", false, "print as JSON")
	eval.Flags().BoolVar(&showMis, "misses", false, "list the hybrid queries with no relevant document in the top 5")

	var (
		bo           rag.BenchOptions
		efs          string
		benchJSON    bool
		keep         bool
		questionSets []string
	)
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Load benchmark: ingest N synthetic chunks, time hybrid queries, measure HNSW recall vs exact",
		Long: `Bench creates a scratch database on the configured server, ingests --chunks synthetic chunks
built from the demo corpus's sentences with the configured embedder (files written, parsed,
chunked, embedded and COPYed, as gemba ingest does), times hybrid top-10 queries (half of them
the labelled sets' real questions, Korean and English, with vocabulary expansion) and measures
HNSW recall@10 against exact search for each --ef value. The scratch database is dropped at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			for _, s := range strings.Split(efs, ",") {
				if s = strings.TrimSpace(s); s == "" {
					continue
				}
				n, err := strconv.Atoi(s)
				if err != nil || n <= 0 {
					return exitCode(2, "--ef wants numbers like 40,100")
				}
				bo.EFSearch = append(bo.EFSearch, n)
			}
			for _, p := range questionSets {
				cases, err := rag.LoadEvalSet(p)
				if err != nil {
					return err
				}
				for _, c := range cases {
					bo.Questions = append(bo.Questions, c.Query)
				}
			}
			bo.Progress = func(s string) { fmt.Fprintln(app.Err, s) }
			return withScratchDB(ctx, app, keep, func(store *rag.Store) error {
				rep, err := store.Bench(ctx, bo)
				if err != nil {
					return err
				}
				if benchJSON {
					enc := json.NewEncoder(app.Out)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				fmt.Fprintf(app.Out, "chunks ingested       %d (%d documents)\n", rep.Chunks, rep.Documents)
				fmt.Fprintf(app.Out, "ingestion             %.1f s, %.0f chunks/s\n", rep.IngestSeconds, rep.ChunksPerSecond)
				fmt.Fprintf(app.Out, "hybrid top-10 query   p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (ef_search %d)\n", rep.QueryP50MS, rep.QueryP95MS, rep.QueryP99MS, rep.EFSearch)
				var keys []int
				for k := range rep.Recall {
					keys = append(keys, k)
				}
				sort.Ints(keys)
				for _, k := range keys {
					fmt.Fprintf(app.Out, "HNSW recall@10        ef_search %-4d %.3f\n", k, rep.Recall[k])
				}
				return nil
			})
		},
	}
	bench.Flags().IntVar(&bo.Chunks, "chunks", 100_000, "chunks to ingest")
	bench.Flags().IntVar(&bo.Queries, "queries", 200, "hybrid queries to time")
	bench.Flags().IntVar(&bo.RecallQueries, "recall-queries", 100, "queries for HNSW recall")
	bench.Flags().StringVar(&efs, "ef", "20,40,64,100,200", "ef_search values to measure recall for")
	bench.Flags().StringVar(&bo.Corpus, "docs", "demo/docs", "corpus whose sentences seed the synthetic documents")
	bench.Flags().BoolVar(&benchJSON, "json", false, "print as JSON")
	bench.Flags().BoolVar(&keep, "keep", false, "keep the scratch database for inspection (its name is printed)")
	bench.Flags().StringSliceVar(&questionSets, "questions", []string{"rag/testdata/eval.jsonl", "rag/testdata/eval_ko.jsonl"},
		"labelled sets whose questions are timed beside the synthetic ones (every other query); empty for synthetic only")

	cmd.AddCommand(stats, reembed, eval, bench)
	return cmd
}

// printEval prints the eval table: one row per mode, set, split and group.
func printEval(w io.Writer, ms []rag.EvalMetrics, queries, documents int, emb rag.Embedder, misses bool) {
	fmt.Fprintf(w, "%d queries on %d documents, embedder %s/%d\n", queries, documents, emb.Model(), emb.Dim())
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tset\tsplit\tgroup\tqueries\trecall@5\tMRR")
	for _, m := range ms {
		sp := m.Split
		if sp == "" {
			sp = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.3f\t%.3f\n", m.Mode, m.Set, sp, m.Group, m.Queries, m.Recall5, m.MRR)
	}
	_ = tw.Flush()
	if !misses {
		return
	}
	for _, m := range ms {
		if m.Mode != rag.ModeHybrid || m.Group != rag.GroupAll || len(m.Misses) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nhybrid misses, %s %s:\n", m.Set, m.Split)
		for _, q := range m.Misses {
			fmt.Fprintf(w, "  %s\n", q)
		}
	}
}

// relPath shows a source under the working directory relative to it.
func relPath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

func joinCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// withScratchDB creates a migrated scratch database beside the configured
// one, opens a store on it with the configured embedder, runs fn and drops
// the database, so measurements never touch real data.
func withScratchDB(ctx context.Context, app *App, keep bool, fn func(*rag.Store) error) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	return withScratchURL(ctx, app, keep, func(u string) error {
		pool, err := db.Open(ctx, u, db.Options{MaxConns: 4})
		if err != nil {
			return err
		}
		defer pool.Close()
		store, err := newDocStore(ctx, cfg, pool, app)
		if err != nil {
			return err
		}
		return fn(store)
	})
}
