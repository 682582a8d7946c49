// Package csvmap maps the columns of a CSV export (a CMMS's work orders,
// failures, alerts) to the fields of Gemba's records: incident documents
// (rag) and maintenance events (internal/maintenance) read one mapping
// file with the same machinery.
//
// A field's value is a template: literal text with {Column} placeholders
// ("machine-{machineID}", "{machineID}-{datetime}-{failure}"), optionally
// followed by a value map ({WO Type} with PM → preventive). Templates are
// bound to a file's header once; a column the header lacks is an error
// that names it and lists the header. Rows are read with their line
// numbers, so every later error can say where it is.
//
// It sits at the bottom of the flow (a leaf: no Gemba imports).
package csvmap

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// part is a literal or a column reference of a template.
type part struct {
	lit    string
	column string
}

// Template is text with {Column} placeholders; "{{" and "}}" are literal
// braces.
type Template struct {
	raw   string
	parts []part
}

// ParseTemplate reads a template. A bare column name without braces is a
// template of that one column, so plain "field: Column" mappings keep
// working.
func ParseTemplate(s string) (Template, error) {
	t := Template{raw: s}
	if !strings.ContainsAny(s, "{}") {
		if strings.TrimSpace(s) == "" {
			return t, errors.New("empty template")
		}
		t.parts = []part{{column: strings.TrimSpace(s)}}
		return t, nil
	}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return t, fmt.Errorf("template %q: { at %d is never closed", s, i+1)
			}
			name := strings.TrimSpace(s[i+1 : i+1+end])
			if name == "" {
				return t, fmt.Errorf("template %q: empty {} (name a column)", s)
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, part{lit: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part{column: name})
			i += end + 1
		case c == '}':
			return t, fmt.Errorf("template %q: } at %d has no {", s, i+1)
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{lit: lit.String()})
	}
	return t, nil
}

// Join is a template of several columns joined by sep ("{a}-{b}").
func Join(columns []string, sep string) Template {
	t := Template{}
	for i, c := range columns {
		if i > 0 && sep != "" {
			t.parts = append(t.parts, part{lit: sep})
		}
		t.parts = append(t.parts, part{column: strings.TrimSpace(c)})
	}
	t.raw = t.String()
	return t
}

// String writes the template back in its {Column} form.
func (t Template) String() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.column != "" {
			b.WriteString("{" + p.column + "}")
		} else {
			b.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(p.lit))
		}
	}
	return b.String()
}

// Columns are the columns the template reads, in order.
func (t Template) Columns() []string {
	var out []string
	for _, p := range t.parts {
		if p.column != "" {
			out = append(out, p.column)
		}
	}
	return out
}

// Composite reports whether the template is more than one bare column
// (several columns or literal text): its values are built, not copied.
func (t Template) Composite() bool {
	return len(t.parts) != 1 || t.parts[0].column == ""
}

// Field is one mapped field: a template, an optional map of its rendered
// value to the value stored (matched case-insensitively), and a default
// for an empty value.
type Field struct {
	Template Template
	Map      map[string]string
	Default  string
	// Columns, when set, are joined as labelled sections instead of the
	// template (a document's body built from several columns).
	Sections []string
}

// Mapping maps field names to fields.
type Mapping map[string]Field

