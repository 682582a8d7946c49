package conversation

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// TestCommandsAboutThePast: /gemba anomalies and /gemba forecast take
// dates. On the committed Azure PdM slice (2015), years after its end, a
// day is that day, a month that month, and a forecast as of a past day is
// fitted on the data before it (issue 15: "window of 4281 days is too
// long (max 92)").
func TestCommandsAboutThePast(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	f, err := os.Open("../../deploy/examples/azure_pdm/slice/PdM_telemetry.csv")
	require.NoError(t, err)
	_, err = series.New(pool).Import(ctx, f, series.ImportOptions{Entity: "machineID"})
	require.NoError(t, f.Close())
	require.NoError(t, err)
	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	c, err := New(Options{DB: pool, Now: now, Tools: tools.NewRegistry(tools.Predictive(series.New(pool), nil, now)...)})
	require.NoError(t, err)
	mt := newMemTransport("test")
	c.Register(mt)
	ask := func(text string) string {
		t.Helper()
		n := len(mt.texts())
		require.NoError(t, c.Handle(ctx, mt, Inbound{Kind: KindCommand, Channel: "C1", User: "U1", Text: text}))
		return strings.Join(mt.texts()[n:], "\n")
	}
	got := ask("anomalies machine-12 2015-03-18")
	require.Contains(t, got, "anomalies on `machine-12` between 2015-03-18 00:00 UTC and 2015-03-19 00:00 UTC")
	require.Contains(t, got, "No significant anomaly on machine-12 between 2015-03-18 00:00 UTC and 2015-03-19 00:00 UTC")
	require.NotContains(t, got, "too long")

	got = ask("anomalies machine-12 2015-03")
	require.Contains(t, got, "anomaly event(s) on machine-12")

	got = ask("forecast machine-12.rotate 48 2015-03-20")
	require.Contains(t, got, "data to 2015-03-19T23:00Z")
	require.Contains(t, got, "as of 2015-03-20T00:00Z")

	got = ask("forecast machine-12.rotate 24")
	require.Contains(t, got, "the forecast starts from the end of its data")
}
