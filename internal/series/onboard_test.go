package series_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/predict/clean"
	"github.com/gemba-ai/gemba/internal/series"
)

// pdmSlice is a committed slice of Microsoft's Azure PdM telemetry (see
// testdata/README.md): machines 8, 12 and 17, 2015-01-31 06:00 to
// 2015-04-01 05:00, hourly, unchanged rows of the shared file.
const pdmSlice = "../../deploy/examples/azure_pdm/slice/PdM_telemetry.csv"

// sub runs one case of a table in a savepoint of tx, rolled back when
// the next case begins (or the test ends), so cases that write the same
// names neither see nor wait on each other.
func sub(t *testing.T, tx pgx.Tx) *series.Store {
	t.Helper()
	ctx := context.Background()
	openMu.Lock()
	prev, ok := open[tx]
	openMu.Unlock()
	if ok {
		require.NoError(t, prev.Rollback(ctx))
	}
	s, err := tx.Begin(ctx)
	require.NoError(t, err)
	openMu.Lock()
	open[tx] = s
	openMu.Unlock()
	return series.New(s)
}

// open holds the savepoint of the case running on each test's tx.
var (
	openMu sync.Mutex
	open   = map[pgx.Tx]pgx.Tx{}
)

func openSlice(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(pdmSlice)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// sliceRows reads the slice independently of the importer: machine →
// timestamp → column → value.
func sliceRows(t *testing.T) map[string]map[time.Time]map[string]float64 {
	t.Helper()
	rows, err := csv.NewReader(openSlice(t)).ReadAll()
	require.NoError(t, err)
	out := map[string]map[time.Time]map[string]float64{}
	for _, r := range rows[1:] {
		ts, err := time.Parse("2006-01-02 15:04:05", r[0])
		require.NoError(t, err)
		if out[r[1]] == nil {
			out[r[1]] = map[time.Time]map[string]float64{}
		}
		vals := map[string]float64{}
		for i, c := range rows[0][2:] {
			v, err := strconv.ParseFloat(r[i+2], 64)
			require.NoError(t, err)
			vals[c] = v
		}
		out[r[1]][ts] = vals
	}
	return out
}

// TestImportEntityForm: the PdM telemetry with its entity column becomes
// one asset per machine with a series per sensor, every value in place.
func TestImportEntityForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	res, err := st.Import(ctx, openSlice(t), series.ImportOptions{Entity: "machineID"})
	require.NoError(t, err)
	require.Equal(t, "entity", res.Format)
	require.Equal(t, "machineID", res.Entity)
	require.Equal(t, "machine-{machineID}", res.AssetTemplate)
	require.Equal(t, []string{"machine-12", "machine-17", "machine-8"}, res.Assets)
	require.Len(t, res.Series, 12)
	require.Equal(t, 4320, res.Rows)
	require.EqualValues(t, 4320*4, res.Points)
	require.Equal(t, time.Date(2015, 1, 31, 6, 0, 0, 0, time.UTC), res.First)
	require.Equal(t, time.Date(2015, 4, 1, 5, 0, 0, 0, time.UTC), res.Last)
	require.Equal(t, "UTC", res.Zone)
	require.Equal(t, 4320, res.Naive, "every timestamp of the file is naive")
	require.Empty(t, res.Warnings)

	s, err := st.Lookup(ctx, "machine-12.rotate")
	require.NoError(t, err)
	require.Equal(t, "machine-12", s.Asset)
	require.Equal(t, "rotate", s.Sensor)
	require.Equal(t, time.Hour, s.Interval)

	want := sliceRows(t)["12"]
	from := time.Date(2015, 3, 18, 0, 0, 0, 0, time.UTC)
	mw, err := st.AssetWindow(ctx, "machine-12", from, from.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, mw.Data.Times, 24)
	for j, name := range mw.Data.Names {
		for i, ts := range mw.Data.Times {
			require.Equal(t, want[ts][name], mw.Data.Values[j][i], "%s at %s", name, ts)
		}
	}

	// Re-importing the same file replaces, it does not add.
	res, err = st.Import(ctx, openSlice(t), series.ImportOptions{Entity: "machineID"})
	require.NoError(t, err)
	ext, err := st.Extent(ctx, s.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1440, ext.Count)
}

