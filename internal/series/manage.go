package series

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Selector picks the series a Delete removes: exactly one of a series
// Name, an Asset (all its series) or a name Prefix. Names are matched
// exactly: a destructive command never acts on a loose spelling.
type Selector struct {
	Name, Asset, Prefix string
}

// String says what the selector picks.
func (s Selector) String() string {
	switch {
	case s.Name != "":
		return "series " + s.Name
	case s.Asset != "":
		return "asset " + s.Asset
	}
	return "series named " + s.Prefix + "…"
}

func (s Selector) check() error {
	n := 0
	for _, v := range []string{s.Name, s.Asset, s.Prefix} {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("name exactly one of a series, an asset or a prefix")
	}
	return nil
}

// DeleteReport says what a Delete removes (or, from DeletePlan, would).
type DeleteReport struct {
	// Series are the names of the series, sorted.
	Series []string `json:"series"`
	// Points counts the raw points, those of the blocks and those still in
	// the tail (live data not yet folded); RawBlocks the blocks.
	Points    int64 `json:"points"`
	RawBlocks int64 `json:"raw_blocks"`
	// MinuteRollups and HourRollups count the rollup rows (an hour of
	// minute slots, a day of hour slots each); HourReadings the readings
	// the hour rollups summarise (points past the raw retention included).
	MinuteRollups int64 `json:"minute_rollups"`
	HourRollups   int64 `json:"hour_rollups"`
	HourReadings  int64 `json:"hour_readings"`
	// External names the series whose points live in the plant's own
	// database: only their catalog rows go, their points stay there.
	External []string `json:"external,omitempty"`
	// Evaluations counts the model evaluations recorded on the series.
	Evaluations int64 `json:"evaluations"`
}

