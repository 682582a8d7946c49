package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

// TestHandoverShift: a handover covers the shift being handed over, the one
// whose end is nearest. Asked just after a shift began ("야간조 인수인계 요약
// 좀" at 22:32), that is the shift that just ended, handed to it, not the
// half hour of the new one; asked late in a shift, the shift ending soon.
func TestHandoverShift(t *testing.T) {
	d := openDemo(t)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, seoul)
	// Clocks on the day before the seeded one, where the data runs on
	// past them (a clock after the data's end reads a silent feed).
	at := func(h, m int) time.Time {
		return day.Add(time.Duration(h-24)*time.Hour + time.Duration(m)*time.Minute)
	}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	cases := []struct {
		now         time.Time
		question    string
		from, until time.Time
		says        string
	}{
		// The night shift began 32 minutes ago: its handover is the
		// late (afternoon) shift's, handed to it.
		{at(22, 32), "야간조 인수인계 요약 좀", at(14, 0), at(22, 0), "오후"},
		{at(22, 32), "night shift handover please", at(14, 0), at(22, 0), "late"},
		{at(22, 32), "shift handover summary please", at(14, 0), at(22, 0), "late"},
		// Late in the afternoon shift: the shift about to be handed over.
		{at(21, 40), "shift handover summary please", at(14, 0), at(21, 40), "late"},
		{at(21, 40), "교대 인수인계 요약해줘", at(14, 0), at(21, 40), "오후"},
		// Mid-shift: the last shift, as before.
		{at(34, 20), "shift handover summary please", at(22, 0), at(30, 0), "night"},
		// The night shift over (06:10): the night shift's handover.
		{at(30, 10), "night shift handover please", at(22, 0), at(30, 0), "night"},
	}
	for _, c := range cases {
		r, err := demoRunner(d.pool, c.now)
		require.NoError(t, err)
		d := &demoPlant{runner: r, now: c.now, pool: d.pool}
		a := d.ask(t, "", c.question)
		args := calledWith(a, tools.DetectAnomalies)
		require.NotEmpty(t, args, c.question)
		require.Equal(t, stamp(c.from), args[0]["since"], "%s at %s", c.question, c.now.In(seoul))
		require.Equal(t, stamp(c.until), args[0]["until"], "%s at %s", c.question, c.now.In(seoul))
		require.Contains(t, a.Situation, c.says, c.question)
	}
}

// TestPastWindowIsNotTheLastReading: a shift asked about that ended before
// the data does ("언제부터 이랬어요? 주간조때도 이랬나" at night) is not the
// latest reading: nothing is projected from its end ("there is no newer
// data" was said while 57 readings had come since), and the onset is
// dated against the end of the time asked.
func TestPastWindowIsNotTheLastReading(t *testing.T) {
	d := openDemo(t)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	l := d.now.In(seoul)
	// 23:30 the evening before the seeded clock: the day shift ended at
	// 14:00 and the data runs on past both.
	now := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, seoul).Add(-30 * time.Minute)
	r, err := demoRunner(d.pool, now)
	require.NoError(t, err)
	at := &demoPlant{runner: r, now: now, pool: d.pool}
	for i, q := range []string{"3호기 프레스 진동 왜케 높아요?? 계속 돌려도 되는거에요", "언제부터 이랬어요? 주간조때도 이랬나"} {
		a := at.ask(t, "past-window-ko", q)
		if i == 0 {
			continue
		}
		require.NotContains(t, a.Situation, "이후 데이터가 없", q)
		require.NotContains(t, a.Situation, "마지막 측정", q)
		require.Contains(t, a.Situation, "물어보신 구간의 끝", q)
	}
}

// TestRecordVerdict: a line's record of making its daily plan settles a
// forecast too close to call only when it is clear (95%) which side of one
// half its rate lies on.
func TestRecordVerdict(t *testing.T) {
	for _, c := range []struct {
		made, n int
		want    string
	}{{0, 14, "miss"}, {3, 14, "miss"}, {4, 14, ""}, {7, 14, ""}, {10, 14, ""}, {11, 14, "make"}, {14, 14, "make"}, {0, 3, ""}, {0, 0, ""}} {
		require.Equal(t, c.want, recordVerdict(c.made, c.n), "%d of %d", c.made, c.n)
	}
}
