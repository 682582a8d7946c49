package app

import (
	"context"
	"fmt"

	"github.com/gemba-ai/gemba/internal/db"
)

// withScratchURL creates a migrated scratch database beside the configured
// one, runs fn with its URL and drops it (unless keep), so measurements
// never touch real data.
func withScratchURL(ctx context.Context, app *App, keep bool, fn func(url string) error) (err error) {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	u, drop, err := db.Scratch(ctx, cfg.DatabaseURL, app.Logger())
	if err != nil {
		return err
	}
	defer func() {
		if keep {
			fmt.Fprintf(app.Err, "kept scratch database %s\n", u)
			return
		}
		if derr := drop(context.WithoutCancel(ctx)); derr != nil && err == nil {
			err = derr
		}
	}()
	return fn(u)
}
