package connect

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/config"
)

// testMappings are the mappings the table below reads messages with, in
// the order they are tried.
const testMappings = `
- name: m
  type: mqtt
  broker: tcp://127.0.0.1:1883
  mappings:
    - topic: plant/{line}/{asset}/telemetry
      timestamp: ts
      fields: values
      series: "{asset}.{field}"
    - topic: flat/{asset}
      payload: json
      timestamp: ts
      fields: .
      series: "{asset}.{field}"
    - topic: gw/{asset}/batch
      records: samples
      timestamp: t
      values:
        - {path: v.temp, series: "{asset}.temperature", unit: "°C"}
        - {path: v.rpm, series: "{asset}.speed", unit: rpm}
        - {path: v.list.1, series: "{asset}.second"}
    - topic: rec/{asset}
      payload: json
      records: .
      timestamp: ts
      value: v
      series: "{asset}.v"
    - topic: one/{asset}
      payload: json
      series: "{asset}.value"
    - topic: p/{asset}/{sensor}
      series: "{asset}.{sensor}"
      unit: bar
`

func testMapper(t testing.TB) *topicMapper {
	t.Helper()
	cs, problems := config.ParseConnectors([]byte(testMappings))
	require.Empty(t, problems)
	return newTopicMapper(cs[0].Mappings)
}

var arrived = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func pt(series string, ts time.Time, v float64) Point { return Point{Series: series, TS: ts, Value: v} }

// TestMapMessage is the behaviour of the mappings, message by message:
// the points each payload shape gives, and the kind of error of each bad
// one.
func TestMapMessage(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, topic, payload string
		want                 []Point
		err                  error
	}{
		{"plain number", "p/press-1/pressure", " 4.25\n", []Point{pt("press-1.pressure", arrived, 4.25)}, nil},
		{"plain on", "p/press-1/running", "on", []Point{pt("press-1.running", arrived, 1)}, nil},
		{"plain false", "p/press-1/running", "FALSE", []Point{pt("press-1.running", arrived, 0)}, nil},
		{"plain text", "p/press-1/pressure", "not a number", nil, errPayload},
		{"plain NaN", "p/press-1/pressure", "NaN", nil, errPayload},
		{"plain infinity", "p/press-1/pressure", "+Inf", nil, errPayload},
		{"fields of a nested object, in name order", "plant/line-1/press-1/telemetry",
			`{"ts":"2026-03-01T08:00:00Z","values":{"vibration":2.5,"current":"11.0","running":true,"label":"x","off":false,"none":null,"obj":{"a":1},"arr":[1]}}`,
			[]Point{pt("press-1.current", t0, 11), pt("press-1.off", t0, 0), pt("press-1.running", t0, 1), pt("press-1.vibration", t0, 2.5)}, nil},
		{"fields of the record, the timestamp left out", "flat/a7", `{"ts":1772352000123,"s1":1.5,"s0":-2e3,"id":"m1"}`,
			[]Point{pt("a7.s0", t0.Add(123*time.Millisecond), -2000), pt("a7.s1", t0.Add(123*time.Millisecond), 1.5)}, nil},
		{"a repeated member: the last wins", "flat/a7", `{"ts":1772352000,"s":1,"s":2}`, []Point{pt("a7.s", t0, 2)}, nil},
		{"non-ASCII and escaped names", "flat/a7", `{"ts":1772352000,"온도":21.5,"a\"b":1,"\u00e9":2}`,
			[]Point{pt(`a7.a"b`, t0, 1), pt("a7.é", t0, 2), pt("a7.온도", t0, 21.5)}, nil},
		{"Unix ns", "flat/a7", `{"ts":1772352000123456789,"s":1}`, []Point{pt("a7.s", time.Unix(0, 1772352000123456768).UTC(), 1)}, nil},
		{"Unix µs as text", "flat/a7", `{"ts":"1772352000123456","s":1}`, []Point{pt("a7.s", t0.Add(123456*time.Microsecond), 1)}, nil},
		{"RFC 3339 with an offset", "flat/a7", `{"ts":"2026-03-01T17:00:00.5+09:00","s":1}`, []Point{pt("a7.s", t0.Add(500*time.Millisecond), 1)}, nil},
		{"a naive time is UTC", "flat/a7", `{"ts":"2026-03-01 08:00:00","s":1}`, []Point{pt("a7.s", t0, 1)}, nil},
		{"records with value paths", "gw/oven-2/batch",
			`{"samples":[{"t":1772352000000,"v":{"temp":180.5,"rpm":1200,"list":[7,8]}},{"t":1772352001000,"v":{"temp":181}}]}`,
			[]Point{pt("oven-2.temperature", t0, 180.5), pt("oven-2.speed", t0, 1200), pt("oven-2.second", t0, 8), pt("oven-2.temperature", t0.Add(time.Second), 181)}, nil},
		{"a top-level array of records", "rec/a", `[{"ts":1772352000,"v":1},{"ts":1772352000.25,"v":2}]`,
			[]Point{pt("a.v", t0, 1), pt("a.v", t0.Add(250*time.Millisecond), 2)}, nil},
		{"the default value path, stamped on arrival", "one/a", `{"value": 3.5}`, []Point{pt("a.value", arrived, 3.5)}, nil},
		{"a bad timestamp", "flat/a7", `{"ts":"yesterday","s":1}`, nil, errPayload},
		{"a missing timestamp", "flat/a7", `{"s":1}`, nil, errPayload},
		{"not JSON", "flat/a7", `{"ts":1772352000,"s":`, nil, errPayload},
		{"records that are not an array", "gw/oven-2/batch", `{"samples":{"t":1}}`, nil, errPayload},
		{"fields that are not an object", "plant/line-1/press-1/telemetry", `{"ts":1772352000,"values":[1,2]}`, nil, errPayload},
		{"a value that is not a number", "rec/a", `[{"ts":1772352000,"v":"high"}]`, nil, errPayload},
		{"no numeric value", "flat/a7", `{"ts":1772352000,"id":"x"}`, nil, errUnmapped},
		{"no mapping", "other/topic", `1`, nil, errUnmapped},
		{"too deep a topic", "p/a/b/c", `1`, nil, errUnmapped},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pts, _, err := testMapper(t).mapMessage(c.topic, []byte(c.payload), arrived)
			if c.err != nil {
				require.Error(t, err)
				require.True(t, errors.Is(err, c.err), "%v is not %v", err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, pts)
		})
	}
}

