package planner

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// TestOutputByDayMatchesSQL: "line 1 output per day last week" gives each
// plant day's output as SQL over the stored hourly values sums it (within
// the answer's three significant digits), and names the best day.
func TestOutputByDayMatchesSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "line 1 output per day last week")
	require.NotEmpty(t, calledWith(a, tools.CompareToPlan))
	require.Contains(t, a.Situation, "line-1 by day (last week")
	require.Contains(t, a.Situation, "Best day:")

	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	monday := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	partRe := regexp.MustCompile(`(?m)^• \w{3} (\d{2}-\d{2}): ([\d.]+) parts of ([\d.]+) planned`)
	parts := partRe.FindAllStringSubmatch(a.Situation, -1)
	require.Len(t, parts, 7, a.Situation)
	sum := func(name string, from, to time.Time) float64 { return hourlySum(t, d, name, from, to) }
	for i, p := range parts {
		day := monday.AddDate(0, 0, i)
		require.Equal(t, day.Format("01-02"), p[1])
		got, err := strconv.ParseFloat(p[2], 64)
		require.NoError(t, err)
		plan, err := strconv.ParseFloat(p[3], 64)
		require.NoError(t, err)
		want := sum("line-1.output", day, day.AddDate(0, 0, 1))
		wantPlan := sum("line-1.plan", day, day.AddDate(0, 0, 1))
		require.InEpsilon(t, want, got, 0.006, "%s output: answer %v, SQL %v", p[1], got, want)
		require.InEpsilon(t, wantPlan, plan, 0.006, "%s plan: answer %v, SQL %v", p[1], plan, wantPlan)
	}
	require.True(t, strings.Contains(a.Situation, "worst:"))
}

