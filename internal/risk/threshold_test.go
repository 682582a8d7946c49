package risk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWilsonLower: the Wilson score lower bound at z = 1.645.
func TestWilsonLower(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 0.5408, wilsonLower(0.8, 10, confidenceZ), 1e-4)
	require.InDelta(t, 0.7870, wilsonLower(1, 10, confidenceZ), 1e-4, "all true: still short of 1 on 10 trials")
	require.InDelta(t, 0.2698, wilsonLower(1, 1, confidenceZ), 1e-4)
	require.Equal(t, 0.0, wilsonLower(1, 0, confidenceZ))
	require.Greater(t, wilsonLower(0.8, 100, confidenceZ), wilsonLower(0.8, 10, confidenceZ), "more evidence, a smaller margin")
}

// TestAlarmEpisodes: flagged hours of one asset less than the horizon
// apart are one episode, whatever order they are flagged in; the
// effective sample size is (Σnᵢ)²/Σnᵢ².
func TestAlarmEpisodes(t *testing.T) {
	t.Parallel()
	// Asset 0 at hours 0..9, asset 1 at hours 0..9; horizon 3 hours.
	rp := &rowPlaces{horizonHours: 3}
	for a := range 2 {
		for h := range 10 {
			rp.asset = append(rp.asset, a)
			rp.hour = append(rp.hour, int64(1000+h))
		}
	}
	e := newAlarmEpisodes(rp)
	// Asset 0: hours 0, 4 and 2 (2 apart each: one episode once 2 is in).
	e.flag(0)
	e.flag(4)
	require.InDelta(t, 2.0, e.effective(), 1e-9, "0 and 4 are 4 h apart: two episodes")
	e.flag(2)
	require.InDelta(t, 1.0, e.effective(), 1e-9, "0, 2, 4: one episode of 3")
	// Asset 1: hours 0, 3, 6 are 3 apart, not less than the horizon.
	e.flag(10)
	e.flag(13)
	e.flag(16)
	// Episodes 3, 1, 1, 1: 36 / (9+1+1+1).
	require.InDelta(t, 3.0, e.effective(), 1e-9)
	// Hour 5 of asset 0 joins its episode (1 from 4), not asset 1's.
	e.flag(5)
	require.InDelta(t, 49.0/19, e.effective(), 1e-9)
}

// TestRuleConfident: a threshold whose precision reaches the aim only on
// one asset's long alarm is not taken by RuleConfident (one episode is one
// observation), while the same asset-hours spread over many assets are.
func TestRuleConfident(t *testing.T) {
	t.Parallel()
	// Ten assets flagged for one hour each at 0.9, every one before a
	// failure (ten failures caught), then twelve asset-hours at 0.6, eight
	// of them true, which catch an eleventh failure: precision 18/22.
	build := func(spread bool) (p, y []float64, rp *rowPlaces) {
		rp = &rowPlaces{horizonHours: 48}
		for a := range 10 {
			p, y = append(p, 0.9), append(y, 1)
			rp.asset, rp.hour = append(rp.asset, a), append(rp.hour, 0)
		}
		for k := range 12 {
			p, y = append(p, 0.6), append(y, b2f(k >= 4))
			if spread {
				rp.asset, rp.hour = append(rp.asset, 10+k), append(rp.hour, 0)
			} else {
				rp.asset, rp.hour = append(rp.asset, 10), append(rp.hour, int64(k))
			}
		}
		// A quiet stretch scored low (none of them flagged at 0.6).
		for k := range 50 {
			p, y = append(p, 0.01), append(y, 0)
			rp.asset, rp.hour = append(rp.asset, 30), append(rp.hour, int64(k))
		}
		return p, y, rp
	}
	peaks := []float64{0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.6}
	// One asset's twelve hours: one episode, n_eff = 22²/(10+144) ≈ 3.1,
	// bound ≈ 0.37 at 0.6; at 0.9, ten single hours all true: ≈ 0.79.
	p, y, rp := build(false)
	require.Equal(t, 0.6, chooseThreshold(p, y, peaks, 0.5, RuleFailures, nil), "the point estimate 0.82 passes")
	require.Equal(t, 0.9, chooseThreshold(p, y, peaks, 0.5, RuleConfident, rp))
	// Spread over twelve assets: 22 episodes, bound ≈ 0.65 at 0.6.
	p, y, rp = build(true)
	require.Equal(t, 0.6, chooseThreshold(p, y, peaks, 0.5, RuleConfident, rp))
	// When no threshold passes the bound (a single flagged hour, true),
	// the rule is RuleFailures.
	p, y = []float64{0.8, 0.1, 0.1}, []float64{1, 0, 0}
	rp = &rowPlaces{horizonHours: 48, asset: []int{0, 1, 2}, hour: []int64{0, 0, 0}}
	require.Equal(t, chooseThreshold(p, y, []float64{0.8}, 0.5, RuleFailures, nil),
		chooseThreshold(p, y, []float64{0.8}, 0.5, RuleConfident, rp))
	require.Equal(t, 0.8, chooseThreshold(p, y, []float64{0.8}, 0.5, RuleConfident, rp))
}
