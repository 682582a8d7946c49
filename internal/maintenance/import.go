package maintenance

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/csvmap"
)

// EventFields are the fields an event mapping may set.
var EventFields = map[string]bool{"id": true, "kind": true, "status": true, "site": true, "line": true, "asset": true,
	"asset_type": true, "component": true, "failure_mode": true, "code": true, "title": true, "opened_at": true,
	"closed_at": true, "due_at": true, "downtime_minutes": true, "planned_minutes": true, "cost": true, "outcome": true,
	"document_id": true}

// EquipmentFields are the fields an equipment mapping may set; age_years
// (with as_of, a date or a column) stands in for installed_at.
var EquipmentFields = map[string]bool{"asset": true, "asset_type": true, "model": true, "site": true, "line": true,
	"installed_at": true, "age_years": true, "as_of": true}

// ParseOptions steer Parse.
type ParseOptions struct {
	// Mapping is the mapping file; its event section is required, and its
	// document section's id, when present, links each event to the
	// incident document the same row makes.
	Mapping csvmap.File
	// Source is stored with each record (default the mapping's source).
	Source string
}

// Parsed is what a file gives.
type Parsed struct {
	Events []Event
	// Rows is the number of data rows read.
	Rows int
}

// Parse reads a CMMS export with a mapping file's event section: one
// record per row. Every problem names its line (a missing column names
// the column and lists the header); when there is any, nothing is
// returned, so a bad file writes nothing. Two rows with one id are a
// problem too, naming both lines.
func Parse(r io.Reader, opt ParseOptions) (Parsed, error) {
	m := opt.Mapping
	if len(m.Event) == 0 {
		return Parsed{}, errors.New("the mapping file has no event section (event: {id, kind, asset, opened_at, …})")
	}
	if err := m.Event.Check(EventFields, "event"); err != nil {
		return Parsed{}, err
	}
	for _, f := range []string{"id", "asset", "opened_at"} {
		if _, ok := m.Event[f]; !ok {
			return Parsed{}, fmt.Errorf("event mapping: %s is required (a column or a template such as %q)", f, map[string]string{"id": "{machineID}-{datetime}-{failure}", "asset": "machine-{machineID}", "opened_at": "{datetime}"}[f])
		}
	}
	loc, err := location(m.TimeZone)
	if err != nil {
		return Parsed{}, err
	}
	rd, err := csvmap.NewReader(r)
	if errors.Is(err, io.EOF) {
		return Parsed{}, errors.New("the file is empty")
	}
	if err != nil {
		return Parsed{}, err
	}
	b, err := m.Event.Bind(rd.Header)
	if err != nil {
		return Parsed{}, err
	}
	var doc *csvmap.Bound
	if _, ok := m.Document["id"]; ok {
		if doc, err = (csvmap.Mapping{"id": m.Document["id"]}).Bind(rd.Header); err != nil {
			return Parsed{}, fmt.Errorf("document id: %w", err)
		}
	}
	source := opt.Source
	if source == "" {
		source = m.Source
	}
	var out Parsed
	var probs csvmap.Problems
	var dups csvmap.Duplicates
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs.Add(0, "%v", err)
			break
		}
		out.Rows++
		e, err := eventOf(b, row.Record, loc)
		if err != nil {
			probs.Add(row.Line, "%v", err)
			continue
		}
		if doc != nil && e.DocumentID == "" {
			id := doc.Value("id", row.Record)
			if doc.Composite("id") {
				id = csvmap.Slug(id)
			}
			e.DocumentID = id
		}
		e.Source = source
		if err := e.Validate(); err != nil {
			probs.Add(row.Line, "%v", err)
			continue
		}
		if prev := dups.See(e.ID, row.Line); prev != 0 {
			probs.Add(row.Line, "the id %q is also given by line %d: ids must be unique per row (build the id from more columns, e.g. id: \"{%s}-{...}\")", e.ID, prev, rd.Header[0])
			continue
		}
		out.Events = append(out.Events, e)
	}
	if err := probs.Err(); err != nil {
		return Parsed{Rows: out.Rows}, err
	}
	return out, nil
}

