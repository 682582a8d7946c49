package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// M4 scoring, as the data set's README describes it (Makridakis et al.,
// 2018): a 48-step forecast of each hourly series is scored by sMAPE and
// MASE (scaled by the in-sample lag-24 MAE), and OWA sets both against
// Naive2 on the same series (each averaged over the series first).

// M4 settings of the hourly track.
const (
	m4Horizon = 48
	m4Season  = 24
)

// M4Series is one series with its held-out test values.
type M4Series struct {
	// ID is the series' id (H1, H2, …).
	ID string
	// Train is the history; Test the 48 values that followed.
	Train, Test []float64
}

// LoadM4 reads Hourly-train.csv and Hourly-test.csv from dir.
func LoadM4(dir string) ([]M4Series, error) {
	train, err := readM4(filepath.Join(dir, "Hourly-train.csv"))
	if err != nil {
		return nil, fmt.Errorf("eval: m4: %w", err)
	}
	test, err := readM4(filepath.Join(dir, "Hourly-test.csv"))
	if err != nil {
		return nil, fmt.Errorf("eval: m4: %w", err)
	}
	var out []M4Series
	for id, tr := range train {
		te, ok := test[id]
		if !ok {
			return nil, fmt.Errorf("eval: m4: series %s has no test values", id)
		}
		if len(te) != m4Horizon {
			return nil, fmt.Errorf("eval: m4: series %s has %d test values, want %d", id, len(te), m4Horizon)
		}
		out = append(out, M4Series{ID: id, Train: tr, Test: te})
	}
	sort.Slice(out, func(i, j int) bool { return m4Num(out[i].ID) < m4Num(out[j].ID) })
	return out, nil
}

func m4Num(id string) int {
	n, _ := strconv.Atoi(strings.TrimLeft(id, "H"))
	return n
}

// readM4 reads a file of one series per row: the id, then values (empty
// cells after the series' end).
func readM4(path string) (map[string][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("%s: header: %w", filepath.Base(path), err)
	}
	out := map[string][]float64{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		var v []float64
		for _, c := range rec[1:] {
			c = strings.Trim(strings.TrimSpace(c), `"`)
			if c == "" {
				break
			}
			x, err := strconv.ParseFloat(c, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: series %s: %w", filepath.Base(path), rec[0], err)
			}
			v = append(v, x)
		}
		out[strings.Trim(rec[0], `"`)] = v
	}
}

// m4Score is one method's errors on one series.
type m4Score struct {
	smape, mase, msis float64
	in80, in95        int
}

// scoreM4 scores a forecast (with optional intervals) of s.
func scoreM4(s M4Series, mean, lo80, hi80, lo95, hi95 []float64) m4Score {
	scale := seasonalMAE(s.Train, m4Season)
	var sc m4Score
	for i, y := range s.Test {
		f := mean[i]
		if d := math.Abs(y) + math.Abs(f); d > 0 {
			sc.smape += 200 * math.Abs(y-f) / d
		}
		sc.mase += math.Abs(y - f)
		if lo80 != nil {
			if y >= lo80[i] && y <= hi80[i] {
				sc.in80++
			}
			if y >= lo95[i] && y <= hi95[i] {
				sc.in95++
			}
			const a = 0.05
			is := hi95[i] - lo95[i]
			if y < lo95[i] {
				is += 2 / a * (lo95[i] - y)
			}
			if y > hi95[i] {
				is += 2 / a * (y - hi95[i])
			}
			sc.msis += is
		}
	}
	h := float64(len(s.Test))
	sc.smape /= h
	sc.mase /= h * scale
	sc.msis /= h * scale
	return sc
}

// seasonalMAE is the in-sample mean absolute lag-m difference (lag 1 when
// the series is too short), the MASE scale.
func seasonalMAE(x []float64, m int) float64 {
	if len(x) <= m {
		m = 1
	}
	var s float64
	for i := m; i < len(x); i++ {
		s += math.Abs(x[i] - x[i-m])
	}
	if s == 0 {
		return 1e-12
	}
	return s / float64(len(x)-m)
}

// Naive2 forecasts h steps as M4 does: when the lag-m autocorrelation of x
// passes the 90% seasonality test, x is divided by classical multiplicative
// seasonal indices (centred 2×m moving average), the last adjusted value is
// carried forward and multiplied back by the indices; otherwise the last
// value is carried forward.
func Naive2(x []float64, m, h int) []float64 {
	n := len(x)
	idx := make([]float64, m)
	for i := range idx {
		idx[i] = 1
	}
	if m > 1 && n >= 3*m && seasonalTest(x, m) {
		idx = classicalIndices(x, m)
	}
	last := x[n-1] / idx[(n-1)%m]
	out := make([]float64, h)
	for i := range out {
		out[i] = last * idx[(n+i)%m]
	}
	return out
}

