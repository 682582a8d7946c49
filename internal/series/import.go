package series

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gemba-ai/gemba/internal/predict/clean"
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
	// Warnings are the repairs the input-cleaning policy made (package
	// predict/clean): missing and infinite values skipped, duplicate
	// (series, timestamp) pairs resolved to the last row of the file.
	Warnings []clean.Warning `json:"warnings,omitempty"`
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

// ParseTime reads a timestamp in the usual CSV spellings (RFC 3339, ISO
// without zone — taken as UTC —, US dates, Unix seconds): the layouts of
// the one input-cleaning policy, package predict/clean.
func ParseTime(s string) (time.Time, error) {
	if t, _, ok := clean.ParseTime(s, ""); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", strings.TrimSpace(s))
}

// Import reads a CSV file in long form (header with series, timestamp and
// value columns) or wide form (a timestamp column and one column per
// sensor) and upserts its points in one transaction, under the one
// input-cleaning policy of package predict/clean: only unreadable lines (a
// bad number or timestamp, the wrong number of fields) are errors, all
// reported in an *ImportError with their line numbers, and then nothing is
// written; empty cells of a wide file are missing readings and skipped,
// missing markers (NaN, NA, null…) and infinite values are skipped and
// counted, and a (series, timestamp) pair repeated in the file keeps its
// last row, counted; the counts come back as ImportResult.Warnings.
//
// The file is streamed: rows go through COPY into a temporary staging
// table as they are read (with their line numbers) and one INSERT … ON
// CONFLICT moves the points into place. Duplicates and sampling intervals
// are tracked while reading when each series runs in time order (the
// usual case), else found in SQL on the staging table. Memory stays flat
// however large the file.
func (st *Store) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportResult, error) {
	src, err := newCSVSource(r, opt)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w: %w", ErrBadFile, err)
	}
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_stage
(name text NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, line integer NOT NULL) ON COMMIT DROP`); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: stage: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_stage`); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: stage: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, []string{"name", "ts", "value", "line"}, src); err != nil {
		if src.fatal != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w: %w", ErrBadFile, src.fatal)
		}
		return ImportResult{}, fmt.Errorf("series: import: copy: %w", err)
	}
	if src.unsorted {
		n, line, err := countDuplicates(ctx, tx)
		if err != nil {
			return ImportResult{}, err
		}
		src.dups.n, src.dups.line = n, line
	}
	if src.perr.Total > 0 {
		sort.SliceStable(src.perr.Problems, func(i, j int) bool { return src.perr.Problems[i].Line < src.perr.Problems[j].Line })
		if len(src.perr.Problems) > maxProblems {
			src.perr.Problems = src.perr.Problems[:maxProblems]
		}
		return ImportResult{}, fmt.Errorf("series: import: %w", src.perr)
	}
	res := ImportResult{Format: src.format, Rows: src.rows, Warnings: src.warnings()}
	intervals := src.intervals()
	if src.unsorted {
		if intervals, err = stagedIntervals(ctx, tx); err != nil {
			return ImportResult{}, err
		}
	}
	if len(intervals) == 0 {
		return res, fmt.Errorf("series: import: %w: the file has no data rows", ErrBadFile)
	}
	// Before any series row is touched (so this transaction holds no lock a
	// partition's creation on another connection could wait for): refuse
	// history past the retention, and make the partitions the points go to.
	var lo, hi time.Time
	if err := tx.QueryRow(ctx, `SELECT min(ts), max(ts) FROM import_stage`).Scan(&lo, &hi); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	if err := st.checkRetention([]Row{{TS: lo}}); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	if err := st.ensureRange(ctx, lo, hi); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	// Points of these series still waiting in the tail (a connector's) are
	// folded first, so the file's points win over them.
	if err := st.foldNames(ctx, slices.Collect(maps.Keys(intervals))); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	txs := st.On(tx)
	// Series rows are upserted in name order, so that two imports of
	// overlapping files lock them in the same order and cannot deadlock.
	for _, name := range slices.Sorted(maps.Keys(intervals)) {
		desc := describe(name, opt)
		desc.Interval = intervals[name]
		if _, err := txs.Upsert(ctx, desc); err != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w", err)
		}
		res.Series = append(res.Series, name)
	}
	sort.Strings(res.Series)
	if res.Points, err = moveStaged(ctx, tx); err != nil {
		return ImportResult{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: commit: %w", err)
	}
	return res, nil
}

// importBatch is how many staged points one merge into blocks takes:
// memory stays flat however large the file.
const importBatch = 250_000

