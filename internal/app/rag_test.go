package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/rag/embedtest"
)

// TestIngestAndSearchCommands runs gemba ingest, search and rag stats on a
// fresh database, as after `make run`.
func TestIngestAndSearchCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	corpus := filepath.Join("..", "demo", "docs")

	code, out, errOut := gemba(t, env, "ingest", corpus)
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `71 file\(s\): 76 added, 0 updated, 0 unchanged, 0 failed \(\d+ chunks written\)`, out)
	code, out, _ = gemba(t, env, "ingest", corpus)
	require.Equal(t, 0, code)
	require.Contains(t, out, "0 added, 0 updated, 76 unchanged")

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
	require.GreaterOrEqual(t, len(res), 2)
	// The same failure of pump-1, written up in Korean and in English.
	require.ElementsMatch(t, []string{"INC-2024-083", "INC-1002"}, []string{res[0].DocumentID, res[1].DocumentID})
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
	require.Contains(t, out, "documents          76")
	require.Contains(t, out, "local-ngram-v3/384")
	require.NotContains(t, out, "note:")

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
	require.Contains(t, out, "0 chunk(s) brought up to date")
}

// TestRagEvalCommand runs the retrieval evaluation on its scratch database.
func TestRagEvalCommand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	code, out, errOut := gemba(t, env, "rag", "eval", "--set", filepath.Join("..", "..", "rag", "testdata", "eval.jsonl"), "--json")
	require.Equal(t, 0, code, errOut)
	var ms []struct {
		Mode    string  `json:"mode"`
		Group   string  `json:"group"`
		Recall5 float64 `json:"recall_at_5"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &ms))
	all := map[string]float64{}
	for _, m := range ms {
		if m.Group == "all" {
			all[m.Mode] = m.Recall5
		}
	}
	require.Greater(t, all["hybrid"], all["vector"])
	require.Greater(t, all["hybrid"], all["fulltext"])

	// The Korean set by split: dev only, with the cross-lingual group.
	code, out, errOut = gemba(t, env, "rag", "eval", "--set", filepath.Join("..", "..", "rag", "testdata", "eval_ko.jsonl"), "--split", "dev")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `hybrid\s+eval_ko\s+dev\s+ko→en\s+44\s`, out)
	require.NotContains(t, out, "frozen")
	code, _, errOut = gemba(t, env, "rag", "eval", "--split", "test")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--split must be all, dev or frozen")
}

// TestRagReembedToOllamaCommand switches a store built with the local
// embedder to a multilingual model on Ollama through the environment
// (GEMBA_EMBED_PROVIDER=ollama, GEMBA_EMBED_MODEL=bge-m3) and runs `gemba rag
// stats`, `gemba rag reembed` and a Korean `gemba search` against a local
// server speaking Ollama's /api/embed.
func TestRagReembedToOllamaCommand(t *testing.T) {
	t.Parallel()
	local, err := rag.NewLocalEmbedder(1024)
	require.NoError(t, err)
	srv := embedtest.NewServer(t, embedtest.Options{Models: []string{"bge-m3"}, Embed: func(_, in string) []float32 {
		v, _ := local.EmbedQuery(context.Background(), in)
		return v
	}})
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	code, _, errOut := gemba(t, env, "ingest", filepath.Join("..", "demo", "docs"))
	require.Equal(t, 0, code, errOut)

	env["GEMBA_EMBED_PROVIDER"], env["GEMBA_EMBED_BASE_URL"], env["GEMBA_EMBED_MODEL"] = "ollama", srv.URL, "bge-m3"
	code, out, errOut := gemba(t, env, "rag", "stats")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "note: the configured embedder is ollama/bge-m3/1024; run `gemba rag reembed`")
	code, out, errOut = gemba(t, env, "rag", "reembed")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `^\d+ chunk\(s\) brought up to date: embedder ollama/bge-m3/1024, text analysis a3\.`, out)
	code, out, _ = gemba(t, env, "rag", "stats")
	require.Equal(t, 0, code)
	require.Contains(t, out, "ollama/bge-m3/1024")
	require.NotContains(t, out, "local-ngram")
	require.NotContains(t, out, "note:")
	code, out, errOut = gemba(t, env, "search", "압축기 흡기 필터 교체 절차", "--mode", "vector", "--k", "3")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "RB-compressor-air-filter")

	// The server gone: a clear error naming the provider, nothing changed.
	srv.Close()
	code, _, errOut = gemba(t, env, "rag", "reembed")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "ollama/bge-m3")
}
