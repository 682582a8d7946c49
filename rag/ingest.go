package rag

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// analyzeAfter is how many chunks an ingest writes before it refreshes the
// full-text statistics itself rather than waiting for autovacuum.
const analyzeAfter = 100

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

// Limits of what one ingest reads, so that a mistaken or hostile file
// cannot hold the ingest for minutes or its memory at hundreds of MB (a
// 50 MB Markdown file once took 5 minutes and 835 MB, and a 5 MB one
// wrote 5,733 chunks). A file over its limit is refused before it is
// read, with a message saying how to split it; the rest of the ingest goes
// on.
const (
	// MaxDocumentFileBytes bounds a file that is one document (Markdown,
	// plain text): 2 MB is a manual of several hundred pages.
	MaxDocumentFileBytes = 2 << 20
	// MaxRecordsFileBytes bounds a file of many documents (JSON, JSONL,
	// CSV exports of work orders): each record is a document of its own.
	MaxRecordsFileBytes = 64 << 20
	// MaxDocumentChunks bounds the chunks one document makes (about 2 MB of
	// prose; far fewer bytes when every line is a heading).
	MaxDocumentChunks = 2500
)

// maxFileBytes is the size limit of a file by its format.
func maxFileBytes(path string) int64 {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".jsonl", ".ndjson", ".csv":
		return MaxRecordsFileBytes
	}
	return MaxDocumentFileBytes
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
//
// Inside a folder, a symbolic link to a file in the same folder tree is
// read; links that lead out of it (ln -s /etc/shadow docs/shadow.txt) and
// links to folders are skipped with a warning. A path named explicitly is
// read even when it is a link. Only regular files are read (a FIFO named
// x.txt would block the ingest), and no more than their format's limit
// (MaxDocumentFileBytes, MaxRecordsFileBytes, MaxDocumentChunks).
func (s *Store) Ingest(ctx context.Context, paths []string, opt IngestOptions) (IngestReport, error) {
	w := collectFiles(paths)
	parse := func(path string, popt ParseOptions) ([]Document, []string, error) {
		data, err := readFile(path, w.info[path])
		if err != nil {
			return nil, nil, err
		}
		return ParseBytes(path, data, popt)
	}
	rep, err := s.ingest(ctx, w.files, w.roots, w.failed, parse, opt)
	rep.Warnings = append(w.warnings, rep.Warnings...)
	return rep, err
}

// readFile reads a file found by collectFiles: a regular file, the same
// one the walk saw (when want is set: not swapped for a link since), at
// most its format's limit.
func readFile(path string, want fs.FileInfo) ([]byte, error) {
	pre := want
	if pre == nil {
		var err error
		if pre, err = os.Stat(path); err != nil {
			return nil, err
		}
	}
	if !pre.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s); skipped", pre.Mode().Type())
	}
	// O_NONBLOCK: should the file be swapped for a FIFO after the check,
	// opening it must not wait for a writer (the Stat below refuses it).
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0) //nolint:gosec // the paths to ingest are the operator's choice; links out of a folder were dropped by the walk
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s); skipped", st.Mode().Type())
	}
	if want != nil && !os.SameFile(want, st) {
		return nil, errors.New("the file changed while it was being ingested (replaced by a link?); skipped")
	}
	limit := maxFileBytes(path)
	if st.Size() > limit {
		return nil, tooBig(st.Size(), limit)
	}
	// The limit holds even for a file that grows while it is read.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooBig(int64(len(data)), limit)
	}
	return data, nil
}

