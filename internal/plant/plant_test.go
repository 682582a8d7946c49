package plant

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// demoCatalog is the demo plant's catalog as list_series reports it (names only: the rest is read from them).
func demoCatalog() []Series {
	var out []Series
	add := func(asset, line string, sensors ...string) {
		for _, s := range sensors {
			out = append(out, Series{Name: asset + "." + s, Asset: asset, Line: line, Sensor: s, Kind: KindSensor})
		}
	}
	for _, a := range []string{"press-1", "press-2", "press-3"} {
		add(a, "line-1", "vibration", "temperature", "motor_current", "speed")
	}
	for _, a := range []string{"cnc-1", "cnc-2", "cnc-3", "cnc-4"} {
		add(a, "line-2", "vibration", "temperature", "motor_current", "speed")
	}
	add("pump-1", "line-3", "pressure", "vibration", "motor_current", "temperature")
	add("pump-10", "line-3", "pressure")
	for _, l := range []string{"line-1", "line-2", "line-3"} {
		out = append(out, Series{Name: l + ".output"}, Series{Name: l + ".plan"})
	}
	return out
}

func TestNewFromCatalog(t *testing.T) {
	t.Parallel()
	p, err := New(demoCatalog(), DemoDefaults())
	require.NoError(t, err)
	require.Equal(t, "Asia/Seoul", p.Location.String())
	require.Equal(t, []string{"press-1", "press-2", "press-3", "cnc-1", "cnc-2", "cnc-3", "cnc-4", "pump-1", "pump-10"}, sortedByLine(p))
	a, ok := p.Asset("press-3")
	require.True(t, ok)
	require.Equal(t, Asset{Name: "press-3", Line: "line-1", Type: "press", Number: 3, Sensors: []string{"motor_current", "speed", "temperature", "vibration"}}, a)
	l, ok := p.Line("line-1")
	require.True(t, ok)
	require.Equal(t, []string{"press-1", "press-2", "press-3"}, l.Assets)
	require.Contains(t, l.Aliases, "stamping line")
	require.Equal(t, "line-2.output", p.OutputSeries("line-2"))
	require.True(t, p.HasPlan("line-3"))
	s, ok := p.SeriesNamed("line-1.output")
	require.True(t, ok)
	require.Equal(t, KindProduction, s.Kind)
	require.Equal(t, []string{"pump-1", "pump-10"}, p.AssetsOfType("pump"))
	require.False(t, p.HasSensor("power"))

	_, err = New(nil, DemoDefaults())
	require.ErrorIs(t, err, ErrEmptyCatalog)
	_, err = New(demoCatalog(), Defaults{TimeZone: "Mars/Olympus"})
	require.ErrorContains(t, err, "Mars/Olympus")
}

func sortedByLine(p *Plant) []string {
	var out []string
	for _, l := range p.Lines {
		out = append(out, l.Assets...)
	}
	return out
}

func TestSeriesFromData(t *testing.T) {
	t.Parallel()
	got := SeriesFromData(map[string]any{"total": 2, "series": []any{
		map[string]any{"name": "press-3.vibration", "unit": "mm/s"},
		map[string]any{"name": "line-2.output", "kind": "production"},
		map[string]any{"name": "no-dot"},
	}})
	require.Equal(t, []Series{
		{Name: "press-3.vibration", Asset: "press-3", Sensor: "vibration", Kind: KindSensor, Unit: "mm/s"},
		{Name: "line-2.output", Line: "line-2", Sensor: "output", Kind: KindProduction},
	}, got)
}

