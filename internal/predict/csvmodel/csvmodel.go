// Package csvmodel runs Gemba's predictive models on CSV files: the core of
// `gemba model detect` and `gemba model forecast`, which data scientists use
// to check the models on their own data.
//
// The input is a CSV file with a header row. A timestamp column is optional:
// without one the rows are a regularly spaced series. The file goes through
// the one input-cleaning policy of package clean: only lines that cannot be
// read (bad numbers or timestamps, the wrong number of fields) are errors,
// all reported at once with their line numbers in a *ParseError; duplicate
// timestamps, rows out of order, irregular sampling, gaps and missing values
// are repaired as the policy says and reported as warnings with counts
// (Table.Report). The output still has exactly one row per input row.
package csvmodel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// ErrMalformed is matched (errors.Is) by every *ParseError.
var ErrMalformed = errors.New("malformed CSV")

// maxProblems caps how many problems a ParseError lists; the rest are counted.
const maxProblems = 20

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
	// Step is the sampling interval (zero without a time column).
	Step time.Duration
	// Grid is the regularly spaced series the models see: one slot per
	// interval from the first timestamp to the last, NaN where no row
	// (or an empty value) fills it.
	Grid predict.Series
	// Slot maps each data row to its index in Grid (−1 for a row the
	// policy set aside).
	Slot []int
	// Report holds the cleaning policy's counts and warnings.
	Report clean.Report
}

var timeNames = []string{"timestamp", "time", "datetime", "date", "ts"}

type record struct {
	line   int
	fields []string
}

// Read parses a CSV series from r. Unreadable lines are collected into one
// *ParseError; a file without a usable header or value column fails at
// once. Everything readable is cleaned by package clean's policy.
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
	pts := make([]clean.Point, 0, len(recs))
	last := "" // the layout that parsed the previous timestamp, tried first
	for _, rec := range recs {
		raw := rec.fields[vc]
		v, cell := clean.ParseValue(raw)
		if cell == clean.Unreadable {
			pe.add(rec.line, "bad number %q in column %q", raw, t.ValueCol)
		}
		p := clean.Point{Line: rec.line, Value: v, Cell: cell}
		if tc >= 0 {
			rawT := rec.fields[tc]
			ts, layout, ok := clean.ParseTime(rawT, last)
			if !ok {
				pe.add(rec.line, "bad timestamp %q in column %q", rawT, t.TimeCol)
				continue
			}
			last = layout
			if t.Layout == "" || clean.MoreSpecific(layout, t.Layout) {
				t.Layout = layout
			}
			p.Time = ts
			t.Times = append(t.Times, ts)
			t.RawTimes = append(t.RawTimes, rawT)
		}
		t.RawValues = append(t.RawValues, raw)
		pts = append(pts, p)
	}
	if len(pe.Problems) > 0 {
		return nil, fmt.Errorf("csvmodel: read: %w", pe)
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("csvmodel: read: no data rows: %w", predict.ErrTooShort)
	}
	al := clean.Align(pts, clean.Options{Untimed: tc < 0})
	t.Step, t.Slot, t.Report = al.Step, al.Slot, al.Report
	t.Grid = predict.Series{Values: al.Values, Times: al.Times}
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
			switch _, cell := clean.ParseValue(rec.fields[c]); cell {
			case clean.Unreadable:
				bad++
			case clean.Number:
				nums++
			}
		}
		if nums > 0 && bad == 0 {
			return tc, c, nil
		}
	}
	return 0, 0, fmt.Errorf("no numeric column in header %q (name one with the value column option): %w", header, ErrMalformed)
}
