package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
)

// pdmSlice is the committed slice of the Azure PdM telemetry (machines 8,
// 12 and 17, 2015-01-31 to 2015-04-01; see its README).
var pdmSlice = filepath.Join("..", "..", "deploy", "examples", "azure_pdm", "slice", "PdM_telemetry.csv")

func onboardEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	url := dbtest.NewDatabase(t)
	return map[string]string{"GEMBA_DATABASE_URL": url, "GEMBA_LOG_LEVEL": "warn"}, url
}

// TestSeriesImportCommand: the entity form, the PdM hint, zones and the
// duplicate policy from the command line, each said in the output.
func TestSeriesImportCommand(t *testing.T) {
	t.Parallel()
	env, _ := onboardEnv(t)

	code, _, errOut := gembaIn(t, env, "", "series", "import", pdmSlice)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "PdM_telemetry.csv: 14400 of 21600 readings repeat")
	require.Contains(t, errOut, "Import the file with --entity machineID")
	require.Contains(t, errOut, "1 of 1 file(s) not imported")

	code, out, errOut := gembaIn(t, env, "", "series", "import", pdmSlice, "--entity", "machineID", "--unit", "vibration=mm/s")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "entity form (by machineID), 4320 rows, 17280 points into 12 series on 3 assets")
	require.Contains(t, out, "names: machine-{machineID}.{column} (machine-12.pressure … machine-8.volt)")
	require.Contains(t, out, "time: 2015-01-31 06:00:00 to 2015-04-01 05:00:00 UTC; timestamps without a zone read as UTC (default; set --tz for another zone)")
	require.Empty(t, errOut)

	seoul := writeFile(t, "seoul.csv", "time,unit,temp\n2015-01-01 09:00:00,7,40\n2015-01-01 09:00:00,7,42\n2015-01-01T00:00:00Z,9,41\n")
	code, out, errOut = gembaIn(t, env, "", "series", "import", seoul, "--entity", "unit", "--name", "oven-{unit}.{column}", "--tz", "Asia/Seoul", "--on-duplicate", "mean")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "into 2 series on 2 assets")
	require.Contains(t, out, "time: 2015-01-01 00:00:00 to 2015-01-01 00:00:00 UTC; timestamps without a zone read as Asia/Seoul (--tz)")
	require.Contains(t, errOut, "warning: 1 row(s) repeat the series and timestamp of another row; their mean is stored (--on-duplicate mean)")

	code, out, errOut = gembaIn(t, env, "", "series", "import", seoul, "--entity", "unit", "--json")
	require.Equal(t, 0, code, errOut)
	var res []struct {
		Result struct {
			Format string   `json:"format"`
			Series []string `json:"series"`
			Zone   string   `json:"zone"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "entity", res[0].Result.Format)
	require.Equal(t, []string{"unit-7.temp", "unit-9.temp"}, res[0].Result.Series)

	for _, bad := range [][]string{{"--tz", "Mars/Olympus"}, {"--on-duplicate", "newest"}, {"--delimiter", "ab"}} {
		code, _, errOut = gembaIn(t, env, "", append([]string{"series", "import", seoul}, bad...)...)
		require.Equal(t, 2, code, bad)
		require.Contains(t, errOut, bad[0])
	}
	code, _, errOut = gembaIn(t, env, "", "series", "import", seoul, "--entity", "machine")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `seoul.csv: line 1: no entity column "machine" (columns: time, unit, temp)`)
}

// TestSeriesDeleteRenameCommands: rename keeps history and carries the
// asset into channel bindings, alerts and registered models; delete says
// what goes, asks, and takes blocks and rollups with it.
func TestSeriesDeleteRenameCommands(t *testing.T) {
	t.Parallel()
	env, url := onboardEnv(t)
	ctx := context.Background()
	code, _, errOut := gembaIn(t, env, "", "series", "import", pdmSlice, "--entity", "machineID")
	require.Equal(t, 0, code, errOut)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, `INSERT INTO channel_settings (source, channel_id, scope) VALUES ('slack', 'C12', 'asset=machine-12'), ('slack', 'C8', 'machine-8'), ('console', 'L', 'line=line-1')`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO alerts (asset, sensor, onset) VALUES ('machine-12', 'rotate', '2015-03-21T13:00:00Z')`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO models (name, version, kind, task, endpoint, input_schema) VALUES
		('ext', '1', 'kserve_v2', 'forecast', 'http://127.0.0.1:1', '{"series": ["machine-12.rotate", "machine-8.volt"]}')`)
	require.NoError(t, err)
	var points int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT COALESCE(sum(n), 0) FROM series_raw r JOIN series s ON s.id = r.series_id WHERE s.asset = 'machine-12'`).Scan(&points))
	require.EqualValues(t, 4*1440, points)

	code, out, errOut := gembaIn(t, env, "", "series", "rename", "--asset", "machine-12", "press-12")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "renamed asset machine-12 to press-12: 4 series, 1 channel binding(s), 1 alert(s), 1 model(s); points and rollups kept")
	require.Contains(t, out, "machine-12.rotate → press-12.rotate")
	var scope, alertAsset, schema string
	require.NoError(t, conn.QueryRow(ctx, `SELECT scope FROM channel_settings WHERE channel_id = 'C12'`).Scan(&scope))
	require.Equal(t, "asset=press-12", scope)
	require.NoError(t, conn.QueryRow(ctx, `SELECT asset FROM alerts`).Scan(&alertAsset))
	require.Equal(t, "press-12", alertAsset)
	require.NoError(t, conn.QueryRow(ctx, `SELECT input_schema->>'series' FROM models WHERE name = 'ext'`).Scan(&schema))
	require.Equal(t, `["press-12.rotate", "machine-8.volt"]`, schema)
	var after int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT COALESCE(sum(n), 0) FROM series_raw r JOIN series s ON s.id = r.series_id WHERE s.asset = 'press-12'`).Scan(&after))
	require.Equal(t, points, after, "history kept")

	code, out, errOut = gembaIn(t, env, "", "series", "rename", "press-12.rotate", "press-12.speed")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "renamed press-12.rotate to press-12.speed (asset press-12, sensor speed); points and rollups kept; 1 model(s) follow")
	code, _, errOut = gembaIn(t, env, "", "series", "rename", "press-12.speed", "machine-8.volt")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `series "machine-8.volt" already exists`)
	code, _, errOut = gembaIn(t, env, "", "series", "rename", "--asset", "press-12", "machine-8")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `asset "machine-8" already exists`)
	code, _, errOut = gembaIn(t, env, "", "series", "rename", "press-99.x", "press-99.y")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `unknown series "press-99.x"`)

	// Delete: what goes, a question, then the rows.
	code, out, _ = gembaIn(t, env, "", "series", "delete", "--asset", "machine-8", "--dry-run")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Would delete asset machine-8: 4 series")
	require.Contains(t, out, "points: 5760 raw points in 40 blocks; rollups: 0 minute rows, 244 hour rows (5760 readings); model evaluations: 0")
	require.Contains(t, out, "channels bound to machine-8: slack:C8")
	code, out, errOut = gembaIn(t, env, "n\n", "series", "delete", "--asset", "machine-8")
	require.Equal(t, 1, code)
	require.Contains(t, out, "Delete them? [y/N]")
	require.Contains(t, errOut, "nothing deleted")
	code, out, errOut = gembaIn(t, env, "y\n", "series", "delete", "--asset", "machine-8")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "deleted 4 series, 5760 points, 0 minute and 244 hour rollup rows")
	var left int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM series WHERE asset = 'machine-8') + (SELECT count(*) FROM series_raw r WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.id = r.series_id)) + (SELECT count(*) FROM series_hour h WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.id = h.series_id))`).Scan(&left))
	require.Zero(t, left, "no series, blocks or rollups of machine-8 are left")
	code, out, errOut = gembaIn(t, env, "", "series", "delete", "press-12.speed", "--yes")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "deleted 1 series, 1440 points")
	code, _, errOut = gembaIn(t, env, "", "series", "delete", "press-12.sped", "--yes")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `did you mean`)
	code, _, errOut = gembaIn(t, env, "", "series", "delete", "--yes")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "name exactly one")
}