// TestThresholdHoursMatchSQL: "how many hours was press 3 above 4.5 mm/s
// this week?" counts the hours whose stored hourly mean is above 4.5, as
// SQL over the hourly aggregates counts them (at the three significant
// digits the tools report: an hourly mean of 4.503 reads 4.50, not above);
// the value is no reading.
func TestThresholdHoursMatchSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "how many hours was press 3 above 4.5 mm/s this week?")
	require.NotContains(t, a.Situation, "You read")
	require.Empty(t, a.Steps)
	m := regexp.MustCompile(`above 4\.5 mm/s in (\d+) of the (\d+) hours with data`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	monday := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7), 0, 0, 0, 0, seoul)
	var above, hours int
	err := d.pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE round(u.m::numeric, 3 - ceil(log(abs(u.m)::numeric))::int) > 4.5), count(*)
		FROM series_hour h JOIN series s ON s.id = h.series_id,
		     unnest(h.means, h.counts) WITH ORDINALITY AS u(m, c, i)
		WHERE s.name = 'press-3.vibration' AND u.c > 0
		  AND h.t0 + (u.i - 1) * interval '1 hour' >= $1 AND h.t0 + (u.i - 1) * interval '1 hour' < $2`, monday, d.now).Scan(&above, &hours)
	require.NoError(t, err)
	t.Logf("answer %s of %s; SQL %d of %d", m[1], m[2], above, hours)
	require.Equal(t, strconv.Itoa(above), m[1], "hours above")
	require.Equal(t, strconv.Itoa(hours), m[2], "hours with data")
	require.Positive(t, above, "press-3's vibration has been rising for about 36 hours")
}

// TestTodaysPlanMadeSoFarMatchesSQL: "will line 1 make today's plan?" is
// the whole day's: what SQL sums of today's stored output so far, plus the
// forecast of the rest, against the whole day's plan as SQL sums it.
func TestTodaysPlanMadeSoFarMatchesSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "will line 1 make its plan today?")
	require.NotEmpty(t, calledWith(a, tools.CompareToPlan))
	require.Contains(t, a.Situation, "Against plan, today (")

	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, seoul)
	sum := func(name string, from, to time.Time) float64 { return hourlySum(t, d, name, from, to) }
	m := regexp.MustCompile(`made ([\d.]+) parts so far in (\d+) h \(plan for those hours ([\d.]+)\); forecast ([\d.]+) for the other (\d+) h .*?; expected total ([\d.]+) against a plan of ([\d.]+)`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	f := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	madeH, restH := f(m[2]), f(m[5])
	require.EqualValues(t, 24, madeH+restH, "every hour of the day is made or forecast")
	end := day.Add(time.Duration(madeH) * time.Hour)
	require.InEpsilon(t, sum("line-1.output", day, end), f(m[1]), 0.006, "made so far")
	require.InEpsilon(t, sum("line-1.plan", day, end), f(m[3]), 0.006, "plan so far")
	require.InEpsilon(t, sum("line-1.plan", day, day.AddDate(0, 0, 1)), f(m[7]), 0.006, "the whole day's plan")
	require.InEpsilon(t, f(m[1])+f(m[4]), f(m[6]), 0.01, "made plus forecast")
	require.Regexp(t, `On track|Likely to miss|Too close to call`, a.Situation)
}

// hourlySum is SQL's sum of a series' stored hourly values in [from, to),
// computed apart from the tools.
func hourlySum(t *testing.T, d *demoPlant, name string, from, to time.Time) float64 {
	t.Helper()
	var v float64
	err := d.pool.QueryRow(context.Background(), `
		SELECT coalesce(sum(u.m * u.c), 0)
		FROM series_hour h JOIN series s ON s.id = h.series_id,
		     unnest(h.means, h.counts) WITH ORDINALITY AS u(m, c, i)
		WHERE s.name = $1 AND u.c > 0
		  AND h.t0 + (u.i - 1) * interval '1 hour' >= $2 AND h.t0 + (u.i - 1) * interval '1 hour' < $3`, name, from, to).Scan(&v)
	require.NoError(t, err)
	return v
}

// TestBestHourOfWeekMatchesSQL: "what was our best hour on line 1 last
// week" ranks every hour of the week (not the last 31 listed before): its
// best and worst are the hours SQL finds with the most and least output
// over the stored hourly values, and the hours listed are the top and
// bottom three.
func TestBestHourOfWeekMatchesSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "what was our best hour on line 1 last week")
	require.Contains(t, a.Situation, "of all 168 hours", a.Situation)
	m := regexp.MustCompile(`Most: (\d{2}-\d{2} \d{2}:\d{2}); least: (\d{2}-\d{2} \d{2}:\d{2})\.`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)

	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	monday := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	type hour struct {
		at time.Time
		v  float64
	}
	var hours []hour
	for h := monday; h.Before(monday.AddDate(0, 0, 7)); h = h.Add(time.Hour) {
		hours = append(hours, hour{h, hourlySum(t, d, "line-1.output", h, h.Add(time.Hour))})
	}
	best, worst := hours[0], hours[0]
	for _, h := range hours {
		if h.v > best.v {
			best = h
		}
		if h.v < worst.v && h.v > 0 {
			worst = h
		}
	}
	at := func(s string) hour {
		for _, h := range hours {
			if h.at.Format("01-02 15:04") == s {
				return h
			}
		}
		t.Fatalf("%s is not an hour of last week", s)
		return hour{}
	}
	t.Logf("answer best %s, worst %s; SQL best %s (%.0f), worst %s (%.0f)", m[1], m[2], best.at.Format("01-02 15:04"), best.v, worst.at.Format("01-02 15:04"), worst.v)
	require.InDelta(t, best.v, at(m[1]).v, 0.5, "the best hour has the week's most output")
	require.InDelta(t, worst.v, at(m[2]).v, 0.5, "the worst hour has the week's least output")
	require.Len(t, regexp.MustCompile(`(?m)^• \d{2}-\d{2} \d{2}:\d{2}: `).FindAllString(a.Situation, -1), 6, "three best and three worst")
	require.NotContains(t, a.Situation, "last 31")
}

// TestOutputWeekVsWeekBeforeMatchesSQL: "compare line 1 output last week
// vs the week before" is both weeks as SQL sums them, and the change.
func TestOutputWeekVsWeekBeforeMatchesSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	a := d.ask(t, "", "compare line 1 output last week vs the week before")
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	last := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	before := last.AddDate(0, 0, -7)
	f := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	for _, c := range []struct {
		label string
		from  time.Time
	}{{"last week", last}, {"the week before", before}} {
		m := regexp.MustCompile(`line-1, ` + c.label + ` \(` + c.from.Format("01-02") + ` 00:00–[^)]*\): ([\d.]+) parts produced of ([\d.]+) planned`).FindStringSubmatch(a.Situation)
		require.NotNil(t, m, "%s in %s", c.label, a.Situation)
		require.InEpsilon(t, hourlySum(t, d, "line-1.output", c.from, c.from.AddDate(0, 0, 7)), f(m[1]), 0.006, c.label)
		require.InEpsilon(t, hourlySum(t, d, "line-1.plan", c.from, c.from.AddDate(0, 0, 7)), f(m[2]), 0.006, c.label)
	}
	require.Contains(t, a.Situation, "against the week before")
}

// TestFurthestBehindMatchesSQL checks "which line was furthest behind plan
// last week?" against the share of plan each line made, summed in SQL from
// the hourly series: the line named first is the one with the lowest share
// (the tool's rounded percentages had tied two lines and named the first
// in line order), and each line's counts are the whole sums.
func TestFurthestBehindMatchesSQL(t *testing.T) {
	d, a := askDemo(t, "which line was furthest behind plan last week?")
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	from := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	to := from.AddDate(0, 0, 7)
	worst, share := "", 2.0
	for _, line := range []string{"line-1", "line-2", "line-3"} {
		out, plan := hourlySum(t, d, line+".output", from, to), hourlySum(t, d, line+".plan", from, to)
		require.Positive(t, plan, line)
		if out/plan < share {
			worst, share = line, out/plan
		}
		m := regexp.MustCompile(line + `, last week \([^)]*\): (\d+) parts produced of (\d+) planned`).FindStringSubmatch(a.Situation)
		require.NotNil(t, m, "%s in %s", line, a.Situation)
		require.InDelta(t, out, float64(atoiT(t, m[1])), 1, line)
		require.InDelta(t, plan, float64(atoiT(t, m[2])), 1, line)
	}
	require.True(t, strings.HasPrefix(a.Situation, "Furthest behind plan: "+worst+" "), "want %s (%.4f) first: %s", worst, share, a.Situation)
}

func atoiT(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestMeanChangeMatchesSQL: "press 2 motor current yesterday average vs
// today average", asked earlier span first, gives the change of the later
// span's mean against the earlier one's, its sign as the means from SQL
// (it was computed the wrong way round: −7.7 % for a rise of 8.5 %).
func TestMeanChangeMatchesSQL(t *testing.T) {
	d, a := askDemo(t, "press 2 motor current yesterday average vs today average")
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, seoul)
	mean := func(from, to time.Time) float64 {
		var v float64
		require.NoError(t, d.pool.QueryRow(context.Background(), `
			SELECT avg(p.value) FROM points p JOIN series s ON s.id = p.series_id
			WHERE s.name = 'press-2.motor_current' AND p.ts >= $1 AND p.ts < $2`, from, to).Scan(&v))
		return v
	}
	before, now := mean(today.AddDate(0, 0, -1), today), mean(today, d.now)
	m := regexp.MustCompile(`The mean changed by ([+-]?[\d.]+)% against the earlier span`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	got, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	want := 100 * (now - before) / before
	require.InDelta(t, want, got, 1.0, "SQL: %.2f → %.2f", before, now)
}

// TestShiftTotalsMatchSQL: "line 2 output last week's night shifts" sums
// the seven night shifts (22:00–06:00) that start in last week, as the
// hourly sums in SQL.
func TestShiftTotalsMatchSQL(t *testing.T) {
	d, a := askDemo(t, "line 2 output last week's night shifts")
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	week := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	var out, plan float64
	for i := 0; i < 7; i++ {
		from := week.AddDate(0, 0, i).Add(22 * time.Hour)
		out += hourlySum(t, d, "line-2.output", from, from.Add(8*time.Hour))
		plan += hourlySum(t, d, "line-2.plan", from, from.Add(8*time.Hour))
	}
	m := regexp.MustCompile(`its night shifts \(7 with data\): (\d+) parts produced of (\d+) planned`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	require.InDelta(t, out, float64(atoiT(t, m[1])), 1)
	require.InDelta(t, plan, float64(atoiT(t, m[2])), 1)
}

// askDemo asks the demo plant a question for a test that checks the answer
// against SQL (skipped under the race detector, whose slowdown exceeds the
// tools' deadlines).
func askDemo(t *testing.T, question string) (*demoPlant, *agent.Answer) {
	t.Helper()
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	return d, d.ask(t, "", question)
}

// TestOutputNormalMatchesSQL checks "is that normal?" after a line's
// output: the range it gives is the line's daily share of plan over the 14
// days before the period, computed here from the hourly points.
func TestOutputNormalMatchesSQL(t *testing.T) {
	if raceDetector {
		t.Skip("its answers run against tool deadlines the race detector's slowdown exceeds")
	}
	d := openDemo(t)
	d.ask(t, "normal-sql", "line 2 output last week")
	a := d.ask(t, "normal-sql", "is that normal?")
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	week := time.Date(l.Year(), l.Month(), l.Day()-int((l.Weekday()+6)%7)-7, 0, 0, 0, 0, seoul)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 1; i <= 14; i++ {
		from := week.AddDate(0, 0, -i)
		out := hourlySum(t, d, "line-2.output", from, from.AddDate(0, 0, 1))
		plan := hourlySum(t, d, "line-2.plan", from, from.AddDate(0, 0, 1))
		if plan > 0 {
			lo, hi = math.Min(lo, 100*out/plan), math.Max(hi, 100*out/plan)
		}
	}
	m := regexp.MustCompile(`over the 14 days before ran ([\d.]+)–([\d.]+)%`).FindStringSubmatch(a.Situation)
	require.NotNil(t, m, a.Situation)
	gotLo, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	gotHi, err := strconv.ParseFloat(m[2], 64)
	require.NoError(t, err)
	require.InDelta(t, lo, gotLo, 0.06, a.Situation)
	require.InDelta(t, hi, gotHi, 0.06, a.Situation)
}
