package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// cliPlant is a small plant model for the CLI tests.
const cliPlant = `site: plant-a
time_zone: America/Chicago
shifts:
  - {name: first, start: "07:00"}
  - {name: second, start: "15:00"}
  - {name: third, start: "23:00", days: [mon, tue, wed, thu, fri]}
lines:
  - {name: line-1, aliases: [body shop], output: line-1.output, plan: line-1.plan, unit: parts/h, step: 1h}
  - {name: line-2}
assets:
  - name: welder-4
    line: line-1
    aliases: [big welder, 4번 용접기]
    sensors:
      - name: current
        unit: A
        step: 1m
        limits: [{level: alarm, above: 320, doc: SOP-weld-7}]
bindings:
  - {channel: "slack:C0BODY", line: line-1}
digests:
  - {channel: "slack:C0BODY", cron: "0 7,15,23 * * 1-5"}
`

// TestPlantCommands runs validate, apply (twice, and dry), show, and the
// channel and digest commands end to end on a real database.
func TestPlantCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn", "USER": "kim"}
	good := writeFile(t, "plant.yaml", cliPlant)

	code, out, errOut := gemba(t, env, "plant", "validate", good)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "OK — time zone America/Chicago; 3 shift(s), 2 line(s), 1 asset(s), 1 sensor(s), 1 binding(s), 1 digest schedule(s), 0 connector(s)")

	bad := writeFile(t, "bad.yaml", strings.NewReplacer("America/Chicago", "America/Chicgo", "line: line-1}", "line: line-3}").Replace(cliPlant))
	code, _, errOut = gemba(t, env, "plant", "validate", bad)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "has 2 problem(s):")
	require.Contains(t, errOut, `bad.yaml:2: time_zone: unknown time zone "America/Chicgo"`)
	require.Contains(t, errOut, `bad.yaml:20: bindings[0].line: slack:C0BODY is bound to unknown line "line-3" (lines: line-1, line-2)`)
	code, _, errOut = gemba(t, env, "plant", "apply", bad)
	require.Equal(t, 2, code, "a bad file is refused before the database is touched")
	require.Contains(t, errOut, "bad.yaml:2:")
	code, _, errOut = gemba(t, env, "plant", "validate", "/nonexistent/plant.yaml")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "cannot read /nonexistent/plant.yaml: no such file or directory")

	// Nothing applied yet: the built-in defaults are in force.
	code, out, errOut = gemba(t, env, "plant", "show")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "# In force: built-in defaults (no plant.yaml applied)")
	require.Contains(t, out, "# Time zone Asia/Seoul; shifts day 06:00 · late 14:00 · night 22:00")

	code, out, errOut = gemba(t, env, "plant", "apply", "--dry-run", good)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "would apply (dry run: nothing written)")
	require.Contains(t, out, "+ series welder-4.current: created without points")
	code, out, errOut = gemba(t, env, "plant", "apply", good)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "applied: version 1 (was 0)")
	require.Contains(t, out, "+ binding slack:C0BODY: → line=line-1")
	require.Contains(t, out, `+ digest slack:C0BODY: "0 7,15,23 * * 1-5" America/Chicago`)
	code, out, errOut = gemba(t, env, "plant", "apply", good)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "no changes: the plant model in force (version 1) already matches the file\n", out)

	// A series beyond the file is shown as Gemba reads its name.
	csv := writeFile(t, "mixer.csv", "series,timestamp,value\nmixer-2.speed,2026-03-02T00:00:00Z,40\n")
	code, _, errOut = gemba(t, env, "series", "import", csv)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = gemba(t, env, "plant", "show")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "# In force: plant.yaml version 1, applied ")
	require.Contains(t, out, " by cli:kim")
	require.Contains(t, out, "  - name: welder-4\n    line: line-1\n", "the applied file is printed as written")
	require.Contains(t, out, "# 1 series not described by the plant model")
	require.Contains(t, out, "inferred:\n  - series: mixer-2.speed\n    asset: mixer-2\n    type: mixer\n    sensor: speed\n    kind: sensor\n")
	code, out, errOut = gemba(t, env, "plant", "show", "--json")
	require.Equal(t, 0, code, errOut)
	var v model.View
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, "America/Chicago", v.TimeZone)
	require.Equal(t, []string{"mon", "tue", "wed", "thu", "fri"}, strings.Split(strings.ToLower(strings.Join(v.Shifts[2].Days, " ")), " "))

	// Channels: the same checks as the console.
	code, out, errOut = gemba(t, env, "channel", "bind", "slack:C0PAINT", "line-2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "slack:C0PAINT bound to line=line-2 (was: nothing (whole plant))\n", out)
	code, out, errOut = gemba(t, env, "channel", "bind", "slack:C0BODY", "welder-4")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "slack:C0BODY bound to asset=welder-4 (was: line=line-1)")
	require.Contains(t, out, "note: plant.yaml (version 1) binds slack:C0BODY to line=line-1: this change lasts until the next `gemba plant apply`")
	code, out, errOut = gemba(t, env, "channel", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "slack:C0BODY   asset=welder-4  changed by cli:kim; plant.yaml binds it to line=line-1, which the next apply restores")
	require.Contains(t, out, "slack:C0PAINT  line=line-2     set by cli:kim (not in plant.yaml)")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"channel", "bind", "slack:C0PAINT", "line-9"}, `unknown line or asset "line-9" (lines: line-1, line-2`},
		{[]string{"channel", "bind", "slack:C0PAINT", "asset=welder-9"}, `unknown asset "welder-9" (closest: welder-4)`},
		{[]string{"channel", "bind", "slack:#general", "line-1"}, "slack channels are named by a channel id"},
		{[]string{"channel", "bind", "console:paint", "line-1"}, `no console channel "paint" (console channels: shop-floor)`},
		{[]string{"channel", "bind", "teams:x", "line-1"}, `unknown source "teams"`},
		{[]string{"digest", "schedule", "slack:C0PAINT", "0 25 * * *"}, `"0 25 * * *" is not a cron expression with 5 fields`},
		{[]string{"digest", "schedule", "slack:C0PAINT", "0 6 * * *", "Mars/Base"}, `unknown time zone "Mars/Base"`},
	} {
		code, _, errOut = gemba(t, env, c.args...)
		require.Equal(t, 2, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.want, c.args)
	}
	code, out, errOut = gemba(t, env, "channel", "unbind", "slack:C0PAINT")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "slack:C0PAINT unbound (was: line=line-2); it covers the whole plant")

	// Digests: the plant's time zone by default, unquoted cron accepted.
	code, out, errOut = gemba(t, env, "digest", "schedule", "slack:C0PAINT", "30 6 * * 1-5")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `slack:C0PAINT: digests at "30 6 * * 1-5" (America/Chicago); next `)
	code, _, errOut = gemba(t, env, "digest", "schedule", "slack:C0PAINT", "30", "6", "*", "*", "1-5", "Europe/Berlin")
	require.Equal(t, 0, code, errOut)
	code, out, errOut = gemba(t, env, "digest", "disable", "slack:C0BODY")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "slack:C0BODY: scheduled digests turned off")
	require.Contains(t, out, "the next `gemba plant apply` turns them back on")
	code, out, errOut = gemba(t, env, "digest", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "slack:C0BODY   0 7,15,23 * * 1-5  America/Chicago  no")
	require.Contains(t, out, "slack:C0PAINT  30 6 * * 1-5       Europe/Berlin    yes")

	// The next apply restores what the file says, and says so.
	code, out, errOut = gemba(t, env, "plant", "apply", good)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "~ binding slack:C0BODY: asset=welder-4 (changed outside plant.yaml by cli:kim) → line=line-1 (restored from plant.yaml)")
	require.Contains(t, out, "turned back on (it was turned off outside plant.yaml")
	code, out, _ = gemba(t, env, "channel", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "slack:C0BODY  line=line-1  plant.yaml")
}