// seasonalTest is M4's 90% test: |r_m| > 1.645·√((1 + 2·Σ_{k<m} r_k²)/n).
func seasonalTest(x []float64, m int) bool {
	n := len(x)
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	var den float64
	for _, v := range x {
		den += (v - mean) * (v - mean)
	}
	if den == 0 {
		return false
	}
	acf := func(k int) float64 {
		var s float64
		for i := k; i < n; i++ {
			s += (x[i] - mean) * (x[i-k] - mean)
		}
		return s / den
	}
	var sum float64
	for k := 1; k < m; k++ {
		r := acf(k)
		sum += r * r
	}
	limit := 1.645 * math.Sqrt((1+2*sum)/float64(n))
	return math.Abs(acf(m)) > limit
}

// classicalIndices are the multiplicative seasonal indices of classical
// decomposition: x divided by its centred 2×m moving average, averaged per
// phase (phase = index mod m) and normalised to mean 1.
func classicalIndices(x []float64, m int) []float64 {
	n := len(x)
	sums := make([]float64, m)
	cnts := make([]float64, m)
	half := m / 2
	for i := half; i < n-half; i++ {
		var ma float64
		if m%2 == 0 {
			ma = x[i-half]/2 + x[i+half]/2
			for j := i - half + 1; j < i+half; j++ {
				ma += x[j]
			}
			ma /= float64(m)
		} else {
			for j := i - half; j <= i+half; j++ {
				ma += x[j]
			}
			ma /= float64(m)
		}
		if ma != 0 {
			sums[i%m] += x[i] / ma
			cnts[i%m]++
		}
	}
	idx := make([]float64, m)
	var tot float64
	for k := range idx {
		idx[k] = 1
		if cnts[k] > 0 {
			idx[k] = sums[k] / cnts[k]
		}
		tot += idx[k]
	}
	for k := range idx {
		idx[k] *= float64(m) / tot
	}
	return idx
}

// M4Options tune [EvalM4].
type M4Options struct {
	// Limit keeps an evenly spaced sample of Limit series of each split
	// (0: all), for a quick run.
	Limit int
	// Forecast overrides the forecaster (experiments); nil runs
	// predict.ForecastSeries as `gemba model forecast` does.
	Forecast func(train []float64, h int) (*predict.Forecast, error)
}

// M4Split is the result on one split of the series.
type M4Split struct {
	// Name is SplitAll, SplitTune or SplitFrozen.
	Name string
	// Series counts the series scored.
	Series int
	// SMAPE, MASE and OWA are the forecaster's; OWA is against Naive2.
	SMAPE, MASE, OWA float64
	// Naive2SMAPE and Naive2MASE are Naive2's, on the same series.
	Naive2SMAPE, Naive2MASE float64
	// SeasonalNaiveSMAPE, SeasonalNaiveMASE and SeasonalNaiveOWA are the
	// seasonal-naive baseline's.
	SeasonalNaiveSMAPE, SeasonalNaiveMASE, SeasonalNaiveOWA float64
	// Coverage80 and Coverage95 are the shares of test values inside the
	// 80% and 95% intervals.
	Coverage80, Coverage95 float64
	// MSIS is the mean scaled interval score of the 95% interval.
	MSIS float64
	// Models counts the models chosen.
	Models map[string]int
}

// M4Report is the outcome of [EvalM4].
type M4Report struct {
	// Dir is the data folder.
	Dir string
	// Splits are the results on all series, the tuning and the frozen split.
	Splits []M4Split
	// Elapsed is the time spent forecasting.
	Elapsed time.Duration
}

