package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
)

func env(m map[string]string) config.Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsSelectLocalOfflineMode(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, "postgres:///gemba", c.DatabaseURL)
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	require.False(t, c.Slack.Enabled())
	require.False(t, c.LLM.Enabled())
	require.Equal(t, "local", c.Embed.Provider)
	require.Equal(t, "https://slack.com/api/", c.Slack.APIURL)
}

func TestValidationNamesEveryBadValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad url", map[string]string{"GEMBA_DATABASE_URL": "mysql://x"}, []string{"GEMBA_DATABASE_URL"}},
		{"negative number", map[string]string{"GEMBA_DB_MAX_CONNS": "-3"}, []string{"GEMBA_DB_MAX_CONNS", "-3"}},
		{"not a number", map[string]string{"GEMBA_SLACK_WORKERS": "many"}, []string{"GEMBA_SLACK_WORKERS", "many"}},
		{"bad duration", map[string]string{"GEMBA_LLM_TIMEOUT": "soon"}, []string{"GEMBA_LLM_TIMEOUT"}},
		{"negative duration", map[string]string{"GEMBA_AGENT_DEADLINE": "-1s"}, []string{"GEMBA_AGENT_DEADLINE"}},
		{"bad addr", map[string]string{"GEMBA_HTTP_ADDR": "localhost"}, []string{"GEMBA_HTTP_ADDR"}},
		// A Compose ${VAR} never set: blank must not mean "every interface".
		{"empty addr", map[string]string{"GEMBA_HTTP_ADDR": ""}, []string{"GEMBA_HTTP_ADDR", "blank"}},
		{"blank addr", map[string]string{"GEMBA_HTTP_ADDR": "  "}, []string{"GEMBA_HTTP_ADDR", "blank"}},
		{"blank addr from a file", map[string]string{"GEMBA_HTTP_ADDR_FILE": os.DevNull}, []string{"GEMBA_HTTP_ADDR", "blank"}},
		{"unknown provider", map[string]string{"GEMBA_LLM_PROVIDER": "skynet"}, []string{"GEMBA_LLM_PROVIDER", "skynet"}},
		{"provider without model", map[string]string{"GEMBA_LLM_PROVIDER": "openai"}, []string{"GEMBA_LLM_MODEL"}},
		{"app token without bot token", map[string]string{"GEMBA_SLACK_APP_TOKEN": "xapp-1"}, []string{"GEMBA_SLACK_BOT_TOKEN"}},
		{"http transport without secret", map[string]string{"GEMBA_SLACK_BOT_TOKEN": "xoxb-1"}, []string{"GEMBA_SLACK_SIGNING_SECRET"}},
		{"api url without slash", map[string]string{"GEMBA_SLACK_API_URL": "http://127.0.0.1:9/api"}, []string{"GEMBA_SLACK_API_URL"}},
		{"several at once", map[string]string{"GEMBA_DB_MAX_CONNS": "0", "GEMBA_LOG_LEVEL": "loud", "GEMBA_LLM_BASE_URL": "::"}, []string{"GEMBA_DB_MAX_CONNS", "GEMBA_LOG_LEVEL", "GEMBA_LLM_BASE_URL"}},
		{"bad retention", map[string]string{"GEMBA_SERIES_RAW_RETENTION": "a month"}, []string{"GEMBA_SERIES_RAW_RETENTION", "30d, 12w or 720h"}},
		{"negative retention", map[string]string{"GEMBA_SERIES_RAW_RETENTION": "-3d"}, []string{"GEMBA_SERIES_RAW_RETENTION"}},
		{"minute rollups kept shorter than raw", map[string]string{"GEMBA_SERIES_RAW_RETENTION": "30d", "GEMBA_SERIES_MINUTE_RETENTION": "7d"}, []string{"GEMBA_SERIES_MINUTE_RETENTION", "at least GEMBA_SERIES_RAW_RETENTION"}},
		{"missing sources file", map[string]string{"GEMBA_SERIES_SOURCES": "/nonexistent/sources.yaml"}, []string{"GEMBA_SERIES_SOURCES", "/nonexistent/sources.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tt.env))
			var verr *config.ValidationError
			require.ErrorAs(t, err, &verr)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSeriesRetention(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "30d": 30 * 24 * time.Hour, "12w": 12 * 7 * 24 * time.Hour, "720h": 720 * time.Hour, "1.5d": 36 * time.Hour} {
		c, err := config.Load(env(map[string]string{"GEMBA_SERIES_RAW_RETENTION": in, "GEMBA_SERIES_MINUTE_RETENTION": "104w"}))
		require.NoError(t, err, in)
		require.Equal(t, want, c.Series.RawRetention, in)
		require.Equal(t, 104*7*24*time.Hour, c.Series.MinuteRetention)
	}
}

func TestFileVariantsAndMasking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(p, []byte("xoxb-secret-from-file\n"), 0o600))
	c, err := config.Load(env(map[string]string{
		"GEMBA_SLACK_BOT_TOKEN_FILE": p,
		"GEMBA_SLACK_SIGNING_SECRET": "shh",
		"GEMBA_DATABASE_URL":         "postgres://gemba:hunter2@db:5432/gemba",
	}))
	require.NoError(t, err)
	require.Equal(t, "xoxb-secret-from-file", c.Slack.BotToken)
	var all strings.Builder
	for _, kv := range c.Redacted() {
		all.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	out := all.String()
	require.NotContains(t, out, "xoxb-secret-from-file")
	require.NotContains(t, out, "hunter2")
	require.NotContains(t, out, "shh")
	require.Contains(t, out, "GEMBA_SLACK_BOT_TOKEN=****")
	require.Len(t, c.Redacted(), len(config.Vars))

	_, err = config.Load(env(map[string]string{"GEMBA_LLM_API_KEY_FILE": filepath.Join(dir, "missing")}))
	require.ErrorContains(t, err, "GEMBA_LLM_API_KEY_FILE")
}

func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, v := range config.Vars {
		require.Contains(t, string(b), "`"+v.Name+"`", "README.md must document %s", v.Name)
	}
}
