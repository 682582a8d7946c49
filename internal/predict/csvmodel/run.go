package csvmodel

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/gemba-ai/gemba/internal/predict"
)

// DetectOptions configure [Detect].
type DetectOptions struct {
	// ReadOptions choose the time and value columns.
	ReadOptions
	// Period is the seasonal period in rows (intervals): 0 uses the
	// detector settings' choice, 1 disables seasonality.
	Period int
	// Online scores each row only from the rows before it and itself.
	Online bool
	// Threshold is the anomaly score cut (0 means the detector settings'
	// threshold).
	Threshold float64
	// Amend, when set, changes the detector settings before detection
	// (evaluation variants only).
	Amend func(*predict.DetectOptions)
}

// ForecastOptions configure [Forecast].
type ForecastOptions struct {
	// ReadOptions choose the time and value columns.
	ReadOptions
	// Horizon is the number of steps to forecast (required).
	Horizon int
	// Season is the seasonal period in rows: 0 detects it, 1 disables it.
	Season int
}

// DetectHeader is the header Detect writes.
var DetectHeader = []string{"timestamp", "value", "score", "is_anomaly"}

// ForecastHeader is the header Forecast writes.
var ForecastHeader = []string{"step", "timestamp", "forecast", "lo80", "hi80", "lo95", "hi95"}

// Scored is a CSV series with its detection.
type Scored struct {
	// Table is the parsed and cleaned input.
	Table *Table
	// Options are the detector settings used (predict's one configuration,
	// with the command's overrides).
	Options predict.DetectOptions
	// Detection is the detector's verdict on Table.Grid.
	Detection *predict.Detection
}

// RowScore returns the score of data row i and whether it has one (a row
// with a missing value, set aside by the cleaning policy or inside the
// online warm-up has none).
func (s *Scored) RowScore(i int) (score float64, anomaly, ok bool) {
	slot := s.Table.Slot[i]
	if slot < 0 || math.IsNaN(s.Table.Grid.Values[slot]) {
		return 0, false, false
	}
	p := s.Detection.Points[slot]
	if p.Missing {
		return 0, false, false
	}
	return p.Score, p.IsAnomaly, true
}

// Score reads a series from r and scores it with predict's detector under
// the one detector configuration ([predict.DetectorSettings]).
func Score(r io.Reader, opt DetectOptions) (*Scored, error) {
	t, err := Read(r, opt.ReadOptions)
	if err != nil {
		return nil, fmt.Errorf("csvmodel: detect: %w", err)
	}
	o := predict.DetectorSettings(t.Step, len(t.Grid.Values), opt.Online)
	if opt.Period != 0 {
		o.Period = opt.Period
	}
	if opt.Threshold != 0 {
		o.Threshold = opt.Threshold
	}
	if opt.Amend != nil {
		opt.Amend(&o)
	}
	det, err := predict.Detect(t.Grid, o)
	if err != nil {
		return nil, fmt.Errorf("csvmodel: detect: %w", err)
	}
	return &Scored{Table: t, Options: o, Detection: det}, nil
}

// Detect reads a series from r, scores it (see [Score]) and writes one CSV
// row per input row, in input order, to w: the input's timestamp (empty
// when there is none) and value cells as given, the score with four
// decimals (empty for a row without a score: a missing value, or the
// online warm-up) and is_anomaly as 0 or 1. It returns what it scored, so
// the caller can report the cleaning warnings and the warm-up.
func Detect(r io.Reader, w io.Writer, opt DetectOptions) (*Scored, error) {
	sc, err := Score(r, opt)
	if err != nil {
		return nil, err
	}
	t := sc.Table
	cw := csv.NewWriter(w)
	if err := cw.Write(DetectHeader); err != nil {
		return nil, fmt.Errorf("csvmodel: detect: write: %w", err)
	}
	row := make([]string, 4)
	for i := range t.Slot {
		row[0] = ""
		if t.RawTimes != nil {
			row[0] = t.RawTimes[i]
		}
		row[1] = t.RawValues[i]
		row[2], row[3] = "", "0"
		if s, anomaly, ok := sc.RowScore(i); ok {
			row[2] = strconv.FormatFloat(s, 'f', 4, 64)
			if anomaly {
				row[3] = "1"
			}
		}
		if err := cw.Write(row); err != nil {
			return nil, fmt.Errorf("csvmodel: detect: write: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("csvmodel: detect: write: %w", err)
	}
	return sc, nil
}

// Forecast reads a series from r, forecasts it with [predict.ForecastSeries]
// and writes Horizon rows to w: the step (1…Horizon), its timestamp (the
// last input timestamp plus step intervals, in the input's format; empty
// when the input has none), the point forecast and the 80% and 95%
// interval bounds. It returns the forecast and the parsed table, so a
// caller can report the model, its backtest error, the cutoff and the
// cleaning warnings.
func Forecast(r io.Reader, w io.Writer, opt ForecastOptions) (*predict.Forecast, *Table, error) {
	t, err := Read(r, opt.ReadOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("csvmodel: forecast: %w", err)
	}
	// Rows at the end with an empty value still count: step 1 is the
	// interval after the last row, so forecast through them and drop them.
	skip := 0
	for k := len(t.Grid.Values) - 1; k >= 0 && math.IsNaN(t.Grid.Values[k]); k-- {
		skip++
	}
	h := opt.Horizon
	if h > 0 {
		h += skip
	}
	fc, err := predict.ForecastSeries(predict.Series{Values: t.Grid.Values}, predict.ForecastOptions{Horizon: h, Season: opt.Season, Step: t.Step})
	if err != nil {
		return nil, nil, fmt.Errorf("csvmodel: forecast: %w", err)
	}
	fc.Mean, fc.Lo80, fc.Hi80, fc.Lo95, fc.Hi95 = fc.Mean[skip:], fc.Lo80[skip:], fc.Hi80[skip:], fc.Lo95[skip:], fc.Hi95[skip:]
	// The grid ends at the last input row, so the forecast continues from
	// the last timestamp at the inferred interval.
	if t.Times != nil && len(t.Grid.Times) > 0 {
		fc.Cutoff = t.Grid.Times[len(t.Grid.Times)-1]
		fc.Step = t.Step
		fc.Times = make([]time.Time, len(fc.Mean))
		for i := range fc.Times {
			fc.Times[i] = fc.Cutoff.Add(time.Duration(i+1) * t.Step)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ForecastHeader); err != nil {
		return nil, nil, fmt.Errorf("csvmodel: forecast: write: %w", err)
	}
	row := make([]string, 7)
	for i := range fc.Mean {
		row[0] = strconv.Itoa(i + 1)
		row[1] = ""
		if fc.Times != nil {
			row[1] = formatTime(fc.Times[i], t.Layout)
		}
		for j, v := range []float64{fc.Mean[i], fc.Lo80[i], fc.Hi80[i], fc.Lo95[i], fc.Hi95[i]} {
			row[2+j] = strconv.FormatFloat(v, 'g', 10, 64)
		}
		if err := cw.Write(row); err != nil {
			return nil, nil, fmt.Errorf("csvmodel: forecast: write: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, nil, fmt.Errorf("csvmodel: forecast: write: %w", err)
	}
	return fc, t, nil
}

// formatTime writes t in the input's layout (Unix seconds for a file of
// Unix timestamps).
func formatTime(t time.Time, layout string) string {
	if layout == "unix" {
		return strconv.FormatInt(t.Unix(), 10)
	}
	return t.Format(layout)
}
