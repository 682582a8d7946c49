package rag

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/csvmap"
)

// ParseOptions steer how files become documents.
type ParseOptions struct {
	// Kind is used for documents that do not state their kind (--kind).
	Kind Kind
	// CSV maps CSV columns to document fields; nil matches headers by name.
	CSV CSVMapping
}

// ErrEmpty marks a document or file with no text; ingestion skips it with a
// warning rather than failing.
var ErrEmpty = errors.New("empty document")

// ParseFile reads one file and returns its documents, chosen by extension:
// .md/.markdown (YAML front matter), .json, .jsonl/.ndjson, .csv, and
// anything else as plain text. Sources are set to the file's path.
//
// Records of a multi-document file (JSON, JSONL, CSV) that have no text are
// skipped and described in warnings; an empty single-document file returns
// ErrEmpty.
//
// Only a regular file is read, up to its format's limit
// (MaxDocumentFileBytes or MaxRecordsFileBytes).
func ParseFile(path string, opt ParseOptions) (docs []Document, warnings []string, err error) {
	data, err := readFile(path, nil)
	if err != nil {
		return nil, nil, err
	}
	return ParseBytes(path, data, opt)
}

// ParseBytes parses the content of a file named path, as ParseFile does.
func ParseBytes(path string, data []byte, opt ParseOptions) (docs []Document, warnings []string, err error) {
	if !utf8.Valid(data) {
		return nil, nil, errors.New("not valid UTF-8 text")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		// PostgreSQL text cannot hold NUL: refused here, as this file's
		// problem, rather than failing the batch it would be written with.
		return nil, nil, errors.New("contains NUL bytes (a binary file?), not text")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch strings.ToLower(filepath.Ext(path)) {
	case ".md", ".markdown":
		var d Document
		d, err = ParseMarkdown(data, baseID(path), opt.Kind)
		docs = []Document{d}
	case ".json":
		docs, err = ParseJSON(data, opt.Kind)
	case ".jsonl", ".ndjson":
		docs, err = ParseJSONL(data, opt.Kind)
	case ".csv":
		docs, err = ParseCSV(bytes.NewReader(data), opt.CSV, opt.Kind)
	default:
		d := ParseText(data, baseID(path), opt.Kind)
		if d.Body == "" {
			err = ErrEmpty
		} else {
			err = d.Validate()
		}
		docs = []Document{d}
	}
	if err != nil {
		return nil, nil, err
	}
	kept := docs[:0]
	for _, d := range docs {
		if d.Body == "" {
			warnings = append(warnings, fmt.Sprintf("%s: record %q has no text; skipped", path, d.ID))
			continue
		}
		d.Source = path
		kept = append(kept, d)
	}
	if len(kept) == 0 {
		return nil, warnings, ErrEmpty
	}
	return kept, warnings, nil
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// baseID derives a document id from a file name.
func baseID(path string) string {
	b := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return strings.Trim(nonID.ReplaceAllString(b, "-"), "-")
}

// ParseMarkdown reads a Markdown document with optional YAML front matter
// (between --- lines). Known fields fill the Document; other fields go to
// Metadata. A missing id falls back to defaultID and a missing title to the
// first "# " heading. A bad field comes back as a *FieldError.
func ParseMarkdown(data []byte, defaultID string, defaultKind Kind) (Document, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	d := Document{ID: defaultID, Kind: defaultKind}
	if strings.HasPrefix(text, "---\n") {
		end := strings.Index(text[4:], "\n---")
		if end < 0 {
			return d, errors.New("front matter starts with --- but never ends")
		}
		fm := text[4 : 4+end]
		text = text[4+end+4:]
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		} else {
			text = ""
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(fm), &m); err != nil {
			return d, fmt.Errorf("front matter is not valid YAML: %w", err)
		}
		if err := applyFields(&d, m, false); err != nil {
			return d, err
		}
	}
	d.Body = strings.TrimSpace(text)
	if d.Title == "" {
		for _, l := range strings.Split(d.Body, "\n") {
			if strings.HasPrefix(l, "# ") {
				d.Title = strings.TrimSpace(l[2:])
				break
			}
		}
	}
	if d.Body == "" {
		return d, ErrEmpty
	}
	return d, d.Validate()
}

// ParseText reads a plain-text note: the first line is its title.
func ParseText(data []byte, id string, kind Kind) Document {
	text := strings.TrimSpace(strings.ReplaceAll(string(data), "\r\n", "\n"))
	title, _, _ := strings.Cut(text, "\n")
	if utf8.RuneCountInString(title) > 120 {
		title = string([]rune(title)[:120])
	}
	return Document{ID: id, Kind: kind, Title: strings.TrimSpace(title), Body: text}
}

// ParseJSON reads one document object or an array of them.
func ParseJSON(data []byte, kind Kind) ([]Document, error) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, ErrEmpty
	}
	var raws []map[string]any
	if t[0] == '[' {
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, fmt.Errorf("not a JSON array of objects: %w", err)
		}
	} else {
		var m map[string]any
		if err := json.Unmarshal(t, &m); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		raws = []map[string]any{m}
	}
	out := make([]Document, 0, len(raws))
	for i, m := range raws {
		d, err := docFromMap(m, kind)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseJSONL reads one JSON document object per line; blank lines are skipped.
func ParseJSONL(data []byte, kind Kind) ([]Document, error) {
	var out []Document
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %w", n, err)
		}
		d, err := docFromMap(m, kind)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}

