package risk

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Options tune Train. Zero values take the defaults.
type Options struct {
	// Horizons are the forecast horizons (default 24 h, 48 h and 7 days).
	Horizons []time.Duration
	// ComponentHorizons are the horizons that get a model per component
	// (default 24 h and 48 h).
	ComponentHorizons []time.Duration
	// Step is the spacing of the snapshots learned from (default: hourly,
	// widened so that at most MaxRows snapshots are made).
	Step    time.Duration
	MaxRows int
	// MinFailures is the fewest failures worth learning from (default 20),
	// MinComponentFailures the fewest for a component's own model (10).
	MinFailures, MinComponentFailures int
	// TrainShare and ValidShare split the span in time: fitted on the first
	// TrainShare, threshold chosen on the next ValidShare, measured on the
	// rest (default 0.5 and 0.2).
	TrainShare, ValidShare float64
	// Precision is the precision the alarm threshold aims for on the
	// validation part (default 0.5).
	Precision float64
	// Baseline, when set, scores an asset at t by another method (the
	// anomaly detector's score) for the comparison in the evaluation.
	Baseline func(asset string, t time.Time) (float64, bool)
}

func (o *Options) defaults() {
	if len(o.Horizons) == 0 {
		o.Horizons = []time.Duration{24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour}
	}
	if o.ComponentHorizons == nil {
		o.ComponentHorizons = []time.Duration{24 * time.Hour, 48 * time.Hour}
	}
	if o.MaxRows == 0 {
		o.MaxRows = 250_000
	}
	if o.MinFailures == 0 {
		o.MinFailures = 20
	}
	if o.MinComponentFailures == 0 {
		o.MinComponentFailures = 10
	}
	if o.TrainShare == 0 {
		o.TrainShare = 0.5
	}
	if o.ValidShare == 0 {
		o.ValidShare = 0.2
	}
	if o.Precision == 0 {
		o.Precision = 0.5
	}
}

// TooFewFailuresError says the history holds too few failures to learn
// from; ranking stays by anomaly severity.
type TooFewFailuresError struct {
	Failures, Assets, Need int
	// Part names where they are lacking: "history", "validation" or "test".
	Part string
}

func (e *TooFewFailuresError) Error() string {
	if e.Part == "history" {
		return fmt.Sprintf("the maintenance history holds %d failure(s) on %d asset(s); a failure-risk model needs at least %d to learn from (ranking stays by anomaly severity)", e.Failures, e.Assets, e.Need)
	}
	return fmt.Sprintf("only %d failure(s) fall in the %s part of the history (the latest %s); at least %d are needed to measure a model honestly (ranking stays by anomaly severity)", e.Failures, e.Part, map[string]string{"validation": "50–70 %", "test": "30 %"}[e.Part], e.Need)
}

// Target is what one model predicts: a failure of the asset (Component
// "") or of one component within Horizon.
type Target struct {
	HorizonHours int    `json:"horizon_hours"`
	Component    string `json:"component,omitempty"`
}

func (t Target) horizon() time.Duration { return time.Duration(t.HorizonHours) * time.Hour }

// String is "48 h" or "48 h comp2".
func (t Target) String() string {
	s := fmt.Sprintf("%d h", t.HorizonHours)
	if t.Component != "" {
		s += " " + t.Component
	}
	return s
}

// TargetModel is one fitted model and its alarm threshold.
type TargetModel struct {
	Target
	Model     LogReg  `json:"model"`
	Threshold float64 `json:"threshold"`
}

// Trained is a trained failure-risk model: the feature set, one model per
// target, and the evaluation of the time-ordered split.
type Trained struct {
	Spec   Spec          `json:"spec"`
	Models []TargetModel `json:"models"`
	Eval   Evaluation    `json:"evaluation"`
	// DataFrom and DataTo bound the history learned from.
	DataFrom time.Time `json:"data_from"`
	DataTo   time.Time `json:"data_to"`
	Failures int       `json:"failures"`
	Assets   int       `json:"assets"`
	StepHour float64   `json:"step_hours"`
}

// Find returns the model of a target.
func (tr *Trained) Find(horizonHours int, component string) (TargetModel, bool) {
	for _, m := range tr.Models {
		if m.HorizonHours == horizonHours && m.Component == component {
			return m, true
		}
	}
	return TargetModel{}, false
}

// Evaluation is the time-ordered measurement of the models.
type Evaluation struct {
	TrainFrom time.Time `json:"train_from"`
	ValidFrom time.Time `json:"valid_from"`
	TestFrom  time.Time `json:"test_from"`
	TestTo    time.Time `json:"test_to"`
	// Rows are the snapshots of each part.
	TrainRows int          `json:"train_rows"`
	ValidRows int          `json:"valid_rows"`
	TestRows  int          `json:"test_rows"`
	Targets   []TargetEval `json:"targets"`
}

