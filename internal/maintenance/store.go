package maintenance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/db"
)

// Store keeps maintenance records and the equipment register in PostgreSQL.
type Store struct {
	db db.DBTX
}

// New returns a store on dbtx (a pool or a transaction).
func New(dbtx db.DBTX) *Store { return &Store{db: dbtx} }

const eventColumns = `id, kind, status, site, line, asset, asset_type, component, failure_mode, code, title,
opened_at, closed_at, due_at, downtime_minutes, planned_minutes, cost, outcome, document_id, source, metadata`

var eventColumnList = strings.Split(strings.ReplaceAll(eventColumns, "\n", " "), ", ")

func init() {
	for i, c := range eventColumnList {
		eventColumnList[i] = strings.TrimSpace(c)
	}
}

// UpsertReport says what an upsert wrote.
type UpsertReport struct {
	// Written counts records inserted or replaced; Skipped records kept as
	// stored (IfExists skip).
	Written int `json:"written"`
	Skipped int `json:"skipped"`
}

// Upsert writes records in one transaction: new ids are inserted, stored
// ids replaced (or kept when skip is set). Records are validated first;
// the first invalid one fails the whole call, naming its id. Rows are
// written in id order, so two writers never deadlock.
func (s *Store) Upsert(ctx context.Context, events []Event, skip bool) (UpsertReport, error) {
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return UpsertReport{}, fmt.Errorf("maintenance: record %q: %w", events[i].ID, err)
		}
	}
	if len(events) == 0 {
		return UpsertReport{}, nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return UpsertReport{}, fmt.Errorf("maintenance: upsert: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	// Inside a caller's transaction the stage outlives this call (ON COMMIT
	// applies to the outermost commit): reuse it, emptied.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS maintenance_stage (LIKE maintenance_events INCLUDING DEFAULTS) ON COMMIT DROP;
TRUNCATE maintenance_stage`); err != nil {
		return UpsertReport{}, fmt.Errorf("maintenance: upsert: %w", err)
	}
	rows := make([][]any, len(events))
	for i, e := range events {
		meta := e.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		mb, err := json.Marshal(meta)
		if err != nil {
			return UpsertReport{}, fmt.Errorf("maintenance: record %q: metadata: %w", e.ID, err)
		}
		rows[i] = []any{e.ID, string(e.Kind), e.Status, e.Site, e.Line, e.Asset, e.AssetType, e.Component, e.FailureMode, e.Code, e.Title,
			e.OpenedAt, e.ClosedAt, e.DueAt, e.DowntimeMinutes, e.PlannedMinutes, e.Cost, e.Outcome, e.DocumentID, e.Source, mb}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"maintenance_stage"}, eventColumnList, pgx.CopyFromRows(rows)); err != nil {
		return UpsertReport{}, fmt.Errorf("maintenance: upsert: %w", err)
	}
	// A file may hold one id twice only if the caller let it through; the
	// last one wins, as a re-import would.
	conflict := `ON CONFLICT (id) DO UPDATE SET ` + setExcluded() + `, updated_at = now()`
	if skip {
		conflict = `ON CONFLICT (id) DO NOTHING`
	}
	tag, err := tx.Exec(ctx, `
INSERT INTO maintenance_events (`+eventColumns+`)
SELECT DISTINCT ON (id) `+eventColumns+` FROM maintenance_stage ORDER BY id `+conflict)
	if err != nil {
		return UpsertReport{}, fmt.Errorf("maintenance: upsert: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return UpsertReport{}, fmt.Errorf("maintenance: upsert: %w", err)
	}
	n := int(tag.RowsAffected())
	return UpsertReport{Written: n, Skipped: len(events) - n}, nil
}

func setExcluded() string {
	var parts []string
	for _, c := range eventColumnList {
		if c != "id" {
			parts = append(parts, c+" = EXCLUDED."+c)
		}
	}
	return strings.Join(parts, ", ")
}

// Filter selects records. Empty fields select everything.
type Filter struct {
	Assets     []string
	Lines      []string
	AssetTypes []string
	Kinds      []Kind
	// FailureMode and Code match exactly (case-insensitive); Component
	// matches a part of the component's name ("strainer" finds
	// "suction strainer").
	FailureMode, Code, Component string
	// Status is open or closed.
	Status string
	// Since and Until bound OpenedAt: [Since, Until).
	Since, Until time.Time
	// Order is newest (default), oldest, downtime or cost.
	Order string
	// Limit caps the records returned (0: all).
	Limit int
	// ID keeps the record with this id only (case-insensitive).
	ID string
	// Title keeps the records whose title contains it, case-insensitive
	// ("lubric" finds "lubrication and clutch/brake check"): work a
	// record names but no field holds (greasing, cleaning, calibration).
	Title string
}

// Orders are the orders Query accepts.
var Orders = map[string]string{
	"newest":   "opened_at DESC, id",
	"oldest":   "opened_at, id",
	"downtime": "downtime_minutes DESC NULLS LAST, opened_at DESC, id",
	"cost":     "cost DESC NULLS LAST, opened_at DESC, id",
	"due":      "due_at NULLS LAST, opened_at, id",
}

// Query returns the records matching f, with each record's asset type
// filled from the equipment register or the asset's name when the record
// has none.
func (s *Store) Query(ctx context.Context, f Filter) ([]Event, error) {
	order, ok := Orders[f.Order]
	if f.Order == "" {
		order, ok = Orders["newest"], true
	}
	if !ok {
		return nil, fmt.Errorf("maintenance: order %q: want newest, oldest, downtime, cost or due", f.Order)
	}
	kinds := make([]string, len(f.Kinds))
	for i, k := range f.Kinds {
		kinds[i] = string(k)
	}
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	limit := "ALL"
	if f.Limit > 0 {
		limit = fmt.Sprint(f.Limit)
	}
	types := lowerAll(f.AssetTypes)
	// A nil slice is NULL, whose cardinality is NULL: pass empty ones.
	assets, lines := append([]string{}, f.Assets...), append([]string{}, f.Lines...)
	rows, err := s.db.Query(ctx, `
SELECT `+prefixed("e.", eventColumns)+`, coalesce(q.asset_type, '')
FROM maintenance_events e LEFT JOIN equipment q ON q.asset = e.asset
WHERE (cardinality($1::text[]) = 0 OR e.asset = ANY($1))
  AND (cardinality($2::text[]) = 0 OR e.line = ANY($2) OR q.line = ANY($2))
  AND (cardinality($3::text[]) = 0 OR e.kind = ANY($3))
  AND ($4 = '' OR lower(e.failure_mode) = lower($4))
  AND ($5 = '' OR lower(e.code) = lower($5))
  AND ($6 = '' OR e.component ILIKE '%' || $6 || '%')
  AND ($7 = '' OR e.status = $7)
  AND ($8::timestamptz IS NULL OR e.opened_at >= $8)
  AND ($9::timestamptz IS NULL OR e.opened_at < $9)
  AND (cardinality($10::text[]) = 0 OR lower(coalesce(nullif(e.asset_type, ''), nullif(q.asset_type, ''),
       regexp_replace(lower(e.asset), '[-_ ]?#?[0-9]+$', ''))) = ANY($10))
  AND ($11 = '' OR lower(e.id) = lower($11))
  AND ($12 = '' OR strpos(lower(e.title), lower($12)) > 0)
ORDER BY `+prefixed("e.", order)+` LIMIT `+limit,
		assets, lines, kinds, f.FailureMode, f.Code, f.Component, f.Status, since, until, types, strings.TrimSpace(f.ID), strings.TrimSpace(f.Title))
	if err != nil {
		return nil, fmt.Errorf("maintenance: query: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, regType, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("maintenance: query: %w", err)
		}
		if e.AssetType == "" {
			e.AssetType = regType
		}
		if e.AssetType == "" {
			e.AssetType = TypeOf(e.Asset)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("maintenance: query: %w", err)
	}
	return out, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func scanEvent(rows pgx.Rows) (Event, string, error) {
	var e Event
	var kind string
	var meta []byte
	var regType string
	if err := rows.Scan(&e.ID, &kind, &e.Status, &e.Site, &e.Line, &e.Asset, &e.AssetType, &e.Component, &e.FailureMode, &e.Code, &e.Title,
		&e.OpenedAt, &e.ClosedAt, &e.DueAt, &e.DowntimeMinutes, &e.PlannedMinutes, &e.Cost, &e.Outcome, &e.DocumentID, &e.Source, &meta, &regType); err != nil {
		return Event{}, "", err
	}
	e.Kind = Kind(kind)
	if len(meta) > 2 {
		_ = json.Unmarshal(meta, &e.Metadata)
	}
	return e, regType, nil
}

// Coverage is the span the plant's records cover: the first and last
// record of any kind, and the first failure record (where the failure
// history starts). Zero times mean no records.
type Coverage struct {
	First, Last, FirstFailure time.Time
	Records                   int
}

// Coverage returns the span of the plant's records.
func (s *Store) Coverage(ctx context.Context) (Coverage, error) {
	var c Coverage
	var first, last, ff *time.Time
	err := s.db.QueryRow(ctx, `
SELECT min(opened_at), max(coalesce(closed_at, opened_at)), min(opened_at) FILTER (WHERE kind = 'failure'), count(*)
FROM maintenance_events`).Scan(&first, &last, &ff, &c.Records)
	if err != nil {
		return c, fmt.Errorf("maintenance: coverage: %w", err)
	}
	if first != nil {
		c.First, c.Last = *first, *last
	}
	if ff != nil {
		c.FirstFailure = *ff
	}
	return c, nil
}

// Assets returns the assets that have records or are in the register,
// with their line and type, sorted by name.
func (s *Store) Assets(ctx context.Context) ([]Equipment, error) {
	rows, err := s.db.Query(ctx, `
WITH a AS (
  SELECT asset, max(line) AS line, max(site) AS site, max(asset_type) AS asset_type FROM maintenance_events GROUP BY asset
)
SELECT coalesce(q.asset, a.asset), coalesce(nullif(q.asset_type, ''), a.asset_type, ''), coalesce(q.model, ''),
       coalesce(nullif(q.site, ''), a.site, ''), coalesce(nullif(q.line, ''), a.line, ''), q.installed_at, coalesce(q.source, '')
FROM a FULL JOIN equipment q ON q.asset = a.asset
ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("maintenance: assets: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Equipment, error) {
		var q Equipment
		err := r.Scan(&q.Asset, &q.AssetType, &q.Model, &q.Site, &q.Line, &q.InstalledAt, &q.Source)
		if q.AssetType == "" {
			q.AssetType = TypeOf(q.Asset)
		}
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("maintenance: assets: %w", err)
	}
	return out, nil
}

// UpsertEquipment writes assets of the register in one statement (by asset order).
func (s *Store) UpsertEquipment(ctx context.Context, eq []Equipment) (int, error) {
	if len(eq) == 0 {
		return 0, nil
	}
	sort.Slice(eq, func(i, j int) bool { return eq[i].Asset < eq[j].Asset })
	var assets, types, models, sites, lines, sources []string
	var installed []*time.Time
	for _, q := range eq {
		if strings.TrimSpace(q.Asset) == "" {
			return 0, &FieldError{"asset", "is missing"}
		}
		assets = append(assets, q.Asset)
		types = append(types, q.AssetType)
		models = append(models, q.Model)
		sites = append(sites, q.Site)
		lines = append(lines, q.Line)
		sources = append(sources, q.Source)
		installed = append(installed, q.InstalledAt)
	}
	tag, err := s.db.Exec(ctx, `
INSERT INTO equipment (asset, asset_type, model, site, line, installed_at, source)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
ON CONFLICT (asset) DO UPDATE SET asset_type = EXCLUDED.asset_type, model = EXCLUDED.model, site = EXCLUDED.site,
  line = EXCLUDED.line, installed_at = EXCLUDED.installed_at, source = EXCLUDED.source, updated_at = now()`,
		assets, types, models, sites, lines, installed, sources)
	if err != nil {
		return 0, fmt.Errorf("maintenance: equipment: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteSource deletes the records a source wrote (re-importing a file
// from scratch, or re-seeding the demo history).
func (s *Store) DeleteSource(ctx context.Context, source string) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM maintenance_events WHERE source = $1`, source)
	if err != nil {
		return 0, fmt.Errorf("maintenance: delete %s: %w", source, err)
	}
	return tag.RowsAffected(), nil
}

func lowerAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
