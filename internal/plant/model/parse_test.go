package model_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// small is a good file the bad cases below are made from.
const small = `site: plant-a
time_zone: Europe/Berlin
shifts:
  - {name: early, start: "06:00"}
  - {name: late, start: "14:00", days: [mon, tue, wed, thu, fri]}
lines:
  - name: line-1
    aliases: [stamping line]
    output: line-1.output
    plan: line-1.plan
    unit: parts/h
    step: 1h
assets:
  - name: press-3
    line: line-1
    aliases: [800t press, 800톤 프레스]
    sensors:
      - name: vibration
        unit: mm/s
        range: [0, 12]
        step: 10m
        limits:
          - {level: alarm, above: 4.5, doc: RB-bearing-inspection}
sensors:
  - {asset: press-3, name: temperature, unit: °C}
runbooks:
  - {type: press, docs: [RB-bearing-inspection, "https://wiki.example.com/press"]}
bindings:
  - {channel: "slack:C0123456789", line: line-1}
digests:
  - {channel: "console:stamping", cron: "0 6,14 * * 1-5"}
`

func TestParseGoodFile(t *testing.T) {
	t.Parallel()
	m, problems := model.Parse([]byte(small))
	require.Empty(t, problems)
	require.Equal(t, "Europe/Berlin", m.TimeZone)
	require.Len(t, m.AllSensors(), 2)
	require.Equal(t, "press-3.temperature", m.AllSensors()[1].SeriesName())
	require.Equal(t, 10*time.Minute, m.Assets[0].Sensors[0].Step)

	d := m.Defaults("test")
	require.Equal(t, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, d.Shifts[1].Days)
	p, err := plant.New(nil, d)
	require.ErrorIs(t, err, plant.ErrEmptyCatalog)
	a, ok := p.Asset("press-3")
	require.True(t, ok)
	require.Equal(t, "press", a.Type)
	require.Equal(t, "line-1", a.Line)
	l, ok := p.Crossed("press-3", "vibration", 5.6)
	require.True(t, ok)
	require.Equal(t, "press-3 vibration 5.6 mm/s is above the 4.5 mm/s alarm limit in plant.yaml (RB-bearing-inspection)",
		l.Describe("press-3", "vibration", 5.6, "mm/s"))
	_, ok = p.Crossed("press-3", "vibration", 4.4)
	require.False(t, ok)
	require.Equal(t, []string{"press-3"}, p.Resolve("is the 800톤 프레스 ok?").Assets)
	require.Equal(t, map[string]string{"800t press": "press-3", "800톤 프레스": "press-3"}, m.Aliases())
	require.Equal(t, []string{"stamping"}, m.ConsoleChannels())
}

