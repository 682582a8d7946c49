package tools_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/csvmap"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/tools"
)

func ptrT(t time.Time) *time.Time { return &t }
func ptrI(i int) *int             { return &i }

// smallHistory is a hand-made history: two presses on line-1, one pump on
// line-3, with the figures worked out by hand in the test.
func smallHistory() []maintenance.Event {
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }
	return []maintenance.Event{
		{ID: "F1", Kind: maintenance.KindFailure, Asset: "press-1", Line: "line-1", FailureMode: "bearing_wear", Component: "main bearing", OpenedAt: d("2026-01-10 08:00"), ClosedAt: ptrT(d("2026-01-10 14:00")), DowntimeMinutes: ptrI(360), Cost: ptrF(1200.5), DocumentID: "INC-1", Title: "press-1 bearing failed"},
		{ID: "F2", Kind: maintenance.KindFailure, Asset: "press-2", Line: "line-1", FailureMode: "belt_slip", OpenedAt: d("2026-02-10 08:00"), DowntimeMinutes: ptrI(120), Title: "press-2 belt slipped"},
		{ID: "F3", Kind: maintenance.KindFailure, Asset: "pump-1", Line: "line-3", FailureMode: "filter_clogging", Component: "suction strainer", OpenedAt: d("2026-03-01 08:00"), DowntimeMinutes: ptrI(600), Cost: ptrF(800), Title: "pump-1 strainer clogged"},
		{ID: "P1", Kind: maintenance.KindPreventive, Asset: "press-1", Line: "line-1", OpenedAt: d("2026-02-01 06:00"), ClosedAt: ptrT(d("2026-02-01 08:00")), Title: "press-1 lubrication PM"},
		{ID: "I1", Kind: maintenance.KindInspection, Asset: "press-1", Line: "line-1", OpenedAt: d("2026-03-05 06:00"), ClosedAt: ptrT(d("2026-03-05 07:00")), Title: "press-1 vibration route"},
		{ID: "W1", Kind: maintenance.KindWorkOrder, Asset: "pump-1", Line: "line-3", OpenedAt: d("2026-03-10 06:00"), DueAt: ptrT(d("2026-03-20 06:00")), PlannedMinutes: ptrI(60), Title: "replace strainer gasket"},
		{ID: "W2", Kind: maintenance.KindWorkOrder, Asset: "pump-1", Line: "line-3", OpenedAt: d("2026-03-11 06:00"), DueAt: ptrT(d("2026-03-25 06:00")), PlannedMinutes: ptrI(90), Title: "check impeller"},
		{ID: "W3", Kind: maintenance.KindWorkOrder, Asset: "pump-1", Line: "line-3", OpenedAt: d("2026-03-12 06:00"), DueAt: ptrT(d("2026-05-01 06:00")), Title: "paint guard"},
		{ID: "A1", Kind: maintenance.KindAlert, Asset: "pump-1", Line: "line-3", Code: "LOWP", OpenedAt: d("2026-02-28 20:00")},
	}
}

func maintenanceRegistry(t *testing.T, dbtx db.DBTX, now time.Time) *tools.Registry {
	t.Helper()
	return tools.NewRegistry(tools.MaintenanceHistoryTool(maintenance.New(dbtx), func() time.Time { return now }))
}

func TestMaintenanceHistoryFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	reg := maintenanceRegistry(t, tx, now)

	res, _ := call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "press-1", "aggregate": "last_service"}`)
	require.Contains(t, res.UserError, "no maintenance history is recorded", "an empty store says so and how to fill it")

	_, err := maintenance.New(tx).Upsert(ctx, smallHistory(), false)
	require.NoError(t, err)

	res, data := call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "Press 1", "aggregate": "last_service"}`)
	require.Empty(t, res.UserError)
	fig := data["figures"].([]any)[0].(map[string]any)
	require.Equal(t, "I1", fig["last_service"].(map[string]any)["id"], "the inspection on 03-05 is the latest work done")
	require.Equal(t, "F1", fig["last_failure"].(map[string]any)["id"])
	require.Contains(t, res.Summary, "last serviced 2026-03-05 06:00")
	require.Equal(t, "INC-1", res.Citations[0].ID, "the record's incident document is cited")

	// MTBF of the presses over January to March: 2 assets × 1,416 h less
	// 8 h of downtime, ÷ 2 failures; MTTR (6 h + 2 h) ÷ 2.
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset_type": "presses", "aggregate": "reliability", "since": "2026-01-01", "until": "2026-02-28T00:00:00Z"}`)
	require.Empty(t, res.UserError)
	fig = data["figures"].([]any)[0].(map[string]any)
	wantHours := (2*float64(time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC).Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()) - 8)
	require.InDelta(t, wantHours/2, fig["mtbf_hours"], 0.5)
	require.InDelta(t, 4.0, fig["mttr_hours"], 0.01)
	require.Contains(t, res.Summary, "MTBF")

	// A line is one system (a stop of any of its machines stops it): its
	// MTBF is the window's hours less its downtime, ÷ its failures — not
	// each machine's hours added up. Line-1 over the same window: 1,392 h
	// less 8 h, ÷ 2 failures (the presses as a type above count 2 × 1,392 h).
	for _, args := range []string{
		`{"line": "line-1", "aggregate": "reliability", "since": "2026-01-01", "until": "2026-02-28T00:00:00Z"}`,
		`{"aggregate": "reliability", "group_by": "line", "since": "2026-01-01", "until": "2026-02-28T00:00:00Z"}`,
	} {
		res, data = call(t, ctx, reg, tools.MaintenanceHistory, args)
		require.Empty(t, res.UserError, args)
		var line1 map[string]any
		for _, x := range data["figures"].([]any) {
			if g := x.(map[string]any); g["group"] == "line-1" || g["group"] == nil {
				line1 = g
			}
		}
		require.NotNil(t, line1, "%s: %v", args, data["figures"])
		span := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC).Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()
		require.InDelta(t, (span-8)/2, line1["mtbf_hours"], 0.5, args)
		require.Equal(t, true, line1["one_system"], args)
	}

	// Which line lost the most hours: line-3 (10 h) before line-1 (8 h).
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "downtime", "group_by": "line"}`)
	require.Empty(t, res.UserError)
	figs := data["figures"].([]any)
	require.Equal(t, "line-3", figs[0].(map[string]any)["group"])
	require.InDelta(t, 10.0, figs[0].(map[string]any)["downtime_hours"], 0.01)
	require.Equal(t, "line-1", figs[1].(map[string]any)["group"])
	// Costs: summed where stated, with how many records state one; a
	// group whose records state none has no cost, not a cost of zero.
	require.InDelta(t, 800.0, figs[0].(map[string]any)["cost"], 0.001)
	require.EqualValues(t, 1, figs[0].(map[string]any)["cost_records"])
	require.InDelta(t, 1200.5, figs[1].(map[string]any)["cost"], 0.001)
	_, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "press-2", "aggregate": "downtime"}`)
	fig2 := data["figures"].([]any)[0].(map[string]any)
	require.EqualValues(t, 0, fig2["cost_records"])
	require.Nil(t, fig2["cost"])

	// How many times did pump-1's strainer clog: one record.
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "pump-1", "kind": "failure", "component": "strainer", "aggregate": "count"}`)
	require.Empty(t, res.UserError)
	require.EqualValues(t, 1, data["matched"])

	// Bundle: the two work orders due within 14 days are one visit, the
	// paint job another; 150 min planned in the first.
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "pump-1", "aggregate": "bundle"}`)
	require.Empty(t, res.UserError)
	visits := data["visits"].([]any)
	require.Len(t, visits, 2)
	require.Equal(t, []any{"W1", "W2"}, visits[0].(map[string]any)["work_orders"])
	require.EqualValues(t, 150, visits[0].(map[string]any)["planned_minutes"])

	// One record by its id, whatever its case: the work order W1.
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"id": "w1"}`)
	require.Empty(t, res.UserError)
	recs := data["records"].([]any)
	require.Len(t, recs, 1)
	require.Equal(t, "W1", recs[0].(map[string]any)["id"])
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"id": "W-NONE"}`)
	require.Empty(t, res.UserError)
	require.EqualValues(t, 0, data["matched"])

	// Readable errors.
	for args, want := range map[string]string{
		`{"asset": "robot-7"}`:                           `no maintenance records for asset "robot-7"`,
		`{"line": "line-9"}`:                             `no maintenance records for line "line-9"`,
		`{"aggregate": "mean"}`:                          `aggregate "mean"`,
		`{"group_by": "colour"}`:                         `group_by "colour"`,
		`{"since": "2026-03-01", "until": "2026-02-01"}`: "the window is empty",
		`{"kind": "party"}`:                              `kind "party"`,
	} {
		res, _ := call(t, ctx, reg, tools.MaintenanceHistory, args)
		require.Contains(t, res.UserError, want, args)
	}
	res, _ = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": 7}`)
	require.True(t, res.InvalidArgs)
}

