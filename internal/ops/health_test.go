package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/ops"
)

// TestReadyzSaysWhatFailedButNotWhy: /readyz needs no token, so its body
// names the failing check with a fixed word and the error text (which can
// hold a database host, a user name or a server's message) goes to the log.
func TestReadyzSaysWhatFailedButNotWhy(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	h := ops.NewHealth(slog.New(slog.NewJSONHandler(&logged, nil)))
	const detail = `failed to connect to host=db.internal user=gemba: password authentication failed`
	h.Add("database", func(context.Context) error { return errors.New(detail) })
	h.Add("migrations", func(context.Context) error { return nil })

	rec := httptest.NewRecorder()
	h.Readyz(rec, httptest.NewRequest("GET", "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "db.internal")
	require.NotContains(t, rec.Body.String(), "password")
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.False(t, body.Ready)
	require.Equal(t, map[string]string{"database": "failing", "migrations": "ok"}, body.Checks)
	require.Contains(t, logged.String(), "password authentication failed", "the detail is in the log")
	require.Contains(t, logged.String(), `"check":"database"`)

	h.Drain()
	rec = httptest.NewRecorder()
	h.Readyz(rec, httptest.NewRequest("GET", "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, rec.Body.String(), `"shutdown":"draining"`)
}
