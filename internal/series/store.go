// Package series is Gemba's time-series store in PostgreSQL: the plant's
// sensor readings and production counts, loaded in bulk with COPY and read
// back as windows for the predictive models.
//
// It sits below tools/ in the flow (tools → series → db): a tool names a
// series or an asset and a window, the store returns a regularly spaced
// predict.Series (NaN where a reading is missing) or, for an asset, all its
// sensors aligned on one time grid as a predict.Multi.
//
// Points live in one table keyed by (series_id, ts), so the primary key is
// the time index: a window query is an index range scan, never a table scan.
// Imports stage rows with COPY into a temporary table and upsert them in one
// statement inside one transaction, so a re-import of overlapping points
// replaces them and a malformed file changes nothing.
package series

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
}

// Store reads and writes series and points. It works on a pool or inside a
// transaction (see db.DBTX).
type Store struct {
	db db.DBTX
}

// New returns a store on dbtx.
func New(dbtx db.DBTX) *Store {
	return &Store{db: dbtx}
}

const seriesColumns = `id, name, unit, site, line, asset, sensor, kind, interval, source, metadata`

func scanSeries(row pgx.Row) (Series, error) {
	var s Series
	var iv pgtype.Interval
	var meta []byte
	if err := row.Scan(&s.ID, &s.Name, &s.Unit, &s.Site, &s.Line, &s.Asset, &s.Sensor, &s.Kind, &iv, &s.Source, &meta); err != nil {
		return Series{}, err
	}
	if iv.Valid {
		s.Interval = time.Duration(iv.Microseconds)*time.Microsecond +
			time.Duration(iv.Days)*24*time.Hour + time.Duration(iv.Months)*30*24*time.Hour
	}
	if len(meta) > 0 && string(meta) != "{}" {
		_ = json.Unmarshal(meta, &s.Metadata)
	}
	return s, nil
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
INSERT INTO series (name, unit, site, line, asset, sensor, kind, interval, source, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (name) DO UPDATE SET
    unit     = COALESCE(NULLIF(EXCLUDED.unit, ''), series.unit),
    site     = COALESCE(NULLIF(EXCLUDED.site, ''), series.site),
    line     = COALESCE(NULLIF(EXCLUDED.line, ''), series.line),
    asset    = COALESCE(NULLIF(EXCLUDED.asset, ''), series.asset),
    sensor   = COALESCE(NULLIF(EXCLUDED.sensor, ''), series.sensor),
    kind     = EXCLUDED.kind,
    interval = COALESCE(EXCLUDED.interval, series.interval),
    source   = COALESCE(NULLIF(EXCLUDED.source, ''), series.source),
    metadata = series.metadata || EXCLUDED.metadata
RETURNING `+seriesColumns,
		s.Name, s.Unit, s.Site, s.Line, s.Asset, s.Sensor, s.Kind, intervalArg(s.Interval), s.Source, meta)
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

// Extent is the time span and size of a series' stored points.
type Extent struct {
	First, Last time.Time
	// Count is the number of stored points.
	Count int64
}

// Extent returns the first and last timestamps and the point count of the
// series with id; First and Last are zero when it has no points. The bounds
// come from the primary-key index (two one-row index scans).
func (st *Store) Extent(ctx context.Context, id int64) (Extent, error) {
	var e Extent
	var first, last pgtype.Timestamptz
	err := st.db.QueryRow(ctx, `
SELECT (SELECT ts FROM points WHERE series_id = $1 ORDER BY ts ASC LIMIT 1),
       (SELECT ts FROM points WHERE series_id = $1 ORDER BY ts DESC LIMIT 1),
       (SELECT count(*) FROM points WHERE series_id = $1)`, id).Scan(&first, &last, &e.Count)
	if err != nil {
		return Extent{}, fmt.Errorf("series: extent: %w", err)
	}
	if first.Valid {
		e.First = first.Time.UTC()
	}
	if last.Valid {
		e.Last = last.Time.UTC()
	}
	return e, nil
}

// DeleteSource removes every point of the series whose Source is source
// (e.g. "demo" before re-seeding) and returns how many were removed. The
// series rows stay, so evaluations that refer to them survive.
func (st *Store) DeleteSource(ctx context.Context, source string) (int64, error) {
	tag, err := st.db.Exec(ctx, `DELETE FROM points WHERE series_id IN (SELECT id FROM series WHERE source = $1)`, source)
	if err != nil {
		return 0, fmt.Errorf("series: delete %s points: %w", source, err)
	}
	return tag.RowsAffected(), nil
}

// Point is one stored reading.
type Point struct {
	TS    time.Time `json:"ts"`
	Value float64   `json:"value"`
}

// Latest returns the newest point of each series in ids (series without
// points are absent), one index probe per series.
func (st *Store) Latest(ctx context.Context, ids []int64) (map[int64]Point, error) {
	rows, err := st.db.Query(ctx, `
SELECT s.id, p.ts, p.value FROM unnest($1::bigint[]) AS s(id)
CROSS JOIN LATERAL (SELECT ts, value FROM points WHERE series_id = s.id ORDER BY ts DESC LIMIT 1) p`, ids)
	if err != nil {
		return nil, fmt.Errorf("series: latest: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]Point, len(ids))
	for rows.Next() {
		var id int64
		var p Point
		if err := rows.Scan(&id, &p.TS, &p.Value); err != nil {
			return nil, fmt.Errorf("series: latest: %w", err)
		}
		p.TS = p.TS.UTC()
		out[id] = p
	}
	return out, rows.Err()
}
