package series

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// MaxWindowPoints caps the grid of one window (about 19 years at 5
// minutes), so a careless request cannot exhaust memory.
const MaxWindowPoints = 2_000_000

// ErrEmptyWindow marks a window with no stored points; the concrete error is
// an *EmptyWindowError saying where data does exist.
var ErrEmptyWindow = errors.New("no data in window")

// EmptyWindowError reports a window with no points, with the series' stored
// extent so a tool can suggest a window that has data.
type EmptyWindowError struct {
	// Name is the series or asset asked for.
	Name string
	// From and To bound the empty window.
	From, To time.Time
	// First and Last bound the stored data (zero when there is none).
	First, Last time.Time
}

// Error names the window and where data exists.
func (e *EmptyWindowError) Error() string {
	msg := fmt.Sprintf("no data for %s between %s and %s", e.Name, e.From.UTC().Format(time.RFC3339), e.To.UTC().Format(time.RFC3339))
	if e.First.IsZero() {
		return msg + " (the series has no points at all)"
	}
	return msg + fmt.Sprintf("; data exists from %s to %s", e.First.UTC().Format(time.RFC3339), e.Last.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrEmptyWindow) true.
func (e *EmptyWindowError) Is(target error) bool { return target == ErrEmptyWindow }

// Window is one series' points in a time range on a regular grid.
type Window struct {
	// Series describes the series.
	Series Series
	// Data holds the grid: Times[i] = start + i·Step, NaN where no reading
	// was stored (a dropout), so a gap never shifts later points.
	Data predict.Series
	// Step is the grid spacing (the series interval, or the median spacing
	// of the points when the interval is unknown).
	Step time.Duration
	// Missing counts the NaN slots of Data.
	Missing int
}

// MultiWindow is all sensors of one asset on a shared grid.
type MultiWindow struct {
	// Asset is the machine.
	Asset string
	// Series describe the sensors, in the order of Data.Names.
	Series []Series
	// Data holds one row per sensor; Data.Names are the sensor names
	// (e.g. "vibration"), NaN where a sensor has no reading.
	Data predict.Multi
	// Step is the grid spacing (the finest sensor interval).
	Step time.Duration
}

type tsv struct {
	ts time.Time
	v  float64
}

// Window returns the series called name (loosely matched, see Lookup)
// between from (inclusive) and to (exclusive) on a regular grid at its
// sampling interval. An unknown name returns a *NotFoundError, a window
// without points an *EmptyWindowError.
func (st *Store) Window(ctx context.Context, name string, from, to time.Time) (Window, error) {
	s, err := st.Lookup(ctx, name)
	if err != nil {
		return Window{}, err
	}
	return st.WindowOf(ctx, s, from, to)
}

// WindowOf is Window for a series already looked up.
func (st *Store) WindowOf(ctx context.Context, s Series, from, to time.Time) (Window, error) {
	return st.window(ctx, s, from, to, 0)
}

// WindowStep is s between from and to on a grid of step, each slot the
// mean of the readings in it (NaN where none), with slots aligned on the
// Unix epoch. It reads the hour rollups when step is whole hours and the
// minute rollups when it is whole minutes (for series that keep them), so
// a 90-day hourly view reads 90 rows, whatever the sampling interval; use
// ChooseStep to pick a step for a number of points. Slots at the edges
// cover readings just outside [from, to): rollups are whole slots.
func (st *Store) WindowStep(ctx context.Context, s Series, from, to time.Time, step time.Duration) (Window, error) {
	if step <= 0 {
		return Window{}, fmt.Errorf("series: window %s: step %s must be positive", s.Name, step)
	}
	return st.window(ctx, s, from, to, step)
}

func (st *Store) window(ctx context.Context, s Series, from, to time.Time, step time.Duration) (Window, error) {
	e, err := st.engine(s)
	if err != nil {
		return Window{}, fmt.Errorf("series: window: %w", err)
	}
	all, err := e.Points(ctx, []Series{s}, from, to, step)
	if err != nil {
		return Window{}, fmt.Errorf("series: window %s: %w", s.Name, err)
	}
	pts := toTSV(all[s.ID])
	if len(pts) == 0 {
		return Window{}, st.emptyErr(ctx, s, from, to)
	}
	if step <= 0 {
		step = s.Interval
		if step <= 0 {
			step = medianStep(pts)
		}
	}
	times, grids, err := grid([][]tsv{pts}, step)
	if err != nil {
		return Window{}, fmt.Errorf("series: window %s: %w", s.Name, err)
	}
	w := Window{Series: s, Data: predict.Series{Times: times, Values: grids[0]}, Step: step}
	for _, v := range grids[0] {
		if math.IsNaN(v) {
			w.Missing++
		}
	}
	return w, nil
}

func toTSV(pts []Point) []tsv {
	out := make([]tsv, len(pts))
	for i, p := range pts {
		out[i] = tsv{p.TS, p.Value}
	}
	return out
}

func (st *Store) emptyErr(ctx context.Context, s Series, from, to time.Time) error {
	e := &EmptyWindowError{Name: s.Name, From: from, To: to}
	if ext, err := st.extentOf(ctx, s); err == nil {
		e.First, e.Last = ext.First, ext.Last
	}
	return e
}

// AssetWindow returns every sensor series of asset (loosely matched, see
// ResolveAsset) between from and to, aligned on one grid for multivariate
// detection. Sensors without any point in the window are left out; if none
// has data the error is an *EmptyWindowError.
func (st *Store) AssetWindow(ctx context.Context, asset string, from, to time.Time) (MultiWindow, error) {
	a, err := st.ResolveAsset(ctx, asset)
	if err != nil {
		return MultiWindow{}, err
	}
	ss, err := st.List(ctx, Filter{Asset: a, Kind: KindSensor})
	if err != nil {
		return MultiWindow{}, err
	}
	return st.AssetWindowOf(ctx, a, ss, from, to)
}

// AssetWindowOf is AssetWindow for an asset already resolved, with its
// sensor series already listed (ss, as List returns them): the points of
// every series are read in one query.
func (st *Store) AssetWindowOf(ctx context.Context, asset string, ss []Series, from, to time.Time) (MultiWindow, error) {
	return st.assetWindow(ctx, asset, ss, from, to, 0)
}

// assetWindow reads ss between from and to, at their readings (step 0)
// or as slot means of step (see WindowStep), on one grid.
func (st *Store) assetWindow(ctx context.Context, asset string, ss []Series, from, to time.Time, step time.Duration) (MultiWindow, error) {
	all, err := st.Points(ctx, ss, from, to, step)
	if err != nil {
		return MultiWindow{}, fmt.Errorf("series: window %s: %w", asset, err)
	}
	var (
		kept  []Series
		sets  [][]tsv
		grid0 time.Duration
	)
	for _, s := range ss {
		pts := toTSV(all[s.ID])
		if len(pts) == 0 {
			continue
		}
		iv := step
		if iv <= 0 {
			if iv = s.Interval; iv <= 0 {
				iv = medianStep(pts)
			}
		}
		if grid0 == 0 || iv < grid0 {
			grid0 = iv
		}
		kept = append(kept, s)
		sets = append(sets, pts)
	}
	if len(kept) == 0 {
		e := &EmptyWindowError{Name: asset, From: from, To: to}
		for _, s := range ss {
			if ext, err := st.extentOf(ctx, s); err == nil && !ext.First.IsZero() {
				if e.First.IsZero() || ext.First.Before(e.First) {
					e.First = ext.First
				}
				if ext.Last.After(e.Last) {
					e.Last = ext.Last
				}
			}
		}
		return MultiWindow{}, e
	}
	times, grids, err := grid(sets, grid0)
	if err != nil {
		return MultiWindow{}, fmt.Errorf("series: window %s: %w", asset, err)
	}
	names := make([]string, len(kept))
	for i, s := range kept {
		names[i] = s.Sensor
		if names[i] == "" {
			names[i] = s.Name
		}
	}
	return MultiWindow{Asset: asset, Series: kept, Data: predict.Multi{Names: names, Times: times, Values: grids}, Step: grid0}, nil
}

// exclusiveBound rounds an exclusive upper bound up to PostgreSQL's
// microseconds, so that "to + 1ns" still includes a point at to.
func exclusiveBound(to time.Time) time.Time {
	if t := to.Truncate(time.Microsecond); !t.Equal(to) {
		return t.Add(time.Microsecond)
	}
	return to
}

// medianStep is the median spacing of sorted points (1 minute if unknown).
func medianStep(pts []tsv) time.Duration {
	if len(pts) < 2 {
		return time.Minute
	}
	d := make([]time.Duration, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		if g := pts[i].ts.Sub(pts[i-1].ts); g > 0 {
			d = append(d, g)
		}
	}
	if len(d) == 0 {
		return time.Minute
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[(len(d)-1)/2]
}

// grid puts sorted point sets on one regular grid of spacing step, aligned
// to multiples of step since the Unix epoch. Points falling in the same
// slot are averaged; empty slots are NaN.
func grid(sets [][]tsv, step time.Duration) ([]time.Time, [][]float64, error) {
	var first, last time.Time
	for _, pts := range sets {
		if len(pts) == 0 {
			continue
		}
		if first.IsZero() || pts[0].ts.Before(first) {
			first = pts[0].ts
		}
		if pts[len(pts)-1].ts.After(last) {
			last = pts[len(pts)-1].ts
		}
	}
	start := time.Unix(0, 0).UTC().Add(first.Sub(time.Unix(0, 0)).Truncate(step))
	n := int(last.Sub(start)/step) + 1
	if n > MaxWindowPoints {
		return nil, nil, fmt.Errorf("window of %d points at %s exceeds the limit of %d; ask for a shorter window", n, step, MaxWindowPoints)
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = start.Add(time.Duration(i) * step)
	}
	out := make([][]float64, len(sets))
	cnt := make([]int32, n)
	for j, pts := range sets {
		row := make([]float64, n)
		clear(cnt)
		for _, p := range pts {
			k := int(p.ts.Sub(start) / step)
			row[k] += p.v
			cnt[k]++
		}
		for i := range row {
			switch cnt[i] {
			case 0:
				row[i] = math.NaN()
			case 1:
			default:
				row[i] /= float64(cnt[i])
			}
		}
		out[j] = row
	}
	return times, out, nil
}
