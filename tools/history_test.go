package tools_test

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// pdmSlice is the committed slice of the Azure PdM telemetry (machines 8,
// 12 and 17, 2015-01-31 to 2015-04-01; internal/series/testdata/README.md).
const pdmSlice = "../deploy/examples/azure_pdm/slice/PdM_telemetry.csv"

// sliceMean is the mean of one machine's column over [from, to), read
// from the CSV independently of the store.
func sliceMean(t *testing.T, machine, column string, from, to time.Time) (mean float64, n int) {
	t.Helper()
	f, err := os.Open(pdmSlice)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	col := -1
	for i, h := range rows[0] {
		if h == column {
			col = i
		}
	}
	require.GreaterOrEqual(t, col, 0)
	sum := 0.0
	for _, r := range rows[1:] {
		ts, err := time.Parse("2006-01-02 15:04:05", r[0])
		require.NoError(t, err)
		if r[1] != machine || ts.Before(from) || !ts.Before(to) {
			continue
		}
		v, err := strconv.ParseFloat(r[col], 64)
		require.NoError(t, err)
		sum += v
		n++
	}
	return sum / float64(n), n
}

// sensorOf finds a sensor's statistics in a detect_anomalies result.
func sensorOf(t *testing.T, data map[string]any, sensor string) map[string]any {
	t.Helper()
	for _, s := range data["sensors"].([]any) {
		if m := s.(map[string]any); m["sensor"] == sensor {
			return m
		}
	}
	t.Fatalf("no statistics for %s in %v", sensor, data["sensors"])
	return nil
}

