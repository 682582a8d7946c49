// Package clean is Gemba's one input-cleaning policy for time series that
// come from outside: the CSV model commands (`gemba model detect`,
// `gemba model forecast`), `gemba series import` and, later, connectors.
// It sits under predict because the models are what the cleaning serves, but
// it imports nothing of predict, so a store can use it too.
//
// # The policy
//
// Real plant data is messy: historians record on change, gateways resend,
// clocks jump at daylight-saving changes. Only a line that cannot be read is
// an error; everything else is repaired in a documented way and reported as a
// [Warning] with a count, so nothing is silently changed and nothing readable
// is refused.
//
//   - Unreadable lines are errors, listed with their line numbers: a CSV
//     syntax error, the wrong number of fields, a timestamp in no known
//     format, a value cell that is neither a number nor a missing marker.
//   - Missing values (empty, NaN, NA, N/A, null, none, -) stay missing; they
//     are counted, never filled.
//   - Infinite values (inf, -Infinity) are treated as missing and counted.
//   - Status words a historian or spreadsheet writes where a reading failed
//     (Bad, I/O Timeout, Comm Fail, Shutdown, No Data, #DIV/0!; see
//     [StatusWords]) are treated as missing and counted on their own.
//   - Thousands separators are read where they cannot be a decimal comma
//     (1,234.5 and 1,234,567); a lone "1,234" stays an error.
//   - Rows out of time order are sorted (stably) and counted.
//   - Duplicate timestamps keep the last row of the file (a gateway's resend
//     or a correction supersedes what came before); the superseded rows are
//     counted. A daylight-saving fall-back repeats an hour of naive
//     timestamps and lands here too: write timestamps with their UTC offset
//     to keep both hours.
//   - Irregular sampling: the nominal step is inferred robustly (see
//     [InferStep]: the most common spacing, else the median spacing rounded
//     to a clock unit) and every row is put on the
//     nearest slot of a regular grid from the first timestamp. Rows that
//     fall between slots are counted; several rows in one slot keep the
//     last. Each input row keeps its slot, so a command can still write one
//     output row per input row.
//   - Gaps (slots no row fills, a daylight-saving spring-forward hour
//     included) are marked missing and counted, never filled with invented
//     values. A timestamp so far from the others that the grid would hold
//     more than 100 slots per row is set aside (counted), not allowed to
//     allocate gigabytes.
//   - Time zones: a timestamp with an offset is converted to UTC; a naive one
//     is taken as UTC wall time.
//   - Constant (flat) series and series with very few values are accepted
//     and flagged, so the models' answers can say why they are not
//     informative.
package clean

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Cell classifies a value cell.
type Cell int

// Value cell classes returned by [ParseValue].
const (
	// Number is a finite number.
	Number Cell = iota
	// Missing is an empty cell or a missing marker (NaN, NA, null, ...).
	Missing
	// NonFinite is an infinite number, treated as missing.
	NonFinite
	// Status is a status word where a reading failed (see StatusWords),
	// treated as missing.
	Status
	// Unreadable is anything else: the line is an error.
	Unreadable
)

// missingMarkers are the spellings of a missing value, lower case.
var missingMarkers = map[string]bool{"": true, "nan": true, "na": true, "n/a": true, "null": true, "none": true, "-": true, "#n/a": true}

// StatusWords are the states historians and spreadsheets write in a value
// column where a reading failed: the OSIsoft PI System digital states, OPC
// quality names and spreadsheet errors, lower case with single spaces.
var StatusWords = map[string]bool{}

func init() {
	for _, w := range []string{
		// PI System digital states.
		"bad", "bad input", "bad output", "bad data", "bad quality", "comm fail", "i/o timeout", "shutdown", "no data",
		"calc failed", "calc off", "scan off", "scan timeout", "pt created", "configure", "out of serv", "out of service",
		"over range", "under range", "not connect", "not connected", "invalid data", "invalid float", "intf shut",
		"arc off-line", "no sample", "equip fail", "unit down", "doubtful", "no result", "no alarm", "set to bad",
		// OPC quality and common gateway words.
		"uncertain", "device failure", "sensor failure", "comm failure", "last known value", "not available", "offline",
		"timeout", "error", "failed", "no value", "nodata", "missing", "n.a.", "--",
		// Spreadsheet errors.
		"#value!", "#div/0!", "#ref!", "#num!", "#name?", "#null!", "#error", "#####",
	} {
		StatusWords[w] = true
	}
}

