package tools_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// TestLatestReadings asks for press-3's latest readings on the demo plant,
// where its vibration has been rising for 36 hours: vibration stands above
// its usual range, each reading comes with its age, and bad arguments come
// back in words.
func TestLatestReadings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(ctx, tx, demo.Options{Now: plantNow})
	require.NoError(t, err)
	reg := tools.NewRegistry(tools.LatestReadingsTool(series.New(tx), func() time.Time { return plantNow }))

	res, data := call(t, ctx, reg, tools.LatestReadings, `{"asset":"Press 3"}`)
	require.Empty(t, res.UserError)
	require.Equal(t, "press-3", data["asset"], "the asset is resolved loosely")
	var vib map[string]any
	for _, r := range data["readings"].([]any) {
		m := r.(map[string]any)
		require.Less(t, m["age_minutes"].(float64), 30.0, "readings are fresh: the demo samples every 10 minutes")
		require.LessOrEqual(t, m["usual_p10"].(float64), m["usual_p90"].(float64))
		if m["sensor"] == "vibration" {
			vib = m
		}
	}
	require.NotNil(t, vib, "press-3 has a vibration sensor")
	require.Equal(t, "above usual", vib["position"], "the developing bearing failure: %v", vib)
	require.Contains(t, res.Summary, "vibration")

	for args, says := range map[string]string{
		`{"asset":"robot-7"}`:            "no asset",
		`{"asset":""}`:                   "asset is empty",
		`{"asset":"press-3","days":400}`: "days must be",
	} {
		res, _ := call(t, ctx, reg, tools.LatestReadings, args)
		require.Contains(t, res.UserError, says, args)
	}
	res, _ = call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","colour":"red"}`)
	require.True(t, res.InvalidArgs)
}

// TestLatestReadingsTrend asks for one sensor's trend over a window: press-3
// vibration over the last 3 days rises (its bearing), its lowest and
// highest lie in the window with their times, and a long window is read
// as hourly means; a sensor the asset lacks and a bad window come back in
// words.
func TestLatestReadingsTrend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(ctx, tx, demo.Options{Now: plantNow})
	require.NoError(t, err)
	reg := tools.NewRegistry(tools.LatestReadingsTool(series.New(tx), func() time.Time { return plantNow }))

	res, data := call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","sensor":"vibration","since":"3d"}`)
	require.Empty(t, res.UserError)
	rs := data["readings"].([]any)
	require.Len(t, rs, 1, "one sensor asked")
	tr := rs[0].(map[string]any)["trend"].(map[string]any)
	require.Greater(t, tr["last"].(float64), tr["first"].(float64), "press-3's vibration rose: %v", tr)
	require.Greater(t, tr["change"].(float64), 0.0)
	require.LessOrEqual(t, tr["min"].(float64), tr["mean"].(float64))
	require.GreaterOrEqual(t, tr["max"].(float64), tr["mean"].(float64))
	maxAt, err := time.Parse(time.RFC3339, tr["max_at"].(string))
	require.NoError(t, err)
	require.True(t, !maxAt.Before(plantNow.Add(-72*time.Hour)) && maxAt.Before(plantNow.Add(time.Minute)), "the highest lies in the window: %s", maxAt)
	require.Equal(t, "10m0s", tr["step"], "3 days are read at the series' own step")
	require.Contains(t, res.Summary, "lowest")

	_, data = call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","sensor":"vibration","since":"30d"}`)
	tr = data["readings"].([]any)[0].(map[string]any)["trend"].(map[string]any)
	require.Equal(t, "1h0m0s", tr["step"], "a month is read as hourly means")
	require.Greater(t, tr["points"].(float64), 24.0*20)

	// Hour by hour: 12 hourly buckets of the 10-minute data, each its
	// hour's mean between its lowest and highest, in time order.
	_, data = call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","sensor":"vibration","since":"12h","every":"1h"}`)
	tr = data["readings"].([]any)[0].(map[string]any)["trend"].(map[string]any)
	bs := tr["buckets"].([]any)
	require.GreaterOrEqual(t, len(bs), 12)
	require.LessOrEqual(t, len(bs), 13)
	var prev time.Time
	for _, x := range bs {
		b := x.(map[string]any)
		at, err := time.Parse(time.RFC3339, b["at"].(string))
		require.NoError(t, err)
		require.Zero(t, at.Minute(), "buckets start on the hour")
		require.True(t, at.After(prev))
		prev = at
		require.LessOrEqual(t, b["min"].(float64), b["mean"].(float64))
		require.GreaterOrEqual(t, b["max"].(float64), b["mean"].(float64))
		require.LessOrEqual(t, b["points"].(float64), 6.0)
	}

	for args, says := range map[string]string{
		`{"asset":"press-3","sensor":"vibration","every":"1h"}`:              "every needs since",
		`{"asset":"press-3","sensor":"vibration","since":"7d","every":"1h"}`: "at most 72",
		`{"asset":"press-3","sensor":"vibration","since":"7d","every":"x"}`:  "give a length",
		`{"asset":"press-3","sensor":"pressure"}`:                            "no pressure sensor",
		`{"asset":"press-3","since":"yesterday-ish"}`:                        "cannot read the time",
		`{"asset":"press-3","since":"2026-03-02","until":"2026-03-01"}`:      "trend window is empty",
	} {
		res, _ := call(t, ctx, reg, tools.LatestReadings, args)
		require.Contains(t, res.UserError, says, args)
	}
}

