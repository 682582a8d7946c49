package clean

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want float64
		cell Cell
	}{
		{"1.5", 1.5, Number},
		{" -2e3 ", -2000, Number},
		{"", math.NaN(), Missing},
		{"NaN", math.NaN(), Missing},
		{"n/a", math.NaN(), Missing},
		{"NULL", math.NaN(), Missing},
		{"-", math.NaN(), Missing},
		{"inf", math.NaN(), NonFinite},
		{"-Infinity", math.NaN(), NonFinite},
		{"1e400", math.NaN(), NonFinite},
		{"abc", math.NaN(), Unreadable},
		{"1,5", math.NaN(), Unreadable},
		// Historians and spreadsheets write a status where a reading failed:
		// read as missing and counted on their own, never an error.
		{"Bad", math.NaN(), Status},
		{"I/O Timeout", math.NaN(), Status},
		{"comm fail", math.NaN(), Status},
		{"Shutdown", math.NaN(), Status},
		{"No Data", math.NaN(), Status},
		{"#DIV/0!", math.NaN(), Status},
		{"Bad Quality", math.NaN(), Status},
		{"17x", math.NaN(), Unreadable},
		{"Badger", math.NaN(), Unreadable},
		// Thousands separators where they cannot be a decimal comma.
		{"1,234.5", 1234.5, Number},
		{"-12,345,678", -12345678, Number},
		{"1,234", math.NaN(), Unreadable}, // 1234 or 1.234: not guessed
		{"12,34.5", math.NaN(), Unreadable},
	} {
		v, c := ParseValue(tc.in)
		require.Equal(t, tc.cell, c, tc.in)
		if math.IsNaN(tc.want) {
			require.True(t, math.IsNaN(v), tc.in)
		} else {
			require.Equal(t, tc.want, v, tc.in)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2025-03-30 01:30:00", utc},
		{"2025-03-30T01:30:00Z", utc},
		{"2025-03-30T03:30:00+02:00", utc}, // an offset is converted to UTC
		{"2025-03-30 01:30", utc},
		{"3/30/2025 1:30:00 AM", utc},
		{"1743298200", utc}, // Unix seconds
	} {
		got, _, ok := ParseTime(tc.in, "")
		require.True(t, ok, tc.in)
		require.True(t, tc.want.Equal(got), "%s: %v", tc.in, got)
	}
	_, _, ok := ParseTime("yesterday", "")
	require.False(t, ok)
}

func at(min int) time.Time {
	return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
}