// TestCalendar reads days, weeks and shifts in the plant's zone, never in UTC.
func TestCalendar(t *testing.T) {
	t.Parallel()
	p, err := New(demoCatalog(), DemoDefaults())
	require.NoError(t, err)
	seoul := p.Location
	f := func(t time.Time) string { return t.In(seoul).Format("Mon 01-02 15:04") }
	// Wednesday 2026-03-04 01:20 UTC is 10:20 in Seoul.
	now := time.Date(2026, 3, 4, 1, 20, 0, 0, time.UTC)
	require.Equal(t, "Wed 03-04 00:00", f(p.Day(now, 0)))
	require.Equal(t, "Tue 03-03 00:00", f(p.Day(now, -1)))
	require.Equal(t, "Wed 03-04 06:00", f(p.At(now, 0, 6*time.Hour)))
	require.Equal(t, "Mon 03-02 00:00", f(p.Week(now, 0)))
	require.Equal(t, "Mon 02-23 00:00", f(p.Week(now, -1)))
	require.Equal(t, "Mon 03-09 00:00", f(p.Week(now, 1)))
	require.Equal(t, "Mon 03-02 00:00", f(p.Weekday(now, time.Monday)))
	require.Equal(t, "Wed 03-04 00:00", f(p.Weekday(now, time.Wednesday)))
	require.Equal(t, "Thu 02-26 00:00", f(p.Weekday(now, time.Thursday)))

	cur := p.ShiftAt(now, 0)
	require.Equal(t, "day", cur.Name)
	require.Equal(t, "Wed 03-04 06:00", f(cur.From))
	require.Equal(t, "Wed 03-04 14:00", f(cur.To))
	prev := p.ShiftAt(now, -1)
	require.Equal(t, "night", prev.Name)
	require.Equal(t, "Tue 03-03 22:00", f(prev.From))
	require.Equal(t, "Wed 03-04 06:00", f(prev.To))
	next := p.ShiftAt(now, 1)
	require.Equal(t, "Wed 03-04 14:00", f(next.From))
	require.Equal(t, "Wed 03-04 22:00", f(next.To))
	night := p.LastNight(now)
	require.Equal(t, "Tue 03-03 22:00", f(night.From))
	require.Equal(t, "Wed 03-04 06:00", f(night.To))
	// At 03:00 the night shift is still running: last night is it, up to now.
	early := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC) // 03:00 Wednesday in Seoul
	night = p.LastNight(early)
	require.Equal(t, "Tue 03-03 22:00", f(night.From))
	require.Equal(t, "Wed 03-04 03:00", f(night.To))
	require.Equal(t, "Tue 03-03 22:00", f(p.ShiftAt(early, 0).From))
	// At 23:30 tonight's shift has begun, but "last night" is still the one before.
	evening := time.Date(2026, 3, 4, 14, 30, 0, 0, time.UTC) // 23:30 Wednesday in Seoul
	night = p.LastNight(evening)
	require.Equal(t, "Tue 03-03 22:00", f(night.From))
	require.Equal(t, "Wed 03-04 06:00", f(night.To))
	// "The night shift" then is tonight's, so far.
	latest := p.LatestNight(evening)
	require.Equal(t, "Wed 03-04 22:00", f(latest.From))
	require.Equal(t, "Wed 03-04 23:30", f(latest.To))
	require.Equal(t, "Wed 03-04 06:00", f(p.FirstShiftStart(now)))
}

