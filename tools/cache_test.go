package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
)

var cacheNow = time.Date(2026, 11, 27, 12, 47, 13, 0, time.UTC)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func callJSON(t *testing.T, ctx context.Context, p *predictive, tool, args string) string {
	t.Helper()
	reg := NewRegistry(p.tools()...)
	tl, ok := reg.Get(tool)
	require.True(t, ok)
	res, err := tl.Call(ctx, json.RawMessage(args))
	require.NoError(t, err, "%s %s", tool, args)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	return string(b)
}

// TestCacheChangesNoResult runs the predictive tools with and without the
// cache on the demo plant while the clock moves: within one sampling
// interval the cached results (hits) are byte for byte what a fresh
// computation gives at that instant, window stamps and charts included,
// and once the window slides past a reading they are computed again.
func TestCacheChangesNoResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(ctx, tx, demo.Options{Now: cacheNow})
	require.NoError(t, err)
	store := series.New(tx)
	mreg := modelreg.New(tx)
	clk := &clock{t: cacheNow}
	cached := newPredictive(store, mreg, PredictiveOptions{Now: clk.now})
	fresh := newPredictive(store, mreg, PredictiveOptions{Now: clk.now, CacheSize: -1})
	require.Nil(t, fresh.cache)

	calls := []struct{ tool, args string }{
		{"detect_anomalies", `{"asset": "press-3"}`},
		{"detect_anomalies", `{"asset": "press-3", "hours": 36}`},
		{"detect_anomalies", `{"series": "press-3.vibration"}`},
		{"detect_anomalies", `{"line": "line-1"}`},
		{"detect_anomalies", `{"asset": "press-3", "since": "3d", "until": "2d"}`},
		{"detect_anomalies", `{"asset": "press-3", "since": "2020-01-01", "until": "2020-01-02"}`},
		{"compare_to_plan", `{"line": "line-1"}`},
		{"forecast_series", `{"series": "line-1.output", "horizon": 24}`},
		{"forecast_series", `{"series": "pump-1.pressure", "horizon_hours": 12}`},
		{"forecast_series", `{"series": "line-1.output", "horizon": 100000}`},
	}
	// 12:47:13 and 12:49:59 read the same points (the next reading is at
	// 12:50); 12:51 slides the 31-day window past one; 13:05 is later still.
	steps := []time.Time{cacheNow, cacheNow.Add(2*time.Minute + 46*time.Second), cacheNow.Add(4 * time.Minute), cacheNow.Add(18 * time.Minute)}
	var hitsAt []int64
	for _, at := range steps {
		clk.set(at)
		for _, c := range calls {
			want := callJSON(t, ctx, fresh, c.tool, c.args)
			got := callJSON(t, ctx, cached, c.tool, c.args)
			require.Equal(t, want, got, "%s %s at %s", c.tool, c.args, at)
			// A second call is a hit and still the same.
			require.Equal(t, want, callJSON(t, ctx, cached, c.tool, c.args))
		}
		h, _, _ := cached.cache.stats()
		hitsAt = append(hitsAt, h)
	}
	hits, misses, size := cached.cache.stats()
	t.Logf("cache: %d hits, %d misses, %d entries; hits after each step %v", hits, misses, size, hitsAt)
	// Step 2 reuses step 1's detections and forecasts: more hits than the
	// repeated calls alone give.
	require.Greater(t, hitsAt[1]-hitsAt[0], hitsAt[0])
	require.LessOrEqual(t, size, DefaultCacheSize)
}