// TestImportNameTemplates: names and assets from templates over any
// column, {column} and {asset}; mistakes in a template are named.
func TestImportNameTemplates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	file := "datetime,site,machineID,model,volt,rotate\n" +
		"2015-01-01 06:00:00,busan,1,model3,176.2,418.5\n" +
		"2015-01-01 07:00:00,busan,1,model3,162.9,402.7\n" +
		"2015-01-01 06:00:00,ulsan,2,model4,170.1,420.0\n" +
		"2015-01-01 07:00:00,ulsan,2,model4,171.0,421.5\n"
	cases := []struct {
		name   string
		opt    series.ImportOptions
		series []string
		asset  string // of the first series
	}{
		{"name template, asset from the name", series.ImportOptions{Entity: "machineID", Name: "machine-{machineID}.{column}", Columns: []string{"volt", "rotate"}},
			[]string{"machine-1.rotate", "machine-1.volt", "machine-2.rotate", "machine-2.volt"}, "machine-1"},
		{"asset template", series.ImportOptions{Entity: "machineID", Asset: "{site}-m{machineID}", Columns: []string{"volt"}},
			[]string{"busan-m1.volt", "ulsan-m2.volt"}, "busan-m1"},
		{"name with {asset}", series.ImportOptions{Asset: "pdm-{machineID}", Name: "{asset}.{column}_{model}", Columns: []string{"volt"}},
			[]string{"pdm-1.volt_model3", "pdm-2.volt_model4"}, "pdm-1"},
		{"one value column", series.ImportOptions{Entity: "machineID", Name: "m{machineID}.voltage", Columns: []string{"volt"}},
			[]string{"m1.voltage", "m2.voltage"}, "m1"},
	}
	tx := dbtest.Tx(t)
	for _, c := range cases {
		st := sub(t, tx)
		res, err := st.Import(ctx, strings.NewReader(file), c.opt)
		require.NoError(t, err, c.name)
		require.Equal(t, c.series, res.Series, c.name)
		s, err := st.Lookup(ctx, c.series[0])
		require.NoError(t, err)
		require.Equal(t, c.asset, s.Asset, c.name)
		require.Equal(t, time.Hour, s.Interval, c.name)
		_, err = st.Delete(ctx, series.Selector{Prefix: ""})
		require.Error(t, err, "a delete names what it deletes")
	}

	// An entity file in long form: the sensor column names the series.
	st := sub(t, tx)
	long := "time,unit,sensor,value\n2015-01-01T00:00:00Z,7,temp,40\n2015-01-01T00:00:00Z,7,speed,1200\n2015-01-01T00:00:00Z,9,temp,41\n"
	res, err := st.Import(ctx, strings.NewReader(long), series.ImportOptions{Entity: "unit"})
	require.NoError(t, err)
	require.Equal(t, []string{"unit-7.speed", "unit-7.temp", "unit-9.temp"}, res.Series)
	// Text ids are the asset names as they are.
	res, err = st.Import(ctx, strings.NewReader("ts,machine,v\n2015-01-01T00:00:00Z,press-3,1\n2015-01-01T00:00:00Z,press-4,2\n"), series.ImportOptions{Entity: "machine"})
	require.NoError(t, err)
	require.Equal(t, []string{"press-3.v", "press-4.v"}, res.Series)

	bad := []struct {
		opt  series.ImportOptions
		want string
	}{
		{series.ImportOptions{Entity: "machine"}, `no entity column "machine" (columns: datetime, site, machineID, model, volt, rotate)`},
		{series.ImportOptions{Entity: "machineID", Name: "m-{machine}.{column}"}, "{machine} is not a column of the file"},
		{series.ImportOptions{Entity: "machineID", Name: "m-{machineID}.volt"}, "has no {column}, but the file has 4 value columns (site, model, volt, rotate)"},
		{series.ImportOptions{Entity: "machineID", Name: "plant.{column}"}, "does not use the entity column machineID"},
		{series.ImportOptions{Entity: "machineID", Name: "m-{machineID.{column}"}, "a { without its }"},
		{series.ImportOptions{Entity: "machineID", Columns: []string{"torque"}}, `--columns: no column "torque"`},
		{series.ImportOptions{Asset: "m-{column}"}, "{column} names a sensor, not an asset"},
		{series.ImportOptions{Name: "{asset}.{column}"}, "uses {asset}, but no --asset or --entity"},
		{series.ImportOptions{TimeColumn: "when"}, `no column "when" for the timestamps`},
	}
	for _, b := range bad {
		_, err := st.Import(ctx, strings.NewReader(file), b.opt)
		require.ErrorIs(t, err, series.ErrBadFile, b.want)
		require.ErrorContains(t, err, b.want)
	}
}