// selectSeries returns the catalog rows sel picks, or a *NotFoundError
// with suggestions when it picks none.
func (st *Store) selectSeries(ctx context.Context, sel Selector) ([]Series, error) {
	if err := sel.check(); err != nil {
		return nil, fmt.Errorf("series: %w", err)
	}
	var (
		rows pgx.Rows
		err  error
	)
	switch {
	case sel.Name != "":
		rows, err = st.db.Query(ctx, `SELECT `+seriesColumns+` FROM series WHERE name = $1`, sel.Name)
	case sel.Asset != "":
		rows, err = st.db.Query(ctx, `SELECT `+seriesColumns+` FROM series WHERE asset = $1 ORDER BY name`, sel.Asset)
	default:
		rows, err = st.db.Query(ctx, `SELECT `+seriesColumns+` FROM series WHERE starts_with(name, $1) ORDER BY name`, sel.Prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("series: select %s: %w", sel, err)
	}
	var out []Series
	for rows.Next() {
		s, err := scanSeries(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("series: select %s: %w", sel, err)
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series: select %s: %w", sel, err)
	}
	if len(out) > 0 {
		return out, nil
	}
	nf := &NotFoundError{What: "series", Name: sel.Name + sel.Prefix}
	var names []string
	if sel.Asset != "" {
		nf.What, nf.Name = "asset", sel.Asset
		names, err = st.Assets(ctx)
	} else {
		var all []Series
		all, err = st.List(ctx, Filter{})
		for _, s := range all {
			names = append(names, s.Name)
		}
	}
	if err != nil {
		return nil, err
	}
	nf.Suggestions = Nearest(nf.Name, names, 5)
	return nil, nf
}

// DeletePlan reports what Delete(sel) would remove, changing nothing.
func (st *Store) DeletePlan(ctx context.Context, sel Selector) (DeleteReport, error) {
	ss, err := st.selectSeries(ctx, sel)
	if err != nil {
		return DeleteReport{}, err
	}
	return st.deleteReport(ctx, ss)
}

func (st *Store) deleteReport(ctx context.Context, ss []Series) (DeleteReport, error) {
	var rep DeleteReport
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
		rep.Series = append(rep.Series, s.Name)
		if s.Engine != "" {
			rep.External = append(rep.External, s.Name)
		}
	}
	err := st.db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM series_raw WHERE series_id = ANY($1)),
       (SELECT COALESCE(sum(n), 0) FROM series_raw WHERE series_id = ANY($1)) +
       (SELECT count(*) FROM series_tail t, unnest(t.sids) AS u(s) WHERE t.sids && $1 AND u.s = ANY($1)),
       (SELECT count(*) FROM series_minute WHERE series_id = ANY($1)),
       (SELECT count(*) FROM series_hour WHERE series_id = ANY($1)),
       (SELECT COALESCE(sum(c), 0) FROM series_hour, unnest(counts) AS c WHERE series_id = ANY($1)),
       (SELECT count(*) FROM model_evaluations WHERE series_id = ANY($1))`, ids).
		Scan(&rep.RawBlocks, &rep.Points, &rep.MinuteRollups, &rep.HourRollups, &rep.HourReadings, &rep.Evaluations)
	if err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: count: %w", err)
	}
	return rep, nil
}

// Delete removes the series sel picks with every raw block and rollup of
// theirs (and their model evaluations), in one transaction, and reports
// what went. Points of a series that lives in the plant's own database
// stay there; only its catalog row goes (the next sync of that database
// brings it back unless its mapping is removed).
func (st *Store) Delete(ctx context.Context, sel Selector) (DeleteReport, error) {
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	txs := st.On(tx)
	ss, err := txs.selectSeries(ctx, sel)
	if err != nil {
		return DeleteReport{}, err
	}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	// The tail rows holding their points are locked first, in the order a
	// fold takes its locks (tail rows, then series), so a fold and a delete
	// wait for each other at most one way round, never in a cycle.
	buckets := make([]int32, 0, min(len(ids), tailBuckets))
	for _, id := range ids {
		if b := bucketOf(id); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM series_tail WHERE bucket = ANY($1) AND sids && $2 FOR UPDATE`, buckets, ids); err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: lock the tail: %w", err)
	}
	// Locked in name order, like every writer, so a concurrent import
	// either finishes first or waits and then finds no series.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM series WHERE id = ANY($1) ORDER BY name FOR UPDATE`, ids); err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: lock: %w", err)
	}
	rep, err := txs.deleteReport(ctx, ss)
	if err != nil {
		return DeleteReport{}, err
	}
	// The rule series_delete_points (migration 00020) deletes the blocks
	// and rollups with the rows, the trigger series_tail_forget (00070)
	// their points in the tail; model_evaluations cascade.
	if _, err := tx.Exec(ctx, `DELETE FROM series WHERE id = ANY($1)`, ids); err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return DeleteReport{}, fmt.Errorf("series: delete: commit: %w", err)
	}
	return rep, nil
}

// ErrExists marks a rename onto a name that is taken.
var ErrExists = errors.New("already exists")

// ExistsError names the series or asset a rename would collide with.
type ExistsError struct {
	What, Name string
}

// Error names the collision.
func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists", e.What, e.Name)
}

