// Package dbtest gives each test an isolated database state on the real
// PostgreSQL server: no mocks. Migrations run once into a template database
// (shared by every test package, keyed by a hash of the migration files);
// Pool clones the template into a fresh database per test, and Tx opens a
// transaction on a per-process database that is rolled back at cleanup.
//
// The server comes from GEMBA_TEST_DATABASE_URL, else GEMBA_DATABASE_URL,
// else the local default postgres:///gemba (see deploy/local/setup.sh).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/migrations"
)

// templateLockID serialises template creation across test processes.
const templateLockID int64 = 0x67656d6274

// BaseURL returns the URL of the server tests run against.
func BaseURL() string {
	for _, k := range []string{"GEMBA_TEST_DATABASE_URL", "GEMBA_DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres:///gemba"
}

// WithDatabase returns base with its database name replaced.
func WithDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad URL %q: %v", base, err))
	}
	u.Path = "/" + name
	return u.String()
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error

	sharedOnce sync.Once
	sharedPool *pgxpool.Pool
	sharedErr  error
)

func migrationsHash() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// template makes sure the migrated template database exists and returns its name.
func template() (string, error) {
	tmplOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		tmplName = "gemba_tmpl_" + migrationsHash()
		admin, err := pgx.Connect(ctx, BaseURL())
		if err != nil {
			cc, _ := pgx.ParseConfig(BaseURL())
			if cc != nil {
				err = db.Describe(cc, err)
			}
			tmplErr = fmt.Errorf("dbtest: %w (run deploy/local/setup.sh)", err)
			return
		}
		defer func() { _ = admin.Close(ctx) }()
		if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockID); err != nil {
			tmplErr = fmt.Errorf("dbtest: lock: %w", err)
			return
		}
		defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLockID) //nolint:errcheck // best effort; the session ends anyway
		var exists bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmplName).Scan(&exists); err != nil {
			tmplErr = fmt.Errorf("dbtest: %w", err)
			return
		}
		if exists {
			return
		}
		build := tmplName + "_build"
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{build}.Sanitize()+" WITH (FORCE)")
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{build}.Sanitize()); err != nil {
			tmplErr = fmt.Errorf("dbtest: create template: %w", err)
			return
		}
		if _, err := db.Migrate(ctx, WithDatabase(BaseURL(), build), nil); err != nil {
			tmplErr = fmt.Errorf("dbtest: migrate template: %w", err)
			return
		}
		// Rename only once fully migrated, so a crash never leaves a half-built template.
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{build}.Sanitize()+" RENAME TO "+pgx.Identifier{tmplName}.Sanitize()); err != nil {
			tmplErr = fmt.Errorf("dbtest: finish template: %w", err)
			return
		}
	})
	return tmplName, tmplErr
}

// NewDatabase creates a fresh, migrated database and returns its URL; the
// database is dropped when the test ends. Use it where a test needs its own
// pool, several connections or a separate process (e.g. `gemba` commands).
func NewDatabase(t testing.TB) string {
	t.Helper()
	tmpl, err := template()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := "gemba_t_" + randHex(6)
	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer func() { _ = admin.Close(ctx) }()
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		_, lastErr = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
		if lastErr == nil {
			break
		}
		// "source database is being accessed by other users": another process is cloning.
		time.Sleep(time.Duration(50+attempt*25) * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("dbtest: create database: %v", lastErr)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), BaseURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return WithDatabase(BaseURL(), name)
}

// Pool returns a pool on a fresh migrated database of the test's own.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := NewDatabase(t)
	pool, err := db.Open(context.Background(), u, db.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Tx returns a transaction on a database shared by the test process; it is
// rolled back when the test ends, so tests can run in parallel and leave
// nothing behind.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	sharedOnce.Do(func() {
		// NewDatabase ends the first test with t.Fatal when the server is
		// not there; every later test must then fail with a reason too,
		// not on a nil pool.
		sharedErr = errors.New("dbtest: no shared test database (the first test that asked for one says why; is PostgreSQL running? bash deploy/local/setup.sh)")
		u := NewDatabase(noCleanup{t})
		sharedPool, sharedErr = db.Open(context.Background(), u, db.Options{MaxConns: 16})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	tx, err := sharedPool.Begin(context.Background())
	if err != nil {
		t.Fatalf("dbtest: begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// noCleanup keeps the shared database alive past the first test that made it;
// it is dropped by DropStale in a later run.
type noCleanup struct{ testing.TB }

func (noCleanup) Cleanup(func()) {}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DropStale drops test databases left by killed test processes (older than
// an hour, with no connections) and templates of older migration sets. The
// test command calls it through `go test` of this package.
func DropStale(ctx context.Context) (int, error) {
	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		return 0, err
	}
	defer func() { _ = admin.Close(ctx) }()
	rows, err := admin.Query(ctx, `
SELECT d.datname FROM pg_database d
WHERE (d.datname LIKE 'gemba\_t\_%' OR (d.datname LIKE 'gemba\_tmpl\_%' AND d.datname <> $1))
  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
  -- missing_ok: a database another process drops meanwhile has no file, and is skipped
  AND (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification < now() - interval '1 hour'`, "gemba_tmpl_"+migrationsHash())
	if err != nil {
		return 0, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)"); err != nil {
			return 0, err
		}
	}
	return len(names), nil
}
