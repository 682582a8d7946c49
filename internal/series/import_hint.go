package series

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// EntityHintError refuses a wide file that holds several machines' rows
// (Azure PdM's datetime,machineID,volt,…): read as one machine, its
// timestamps repeat once per machine and the id column becomes a sensor.
// It names the column that looks like the machine's id and the options
// that import the file right.
type EntityHintError struct {
	// Column is the column that looks like an entity id.
	Column string
	// Values counts its distinct values; Examples are a few of them.
	Values   int
	Examples []string
	// Duplicates of Points staged readings shared a series and timestamp
	// with another row.
	Duplicates, Points int
	// Repeats is about how many times each timestamp appears.
	Repeats int
	// Asset and Name are the templates the suggested import would use.
	Asset, Name string
}

// Is makes errors.Is(err, ErrBadFile) true.
func (e *EntityHintError) Is(target error) bool { return target == ErrBadFile }

// Error says what is wrong and the command line that fixes it.
func (e *EntityHintError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d readings repeat the series and timestamp of another row (each timestamp appears about %d times), so the rows are not one machine's: ",
		e.Duplicates, e.Points, e.Repeats)
	ex := strings.Join(e.Examples, ", ")
	if e.Values > len(e.Examples) {
		ex += ", …"
	}
	fmt.Fprintf(&b, "column %s looks like a machine id (%d distinct values: %s). Nothing was imported. "+
		"Import the file with --entity %s (series %s, assets %s), or choose the names: --entity %s --name '%s'",
		e.Column, e.Values, ex, e.Column, strings.ReplaceAll(e.Name, "{asset}", e.Asset), e.Asset, e.Column, strings.ReplaceAll(e.Name, "{asset}", e.Asset))
	return b.String()
}

// idLike are header words of an entity column, preferred among candidates.
var idLike = regexp.MustCompile(`(?i)(id|no|nr|number|machine|asset|unit|device|equipment|tag|entity|station|line|serial|name)$`)

// entityHint returns the hint of a wide file (no entity, no template
// reading the rows) whose rows look like several machines': the readings
// repeat their timestamps (at least one in ten) and a column holds whole
// numbers, or text, with few distinct values. Nil when nothing looks
// like it.
func (s *csvSource) entityHint() *EntityHintError {
	lay := s.lay
	if lay.format != "wide" || lay.rowDependent || s.staged == 0 {
		return nil
	}
	read := 0 // series with readings
	for _, tr := range s.track {
		if tr != nil {
			read++
		}
	}
	if s.dups.n == 0 || 10*s.dups.n < s.staged || read == 0 {
		return nil
	}
	// How often each timestamp appears, from the duplicates per series.
	distinctTS := s.rows - s.dups.n/read
	if distinctTS <= 0 {
		return nil
	}
	repeats := float64(s.rows) / float64(distinctTS)
	if repeats < 1.5 {
		return nil
	}
	best := -1
	for j, st := range s.stats[:len(lay.cols)] {
		// An id column has about as many values as each timestamp has
		// rows, and far fewer than rows.
		n := len(st.distinct)
		if n < 2 || n > maxEntities || float64(n) < repeats/2 || 2*n > s.rows {
			continue
		}
		ids := st.unreadable == 0 && st.numbers > 0 && !st.fractional
		text := st.unreadable > 0 && st.numbers == 0
		if !ids && !text {
			continue
		}
		if best < 0 || (idLike.MatchString(lay.header[lay.cols[j]]) && !idLike.MatchString(lay.header[lay.cols[best]])) {
			best = j
		}
	}
	if best < 0 {
		return nil
	}
	col := strings.TrimSpace(lay.header[lay.cols[best]])
	vals := make([]string, 0, len(s.stats[best].distinct))
	for v := range s.stats[best].distinct {
		vals = append(vals, v)
	}
	sortNatural(vals)
	h := &EntityHintError{Column: col, Values: len(vals), Examples: vals[:min(3, len(vals))], Duplicates: s.dups.n, Points: s.staged,
		Asset: entityPrefix(col) + "-{" + col + "}", Name: "{asset}.{column}"}
	if slices.ContainsFunc(vals, func(v string) bool { return !isDigits(v) }) {
		h.Asset = "{" + col + "}"
	}
	h.Repeats = int(repeats + 0.5)
	return h
}

// textColumnHint names, for a file refused for bad numbers, a value column
// that holds only text (a label, a model name), and how to leave it out.
func (s *csvSource) textColumnHint() string {
	lay := s.lay
	if lay.format == "long" {
		return ""
	}
	var text, numeric []string
	for j, c := range lay.cols {
		st := s.stats[j]
		switch {
		case st.unreadable > 0 && st.numbers == 0:
			text = append(text, strings.TrimSpace(lay.header[c]))
		case st.numbers > 0:
			numeric = append(numeric, strings.TrimSpace(lay.header[c]))
		}
	}
	if len(text) == 0 {
		return ""
	}
	msg := fmt.Sprintf("column(s) %s hold text, not readings", strings.Join(text, ", "))
	if len(numeric) > 0 {
		msg += fmt.Sprintf(": read only the others with --columns %s", strings.Join(numeric, ","))
	}
	return msg
}

// sortNatural sorts numbers by value and before text.
func sortNatural(vs []string) {
	sort.Slice(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if isDigits(a) && isDigits(b) && len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
}
