package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// TestFreshness: a machine's latest reading against how often it reports —
// current, late (a connector down), or without a known rate — with the
// time since in words the grounding check reads.
func TestFreshness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 17, 20, 0, 0, time.UTC)
	p, err := plant.New([]plant.Series{
		{Name: "press-1.vibration", Asset: "press-1", Sensor: "vibration", LatestAt: "2026-12-06T17:10:00Z", Interval: "10m0s"},
		{Name: "press-2.vibration", Asset: "press-2", Sensor: "vibration", LatestAt: "2026-12-06T14:20:00Z", Interval: "10m0s"},
		{Name: "press-2.temperature", Asset: "press-2", Sensor: "temperature", LatestAt: "2026-12-06T14:10:00Z", Interval: "1h0m0s"},
		{Name: "pump-1.pressure", Asset: "pump-1", Sensor: "pressure", LatestAt: "2026-12-03T17:20:00Z"},
	}, plant.DemoDefaults())
	require.NoError(t, err)
	r := &run{p: p, now: now, lang: "en"}
	got := r.freshness([]string{"press-1", "press-2", "pump-1", "cnc-1"})
	require.Len(t, got, 4)
	require.Contains(t, got[0], "press-1's latest reading came at 12-07 02:10 (10 min ago); it reports every 10 min, so its data is current")
	require.Contains(t, got[1], "(3 h ago), though it reports every 10 min: its data is late")
	require.Contains(t, got[2], "pump-1's latest reading came at 12-04 02:20 (3 days ago).")
	require.Contains(t, got[3], "cnc-1")
	r.lang = "ko"
	require.Contains(t, r.freshness([]string{"press-2"})[0], "3시간 전")
	require.Equal(t, "1 h 30 min", (&run{lang: "en"}).every(90*time.Minute))
	require.Equal(t, "30 s", (&run{lang: "en"}).every(30*time.Second))
}

// TestPlantFreshness: "which machines haven't sent data?" — the late
// machines named (several silent since one moment: their shared
// connection), the rest counted; every machine silent since one moment is
// the feed, said once.
func TestPlantFreshness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 17, 20, 0, 0, time.UTC)
	series := []plant.Series{
		{Name: "press-1.vibration", Asset: "press-1", Sensor: "vibration", LatestAt: "2026-12-06T17:10:00Z", Interval: "10m0s"},
		{Name: "press-2.vibration", Asset: "press-2", Sensor: "vibration", LatestAt: "2026-12-06T14:20:00Z", Interval: "10m0s"},
		{Name: "pump-1.pressure", Asset: "pump-1", Sensor: "pressure", LatestAt: "2026-12-06T14:20:00Z", Interval: "10m0s"},
		{Name: "cnc-1.vibration", Asset: "cnc-1", Sensor: "vibration", LatestAt: "2026-12-06T16:20:00Z", Interval: "10m0s"},
	}
	p, err := plant.New(series, plant.DemoDefaults())
	require.NoError(t, err)
	r := &run{p: p, now: now, lang: "en", a: &agent.Answer{}}
	r.plantFreshness()
	require.Contains(t, r.a.Situation, "3 of 4 machines with readings are late sending data:")
	require.Contains(t, r.a.Situation, "press-2: latest reading 12-06 23:20 (3 h ago), though it reports every 10 min.")
	require.Contains(t, r.a.Situation, "cnc-1: latest reading 12-07 01:20 (1 h ago)")
	require.Contains(t, r.a.Situation, "On time (1): press-1.")
	require.NotEmpty(t, r.a.Escalate)

	series[0].LatestAt, series[3].LatestAt = "2026-12-06T14:20:00Z", "2026-12-06T14:20:00Z"
	p, err = plant.New(series, plant.DemoDefaults())
	require.NoError(t, err)
	r = &run{p: p, now: now, lang: "en", a: &agent.Answer{}}
	r.plantFreshness()
	require.Contains(t, r.a.Situation, "None of the 4 machines with readings has sent data since 12-06 23:20 (3 h ago)")
	require.Contains(t, r.a.Situation, "the plant's data feed has stopped")

	series[0].LatestAt, series[1].LatestAt, series[2].LatestAt, series[3].LatestAt = "2026-12-06T17:10:00Z", "2026-12-06T17:15:00Z", "2026-12-06T17:10:00Z", "2026-12-06T17:20:00Z"
	p, err = plant.New(series, plant.DemoDefaults())
	require.NoError(t, err)
	r = &run{p: p, now: now, lang: "en", a: &agent.Answer{}}
	r.plantFreshness()
	require.Contains(t, r.a.Situation, "All 4 of 4 machines with readings are sending data on time")
	require.Empty(t, r.a.Escalate)
}

