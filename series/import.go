package series

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ImportOptions describe the series of a CSV file.
type ImportOptions struct {
	// Asset, for a wide file, names the machine its columns belong to: the
	// column "vibration" becomes the series "<asset>.vibration". Without it
	// the column headers are the series names.
	Asset string
	// Site and Line place the imported series in the plant.
	Site, Line string
	// Unit is the unit of every imported series unless Units names one.
	Unit string
	// Units maps a sensor or series name to its unit.
	Units map[string]string
	// Source tags the series (empty for user imports).
	Source string
}

// ImportResult reports what an import wrote.
type ImportResult struct {
	// Format is "long" or "wide".
	Format string `json:"format"`
	// Series are the names of the series written, sorted.
	Series []string `json:"series"`
	// Rows is the number of data rows read.
	Rows int `json:"rows"`
	// Points is the number of points written (inserted or replaced).
	Points int64 `json:"points"`
}

// Problem is one malformed line of an import file.
type Problem struct {
	// Line is the 1-based line number in the file (the header is line 1).
	Line int `json:"line"`
	// Msg says what is wrong.
	Msg string `json:"msg"`
}

// ImportError lists the malformed lines of a file that was not imported.
type ImportError struct {
	// Problems are the first problems found, in line order.
	Problems []Problem
	// Total counts all problems (Problems is capped).
	Total int
}

// ErrBadFile marks an import file that cannot be read as a series CSV
// (no header, no timestamp column, malformed rows); *ImportError matches it.
var ErrBadFile = errors.New("bad series file")

// Is makes errors.Is(err, ErrBadFile) true.
func (e *ImportError) Is(target error) bool { return target == ErrBadFile }

// maxProblems caps the problems kept in an ImportError.
const maxProblems = 20

// Error lists the problems, one per line.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d malformed row(s), nothing imported", e.Total)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
	}
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, "\n  … and %d more", e.Total-len(e.Problems))
	}
	return b.String()
}

func (e *ImportError) add(line int, format string, args ...any) {
	e.Total++
	if len(e.Problems) < maxProblems {
		e.Problems = append(e.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

var (
	timeHeaders   = []string{"timestamp", "time", "ts", "datetime", "date"}
	seriesHeaders = []string{"series", "name", "series_name", "sensor"}
)

func findCol(header []string, names []string) int {
	for _, n := range names {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), n) {
				return i
			}
		}
	}
	return -1
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05-07",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"1/2/2006 15:04:05",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04",
}

// ParseTime reads a timestamp in the usual CSV spellings (RFC 3339, ISO
// without zone — taken as UTC —, US dates, Unix seconds).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1e8 && f < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", s)
}

func parseValue(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return v, nil
}

type parsedPoint struct {
	ts time.Time
	v  float64
}

// Import reads a CSV file in long form (header with series, timestamp and
// value columns) or wide form (a timestamp column and one column per
// sensor) and upserts its points in one transaction. Empty cells of a wide
// file are missing readings and are skipped. Malformed rows (bad numbers,
// bad timestamps, a (series, timestamp) pair repeated in the file) are
// all reported in an *ImportError with their line numbers, and nothing is
// written.
func (st *Store) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportResult, error) {
	data, format, perr, err := parseCSV(r, opt)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w: %w", ErrBadFile, err)
	}
	if perr.Total > 0 {
		return ImportResult{}, fmt.Errorf("series: import: %w", perr)
	}
	res := ImportResult{Format: format, Rows: data.rows}
	if len(data.points) == 0 {
		return res, fmt.Errorf("series: import: %w: the file has no data rows", ErrBadFile)
	}

	tx, err := st.db.Begin(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	txs := New(tx)
	var rows []Row
	names := make([]string, 0, len(data.points))
	for name := range data.points {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pts := data.points[name]
		desc := describe(name, opt)
		desc.Interval = inferInterval(pts)
		s, err := txs.Upsert(ctx, desc)
		if err != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w", err)
		}
		for _, p := range pts {
			rows = append(rows, Row{SeriesID: s.ID, TS: p.ts, Value: p.v})
		}
	}
	n, err := upsertPoints(ctx, tx, rows)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: commit: %w", err)
	}
	res.Series = names
	res.Points = n
	return res, nil
}

