// Package app is Gemba's composition root: it builds the cobra command tree,
// loads the configuration once, and wires stores, tools, the agent and the
// bot together for each command. No other package reads the environment.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/ops"
)

// App carries what every command shares: configuration, logger, the lazily
// opened database pool and the output streams.
type App struct {
	Out io.Writer
	Err io.Writer

	getenv config.Getenv

	cfgOnce sync.Once
	cfg     *config.Config
	cfgErr  error

	logger *slog.Logger

	poolMu sync.Mutex
	pool   *pgxpool.Pool
	// closers release what commands opened besides the pool (connections
	// to external MCP servers), in reverse order, before the pool closes.
	closers []func()
}

// NewApp returns an App reading the environment through getenv.
func NewApp(out, errw io.Writer, getenv config.Getenv) *App {
	return &App{Out: out, Err: errw, getenv: getenv}
}

// Config returns the validated configuration.
func (a *App) Config() (*config.Config, error) {
	a.cfgOnce.Do(func() { a.cfg, a.cfgErr = config.Load(a.getenv) })
	return a.cfg, a.cfgErr
}

// Logger returns the process logger (JSON or text on stderr, per config).
func (a *App) Logger() *slog.Logger {
	if a.logger != nil {
		return a.logger
	}
	level, format := slog.LevelInfo, "text"
	if cfg, err := a.Config(); err == nil {
		_ = level.UnmarshalText([]byte(cfg.LogLevel))
		format = cfg.LogFormat
	}
	a.logger = ops.NewLogger(a.Err, format, level)
	return a.logger
}

// Pool opens (once) and returns the database pool.
func (a *App) Pool(ctx context.Context) (*pgxpool.Pool, error) {
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	if a.pool != nil {
		return a.pool, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	p, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: cfg.DBMaxConns})
	if err != nil {
		return nil, err
	}
	a.pool = p
	return p, nil
}

// Close releases what the App opened.
func (a *App) Close() {
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
	if a.pool != nil {
		a.pool.Close()
		a.pool = nil
	}
}

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, out, errw io.Writer) int {
	return run(ctx, args, out, errw, os.LookupEnv)
}

func run(ctx context.Context, args []string, out, errw io.Writer, getenv config.Getenv) int {
	return runWith(ctx, args, nil, out, errw, getenv)
}

// runWith is run reading standard input from in (nil: the process's).
func runWith(ctx context.Context, args []string, in io.Reader, out, errw io.Writer, getenv config.Getenv) int {
	app := NewApp(out, errw, getenv)
	defer app.Close()
	root := newRootCmd(app)
	root.SetArgs(args)
	if in != nil {
		root.SetIn(in)
	}
	root.SetOut(out)
	root.SetErr(errw)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(errw, "gemba: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(errw, "gemba: "+strings.TrimPrefix(err.Error(), "gemba: "))
	return 1
}

// exitError ends a command with a given exit code (and an optional message).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode makes a command fail with code, printing msg when not empty.
func exitCode(code int, msg string) error { return &exitError{code: code, msg: msg} }