// thousandsRe is a number with thousands separators that cannot be read as
// a decimal comma: a decimal point after them, or several groups.
var thousandsRe = regexp.MustCompile(`^[+-]?\d{1,3}(?:,\d{3})+\.\d+$|^[+-]?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?$`)

// ParseValue reads a value cell. The value is NaN unless the cell is a
// Number.
func ParseValue(s string) (float64, Cell) { return ParseValueIn(s, false) }

// decimalCommaRe is a number written with a decimal comma, its thousands
// (if any) grouped by dots: "50,64", "-0,5", "1.234,5".
var decimalCommaRe = regexp.MustCompile(`^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^[+-]?\d+,\d+$`)

// ParseValueIn is ParseValue for a file written with a decimal comma
// (decimalComma: "50,64" is 50.64 and "1.234,5" is 1234.5), as Excel
// writes in comma-decimal locales.
func ParseValueIn(s string, decimalComma bool) (float64, Cell) {
	s = strings.TrimSpace(s)
	if decimalComma && decimalCommaRe.MatchString(s) {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	}
	low := strings.ToLower(s)
	if missingMarkers[low] {
		return math.NaN(), Missing
	}
	if StatusWords[strings.Join(strings.Fields(low), " ")] {
		return math.NaN(), Status
	}
	if thousandsRe.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !isRangeErr(err):
		return math.NaN(), Unreadable
	case math.IsInf(v, 0):
		return math.NaN(), NonFinite
	case math.IsNaN(v):
		return math.NaN(), Missing
	}
	return v, Number
}

// isRangeErr reports a number too large for a float64 (ParseFloat then
// returns ±Inf, which is classed as NonFinite).
func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange)
}

// layouts are the timestamp formats accepted, most specific first. Layouts
// without an offset are read as UTC.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05-07",
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
	"1/2/2006 15:04:05",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04",
	// European dotted dates (day first): Excel exports of comma-decimal locales.
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"2.1.2006 15:04:05",
	"2.1.2006 15:04",
	"02.01.2006",
}

// Layouts returns the accepted timestamp layouts, most specific first.
func Layouts() []string { return slices.Clone(layouts) }

// LayoutUnix is the pseudo-layout reported for Unix-seconds timestamps.
const LayoutUnix = "unix"

// ParseTime reads a timestamp in any accepted layout, trying last (the
// layout of the previous row) first; it returns the instant in UTC and the
// layout that matched. Unix seconds (between 1973 and 5138) are accepted
// too. ok is false for anything else.
func ParseTime(s, last string) (t time.Time, layout string, ok bool) {
	s = strings.TrimSpace(s)
	if last != "" && last != LayoutUnix {
		if t, err := time.Parse(last, s); err == nil {
			return t.UTC(), last, true
		}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), l, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1e8 && f < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), LayoutUnix, true
	}
	return time.Time{}, last, false
}

// MoreSpecific reports whether layout a keeps more of a timestamp than b
// (a time of day beats a bare date), so output written in a mixed file's
// layout keeps its time of day.
func MoreSpecific(a, b string) bool {
	ia, ib := slices.Index(layouts, a), slices.Index(layouts, b)
	if ia < 0 {
		return false
	}
	return ib < 0 || ia < ib
}

// Warning kinds, as reported in Warning.Kind.
const (
	WarnMissing    = "missing_values"
	WarnNonFinite  = "non_finite_values"
	WarnStatus     = "status_values"
	WarnUnsorted   = "out_of_order"
	WarnDuplicate  = "duplicate_timestamps"
	WarnOffGrid    = "irregular_sampling"
	WarnSharedSlot = "several_rows_per_step"
	WarnGaps       = "gaps"
	WarnFarAway    = "far_timestamps"
	WarnConstant   = "constant_series"
	WarnFewValues  = "few_values"
	WarnNoTime     = "no_timestamps"
)

