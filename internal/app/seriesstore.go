package app

import (
	"context"
	"fmt"
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
	log := app.Logger()
	if src != nil {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		if _, err := prom.Sync(sctx, st, src, log); err != nil {
			log.WarnContext(ctx, "series: the plant's time-series database could not be synced; series already synced stay readable", "err", err)
		}
		cancel()
	}
	if _, err := st.Maintain(ctx); err != nil {
		log.WarnContext(ctx, "series: partition maintenance failed", "err", err)
	}
}
