// Package db opens Gemba's PostgreSQL pool and applies its migrations. Every
// store (rag, series, agent memory, bot state) takes a DBTX so that the same
// query runs on the pool or inside a transaction.
package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// DBTX is what a store needs from the database: satisfied by *pgxpool.Pool,
// *pgx.Conn and pgx.Tx.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ DBTX = (*pgxpool.Pool)(nil)
	_ DBTX = pgx.Tx(nil)
)

// ErrUnreachable marks a failure to reach the database server at all.
var ErrUnreachable = errors.New("database unreachable")

// Options tune the pool.
type Options struct {
	// MaxConns caps the pool; 0 keeps pgx's default.
	MaxConns int
}

// Open connects a pool to url, registers pgvector's types on every
// connection and checks that the server answers. Connection failures come
// back as one readable line wrapping ErrUnreachable.
func Open(ctx context.Context, url string, opt Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: bad connection URL: %s", oneLine(err))
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = int32(opt.MaxConns)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, c); err != nil {
			return fmt.Errorf("pgvector types (has `gemba migrate up` run?): %w", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, Describe(cfg.ConnConfig, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, Describe(cfg.ConnConfig, err)
	}
	return pool, nil
}

// Describe turns a pgx connection error into one clear line naming the
// server, the database and the root cause, with a hint for the usual fixes.
func Describe(cc *pgx.ConnConfig, err error) error {
	where := fmt.Sprintf("%s:%d", cc.Host, cc.Port)
	if strings.HasPrefix(cc.Host, "/") {
		where = fmt.Sprintf("%s/.s.PGSQL.%d", cc.Host, cc.Port)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		hint := ""
		switch pgErr.Code {
		case "3D000":
			hint = " (create it with deploy/local/setup.sh or createdb)"
		case "28P01", "28000":
			hint = " (check the user and password in GEMBA_DATABASE_URL)"
		}
		return fmt.Errorf("%w: database %q at %s as user %q: %s%s", ErrUnreachable, cc.Database, where, cc.User, pgErr.Message, hint)
	}
	root := err
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		root = opErr.Err
	} else {
		for u := errors.Unwrap(root); u != nil; u = errors.Unwrap(root) {
			root = u
		}
	}
	msg := oneLine(root)
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "timed out"
	}
	return fmt.Errorf("%w: cannot connect to PostgreSQL at %s (database %q): %s; is the server running? (deploy/local/setup.sh starts a local one, or set GEMBA_DATABASE_URL)", ErrUnreachable, where, cc.Database, msg)
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
