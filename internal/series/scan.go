package series

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// Detector judges one series in a plant-wide scan. M is what it learns
// from a series' history (its model); the Scanner keeps models between
// scans and fits them again only when they are old, so a scan every
// minute does not refit thousands of models every minute.
type Detector[M any] interface {
	// Fit builds the model of s from its history: hourly means over
	// ScanOptions.FitSpan before the window, NaN where none.
	Fit(s Series, history predict.Series) (M, error)
	// Score judges the recent means (ScanOptions.Context before from, then
	// the window itself, at the scan's resolution) with the model and
	// returns the events that end at or after from.
	Score(s Series, m M, recent predict.Series, from time.Time) ([]predict.Event, error)
}

// ScanOptions bound a plant-wide scan. The zero value is sensible.
type ScanOptions struct {
	// FitSpan is the history a model is fitted on (default 14 days of
	// hourly means, from the hour rollups).
	FitSpan time.Duration
	// RefitAfter is how old (in data time) a model may be before it is
	// fitted again (default 24 hours).
	RefitAfter time.Duration
	// Context is the recent history read before the window so the
	// detector has a baseline (default 2 hours, and at least MinContext
	// steps).
	Context time.Duration
	// MaxPoints caps the points read per series (context and window): the
	// resolution is the finest of the series' interval, 1, 5 and 15
	// minutes and 1 hour that stays under it (default 720). Coarser than
	// the interval reads rollups.
	MaxPoints int
	// Batch is how many series one read fetches (default 250).
	Batch int
	// Workers is how many detectors, and how many batch reads, run at once
	// (default GOMAXPROCS): memory holds at most 2·Workers+1 batches.
	Workers int
}

// MinContext is the fewest steps of context a scan reads before its
// window, so the detector's robust baseline rests on more than the window.
const MinContext = 48

