package db

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scratch creates a migrated scratch database beside the one base names
// (same server and credentials) and returns its URL and a function that
// drops it. Benchmarks and load tests measure on it, so they never touch
// real data.
func Scratch(ctx context.Context, base string, log *slog.Logger) (string, func(context.Context) error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("db: bad connection URL: %s", oneLine(err))
	}
	cc, err := pgx.ParseConfig(base)
	if err != nil {
		return "", nil, fmt.Errorf("db: bad connection URL: %s", oneLine(err))
	}
	admin, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return "", nil, Describe(cc, err)
	}
	name := fmt.Sprintf("gemba_scratch_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		_ = admin.Close(ctx)
		return "", nil, fmt.Errorf("db: scratch database: create: %w", err)
	}
	drop := func(ctx context.Context) error {
		defer func() { _ = admin.Close(ctx) }()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("db: scratch database: drop %s: %w", name, err)
		}
		return nil
	}
	u.Path = "/" + name
	if _, err := Migrate(ctx, u.String(), log); err != nil {
		_ = drop(context.WithoutCancel(ctx))
		return "", nil, err
	}
	return u.String(), drop, nil
}