// Is makes errors.Is(err, ErrExists) true.
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// reName is what a series or asset name may hold: letters, digits and
// . _ - : / (no spaces, which commands and slash commands split on).
var reName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._:/-]*$`)

// ValidName reports whether name may name a series or an asset.
func ValidName(name string) bool { return len(name) <= 200 && reName.MatchString(name) }

// Renamed is one series a rename changed.
type Renamed struct {
	ID  int64  `json:"id"`
	Old string `json:"old"`
	New string `json:"new"`
}

// Rename gives the series called old the name new, keeping its points,
// rollups and evaluations (they hang on its id). When old followed the
// naming convention (asset.sensor, line.output, line.plan), the asset,
// sensor or line follow the new name; otherwise they stay.
func (st *Store) Rename(ctx context.Context, old, new string) (Series, error) {
	if !ValidName(new) {
		return Series{}, fmt.Errorf("series: rename: %q is not a valid series name (letters, digits, . _ - : /)", new)
	}
	s, err := st.selectSeries(ctx, Selector{Name: old})
	if err != nil {
		return Series{}, err
	}
	cur := s[0]
	if old == new {
		return cur, nil
	}
	next := cur
	next.Name = new
	if i := strings.LastIndexByte(new, '.'); i > 0 {
		prefix, suffix := new[:i], new[i+1:]
		switch {
		case cur.Kind != KindSensor && cur.Line != "" && cur.Name == cur.Line+"."+cur.Sensor:
			next.Line, next.Sensor = prefix, suffix
		case cur.Kind != KindSensor && cur.Line != "" && strings.HasPrefix(cur.Name, cur.Line+"."):
			next.Line = prefix
		case cur.Asset != "" && cur.Name == cur.Asset+"."+cur.Sensor:
			next.Asset, next.Sensor = prefix, suffix
		}
	}
	tag, err := st.db.Exec(ctx, `UPDATE series SET name = $2, asset = $3, sensor = $4, line = $5
WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM series WHERE name = $2)`, cur.ID, next.Name, next.Asset, next.Sensor, next.Line)
	if err != nil {
		return Series{}, fmt.Errorf("series: rename %s: %w", old, err)
	}
	if tag.RowsAffected() == 0 {
		return Series{}, fmt.Errorf("series: rename %s: %w", old, &ExistsError{What: "series", Name: new})
	}
	return next, nil
}

// RenameAsset moves every series of asset old to asset new, renaming
// those named "<old>.<sensor>" to "<new>.<sensor>", in one transaction;
// points, rollups and evaluations stay with the series. It refuses when
// new already has series (a merge is not a rename) or a new name is taken.
func (st *Store) RenameAsset(ctx context.Context, old, new string) ([]Renamed, error) {
	if !ValidName(new) {
		return nil, fmt.Errorf("series: rename asset: %q is not a valid asset name (letters, digits, . _ - : /)", new)
	}
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("series: rename asset: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	txs := st.On(tx)
	ss, err := txs.selectSeries(ctx, Selector{Asset: old})
	if err != nil {
		return nil, err
	}
	if old == new {
		return nil, nil
	}
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM series WHERE asset = $1)`, new).Scan(&taken); err != nil {
		return nil, fmt.Errorf("series: rename asset: %w", err)
	}
	if taken {
		return nil, fmt.Errorf("series: rename asset %s: %w", old, &ExistsError{What: "asset", Name: new})
	}
	ids := make([]int64, len(ss))
	names := make([]string, len(ss))
	out := make([]Renamed, len(ss))
	for i, s := range ss {
		n := s.Name
		if rest, ok := strings.CutPrefix(s.Name, old+"."); ok {
			n = new + "." + rest
		}
		ids[i], names[i] = s.ID, n
		out[i] = Renamed{ID: s.ID, Old: s.Name, New: n}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("series: rename asset %s: %w", old, &ExistsError{What: "series", Name: n})
		}
		seen[n] = true
	}
	var clash string
	err = tx.QueryRow(ctx, `SELECT COALESCE(min(name), '') FROM series WHERE name = ANY($1) AND NOT (id = ANY($2))`, names, ids).Scan(&clash)
	if err != nil {
		return nil, fmt.Errorf("series: rename asset: %w", err)
	}
	if clash != "" {
		return nil, fmt.Errorf("series: rename asset %s: %w", old, &ExistsError{What: "series", Name: clash})
	}
	if _, err := tx.Exec(ctx, `UPDATE series s SET name = u.name, asset = $3
FROM unnest($1::bigint[], $2::text[]) AS u(id, name) WHERE s.id = u.id`, ids, names, new); err != nil {
		return nil, fmt.Errorf("series: rename asset: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("series: rename asset: commit: %w", err)
	}
	return out, nil
}
