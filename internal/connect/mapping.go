package connect

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/config"
)

// Errors of mapping one message, counted by kind.
var (
	// errPayload is a payload that is not what the mapping reads.
	errPayload = errors.New("payload")
	// errUnmapped is a message no mapping (or no value) applies to.
	errUnmapped = errors.New("unmapped")
)

// topicMapper maps MQTT messages to points with the connector's mappings,
// tried in order; the first whose topic pattern matches applies.
type topicMapper struct {
	rules []*topicRule
	// described holds the names already described once, so the description
	// of a new series travels only with the first message that names it.
	described sync.Map
}

type topicRule struct {
	m        config.TopicMapping
	levels   []level
	captures []string // capture names by index
	series   template
	values   []valueRule
	records  []string
	ts       []string
	value    []string
	fields   []string
	// the captures that describe a series (asset, line, site, sensor): index or -1
	asset, line, site, sensor int
}

type valueRule struct {
	path   []string
	series template
	unit   string
}

// level is one level of a topic pattern.
type level struct {
	kind byte   // 'l' literal, '+' one level, '#' the rest, 'c' capture
	text string // the literal
	cap  int    // capture index for 'c'
}

// template is a series name template compiled to parts.
type template []tplPart

type tplPart struct {
	lit   string
	cap   int // capture index, or -1
	field bool
}

func compileTemplate(s string, captures []string) template {
	var t template
	for s != "" {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s, '}')
		if i < 0 || j < i {
			t = append(t, tplPart{lit: s, cap: -1})
			break
		}
		if i > 0 {
			t = append(t, tplPart{lit: s[:i], cap: -1})
		}
		name := s[i+1 : j]
		switch {
		case name == "field":
			t = append(t, tplPart{cap: -1, field: true})
		default:
			idx := -1
			for k, c := range captures {
				if c == name {
					idx = k
				}
			}
			t = append(t, tplPart{cap: idx})
		}
		s = s[j+1:]
	}
	return t
}

