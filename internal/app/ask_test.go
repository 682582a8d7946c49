package app

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
)

func TestAskJSONWithScriptedLLMAndAudit(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t,
		llmtest.CallTools(llmtest.Call("search_incidents", `{"query":"press-3 vibration"}`)),
		llmtest.Final(`{"situation":"No documents matched.","steps":[],"confidence":"low"}`),
		llmtest.Final(`{"situation":"Still nothing on press 2.","steps":[]}`),
	)
	env := map[string]string{
		"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error",
		"GEMBA_LLM_PROVIDER": "openai", "GEMBA_LLM_BASE_URL": srv.URL, "GEMBA_LLM_API_KEY": srv.Token, "GEMBA_LLM_MODEL": "scripted",
	}
	code, out, errOut := gemba(t, env, "ask", "--json", "--thread", "t1", "press 3 is vibrating, what should I do?")
	require.Equal(t, 0, code, errOut)
	var got struct {
		Answer string `json:"answer"`
		Mode   string `json:"mode"`
		Steps  []struct {
			Tool       string         `json:"tool"`
			Args       map[string]any `json:"args"`
			DurationMS *int64         `json:"duration_ms"`
			Error      string         `json:"error"`
		} `json:"steps"`
		Citations []struct{ ID, Title string } `json:"citations"`
		ID        int64                        `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Equal(t, "llm", got.Mode)
	require.Contains(t, got.Answer, "No documents matched.")
	require.Equal(t, "search_incidents", got.Steps[0].Tool)
	for _, s := range got.Steps[1:] {
		// The grounding check read the catalog to see whether press-3 exists
		// (the model did not look): the series and the maintenance
		// register; an empty store has none to judge by.
		if s.Tool == "maintenance_history" {
			require.Equal(t, "assets", s.Args["aggregate"])
			continue
		}
		require.Equal(t, "list_series", s.Tool)
	}
	require.Equal(t, "press-3 vibration", got.Steps[0].Args["query"])
	require.NotNil(t, got.Steps[0].DurationMS)
	require.NotNil(t, got.Citations)
	require.Positive(t, got.ID)

	// A follow-up in the same thread carries the first turn.
	code, out, errOut = gemba(t, env, "ask", "--thread", "t1", "and press 2?")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Still nothing on press 2.")
	msgs := srv.Requests()[2].Messages
	require.Equal(t, "press 3 is vibrating, what should I do?", msgs[1].Content)

	code, out, errOut = gemba(t, env, "audit", "tail", "--n", "5")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Q: press 3 is vibrating, what should I do?")
	require.Contains(t, out, "tool   search_incidents")
	require.Contains(t, out, "model  step 1 try 1  scripted")
	require.Contains(t, out, "Q: and press 2?")

	code, _, errOut = gemba(t, env, "audit", "tail", "--n", "0")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--n must be at least 1")
}

func TestAskOfflineAndBadInput(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "error"}
	code, out, errOut := gemba(t, env, "ask", "--json", "펌프 2 씰 누설 과거 사례 있나요?")
	require.Equal(t, 0, code, errOut)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, "offline", got["mode"])
	require.Equal(t, "ko", got["lang"])
	require.Contains(t, got["answer"], "LLM 없이")

	code, _, errOut = gemba(t, env, "ask", "   ")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "the question is empty")

	code, _, errOut = gemba(t, env, "eval")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "gemba demo seed")

	code, out, _ = gemba(t, env, "audit", "tail")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Q: 펌프 2 씰 누설 과거 사례 있나요?")

	// Nothing loaded yet: said, with how to start — never "press-3 has
	// only maintenance records" or an empty list.
	for _, q := range []string{"is press 3 ok?", "list the machines", "what happened yesterday?"} {
		code, out, errOut = gemba(t, env, "ask", q)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "Gemba has no data for this plant yet", q)
		require.Contains(t, out, "gemba demo seed", q)
		require.NotContains(t, out, "only maintenance records", q)
	}
}
