package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/series/prom"
)

// seriesStore builds the series store from the configuration: the
// retention of raw points and minute rollups and, when GEMBA_SERIES_SOURCES
// names a mapping, the plant's Prometheus-compatible database as the
// engine of the series it maps (src is nil without one).
func seriesStore(app *App, dbtx db.DBTX) (*series.Store, *prom.Source, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, nil, err
	}
	opts := []series.Option{
		series.WithRetention(cfg.Series.RawRetention, cfg.Series.MinuteRetention),
		series.WithLogger(app.Logger()),
	}
	var src *prom.Source
	if cfg.Series.Sources != "" {
		m, err := prom.LoadFile(cfg.Series.Sources)
		if err != nil {
			return nil, nil, fmt.Errorf("GEMBA_SERIES_SOURCES: %w", err)
		}
		if src, err = prom.New(m); err != nil {
			return nil, nil, fmt.Errorf("GEMBA_SERIES_SOURCES: %w", err)
		}
		opts = append(opts, series.WithEngine(prom.EngineName, src))
	}
	return series.New(dbtx, opts...), src, nil
}

// prepareSeries runs at start: it syncs the catalog of the plant's
// database (if one is mapped) and maintains the store's partitions and
// retention. Failures are logged, not fatal: a plant database that is down
// must not keep Gemba from answering about everything else, and its reads
// then fail with a clear error.
func prepareSeries(ctx context.Context, app *App, st *series.Store, src *prom.Source) {
	if err := maintainSeries(ctx, app.Logger(), st, src); err != nil {
		app.Logger().WarnContext(ctx, "series: maintenance failed", "err", err)
	}
}

// maintainSeries syncs the plant database's catalog (a failure there is
// logged: series already synced stay readable) and maintains the store's
// partitions and retention (its error is returned).
func maintainSeries(ctx context.Context, log *slog.Logger, st *series.Store, src *prom.Source) error {
	if src != nil {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		if _, err := prom.Sync(sctx, st, src, log); err != nil {
			log.WarnContext(ctx, "series: the plant's time-series database could not be synced; series already synced stay readable", "err", err)
		}
		cancel()
	}
	rep, err := st.Maintain(ctx)
	if err != nil {
		return fmt.Errorf("series: partition maintenance: %w", err)
	}
	if len(rep.Created)+len(rep.Dropped) > 0 || rep.Deleted > 0 {
		log.InfoContext(ctx, "series maintained", "partitions_created", len(rep.Created), "rows_moved", rep.Moved,
			"partitions_dropped", len(rep.Dropped), "rows_deleted", rep.Deleted)
	}
	return nil
}
