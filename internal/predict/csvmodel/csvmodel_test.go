package csvmodel

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// seasonalCSV writes n hourly rows of a daily pattern with one spike.
func seasonalCSV(n, spike int, withTime bool, skip map[int]bool) string {
	var b strings.Builder
	if withTime {
		b.WriteString("timestamp,line,value\n")
	} else {
		b.WriteString("value\n")
	}
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if skip[i] {
			continue
		}
		v := 50 + 10*math.Sin(2*math.Pi*float64(i)/24) + 0.5*math.Sin(float64(i)*1.7)
		if i == spike {
			v += 25
		}
		if withTime {
			fmt.Fprintf(&b, "%s,L1,%.3f\n", t0.Add(time.Duration(i)*time.Hour).Format("2006-01-02 15:04:05"), v)
		} else {
			fmt.Fprintf(&b, "%.3f\n", v)
		}
	}
	return b.String()
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestDetectGood(t *testing.T) {
	t.Parallel()
	gap := map[int]bool{}
	for i := 200; i < 205; i++ {
		gap[i] = true
	}
	for _, tc := range []struct {
		name      string
		in        string
		opt       DetectOptions
		rows      int
		spikeRow  int // 0-based data row holding the spike
		wantTime0 string
	}{
		{"with time", seasonalCSV(400, 300, true, nil), DetectOptions{}, 400, 300, "2025-03-01 00:00:00"},
		{"no time", seasonalCSV(400, 300, false, nil), DetectOptions{}, 400, 300, ""},
		{"online", seasonalCSV(400, 300, true, nil), DetectOptions{Online: true, Period: 24, Threshold: 0.5}, 400, 300, "2025-03-01 00:00:00"},
		// Five missing hours: the spike at hour 300 is data row 295, and
		// the model still sees it at its true position in the day.
		{"gap", seasonalCSV(400, 300, true, gap), DetectOptions{}, 395, 295, "2025-03-01 00:00:00"},
		{"named columns", seasonalCSV(400, 300, true, nil), DetectOptions{ReadOptions: ReadOptions{TimeCol: "TIMESTAMP", ValueCol: "value"}}, 400, 300, "2025-03-01 00:00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			_, err := Detect(strings.NewReader(tc.in), &out, tc.opt)
			require.NoError(t, err)
			rows := readCSV(t, out.String())
			require.Equal(t, DetectHeader, rows[0])
			require.Len(t, rows, tc.rows+1)
			require.Equal(t, tc.wantTime0, rows[1][0])
			in := readCSV(t, tc.in)
			var flagged []int
			for i, r := range rows[1:] {
				require.Equal(t, in[i+1][len(in[i+1])-1], r[1], "value echoed")
				require.Contains(t, []string{"0", "1"}, r[3])
				if r[3] == "1" {
					flagged = append(flagged, i)
				}
			}
			require.Equal(t, []int{tc.spikeRow}, flagged)
		})
	}
}

func TestDetectMissingValue(t *testing.T) {
	t.Parallel()
	in := "value\n" + strings.Repeat("1\n2\n3\n", 10) + "\nNaN\n5\n"
	var out bytes.Buffer
	_, err := Detect(strings.NewReader(in), &out, DetectOptions{})
	require.NoError(t, err)
	rows := readCSV(t, out.String())
	require.Len(t, rows, 33) // the blank line is skipped, "NaN" is a row
	require.Equal(t, []string{"", "NaN", "", "0"}, rows[31])
}

// TestDetectHistorianStatus: a historian's export with status words where
// readings failed and a thousands separator is scored, not refused: the
// value column is still found, the statuses are missing rows (counted in
// their own warning) and every input row has its output row.
func TestDetectHistorianStatus(t *testing.T) {
	t.Parallel()
	in := "timestamp,flow\n"
	for i := range 60 {
		v := fmt.Sprint(10 + i%3)
		switch i {
		case 20:
			v = "I/O Timeout"
		case 21:
			v = "Bad"
		case 40:
			v = `"1,010.5"`
		}
		in += fmt.Sprintf("2025-01-01 %02d:%02d:00,%s\n", i/6, i%6*10, v)
	}
	var out bytes.Buffer
	rep, err := Detect(strings.NewReader(in), &out, DetectOptions{})
	require.NoError(t, err)
	rows := readCSV(t, out.String())
	require.Len(t, rows, 61)
	require.Equal(t, "I/O Timeout", rows[21][1])
	require.Equal(t, "", rows[21][2], "no score for a failed reading")
	found := false
	for _, w := range rep.Table.Report.Warnings {
		if w.Kind == clean.WarnStatus {
			found = true
			require.Equal(t, 2, w.Count)
			require.Equal(t, 22, w.Line, "the first status is on line 22")
		}
	}
	require.True(t, found, "%+v", rep.Table.Report.Warnings)
}

