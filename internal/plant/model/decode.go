package model

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/config"
)

// Problem is one thing wrong with a plant model file, at a line of it.
type Problem struct {
	// Line is the file's line (0 when the problem is the file's as a whole).
	Line int `json:"line"`
	// Field is the path of the field ("assets[2].sensors[0].unit"); empty
	// for the whole file.
	Field string `json:"field,omitempty"`
	// Message says what is wrong and, where it can, what would be right.
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems are every problem found in a file, in the order of its lines.
type Problems []Problem

// Error lists the problems, one a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when there is none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// OnlyConnectors reports whether every problem is in the connectors (a
// password file missing on this machine): the rest of the model is still
// good to use.
func (ps Problems) OnlyConnectors() bool {
	for _, p := range ps {
		if !strings.HasPrefix(p.Field, "connectors") {
			return false
		}
	}
	return true
}

func (ps Problems) sorted() Problems {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

// decoder reads YAML nodes into the model's structs strictly: a key the
// struct does not have is a problem (a misspelt "aliasses:" must not be
// silently ignored), a value of the wrong kind is a problem naming the
// field, and the line of every field is kept for the checks that follow.
type decoder struct {
	lines    map[string]int
	problems Problems
}

func (d *decoder) bad(line int, field, format string, a ...any) {
	d.problems = append(d.problems, Problem{Line: line, Field: field, Message: fmt.Sprintf(format, a...)})
}

var (
	durationType  = reflect.TypeOf(time.Duration(0))
	connectorType = reflect.TypeOf([]config.Connector(nil))
)

// decode reads n into v (addressable) at path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the field as it is
	}
	t := v.Type()
	switch {
	case t == connectorType:
		conns, problems := config.ParseConnectorList(n)
		for _, p := range problems {
			line, msg := n.Line, p
			if m := problemLineRe.FindStringSubmatch(p); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			d.bad(line, path, "%s", msg)
		}
		v.Set(reflect.ValueOf(conns))
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			d.bad(n.Line, path, "expected a duration such as 10m or 1h")
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil || dur < 0 {
			d.bad(n.Line, path, "%q is not a duration such as 10m, 1h or 30s", n.Value)
			return
		}
		v.SetInt(int64(dur))
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.bad(n.Line, path, "expected a list (- item, or [a, b])")
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	default:
		if n.Kind != yaml.ScalarNode {
			d.bad(n.Line, path, "expected %s, not a %s", kindName(t.Kind()), nodeKind(n))
			return
		}
		switch {
		case t.Kind() == reflect.String && (n.Tag == "!!str" || n.Tag == "!!int" || n.Tag == "!!float"):
			v.SetString(n.Value) // the common case, without yaml's decoder
			return
		case t.Kind() == reflect.Float64 && (n.Tag == "!!int" || n.Tag == "!!float"):
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
				v.SetFloat(f)
				return
			}
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.bad(n.Line, path, "%q is not %s", n.Value, kindName(t.Kind()))
		}
	}
}

var problemLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeStruct reads a mapping into a struct by its yaml tags.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.bad(n.Line, path, "expected keys and values (name: …), not a %s", nodeKind(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var known []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = i
		known = append(known, name)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		at := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			hint := ""
			if near := nearest(k.Value, known); near != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			d.bad(k.Line, at, "unknown field%s; %s takes %s", hint, what(path), strings.Join(known, ", "))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.bad(k.Line, at, "given twice (first at line %d)", prev)
			continue
		}
		seen[k.Value] = k.Line
		d.decode(val, v.Field(idx), at)
		d.lines[at] = k.Line
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// what names the thing at path for messages ("an asset", "the file").
func what(path string) string {
	if path == "" {
		return "the file"
	}
	last := path[strings.LastIndexByte(path, '.')+1:]
	last = strings.TrimRight(last[:strings.IndexByte(last+"[", '[')], "s")
	switch last {
	case "":
		return "it"
	case "asset", "alias":
		return "an " + last
	}
	return "a " + last
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "text"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	}
	return "a " + k.String()
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	}
	return "node"
}

// nearest is the known name one or two edits from s ("" when none is).
func nearest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
