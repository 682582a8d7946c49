package series

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// ImportOptions describe the series of a CSV file. The file comes in one
// of three forms:
//
//   - long: a series column, a timestamp column and a value column, one
//     reading a row (series,timestamp,value);
//   - wide: a timestamp column and one column per sensor; the headers are
//     the series names, or with Asset the sensors of that asset;
//   - entity: a wide file holding several machines, told apart by an
//     entity column (Azure PdM: datetime,machineID,volt,rotate,…): each
//     row's series are named by the Name template (default
//     "<asset>.{column}", the asset from the Asset template, by default
//     "machine-{machineID}" for a numeric machineID column).
type ImportOptions struct {
	// Asset names the machine the value columns belong to: a literal name
	// ("press-3": the column vibration becomes press-3.vibration) or a
	// template over the row's cells ("machine-{machineID}").
	Asset string
	// Entity is the column that tells a row's machine (entity form).
	Entity string
	// Name is the naming template of a value column's series:
	// "machine-{machineID}.{column}" uses any column of the file, {column}
	// (the value column's name) and {asset}. Without Asset, the asset and
	// sensor are read from the name (asset.sensor).
	Name string
	// TimeColumn names the timestamp column (default: the first column
	// called timestamp, time, ts, datetime or date).
	TimeColumn string
	// Columns, when set, are the only value columns read (the others are
	// ignored); by default every column that is not the timestamp, the
	// entity or read by a template.
	Columns []string
	// Location is the time zone of naive timestamps (no offset, no Z);
	// nil reads them as UTC. Timestamps with an offset are that instant.
	Location *time.Location
	// OnDuplicate is the policy for a (series, timestamp) pair repeated in
	// the file (default DupKeepLast).
	OnDuplicate DupPolicy
	// Comma is the field delimiter (default ',').
	Comma rune
	// Site and Line place the imported series in the plant.
	Site, Line string
	// Unit is the unit of every imported series unless Units names one.
	Unit string
	// Units maps a sensor or series name to its unit.
	Units map[string]string
	// Source tags the series (empty for user imports).
	Source string
}

// DupPolicy says what an import does with a (series, timestamp) pair
// repeated in the file: the policy of issue 12 keeps the last row (a
// gateway's resend or a correction supersedes what came before).
type DupPolicy string

// The duplicate policies.
const (
	// DupKeepLast keeps the last row of the file (the default).
	DupKeepLast DupPolicy = "keep-last"
	// DupKeepFirst keeps the first row of the file.
	DupKeepFirst DupPolicy = "keep-first"
	// DupMean stores the mean of the repeated rows.
	DupMean DupPolicy = "mean"
	// DupError refuses the file, listing the repeated rows.
	DupError DupPolicy = "error"
)

// ParseDupPolicy reads a policy name ("" is DupKeepLast).
func ParseDupPolicy(s string) (DupPolicy, error) {
	switch p := DupPolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return DupKeepLast, nil
	case DupKeepLast, DupKeepFirst, DupMean, DupError:
		return p, nil
	}
	return "", fmt.Errorf("unknown duplicate policy %q (keep-last, keep-first, mean or error)", s)
}

// ImportResult reports what an import wrote.
type ImportResult struct {
	// Format is "long", "wide" or "entity".
	Format string `json:"format"`
	// Entity is the entity column of an entity file.
	Entity string `json:"entity,omitempty"`
	// NameTemplate and AssetTemplate are the templates the names were
	// built with (empty when the names are the headers).
	NameTemplate  string `json:"name_template,omitempty"`
	AssetTemplate string `json:"asset_template,omitempty"`
	// Series are the names of the series written, sorted.
	Series []string `json:"series"`
	// Assets are the assets of the series written, sorted.
	Assets []string `json:"assets,omitempty"`
	// Rows is the number of data rows read.
	Rows int `json:"rows"`
	// Points is the number of points written (inserted or replaced).
	Points int64 `json:"points"`
	// First and Last bound the timestamps written.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Zone is the time zone naive timestamps were read in; Naive counts
	// them (0: every timestamp had its offset, the zone did not matter).
	Zone  string `json:"zone"`
	Naive int    `json:"naive_timestamps"`
	// OnDuplicate is the duplicate policy applied.
	OnDuplicate DupPolicy `json:"on_duplicate"`
	// Warnings are the repairs the input-cleaning policy made (package
	// predict/clean): missing and infinite values skipped, duplicate
	// (series, timestamp) pairs resolved by OnDuplicate.
	Warnings []clean.Warning `json:"warnings,omitempty"`
}