func docFromMap(m map[string]any, kind Kind) (Document, error) {
	d := Document{Kind: kind}
	if err := applyFields(&d, m, true); err != nil {
		return d, err
	}
	d.Body = strings.TrimSpace(d.Body)
	return d, d.Validate()
}

// applyFields copies known fields from a decoded map into d, naming the
// field on any type or format error. withBody also reads body/content/text.
func applyFields(d *Document, m map[string]any, withBody bool) error {
	for k, v := range m {
		key := strings.ToLower(strings.TrimSpace(k))
		if v == nil {
			continue
		}
		var err error
		switch key {
		case "id":
			d.ID, err = asString(v)
		case "title":
			d.Title, err = asString(v)
		case "kind", "type":
			var s string
			if s, err = asString(v); err == nil {
				d.Kind, err = ParseKind(s)
			}
		case "site":
			d.Site, err = asString(v)
		case "line":
			d.Line, err = asString(v)
		case "asset", "equipment":
			d.Asset, err = asString(v)
		case "failure_mode", "failure-mode", "failuremode":
			d.FailureMode, err = asString(v)
		case "severity", "priority":
			d.Severity, err = asString(v)
		case "occurred_at", "occurred", "date", "started_at":
			d.OccurredAt, err = asTime(v)
		case "resolved_at", "resolved", "closed_at":
			d.ResolvedAt, err = asTime(v)
		case "downtime_minutes", "downtime", "downtime_min":
			d.DowntimeMinutes, err = asInt(v)
		case "tags", "labels":
			d.Tags, err = asStrings(v)
		case "outcome", "result":
			var s string
			if s, err = asString(v); err == nil {
				d.Outcome, err = ParseOutcome(s)
			}
		case "lang", "language":
			d.Lang, err = asString(v)
		case "rules":
			if d.Metadata == nil {
				d.Metadata = map[string]any{}
			}
			d.Metadata["rules"], err = parseRules(v)
		case "source", "url":
			// The ingesting file path wins; a stated URL is kept as metadata.
			if d.Metadata == nil {
				d.Metadata = map[string]any{}
			}
			d.Metadata["url"] = jsonSafe(v)
		case "body", "content", "text", "description":
			if !withBody {
				goto meta
			}
			d.Body, err = asString(v)
		default:
			goto meta
		}
		if err != nil {
			return &FieldError{Field: key, Reason: err.Error()}
		}
		continue
	meta:
		if d.Metadata == nil {
			d.Metadata = map[string]any{}
		}
		d.Metadata[key] = jsonSafe(v)
	}
	return nil
}

// Rule is a limit or decision rule a document states, written in its front
// matter so that answers can apply it to current readings:
//
//	rules:
//	  - {sensor: vibration, asset_type: press, condition: above_rising, limit: 4.5, unit: mm/s, for: 24h,
//	     level: alert, action: plan the bearing change, action_ko: 베어링 교체를 계획}
//
// Condition is above, below, above_rising (above and rising for at least
// For) or below_falling. Asset or AssetType narrow the machines it is for.
type Rule struct {
	Sensor    string  `json:"sensor"`
	Asset     string  `json:"asset,omitempty"`
	AssetType string  `json:"asset_type,omitempty"`
	Condition string  `json:"condition"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit,omitempty"`
	For       string  `json:"for,omitempty"`
	Level     string  `json:"level,omitempty"`
	Action    string  `json:"action"`
	ActionKO  string  `json:"action_ko,omitempty"`
}

