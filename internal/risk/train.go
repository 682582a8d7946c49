package risk

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
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
	// Step is the spacing of the grid of snapshots learned from (default:
	// hourly, widened so that the grid holds at most MaxRows; see Sampling
	// for the hours added before failures).
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
	// Rule is how the threshold is chosen (default RuleConfident).
	Rule ThresholdRule
	// Features are the optional feature groups (nil: DefaultFeatures).
	Features *FeatureSet
	// Lambdas are the L2 penalties tried, strongest first (default the
	// package's Lambdas).
	Lambdas []float64
	// Baseline, when set, scores an asset at t by another method (the
	// anomaly detector's score) for the comparison in the evaluation.
	Baseline func(asset string, t time.Time) (float64, bool)
	// Nesting is how a target's probability reads the models of the events
	// it includes (default NestAlarm).
	Nesting Nesting
	// Sampling is which snapshots the models learn from (default
	// SampleCases).
	Sampling Sampling
}

// Sampling says which snapshots of the history a model learns from when
// there are too many asset-hours to learn from every one (Options.MaxRows).
type Sampling string

// The sampling rules.
const (
	// SampleGrid: one snapshot every step per asset.
	SampleGrid Sampling = "grid"
	// SampleCases: every hour in the week before a failure (where the
	// rare positive labels are, at every horizon) and one snapshot every
	// step elsewhere, each of those weighted by the step in hours, so the
	// fit's loss is that of every asset-hour (case-control sampling with
	// inverse-probability weights). The failures are the scarce
	// information; a grid keeps only one hour in step of each.
	SampleCases Sampling = "cases"
)

// Nesting says how a target reads the models of the events it includes.
// A failure within 24 hours is also a failure within 48 hours: the
// probability of an event can be no smaller than that of an event it
// includes, and an asset in alarm for the one is in alarm for the other.
// Each model is fitted on its own labels, so nothing makes this hold by
// itself.
type Nesting string

// The nesting rules.
const (
	// NestNone: each target reads its own model only.
	NestNone Nesting = "none"
	// NestHorizon: a target's probability is the highest of its model's
	// and of the same component's models at shorter horizons; its
	// threshold is chosen on that.
	NestHorizon Nesting = "horizon"
	// NestAlarm: as NestHorizon for the probability, but the alarm is the
	// target's own model at its threshold or an alarm of a shorter
	// horizon's (at that one's threshold, chosen first): a model that
	// learned the sharp signs of the next 24 hours keeps them at 48.
	NestAlarm Nesting = "alarm"
)