func tooBig(size, limit int64) error {
	mb := func(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/(1<<20)) }
	return fmt.Errorf("the file is %s; the limit for files of this kind is %s (split it into several files, e.g. one per section or per year)", mb(size), mb(limit))
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
			if big := s.overChunkLimit(docs); big != nil {
				rep.Failed = append(rep.Failed, FileError{Path: f, Reason: big.Error()})
				failedSources = append(failedSources, f)
				break
			}
			for _, d := range docs {
				seen[d.ID] = f
			}
			// A file of many records goes in batch by batch, so that no
			// more than BatchSize documents are embedded at once.
			for _, d := range docs {
				batch = append(batch, d)
				if len(batch) >= opt.BatchSize {
					if err := flush(); err != nil {
						return rep, err
					}
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
	if _, pool := s.db.(*pgxpool.Pool); pool && rep.Chunks >= analyzeAfter {
		// Fresh statistics let search weigh terms by rarity (Store.idf) and
		// prune common ones (see textBudget). Not inside a caller's
		// transaction: ANALYZE would hold its lock until that ends.
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

// overChunkLimit returns an error naming the first document that would
// make more than MaxDocumentChunks chunks. Only bodies long enough to get
// there are chunked here (a chunk holds at least a heading line and a
// word, some five bytes).
func (s *Store) overChunkLimit(docs []Document) error {
	for _, d := range docs {
		if len(d.Body) < MaxDocumentChunks*4 {
			continue
		}
		if n := len(ChunkMarkdown(d.Body, s.opt.Chunk)); n > MaxDocumentChunks {
			return fmt.Errorf("document %q would make %d chunks; the limit is %d per document (split it into several files, e.g. one per chapter)", d.ID, n, MaxDocumentChunks)
		}
	}
	return nil
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

// walked is what collectFiles found: the files to read (absolute paths,
// sorted), the roots for pruning, the file information seen by the walk
// (readFile checks that the same file is read), the paths that failed and
// the links skipped.
type walked struct {
	files, roots []string
	info         map[string]fs.FileInfo
	failed       []FileError
	warnings     []string
}

// collectFiles expands paths into absolute file paths: folders walked
// recursively, hidden entries skipped, links followed only to files inside
// the folder (see Ingest).
func collectFiles(paths []string) walked {
	w := walked{info: map[string]fs.FileInfo{}}
	add := func(path string, info fs.FileInfo) {
		if _, ok := w.info[path]; ok {
			return
		}
		w.info[path] = info
		w.files = append(w.files, path)
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			w.failed = append(w.failed, FileError{Path: p, Reason: err.Error()})
			continue
		}
		info, err := os.Stat(abs) // a path named explicitly is followed
		if err != nil {
			w.failed = append(w.failed, FileError{Path: p, Reason: reason(err)})
			continue
		}
		w.roots = append(w.roots, abs)
		if !info.IsDir() {
			add(abs, info)
			continue
		}
		// Walk the real folder (the name given may itself be a link) but
		// name files under the name given, as sources and for pruning.
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			w.failed = append(w.failed, FileError{Path: p, Reason: reason(err)})
			continue
		}
		err = filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
			shown := abs
			if rel, rerr := filepath.Rel(real, path); rerr == nil && rel != "." {
				shown = filepath.Join(abs, rel)
			}
			if err != nil {
				w.failed = append(w.failed, FileError{Path: shown, Reason: reason(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if path != real && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !ingestExts[strings.ToLower(filepath.Ext(name))] && d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				info, why := followLink(real, path)
				if why != "" {
					w.warnings = append(w.warnings, shown+": "+why+"; skipped")
					return nil
				}
				if ingestExts[strings.ToLower(filepath.Ext(name))] {
					add(shown, info)
				}
				return nil
			}
			info, err := d.Info()
			if err != nil {
				w.failed = append(w.failed, FileError{Path: shown, Reason: reason(err)})
				return nil
			}
			add(shown, info)
			return nil
		})
		if err != nil {
			w.failed = append(w.failed, FileError{Path: p, Reason: err.Error()})
		}
	}
	sort.Strings(w.files)
	return w
}

// followLink resolves a link met inside root: the target's information
// when it is a file inside root, or why it is skipped.
func followLink(root, link string) (fs.FileInfo, string) {
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return nil, "a symbolic link that cannot be followed (" + reason(err) + ")"
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil, "a symbolic link to " + target + ", outside the folder being ingested (ingest that path itself if it is meant to be read)"
	}
	info, err := os.Stat(target)
	if err != nil {
		return nil, "a symbolic link that cannot be followed (" + reason(err) + ")"
	}
	if info.IsDir() {
		return nil, "a symbolic link to a folder (links to folders are not followed; ingest the folder itself)"
	}
	return info, ""
}