// TestImportTimestampFormats: every accepted spelling of a time, naive
// ones in the zone asked for, zoned ones at their instant.
func TestImportTimestampFormats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	want := time.Date(2015, 1, 1, 6, 0, 0, 0, time.UTC)
	cases := []struct {
		cell  string
		loc   *time.Location
		want  time.Time
		naive bool
	}{
		{"2015-01-01T06:00:00Z", nil, want, false},
		{"2015-01-01T15:00:00+09:00", nil, want, false},
		{"2015-01-01 06:00:00+00:00", seoul, want, false},
		{"2015-01-01T06:00:00.000Z", nil, want, false},
		{"2015-01-01 06:00:00", nil, want, true},
		{"2015-01-01T06:00:00", nil, want, true},
		{"2015-01-01 06:00", nil, want, true},
		{"2015/01/01 06:00:00", nil, want, true},
		{"1/1/2015 6:00:00 AM", nil, want, true},
		{"1/1/2015 6:00:00 PM", nil, want.Add(12 * time.Hour), true},
		{"1/1/2015 06:00", nil, want, true},
		{"1420092000", nil, want, false},
		{"1420092000.5", nil, want.Add(500 * time.Millisecond), false},
		{"1420092000000", nil, want, false},
		{"1420092000000000", nil, want, false},
		{"1420092000000000000", nil, want, false},
		{"2015-01-01 15:00:00", seoul, want, true},
		{"1/1/2015 3:00:00 PM", seoul, want, true},
		{"1420092000000", seoul, want, false},
	}
	tx := dbtest.Tx(t)
	for _, c := range cases {
		st := sub(t, tx)
		res, err := st.Import(ctx, strings.NewReader("time,v\n"+c.cell+",1.5\n"), series.ImportOptions{Asset: "ts-1", Location: c.loc})
		require.NoError(t, err, c.cell)
		require.Equal(t, c.want, res.First, "%s in %v", c.cell, c.loc)
		if c.naive {
			require.Equal(t, 1, res.Naive, c.cell)
		} else {
			require.Zero(t, res.Naive, c.cell)
		}
		if c.loc != nil {
			require.Equal(t, "Asia/Seoul", res.Zone)
		}
		// The parser the tools and commands share reads it the same.
		got, err := series.ParseTimeIn(c.cell, c.loc)
		require.NoError(t, err)
		require.Equal(t, c.want, got, c.cell)
	}
	// A fall-back hour of naive local times lands twice on one instant
	// or not: Europe/Berlin 2015-10-25 02:30 exists twice; both rows name
	// the same wall time, so the duplicate policy applies and says so.
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	st := sub(t, tx)
	res, err := st.Import(ctx, strings.NewReader("time,v\n2015-10-25 01:30:00,1\n2015-10-25 02:30:00,2\n2015-10-25 02:30:00,3\n2015-10-25 03:30:00,4\n"),
		series.ImportOptions{Asset: "dst", Location: berlin})
	require.NoError(t, err)
	require.EqualValues(t, 3, res.Points)
	require.Len(t, res.Warnings, 1)
	require.Equal(t, clean.WarnDuplicate, res.Warnings[0].Kind)

	// A comma-decimal locale's Excel export: ";" between fields, "50,64",
	// dotted day-first dates.
	st = sub(t, tx)
	res, err = st.Import(ctx, strings.NewReader("\ufeffZeit;Temperatur\n01.01.2015 06:00;50,64\n01.01.2015 07:00;-0,5\n"), series.ImportOptions{Asset: "eu-1"})
	require.NoError(t, err)
	require.Equal(t, want, res.First)
	require.EqualValues(t, 2, res.Points)
	w, err := st.Window(ctx, "eu-1.temperatur", want, want.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []float64{50.64, -0.5}, w.Data.Values)

	for _, bad := range []string{"yesterday", "2015-13-01 00:00:00", "12345", "1/1/15"} {
		_, err := sub(t, tx).Import(ctx, strings.NewReader("time,v\n2015-01-01T00:00:00Z,1\n"+bad+",2\n"), series.ImportOptions{Asset: "ts-bad"})
		var ie *series.ImportError
		require.ErrorAs(t, err, &ie, bad)
		require.Equal(t, 3, ie.Problems[0].Line)
		require.Equal(t, "time", ie.Problems[0].Column)
		require.Contains(t, ie.Problems[0].Msg, "bad timestamp")
	}
}