func TestVocabulary(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"the belt is slipping":                            {"belt_slip"},
		"pump 1 discharge pressure is dropping":           {"filter_clogging"},
		"filler-1 pressure looks off":                     nil,
		"press 3 is vibrating a lot":                      {"bearing_wear"},
		"프레스 3호기 진동이 심해요":                                 {"bearing_wear"},
		"충전기 압력이 좀 이상해요":                                  nil,
		"cnc-4 spindle motor is running hot":              {"motor_overheating"},
		"pump-1 pressure fluctuates when the tank is low": {"cavitation"},
		"compressor-1 cannot reach 7.2 bar":               {"filter_clogging"},
		"컨베이어 1 벨트가 미끄러져요":                                {"belt_slip"},
		// A thermal overload relay protects a motor from overheating; an
		// overcurrent trip can be anything electrical, and is no report.
		"pump-1 thermal overload tripped":            {"motor_overheating"},
		"the compressor tripped on overload twice":   {"motor_overheating"},
		"펌프 1호기 과부하 계전기 트립":                          {"motor_overheating"},
		"compressor-1 keeps tripping on overcurrent": nil,
		"filler-1 is making short fills":             {"filter_clogging"},
		"underfilled bottles on the filler":          {"filter_clogging"},
	}
	for text, want := range cases {
		require.Equal(t, want, ReportedModes(text), text)
	}
	require.Equal(t, []string{"bearing_wear"}, SupportingModes("vibration", 1, "press"))
	require.Equal(t, []string{"filter_clogging"}, SupportingModes("pressure", 1, "filler"))
	require.Contains(t, SupportingModes("pressure", -1, "pump"), "filter_clogging")
	require.Empty(t, SupportingModes("vibration", -1, "press"))
	require.True(t, TypeWords("compressor").Matcher().MatchString("the Compresser is hot")) //nolint:misspell // a misspelling people type
	require.True(t, TypeWords("filler").Matcher().MatchString("충전기 압력"))
	for _, p := range TermPairs {
		require.NotEmpty(t, p.EN)
		require.NotEmpty(t, p.KO)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Press Three is shaking":        "press 3 is shaking",
		"next two days":                 "next 2 days",
		"compressr 1 temperatur":        "compressor 1 temperature",
		"vibratoin on the conveyr":      "vibration on the conveyor",
		"프레스 삼호기 진동":                    "프레스 3호기 진동",
		"검사 라인 이번 교대":                   "검사 라인 이번 교대",
		"이호기랑 십이호기":                     "2호기랑 12호기",
		"the plans for the pumps":       "the plans for the pumps",
		"compressed air":                "compressed air",
		"twenty-four hours of press #2": "24 hours of press #2",
	}
	for in, want := range cases {
		require.Equal(t, want, Normalize(in), in)
	}
	require.Equal(t, "forecast line 3", NormalizeWith("forcast line 3", []string{"forecast"}))
	require.Equal(t, 1, Distance("vibartion", "vibration"))
	require.Equal(t, 3, Distance("kitten", "sitting"))
}

