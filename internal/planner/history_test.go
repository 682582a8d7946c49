package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

// TestTimesWithYears: dates and months with a year name that stretch of
// the past in plant time, whatever the moment of the question, and are
// read before the rules that take a month and day as the latest such date.
func TestTimesWithYears(t *testing.T) {
	t.Parallel()
	p := testPlant(t)
	seoul := p.Location
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, seoul) }
	cases := []struct {
		q        string
		from, to time.Time
	}{
		{"how did press-3 behave in March 2015?", day(2015, 3, 1), day(2015, 4, 1)},
		{"press 3 in mar 2015", day(2015, 3, 1), day(2015, 4, 1)},
		{"anything odd on press-3 on March 18, 2015?", day(2015, 3, 18), day(2015, 3, 19)},
		{"press-3 on 18 March 2015", day(2015, 3, 18), day(2015, 3, 19)},
		{"press-3 on the 18th of march 2015", day(2015, 3, 18), day(2015, 3, 19)},
		{"press-3 3월 18일 2015 이상", day(2015, 3, 18), day(2015, 3, 19)},
		{"2015년 3월 18일 프레스 3호기 이상 있었나요?", day(2015, 3, 18), day(2015, 3, 19)},
		{"2015년 3월 프레스 3호기 상태", day(2015, 3, 1), day(2015, 4, 1)},
		{"press-3 2015-03", day(2015, 3, 1), day(2015, 4, 1)},
		{"press-3 from 2015-03-10 to 2015-03-20", day(2015, 3, 10), day(2015, 3, 21)},
		{"press-3 2015-03-18", day(2015, 3, 18), day(2015, 3, 19)},
		{"how did press-3 run in 2015?", day(2015, 1, 1), day(2016, 1, 1)},
		{"2015년 프레스 3호기", day(2015, 1, 1), day(2016, 1, 1)},
		{"press-3 since March 2015", day(2015, 3, 1), wednesday.In(seoul)},
	}
	for _, c := range cases {
		q := Understand(c.q, wednesday, p, nil, tools.Scope{})
		require.True(t, q.Window.Named, c.q)
		require.Equal(t, c.from, q.Window.From.In(seoul), c.q)
		require.Equal(t, c.to, q.Window.To.In(seoul), c.q)
	}
	// A year is not read into quantities or other numbers.
	for _, q := range []string{"will line 1 make 2015 parts by the end of the shift?", "press-3 for 2000 hours"} {
		got := Understand(q, wednesday, p, nil, tools.Scope{})
		require.NotEqual(t, 2015, got.Window.From.Year(), q)
		require.NotEqual(t, 2000, got.Window.From.Year(), q)
	}
	// A month and day without a year is still the latest such date.
	q := Understand("press-3 on March 18", wednesday, p, nil, tools.Scope{})
	require.Equal(t, day(2025, 3, 18), q.Window.From.In(seoul))
}
