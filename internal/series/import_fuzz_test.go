package series

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzImportParse feeds arbitrary bytes to the parse step of Import (the
// csvSource that streams rows to COPY), which needs no database. Its seed
// corpus is testdata/fuzz/FuzzImportParse/.
func FuzzImportParse(f *testing.F) {
	f.Add([]byte("timestamp,series,value\n2025-01-01T00:00:00Z,pump-1.vibration,1.5\n"), "")
	f.Add([]byte("time,vibration,temp\n2025-01-01 00:00,1,\n2025-01-01 01:00,2,40\n"), "pump-1")
	f.Fuzz(func(t *testing.T, data []byte, asset string) {
		opt := ImportOptions{Asset: asset}
		src, err := newCSVSource(bytes.NewReader(data), opt)
		if err != nil {
			require.Nil(t, src)
			require.NotEmpty(t, err.Error())
			return
		}
		var staged [][]any
		for src.Next() {
			v, err := src.Values()
			require.NoError(t, err)
			staged = append(staged, slices.Clone(v))
		}
		require.NoError(t, src.Err(), "an in-memory file never fails to read")
		require.Contains(t, []string{"long", "wide"}, src.lay.format)

		// Problems: counted, capped, each on a real line with a message.
		require.GreaterOrEqual(t, src.perr.Total, len(src.perr.Problems))
		require.LessOrEqual(t, len(src.perr.Problems), maxProblems)
		for _, p := range src.perr.Problems {
			require.Positive(t, p.Line)
			require.NotEmpty(t, p.Msg)
		}

		// Staged rows: a named series, a timestamp, a finite value and
		// the data line it came from, in file order.
		lastLine := int32(1)
		names := map[string]bool{}
		byName := map[string][]time.Time{}
		for _, row := range staged {
			require.Len(t, row, 4)
			k, ok := row[0].(int32)
			require.True(t, ok)
			require.Less(t, int(k), len(src.names))
			name := src.names[k]
			require.NotEmpty(t, name)
			if src.lay.format == "long" {
				require.Equal(t, strings.TrimSpace(name), name)
			} else {
				require.NotEmpty(t, strings.TrimSpace(src.cols[k]), "a value column has a name")
				if asset != "" && !strings.Contains(asset, "{") {
					require.True(t, strings.HasPrefix(name, asset+"."))
				}
			}
			ts, ok := row[1].(time.Time)
			require.True(t, ok)
			require.Equal(t, time.UTC, ts.Location())
			require.False(t, ts.Before(src.first) || ts.After(src.last), "first and last bound the staged times")
			v, ok := row[2].(float64)
			require.True(t, ok)
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "value %v", v)
			line, ok := row[3].(int32)
			require.True(t, ok)
			require.GreaterOrEqual(t, line, lastLine, "rows stay in file order")
			require.Greater(t, line, int32(1), "the header is not data")
			lastLine = line
			names[name] = true
			byName[name] = append(byName[name], ts)
		}
		require.LessOrEqual(t, len(staged), src.rows*max(1, len(src.lay.cols)))
		require.Equal(t, len(staged), src.staged)

		// When every series runs in time order the duplicates were counted
		// while reading (the last row of a timestamp is kept in SQL), so
		// what is staged never goes back in time per series.
		if !src.unsorted {
			dups := 0
			for name, tss := range byName {
				for i := 1; i < len(tss); i++ {
					require.False(t, tss[i].Before(tss[i-1]), "%s: %s before %s", name, tss[i], tss[i-1])
					if tss[i].Equal(tss[i-1]) {
						dups++
					}
				}
			}
			require.Equal(t, src.dups.n, dups, "every repeated timestamp is counted")
		}
		iv := src.intervals()
		require.Len(t, iv, len(names), "one interval per staged series")
		for k, d := range iv {
			name := src.names[k]
			require.True(t, names[name], "interval for %q, which has no points", name)
			require.GreaterOrEqual(t, d, time.Duration(0))
		}

		// Nothing is lost: a file without problems stages every value cell
		// except the missing and infinite ones, which are counted.
		if src.perr.Total == 0 {
			require.Equal(t, valueCells(t, data, src), len(staged)+src.missing.n+src.nonFinite.n)
		}
	})
}

// valueCells counts the non-empty value cells of a well-formed import
// file, reading it independently of csvSource.
func valueCells(t *testing.T, data []byte, src *csvSource) int {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	_, err := cr.Read()
	require.NoError(t, err)
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n
		}
		require.NoError(t, err, "a file without problems is valid CSV")
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if src.lay.format == "long" {
			n++
			continue
		}
		for _, c := range src.lay.cols {
			if strings.TrimSpace(rec[c]) != "" {
				n++
			}
		}
	}
}
