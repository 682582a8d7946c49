package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// gemba runs the command line in-process with the given environment.
func gemba(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = run(context.Background(), args, &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := gemba(t, nil, "version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "gemba "), out)
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	code, out, _ := gemba(t, map[string]string{"GEMBA_LLM_API_KEY": "sk-very-secret"}, "config", "check")
	require.Equal(t, 0, code)
	require.Contains(t, out, "configuration OK")
	require.Contains(t, out, "offline planner")
	require.NotContains(t, out, "sk-very-secret")

	code, _, errOut := gemba(t, map[string]string{"GEMBA_DATABASE_URL": "not a url", "GEMBA_DB_MAX_CONNS": "-1"}, "config", "check")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "GEMBA_DATABASE_URL")
	require.Contains(t, errOut, "GEMBA_DB_MAX_CONNS")

	// A Compose ${GEMBA_HTTP_ADDR} never set arrives blank: refused by
	// name, never a server on every interface.
	code, _, errOut = gemba(t, map[string]string{"GEMBA_HTTP_ADDR": ""}, "config", "check")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "GEMBA_HTTP_ADDR: is set but blank")
	code, _, errOut = gemba(t, map[string]string{"GEMBA_HTTP_ADDR": ""}, "serve")
	require.NotEqual(t, 0, code, "serve refuses to start")
	require.Contains(t, errOut, "GEMBA_HTTP_ADDR")
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	code, out, errOut := gemba(t, env, "migrate", "down", "--all")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "rolled back")

	code, out, _ = gemba(t, env, "migrate", "status")
	require.Equal(t, 0, code)
	require.Contains(t, out, "0 applied")

	code, out, _ = gemba(t, env, "migrate", "up")
	require.Equal(t, 0, code)
	require.NotContains(t, out, "applied 0 ")

	code, out, _ = gemba(t, env, "migrate", "status")
	require.Equal(t, 0, code)
	require.Contains(t, out, " 0 pending")

	code, _, _ = gemba(t, env, "migrate", "down", "--to", "-4")
	require.Equal(t, 2, code)
}

func TestWrongPortIsOneLine(t *testing.T) {
	t.Parallel()
	code, _, errOut := gemba(t, map[string]string{"GEMBA_DATABASE_URL": "postgres://gemba@127.0.0.1:1/gemba?connect_timeout=2"}, "migrate", "status")
	require.Equal(t, 1, code)
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, errOut)
	require.Contains(t, errOut, "cannot connect to PostgreSQL at 127.0.0.1:1")
}

// gembaIn is gemba with standard input.
func gembaIn(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = runWith(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}
