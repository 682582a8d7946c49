package series

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/internal/db"
)

// Kinds of series, as stored in Series.Kind.
const (
	// KindSensor is a machine sensor reading.
	KindSensor = "sensor"
	// KindProduction is a line's actual output.
	KindProduction = "production"
	// KindPlan is a line's planned output.
	KindPlan = "plan"
)

// Series describes one stored time series.
type Series struct {
	// ID is the database key.
	ID int64 `json:"id"`
	// Name is unique, by convention "<asset>.<sensor>" or "<line>.output".
	Name string `json:"name"`
	// Unit of the values, e.g. "mm/s", "°C", "bar", "parts/h".
	Unit string `json:"unit,omitempty"`
	// Site, Line and Asset place the series in the plant.
	Site  string `json:"site,omitempty"`
	Line  string `json:"line,omitempty"`
	Asset string `json:"asset,omitempty"`
	// Sensor is the measured quantity, e.g. "vibration".
	Sensor string `json:"sensor,omitempty"`
	// Kind is KindSensor, KindProduction or KindPlan.
	Kind string `json:"kind,omitempty"`
	// Interval is the nominal sampling interval (0 when unknown).
	Interval time.Duration `json:"interval,omitempty"`
	// Source marks generated series ("demo"); empty for imports.
	Source string `json:"source,omitempty"`
	// Metadata holds free-form attributes.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Engine names where the points live: "" for Gemba's own store, else an
	// engine given to New with WithEngine (e.g. "prometheus", the plant's
	// Prometheus-compatible database).
	Engine string `json:"engine,omitempty"`
	// Query is the engine's selector of this series (a PromQL series
	// selector for "prometheus"); empty for Gemba's store.
	Query string `json:"query,omitempty"`

	// block is the width of its raw blocks (0 until the first write).
	block time.Duration
}

// Store is the series catalog (the series table) and the reader and
// writer of their points. Points of a series live in Gemba's own blocks
// or, when its Engine says so, in an engine given with WithEngine; every
// read is routed per series, so tools, digests and plant pages ask the
// Store whatever holds the data. It works on a pool or inside a
// transaction (see db.DBTX).
type Store struct {
	db      db.DBTX
	opt     options
	engines map[string]Engine
	// compacting is held by the running Compact (one at a time per store
	// and its On copies).
	compacting chan struct{}
}

type options struct {
	RawRetention    time.Duration
	MinuteRetention time.Duration
	now             func() time.Time
	log             *slog.Logger
}

// Option configures a Store.
type Option func(*Store)

// WithRetention keeps raw points for raw and minute rollups for minute
// (0: forever); hour rollups are kept forever. Maintain drops what is
// older, and writes older than the raw retention are refused with a
// *TooOldError, so nothing is written only to be dropped.
func WithRetention(raw, minute time.Duration) Option {
	return func(st *Store) { st.opt.RawRetention, st.opt.MinuteRetention = raw, minute }
}

// WithClock sets the clock retention is measured on (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(st *Store) { st.opt.now = now }
}

// WithLogger sets the logger of maintenance (default: discard).
func WithLogger(log *slog.Logger) Option {
	return func(st *Store) { st.opt.log = log }
}

// WithEngine routes the reads of series whose Engine is name to e.
func WithEngine(name string, e Engine) Option {
	return func(st *Store) {
		if st.engines == nil {
			st.engines = map[string]Engine{}
		}
		st.engines[name] = e
	}
}

// New returns a store on dbtx.
func New(dbtx db.DBTX, opts ...Option) *Store {
	st := &Store{db: dbtx, compacting: make(chan struct{}, 1)}
	for _, o := range opts {
		o(st)
	}
	if st.opt.now == nil {
		st.opt.now = time.Now
	}
	if st.opt.log == nil {
		st.opt.log = slog.New(slog.DiscardHandler)
	}
	return st
}

// On returns a store with the same options on another connection or
// transaction (an import runs its writes inside its own transaction).
func (st *Store) On(dbtx db.DBTX) *Store {
	c := *st
	c.db = dbtx
	return &c
}

func (st *Store) now() time.Time { return st.opt.now() }

const seriesColumns = `id, name, unit, site, line, asset, sensor, kind, interval, source, metadata, engine, query, block`

func scanSeries(row pgx.Row) (Series, error) {
	var s Series
	var iv, blk pgtype.Interval
	var meta []byte
	if err := row.Scan(&s.ID, &s.Name, &s.Unit, &s.Site, &s.Line, &s.Asset, &s.Sensor, &s.Kind, &iv, &s.Source, &meta, &s.Engine, &s.Query, &blk); err != nil {
		return Series{}, err
	}
	s.Interval, s.block = durationOf(iv), durationOf(blk)
	if len(meta) > 0 && string(meta) != "{}" {
		_ = json.Unmarshal(meta, &s.Metadata)
	}
	return s, nil
}