type parsed struct {
	points map[string][]parsedPoint
	rows   int
}

// describe fills the plant fields of a series from its name and the options.
func describe(name string, opt ImportOptions) Series {
	s := Series{Name: name, Site: opt.Site, Line: opt.Line, Source: opt.Source, Kind: KindSensor}
	asset, sensor := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		asset, sensor = name[:i], name[i+1:]
	}
	if opt.Asset != "" {
		asset = opt.Asset
	}
	s.Asset, s.Sensor = asset, sensor
	switch sensor {
	case "output":
		s.Kind, s.Asset, s.Line = KindProduction, "", firstNonEmpty(opt.Line, asset)
	case "plan":
		s.Kind, s.Asset, s.Line = KindPlan, "", firstNonEmpty(opt.Line, asset)
	}
	s.Unit = opt.Unit
	if u, ok := opt.Units[name]; ok {
		s.Unit = u
	} else if u, ok := opt.Units[sensor]; ok {
		s.Unit = u
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// inferInterval is the median spacing of the points.
func inferInterval(pts []parsedPoint) time.Duration {
	if len(pts) < 2 {
		return 0
	}
	ts := make([]time.Time, len(pts))
	for i, p := range pts {
		ts[i] = p.ts
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	d := make([]time.Duration, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		if g := ts[i].Sub(ts[i-1]); g > 0 {
			d = append(d, g)
		}
	}
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[(len(d)-1)/2]
}

func parseCSV(r io.Reader, opt ImportOptions) (parsed, string, *ImportError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	perr := &ImportError{}
	out := parsed{points: map[string][]parsedPoint{}}
	header, err := cr.Read()
	if err == io.EOF {
		return out, "", nil, errors.New("empty file")
	}
	if err != nil {
		return out, "", nil, fmt.Errorf("line 1: %w", err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	tcol := findCol(header, timeHeaders)
	if tcol < 0 {
		return out, "", nil, fmt.Errorf("line 1: no timestamp column (expected one of %s) in header %q", strings.Join(timeHeaders, ", "), strings.Join(header, ","))
	}
	scol := findCol(header, seriesHeaders)
	vcol := findCol(header, []string{"value"})
	long := scol >= 0 && vcol >= 0 && opt.Asset == ""
	format := "wide"
	if long {
		format = "long"
	}
	var cols []int // wide: data columns
	var colNames []string
	if !long {
		for i, h := range header {
			if i == tcol {
				continue
			}
			h = strings.TrimSpace(h)
			if h == "" {
				return out, "", nil, fmt.Errorf("line 1: column %d has no name", i+1)
			}
			name := h
			if opt.Asset != "" {
				name = opt.Asset + "." + h
			}
			cols = append(cols, i)
			colNames = append(colNames, name)
		}
		if len(cols) == 0 {
			return out, "", nil, errors.New("line 1: no value columns besides the timestamp")
		}
	}
	type key struct {
		name string
		ts   int64
	}
	seen := map[key]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				perr.add(pe.Line, "%v", pe.Err)
				continue
			}
			return out, "", nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		out.rows++
		if len(rec) != len(header) {
			perr.add(line, "has %d fields, the header has %d", len(rec), len(header))
			continue
		}
		ts, err := ParseTime(rec[tcol])
		if err != nil {
			perr.add(line, "%v", err)
			continue
		}
		add := func(name, cell string) {
			v, err := parseValue(cell)
			if err != nil {
				perr.add(line, "%s: %v", name, err)
				return
			}
			k := key{name, ts.UnixNano()}
			if prev, dup := seen[k]; dup {
				perr.add(line, "duplicate timestamp %s for %s (first on line %d)", ts.Format(time.RFC3339), name, prev)
				return
			}
			seen[k] = line
			out.points[name] = append(out.points[name], parsedPoint{ts, v})
		}
		if long {
			name := strings.TrimSpace(rec[scol])
			if name == "" {
				perr.add(line, "empty series name")
				continue
			}
			add(name, rec[vcol])
			continue
		}
		for j, c := range cols {
			if strings.TrimSpace(rec[c]) == "" {
				continue // a missing reading in a wide file
			}
			add(colNames[j], rec[c])
		}
	}
	return out, format, perr, nil
}
