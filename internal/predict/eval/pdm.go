// Package eval measures Gemba's predictive models on real (or, here,
// realistically simulated) plant data, so their numbers can be rerun and
// quoted: `gemba model evaluate-pdm` calls [EvalPdM].
package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// Settings of the PdM evaluation; see PdMReport for what they mean.
const (
	pdmMachines     = 20
	pdmLead         = 48 * time.Hour
	pdmHistory      = 7 * 24 * time.Hour
	pdmHorizon      = 24
	pdmOrigins      = 7
	pdmSeason       = 24
	pdmDailyOrigins = 4
	pdmTimeLayout   = "2006-01-02 15:04:05"
	pdmTelemetry    = "PdM_telemetry.csv"
	pdmFailures     = "PdM_failures.csv"
	pdmErrors       = "PdM_errors.csv"
	pdmMaint        = "PdM_maint.csv"
	hoursPerMonth   = 730.5 // 365.25·24/12
	pdmDetectorName = "online multivariate (4 sensors per machine: a calibrated streaming detector per sensor and a joint shift test, MEWMA and per-sensor CUSUM)"
)

// pdmSensors are the telemetry columns, in file order.
var pdmSensors = []string{"volt", "rotate", "pressure", "vibration"}

// PdMDetectOptions are the detector settings the evaluation uses: the one
// detector configuration (predict.DetectorSettings) for three months of
// hourly telemetry, online, so each hour is judged only from the hours
// before it, as it would be live.
var PdMDetectOptions = predict.DetectorSettings(time.Hour, 2160, true)

// PdMReport is the outcome of [EvalPdM].
type PdMReport struct {
	// Detector describes the detector and mode evaluated.
	Detector string
	// Options are the detector options used.
	Options predict.DetectOptions
	// Machines is the number of machines evaluated (those with telemetry, ≤ 20).
	Machines int
	// Start and End bound the telemetry window.
	Start, End time.Time
	// MachineMonths is the observed time, machines × months (730.5 h).
	MachineMonths float64
	// Failures counts the breakdowns of those machines inside the window:
	// failure records at distinct (machine, hour); several components
	// replaced at the same hour are one breakdown.
	Failures int
	// ComponentFailures counts the failure records (one per component).
	ComponentFailures int
	// Detected counts failures preceded by an anomaly event on the same
	// machine within 48 hours (an event active at some time in [f−48h, f)).
	Detected int
	// DetectionRate is Detected / Failures.
	DetectionRate float64
	// WithHistory counts the failures at least 7 days after the start of
	// the telemetry: an online detector cannot judge the first days, for
	// it has no past to compare them with.
	WithHistory int
	// DetectedWithHistory counts those of them that were detected.
	DetectedWithHistory int
	// Events counts all anomaly events.
	Events int
	// FalseEvents counts events not followed by a failure within 48 hours
	// (no failure between the event's start and 48 h after its end).
	FalseEvents int
	// AfterRepairEvents counts the false events that begin within 48 hours
	// after a failure: the sensors settling after a component replacement.
	AfterRepairEvents int
	// BeforeErrorEvents counts the false events followed within 48 hours
	// by a logged non-fatal error on the machine (PdM_errors.csv). Errors
	// are frequent, so compare with ChanceError before reading these as
	// precursors: on machines 1–20 the count is what chance gives.
	BeforeErrorEvents int
	// BeforeReplacementEvents counts the false events followed within 48
	// hours by a scheduled component replacement on the machine (a
	// PdM_maint.csv record at no failure): the simulated component was
	// wearing and was replaced before it failed.
	BeforeReplacementEvents int
	// UnexplainedEvents counts the false events followed by neither a
	// logged error nor a scheduled replacement.
	UnexplainedEvents int
	// ChanceError, ChanceReplacement and ChanceEither are how many of the
	// false events would be followed by an error, a replacement or either
	// by coincidence: the expected counts had each started at a random
	// hour of its machine's window. Errors and replacements are frequent,
	// so a good share of the "explained" events are explained by chance.
	ChanceError, ChanceReplacement, ChanceEither float64
	// FalseEventsPerMachineMonth is FalseEvents / MachineMonths.
	FalseEventsPerMachineMonth float64
	// Alerts counts the events a logged error of the machine confirms (an
	// error in PdM_errors.csv while the event ran or within
	// predict.AlarmAfter after it): the events Gemba pages someone for on a
	// machine whose alarm log it reads. An alert begins when it is
	// confirmed (the error's time, or the event's onset when the error came
	// first).
	Alerts int
	// AlertsDetected counts failures preceded by an alert within 48 hours.
	AlertsDetected int
	// FalseAlerts counts alerts not followed by a failure within 48 hours.
	FalseAlerts int
	// FalseAlertsPerMachineMonth is FalseAlerts / MachineMonths.
	FalseAlertsPerMachineMonth float64
	// EventLead and AlertLead are the median warning, in hours: from the
	// start of the first event (alert) before each failure it catches to
	// the failure.
	EventLead, AlertLead float64
	// BatchDetected and BatchFalseEvents are Detected and FalseEvents for
	// the same detector in batch mode (each machine's whole window judged
	// at once, as when explaining what happened): an upper reference, not
	// a live result.
	BatchDetected, BatchFalseEvents int
	// Forecast holds the hourly forecasting backtest (the headline).
	Forecast PdMForecast
	// ForecastDaily holds the backtest on daily means (a week ahead from
	// four weekly origins, seasonal naive with a weekly season).
	ForecastDaily PdMForecast
}