// TestCacheNewPointAndTTL checks that a new reading invalidates a cached
// detection at once, and that a rewrite inside the window (which the key
// cannot see) is picked up when the TTL expires.
func TestCacheNewPointAndTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	_, err := demo.Seed(ctx, tx, demo.Options{Now: cacheNow})
	require.NoError(t, err)
	store := series.New(tx)
	ttlClock := &clock{t: time.Unix(1_000_000, 0)}
	p := newPredictive(store, nil, PredictiveOptions{Now: func() time.Time { return cacheNow }, CacheTTL: 5 * time.Minute, CacheClock: ttlClock.now})
	fresh := newPredictive(store, nil, PredictiveOptions{Now: func() time.Time { return cacheNow }, CacheSize: -1})
	const args = `{"series": "press-3.vibration", "hours": 6}`
	vib, err := store.Lookup(ctx, "press-3.vibration")
	require.NoError(t, err)

	first := callJSON(t, ctx, p, "detect_anomalies", args)
	require.Equal(t, first, callJSON(t, ctx, p, "detect_anomalies", args))
	hits, misses, _ := p.cache.stats()
	require.Equal(t, [2]int64{1, 1}, [2]int64{hits, misses})

	// A new reading after the last one (12:40) changes the key.
	_, err = store.Append(ctx, []series.Row{{SeriesID: vib.ID, TS: time.Date(2026, 11, 27, 12, 45, 0, 0, time.UTC), Value: 99}})
	require.NoError(t, err)
	second := callJSON(t, ctx, p, "detect_anomalies", args)
	require.NotEqual(t, first, second)
	require.Equal(t, callJSON(t, ctx, fresh, "detect_anomalies", args), second)
	hits, misses, _ = p.cache.stats()
	require.Equal(t, [2]int64{1, 2}, [2]int64{hits, misses})

	// A rewrite inside the window keeps the edges: reused until the TTL.
	inside, err := store.WindowOf(ctx, vib, cacheNow.Add(-3*time.Hour+time.Nanosecond), cacheNow.Add(-time.Hour))
	require.NoError(t, err)
	var rewrite []series.Row
	for i, ts := range inside.Data.Times {
		if v := inside.Data.Values[i]; !math.IsNaN(v) {
			rewrite = append(rewrite, series.Row{SeriesID: vib.ID, TS: ts, Value: v * 40})
		}
	}
	_, err = store.UpsertPoints(ctx, rewrite)
	require.NoError(t, err)
	require.Equal(t, second, callJSON(t, ctx, p, "detect_anomalies", args), "within the TTL")
	ttlClock.set(ttlClock.now().Add(5 * time.Minute))
	third := callJSON(t, ctx, p, "detect_anomalies", args)
	require.NotEqual(t, second, third, "after the TTL")
	require.Equal(t, callJSON(t, ctx, fresh, "detect_anomalies", args), third)
}

// TestMemo covers the cache itself: TTL, the size bound, errors not kept,
// and one computation shared by concurrent callers.
func TestMemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Unix(0, 0)}
	m := newMemo(3, time.Minute, clk.now)
	var runs atomic.Int64
	get := func(key string) any {
		v, err := m.do(ctx, key, func() (any, error) { runs.Add(1); return key + fmt.Sprint(runs.Load()), nil })
		require.NoError(t, err)
		return v
	}
	require.Equal(t, "a1", get("a"))
	require.Equal(t, "a1", get("a"))
	clk.set(clk.now().Add(59 * time.Second))
	require.Equal(t, "a1", get("a"))
	clk.set(clk.now().Add(time.Second))
	require.Equal(t, "a2", get("a"), "expired after the TTL")

	// The size bound: the oldest entry goes.
	clk.set(clk.now().Add(time.Second))
	get("b")
	clk.set(clk.now().Add(time.Second))
	get("c")
	clk.set(clk.now().Add(time.Second))
	get("d")
	_, _, size := m.stats()
	require.Equal(t, 3, size)
	require.Equal(t, "a6", get("a"), "a was the oldest and was evicted")

	// Errors are not cached.
	boom := errors.New("boom")
	_, err := m.do(ctx, "e", func() (any, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	v, err := m.do(ctx, "e", func() (any, error) { return "ok", nil })
	require.NoError(t, err)
	require.Equal(t, "ok", v)

	// Concurrent callers share one computation.
	release := make(chan struct{})
	var shared atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := m.do(ctx, "slow", func() (any, error) { shared.Add(1); <-release; return 42, nil })
			require.NoError(t, err)
			require.Equal(t, 42, v)
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	require.EqualValues(t, 1, shared.Load())

	// A waiter whose context ends stops waiting.
	block := make(chan struct{})
	go func() { _, _ = m.do(ctx, "held", func() (any, error) { <-block; return 1, nil }) }()
	time.Sleep(20 * time.Millisecond)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.do(cctx, "held", func() (any, error) { return 2, nil })
	require.ErrorIs(t, err, context.Canceled)
	close(block)

	// A nil memo (disabled) always computes.
	var off *memo
	n := 0
	for range 2 {
		_, err := off.do(ctx, "x", func() (any, error) { n++; return n, nil })
		require.NoError(t, err)
	}
	require.Equal(t, 2, n)
	require.Nil(t, newMemo(0, time.Minute, nil))
	require.Nil(t, newMemo(4, -1, nil))
}