// TestAlignPolicy walks the policy: every repair is made and counted, and
// every row keeps a slot.
func TestAlignPolicy(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		pts    []Point
		step   time.Duration
		values []float64
		slot   []int
		warn   map[string]int
		opt    Options
	}{
		{
			name:   "regular",
			pts:    []Point{{1, at(0), 1, Number}, {2, at(5), 2, Number}, {3, at(10), 3, Number}},
			step:   5 * time.Minute,
			values: []float64{1, 2, 3},
			slot:   []int{0, 1, 2},
		},
		{
			name:   "duplicate keeps the last",
			pts:    []Point{{1, at(0), 1, Number}, {2, at(5), 2, Number}, {3, at(5), 7, Number}, {4, at(10), 3, Number}},
			step:   5 * time.Minute,
			values: []float64{1, 7, 3},
			slot:   []int{0, 1, 1, 2},
			warn:   map[string]int{WarnDuplicate: 1},
		},
		{
			name:   "out of order is sorted",
			pts:    []Point{{1, at(10), 3, Number}, {2, at(0), 1, Number}, {3, at(5), 2, Number}},
			step:   5 * time.Minute,
			values: []float64{1, 2, 3},
			slot:   []int{2, 0, 1},
			warn:   map[string]int{WarnUnsorted: 1},
		},
		{
			name:   "gap stays missing",
			pts:    []Point{{1, at(0), 1, Number}, {2, at(5), 2, Number}, {3, at(20), 5, Number}, {4, at(25), 6, Number}},
			step:   5 * time.Minute,
			values: []float64{1, 2, nan, nan, 5, 6},
			slot:   []int{0, 1, 4, 5},
			warn:   map[string]int{WarnGaps: 2},
		},
		{
			name: "off-grid rows and a finer burst",
			pts: []Point{{1, at(0), 1, Number}, {2, at(5), 2, Number}, {3, at(9), 3, Number}, {4, at(10), 4, Number},
				{5, at(15), 5, Number}, {6, at(20), 6, Number}},
			step:   5 * time.Minute,
			values: []float64{1, 2, 4, 5, 6},
			slot:   []int{0, 1, 2, 2, 3, 4},
			warn:   map[string]int{WarnOffGrid: 1, WarnSharedSlot: 1},
		},
		{
			name:   "missing and infinite values",
			pts:    []Point{{1, at(0), 1, Number}, {2, at(5), nan, Missing}, {3, at(10), nan, NonFinite}, {4, at(15), 4, Number}},
			step:   5 * time.Minute,
			values: []float64{1, nan, nan, 4},
			slot:   []int{0, 1, 2, 3},
			warn:   map[string]int{WarnMissing: 1, WarnNonFinite: 1},
		},
		{
			name:   "constant",
			pts:    []Point{{1, at(0), 3, Number}, {2, at(5), 3, Number}, {3, at(10), 3, Number}},
			step:   5 * time.Minute,
			values: []float64{3, 3, 3},
			slot:   []int{0, 1, 2},
			warn:   map[string]int{WarnConstant: 3},
		},
		{
			name:   "no timestamps",
			pts:    []Point{{2, time.Time{}, 1, Number}, {3, time.Time{}, 2, Number}},
			values: []float64{1, 2},
			slot:   []int{0, 1},
			warn:   map[string]int{WarnNoTime: 2, WarnFewValues: 2},
			opt:    Options{Untimed: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := Align(tc.pts, tc.opt)
			require.Equal(t, tc.step, a.Step)
			require.Equal(t, tc.slot, a.Slot)
			require.Len(t, a.Values, len(tc.values))
			for i, v := range tc.values {
				if math.IsNaN(v) {
					require.True(t, math.IsNaN(a.Values[i]), "slot %d", i)
				} else {
					require.Equal(t, v, a.Values[i], "slot %d", i)
				}
			}
			want := tc.warn
			if want == nil {
				want = map[string]int{}
			}
			got := map[string]int{}
			for _, w := range a.Report.Warnings {
				require.NotEmpty(t, w.Msg)
				if _, asked := want[w.Kind]; w.Kind == WarnFewValues && !asked {
					continue // these examples are short on purpose
				}
				got[w.Kind] = w.Count
			}
			require.Equal(t, want, got)
		})
	}
}

// TestAlignClockChange is the daylight-saving case seen in real server
// metrics: naive timestamps jump an hour and repeat a stamp. Every row
// keeps a slot and nothing is refused.
func TestAlignClockChange(t *testing.T) {
	t.Parallel()
	var pts []Point
	line := 2
	add := func(ts time.Time, v float64) {
		pts = append(pts, Point{Line: line, Time: ts, Value: v})
		line++
	}
	for i := range 24 {
		add(at(5*i), float64(i))
	}
	add(at(5*23+61), 99) // 01:59 → 03:00, a clock jump
	for range 11 {
		add(at(5*23+61), 0) // the gateway resends the same stamp
	}
	add(at(5*23+65), 1)
	a := Align(pts, Options{})
	require.Equal(t, 5*time.Minute, a.Step)
	for i, s := range a.Slot {
		require.GreaterOrEqual(t, s, 0, "row %d", i)
	}
	require.Equal(t, 11, a.Report.Count(WarnDuplicate))
	require.Positive(t, a.Report.Count(WarnGaps))
}

func TestInferStep(t *testing.T) {
	t.Parallel()
	// A jittery clock: no spacing dominates, the median rounds to a minute.
	jitter := []time.Time{at(0)}
	spacings := []int{57, 59, 61, 63, 58, 62}
	for i := range 100 {
		jitter = append(jitter, jitter[len(jitter)-1].Add(time.Duration(spacings[i%len(spacings)])*time.Second))
	}
	require.Equal(t, time.Minute, InferStep(jitter), "jittery clock rounds to a minute")
	require.Equal(t, time.Duration(0), InferStep([]time.Time{at(0), at(0)}))
	require.Equal(t, time.Hour, InferStep([]time.Time{at(0), at(60), at(120), at(300), at(360)}))
}
