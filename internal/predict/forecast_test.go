package predict

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestForecastHoltWintersAdditive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	n, m, h := 480, 24, 48
	truth := func(i int) float64 {
		return 100 + 0.2*float64(i) + 10*math.Sin(2*math.Pi*float64(i)/float64(m))
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = truth(i) + r.NormFloat64()
	}
	fc, err := ForecastSeries(Series{Values: x, Times: hourly(n)}, ForecastOptions{Horizon: h})
	require.NoError(t, err)
	require.Equal(t, m, fc.Season)
	require.Contains(t, []string{ModelHWAdditive, ModelHWAdditiveDamped, ModelHWMultiplicativeDamped}, fc.Model)
	for k := range h {
		require.InDelta(t, truth(n+k), fc.Mean[k], 3, "step %d", k+1)
		require.Less(t, fc.Lo95[k], fc.Lo80[k])
		require.Less(t, fc.Lo80[k], fc.Mean[k])
		require.Less(t, fc.Mean[k], fc.Hi80[k])
		require.Less(t, fc.Hi80[k], fc.Hi95[k])
	}
	require.Equal(t, hourly(n)[n-1], fc.Cutoff)
	require.Equal(t, time.Hour, fc.Step)
	require.Equal(t, hourly(n)[n-1].Add(time.Hour), fc.Times[0])
	require.Less(t, fc.MASE, 0.5)
	require.Greater(t, fc.SMAPE, 0.0)
	var snaive float64
	for _, c := range fc.Candidates {
		if c.Model == ModelSeasonalNaive {
			snaive = c.MASE
		}
	}
	require.Less(t, fc.MASE, snaive)
	require.Contains(t, fc.Params, "alpha")
}

// TestForecastKnownParameters simulates ETS(A,A,A) with known smoothing
// parameters and checks the fit recovers a model that forecasts like the
// true one.
func TestForecastKnownParameters(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2, 2))
	m, n, h := 12, 360, 12
	alpha, beta, gamma := 0.3, 0.02, 0.2
	l, b := 50.0, 0.3
	s := make([]float64, m)
	for j := range s {
		s[j] = 8 * math.Cos(2*math.Pi*float64(j)/float64(m))
	}
	x := make([]float64, n+h)
	for i := range x {
		e := r.NormFloat64()
		if i >= n {
			e = 0 // the future without shocks is the true model's point forecast
		}
		k := i % m
		x[i] = l + b + s[k] + e
		l, b, s[k] = l+b+alpha*e, b+beta*e, s[k]+gamma*e
	}
	fc, err := ForecastSeries(Series{Values: x[:n]}, ForecastOptions{Horizon: h, Season: m, Model: ModelHWAdditive})
	require.NoError(t, err)
	require.Equal(t, ModelHWAdditive, fc.Model)
	for k := range h {
		require.InDelta(t, x[n+k], fc.Mean[k], 2.5, "step %d", k+1)
	}
	require.InDelta(t, alpha, fc.Params["alpha"], 0.2)
	require.InDelta(t, gamma, fc.Params["gamma"], 0.25)
}

func TestForecastMultiplicative(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	n, m, h := 360, 12, 24
	truth := func(i int) float64 {
		return (50 + 0.5*float64(i)) * (1 + 0.3*math.Sin(2*math.Pi*float64(i)/float64(m)))
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = truth(i) * (1 + 0.01*r.NormFloat64())
	}
	fc, err := ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: h, Model: ModelHWMultiplicative})
	require.NoError(t, err)
	require.Equal(t, m, fc.Season)
	for k := range h {
		require.InDelta(t, truth(n+k), fc.Mean[k], 0.05*truth(n+k), "step %d", k+1)
	}
	auto, err := ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: h})
	require.NoError(t, err)
	require.NotEqual(t, ModelSeasonalNaive, auto.Model)
	require.NotEqual(t, ModelNaive, auto.Model)
}

