package series

import (
	"context"
	"fmt"
	"time"
)

// Questions about any stretch of the past read as much as the question
// needs: a short window its raw readings, a long one the minute or hour
// rollups (a 300-day window of 10-minute data is 7,200 hour means, read
// from 300 rows per series). ResolutionFor picks the step; AssetWindowAt
// and WindowStep read at it; ReadsFrom says what the step reads, so an
// answer can tell its user.

// Resolution is the step a window is read at and what that reads.
type Resolution struct {
	// Step is the grid of the window; 0 reads the readings themselves at
	// the series' interval.
	Step time.Duration
	// Grid is the grid spacing the data will have (Step, or the interval).
	Grid time.Duration
}

// ResolutionFor is the resolution a window of span needs to stay within
// maxPoints per series at the finest interval of ss: the readings
// themselves when they fit, else the finest of 1, 5, 15 minutes, 1, 6
// hours or a day that does and is a whole number of intervals (so every
// slot averages as many readings: 10-minute data goes to hours, not to
// 15 minutes), read from the rollups where the step allows.
func ResolutionFor(ss []Series, span time.Duration, maxPoints int) Resolution {
	var iv time.Duration
	for _, s := range ss {
		if s.Interval > 0 && (iv == 0 || s.Interval < iv) {
			iv = s.Interval
		}
	}
	fits := func(step time.Duration) bool { return span/step <= time.Duration(maxPoints) }
	if iv <= 0 {
		// Unknown sampling: the readings, unless a minute grid would not fit.
		if fits(time.Minute) {
			return Resolution{}
		}
		iv = time.Minute
	} else if fits(iv) {
		return Resolution{Grid: iv}
	}
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}
	for _, whole := range []bool{true, false} {
		for _, s := range steps {
			if s > iv && (!whole || s%iv == 0) && fits(s) {
				return Resolution{Step: s, Grid: s}
			}
		}
	}
	return Resolution{Step: 24 * time.Hour, Grid: 24 * time.Hour}
}

// ReadsFrom says what a read of s at step reads: "raw readings" (step 0,
// wherever the series lives, so answers read the same from either store),
// "hour rollups", "minute rollups", "raw readings averaged per slot", or,
// for a series in the plant's own database, "slot means of the plant's
// <engine> database".
func ReadsFrom(s Series, step time.Duration) string {
	switch {
	case step <= 0:
		return "raw readings"
	case s.Engine != "":
		return "slot means of the plant's " + s.Engine + " database"
	case step%time.Hour == 0:
		return "hour rollups"
	case step%time.Minute == 0 && hasMinutes(s.block):
		return "minute rollups"
	}
	return "raw readings averaged per slot"
}

// AssetWindowAt is AssetWindowOf at a step: 0 reads the readings, a
// positive step the mean of each slot (from the rollups where the step
// allows, see WindowStep), every sensor on one grid.
func (st *Store) AssetWindowAt(ctx context.Context, asset string, ss []Series, from, to time.Time, step time.Duration) (MultiWindow, error) {
	if step < 0 {
		return MultiWindow{}, fmt.Errorf("series: window %s: step %s must not be negative", asset, step)
	}
	return st.assetWindow(ctx, asset, ss, from, to, step)
}

// WindowAt is WindowOf at a step: 0 reads the readings, a positive step
// the slot means (WindowStep).
func (st *Store) WindowAt(ctx context.Context, s Series, from, to time.Time, step time.Duration) (Window, error) {
	if step < 0 {
		return Window{}, fmt.Errorf("series: window %s: step %s must not be negative", s.Name, step)
	}
	return st.window(ctx, s, from, to, step)
}
