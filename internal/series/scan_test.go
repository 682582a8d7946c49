package series_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/series"
)

// scanPlant writes n assets with one 1-minute sensor each over days days
// ending at end: a daily pattern and noise, and in the last hour a level
// shift on the assets in shifted (asset index → minutes before end).
func scanPlant(t *testing.T, ctx context.Context, st *series.Store, n, days int, end time.Time, shifted map[int]int) []series.Series {
	t.Helper()
	var out []series.Series
	var rows []series.Row
	for a := range n {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("a-%02d.temp", a), Asset: fmt.Sprintf("a-%02d", a), Sensor: "temp", Interval: time.Minute})
		require.NoError(t, err)
		out = append(out, s)
		r := rand.New(rand.NewPCG(uint64(a), 7)) //nolint:gosec // test data
		for k := days * 1440; k > 0; k-- {
			at := end.Add(-time.Duration(k) * time.Minute)
			h := float64(at.Hour()) + float64(at.Minute())/60
			v := 50 + 10*math.Sin(2*math.Pi*h/24) + r.NormFloat64()
			if m, ok := shifted[a]; ok && k <= m {
				v += 12
			}
			rows = append(rows, series.Row{SeriesID: s.ID, TS: at, Value: math.Round(v*100) / 100})
		}
	}
	_, err := st.Append(ctx, rows)
	require.NoError(t, err)
	return out
}

// TestScanWhichMachineFirst scans a plant of 30 assets in which three
// shift in the last hour at different times: the scan finds them and
// orders them by onset, and a second scan reuses every model.
func TestScanWhichMachineFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Pool(t))
	end := time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC)
	ss := scanPlant(t, ctx, st, 30, 4, end, map[int]int{7: 50, 3: 30, 12: 12})
	sc := series.NewScanner(st, series.PredictDetector{}, series.ScanOptions{FitSpan: 3 * 24 * time.Hour, Batch: 7, Workers: 2})
	rep, err := sc.Scan(ctx, ss, end.Add(-time.Hour), end)
	require.NoError(t, err)
	t.Logf("scan: %d scanned, %d findings, %d fitted, read %s of %s", rep.Scanned, len(rep.Findings), rep.Fitted, rep.Read, rep.Elapsed)
	require.Equal(t, 30, rep.Scanned)
	require.Equal(t, 30, rep.Fitted)
	require.Equal(t, map[time.Duration]int{time.Minute: 30}, rep.Steps)
	first := rep.First()
	require.GreaterOrEqual(t, len(first), 3)
	var order []string
	for _, f := range first {
		switch f.Asset {
		case "a-07", "a-03", "a-12":
			order = append(order, f.Asset)
		}
	}
	require.Equal(t, []string{"a-07", "a-03", "a-12"}, order, "which machine first: the onsets in order")
	require.LessOrEqual(t, len(first), 5, "few false findings among 27 quiet assets: %v", first)
	onset := func(asset string) time.Time {
		for _, f := range first {
			if f.Asset == asset {
				return f.Onset
			}
		}
		return time.Time{}
	}
	require.WithinDuration(t, end.Add(-50*time.Minute), onset("a-07"), 10*time.Minute)

	again, err := sc.Scan(ctx, ss, end.Add(-time.Hour+time.Minute), end.Add(time.Minute))
	require.NoError(t, err)
	require.Zero(t, again.Fitted)
	require.Equal(t, 30, again.Reused)
}

// countingDetector is a detector of its own, to show the scan is generic:
// the model is the series' mean, an event any point above a limit.
type countingDetector struct {
	fits, scores atomic.Int64
	limit        float64
}

func (d *countingDetector) Fit(_ series.Series, h predict.Series) (float64, error) {
	d.fits.Add(1)
	sum, n := 0.0, 0
	for _, v := range h.Values {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, predict.ErrTooShort
	}
	return sum / float64(n), nil
}

func (d *countingDetector) Score(_ series.Series, mean float64, r predict.Series, from time.Time) ([]predict.Event, error) {
	d.scores.Add(1)
	for i, v := range r.Values {
		if !r.Times[i].Before(from) && v-mean > d.limit {
			return []predict.Event{{Start: r.Times[i], End: r.Times[i], StartIdx: i, EndIdx: i, Kind: predict.KindSpike}}, nil
		}
	}
	return nil, nil
}

// TestScanGenericAndCoarse runs a detector of another kind over 10-second
// series, where an hour plus context exceeds MaxPoints: the scan reads the
// minute rollups, skips a series without data, and fits each model once.
func TestScanGenericAndCoarse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Pool(t))
	end := time.Date(2026, 3, 3, 6, 0, 0, 0, time.UTC)
	var ss []series.Series
	var rows []series.Row
	for a := range 5 {
		s, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("f-%d.v", a), Asset: fmt.Sprintf("f-%d", a), Interval: 10 * time.Second})
		require.NoError(t, err)
		ss = append(ss, s)
		for k := 0; k < 30*360; k++ {
			at := end.Add(-time.Duration(k+1) * 10 * time.Second)
			v := 1.0
			if a == 2 && k < 90 { // the last 15 minutes
				v = 9
			}
			rows = append(rows, series.Row{SeriesID: s.ID, TS: at, Value: v})
		}
	}
	empty, err := st.Upsert(ctx, series.Series{Name: "f-empty.v", Interval: 10 * time.Second})
	require.NoError(t, err)
	_, err = st.Append(ctx, rows)
	require.NoError(t, err)
	det := &countingDetector{limit: 3}
	sc := series.NewScanner(st, det, series.ScanOptions{FitSpan: 24 * time.Hour})
	rep, err := sc.Scan(ctx, append(ss, empty), end.Add(-time.Hour), end)
	require.NoError(t, err)
	require.Equal(t, map[time.Duration]int{time.Minute: 6}, rep.Steps, "3 hours of 10 s readings exceed 720 points: minute means")
	require.Equal(t, 5, rep.Scanned)
	require.Equal(t, 1, rep.Skipped)
	require.Equal(t, []string{"f-empty.v"}, rep.SkippedNames)
	require.Len(t, rep.Findings, 1)
	require.Equal(t, "f-2.v", rep.Findings[0].Series.Name)
	require.Equal(t, end.Add(-15*time.Minute), rep.Findings[0].Onset())
	_, err = sc.Scan(ctx, ss, end.Add(-time.Hour), end)
	require.NoError(t, err)
	require.EqualValues(t, 6, det.fits.Load(), "five models fitted once, the empty series tried once per scan")
	require.EqualValues(t, 10, det.scores.Load())
}