// PdMForecast is the rolling-origin forecasting backtest on the telemetry.
type PdMForecast struct {
	// Aggregation says how the series were prepared ("hourly").
	Aggregation string
	// Series counts the machine×sensor series backtested.
	Series int
	// Horizon is the forecast horizon in steps (hours or days).
	Horizon int
	// Origins is the number of rolling origins per series, one horizon
	// apart at the end of the window.
	Origins int
	// MASE is the mean MASE of ForecastSeries' automatic choice. Every
	// forecast is made only from the history before its origin (and the
	// model choice inside it backtests on that history alone).
	MASE float64
	// SeasonalNaiveMASE is the mean MASE of the seasonal-naive forecast
	// (a daily season for hourly data, weekly for daily means) on the same
	// origins, with the same scale.
	SeasonalNaiveMASE float64
	// NaiveMASE is the mean MASE of the naive forecast (last value).
	NaiveMASE float64
	// SMAPE and SeasonalNaiveSMAPE are the corresponding mean sMAPEs (%).
	SMAPE, SeasonalNaiveSMAPE float64
	// Models counts how often each model was chosen.
	Models map[string]int
}

// String renders the report for a terminal.
func (r *PdMReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Azure PdM telemetry, %d machines, %s to %s (%.1f machine-months)\n", r.Machines, r.Start.Format(time.DateOnly), r.End.Format(time.DateOnly), r.MachineMonths)
	fmt.Fprintf(&b, "detector: %s, asset threshold %.2f (series %.2f), period %d\n", r.Detector, r.Options.AssetThreshold, r.Options.Threshold, r.Options.Period)
	fmt.Fprintf(&b, "failures preceded by an event within 48 h: %d of %d (%.0f%%)\n", r.Detected, r.Failures, 100*r.DetectionRate)
	fmt.Fprintf(&b, "  of the %d with at least 7 days of telemetry before them: %d\n", r.WithHistory, r.DetectedWithHistory)
	fmt.Fprintf(&b, "failure records (components): %d\n", r.ComponentFailures)
	fmt.Fprintf(&b, "events: %d, not followed by a failure within 48 h: %d = %.2f per machine-month (%d of them just after a repair)\n",
		r.Events, r.FalseEvents, r.FalseEventsPerMachineMonth, r.AfterRepairEvents)
	fmt.Fprintf(&b, "  of those: %d followed by a logged error (%.1f expected by chance), %d by a scheduled component replacement (%.1f by chance), %d by neither = %.2f per machine-month (%.1f by chance)\n",
		r.BeforeErrorEvents, r.ChanceError, r.BeforeReplacementEvents, r.ChanceReplacement, r.UnexplainedEvents, float64(r.UnexplainedEvents)/r.MachineMonths, float64(r.FalseEvents)-r.ChanceEither)
	fmt.Fprintf(&b, "alerts (events confirmed by an error the machine logged while they ran or within %.0f h after): %d; failures preceded within 48 h: %d of %d (%.0f%%); not followed by a failure: %d = %.2f per machine-month\n",
		predict.AlarmAfter.Hours(), r.Alerts, r.AlertsDetected, r.Failures, 100*float64(r.AlertsDetected)/math.Max(1, float64(r.Failures)), r.FalseAlerts, r.FalseAlertsPerMachineMonth)
	fmt.Fprintf(&b, "  median warning before a caught failure: %.0f h from the event's start, %.0f h from the alert\n", r.EventLead, r.AlertLead)
	fmt.Fprintf(&b, "batch mode (whole window at once, for reference): %d of %d failures, %.2f false events per machine-month\n", r.BatchDetected, r.Failures, float64(r.BatchFalseEvents)/r.MachineMonths)
	for _, f := range []PdMForecast{r.Forecast, r.ForecastDaily} {
		fmt.Fprintf(&b, "forecast backtest (%s, %d series, horizon %d, %d origins): MASE %.3f vs seasonal naive %.3f, naive %.3f; sMAPE %.2f%% vs %.2f%%\n",
			f.Aggregation, f.Series, f.Horizon, f.Origins, f.MASE, f.SeasonalNaiveMASE, f.NaiveMASE, f.SMAPE, f.SeasonalNaiveSMAPE)
		var names []string
		for m := range f.Models {
			names = append(names, m)
		}
		sort.Strings(names)
		b.WriteString("  models chosen:")
		for _, m := range names {
			fmt.Fprintf(&b, " %s=%d", m, f.Models[m])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// machine is one machine's hourly telemetry.
type machine struct {
	id       int
	times    []time.Time
	values   [][]float64 // [sensor][t]
	failures []time.Time
	records  int         // failure records, one per component
	errors   []time.Time // logged non-fatal errors
	// replacements are the component replacements of PdM_maint.csv that
	// are not at a failure: the scheduled (preventive) ones.
	replacements []time.Time
}

// EvalPdM runs the anomaly and forecasting evaluation on Microsoft's Azure
// predictive-maintenance data in dir (PdM_telemetry.csv and
// PdM_failures.csv; machines 1–20). See PdMReport for the definitions.
func EvalPdM(dir string) (*PdMReport, error) {
	ms, err := loadPdM(dir)
	if err != nil {
		return nil, fmt.Errorf("eval: pdm: %w", err)
	}
	rep := &PdMReport{Detector: pdmDetectorName, Options: PdMDetectOptions, Machines: len(ms)}
	for _, m := range ms {
		if rep.Start.IsZero() || m.times[0].Before(rep.Start) {
			rep.Start = m.times[0]
		}
		if end := m.times[len(m.times)-1]; end.After(rep.End) {
			rep.End = end
		}
		rep.MachineMonths += float64(len(m.times)) / hoursPerMonth
	}
	type detOut struct {
		score, alerts                                     eventScore
		withHist, detectedHist, batchDetected, batchFalse int
		err                                               error
	}
	outs := make([]detOut, len(ms))
	fcs := make([][]fcScore, len(ms))
	fcsDaily := make([][]fcScore, len(ms))
	parallel(len(ms), func(i int) {
		m := ms[i]
		o := &outs[i]
		det, err := predict.DetectMulti(predict.Multi{Names: pdmSensors, Times: m.times, Values: m.values}, PdMDetectOptions)
		if err != nil {
			o.err = fmt.Errorf("machine %d: %w", m.id, err)
			return
		}
		o.score = scoreEvents(det.Events, m.times, m.failures, m.errors, m.replacements)
		o.alerts = scoreEvents(confirmed(det.Events, m.alarms()), nil, m.failures, nil, nil)
		var late []time.Time
		for _, f := range m.failures {
			if f.Sub(m.times[0]) >= pdmHistory {
				late = append(late, f)
			}
		}
		hist := scoreEvents(det.Events, nil, late, nil, nil)
		o.withHist, o.detectedHist = hist.failures, hist.detected
		batch := predict.DetectorSettings(time.Hour, len(m.times), false)
		bdet, err := predict.DetectMulti(predict.Multi{Names: pdmSensors, Times: m.times, Values: m.values}, batch)
		if err != nil {
			o.err = fmt.Errorf("machine %d: batch: %w", m.id, err)
			return
		}
		batchScore := scoreEvents(bdet.Events, nil, m.failures, nil, nil)
		o.batchDetected, o.batchFalse = batchScore.detected, batchScore.falseEv
		fcs[i], fcsDaily[i], o.err = backtestMachine(m)
	})
	var all, allDaily []fcScore
	var eventLeads, alertLeads []float64
	for i, o := range outs {
		if o.err != nil {
			return nil, fmt.Errorf("eval: pdm: %w", o.err)
		}
		rep.Failures += o.score.failures
		rep.Detected += o.score.detected
		rep.Events += o.score.events
		rep.FalseEvents += o.score.falseEv
		rep.AfterRepairEvents += o.score.afterRepair
		rep.BeforeErrorEvents += o.score.beforeErr
		rep.BeforeReplacementEvents += o.score.beforeRepl
		rep.UnexplainedEvents += o.score.unexplained
		rep.ChanceError += o.score.chanceErr
		rep.ChanceReplacement += o.score.chanceRepl
		rep.ChanceEither += o.score.chanceEither
		rep.WithHistory += o.withHist
		rep.DetectedWithHistory += o.detectedHist
		eventLeads = append(eventLeads, o.score.leads...)
		alertLeads = append(alertLeads, o.alerts.leads...)
		rep.Alerts += o.alerts.events
		rep.AlertsDetected += o.alerts.detected
		rep.FalseAlerts += o.alerts.falseEv
		rep.BatchDetected += o.batchDetected
		rep.BatchFalseEvents += o.batchFalse
		rep.ComponentFailures += ms[i].records
		all = append(all, fcs[i]...)
		allDaily = append(allDaily, fcsDaily[i]...)
	}
	if rep.Failures > 0 {
		rep.DetectionRate = float64(rep.Detected) / float64(rep.Failures)
	}
	if rep.MachineMonths > 0 {
		rep.FalseEventsPerMachineMonth = float64(rep.FalseEvents) / rep.MachineMonths
		rep.FalseAlertsPerMachineMonth = float64(rep.FalseAlerts) / rep.MachineMonths
	}
	rep.EventLead, rep.AlertLead = median(eventLeads), median(alertLeads)
	rep.Forecast = summarize(all, "hourly", pdmHorizon, pdmOrigins)
	rep.ForecastDaily = summarize(allDaily, "daily means", 7, pdmDailyOrigins)
	return rep, nil
}

// confirmed returns the events an alarm confirms (predict.Confirming), each
// as the alert it raises: from the time it was confirmed to the event's end.
func confirmed(evs []predict.Event, alarms []predict.Alarm) []predict.Event {
	var out []predict.Event
	for _, e := range evs {
		a, ok := predict.Confirming(e.Start, e.End, alarms)
		if !ok {
			continue
		}
		e.Start = predict.ConfirmedAt(e.Onset, a)
		if e.End.Before(e.Start) {
			e.End = e.Start
		}
		out = append(out, e)
	}
	return out
}

// alarms are the machine's logged errors as alarms.
func (m *machine) alarms() []predict.Alarm {
	out := make([]predict.Alarm, len(m.errors))
	for i, t := range m.errors {
		out[i] = predict.Alarm{At: t}
	}
	return out
}

// eventScore is one machine's events matched with its failures, errors and
// scheduled replacements; the fields are those of PdMReport.
type eventScore struct {
	failures, detected, events, falseEv, afterRepair, beforeErr, beforeRepl, unexplained int
	// leads are the hours from the first event before each detected
	// failure to the failure.
	leads []float64
	// chanceErr, chanceRepl and chanceEither are the expected counts of
	// false events followed by an error, a replacement or either if each
	// had started at a random hour of the window (see chance).
	chanceErr, chanceRepl, chanceEither float64
}

// scoreEvents matches one machine's events with its failures, logged errors
// and scheduled component replacements (errs and repl may be nil).
func scoreEvents(evs []predict.Event, times, failures, errs, repl []time.Time) eventScore {
	s := eventScore{failures: len(failures)}
	for _, f := range failures {
		for _, e := range evs {
			if e.Start.Before(f) && !e.End.Before(f.Add(-pdmLead)) {
				s.detected++
				s.leads = append(s.leads, f.Sub(e.Start).Hours())
				break
			}
		}
	}
	within := func(e predict.Event) func(time.Time) bool {
		return func(t time.Time) bool { return !t.Before(e.Start) && !t.After(e.End.Add(pdmLead)) }
	}
	for _, e := range evs {
		s.events++
		if slices.ContainsFunc(failures, within(e)) {
			continue
		}
		s.falseEv++
		if slices.ContainsFunc(failures, func(f time.Time) bool { return !e.Start.Before(f) && e.Start.Sub(f) <= pdmLead }) {
			s.afterRepair++
		}
		err, rep := slices.ContainsFunc(errs, within(e)), slices.ContainsFunc(repl, within(e))
		if err {
			s.beforeErr++
		}
		if rep {
			s.beforeRepl++
		}
		if !err && !rep {
			s.unexplained++
		}
		if len(times) > 0 {
			ce, cr, cx := chance(times, e.End.Sub(e.Start)+pdmLead, errs, repl)
			s.chanceErr += ce
			s.chanceRepl += cr
			s.chanceEither += cx
		}
	}
	return s
}

// chance is the share of the windows of length span starting at each hour
// of times (those that end inside it) that contain an error, a replacement,
// or either: how often an event of that length would be "explained" by
// coincidence.
func chance(times []time.Time, span time.Duration, errs, repl []time.Time) (pErr, pRepl, pEither float64) {
	n := 0
	last := times[len(times)-1]
	for _, t := range times {
		if t.Add(span).After(last) {
			break
		}
		in := func(x time.Time) bool { return !x.Before(t) && !x.After(t.Add(span)) }
		e, r := slices.ContainsFunc(errs, in), slices.ContainsFunc(repl, in)
		n++
		if e {
			pErr++
		}
		if r {
			pRepl++
		}
		if e || r {
			pEither++
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return pErr / float64(n), pRepl / float64(n), pEither / float64(n)
}

type fcScore struct {
	model                                   string
	mase, snaive, naive, smape, snaiveSMAPE float64
}

// backtestMachine forecasts each sensor of m hourly (pdmOrigins daily
// origins at the end of the window, pdmHorizon hours ahead) and as daily
// means (pdmDailyOrigins weekly origins, a week ahead).
func backtestMachine(m *machine) (hourly, daily []fcScore, err error) {
	for j, x := range m.values {
		h, err := backtestSeries(x, pdmHorizon, pdmSeason, pdmOrigins)
		if err != nil {
			return nil, nil, fmt.Errorf("machine %d %s hourly: %w", m.id, pdmSensors[j], err)
		}
		hourly = append(hourly, h...)
		d, err := backtestSeries(dailyMeans(x, m.times), 7, 7, pdmDailyOrigins)
		if err != nil {
			return nil, nil, fmt.Errorf("machine %d %s daily: %w", m.id, pdmSensors[j], err)
		}
		daily = append(daily, d...)
	}
	return hourly, daily, nil
}

// backtestSeries forecasts x from origins rolling origins h apart at its
// end, h steps ahead, and scores the automatic model against the
// seasonal-naive (season m) and naive baselines on one scale: the in-sample
// seasonal-naive MAE of the history before each origin.
func backtestSeries(x []float64, h, m, origins int) ([]fcScore, error) {
	var out []fcScore
	n := len(x)
	for k := origins; k >= 1; k-- {
		origin := n - k*h
		hist, test := x[:origin], x[origin:origin+h]
		fc, err := predict.ForecastSeries(predict.Series{Values: hist}, predict.ForecastOptions{Horizon: h})
		if err != nil {
			return nil, fmt.Errorf("origin %d: %w", origin, err)
		}
		scale := maeLag(hist, m)
		sn := make([]float64, h)
		nv := make([]float64, h)
		for i := range sn {
			sn[i] = hist[len(hist)-m+i%m]
			nv[i] = hist[len(hist)-1]
		}
		out = append(out, fcScore{
			model:       fc.Model,
			mase:        mae(test, fc.Mean) / scale,
			snaive:      mae(test, sn) / scale,
			naive:       mae(test, nv) / scale,
			smape:       smape(test, fc.Mean),
			snaiveSMAPE: smape(test, sn),
		})
	}
	return out, nil
}

// dailyMeans averages x over calendar days (UTC), skipping missing hours;
// the partial first and last days are dropped so every day is comparable.
func dailyMeans(x []float64, times []time.Time) []float64 {
	var out []float64
	var sum float64
	cnt, hours := 0, 0
	day := times[0].Truncate(24 * time.Hour)
	for i, t := range times {
		if d := t.Truncate(24 * time.Hour); !d.Equal(day) {
			if hours == 24 && cnt > 0 {
				out = append(out, sum/float64(cnt))
			}
			sum, cnt, hours, day = 0, 0, 0, d
		}
		hours++
		if !math.IsNaN(x[i]) {
			sum += x[i]
			cnt++
		}
	}
	if hours == 24 && cnt > 0 {
		out = append(out, sum/float64(cnt))
	}
	return out
}

// summarize averages the scores of one backtest into a PdMForecast.
func summarize(all []fcScore, agg string, h, origins int) PdMForecast {
	f := PdMForecast{Aggregation: agg, Horizon: h, Origins: origins, Models: map[string]int{}}
	f.Series = len(all) / origins
	for _, s := range all {
		f.MASE += s.mase
		f.SeasonalNaiveMASE += s.snaive
		f.NaiveMASE += s.naive
		f.SMAPE += s.smape
		f.SeasonalNaiveSMAPE += s.snaiveSMAPE
		f.Models[s.model]++
	}
	if n := float64(len(all)); n > 0 {
		f.MASE /= n
		f.SeasonalNaiveMASE /= n
		f.NaiveMASE /= n
		f.SMAPE /= n
		f.SeasonalNaiveSMAPE /= n
	}
	return f
}

func mae(y, f []float64) float64 {
	var s float64
	for i := range y {
		s += math.Abs(y[i] - f[i])
	}
	return s / float64(len(y))
}

func smape(y, f []float64) float64 {
	var s float64
	for i := range y {
		if d := math.Abs(y[i]) + math.Abs(f[i]); d > 0 {
			s += 200 * math.Abs(y[i]-f[i]) / d
		}
	}
	return s / float64(len(y))
}

func maeLag(x []float64, lag int) float64 {
	var s float64
	for i := lag; i < len(x); i++ {
		s += math.Abs(x[i] - x[i-lag])
	}
	return s / float64(len(x)-lag)
}

// parallel runs f(0..n-1) on as many goroutines as there are CPUs.
func parallel(n int, f func(int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// loadPdM reads machines 1–20's telemetry (hourly, aligned on one grid per
// machine; a missing hour would be NaN) and their failures inside it.
func loadPdM(dir string) ([]*machine, error) {
	byID := map[int]*machine{}
	err := readCSV(filepath.Join(dir, pdmTelemetry), func(rec []string) error {
		if len(rec) != 6 {
			return fmt.Errorf("want 6 fields, got %d", len(rec))
		}
		id, err := strconv.Atoi(rec[1])
		if err != nil {
			return fmt.Errorf("machineID %q: %w", rec[1], err)
		}
		if id < 1 || id > pdmMachines {
			return nil
		}
		ts, err := time.Parse(pdmTimeLayout, rec[0])
		if err != nil {
			return fmt.Errorf("datetime: %w", err)
		}
		m := byID[id]
		if m == nil {
			m = &machine{id: id, values: make([][]float64, len(pdmSensors))}
			byID[id] = m
		}
		if n := len(m.times); n > 0 {
			gap := int(ts.Sub(m.times[n-1]) / time.Hour)
			if gap < 1 {
				return fmt.Errorf("machine %d: %s not after %s", id, ts, m.times[n-1])
			}
			for k := 1; k < gap; k++ { // fill missing hours so positions stay true
				m.times = append(m.times, m.times[n-1].Add(time.Duration(k)*time.Hour))
				for j := range m.values {
					m.values[j] = append(m.values[j], math.NaN())
				}
			}
		}
		m.times = append(m.times, ts)
		for j := range pdmSensors {
			v, err := strconv.ParseFloat(rec[2+j], 64)
			if err != nil {
				return fmt.Errorf("%s %q: %w", pdmSensors[j], rec[2+j], err)
			}
			m.values[j] = append(m.values[j], v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(byID) == 0 {
		return nil, fmt.Errorf("%s: no telemetry for machines 1-%d", pdmTelemetry, pdmMachines)
	}
	err = readMachineEvents(filepath.Join(dir, pdmFailures), byID, func(m *machine, ts time.Time) {
		if ts.Before(m.times[0]) || ts.After(m.times[len(m.times)-1]) {
			return
		}
		m.records++
		// Several components can fail at the same hour; that is one
		// breakdown of the machine, so count it once.
		if !slices.ContainsFunc(m.failures, ts.Equal) {
			m.failures = append(m.failures, ts)
		}
	})
	if err != nil {
		return nil, err
	}
	err = readMachineEvents(filepath.Join(dir, pdmErrors), byID, func(m *machine, ts time.Time) {
		m.errors = append(m.errors, ts)
	})
	if err != nil {
		return nil, err
	}
	// Replacements at a failure's hour are its repair; the rest were
	// scheduled. The file is optional (older copies of the sample lack it).
	err = readMachineEvents(filepath.Join(dir, pdmMaint), byID, func(m *machine, ts time.Time) {
		if !slices.ContainsFunc(m.failures, ts.Equal) && !slices.ContainsFunc(m.replacements, ts.Equal) {
			m.replacements = append(m.replacements, ts)
		}
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ms := make([]*machine, 0, len(byID))
	for _, m := range byID {
		slices.SortFunc(m.failures, time.Time.Compare)
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *machine) int { return a.id - b.id })
	return ms, nil
}

// readMachineEvents reads a PdM event table (datetime, machineID, what)
// and calls event for each row of a machine in byID.
func readMachineEvents(path string, byID map[int]*machine, event func(m *machine, ts time.Time)) error {
	return readCSV(path, func(rec []string) error {
		if len(rec) != 3 {
			return fmt.Errorf("want 3 fields, got %d", len(rec))
		}
		id, err := strconv.Atoi(rec[1])
		if err != nil {
			return fmt.Errorf("machineID %q: %w", rec[1], err)
		}
		m := byID[id]
		if m == nil {
			return nil
		}
		ts, err := time.Parse(pdmTimeLayout, rec[0])
		if err != nil {
			return fmt.Errorf("datetime: %w", err)
		}
		event(m, ts)
		return nil
	})
}

// readCSV calls row for each record after the header of the file at path.
func readCSV(path string, row func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return fmt.Errorf("%s: header: %w", filepath.Base(path), err)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		if err := row(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s line %d: %w", filepath.Base(path), line, err)
		}
	}
}

// median is the median of xs (0 when empty); xs is reordered.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
