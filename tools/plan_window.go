package tools

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/series"
)

// projectToPlan answers whether a period that ends ahead ("today",
// "tomorrow", "this week", "by the end of the shift") will make its plan:
// what the line made in [from, now) so far, the forecast of the rest of
// the period, and their sum against the period's whole plan. An hour the
// line has data for counts as made; an hour after its last reading is
// forecast (a feed that stopped is said, not filled with zeros); a
// planned hour with neither, a gap in the feed, is counted and left out
// of the comparison.
func (p *predictive) projectToPlan(ctx context.Context, out, plan series.Series, from, end, now time.Time) (Result, error) {
	line := strings.TrimSuffix(out.Name, ".output")
	pv, err := p.planValues(ctx, plan, from, end)
	if err != nil && !errors.Is(err, series.ErrEmptyWindow) {
		return Result{}, fmt.Errorf("tools: compare_to_plan: %w", err)
	}
	if len(pv) == 0 {
		return Result{UserError: fmt.Sprintf("The plan %s has no values from %s to %s, so there is nothing to compare with.", plan.Name, stamp(from), stamp(end)), Summary: "no plan in the window"}, nil
	}
	hours := make([]int64, 0, len(pv))
	for t := range pv {
		hours = append(hours, t)
	}
	slices.Sort(hours)

	// What was made: the output's readings in the window up to now.
	made := map[int64]float64{}
	if from.Before(now) {
		w, err := p.store.WindowOf(ctx, out, from, minTime(end, now.Add(time.Nanosecond)))
		switch {
		case err == nil:
			for i, t := range w.Data.Times {
				if v := w.Data.Values[i]; !math.IsNaN(v) {
					made[t.Unix()] = v
				}
			}
		case !errors.Is(err, series.ErrEmptyWindow):
			return userErr(err)
		}
	}
	// The forecast runs from the output's last reading to the end.
	last := now
	if l, err := p.store.Latest(ctx, []int64{out.ID}); err == nil {
		if lp, ok := l[out.ID]; ok && lp.TS.Before(now) {
			last = lp.TS
		}
	}
	var rf runForecast
	fcAt := map[int64]int{}
	needFC := slices.ContainsFunc(hours, func(t int64) bool { _, ok := made[t]; return !ok && t > last.Unix() })
	if needFC {
		var bad *Result
		rf, bad, err = p.forecast(ctx, out.Name, 0, math.Ceil(end.Sub(last).Hours()), 0, 0, "")
		if bad != nil || err != nil {
			return derefResult(bad), err
		}
		for i, t := range rf.fc.Times {
			fcAt[t.Unix()] = i
		}
	}

	var act, planMade, fSum, lo, hi, planRest, planGap float64
	nMade, nFC, gap, atRisk := 0, 0, 0, 0
	for _, t := range hours {
		pl := pv[t]
		if v, ok := made[t]; ok {
			act += v
			planMade += pl
			nMade++
			continue
		}
		if i, ok := fcAt[t]; ok && t > last.Unix() {
			fc := rf.fc
			fSum += fc.Mean[i]
			lo += fc.Lo80[i]
			hi += fc.Hi80[i]
			planRest += pl
			nFC++
			if fc.Hi80[i] < pl {
				atRisk++
			}
			continue
		}
		planGap += pl
		gap++
	}
	planAll := planMade + planRest + planGap
	covered := planMade + planRest
	proj, projLo, projHi := act+fSum, act+lo, act+hi
	win := map[string]any{
		"from": stamp(from), "to": stamp(end), "hours": len(hours), "plan": count(planAll),
		"made": count(act), "made_hours": nMade, "plan_so_far": count(planMade),
		"forecast": sig(fSum), "forecast_hours": nFC, "forecast_lo80": sig(lo), "forecast_hi80": sig(hi), "plan_rest": count(planRest),
		"projected": sig(proj), "projected_lo80": sig(projLo), "projected_hi80": sig(projHi),
		"hours_at_risk": atRisk,
	}
	if covered > 0 {
		win["plan_compared"] = sig(covered)
		win["attainment_pct"] = sig(100 * proj / covered)
		win["shortfall"] = sig(covered - proj)
	}
	if gap > 0 {
		win["gap_hours"] = gap
		win["plan_in_gap"] = sig(planGap)
		win["note"] = fmt.Sprintf("%d planned hours have no output reading and lie before its last one (a gap in the feed): they are left out of the comparison", gap)
	}
	if nFC > 0 {
		ref, eval := p.registryInfo(ctx, out.Name)
		win["model"], win["registry"], win["mase"], win["cutoff"] = rf.fc.Model, ref, sig(rf.fc.MASE), stamp(rf.fc.Cutoff)
		if eval != nil {
			win["evaluation"] = eval
		}
		if from.Before(now) && last.Before(now.Add(-2*max(out.Interval, time.Hour))) {
			win["feed_note"] = fmt.Sprintf("%s has no reading since %s: the hours since are forecast, not made", out.Name, stamp(last))
		}
	}
	data := map[string]any{"output": out.Name, "plan": plan.Name, "unit": out.Unit, "window": win}

	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s (%d h planned, %s)", line, stamp(from), stamp(end), len(hours), countText(planAll))
	if nMade > 0 {
		fmt.Fprintf(&b, ": made %s in %d h (plan for those hours %s)", countText(act), nMade, countText(planMade))
	}
	if nFC > 0 {
		sep := ":"
		if nMade > 0 {
			sep = ";"
		}
		fmt.Fprintf(&b, "%s forecast %s for the other %d h (80%%: %s–%s, %s, MASE %s)", sep, num(fSum), nFC, num(lo), num(hi), rf.fc.Model, num(rf.fc.MASE))
	}
	if covered > 0 {
		fmt.Fprintf(&b, "; projected %s of %s planned (%s%%, 80%%: %s–%s)", num(proj), num(covered), num(100*proj/covered), num(projLo), num(projHi))
		if covered > proj {
			fmt.Fprintf(&b, ", expected shortfall %s%s", num(covered-proj), suffixTotal(out.Unit))
		}
	}
	if atRisk > 0 {
		fmt.Fprintf(&b, "; %d h below plan even at the upper 80%% bound", atRisk)
	}
	for _, k := range []string{"note", "feed_note"} {
		if s, ok := win[k].(string); ok {
			b.WriteString("; " + s)
		}
	}
	res := Result{Data: data, Summary: b.String()}
	if nFC > 0 {
		planLine := p.planLine(ctx, plan, rf, end)
		res.Charts = []chart.Chart{forecastChart(rf, &planLine)}
	}
	return res, nil
}
