package series

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

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

// rangeQuery reads points of one series in [from, to). It is an index
// range scan on the primary key (series_id, ts); see TestWindowUsesIndex.
const rangeQuery = `SELECT ts, value FROM points WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`

// Window returns the series called name (loosely matched, see Lookup)
// between from (inclusive) and to (exclusive) on a regular grid. An unknown
// name returns a *NotFoundError, a window without points an
// *EmptyWindowError.
func (st *Store) Window(ctx context.Context, name string, from, to time.Time) (Window, error) {
	s, err := st.Lookup(ctx, name)
	if err != nil {
		return Window{}, err
	}
	return st.WindowOf(ctx, s, from, to)
}

// WindowOf is Window for a series already looked up.
func (st *Store) WindowOf(ctx context.Context, s Series, from, to time.Time) (Window, error) {
	pts, err := st.points(ctx, s.ID, from, to)
	if err != nil {
		return Window{}, err
	}
	if len(pts) == 0 {
		return Window{}, st.emptyErr(ctx, s, from, to)
	}
	step := s.Interval
	if step <= 0 {
		step = medianStep(pts)
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

func (st *Store) emptyErr(ctx context.Context, s Series, from, to time.Time) error {
	e := &EmptyWindowError{Name: s.Name, From: from, To: to}
	if ext, err := st.Extent(ctx, s.ID); err == nil {
		e.First, e.Last = ext.First, ext.Last
	}
	return e
}

func (st *Store) points(ctx context.Context, id int64, from, to time.Time) ([]tsv, error) {
	rows, err := st.db.Query(ctx, rangeQuery, id, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: window: %w", err)
	}
	defer rows.Close()
	var out []tsv
	for rows.Next() {
		var p tsv
		if err := rows.Scan(&p.ts, &p.v); err != nil {
			return nil, fmt.Errorf("series: window: %w", err)
		}
		p.ts = p.ts.UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: window: %w", err)
	}
	return out, nil
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
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	all, err := st.pointsOf(ctx, ids, from, to)
	if err != nil {
		return MultiWindow{}, err
	}
	var (
		kept []Series
		sets [][]tsv
		step time.Duration
	)
	for _, s := range ss {
		pts := all[s.ID]
		if len(pts) == 0 {
			continue
		}
		iv := s.Interval
		if iv <= 0 {
			iv = medianStep(pts)
		}
		if step == 0 || iv < step {
			step = iv
		}
		kept = append(kept, s)
		sets = append(sets, pts)
	}
	if len(kept) == 0 {
		e := &EmptyWindowError{Name: asset, From: from, To: to}
		for _, s := range ss {
			if ext, err := st.Extent(ctx, s.ID); err == nil && !ext.First.IsZero() {
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
	times, grids, err := grid(sets, step)
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
	return MultiWindow{Asset: asset, Series: kept, Data: predict.Multi{Names: names, Times: times, Values: grids}, Step: step}, nil
}

// rangeQueryMany reads the points of several series in [from, to), one
// index range scan per series (the planner probes the primary key once
// per array element).
const rangeQueryMany = `SELECT series_id, ts, value FROM points WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 ORDER BY series_id, ts`

// pointsOf reads the points of several series in [from, to) in one round
// trip, by series id.
func (st *Store) pointsOf(ctx context.Context, ids []int64, from, to time.Time) (map[int64][]tsv, error) {
	out := make(map[int64][]tsv, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := st.db.Query(ctx, rangeQueryMany, ids, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: window: %w", err)
	}
	defer rows.Close()
	var (
		id  int64
		cur []tsv
		cid int64 = -1
	)
	for rows.Next() {
		var p tsv
		if err := rows.Scan(&id, &p.ts, &p.v); err != nil {
			return nil, fmt.Errorf("series: window: %w", err)
		}
		if id != cid {
			if cid >= 0 {
				out[cid] = cur
			}
			cid, cur = id, make([]tsv, 0, 1024)
		}
		p.ts = p.ts.UTC()
		cur = append(cur, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: window: %w", err)
	}
	if cid >= 0 {
		out[cid] = cur
	}
	return out, nil
}

// Bounds are the first and last stored timestamps of one series inside a
// window (both zero when the window holds none of its points).
type Bounds struct {
	First, Last time.Time
}

// WindowBounds returns, for each series id, the first and last timestamps
// of its points in [from, to): two one-row index probes per series, so a
// caller can tell cheaply whether a window it has read before still holds
// the same points at its edges (a new reading moves Last, the window
// sliding past an old one moves First). Ids without points in the window
// map to zero Bounds.
func (st *Store) WindowBounds(ctx context.Context, ids []int64, from, to time.Time) (map[int64]Bounds, error) {
	out := make(map[int64]Bounds, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := st.db.Query(ctx, `
SELECT s.id,
       (SELECT ts FROM points WHERE series_id = s.id AND ts >= $2 AND ts < $3 ORDER BY ts ASC LIMIT 1),
       (SELECT ts FROM points WHERE series_id = s.id AND ts >= $2 AND ts < $3 ORDER BY ts DESC LIMIT 1)
FROM unnest($1::bigint[]) AS s(id)`, ids, from, exclusiveBound(to))
	if err != nil {
		return nil, fmt.Errorf("series: window bounds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var first, last pgtype.Timestamptz
		if err := rows.Scan(&id, &first, &last); err != nil {
			return nil, fmt.Errorf("series: window bounds: %w", err)
		}
		var b Bounds
		if first.Valid {
			b.First = first.Time.UTC()
		}
		if last.Valid {
			b.Last = last.Time.UTC()
		}
		out[id] = b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: window bounds: %w", err)
	}
	return out, nil
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
