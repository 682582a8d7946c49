package rag

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ingestWithin runs Ingest and fails the test if it takes longer than d
// (a FIFO or a huge file would otherwise hang or crawl).
func ingestWithin(t *testing.T, s *Store, d time.Duration, paths ...string) IngestReport {
	t.Helper()
	type result struct {
		rep IngestReport
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		rep, err := s.Ingest(ctx, paths, IngestOptions{})
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		return r.rep
	case <-time.After(d):
		t.Fatalf("ingest of %v took more than %s", paths, d)
		return IngestReport{}
	}
}

func failedReason(rep IngestReport, name string) string {
	for _, f := range rep.Failed {
		if filepath.Base(f.Path) == name {
			return f.Reason
		}
	}
	return ""
}

// TestIngestSkipsSymlinksOutOfItsRoot: `ln -s /etc/shadow docs/shadow.txt;
// gemba ingest docs` must not store the shadow file. A link to a file
// inside the folder is read; links out of it, and links to folders, are
// skipped with a warning.
func TestIngestSkipsSymlinksOutOfItsRoot(t *testing.T) {
	t.Parallel()
	s := localStore(t, nil)
	dir := t.TempDir()
	secret := write(t, dir, "outside/secret.txt", "root:$6$saltsalt$hashhash:19000:0:99999:7:::\n")
	write(t, dir, "outside/more.md", "# More\n\nNot under the ingested folder.\n")
	docs := filepath.Join(dir, "docs")
	write(t, docs, "pump.md", "# Pump\n\nPump-1 pressure drops when the filter clogs.\n")
	require.NoError(t, os.Symlink(secret, filepath.Join(docs, "shadow.txt")))
	require.NoError(t, os.Symlink("../outside/secret.txt", filepath.Join(docs, "relative.txt")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "outside"), filepath.Join(docs, "linked-folder")))
	require.NoError(t, os.Symlink("pump.md", filepath.Join(docs, "pump-latest.md")))

	rep := ingestWithin(t, s, time.Minute, docs)
	require.ElementsMatch(t, []string{"pump", "pump-latest"}, rep.Added, "the link inside the folder is read")
	joined := strings.Join(rep.Warnings, "\n")
	require.Contains(t, joined, "shadow.txt")
	require.Contains(t, joined, "relative.txt")
	require.Contains(t, joined, "outside the folder")
	require.Contains(t, joined, "linked-folder")
	var n int
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT count(*) FROM documents WHERE body LIKE '%saltsalt%' OR body LIKE '%Not under%'`).Scan(&n))
	require.Zero(t, n, "nothing from outside the folder is stored")

	// Named explicitly, a link is the user's choice and is read.
	rep = ingestWithin(t, s, time.Minute, filepath.Join(docs, "shadow.txt"))
	require.Equal(t, []string{"shadow"}, rep.Added)
}

// TestIngestRefusesSpecialFiles: a FIFO with a .txt name would block the
// ingest forever; it is refused as not a regular file.
func TestIngestRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	s := localStore(t, nil)
	docs := t.TempDir()
	write(t, docs, "ok.md", "# OK\n\nfine\n")
	require.NoError(t, syscall.Mkfifo(filepath.Join(docs, "pipe.txt"), 0o600))
	rep := ingestWithin(t, s, 20*time.Second, docs)
	require.Equal(t, []string{"ok"}, rep.Added)
	require.Contains(t, failedReason(rep, "pipe.txt"), "not a regular file")
}

// TestIngestSizeLimits: a file over its format's limit is refused at once
// (a 50 MB Markdown file is not read at all), and so is a document that
// would make more chunks than MaxDocumentChunks; the rest goes in.
func TestIngestSizeLimits(t *testing.T) {
	t.Parallel()
	s := localStore(t, nil)
	docs := t.TempDir()
	write(t, docs, "small.md", "# Small\n\nA normal runbook.\n")
	huge := filepath.Join(docs, "huge.md")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(50<<20)) // sparse: 50 MB on paper, nothing on disk
	require.NoError(t, f.Close())
	write(t, docs, "big.md", "# Big\n\n"+strings.Repeat("Vibration on press-3 rose again during the night shift. ", (MaxDocumentFileBytes/56)+100))
	var many strings.Builder
	for i := range MaxDocumentChunks + 10 {
		fmt.Fprintf(&many, "## Step %d\nCheck.\n", i)
	}
	write(t, docs, "headings.md", "# Many headings\n\n"+many.String())
	write(t, docs, "binary.txt", "PK\x03\x04\x00\x00 not text") // once failed the whole ingest in PostgreSQL

	start := time.Now()
	rep := ingestWithin(t, s, 2*time.Minute, docs)
	require.Equal(t, []string{"small"}, rep.Added)
	require.Contains(t, failedReason(rep, "huge.md"), "50.00 MB")
	require.Contains(t, failedReason(rep, "huge.md"), "limit for files of this kind is 2.00 MB")
	require.Contains(t, failedReason(rep, "big.md"), "limit")
	require.Contains(t, failedReason(rep, "headings.md"), fmt.Sprintf("%d chunks", MaxDocumentChunks+10))
	require.Contains(t, failedReason(rep, "headings.md"), "split it")
	require.Contains(t, failedReason(rep, "binary.txt"), "NUL")
	t.Logf("refused four files and ingested one in %s", time.Since(start).Round(time.Millisecond))
}