// TestUnitConversion: a reading asked in another unit is converted with
// the factor said; a unit no reading converts to is said so.
func TestUnitConversion(t *testing.T) {
	t.Parallel()
	p, err := plant.New([]plant.Series{
		{Name: "press-3.vibration", Asset: "press-3", Sensor: "vibration", Unit: "mm/s", Latest: 5.63, LatestAt: "2026-12-06T14:20:00Z"},
		{Name: "press-3.temperature", Asset: "press-3", Sensor: "temperature", Unit: "°C", Latest: 39.1, LatestAt: "2026-12-06T14:20:00Z"},
	}, plant.DemoDefaults())
	require.NoError(t, err)
	for text, want := range map[string]string{
		"press 3 vibration in inches per second": "press-3 vibration: 5.63 mm/s = 0.222 in/s (12-06 23:20; ÷ 25.4).",
		"press 3 temperature in fahrenheit":      "press-3 temperature: 39.1 °C = 102 °F (12-06 23:20; × 9/5 + 32).",
		"press 3 temperature in kelvin":          "press-3 temperature: 39.1 °C = 312 K",
		"press 3 pressure in psi":                "No reading of press-3 has a unit that converts to psi.",
		"press 3 vibration":                      "",
	} {
		r := &run{p: p, lang: "en", now: time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC), q: Query{Text: text}, a: &agent.Answer{}}
		if strings.Contains(text, "vibration") {
			r.q.Sensors = []string{"vibration"}
		} else if strings.Contains(text, "temperature") {
			r.q.Sensors = []string{"temperature"}
		}
		got := strings.Join(r.converted([]string{"press-3"}), "\n")
		if want == "" {
			require.Empty(t, got, text)
			continue
		}
		require.Contains(t, got, want, text)
	}
	require.InDelta(t, 0.222, sigDigits(5.63/25.4, 3), 1e-9)
	require.Zero(t, sigDigits(0, 3))
}

// TestStopVerdict: "should we stop it now?" — yes at or past the stop limit
// its documents state, "not by its documents yet" below it, nothing
// without a stop limit or when not asked.
func TestStopVerdict(t *testing.T) {
	t.Parallel()
	p, err := plant.New([]plant.Series{{Name: "press-3.vibration", Asset: "press-3", Sensor: "vibration"}}, plant.DemoDefaults())
	require.NoError(t, err)
	d := docs{canon: &doc{ID: "RB-x", Rules: []rule{
		{Doc: "RB-x", Sensor: "vibration", AssetType: "press", Condition: "above", Limit: 7, Unit: "mm/s", Level: "danger"},
		{Doc: "RB-x", Sensor: "vibration", AssetType: "press", Condition: "above", Limit: 10, Unit: "mm/s", Level: "stop"},
	}}}
	r := &run{p: p, lang: "en", q: Query{Text: "should we stop press 3 now?"}}
	h := &hypothesis{Asset: "press-3", Event: &Event{Asset: "press-3", Sensor: "vibration", Value: 11, Ongoing: true}}
	require.Contains(t, r.stopVerdict(h, d), "Yes: stop press-3 now")
	h.Event.Value = 5.6
	require.Contains(t, r.stopVerdict(h, d), "Not by its documents yet")
	require.Empty(t, r.stopVerdict(h, docs{}), "no stop limit stated")
	r.q.Text = "is press 3 safe to run?"
	require.Contains(t, r.stopVerdict(h, d), "By its documents it may still run")
	h.Event.Value = 11
	require.Contains(t, r.stopVerdict(h, d), "No: stop press-3 now")
	r.q.Text = "is press 3 ok?"
	require.Empty(t, r.stopVerdict(h, d), "not asked")
}

// TestBroadQuestions: a question about the plant that names no intent is
// the plant's state, said so; workplace matters with a plant word stay out
// of scope; a machine's status beside a time word stays its status.
func TestBroadQuestions(t *testing.T) {
	t.Parallel()
	pl, err := plant.New([]plant.Series{
		{Name: "press-3.vibration", Asset: "press-3", Line: "line-1", Sensor: "vibration"},
		{Name: "line-1.output", Line: "line-1", Kind: "output"},
	}, plant.DemoDefaults())
	require.NoError(t, err)
	now := time.Date(2026, 3, 4, 1, 20, 0, 0, time.UTC)
	for text, want := range map[string]struct {
		intent Intent
		broad  bool
	}{
		"tell me about the plant":                       {IntentRank, true},
		"공장 현황 알려줘":                                     {IntentRank, true},
		"what should the day shift focus on?":           {IntentRank, false},
		"what's the wifi password in the plant?":        {IntentOutOfScope, false},
		"how do I request vacation for my shift?":       {IntentOutOfScope, false},
		"write me a poem about the factory":             {IntentOutOfScope, false},
		"is press 3 ok? I'm going on vacation tomorrow": {IntentStatus, false},
		"what went wrong last night?":                   {IntentHandover, false},
		"were there any alarms overnight?":              {IntentHandover, false},
		"did you sleep well last night?":                {IntentOutOfScope, false},
	} {
		q := Understand(text, now, pl, nil, tools.Scope{})
		require.Equal(t, want.intent, q.Intent, text)
		require.Equal(t, want.broad, q.Broad, text)
	}
}