// Find returns the evaluation of a target.
func (e Evaluation) Find(horizonHours int, component string) (TargetEval, bool) {
	for _, t := range e.Targets {
		if t.HorizonHours == horizonHours && t.Component == component {
			return t, true
		}
	}
	return TargetEval{}, false
}

// snapshot is one (asset, time) row.
type snapshot struct {
	asset int
	t     time.Time
}

// Train learns the models from assets' histories over [from, to).
func Train(assets []*Asset, from, to time.Time, opt Options) (*Trained, error) {
	opt.defaults()
	if !from.Before(to) {
		return nil, errors.New("risk: train: empty history span")
	}
	failures := 0
	compFail := map[string]int{}
	for _, a := range assets {
		a.prepare()
		for _, f := range a.failures {
			if !f.Before(from) && f.Before(to) {
				failures++
			}
		}
		for c, ts := range a.failByComp {
			if c != "" {
				compFail[c] += countIn(ts, from, to)
			}
		}
	}
	if failures < opt.MinFailures {
		return nil, &TooFewFailuresError{Failures: failures, Assets: len(assets), Need: opt.MinFailures, Part: "history"}
	}
	spec := NewSpec(assets)
	span := to.Sub(from)
	validFrom := from.Add(time.Duration(float64(span) * opt.TrainShare)).Truncate(time.Hour)
	testFrom := from.Add(time.Duration(float64(span) * (opt.TrainShare + opt.ValidShare))).Truncate(time.Hour)
	for _, part := range []struct {
		name     string
		from, to time.Time
		need     int
	}{{"validation", validFrom, testFrom, 3}, {"test", testFrom, to, 5}} {
		n := 0
		for _, a := range assets {
			n += countIn(a.failures, part.from.Add(-time.Nanosecond), part.to)
		}
		if n < part.need {
			return nil, &TooFewFailuresError{Failures: n, Assets: len(assets), Need: part.need, Part: part.name}
		}
	}
	step := opt.Step
	if step == 0 {
		step = time.Hour
		for float64(len(assets))*span.Hours()/step.Hours() > float64(opt.MaxRows) {
			step += time.Hour
		}
	}
	// Snapshots start a day in (every window then has a little history)
	// and stop where the shortest horizon's label is still known.
	start := from.Add(24 * time.Hour).Truncate(time.Hour)
	var snaps []snapshot
	for i := range assets {
		for t := start; !t.After(to.Add(-opt.Horizons[0])); t = t.Add(step) {
			snaps = append(snaps, snapshot{i, t})
		}
	}
	if len(snaps) == 0 {
		return nil, errors.New("risk: train: the history is too short for one snapshot")
	}
	x := features(spec, assets, snaps)

	targets := targetsOf(opt, compFail)
	tr := &Trained{Spec: spec, DataFrom: from, DataTo: to, Failures: failures, Assets: len(assets), StepHour: step.Hours()}
	tr.Eval = Evaluation{TrainFrom: start, ValidFrom: validFrom, TestFrom: testFrom, TestTo: to}
	// Rows of each part per target: a row's label window must end inside its part.
	part := func(tg Target, i int) int {
		t := snaps[i].t
		end := t.Add(tg.horizon())
		switch {
		case !end.After(validFrom):
			return 0
		case !t.Before(validFrom) && !end.After(testFrom):
			return 1
		case !t.Before(testFrom) && !end.After(to):
			return 2
		}
		return -1
	}
	// Standardise with the training part's statistics only.
	trainRows := rowsWhere(len(snaps), func(i int) bool { return part(Target{HorizonHours: 24}, i) == 0 })
	meanT, scaleT := standardize(subset(x, trainRows))
	zAll := standardized(x, meanT, scaleT)
	meanF, scaleF := standardize(x)
	zFinal := standardized(x, meanF, scaleF)

	type job struct {
		k  int
		tg Target
	}
	results := make([]TargetModel, len(targets))
	evals := make([]TargetEval, len(targets))
	errs := make([]error, len(targets))
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(runtime.GOMAXPROCS(0), 4)); w++ {
		wg.Go(func() {
			for j := range jobs {
				results[j.k], evals[j.k], errs[j.k] = trainTarget(j.tg, assets, snaps, zAll, zFinal, meanT, scaleT, meanF, scaleF, part, opt)
			}
		})
	}
	for k, tg := range targets {
		jobs <- job{k, tg}
	}
	close(jobs)
	wg.Wait()
	for k := range targets {
		if errs[k] != nil {
			return nil, errs[k]
		}
		tr.Models = append(tr.Models, results[k])
		tr.Eval.Targets = append(tr.Eval.Targets, evals[k])
	}
	for i := range snaps {
		switch part(Target{HorizonHours: 48}, i) {
		case 0:
			tr.Eval.TrainRows++
		case 1:
			tr.Eval.ValidRows++
		case 2:
			tr.Eval.TestRows++
		}
	}
	return tr, nil
}

