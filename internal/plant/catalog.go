package plant

import (
	"encoding/json"
	"sort"
	"strings"
)

// SeriesFromData reads catalog entries out of a list_series result of any
// reasonable shape: objects with a dotted "name" (and optionally asset,
// line, sensor, kind and unit), anywhere in the JSON.
func SeriesFromData(data any) []Series {
	b, err := json.Marshal(data)
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []Series
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			if name, ok := t["name"].(string); ok && strings.Contains(name, ".") {
				s := Series{Name: name}
				s.Asset, _ = t["asset"].(string)
				s.Line, _ = t["line"].(string)
				s.Sensor, _ = t["sensor"].(string)
				s.Kind, _ = t["kind"].(string)
				s.Unit, _ = t["unit"].(string)
				s.Latest, _ = t["latest"].(float64)
				s.LatestAt, _ = t["latest_at"].(string)
				s.Interval, _ = t["interval"].(string)
				out = append(out, completeSeries(s))
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k])
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
