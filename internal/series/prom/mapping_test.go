package prom_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/series/prom"
)

func TestParseMapping(t *testing.T) {
	t.Parallel()
	good := `
prometheus:
  url: http://victoria:8428
  series:
    - name: line-1.output
      query: 'line_output{line="line-1"}'
      kind: production
      line: line-1
      unit: parts/h
      interval: 1h
  discover:
    - match: '{__name__="plant_sensor", site="busan"}'
      name: '{{asset}}.{{ sensor }}'
      asset: '{{asset}}'
      interval: 10s
`
	m, err := prom.Parse(strings.NewReader(good))
	require.NoError(t, err)
	require.Equal(t, prom.DefaultTimeout, m.Timeout)
	require.Equal(t, prom.DefaultMaxPointsPerQuery, m.MaxPointsPerQuery)
	require.Equal(t, time.Hour, m.Series[0].Interval)
	require.Equal(t, prom.DefaultLookback, m.Discover[0].Lookback)

	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "prometheus:\n  url: http://x:1\n  sereis: []\n", []string{"field sereis not found"}},
		{"no section", "other: 1\n", []string{"field other not found"}},
		{"empty file", "", []string{"EOF"}},
		{"nothing mapped", "prometheus:\n  url: http://x:1\n", []string{"neither series nor discover"}},
		{"every problem at once", `
prometheus:
  url: ftp://x
  max_points_per_query: 3
  series:
    - name: a.b
      query: 'rate(x[5m])'
      kind: gauge
    - name: a.b
      query: 'x'
      interval: 1m
  discover:
    - match: ''
      name: fixed
`, []string{
			`url: "ftp://x" is not an http(s) URL`,
			"max_points_per_query: 3 is below 10",
			`series[0] (a.b): query "rate(x[5m])" must be a series selector`,
			`series[0] (a.b): kind "gauge" must be one of sensor, production, plan`,
			"series[0] (a.b): interval is required",
			"series[1] (a.b): name appears twice",
			`discover[0]: match "" must be a series selector`,
			`discover[0]: name "fixed" must use labels`,
			"discover[0]: interval is required",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := prom.Parse(strings.NewReader(c.yaml))
			require.Error(t, err)
			require.True(t, errors.Is(err, prom.ErrBadMapping), err)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestExampleParses keeps the documented example file valid.
func TestExampleParses(t *testing.T) {
	t.Parallel()
	m, err := prom.LoadFile("example.yaml")
	require.NoError(t, err)
	require.Len(t, m.Series, 1)
	require.Len(t, m.Discover, 1)
	require.Equal(t, 720*time.Hour, m.Discover[0].Lookback)
}