// Fields returns the mapping's field names, sorted.
func (m Mapping) Fields() []string {
	out := make([]string, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Check returns an error naming the first field not in allowed.
func (m Mapping) Check(allowed map[string]bool, what string) error {
	for _, f := range m.Fields() {
		if !allowed[f] {
			names := make([]string, 0, len(allowed))
			for n := range allowed {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("%s mapping: unknown field %q (fields: %s)", what, f, strings.Join(names, ", "))
		}
	}
	return nil
}

// ParseFlag reads a mapping from a flag value such as
// "id=WO Number,title=Summary,body=Problem+Action" or
// "id={machineID}-{datetime}-{failure}". Several columns joined by + are
// labelled sections for the fields in sections (a body) and are joined
// with "-" for any other field (an id made of several columns).
func ParseFlag(s string, sections map[string]bool) (Mapping, error) {
	m := Mapping{}
	for _, pair := range splitPairs(s) {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		f, spec, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("csv mapping %q: want field=column", pair)
		}
		f = strings.ToLower(strings.TrimSpace(f))
		spec = strings.TrimSpace(spec)
		if spec == "" {
			return nil, fmt.Errorf("csv mapping %q: no column for %s", pair, f)
		}
		if !strings.ContainsAny(spec, "{}") && strings.Contains(spec, "+") {
			cols := strings.Split(spec, "+")
			for _, c := range cols {
				if strings.TrimSpace(c) == "" {
					return nil, fmt.Errorf("csv mapping %q: an empty column between +", pair)
				}
			}
			if sections[f] {
				m[f] = Field{Sections: trimAll(cols), Template: Join(cols, "")}
			} else {
				m[f] = Field{Template: Join(cols, "-")}
			}
			continue
		}
		t, err := ParseTemplate(spec)
		if err != nil {
			return nil, fmt.Errorf("csv mapping %q: %w", pair, err)
		}
		m[f] = Field{Template: t}
	}
	return m, nil
}

// splitPairs splits a flag value at commas outside braces, so a template
// may hold a comma ("{a}, {b}").
func splitPairs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// File is a mapping file: the fields of an incident document and of a
// maintenance event per row (either or both), and how to read values.
//
//	document:                      # one incident document per row (gemba ingest, gemba history import)
//	  id: "pdm-{machineID}-{datetime}-{failure}"
//	  title: "machine-{machineID}: {failure} failed"
//	event:                         # one maintenance event per row (gemba history import)
//	  kind: failure                # text without braces is a constant; columns are {Column}
//	  asset: "machine-{machineID}"
//	  opened_at: "{datetime}"
//	  type: {template: "{WO Type}", map: {PM: preventive, CM: work_order}, default: work_order}
//	time_zone: UTC                 # of timestamps written without one
//	if_exists: replace             # or skip: keep records already stored under the same id
//
// A file without document: and event: sections is a document mapping
// written flat (field: column), as before.
type File struct {
	Document Mapping
	Event    Mapping
	// Equipment maps a row to an asset of the equipment register (asset,
	// asset_type, model, line, installed_at or age_years with as_of).
	Equipment Mapping
	// TimeZone is the IANA zone of timestamps without an offset (default UTC).
	TimeZone string
	// IfExists is "replace" (default) or "skip".
	IfExists string
	// Source tags what the file imports ("azure-pdm-failures"); default
	// the CSV file's name.
	Source string
}

var fileKeys = map[string]bool{"document": true, "event": true, "equipment": true, "time_zone": true, "if_exists": true, "source": true}

// LoadFile reads a mapping file (YAML or JSON); sections names the fields
// whose lists of columns are labelled sections (a body).
func LoadFile(path string, sections map[string]bool) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("mapping file: %w", err)
	}
	f, err := ParseFile(data, sections)
	if err != nil {
		return File{}, fmt.Errorf("mapping file %s: %w", path, err)
	}
	return f, nil
}

