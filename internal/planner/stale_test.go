package planner

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// staleDemo is the demo plant asked 25 hours after its data ends: every
// feed has stopped, as when a connector is down overnight. Answers must
// say so, never pass an old reading off as the value now.
func staleDemo(t *testing.T) (*agent.Runner, time.Time) {
	t.Helper()
	return staleDemoAt(t, 25*time.Hour)
}

// staleDemoAt is the demo plant asked late after its data ends.
func staleDemoAt(t *testing.T, late time.Duration) (*agent.Runner, time.Time) {
	t.Helper()
	d := openDemo(t)
	now := d.now.Add(late)
	r, err := demoRunner(d.pool, now)
	require.NoError(t, err)
	return r, now
}

func askRunner(t *testing.T, r *agent.Runner, question string) *agent.Answer {
	t.Helper()
	a, err := r.Ask(context.Background(), agent.Request{ThreadKey: "stale-" + question, Question: question})
	require.NoError(t, err)
	require.Equal(t, agent.ModeOffline, a.Mode)
	return a
}

// TestStaleFeedAnswers: with every feed stopped a day ago, a reading asked
// "right now" is its last one, said as such; a forecast "at 14:00
// tomorrow" is of that moment and says how far past the data it lies; a
// line's output against plan today falls back to its last day of data,
// said, instead of "No verified figures".
func TestStaleFeedAnswers(t *testing.T) {
	r, now := staleDemo(t)
	seoul, _ := time.LoadLocation("Asia/Seoul")

	a := askRunner(t, r, "what's the temperature on the compressor right now?")
	require.Contains(t, a.Situation, "compressor-1 temperature:")
	require.Contains(t, a.Situation, "That is its last reading, 25 h ago")
	require.Equal(t, "low", a.Confidence)
	a = askRunner(t, r, "프레스 3 온도 지금 몇 도야?")
	require.Contains(t, a.Situation, "press-3 온도:")
	require.Contains(t, a.Situation, "마지막 측정값(25시간 전)")

	a = askRunner(t, r, "what will press-3 vibration be at 14:00 tomorrow?")
	l := now.In(seoul)
	want := time.Date(l.Year(), l.Month(), l.Day()+1, 14, 0, 0, 0, seoul)
	require.Contains(t, a.Situation, "press-3.vibration at 14:00 tomorrow ("+want.Format("01-02")+" 1")
	require.Contains(t, a.Situation, "past its last reading, and there is no newer data")
	// The point given lies within the hour of the moment asked, though the
	// data ended a day before it.
	require.Regexp(t, `at 14:00 tomorrow \(`+want.Format("01-02")+` 1[34]:\d\d\)`, a.Situation)
	require.NotEmpty(t, calledWith(a, tools.ForecastSeries))

	a = askRunner(t, r, "why is line 1 behind plan?")
	require.Contains(t, a.Situation, "No data has arrived in the time asked (today")
	require.Contains(t, a.Situation, "line-1, the last day of data")
	require.Contains(t, a.Situation, "planned")
	require.NotContains(t, a.Situation, "No verified figures")
	require.True(t, strings.Contains(a.Cause, "press-3"), a.Cause)
}

// TestPartlyCoveredWindow: asked 16 hours after every feed stopped (at
// 10:20), "yesterday" has data for its first 10 h 20 min only; the answer
// says so first, and a plant ranking says that no machine has sent data
// since then.
func TestPartlyCoveredWindow(t *testing.T) {
	r, _ := staleDemoAt(t, 16*time.Hour)
	a := askRunner(t, r, "what happened yesterday?")
	require.True(t, strings.HasPrefix(a.Situation, "Nothing has arrived since "), a.Situation)
	require.Contains(t, a.Situation, "the data covers only the first 10 h 20 min of the 24 h asked")
	require.NotEqual(t, "high", a.Confidence)

	a = askRunner(t, r, "any open alerts?")
	require.True(t, strings.HasPrefix(a.Situation, "No machine has sent data since "), a.Situation)
	require.Contains(t, a.Situation, "(16 h ago)")
	require.Contains(t, a.Situation, "press-3 vibration")
}