func (t template) expand(caps []string, field string) string {
	if len(t) == 1 && t[0].cap < 0 && !t[0].field {
		return t[0].lit
	}
	var b strings.Builder
	for _, p := range t {
		switch {
		case p.field:
			b.WriteString(field)
		case p.cap >= 0:
			b.WriteString(caps[p.cap])
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

func splitPath(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, ".")
}

// newTopicMapper compiles the mappings (already validated by config).
func newTopicMapper(ms []config.TopicMapping) *topicMapper {
	tm := &topicMapper{}
	for _, m := range ms {
		r := &topicRule{m: m, asset: -1, line: -1, site: -1, sensor: -1}
		for _, lv := range strings.Split(m.Topic, "/") {
			switch {
			case lv == "+":
				r.levels = append(r.levels, level{kind: '+'})
			case lv == "#":
				r.levels = append(r.levels, level{kind: '#'})
			case strings.HasPrefix(lv, "{") && strings.HasSuffix(lv, "}"):
				name := lv[1 : len(lv)-1]
				idx := len(r.captures)
				r.captures = append(r.captures, name)
				r.levels = append(r.levels, level{kind: 'c', cap: idx})
				switch name {
				case "asset":
					r.asset = idx
				case "line":
					r.line = idx
				case "site":
					r.site = idx
				case "sensor":
					r.sensor = idx
				}
			default:
				r.levels = append(r.levels, level{kind: 'l', text: lv})
			}
		}
		r.series = compileTemplate(m.Series, r.captures)
		for _, v := range m.Values {
			r.values = append(r.values, valueRule{path: splitPath(v.Path), series: compileTemplate(v.Series, r.captures), unit: v.Unit})
		}
		r.records = splitPath(m.Records)
		r.ts = splitPath(m.Timestamp)
		r.value = splitPath(m.Value)
		r.fields = splitPath(m.Fields)
		tm.rules = append(tm.rules, r)
	}
	return tm
}

// filters returns the subscription filters: each pattern with {name}
// levels read as +, without repeats.
func (tm *topicMapper) filters() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range tm.rules {
		parts := make([]string, len(r.levels))
		for i, l := range r.levels {
			switch l.kind {
			case 'l':
				parts[i] = l.text
			case '#':
				parts[i] = "#"
			default:
				parts[i] = "+"
			}
		}
		f := strings.Join(parts, "/")
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// match reports whether topic matches the rule, with the captured levels.
func (r *topicRule) match(topic string) ([]string, bool) {
	lv := strings.Split(topic, "/")
	caps := make([]string, len(r.captures))
	for i, l := range r.levels {
		if l.kind == '#' {
			return caps, true
		}
		if i >= len(lv) {
			return nil, false
		}
		switch l.kind {
		case 'l':
			if lv[i] != l.text {
				return nil, false
			}
		case 'c':
			if lv[i] == "" {
				return nil, false
			}
			caps[l.cap] = lv[i]
		}
	}
	return caps, len(lv) == len(r.levels)
}

// mapMessage turns one message into points; arrived stamps readings
// without a timestamp of their own. describe is non-nil when the message
// names a series this mapper has not described before.
func (tm *topicMapper) mapMessage(topic string, payload []byte, arrived time.Time) ([]Point, map[string]SeriesInfo, error) {
	for _, r := range tm.rules {
		caps, ok := r.match(topic)
		if !ok {
			continue
		}
		pts, err := r.points(payload, caps, arrived)
		if err != nil {
			return nil, nil, err
		}
		var describe map[string]SeriesInfo
		for _, p := range pts {
			if _, seen := tm.described.LoadOrStore(p.Series, struct{}{}); !seen {
				if describe == nil {
					describe = map[string]SeriesInfo{}
				}
				describe[p.Series] = r.info(caps, p.Series)
			}
		}
		return pts, describe, nil
	}
	return nil, nil, fmt.Errorf("%w: no mapping matches topic %q", errUnmapped, topic)
}

func (r *topicRule) info(caps []string, name string) SeriesInfo {
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return caps[i]
	}
	in := SeriesInfo{Unit: r.m.Unit, Asset: get(r.asset), Line: get(r.line), Site: get(r.site), Sensor: get(r.sensor)}
	for _, v := range r.values {
		if v.unit != "" && v.series.expand(caps, "") == name {
			in.Unit = v.unit
		}
	}
	if in.Sensor == "" && in.Asset != "" && strings.HasPrefix(name, in.Asset+".") {
		in.Sensor = strings.TrimPrefix(name, in.Asset+".")
	}
	return in
}

func (r *topicRule) points(payload []byte, caps []string, arrived time.Time) ([]Point, error) {
	if r.m.Payload == config.PayloadPlain {
		v, err := parseNumber(strings.TrimSpace(string(payload)))
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not a number", errPayload, clip(payload))
		}
		return []Point{{Series: r.series.expand(caps, ""), TS: arrived, Value: v}}, nil
	}
	var doc any
	if err := json.Unmarshal(payload, &doc); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %w", errPayload, err)
	}
	records := []any{doc}
	if r.m.Records != "" {
		arr, ok := lookup(doc, r.records).([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not an array of records", errPayload, r.m.Records)
		}
		records = arr
	}
	var out []Point
	for _, rec := range records {
		ts := arrived
		if r.ts != nil {
			t, err := parseTime(lookup(rec, r.ts))
			if err != nil {
				return nil, fmt.Errorf("%w: timestamp %q: %w", errPayload, r.m.Timestamp, err)
			}
			ts = t
		}
		switch {
		case r.values != nil:
			for _, v := range r.values {
				x, ok := number(lookup(rec, v.path))
				if ok {
					out = append(out, Point{Series: v.series.expand(caps, ""), TS: ts, Value: x})
				}
			}
		case r.fields != nil || r.m.Fields == ".":
			obj, ok := lookup(rec, r.fields).(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: %q is not an object of fields", errPayload, r.m.Fields)
			}
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if r.m.Fields == "." && r.ts != nil && len(r.ts) == 1 && k == r.ts[0] {
					continue // the timestamp is not a reading
				}
				if x, ok := number(obj[k]); ok {
					out = append(out, Point{Series: r.series.expand(caps, k), TS: ts, Value: x})
				}
			}
		default:
			x, ok := number(lookup(rec, r.value))
			if !ok {
				return nil, fmt.Errorf("%w: %q is not a number", errPayload, r.m.Value)
			}
			out = append(out, Point{Series: r.series.expand(caps, ""), TS: ts, Value: x})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no numeric value in the message", errUnmapped)
	}
	return out, nil
}

// lookup follows path in a decoded JSON document (object keys, array
// indexes); nil when absent.
func lookup(doc any, path []string) any {
	cur := doc
	for _, seg := range path {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// number reads a JSON value as a reading: numbers, numeric text and
// booleans (1 and 0). NaN and infinities are refused.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		f, err := parseNumber(strings.TrimSpace(x))
		return f, err == nil
	}
	return 0, false
}

func parseNumber(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "true", "on":
		return 1, nil
	case "false", "off":
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a finite number")
	}
	return f, nil
}

// timeLayouts are the text timestamps accepted besides RFC 3339; a time
// without a zone is UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// parseTime reads RFC 3339 text or Unix time as a number (or numeric
// text): seconds, milliseconds, microseconds or nanoseconds, told apart by
// magnitude (seconds until the year 5138).
func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, errors.New("missing")
	case float64:
		return unixTime(x)
	case string:
		s := strings.TrimSpace(x)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return unixTime(f)
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor Unix time", s)
	}
	return time.Time{}, fmt.Errorf("%v is neither RFC 3339 nor Unix time", v)
}

func unixTime(f float64) (time.Time, error) {
	a := math.Abs(f)
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f <= 0:
		return time.Time{}, fmt.Errorf("%v is not a Unix time", f)
	case a < 1e11: // seconds
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	case a < 1e14: // milliseconds
		return time.UnixMicro(int64(math.Round(f * 1e3))).UTC(), nil
	case a < 1e17: // microseconds
		return time.UnixMicro(int64(math.Round(f))).UTC(), nil
	default: // nanoseconds
		return time.Unix(0, int64(f)).UTC(), nil
	}
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