// Warning is one kind of repair made to the input, with how often it was
// needed and the first line it concerned (0 when not tied to a line).
type Warning struct {
	// Kind is one of the Warn* constants.
	Kind string `json:"kind"`
	// Count is how many rows (or, for gaps, missing steps) it concerned.
	Count int `json:"count"`
	// Line is the first input line concerned (1-based; 0 when none).
	Line int `json:"line,omitempty"`
	// Msg says what was found and what was done, for people.
	Msg string `json:"msg"`
}

// String is the warning as a user reads it.
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s (first at line %d)", w.Msg, w.Line)
	}
	return w.Msg
}

// Report collects the warnings of one input.
type Report struct {
	// Rows is the number of data rows read.
	Rows int `json:"rows"`
	// Values is the number of rows with a usable value.
	Values int `json:"values"`
	// Step is the inferred sampling interval (0 without timestamps).
	Step time.Duration `json:"step"`
	// Warnings are the repairs made, in the order of the policy.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Count returns the count of warnings of the given kind (0 when none).
func (r Report) Count(kind string) int {
	for _, w := range r.Warnings {
		if w.Kind == kind {
			return w.Count
		}
	}
	return 0
}

// tally accumulates one warning kind.
type tally struct {
	n, line int
}

func (t *tally) add(line int) {
	if t.n == 0 || (line > 0 && line < t.line) {
		t.line = line
	}
	t.n++
}

// Point is one readable row.
type Point struct {
	// Line is the row's 1-based line in the file.
	Line int
	// Time is the row's timestamp (ignored with Options.Untimed).
	Time time.Time
	// Value is the row's value, NaN when missing.
	Value float64
	// Cell is how the value cell was read (Number, Missing or NonFinite);
	// a NaN Value with Cell Number counts as Missing.
	Cell Cell
}

// Options tune [Align].
type Options struct {
	// Step forces the sampling interval; 0 infers it.
	Step time.Duration
	// Untimed says the rows have no timestamps: they are taken as
	// regularly spaced in file order.
	Untimed bool
}

// Aligned is a series laid on a regular grid.
type Aligned struct {
	// Step is the grid's interval (0 for points without timestamps, which
	// are taken as regularly spaced in file order).
	Step time.Duration
	// Times are the grid's timestamps (nil without timestamps). A slot
	// filled by a row carries that row's own timestamp, so an off-grid row
	// keeps its time.
	Times []time.Time
	// Values are the grid's values, NaN where no row (or a missing value)
	// fills a slot.
	Values []float64
	// Slot maps each input point (in input order) to its grid index, or −1
	// for a point set aside (a far-away timestamp).
	Slot []int
	// Report holds the counts and warnings.
	Report Report
}

// maxSlotsPerPoint bounds the grid at this many slots per input point (plus
// a fixed allowance), so one stray timestamp cannot allocate gigabytes.
const maxSlotsPerPoint = 100

// Align applies the policy to the points of one series, in file order, and
// lays them on a regular grid. It never fails on readable input: every
// repair is a warning in the report.
func Align(pts []Point, opt Options) *Aligned {
	n := len(pts)
	a := &Aligned{Slot: make([]int, n)}
	rep := &a.Report
	rep.Rows = n
	var missing, nonFinite, status tally
	for _, p := range pts {
		switch {
		case p.Cell == NonFinite:
			nonFinite.add(p.Line)
		case p.Cell == Status:
			status.add(p.Line)
		case math.IsNaN(p.Value):
			missing.add(p.Line)
		}
	}
	if missing.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnMissing, Count: missing.n, Line: missing.line,
			Msg: fmt.Sprintf("%d empty or missing value(s) left missing, not filled", missing.n)})
	}
	if nonFinite.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnNonFinite, Count: nonFinite.n, Line: nonFinite.line,
			Msg: fmt.Sprintf("%d infinite value(s) treated as missing", nonFinite.n)})
	}
	if status.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnStatus, Count: status.n, Line: status.line,
			Msg: fmt.Sprintf("%d status word(s) where a reading failed (Bad, I/O Timeout, #DIV/0!…) treated as missing", status.n)})
	}
	if n == 0 {
		return a
	}
	if opt.Untimed {
		a.Values = make([]float64, n)
		for i, p := range pts {
			a.Slot[i] = i
			a.Values[i] = p.Value
		}
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnNoTime, Count: n, Msg: "no timestamp column: rows are taken as regularly spaced in file order"})
		a.finish()
		return a
	}
	// Sort by time, stably: rows with equal times keep their file order,
	// so "the last row wins" means the last in the file.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	var unsorted tally
	for i := 1; i < n; i++ {
		if pts[i].Time.Before(pts[i-1].Time) {
			unsorted.add(pts[i].Line)
		}
	}
	if unsorted.n > 0 {
		sort.SliceStable(order, func(x, y int) bool { return pts[order[x]].Time.Before(pts[order[y]].Time) })
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnUnsorted, Count: unsorted.n, Line: unsorted.line,
			Msg: fmt.Sprintf("%d row(s) out of time order; rows were sorted by time", unsorted.n)})
	}
	// Exact duplicates: the last row of each timestamp wins.
	var dups tally
	for k := 1; k < n; k++ {
		if pts[order[k]].Time.Equal(pts[order[k-1]].Time) {
			dups.add(pts[order[k-1]].Line)
		}
	}
	if dups.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnDuplicate, Count: dups.n, Line: dups.line,
			Msg: fmt.Sprintf("%d row(s) repeat the timestamp of a later row; the last row of each timestamp is used", dups.n)})
	}
	sorted := make([]time.Time, n)
	for k, i := range order {
		sorted[k] = pts[i].Time
	}
	step := opt.Step
	if step <= 0 {
		step = InferStep(sorted)
	}
	rep.Step = step
	a.Step = step
	if step <= 0 { // a single timestamp (or all equal)
		a.Times = []time.Time{sorted[n-1]}
		a.Values = []float64{math.NaN()}
		for k, i := range order {
			a.Slot[i] = 0
			if k == n-1 || !math.IsNaN(pts[i].Value) {
				a.Values[0] = pts[i].Value
			}
		}
		a.finish()
		return a
	}
	lo, hi := keepRange(sorted, step)
	if far := lo + (n - 1 - hi); far > 0 {
		line := 0
		for k := range n {
			if k < lo || k > hi {
				if l := pts[order[k]].Line; line == 0 || l < line {
					line = l
				}
			}
		}
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnFarAway, Count: far, Line: line,
			Msg: fmt.Sprintf("%d row(s) with a timestamp far from all the others were set aside", far)})
	}
	t0 := sorted[lo]
	var offGrid, shared tally
	slots := make([]int, n)
	for k := lo; k <= hi; k++ {
		off := sorted[k].Sub(t0)
		s := int(math.Round(float64(off) / float64(step)))
		if r := off - time.Duration(s)*step; r != 0 && abs(r) > step/20 {
			offGrid.add(pts[order[k]].Line)
		}
		slots[k] = s
	}
	size := slots[hi] + 1
	a.Times = make([]time.Time, size)
	a.Values = make([]float64, size)
	filled := make([]bool, size)
	for s := range size {
		a.Times[s] = t0.Add(time.Duration(s) * step)
		a.Values[s] = math.NaN()
	}
	for k := range n {
		i := order[k]
		if k < lo || k > hi {
			a.Slot[i] = -1
			continue
		}
		s := slots[k]
		a.Slot[i] = s
		if k < hi && slots[k+1] == s && !sorted[k+1].Equal(sorted[k]) {
			shared.add(pts[i].Line) // a later row in the same step supersedes this one
		}
		// The last row of a slot wins, even when its value is missing: a
		// resend that says "no reading" is the latest word.
		a.Values[s] = pts[i].Value
		a.Times[s] = sorted[k]
		filled[s] = true
	}
	if offGrid.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnOffGrid, Count: offGrid.n, Line: offGrid.line,
			Msg: fmt.Sprintf("%d row(s) fall between steps of %v and were placed on the nearest step", offGrid.n, step)})
	}
	if shared.n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnSharedSlot, Count: shared.n, Line: shared.line,
			Msg: fmt.Sprintf("%d row(s) share a step of %v with a later row; the later row is used", shared.n, step)})
	}
	gaps, gapSlots := 0, 0
	for s := 0; s < size; s++ {
		if filled[s] {
			continue
		}
		gaps++
		for s < size && !filled[s] {
			gapSlots++
			s++
		}
	}
	if gaps > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnGaps, Count: gapSlots,
			Msg: fmt.Sprintf("%d gap(s) in the timestamps, %d missing step(s) of %v in all, marked missing (not filled)", gaps, gapSlots, step)})
	}
	a.finish()
	return a
}

