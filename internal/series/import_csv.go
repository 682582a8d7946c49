package series

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/csvmap"
	"github.com/gemba-ai/gemba/internal/predict/clean"
)

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

// layout is how the columns of an import file map to series.
type layout struct {
	format  string // "long", "wide" or "entity"
	header  []string
	nfields int
	tcol    int
	// long form: the series and value columns.
	scol, vcol int
	// wide and entity forms.
	entity int   // the entity column (-1: none)
	cols   []int // the value columns
	// asset and name build a value column's series (nil name: the header
	// is the series name; nil asset: the asset is read from the name).
	asset, name *template
	// keyCols are the columns the templates read; rowDependent is set when
	// there are any, so names are built per row (and cached per key).
	keyCols      []int
	rowDependent bool
	// assetFromName: the name template was given without an asset
	// template, so the asset is read from the name (asset.sensor), the
	// entity's default asset serving only {asset}.
	assetFromName bool
}

func newLayout(header []string, opt ImportOptions) (*layout, error) {
	lay := &layout{header: header, nfields: len(header), entity: -1, scol: -1, vcol: -1}
	cols := strings.Join(header, ", ")
	if opt.TimeColumn != "" {
		if lay.tcol = findHeader(header, opt.TimeColumn); lay.tcol < 0 {
			return nil, fmt.Errorf("line 1: no column %q for the timestamps (columns: %s)", opt.TimeColumn, cols)
		}
	} else if lay.tcol = findCol(header, timeHeaders); lay.tcol < 0 {
		return nil, fmt.Errorf("line 1: no timestamp column (expected one of %s, or name it with --time) in header %q", strings.Join(timeHeaders, ", "), strings.Join(header, ","))
	}
	if opt.Entity != "" {
		if lay.entity = findHeader(header, opt.Entity); lay.entity < 0 {
			return nil, fmt.Errorf("line 1: no entity column %q (columns: %s)", opt.Entity, cols)
		}
		if lay.entity == lay.tcol {
			return nil, fmt.Errorf("line 1: the entity column %q is the timestamp column", opt.Entity)
		}
	}
	scol, vcol := findCol(header, seriesHeaders), findCol(header, []string{"value"})
	templated := opt.Entity != "" || opt.Name != "" || strings.Contains(opt.Asset, "{")
	if scol >= 0 && vcol >= 0 && !templated && opt.Asset == "" && len(opt.Columns) == 0 {
		lay.format, lay.scol, lay.vcol = "long", scol, vcol
		return lay, nil
	}
	lay.format = "wide"
	if opt.Entity != "" {
		lay.format = "entity"
	}
	var err error
	switch {
	case strings.Contains(opt.Asset, "{"):
		if lay.asset, err = parseTemplate("--asset", opt.Asset, header, false); err != nil {
			return nil, err
		}
		if lay.asset.uses(refColumn) {
			return nil, fmt.Errorf("--asset %q: {column} names a sensor, not an asset; use it in --name", opt.Asset)
		}
	case opt.Asset != "":
		lay.asset = &template{src: opt.Asset, parts: []tplPart{{lit: opt.Asset, col: refLiteral}}}
	case opt.Entity != "":
		lay.asset = &template{src: "{" + header[lay.entity] + "}", parts: []tplPart{{col: lay.entity}}, prefixNumbers: entityPrefix(header[lay.entity])}
	}
	switch {
	case opt.Name != "":
		if lay.name, err = parseTemplate("--name", opt.Name, header, true); err != nil {
			return nil, err
		}
		if lay.name.uses(refAsset) && lay.asset == nil {
			return nil, fmt.Errorf("--name %q uses {asset}, but no --asset or --entity says what it is", opt.Name)
		}
		lay.assetFromName = opt.Asset == "" && !lay.name.uses(refAsset)
	case lay.asset != nil && opt.Entity != "" && scol >= 0 && vcol >= 0:
		// An entity file in long form (datetime,machineID,sensor,value).
		lay.name, _ = parseTemplate("--name", "{asset}.{"+header[scol]+"}", header, true)
	case lay.asset != nil:
		lay.name, _ = parseTemplate("--name", "{asset}.{column}", header, true)
	}
	keys := map[int]bool{}
	nameKeys := map[int]bool{} // the columns a series name depends on
	for _, t := range []*template{lay.asset, lay.name} {
		if t == nil || (t == lay.asset && lay.assetFromName) {
			continue
		}
		for _, c := range t.columns() {
			if c == lay.tcol {
				return nil, fmt.Errorf("%q reads the timestamp column %s", t.src, header[c])
			}
			keys[c] = true
			if t == lay.name || lay.name == nil || lay.name.uses(refAsset) {
				nameKeys[c] = true
			}
		}
	}
	if lay.entity >= 0 && !nameKeys[lay.entity] {
		return nil, fmt.Errorf("--name %q does not use the entity column %s (or {asset}): every machine's readings would land in the same series", lay.name.src, header[lay.entity])
	}
	if lay.entity >= 0 {
		keys[lay.entity] = true
	}
	for c := range keys {
		lay.keyCols = append(lay.keyCols, c)
	}
	sort.Ints(lay.keyCols)
	lay.rowDependent = len(lay.keyCols) > 0
	if len(opt.Columns) > 0 {
		for _, name := range opt.Columns {
			c := findHeader(header, name)
			switch {
			case c < 0:
				return nil, fmt.Errorf("--columns: no column %q (columns: %s)", name, cols)
			case c == lay.tcol || keys[c]:
				return nil, fmt.Errorf("--columns: %s is the timestamp or is read by a template, not a value column", name)
			}
			lay.cols = append(lay.cols, c)
		}
	} else {
		for i := range header {
			if i != lay.tcol && !keys[i] {
				lay.cols = append(lay.cols, i)
			}
		}
	}
	for _, c := range lay.cols {
		if strings.TrimSpace(header[c]) == "" {
			return nil, fmt.Errorf("line 1: column %d has no name", c+1)
		}
	}
	if len(lay.cols) == 0 {
		return nil, errors.New("line 1: no value columns besides the timestamp and the columns the templates read")
	}
	if lay.name != nil && !lay.name.uses(refColumn) && len(lay.cols) > 1 {
		names := make([]string, len(lay.cols))
		for i, c := range lay.cols {
			names[i] = header[c]
		}
		return nil, fmt.Errorf("--name %q has no {column}, but the file has %d value columns (%s): every column would land in one series; add {column} or pick one with --columns",
			lay.name.src, len(lay.cols), strings.Join(names, ", "))
	}
	return lay, nil
}

