package app

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestSeriesCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	long := writeFile(t, "long.csv", "series,timestamp,value\nmixer-1.temperature,2026-03-02T00:00:00Z,40\nmixer-1.temperature,2026-03-02T00:10:00Z,41\n")
	wide := writeFile(t, "wide.csv", "timestamp,vibration,pressure\n2026-03-02T00:00:00Z,1.1,3.2\n2026-03-02T00:05:00Z,1.2,\n")
	bad := writeFile(t, "bad.csv", "timestamp,vibration\n2026-03-02T00:00:00Z,1.1\n2026-03-02T00:05:00Z,x\nyesterday,1\n")

	code, out, errOut := gemba(t, env, "series", "import", long)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "long form, 2 rows, 2 points into 1 series")

	code, out, errOut = gemba(t, env, "series", "import", "--asset", "pump-7", "--unit", "vibration=mm/s", "--unit", "pressure=bar", wide)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "wide form, 2 rows, 3 points into 2 series")

	code, _, errOut = gemba(t, env, "series", "import", "--asset", "pump-7", bad, filepath.Join(t.TempDir(), "missing.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "line 3: pump-7.vibration: bad number \"x\"")
	require.Contains(t, errOut, "line 4: bad timestamp \"yesterday\"")
	require.Contains(t, errOut, "no such file")
	require.Contains(t, errOut, "2 of 2 file(s) not imported")

	code, _, errOut = gemba(t, env, "series", "import", "--unit", "a", "--unit", "b", long)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "only one unit")

	code, out, errOut = gemba(t, env, "series", "list", "--asset", "pump 7")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "pump-7.pressure")
	require.Contains(t, out, "bar")
	require.NotContains(t, out, "mixer-1")
	require.NotContains(t, out, "pump-7.vibration\tx", "the malformed file imported nothing")

	code, _, errOut = gemba(t, env, "series", "list", "--asset", "pump-8")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `did you mean "pump-7"`)
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestModelCSVCommands(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range 24 * 14 {
		v := 100 + 10*math.Sin(2*math.Pi*float64(i)/24)
		if i == 200 {
			v += 80
		}
		fmt.Fprintf(&b, "2026-03-%02dT%02d:00:00Z,%.3f\n", 1+i/24, i%24, v)
	}
	in := writeFile(t, "series.csv", b.String())

	code, out, errOut := gemba(t, nil, "model", "detect", "--csv", in)
	require.Equal(t, 0, code, errOut)
	rows := readCSV(t, out)
	require.Equal(t, []string{"timestamp", "value", "score", "is_anomaly"}, rows[0])
	require.Len(t, rows, 1+24*14)
	require.Equal(t, "1", rows[201][3], "the injected spike is flagged")

	outFile := filepath.Join(t.TempDir(), "scores.csv")
	code, _, errOut = gemba(t, nil, "model", "detect", "--csv", in, "--online", "--period", "24", "--out", outFile)
	require.Equal(t, 0, code, errOut)
	got, err := os.ReadFile(outFile)
	require.NoError(t, err)
	require.Len(t, readCSV(t, string(got)), 1+24*14)

	code, out, errOut = gemba(t, nil, "model", "forecast", "--csv", in, "--horizon", "12", "--season", "24")
	require.Equal(t, 0, code, errOut)
	rows = readCSV(t, out)
	require.Equal(t, []string{"step", "timestamp", "forecast", "lo80", "hi80", "lo95", "hi95"}, rows[0])
	require.Len(t, rows, 13)
	require.Equal(t, "2026-03-15T00:00:00Z", rows[1][1])
	require.Contains(t, errOut, "backtest MASE")

	bad := writeFile(t, "bad.csv", "timestamp,value\n2026-03-01T00:00:00Z,1\n2026-03-01T01:00:00Z,abc\n2026-03-01T01:00:00Z,2\n")
	badOut := filepath.Join(t.TempDir(), "never.csv")
	code, _, errOut = gemba(t, nil, "model", "detect", "--csv", bad, "--out", badOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `line 3: bad number "abc" in column "value"`, "the column mostly of numbers is found and its bad cell named")
	code, _, errOut = gemba(t, nil, "model", "detect", "--csv", bad, "--value-col", "value", "--out", badOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `line 3: bad number "abc"`, "only the unreadable line is an error")
	require.NotContains(t, errOut, "line 4", "a duplicate timestamp is repaired, not refused")
	_, err = os.Stat(badOut)
	require.True(t, os.IsNotExist(err), "a failed run leaves no output file")

	// Messy but readable input is scored, one row per input row, and the
	// repairs are reported with their counts.
	messy := writeFile(t, "messy.csv", strings.Replace(b.String(), "2026-03-02T00:00:00Z,", "2026-03-02T00:00:00Z,\n2026-03-02T00:00:00Z,", 1)+
		"2026-03-05T00:30:00Z,101\n2026-03-03T00:00:00Z,NaN\n")
	code, out, errOut = gemba(t, nil, "model", "detect", "--csv", messy, "--online")
	require.Equal(t, 0, code, errOut)
	require.Len(t, readCSV(t, out), 1+24*14+3)
	for _, w := range []string{"warning:", "out of time order", "repeat the timestamp", "missing value"} {
		require.Contains(t, errOut, w)
	}
	require.Contains(t, errOut, "warm-up")

	code, _, errOut = gemba(t, nil, "model", "forecast", "--csv", in)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--horizon")
	code, _, errOut = gemba(t, nil, "model", "forecast", "--csv", in, "--horizon", "100000")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "horizon")
	code, _, errOut = gemba(t, nil, "model", "detect")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--csv FILE is required")

	for _, bench := range []string{"nab", "m4"} {
		code, _, errOut = gemba(t, nil, "model", "evaluate", bench, "--dir", filepath.Join(t.TempDir(), "absent"))
		require.Equal(t, 1, code, bench)
		require.Contains(t, errOut, "point it at the folder holding", bench)
	}
	code, _, errOut = gemba(t, nil, "model", "evaluate", "nab", "--variant", "htm")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `--variant "htm": want one of default, no-spatial, spatial, spatial-guard-2, spatial-window`)
	code, _, errOut = gemba(t, nil, "model", "evaluate", "nab", "--split", "train")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "want all, tune or frozen")
	code, _, errOut = gemba(t, nil, "model", "evaluate", "nab", "--split", "tune", "--per-file", "frozen")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "only the tune split is scored")
}