// pdmDir is Microsoft's Azure PdM sample in the shared development data.
var pdmDir = filepath.Join("..", "..", "shared", "data", "azure_pdm")

// loadPdMHistory imports the sample's machines, failures, maintenance and
// errors with the mapping files shipped in deploy/examples/azure_pdm.
func loadPdMHistory(t *testing.T, dbtx db.DBTX) {
	t.Helper()
	ctx := context.Background()
	st := maintenance.New(dbtx)
	for _, f := range []struct{ csv, mapping string }{
		{"PdM_machines.csv", "machines.yaml"}, {"PdM_failures.csv", "failures.yaml"},
		{"PdM_maint.csv", "maintenance.yaml"}, {"PdM_errors.csv", "errors.yaml"},
	} {
		m, err := csvmap.LoadFile(filepath.Join("..", "deploy", "examples", "azure_pdm", f.mapping), map[string]bool{"body": true})
		require.NoError(t, err, f.mapping)
		r, err := os.Open(filepath.Join(pdmDir, f.csv))
		require.NoError(t, err)
		if len(m.Equipment) > 0 {
			eq, err := maintenance.ParseEquipment(r, m, "")
			require.NoError(t, err)
			_, err = st.UpsertEquipment(ctx, eq)
			require.NoError(t, err)
		} else {
			p, err := maintenance.Parse(r, maintenance.ParseOptions{Mapping: m})
			require.NoError(t, err, f.csv)
			_, err = st.Upsert(ctx, p.Events, m.IfExists == "skip")
			require.NoError(t, err)
		}
		require.NoError(t, r.Close())
	}
}

// TestMaintenanceHistoryTitle: work no field names (greasing) is found by
// its record's title, case-insensitive, with the other filters.
func TestMaintenanceHistoryTitle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	reg := maintenanceRegistry(t, tx, now)
	_, err := maintenance.New(tx).Upsert(ctx, smallHistory(), false)
	require.NoError(t, err)

	res, data := call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "press-1", "aggregate": "last_service", "title": "LUBRIC"}`)
	require.Empty(t, res.UserError)
	fig := data["figures"].([]any)[0].(map[string]any)
	require.Equal(t, "P1", fig["last_service"].(map[string]any)["id"], "the lubrication PM on 02-01, not the later vibration route")

	_, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"title": "strainer"}`)
	var ids []string
	for _, r := range data["records"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	require.ElementsMatch(t, []string{"F3", "W1"}, ids, "both records whose title names the strainer")

	res, _ = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "pump-1", "title": "lubric"}`)
	require.Contains(t, res.Summary, "0 record(s)", "nothing matches: none, not another record")
}

// TestMaintenanceHistoryAzurePdM loads the Azure PdM tables through the
// documented mapping files and checks the tool's figures against the raw
// CSV files and SQL written independently of the tool.
func TestMaintenanceHistoryAzurePdM(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(pdmDir, "PdM_failures.csv")); err != nil {
		t.Skipf("Azure PdM data not found at %s (%v): a user's clone has no ../shared/data; nothing to check", pdmDir, err)
	}
	ctx := context.Background()
	tx := dbtest.Tx(t)
	loadPdMHistory(t, tx)
	now := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	reg := maintenanceRegistry(t, tx, now)

	// Failure counts of machine-12 from the raw file.
	f, err := os.Open(filepath.Join(pdmDir, "PdM_failures.csv"))
	require.NoError(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NoError(t, f.Close())
	m12, m12comp2 := 0, 0
	for _, r := range rows[1:] {
		if r[1] == "12" {
			m12++
			if r[2] == "comp2" {
				m12comp2++
			}
		}
	}
	res, data := call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "machine-12", "kind": "failure", "component": "comp2", "aggregate": "count", "since": "2015-01-01", "until": "2016-01-01"}`)
	require.Empty(t, res.UserError)
	require.EqualValues(t, m12comp2, data["matched"])

	// Last service of machine-12 by SQL.
	var last time.Time
	require.NoError(t, tx.QueryRow(ctx, `SELECT max(opened_at) FROM maintenance_events WHERE asset = 'machine-12' AND kind IN ('preventive','inspection','work_order') AND status = 'closed'`).Scan(&last))
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"asset": "machine-12", "aggregate": "last_service"}`)
	require.Empty(t, res.UserError)
	fig := data["figures"].([]any)[0].(map[string]any)
	require.Equal(t, last.UTC().Format("2006-01-02 15:04"), fig["last_service"].(map[string]any)["at"])

	// MTBF per model over 2015, by SQL: machines of the model × hours of
	// the year (no downtime is recorded in the sample) ÷ its failures.
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "reliability", "group_by": "asset_type", "since": "2015-01-01", "until": "2016-01-01"}`)
	require.Empty(t, res.UserError)
	sqlRows, err := tx.Query(ctx, `
SELECT q.asset_type, count(DISTINCT q.asset), count(e.id)
FROM equipment q LEFT JOIN maintenance_events e ON e.asset = q.asset AND e.kind = 'failure'
  AND e.opened_at >= '2015-01-01' AND e.opened_at < '2016-01-01'
GROUP BY q.asset_type`)
	require.NoError(t, err)
	want := map[string]float64{}
	for sqlRows.Next() {
		var typ string
		var machines, failures int
		require.NoError(t, sqlRows.Scan(&typ, &machines, &failures))
		want[typ] = float64(machines) * 8760 / float64(failures)
	}
	require.NoError(t, sqlRows.Err())
	require.Len(t, want, 4)
	got := map[string]float64{}
	for _, x := range data["figures"].([]any) {
		g := x.(map[string]any)
		got[g["group"].(string)] = g["mtbf_hours"].(float64)
		require.Nil(t, g["mttr_hours"], "the sample records no repair times")
	}
	for typ, w := range want {
		require.InDelta(t, w, got[typ], 1, typ)
	}
	require.Contains(t, res.Summary, "MTTR unknown")
}

