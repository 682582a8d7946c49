package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// TestSeriesRetentionAndSources covers the user-facing answers of the
// series configuration: history older than the raw retention is refused
// by name, and a sources file that cannot be used stops the command with
// every problem listed.
func TestSeriesRetentionAndSources(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn", "GEMBA_SERIES_RAW_RETENTION": "30d"}
	old := writeFile(t, "old.csv", "series,timestamp,value\nmixer-1.temperature,2020-03-02T00:00:00Z,40\nmixer-1.temperature,2020-03-02T00:10:00Z,41\n")
	code, _, errOut := gemba(t, env, "series", "import", old)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "points from 2020-03-02T00:00:00Z are older than the raw retention of 720h0m0s")
	require.Contains(t, errOut, "nothing was written — raise GEMBA_SERIES_RAW_RETENTION")
	code, out, errOut := gemba(t, env, "series", "list")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "mixer-1", "a refused import leaves no series behind")

	env["GEMBA_SERIES_SOURCES"] = writeFile(t, "sources.yaml", "prometheus:\n  url: victoria:8428\n  series:\n    - name: a.b\n      query: 'sum(x)'\n")
	code, _, errOut = gemba(t, env, "series", "list")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "GEMBA_SERIES_SOURCES")
	require.Contains(t, errOut, `url: "victoria:8428" is not an http(s) URL`)
	require.Contains(t, errOut, `query "sum(x)" must be a series selector`)
	require.Contains(t, errOut, "interval is required")
}
