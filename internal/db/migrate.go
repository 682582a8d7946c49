package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/gemba-ai/gemba/migrations"
)

// migrateLockID is the advisory lock key that serialises migrations across
// replicas starting together ("gemba" in ASCII).
const migrateLockID int64 = 0x67656d6261

// MigrationStatus is one migration's state.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// Migrator applies the embedded migrations to one database. It holds a
// dedicated connection so that it works before the vector extension exists.
type Migrator struct {
	conn     *pgx.Conn
	sqlDB    *sql.DB
	provider *goose.Provider
	log      *slog.Logger
}

// NewMigrator connects to url for migrating.
func NewMigrator(ctx context.Context, url string, log *slog.Logger) (*Migrator, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: bad connection URL: %s", oneLine(err))
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, Describe(cc, err)
	}
	sqlDB := stdlib.OpenDB(*cc)
	sqlDB.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		_ = conn.Close(ctx)
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return &Migrator{conn: conn, sqlDB: sqlDB, provider: p, log: log}, nil
}

// Close releases the migrator's connections.
func (m *Migrator) Close() error {
	return errors.Join(m.conn.Close(context.Background()), m.sqlDB.Close())
}

// withLock runs fn while holding the migration advisory lock, so concurrent
// callers (replicas, or two `gemba migrate up`) apply each migration once.
func (m *Migrator) withLock(ctx context.Context, fn func() error) error {
	if _, err := m.conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockID); err != nil {
		return fmt.Errorf("db: migration lock: %w", err)
	}
	defer func() {
		_, _ = m.conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockID)
	}()
	return fn()
}

// Up applies every pending migration and returns how many it applied.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	n := 0
	err := m.withLock(ctx, func() error {
		res, err := m.provider.Up(ctx)
		for _, r := range res {
			if r.Error == nil {
				n++
				m.log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
			}
		}
		if err != nil {
			return fmt.Errorf("db: migrate up: %w", err)
		}
		return nil
	})
	return n, err
}

// DownTo rolls back to version (0 removes everything) and returns how many
// migrations it rolled back.
func (m *Migrator) DownTo(ctx context.Context, version int64) (int, error) {
	n := 0
	err := m.withLock(ctx, func() error {
		res, err := m.provider.DownTo(ctx, version)
		for _, r := range res {
			if r.Error == nil {
				n++
				m.log.InfoContext(ctx, "migration rolled back", "version", r.Source.Version, "file", r.Source.Path)
			}
		}
		if err != nil {
			return fmt.Errorf("db: migrate down: %w", err)
		}
		return nil
	})
	return n, err
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context) (int, error) {
	v, err := m.provider.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: version: %w", err)
	}
	if v == 0 {
		return 0, nil
	}
	var prev int64
	for _, s := range m.provider.ListSources() {
		if s.Version < v && s.Version > prev {
			prev = s.Version
		}
	}
	return m.DownTo(ctx, prev)
}

// Status lists every known migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Pending reports whether migrations remain to be applied (used by /readyz).
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	ok, err := m.provider.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("db: pending migrations: %w", err)
	}
	return ok, nil
}

// Migrate applies every pending migration to url under the advisory lock.
func Migrate(ctx context.Context, url string, log *slog.Logger) (int, error) {
	m, err := NewMigrator(ctx, url, log)
	if err != nil {
		return 0, err
	}
	defer func() { _ = m.Close() }()
	return m.Up(ctx)
}

// LatestVersion returns the version of the newest embedded migration.
func LatestVersion() (int64, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("db: migrations: %w", err)
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			continue
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// ErrMigrationsPending says the database lacks embedded migrations.
var ErrMigrationsPending = errors.New("migrations pending")

// CheckCurrent reports (nil) whether every embedded migration is applied,
// with one query on an existing pool: cheap enough for a readiness probe.
func CheckCurrent(ctx context.Context, q DBTX) error {
	latest, err := LatestVersion()
	if err != nil {
		return err
	}
	var current int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version`).Scan(&current); err != nil {
		return fmt.Errorf("db: migration version: %w", err)
	}
	if current < latest {
		return fmt.Errorf("%w: database at %d, binary needs %d", ErrMigrationsPending, current, latest)
	}
	return nil
}
