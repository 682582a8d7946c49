package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// TestReportedStartNearPrecursor checks the "since when" of every answer
// about a developing failure against the truth the demo generator knows:
// when each recorded failure's precursor began (and the live one's). The
// demo is seeded at several instants, so the noise differs each time; for
// each seeding and failure, detect_anomalies over the 24 hours before the
// failure (before now for the live one) must report an event led by one of
// the failure's sensors whose start is no more than 3 hours before the
// precursor began (a drift cannot be seen before it exists) and no later
// than a third of the precursor's length after it (a slow ramp is only
// measurable once it has grown out of the noise).
//
// The seedings are two sets fixed before the estimator was changed: "dev"
// (looked at while changing it) and "frozen" (run after each change).
func TestReportedStartNearPrecursor(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 27, 12, 47, 13, 0, time.UTC)
	sets := map[string][]time.Time{}
	for k := range 8 {
		sets["dev"] = append(sets["dev"], base.Add(time.Duration(k)*173*time.Minute))
		sets["frozen"] = append(sets["frozen"], base.Add(5000*time.Minute+time.Duration(k)*211*time.Minute))
	}
	for _, name := range []string{"dev", "frozen"} {
		t.Run(name, func(t *testing.T) {
			var total, good, live int
			var misses []string
			for _, now := range sets[name] {
				g, n, l, m := startErrors(t, now)
				good, total, live = good+g, total+n, live+l
				misses = append(misses, m...)
			}
			t.Logf("%s: %d of %d reported starts within [-3 h, +precursor/3] of the true precursor start", name, good, total)
			for _, m := range misses {
				t.Log(m)
			}
			require.GreaterOrEqual(t, total, 8*len(demo.Schedule(base))-2, "nearly every failure of every seeding has an event")
			// Floors. Before the leading sensor's own start
			// (predict.leadStart): dev 39 of 55 (live 4 of 8), frozen 32
			// of 56 (5). With it: dev 52 of 55, frozen 52 of 56, live 8
			// of 8 in both. The frozen set was run for each of the three
			// variants tried (two were dropped), so it is not untouched.
			require.GreaterOrEqual(t, float64(good), 0.85*float64(total), "reported starts within the bound")
			require.Equal(t, 8, live, "the live failure's start, what an operator is told now, is right at every seeding")
		})
	}
}

// startErrors seeds the demo at now and checks each failure's reported start.
// live counts the in-progress failure when its start was within the bound.
func startErrors(t *testing.T, now time.Time) (good, total, live int, misses []string) {
	t.Helper()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	// Seedings conflict on the same rows: each is rolled back before the next.
	defer func() { _ = tx.Rollback(ctx) }()
	_, err := demo.Seed(ctx, tx, demo.Options{Now: now})
	require.NoError(t, err)
	store := series.New(tx)
	clock := now.Add(10 * time.Minute)
	reg := tools.NewRegistry(tools.Predictive(store, modelreg.New(tx, modelreg.WithSeries(store)), func() time.Time { return clock })...)
	tool, _ := reg.Get("detect_anomalies")
	for _, f := range demo.Schedule(now) {
		until := f.At
		if f.InProgress {
			until = clock
		}
		args := fmt.Sprintf(`{"asset": %q, "since": %q, "until": %q}`, f.Asset, until.Add(-24*time.Hour).Format(time.RFC3339), until.Format(time.RFC3339))
		res, err := tool.Call(ctx, []byte(args))
		require.NoError(t, err)
		data, _ := res.Data.(map[string]any)
		best := math.Inf(1)
		var bestStart time.Time
		for _, e := range eventsIn(data) {
			if e.Asset != f.Asset || !slices.Contains(f.Sensors, e.Sensor) || e.Kind == "spike" {
				continue
			}
			off := e.Start.Sub(f.PrecursorStart).Hours()
			if math.Abs(off) < math.Abs(best) {
				best, bestStart = off, e.Start
			}
		}
		if math.IsInf(best, 1) {
			misses = append(misses, fmt.Sprintf("%s seeded %s: no event on %v", f.ID, now.Format(time.RFC3339), f.Sensors))
			continue
		}
		total++
		if best >= -3 && best <= f.Precursor.Hours()/3 {
			good++
			if f.InProgress {
				live++
			}
			continue
		}
		misses = append(misses, fmt.Sprintf("%s seeded %s: reported start %s, precursor began %s (%+.1f h; precursor %.0f h)",
			f.ID, now.Format(time.RFC3339), bestStart.Format(time.RFC3339), f.PrecursorStart.Format(time.RFC3339), best, f.Precursor.Hours()))
	}
	return good, total, live, misses
}

type eventRec struct {
	Asset, Sensor, Kind string
	Start               time.Time
}

// eventsIn reads the events of a detect_anomalies result.
func eventsIn(data map[string]any) []eventRec {
	var out []eventRec
	b, _ := jsonRoundTrip(data)
	evs, _ := b["events"].([]any)
	for _, e := range evs {
		m, _ := e.(map[string]any)
		st, err := time.Parse("2006-01-02T15:04Z", fmt.Sprint(m["start"]))
		if err != nil {
			continue
		}
		out = append(out, eventRec{Asset: fmt.Sprint(m["asset"]), Sensor: fmt.Sprint(m["sensor"]), Kind: fmt.Sprint(m["kind"]), Start: st})
	}
	return out
}

// jsonRoundTrip is data as the model sees it: marshalled and decoded.
func jsonRoundTrip(data map[string]any) (map[string]any, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}
