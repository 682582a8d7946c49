package tools

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/gemba-ai/gemba/internal/series"
)

// LatestReadingsArgs are the arguments of latest_readings.
type LatestReadingsArgs struct {
	Asset string `json:"asset"`
	// Days is how far back the usual range is measured (default 7).
	Days int `json:"days,omitempty"`
}

var latestReadingsSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"asset": map[string]any{"type": "string", "description": "The asset, e.g. press-3 (as list_series names it)."},
		"days":  map[string]any{"type": "integer", "minimum": 1, "maximum": 90, "description": "How many days back the usual range is measured (default 7)."},
	},
	"required":             []string{"asset"},
	"additionalProperties": false,
}

const latestReadingsDesc = "The latest reading of every sensor of an asset, how old it is, and where it stands against the sensor's usual range " +
	"(10th–90th percentile of the last days). Use it for \"how is press-3 now?\" before looking for anomalies."

// reading is one sensor's latest value in a latest_readings result.
type reading struct {
	Sensor   string    `json:"sensor"`
	Series   string    `json:"series"`
	Unit     string    `json:"unit,omitempty"`
	Value    float64   `json:"value"`
	At       time.Time `json:"at"`
	AgeMin   int       `json:"age_minutes"`
	UsualP10 float64   `json:"usual_p10"`
	UsualP50 float64   `json:"usual_median"`
	UsualP90 float64   `json:"usual_p90"`
	// Position is "above usual", "below usual" or "within usual".
	Position string `json:"position"`
}

// LatestReadingsTool is latest_readings on the series store; now is the clock.
func LatestReadingsTool(store *series.Store, now func() time.Time) Tool {
	if now == nil {
		now = time.Now
	}
	return New(LatestReadings, latestReadingsDesc, latestReadingsSchema, func(ctx context.Context, a LatestReadingsArgs) (Result, error) {
		if strings.TrimSpace(a.Asset) == "" {
			return Result{UserError: "asset is empty: name an asset such as press-3 (list_series lists them)"}, nil
		}
		days := a.Days
		if days == 0 {
			days = 7
		}
		if days < 1 || days > 90 {
			return Result{UserError: fmt.Sprintf("days must be from 1 to 90, not %d", days)}, nil
		}
		asset, err := store.ResolveAsset(ctx, a.Asset)
		if err != nil {
			return userErr(err)
		}
		ss, err := store.List(ctx, series.Filter{Asset: asset, Kind: series.KindSensor})
		if err != nil {
			return Result{}, err
		}
		ids := make([]int64, len(ss))
		for i, s := range ss {
			ids[i] = s.ID
		}
		latest, err := store.Latest(ctx, ids)
		if err != nil {
			return Result{}, err
		}
		t := now()
		var out []reading
		var parts []string
		for _, s := range ss {
			p, ok := latest[s.ID]
			if !ok {
				continue
			}
			r := reading{Sensor: s.Sensor, Series: s.Name, Unit: s.Unit, Value: sig(p.Value), At: p.TS, AgeMin: int(t.Sub(p.TS).Minutes())}
			w, err := store.WindowOf(ctx, s, p.TS.Add(-time.Duration(days)*24*time.Hour), p.TS)
			if err == nil {
				vals := slices.DeleteFunc(slices.Clone(w.Data.Values), math.IsNaN)
				if len(vals) > 0 {
					slices.Sort(vals)
					r.UsualP10 = sig(stat.Quantile(0.1, stat.Empirical, vals, nil))
					r.UsualP50 = sig(stat.Quantile(0.5, stat.Empirical, vals, nil))
					r.UsualP90 = sig(stat.Quantile(0.9, stat.Empirical, vals, nil))
				}
			}
			switch {
			case r.UsualP90 == 0 && r.UsualP10 == 0:
				r.Position = "no usual range (too little history)"
			case r.Value > r.UsualP90:
				r.Position = "above usual"
			case r.Value < r.UsualP10:
				r.Position = "below usual"
			default:
				r.Position = "within usual"
			}
			out = append(out, r)
			parts = append(parts, fmt.Sprintf("%s %s %s (usual %s–%s, %s)", r.Sensor, num(r.Value), r.Unit, num(r.UsualP10), num(r.UsualP90), r.Position))
		}
		if len(out) == 0 {
			return Result{UserError: fmt.Sprintf("%s has no sensor readings stored", asset)}, nil
		}
		newest := out[0].At
		for _, r := range out {
			if r.At.After(newest) {
				newest = r.At
			}
		}
		sum := fmt.Sprintf("%s at %s: %s", asset, newest.UTC().Format("2006-01-02 15:04 MST"), strings.Join(parts, "; "))
		return Result{Data: map[string]any{"asset": asset, "days": days, "readings": out}, Summary: sum}, nil
	})
}