// TestLatestReadingsBeyond asks how long press-3's vibration has been above
// 4.5 mm/s (its bearing documents' alert limit) over the last 7 days: the
// count of readings beyond agrees with one computed here from the stored
// window, the hours are those readings' 10-minute spans, and the window
// ends inside the stretch (the vibration is still above it). Below a level
// nothing reaches counts nothing; bad combinations come back in words.
func TestLatestReadingsBeyond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, reg := seededReadings(t)

	res, data := call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","sensor":"vibration","since":"7d","above":4.5}`)
	require.Empty(t, res.UserError)
	tr := data["readings"].([]any)[0].(map[string]any)["trend"].(map[string]any)
	b := tr["beyond"].(map[string]any)

	s, err := st.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)
	w, err := st.WindowOf(ctx, s, plantNow.Add(-7*24*time.Hour), plantNow)
	require.NoError(t, err)
	above, total := 0, 0
	for _, v := range w.Data.Values {
		if v == v { // not NaN
			total++
			if v > 4.5 {
				above++
			}
		}
	}
	require.Positive(t, above, "the demo's bearing has pushed the vibration past 4.5 mm/s")
	require.Equal(t, float64(above), b["readings"].(float64))
	require.InDelta(t, float64(above)/6, b["hours"].(float64), 0.2, "10-minute readings: %v", b)
	require.InDelta(t, 100*float64(above)/float64(total), b["share_pct"].(float64), 0.2)
	require.Equal(t, "above", b["side"])
	require.NotEmpty(t, b["since"], "the window ends above the level: %v", b)
	require.LessOrEqual(t, b["since_hours"].(float64), b["hours"].(float64))
	require.GreaterOrEqual(t, b["longest_hours"].(float64), b["since_hours"].(float64))
	require.Contains(t, res.Summary, "above 4.5 for")

	_, data = call(t, ctx, reg, tools.LatestReadings, `{"asset":"press-3","sensor":"vibration","since":"7d","below":0}`)
	b = data["readings"].([]any)[0].(map[string]any)["trend"].(map[string]any)["beyond"].(map[string]any)
	require.Zero(t, b["readings"].(float64))
	require.Zero(t, b["hours"].(float64))
	require.Nil(t, b["since"])

	for args, says := range map[string]string{
		`{"asset":"press-3","sensor":"vibration","above":4.5}`:                        "need since",
		`{"asset":"press-3","since":"7d","above":4.5}`:                                "one sensor",
		`{"asset":"press-3","sensor":"vibration","since":"7d","above":4.5,"below":1}`: "not both",
		`{"asset":"press-3","sensor":"vibration","since":"60d","above":4.5}`:          "at most 31 days",
	} {
		res, _ := call(t, ctx, reg, tools.LatestReadings, args)
		require.Contains(t, res.UserError, says, args)
	}
}

// TestLatestReadingsGaps: the gaps of every sensor of an asset over a
// week, checked against the stored blocks read with SQL (a NULL is a
// dropped reading): every run of two or more missing readings is a gap,
// its readings counted, the longest first; a single dropped reading is not.
func TestLatestReadingsGaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, _, reg := seededReadings(t)
	from := plantNow.Add(-7 * 24 * time.Hour)
	for _, asset := range []string{"pump-1", "cnc-3", "press-3"} {
		res, data := call(t, ctx, reg, tools.LatestReadings, `{"asset":"`+asset+`","since":"7d","gaps":true}`)
		require.Empty(t, res.UserError)
		for _, x := range data["readings"].([]any) {
			rd := x.(map[string]any)
			g := rd["trend"].(map[string]any)["gaps"].(map[string]any)
			// The runs of NULLs from SQL, on the 10-minute grid.
			rows, err := tx.Query(ctx, `
				with pts as (
					select r.tfirst + ((i-1)*r.step_us) * interval '1 microsecond' as t, v
					from series_raw r join series s on s.id = r.series_id, unnest(r.vals) with ordinality u(v, i)
					where s.name = $1)
				select t, v is null from pts where t >= $2 and t < $3 order by t`, rd["series"], from, plantNow)
			require.NoError(t, err)
			runs, run, missing := []int{}, 0, 0
			for rows.Next() {
				var at time.Time
				var null bool
				require.NoError(t, rows.Scan(&at, &null))
				if null {
					run++
					continue
				}
				if run >= 2 {
					runs, missing = append(runs, run), missing+run
				}
				run = 0
			}
			require.NoError(t, rows.Err())
			if run >= 2 {
				runs, missing = append(runs, run), missing+run
			}
			require.Equal(t, float64(len(runs)), g["count"].(float64), "%s gaps", rd["series"])
			require.Equal(t, float64(missing), g["missing"].(float64), "%s missing readings", rd["series"])
			if len(runs) > 0 {
				require.Equal(t, float64(slices.Max(runs)), g["longest"].(map[string]any)["missing"].(float64), rd["series"])
			}
		}
	}
	res, _ := call(t, ctx, reg, tools.LatestReadings, `{"asset":"pump-1","gaps":true}`)
	require.Contains(t, res.UserError, "need since")
	res, _ = call(t, ctx, reg, tools.LatestReadings, `{"asset":"pump-1","since":"60d","gaps":true}`)
	require.Contains(t, res.UserError, "at most 31 days")
}

// seededReadings is a transaction with the demo plant seeded at plantNow,
// its series store and latest_readings on it.
func seededReadings(t *testing.T) (pgx.Tx, *series.Store, *tools.Registry) {
	t.Helper()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(context.Background(), tx, demo.Options{Now: plantNow})
	require.NoError(t, err)
	st := series.New(tx)
	return tx, st, tools.NewRegistry(tools.LatestReadingsTool(st, func() time.Time { return plantNow }))
}
