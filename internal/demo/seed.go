package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/series"
)

// Options tune Seed.
type Options struct {
	// Now is the seed time: the generated window ends here (rounded down
	// to Step). Zero means time.Now.
	Now time.Time
	// Seed drives the random streams; 0 means DefaultSeed.
	Seed uint64
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Result reports what Seed wrote.
type Result struct {
	// Series is the number of demo series.
	Series int `json:"series"`
	// Points is the number of points written.
	Points int64 `json:"points"`
	// Deleted is the number of old demo points removed first.
	Deleted int64 `json:"deleted"`
	// Start and End bound the generated sensor window.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Failures is the failure schedule placed in this window.
	Failures []Scheduled `json:"failures"`
	// History is the number of maintenance records written (History).
	History int `json:"history"`
	// Elapsed is how long seeding took.
	Elapsed time.Duration `json:"elapsed"`
}

// Seed writes the demo plant into the series store in one transaction:
// it upserts the demo series, deletes their old points (so re-seeding moves
// the window instead of piling up) and copies the new points in with COPY.
// Running it twice with the same options leaves the same data.
func Seed(ctx context.Context, dbtx db.DBTX, opt Options) (Result, error) {
	began := time.Now()
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	data := Generate(opt.Now, opt.Seed)
	log.DebugContext(ctx, "demo: generated", "series", len(data), "elapsed", time.Since(began))

	tx, err := dbtx.Begin(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("demo: seed: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	st := series.New(tx)
	end := End(opt.Now)
	res := Result{Series: len(data), Start: end.Add(-Span), End: end, Failures: Schedule(opt.Now)}

	ids := make([]int64, len(data))
	total := 0
	for i, d := range data {
		s, err := st.Upsert(ctx, d.Series)
		if err != nil {
			return Result{}, fmt.Errorf("demo: seed: %w", err)
		}
		ids[i] = s.ID
		total += len(d.Values)
	}
	if res.Deleted, err = st.DeleteSource(ctx, Source); err != nil {
		return Result{}, fmt.Errorf("demo: seed: %w", err)
	}
	rows := make([]series.Row, 0, total)
	for i, d := range data {
		step := d.Series.Interval
		for k, v := range d.Values {
			if math.IsNaN(v) {
				continue
			}
			rows = append(rows, series.Row{SeriesID: ids[i], TS: d.Start.Add(time.Duration(k) * step), Value: v})
		}
	}
	if res.Points, err = st.Append(ctx, rows); err != nil {
		return Result{}, fmt.Errorf("demo: seed: %w", err)
	}
	if res.History, err = SeedHistory(ctx, tx, opt.Now, opt.Seed); err != nil {
		return Result{}, fmt.Errorf("demo: seed: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Result{}, fmt.Errorf("demo: seed: commit: %w", err)
	}
	res.Elapsed = time.Since(began)
	log.InfoContext(ctx, "demo: seeded", "series", res.Series, "points", res.Points, "deleted", res.Deleted,
		"start", res.Start, "end", res.End, "elapsed", res.Elapsed)
	return res, nil
}

// roundAll keeps the precision a real instrument reports (NaN stays NaN).
func roundAll(vals []float64, sensor string) {
	for i, v := range vals {
		vals[i] = round(v, sensor)
	}
}

func round(v float64, sensor string) float64 {
	scale := 100.0
	switch sensor {
	case "temperature", "motor_current":
		scale = 10
	case "speed", "output", "plan":
		scale = 1
	case "pressure":
		scale = 1000
	}
	return math.Round(v*scale) / scale
}
