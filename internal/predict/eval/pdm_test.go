package eval

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/stretchr/testify/require"
)

// pdmDir is the shared evaluation data, outside the repository.
var pdmDir = filepath.Join("..", "..", "..", "..", "shared", "data", "azure_pdm")

func TestEvalPdM(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(pdmDir, pdmTelemetry)); err != nil {
		t.Logf("Azure PdM data not found at %s (%v): nothing to evaluate, the test passes without running", pdmDir, err)
		return
	}
	rep, err := EvalPdM(pdmDir)
	require.NoError(t, err)
	t.Log("\n" + rep.String())
	require.Equal(t, 20, rep.Machines)
	require.Positive(t, rep.Failures)
	require.Less(t, rep.Forecast.MASE, rep.Forecast.SeasonalNaiveMASE, "the forecaster must beat seasonal naive (hourly)")
	require.Less(t, rep.ForecastDaily.MASE, rep.ForecastDaily.SeasonalNaiveMASE, "the forecaster must beat seasonal naive (daily)")
	// Guard rails a little beyond the measured figures (34 of 37 within 48
	// hours, 1.50 false events per machine-month with the spatial rule;
	// 1.34 without it), so a regression in the detector shows up here.
	require.GreaterOrEqual(t, rep.DetectionRate, 0.85)
	require.LessOrEqual(t, rep.FalseEventsPerMachineMonth, 1.6)
	// The alerts, events the machine's own error log confirms (measured:
	// 34 of 37 caught, 0.42 false alerts per machine-month): the issue's
	// target is at least 90 % caught and at most one false per
	// machine-month.
	require.GreaterOrEqual(t, float64(rep.AlertsDetected)/float64(rep.Failures), 0.9)
	require.LessOrEqual(t, rep.FalseAlertsPerMachineMonth, 1.0)
	require.LessOrEqual(t, rep.FalseAlerts, 27, "a regression: 25 false alerts measured")
	require.Less(t, rep.FalseAlerts, rep.FalseEvents)
}

// TestConfirmedAlerts checks how an alarm turns an event into an alert: an
// error logged while the event ran, or within predict.AlarmAfter after
// it, confirms it from the error's time (from the onset when the error
// came before the flag); an error before the event, or later, does not.
func TestConfirmedAlerts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	ev := func(a, onset, b int) predict.Event { return predict.Event{Start: h(a), Onset: h(onset), End: h(b)} }
	al := func(n int) predict.Alarm { return predict.Alarm{At: h(n)} }
	got := confirmed([]predict.Event{
		ev(100, 110, 150), // error at 120, inside: alert from 120
		ev(200, 210, 250), // error at 272, 22 h after the end: alert from 272 to 272
		ev(300, 310, 350), // error at 375, 25 h after: none
		ev(400, 410, 450), // error at 399, before the start: none
		ev(500, 510, 550), // error at 502, before the onset: alert from the onset
	}, []predict.Alarm{al(120), al(272), al(375), al(399), al(502)})
	require.Len(t, got, 3)
	require.Equal(t, h(120), got[0].Start)
	require.Equal(t, h(150), got[0].End)
	require.Equal(t, h(272), got[1].Start)
	require.Equal(t, h(272), got[1].End)
	require.Equal(t, h(510), got[2].Start)
	// A failure 40 h after the second alert is caught by it; scored as the
	// evaluation scores alerts, the first alert is false.
	s := scoreEvents(got, nil, []time.Time{h(312)}, nil, nil)
	require.Equal(t, 1, s.detected)
	require.Equal(t, 2, s.falseEv)
}

func TestEvalPdMMissingDir(t *testing.T) {
	t.Parallel()
	_, err := EvalPdM(t.TempDir())
	require.Error(t, err)
}

// TestScoreEventsExplanations checks the breakdown of false events on a
// hand-made machine: a detected failure, one false event before a logged
// error, one before a scheduled replacement, one before neither, and the
// chance rates of windows of that length.
func TestScoreEventsExplanations(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	times := make([]time.Time, 1000)
	for i := range times {
		times[i] = h(i)
	}
	ev := func(a, b int) predict.Event { return predict.Event{Start: h(a), End: h(b), Onset: h(a)} }
	evs := []predict.Event{ev(100, 110), ev(300, 310), ev(500, 510), ev(700, 710)}
	failures := []time.Time{h(130)}
	errs := []time.Time{h(320)}
	repl := []time.Time{h(540)}
	s := scoreEvents(evs, times, failures, errs, repl)
	require.Equal(t, 1, s.failures)
	require.Equal(t, 1, s.detected)
	require.Equal(t, 4, s.events)
	require.Equal(t, 3, s.falseEv)
	require.Equal(t, 1, s.beforeErr)
	require.Equal(t, 1, s.beforeRepl)
	require.Equal(t, 1, s.unexplained)
	// A 58-hour window contains the error at hour 320 when it starts in
	// [262, 320]: 59 of the 942 start hours whose window ends by hour 999.
	pe, pr, px := chance(times, 58*time.Hour, errs, repl)
	require.InDelta(t, 59.0/942, pe, 1e-9)
	require.InDelta(t, 59.0/942, pr, 1e-9)
	require.InDelta(t, 118.0/942, px, 1e-9)
	require.InDelta(t, 3*118.0/942, s.chanceEither, 1e-9)
}
