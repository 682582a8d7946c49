package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// pdmBundle is the Azure PdM import bundle; its default data folder is the
// committed slice (machines 8, 12 and 17), so the test needs nothing from
// ../shared.
var pdmBundle = filepath.Join("..", "..", "deploy", "examples", "azure_pdm", "import.yaml")

// TestBringYourOwnPlantAzurePdM is the README's "Bring your own plant" on
// the committed slice of Microsoft's Azure PdM sample, from an empty
// database, with the documented commands: migrate, import the bundle, ask.
// The answer names machine-12's comp2 failure of 2015-03-23 06:00 from
// the failure records, and its precursor from the data: the rotate drop
// that began two days before it and the alerts of the day before.
func TestBringYourOwnPlantAzurePdM(t *testing.T) {
	t.Parallel()
	env, url := onboardEnv(t)
	began := time.Now()

	code, _, errOut := gemba(t, env, "migrate", "up")
	require.Zero(t, code, errOut)
	code, out, errOut := gemba(t, env, "import", pdmBundle)
	require.Zero(t, code, out+errOut)
	require.Contains(t, out, "[1/6] gemba plant apply")
	require.Contains(t, out, "17280 points into 12 series on 3 assets")
	require.Contains(t, out, "PdM_failures.csv: 9 row(s): 9 record(s) written")
	require.Contains(t, out, "PdM_errors.csv: 35 row(s): 35 record(s) written")
	require.Contains(t, out, "azure-pdm: 6 step(s) done")

	code, out, errOut = gemba(t, env, "ask", "what happened to machine-12 in March 2015?")
	require.Zero(t, code, errOut)
	el := time.Since(began)
	t.Logf("from an empty database to the answer in %s:\n%s", el.Round(time.Millisecond), out)
	require.Contains(t, out, "machine-12: comp2 failure recorded 2015-03-23 06:00 (pdm-12-2015-03-23-06:00:00-comp2)")
	require.Contains(t, out, "Before it (the 7 days before the failure): rotate")
	require.Regexp(t, `rotate [\d.]+σ below usual from 2015-03-21 \d\d:00 \(\d+ h before\)`, out)
	require.Contains(t, out, "alerts error2, error3 at 2015-03-22 06:00 (24 h before)")
	require.Contains(t, out, "*Sources:* pdm-12-2015-03-23-06:00:00-comp2")
	require.Less(t, el, 2*time.Minute, "the issue's budget: from an empty database to the answer in under two minutes")

	// In Korean, and about a failure the records do not hold.
	code, out, errOut = gemba(t, env, "ask", "machine-12 2015년 3월 고장 원인은?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "2015-03-23 06:00 comp2 고장 기록")
	require.Contains(t, out, "2015-03-22 06:00 경보 error2, error3 (24시간 전)")
	code, out, errOut = gemba(t, env, "ask", "did machine-8 fail in February 2015?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "No failure of machine-8 is recorded in February 2015")
	require.NotContains(t, out, "failure recorded")

	// Asked now, years after the data ends: the machine's last data, said so.
	code, out, errOut = gemba(t, env, "ask", "is machine-12 ok?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "machine-12's data ends at 2015-04-01 05:00")
	require.Contains(t, out, "its last day of data")
	require.NotContains(t, out, "has no data between")
	require.Contains(t, out, "I cannot say how machine-12 is now: its newest reading is from 2015-04-01 05:00", "is it ok? answered first")
	// A fleet without lines: no output to set against a plan, said.
	code, out, errOut = gemba(t, env, "ask", "will we make plan today?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "no line with a production output series")
	// A named window after the data ends ("since this morning" while the
	// feed is silent): said in plant time, then the last data.
	code, out, errOut = gemba(t, env, "ask", "is machine-12 ok since this morning?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "No data has arrived in the time asked (this morning")
	require.Contains(t, out, "the data of machine-12 ends at 2015-04-01 05:00")
	require.Contains(t, out, "the last day of data")
	require.NotContains(t, out, "has no data between")
	code, out, errOut = gemba(t, env, "ask", "machine-12 is making a rattling noise since noon")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "No data has arrived in the time asked (since noon")
	code, out, errOut = gemba(t, env, "ask", "what happened since midnight?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "No data has arrived in the time asked (since midnight")
	require.Contains(t, out, "the data of the plant ends at 2015-04-01 05:00")
	require.NotContains(t, out, "has no data between")
	require.NotContains(t, out, "Could not check")
	require.NotContains(t, out, "has no data between")

	// A machine of the CMMS register with records but no sensors (the
	// full sample's machines 21–100) is a machine of the plant: never
	// "there is no machine-45".
	dir := t.TempDir()
	machines := filepath.Join(dir, "machines.csv")
	failures := filepath.Join(dir, "failures.csv")
	require.NoError(t, os.WriteFile(machines, []byte("\"machineID\",\"model\",\"age\"\n45,\"model3\",9\n"), 0o600))
	require.NoError(t, os.WriteFile(failures, []byte("\"datetime\",\"machineID\",\"failure\"\n2015-01-22 06:00:00,45,\"comp2\"\n"), 0o600))
	maps := filepath.Join("..", "..", "deploy", "examples", "azure_pdm")
	code, out, errOut = gemba(t, env, "history", "import", machines, "--map", filepath.Join(maps, "machines.yaml"))
	require.Zero(t, code, out+errOut)
	code, out, errOut = gemba(t, env, "history", "import", failures, "--map", filepath.Join(maps, "failures.yaml"))
	require.Zero(t, code, out+errOut)
	code, out, errOut = gemba(t, env, "ask", "is machine-45 ok?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "machine-45 has no sensor data in Gemba, only maintenance records")
	require.NotContains(t, out, "There is no machine-45")
	code, out, errOut = gemba(t, env, "ask", "what happened to machine-45 in January 2015?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "machine-45: comp2 failure recorded 2015-01-22 06:00")
	code, out, errOut = gemba(t, env, "ask", "what's the MTBF of model3 machines?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "the model3 machines:")
	// Its age: 9 years on 2015-01-01 by the machines table.
	code, out, errOut = gemba(t, env, "ask", "how old is machine-45?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "the equipment register gives its install date as 2006-01-0")
	require.Contains(t, out, "machine-45 is ")

	// Importing again replaces what the bundle imported: the same counts.
	code, out, errOut = gemba(t, env, "import", pdmBundle)
	require.Zero(t, code, out+errOut)
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var events, docs int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM maintenance_events`).Scan(&events))
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM documents WHERE id LIKE 'pdm-%'`).Scan(&docs))
	require.Equal(t, 9+23+35+1, events, "failures, replacements that are not a failure's own, alerts; machine-45's failure")
	require.Equal(t, 10, docs)

	// "Which machines failed most?": a ranking of counts, checked against
	// SQL computed here, most first.
	code, out, errOut = gemba(t, env, "ask", "which machines failed most in 2015?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "Ranked by the number recorded, most first:")
	var top string
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT asset, count(*) FROM maintenance_events
		WHERE kind = 'failure' AND opened_at >= '2015-01-01' AND opened_at < '2016-01-01'
		GROUP BY asset ORDER BY count(*) DESC, asset LIMIT 1`).Scan(&top, &n))
	require.Regexp(t, `most first:\n`+regexp.QuoteMeta(fmt.Sprintf("%s: %d failure(s) recorded (2015", top, n)), out)

	// "How many errors did machine 12 log in March 2015?": the alert
	// records counted (SQL here), not its failures.
	code, out, errOut = gemba(t, env, "ask", "how many errors did machine 12 log in march 2015?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM maintenance_events
		WHERE kind = 'alert' AND asset = 'machine-12' AND opened_at >= '2015-03-01' AND opened_at < '2015-04-01'`).Scan(&n))
	require.Positive(t, n)
	require.Contains(t, out, fmt.Sprintf("machine-12: %d alert(s) recorded (March 2015", n))

	// "What is the MTBF of comp2?": that component's failures only.
	code, out, errOut = gemba(t, env, "ask", "what is the MTBF of comp2?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM maintenance_events WHERE kind = 'failure' AND component = 'comp2'`).Scan(&n))
	require.Contains(t, out, fmt.Sprintf("(comp2): %d failure(s)", n))
	require.NotContains(t, out, "comp1 failed")

	// "When was comp2 on machine 12 last replaced?": the latest replacement
	// or failure repair of that part (SQL here), never another part's.
	code, out, errOut = gemba(t, env, "ask", "when was comp2 on machine 12 last replaced?")
	require.Zero(t, code, errOut)
	var id string
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT id FROM maintenance_events
		WHERE asset = 'machine-12' AND component = 'comp2' AND kind IN ('failure', 'preventive', 'work_order')
		ORDER BY opened_at DESC LIMIT 1`).Scan(&id))
	require.Contains(t, out, "The last replacement")
	require.Contains(t, out, "("+id+")")
	require.NotContains(t, out, "comp1 replaced")

	// "Which machine had the most comp4 failures?": a ranking of that
	// component's failures by machine (SQL here), not a list of records.
	code, out, errOut = gemba(t, env, "ask", "which machine had the most comp4 failures in 2015?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT asset, count(*) FROM maintenance_events
		WHERE kind = 'failure' AND component = 'comp4' AND opened_at >= '2015-01-01' AND opened_at < '2016-01-01'
		GROUP BY asset ORDER BY count(*) DESC, asset LIMIT 1`).Scan(&top, &n))
	require.Contains(t, out, "Ranked by the number recorded, most first:")
	require.Contains(t, out, fmt.Sprintf("%s: %d failure(s)", top, n))

	// "When did machine 17 last fail?": its latest failure record (SQL).
	code, out, errOut = gemba(t, env, "ask", "when did machine 17 last fail?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT id FROM maintenance_events
		WHERE kind = 'failure' AND asset = 'machine-17' ORDER BY opened_at DESC LIMIT 1`).Scan(&id))
	require.Contains(t, out, "Last failure")
	require.Contains(t, out, "("+id+")")
	require.NotContains(t, out, "no significant anomalies")

	// "What came before machine 12's last failure?": that failure (SQL
	// here) and the alerts of the week before it.
	code, out, errOut = gemba(t, env, "ask", "what errors came before machine 12's last failure?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT id FROM maintenance_events
		WHERE kind = 'failure' AND asset = 'machine-12' ORDER BY opened_at DESC LIMIT 1`).Scan(&id))
	require.Contains(t, out, "("+id+")")
	require.Contains(t, out, "Before it (the 7 days before the failure)")
	require.NotContains(t, out, "no significant anomalies (the last day of data")

	// "What does error2 mean?": no document explains it; the records log
	// it so many times (SQL here).
	code, out, errOut = gemba(t, env, "ask", "what does error code error2 mean?")
	require.Zero(t, code, errOut)
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM maintenance_events WHERE code = 'error2'`).Scan(&n))
	require.Contains(t, out, fmt.Sprintf("ERROR2 is logged in the maintenance records %d time(s)", n))
	require.Contains(t, out, "No document explains ERROR2")

	// "How many days between failures on machine 8?": its MTBF.
	code, out, errOut = gemba(t, env, "ask", "how many days between failures on machine 8?")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "MTBF")
	require.NotContains(t, out, "None in that window")

	// A machine named "machine 12" (no hyphen) is machine-12; its sensor's
	// figures over a month come from its own readings.
	code, out, errOut = gemba(t, env, "ask", "average vibration of machine 12 in March 2015")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "machine-12 vibration, March 2015")
	require.Regexp(t, `mean [\d.]+`, out)
	require.NotContains(t, out, "There is no")
}

// TestImportBundleErrors: a bundle that names a missing file writes
// nothing; a step that fails stops the import, says which step, and keeps
// the steps before it.
func TestImportBundleErrors(t *testing.T) {
	t.Parallel()
	env, url := onboardEnv(t)
	code, _, errOut := gemba(t, env, "migrate", "up")
	require.Zero(t, code, errOut)

	dir := t.TempDir()
	slice := filepath.Join("..", "..", "deploy", "examples", "azure_pdm", "slice")
	abs, err := filepath.Abs(slice)
	require.NoError(t, err)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	missing := write("missing.yaml", "series:\n  - {file: nope.csv, entity: machineID}\nhistory:\n  - {file: PdM_failures.csv}\n")
	code, _, errOut = gemba(t, env, "import", missing, "--data", abs)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "series[0]: "+filepath.Join(abs, "nope.csv")+" not found")
	require.Contains(t, errOut, "history[0]: no map")
	unknown := write("unknown.yaml", "series:\n  - {file: PdM_telemetry.csv, entiti: machineID}\n")
	code, _, errOut = gemba(t, env, "import", unknown, "--data", abs)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "field entiti not found")

	// The second step's map reads a column the file lacks.
	badMap := write("bad-map.yaml", "event:\n  id: \"{nosuch}\"\n  kind: failure\n  asset: \"machine-{machineID}\"\n  opened_at: \"{datetime}\"\n")
	bundle := write("bundle.yaml", "name: half\nseries:\n  - {file: PdM_telemetry.csv, entity: machineID}\nhistory:\n  - {file: PdM_failures.csv, map: "+filepath.Base(badMap)+"}\n")
	code, out, errOut := gemba(t, env, "import", bundle, "--data", abs)
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, "half: step 2 of 2 (history import) failed")
	require.Contains(t, errOut, "nosuch")
	require.Contains(t, errOut, "steps 1–1 are in")
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var series, events int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM series`).Scan(&series))
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM maintenance_events`).Scan(&events))
	require.Equal(t, 12, series, "the first step's series stay")
	require.Zero(t, events, "the failing file wrote nothing")
	require.False(t, strings.Contains(errOut, "SQLSTATE"), errOut)
}