// TestForecastIntervalCoverage checks that on white noise the 80% and 95%
// intervals cover about 80% and 95% of what happens next.
func TestForecastIntervalCoverage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 4))
	var in80, in95, total int
	for range 150 {
		n, h := 200, 10
		x := make([]float64, n+h)
		for i := range x {
			x[i] = 10 + r.NormFloat64()
		}
		fc, err := ForecastSeries(Series{Values: x[:n]}, ForecastOptions{Horizon: h, Season: 1})
		require.NoError(t, err)
		for k := range h {
			y := x[n+k]
			if y >= fc.Lo80[k] && y <= fc.Hi80[k] {
				in80++
			}
			if y >= fc.Lo95[k] && y <= fc.Hi95[k] {
				in95++
			}
			total++
		}
	}
	c80, c95 := float64(in80)/float64(total), float64(in95)/float64(total)
	t.Logf("coverage 80%%: %.3f, 95%%: %.3f", c80, c95)
	require.InDelta(t, 0.80, c80, 0.06)
	require.InDelta(t, 0.95, c95, 0.035)
}

func TestForecastErrors(t *testing.T) {
	t.Parallel()
	x := synth(100, 1, 10, 0, 1, 5)
	_, err := ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: 51})
	require.ErrorIs(t, err, ErrHorizonTooLong)
	var he *HorizonError
	require.ErrorAs(t, err, &he)
	require.Equal(t, 50, he.Max)
	_, err = ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: 0})
	require.ErrorIs(t, err, ErrBadInput)
	_, err = ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: 5, Model: "prophet"})
	require.ErrorIs(t, err, ErrBadInput)
	_, err = ForecastSeries(Series{Values: []float64{1, 2, math.NaN()}}, ForecastOptions{Horizon: 1})
	require.ErrorIs(t, err, ErrTooShort)
}

func TestForecastGapsAndBaselines(t *testing.T) {
	t.Parallel()
	x := synth(300, 24, 20, 5, 0.5, 6)
	for i := 100; i < 110; i++ {
		x[i] = math.NaN()
	}
	x = append(x, math.NaN()) // trailing gap: cutoff is the last real point
	ts := hourly(len(x))
	for _, model := range []string{ModelNaive, ModelSeasonalNaive, ModelSES, ModelHoltDamped, ""} {
		fc, err := ForecastSeries(Series{Values: x, Times: ts}, ForecastOptions{Horizon: 24, Model: model})
		require.NoError(t, err, model)
		require.Len(t, fc.Mean, 24)
		require.Equal(t, ts[299], fc.Cutoff)
		for _, v := range fc.Mean {
			require.False(t, math.IsNaN(v), model)
		}
		require.True(t, fc.Backtested, model)
	}
	fc, err := ForecastSeries(Series{Values: x}, ForecastOptions{Horizon: 24, Model: ModelSeasonalNaive})
	require.NoError(t, err)
	require.InDelta(t, x[299-23], fc.Mean[0], 1e-12)
	require.Nil(t, fc.Times)
}

// TestForecastSeasonalIntervalCoverage checks the ETS horizon-variance
// intervals of the seasonal models on a noisy daily pattern.
func TestForecastSeasonalIntervalCoverage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for _, model := range []string{"", ModelHWAdditiveDamped, ModelHWMultiplicativeDamped, ModelSeasonalNaive} {
		var in80, in95, total int
		for range 40 {
			n, h, m := 24*15, 24, 24
			x := make([]float64, n+h)
			for i := range x {
				x[i] = 50 + 10*math.Sin(2*math.Pi*float64(i)/float64(m)) + 2*r.NormFloat64()
			}
			fc, err := ForecastSeries(Series{Values: x[:n]}, ForecastOptions{Horizon: h, Model: model})
			require.NoError(t, err)
			for k := range h {
				y := x[n+k]
				if y >= fc.Lo80[k] && y <= fc.Hi80[k] {
					in80++
				}
				if y >= fc.Lo95[k] && y <= fc.Hi95[k] {
					in95++
				}
				total++
			}
		}
		c80, c95 := float64(in80)/float64(total), float64(in95)/float64(total)
		t.Logf("%q: coverage 80%%: %.3f, 95%%: %.3f", model, c80, c95)
		require.InDelta(t, 0.80, c80, 0.05, model)
		require.InDelta(t, 0.95, c95, 0.03, model)
	}
}

