package series

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Row is one point of one series, as written in bulk.
type Row struct {
	SeriesID int64
	TS       time.Time
	Value    float64
}

var pointColumns = []string{"series_id", "ts", "value"}

func rowSource(rows []Row) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		return []any{r.SeriesID, r.TS, r.Value}, nil
	})
}

// Append copies rows straight into the points table with COPY. It is the
// fastest path and suits fresh data (the demo generator after clearing its
// old points); a row that already exists fails the whole COPY. Use
// UpsertPoints when the data may overlap what is stored.
func (st *Store) Append(ctx context.Context, rows []Row) (int64, error) {
	n, err := st.db.CopyFrom(ctx, pgx.Identifier{"points"}, pointColumns, rowSource(rows))
	if err != nil {
		return 0, fmt.Errorf("series: copy points: %w", err)
	}
	return n, nil
}

// UpsertPoints writes rows in one transaction: COPY into a temporary
// staging table, then one INSERT … ON CONFLICT that replaces the values of
// points already stored. Rows must not repeat a (series, timestamp) pair.
// It returns the number of points written.
func (st *Store) UpsertPoints(ctx context.Context, rows []Row) (int64, error) {
	tx, err := st.db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("series: upsert points: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	n, err := upsertPoints(ctx, tx, rows)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("series: upsert points: commit: %w", err)
	}
	return n, nil
}

func upsertPoints(ctx context.Context, tx pgx.Tx, rows []Row) (int64, error) {
	// ON COMMIT DROP cleans up on a pooled connection; IF NOT EXISTS and the
	// DELETE make a second import in the same outer transaction work too.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS points_stage
(series_id bigint NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL) ON COMMIT DROP`); err != nil {
		return 0, fmt.Errorf("series: stage points: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM points_stage`); err != nil {
		return 0, fmt.Errorf("series: stage points: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"points_stage"}, pointColumns, rowSource(rows)); err != nil {
		return 0, fmt.Errorf("series: copy points: %w", err)
	}
	tag, err := tx.Exec(ctx, `
INSERT INTO points (series_id, ts, value)
SELECT series_id, ts, value FROM points_stage
ORDER BY series_id, ts -- one lock order for every writer of overlapping points
ON CONFLICT (series_id, ts) DO UPDATE SET value = EXCLUDED.value`)
	if err != nil {
		return 0, fmt.Errorf("series: upsert points: %w", err)
	}
	return tag.RowsAffected(), nil
}