// ParseFile reads the content of a mapping file.
func ParseFile(data []byte, sections map[string]bool) (File, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return File{}, fmt.Errorf("not valid YAML: %w", err)
	}
	if len(raw) == 0 {
		return File{}, errors.New("empty mapping")
	}
	_, hasDoc := raw["document"]
	_, hasEvent := raw["event"]
	_, hasEquipment := raw["equipment"]
	f := File{IfExists: "replace"}
	if !hasDoc && !hasEvent && !hasEquipment {
		m, err := parseSection(raw, sections, false)
		if err != nil {
			return File{}, err
		}
		f.Document = m
		return f, nil
	}
	for k, v := range raw {
		if !fileKeys[k] {
			return File{}, fmt.Errorf("unknown key %q (want document, event, equipment, time_zone, if_exists, source)", k)
		}
		var err error
		switch k {
		case "document", "event", "equipment":
			sec, ok := v.(map[string]any)
			if !ok {
				return File{}, fmt.Errorf("%s: want a map of field: template", k)
			}
			var m Mapping
			if m, err = parseSection(sec, sections, true); err == nil {
				switch k {
				case "document":
					f.Document = m
				case "event":
					f.Event = m
				default:
					f.Equipment = m
				}
			}
		case "time_zone":
			f.TimeZone = fmt.Sprint(v)
		case "source":
			f.Source = fmt.Sprint(v)
		case "if_exists":
			f.IfExists = fmt.Sprint(v)
			if f.IfExists != "replace" && f.IfExists != "skip" {
				err = fmt.Errorf("if_exists %q: want replace or skip", f.IfExists)
			}
		}
		if err != nil {
			return File{}, err
		}
	}
	return f, nil
}

// parseSection reads a section's fields. In a sectioned file (literal
// set) text without braces is a constant ("kind: failure") and columns are
// written {Column}; in a flat file it is a column name, as it always was.
func parseSection(raw map[string]any, sections map[string]bool, literal bool) (Mapping, error) {
	m := Mapping{}
	for k, v := range raw {
		name := strings.ToLower(strings.TrimSpace(k))
		if s, ok := v.(string); ok && literal && !strings.ContainsAny(s, "{}") {
			m[name] = Field{Template: Template{raw: s, parts: []part{{lit: s}}}}
			continue
		}
		fd, err := parseField(v, sections[name])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		m[name] = fd
	}
	return m, nil
}

func parseField(v any, section bool) (Field, error) {
	switch x := v.(type) {
	case string:
		t, err := ParseTemplate(x)
		return Field{Template: t}, err
	case int, int64, float64, bool:
		// A constant (downtime_minutes: 0) is a template without columns.
		return Field{Template: Template{raw: fmt.Sprint(x), parts: []part{{lit: fmt.Sprint(x)}}}}, nil
	case []any:
		cols := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return Field{}, fmt.Errorf("want a list of column names, got %v", e)
			}
			cols = append(cols, strings.TrimSpace(s))
		}
		if len(cols) == 0 {
			return Field{}, errors.New("an empty list of columns")
		}
		if section {
			return Field{Sections: cols, Template: Join(cols, "")}, nil
		}
		return Field{Template: Join(cols, "-")}, nil
	case map[string]any:
		var fd Field
		for k, e := range x {
			switch k {
			case "template", "column":
				s, ok := e.(string)
				if !ok {
					return Field{}, fmt.Errorf("%s: want text", k)
				}
				t, err := ParseTemplate(s)
				if err != nil {
					return Field{}, err
				}
				fd.Template = t
			case "map":
				mm, ok := e.(map[string]any)
				if !ok {
					return Field{}, errors.New("map: want value: stored value pairs")
				}
				fd.Map = map[string]string{}
				for a, b := range mm {
					fd.Map[strings.ToLower(strings.TrimSpace(a))] = strings.TrimSpace(fmt.Sprint(b))
				}
			case "default":
				fd.Default = strings.TrimSpace(fmt.Sprint(e))
			default:
				return Field{}, fmt.Errorf("unknown key %q (want template, map, default)", k)
			}
		}
		if len(fd.Template.parts) == 0 && fd.Default == "" {
			return Field{}, errors.New("needs a template (or a default)")
		}
		return fd, nil
	}
	return Field{}, fmt.Errorf("want a template, a list of columns or {template, map, default}, got %T", v)
}

// Bound is a mapping bound to a file's header: each column reference is
// an index.
type Bound struct {
	header []string
	fields map[string]boundField
	used   map[int]bool
}

type boundField struct {
	f        Field
	idx      []int // per part: column index, or -1 for a literal
	sections []int
}

// ErrColumn is a mapped column the header does not have.
type ErrColumn struct {
	Field, Column string
	Header        []string
}

