//go:build !race

package model_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// The large plant's apply is timed without the race detector (make race
// runs this package's other tests).

// plantFile writes a model of n assets with four sensors each over n/50
// lines, with aliases and limits.
func plantFile(n int) string {
	var b strings.Builder
	b.WriteString("site: big\ntime_zone: Asia/Seoul\nshifts:\n  - {name: day, start: \"06:00\"}\n  - {name: night, start: \"18:00\"}\nlines:\n")
	lines := max(1, n/50)
	for l := range lines {
		fmt.Fprintf(&b, "  - {name: line-%d, output: line-%d.output, plan: line-%d.plan, unit: parts/h, step: 1h}\n", l+1, l+1, l+1)
	}
	b.WriteString("assets:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: machine-%d\n    line: line-%d\n    type: pump\n    aliases: [\"pump no %d\", \"%d번 펌프\"]\n    sensors:\n", i+1, i%lines+1, i+1, i+1)
		for _, s := range []string{"vibration", "pressure", "temperature", "motor_current"} {
			fmt.Fprintf(&b, "      - {name: %s, unit: u, range: [0, 100], step: 1m, limits: [{level: alarm, above: 90, doc: RB-1}]}\n", s)
		}
	}
	b.WriteString("bindings:\n")
	for l := range min(lines, 20) {
		fmt.Fprintf(&b, "  - {channel: \"slack:C%08d\", line: line-%d}\n", l+1, l+1)
	}
	return b.String()
}

// TestApplyLargePlant applies a 2,000-asset file twice and reports the
// timings (the second apply is "no changes").
func TestApplyLargePlant(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2,000-asset apply: not in -short")
	}
	t.Parallel()
	pool := dbtest.Pool(t)
	src := plantFile(2000)
	start := time.Now()
	_, problems := model.Parse([]byte(src))
	parse := time.Since(start)
	require.Empty(t, problems)
	rep, _ := apply(t, pool, src, false)
	first := rep.Took
	require.Equal(t, 1+8000+80+20, len(rep.Changes))
	rep, out := apply(t, pool, src, false)
	require.True(t, rep.Unchanged(), out)
	t.Logf("2,000 assets, 8,000 sensors, %d KiB: parse %s, first apply %s, second apply (no changes) %s", len(src)/1024, parse.Round(time.Millisecond), first.Round(time.Millisecond), rep.Took.Round(time.Millisecond))
	require.Less(t, first, 2*time.Minute)
}

// BenchmarkParse2000 parses a 2,000-asset file (about 1 MiB).
func BenchmarkParse2000(b *testing.B) {
	src := []byte(plantFile(2000))
	for b.Loop() {
		if _, problems := model.Parse(src); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}
