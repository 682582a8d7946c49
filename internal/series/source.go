package series

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Engine is where the points of some series live: Gemba's own blocks in
// PostgreSQL, or the plant's time-series database (see package
// series/prom for the Prometheus query API, which Prometheus,
// VictoriaMetrics, Thanos and Mimir serve). The Store routes each read to
// the engine its series names, so tools, digests, alerts and plant pages
// read the same way wherever the data is.
//
// Every method receives series from the catalog (with their Engine and
// Query) and answers per series id.
type Engine interface {
	// Points returns the points of each series in [from, to), in time
	// order. step 0 asks for the readings themselves; an engine that only
	// serves aggregates answers with slot means at the series' interval,
	// stamped with the slot's start. step > 0 asks for the mean of each
	// slot of width step aligned on the Unix epoch, stamped with the slot's
	// start (slots without readings are absent), with Point.Count readings.
	Points(ctx context.Context, ss []Series, from, to time.Time, step time.Duration) (map[int64][]Point, error)
	// Bounds returns the first and last timestamps of each series' points
	// inside [from, to) (zero Bounds when it has none there).
	Bounds(ctx context.Context, ss []Series, from, to time.Time) (map[int64]Bounds, error)
	// Latest returns the newest point of each series (absent when it has
	// none).
	Latest(ctx context.Context, ss []Series) (map[int64]Point, error)
	// Extent returns where the points of s are: first, last and how many
	// (Count -1 when the engine cannot count them cheaply).
	Extent(ctx context.Context, s Series) (Extent, error)
}

// ErrNoEngine marks a series whose engine is not configured in this
// process (the catalog names it, but no WithEngine gave it).
var ErrNoEngine = errors.New("series engine not configured")

// Point is one stored reading, or the mean of a slot when a window is
// read at a coarser step.
type Point struct {
	TS    time.Time `json:"ts"`
	Value float64   `json:"value"`
	// Count is the number of readings averaged into Value (1 for a
	// reading; 0 when unknown).
	Count int64 `json:"count,omitempty"`
}

// Extent is the time span and size of a series' stored points.
type Extent struct {
	First, Last time.Time
	// Count is the number of stored points (-1 when the engine cannot say).
	Count int64
}

// Bounds are the first and last stored timestamps of one series inside a
// window (both zero when the window holds none of its points).
type Bounds struct {
	First, Last time.Time
}

// engine returns the engine holding the points of s.
func (st *Store) engine(s Series) (Engine, error) {
	if s.Engine == "" {
		return embedded{st}, nil
	}
	if e, ok := st.engines[s.Engine]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("series %s lives in the plant's %q time-series database, which is not configured here (set GEMBA_SERIES_SOURCES): %w", s.Name, s.Engine, ErrNoEngine)
}

// byEngine splits ss by the engine that holds them.
func (st *Store) byEngine(ss []Series) (map[Engine][]Series, error) {
	out := map[Engine][]Series{}
	for _, s := range ss {
		e, err := st.engine(s)
		if err != nil {
			return nil, err
		}
		out[e] = append(out[e], s)
	}
	return out, nil
}

// fanOut runs fn once per engine holding some of ss, concurrently when
// there are several, and merges the per-series answers.
func fanOut[V any](ctx context.Context, st *Store, ss []Series, fn func(context.Context, Engine, []Series) (map[int64]V, error)) (map[int64]V, error) {
	groups, err := st.byEngine(ss)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]V, len(ss))
	if len(groups) == 1 {
		for e, g := range groups {
			return fn(ctx, e, g)
		}
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for e, g := range groups {
		wg.Go(func() {
			m, err := fn(ctx, e, g)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for k, v := range m {
				out[k] = v
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Points returns the points of each series in [from, to) from whichever
// engine holds it (see Engine.Points for step).
func (st *Store) Points(ctx context.Context, ss []Series, from, to time.Time, step time.Duration) (map[int64][]Point, error) {
	return fanOut(ctx, st, ss, func(ctx context.Context, e Engine, g []Series) (map[int64][]Point, error) {
		return e.Points(ctx, g, from, to, step)
	})
}

// seriesByID loads the catalog rows of ids (unknown ids are absent).
func (st *Store) seriesByID(ctx context.Context, ids []int64) ([]Series, error) {
	rows, err := st.db.Query(ctx, `SELECT `+seriesColumns+` FROM series WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("series: %w", err)
	}
	defer rows.Close()
	var out []Series
	for rows.Next() {
		s, err := scanSeries(rows)
		if err != nil {
			return nil, fmt.Errorf("series: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Extent returns the first and last timestamps and the point count of the
// series with id; First and Last are zero when it has no points.
func (st *Store) Extent(ctx context.Context, id int64) (Extent, error) {
	ss, err := st.seriesByID(ctx, []int64{id})
	if err != nil {
		return Extent{}, fmt.Errorf("series: extent: %w", err)
	}
	if len(ss) == 0 {
		return Extent{}, nil
	}
	return st.extentOf(ctx, ss[0])
}

func (st *Store) extentOf(ctx context.Context, s Series) (Extent, error) {
	e, err := st.engine(s)
	if err != nil {
		return Extent{}, err
	}
	return e.Extent(ctx, s)
}

// Latest returns the newest point of each series in ids (series without
// points are absent).
func (st *Store) Latest(ctx context.Context, ids []int64) (map[int64]Point, error) {
	ss, err := st.seriesByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("series: latest: %w", err)
	}
	return fanOut(ctx, st, ss, func(ctx context.Context, e Engine, g []Series) (map[int64]Point, error) {
		return e.Latest(ctx, g)
	})
}

// WindowBounds returns, for each series id, the first and last timestamps
// of its points in [from, to), so a caller can tell cheaply whether a
// window it has read before still holds the same points at its edges (a
// new reading moves Last, the window sliding past an old one moves First).
// Ids without points in the window map to zero Bounds.
func (st *Store) WindowBounds(ctx context.Context, ids []int64, from, to time.Time) (map[int64]Bounds, error) {
	out := make(map[int64]Bounds, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ss, err := st.seriesByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("series: window bounds: %w", err)
	}
	got, err := fanOut(ctx, st, ss, func(ctx context.Context, e Engine, g []Series) (map[int64]Bounds, error) {
		return e.Bounds(ctx, g, from, to)
	})
	if err != nil {
		return nil, fmt.Errorf("series: window bounds: %w", err)
	}
	for _, id := range ids {
		out[id] = got[id]
	}
	return out, nil
}
