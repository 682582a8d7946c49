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
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/csvmap"
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
	// Comma is the field separator read (csvmap.SniffFormat) and
	// DecimalComma whether numbers were read with a decimal comma.
	Comma        rune
	DecimalComma bool
	// UnitsRow is the data row read as a units or description row and set
	// aside (Slot −1, no time), or −1.
	UnitsRow int
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
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(16 << 10)
	comma, dec := csvmap.SniffFormat(head)
	cr := csv.NewReader(br)
	cr.Comma = comma
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
	// A units or description row under the header ("", "(m3/h)"): no
	// timestamp and no number in any column. Set aside and said so.
	var units *record
	if len(recs) > 1 && unitsRow(recs[0].fields) {
		units = &recs[0]
		recs = recs[1:]
	}
	tc, vc, err := chooseColumns(header, recs, opt, dec)
	if err != nil {
		return nil, fmt.Errorf("csvmodel: read: %w", err)
	}
	t := &Table{ValueCol: header[vc], Comma: comma, DecimalComma: dec, UnitsRow: -1}
	if units != nil {
		// Kept as a row (the commands write one output row per input
		// row), set aside from the series.
		t.UnitsRow = 0
		t.RawValues = append(t.RawValues, units.fields[vc])
		if tc >= 0 {
			t.RawTimes = append(t.RawTimes, units.fields[tc])
			t.Times = append(t.Times, time.Time{})
		}
	}
	if tc >= 0 {
		t.TimeCol = header[tc]
	}
	pts := make([]clean.Point, 0, len(recs))
	last := "" // the layout that parsed the previous timestamp, tried first
	for _, rec := range recs {
		raw := rec.fields[vc]
		v, cell := clean.ParseValueIn(raw, dec)
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
	if units != nil {
		t.Slot = append([]int{-1}, t.Slot...)
	}
	var notes []clean.Warning
	if comma != ',' {
		msg := fmt.Sprintf("columns separated by %q", string(comma))
		if dec {
			msg += ", numbers written with a decimal comma (50,64 read as 50.64)"
		}
		notes = append(notes, clean.Warning{Kind: WarnFormat, Count: 1, Msg: msg})
	}
	if units != nil {
		notes = append(notes, clean.Warning{Kind: WarnUnitsRow, Count: 1, Line: units.line,
			Msg: fmt.Sprintf("a units or description row (%s) under the header, set aside", strings.Join(slices.DeleteFunc(slices.Clone(units.fields), func(f string) bool { return f == "" }), ", "))})
	}
	t.Report.Warnings = append(notes, t.Report.Warnings...)
	t.Grid = predict.Series{Values: al.Values, Times: al.Times}
	return t, nil
}

// Warning kinds of the reading itself (package clean's are the policy's).
const (
	// WarnFormat: the file is not comma-separated, or writes decimal commas.
	WarnFormat = "format"
	// WarnUnitsRow: a units row under the header was set aside.
	WarnUnitsRow = "units_row"
)

// unitsRow reports whether a first data row is a units or description
// row: something written, but no timestamp and no number anywhere.
func unitsRow(fields []string) bool {
	written := false
	for _, f := range fields {
		if f == "" {
			continue
		}
		written = true
		if _, _, ok := clean.ParseTime(f, ""); ok {
			return false
		}
		if _, cell := clean.ParseValue(f); cell != clean.Unreadable {
			return false // a number, or a missing value or status word of a reading
		}
	}
	return written
}

// chooseColumns resolves the time and value columns (time −1 when none).
func chooseColumns(header []string, recs []record, opt ReadOptions, dec bool) (tc, vc int, err error) {
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
		if tc < 0 {
			rows := make([][]string, len(recs))
			for i, rec := range recs {
				rows[i] = rec.fields
			}
			tc = clean.TimeColumn(header, rows)
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
	// with at least one number, is the value column; failing that, the
	// column mostly of numbers (a few bad cells, which are then reported
	// by line, as for a column named: "line 3: bad number "abc"").
	mostly, most := -1, 0
	for c := range header {
		if c == tc {
			continue
		}
		nums, bad := 0, 0
		for _, rec := range recs[:min(len(recs), 50)] {
			switch _, cell := clean.ParseValueIn(rec.fields[c], dec); cell {
			case clean.Unreadable:
				bad++
			case clean.Number:
				nums++
			}
		}
		if nums > 0 && bad == 0 {
			return tc, c, nil
		}
		if nums > bad && nums > most {
			mostly, most = c, nums
		}
	}
	if mostly >= 0 {
		return tc, mostly, nil
	}
	return 0, 0, fmt.Errorf("no numeric column in header %q (name one with the value column option): %w", header, ErrMalformed)
}