// csvSource streams the data rows of an import file to COPY: one staged
// row (k, ts, value, line) per reading, k the index of its series in
// names; malformed rows are recorded as problems and skipped.
type csvSource struct {
	cr  *csv.Reader
	lay *layout
	tp  timeParser
	// decimalComma: the file writes "50,64" for 50.64 (clean.SniffFormat).
	decimalComma bool

	perr    *ImportError
	fatal   error
	rows    int
	staged  int
	pending [][]any
	cur     []any

	// The series met so far, by staged key k: name, asset ("" when read
	// from the name) and the header of the column read (for messages).
	names  []string
	assets []string
	cols   []string
	index  map[string]int32
	// fixed holds the key of each value column when the names do not
	// depend on the row; byKey caches them per template key otherwise.
	fixed  []int32
	byKey  map[string][]int32
	keyBuf strings.Builder

	// Per series, while the file runs in time order: the last timestamp
	// and its line (adjacent duplicates are caught here) and a histogram of
	// spacings (the interval). An out-of-order series leaves the duplicate
	// and interval checks to SQL on the staging table.
	track    []*seriesTrack
	unsorted bool

	first, last time.Time

	// stats per value column (in lay.cols order) for the hints.
	stats []colStat

	// Repairs of the cleaning policy: values skipped as missing or
	// infinite, rows sharing a series and timestamp with another.
	missing, nonFinite, status, dups tally
}

// colStat describes a value column's cells, to recognise an entity id or
// a text column that is not a reading.
type colStat struct {
	numbers, unreadable int
	fractional          bool
	distinct            map[string]struct{}
}

// maxEntities caps the distinct values an entity column may have (and
// the values kept per column to find out).
const maxEntities = 1000

