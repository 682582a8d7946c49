// Package csvmodel runs Gemba's predictive models on CSV files: the core of
// `gemba model detect` and `gemba model forecast`, which data scientists use
// to check the models on their own data.
//
// The input is a CSV file with a header row. A timestamp column is optional:
// without one the rows are a regularly spaced series. Problems in the file
// (bad numbers, bad or duplicate timestamps, rows out of order, rows with the
// wrong number of fields) are all reported at once, with their line numbers,
// in a *ParseError. Gaps in the timestamps (missing intervals, judged against
// the median spacing) are filled with missing values for the models, so the
// points after a gap keep their true position; the output still has exactly
// one row per input row.
package csvmodel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// ErrMalformed is matched (errors.Is) by every *ParseError.
var ErrMalformed = errors.New("malformed CSV")

// maxProblems caps how many problems a ParseError lists; the rest are counted.
const maxProblems = 20

// maxGapFactor bounds the filled grid at this many slots per input row (plus
// a fixed allowance), so one absurd timestamp cannot allocate gigabytes.
const maxGapFactor = 100

// Problem is one defect in the input, at a 1-based line of the file.
type Problem struct {
	// Line is the 1-based line number in the file (the header is line 1).
	Line int
	// Msg says what is wrong.
	Msg string
}

// ParseError lists the problems found in a CSV file (at most 20) and counts
// the rest, so a user can fix a file in one pass.
type ParseError struct {
	// Problems are the first problems found, in file order.
	Problems []Problem
	// More counts the problems not listed.
	More int
}

