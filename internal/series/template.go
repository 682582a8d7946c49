package series

import (
	"fmt"
	"strings"
)

// A naming template builds a series or asset name from the cells of an
// import row: "machine-{machineID}.{column}" names the value column volt
// of the row whose machineID is 12 "machine-12.volt". A placeholder is a
// column of the file (matched exactly, else ignoring case), {column} (the
// name of the value column being read) or, in a name template, {asset}
// (the row's asset, from the asset template). The same syntax maps MQTT
// topics to series (package connect).
type template struct {
	src   string
	parts []tplPart
	// prefixNumbers, for the default asset template of an entity column,
	// writes a numeric id as "<prefix>-<id>" (machineID 12 → machine-12)
	// and any other value as it is.
	prefixNumbers string
}

// tplPart is a literal (col == refLiteral) or a placeholder.
type tplPart struct {
	lit string
	col int // a column index, or one of the ref constants
}

const (
	refLiteral = -1
	refColumn  = -2
	refAsset   = -3
)

// parseTemplate reads src against the header. flag names the option in
// errors ("--name"); allowAsset admits {asset}.
func parseTemplate(flag, src string, header []string, allowAsset bool) (*template, error) {
	t := &template{src: src}
	rest := src
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return nil, fmt.Errorf("%s %q: a } without its {", flag, src)
			}
			t.parts = append(t.parts, tplPart{lit: rest, col: refLiteral})
			break
		}
		if i > 0 {
			if strings.IndexByte(rest[:i], '}') >= 0 {
				return nil, fmt.Errorf("%s %q: a } without its {", flag, src)
			}
			t.parts = append(t.parts, tplPart{lit: rest[:i], col: refLiteral})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("%s %q: a { without its }", flag, src)
		}
		ref := strings.TrimSpace(rest[i+1 : i+j])
		rest = rest[i+j+1:]
		switch {
		case strings.IndexByte(ref, '{') >= 0:
			return nil, fmt.Errorf("%s %q: a { without its }", flag, src)
		case ref == "":
			return nil, fmt.Errorf("%s %q: an empty {}", flag, src)
		case findHeader(header, ref) >= 0:
			t.parts = append(t.parts, tplPart{col: findHeader(header, ref)})
		case ref == "column":
			t.parts = append(t.parts, tplPart{col: refColumn})
		case ref == "asset" && allowAsset:
			t.parts = append(t.parts, tplPart{col: refAsset})
		default:
			extra := "{column}"
			if allowAsset {
				extra += ", {asset}"
			}
			return nil, fmt.Errorf("%s %q: {%s} is not a column of the file (columns: %s; also %s)", flag, src, ref, strings.Join(header, ", "), extra)
		}
	}
	return t, nil
}

// findHeader returns the column named name: exactly, else ignoring case
// and surrounding space (-1 when none).
func findHeader(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

// columns returns the file columns the template reads.
func (t *template) columns() []int {
	var out []int
	for _, p := range t.parts {
		if p.col >= 0 {
			out = append(out, p.col)
		}
	}
	return out
}

// uses reports whether the template has the placeholder ref.
func (t *template) uses(ref int) bool {
	for _, p := range t.parts {
		if p.col == ref {
			return true
		}
	}
	return false
}

// render writes the name for one row; empty is the first column whose cell
// is empty (then the name is not built).
func (t *template) render(rec []string, column, asset string) (name string, empty int) {
	var b strings.Builder
	for _, p := range t.parts {
		switch p.col {
		case refLiteral:
			b.WriteString(p.lit)
		case refColumn:
			b.WriteString(column)
		case refAsset:
			b.WriteString(asset)
		default:
			v := strings.TrimSpace(rec[p.col])
			if v == "" {
				return "", p.col
			}
			if t.prefixNumbers != "" && isDigits(v) {
				v = t.prefixNumbers + "-" + v
			}
			b.WriteString(v)
		}
	}
	return strings.TrimSpace(b.String()), -1
}

// String is the template as the user reads it.
func (t *template) String() string {
	if t.prefixNumbers != "" {
		return t.prefixNumbers + "-" + t.src
	}
	return t.src
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// entityPrefix is the asset prefix of numeric ids in an entity column:
// the column's name without its "id" ("machineID" → "machine",
// "unit_no" → "unit"), "asset" when nothing is left.
func entityPrefix(col string) string {
	p := strings.ToLower(strings.TrimSpace(col))
	for _, suf := range []string{"_id", "-id", " id", "id", "_no", "-no", " no", "_number", "number", "_nr", "nr"} {
		if q, ok := strings.CutSuffix(p, suf); ok && q != "" {
			p = q
			break
		}
	}
	p = strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		}
		return '-'
	}, p), "-")
	if p == "" || p == "id" {
		return "asset"
	}
	return p
}
