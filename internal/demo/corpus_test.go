package demo_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/demo/docs"
	"github.com/gemba-ai/gemba/rag"
)

// TestDocsFollowTheSeedWindow checks that, whatever day the demo is seeded,
// each incident document that describes a generated failure is dated on the
// day the generator puts that failure.
func TestDocsFollowTheSeedWindow(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{demo.CorpusDay.Add(13 * time.Hour), time.Date(2027, 3, 9, 8, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 23, 0, 0, 0, time.UTC)} {
		fsys, err := demo.Docs(now)
		require.NoError(t, err)
		days := map[string]string{}
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			require.NoError(t, err)
			doc, err := rag.ParseMarkdown(b, p, rag.KindIncident)
			require.NoError(t, err, p)
			if doc.OccurredAt != nil {
				days[doc.ID] = doc.OccurredAt.UTC().Format("2006-01-02")
			}
			return nil
		})
		require.NoError(t, err)
		matched := 0
		for _, f := range demo.Schedule(now) {
			if f.InProgress {
				continue
			}
			got, ok := days[f.ID]
			if !ok {
				continue
			}
			matched++
			require.Equal(t, f.At.UTC().Format("2006-01-02"), got, "%s seeded %s", f.ID, now)
		}
		require.GreaterOrEqual(t, matched, 5, "the corpus describes the generated failures")
	}
	// Seeded on the corpus day, the files are byte-for-byte the originals.
	fsys, err := demo.Docs(demo.CorpusDay.Add(2 * time.Hour))
	require.NoError(t, err)
	a, err := fs.ReadFile(fsys, "incidents/INC-1003.md")
	require.NoError(t, err)
	b, err := fs.ReadFile(docs.FS, "incidents/INC-1003.md")
	require.NoError(t, err)
	require.Equal(t, string(b), string(a))
}