func (e *ErrColumn) Error() string {
	return fmt.Sprintf("field %q reads column %q, which is not in the header (%s)", e.Field, e.Column, strings.Join(e.Header, ", "))
}

// Bind resolves the mapping's columns against header (matched
// case-insensitively, spaces trimmed).
func (m Mapping) Bind(header []string) (*Bound, error) {
	idx := map[string]int{}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[key]; !dup {
			idx[key] = i
		}
	}
	b := &Bound{header: header, fields: map[string]boundField{}, used: map[int]bool{}}
	for _, name := range m.Fields() {
		f := m[name]
		bf := boundField{f: f}
		look := func(col string) (int, error) {
			i, ok := idx[strings.ToLower(strings.TrimSpace(col))]
			if !ok {
				return 0, &ErrColumn{Field: name, Column: col, Header: header}
			}
			b.used[i] = true
			return i, nil
		}
		for _, p := range f.Template.parts {
			if p.column == "" {
				bf.idx = append(bf.idx, -1)
				continue
			}
			i, err := look(p.column)
			if err != nil {
				return nil, err
			}
			bf.idx = append(bf.idx, i)
		}
		for _, c := range f.Sections {
			i, err := look(c)
			if err != nil {
				return nil, err
			}
			bf.sections = append(bf.sections, i)
		}
		b.fields[name] = bf
	}
	return b, nil
}

// Has reports whether the mapping has the field.
func (b *Bound) Has(field string) bool { _, ok := b.fields[field]; return ok }

// Used reports whether a column is read by some field.
func (b *Bound) Used(i int) bool { return b.used[i] }

// Header is the file's header.
func (b *Bound) Header() []string { return b.header }

// Value renders a field for a record: the template with each column's
// trimmed cell, then the value map and the default. A template whose
// columns are all empty renders empty (so "machine-{id}" of an empty id is
// empty, not "machine-").
func (b *Bound) Value(field string, rec []string) string {
	bf, ok := b.fields[field]
	if !ok {
		return ""
	}
	cell := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var sb strings.Builder
	filled, cols := false, false
	for k, p := range bf.f.Template.parts {
		if bf.idx[k] < 0 {
			sb.WriteString(p.lit)
			continue
		}
		cols = true
		if v := cell(bf.idx[k]); v != "" {
			filled = true
			sb.WriteString(v)
		}
	}
	v := strings.TrimSpace(sb.String())
	if cols && !filled {
		v = ""
	}
	if bf.f.Map != nil && v != "" {
		if to, ok := bf.f.Map[strings.ToLower(v)]; ok {
			v = to
		}
	}
	if v == "" {
		v = bf.f.Default
	}
	return v
}

// Sections returns a field's labelled sections (header, cell) with text.
func (b *Bound) Sections(field string, rec []string) [][2]string {
	bf, ok := b.fields[field]
	if !ok {
		return nil
	}
	var out [][2]string
	for _, i := range bf.sections {
		if i < len(rec) {
			if v := strings.TrimSpace(rec[i]); v != "" {
				out = append(out, [2]string{b.header[i], v})
			}
		}
	}
	return out
}

// IsSections reports whether the field joins several columns as sections.
func (b *Bound) IsSections(field string) bool { return len(b.fields[field].sections) > 0 }

// Composite reports whether the field's template builds its value.
func (b *Bound) Composite(field string) bool { return b.fields[field].f.Template.Composite() }

// Row is one record of a CSV file and the line it starts on.
type Row struct {
	Line   int
	Record []string
}

// Reader reads a CSV file's header and rows with their line numbers.
type Reader struct {
	cr     *csv.Reader
	Header []string
}

// NewReader reads the header of r. An empty file is io.EOF.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(16 << 10)
	comma, _ := SniffFormat(head) // a ";"-separated Excel export reads too
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	h, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("csv header: %w", err)
	}
	if len(h) > 0 {
		h[0] = strings.TrimPrefix(h[0], "\ufeff")
	}
	return &Reader{cr: cr, Header: h}, nil
}