func TestResolve(t *testing.T) {
	t.Parallel()
	p, err := New(append(demoCatalog(),
		Series{Name: "compressor-1.pressure", Asset: "compressor-1", Line: "line-3", Sensor: "pressure"},
		Series{Name: "filler-1.pressure", Asset: "filler-1", Line: "line-3", Sensor: "pressure"}), DemoDefaults())
	require.NoError(t, err)
	cases := []struct {
		text    string
		assets  []string
		lines   []string
		series  []string
		types   []string
		unknown []string
	}{
		{text: "Press 3 is vibrating", assets: []string{"press-3"}},
		{text: "press-3, press #2 and press3", assets: []string{"press-3", "press-2"}},
		{text: "press 2 and 3 vibration", assets: []string{"press-2", "press-3"}},
		{text: "프레스 2호기랑 3호기 진동", assets: []string{"press-2", "press-3"}},
		{text: "3호기 프레스 상태", assets: []string{"press-3"}},
		// A bare number a machine is compared with is another of its type,
		// when the plant has it ("than 50" may be a reading).
		{text: "is press 2 hotter than 1?", assets: []string{"press-2", "press-1"}},
		{text: "2번 프레스가 1번보다 더 뜨거워?", assets: []string{"press-2", "press-1"}},
		{text: "is press 3 hotter than 50?", assets: []string{"press-3"}},
		{text: "2번 펌프 압력", assets: []string{}, unknown: []string{"pump-2"}},
		{text: "프레스 삼호기", assets: []string{"press-3"}},
		{text: "press three", assets: []string{"press-3"}},
		{text: "cnc4 temp", assets: []string{"cnc-4"}},
		{text: "compresser 1", assets: []string{"compressor-1"}}, //nolint:misspell // a misspelling people type
		{text: "what's wrong with robot-7 on line-4?", unknown: []string{"line-4", "robot-7"}},
		{text: "is press 7 ok?", unknown: []string{"press-7"}},
		{text: "line 1 and 2라인, 3번 라인", lines: []string{"line-1", "line-2", "line-3"}},
		{text: "the stamping line", lines: []string{"line-1"}},
		{text: "포장 라인 생산량", lines: []string{"line-3"}},
		{text: "press-3.vibration and press-3.pressure", series: []string{"press-3.vibration"}, unknown: []string{"press-3.pressure"}},
		{text: "how is the compressor doing?", types: []string{"compressor"}},
		{text: "are the presses ok? the boiler?", types: []string{"press"}, unknown: []string{"boiler"}},
		{text: "INC-1003 and RB-LOTO", assets: []string{}},
		{text: "line 4 output", unknown: []string{"line-4"}},
		{text: "4라인 생산량", unknown: []string{"line-4"}},
		{text: "the pressure on filler-1", assets: []string{"filler-1"}},
		{text: "what's the temperature in the warehouse?", unknown: []string{"warehouse"}},
		{text: "창고 온도 어때?", unknown: []string{"창고"}},
		{text: "the server room and the loading dock", unknown: []string{"loading dock", "server room"}},
		{text: "average vibration of machine 3 in february", unknown: []string{"machine-3"}},
		{text: "did the machine stop 2 hours ago? which machine 2 days ago", unknown: nil},
		{text: "unit 12 and press 3", assets: []string{"press-3"}, unknown: []string{"unit-12"}},
		// A range names every machine or line of it; a range of readings does not.
		{text: "cnc 1~4호기 중에 지금 온도 젤 높은거 몇호기?", assets: []string{"cnc-1", "cnc-2", "cnc-3", "cnc-4"}},
		{text: "which of cnc 1-4 is hottest", assets: []string{"cnc-1", "cnc-2", "cnc-3", "cnc-4"}},
		{text: "cnc-2 to cnc-4 temps", assets: []string{"cnc-2", "cnc-3", "cnc-4"}},
		{text: "프레스 1~3호기 진동", assets: []string{"press-1", "press-2", "press-3"}},
		{text: "line 1 to 3 output", lines: []string{"line-1", "line-2", "line-3"}},
		{text: "press 3 vibration 6-7 mm/s", assets: []string{"press-3"}},
		{text: "press 3 1-2 hours ago", assets: []string{"press-3"}},
		{text: "why is L1 behind", lines: []string{"line-1"}},
		{text: "compare vibration press 1 vs 2 vs 3", assets: []string{"press-1", "press-2", "press-3"}},
		{text: "L3은 왜 밀려?", lines: []string{"line-3"}},
		{text: "L7 output", unknown: nil},
	}
	for _, c := range cases {
		m := p.Resolve(c.text)
		if c.assets != nil || len(m.Assets) > 0 {
			require.Equal(t, norm(c.assets), norm(m.Assets), "assets of %q", c.text)
		}
		require.Equal(t, norm(c.lines), norm(m.Lines), "lines of %q", c.text)
		require.Equal(t, norm(c.series), norm(m.Series), "series of %q", c.text)
		require.Equal(t, norm(c.types), norm(m.Types), "types of %q", c.text)
		var unk []string
		for _, u := range m.Unknown {
			unk = append(unk, u.Said)
		}
		require.ElementsMatch(t, c.unknown, unk, "unknown of %q", c.text)
	}
	m := p.Resolve("is press 7 ok?")
	require.Equal(t, []string{"press-1", "press-2", "press-3"}, m.Unknown[0].Closest)
	m = p.Resolve("line-4")
	require.Equal(t, []string{"line-1", "line-2", "line-3"}, m.Unknown[0].Closest)
	require.Contains(t, p.Resolve("press 3 vibration, hot").Sensors, "temperature")

	// A plant whose machines are "machine-<n>" (a CMMS export): "machine 3"
	// is machine-3 as "press 3" is press-3, lists included, and a number
	// it does not have is unknown, never another machine.
	var ss []Series
	for _, n := range []string{"1", "3", "4", "12"} {
		ss = append(ss, Series{Name: "machine-" + n + ".vibration", Asset: "machine-" + n, Sensor: "vibration"})
	}
	mp, err := New(ss, Defaults{})
	require.NoError(t, err)
	for text, want := range map[string][]string{
		"average vibration of machine 3 in february": {"machine-3"},
		"machines 3 and 4":                           {"machine-3", "machine-4"},
		"machine #12 ok?":                            {"machine-12"},
		"is machine12 ok":                            {"machine-12"},
		"machine-1":                                  {"machine-1"},
		"which machines failed most in 2015?":        nil,
	} {
		m := mp.Resolve(text)
		require.Equal(t, want, m.Assets, text)
		require.Empty(t, m.Unknown, text)
	}
	m = mp.Resolve("is machine 7 ok?")
	require.Empty(t, m.Assets)
	require.Equal(t, "machine-7", m.Unknown[0].Said)
}