// durationOf converts a stored interval (months counted as 30 days).
func durationOf(iv pgtype.Interval) time.Duration {
	if !iv.Valid {
		return 0
	}
	return time.Duration(iv.Microseconds)*time.Microsecond +
		time.Duration(iv.Days)*24*time.Hour + time.Duration(iv.Months)*30*24*time.Hour
}

func intervalArg(d time.Duration) pgtype.Interval {
	if d <= 0 {
		return pgtype.Interval{}
	}
	return pgtype.Interval{Microseconds: d.Microseconds(), Valid: true}
}

// Upsert creates the series named s.Name or updates its description. Empty
// fields of s leave the stored values unchanged, so an import that knows
// only the name does not erase a unit set earlier.
func (st *Store) Upsert(ctx context.Context, s Series) (Series, error) {
	if strings.TrimSpace(s.Name) == "" {
		return Series{}, errors.New("series: upsert: empty name")
	}
	if s.Kind == "" {
		s.Kind = KindSensor
	}
	meta := []byte("{}")
	if len(s.Metadata) > 0 {
		b, err := json.Marshal(s.Metadata)
		if err != nil {
			return Series{}, fmt.Errorf("series: upsert %s: metadata: %w", s.Name, err)
		}
		meta = b
	}
	row := st.db.QueryRow(ctx, `
INSERT INTO series (name, unit, site, line, asset, sensor, kind, interval, source, metadata, engine, query)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (name) DO UPDATE SET
    unit     = COALESCE(NULLIF(EXCLUDED.unit, ''), series.unit),
    site     = COALESCE(NULLIF(EXCLUDED.site, ''), series.site),
    line     = COALESCE(NULLIF(EXCLUDED.line, ''), series.line),
    asset    = COALESCE(NULLIF(EXCLUDED.asset, ''), series.asset),
    sensor   = COALESCE(NULLIF(EXCLUDED.sensor, ''), series.sensor),
    kind     = EXCLUDED.kind,
    interval = COALESCE(EXCLUDED.interval, series.interval),
    source   = COALESCE(NULLIF(EXCLUDED.source, ''), series.source),
    metadata = series.metadata || EXCLUDED.metadata,
    engine   = COALESCE(NULLIF(EXCLUDED.engine, ''), series.engine),
    query    = COALESCE(NULLIF(EXCLUDED.query, ''), series.query)
RETURNING `+seriesColumns,
		s.Name, s.Unit, s.Site, s.Line, s.Asset, s.Sensor, s.Kind, intervalArg(s.Interval), s.Source, meta, s.Engine, s.Query)
	out, err := scanSeries(row)
	if err != nil {
		return Series{}, fmt.Errorf("series: upsert %s: %w", s.Name, err)
	}
	return out, nil
}

// Filter narrows List. Empty fields match everything.
type Filter struct {
	Site, Line, Asset, Sensor, Kind, Source string
	// Text matches a substring of the name, asset, sensor or unit
	// (case-insensitive).
	Text string
}

// List returns the series matching f, ordered by name.
func (st *Store) List(ctx context.Context, f Filter) ([]Series, error) {
	rows, err := st.db.Query(ctx, `
SELECT `+seriesColumns+` FROM series
WHERE ($1 = '' OR site = $1) AND ($2 = '' OR line = $2) AND ($3 = '' OR asset = $3)
  AND ($4 = '' OR sensor = $4) AND ($5 = '' OR kind = $5) AND ($6 = '' OR source = $6)
  AND ($7 = '' OR name ILIKE '%' || $7 || '%' OR asset ILIKE '%' || $7 || '%'
       OR sensor ILIKE '%' || $7 || '%' OR unit ILIKE '%' || $7 || '%')
ORDER BY name`, f.Site, f.Line, f.Asset, f.Sensor, f.Kind, f.Source, f.Text)
	if err != nil {
		return nil, fmt.Errorf("series: list: %w", err)
	}
	defer rows.Close()
	var out []Series
	for rows.Next() {
		s, err := scanSeries(rows)
		if err != nil {
			return nil, fmt.Errorf("series: list: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: list: %w", err)
	}
	return out, nil
}

// Parallel is how many reads of the store may run at once: one on a single
// connection or transaction (pgx allows one query at a time there), up to
// half the pool's connections on a pool (the rest stay free for others).
func (st *Store) Parallel() int {
	if p, ok := st.db.(*pgxpool.Pool); ok {
		return max(1, int(p.Config().MaxConns)/2)
	}
	return 1
}