// Next returns the next row, or io.EOF. A malformed row's error names its line.
func (r *Reader) Next() (Row, error) {
	rec, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Row{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{}, fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)
		}
		return Row{}, err
	}
	line, _ := r.cr.FieldPos(0)
	return Row{Line: line, Record: rec}, nil
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9._:/-]+`)

// Slug turns a built id ("12-2015-01-05 06:00:00-comp4") into one a store
// accepts: runs of other characters become "-" ("12-2015-01-05-06:00:00-comp4").
func Slug(s string) string {
	return strings.Trim(nonID.ReplaceAllString(strings.TrimSpace(s), "-"), "-")
}

// Problems collects row errors up to a limit and writes them as one error.
type Problems struct {
	list  []string
	total int
	// Max is how many are listed (default 10); the rest are counted.
	Max int
}

// Add records a problem on a line (0: the message names its place itself).
func (p *Problems) Add(line int, format string, args ...any) {
	p.total++
	limit := p.Max
	if limit == 0 {
		limit = 10
	}
	if len(p.list) < limit {
		msg := fmt.Sprintf(format, args...)
		if line > 0 {
			msg = fmt.Sprintf("line %d: ", line) + msg
		}
		p.list = append(p.list, msg)
	}
}

// Len is the number of problems recorded.
func (p *Problems) Len() int { return p.total }

// Err is nil without problems, else one error listing them.
func (p *Problems) Err() error {
	if p.total == 0 {
		return nil
	}
	msg := strings.Join(p.list, "; ")
	if p.total > len(p.list) {
		msg += fmt.Sprintf("; and %d more", p.total-len(p.list))
	}
	return &RowErrors{Count: p.total, Msg: msg}
}

// RowErrors are the problems of a file's rows; nothing of the file is
// written when there are any.
type RowErrors struct {
	Count int
	Msg   string
}

func (e *RowErrors) Error() string {
	return fmt.Sprintf("%d row(s) cannot be imported (nothing was written): %s", e.Count, e.Msg)
}

// Duplicates finds rows that give the same id: the returned map says,
// per duplicated id, the lines that give it.
type Duplicates struct {
	first map[string]int
}

// See records that line gives id and returns the earlier line giving the
// same id (0 when none).
func (d *Duplicates) See(id string, line int) int {
	if d.first == nil {
		d.first = map[string]int{}
	}
	if l, ok := d.first[id]; ok {
		return l
	}
	d.first[id] = line
	return 0
}

// SniffFormat reads the start of a CSV file (its first kilobytes): the
// field separator, the most frequent of , ; tab and | in the header line
// outside quotes (a comma on a tie); and, for a file not separated by
// commas, whether its numbers are written with a decimal comma ("50,64"):
// some cells read so and none with a decimal point.
func SniffFormat(head []byte) (comma rune, decimalComma bool) {
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(line) {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t' || c == '|'):
			counts[c]++
		}
	}
	comma = ','
	for _, c := range []rune{';', '\t', '|'} {
		if counts[c] > counts[comma] {
			comma = c
		}
	}
	if comma == ',' {
		return comma, false
	}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1] // whole lines only: the sample may end mid-row
	}
	cr := csv.NewReader(bytes.NewReader(head))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = comma, -1, true
	commas, points := 0, 0
	for n := 0; n < 50; n++ {
		rec, err := cr.Read()
		if err != nil {
			break // the end of the sample (a cut last line included)
		}
		for _, f := range rec {
			f = strings.TrimSpace(f)
			switch {
			case decimalCommaCell.MatchString(f):
				commas++
			case decimalPointCell.MatchString(f):
				points++
			}
		}
	}
	return comma, commas > 0 && points == 0
}

var (
	decimalCommaCell = regexp.MustCompile(`^[+-]?\d+,\d+$`)
	decimalPointCell = regexp.MustCompile(`^[+-]?\d+\.\d+$`)
)