func (o *ScanOptions) defaults() {
	if o.FitSpan <= 0 {
		o.FitSpan = 14 * 24 * time.Hour
	}
	if o.RefitAfter <= 0 {
		o.RefitAfter = 24 * time.Hour
	}
	if o.Context <= 0 {
		o.Context = 2 * time.Hour
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = 720
	}
	if o.Batch <= 0 {
		o.Batch = 250
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// Finding is a series with anomalies in the scanned window.
type Finding struct {
	Series Series
	// Events end inside the window, in time order (as Detector.Score
	// returns them).
	Events []predict.Event
}

// Onset is when the first event of a finding (or of an asset) began.
func (f Finding) Onset() time.Time { return f.Events[0].Start }

// ScanReport is the result of one plant-wide scan.
type ScanReport struct {
	From, To time.Time
	// Findings are the series with events, earliest onset first.
	Findings []Finding
	// Scanned counts the series judged; Skipped those without enough
	// data (listed by name in SkippedNames, at most 50).
	Scanned, Skipped int
	SkippedNames     []string
	// Fitted counts models fitted by this scan, Reused those kept from
	// an earlier one.
	Fitted, Reused int
	// Steps counts the series read at each resolution.
	Steps map[time.Duration]int
	// Elapsed is the whole scan; Read the time spent waiting for data.
	Elapsed, Read time.Duration
}

// AssetOnset is when an asset's first anomaly in a scan began.
type AssetOnset struct {
	Asset  string
	Onset  time.Time
	Series string // the series whose event began first
}

// First answers "which machine first": the assets with findings, by the
// onset of their earliest event (series without an asset count under
// their own name).
func (r ScanReport) First() []AssetOnset {
	seen := map[string]bool{}
	var out []AssetOnset
	for _, f := range r.Findings { // already by onset
		a := f.Series.Asset
		if a == "" {
			a = f.Series.Name
		}
		if seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, AssetOnset{Asset: a, Onset: f.Onset(), Series: f.Series.Name})
	}
	return out
}

// Scanner runs plant-wide scans with one detector, keeping the models it
// fits. It is safe for concurrent use.
type Scanner[M any] struct {
	st  *Store
	det Detector[M]
	opt ScanOptions

	mu     sync.Mutex
	models map[int64]fitted[M]
}

type fitted[M any] struct {
	model M
	upTo  time.Time // the end of the history it was fitted on
}

// NewScanner returns a scanner reading through st with det.
func NewScanner[M any](st *Store, det Detector[M], opt ScanOptions) *Scanner[M] {
	opt.defaults()
	return &Scanner[M]{st: st, det: det, opt: opt, models: map[int64]fitted[M]{}}
}

// ChooseStep is the finest of interval, 1, 5 and 15 minutes, 1, 6 hours
// and 1 day at which span fits in maxPoints, never finer than interval;
// rollups serve every step coarser than the interval.
func ChooseStep(span, interval time.Duration, maxPoints int) time.Duration {
	for _, s := range []time.Duration{interval, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour} {
		if s <= 0 || s < interval {
			continue
		}
		if span/s <= time.Duration(maxPoints) {
			return s
		}
	}
	return 24 * time.Hour
}

// batch is one group of series read together.
type batch struct {
	ss      []Series
	steps   map[int64]time.Duration
	recent  map[int64][]Point
	history map[int64][]Point
	err     error
}

// Scan judges every series in ss over [from, to): it reads each at the
// coarsest resolution that keeps MaxPoints (rollups where that is coarser
// than its interval), in batches read concurrently while the batches
// already read are judged by Workers detectors in parallel; it fits the
// models it has not got or that are older than RefitAfter. Memory is
// bounded by 2·Workers+1 batches. Series without enough data are counted
// as skipped, not errors.
func (sc *Scanner[M]) Scan(ctx context.Context, ss []Series, from, to time.Time) (ScanReport, error) {
	began := time.Now()
	rep := ScanReport{From: from, To: to, Steps: map[time.Duration]int{}}
	if !to.After(from) {
		return rep, fmt.Errorf("series: scan: the window %s–%s is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Readers fetch batches concurrently (up to Workers, each on its own
	// connection) while the detectors judge the batches already read: at
	// most 2·Workers+1 batches are in memory.
	readers := min(sc.opt.Workers, (len(ss)+sc.opt.Batch-1)/sc.opt.Batch, sc.st.Parallel())
	batches := make(chan *batch, readers)
	next := make(chan int)
	var rwg sync.WaitGroup
	for range readers {
		rwg.Go(func() {
			for lo := range next {
				b := sc.read(ctx, ss[lo:min(lo+sc.opt.Batch, len(ss))], from, to)
				select {
				case batches <- b:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer func() {
			close(next)
			rwg.Wait()
			close(batches)
		}()
		for lo := 0; lo < len(ss); lo += sc.opt.Batch {
			select {
			case next <- lo:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu       sync.Mutex
		findings []Finding
		firstErr error
	)
	for {
		waitStart := time.Now()
		b, ok := <-batches
		rep.Read += time.Since(waitStart)
		if !ok {
			break
		}
		if b.err != nil {
			return rep, b.err
		}
		jobs := make(chan Series)
		var wg sync.WaitGroup
		for range sc.opt.Workers {
			wg.Go(func() {
				for s := range jobs {
					f, fit, reused, skip, err := sc.judge(s, b, from, to)
					mu.Lock()
					switch {
					case err != nil:
						if firstErr == nil {
							firstErr = err
						}
					case skip:
						rep.Skipped++
						if len(rep.SkippedNames) < 50 {
							rep.SkippedNames = append(rep.SkippedNames, s.Name)
						}
					default:
						rep.Scanned++
						if len(f.Events) > 0 {
							findings = append(findings, f)
						}
					}
					if fit {
						rep.Fitted++
					}
					if reused {
						rep.Reused++
					}
					mu.Unlock()
				}
			})
		}
		for _, s := range b.ss {
			rep.Steps[b.steps[s.ID]]++
			jobs <- s
		}
		close(jobs)
		wg.Wait()
		if firstErr != nil {
			return rep, firstErr
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		if !findings[i].Onset().Equal(findings[j].Onset()) {
			return findings[i].Onset().Before(findings[j].Onset())
		}
		return findings[i].Series.Name < findings[j].Series.Name
	})
	rep.Findings = findings
	rep.Elapsed = time.Since(began)
	return rep, nil
}

// needsFit reports whether s has no model fitted up to from − RefitAfter.
func (sc *Scanner[M]) needsFit(s Series, from time.Time) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	m, ok := sc.models[s.ID]
	return !ok || from.Sub(m.upTo) > sc.opt.RefitAfter || m.upTo.After(from)
}

// read fetches one batch: the recent means of every series at its step
// and the hourly history of those that need a model.
func (sc *Scanner[M]) read(ctx context.Context, ss []Series, from, to time.Time) *batch {
	b := &batch{ss: ss, steps: map[int64]time.Duration{}, recent: map[int64][]Point{}, history: map[int64][]Point{}}
	byStep := map[time.Duration][]Series{}
	var fit []Series
	for _, s := range ss {
		iv := s.Interval
		if iv <= 0 {
			iv = time.Minute
		}
		ctxSpan := sc.opt.Context
		step := ChooseStep(to.Sub(from)+ctxSpan, iv, sc.opt.MaxPoints)
		if minCtx := MinContext * step; ctxSpan < minCtx {
			ctxSpan = minCtx
			step = ChooseStep(to.Sub(from)+ctxSpan, iv, sc.opt.MaxPoints)
		}
		b.steps[s.ID] = step
		byStep[step] = append(byStep[step], s)
		if sc.needsFit(s, from) {
			fit = append(fit, s)
		}
	}
	for step, group := range byStep {
		ctxSpan := max(sc.opt.Context, MinContext*step)
		// Means per step: from the minute or hour rollups where the step
		// is coarser than the interval, else the readings themselves.
		pts, err := sc.st.Points(ctx, group, from.Add(-ctxSpan), to, step)
		if err != nil {
			b.err = fmt.Errorf("series: scan: %w", err)
			return b
		}
		for id, p := range pts {
			b.recent[id] = p
		}
	}
	if len(fit) > 0 {
		hist, err := sc.st.Points(ctx, fit, from.Add(-sc.opt.FitSpan), from, time.Hour)
		if err != nil {
			b.err = fmt.Errorf("series: scan: history: %w", err)
			return b
		}
		b.history = hist
	}
	return b
}

// judge scores one series of a batch, fitting its model first when needed.
func (sc *Scanner[M]) judge(s Series, b *batch, from, to time.Time) (f Finding, fit, reused, skip bool, err error) {
	step := b.steps[s.ID]
	sc.mu.Lock()
	m, ok := sc.models[s.ID]
	sc.mu.Unlock()
	if ok && !(from.Sub(m.upTo) > sc.opt.RefitAfter || m.upTo.After(from)) {
		reused = true
	} else {
		hist := regular(b.history[s.ID], time.Hour, from.Add(-sc.opt.FitSpan), from)
		model, ferr := sc.det.Fit(s, hist)
		if errors.Is(ferr, predict.ErrTooShort) {
			return Finding{}, false, false, true, nil
		}
		if ferr != nil {
			return Finding{}, false, false, false, fmt.Errorf("series: scan: fit %s: %w", s.Name, ferr)
		}
		m = fitted[M]{model: model, upTo: from}
		sc.mu.Lock()
		sc.models[s.ID] = m
		sc.mu.Unlock()
		fit = true
	}
	ctxSpan := max(sc.opt.Context, MinContext*step)
	recent := regular(b.recent[s.ID], step, from.Add(-ctxSpan), to)
	if predict.CountFinite(recent.Values) == 0 {
		return Finding{}, fit, reused, true, nil
	}
	evs, serr := sc.det.Score(s, m.model, recent, from)
	if errors.Is(serr, predict.ErrTooShort) {
		return Finding{}, fit, reused, true, nil
	}
	if serr != nil {
		return Finding{}, fit, reused, false, fmt.Errorf("series: scan: score %s: %w", s.Name, serr)
	}
	return Finding{Series: s, Events: evs}, fit, reused, false, nil
}

// regular puts points on the grid of step over [from, to), NaN where none
// (several points in a slot are averaged).
func regular(pts []Point, step time.Duration, from, to time.Time) predict.Series {
	start := slotStart(from, step)
	n := int((to.Sub(start) + step - 1) / step)
	s := predict.Series{Times: make([]time.Time, n), Values: make([]float64, n)}
	cnt := make([]int, n)
	for i := range s.Times {
		s.Times[i] = start.Add(time.Duration(i) * step)
	}
	for _, p := range pts {
		k := int(p.TS.Sub(start) / step)
		if k < 0 || k >= n {
			continue
		}
		s.Values[k] += p.Value
		cnt[k]++
	}
	for i := range s.Values {
		if cnt[i] == 0 {
			s.Values[i] = math.NaN()
		} else {
			s.Values[i] /= float64(cnt[i])
		}
	}
	return s
}

// Profile is the model PredictDetector fits: the series' usual level at
// each hour of its seasonal period.
type Profile struct {
	// Period is the seasonal period in hours (1: none found).
	Period int
	// Level is the median of the hourly means at each phase of the period
	// (phase = hours since the Unix epoch modulo Period).
	Level []float64
}

// at is the usual level at t: each hour's level stands for the middle of
// the hour, and the levels between are interpolated, so the baseline
// follows the daily swing within the hour instead of stepping at its end
// (a step every hour would look like a level shift to the detector).
func (p Profile) at(t time.Time) float64 {
	x := float64(t.UnixMilli())/3.6e6 - 0.5
	k := math.Floor(x)
	frac := x - k
	i := ((int(k) % p.Period) + p.Period) % p.Period
	return p.Level[i]*(1-frac) + p.Level[(i+1)%p.Period]*frac
}

// PredictDetector scans with Gemba's detector (package predict): Fit
// finds the daily or weekly pattern of the hourly history with
// predict.DetectPeriod and keeps the median level of each hour of it;
// Score removes that pattern from the recent means and runs the
// detector, predict.Detect in batch mode, on what is left, so a shift-change or a
// weekend is not an anomaly but a departure from the usual hour is.
type PredictDetector struct {
	// Options are passed to predict.Detect (Online and Period are set by
	// the detector; zero values take predict's defaults, as the tools do).
	Options predict.DetectOptions
}

// Fit implements Detector.
func (d PredictDetector) Fit(_ Series, h predict.Series) (Profile, error) {
	// Two days at least: with less, a daily swing cannot be told from a
	// trend, and every afternoon would look like an anomaly.
	n := predict.CountFinite(h.Values)
	if n < 48 {
		return Profile{}, fmt.Errorf("series: fit: %d hours of history, two days needed: %w", n, predict.ErrTooShort)
	}
	period := predict.DetectPeriod(h.Values, min(168, len(h.Values)/2))
	if period < 2 || period*2 > n {
		period = 1
	}
	buckets := make([][]float64, period)
	for i, v := range h.Values {
		if !math.IsNaN(v) {
			k := ((int(h.Times[i].Unix()/3600) % period) + period) % period
			buckets[k] = append(buckets[k], v)
		}
	}
	all := make([]float64, 0, n)
	for _, v := range h.Values {
		if !math.IsNaN(v) {
			all = append(all, v)
		}
	}
	overall := median(all)
	p := Profile{Period: period, Level: make([]float64, period)}
	for k, b := range buckets {
		if len(b) == 0 {
			p.Level[k] = overall
		} else {
			p.Level[k] = median(b)
		}
	}
	return p, nil
}

// Score implements Detector.
func (d PredictDetector) Score(_ Series, m Profile, recent predict.Series, from time.Time) ([]predict.Event, error) {
	resid := predict.Series{Times: recent.Times, Values: make([]float64, len(recent.Values))}
	for i, v := range recent.Values {
		resid.Values[i] = v - m.at(recent.Times[i])
	}
	opt := d.Options
	// The scan judges a window in hindsight, on the residual from the
	// fitted profile: predict's batch mode (robust z of every point
	// against the context and window together) suits that. Its online
	// mode needs a warm-up of 150 points and a long calibration history
	// that a scan's few hours of context cannot give, and then raises
	// drift events on noise.
	opt.Online, opt.Period = false, 1
	det, err := predict.Detect(resid, opt)
	if err != nil {
		return nil, err
	}
	var out []predict.Event
	for _, e := range det.Events {
		if e.End.Before(from) {
			continue
		}
		e.PeakValue = recent.Values[e.PeakIdx]
		out = append(out, e)
	}
	return out, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	c := slices.Clone(v)
	slices.Sort(c)
	return c[len(c)/2]
}