// parseRules reads a front matter's rules, naming the first bad one, and
// returns them in their stored (JSON) form.
func parseRules(v any) (any, error) {
	b, err := json.Marshal(jsonSafe(v))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rules []Rule
	if err := dec.Decode(&rules); err != nil {
		return nil, fmt.Errorf("want a list of {sensor, condition, limit, action, …}: %w", err)
	}
	for i, r := range rules {
		switch {
		case r.Sensor == "" || r.Action == "":
			return nil, fmt.Errorf("rule %d: sensor and action are required", i+1)
		case r.Condition != "above" && r.Condition != "below" && r.Condition != "above_rising" && r.Condition != "below_falling":
			return nil, fmt.Errorf("rule %d: condition %q (want above, below, above_rising or below_falling)", i+1, r.Condition)
		}
		if r.For != "" {
			if _, err := time.ParseDuration(r.For); err != nil {
				return nil, fmt.Errorf("rule %d: for %q is not a duration like 24h", i+1, r.For)
			}
		}
	}
	var out any
	b, _ = json.Marshal(rules)
	_ = json.Unmarshal(b, &out)
	return out, nil
}

// jsonSafe converts YAML-decoded values (map[string]any with any keys,
// times, .nan and .inf) into values encoding/json accepts.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64) // JSON has no NaN: keep it as text
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = jsonSafe(e)
		}
		return x
	case map[any]any:
		out := map[string]any{}
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonSafe(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = jsonSafe(x[i])
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return v
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case int, int64, float64, bool:
		return fmt.Sprint(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339), nil
	}
	return "", fmt.Errorf("want text, got %T", v)
}

var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02", "2006/01/02 15:04", "2006/01/02", "01/02/2006 15:04", "01/02/2006"}

func asTime(v any) (*time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		t := x.UTC()
		return &t, nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, nil
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				t = t.UTC()
				return &t, nil
			}
		}
		return nil, fmt.Errorf("%q is not a date (use 2024-03-05 or 2024-03-05T14:20:00Z)", s)
	}
	return nil, fmt.Errorf("want a date, got %T", v)
}

func asInt(v any) (*int, error) {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		if x != float64(int(x)) {
			return nil, fmt.Errorf("%v is not a whole number", x)
		}
		n = int(x)
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, nil
		}
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(s, "min"), " "))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number of minutes", s)
		}
		n = i
	default:
		return nil, fmt.Errorf("want a number, got %T", v)
	}
	return &n, nil
}

func asStrings(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		var out []string
		for _, p := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := asString(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list, got %T", v)
}

// CSVMapping maps document fields (id, title, kind, asset, occurred_at,
// body, …) to templates of CSV columns (internal/csvmap): a column name,
// "{machineID}-{datetime}-{failure}", or several body columns joined as
// labelled paragraphs.
type CSVMapping = csvmap.Mapping

// csvSections are the fields whose several columns become labelled sections.
var csvSections = map[string]bool{"body": true}

// ParseCSVMapping reads a mapping from a flag value such as
// "id=WO Number,title=Summary,body=Problem+Action": several columns joined by
// + are labelled paragraphs of the body and are joined with "-" for any
// other field ("id=machineID+datetime+failure" is the id
// "{machineID}-{datetime}-{failure}"); a field may also be a template,
// "id={machineID}-{datetime}-{failure}".
func ParseCSVMapping(s string) (CSVMapping, error) {
	m, err := csvmap.ParseFlag(s, csvSections)
	if err != nil {
		return nil, fmt.Errorf("rag: %w", err)
	}
	return m, checkCSVMapping(m)
}

// LoadCSVMapping reads a mapping file (see csvmap.File): its document
// section, or field: column pairs written flat.
func LoadCSVMapping(path string) (CSVMapping, error) {
	f, err := csvmap.LoadFile(path, csvSections)
	if err != nil {
		return nil, fmt.Errorf("rag: csv %w", err)
	}
	if len(f.Document) == 0 {
		return nil, fmt.Errorf("rag: csv mapping file %s has no document section", path)
	}
	return f.Document, checkCSVMapping(f.Document)
}

var csvFields = map[string]bool{"id": true, "title": true, "kind": true, "site": true, "line": true, "asset": true,
	"failure_mode": true, "severity": true, "occurred_at": true, "resolved_at": true, "downtime_minutes": true,
	"tags": true, "outcome": true, "lang": true, "body": true}

func checkCSVMapping(m CSVMapping) error {
	if err := m.Check(csvFields, "csv"); err != nil {
		return fmt.Errorf("rag: %w", err)
	}
	return nil
}

// csvSynonyms match common work-order export headers when no mapping is given.
var csvSynonyms = map[string][]string{
	"id":               {"id", "work order", "work_order", "wo", "wo number", "wo_number", "order", "ticket"},
	"title":            {"title", "summary", "subject", "short description"},
	"kind":             {"kind", "type"},
	"site":             {"site", "plant"},
	"line":             {"line", "production line"},
	"asset":            {"asset", "equipment", "machine", "asset id", "equipment id"},
	"failure_mode":     {"failure_mode", "failure mode", "failure code", "problem code"},
	"severity":         {"severity", "priority"},
	"occurred_at":      {"occurred_at", "reported", "reported at", "created", "start", "date"},
	"resolved_at":      {"resolved_at", "completed", "closed", "finished", "end"},
	"downtime_minutes": {"downtime_minutes", "downtime", "downtime (min)", "downtime min"},
	"tags":             {"tags", "labels"},
	"outcome":          {"outcome", "result", "status of fix"},
	"body":             {"body", "description", "problem", "cause", "root cause", "action", "actions", "action taken", "resolution", "notes", "comments"},
}

// synonymMapping builds a mapping from header names alone.
func synonymMapping(header []string) CSVMapping {
	idx := map[string]string{}
	for _, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[key]; !dup {
			idx[key] = h
		}
	}
	m := CSVMapping{}
	used := map[string]bool{}
	for _, f := range []string{"id", "title", "kind", "site", "line", "asset", "failure_mode", "severity", "occurred_at", "resolved_at", "downtime_minutes", "tags", "outcome", "body"} {
		var cols []string
		for _, s := range csvSynonyms[f] {
			if h, ok := idx[s]; ok && !used[s] {
				used[s] = true
				cols = append(cols, h)
				if f != "body" {
					break
				}
			}
		}
		switch {
		case len(cols) == 0:
		case f == "body" && len(cols) > 1:
			m[f] = csvmap.Field{Sections: cols, Template: csvmap.Join(cols, "")}
		default:
			m[f] = csvmap.Field{Template: csvmap.Join(cols[:1], "")}
		}
	}
	return m
}

