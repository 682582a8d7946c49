package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/risk"
)

// FailureRiskArgs are the arguments of failure_risk.
type FailureRiskArgs struct {
	// Assets limits the ranking (default every asset).
	Assets []string `json:"assets,omitempty"`
	// Top is how many assets to return (default 10).
	Top int `json:"top,omitempty"`
}

var failureRiskSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"assets": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Only these assets (default every asset)."},
		"top":    map[string]any{"type": "integer", "minimum": 1, "maximum": 50, "description": "How many assets, riskiest first (default 10)."},
	},
	"additionalProperties": false,
}

const failureRiskDesc = "Each asset's probability of failing within 24 hours, 48 hours and 7 days from the plant's failure-risk model " +
	"(learned from its own maintenance history, alerts and sensor drift), riskiest first, with the features that drive it and the model's " +
	"measured precision and recall. Use it for \"which machine first?\" beside detect_anomalies. When no model is trained (too few failures " +
	"recorded) it says so: rank by anomaly severity instead."

// riskScorer is what failure_risk reads.
type riskScorer interface {
	Score(ctx context.Context, now time.Time) (*risk.Ranking, error)
}

// FailureRiskTool is failure_risk on the risk service; now is the clock.
func FailureRiskTool(s *risk.Service, now func() time.Time) Tool {
	if now == nil {
		now = time.Now
	}
	return New(FailureRisk, failureRiskDesc, failureRiskSchema, func(ctx context.Context, a FailureRiskArgs) (Result, error) {
		return failureRisk(ctx, s, now().UTC(), a)
	})
}

func failureRisk(ctx context.Context, s riskScorer, now time.Time, a FailureRiskArgs) (Result, error) {
	if a.Top < 0 || a.Top > 50 {
		return Result{UserError: fmt.Sprintf("top must be from 1 to 50, not %d", a.Top)}, nil
	}
	if a.Top == 0 {
		a.Top = 10
	}
	rk, err := s.Score(ctx, now)
	if errors.Is(err, risk.ErrNoModel) {
		return Result{Summary: "no usable failure-risk model: " + err.Error() + "; rank by anomaly severity",
			Data: map[string]any{"model": nil, "status": "untrained"}}, nil
	}
	if err != nil {
		return Result{}, err
	}
	var out []risk.AssetRisk
	for _, r := range rk.Assets {
		if len(a.Assets) > 0 && !containsFoldName(a.Assets, r.Asset) {
			continue
		}
		out = append(out, r)
		if len(out) >= a.Top {
			break
		}
	}
	if len(a.Assets) > 0 && len(out) == 0 {
		return Result{UserError: fmt.Sprintf("the failure-risk model knows none of %s (it scores assets with maintenance records)", strings.Join(a.Assets, ", "))}, nil
	}
	var parts []string
	for _, r := range out {
		s := fmt.Sprintf("%s %.0f%% within 48 h (24 h %.0f%%, 7 d %.0f%%)", r.Asset, 100*r.P48, 100*r.P24, 100*r.P7d)
		if r.Alarm {
			s += " ALARM"
		}
		if len(r.Drivers) > 0 {
			s += ": " + r.Drivers[0].Feature + fmt.Sprintf(" = %g", r.Drivers[0].Value)
		}
		parts = append(parts, s)
	}
	f := rk.Figures
	sum := fmt.Sprintf("failure risk by %s (measured: precision %.2f, failure recall %.2f at 48 h): %s", rk.Model, f["precision_48h"], f["event_recall_48h"], strings.Join(parts, "; "))
	data := map[string]any{"model": rk.Model, "status": "trained", "at": stamp(rk.At), "assets": out, "figures": f}
	if rk.Stale {
		data["as_of_latest_record"] = true
		data["note"] = "the plant's records end at " + stamp(rk.At) + ", long before now: the risk is as of then, and says nothing of now"
		sum = "as of the latest record (" + stamp(rk.At) + "): " + sum
	}
	return Result{Summary: sum, Data: data}, nil
}

func containsFoldName(ss []string, s string) bool {
	for _, x := range ss {
		if normName(x) == normName(s) {
			return true
		}
	}
	return false
}
