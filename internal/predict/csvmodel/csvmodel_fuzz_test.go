package csvmodel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/csvmap"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// The fuzzers below feed arbitrary bytes to the CSV readers. Their seed
// corpora live in testdata/fuzz/<FuzzName>/; `go test` replays them as
// ordinary tests, `go test -fuzz '^FuzzRead$'` explores from them.

// dataRows counts the data rows of a CSV file the way a user sees them:
// every record after the header except blank lines. It returns false when
// the file is not well-formed CSV.
func dataRows(data []byte) (int, bool) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, _ = csvmap.SniffFormat(data[:min(len(data), 16<<10)])
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return 0, false
	}
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(header) > 1 {
			continue
		}
		n++
	}
}

// requireKnownError fails unless err is one of the sentinels a caller can
// branch on (a malformed file, too little data, or one of extra).
func requireKnownError(t *testing.T, err error, extra ...error) {
	t.Helper()
	if errors.Is(err, ErrMalformed) || errors.Is(err, predict.ErrTooShort) {
		return
	}
	for _, e := range extra {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("error matches no sentinel: %v", err)
}

// checkTable asserts the invariants of a successfully read table; named
// says the value column was named by the caller (and may be all missing).
func checkTable(t *testing.T, data []byte, tab *Table, named bool) {
	t.Helper()
	rows, ok := dataRows(data)
	require.True(t, ok, "Read accepted a file encoding/csv rejects")
	n := len(tab.RawValues)
	require.Equal(t, rows, n, "one table row per data row")
	require.Len(t, tab.Slot, n)
	if tab.TimeCol == "" {
		require.Nil(t, tab.Times)
		require.Nil(t, tab.RawTimes)
	} else {
		require.Len(t, tab.Times, n)
		require.Len(t, tab.RawTimes, n)
		require.NotEmpty(t, tab.Layout)
	}
	if tab.TimeCol != "" {
		// A header cell may be empty, so only a named time column can be
		// told apart from the value column by name.
		require.NotEqual(t, tab.TimeCol, tab.ValueCol)
	}
	g := tab.Grid.Values
	require.NotEmpty(t, g)
	if tab.Grid.Times != nil {
		require.Len(t, tab.Grid.Times, len(g))
	}
	numbers := 0
	for i, s := range tab.Slot {
		require.Less(t, s, len(g), "row %d's slot is on the grid", i)
		if i == tab.UnitsRow {
			require.Equal(t, -1, s, "a units row is set aside")
			continue
		}
		v, cell := clean.ParseValueIn(tab.RawValues[i], tab.DecimalComma)
		require.NotEqual(t, clean.Unreadable, cell, "row %d value %q accepted but unreadable", i, tab.RawValues[i])
		if s < 0 {
			continue // set aside by the policy (a far-away timestamp)
		}
		if !math.IsNaN(v) {
			numbers++
		}
		if tab.Times != nil && tab.Grid.Times[s].Equal(tab.Times[i]) {
			// The row that fills a slot is the last of its slot; its value is there.
			last := true
			for j := range tab.Slot {
				if j != i && tab.Slot[j] == s && (tab.Times[j].After(tab.Times[i]) || (tab.Times[j].Equal(tab.Times[i]) && j > i)) {
					last = false
				}
			}
			if last && !math.IsNaN(v) {
				require.Equal(t, v, g[s], "row %d lands on its slot", i)
			}
		}
		if tab.Times == nil {
			want := i
			if tab.UnitsRow >= 0 && i > tab.UnitsRow {
				want-- // the units row set aside has no slot
			}
			require.Equal(t, want, s, "without timestamps each row is a slot")
		}
	}
	if !named {
		require.Positive(t, numbers, "a column picked by default holds at least one number")
	}
	for k, v := range g {
		require.False(t, math.IsInf(v, 0), "slot %d is infinite", k)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("timestamp,value\n2025-01-01 00:00:00,1\n2025-01-01 01:00:00,2\n"), "", "")
	f.Add([]byte("value\n1\n\n2\nNaN\n"), "", "value")
	f.Fuzz(func(t *testing.T, data []byte, timeCol, valueCol string) {
		tab, err := Read(bytes.NewReader(data), ReadOptions{TimeCol: timeCol, ValueCol: valueCol})
		if err != nil {
			require.Nil(t, tab)
			requireKnownError(t, err)
			var pe *ParseError
			if errors.As(err, &pe) {
				require.NotEmpty(t, pe.Problems, "a ParseError lists its problems")
				require.LessOrEqual(t, len(pe.Problems), maxProblems)
				for _, p := range pe.Problems {
					require.Positive(t, p.Line)
					require.NotEmpty(t, p.Msg)
				}
			}
			return
		}
		checkTable(t, data, tab, valueCol != "")
	})
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("value\n"+strings.Repeat("1\n2\n3\n", 10)+"40\n2\n"), uint8(0), false)
	f.Add([]byte("time,value\n2025-01-01 00:00,1\n2025-01-01 01:00,2\n2025-01-01 03:00,2\n2025-01-01 04:00,9\n"), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, period uint8, online bool) {
		opt := DetectOptions{Period: int(period % 64), Online: online}
		var out bytes.Buffer
		_, err := Detect(bytes.NewReader(data), &out, opt)
		if err != nil {
			requireKnownError(t, err, predict.ErrBadInput)
			return
		}
		tab, err := Read(bytes.NewReader(data), opt.ReadOptions)
		require.NoError(t, err, "Detect succeeded, so Read does")
		checkTable(t, data, tab, false)
		rows, err := csv.NewReader(&out).ReadAll()
		require.NoError(t, err, "Detect writes valid CSV")
		require.Equal(t, DetectHeader, rows[0])
		require.Len(t, rows, len(tab.RawValues)+1, "one output row per input row")
		for i, r := range rows[1:] {
			if tab.RawTimes != nil {
				require.Equal(t, tab.RawTimes[i], r[0])
			} else {
				require.Empty(t, r[0])
			}
			require.Equal(t, tab.RawValues[i], r[1], "the value is echoed as given")
			require.Contains(t, []string{"0", "1"}, r[3])
			if tab.Slot[i] < 0 || math.IsNaN(tab.Grid.Values[tab.Slot[i]]) {
				require.Empty(t, r[2], "no score for a missing value")
				require.Equal(t, "0", r[3])
				continue
			}
			if r[2] == "" {
				require.Equal(t, "0", r[3], "no score (the online warm-up): no anomaly")
				continue
			}
			s, err := strconv.ParseFloat(r[2], 64)
			require.NoError(t, err)
			require.True(t, s >= 0 && s <= 1, "score %v in [0,1]", s)
			if r[3] == "1" {
				thr := predict.DetectorSettings(tab.Step, len(tab.Grid.Values), online).Threshold
				require.GreaterOrEqual(t, s, thr-0.0001, "an anomaly scores at least the threshold")
			}
		}
	})
}