func TestDemoSeedAndModelRegistry(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	now := "2026-11-27T12:47:13Z"
	code, out, errOut := gemba(t, env, "demo", "seed", "--now", now)
	require.Equal(t, 0, code, errOut)
	t.Log(out)
	require.Contains(t, out, "demo plant: 54 series")
	require.Contains(t, out, "LIVE-press-3")
	require.Contains(t, out, "in progress")
	require.Contains(t, out, "demo documents:")
	require.Contains(t, out, "demo plant model: applied version 1 (")

	// Re-seeding replaces the points and leaves the documents unchanged.
	code, out, errOut = gemba(t, env, "demo", "seed", "--now", now)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "0 added, 0 updated")
	require.Contains(t, out, "demo plant model: version 1 in force, unchanged")
	require.NotContains(t, out, "replaced 0 old points")

	code, out, _ = gemba(t, env, "series", "list", "--line", "line-1", "--kind", "production")
	require.Equal(t, 0, code)
	require.Contains(t, out, "line-1.output")

	code, out, errOut = gemba(t, env, "model", "register", "--name", "output-lstm", "--version", "2", "--kind", "mlflow",
		"--endpoint", "http://127.0.0.1:1", "--series", "line-1.output", "--mase", "0.7", "--timeout", "500ms")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "registered output-lstm@2 (mlflow forecast), inactive")
	code, _, errOut = gemba(t, env, "model", "register", "--name", "output-lstm", "--version", "2", "--kind", "mlflow", "--endpoint", "http://x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "already registered")
	code, _, errOut = gemba(t, env, "model", "register", "--name", "x", "--version", "1", "--kind", "onnx")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `kind "onnx"`)

	code, out, errOut = gemba(t, env, "model", "activate", "output-lstm", "2")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "output-lstm@2 is now the active output-lstm")
	code, _, errOut = gemba(t, env, "model", "activate", "output-lstm", "9")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "versions of output-lstm: 2")

	code, out, errOut = gemba(t, env, "model", "evaluate")
	require.Equal(t, 0, code, errOut)
	t.Log(out)
	require.Contains(t, out, "holt-winters@1")
	require.Contains(t, out, "robust-detector@1")
	require.Contains(t, out, "mlflow POST http://127.0.0.1:1/invocations", "the unreachable model is recorded as failed")
	require.Contains(t, out, "1 failed")

	code, out, errOut = gemba(t, env, "model", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "holt-winters")
	require.Contains(t, out, "output-lstm")

	code, out, _ = gemba(t, env, "demo", "failures", "--now", now)
	require.Equal(t, 0, code)
	require.Contains(t, out, `"id": "INC-1003"`)
	require.Contains(t, out, `"at": "2026-10-06T10:40:00Z"`)
}
