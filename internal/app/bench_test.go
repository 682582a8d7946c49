package app

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series/seriesbench"
)

// TestBenchSeriesSmall runs `gemba bench series` at a small size (the CI
// version of the 100-million-point run) with floors far below the targets,
// so that a regression of an order of magnitude fails here while machine
// noise does not; the full-size figures come from make bench.
func TestBenchSeriesSmall(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	app := NewApp(&out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	defer app.Close()
	root := &cobra.Command{Use: "gemba", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newBenchCmd(app))
	// The same plant every run: the history ends at the latest 06:00 UTC
	// (recent, for VictoriaMetrics' retention), and the bench's noise is
	// fixed by the time before the end, so its findings are reproducible.
	end := time.Now().UTC().Truncate(24 * time.Hour).Add(6 * time.Hour)
	if end.After(time.Now()) {
		end = end.Add(-24 * time.Hour)
	}
	root.SetArgs([]string{"bench", "series", "--tags", "100", "--days", "3", "--long-tags", "1", "--long-days", "92", "--samples", "30", "--json",
		"--end", end.Format(time.RFC3339)})
	require.NoError(t, root.ExecuteContext(context.Background()), errb.String())
	var rep seriesbench.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	t.Logf("%s", errb.String())
	require.EqualValues(t, 100*3*8640+92*8640, rep.Points)
	require.Less(t, rep.BytesPerPoint, 20.0, "bytes per point, rollups and indexes included")
	if !raceDetector {
		require.Greater(t, rep.PointsPerSecond, 50_000.0)
		require.Less(t, rep.Raw24h.P50.Milliseconds(), int64(200))
		require.Less(t, rep.Hourly90d.P50.Milliseconds(), int64(200))
	}
	require.Equal(t, 1, rep.Injected)
	require.Equal(t, 1, rep.Caught, "the injected level shift is found")
	require.LessOrEqual(t, rep.Other, 3)
	require.Empty(t, rep.VMSkipped)
	require.EqualValues(t, rep.Points, rep.VMPoints)
	if !raceDetector {
		require.Less(t, rep.VMRaw24h.P50.Milliseconds(), int64(500))
	}
}
