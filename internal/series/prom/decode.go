package prom

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Answers of query_range are read by a small decoder of their own:
// encoding/json spent 8 ms of a 10 ms read of one series' day at 10 s
// (8,640 [time, "value"] pairs decoded into interfaces), which is the
// whole latency budget of a window. The decoder reads exactly the
// Prometheus envelope and matrix, validates what it reads, and skips the
// rest.

// errJSON marks an answer that is not the JSON it should be.
var errJSON = errors.New("malformed JSON")

// rangeAnswer is a decoded query_range answer.
type rangeAnswer struct {
	status, errorType, errMsg string
	resultType                string
	series                    []rangeSeries
}

type rangeSeries struct {
	metric map[string]string
	times  []int64 // milliseconds
	values []float64
}

type jsonReader struct {
	b []byte
	p int
}

func (r *jsonReader) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errJSON, what, r.p)
}

func (r *jsonReader) ws() {
	for r.p < len(r.b) {
		switch r.b[r.p] {
		case ' ', '\t', '\n', '\r':
			r.p++
		default:
			return
		}
	}
}

func (r *jsonReader) expect(c byte) error {
	r.ws()
	if r.p >= len(r.b) || r.b[r.p] != c {
		return r.fail(fmt.Sprintf("expected %q", c))
	}
	r.p++
	return nil
}

// peek returns the next non-space byte (0 at the end).
func (r *jsonReader) peek() byte {
	r.ws()
	if r.p >= len(r.b) {
		return 0
	}
	return r.b[r.p]
}

// str reads a string; raw is its bytes between the quotes when it has no
// escapes (no allocation), else the unescaped value in s.
func (r *jsonReader) str() (raw []byte, s string, err error) {
	if err := r.expect('"'); err != nil {
		return nil, "", err
	}
	start := r.p
	escaped := false
	for r.p < len(r.b) {
		c := r.b[r.p]
		switch {
		case c == '\\':
			escaped = true
			r.p += 2
			continue
		case c == '"':
			body := r.b[start:r.p]
			r.p++
			if !escaped {
				return body, "", nil
			}
			u, err := strconv.Unquote(`"` + string(body) + `"`)
			if err != nil {
				// JSON escapes Go does not know (\/): decode by hand.
				u, err = unescapeJSON(body)
				if err != nil {
					return nil, "", r.fail("bad string escape")
				}
			}
			return nil, u, nil
		case c < 0x20:
			return nil, "", r.fail("control character in string")
		}
		r.p++
	}
	return nil, "", r.fail("unterminated string")
}

func (r *jsonReader) strValue() (string, error) {
	raw, s, err := r.str()
	if raw != nil {
		return string(raw), err
	}
	return s, err
}

// unescapeJSON decodes the escapes of a JSON string body.
func unescapeJSON(b []byte) (string, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		i++
		if i >= len(b) {
			return "", errJSON
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(b) {
				return "", errJSON
			}
			n, err := strconv.ParseUint(string(b[i+1:i+5]), 16, 32)
			if err != nil {
				return "", errJSON
			}
			out = utf8.AppendRune(out, rune(n))
			i += 4
		default:
			return "", errJSON
		}
	}
	return string(out), nil
}

// number reads a JSON number's bytes.
func (r *jsonReader) number() ([]byte, error) {
	r.ws()
	start := r.p
	for r.p < len(r.b) {
		c := r.b[r.p]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			r.p++
			continue
		}
		break
	}
	if r.p == start {
		return nil, r.fail("expected a number")
	}
	return r.b[start:r.p], nil
}

// skip reads and discards any value.
func (r *jsonReader) skip() error {
	switch c := r.peek(); {
	case c == '"':
		_, _, err := r.str()
		return err
	case c == '{':
		return r.object(func(string) error { return r.skip() })
	case c == '[':
		return r.array(r.skip)
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if r.p+len(lit) <= len(r.b) && string(r.b[r.p:r.p+len(lit)]) == lit {
				r.p += len(lit)
				return nil
			}
		}
		return r.fail("bad literal")
	default:
		_, err := r.number()
		return err
	}
}

// object reads an object, calling fn for each key with the reader at its
// value (fn must consume it).
func (r *jsonReader) object(fn func(key string) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.peek() == '}' {
		r.p++
		return nil
	}
	for {
		key, err := r.strValue()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.p++
		case '}':
			r.p++
			return nil
		default:
			return r.fail("expected , or }")
		}
	}
}

// array reads an array, calling fn for each element.
func (r *jsonReader) array(fn func() error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if r.peek() == ']' {
		r.p++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.p++
		case ']':
			r.p++
			return nil
		default:
			return r.fail("expected , or ]")
		}
	}
}

// decodeRange reads a query_range answer (or the error envelope of any
// API answer).
func decodeRange(b []byte) (rangeAnswer, error) {
	var a rangeAnswer
	r := &jsonReader{b: b}
	err := r.object(func(key string) error {
		var err error
		switch key {
		case "status":
			a.status, err = r.strValue()
		case "errorType":
			a.errorType, err = r.strValue()
		case "error":
			a.errMsg, err = r.strValue()
		case "data":
			if r.peek() == 'n' {
				return r.skip()
			}
			err = r.object(func(key string) error {
				switch key {
				case "resultType":
					var err error
					a.resultType, err = r.strValue()
					return err
				case "result":
					return r.array(func() error {
						s, err := r.series()
						a.series = append(a.series, s)
						return err
					})
				}
				return r.skip()
			})
		default:
			err = r.skip()
		}
		return err
	})
	if err != nil {
		return a, err
	}
	if r.peek() != 0 {
		return a, r.fail("data after the answer")
	}
	return a, nil
}

// series reads one {"metric": {...}, "values": [[t, "v"], ...]}.
func (r *jsonReader) series() (rangeSeries, error) {
	var s rangeSeries
	err := r.object(func(key string) error {
		switch key {
		case "metric":
			s.metric = map[string]string{}
			return r.object(func(k string) error {
				v, err := r.strValue()
				s.metric[k] = v
				return err
			})
		case "values":
			return r.array(func() error {
				if err := r.expect('['); err != nil {
					return err
				}
				num, err := r.number()
				if err != nil {
					return err
				}
				sec, err := strconv.ParseFloat(string(num), 64)
				if err != nil {
					return r.fail("bad timestamp")
				}
				if err := r.expect(','); err != nil {
					return err
				}
				raw, str, err := r.str()
				if err != nil {
					return err
				}
				if raw != nil {
					str = string(raw)
				}
				v, err := strconv.ParseFloat(str, 64)
				if err != nil {
					return r.fail("bad sample value")
				}
				if err := r.expect(']'); err != nil {
					return err
				}
				s.times = append(s.times, int64(math.Round(sec*1000)))
				s.values = append(s.values, v)
				return nil
			})
		}
		return r.skip()
	})
	return s, err
}