// TestQuietLineSaysOldReadings: "no anomalies" from readings hours old says
// their age; recent readings need no note.
func TestQuietLineSaysOldReadings(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 22, 40, 0, 0, time.UTC)
	r := oneSensorRun(t, "press-2", 2.1, "2026-12-06T14:20:00Z", now)
	r.q = Query{Window: Span{From: now.Add(-24 * time.Hour), To: now, Label: "the last 24 hours"}}
	require.Contains(t, r.quietLine("press-2"), "Its newest reading is 8 hours old")
	r.p = oneSensorRun(t, "press-2", 2.1, "2026-12-06T22:30:00Z", now).p
	require.NotContains(t, r.quietLine("press-2"), "old")
}

// TestEventLineSaysWhenFeedStopped: an ongoing event whose last reading
// is hours old states its level at that reading, never "now".
func TestEventLineSaysWhenFeedStopped(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 23, 40, 0, 0, time.UTC)
	r := oneSensorRun(t, "press-3", 5.6, "2026-12-06T14:20:00Z", now)
	e := Event{Asset: "press-3", Sensor: "vibration", Start: now.Add(-50 * time.Hour), End: time.Date(2026, 12, 6, 14, 20, 0, 0, time.UTC),
		Ongoing: true, Kind: "drift", Value: 5.6, Usual: 2.1, Sigma: 20, Unit: "mm/s"}
	line := r.eventLine(e)
	require.Equal(t, e.End, r.lastRead(e), "rates and durations run to the last reading")
	require.NotContains(t, line, " now ")
	require.Contains(t, line, "at "+r.at(e.End))
	e.End = now.Add(-10 * time.Minute)
	require.Contains(t, r.eventLine(e), "5.6 mm/s over the latest hour")
	require.Equal(t, now, r.lastRead(e))
	r.lang = "ko"
	e.End = time.Date(2026, 12, 6, 14, 20, 0, 0, time.UTC)
	require.NotContains(t, r.eventLine(e), "현재")
	// A past window (a shift) that ends after the feed stopped: the level
	// is the last reading's, not the window end's.
	e.AsOf = now.Add(-30 * time.Minute)
	require.Equal(t, e.End, r.stoppedAt(e))
	e.End = e.AsOf.Add(-10 * time.Minute)
	require.Equal(t, e.AsOf, r.stoppedAt(e))
}

// oneSensorRun is a run at now on a plant of one machine with one
// vibration sensor (10-minute readings) whose latest reading is v at at.
func oneSensorRun(t *testing.T, asset string, v float64, at string, now time.Time) *run {
	t.Helper()
	series := []plant.Series{{Name: asset + ".vibration", Asset: asset, Sensor: "vibration", Latest: v, Unit: "mm/s", LatestAt: at, Interval: "10m0s"}}
	p, err := plant.New(series, plant.DemoDefaults())
	require.NoError(t, err)
	return &run{p: p, now: now, lang: "en", a: &agent.Answer{}}
}

// TestUTCSpan: a records window reads in plant time, its end "now" when
// it is the question's time, with years on both ends when they differ.
func TestUTCSpan(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 15, 31, 0, 0, time.UTC)
	r := oneSensorRun(t, "press-3", 5.6, "2026-12-06T14:20:00Z", now)
	require.Equal(t, "2014-06-01 15:00 – now", r.utcSpan("2014-06-01 06:00", "2026-12-06 15:31"))
	require.Equal(t, "2014-06-01 15:00 – 2015-01-01 15:00", r.utcSpan("2014-06-01 06:00", "2015-01-01 06:00"))
	require.Equal(t, "01-02 09:00 – 02-01 09:00", r.utcSpan("2026-01-02 00:00", "2026-02-01 00:00"))
	require.Equal(t, "x – y", r.utcSpan("x", "y"))
}
