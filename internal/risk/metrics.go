package risk

import (
	"math"
	"sort"
	"time"
)

// TargetEval measures one target's model on the test part (the latest
// history, never seen while fitting or choosing the threshold).
//
// Precision is the share of the asset-hours the model flags (probability
// at or above the threshold) that are followed by a failure within the
// horizon. Recall is reported two ways: per failure (EventRecall: the
// share of the test part's failures flagged at least once in the horizon
// before them, what a maintenance planner counts) and per asset-hour
// (SnapshotRecall: the share of the asset-hours followed by a failure that
// are flagged, which also counts the early hours before any sign shows).
type TargetEval struct {
	Target
	Threshold      float64 `json:"threshold"`
	Failures       int     `json:"failures"`
	Detected       int     `json:"detected"`
	EventRecall    float64 `json:"event_recall"`
	Alarms         int     `json:"alarms"`
	Precision      float64 `json:"precision"`
	SnapshotRecall float64 `json:"snapshot_recall"`
	// PRAUC is the average precision over all thresholds; BaseRate the
	// share of positive asset-hours (the PR-AUC of a random ranking).
	PRAUC    float64 `json:"pr_auc"`
	BaseRate float64 `json:"base_rate"`
	// Brier is the mean squared error of the probabilities.
	Brier float64 `json:"brier"`
	// Calibration bins the probabilities (deciles of score, up to 10 bins).
	Calibration []CalBin `json:"calibration"`
	// Baseline is the same test ranked by the comparison score (the
	// anomaly detector's), on the asset-hours it can score.
	Baseline *BaselineEval `json:"baseline,omitempty"`
}

// CalBin is a calibration bin: mean predicted probability against the
// observed share of failures.
type CalBin struct {
	Predicted float64 `json:"predicted"`
	Observed  float64 `json:"observed"`
	N         int     `json:"n"`
}

// BaselineEval compares the model with a ranking by another score on the
// asset-hours both can score: the precision each reaches at the model's
// failure recall, PR-AUC, and the lift (model ÷ baseline precision).
type BaselineEval struct {
	Rows                int     `json:"rows"`
	Failures            int     `json:"failures"`
	ModelPrecision      float64 `json:"model_precision"`
	ModelEventRecall    float64 `json:"model_event_recall"`
	BaselinePrecision   float64 `json:"baseline_precision"`
	BaselineEventRecall float64 `json:"baseline_event_recall"`
	ModelPRAUC          float64 `json:"model_pr_auc"`
	BaselinePRAUC       float64 `json:"baseline_pr_auc"`
	Lift                float64 `json:"lift"`
}

// measure measures a target on rows: alarms where score ≥ thr; PR-AUC,
// Brier score and calibration of the probabilities p (the score and p
// differ when nested alarms raise the score; see NestAlarm).
func measure(tg Target, assets []*Asset, snaps []snapshot, rows []int, p, score, y []float64, thr float64, opt Options) TargetEval {
	ev := TargetEval{Target: tg, Threshold: round3(thr)}
	if len(rows) == 0 {
		return ev
	}
	from, to := snaps[rows[0]].t, snaps[rows[0]].t
	for _, i := range rows {
		from, to = minT(from, snaps[i].t), maxT(to, snaps[i].t)
	}
	h := tg.horizon()
	alarms := map[int][]time.Time{}
	var tp, pos float64
	for k, i := range rows {
		pos += y[k]
		if score[k] >= thr {
			ev.Alarms++
			tp += y[k]
			alarms[snaps[i].asset] = append(alarms[snaps[i].asset], snaps[i].t)
		}
		ev.Brier += (p[k] - y[k]) * (p[k] - y[k])
	}
	ev.Brier = round3(ev.Brier / float64(len(rows)))
	ev.BaseRate = round3(pos / float64(len(rows)))
	if ev.Alarms > 0 {
		ev.Precision = round3(tp / float64(ev.Alarms))
	}
	if pos > 0 {
		ev.SnapshotRecall = round3(tp / pos)
	}
	ev.Failures, ev.Detected = eventRecall(tg, assets, alarms, from, to, h)
	if ev.Failures > 0 {
		ev.EventRecall = round3(float64(ev.Detected) / float64(ev.Failures))
	}
	ev.PRAUC = round3(averagePrecision(p, y))
	ev.Calibration = calibration(p, y, 10)
	if opt.Baseline != nil {
		ev.Baseline = baseline(tg, assets, snaps, rows, p, score, y, thr, opt.Baseline)
	}
	return ev
}

