package tools_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// TestLatestReadings asks for press-3's latest readings on the demo plant,
// where its vibration has been rising for 36 hours: vibration stands above
// its usual range, each reading comes with its age, and bad arguments come
// back in words.
func TestLatestReadings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(ctx, tx, demo.Options{Now: plantNow})
	require.NoError(t, err)
	reg := tools.NewRegistry(tools.LatestReadingsTool(series.New(tx), func() time.Time { return plantNow }))

	res, data := call(t, ctx, reg, tools.LatestReadings, `{"asset":"Press 3"}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "press-3", data["asset"], "the asset is resolved loosely")
	var vib map[string]any
	for _, r := range data["readings"].([]any) {
		m := r.(map[string]any)
		require.Less(t, m["age_minutes"].(float64), 30.0, "readings are fresh: the demo samples every 10 minutes")
		require.LessOrEqual(t, m["usual_p10"].(float64), m["usual_p90"].(float64))
		if m["sensor"] == "vibration" {
			vib = m
		}
	}
	require.NotNil(t, vib, "press-3 has a vibration sensor")
	require.Equal(t, "above usual", vib["position"], "the developing bearing failure: %v", vib)
	require.Contains(t, res.Summary, "vibration")

	for args, says := range map[string]string{
		`{"asset":"robot-7"}`:            "no asset",
		`{"asset":""}`:                   "asset is empty",
		`{"asset":"press-3","days":400}`: "days must be",
	} {
		res, _ := call(t, ctx, reg, tools.LatestReadings, args)
		require.Contains(t, res.UserError, says, args)
	}
	res, _ = call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","colour":"red"}`)
	require.True(t, res.InvalidArgs)
}