// plantOutput is hourly line output with three shifts (night lower) and idle
// weekends, slowly growing: the shape of the demo plant's production series.
func plantOutput(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		base := 100.0
		if h := i % 24; h < 6 || h >= 22 {
			base = 60
		}
		if d := (i / 24) % 7; d >= 5 {
			base *= 0.3
		}
		x[i] = base*(1+0.0005*float64(i)/24) + 5*r.NormFloat64()
	}
	return x
}

// TestForecastBeatsSeasonalNaive runs a rolling-origin evaluation outside
// the model choice (each forecast sees only the history before its origin)
// and requires the automatic forecaster to beat seasonal naive on MASE.
func TestForecastBeatsSeasonalNaive(t *testing.T) {
	t.Parallel()
	var auto, snaive float64
	cnt := 0
	for seed := range uint64(3) {
		x := plantOutput(24*90, seed)
		require.Equal(t, 168, DetectPeriod(x, 0))
		for k := 5; k >= 1; k-- {
			origin := len(x) - k*24
			hist, test := x[:origin], x[origin:origin+24]
			fc, err := ForecastSeries(Series{Values: hist}, ForecastOptions{Horizon: 24})
			require.NoError(t, err)
			scale := maeLag(hist, 168)
			for i := range test {
				auto += math.Abs(test[i]-fc.Mean[i]) / scale
				snaive += math.Abs(test[i]-hist[len(hist)-168+i]) / scale
			}
			cnt += len(test)
		}
	}
	auto, snaive = auto/float64(cnt), snaive/float64(cnt)
	t.Logf("MASE auto %.3f, seasonal naive %.3f", auto, snaive)
	require.Less(t, auto, snaive)
}

func TestForecastForcedModelFallbacks(t *testing.T) {
	t.Parallel()
	noise := synth(200, 1, 10, 0, 1, 13)
	for forced, want := range map[string]string{
		ModelHWAdditive:       ModelHoltDamped,
		ModelSeasonalNaive:    ModelNaive,
		ModelSES:              ModelSES,
		ModelHWMultiplicative: ModelHoltDamped,
	} {
		fc, err := ForecastSeries(Series{Values: noise}, ForecastOptions{Horizon: 5, Season: 1, Model: forced})
		require.NoError(t, err)
		require.Equal(t, want, fc.Model, forced)
	}
	neg := synth(200, 12, -5, 3, 0.5, 14)
	fc, err := ForecastSeries(Series{Values: neg}, ForecastOptions{Horizon: 5, Model: ModelHWMultiplicativeDamped})
	require.NoError(t, err)
	require.Equal(t, ModelHWAdditiveDamped, fc.Model)
}

// TestForecastRobustToOutliersAndShift: a noisy daily series with a few
// outliers in its history and a level shift a few days before the cutoff
// is forecast at its new level, with the day's shape.
func TestForecastRobustToOutliersAndShift(t *testing.T) {
	t.Parallel()
	n := 24 * 40
	x := synth(n+48, 24, 100, 20, 2, 77)
	for i := n - 24*5; i < len(x); i++ {
		x[i] += 30 // the level moved up five days before the cutoff
	}
	for _, i := range []int{100, 333, 517, 702, 850} {
		x[i] += 80 // outliers in the history
	}
	fc, err := ForecastSeries(Series{Values: x[:n]}, ForecastOptions{Horizon: 48, Step: time.Hour})
	require.NoError(t, err)
	var mae float64
	for k, v := range fc.Mean {
		mae += math.Abs(v - x[n+k])
	}
	mae /= 48
	require.Less(t, mae, 6.0, "model %s", fc.Model)
	for k := range fc.Mean {
		require.LessOrEqual(t, fc.Lo80[k], fc.Mean[k])
		require.LessOrEqual(t, fc.Mean[k], fc.Hi80[k])
	}
}
