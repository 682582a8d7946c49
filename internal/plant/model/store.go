package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/plant"
)

// Applied is a plant model as stored by Apply.
type Applied struct {
	Version   int64     `json:"version"`
	Source    string    `json:"-"`
	SHA256    string    `json:"sha256"`
	FileName  string    `json:"file_name,omitempty"`
	AppliedBy string    `json:"applied_by,omitempty"`
	AppliedAt time.Time `json:"applied_at"`
	// Model is the parsed file.
	Model *Model `json:"-"`
	// Problems are those found when it was read again here: only a
	// connector's (a password file this machine lacks) can be, since it
	// was checked when applied.
	Problems Problems `json:"problems,omitempty"`
}

// Origin names the applied model for people ("plant.yaml version 3,
// applied 2026-03-02 06:00 UTC by kim").
func (a *Applied) Origin() string {
	if a == nil {
		return ""
	}
	name := a.FileName
	if name == "" {
		name = "plant.yaml"
	}
	s := fmt.Sprintf("%s version %d, applied %s", name, a.Version, a.AppliedAt.UTC().Format("2006-01-02 15:04 MST"))
	if a.AppliedBy != "" {
		s += " by " + a.AppliedBy
	}
	return s
}

func digest(src []byte) string {
	h := sha256.Sum256(src)
	return hex.EncodeToString(h[:])
}

// Current returns the plant model in force, or nil when none was applied.
func Current(ctx context.Context, dbtx db.DBTX) (*Applied, error) {
	a := &Applied{}
	err := dbtx.QueryRow(ctx, `SELECT version, source, sha256, file_name, applied_by, applied_at
		FROM plant_models ORDER BY version DESC LIMIT 1`).Scan(&a.Version, &a.Source, &a.SHA256, &a.FileName, &a.AppliedBy, &a.AppliedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plant model: load: %w", err)
	}
	m, problems := Parse([]byte(a.Source))
	if !problems.OnlyConnectors() {
		return nil, fmt.Errorf("plant model: version %d no longer reads: %w", a.Version, problems)
	}
	a.Model, a.Problems = m, problems
	return a, nil
}

// CurrentVersion is the version in force (0 when none was applied): the
// cheap check a Watcher makes each minute.
func CurrentVersion(ctx context.Context, dbtx db.DBTX) (int64, error) {
	var v int64
	if err := dbtx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM plant_models`).Scan(&v); err != nil {
		return 0, fmt.Errorf("plant model: version: %w", err)
	}
	return v, nil
}

// save stores a new version of the model.
func save(ctx context.Context, dbtx db.DBTX, src []byte, file, by string) (int64, error) {
	var v int64
	err := dbtx.QueryRow(ctx, `INSERT INTO plant_models (source, sha256, file_name, applied_by) VALUES ($1, $2, $3, $4) RETURNING version`,
		string(src), digest(src), file, by).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("plant model: save: %w", err)
	}
	return v, nil
}

// InForce is what the running processes read the plant with: the applied
// model, or the fallback defaults when none was applied.
type InForce struct {
	// Applied is the applied model (nil: none, Defaults is the fallback).
	Applied *Applied
	// Defaults are the registry's and calendar's defaults in force.
	Defaults plant.Defaults
}

// Origin says what is in force, for `gemba plant show` and the console.
func (f InForce) Origin() string { return f.Defaults.Origin }

// Load reads what is in force: the applied model, else fallback (whose
// Origin it fills when empty).
func Load(ctx context.Context, dbtx db.DBTX, fallback plant.Defaults) (InForce, error) {
	a, err := Current(ctx, dbtx)
	if err != nil {
		return InForce{}, err
	}
	if a == nil {
		if fallback.Origin == "" {
			fallback.Origin = "built-in defaults (no plant.yaml applied)"
		}
		return InForce{Defaults: fallback}, nil
	}
	return InForce{Applied: a, Defaults: a.Model.Defaults(a.Origin())}, nil
}

// Watcher keeps the plant model in force up to date in a running process:
// it checks the applied version every Every and, when it moved, reads the
// model again and calls OnChange. Every replica runs its own (the calendar
// lives in each one's memory), so it is not leader-only work.
type Watcher struct {
	db       db.DBTX
	fallback plant.Defaults
	every    time.Duration
	log      *slog.Logger

	mu       sync.RWMutex
	cur      InForce
	version  int64
	onChange []func(context.Context, InForce)
}

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	// Every is how often the version is checked (default one minute).
	Every time.Duration
	// Logger gets reloads and failures; nil discards.
	Logger *slog.Logger
}

// NewWatcher loads what is in force now and returns a Watcher of it. When
// the applied model cannot be read (the database is down, or not migrated
// yet), the fallback is in force, says so in its Origin, and the watcher
// tries again on each check.
func NewWatcher(ctx context.Context, dbtx db.DBTX, fallback plant.Defaults, o WatcherOptions) *Watcher {
	if o.Every <= 0 {
		o.Every = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{db: dbtx, fallback: fallback, every: o.Every, log: o.Logger.With("component", "plant-model")}
	f, err := Load(ctx, dbtx, fallback)
	if err != nil {
		w.log.ErrorContext(ctx, "the applied plant model cannot be read; the built-in defaults are in force until it can", "err", err)
		f = InForce{Defaults: fallback}
		f.Defaults.Origin = "built-in defaults (the applied plant.yaml could not be read: " + err.Error() + ")"
		w.version = -1
	}
	w.cur = f
	if f.Applied != nil {
		w.version = f.Applied.Version
	}
	return w
}

// Current returns what is in force.
func (w *Watcher) Current() InForce {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.cur
}

// OnChange registers fn, called (in the watcher's goroutine) with what is
// in force after each reload.
func (w *Watcher) OnChange(fn func(context.Context, InForce)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onChange = append(w.onChange, fn)
}

// Run checks for a new version every Every until ctx is done.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "plant model not reloaded; keeping the one in force", "err", err)
			}
		}
	}
}

// Check reloads the model when its version moved; it reports whether it did.
func (w *Watcher) Check(ctx context.Context) (bool, error) {
	v, err := CurrentVersion(ctx, w.db)
	if err != nil {
		return false, err
	}
	w.mu.RLock()
	same := v == w.version
	w.mu.RUnlock()
	if same {
		return false, nil
	}
	f, err := Load(ctx, w.db, w.fallback)
	if err != nil {
		return false, err
	}
	w.mu.Lock()
	w.cur = f
	w.version = v
	if f.Applied != nil {
		w.version = f.Applied.Version
	}
	fns := append([]func(context.Context, InForce){}, w.onChange...)
	w.mu.Unlock()
	w.log.InfoContext(ctx, "plant model reloaded", "origin", f.Origin(), "time_zone", f.Defaults.TimeZone)
	for _, fn := range fns {
		fn(ctx, f)
	}
	return true, nil
}
