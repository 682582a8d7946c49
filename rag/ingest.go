package rag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// IngestOptions steer Ingest.
type IngestOptions struct {
	// Parse chooses the default kind and the CSV column mapping.
	Parse ParseOptions
	// Prune deletes stored documents whose source lies under one of the
	// given paths but which no file provides any more.
	Prune bool
	// BatchSize is how many documents are written per transaction (default 200).
	BatchSize int
	// Progress, when set, is called after each file with the files done so far.
	Progress func(done, total int)
	// BulkFiles is the number of files from which an ingest that at least
	// doubles the store counts as a bulk load: the HNSW index is dropped
	// and rebuilt once at the end (default 1000; negative never).
	BulkFiles int
}

// FileError is one input file that could not be ingested, and why.
type FileError struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func (e FileError) Error() string { return e.Path + ": " + e.Reason }

// IngestReport sums up an ingest.
type IngestReport struct {
	Files     int         `json:"files"`
	Added     []string    `json:"added"`
	Updated   []string    `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Pruned    []string    `json:"pruned"`
	Chunks    int         `json:"chunks_written"`
	Failed    []FileError `json:"failed"`
	Warnings  []string    `json:"warnings"`
	// IndexSeconds is the time spent rebuilding the HNSW index after a
	// bulk load (0 otherwise).
	IndexSeconds float64 `json:"index_seconds,omitempty"`
}

// ingestExts are the extensions picked up when walking a folder; a file
// named explicitly is read whatever its extension (as plain text if unknown).
var ingestExts = map[string]bool{".md": true, ".markdown": true, ".json": true, ".jsonl": true, ".ndjson": true, ".csv": true, ".txt": true}

// Ingest reads files and folders (recursively) and stores their documents.
// Unchanged documents write nothing; changed ones replace their chunks.
// A file that cannot be read or parsed is recorded in the report's Failed
// list with its reason while the others go in; an empty one is a warning.
// The returned error is only for infrastructure failures (the database).
func (s *Store) Ingest(ctx context.Context, paths []string, opt IngestOptions) (IngestReport, error) {
	files, roots, walkErrs := collectFiles(paths)
	return s.ingest(ctx, files, roots, walkErrs, ParseFile, opt)
}

// IngestFS ingests the documents under root in fsys (an embedded corpus,
// such as the demo documents compiled into the binary). A document's source
// is prefix joined with its slash-separated path inside fsys (prefix
// "demo/docs" gives "demo/docs/incidents/INC-1003.md"); --prune semantics
// apply under prefix/root.
func (s *Store) IngestFS(ctx context.Context, fsys fs.FS, root, prefix string, opt IngestOptions) (IngestReport, error) {
	var files []string
	var failed []FileError
	err := fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			failed = append(failed, FileError{Path: path, Reason: reason(err)})
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && ingestExts[strings.ToLower(filepath.Ext(path))] {
			files = append(files, pathpkg.Join(prefix, path))
		}
		return nil
	})
	if err != nil {
		return IngestReport{}, fmt.Errorf("rag: ingest: %w", err)
	}
	parse := func(source string, opt ParseOptions) ([]Document, []string, error) {
		inner := source
		if prefix != "" {
			inner = strings.TrimPrefix(strings.TrimPrefix(source, pathpkg.Clean(prefix)), "/")
		}
		data, err := fs.ReadFile(fsys, inner)
		if err != nil {
			return nil, nil, err
		}
		return ParseBytes(source, data, opt)
	}
	return s.ingest(ctx, files, []string{pathpkg.Join(prefix, root)}, failed, parse, opt)
}

type parseFunc func(path string, opt ParseOptions) ([]Document, []string, error)

func (s *Store) ingest(ctx context.Context, files, roots []string, walkErrs []FileError, parse parseFunc, opt IngestOptions) (rep IngestReport, err error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 200
	}
	// Empty lists, not nulls, in the JSON report.
	rep = IngestReport{Added: []string{}, Updated: []string{}, Pruned: []string{}, Failed: []FileError{}, Warnings: []string{}}
	rep.Failed = append(rep.Failed, walkErrs...)
	rep.Files = len(files)

	if opt.BulkFiles == 0 {
		opt.BulkFiles = 1000
	}
	bulk := false
	if opt.BulkFiles > 0 && len(files) >= opt.BulkFiles {
		var docs int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&docs); err != nil {
			return rep, fmt.Errorf("rag: ingest: %w", err)
		}
		bulk = len(files) >= docs
	}
	if bulk {
		dim := s.emb.Dim()
		if err := s.dropIndex(ctx, dim); err != nil {
			return rep, err
		}
		// Rebuild even when the ingest fails halfway: what went in is searchable.
		defer func() {
			t0 := time.Now()
			if berr := s.buildIndex(context.WithoutCancel(ctx), dim); berr != nil && err == nil {
				err = berr
			}
			rep.IndexSeconds = time.Since(t0).Seconds()
		}()
	}

	seen := map[string]string{} // id -> source
	failedSources := []string{}
	var batch []Document
	// On a pool, a batch is written on its own connection while the next
	// one is parsed, chunked and embedded: the database and Go overlap.
	_, pipelined := s.db.(*pgxpool.Pool)
	var (
		writing  chan error
		written  atomic.Int64
		pipeline = func(work []*prepared) error {
			if writing != nil {
				if err := <-writing; err != nil {
					return err
				}
				writing = nil
			}
			if !pipelined {
				n, err := s.write(ctx, work)
				written.Add(int64(n))
				return err
			}
			writing = make(chan error, 1)
			go func(ch chan error) {
				n, err := s.write(ctx, work)
				written.Add(int64(n))
				ch <- err
			}(writing)
			return nil
		}
	)
	defer func() {
		if writing != nil {
			if werr := <-writing; werr != nil && err == nil {
				err = werr
			}
		}
		rep.Chunks = int(written.Load())
	}()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		st, work, err := s.prepare(ctx, batch, bulk)
		if err != nil {
			return err
		}
		if err := pipeline(work); err != nil {
			return err
		}
		for i, x := range st {
			switch x {
			case StatusAdded:
				rep.Added = append(rep.Added, batch[i].ID)
			case StatusUpdated:
				rep.Updated = append(rep.Updated, batch[i].ID)
			default:
				rep.Unchanged++
			}
		}
		batch = batch[:0]
		return nil
	}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		docs, warns, err := parse(f, opt.Parse)
		rep.Warnings = append(rep.Warnings, warns...)
		switch {
		case errors.Is(err, ErrEmpty):
			rep.Warnings = append(rep.Warnings, f+": no text; skipped")
			failedSources = append(failedSources, f) // keep what the store has
		case err != nil:
			rep.Failed = append(rep.Failed, FileError{Path: f, Reason: reason(err)})
			failedSources = append(failedSources, f)
		default:
			var dup error
			inFile := map[string]int{}
			for i, d := range docs {
				if other, ok := seen[d.ID]; ok {
					dup = fmt.Errorf("document id %q is also used by %s", d.ID, other)
					break
				}
				if j, ok := inFile[d.ID]; ok {
					// Two records of one file with one id would collide in
					// the store: say which, instead of a database error.
					dup = fmt.Errorf("records %d and %d both have the document id %q (ids must be unique)", j+1, i+1, d.ID)
					break
				}
				inFile[d.ID] = i
			}
			if dup != nil {
				rep.Failed = append(rep.Failed, FileError{Path: f, Reason: dup.Error()})
				failedSources = append(failedSources, f)
				break
			}
			for _, d := range docs {
				seen[d.ID] = f
			}
			batch = append(batch, docs...)
			if len(batch) >= opt.BatchSize {
				if err := flush(); err != nil {
					return rep, err
				}
			}
		}
		if opt.Progress != nil {
			opt.Progress(i+1, len(files))
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if writing != nil {
		if err := <-writing; err != nil {
			writing = nil
			return rep, err
		}
		writing = nil
	}
	rep.Chunks = int(written.Load())
	if rep.Chunks >= 1000 {
		// Fresh statistics let search prune common terms (see textBudget).
		if _, err := s.db.Exec(ctx, `ANALYZE chunks`); err != nil {
			return rep, fmt.Errorf("rag: ingest: analyze: %w", err)
		}
		s.statsMu.Lock()
		s.stats = nil
		s.statsMu.Unlock()
	}
	if opt.Prune {
		// Never prune what sits under a folder that could not be read.
		unreadable := []string{}
		for _, fe := range walkErrs {
			unreadable = append(unreadable, escapeLike(fe.Path)+"%")
		}
		ids := make([]string, 0, len(seen))
		for id := range seen {
			ids = append(ids, id)
		}
		for _, root := range roots {
			rows, err := s.db.Query(ctx, `
DELETE FROM documents
WHERE (source = $1 OR source LIKE $2 ESCAPE '\')
  AND NOT (id = ANY($3)) AND NOT (source = ANY($4)) AND NOT (source LIKE ANY($5))
RETURNING id`, root, escapeLike(strings.TrimSuffix(root, string(filepath.Separator)))+"/%", ids, failedSources, unreadable)
			if err != nil {
				return rep, fmt.Errorf("rag: prune: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return rep, fmt.Errorf("rag: prune: %w", err)
				}
				rep.Pruned = append(rep.Pruned, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return rep, fmt.Errorf("rag: prune: %w", err)
			}
		}
		sort.Strings(rep.Pruned)
	}
	return rep, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// reason turns a parse or read error into a short line without the path
// (the report carries it).
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// collectFiles expands paths into absolute file paths (folders walked
// recursively, hidden entries skipped) and the absolute roots for pruning.
func collectFiles(paths []string) (files, roots []string, failed []FileError) {
	seen := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			failed = append(failed, FileError{Path: p, Reason: err.Error()})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			failed = append(failed, FileError{Path: p, Reason: reason(err)})
			continue
		}
		roots = append(roots, abs)
		if !info.IsDir() {
			if !seen[abs] {
				seen[abs] = true
				files = append(files, abs)
			}
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				failed = append(failed, FileError{Path: path, Reason: reason(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if path != abs && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !ingestExts[strings.ToLower(filepath.Ext(name))] || seen[path] {
				return nil
			}
			seen[path] = true
			files = append(files, path)
			return nil
		})
		if err != nil {
			failed = append(failed, FileError{Path: p, Reason: err.Error()})
		}
	}
	sort.Strings(files)
	return files, roots, failed
}