// finish counts the usable values and flags constant or nearly empty series.
func (a *Aligned) finish() {
	rep := &a.Report
	first, constant := math.NaN(), true
	for _, v := range a.Values {
		if math.IsNaN(v) {
			continue
		}
		rep.Values++
		if math.IsNaN(first) {
			first = v
		} else if v != first {
			constant = false
		}
	}
	switch {
	case rep.Values > 1 && constant:
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnConstant, Count: rep.Values,
			Msg: fmt.Sprintf("the series is constant (%g): only a change from that value can be an anomaly", first)})
	case rep.Values < 8:
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnFewValues, Count: rep.Values,
			Msg: fmt.Sprintf("only %d usable value(s)", rep.Values)})
	}
}

// keepRange returns the widest range sorted[lo..hi] whose grid stays within
// the size limit, dropping the timestamps farthest from the median first.
func keepRange(sorted []time.Time, step time.Duration) (lo, hi int) {
	n := len(sorted)
	limit := float64(maxSlotsPerPoint*n + 100_000)
	lo, hi = 0, n-1
	mid := sorted[n/2]
	for hi > lo && float64(sorted[hi].Sub(sorted[lo]))/float64(step) > limit {
		if mid.Sub(sorted[lo]) > sorted[hi].Sub(mid) {
			lo++
		} else {
			hi--
		}
	}
	return lo, hi
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// clockSteps are the sampling intervals plant data is usually logged at; a
// median spacing within 10% of one is rounded to it.
var clockSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
}

