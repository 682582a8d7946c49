package series

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// timeParser reads the timestamps of an import file: every layout of the
// one input-cleaning policy (package predict/clean: RFC 3339, ISO without
// zone, "1/2/2006 3:04:05 PM" and the others), the layout of the previous
// row tried first, and Unix time in seconds, milliseconds, microseconds or
// nanoseconds, told apart by magnitude as the connectors do. A timestamp
// without a zone ("naive") is wall time in loc; one with an offset or a Z
// is that instant whatever loc says.
type timeParser struct {
	loc  *time.Location
	last string
	// naive counts the naive timestamps read (the zone they were read in
	// then matters, and the import says which it was).
	naive int
}

// layoutNaive reports whether a layout has no zone or offset.
func layoutNaive(layout string) bool {
	return !strings.Contains(layout, "Z07") && !strings.Contains(layout, "-07")
}

var importLayouts = clean.Layouts()

// parse returns the instant in UTC; ok is false for text in no known form.
func (p *timeParser) parse(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if p.last != "" {
		if t, err := time.ParseInLocation(p.last, s, p.loc); err == nil {
			if layoutNaive(p.last) {
				p.naive++
			}
			return t.UTC(), true
		}
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-/:T ") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return unixTime(f)
		}
	}
	for _, l := range importLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			p.last = l
			if layoutNaive(l) {
				p.naive++
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// unixTime reads Unix time by magnitude: seconds (from 1973 to the year
// 5138), milliseconds, microseconds or nanoseconds. Small numbers are not
// timestamps (a row number or a sensor value in the wrong column).
func unixTime(f float64) (time.Time, bool) {
	switch a := math.Abs(f); {
	case math.IsNaN(f) || math.IsInf(f, 0) || f < 1e8:
		return time.Time{}, false
	case a < 1e11: // seconds
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
	case a < 1e14: // milliseconds
		return time.UnixMicro(int64(math.Round(f * 1e3))).UTC(), true
	case a < 1e17: // microseconds
		return time.UnixMicro(int64(math.Round(f))).UTC(), true
	case a < 1e20: // nanoseconds
		return time.Unix(0, int64(f)).UTC(), true
	}
	return time.Time{}, false
}

// ParseTime reads a timestamp in the spellings an import accepts (RFC 3339,
// ISO without zone — taken as UTC —, US dates with AM/PM, Unix seconds or
// milliseconds, microseconds, nanoseconds).
func ParseTime(s string) (time.Time, error) {
	p := timeParser{loc: time.UTC}
	if t, ok := p.parse(s); ok {
		return t, nil
	}
	return time.Time{}, &timeError{s: strings.TrimSpace(s)}
}

// ParseTimeIn is ParseTime with naive timestamps read as wall time in loc.
func ParseTimeIn(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := timeParser{loc: loc}
	if t, ok := p.parse(s); ok {
		return t, nil
	}
	return time.Time{}, &timeError{s: strings.TrimSpace(s)}
}

type timeError struct{ s string }

func (e *timeError) Error() string {
	return "bad timestamp " + strconv.Quote(e.s) + " (expected e.g. 2015-01-01T06:00:00Z, 2015-01-01 06:00:00, 1/1/2015 6:00:00 AM or Unix seconds/milliseconds)"
}
