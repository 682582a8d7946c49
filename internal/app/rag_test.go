package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// TestIngestAndSearchCommands runs gemba ingest, search and rag stats on a
// fresh database, as after `make run`.
func TestIngestAndSearchCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	corpus := filepath.Join("..", "demo", "docs")

	code, out, errOut := gemba(t, env, "ingest", corpus)
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `63 file\(s\): 68 added, 0 updated, 0 unchanged, 0 failed \(\d+ chunks written\)`, out)
	code, out, _ = gemba(t, env, "ingest", corpus)
	require.Equal(t, 0, code)
	require.Contains(t, out, "0 added, 0 updated, 68 unchanged")

	code, out, _ = gemba(t, env, "search", "press 3 is vibrating, what should I do?", "--k", "3")
	require.Equal(t, 0, code)
	require.Contains(t, out, "1. INC-1003")
	require.Contains(t, out, "source: ")
	code, out, _ = gemba(t, env, "search", "펌프 압력이 서서히 떨어짐", "--json", "--kind", "incident")
	require.Equal(t, 0, code)
	var res []struct {
		DocumentID string `json:"document_id"`
		Kind       string `json:"kind"`
		Snippet    string `json:"snippet"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.NotEmpty(t, res)
	require.Equal(t, "INC-2024-083", res[0].DocumentID)
	for _, r := range res {
		require.Equal(t, "incident", r.Kind)
	}
	code, out, _ = gemba(t, env, "search", "xyzzy qwerty")
	require.Equal(t, 0, code)
	require.Contains(t, out, "no documents match")
	code, _, errOut = gemba(t, env, "search", "x", "--mode", "magic")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--mode")

	code, out, _ = gemba(t, env, "rag", "stats")
	require.Equal(t, 0, code)
	require.Contains(t, out, "documents          68")
	require.Contains(t, out, "local-ngram-v2/384")

	// Bad files: reported, skipped, exit status 1; the good file goes in.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.md"), []byte("---\nid: X\noccurred_at: someday\n---\nbody\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "good.md"), []byte("---\nid: NOTE-1\nkind: note\n---\nConveyor guard refitted.\n"), 0o600))
	code, out, errOut = gemba(t, env, "ingest", dir)
	require.Equal(t, 1, code)
	require.Contains(t, out, "1 added")
	require.Contains(t, errOut, "bad.md")
	require.Contains(t, errOut, `field "occurred_at"`)
	code, _, errOut = gemba(t, env, "ingest", "--kind", "memo", dir)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "unknown kind")

	// Prune removes documents whose files are gone.
	require.NoError(t, os.Remove(filepath.Join(dir, "good.md")))
	code, out, _ = gemba(t, env, "ingest", "--prune", dir)
	require.Equal(t, 1, code) // bad.md still fails
	require.Contains(t, out, "1 pruned")

	code, out, errOut = gemba(t, env, "rag", "reembed")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "0 chunk(s) re-embedded")
}

// TestRagEvalCommand runs the retrieval evaluation on its scratch database.
func TestRagEvalCommand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	code, out, errOut := gemba(t, env, "rag", "eval", "--set", filepath.Join("..", "..", "rag", "testdata", "eval.jsonl"), "--json")
	require.Equal(t, 0, code, errOut)
	var ms []struct {
		Mode    string  `json:"mode"`
		Lang    string  `json:"lang"`
		Recall5 float64 `json:"recall_at_5"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &ms))
	all := map[string]float64{}
	for _, m := range ms {
		if m.Lang == "" {
			all[m.Mode] = m.Recall5
		}
	}
	require.Greater(t, all["hybrid"], all["vector"])
	require.Greater(t, all["hybrid"], all["fulltext"])
}
