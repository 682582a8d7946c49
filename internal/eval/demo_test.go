package eval

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
	"github.com/gemba-ai/gemba/internal/risk"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// demoPlant is one database holding the seeded demo plant and corpus,
// shared by the tests and benchmarks of this package (seeding takes seconds).
type demoPlant struct {
	pool *pgxpool.Pool
	docs *rag.Store
	now  time.Time
	// defaults are the plant model in force (the demo's plant.yaml).
	defaults plant.Defaults
}

var (
	demoOnce sync.Once
	demoDB   *demoPlant
	demoErr  error
)

func openDemo(t testing.TB) *demoPlant {
	t.Helper()
	demoOnce.Do(func() {
		ctx := context.Background()
		// The database outlives the first test that asks for it; TestMain
		// drops it when the package's tests are done.
		url := dbtest.NewDatabase(keepTB{TB: t})
		pool, err := db.Open(ctx, url, db.Options{MaxConns: 8})
		if err != nil {
			demoErr = err
			return
		}
		atExit = append([]func(){pool.Close}, atExit...)
		now := evalNow(time.Now())
		if _, err := demo.Seed(ctx, pool, demo.Options{Now: now}); err != nil {
			demoErr = err
			return
		}
		// The demo plant's model (aliases, limits, shifts), as `gemba demo
		// seed` applies it: the plant a user of the demo asks about.
		if _, err := model.Apply(ctx, model.Env{DB: pool, Channels: conversation.PlantChannelsOn}, demo.PlantFile,
			model.ApplyOptions{FileName: "demo/plant.yaml", By: "eval"}); err != nil {
			demoErr = err
			return
		}
		inForce, err := model.Load(ctx, pool, plant.DemoDefaults())
		if err != nil {
			demoErr = err
			return
		}
		emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
		if err != nil {
			demoErr = err
			return
		}
		docs := rag.New(pool, emb, rag.Options{Logger: slog.New(slog.DiscardHandler)})
		rep, err := docs.Ingest(ctx, []string{"../demo/docs/incidents", "../demo/docs/runbooks", "../demo/docs/usecases"}, rag.IngestOptions{})
		if err != nil {
			demoErr = err
			return
		}
		if len(rep.Failed) > 0 {
			demoErr = rep.Failed[0]
			return
		}
		demoDB = &demoPlant{pool: pool, docs: docs, now: now, defaults: inForce.Defaults}
	})
	require.NoError(t, demoErr)
	return demoDB
}

// evalNow is the moment the demo plant is seeded and every question is
// asked: the latest Wednesday 10:20 in the plant's time zone, so that time
// words ("this morning", "last shift", "since Monday") mean the same window
// on every run while the data stays as fresh as the run.
func evalNow(now time.Time) time.Time {
	seoul := plantLocation()
	t := now.In(seoul)
	d := time.Date(t.Year(), t.Month(), t.Day(), 10, 20, 0, 0, seoul)
	for d.Weekday() != time.Wednesday || d.After(now) {
		d = d.AddDate(0, 0, -1)
	}
	return d.UTC()
}

// clock is the eval's clock on the shared demo plant.
func (d *demoPlant) clock() Clock {
	c, err := PlantClock(d.now, plant.DemoDefaults())
	if err != nil {
		panic(err)
	}
	return c
}

func plantLocation() *time.Location {
	loc, err := time.LoadLocation(plant.DemoDefaults().TimeZone)
	if err != nil {
		panic(err)
	}
	return loc
}

// atExit are the shared fixture's cleanups, run by TestMain.
var atExit []func()

// keepTB keeps the shared demo database alive past the first test's
// cleanup: its cleanups run at the end of the package instead.
type keepTB struct{ testing.TB }

func (keepTB) Cleanup(f func()) { atExit = append(atExit, f) }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	os.Exit(code)
}

// registry is the tool set the composition root builds: plant tools on the
// series store and the incident store's tools.
func (d *demoPlant) registry() *tools.Registry {
	now := func() time.Time { return d.now }
	st := series.New(d.pool)
	maint := maintenance.New(d.pool)
	ts := append(tools.PredictiveWith(st, modelreg.New(d.pool), tools.PredictiveOptions{Now: now, Alarms: maint}), tools.Incidents(d.docs)...)
	ts = append(ts, tools.LatestReadingsTool(st, now)) // as the app wires it
	ts = append(ts, tools.MaintenanceHistoryTool(maint, now), tools.FailureRiskTool(risk.NewService(d.pool), now))
	return tools.NewRegistry(ts...)
}
