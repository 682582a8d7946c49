package llmtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/llmtest"
)

type reply struct {
	status int
	header http.Header
}

func post(t *testing.T, url, token, body string) (reply, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/chat/completions", bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NoError(t, resp.Body.Close())
	return reply{resp.StatusCode, resp.Header}, out
}

func TestScriptErrorsAndExhaustion(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, llmtest.RateLimited("3"), llmtest.Final("ok"))
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

	resp, _ := post(t, srv.URL, "wrong", body)
	require.Equal(t, http.StatusUnauthorized, resp.status)

	resp, out := post(t, srv.URL, srv.Token, body)
	require.Equal(t, http.StatusTooManyRequests, resp.status)
	require.Equal(t, "3", resp.header.Get("Retry-After"))
	require.Contains(t, out["error"].(map[string]any)["message"], "429")

	resp, out = post(t, srv.URL, srv.Token, body)
	require.Equal(t, http.StatusOK, resp.status)
	choice := out["choices"].([]any)[0].(map[string]any)
	require.Equal(t, "stop", choice["finish_reason"])
	require.Equal(t, "ok", choice["message"].(map[string]any)["content"])
	require.Positive(t, out["usage"].(map[string]any)["total_tokens"])

	resp, out = post(t, srv.URL, srv.Token, body)
	require.Equal(t, http.StatusInternalServerError, resp.status)
	require.Contains(t, out["error"].(map[string]any)["message"], "script exhausted")
	require.Len(t, srv.Requests(), 3, "unauthorised requests are not recorded")
	require.Equal(t, "hi", srv.Requests()[0].Last().Content)

	resp, _ = post(t, srv.URL, srv.Token, `{"messages": nope}`)
	require.Equal(t, http.StatusBadRequest, resp.status)
}
