package tools_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/predict/csvmodel"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// pdmTelemetry is Microsoft's Azure PdM sample in the shared development
// data, outside the repository (absent in a user's clone).
var pdmTelemetry = filepath.Join("..", "..", "shared", "data", "azure_pdm", "PdM_telemetry.csv")

// machineCSV returns one machine's telemetry as a wide CSV
// (datetime,volt,rotate,pressure,vibration).
func machineCSV(t *testing.T, id string) string {
	t.Helper()
	f, err := os.Open(pdmTelemetry)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("datetime,volt,rotate,pressure,vibration\n")
	for _, r := range rows[1:] {
		if r[1] == id {
			b.WriteString(strings.Join([]string{r[0], r[2], r[3], r[4], r[5]}, ",") + "\n")
		}
	}
	return b.String()
}

// TestMachine12PrecursorSameEverywhere reproduces the report of issue 12:
// `gemba model detect` finds machine-12's rotate drop before its comp2
// failure of 2015-03-23 06:00, and the chat's tool on the same data, loaded
// with `gemba series import`, must report it too: both read the one
// detector configuration. It needs the shared PdM data and says so when
// the folder is absent.
func TestMachine12PrecursorSameEverywhere(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(pdmTelemetry); err != nil {
		t.Skipf("Azure PdM data not found at %s (%v): a user's clone has no ../shared/data; nothing to check", pdmTelemetry, err)
	}
	failure := time.Date(2015, 3, 23, 6, 0, 0, 0, time.UTC)
	lead := 48 * time.Hour
	data := machineCSV(t, "12")

	// The CSV command, online, on the rotate column: an alarm in the 48
	// hours before the failure.
	sc, err := csvmodel.Score(strings.NewReader(data), csvmodel.DetectOptions{Online: true, ReadOptions: csvmodel.ReadOptions{ValueCol: "rotate"}})
	require.NoError(t, err)
	cliFound := false
	for _, e := range sc.Detection.Events {
		if e.Onset.Before(failure) && !e.End.Before(failure.Add(-lead)) {
			cliFound = true
		}
	}
	require.True(t, cliFound, "model detect finds the rotate precursor: %+v", sc.Detection.Events)

	// The same data in the store, asked about as the chat asks.
	ctx := context.Background()
	store := series.New(dbtest.Tx(t))
	_, err = store.Import(ctx, bytes.NewReader([]byte(data)), series.ImportOptions{Asset: "machine-12", Source: "azure-pdm"})
	require.NoError(t, err)
	now := failure
	reg := tools.NewRegistry(tools.Predictive(store, nil, func() time.Time { return now })...)
	res, got := call(t, ctx, reg, "detect_anomalies", `{"asset": "machine-12", "since": "2015-03-21T06:00Z"}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "online", got["mode"])
	var precursor map[string]any
	for _, e := range got["events"].([]any) {
		e := e.(map[string]any)
		for _, c := range e["contributors"].([]any) {
			if c.(map[string]any)["sensor"] == "rotate" {
				precursor = e
			}
		}
	}
	require.NotNil(t, precursor, "the chat's tool reports the rotate precursor: %s", res.Summary)
	require.Contains(t, res.Summary, "machine-12")
	require.NotContains(t, res.Summary, "no significant anomalies")
	// Both read the one detector configuration.
	opt := predict.DetectorSettings(time.Hour, len(sc.Table.Grid.Values), true)
	require.Equal(t, opt.Threshold, sc.Options.Threshold)
}