// TestToolsOnPdMHistory asks about 2015 on the committed PdM slice, from
// a clock in late 2026: a day and a month in the past are answered from
// the data, and a forecast of data that ended in 2015 runs from its end.
func TestToolsOnPdMHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	f, err := os.Open(pdmSlice)
	require.NoError(t, err)
	_, err = st.Import(ctx, f, series.ImportOptions{Entity: "machineID"})
	require.NoError(t, f.Close())
	require.NoError(t, err)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	reg := tools.NewRegistry(tools.Predictive(st, nil, func() time.Time { return now })...)

	// One day: the raw hourly readings, in batch mode (a past window).
	day := time.Date(2015, 3, 18, 0, 0, 0, 0, time.UTC)
	res, data := call(t, ctx, reg, "detect_anomalies", `{"asset": "machine-12", "since": "2015-03-18", "until": "2015-03-19"}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "batch", data["mode"])
	require.Equal(t, map[string]any{"reads": "raw readings", "step": "1h0m0s"}, data["resolution"])
	rot := sensorOf(t, data, "rotate")
	want, n := sliceMean(t, "12", "rotate", day, day.Add(24*time.Hour))
	require.EqualValues(t, n, rot["points"])
	require.InEpsilon(t, want, rot["mean"], 5e-3, "the day's mean rotate speed, against the CSV")
	require.Equal(t, "2015-03-18T00:00Z", rot["first"])
	require.Equal(t, "2015-03-18T23:00Z", rot["last"])

	// March 2015: the rotate drop before the comp2 failure of 03-23 06:00.
	failure := time.Date(2015, 3, 23, 6, 0, 0, 0, time.UTC)
	res, data = call(t, ctx, reg, "detect_anomalies", `{"asset": "machine-12", "since": "2015-03", "until": "2015-04"}`)
	require.Empty(t, res.UserError)
	found := false
	for _, e := range data["events"].([]any) {
		e := e.(map[string]any)
		start, err := time.Parse("2006-01-02T15:04Z", e["start"].(string))
		require.NoError(t, err)
		if e["sensor"] == "rotate" && start.Before(failure) && start.After(failure.Add(-72*time.Hour)) {
			found = true
		}
	}
	require.True(t, found, "the rotate precursor of the 03-23 failure: %s", res.Summary)
	want, _ = sliceMean(t, "12", "volt", time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2015, 4, 1, 0, 0, 0, 0, time.UTC))
	require.InEpsilon(t, want, sensorOf(t, data, "volt")["mean"], 5e-3)

	// A forecast of data that stopped in 2015 runs from its end and says so.
	res, data = call(t, ctx, reg, "forecast_series", `{"series": "machine-12.rotate", "horizon_hours": 48}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "2015-04-01T05:00Z", data["cutoff"])
	require.Equal(t, "2015-04-01T05:00Z", data["as_of"])
	require.Contains(t, data["history_note"], "ends at 2015-04-01T05:00Z")
	require.Contains(t, res.Summary, "the forecast starts from the end of its data")
	require.Len(t, data["points"], 48)
	// As of a moment in the past: fitted only on what came before.
	res, data = call(t, ctx, reg, "forecast_series", `{"series": "machine-12.rotate", "until": "2015-03-20T06:00Z", "horizon_hours": 72, "history_days": 120}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "2015-03-20T05:00Z", data["cutoff"])
	require.Equal(t, "2015-03-20T06:00Z", data["as_of"])
	res, _ = call(t, ctx, reg, "forecast_series", `{"series": "machine-12.rotate", "until": "2027-01-01"}`)
	require.Contains(t, res.UserError, "in the future")
	res, _ = call(t, ctx, reg, "forecast_series", `{"series": "machine-12.rotate", "until": "2014-01-01"}`)
	require.Contains(t, res.UserError, "Its data runs from 2015-01-31T06:00Z")

	// An event of the past explained: decomposition and similar events on
	// the same machine's history.
	res, data = call(t, ctx, reg, "explain_anomaly", `{"asset": "machine-12", "at": "2015-03-22T12:00Z"}`)
	require.Empty(t, res.UserError)
	require.NotNil(t, data["event"])
	require.Equal(t, "raw readings", data["resolution"].(map[string]any)["reads"])
}

// TestToolsOnLongHistory: 330 days of 10-minute readings. A 1-day window
// reads the raw readings; a 300-day window reads 7,200 hour means from the
// hour rollups (shown by dropping the raw blocks: the long answer stays
// the same, the day has nothing left to read); the statistics match an
// independent computation and the level shift planted on day 250 is found.
func TestToolsOnLongHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st := series.New(tx)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const days, step = 330, 10 * time.Minute
	shift := start.Add(250 * 24 * time.Hour)
	rng := rand.New(rand.NewPCG(15, 2))
	var ids []int64
	values := map[string][]float64{}
	for _, sensor := range []string{"temperature", "pressure"} {
		s, err := st.Upsert(ctx, series.Series{Name: "hist-1." + sensor, Asset: "hist-1", Sensor: sensor, Interval: step, Unit: "u"})
		require.NoError(t, err)
		ids = append(ids, s.ID)
		n := days * 24 * 6
		rows := make([]series.Row, n)
		for k := range rows {
			ts := start.Add(time.Duration(k) * step)
			v := 50 + 3*math.Sin(2*math.Pi*float64(ts.Hour()*60+ts.Minute())/1440) + rng.NormFloat64()*0.3
			if sensor == "pressure" && !ts.Before(shift) {
				v += 6
			}
			rows[k] = series.Row{SeriesID: s.ID, TS: ts, Value: v}
			values[sensor] = append(values[sensor], v)
		}
		_, err = st.Append(ctx, rows)
		require.NoError(t, err)
	}
	now := start.Add((days + 1) * 24 * time.Hour)
	reg := tools.NewRegistry(tools.Predictive(st, nil, func() time.Time { return now })...)
	from, to := start.Add(30*24*time.Hour), start.Add(days*24*time.Hour)
	window := `{"asset": "hist-1", "since": "` + from.Format(time.RFC3339) + `", "until": "` + to.Format(time.RFC3339) + `"}`
	oneDay := `{"asset": "hist-1", "since": "2024-06-01", "until": "2024-06-02"}`

	res, data := call(t, ctx, reg, "detect_anomalies", oneDay)
	require.Empty(t, res.UserError)
	require.Equal(t, map[string]any{"reads": "raw readings", "step": "10m0s"}, data["resolution"])
	require.EqualValues(t, 144, sensorOf(t, data, "pressure")["points"])

	res, data = call(t, ctx, reg, "detect_anomalies", window)
	require.Empty(t, res.UserError)
	require.Equal(t, map[string]any{"reads": "hour rollups", "step": "1h0m0s"}, data["resolution"])
	require.Contains(t, res.Summary, "read as 1 h means from the hour rollups")
	// Independent: the mean of every reading in the window, and the
	// extremes of the hourly means.
	for _, sensor := range []string{"temperature", "pressure"} {
		vs := values[sensor][30*144 : days*144]
		sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
		for h := 0; h < len(vs)/6; h++ {
			m := 0.0
			for _, v := range vs[6*h : 6*h+6] {
				sum += v
				m += v / 6
			}
			lo, hi = math.Min(lo, m), math.Max(hi, m)
		}
		got := sensorOf(t, data, sensor)
		require.EqualValues(t, 300*24, got["points"], sensor)
		require.InEpsilon(t, sum/float64(len(vs)), got["mean"], 2e-3, sensor)
		require.InEpsilon(t, lo, got["min"], 2e-3, sensor)
		require.InEpsilon(t, hi, got["max"], 2e-3, sensor)
	}
	var shiftFound bool
	for _, e := range data["events"].([]any) {
		e := e.(map[string]any)
		onset, err := time.Parse("2006-01-02T15:04Z", e["onset"].(string))
		require.NoError(t, err)
		if e["sensor"] == "pressure" && onset.Sub(shift).Abs() <= 6*time.Hour {
			shiftFound = true
		}
	}
	require.True(t, shiftFound, "the level shift of day 250: %s", res.Summary)

	// The long window is served by the hour rollups: without the raw
	// blocks (as after the raw retention) it answers the same; the day,
	// read raw, has nothing left.
	_, err := tx.Exec(ctx, `DELETE FROM series_raw WHERE series_id = ANY($1)`, ids)
	require.NoError(t, err)
	_, again := call(t, tools.WithScope(ctx, tools.Scope{}), tools.NewRegistry(tools.Predictive(st, nil, func() time.Time { return now })...), "detect_anomalies", window)
	require.Equal(t, data["sensors"], again["sensors"])
	require.Equal(t, data["events"], again["events"])
	res, _ = call(t, ctx, tools.NewRegistry(tools.Predictive(st, nil, func() time.Time { return now })...), "detect_anomalies", oneDay)
	require.Contains(t, res.UserError, "has no data between")
}

// TestListSeriesPages: a catalog longer than a page is read with offset.
func TestListSeriesPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	for m := 100; m < 160; m++ {
		_, err := st.Upsert(ctx, series.Series{Name: "page-" + strconv.Itoa(m) + ".v", Asset: "page-" + strconv.Itoa(m)})
		require.NoError(t, err)
	}
	reg := tools.NewRegistry(tools.Predictive(st, nil, time.Now)...)
	_, data := call(t, ctx, reg, "list_series", `{"text": "page-"}`)
	require.Len(t, data["series"], 50)
	require.Contains(t, data["note"], "call again with offset 50")
	_, data = call(t, ctx, reg, "list_series", `{"text": "page-", "offset": 50}`)
	require.Len(t, data["series"], 10)
	require.Equal(t, "page-150.v", data["series"].([]any)[0].(map[string]any)["name"])
	require.Equal(t, "showing 51–60 of 60", data["note"])
	res, _ := call(t, ctx, reg, "list_series", `{"text": "page-", "offset": 60}`)
	require.Contains(t, res.UserError, "offset 60 is past the 60 matching series")
}
