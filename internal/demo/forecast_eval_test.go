package demo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/demo"
)

// TestForecasterBeatsSeasonalNaiveOnDemoOutput: on rolling-origin
// backtests of the demo plant's production output, the automatically
// chosen forecaster has a lower mean MASE than seasonal naive.
func TestForecasterBeatsSeasonalNaiveOnDemoOutput(t *testing.T) {
	t.Parallel()
	rep, err := demo.EvalOutputForecasts(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	t.Log(rep)
	require.Equal(t, 3, rep.Series)
	require.Less(t, rep.MASE, rep.SeasonalNaiveMASE)
}