// TestMaintenanceRegister: aggregate "assets" lists the register — the
// equipment list, even imported before any record, and the assets records
// name — which the agent's catalog reads so a machine of the CMMS is a
// machine of the plant.
func TestMaintenanceRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	reg := maintenanceRegistry(t, tx, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	st := maintenance.New(tx)

	res, data := call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "assets"}`)
	require.Empty(t, res.UserError)
	require.EqualValues(t, 0, data["total"], "an empty register is no error")

	_, err := st.UpsertEquipment(ctx, []maintenance.Equipment{{Asset: "machine-45", AssetType: "model3"}})
	require.NoError(t, err)
	res, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "assets"}`)
	require.Empty(t, res.UserError, "an equipment list without records is a register")
	require.EqualValues(t, 1, data["total"])
	require.Equal(t, map[string]any{"asset": "machine-45", "type": "model3"}, data["assets"].([]any)[0])

	_, err = st.Upsert(ctx, smallHistory(), false)
	require.NoError(t, err)
	_, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "assets"}`)
	require.EqualValues(t, 4, data["total"], "machine-45 and the three assets with records")
	var names []string
	for _, a := range data["assets"].([]any) {
		names = append(names, a.(map[string]any)["asset"].(string))
	}
	require.Equal(t, []string{"machine-45", "press-1", "press-2", "pump-1"}, names)

	// An install date gives the model and the age at the tool's clock.
	inst := time.Date(2006, 3, 15, 0, 0, 0, 0, time.UTC)
	_, err = st.UpsertEquipment(ctx, []maintenance.Equipment{{Asset: "machine-45", AssetType: "model3", Model: "model3", InstalledAt: &inst}})
	require.NoError(t, err)
	_, data = call(t, ctx, reg, tools.MaintenanceHistory, `{"aggregate": "assets"}`)
	m45 := data["assets"].([]any)[0].(map[string]any)
	require.Equal(t, "2006-03-15", m45["installed"])
	require.InDelta(t, 20.0, m45["age_years"].(float64), 0.05, "2006-03-15 to 2026-03-15")
	require.Equal(t, "model3", m45["model"])
}

func ptrF(f float64) *float64 { return &f }