// Problem is one malformed line of an import file.
type Problem struct {
	// Line is the 1-based line number in the file (the header is line 1).
	Line int `json:"line"`
	// Column is the header of the cell at fault ("" for the whole line).
	Column string `json:"column,omitempty"`
	// Msg says what is wrong.
	Msg string `json:"msg"`
}

// ImportError lists the malformed lines of a file that was not imported.
type ImportError struct {
	// Problems are the first problems found, in line order.
	Problems []Problem
	// Total counts all problems (Problems is capped).
	Total int
	// Hint, when set, says what most likely fixes the file.
	Hint string
}

// ErrBadFile marks an import file that cannot be read as a series CSV
// (no header, no timestamp column, malformed rows); *ImportError and
// *EntityHintError match it.
var ErrBadFile = errors.New("bad series file")

// Is makes errors.Is(err, ErrBadFile) true.
func (e *ImportError) Is(target error) bool { return target == ErrBadFile }

// maxProblems caps the problems kept in an ImportError.
const maxProblems = 20

// Error lists the problems, one per line.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d malformed row(s), nothing imported", e.Total)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
		if p.Column != "" {
			fmt.Fprintf(&b, " (column %s)", p.Column)
		}
	}
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, "\n  … and %d more", e.Total-len(e.Problems))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", e.Hint)
	}
	return b.String()
}

func (e *ImportError) add(line int, column, format string, args ...any) {
	e.Total++
	if len(e.Problems) < maxProblems {
		e.Problems = append(e.Problems, Problem{Line: line, Column: column, Msg: fmt.Sprintf(format, args...)})
	}
}

// Import reads a CSV file in long, wide or entity form (see ImportOptions)
// and upserts its points in one transaction, under the one input-cleaning
// policy of package predict/clean: only unreadable lines (a bad number or
// timestamp, the wrong number of fields, an empty entity) are errors, all
// reported in an *ImportError with their line and column, and then nothing
// is written; empty cells of a wide file are missing readings and skipped,
// missing markers (NaN, NA, null…) and infinite values are skipped and
// counted, and a (series, timestamp) pair repeated in the file is resolved
// by opt.OnDuplicate (default: the last row), counted; the counts come back
// as ImportResult.Warnings. A wide file whose rows repeat timestamps
// because it holds several machines, told apart by a column that looks
// like an id, is refused with an *EntityHintError naming that column.
//
// The file is streamed: rows go through COPY into a temporary staging
// table as they are read (with their line numbers) and are merged into
// blocks a batch at a time. Duplicates and sampling intervals are tracked
// while reading when each series runs in time order (the usual case), else
// found in SQL on the staging table. Memory stays flat however large the
// file.
func (st *Store) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportResult, error) {
	policy, err := ParseDupPolicy(string(opt.OnDuplicate))
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	explicitPolicy := opt.OnDuplicate != ""
	opt.OnDuplicate = policy
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	src, err := newCSVSource(r, opt)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w: %w", ErrBadFile, err)
	}
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_points
(k integer NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, line integer NOT NULL) ON COMMIT DROP`); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: stage: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_points`); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: stage: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_points"}, []string{"k", "ts", "value", "line"}, src); err != nil {
		if src.fatal != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w: %w", ErrBadFile, src.fatal)
		}
		return ImportResult{}, fmt.Errorf("series: import: copy: %w", err)
	}
	if src.unsorted {
		n, line, err := countDuplicates(ctx, tx)
		if err != nil {
			return ImportResult{}, err
		}
		src.dups.n, src.dups.line = n, line
	}
	// A wide file that is really several machines' rows: say which column
	// tells them apart, rather than list its "bad numbers" or keep one
	// machine's reading per timestamp.
	if !explicitPolicy || policy == DupError {
		if h := src.entityHint(); h != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w", h)
		}
	}
	if src.perr.Total > 0 {
		sort.SliceStable(src.perr.Problems, func(i, j int) bool { return src.perr.Problems[i].Line < src.perr.Problems[j].Line })
		if len(src.perr.Problems) > maxProblems {
			src.perr.Problems = src.perr.Problems[:maxProblems]
		}
		src.perr.Hint = src.textColumnHint()
		return ImportResult{}, fmt.Errorf("series: import: %w", src.perr)
	}
	if src.dups.n > 0 && policy == DupError {
		return ImportResult{}, fmt.Errorf("series: import: %w", duplicateProblems(ctx, tx, src))
	}
	res := ImportResult{Format: src.lay.format, Rows: src.rows, Warnings: src.warnings(policy), First: src.first, Last: src.last,
		Zone: opt.Location.String(), Naive: src.tp.naive, OnDuplicate: policy}
	if src.lay.entity >= 0 {
		res.Entity = src.lay.header[src.lay.entity]
	}
	if src.lay.name != nil {
		res.NameTemplate = src.lay.name.String()
	}
	if src.lay.asset != nil {
		res.AssetTemplate = src.lay.asset.String()
	}
	intervals := src.intervals()
	if src.unsorted {
		if intervals, err = stagedIntervals(ctx, tx); err != nil {
			return ImportResult{}, err
		}
	}
	if len(intervals) == 0 {
		return res, fmt.Errorf("series: import: %w: the file has no data rows", ErrBadFile)
	}
	// Before any series row is touched (so this transaction holds no lock a
	// partition's creation on another connection could wait for): refuse
	// history past the retention, and make the partitions the points go to.
	if err := st.checkRetention([]Row{{TS: src.first}}); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	if err := st.ensureRange(ctx, src.first, src.last); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	// Points of these series still waiting in the tail (a connector's) are
	// folded first, so the file's points win over them.
	names := make([]string, 0, len(intervals))
	for k := range intervals {
		names = append(names, src.names[k])
	}
	if err := st.foldNames(ctx, names); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: %w", err)
	}
	txs := st.On(tx)
	// Series rows are upserted in name order, so that two imports of
	// overlapping files lock them in the same order and cannot deadlock.
	order := make([]int32, 0, len(intervals))
	for k := range intervals {
		order = append(order, k)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(src.names[a], src.names[b]) })
	ks := make([]int32, 0, len(order))
	ids := make([]int64, 0, len(order))
	assets := map[string]bool{}
	for _, k := range order {
		desc := describe(src.names[k], src.assets[k], opt)
		desc.Interval = intervals[k]
		s, err := txs.Upsert(ctx, desc)
		if err != nil {
			return ImportResult{}, fmt.Errorf("series: import: %w", err)
		}
		ks, ids = append(ks, k), append(ids, s.ID)
		res.Series = append(res.Series, s.Name)
		if s.Asset != "" {
			assets[s.Asset] = true
		}
	}
	for a := range assets {
		res.Assets = append(res.Assets, a)
	}
	sort.Strings(res.Assets)
	if res.Points, err = moveStaged(ctx, tx, ks, ids, policy); err != nil {
		return ImportResult{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return ImportResult{}, fmt.Errorf("series: import: commit: %w", err)
	}
	return res, nil
}