// TestImportDuplicatePolicies: a (series, timestamp) pair repeated in a
// file keeps the last row, the first, their mean, or refuses the file
// naming both lines; the count comes back as a warning.
func TestImportDuplicatePolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Line 3 repeats line 2 in time order; line 6 repeats line 4 out of order.
	file := "series,timestamp,value\n" +
		"d.x,2015-01-01T00:00:00Z,1\n" +
		"d.x,2015-01-01T00:00:00Z,3\n" +
		"d.x,2015-01-01T01:00:00Z,10\n" +
		"d.x,2015-01-01T02:00:00Z,20\n" +
		"d.x,2015-01-01T01:00:00Z,30\n"
	cases := map[series.DupPolicy][2]float64{
		"":                  {3, 30},
		series.DupKeepLast:  {3, 30},
		series.DupKeepFirst: {1, 10},
		series.DupMean:      {2, 20},
	}
	tx := dbtest.Tx(t)
	for policy, want := range cases {
		st := sub(t, tx)
		res, err := st.Import(ctx, strings.NewReader(file), series.ImportOptions{OnDuplicate: policy})
		require.NoError(t, err, policy)
		require.EqualValues(t, 3, res.Points)
		require.Len(t, res.Warnings, 1)
		require.Equal(t, 2, res.Warnings[0].Count)
		require.Equal(t, series.DupKeepLast == policy || policy == "", res.OnDuplicate == series.DupKeepLast)
		w, err := st.Window(ctx, "d.x", time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2015, 1, 1, 3, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		require.Equal(t, []float64{want[0], want[1], 20}, w.Data.Values, policy)
	}
	st := sub(t, tx)
	_, err := st.Import(ctx, strings.NewReader(file), series.ImportOptions{OnDuplicate: series.DupError})
	var ie *series.ImportError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, 2, ie.Total)
	require.Equal(t, []series.Problem{
		{Line: 3, Column: "value", Msg: "d.x at 2015-01-01T00:00:00Z repeats line 2"},
		{Line: 6, Column: "value", Msg: "d.x at 2015-01-01T01:00:00Z repeats line 4"},
	}, ie.Problems)
	require.Contains(t, err.Error(), "line 3: d.x at 2015-01-01T00:00:00Z repeats line 2 (column value)")
	list, err := st.List(ctx, series.Filter{})
	require.NoError(t, err)
	require.Empty(t, list, "a refused file writes nothing")

	_, err = series.ParseDupPolicy("newest")
	require.ErrorContains(t, err, "keep-last, keep-first, mean or error")
}