// TestRunningPartsFollowTheAppliedModel builds the parts serve runs, then
// applies a plant.yaml: one check of the watcher later, the agent and the
// conversation core read time in its zone and resolve its aliases.
func TestRunningPartsFollowTheAppliedModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	app := NewApp(&strings.Builder{}, &strings.Builder{}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	defer app.Close()
	p, err := buildParts(ctx, app, runnerDeps{offline: true})
	require.NoError(t, err)
	require.Equal(t, "Asia/Seoul", p.runner.Plant().TimeZone, "no file: the built-in defaults")
	require.Equal(t, "Asia/Seoul", p.core.Calendar().Location.String())

	code, _, errOut := gemba(t, env, "plant", "apply", writeFile(t, "plant.yaml", cliPlant))
	require.Equal(t, 0, code, errOut)
	changed, err := p.plant.Check(ctx)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "America/Chicago", p.runner.Plant().TimeZone)
	require.Equal(t, "America/Chicago", p.core.Calendar().Location.String())
	a, ok := p.core.Calendar().Asset("welder-4")
	require.True(t, ok)
	require.Equal(t, []string{"big welder", "4번 용접기"}, a.Aliases)
	require.Equal(t, []string{"welder-4"}, p.core.Calendar().Resolve("is the big welder ok?").Assets)

	// A new runner (gemba ask, gemba eval) starts with the file's plant,
	// and the incident store reads the aliases.
	q, err := buildParts(ctx, app, runnerDeps{offline: true})
	require.NoError(t, err)
	require.Equal(t, "America/Chicago", q.runner.Plant().TimeZone)
	require.Equal(t, "plant.yaml version 1", q.runner.Plant().Origin[:len("plant.yaml version 1")])
	require.NotEqual(t, p.docs.Analyzer(), q.docs.Analyzer(), "the vocabulary has the plant's aliases")
}

// TestDemoPlantAppliesClean applies the embedded demo plant file on an
// empty database: it validates, creates the demo's series (without
// points) and is idempotent.
func TestDemoPlantAppliesClean(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	f := writeFile(t, "plant.yaml", string(demo.PlantFile))
	code, out, errOut := gemba(t, env, "plant", "apply", "--all", f)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 54, strings.Count(out, "+ series "), out)
	require.Contains(t, out, "+ binding console:stamping: → line=line-1")
	require.Contains(t, out, `+ digest console:shop-floor: "0 6,14,22 * * *" Asia/Seoul`)
	code, out, _ = gemba(t, env, "plant", "apply", f)
	require.Equal(t, 0, code)
	require.Contains(t, out, "no changes")
}

// TestConnectReadsAPlantFile: `gemba connect --file plant.yaml` takes the
// plant model's connectors, with its problems by line.
func TestConnectReadsAPlantFile(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GEMBA_DATABASE_URL": dbtest.NewDatabase(t), "GEMBA_LOG_LEVEL": "warn"}
	code, _, errOut := gemba(t, env, "connect", "--file", writeFile(t, "plant.yaml", cliPlant))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "is a plant model without connectors:")
	bad := cliPlant + "connectors:\n  - {name: body-mqtt, type: mqtt, broker: \"mqtt.local\", mappings: [{topic: \"a/{x}\", series: \"{y}.v\"}]}\n"
	code, _, errOut = gemba(t, env, "connect", "--file", writeFile(t, "plant.yaml", bad))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `line 24: connectors: connector "body-mqtt": broker "mqtt.local" must be a URL`)
	require.Contains(t, errOut, `uses {y}, which the topic "a/{x}" does not capture`)
}