// InferStep is the nominal sampling interval of sorted timestamps: the most
// common positive spacing when it covers at least a quarter of the
// spacings and is no longer than the median (gaps only lengthen spacings,
// so they cannot move it), else the median positive spacing, rounded to a
// clock unit when within 10% of one (jittery clocks). It returns 0 when no
// two timestamps differ.
func InferStep(sorted []time.Time) time.Duration {
	d := make([]time.Duration, 0, len(sorted))
	for i := 1; i < len(sorted); i++ {
		if s := sorted[i].Sub(sorted[i-1]); s > 0 {
			d = append(d, s)
		}
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	mode, modeN := d[0], 0
	for i := 0; i < len(d); {
		j := i
		for j < len(d) && d[j] == d[i] {
			j++
		}
		if j-i > modeN {
			mode, modeN = d[i], j-i
		}
		i = j
	}
	med := d[(len(d)-1)/2]
	if 4*modeN >= len(d) && mode <= med {
		return mode
	}
	for _, c := range clockSteps {
		if abs(med-c) <= c/10 {
			return c
		}
	}
	return med
}

// TimeColumn is the first named column whose non-empty cells in rows (up
// to 50) are all timestamps in an accepted layout ("Zeitstempel", "시각"),
// or −1. Unix seconds do not count: they are numbers too. A column must be
// named to be told apart from the value columns.
func TimeColumn(header []string, rows [][]string) int {
	for c, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		n, ok := 0, len(rows) > 0
		for _, rec := range rows[:min(len(rows), 50)] {
			if c >= len(rec) || strings.TrimSpace(rec[c]) == "" {
				continue
			}
			if _, layout, good := ParseTime(rec[c], ""); !good || layout == LayoutUnix {
				ok = false
				break
			}
			n++
		}
		if ok && n > 0 {
			return c
		}
	}
	return -1
}
