package demo_test

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

var seedTime = time.Date(2026, 11, 27, 12, 47, 13, 0, time.UTC)

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func find(t *testing.T, data []demo.Data, name string) demo.Data {
	t.Helper()
	for _, d := range data {
		if d.Series.Name == name {
			return d
		}
	}
	t.Fatalf("no series %s", name)
	return demo.Data{}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a := demo.Generate(seedTime, demo.DefaultSeed)
	b := demo.Generate(seedTime.Add(2*time.Minute), demo.DefaultSeed) // same 10-minute step
	c := demo.Generate(seedTime, demo.DefaultSeed+1)
	require.Len(t, a, 12*4+3*2)
	assets := map[string]bool{}
	for i := range a {
		require.Equal(t, a[i].Series, b[i].Series)
		require.True(t, sameBits(a[i].Values, b[i].Values), a[i].Series.Name)
		if a[i].Series.Kind != series.KindPlan { // the plan is set by people, not drawn
			require.False(t, sameBits(a[i].Values, c[i].Values), "another seed must give other values: %s", a[i].Series.Name)
		}
		if a[i].Series.Asset != "" {
			assets[a[i].Series.Asset] = true
		}
	}
	require.Len(t, assets, 12)

	v := find(t, a, "press-3.vibration")
	end := time.Date(2026, 11, 27, 12, 40, 0, 0, time.UTC)
	require.Equal(t, end.Add(-demo.Span), v.Start)
	require.Equal(t, end, v.Start.Add(time.Duration(len(v.Values)-1)*demo.Step), "the window ends at the seed time")
	require.Less(t, v.Len(), len(v.Values), "sensor dropouts leave gaps")

	// Re-seeding later moves the window.
	later := demo.Generate(seedTime.Add(24*time.Hour), demo.DefaultSeed)
	require.Equal(t, v.Start.Add(24*time.Hour), find(t, later, "press-3.vibration").Start)

	plan := find(t, a, "line-1.plan")
	out := find(t, a, "line-1.output")
	require.Equal(t, time.Hour, plan.Series.Interval)
	require.Equal(t, len(out.Values)+int(demo.PlanAhead/time.Hour), len(plan.Values), "plan runs ahead of output")
	require.Equal(t, "parts/h", out.Series.Unit)
	require.Equal(t, series.KindProduction, out.Series.Kind)
}

// TestLivePrecursor checks the in-progress precursor: press-3 vibration over
// the last hours is well above its level a week earlier.
func TestLivePrecursor(t *testing.T) {
	t.Parallel()
	v := find(t, demo.Generate(seedTime, demo.DefaultSeed), "press-3.vibration").Values
	n := len(v)
	mean := func(a []float64) float64 {
		s, k := 0.0, 0
		for _, x := range a {
			if !math.IsNaN(x) {
				s += x
				k++
			}
		}
		return s / float64(k)
	}
	now := mean(v[n-18:])
	weekAgo := mean(v[n-18-7*144 : n-7*144])
	t.Logf("press-3 vibration: last 3h %.2f mm/s, same hours a week ago %.2f", now, weekAgo)
	require.Greater(t, now, 1.8*weekAgo)
}

// TestPrecursorsDetectable runs predict.Detect on each failing asset's
// leading sensor over the two weeks before the failure: an event must
// overlap the precursor. Online mode, as the live detector would have run.
func TestPrecursorsDetectable(t *testing.T) {
	t.Parallel()
	data := demo.Generate(seedTime, demo.DefaultSeed)
	for _, f := range demo.Schedule(seedTime) {
		d := find(t, data, f.Asset+"."+f.Sensors[0])
		from := f.At.Add(-14 * 24 * time.Hour)
		i0 := int(from.Sub(d.Start) / demo.Step)
		i1 := int(f.At.Sub(d.Start)/demo.Step) + 1
		i1 = min(i1, len(d.Values))
		s := predict.Series{Values: d.Values[i0:i1]}
		for k := range s.Values {
			s.Times = append(s.Times, d.Start.Add(time.Duration(i0+k)*demo.Step))
		}
		det, err := predict.Detect(s, predict.DetectOptions{Online: true})
		require.NoError(t, err)
		hit := false
		for _, e := range det.Events {
			if !e.End.Before(f.PrecursorStart) && !e.Start.After(f.At) {
				hit = true
				t.Logf("%s %s: event %s–%s kind %s score %.2f (precursor from %s, failure %s)", f.ID, d.Series.Name,
					e.Start.Format("01-02 15:04"), e.End.Format("01-02 15:04"), e.Kind, e.Score,
					f.PrecursorStart.Format("01-02 15:04"), f.At.Format("01-02 15:04"))
				break
			}
		}
		require.True(t, hit, "%s: no event on %s during the precursor (%d events in window)", f.ID, d.Series.Name, len(det.Events))
	}
}

func TestFailuresJSONUpToDate(t *testing.T) {
	t.Parallel()
	want, err := demo.FailuresJSON()
	require.NoError(t, err)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile("failures.json", want, 0o644))
	}
	got, err := os.ReadFile("failures.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got), "run UPDATE_GOLDEN=1 go test ./demo/ to refresh demo/failures.json")
	require.Contains(t, string(got), `"before_seed_hours": 1250`)
}

func TestSeedIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	res, err := demo.Seed(ctx, tx, demo.Options{Now: seedTime})
	require.NoError(t, err)
	t.Logf("seeded %d series, %d points in %s", res.Series, res.Points, res.Elapsed)
	require.Equal(t, 54, res.Series)
	require.Greater(t, res.Points, int64(600_000))

	digest := func() (string, int64) {
		var h string
		var n int64
		require.NoError(t, tx.QueryRow(ctx, `
SELECT md5(string_agg(s.name || p.ts::text || p.value::text, ',' ORDER BY s.name, p.ts)), count(*)
FROM points p JOIN series s ON s.id = p.series_id WHERE s.source = 'demo'`).Scan(&h, &n))
		return h, n
	}
	h1, n1 := digest()
	require.Equal(t, res.Points, n1)

	res2, err := demo.Seed(ctx, tx, demo.Options{Now: seedTime})
	require.NoError(t, err)
	require.Equal(t, res.Points, res2.Deleted, "re-seeding deletes the old demo points first")
	h2, n2 := digest()
	require.Equal(t, n1, n2)
	require.Equal(t, h1, h2, "same seed and time give the same points")

	st := series.New(tx)
	w, err := st.Window(ctx, "press-3.vibration", res.End.Add(-36*time.Hour), res.End.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, res.End, w.Data.Times[len(w.Data.Times)-1])
	require.Equal(t, "mm/s", w.Series.Unit)
	require.Equal(t, "line-1", w.Series.Line)
}
