package planner

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

// TestVerifyWorkOnDemo: "did pump 1 pressure recover after the strainer
// was cleaned?" names the latest strainer job that SQL finds in the
// records, and its before and after means are those of the two trend lines.
func TestVerifyWorkOnDemo(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "did pump 1 pressure recover after the strainer was cleaned?")
	require.NotEmpty(t, calledWith(a, tools.MaintenanceHistory))
	require.NotEmpty(t, calledWith(a, tools.LatestReadings))
	var id string
	require.NoError(t, d.pool.QueryRow(context.Background(), `
		SELECT id FROM maintenance_events
		WHERE asset = 'pump-1' AND component ILIKE '%strainer%' AND kind NOT IN ('alert', 'inspection') AND status <> 'open' AND opened_at <= $1
		ORDER BY opened_at DESC LIMIT 1`, d.now).Scan(&id))
	require.Contains(t, a.Situation, "("+id+")")
	means := regexp.MustCompile(`(?m)^pump-1 pressure, (?:the 48 h before the job|after it|since it), .*mean ([\d.]+) bar\.$`).FindAllStringSubmatch(a.Situation, -1)
	require.Len(t, means, 2, a.Situation)
	require.Contains(t, a.Situation, "pump-1 pressure averaged "+means[0][1]+" bar in the 48 h before the job and "+means[1][1]+" bar after it")
	require.NotContains(t, a.Situation, "You said")

	for q, want := range map[string]bool{
		"did pump 1 pressure recover after the strainer was cleaned?": true,
		"is cnc 2 better since the spindle bearing was replaced?":     true,
		"did the bearing replacement on press 3 help?":                true,
		"펌프 1 스트레이너 청소하고 나서 압력 회복됐어?":                                 true,
		"we cleaned the pump 1 strainer, anything else?":              false,
		"pump 1 pressure since yesterday":                             false,
	} {
		require.Equal(t, want, afterWorkRe.MatchString(q), q)
	}
}

// TestOKVerdicts: "is it ok?" is answered first — no for a machine with a
// significant event, yes for one without on current data — worst first.
func TestOKVerdicts(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "are press 1 and press 3 ok?")
	lines := regexp.MustCompile(`\n`).Split(a.Situation, -1)
	require.GreaterOrEqual(t, len(lines), 2, a.Situation)
	require.Equal(t, "No: press-3's vibration is well above its usual pattern, as follows.", lines[0])
	require.Equal(t, "Yes, as far as its data shows: nothing significant on press-1.", lines[1])
	a = d.ask(t, "", "프레스 3 괜찮아?")
	require.True(t, regexp.MustCompile(`^아니요: press-3`).MatchString(a.Situation), a.Situation)
	// A high reading against documents that bound only the low side.
	a = d.ask(t, "", "pump 1 pressure is 9 bar, is that ok?")
	require.Contains(t, a.Situation, "its documents state no upper limit for it (only alarm 2.3 bar in RB-pump-strainer)")
	require.Contains(t, a.Situation, "check the gauge against the sensor first")
	require.NotContains(t, a.Situation, "within the limits")
	require.NotContains(t, a.Situation, "Yes, as far as")
	for q, want := range map[string]bool{"press 3 is fine right?": true, "is pump 1 ok?": true, "how is press 3 doing?": false, "is it safe to run press 3?": false} {
		require.Equal(t, want, okAskRe.MatchString(q), q)
	}
}