// EvalM4 forecasts every series of the M4 Hourly data in dir 48 steps
// ahead from its training values only, exactly as `gemba model forecast`
// does (hourly step, season detected), and scores it against Naive2 and
// seasonal naive on the same series, on all series and on the tuning and
// frozen splits ([Frozen] of the series id).
func EvalM4(dir string, opt M4Options) (*M4Report, error) {
	all, err := LoadM4(dir)
	if err != nil {
		return nil, err
	}
	fc := opt.Forecast
	if fc == nil {
		fc = func(train []float64, h int) (*predict.Forecast, error) {
			return predict.ForecastSeries(predict.Series{Values: train}, predict.ForecastOptions{Horizon: h, Step: time.Hour})
		}
	}
	var pick []M4Series
	bySplit := map[bool][]M4Series{}
	for _, s := range all {
		bySplit[Frozen(s.ID)] = append(bySplit[Frozen(s.ID)], s)
	}
	for _, fr := range []bool{false, true} {
		ss := bySplit[fr]
		if opt.Limit <= 0 || opt.Limit >= len(ss) {
			pick = append(pick, ss...)
			continue
		}
		for i := range opt.Limit {
			pick = append(pick, ss[i*len(ss)/opt.Limit])
		}
	}
	type res struct {
		model     string
		m, n2, sn m4Score
		err       error
		frozen    bool
	}
	out := make([]res, len(pick))
	began := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				s := pick[i]
				f, err := fc(s.Train, m4Horizon)
				if err != nil {
					out[i].err = fmt.Errorf("series %s: %w", s.ID, err)
					continue
				}
				out[i].model = f.Model
				out[i].frozen = Frozen(s.ID)
				out[i].m = scoreM4(s, f.Mean, f.Lo80, f.Hi80, f.Lo95, f.Hi95)
				out[i].n2 = scoreM4(s, Naive2(s.Train, m4Season, m4Horizon), nil, nil, nil, nil)
				sn := make([]float64, m4Horizon)
				for k := range sn {
					sn[k] = s.Train[len(s.Train)-m4Season+k%m4Season]
				}
				out[i].sn = scoreM4(s, sn, nil, nil, nil, nil)
			}
		})
	}
	for i := range pick {
		next <- i
	}
	close(next)
	wg.Wait()
	rep := &M4Report{Dir: dir, Elapsed: time.Since(began)}
	for _, r := range out {
		if r.err != nil {
			return nil, fmt.Errorf("eval: m4: %w", r.err)
		}
	}
	for _, split := range []string{SplitAll, SplitTune, SplitFrozen} {
		sp := M4Split{Name: split, Models: map[string]int{}}
		var in80, in95, pts int
		for _, r := range out {
			if (split == SplitTune && r.frozen) || (split == SplitFrozen && !r.frozen) {
				continue
			}
			sp.Series++
			sp.SMAPE += r.m.smape
			sp.MASE += r.m.mase
			sp.MSIS += r.m.msis
			sp.Naive2SMAPE += r.n2.smape
			sp.Naive2MASE += r.n2.mase
			sp.SeasonalNaiveSMAPE += r.sn.smape
			sp.SeasonalNaiveMASE += r.sn.mase
			in80 += r.m.in80
			in95 += r.m.in95
			pts += m4Horizon
			sp.Models[r.model]++
		}
		if sp.Series == 0 {
			continue
		}
		n := float64(sp.Series)
		sp.SMAPE /= n
		sp.MASE /= n
		sp.MSIS /= n
		sp.Naive2SMAPE /= n
		sp.Naive2MASE /= n
		sp.SeasonalNaiveSMAPE /= n
		sp.SeasonalNaiveMASE /= n
		sp.OWA = (sp.SMAPE/sp.Naive2SMAPE + sp.MASE/sp.Naive2MASE) / 2
		sp.SeasonalNaiveOWA = (sp.SeasonalNaiveSMAPE/sp.Naive2SMAPE + sp.SeasonalNaiveMASE/sp.Naive2MASE) / 2
		sp.Coverage80 = float64(in80) / float64(pts)
		sp.Coverage95 = float64(in95) / float64(pts)
		rep.Splits = append(rep.Splits, sp)
	}
	return rep, nil
}

// String renders the report for a terminal.
func (r *M4Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "M4 Hourly %s (48 steps ahead, forecasts in %s)\n", r.Dir, r.Elapsed.Round(time.Millisecond))
	for _, s := range r.Splits {
		fmt.Fprintf(&b, "%s split: %d series\n", s.Name, s.Series)
		fmt.Fprintf(&b, "  forecaster     sMAPE %6.3f  MASE %6.3f  OWA %.3f  coverage 80%% %.1f%%, 95%% %.1f%%  MSIS %.2f\n",
			s.SMAPE, s.MASE, s.OWA, 100*s.Coverage80, 100*s.Coverage95, s.MSIS)
		fmt.Fprintf(&b, "  seasonal naive sMAPE %6.3f  MASE %6.3f  OWA %.3f\n", s.SeasonalNaiveSMAPE, s.SeasonalNaiveMASE, s.SeasonalNaiveOWA)
		fmt.Fprintf(&b, "  Naive2         sMAPE %6.3f  MASE %6.3f  OWA 1\n", s.Naive2SMAPE, s.Naive2MASE)
		var names []string
		for m := range s.Models {
			names = append(names, m)
		}
		sort.Strings(names)
		b.WriteString("  models chosen:")
		for _, m := range names {
			fmt.Fprintf(&b, " %s=%d", m, s.Models[m])
		}
		b.WriteString("\n")
	}
	return b.String()
}