func norm(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestDeclaredAssetsAndAliases: assets a plant model declares resolve by
// their names (also ones the type-and-number rules cannot read) and by
// the plant's own aliases, before any of their series has points.
func TestDeclaredAssetsAndAliases(t *testing.T) {
	t.Parallel()
	p, err := New(nil, Defaults{TimeZone: "UTC", Lines: []string{"line-1"}, Assets: []AssetSpec{
		{Name: "M12-A", Line: "line-1", Type: "press", Aliases: []string{"main press", "메인 프레스"}},
		{Name: "press-3", Line: "line-1", Type: "press", Aliases: []string{"800t press"}},
	}})
	require.ErrorIs(t, err, ErrEmptyCatalog)
	a, ok := p.Asset("M12-A")
	require.True(t, ok)
	require.Equal(t, "press", a.Type)
	require.Equal(t, []string{"M12-A", "press-3"}, p.AssetsOfType("press"))
	for q, want := range map[string][]string{
		"is m12-a running hot?":          {"M12-A"},
		"main press vibration":           {"M12-A"},
		"메인 프레스 진동이 커요":                  {"M12-A"},
		"is the 800t press ok?":          {"press-3"},
		"compare press 3 and main press": {"M12-A", "press-3"},
	} {
		got := p.Resolve(q).Assets
		require.ElementsMatch(t, want, got, q)
	}
	l, ok := p.Line("line-1")
	require.True(t, ok)
	require.Equal(t, []string{"M12-A", "press-3"}, l.Assets)
}

// TestWeekdayShifts: a shift that runs on weekdays only is skipped at the
// weekend, where the previous shift lasts until the next one starts.
func TestWeekdayShifts(t *testing.T) {
	t.Parallel()
	p, err := New(nil, Defaults{TimeZone: "Europe/Berlin", Shifts: []Shift{
		{Name: "early", Start: 6 * time.Hour},
		{Name: "late", Start: 14 * time.Hour, Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
	}})
	require.ErrorIs(t, err, ErrEmptyCatalog)
	f := func(t time.Time) string { return t.In(p.Location).Format("Mon 15:04") }
	fri := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC) // Friday 16:00 in Berlin
	s := p.ShiftAt(fri, 0)
	require.Equal(t, "late", s.Name)
	require.Equal(t, "Fri 14:00", f(s.From))
	require.Equal(t, "Sat 06:00", f(s.To))
	sat := time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC) // Saturday 16:00
	s = p.ShiftAt(sat, 0)
	require.Equal(t, "early", s.Name)
	require.Equal(t, "Sat 06:00", f(s.From))
	require.Equal(t, "Sun 06:00", f(s.To))
	require.Equal(t, "Sun 06:00", f(p.ShiftAt(sat, 1).From))
	require.Equal(t, "Sat 06:00", f(p.FirstShiftStart(sat)))
}

