package app

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPlantModelLimitsInAnswers: a plant that wrote its limits down in
// plant.yaml but has no runbooks yet gets them in answers — the limit a
// reading crosses, and when to call — from the plant model.
func TestPlantModelLimitsInAnswers(t *testing.T) {
	t.Parallel()
	env, _ := onboardEnv(t)
	dir := t.TempDir()
	plantFile := filepath.Join(dir, "plant.yaml")
	require.NoError(t, os.WriteFile(plantFile, []byte(`site: mill
time_zone: UTC
lines:
  - {name: line-a}
assets:
  - name: mixer-1
    line: line-a
    type: mixer
    sensors:
      - name: vibration
        unit: mm/s
        step: 10m
        limits:
          - {level: alarm, above: 4.5, doc: SOP-MX-7}
          - {level: danger, above: 9, doc: SOP-MX-7}
`), 0o600))

	// 21 days of vibration every 10 minutes around 2 mm/s with a daily
	// swing; for the last 30 hours it climbs to about 6 mm/s.
	now := time.Now().UTC().Truncate(10 * time.Minute)
	var b strings.Builder
	b.WriteString("series,timestamp,value\n")
	start := now.Add(-21 * 24 * time.Hour)
	for ts := start; !ts.After(now); ts = ts.Add(10 * time.Minute) {
		v := 2 + 0.2*math.Sin(2*math.Pi*float64(ts.Hour())/24) + 0.05*math.Sin(float64(ts.Unix())/997)
		if left := now.Sub(ts); left < 30*time.Hour {
			v += 4 * (1 - left.Hours()/30)
		}
		fmt.Fprintf(&b, "mixer-1.vibration,%s,%.3f\n", ts.Format(time.RFC3339), v)
	}
	csv := filepath.Join(dir, "mixer.csv")
	require.NoError(t, os.WriteFile(csv, []byte(b.String()), 0o600))

	for _, args := range [][]string{{"migrate", "up"}, {"plant", "apply", plantFile}, {"series", "import", csv}} {
		code, out, errOut := gemba(t, env, args...)
		require.Zero(t, code, strings.Join(args, " ")+": "+out+errOut)
	}
	code, out, errOut := gemba(t, env, "ask", "mixer-1 is vibrating, what should I do?")
	require.Zero(t, code, errOut)
	t.Log(out)
	require.Regexp(t, `mixer-1 vibration [\d.]+ mm/s is above the 4.5 mm/s alarm limit in SOP-MX-7`, out)
	require.Contains(t, out, "1. Report the reading to the maintenance lead now and follow SOP-MX-7.")
	require.Contains(t, out, "At 9 mm/s (danger in SOP-MX-7): call the maintenance lead.")
	require.NotContains(t, out, "dropped citations")
}
