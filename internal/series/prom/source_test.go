package prom_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/series/prom"
	"github.com/gemba-ai/gemba/internal/series/prom/vmtest"
)

func mapping(t *testing.T, url, body string) *prom.Mapping {
	t.Helper()
	m, err := prom.Parse(strings.NewReader("prometheus:\n  url: " + url + "\n" + body))
	require.NoError(t, err)
	return m
}

// twin writes the same readings into Gemba's store (series "emb.<sensor>")
// and into VictoriaMetrics (plant_sensor{asset="vm",sensor=...}).
type twin struct {
	sensor   string
	interval time.Duration
	times    []time.Time
	values   []float64
}

func load(t *testing.T, ctx context.Context, st *series.Store, vm *vmtest.Server, ts []twin) {
	t.Helper()
	var imp []vmtest.Series
	for _, tw := range ts {
		s, err := st.Upsert(ctx, series.Series{Name: "emb." + tw.sensor, Asset: "emb", Sensor: tw.sensor, Unit: "u", Interval: tw.interval})
		require.NoError(t, err)
		rows := make([]series.Row, 0, len(tw.times))
		for i, at := range tw.times {
			if !math.IsNaN(tw.values[i]) {
				rows = append(rows, series.Row{SeriesID: s.ID, TS: at, Value: tw.values[i]})
			}
		}
		_, err = st.Append(ctx, rows)
		require.NoError(t, err)
		imp = append(imp, vmtest.Series{Labels: map[string]string{"__name__": "plant_sensor", "asset": "vm", "sensor": tw.sensor, "unit": "u"},
			Times: tw.times, Values: tw.values})
	}
	_, err := vm.Import(ctx, imp)
	require.NoError(t, err)
}

// TestSourceMatchesEmbedded loads the same readings (with dropouts) into
// Gemba's store and into a real VictoriaMetrics, and reads them back
// through the store's routing: raw windows, windows at coarser steps
// (from rollups on one side, avg_over_time on the other), latest points,
// extents and bounds agree, also when the window is split into many
// queries.
func TestSourceMatchesEmbedded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vm := vmtest.Start(t)
	now := time.Now().UTC().Truncate(time.Hour)
	var fast, slow twin
	fast = twin{sensor: "fast", interval: 10 * time.Second}
	for k := range 6 * 360 {
		fast.times = append(fast.times, now.Add(-6*time.Hour+time.Duration(k)*10*time.Second))
		v := 20 + 3*math.Sin(float64(k)/40) + float64(k%7)*0.01
		if k%97 == 13 || (k > 1000 && k < 1030) {
			v = math.NaN()
		}
		fast.values = append(fast.values, math.Round(v*100)/100)
	}
	slow = twin{sensor: "slow", interval: 10 * time.Minute}
	for k := range 9 * 144 {
		slow.times = append(slow.times, now.Add(-9*24*time.Hour+time.Duration(k)*10*time.Minute))
		v := float64(k % 144)
		if k%31 == 0 {
			v = math.NaN()
		}
		slow.values = append(slow.values, v)
	}
	pool := dbtest.Pool(t)
	st := series.New(pool)
	load(t, ctx, st, vm, []twin{fast, slow})

	for _, maxPts := range []int{0, 25} {
		body := "  discover:\n    - match: plant_sensor\n      name: '{{asset}}.{{sensor}}'\n      asset: '{{asset}}'\n      sensor: '{{sensor}}'\n      unit: '{{unit}}'\n      interval: 10s\n"
		if maxPts > 0 {
			body = fmt.Sprintf("  max_points_per_query: %d\n", maxPts) + body
		}
		src, err := prom.New(mapping(t, vm.URL, body), prom.WithClock(func() time.Time { return now }))
		require.NoError(t, err)
		res, err := prom.Sync(ctx, st, src, nil)
		require.NoError(t, err)
		require.Equal(t, 2, res.Series)
		// The slow series is sampled every 10 minutes: say so in the catalog.
		_, err = pool.Exec(ctx, `UPDATE series SET interval = '10 minutes' WHERE name = 'vm.slow'`)
		require.NoError(t, err)
		rt := series.New(pool, series.WithEngine(prom.EngineName, src))

		for _, c := range []struct {
			sensor   string
			from, to time.Time
			steps    []time.Duration
		}{
			{"fast", now.Add(-5*time.Hour - 7*time.Second), now.Add(-time.Hour + 3*time.Second), []time.Duration{time.Minute, 5 * time.Minute, time.Hour}},
			{"slow", now.Add(-8 * 24 * time.Hour), now.Add(-time.Hour), []time.Duration{time.Hour, 6 * time.Hour}},
		} {
			emb, err := rt.Lookup(ctx, "emb."+c.sensor)
			require.NoError(t, err)
			rem, err := rt.Lookup(ctx, "vm."+c.sensor)
			require.NoError(t, err)
			require.Equal(t, prom.EngineName, rem.Engine)
			require.Equal(t, `plant_sensor{asset="vm",sensor="`+c.sensor+`",unit="u"}`, rem.Query)

			we, err := rt.WindowOf(ctx, emb, c.from, c.to)
			require.NoError(t, err)
			wr, err := rt.WindowOf(ctx, rem, c.from, c.to)
			require.NoError(t, err)
			require.Equal(t, we.Data.Times, wr.Data.Times, c.sensor)
			require.Equal(t, fmt.Sprint(we.Data.Values), fmt.Sprint(wr.Data.Values), c.sensor)
			require.Equal(t, we.Missing, wr.Missing)
			require.Positive(t, we.Missing)
			for _, step := range c.steps {
				we, err := rt.WindowStep(ctx, emb, c.from, c.to, step)
				require.NoError(t, err)
				wr, err := rt.WindowStep(ctx, rem, c.from, c.to, step)
				require.NoError(t, err)
				require.Equal(t, we.Data.Times, wr.Data.Times, "%s at %s", c.sensor, step)
				for i, v := range we.Data.Values {
					if math.IsNaN(v) {
						require.True(t, math.IsNaN(wr.Data.Values[i]), "%s at %s slot %d", c.sensor, step, i)
						continue
					}
					require.InDelta(t, v, wr.Data.Values[i], 1e-9, "%s at %s slot %d", c.sensor, step, i)
				}
			}
			ee, err := rt.Extent(ctx, emb.ID)
			require.NoError(t, err)
			er, err := rt.Extent(ctx, rem.ID)
			require.NoError(t, err)
			require.Equal(t, ee, er, c.sensor)
			le, err := rt.Latest(ctx, []int64{emb.ID, rem.ID})
			require.NoError(t, err)
			require.Equal(t, le[emb.ID].TS, le[rem.ID].TS)
			require.Equal(t, le[emb.ID].Value, le[rem.ID].Value)
			b, err := rt.WindowBounds(ctx, []int64{emb.ID, rem.ID}, c.from, c.to)
			require.NoError(t, err)
			require.Equal(t, b[emb.ID], b[rem.ID])
			require.False(t, b[emb.ID].First.IsZero())
		}
		// An asset window mixes nothing: every sensor comes from its engine.
		mw, err := rt.AssetWindow(ctx, "vm", now.Add(-2*time.Hour), now)
		require.NoError(t, err)
		require.Equal(t, []string{"fast", "slow"}, mw.Data.Names)
	}
}

