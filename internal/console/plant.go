package console

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// SeriesSource is what SeriesPlant needs of the series store; *series.Store
// satisfies it.
type SeriesSource interface {
	List(ctx context.Context, f series.Filter) ([]series.Series, error)
	Window(ctx context.Context, name string, from, to time.Time) (series.Window, error)
	AssetWindow(ctx context.Context, asset string, from, to time.Time) (series.MultiWindow, error)
}

// SeriesPlant is the Plant of the console on the series store: it lists
// series, finds anomaly events with the same detectors the tools use
// (multivariate per asset, univariate for line-level series), and draws
// windows with their events marked. When a window has no data (the demo
// was seeded a while ago) it shows the same span ending at the last stored
// point instead of an empty picture.
type SeriesPlant struct {
	st SeriesSource
}

// NewSeriesPlant returns a Plant on st.
func NewSeriesPlant(st SeriesSource) *SeriesPlant { return &SeriesPlant{st: st} }

// Series lists every series.
func (p *SeriesPlant) Series(ctx context.Context) ([]SeriesInfo, error) {
	ss, err := p.st.List(ctx, series.Filter{})
	if err != nil {
		return nil, fmt.Errorf("console: plant: %w", err)
	}
	out := make([]SeriesInfo, 0, len(ss))
	for _, s := range ss {
		iv := ""
		if s.Interval > 0 {
			iv = s.Interval.String()
		}
		out = append(out, SeriesInfo{Name: s.Name, Unit: s.Unit, Site: s.Site, Line: s.Line, Asset: s.Asset, Sensor: s.Sensor, Kind: s.Kind, Interval: iv})
	}
	return out, nil
}

// shift moves [from, to) back to end at the data's last point when err
// says the window is empty.
func shift(err error, from, to time.Time) (time.Time, time.Time, bool) {
	var ew *series.EmptyWindowError
	if errors.As(err, &ew) && !ew.Last.IsZero() && ew.Last.Before(from) {
		end := ew.Last.Add(time.Second)
		return end.Add(-to.Sub(from)), end, true
	}
	return from, to, false
}

// Events finds anomaly events of an asset (all its sensors together) or,
// for a name that is a line with line-level series, of each such series.
func (p *SeriesPlant) Events(ctx context.Context, asset string, from, to time.Time) ([]Event, error) {
	mw, err := p.st.AssetWindow(ctx, asset, from, to)
	if f, t, ok := shift(err, from, to); ok {
		mw, err = p.st.AssetWindow(ctx, asset, f, t)
	}
	if errors.Is(err, series.ErrNotFound) {
		return p.lineEvents(ctx, asset, from, to)
	}
	if errors.Is(err, series.ErrEmptyWindow) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("console: events %s: %w", asset, err)
	}
	var det *predict.Detection
	if len(mw.Data.Names) == 1 {
		det, err = predict.Detect(predict.Series{Times: mw.Data.Times, Values: mw.Data.Values[0]}, predict.DetectorSettingsFor(mw.Data.Times, false))
	} else {
		det, err = predict.DetectMulti(mw.Data, predict.DetectorSettingsFor(mw.Data.Times, false))
	}
	if err != nil {
		return nil, fmt.Errorf("console: events %s: %w", asset, err)
	}
	out := make([]Event, 0, len(det.Events))
	for _, e := range det.Events {
		ev := Event{Asset: mw.Asset, Start: e.Start, End: e.End, Peak: e.PeakTime, Score: e.Score, Kind: e.Kind}
		for i, c := range e.Contributions {
			if i == 3 {
				break
			}
			ev.Drivers = append(ev.Drivers, fmt.Sprintf("%s %.0f%%", c.Sensor, c.Share*100))
		}
		if len(mw.Series) == 1 {
			ev.Series = mw.Series[0].Name
		} else if len(e.Contributions) > 0 {
			for _, s := range mw.Series {
				if s.Sensor == e.Contributions[0].Sensor {
					ev.Series = s.Name
				}
			}
		}
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

func (p *SeriesPlant) lineEvents(ctx context.Context, line string, from, to time.Time) ([]Event, error) {
	ss, err := p.st.List(ctx, series.Filter{Line: line})
	if err != nil {
		return nil, fmt.Errorf("console: events %s: %w", line, err)
	}
	var out []Event
	found := false
	for _, s := range ss {
		if s.Asset != "" || s.Kind == series.KindPlan {
			continue
		}
		found = true
		w, err := p.window(ctx, s.Name, from, to)
		if errors.Is(err, series.ErrEmptyWindow) {
			continue
		}
		if err != nil {
			return nil, err
		}
		det, err := predict.Detect(w.Data, predict.DetectorSettingsFor(w.Data.Times, false))
		if err != nil {
			continue // too short to score
		}
		for _, e := range det.Events {
			out = append(out, Event{Asset: line, Series: s.Name, Start: e.Start, End: e.End, Peak: e.PeakTime, Score: e.Score, Kind: e.Kind})
		}
	}
	if !found {
		return nil, fmt.Errorf("console: events: no asset or line called %q", line)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

func (p *SeriesPlant) window(ctx context.Context, name string, from, to time.Time) (series.Window, error) {
	w, err := p.st.Window(ctx, name, from, to)
	if f, t, ok := shift(err, from, to); ok {
		w, err = p.st.Window(ctx, name, f, t)
	}
	return w, err
}

// maxChartPoints keeps pictures light: longer windows are averaged into
// buckets (NaN buckets stay gaps).
const maxChartPoints = 1500

// Chart draws a series window with its anomaly events marked.
func (p *SeriesPlant) Chart(ctx context.Context, name string, from, to time.Time) (chart.Chart, error) {
	w, err := p.window(ctx, name, from, to)
	if err != nil {
		return chart.Chart{}, err
	}
	ch := chart.Chart{Title: w.Series.Name, Unit: w.Series.Unit}
	// A machine's sensor shows the asset's events (all its sensors judged
	// together, as the events table lists them): one sensor alone flags
	// every shift change as a level shift.
	if n := len(w.Data.Times); w.Series.Asset != "" && n > 0 {
		evs, err := p.Events(ctx, w.Series.Asset, w.Data.Times[0], w.Data.Times[n-1].Add(w.Step))
		if err == nil {
			for _, e := range evs {
				ch.Marks = append(ch.Marks, chart.Mark{Label: e.Kind, Start: e.Start.Unix(), End: e.End.Unix()})
			}
		}
	} else if det, err := predict.Detect(w.Data, predict.DetectorSettingsFor(w.Data.Times, false)); err == nil {
		for _, e := range det.Events {
			ch.Marks = append(ch.Marks, chart.Mark{Label: e.Kind, Start: e.Start.Unix(), End: e.End.Unix()})
		}
	}
	times, vals := downsample(w.Data, maxChartPoints)
	ch.Lines = []chart.Line{{Name: w.Series.Name, Times: times, Values: vals, Style: "history"}}
	return ch, nil
}

func downsample(s predict.Series, max int) ([]int64, []float64) {
	n := len(s.Values)
	k := 1
	if n > max {
		k = (n + max - 1) / max
	}
	times := make([]int64, 0, n/k+1)
	vals := make([]float64, 0, n/k+1)
	for i := 0; i < n; i += k {
		sum, cnt := 0.0, 0
		for j := i; j < i+k && j < n; j++ {
			if !math.IsNaN(s.Values[j]) {
				sum += s.Values[j]
				cnt++
			}
		}
		v := math.NaN()
		if cnt > 0 {
			v = sum / float64(cnt)
		}
		times = append(times, s.Times[i].Unix())
		vals = append(vals, v)
	}
	return times, vals
}