// TestMapMessageDescribesNewSeriesOnce: the first message naming a series
// carries its description (unit, place in the plant); later ones do not.
func TestMapMessageDescribesNewSeriesOnce(t *testing.T) {
	t.Parallel()
	m := testMapper(t)
	payload := []byte(`{"samples":[{"t":1772352000000,"v":{"temp":180.5,"rpm":1}}]}`)
	_, describe, err := m.mapMessage("gw/oven-2/batch", payload, arrived)
	require.NoError(t, err)
	require.Equal(t, map[string]SeriesInfo{
		"oven-2.temperature": {Unit: "°C", Asset: "oven-2", Sensor: "temperature"},
		"oven-2.speed":       {Unit: "rpm", Asset: "oven-2", Sensor: "speed"},
	}, describe)
	_, describe, err = m.mapMessage("gw/oven-2/batch", payload, arrived)
	require.NoError(t, err)
	require.Nil(t, describe)
	_, describe, err = m.mapMessage("plant/line-1/press-1/telemetry", []byte(`{"ts":1772352000,"values":{"v":1}}`), arrived)
	require.NoError(t, err)
	require.Equal(t, map[string]SeriesInfo{"press-1.v": {Asset: "press-1", Line: "line-1", Sensor: "v"}}, describe)
	_, describe, err = m.mapMessage("p/press-1/pressure", []byte("1"), arrived)
	require.NoError(t, err)
	require.Equal(t, map[string]SeriesInfo{"press-1.pressure": {Unit: "bar", Asset: "press-1", Sensor: "pressure"}}, describe)
}

// BenchmarkMapMessage maps the load test's message: ten readings and a
// timestamp, fields of the record.
func BenchmarkMapMessage(b *testing.B) {
	m := testMapper(b)
	payload := []byte(`{"ts":1772352000123456789,"id":"m42","s0":42.5,"s1":42.5,"s2":42.5,"s3":42.5,"s4":42.5,"s5":42.5,"s6":42.5,"s7":42.5,"s8":42.5,"s9":42.5}`)
	topics := make([]string, 200)
	for i := range topics {
		topics[i] = "flat/a" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	i := 0
	for b.Loop() {
		pts, _, err := m.mapMessage(topics[i%len(topics)], payload, arrived)
		if err != nil || len(pts) != 10 {
			b.Fatal(err, len(pts))
		}
		i++
	}
}