func TestReadMalformed(t *testing.T) {
	t.Parallel()
	many := "timestamp,value\n"
	for i := range 30 {
		many += fmt.Sprintf("2025-01-01 %02d:00:00,x%d\n", i%24, i)
	}
	for _, tc := range []struct {
		name string
		in   string
		opt  ReadOptions
		want []string
	}{
		{"bad number", "timestamp,value\n2025-01-01 00:00:00,1\n2025-01-01 01:00:00,abc\n2025-01-01 02:00:00,3\n", ReadOptions{ValueCol: "value"},
			[]string{`line 3: bad number "abc" in column "value"`}},
		{"bad timestamp", "timestamp,value\n2025-01-01 00:00:00,1\nyesterday,2\n", ReadOptions{},
			[]string{`line 3: bad timestamp "yesterday"`}},
		{"field count", "timestamp,value\n2025-01-01 00:00:00,1\n2025-01-01 01:00:00,2,3\n", ReadOptions{},
			[]string{"line 3: has 3 fields, the header has 2"}},
		{"several at once", "timestamp,value\n2025-01-01 00:00:00,1\n2025-01-01 01:00:00,zz\nbad,2\n2025-01-01 01:00:00,4,5\n", ReadOptions{ValueCol: "value"},
			[]string{"3 problems", "line 3: bad number", "line 4: bad timestamp", "line 5: has 3 fields"}},
		{"capped list", many, ReadOptions{ValueCol: "value"}, []string{"line 21:", "and 10 more"}},
		{"no numeric column", "timestamp,name\n2025-01-01,a\n", ReadOptions{}, []string{"no numeric column"}},
		// Unnamed, a column mostly of numbers is the value column, and its
		// bad cells are reported by line as for a named one.
		{"bad number, column found", "timestamp,value\n2025-01-01 00:00:00,1\n2025-01-01 01:00:00,abc\n2025-01-01 02:00:00,3\n", ReadOptions{},
			[]string{`line 3: bad number "abc" in column "value"`}},
		{"unknown column", "timestamp,value\n2025-01-01,1\n", ReadOptions{ValueCol: "flow"}, []string{`no value column "flow"`}},
		{"unknown time column", "t,value\n2025-01-01,1\n", ReadOptions{TimeCol: "when"}, []string{`no time column "when"`}},
		{"empty", "", ReadOptions{}, []string{"want a header row"}},
		{"bad quote", "value\n1\n\"2\n", ReadOptions{}, []string{"line 3:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read(strings.NewReader(tc.in), tc.opt)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrMalformed)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestReadDefaultsAndGrid(t *testing.T) {
	t.Parallel()
	in := "machine,Datetime,temp,note\nm1,2025-01-01T00:00:00Z,1.5,ok\nm1,2025-01-01T00:10:00Z,,ok\nm1,2025-01-01T00:40:00Z,2.5,ok\n"
	tb, err := Read(strings.NewReader(in), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "Datetime", tb.TimeCol)
	require.Equal(t, "temp", tb.ValueCol)
	require.Equal(t, 10*time.Minute, tb.Step)
	require.Equal(t, []int{0, 1, 4}, tb.Slot)
	require.Len(t, tb.Grid.Values, 5)
	require.Equal(t, 1.5, tb.Grid.Values[0])
	require.True(t, math.IsNaN(tb.Grid.Values[1]))
	require.True(t, math.IsNaN(tb.Grid.Values[2]))
	require.Equal(t, 2.5, tb.Grid.Values[4])
}

func TestForecastCSV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in       string
		opt      ForecastOptions
		wantTime []string
	}{
		{"with time", seasonalCSV(300, -1, true, nil), ForecastOptions{Horizon: 3}, []string{"2025-03-13 12:00:00", "2025-03-13 13:00:00", "2025-03-13 14:00:00"}},
		{"no time", seasonalCSV(300, -1, false, nil), ForecastOptions{Horizon: 3, Season: 24}, []string{"", "", ""}},
		{"trailing empty", "date,v\n2025-01-01,1\n2025-01-02,2\n2025-01-03,3\n2025-01-04,4\n2025-01-05,5\n2025-01-06,6\n2025-01-07,7\n2025-01-08,8\n2025-01-09,9\n2025-01-10,\n",
			ForecastOptions{Horizon: 2}, []string{"2025-01-11", "2025-01-12"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			fc, _, err := Forecast(strings.NewReader(tc.in), &out, tc.opt)
			require.NoError(t, err)
			require.NotEmpty(t, fc.Model)
			rows := readCSV(t, out.String())
			require.Equal(t, ForecastHeader, rows[0])
			require.Len(t, rows, tc.opt.Horizon+1)
			for i, r := range rows[1:] {
				require.Equal(t, fmt.Sprint(i+1), r[0])
				require.Equal(t, tc.wantTime[i], r[1])
				var f [5]float64
				for j := range f {
					_, err := fmt.Sscan(r[2+j], &f[j])
					require.NoError(t, err)
				}
				require.LessOrEqual(t, f[3], f[1]) // lo95 <= lo80
				require.LessOrEqual(t, f[1], f[0])
				require.LessOrEqual(t, f[0], f[2])
				require.LessOrEqual(t, f[2], f[4])
			}
		})
	}
}

func TestForecastCSVErrors(t *testing.T) {
	t.Parallel()
	_, _, err := Forecast(strings.NewReader(seasonalCSV(40, -1, false, nil)), &bytes.Buffer{}, ForecastOptions{Horizon: 100})
	require.ErrorIs(t, err, predict.ErrHorizonTooLong)
	_, _, err = Forecast(strings.NewReader("value\n1\nx\n"), &bytes.Buffer{}, ForecastOptions{Horizon: 1, ReadOptions: ReadOptions{ValueCol: "value"}})
	require.ErrorIs(t, err, ErrMalformed)
	_, err = Detect(strings.NewReader("value\n1\n2\n"), &bytes.Buffer{}, DetectOptions{})
	require.ErrorIs(t, err, predict.ErrTooShort)
}

// TestReadSpreadsheetExports reads files as spreadsheets write them: a
// comma-decimal locale's Excel (";" between fields, "50,64", dotted
// day-first dates, a byte-order mark, a time column of another name), and
// a units row under the header; each repair is said in the report.
func TestReadSpreadsheetExports(t *testing.T) {
	t.Parallel()
	eu := "\ufeffZeitstempel;Temperatur;Druck\n01.11.2026 00:00;50,64;1.013,5\n01.11.2026 00:10;50,97;1.014,0\n01.11.2026 00:20;-0,5;1.012,25\n"
	tb, err := Read(strings.NewReader(eu), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, "Zeitstempel", tb.TimeCol, "found by its cells, not its name")
	require.Equal(t, "Temperatur", tb.ValueCol)
	require.Equal(t, []float64{50.64, 50.97, -0.5}, tb.Grid.Values)
	require.Equal(t, time.Date(2026, 11, 1, 0, 10, 0, 0, time.UTC), tb.Times[1])
	require.Equal(t, 10*time.Minute, tb.Step)
	require.Contains(t, tb.Report.Warnings[0].Msg, `separated by ";", numbers written with a decimal comma`)
	tb, err = Read(strings.NewReader(eu), ReadOptions{ValueCol: "Druck"})
	require.NoError(t, err)
	require.Equal(t, []float64{1013.5, 1014, 1012.25}, tb.Grid.Values, "dotted thousands and a decimal comma")

	// A semicolon file with decimal points keeps them.
	tb, err = Read(strings.NewReader("time;v\n2025-01-01 00:00;1.234\n2025-01-01 01:00;2.5\n"), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, []float64{1.234, 2.5}, tb.Grid.Values)

	us := "Timestamp,Flow\n,(m3/h)\n11/01/2026 12:00:00 AM,\"1,197.4\"\n\n11/01/2026 12:10:00 AM,\"1,201.0\"\n"
	tb, err = Read(strings.NewReader(us), ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, []float64{1197.4, 1201}, tb.Grid.Values)
	require.Equal(t, WarnUnitsRow, tb.Report.Warnings[0].Kind)
	require.Equal(t, 2, tb.Report.Warnings[0].Line)
	require.Contains(t, tb.Report.Warnings[0].Msg, "(m3/h)")

	// A first row of missing values is data, not units.
	tb, err = Read(strings.NewReader("v\nn/a\n1\n2\n"), ReadOptions{})
	require.NoError(t, err)
	require.Len(t, tb.Grid.Values, 3)
}