// TestResolvePlantSensorNames: an imported plant's own sensor names
// ("volt", "rotate") are found as words, not inside others.
func TestResolvePlantSensorNames(t *testing.T) {
	t.Parallel()
	p, err := New([]Series{
		{Name: "machine-5.volt", Asset: "machine-5", Sensor: "volt"},
		{Name: "machine-5.rotate", Asset: "machine-5", Sensor: "rotate"},
		{Name: "machine-5.oil_level", Asset: "machine-5", Sensor: "oil_level"},
	}, DemoDefaults())
	require.NoError(t, err)
	require.Equal(t, []string{"volt"}, p.Resolve("average volt of machine 5 in february").Sensors)
	require.Equal(t, []string{"rotate"}, p.Resolve("machine 5 rotate trend").Sensors)
	require.Equal(t, []string{"oil_level"}, p.Resolve("machine 5 oil level today").Sensors)
	require.Empty(t, p.Resolve("machine 5 voltage regulator").Sensors, "volt inside another word")
	require.True(t, wordIn("a volt b", "volt"))
	require.False(t, wordIn("revolting", "volt"))
	require.True(t, wordIn("revolt volt", "volt"))
}

// TestShortCodes: a type's initial and a number ("P3", "p-3", "P3호기")
// name the one machine it fits; "P1", which fits press-1 and pump-1, names
// neither and offers both; a letter no type starts with names nothing.
func TestShortCodes(t *testing.T) {
	p, err := New(demoCatalog(), DemoDefaults())
	require.NoError(t, err)
	for _, text := range []string{"P3 지금 세워야 돼?", "is p-3 ok", "p3 vibration", "P3호기 진동"} {
		m := p.Resolve(Normalize(text))
		require.Equal(t, []string{"press-3"}, m.Assets, text)
	}
	m := p.Resolve(Normalize("is P1 ok?"))
	require.Empty(t, m.Assets)
	require.Len(t, m.Unknown, 1)
	require.ElementsMatch(t, []string{"press-1", "pump-1"}, m.Unknown[0].Closest)
	m = p.Resolve(Normalize("x3 and a1 readings"))
	require.Empty(t, m.Assets)
	require.Empty(t, m.Unknown)
}

// TestMisspeltNames reads a small misspelling of a machine's type word,
// with the number of one machine, as that machine; never a number, never
// a word two machines fit, never a word too short to read.
func TestMisspeltNames(t *testing.T) {
	t.Parallel()
	p, err := New(demoCatalog(), DemoDefaults())
	require.NoError(t, err)
	for text, want := range map[string]string{
		"pmp-1 discharge presure": "pump-1",
		"prss-3 vibration":        "press-3",
		"cnx-2 spindle speed":     "cnc-2",
	} {
		m := p.Resolve(Normalize(text))
		require.Equal(t, []string{want}, m.Assets, text)
		require.Len(t, m.Corrected, 1, text)
		require.Equal(t, want, m.Corrected[0].Asset, text)
		require.Empty(t, m.Unknown, text)
	}
	// pump-7 does not exist: no other pump is read for it.
	for _, text := range []string{"pmp-7 pressure", "pm-1 pressure", "pxyz-1 pressure"} {
		m := p.Resolve(Normalize(text))
		require.Empty(t, m.Assets, text)
		require.Empty(t, m.Corrected, text)
		require.Len(t, m.Unknown, 1, text)
	}
	// A word two machines numbered 1 fit equally ("pess": press and
	// pump's neighbours) names neither.
	two, err := New(append(demoCatalog(), Series{Name: "pest-1.temperature", Asset: "pest-1", Sensor: "temperature"}), DemoDefaults())
	require.NoError(t, err)
	m := two.Resolve(Normalize("pess-1 temperature"))
	require.Empty(t, m.Corrected)
	require.Len(t, m.Unknown, 1)
}