func eventOf(b *csvmap.Bound, rec []string, loc *time.Location) (Event, error) {
	v := func(f string) string { return b.Value(f, rec) }
	e := Event{ID: v("id"), Status: strings.ToLower(v("status")), Site: v("site"), Line: v("line"), Asset: v("asset"),
		AssetType: v("asset_type"), Component: v("component"), FailureMode: v("failure_mode"), Code: v("code"),
		Title: v("title"), Outcome: v("outcome"), DocumentID: v("document_id")}
	if b.Composite("id") {
		e.ID = csvmap.Slug(e.ID)
	}
	kind := v("kind")
	if kind == "" {
		return e, &FieldError{"kind", "is empty (map it to a column, or set it: kind: failure)"}
	}
	k, err := ParseKind(kind)
	if err != nil {
		return e, &FieldError{"kind", err.Error()}
	}
	e.Kind = k
	for _, tf := range []struct {
		name string
		into **time.Time
	}{{"closed_at", &e.ClosedAt}, {"due_at", &e.DueAt}} {
		t, err := parseTime(v(tf.name), loc)
		if err != nil {
			return e, &FieldError{tf.name, err.Error()}
		}
		*tf.into = t
	}
	opened, err := parseTime(v("opened_at"), loc)
	if err != nil {
		return e, &FieldError{"opened_at", err.Error()}
	}
	if opened == nil {
		return e, &FieldError{"opened_at", "is empty"}
	}
	e.OpenedAt = *opened
	for _, mf := range []struct {
		name string
		into **int
	}{{"downtime_minutes", &e.DowntimeMinutes}, {"planned_minutes", &e.PlannedMinutes}} {
		n, err := ParseMinutes(v(mf.name))
		if err != nil {
			return e, &FieldError{mf.name, err.Error()}
		}
		*mf.into = n
	}
	if c := v("cost"); c != "" {
		f, err := parseCost(c)
		if err != nil {
			return e, &FieldError{"cost", err.Error()}
		}
		e.Cost = &f
	}
	return e, nil
}

// TimeLayouts are the timestamp forms imports read, tried in order; a
// timestamp without an offset is in the mapping's time zone.
var TimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
	"2006-01-02", "2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006", "2006.01.02 15:04", "2006.01.02"}

func parseTime(s string, loc *time.Location) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, l := range TimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, fmt.Errorf("%q is not a date or time (use 2015-01-05 06:00:00, 2015-01-05T06:00:00Z or 01/05/2015)", s)
}

var minutesRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes|h|hr|hrs|hours?)?$`)

// ParseMinutes reads a duration in minutes: "90", "90 min", "1.5 h".
func ParseMinutes(s string) (*int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil, nil
	}
	m := minutesRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("%q is not a duration (minutes, or with a unit: 90 min, 1.5 h)", s)
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	if strings.HasPrefix(m[2], "h") {
		f *= 60
	}
	n := int(math.Round(f))
	return &n, nil
}

func parseCost(s string) (float64, error) {
	c := strings.Map(func(r rune) rune {
		if r == ',' || r == ' ' || r == '$' || r == '€' || r == '£' || r == '₩' || r == '¥' {
			return -1
		}
		return r
	}, s)
	f, err := strconv.ParseFloat(c, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	return f, nil
}

func location(tz string) (*time.Location, error) {
	if tz == "" || strings.EqualFold(tz, "utc") {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time_zone %q is not an IANA zone such as Asia/Seoul: %w", tz, err)
	}
	return loc, nil
}

// ParseEquipment reads an equipment list (an asset per row) with a mapping
// file's equipment section. Age in years (age_years) with as_of (a date,
// or a column) gives the install date.
func ParseEquipment(r io.Reader, m csvmap.File, source string) ([]Equipment, error) {
	if len(m.Equipment) == 0 {
		return nil, errors.New("the mapping file has no equipment section (equipment: {asset, asset_type, model, installed_at or age_years})")
	}
	if err := m.Equipment.Check(EquipmentFields, "equipment"); err != nil {
		return nil, err
	}
	if _, ok := m.Equipment["asset"]; !ok {
		return nil, errors.New("equipment mapping: asset is required")
	}
	loc, err := location(m.TimeZone)
	if err != nil {
		return nil, err
	}
	rd, err := csvmap.NewReader(r)
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, err
	}
	b, err := m.Equipment.Bind(rd.Header)
	if err != nil {
		return nil, err
	}
	if source == "" {
		source = m.Source
	}
	var out []Equipment
	var probs csvmap.Problems
	var dups csvmap.Duplicates
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs.Add(0, "%v", err)
			break
		}
		v := func(f string) string { return b.Value(f, row.Record) }
		q := Equipment{Asset: v("asset"), AssetType: v("asset_type"), Model: v("model"), Site: v("site"), Line: v("line"), Source: source}
		if q.Asset == "" {
			probs.Add(row.Line, "asset is empty")
			continue
		}
		if prev := dups.See(q.Asset, row.Line); prev != 0 {
			probs.Add(row.Line, "asset %q is also on line %d", q.Asset, prev)
			continue
		}
		inst, err := parseTime(v("installed_at"), loc)
		if err != nil {
			probs.Add(row.Line, "installed_at: %v", err)
			continue
		}
		if age := v("age_years"); inst == nil && age != "" {
			years, err := strconv.ParseFloat(age, 64)
			if err != nil || years < 0 || years > 200 {
				probs.Add(row.Line, "age_years %q is not a number of years", age)
				continue
			}
			asOf, err := parseTime(v("as_of"), loc)
			if err != nil || asOf == nil {
				probs.Add(row.Line, "age_years needs as_of, the date the age was counted at (as_of: 2015-01-01)")
				continue
			}
			// Whole years go back on the calendar ("9 years before
			// 2015-01-01" is 2006-01-01), the fraction in days.
			whole := math.Floor(years)
			t := asOf.AddDate(-int(whole), 0, 0).Add(-time.Duration((years - whole) * 365.25 * 24 * float64(time.Hour)))
			inst = &t
		}
		q.InstalledAt = inst
		out = append(out, q)
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