// TestParseProblemsNameTheLine checks that every kind of mistake is
// reported with its line and field, and that the file's other problems
// are reported with it.
func TestParseProblemsNameTheLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		from, to   string // replace in small
		line       int
		field      string
		message    string
		extraLines string // appended to small
	}{
		{name: "unknown time zone", from: "time_zone: Europe/Berlin", to: "time_zone: Europe/Berlinn",
			line: 2, field: "time_zone", message: `unknown time zone "Europe/Berlinn"`},
		{name: "duplicate asset", extraLines: "  - {name: press-3, line: line-1}\n", from: "sensors:\n  - {asset", to: "sensors:\n  - {asset",
			line: 0, field: "", message: ""}, // placeholder replaced below
		{name: "sensor on an unknown asset", from: "{asset: press-3, name: temperature", to: "{asset: press-9, name: temperature",
			line: 25, field: "sensors[0].asset", message: `sensor temperature is on unknown asset "press-9" (assets: press-3)`},
		{name: "bad cron", from: `cron: "0 6,14 * * 1-5"`, to: `cron: "0 25 * * *"`,
			line: 31, field: "digests[0].cron", message: `"0 25 * * *" is not a cron expression with 5 fields`},
		{name: "binding to an unknown line", from: `line: line-1}
digests`, to: `line: line-9}
digests`,
			line: 29, field: "bindings[0].line", message: `slack:C0123456789 is bound to unknown line "line-9" (lines: line-1)`},
		{name: "bad connector", extraLines: "connectors:\n  - {name: line1-mqtt, type: mqtt, broker: \"broker:1883\"}\n",
			line: 33, field: "connectors", message: `broker "broker:1883" must be a URL such as tcp://host:1883`},
		{name: "misspelt key", from: "    aliases: [stamping line]", to: "    aliasses: [stamping line]",
			line: 8, field: "lines[0].aliasses", message: "unknown field (did you mean aliases?)"},
		{name: "unquoted shift start", from: `start: "06:00"`, to: `start: "6 am"`,
			line: 4, field: "shifts[0].start", message: `"6 am" is not a time of day`},
		{name: "asset on an unknown line", from: "    line: line-1\n    aliases: [800t", to: "    line: line-2\n    aliases: [800t",
			line: 15, field: "assets[0].line", message: `unknown line "line-2" for asset press-3`},
		{name: "bad limit", from: "{level: alarm, above: 4.5", to: "{level: panic, above: 4.5",
			line: 23, field: "assets[0].sensors[0].limits[0].level", message: `"panic" is not a limit level`},
		{name: "limit with neither side", from: "{level: alarm, above: 4.5, doc", to: "{level: alarm, doc",
			line: 23, field: "assets[0].sensors[0].limits[0]", message: "exactly one of above or below"},
		{name: "bad duration", from: "        step: 10m", to: "        step: ten minutes",
			line: 21, field: "assets[0].sensors[0].step", message: `"ten minutes" is not a duration`},
		{name: "slack channel by name", from: `channel: "slack:C0123456789"`, to: `channel: "slack:#general"`,
			line: 29, field: "bindings[0].channel", message: "slack channels are named by a channel id"},
		{name: "unknown digest time zone", from: `cron: "0 6,14 * * 1-5"}`, to: `cron: "0 6,14 * * 1-5", tz: Asia/Soul}`,
			line: 31, field: "digests[0].tz", message: `unknown time zone "Asia/Soul"`},
		{name: "alias used twice", from: "aliases: [800t press, 800톤 프레스]", to: "aliases: [stamping line]",
			line: 16, field: "assets[0].aliases[0]", message: `alias "stamping line" already names line line-1`},
		{name: "runbook for a type nobody has", from: "{type: press, docs", to: "{type: robot, docs",
			line: 27, field: "runbooks[0].type", message: `no asset has type "robot" (types: press)`},
		{name: "not YAML", from: "  - {name: early, start: \"06:00\"}", to: "  - {name: early, start: \"06:00\"",
			line: 3, message: "not valid YAML: did not find expected ',' or '}'"}, // YAML names the line where the flow's context starts
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.name == "duplicate asset" {
				src := strings.Replace(small, "sensors:\n  - {asset", "  - {name: press-3, line: line-1}\nsensors:\n  - {asset", 1)
				_, problems := model.Parse([]byte(src))
				require.Len(t, problems, 1, problems.Error())
				require.Equal(t, 24, problems[0].Line)
				require.Equal(t, "assets[1].name", problems[0].Field)
				require.Equal(t, `line 24: assets[1].name: duplicate asset "press-3" (first at line 14)`, problems[0].String())
				return
			}
			src := small
			if c.from != "" {
				require.Contains(t, src, c.from)
				src = strings.Replace(src, c.from, c.to, 1)
			}
			src += c.extraLines
			_, problems := model.Parse([]byte(src))
			require.NotEmpty(t, problems, "the mistake is found")
			p := problems[0]
			require.Equal(t, c.line, p.Line, problems.Error())
			require.Equal(t, c.field, p.Field, problems.Error())
			require.Contains(t, p.Message, c.message)
			require.Contains(t, problems.Error(), "line ")
		})
	}
}

