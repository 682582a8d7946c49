package console_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/console"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestRenderAnswerGolden pins the console's fallback Block Kit renderer
// (used when no bot renderer is plugged in), in both languages and with
// the More detail follow-up.
func TestRenderAnswerGolden(t *testing.T) {
	t.Parallel()
	p := newPlainAgent()
	en, err := p.Ask(t.Context(), agent.Request{Question: "Why is press-3 vibrating?"})
	require.NoError(t, err)
	ko, err := p.Ask(t.Context(), agent.Request{Question: "press-3 진동이 왜 높아요?"})
	require.NoError(t, err)
	for name, blocks := range map[string]any{
		"answer_en":        console.RenderAnswer(en, console.RenderOptions{}),
		"answer_en_detail": console.RenderAnswer(en, console.RenderOptions{Detail: true}),
		"answer_ko":        console.RenderAnswer(ko, console.RenderOptions{}),
	} {
		got, err := json.MarshalIndent(blocks, "", "  ")
		require.NoError(t, err)
		path := filepath.Join("testdata", name+".golden.json")
		if *update {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(path, got, 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./console -run Golden -update to create %s", path)
		require.JSONEq(t, string(want), string(got), name)
	}
	require.Nil(t, console.RenderAnswer(nil, console.RenderOptions{}))
}
