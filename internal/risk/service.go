package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
)

// Service trains, stores, scores and re-evaluates the plant's
// failure-risk model on the database: maintenance records, the equipment
// register, sensor points, and the model registry.
type Service struct {
	db    db.DBTX
	maint *maintenance.Store
	reg   *modelreg.Registry
}

// NewService returns a service on dbtx.
func NewService(dbtx db.DBTX) *Service {
	return &Service{db: dbtx, maint: maintenance.New(dbtx), reg: modelreg.New(dbtx)}
}

// ErrNoModel means no failure-risk model has been trained.
var ErrNoModel = errors.New("no failure-risk model has been trained (gemba model train risk)")

// loadAssets reads every asset's records and its sensors' hourly means
// over [from, to).
func (s *Service) loadAssets(ctx context.Context, from, to time.Time) ([]*Asset, error) {
	equip, err := s.maint.Assets(ctx)
	if err != nil {
		return nil, err
	}
	events, err := s.maint.Query(ctx, maintenance.Filter{Until: to, Order: "oldest"})
	if err != nil {
		return nil, err
	}
	by := map[string]*Asset{}
	var out []*Asset
	for _, q := range equip {
		a := &Asset{Name: q.Asset, Type: q.AssetType, Installed: q.InstalledAt, Sensors: map[string]*Hourly{}}
		by[q.Asset] = a
		out = append(out, a)
	}
	for _, e := range events {
		if a := by[e.Asset]; a != nil {
			a.Events = append(a.Events, e)
		}
	}
	names := make([]string, len(out))
	for i, a := range out {
		names[i] = a.Name
	}
	rows, err := s.db.Query(ctx, `
SELECT s.asset, s.sensor, date_trunc('hour', p.ts) AS h, avg(p.value)
FROM points p JOIN series s ON s.id = p.series_id
WHERE s.kind = 'sensor' AND s.asset = ANY($1) AND s.sensor <> '' AND p.ts >= $2 AND p.ts < $3
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, names, from, to)
	if err != nil {
		return nil, fmt.Errorf("risk: read sensors: %w", err)
	}
	defer rows.Close()
	start := from.Truncate(time.Hour)
	n := int(to.Sub(start).Hours()) + 1
	for rows.Next() {
		var asset, sensor string
		var h time.Time
		var v float64
		if err := rows.Scan(&asset, &sensor, &h, &v); err != nil {
			return nil, fmt.Errorf("risk: read sensors: %w", err)
		}
		a := by[asset]
		hs := a.Sensors[sensor]
		if hs == nil {
			hs = &Hourly{Start: start, Values: make([]float64, n)}
			for i := range hs.Values {
				hs.Values[i] = math.NaN()
			}
			a.Sensors[sensor] = hs
		}
		if i := hs.index(h); i >= 0 && i < n {
			hs.Values[i] = v
		}
	}
	return out, rows.Err()
}

// Train learns the model from the plant's whole history up to now,
// registers it as a new active version of failure-risk with its test
// figures, and stores its parameters. Too few failures is a
// *TooFewFailuresError and registers nothing.
func (s *Service) Train(ctx context.Context, now time.Time, opt Options) (*Trained, modelreg.Model, error) {
	cov, err := s.maint.Coverage(ctx)
	if err != nil {
		return nil, modelreg.Model{}, err
	}
	if cov.Records == 0 {
		return nil, modelreg.Model{}, &TooFewFailuresError{Need: max(opt.MinFailures, 20), Part: "history"}
	}
	// The history starts at midnight (UTC): the snapshots every few hours
	// then fall on the same clock hours however the history was loaded,
	// so the same records give the same model and figures as gemba model
	// evaluate-risk on the CSV files.
	to := minT(now, cov.Last.Add(time.Hour)).Truncate(time.Hour)
	from := cov.First.Truncate(24 * time.Hour)
	if !cov.FirstFailure.IsZero() && cov.FirstFailure.After(from) {
		// Before the first failure record the failure history is not
		// known to be complete (a CMMS export of maintenance may reach
		// back further than its failures).
		from = cov.FirstFailure.Add(-24 * time.Hour).Truncate(24 * time.Hour)
	}
	assets, err := s.loadAssets(ctx, from.Add(-(driftHours+baselineHours)*time.Hour), to)
	if err != nil {
		return nil, modelreg.Model{}, err
	}
	tr, err := Train(assets, from, to, opt)
	if err != nil {
		return nil, modelreg.Model{}, err
	}
	m := modelreg.Model{Name: modelreg.BuiltinRisk, Version: now.UTC().Format("20060102T150405"), Kind: modelreg.KindBuiltin, Task: modelreg.TaskRisk, Active: true,
		InputSchema: modelreg.Schema{Description: fmt.Sprintf("failure risk within 24 h, 48 h and 7 days per asset: L2 logistic regression on alerts, component replacements, failures, age, type and sensor drift; learned from %d failures on %d assets, %s to %s",
			tr.Failures, tr.Assets, day(tr.DataFrom), day(tr.DataTo))},
		Metrics: modelreg.Metrics{Risk: Figures(tr.Eval)}}
	reg, err := s.reg.Register(ctx, m)
	if err != nil {
		return nil, modelreg.Model{}, err
	}
	art, err := json.Marshal(tr)
	if err != nil {
		return nil, modelreg.Model{}, fmt.Errorf("risk: encode model: %w", err)
	}
	if err := s.reg.SetArtifact(ctx, reg.ID, art); err != nil {
		return nil, modelreg.Model{}, err
	}
	return tr, reg, nil
}

// Figures are the test figures the registry keeps, by name.
func Figures(e Evaluation) map[string]float64 {
	out := map[string]float64{}
	for _, t := range e.Targets {
		if t.Component != "" {
			continue
		}
		k := fmt.Sprintf("%dh", t.HorizonHours)
		out["precision_"+k] = t.Precision
		out["event_recall_"+k] = t.EventRecall
		out["pr_auc_"+k] = t.PRAUC
		out["failures_"+k] = float64(t.Failures)
		out["brier_"+k] = t.Brier
	}
	return out
}

// Active returns the active model and its registry row; ErrNoModel when
// none was trained, or when the active one has an older feature layout.
func (s *Service) Active(ctx context.Context) (*Trained, modelreg.Model, error) {
	m, err := s.reg.Get(ctx, modelreg.BuiltinRisk, "")
	if errors.Is(err, modelreg.ErrNotFound) {
		return nil, modelreg.Model{}, ErrNoModel
	}
	if err != nil {
		return nil, modelreg.Model{}, err
	}
	b, err := s.reg.Artifact(ctx, m.ID)
	if errors.Is(err, modelreg.ErrNotFound) {
		return nil, m, ErrNoModel
	}
	if err != nil {
		return nil, m, err
	}
	var tr Trained
	if err := json.Unmarshal(b, &tr); err != nil {
		return nil, m, fmt.Errorf("risk: decode %s: %w", m.Ref(), err)
	}
	if tr.Spec.Version != SpecVersion {
		// Its weights belong to another feature layout: scoring with
		// them would be confidently wrong.
		return nil, m, fmt.Errorf("%w: the active model %s was trained by an older Gemba (feature layout %d, now %d); train it again",
			ErrNoModel, m.Ref(), tr.Spec.Version, SpecVersion)
	}
	return &tr, m, nil
}

// AssetRisk is one asset's risk now.
type AssetRisk struct {
	Asset string `json:"asset"`
	// P24, P48 and P7d are the probabilities of a failure within 24 h,
	// 48 h and 7 days.
	P24 float64 `json:"p24h"`
	P48 float64 `json:"p48h"`
	P7d float64 `json:"p7d"`
	// Alarm is set when P48 is at or above its alarm threshold.
	Alarm bool `json:"alarm"`
	// Component is the component most likely to fail within 48 h (when
	// there are component models), with its probability.
	Component  string  `json:"component,omitempty"`
	PComponent float64 `json:"p_component,omitempty"`
	// Drivers are the features that raise the 48-hour risk most.
	Drivers []Driver `json:"drivers,omitempty"`
}

// Ranking is every asset's risk at a moment, riskiest first.
type Ranking struct {
	At time.Time `json:"at"`
	// Stale is set when At is the latest record, long before now: the
	// history ends there.
	Stale  bool        `json:"stale,omitempty"`
	Model  string      `json:"model"`
	Assets []AssetRisk `json:"assets"`
	// Figures are the model's test figures (precision and recall at 48 h).
	Figures map[string]float64 `json:"figures"`
}

// staleAfter is how long a plant's records may fall silent before a
// ranking is made as of its latest record rather than now: a history that
// ends long ago (an archive, an import of past years) says nothing of now,
// and "days since the last repair" would only grow.
const staleAfter = 30 * 24 * time.Hour

// Score ranks every asset by its risk at now, or, when the plant's records
// end more than staleAfter before now, at its latest record (Ranking.AsOf
// says so).
func (s *Service) Score(ctx context.Context, now time.Time) (*Ranking, error) {
	tr, m, err := s.Active(ctx)
	if err != nil {
		return nil, err
	}
	cov, err := s.maint.Coverage(ctx)
	if err != nil {
		return nil, err
	}
	stale := false
	if cov.Records > 0 && now.Sub(cov.Last) > staleAfter {
		now, stale = cov.Last, true
	}
	assets, err := s.loadAssets(ctx, now.Add(-(driftHours+baselineHours+24)*time.Hour), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	rk := tr.Rank(assets, now, m.Ref())
	rk.Stale = stale
	return rk, nil
}

// Rank scores assets at now with the trained models.
func (tr *Trained) Rank(assets []*Asset, now time.Time, ref string) *Ranking {
	names := tr.Spec.Names()
	out := &Ranking{At: now, Model: ref, Figures: Figures(tr.Eval)}
	buf := make([]float64, 0, tr.Spec.Len())
	for _, a := range assets {
		a.prepare()
		x := tr.Spec.Features(a, now, buf)
		r := AssetRisk{Asset: a.Name}
		if p, _, ok := tr.Prob(Target{HorizonHours: 24}, x); ok {
			r.P24 = round3(p)
		}
		if p, by, ok := tr.Prob(Target{HorizonHours: 48}, x); ok {
			r.P48 = round3(p)
			r.Alarm = tr.Alarm(Target{HorizonHours: 48}, x)
			r.Drivers = by.Model.Drivers(x, names, 3)
		}
		if p, _, ok := tr.Prob(Target{HorizonHours: 168}, x); ok {
			r.P7d = round3(p)
		}
		for _, cm := range tr.Models {
			if cm.HorizonHours == 48 && cm.Component != "" {
				if p, _, _ := tr.Prob(cm.Target, x); p > r.PComponent {
					r.Component, r.PComponent = cm.Component, round3(p)
				}
			}
		}
		out.Assets = append(out.Assets, r)
	}
	sort.SliceStable(out.Assets, func(i, j int) bool { return out.Assets[i].P48 > out.Assets[j].P48 })
	return out
}

// Reevaluate measures the active model on the history recorded since it
// was trained (labels now known) and stores the evaluation; it is marked
// drifted when its 48-hour PR-AUC falls below half the registered one.
// It does nothing (and says so) without a model or new failures.
func (s *Service) Reevaluate(ctx context.Context, now time.Time) (*modelreg.Evaluation, error) {
	tr, m, err := s.Active(ctx)
	if err != nil {
		return nil, err
	}
	from := tr.DataTo
	to := now.Add(-48 * time.Hour)
	if !from.Before(to) {
		return nil, nil
	}
	assets, err := s.loadAssets(ctx, from.Add(-(driftHours+baselineHours)*time.Hour), now)
	if err != nil {
		return nil, err
	}
	var p, y []float64
	buf := make([]float64, 0, tr.Spec.Len())
	m48, ok := tr.Find(48, "")
	if !ok {
		return nil, nil
	}
	alarms := map[int][]time.Time{}
	for ai, a := range assets {
		a.prepare()
		for t := from; t.Before(to); t = t.Add(time.Hour) { // every hour, as the test part was measured
			x := tr.Spec.Features(a, t, buf)
			pr, _, _ := tr.Prob(m48.Target, x)
			p = append(p, pr)
			y = append(y, b2f(failsWithin(a.failures, t, 48*time.Hour)))
			if tr.Alarm(m48.Target, x) {
				alarms[ai] = append(alarms[ai], t)
			}
		}
	}
	met := modelreg.EvalMetrics{Points: len(p), Cutoff: to, Risk: map[string]float64{}}
	n, hit := eventRecall(Target{HorizonHours: 48}, assets, alarms, from, to, 48*time.Hour)
	met.Risk["failures_48h"] = float64(n)
	if n > 0 {
		met.Risk["event_recall_48h"] = round3(float64(hit) / float64(n))
	}
	met.Risk["pr_auc_48h"] = round3(averagePrecision(p, y))
	ref := Figures(tr.Eval)["pr_auc_48h"]
	met.Reference = ref
	drifted := n > 0 && met.Risk["pr_auc_48h"] < ref/2
	ev, err := s.reg.RecordEvaluation(ctx, m, now, met, drifted)
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

// DigestLines are the lines a shift digest shows about failure risk: the
// assets whose 48-hour risk is at or above the alarm threshold (at most
// k), each with its probability and its strongest driver; or why there is
// no ranking.
func (s *Service) DigestLines(ctx context.Context, now time.Time, k int) ([]string, error) {
	alarms, note, err := s.DigestAlarms(ctx, now, k)
	if err != nil {
		return nil, err
	}
	if len(alarms) == 0 {
		return []string{note}, nil
	}
	return alarms, nil
}

// DigestAlarms returns the assets at or above their 48-hour alarm
// threshold (at most k, riskiest first), each as one line with its
// probability and strongest driver; when there are none, note says why
// (no model trained, or no asset above its threshold). The digest calls
// it once per post.
func (s *Service) DigestAlarms(ctx context.Context, now time.Time, k int) (alarms []string, note string, err error) {
	rk, err := s.Score(ctx, now)
	if errors.Is(err, ErrNoModel) {
		return nil, "Failure risk: no model trained yet (gemba model train risk); machines are ranked by anomaly severity.", nil
	}
	if err != nil {
		return nil, "", err
	}
	for _, a := range rk.Assets {
		if !a.Alarm || len(alarms) >= k {
			continue
		}
		line := fmt.Sprintf("%s: %.0f%% risk of failure within 48 h (7 days: %.0f%%)", a.Asset, 100*a.P48, 100*a.P7d)
		if a.Component != "" {
			line += ", most likely " + a.Component
		}
		if len(a.Drivers) > 0 {
			line += "; driven by " + strings.ToLower(a.Drivers[0].Feature) + fmt.Sprintf(" (%g)", a.Drivers[0].Value)
		}
		alarms = append(alarms, line)
	}
	if len(alarms) == 0 {
		note = fmt.Sprintf("Failure risk (%s): no asset above its 48-hour alarm threshold.", rk.Model)
	}
	if rk.Stale {
		// The records end long before now: the alarms are of then.
		asOf := fmt.Sprintf("as of the latest record, %s (the records end there; nothing is known of now)", rk.At.UTC().Format("2006-01-02 15:04"))
		for i := range alarms {
			alarms[i] += " — " + asOf
		}
		if note != "" {
			note = strings.TrimSuffix(note, ".") + ", " + asOf + "."
		}
	}
	return alarms, note, nil
}