// eventRecall counts the failures (of the target) whose whole horizon
// before them lies in [from, to] and how many were flagged in it.
func eventRecall(tg Target, assets []*Asset, alarms map[int][]time.Time, from, to time.Time, h time.Duration) (n, hit int) {
	eachFailure(tg, assets, from, to, h, func(ai int, f time.Time) {
		n++
		if countIn(alarms[ai], f.Add(-h-time.Nanosecond), f.Add(-time.Nanosecond)) > 0 {
			hit++
		}
	})
	return n, hit
}

// eachFailure calls fn for each failure of the target (once per asset and
// time) whose horizon h before it lies in [from, to], with its asset's index.
func eachFailure(tg Target, assets []*Asset, from, to time.Time, h time.Duration, fn func(ai int, f time.Time)) {
	for ai, a := range assets {
		var last time.Time
		for _, f := range a.failuresOf(tg) {
			if f.Add(-h).Before(from) || f.After(to.Add(h)) || f.Equal(last) {
				continue
			}
			last = f
			fn(ai, f)
		}
	}
}

// averagePrecision is the area under the precision-recall curve (step-wise).
func averagePrecision(p, y []float64) float64 {
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
		return 0
	}
	var tp, ap float64
	for k, i := range idx {
		if y[i] == 1 {
			tp++
			ap += tp / float64(k+1)
		}
	}
	return ap / pos
}

func calibration(p, y []float64, bins int) []CalBin {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var out []CalBin
	size := (len(idx) + bins - 1) / bins
	for lo := 0; lo < len(idx); lo += size {
		hi := min(lo+size, len(idx))
		var sp, sy float64
		for _, i := range idx[lo:hi] {
			sp += p[i]
			sy += y[i]
		}
		n := float64(hi - lo)
		out = append(out, CalBin{Predicted: round3(sp / n), Observed: round3(sy / n), N: hi - lo})
	}
	return out
}

// baseline ranks the rows the comparison can score by its score and
// compares the precision at the model's failure recall (the model's
// alarms: ms ≥ thr; its PR-AUC: of its probabilities p).
func baseline(tg Target, assets []*Asset, snaps []snapshot, rows []int, p, ms, y []float64, thr float64,
	score func(string, time.Time) (float64, bool)) *BaselineEval {
	var bp, mp, msc, by []float64
	var br []int
	for k, i := range rows {
		s, ok := score(assets[snaps[i].asset].Name, snaps[i].t)
		if !ok {
			continue
		}
		bp, mp, msc, by, br = append(bp, s), append(mp, p[k]), append(msc, ms[k]), append(by, y[k]), append(br, i)
	}
	if len(br) == 0 {
		return nil
	}
	from, to := snaps[br[0]].t, snaps[br[0]].t
	for _, i := range br {
		from, to = minT(from, snaps[i].t), maxT(to, snaps[i].t)
	}
	h := tg.horizon()
	flagged := func(sc []float64, cut float64) (prec float64, n, hit int) {
		alarms := map[int][]time.Time{}
		var tp, al float64
		for k, i := range br {
			if sc[k] >= cut {
				al++
				tp += by[k]
				alarms[snaps[i].asset] = append(alarms[snaps[i].asset], snaps[i].t)
			}
		}
		n, hit = eventRecall(tg, assets, alarms, from, to, h)
		if al > 0 {
			prec = tp / al
		}
		return prec, n, hit
	}
	out := &BaselineEval{Rows: len(br), ModelPRAUC: round3(averagePrecision(mp, by)), BaselinePRAUC: round3(averagePrecision(bp, by))}
	mprec, n, mhit := flagged(msc, thr)
	out.Failures = n
	out.ModelPrecision = round3(mprec)
	if n > 0 {
		out.ModelEventRecall = round3(float64(mhit) / float64(n))
	}
	// The baseline's threshold: the highest that catches at least as many
	// failures as the model did.
	sorted := append([]float64(nil), bp...)
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	// At most 400 candidate cuts (quantiles of the scores), highest first.
	var cuts []float64
	for k := 0; k < len(sorted); k += max(1, len(sorted)/400) {
		if len(cuts) == 0 || sorted[k] != cuts[len(cuts)-1] {
			cuts = append(cuts, sorted[k])
		}
	}
	cuts = append(cuts, sorted[len(sorted)-1])
	for _, c := range cuts {
		prec, _, hit := flagged(bp, c)
		if hit >= mhit {
			out.BaselinePrecision = round3(prec)
			if n > 0 {
				out.BaselineEventRecall = round3(float64(hit) / float64(n))
			}
			break
		}
	}
	if out.BaselinePrecision > 0 {
		out.Lift = round3(out.ModelPrecision / out.BaselinePrecision)
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
