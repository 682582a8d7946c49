package series

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// partitionLockKey serialises partition changes across processes
// (pg_advisory_xact_lock on hashtext of it).
const partitionLockKey = "gemba.series.partitions"

// partScheme is how one table is partitioned by block start.
type partScheme struct {
	table  string
	prefix string // partition name prefix, then the start date
	format string // Go layout of the start date in the name
	start  func(time.Time) time.Time
	next   func(time.Time) time.Time
}

// Raw blocks by week, minute rollups by month, hour rollups by year: a
// few dozen partitions a year, each dropped whole when it passes the
// retention.
var schemes = []partScheme{
	{table: "series_raw", prefix: "series_raw_w", format: "20060102",
		start: func(t time.Time) time.Time { return t.UTC().Truncate(blockWeek) },
		next:  func(t time.Time) time.Time { return t.Add(blockWeek) }},
	{table: "series_minute", prefix: "series_minute_m", format: "200601",
		start: func(t time.Time) time.Time {
			t = t.UTC()
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		},
		next: func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{table: "series_hour", prefix: "series_hour_y", format: "2006",
		start: func(t time.Time) time.Time { return time.Date(t.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC) },
		next:  func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
}

func (p partScheme) name(start time.Time) string { return p.prefix + start.Format(p.format) }

// ensurePartitionsFor creates the partitions the rows will land in, each
// in a short transaction of its own, when the store runs on a pool. A
// store inside a caller's transaction does not: its blocks go to the
// DEFAULT partition (no DDL, so no lock held to the end of someone else's
// transaction) until Maintain moves them.
func (st *Store) ensurePartitionsFor(ctx context.Context, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	lo, hi := rows[0].TS, rows[0].TS
	for _, r := range rows {
		if r.TS.Before(lo) {
			lo = r.TS
		}
		if r.TS.After(hi) {
			hi = r.TS
		}
	}
	return st.ensureRange(ctx, lo, hi)
}

// ensureRange is ensurePartitionsFor for points between lo and hi.
func (st *Store) ensureRange(ctx context.Context, lo, hi time.Time) error {
	pool, ok := st.db.(*pgxpool.Pool)
	if !ok {
		return nil
	}
	for _, p := range schemes {
		var want []time.Time
		for s := p.start(lo); !s.After(hi); s = p.next(s) {
			want = append(want, s)
		}
		if err := ensurePartitions(ctx, pool, st.opt.log, p, want); err != nil {
			return err
		}
	}
	return nil
}

// ensurePartitions creates the partitions of p starting at starts that do
// not exist yet.
func ensurePartitions(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, p partScheme, starts []time.Time) error {
	names := make([]string, len(starts))
	for i, s := range starts {
		names[i] = p.name(s)
	}
	rows, err := pool.Query(ctx, `SELECT relname FROM pg_class WHERE relname = ANY($1) AND relnamespace = current_schema()::regnamespace`, names)
	if err != nil {
		return fmt.Errorf("series: partitions: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("series: partitions: %w", err)
	}
	for i, s := range starts {
		if slices.Contains(have, names[i]) {
			continue
		}
		// Bounded: with every connection of the pool taken (the caller's
		// own transaction may hold the last one) or a long transaction
		// holding the DEFAULT partition, the rows simply land there and
		// Maintain moves them later.
		cctx, cancel := context.WithTimeout(ctx, partitionWait)
		err := pgx.BeginFunc(cctx, pool, func(tx pgx.Tx) error {
			_, err := createPartition(cctx, tx, p, s)
			return err
		})
		cancel()
		if err != nil && ctx.Err() == nil && cctx.Err() != nil {
			log.WarnContext(ctx, "series: partition not created in time; its blocks go to the DEFAULT partition until maintenance", "partition", names[i])
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// partitionWait bounds the creation of a partition before a write.
const partitionWait = 5 * time.Second

// createPartition creates and attaches the partition of p starting at
// start, moving into it the rows the DEFAULT partition holds for its
// range. It returns how many rows moved (0 when it already existed).
func createPartition(ctx context.Context, tx pgx.Tx, p partScheme, start time.Time) (int64, error) {
	end := p.next(start)
	name := p.name(start)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, partitionLockKey); err != nil {
		return 0, fmt.Errorf("series: partition %s: %w", name, err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace)`, name).Scan(&exists); err != nil {
		return 0, fmt.Errorf("series: partition %s: %w", name, err)
	}
	if exists {
		return 0, nil
	}
	id, def := pgx.Identifier{name}.Sanitize(), pgx.Identifier{p.table + "_default"}.Sanitize()
	// The bounds are written as literals: DDL takes no parameters.
	lo, hi := start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339)
	stmts := []string{
		`CREATE TABLE ` + id + ` (LIKE ` + pgx.Identifier{p.table}.Sanitize() + ` INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)`,
		`INSERT INTO ` + id + ` SELECT * FROM ` + def + ` WHERE t0 >= '` + lo + `' AND t0 < '` + hi + `'`,
	}
	var moved int64
	for i, q := range stmts {
		tag, err := tx.Exec(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("series: partition %s: %w", name, err)
		}
		if i == 1 {
			moved = tag.RowsAffected()
		}
	}
	if moved > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM `+def+` WHERE t0 >= '`+lo+`' AND t0 < '`+hi+`'`); err != nil {
			return 0, fmt.Errorf("series: partition %s: %w", name, err)
		}
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{p.table}.Sanitize()+` ATTACH PARTITION `+id+
		` FOR VALUES FROM ('`+lo+`') TO ('`+hi+`')`); err != nil {
		return 0, fmt.Errorf("series: partition %s: %w", name, err)
	}
	return moved, nil
}

// MaintainReport says what Maintain did.
type MaintainReport struct {
	// Folded counts the points of the tail folded into blocks first.
	Folded int64
	// Created are the partitions created (for rows that had landed in a
	// DEFAULT partition); Moved counts the rows moved into them.
	Created []string
	Moved   int64
	// Dropped are the partitions dropped by the retention; Deleted counts
	// the rows deleted from the DEFAULT partitions for the same reason.
	Dropped []string
	Deleted int64
}

// Maintain folds the whole tail into blocks (Compact), gives every block
// that landed in a DEFAULT partition its own partition, then applies the retention: partitions of raw blocks and of
// minute rollups wholly older than now − retention are dropped (and such
// rows deleted from the DEFAULT partitions); hour rollups are kept. Run it
// periodically (hourly is plenty); it is safe to run from several
// processes at once.
func (st *Store) Maintain(ctx context.Context) (MaintainReport, error) {
	var rep MaintainReport
	folded, err := st.Compact(ctx, CompactOptions{})
	if err != nil {
		return rep, fmt.Errorf("series: maintain: %w", err)
	}
	rep.Folded = folded.Points
	now := st.now()
	for _, p := range schemes {
		rows, err := st.db.Query(ctx, `SELECT DISTINCT t0 FROM `+pgx.Identifier{p.table + "_default"}.Sanitize())
		if err != nil {
			return rep, fmt.Errorf("series: maintain: %w", err)
		}
		t0s, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return rep, fmt.Errorf("series: maintain: %w", err)
		}
		var starts []time.Time
		for _, t := range t0s {
			if s := p.start(t); !slices.ContainsFunc(starts, s.Equal) {
				starts = append(starts, s)
			}
		}
		slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
		for _, s := range starts {
			var moved int64
			err := pgx.BeginFunc(ctx, st.db, func(tx pgx.Tx) error {
				var err error
				moved, err = createPartition(ctx, tx, p, s)
				return err
			})
			if err != nil {
				return rep, err
			}
			rep.Created = append(rep.Created, p.name(s))
			rep.Moved += moved
		}
	}
	for _, r := range []struct {
		p         partScheme
		retention time.Duration
	}{{schemes[0], st.opt.RawRetention}, {schemes[1], st.opt.MinuteRetention}} {
		if r.retention <= 0 {
			continue
		}
		horizon := now.Add(-r.retention)
		dropped, deleted, err := st.dropBefore(ctx, r.p, horizon)
		if err != nil {
			return rep, err
		}
		rep.Dropped = append(rep.Dropped, dropped...)
		rep.Deleted += deleted
	}
	if len(rep.Created)+len(rep.Dropped) > 0 || rep.Deleted > 0 {
		st.opt.log.InfoContext(ctx, "series: maintained partitions", "created", len(rep.Created), "moved", rep.Moved,
			"dropped", len(rep.Dropped), "deleted", rep.Deleted)
	}
	return rep, nil
}

// dropBefore drops the partitions of p that end at or before horizon and
// deletes the DEFAULT partition's rows whose slots all lie before it.
func (st *Store) dropBefore(ctx context.Context, p partScheme, horizon time.Time) ([]string, int64, error) {
	rows, err := st.db.Query(ctx, `
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = $1::text::regclass AND c.relname LIKE $2 || '%'`, p.table, p.prefix)
	if err != nil {
		return nil, 0, fmt.Errorf("series: retention: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, 0, fmt.Errorf("series: retention: %w", err)
	}
	slices.Sort(names)
	var dropped []string
	for _, n := range names {
		start, err := time.Parse(p.format, strings.TrimPrefix(n, p.prefix))
		if err != nil {
			continue // not one of ours
		}
		if p.next(start).After(horizon) {
			continue
		}
		if _, err := st.db.Exec(ctx, `DROP TABLE IF EXISTS `+pgx.Identifier{n}.Sanitize()); err != nil {
			return dropped, 0, fmt.Errorf("series: retention: drop %s: %w", n, err)
		}
		dropped = append(dropped, n)
	}
	// A row of the DEFAULT partition goes when its whole span is past.
	span := "tlast"
	if p.table == "series_minute" {
		span = "t0 + interval '1 hour'"
	}
	tag, err := st.db.Exec(ctx, `DELETE FROM `+pgx.Identifier{p.table + "_default"}.Sanitize()+` WHERE `+span+` < $1`, horizon)
	if err != nil {
		return dropped, 0, fmt.Errorf("series: retention: %w", err)
	}
	return dropped, tag.RowsAffected(), nil
}