// TestRecentRateOutlook: press-3's vibration rose faster over its last
// 12 hours than over the whole rise; asked a day after the feed stopped,
// the outlook is at that recent rate, its time already past (so treated as
// at the limit), the whole rise's figure is context, and the open bearing
// job is to be brought forward now. The rate is the least-squares slope
// of the hourly means, computed here from SQL over the stored aggregates.
func TestRecentRateOutlook(t *testing.T) {
	r, _ := staleDemo(t)
	d := openDemo(t)
	a := askRunner(t, r, "is press 3 ok?")
	m := regexp.MustCompile(`At its rate over the last 12 hours \(([\d.]+) mm/s per hour\) it would have reached 7 mm/s about (\d+) h after its last reading`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	require.Contains(t, a.Situation, "which is already past")
	require.Contains(t, a.Situation, "(Over the whole rise, about")
	require.Contains(t, a.Situation, "bring the job forward now")

	var slope float64
	err := d.pool.QueryRow(context.Background(), `
		WITH h AS (
			SELECT h.t0 + (u.i - 1) * interval '1 hour' AS t, u.m
			FROM series_hour h JOIN series s ON s.id = h.series_id,
			     unnest(h.means, h.counts) WITH ORDINALITY AS u(m, c, i)
			WHERE s.name = 'press-3.vibration' AND u.c > 0),
		last AS (SELECT max(t) AS t FROM h)
		SELECT regr_slope(h.m, extract(epoch FROM h.t) / 3600)
		FROM h, last WHERE h.t >= last.t - interval '12 hours'`).Scan(&slope)
	require.NoError(t, err)
	got, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	t.Logf("answer %s mm/s per hour, SQL slope %.4f", m[1], slope)
	require.InDelta(t, slope, got, 0.02, "the recent rate is the slope of the last 12 hourly means")
}

// TestQuietLineOnStoppedFeed: a line whose machines show nothing on a feed
// stopped 16 hours ago says their newest readings are old, as one machine's
// answer does, rather than a bare "no significant anomalies".
func TestQuietLineOnStoppedFeed(t *testing.T) {
	r, _ := staleDemoAt(t, 16*time.Hour) // the last 24 hours hold 8 of data
	for _, q := range []string{"something smells hot around line 2", "anything wrong on line 3?"} {
		a := askRunner(t, r, q)
		require.Contains(t, a.Situation, "no significant anomalies", q)
		// Every quiet statement comes with its age: one machine's, or the
		// line's machines' together.
		quiet := strings.Count(a.Situation, "no significant anomalies")
		aged := strings.Count(a.Situation, "says nothing of now")
		require.GreaterOrEqual(t, aged, min(quiet, 1), "%s: %s", q, a.Situation)
		if strings.Contains(a.Situation, "no significant anomalies on ") {
			require.Contains(t, a.Situation, "Their newest readings are from", q)
		}
	}
}

// TestSameHoursWhenFeedStopped: asked some hours after the output feed
// stopped, "today vs yesterday" compares the hours both have data for,
// says so, and its figures are the hourly sums of the same hours in SQL.
func TestSameHoursWhenFeedStopped(t *testing.T) {
	r, now := staleDemoAt(t, 3*time.Hour)
	d := openDemo(t)
	a := askRunner(t, r, "compare line 1 output today vs yesterday")
	m := regexp.MustCompile(`Compared over the same (\d+) hours of each period`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	hours := atoiT(t, m[1])
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := now.In(seoul)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, seoul)
	yesterday := today.AddDate(0, 0, -1)
	want := hourlySum(t, d, "line-1.output", yesterday, yesterday.Add(time.Duration(hours)*time.Hour))
	got := regexp.MustCompile(`line-1, the day before \([^)]*\): (\d+) parts produced`).FindStringSubmatch(a.Situation)
	require.NotNil(t, got, a.Situation)
	require.InDelta(t, want, float64(atoiT(t, got[1])), 1)
}