// Error lists every problem on its own line.
func (e *ParseError) Error() string {
	var b strings.Builder
	n := len(e.Problems) + e.More
	fmt.Fprintf(&b, "%d problem", n)
	if n != 1 {
		b.WriteString("s")
	}
	b.WriteString(" in CSV input:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.More)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

func (e *ParseError) add(line int, format string, args ...any) {
	if len(e.Problems) < maxProblems {
		e.Problems = append(e.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
		return
	}
	e.More++
}

// ReadOptions choose the columns. Empty names pick the defaults: the time
// column is one named timestamp, time, datetime or date (any case), if
// present; the value column is the first numeric column that is not the
// time column.
type ReadOptions struct {
	// TimeCol names the timestamp column; "" uses the default.
	TimeCol string
	// ValueCol names the value column; "" uses the default.
	ValueCol string
}

// Table is a parsed CSV series.
type Table struct {
	// TimeCol is the timestamp column used, "" when the file has none.
	TimeCol string
	// ValueCol is the value column used.
	ValueCol string
	// RawTimes and RawValues are the input cells, one per data row, trimmed.
	RawTimes, RawValues []string
	// Times are the parsed timestamps, one per data row (nil without a time column).
	Times []time.Time
	// Layout is the time layout the timestamps were written in: the most
	// precise one when rows mix them (midnight written as a bare date), so
	// that forecast timestamps in it keep their time of day.
	Layout string
	// Step is the sampling interval: the most common spacing of the timestamps
	// (zero without a time column).
	Step time.Duration
	// Grid is the regularly spaced series the models see: one slot per
	// interval from the first timestamp to the last, NaN where no row
	// (or an empty value) fills it.
	Grid predict.Series
	// Slot maps each data row to its index in Grid.
	Slot []int
}

var timeNames = []string{"timestamp", "time", "datetime", "date"}

// layouts are the timestamp formats accepted, most specific first.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// parseTime parses s trying the last successful layout first.
func parseTime(s, last string) (time.Time, string, bool) {
	if last != "" {
		if t, err := time.Parse(last, s); err == nil {
			return t, last, true
		}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, l, true
		}
	}
	return time.Time{}, last, false
}

// parseValue parses a numeric cell; empty, NaN, NA and null are a missing
// value (ok, NaN), anything else unparsable or infinite is an error.
func parseValue(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "", "nan", "na", "n/a", "null", "none":
		return math.NaN(), true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

type record struct {
	line   int
	fields []string
}

// Read parses a CSV series from r. Every problem is collected into one
// *ParseError; a file without a usable header or value column fails at once.
func Read(r io.Reader, opt ReadOptions) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("csvmodel: read: empty input, want a header row: %w", ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("csvmodel: read header: %w: %w", ErrMalformed, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	pe := &ParseError{}
	var recs []record
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			pe.add(perr.Line, "%v", perr.Err)
			// A quoting error leaves the reader's position uncertain, so
			// stop here rather than report a cascade of bogus problems.
			break
		}
		if err != nil {
			return nil, fmt.Errorf("csvmodel: read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" && len(header) > 1 {
			continue // a blank line
		}
		if len(fields) != len(header) {
			pe.add(line, "has %d fields, the header has %d", len(fields), len(header))
			continue
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		recs = append(recs, record{line: line, fields: fields})
	}
	tc, vc, err := chooseColumns(header, recs, opt)
	if err != nil {
		return nil, fmt.Errorf("csvmodel: read: %w", err)
	}
	t := &Table{ValueCol: header[vc]}
	if tc >= 0 {
		t.TimeCol = header[tc]
	}
	values := make([]float64, 0, len(recs))
	lines := make([]int, 0, len(recs))
	last := "" // the layout that parsed the previous timestamp, tried first
	for _, rec := range recs {
		raw := rec.fields[vc]
		v, ok := parseValue(raw)
		if !ok {
			pe.add(rec.line, "bad number %q in column %q", raw, t.ValueCol)
		}
		var ts time.Time
		if tc >= 0 {
			rawT := rec.fields[tc]
			var okT bool
			var layout string
			ts, layout, okT = parseTime(rawT, last)
			if okT {
				last = layout
				if t.Layout == "" || slices.Index(layouts, layout) < slices.Index(layouts, t.Layout) {
					t.Layout = layout
				}
			}
			if !okT {
				pe.add(rec.line, "bad timestamp %q in column %q", rawT, t.TimeCol)
				continue
			}
			if n := len(t.Times); n > 0 {
				prev := t.Times[n-1]
				switch {
				case ts.Equal(prev):
					pe.add(rec.line, "duplicate timestamp %q (line %d has the same)", rawT, lines[n-1])
					continue
				case ts.Before(prev):
					pe.add(rec.line, "timestamp %q is out of order (before line %d)", rawT, lines[n-1])
					continue
				}
			}
			t.Times = append(t.Times, ts)
			t.RawTimes = append(t.RawTimes, rawT)
		}
		t.RawValues = append(t.RawValues, raw)
		values = append(values, v)
		lines = append(lines, rec.line)
	}
	if len(pe.Problems) > 0 {
		return nil, fmt.Errorf("csvmodel: read: %w", pe)
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("csvmodel: read: no data rows: %w", predict.ErrTooShort)
	}
	if err := t.grid(values, lines); err != nil {
		return nil, fmt.Errorf("csvmodel: read: %w", err)
	}
	return t, nil
}

// chooseColumns resolves the time and value columns (time −1 when none).
func chooseColumns(header []string, recs []record, opt ReadOptions) (tc, vc int, err error) {
	find := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(h, name) {
				return i
			}
		}
		return -1
	}
	tc = -1
	if opt.TimeCol != "" {
		if tc = find(opt.TimeCol); tc < 0 {
			return 0, 0, fmt.Errorf("no time column %q in header %q: %w", opt.TimeCol, header, ErrMalformed)
		}
	} else {
		for _, name := range timeNames {
			if tc = find(name); tc >= 0 {
				break
			}
		}
	}
	if opt.ValueCol != "" {
		if vc = find(opt.ValueCol); vc < 0 {
			return 0, 0, fmt.Errorf("no value column %q in header %q: %w", opt.ValueCol, header, ErrMalformed)
		}
		if vc == tc {
			return 0, 0, fmt.Errorf("value column %q is also the time column: %w", opt.ValueCol, ErrMalformed)
		}
		return tc, vc, nil
	}
	// The first column whose first cells (up to 50) are numbers or empty,
	// with at least one number, is the value column.
	for c := range header {
		if c == tc {
			continue
		}
		nums, bad := 0, 0
		for _, rec := range recs[:min(len(recs), 50)] {
			v, ok := parseValue(rec.fields[c])
			switch {
			case !ok:
				bad++
			case !math.IsNaN(v):
				nums++
			}
		}
		if nums > 0 && bad == 0 {
			return tc, c, nil
		}
	}
	return 0, 0, fmt.Errorf("no numeric column in header %q (name one with the value column option): %w", header, ErrMalformed)
}

// grid lays the rows on a regular grid. Without timestamps each row is one
// slot. With timestamps the interval is the median spacing; each row goes
// to the slot nearest its offset from the first row, and rows that would
// share a slot (spacing well under the interval) are reported, because
// silently merging or shifting them would misplace data.
func (t *Table) grid(values []float64, lines []int) error {
	n := len(values)
	t.Slot = make([]int, n)
	if t.Times == nil {
		for i := range t.Slot {
			t.Slot[i] = i
		}
		t.Grid = predict.Series{Values: values}
		return nil
	}
	if n > 1 { // one row has no spacing
		t.Step = predict.CommonStep(t.Times)
	}
	if n == 1 || t.Step <= 0 {
		t.Grid = predict.Series{Values: values, Times: t.Times}
		for i := range t.Slot {
			t.Slot[i] = i
		}
		return nil
	}
	pe := &ParseError{}
	t0 := t.Times[0]
	limit := maxGapFactor*n + 100_000
	for i, ts := range t.Times {
		off := ts.Sub(t0)
		slot := int(math.Round(float64(off) / float64(t.Step)))
		if slot > limit {
			pe.add(lines[i], "timestamp %q is %d intervals of %v after the first row: too large a gap", t.RawTimes[i], slot, t.Step)
			break
		}
		if i > 0 && slot <= t.Slot[i-1] {
			pe.add(lines[i], "timestamp %q is less than one interval (%v) after line %d: irregular sampling", t.RawTimes[i], t.Step, lines[i-1])
		}
		t.Slot[i] = slot
	}
	if len(pe.Problems) > 0 {
		return pe
	}
	size := t.Slot[n-1] + 1
	g := make([]float64, size)
	ts := make([]time.Time, size)
	for k := range g {
		g[k] = math.NaN()
		ts[k] = t0.Add(time.Duration(k) * t.Step)
	}
	for i, s := range t.Slot {
		g[s] = values[i]
		ts[s] = t.Times[i]
	}
	t.Grid = predict.Series{Values: g, Times: ts}
	return nil
}