// TestSourceErrors covers what goes wrong with a plant's database: each
// failure is an error that says what happened, in the engine's words
// where it has some.
func TestSourceErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vm := vmtest.Start(t)
	now := time.Now().UTC().Truncate(time.Minute)
	var imp []vmtest.Series
	for _, line := range []string{"a", "b"} {
		s := vmtest.Series{Labels: map[string]string{"__name__": "line_output", "line": line}}
		for k := range 10 {
			s.Times = append(s.Times, now.Add(-time.Duration(k)*time.Minute))
			s.Values = append(s.Values, float64(k))
		}
		imp = append(imp, s)
	}
	_, err := vm.Import(ctx, imp)
	require.NoError(t, err)
	pool := dbtest.Pool(t)
	st := series.New(pool)

	read := func(m *prom.Mapping, name string) error {
		src, err := prom.New(m)
		require.NoError(t, err)
		_, err = prom.Sync(ctx, st, src, nil)
		if err != nil {
			return err
		}
		rt := series.New(pool, series.WithEngine(prom.EngineName, src))
		_, err = rt.Window(ctx, name, now.Add(-time.Hour), now.Add(time.Minute))
		return err
	}
	entry := func(name, query string) string {
		return "  series:\n    - name: " + name + "\n      query: '" + query + "'\n      interval: 1m\n"
	}

	err = read(mapping(t, vm.URL, entry("both.output", "line_output")), "both.output")
	var amb *prom.AmbiguousError
	require.ErrorAs(t, err, &amb)
	require.Contains(t, err.Error(), `matches 2 time series in the plant's database (line_output{line="a"}; line_output{line="b"}); add labels`)

	err = read(mapping(t, vm.URL, entry("bad.output", `line_output{line=~"("}`)), "bad.output")
	var qe *prom.QueryError
	require.ErrorAs(t, err, &qe)
	require.Equal(t, 422, qe.Status)
	require.Contains(t, err.Error(), "the plant's time-series database refused")
	require.Contains(t, qe.Msg, "missing closing )", "the engine's own words")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	err = read(mapping(t, closed, entry("gone.output", "line_output")), "gone.output")
	require.ErrorIs(t, err, prom.ErrUnavailable)
	require.Contains(t, err.Error(), "cannot reach the server")

	// A server that accepts and never answers.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer hang.Close() //nolint:errcheck // test listener
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close() //nolint:errcheck,revive // held open until the listener closes
		}
	}()
	started := time.Now()
	err = read(mapping(t, "http://"+hang.Addr().String(), "  timeout: 300ms\n"+entry("slow.output", "line_output")), "slow.output")
	require.ErrorIs(t, err, prom.ErrUnavailable)
	require.Contains(t, err.Error(), "no answer within 300ms")
	require.Less(t, time.Since(started), 5*time.Second)

	// A catalog naming an engine this process was not given.
	src, err := prom.New(mapping(t, vm.URL, entry("a.output", `line_output{line="a"}`)))
	require.NoError(t, err)
	_, err = prom.Sync(ctx, st, src, nil)
	require.NoError(t, err)
	_, err = st.Window(ctx, "a.output", now.Add(-time.Hour), now.Add(time.Minute))
	require.ErrorIs(t, err, series.ErrNoEngine)
	require.Contains(t, err.Error(), "GEMBA_SERIES_SOURCES")
	require.True(t, errors.Is(err, series.ErrNoEngine))
}