// includes reports whether an event of target o (a failure of o's
// component within o's horizon) is one of tg's events that tg reads under
// rule n (tg itself included).
func (n Nesting) includes(tg, o Target) bool {
	if n == NestNone || n == "" {
		return o == tg
	}
	return o.Component == tg.Component && o.HorizonHours <= tg.HorizonHours
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
	if o.Features == nil {
		set := DefaultFeatures
		o.Features = &set
	}
	if o.Rule == "" {
		o.Rule = RuleConfident
	}
	if len(o.Lambdas) == 0 {
		o.Lambdas = Lambdas
	}
	if o.Nesting == "" {
		o.Nesting = NestAlarm
	}
	if o.Sampling == "" {
		o.Sampling = SampleCases
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
	StepHour float64   `json:"step_hours"` // the training snapshots' spacing per asset
	Sampling Sampling  `json:"sampling,omitempty"`
	// Nesting is how each target's probability reads the models of the
	// events it includes ("" in models stored before it: none).
	Nesting Nesting `json:"nesting,omitempty"`
}

// Prob is the probability of target tg for feature vector x: the highest
// of the target's model and of the models of the events it includes (see
// Nesting), with the model that gave it. ok is false when tg has no model.
func (tr *Trained) Prob(tg Target, x []float64) (p float64, by TargetModel, ok bool) {
	n := tr.Nesting
	if n == "" {
		n = NestNone
	}
	p = -1
	for _, m := range tr.Models {
		if m.Target == tg {
			ok = true
		}
		if n.includes(tg, m.Target) {
			if q := m.Model.Predict(x); q > p {
				p, by = q, m
			}
		}
	}
	if !ok {
		return 0, TargetModel{}, false
	}
	return p, by, true
}

// Alarm reports whether x is in alarm for target tg: its probability (Prob)
// at or above tg's threshold, or, under NestAlarm, tg's own model at its
// threshold or an alarm of a shorter horizon's.
func (tr *Trained) Alarm(tg Target, x []float64) bool {
	if tr.Nesting != NestAlarm {
		p, _, ok := tr.Prob(tg, x)
		m, _ := tr.Find(tg.HorizonHours, tg.Component)
		return ok && p >= m.Threshold
	}
	for _, m := range tr.Models {
		if tr.Nesting.includes(tg, m.Target) && m.Model.Predict(x) >= m.Threshold {
			return true
		}
	}
	return false
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
//
// Targets are measured on the test part; Validation are the same figures
// on the validation part, where the threshold was chosen (so their
// precision meets the aim by construction: they show what the test part
// is compared with).
type Evaluation struct {
	TrainFrom time.Time `json:"train_from"`
	ValidFrom time.Time `json:"valid_from"`
	TestFrom  time.Time `json:"test_from"`
	TestTo    time.Time `json:"test_to"`
	// Rows are the snapshots of each part.
	TrainRows  int          `json:"train_rows"`
	ValidRows  int          `json:"valid_rows"`
	TestRows   int          `json:"test_rows"`
	Targets    []TargetEval `json:"targets"`
	Validation []TargetEval `json:"validation,omitempty"`
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
	// grid is set on the snapshots learned from (one every step per
	// asset); the others are scored only (validation and test).
	grid bool
	// w is the snapshot's weight when it is learned from (0: scored only).
	w float64
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
	span := to.Sub(from)
	validFrom := from.Add(time.Duration(float64(span) * opt.TrainShare)).Truncate(time.Hour)
	spec := NewSpec(assets, validFrom, *opt.Features)
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
	// and stop where the shortest horizon's label is still known. The
	// models learn from one snapshot every step per asset, staggered
	// across assets (asset i's grid starts i hours later, modulo the
	// step) so that every hour of the day is learned from; the threshold
	// is chosen and the models measured on every hour, as the product
	// scores them, so the figures do not depend on where a grid falls.
	start := from.Add(24 * time.Hour).Truncate(time.Hour)
	var snaps []snapshot
	hours := int(step / time.Hour)
	longest := slices.Max(opt.Horizons)
	for i, a := range assets {
		for t, h := start, 0; !t.After(to.Add(-opt.Horizons[0])); t, h = t.Add(time.Hour), h+1 {
			grid := (h-i%hours)%hours == 0
			sn := snapshot{asset: i, t: t}
			switch {
			case opt.Sampling == SampleCases && hours > 1 && failsWithin(a.failures, t, longest):
				sn.grid, sn.w = true, 1
			case grid:
				sn.grid, sn.w = true, float64(hours)
			}
			if sn.grid || !t.Before(validFrom) {
				snaps = append(snaps, sn)
			}
		}
	}
	if len(snaps) == 0 {
		return nil, errors.New("risk: train: the history is too short for one snapshot")
	}
	x := features(spec, assets, snaps)

	targets := targetsOf(opt, compFail)
	tr := &Trained{Spec: spec, DataFrom: from, DataTo: to, Failures: failures, Assets: len(assets), StepHour: step.Hours(), Sampling: opt.Sampling}
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
	meanT, scaleT := standardize(x, trainRows, snaps)
	meanF, scaleF := standardize(x, rowsWhere(len(snaps), func(i int) bool { return snaps[i].grid }), snaps)
	fx := &fitData{assets: assets, snaps: snaps, x: x, meanT: meanT, scaleT: scaleT, meanF: meanF, scaleF: scaleF, part: part, end: to}

	// Each target's model is fitted on the training part (its penalty
	// chosen on the validation part) and refitted on the whole history;
	// then each target's threshold is chosen on the validation part for
	// its nested probability (Nesting) and measured on the test part.
	fits := make([]fitted, len(targets))
	errs := make([]error, len(targets))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(runtime.GOMAXPROCS(0), 4)); w++ {
		wg.Go(func() {
			for k := range jobs {
				fits[k], errs[k] = fx.fitTarget(targets[k], opt)
			}
		})
	}
	for k := range targets {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	for k := range targets {
		if errs[k] != nil {
			return nil, errs[k]
		}
	}
	tr.Nesting = opt.Nesting
	// Shorter horizons first: under NestAlarm a target's threshold is
	// chosen with the alarms of the shorter ones already fixed.
	order := make([]int, len(targets))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return targets[order[a]].HorizonHours < targets[order[b]].HorizonHours })
	thrs := make([]float64, len(targets))
	evs := make([]TargetEval, len(targets))
	valids := make([]TargetEval, len(targets))
	for _, k := range order {
		tg := targets[k]
		var nested []nestedModel
		for j, o := range targets {
			if j != k && opt.Nesting.includes(tg, o) {
				nested = append(nested, nestedModel{fits[j].train, thrs[j]})
			}
		}
		evs[k], valids[k], thrs[k] = fx.judge(tg, fits[k].train, nested, opt)
	}
	for k, tg := range targets {
		tr.Models = append(tr.Models, TargetModel{Target: tg, Model: fits[k].final, Threshold: thrs[k]})
		tr.Eval.Targets = append(tr.Eval.Targets, evs[k])
		tr.Eval.Validation = append(tr.Eval.Validation, valids[k])
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

// fitData is what every target's fit shares: the snapshots, their
// features, and the standardisation of the training part (T) and of the
// whole history (F, for the final refit).
type fitData struct {
	assets                       []*Asset
	snaps                        []snapshot
	x                            *matrix
	meanT, scaleT, meanF, scaleF []float64
	part                         func(Target, int) int
	end                          time.Time // where the labels are known up to
}

// fitted is a target's model fitted on the training part and refitted on
// the whole history.
type fitted struct {
	train, final LogReg
}

// label is 1 when row i's asset fails (tg's component, or any) within
// tg's horizon after the snapshot.
func (fx *fitData) label(tg Target, i int) float64 {
	return b2f(failsWithin(fx.assets[fx.snaps[i].asset].failuresOf(tg), fx.snaps[i].t, tg.horizon()))
}

// rows are the snapshot indexes of each part for tg (training, validation,
// test) and those whose label is known by the end of the history.
func (fx *fitData) rows(tg Target, opt Options) (idx [3][]int, all []int) {
	h := tg.horizon()
	snaps := fx.snaps
	for i := range snaps {
		p := fx.part(tg, i)
		if p >= 0 {
			idx[p] = append(idx[p], i)
		}
		if snaps[i].grid && !snaps[i].t.Add(h).After(fx.end) {
			all = append(all, i)
		}
	}
	return idx, all
}

// weights are the rows' weights in a fit (see SampleCases).
func (fx *fitData) weights(rows []int) []float64 {
	out := make([]float64, len(rows))
	for k, i := range rows {
		out[k] = fx.snaps[i].w
	}
	return out
}

func (fx *fitData) labels(tg Target, rows []int) []float64 {
	out := make([]float64, len(rows))
	for k, i := range rows {
		out[k] = fx.label(tg, i)
	}
	return out
}

// fitTarget fits a target's model on the training part with each penalty,
// strongest first (each fit starts from the previous one), keeps the one
// that ranks the validation part best (a weaker penalty must do strictly
// better), and refits it on the whole history with that penalty.
func (fx *fitData) fitTarget(tg Target, opt Options) (fitted, error) {
	idx, all := fx.rows(tg, opt)
	yt, yv := fx.labels(tg, idx[0]), fx.labels(tg, idx[1])
	var m LogReg
	bestAP := -1.0
	var prev *LogReg
	for _, lambda := range opt.Lambdas {
		c, err := fit(fx.x, idx[0], fx.weights(idx[0]), fx.meanT, fx.scaleT, yt, lambda, prev)
		if err != nil {
			return fitted{}, err
		}
		prev = &c
		if ap := averagePrecision(scoreRows(c, fx.x, idx[1]), yv); ap > bestAP {
			m, bestAP = c, ap
		}
	}
	final, err := fit(fx.x, all, fx.weights(all), fx.meanF, fx.scaleF, fx.labels(tg, all), m.Lambda, &m)
	if err != nil {
		return fitted{}, err
	}
	return fitted{train: m, final: final}, nil
}

// nestedModel is the model (fitted on the training part) of an event a
// target includes, with its threshold.
type nestedModel struct {
	m   LogReg
	thr float64
}

// judge chooses tg's threshold on the validation part and measures it
// there and on the test part, for the score opt.Nesting gives: its own
// model's probability (NestNone); the highest of it and the nested
// models' (NestHorizon); or its own, raised above every threshold where a
// nested model is in alarm (NestAlarm).
func (fx *fitData) judge(tg Target, own LogReg, nested []nestedModel, opt Options) (ev, valid TargetEval, thr float64) {
	idx, _ := fx.rows(tg, opt)
	// score returns the probabilities (the highest of the own and nested
	// models' under NestHorizon and NestAlarm) and the scores the
	// threshold applies to.
	score := func(rows []int) (prob, sc []float64) {
		prob = scoreRows(own, fx.x, rows)
		sc = append([]float64(nil), prob...)
		for _, n := range nested {
			for k, q := range scoreRows(n.m, fx.x, rows) {
				prob[k] = math.Max(prob[k], q)
				switch {
				case opt.Nesting == NestAlarm && q >= n.thr:
					sc[k] = math.Max(sc[k], 1+q) // in alarm at any threshold of tg's own
				case opt.Nesting == NestHorizon:
					sc[k] = prob[k]
				}
			}
		}
		return prob, sc
	}
	pv, sv := score(idx[1])
	yv := fx.labels(tg, idx[1])
	var rp *rowPlaces
	if opt.Rule == RuleConfident {
		rp = &rowPlaces{horizonHours: int64(tg.HorizonHours)}
		for _, i := range idx[1] {
			rp.asset = append(rp.asset, fx.snaps[i].asset)
			rp.hour = append(rp.hour, fx.snaps[i].t.Unix()/3600)
		}
	}
	thr = chooseThreshold(sv, yv, failurePeaks(tg, fx.assets, fx.snaps, idx[1], sv), opt.Precision, opt.Rule, rp)
	thr = math.Min(thr, 1) // above 1: the nested alarms alone
	valid = measure(tg, fx.assets, fx.snaps, idx[1], pv, sv, yv, thr, Options{})
	pt, st := score(idx[2])
	ev = measure(tg, fx.assets, fx.snaps, idx[2], pt, st, fx.labels(tg, idx[2]), thr, opt)
	return ev, valid, thr
}

// scoreRows scores rows of x with m.
func scoreRows(m LogReg, x *matrix, rows []int) []float64 {
	sc := m.scorer()
	out := make([]float64, len(rows))
	for k, i := range rows {
		out[k] = sc.row(x, i)
	}
	return out
}

// features computes every snapshot's features, in parallel chunks.
func features(spec Spec, assets []*Asset, snaps []snapshot) *matrix {
	d := spec.Len()
	workers := max(1, runtime.GOMAXPROCS(0))
	chunk := (len(snaps) + workers - 1) / workers
	parts := make([]*matrix, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(snaps))
		wg.Go(func() {
			m := newMatrix(d)
			buf := make([]float64, 0, d)
			for i := lo; i < hi; i++ {
				buf = spec.Features(assets[snaps[i].asset], snaps[i].t, buf)
				m.add(buf)
			}
			parts[w] = m
		})
	}
	wg.Wait()
	x := newMatrix(d)
	for _, m := range parts {
		x.appendRows(m)
	}
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

// ThresholdRule names how the alarm threshold is chosen on the
// validation part.
type ThresholdRule string

// The threshold rules.
const (
	// RuleFailures: among the thresholds whose precision reaches the aim,
	// the highest of those that catch the most failures (an alarm that
	// catches no further failure only costs precision).
	RuleFailures ThresholdRule = "failures"
	// RuleAssetHours: the lowest threshold whose precision reaches the aim
	// (the most asset-hours flagged).
	RuleAssetHours ThresholdRule = "asset-hours"
	// RuleBalanced: among the thresholds whose precision reaches the aim,
	// the one with the best harmonic mean of failure recall and precision
	// (the highest of equals): an alarm that catches one more failure at
	// the cost of many false asset-hours is not taken.
	RuleBalanced ThresholdRule = "balanced"
	// RuleConfident: as RuleFailures, but a threshold passes only when a
	// one-sided 95 % lower confidence bound on its precision (Wilson score,
	// confidenceZ) reaches the aim, not the point estimate: the margin
	// shrinks as the validation evidence grows. The evidence is counted in
	// alarm episodes, not asset-hours (see alarmEpisodes): an asset's
	// consecutive alarms share their label and are one observation, not
	// dozens. When no threshold that catches a failure passes, it falls
	// back to RuleFailures. The default.
	RuleConfident ThresholdRule = "confident"
)

// confidenceZ is RuleConfident's normal quantile: a one-sided 95 % bound.
const confidenceZ = 1.645

// wilsonLower is the Wilson score lower bound on a proportion p̂ observed
// over n (effective) trials, at normal quantile z.
func wilsonLower(p, n, z float64) float64 {
	if n <= 0 {
		return 0
	}
	z2 := z * z
	return (p + z2/(2*n) - z*math.Sqrt(p*(1-p)/n+z2/(4*n*n))) / (1 + z2/n)
}

// rowPlaces locate the rows a threshold is chosen on, for RuleConfident:
// each row's asset and hour (since the Unix epoch), and the target's
// horizon in hours.
type rowPlaces struct {
	asset        []int
	hour         []int64
	horizonHours int64
}

// alarmEpisodes groups flagged rows into episodes as a threshold comes
// down: the flagged hours of one asset, those less than the horizon apart
// joined (two hours that close can be labelled by the same failure). If
// each episode's hours share its outcome, the flagged asset-hours'
// precision is a mean of the episodes' outcomes weighted by their lengths
// nᵢ, whose variance is p(1−p)·Σnᵢ²/(Σnᵢ)²: its effective sample size is
// (Σnᵢ)²/Σnᵢ² (Kish's), at most the number of episodes.
type alarmEpisodes struct {
	rp      *rowPlaces
	gap     int64
	lines   map[int]*assetLine
	parent  []int
	size    []int
	flagged []bool
	n       float64 // flagged rows, Σnᵢ
	sumSq   float64 // Σnᵢ²
}

// assetLine maps an asset's hours (from base) to row positions (−1: none).
type assetLine struct {
	base int64
	at   []int
}

func newAlarmEpisodes(rp *rowPlaces) *alarmEpisodes {
	e := &alarmEpisodes{rp: rp, gap: max(1, rp.horizonHours-1), lines: map[int]*assetLine{},
		parent: make([]int, len(rp.asset)), size: make([]int, len(rp.asset)), flagged: make([]bool, len(rp.asset))}
	lo, hi := map[int]int64{}, map[int]int64{}
	for k, a := range rp.asset {
		h := rp.hour[k]
		if l, ok := lo[a]; !ok || h < l {
			lo[a] = h
		}
		if u, ok := hi[a]; !ok || h > u {
			hi[a] = h
		}
	}
	for a, l := range lo {
		at := make([]int, hi[a]-l+1)
		for j := range at {
			at[j] = -1
		}
		e.lines[a] = &assetLine{base: l, at: at}
	}
	for k, a := range rp.asset {
		l := e.lines[a]
		l.at[rp.hour[k]-l.base] = k
	}
	return e
}

func (e *alarmEpisodes) root(k int) int {
	for e.parent[k] != k {
		e.parent[k] = e.parent[e.parent[k]]
		k = e.parent[k]
	}
	return k
}

func (e *alarmEpisodes) join(a, b int) {
	ra, rb := e.root(a), e.root(b)
	if ra == rb {
		return
	}
	sa, sb := float64(e.size[ra]), float64(e.size[rb])
	e.sumSq += (sa+sb)*(sa+sb) - sa*sa - sb*sb
	if e.size[ra] < e.size[rb] {
		ra, rb = rb, ra
	}
	e.parent[rb] = ra
	e.size[ra] += e.size[rb]
}

// flag adds row k to the alarms, joining it to the nearest flagged hour of
// its asset on either side that is less than the horizon away (every
// flagged hour nearer is already in that one's episode).
func (e *alarmEpisodes) flag(k int) {
	if e.flagged[k] {
		return
	}
	e.flagged[k], e.parent[k], e.size[k] = true, k, 1
	e.n++
	e.sumSq++
	l := e.lines[e.rp.asset[k]]
	h := e.rp.hour[k] - l.base
	for _, dir := range []int64{-1, 1} {
		for d := int64(1); d <= e.gap; d++ {
			j := h + dir*d
			if j < 0 || j >= int64(len(l.at)) {
				break
			}
			if q := l.at[j]; q >= 0 && e.flagged[q] {
				e.join(k, q)
				break
			}
		}
	}
}

// effective is the flagged rows' effective sample size, (Σnᵢ)²/Σnᵢ².
func (e *alarmEpisodes) effective() float64 {
	if e.sumSq == 0 {
		return 0
	}
	return e.n * e.n / e.sumSq
}

// failurePeaks returns, for each failure of the target whose horizon lies
// within rows' span (as eventRecall counts them), the highest score of its
// asset's rows in the horizon before it: the failure is caught at any
// threshold up to that score (−1 when no row is there).
func failurePeaks(tg Target, assets []*Asset, snaps []snapshot, rows []int, p []float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	from, to := snaps[rows[0]].t, snaps[rows[0]].t
	byAsset := map[int][]int{} // positions in rows, in time order
	for k, i := range rows {
		from, to = minT(from, snaps[i].t), maxT(to, snaps[i].t)
		byAsset[snaps[i].asset] = append(byAsset[snaps[i].asset], k)
	}
	h := tg.horizon()
	var out []float64
	eachFailure(tg, assets, from, to, h, func(ai int, f time.Time) {
		peak := -1.0
		for _, k := range byAsset[ai] {
			t := snaps[rows[k]].t
			if !t.Before(f.Add(-h)) && t.Before(f) {
				peak = math.Max(peak, p[k])
			}
		}
		out = append(out, peak)
	})
	return out
}

// chooseThreshold picks the alarm threshold on the validation part's
// scores p, labels y and failure peaks (failurePeaks) by rule, for a
// precision of at least want; when no threshold reaches it (for
// RuleFailures: none that catches a failure), the one with the best F1 of
// asset-hours. RuleConfident needs the rows' places (rp); without them, or
// when no threshold passes its bound, it is RuleFailures.
func chooseThreshold(p, y, peaks []float64, want float64, rule ThresholdRule, rp *rowPlaces) float64 {
	var ep *alarmEpisodes
	if rule == RuleConfident {
		if rp == nil || len(rp.asset) != len(p) {
			return chooseThreshold(p, y, peaks, want, RuleFailures, nil)
		}
		ep = newAlarmEpisodes(rp)
	}
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	pk := append([]float64(nil), peaks...)
	sort.Sort(sort.Reverse(sort.Float64Slice(pk)))
	pos := 0.0
	for _, v := range y {
		pos += v
	}
	if pos == 0 {
		return 0.5
	}
	best, bestF1, tp := -1.0, -1.0, 0.0
	f1Thr := 0.5
	caught, bestCaught := 0, 0 // a threshold that catches no failure is no choice
	bestBal := 0.0
	for k, i := range idx {
		tp += y[i]
		if ep != nil {
			ep.flag(i)
		}
		if k+1 < len(idx) && p[idx[k+1]] == p[i] {
			continue // a threshold sits between distinct scores
		}
		for caught < len(pk) && pk[caught] >= p[i] {
			caught++
		}
		prec, rec := tp/float64(k+1), tp/pos
		passes := prec >= want
		if ep != nil {
			passes = wilsonLower(prec, ep.effective(), confidenceZ) >= want
		}
		if passes {
			switch rule {
			case RuleAssetHours:
				best = p[i]
			case RuleBalanced:
				if len(pk) > 0 {
					r := float64(caught) / float64(len(pk))
					if f := 2 * prec * r / math.Max(prec+r, 1e-12); caught > 0 && f > bestBal {
						best, bestBal = p[i], f
					}
				}
			default:
				if caught > bestCaught {
					best, bestCaught = p[i], caught
				}
			}
		}
		if f1 := 2 * prec * rec / math.Max(prec+rec, 1e-12); f1 > bestF1 {
			bestF1, f1Thr = f1, p[i]
		}
	}
	if best > 0 {
		return best
	}
	if rule == RuleConfident {
		return chooseThreshold(p, y, peaks, want, RuleFailures, nil)
	}
	return f1Thr
}