// importBatch is how many staged points one merge into blocks takes:
// memory stays flat however large the file.
const importBatch = 250_000

// stagedQuery reads the staged points in series and time order, one per
// (series, timestamp) under the duplicate policy.
func stagedQuery(policy DupPolicy) string {
	const from = ` FROM import_points i JOIN unnest($1::integer[], $2::bigint[]) AS m(k, id) ON m.k = i.k`
	switch policy {
	case DupMean:
		return `SELECT m.id, i.ts, avg(i.value)` + from + ` GROUP BY m.id, i.ts ORDER BY m.id, i.ts`
	case DupKeepFirst:
		return `SELECT DISTINCT ON (m.id, i.ts) m.id, i.ts, i.value` + from + ` ORDER BY m.id, i.ts, i.line`
	}
	return `SELECT DISTINCT ON (m.id, i.ts) m.id, i.ts, i.value` + from + ` ORDER BY m.id, i.ts, i.line DESC`
}

// moveStaged merges the staged points into the blocks of their series
// (staged key ks[i] is series ids[i]), a batch at a time through a cursor
// in series and time order.
func moveStaged(ctx context.Context, tx pgx.Tx, ks []int32, ids []int64, policy DupPolicy) (int64, error) {
	// Statistics let the planner hash-join the staged keys.
	if _, err := tx.Exec(ctx, `ANALYZE import_points`); err != nil {
		return 0, fmt.Errorf("series: import: analyze: %w", err)
	}
	if _, err := tx.Exec(ctx, `DECLARE import_cursor NO SCROLL CURSOR FOR `+stagedQuery(policy), ks, ids); err != nil {
		return 0, fmt.Errorf("series: import: %w", err)
	}
	var total int64
	batch := make([]Row, 0, importBatch)
	for {
		rows, err := tx.Query(ctx, fmt.Sprintf(`FETCH %d FROM import_cursor`, importBatch))
		if err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		batch = batch[:0]
		for rows.Next() {
			var r Row
			if err := rows.Scan(&r.SeriesID, &r.TS, &r.Value); err != nil {
				rows.Close()
				return 0, fmt.Errorf("series: import: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if err := writeRows(ctx, tx, batch, false); err != nil {
			return 0, fmt.Errorf("series: import: %w", err)
		}
		total += int64(len(batch))
	}
	if _, err := tx.Exec(ctx, `CLOSE import_cursor`); err != nil {
		return 0, fmt.Errorf("series: import: %w", err)
	}
	return total, nil
}

// countDuplicates counts the staged rows that share a (series, timestamp)
// with a later row, and the first line of one.
func countDuplicates(ctx context.Context, tx pgx.Tx) (n, line int, err error) {
	err = tx.QueryRow(ctx, `
SELECT count(*), COALESCE(min(line), 0) FROM (
  SELECT line, max(line) OVER (PARTITION BY k, ts) AS last_line FROM import_points
) d WHERE line <> last_line`).Scan(&n, &line)
	if err != nil {
		return 0, 0, fmt.Errorf("series: import: duplicates: %w", err)
	}
	return n, line, nil
}

// duplicateProblems lists the repeated (series, timestamp) pairs of a file
// refused under DupError, each with the line it repeats.
func duplicateProblems(ctx context.Context, tx pgx.Tx, src *csvSource) error {
	rows, err := tx.Query(ctx, `
SELECT k, ts, line, first_line FROM (
  SELECT k, ts, line, min(line) OVER (PARTITION BY k, ts) AS first_line FROM import_points
) d WHERE line <> first_line ORDER BY line LIMIT $1`, maxProblems)
	if err != nil {
		return fmt.Errorf("series: import: duplicates: %w", err)
	}
	defer rows.Close()
	e := &ImportError{Total: src.dups.n}
	for rows.Next() {
		var (
			k           int32
			ts          time.Time
			line, first int
		)
		if err := rows.Scan(&k, &ts, &line, &first); err != nil {
			return fmt.Errorf("series: import: duplicates: %w", err)
		}
		e.Problems = append(e.Problems, Problem{Line: line, Column: src.cols[k],
			Msg: fmt.Sprintf("%s at %s repeats line %d", src.names[k], ts.UTC().Format(time.RFC3339), first)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("series: import: duplicates: %w", err)
	}
	e.Hint = "the file repeats timestamps (--on-duplicate error); keep-last, keep-first or mean resolve them"
	return e
}

// stagedIntervals returns each staged series with its median spacing.
func stagedIntervals(ctx context.Context, tx pgx.Tx) (map[int32]time.Duration, error) {
	rows, err := tx.Query(ctx, `
SELECT k, COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY d) FILTER (WHERE d > interval '0'), interval '0')
FROM (SELECT k, ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) AS d FROM import_points) x
GROUP BY k`)
	if err != nil {
		return nil, fmt.Errorf("series: import: intervals: %w", err)
	}
	defer rows.Close()
	out := map[int32]time.Duration{}
	for rows.Next() {
		var k int32
		var iv pgtype.Interval
		if err := rows.Scan(&k, &iv); err != nil {
			return nil, fmt.Errorf("series: import: intervals: %w", err)
		}
		out[k] = durationOf(iv)
	}
	return out, rows.Err()
}

// describe fills the plant fields of a series from its name, its asset
// (from the asset template; "" reads it from the name) and the options.
func describe(name, asset string, opt ImportOptions) Series {
	s := Series{Name: name, Site: opt.Site, Line: opt.Line, Source: opt.Source, Kind: KindSensor}
	fromName, sensor := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		fromName, sensor = name[:i], name[i+1:]
	}
	if asset == "" {
		asset = fromName
	} else if p, ok := strings.CutPrefix(name, asset+"."); ok {
		sensor = p
	}
	s.Asset, s.Sensor = asset, sensor
	switch sensor {
	case "output":
		s.Kind, s.Asset, s.Line = KindProduction, "", firstNonEmpty(opt.Line, asset)
	case "plan":
		s.Kind, s.Asset, s.Line = KindPlan, "", firstNonEmpty(opt.Line, asset)
	}
	s.Unit = opt.Unit
	if u, ok := opt.Units[name]; ok {
		s.Unit = u
	} else if u, ok := opt.Units[sensor]; ok {
		s.Unit = u
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