// moveStaged merges the staged points into the blocks of their series, a
// batch at a time through a cursor in series and time order.
func moveStaged(ctx context.Context, tx pgx.Tx) (int64, error) {
	// Statistics let the planner hash-join the staged names.
	if _, err := tx.Exec(ctx, `ANALYZE import_stage`); err != nil {
		return 0, fmt.Errorf("series: import: analyze: %w", err)
	}
	// A (series, timestamp) pair repeated in the file keeps its last row,
	// as the cleaning policy says (a resend or a correction supersedes).
	if _, err := tx.Exec(ctx, `DECLARE import_points NO SCROLL CURSOR FOR
SELECT DISTINCT ON (s.id, i.ts) s.id, i.ts, i.value FROM import_stage i JOIN series s ON s.name = i.name
ORDER BY s.id, i.ts, i.line DESC`); err != nil {
		return 0, fmt.Errorf("series: import: %w", err)
	}
	var total int64
	batch := make([]Row, 0, importBatch)
	for {
		rows, err := tx.Query(ctx, fmt.Sprintf(`FETCH %d FROM import_points`, importBatch))
		if err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		batch = batch[:0]
		for rows.Next() {
			var r Row
			if err := rows.Scan(&r.SeriesID, &r.TS, &r.Value); err != nil {
				rows.Close()
				return 0, fmt.Errorf("series: import: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if err := writeRows(ctx, tx, batch, false); err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		total += int64(len(batch))
	}
	if _, err := tx.Exec(ctx, `CLOSE import_points`); err != nil {
		return 0, fmt.Errorf("series: import: %w", err)
	}
	return total, nil
}

// countDuplicates counts the staged rows that a later row of the same
// (series, timestamp) supersedes, and the first line of one.
func countDuplicates(ctx context.Context, tx pgx.Tx) (n, line int, err error) {
	err = tx.QueryRow(ctx, `
SELECT count(*), COALESCE(min(line), 0) FROM (
  SELECT line, max(line) OVER (PARTITION BY name, ts) AS last_line FROM import_stage
) d WHERE line <> last_line`).Scan(&n, &line)
	if err != nil {
		return 0, 0, fmt.Errorf("series: import: duplicates: %w", err)
	}
	return n, line, nil
}

// stagedIntervals returns each staged series with its median spacing.
func stagedIntervals(ctx context.Context, tx pgx.Tx) (map[string]time.Duration, error) {
	rows, err := tx.Query(ctx, `
SELECT name, COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY d) FILTER (WHERE d > interval '0'), interval '0')
FROM (SELECT name, ts - lag(ts) OVER (PARTITION BY name ORDER BY ts) AS d FROM import_stage) x
GROUP BY name`)
	if err != nil {
		return nil, fmt.Errorf("series: import: intervals: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Duration{}
	for rows.Next() {
		var name string
		var iv pgtype.Interval
		if err := rows.Scan(&name, &iv); err != nil {
			return nil, fmt.Errorf("series: import: intervals: %w", err)
		}
		out[name] = time.Duration(iv.Microseconds)*time.Microsecond + time.Duration(iv.Days)*24*time.Hour
	}
	return out, rows.Err()
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

// csvSource streams the data rows of an import file to COPY: one staged
// row per value, malformed rows recorded as problems and skipped.
type csvSource struct {
	cr       *csv.Reader
	long     bool
	tcol     int
	scol     int
	vcol     int
	cols     []int
	colNames []string
	nfields  int
	format   string

	perr    *ImportError
	fatal   error
	rows    int
	pending [][]any
	cur     []any

	// Per series, while the file runs in time order: the last timestamp
	// and its line (adjacent duplicates are caught here) and a histogram of
	// spacings (the interval). An out-of-order series leaves the duplicate
	// and interval checks to SQL on the staging table.
	track    map[string]*seriesTrack
	unsorted bool

	// Repairs of the cleaning policy: values skipped as missing or
	// infinite, rows superseded by a later one with the same timestamp.
	missing, nonFinite, dups tally
}

// tally counts one kind of repair and its first line.
type tally struct{ n, line int }

func (t *tally) add(line int) {
	if t.n == 0 || line < t.line {
		t.line = line
	}
	t.n++
}

// warnings reports the repairs as the cleaning policy words them.
func (s *csvSource) warnings() []clean.Warning {
	var out []clean.Warning
	if s.missing.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnMissing, Count: s.missing.n, Line: s.missing.line,
			Msg: fmt.Sprintf("%d empty or missing value(s) skipped (no point written)", s.missing.n)})
	}
	if s.nonFinite.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnNonFinite, Count: s.nonFinite.n, Line: s.nonFinite.line,
			Msg: fmt.Sprintf("%d infinite value(s) skipped", s.nonFinite.n)})
	}
	if s.dups.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnDuplicate, Count: s.dups.n, Line: s.dups.line,
			Msg: fmt.Sprintf("%d row(s) repeat the series and timestamp of a later row; the last row of the file is used", s.dups.n)})
	}
	return out
}