func targetsOf(opt Options, compFail map[string]int) []Target {
	var out []Target
	var comps []string
	for c, n := range compFail {
		if n >= opt.MinComponentFailures {
			comps = append(comps, c)
		}
	}
	sort.Strings(comps)
	for _, h := range opt.Horizons {
		out = append(out, Target{HorizonHours: int(h.Hours())})
		for _, ch := range opt.ComponentHorizons {
			if ch == h {
				for _, c := range comps {
					out = append(out, Target{HorizonHours: int(h.Hours()), Component: c})
				}
			}
		}
	}
	return out
}

// trainTarget fits a target's model on the training part, chooses its
// threshold on the validation part, measures it on the test part, then
// refits it on the whole history (keeping the threshold).
func trainTarget(tg Target, assets []*Asset, snaps []snapshot, zAll, zFinal *matrix, meanT, scaleT, meanF, scaleF []float64,
	part func(Target, int) int, opt Options) (TargetModel, TargetEval, error) {
	h := tg.horizon()
	label := func(i int) float64 {
		a := assets[snaps[i].asset]
		ts := a.failures
		if tg.Component != "" {
			ts = a.failByComp[tg.Component]
		}
		return b2f(failsWithin(ts, snaps[i].t, h))
	}
	var idx [3][]int
	var all []int
	for i := range snaps {
		p := part(tg, i)
		if p >= 0 {
			idx[p] = append(idx[p], i)
		}
		if !snaps[i].t.Add(h).After(snaps[len(snaps)-1].t.Add(opt.Horizons[0])) {
			all = append(all, i)
		}
	}
	ys := func(rows []int) []float64 {
		out := make([]float64, len(rows))
		for k, i := range rows {
			out[k] = label(i)
		}
		return out
	}
	m, err := fit(subset(zAll, idx[0]), meanT, scaleT, ys(idx[0]), Lambda)
	if err != nil {
		return TargetModel{}, TargetEval{}, err
	}
	score := func(rows []int) []float64 {
		out := make([]float64, len(rows))
		for k, i := range rows {
			out[k] = m.predictZ(zAll.row(i))
		}
		return out
	}
	thr := chooseThreshold(score(idx[1]), ys(idx[1]), opt.Precision)
	ev := measure(tg, assets, snaps, idx[2], score(idx[2]), ys(idx[2]), thr, opt)
	final, err := fit(subset(zFinal, all), meanF, scaleF, ys(all), Lambda)
	if err != nil {
		return TargetModel{}, TargetEval{}, err
	}
	return TargetModel{Target: tg, Model: final, Threshold: thr}, ev, nil
}

func features(spec Spec, assets []*Asset, snaps []snapshot) *matrix {
	d := spec.Len()
	x := &matrix{rows: len(snaps), cols: d, data: make([]float64, len(snaps)*d)}
	var wg sync.WaitGroup
	workers := max(1, runtime.GOMAXPROCS(0))
	chunk := (len(snaps) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(snaps))
		wg.Go(func() {
			buf := make([]float64, 0, d)
			for i := lo; i < hi; i++ {
				buf = spec.Features(assets[snaps[i].asset], snaps[i].t, buf)
				copy(x.row(i), buf)
			}
		})
	}
	wg.Wait()
	return x
}

func rowsWhere(n int, ok func(int) bool) []int {
	var out []int
	for i := 0; i < n; i++ {
		if ok(i) {
			out = append(out, i)
		}
	}
	return out
}

func subset(x *matrix, rows []int) *matrix {
	out := &matrix{rows: len(rows), cols: x.cols, data: make([]float64, len(rows)*x.cols)}
	for k, i := range rows {
		copy(out.row(k), x.row(i))
	}
	return out
}

func standardized(x *matrix, mean, scale []float64) *matrix {
	out := &matrix{rows: x.rows, cols: x.cols, data: make([]float64, len(x.data))}
	for i := 0; i < x.rows; i++ {
		src, dst := x.row(i), out.row(i)
		for j, v := range src {
			dst[j] = (v - mean[j]) / scale[j]
		}
	}
	return out
}

// chooseThreshold is the lowest score at which the validation part's
// precision still reaches want (so recall is as high as that precision
// allows); when no threshold reaches it, the one with the best F1.
func chooseThreshold(p, y []float64, want float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	pos := 0.0
	for _, v := range y {
		pos += v
	}
	if pos == 0 {
		return 0.5
	}
	best, bestF1, tp := -1.0, -1.0, 0.0
	f1Thr := 0.5
	for k, i := range idx {
		tp += y[i]
		if k+1 < len(idx) && p[idx[k+1]] == p[i] {
			continue // a threshold sits between distinct scores
		}
		prec, rec := tp/float64(k+1), tp/pos
		if prec >= want {
			best = p[i]
		}
		if f1 := 2 * prec * rec / math.Max(prec+rec, 1e-12); f1 > bestF1 {
			bestF1, f1Thr = f1, p[i]
		}
	}
	if best > 0 {
		return best
	}
	return f1Thr
}