// ParseCSV reads a work-order export: one document per row. Columns come
// from mapping or, without one, by matching header names; unmapped columns
// become metadata. Errors name the line and the field; two rows that give
// the same id are an error naming both lines (a mapping whose id is not
// unique, e.g. one column where several make the key).
func ParseCSV(r io.Reader, mapping CSVMapping, kind Kind) ([]Document, error) {
	rd, err := csvmap.NewReader(r)
	if errors.Is(err, io.EOF) {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, err
	}
	header := rd.Header
	if mapping == nil {
		mapping = synonymMapping(header)
	}
	b, err := mapping.Bind(header)
	if err != nil {
		var ce *csvmap.ErrColumn
		if errors.As(err, &ce) {
			return nil, &FieldError{Field: ce.Field, Reason: fmt.Sprintf("mapped column %q is not in the header %q", ce.Column, strings.Join(header, ","))}
		}
		return nil, err
	}
	if !b.Has("id") {
		return nil, &FieldError{Field: "id", Reason: fmt.Sprintf("no column maps to the document id: name one, or build it from several, e.g. --csv-map 'id={%s}' or a mapping file (header: %s)", header[0], strings.Join(header, ", "))}
	}
	var out []Document
	var dups csvmap.Duplicates
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rec := row.Record
		m := map[string]any{}
		for _, f := range mapping.Fields() {
			if f == "body" && b.IsSections(f) {
				continue
			}
			m[f] = b.Value(f, rec)
		}
		if id, _ := m["id"].(string); id != "" && b.Composite("id") {
			m["id"] = csvmap.Slug(id)
		}
		var body []string
		if b.IsSections("body") {
			for _, sec := range b.Sections("body", rec) {
				body = append(body, "## "+sec[0]+"\n\n"+sec[1])
			}
			m["body"] = strings.Join(body, "\n\n")
		} else if v, _ := m["body"].(string); v != "" {
			body = []string{v}
		}
		// Unmapped columns go straight to metadata: read as fields, a
		// column named like one ("equipment" beside "asset", "type" beside a
		// mapped kind) would override the mapped value or fail the row, in
		// map order.
		extra := map[string]any{}
		for i, h := range header {
			if i < len(rec) && !b.Used(i) && strings.TrimSpace(rec[i]) != "" {
				extra[strings.ToLower(strings.TrimSpace(h))] = strings.TrimSpace(rec[i])
			}
		}
		if (m["title"] == nil || m["title"] == "") && len(body) > 0 {
			first := body[0]
			if strings.HasPrefix(first, "## ") {
				_, first, _ = strings.Cut(first, "\n\n")
			}
			t, _, _ := strings.Cut(first, "\n")
			if utf8.RuneCountInString(t) > 100 {
				t = string([]rune(t)[:100])
			}
			m["title"] = t
		}
		d, err := docFromMap(m, kind)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", row.Line, err)
		}
		if prev := dups.See(d.ID, row.Line); prev != 0 {
			return nil, &FieldError{Field: "id", Reason: fmt.Sprintf("rows %d and %d both give the id %q: the id must be unique per row (build it from more columns, e.g. id={col1}-{col2})", prev, row.Line, d.ID)}
		}
		if len(extra) > 0 {
			if d.Metadata == nil {
				d.Metadata = map[string]any{}
			}
			maps.Copy(d.Metadata, extra)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}