// TestImportEntityHint reproduces issue 15's first report: the PdM
// telemetry imported as one machine's wide file repeats every timestamp
// once per machine and turns machineID into a sensor. The import is
// refused, names the column and the options, and writes nothing.
func TestImportEntityHint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	_, err := st.Import(ctx, openSlice(t), series.ImportOptions{})
	var h *series.EntityHintError
	require.ErrorAs(t, err, &h)
	require.ErrorIs(t, err, series.ErrBadFile)
	require.Equal(t, "machineID", h.Column)
	require.Equal(t, 3, h.Values)
	require.Equal(t, []string{"8", "12", "17"}, h.Examples)
	require.Equal(t, 3, h.Repeats)
	require.Contains(t, err.Error(), "--entity machineID")
	require.Contains(t, err.Error(), "--name 'machine-{machineID}.{column}'")
	require.Contains(t, err.Error(), "Nothing was imported")
	list, err := st.List(ctx, series.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)

	// With --asset (one machine named for the whole file) too; and a text
	// id, which fails as numbers, is named rather than listed row by row.
	_, err = st.Import(ctx, openSlice(t), series.ImportOptions{Asset: "machine-12"})
	require.ErrorAs(t, err, &h)
	text := "time,unit,temp\n2015-01-01T00:00:00Z,M1,40\n2015-01-01T00:00:00Z,M2,41\n2015-01-01T01:00:00Z,M1,42\n2015-01-01T01:00:00Z,M2,43\n"
	_, err = st.Import(ctx, strings.NewReader(text), series.ImportOptions{})
	require.ErrorAs(t, err, &h)
	require.Equal(t, "unit", h.Column)
	require.Contains(t, err.Error(), "--entity unit (series {unit}.{column}")

	// An explicit duplicate policy is the user's choice: no hint.
	_, err = st.Import(ctx, strings.NewReader("time,machineID,temp\n2015-01-01T00:00:00Z,1,40\n2015-01-01T00:00:00Z,2,41\n"), series.ImportOptions{Asset: "hint-mean", OnDuplicate: series.DupMean})
	require.NoError(t, err)
	// A few repeated rows (a resend) and whole-number readings are not
	// machines.
	_, err = st.Import(ctx, strings.NewReader("time,count,temp\n2015-01-01T00:00:00Z,5,40\n2015-01-01T01:00:00Z,6,41\n2015-01-01T01:00:00Z,6,41\n2015-01-01T02:00:00Z,7,42\n2015-01-01T03:00:00Z,8,43\n"),
		series.ImportOptions{Asset: "h"})
	require.NoError(t, err)
}

// TestImportErrorsNameLineAndColumn: every problem names the line and the
// column, a text column is named with the option that leaves it out, and
// a file with a problem writes nothing.
func TestImportErrorsNameLineAndColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	file := "datetime,machineID,volt,rotate\n" +
		"2015-01-01 06:00:00,1,176.2,418.5\n" +
		"2015-01-01 07:00:00,1,17x,402.7\n" +
		"2015-01-01 08:00:00,,170.1,420.0\n" +
		"2015-01-01 09:00:00,1,171.0\n" +
		"2015-01-01 1O:00:00,1,171.0,421.5\n"
	_, err := st.Import(ctx, strings.NewReader(file), series.ImportOptions{Entity: "machineID"})
	var ie *series.ImportError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, []series.Problem{
		{Line: 3, Column: "volt", Msg: `machine-1.volt: bad number "17x"`},
		{Line: 4, Column: "machineID", Msg: "empty machineID, which names the row's series"},
		{Line: 5, Msg: "has 3 fields, the header has 4"},
		{Line: 6, Column: "datetime", Msg: ie.Problems[3].Msg},
	}, ie.Problems)
	require.Contains(t, ie.Problems[3].Msg, `bad timestamp "2015-01-01 1O:00:00"`)
	list, err := st.List(ctx, series.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)

	_, err = st.Import(ctx, strings.NewReader("datetime,machineID,model,volt\n2015-01-01 06:00:00,1,model3,176.2\n2015-01-01 07:00:00,1,model3,170\n"),
		series.ImportOptions{Entity: "machineID"})
	require.ErrorAs(t, err, &ie)
	require.Equal(t, 2, ie.Total)
	require.Equal(t, "column(s) model hold text, not readings: read only the others with --columns volt", ie.Hint)
	require.True(t, errors.Is(err, series.ErrBadFile))
}

// TestImportDelimiterAndUnits: a semicolon file with units per sensor.
func TestImportDelimiterAndUnits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Tx(t))
	res, err := st.Import(ctx, strings.NewReader("ts;machineID;vibration\n1420092000000;3;2.5\n1420095600000;3;NaN\n"),
		series.ImportOptions{Entity: "machineID", Comma: ';', Units: map[string]string{"vibration": "mm/s"}})
	require.NoError(t, err)
	require.Equal(t, []string{"machine-3.vibration"}, res.Series)
	require.Len(t, res.Warnings, 1)
	require.Equal(t, clean.WarnMissing, res.Warnings[0].Kind)
	s, err := st.Lookup(ctx, "machine-3.vibration")
	require.NoError(t, err)
	require.Equal(t, "mm/s", s.Unit)
	require.EqualValues(t, 1, res.Points, "the NaN is a missing reading")
}