// TestParseReportsEveryProblem: a file with several mistakes gets them
// all at once, in the order of its lines.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := strings.NewReplacer("time_zone: Europe/Berlin", "time_zone: Mars/Olympus", "line: line-1}", "line: line-7}", `"0 6,14 * * 1-5"`, `"every day"`).Replace(small)
	_, problems := model.Parse([]byte(src))
	require.Len(t, problems, 3, problems.Error())
	require.Equal(t, []int{2, 29, 31}, []int{problems[0].Line, problems[1].Line, problems[2].Line})

	_, problems = model.Parse([]byte("   \n"))
	require.Contains(t, problems.Error(), "the file is empty")
	_, problems = model.Parse([]byte("site: x\n"))
	require.Contains(t, problems.Error(), "time_zone is required")
}

// TestDemoPlantFile checks the demo plant's file against the generator:
// every demo series is described with its unit and step, the calendar and
// line names are DemoDefaults', and its limits are those the demo
// runbooks state.
func TestDemoPlantFile(t *testing.T) {
	t.Parallel()
	m, problems := model.Parse(demo.PlantFile)
	require.Empty(t, problems)
	d := m.Defaults("demo")
	dd := plant.DemoDefaults()
	require.Equal(t, dd.TimeZone, d.TimeZone)
	require.Equal(t, dd.Shifts, d.Shifts)
	require.Equal(t, dd.LineAliases, d.LineAliases)
	require.Equal(t, dd.Site, d.Site)

	specs := map[string]plant.SensorSpec{}
	for _, s := range d.Sensors {
		specs[s.Series] = s
	}
	lines := map[string]model.Line{}
	for _, l := range m.Lines {
		lines[l.Output], lines[l.Plan] = l, l
	}
	n := 0
	for _, g := range demo.Generate(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), demo.DefaultSeed) {
		s := g.Series
		n++
		if l, ok := lines[s.Name]; ok {
			require.Equal(t, s.Unit, l.Unit, s.Name)
			require.Equal(t, s.Interval, l.Step, s.Name)
			require.Equal(t, s.Line, l.Name, s.Name)
			continue
		}
		spec, ok := specs[s.Name]
		require.True(t, ok, "%s is in plant.yaml", s.Name)
		require.Equal(t, s.Unit, spec.Unit, s.Name)
		require.Equal(t, s.Interval, spec.Step, s.Name)
		require.Equal(t, s.Asset, spec.Asset, s.Name)
	}
	require.Equal(t, n, len(specs)+2*len(m.Lines), "plant.yaml describes nothing the demo does not have")
	for _, a := range demo.Assets() {
		p, err := plant.New(nil, d)
		require.ErrorIs(t, err, plant.ErrEmptyCatalog)
		got, ok := p.Asset(a.Name)
		require.True(t, ok)
		require.Equal(t, a.Type, got.Type)
		require.Equal(t, a.Line, got.Line)
	}
	// The 4.5 mm/s alert of RB-bearing-inspection on the presses.
	p, _ := plant.New(nil, d)
	l, ok := p.Crossed("press-3", "vibration", 5.6)
	require.True(t, ok)
	require.Equal(t, "RB-bearing-inspection", l.Doc)
	require.Equal(t, "alert", l.Level)
}

// TestREADMEExample keeps the README's plant.yaml example valid.
func TestREADMEExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	s := string(b)
	i := strings.Index(s, "## Plant model")
	require.GreaterOrEqual(t, i, 0)
	j := strings.Index(s[i:], "```yaml\n")
	require.GreaterOrEqual(t, j, 0)
	body := s[i+j+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	m, problems := model.Parse([]byte(body))
	require.Empty(t, problems)
	require.Len(t, m.AllSensors(), 3)
}