// TestBringYourOwnPlantSeries is the CI check of issue 15's "from an empty
// database to answers" for series data, on the committed slice of the
// Azure PdM telemetry: two documented commands — import the telemetry with
// its entity column, ask about machine-12 in March 2015 — and the answer
// names the rotate drop before the comp2 failure of 2015-03-23 06:00,
// within the two minutes. (The failure records themselves come
// from the maintenance history import.)
func TestBringYourOwnPlantSeries(t *testing.T) {
	t.Parallel()
	env, _ := onboardEnv(t)
	began := time.Now()
	code, _, errOut := gembaIn(t, env, "", "series", "import", pdmSlice, "--entity", "machineID")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := gembaIn(t, env, "", "ask", "--json", "how did machine-12 behave in March 2015?")
	require.Equal(t, 0, code, errOut)
	took := time.Since(began)
	var a struct {
		Answer string `json:"answer"`
		Mode   string `json:"mode"`
		Steps  []struct {
			Tool string         `json:"tool"`
			Args map[string]any `json:"args"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &a))
	t.Logf("%s\n(%s from an empty database)", a.Answer, took.Round(time.Millisecond))
	require.Equal(t, "offline", a.Mode)
	require.Contains(t, a.Answer, "machine-12 rotate")
	require.Contains(t, a.Answer, "below usual from 2015-03-2")
	var window bool
	for _, s := range a.Steps {
		if s.Tool == "detect_anomalies" && strings.HasPrefix(fmt.Sprint(s.Args["since"]), "2015-02-28T15:00") && strings.HasPrefix(fmt.Sprint(s.Args["until"]), "2015-03-31T15:00") {
			window = true
		}
	}
	require.True(t, window, "March 2015 in plant time (Asia/Seoul): %+v", a.Steps)
	require.Less(t, took, 2*time.Minute)

	// The history evaluation set runs on the same database.
	code, out, errOut = gembaIn(t, env, "", "eval", "--set", "history", "--offline")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "cases passed 12/12")
}