func FuzzForecast(f *testing.F) {
	f.Add([]byte("value\n"+strings.Repeat("1\n2\n3\n4\n", 6)), uint8(4), uint8(4))
	f.Add([]byte("date,flow\n2025-01-01,3\n2025-01-02,4\n2025-01-03,5\n2025-01-05,6\n2025-01-06,7\n2025-01-07,8\n2025-01-08,\n"), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, horizon, season uint8) {
		opt := ForecastOptions{Horizon: 1 + int(horizon%48), Season: int(season % 32)}
		var out bytes.Buffer
		fc, _, err := Forecast(bytes.NewReader(data), &out, opt)
		if err != nil {
			require.Nil(t, fc)
			requireKnownError(t, err, predict.ErrHorizonTooLong, predict.ErrBadInput)
			return
		}
		tab, err := Read(bytes.NewReader(data), opt.ReadOptions)
		require.NoError(t, err, "Forecast succeeded, so Read does")
		checkTable(t, data, tab, false)
		require.Len(t, fc.Mean, opt.Horizon)
		rows, err := csv.NewReader(&out).ReadAll()
		require.NoError(t, err, "Forecast writes valid CSV")
		require.Equal(t, ForecastHeader, rows[0])
		require.Len(t, rows, opt.Horizon+1, "one output row per step")
		var prev time.Time
		for i, r := range rows[1:] {
			require.Equal(t, strconv.Itoa(i+1), r[0])
			if tab.TimeCol == "" {
				require.Empty(t, r[1])
			} else {
				ts, err := time.Parse(tab.Layout, r[1])
				require.NoError(t, err, "step %d timestamp %q reads back in the input's layout", i+1, r[1])
				require.True(t, ts.After(tab.Grid.Times[len(tab.Grid.Times)-1]), "step %d (%s) is after the last input row", i+1, r[1])
				if i > 0 {
					require.True(t, ts.After(prev), "step %d timestamps increase", i+1)
				}
				prev = ts
			}
			var v [5]float64
			for j := range v {
				v[j], err = strconv.ParseFloat(r[2+j], 64)
				require.NoError(t, err)
				require.False(t, math.IsNaN(v[j]) || math.IsInf(v[j], 0), "step %d column %s is %v", i+1, ForecastHeader[2+j], v[j])
			}
			mean, lo80, hi80, lo95, hi95 := v[0], v[1], v[2], v[3], v[4]
			tol := 1e-9 * (1 + math.Abs(mean))
			require.True(t, lo95 <= lo80+tol && lo80 <= mean+tol && mean <= hi80+tol && hi80 <= hi95+tol,
				"step %d intervals nest: %v", i+1, v)
		}
	})
}