type seriesTrack struct {
	last     time.Time
	lastLine int
	steps    map[time.Duration]int
}

// maxStepKinds caps the spacing histogram of one series.
const maxStepKinds = 256

func (s *csvSource) observe(name string, ts time.Time, line int) bool {
	tr := s.track[name]
	if tr == nil {
		s.track[name] = &seriesTrack{last: ts, lastLine: line, steps: map[time.Duration]int{}}
		return true
	}
	d := ts.Sub(tr.last)
	switch {
	case d == 0:
		s.dups.add(tr.lastLine) // the later row supersedes the earlier
	case d < 0:
		s.unsorted = true
	default:
		if _, ok := tr.steps[d]; ok || len(tr.steps) < maxStepKinds {
			tr.steps[d]++
		}
	}
	tr.last, tr.lastLine = ts, line
	return true
}

// intervals returns each series with its median spacing (from the
// histogram, for files in time order).
func (s *csvSource) intervals() map[string]time.Duration {
	out := make(map[string]time.Duration, len(s.track))
	for name, tr := range s.track {
		ds := make([]time.Duration, 0, len(tr.steps))
		total := 0
		for d, n := range tr.steps {
			ds = append(ds, d)
			total += n
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		acc, med := 0, time.Duration(0)
		for _, d := range ds {
			acc += tr.steps[d]
			if 2*acc >= total {
				med = d
				break
			}
		}
		out[name] = med
	}
	return out
}

func newCSVSource(r io.Reader, opt ImportOptions) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file")
	}
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	s := &csvSource{cr: cr, perr: &ImportError{}, nfields: len(header), track: map[string]*seriesTrack{}}
	s.tcol = findCol(header, timeHeaders)
	if s.tcol < 0 {
		return nil, fmt.Errorf("line 1: no timestamp column (expected one of %s) in header %q", strings.Join(timeHeaders, ", "), strings.Join(header, ","))
	}
	s.scol = findCol(header, seriesHeaders)
	s.vcol = findCol(header, []string{"value"})
	s.long = s.scol >= 0 && s.vcol >= 0 && opt.Asset == ""
	s.format = "wide"
	if s.long {
		s.format = "long"
		return s, nil
	}
	for i, h := range header {
		if i == s.tcol {
			continue
		}
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("line 1: column %d has no name", i+1)
		}
		name := h
		if opt.Asset != "" {
			name = opt.Asset + "." + h
		}
		s.cols = append(s.cols, i)
		s.colNames = append(s.colNames, name)
	}
	if len(s.cols) == 0 {
		return nil, errors.New("line 1: no value columns besides the timestamp")
	}
	return s, nil
}

// Next reads records until one yields a value to stage.
func (s *csvSource) Next() bool {
	for len(s.pending) == 0 {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				s.perr.add(pe.Line, "%v", pe.Err)
				continue
			}
			s.fatal = err
			return false
		}
		// Only a record read without error is sure to have field
		// positions: FieldPos panics after a quoting error in its first
		// field.
		line, _ := s.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		s.rows++
		if len(rec) != s.nfields {
			s.perr.add(line, "has %d fields, the header has %d", len(rec), s.nfields)
			continue
		}
		ts, err := ParseTime(rec[s.tcol])
		if err != nil {
			s.perr.add(line, "%v", err)
			continue
		}
		add := func(name, cell string) {
			v, kind := clean.ParseValue(cell)
			switch kind {
			case clean.Unreadable:
				s.perr.add(line, "%s: bad number %q", name, cell)
				return
			case clean.Missing:
				s.missing.add(line)
				return
			case clean.NonFinite:
				s.nonFinite.add(line)
				return
			}
			if !s.observe(name, ts, line) {
				return
			}
			s.pending = append(s.pending, []any{name, ts, v, int32(line)})
		}
		if s.long {
			name := strings.TrimSpace(rec[s.scol])
			if name == "" {
				s.perr.add(line, "empty series name")
				continue
			}
			add(name, rec[s.vcol])
			continue
		}
		for j, c := range s.cols {
			if strings.TrimSpace(rec[c]) == "" {
				continue // a missing reading in a wide file: not a repair
			}
			add(s.colNames[j], rec[c])
		}
	}
	s.cur, s.pending = s.pending[0], s.pending[1:]
	return true
}

// Values returns the current staged row.
func (s *csvSource) Values() ([]any, error) { return s.cur, nil }

// Err reports a failure to read the input (not a malformed row).
func (s *csvSource) Err() error { return s.fatal }