func (c *colStat) see(cell string, v float64, kind clean.Cell) {
	switch kind {
	case clean.Number:
		c.numbers++
		if v != math.Trunc(v) {
			c.fractional = true
		}
	case clean.Unreadable:
		c.unreadable++
	default:
		return
	}
	if len(c.distinct) <= maxEntities {
		c.distinct[strings.TrimSpace(cell)] = struct{}{}
	}
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
func (s *csvSource) warnings(policy DupPolicy) []clean.Warning {
	var out []clean.Warning
	if s.missing.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnMissing, Count: s.missing.n, Line: s.missing.line,
			Msg: fmt.Sprintf("%d empty or missing value(s) skipped (no point written)", s.missing.n)})
	}
	if s.nonFinite.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnNonFinite, Count: s.nonFinite.n, Line: s.nonFinite.line,
			Msg: fmt.Sprintf("%d infinite value(s) skipped", s.nonFinite.n)})
	}
	if s.status.n > 0 {
		out = append(out, clean.Warning{Kind: clean.WarnStatus, Count: s.status.n, Line: s.status.line,
			Msg: fmt.Sprintf("%d status word(s) where a reading failed (Bad, I/O Timeout, #DIV/0!…) skipped (no point written)", s.status.n)})
	}
	if s.dups.n > 0 {
		what := map[DupPolicy]string{
			DupKeepLast:  "the last row of the file is used",
			DupKeepFirst: "the first row of the file is used (--on-duplicate keep-first)",
			DupMean:      "their mean is stored (--on-duplicate mean)",
		}[policy]
		out = append(out, clean.Warning{Kind: clean.WarnDuplicate, Count: s.dups.n, Line: s.dups.line,
			Msg: fmt.Sprintf("%d row(s) repeat the series and timestamp of another row; %s", s.dups.n, what)})
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

func (s *csvSource) observe(k int32, ts time.Time, line int) {
	tr := s.track[k]
	if tr == nil {
		s.track[k] = &seriesTrack{last: ts, lastLine: line, steps: map[time.Duration]int{}}
		return
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
}

// intervals returns each series with its median spacing (from the
// histogram, for files in time order).
func (s *csvSource) intervals() map[int32]time.Duration {
	out := make(map[int32]time.Duration, len(s.track))
	for k, tr := range s.track {
		if tr == nil {
			continue
		}
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
		out[int32(k)] = med //nolint:gosec // fewer series than 2^31
	}
	return out
}

func newCSVSource(r io.Reader, opt ImportOptions) (*csvSource, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(16 << 10)
	comma, dec := csvmap.SniffFormat(head) // ";" and "50,64" from a comma-decimal Excel
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.Comma = comma
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
		dec = opt.Comma != ',' && dec
	}
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
	if opt.TimeColumn == "" && findCol(header, timeHeaders) < 0 {
		// A time column of another name ("Zeit", "시각"): the first
		// whose cells in the file's first rows are all timestamps.
		opt.TimeColumn = timeColumnOf(header, head, cr.Comma)
	}
	lay, err := newLayout(header, opt)
	if err != nil {
		return nil, err
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	s := &csvSource{cr: cr, lay: lay, tp: timeParser{loc: loc}, perr: &ImportError{}, index: map[string]int32{}, byKey: map[string][]int32{}, decimalComma: dec}
	s.stats = make([]colStat, max(1, len(lay.cols)))
	for i := range s.stats {
		s.stats[i].distinct = map[string]struct{}{}
	}
	if lay.format != "long" && !lay.rowDependent {
		for _, c := range lay.cols {
			name, asset := s.nameOf(nil, c)
			s.fixed = append(s.fixed, s.intern(name, asset, header[c]))
		}
	}
	return s, nil
}

// nameOf builds the series name and asset of value column c of rec (rec
// nil when no template reads a cell); an empty name means a cell a
// template reads is empty (the problem is recorded by the caller).
func (s *csvSource) nameOf(rec []string, c int) (name, asset string) {
	lay := s.lay
	column := strings.TrimSpace(lay.header[c])
	if lay.asset != nil {
		var empty int
		if asset, empty = lay.asset.render(rec, column, ""); empty >= 0 {
			return "", ""
		}
	}
	if lay.name == nil {
		return column, asset
	}
	name, empty := lay.name.render(rec, column, asset)
	if empty >= 0 {
		return "", ""
	}
	if lay.assetFromName {
		asset = ""
	}
	return name, asset
}

// intern returns the staged key of a series, adding it when new.
func (s *csvSource) intern(name, asset, column string) int32 {
	if k, ok := s.index[name]; ok {
		return k
	}
	k := int32(len(s.names)) //nolint:gosec // fewer series than 2^31
	s.index[name] = k
	s.names = append(s.names, name)
	s.assets = append(s.assets, asset)
	s.cols = append(s.cols, column)
	s.track = append(s.track, nil)
	return k
}

// rowKeys returns the staged key of each value column for rec (nil after
// recording a problem).
func (s *csvSource) rowKeys(rec []string, line int) []int32 {
	if !s.lay.rowDependent {
		return s.fixed
	}
	s.keyBuf.Reset()
	for _, c := range s.lay.keyCols {
		s.keyBuf.WriteString(strings.TrimSpace(rec[c]))
		s.keyBuf.WriteByte(0)
	}
	key := s.keyBuf.String()
	if ks, ok := s.byKey[key]; ok {
		return ks
	}
	for _, c := range s.lay.keyCols {
		if strings.TrimSpace(rec[c]) == "" {
			s.perr.add(line, s.lay.header[c], "empty %s, which names the row's series", s.lay.header[c])
			return nil
		}
	}
	ks := make([]int32, len(s.lay.cols))
	for j, c := range s.lay.cols {
		name, asset := s.nameOf(rec, c)
		ks[j] = s.intern(name, asset, s.lay.header[c])
	}
	s.byKey[key] = ks
	return ks
}

func (s *csvSource) stage(k int32, ts time.Time, v float64, line int) {
	s.observe(k, ts, line)
	if s.staged == 0 || ts.Before(s.first) {
		s.first = ts
	}
	if ts.After(s.last) {
		s.last = ts
	}
	s.staged++
	s.pending = append(s.pending, []any{k, ts, v, int32(line)}) //nolint:gosec // line numbers stay below 2^31
}

// Next reads records until one yields a value to stage.
func (s *csvSource) Next() bool {
	lay := s.lay
	for len(s.pending) == 0 {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				s.perr.add(pe.Line, "", "%v", pe.Err)
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
		if len(rec) != lay.nfields {
			s.perr.add(line, "", "has %d fields, the header has %d", len(rec), lay.nfields)
			continue
		}
		ts, ok := s.tp.parse(rec[lay.tcol])
		if !ok {
			s.perr.add(line, lay.header[lay.tcol], "%v", &timeError{s: strings.TrimSpace(rec[lay.tcol])})
			continue
		}
		if lay.format == "long" {
			name := strings.TrimSpace(rec[lay.scol])
			if name == "" {
				s.perr.add(line, lay.header[lay.scol], "empty series name")
				continue
			}
			v, kind := clean.ParseValueIn(rec[lay.vcol], s.decimalComma)
			s.stats[0].see(rec[lay.vcol], v, kind)
			if s.readable(line, lay.header[lay.vcol], name, rec[lay.vcol], kind) {
				s.stage(s.intern(name, "", lay.header[lay.vcol]), ts, v, line)
			}
			continue
		}
		ks := s.rowKeys(rec, line)
		if ks == nil {
			continue
		}
		for j, c := range lay.cols {
			cell := rec[c]
			if strings.TrimSpace(cell) == "" {
				continue // a missing reading in a wide file: not a repair
			}
			v, kind := clean.ParseValueIn(cell, s.decimalComma)
			s.stats[j].see(cell, v, kind)
			if s.readable(line, lay.header[c], s.names[ks[j]], cell, kind) {
				s.stage(ks[j], ts, v, line)
			}
		}
	}
	s.cur, s.pending = s.pending[0], s.pending[1:]
	return true
}

// readable sorts a value cell under the cleaning policy: true for a
// number to stage; a missing or infinite value is counted, anything else
// is a problem.
func (s *csvSource) readable(line int, column, name, cell string, kind clean.Cell) bool {
	switch kind {
	case clean.Unreadable:
		s.perr.add(line, column, "%s: bad number %q", name, cell)
		return false
	case clean.Missing:
		s.missing.add(line)
		return false
	case clean.NonFinite:
		s.nonFinite.add(line)
		return false
	case clean.Status:
		s.status.add(line)
		return false
	}
	return true
}

// Values returns the current staged row.
func (s *csvSource) Values() ([]any, error) { return s.cur, nil }

// Err reports a failure to read the input (not a malformed row).
func (s *csvSource) Err() error { return s.fatal }

// timeColumnOf names the first column whose cells in the sample's rows
// (up to 20, after the header) are all timestamps (clean.TimeColumn), or "".
func timeColumnOf(header []string, sample []byte, comma rune) string {
	if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
		sample = sample[:i+1] // whole lines only: the sample may end mid-row
	}
	cr := csv.NewReader(bytes.NewReader(sample))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = comma, -1, true
	if _, err := cr.Read(); err != nil {
		return ""
	}
	var rows [][]string
	for len(rows) < 20 {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		rows = append(rows, rec)
	}
	if c := clean.TimeColumn(header, rows); c >= 0 {
		return header[c]
	}
	return ""
}
