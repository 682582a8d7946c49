package eval

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/predict"
	"github.com/gemba-ai/gemba/internal/predict/csvmodel"
)

// NABOptions tune [EvalNAB].
type NABOptions struct {
	// Threshold is the detector's own fixed threshold to score at besides
	// the optimised one; 0 uses the detector settings' threshold.
	Threshold float64
	// Detect overrides the detector (experiments); nil runs `gemba model
	// detect --online` on each file, exactly as a user would.
	Detect func(f NABFile) ([]float64, float64, error)
	// Variant names an evaluation-only change to the detector settings
	// (see [NABVariants]); "" is the product's detector.
	Variant string
	// Split limits the run to one split (SplitTune while tuning, so the
	// frozen files are not even scored); "" reports all three.
	Split string
}

// NABVariants are the evaluation-only changes to the online detector's
// settings that `gemba model evaluate nab --variant` scores.
var NABVariants = map[string]func(*predict.DetectOptions){
	"default": nil,
	// The detector without the spatial rule (the default before it was
	// adopted).
	"no-spatial": func(o *predict.DetectOptions) { o.SpatialTolerance, o.SpatialGuard = 0, 0 },
	// Numenta's spatial rule as it is (nab/detectors/numenta: a value
	// beyond the range seen so far by 5% of it scores the maximum), without
	// the default's guard of one unit of the series' noise scale.
	"spatial": func(o *predict.DetectOptions) { o.SpatialTolerance, o.SpatialGuard = 0.05, 0 },
	// The unguarded rule over the last 2,000 points (the detector's
	// calibration history) rather than all of them.
	"spatial-window": func(o *predict.DetectOptions) { o.SpatialTolerance, o.SpatialGuard, o.SpatialWindow = 0.05, 0, 2000 },
	// The default with a guard of two units instead of one.
	"spatial-guard-2": func(o *predict.DetectOptions) { o.SpatialTolerance, o.SpatialGuard = 0.05, 2 },
}

// NABProfileScore is one profile's result on one split.
type NABProfileScore struct {
	// Profile is the profile's name.
	Profile string
	// OptThreshold and OptScore are the threshold optimised over the
	// split's files, as NAB does, and the normalised score there.
	OptThreshold, OptScore float64
	// FixedThreshold and FixedScore are the detector's own threshold and
	// the normalised score at it.
	FixedThreshold, FixedScore float64
	// Detected counts the windows detected at the fixed threshold and
	// FalsePositives the detections outside every window.
	Detected, FalsePositives int
}

// NABSplit is the result on one split of the files.
type NABSplit struct {
	// Name is SplitAll, SplitTune or SplitFrozen.
	Name string
	// Files and Windows count the split's files and windows.
	Files, Windows int
	// Profiles are the three profiles' results, in NABProfileNames order.
	Profiles []NABProfileScore
	// PerFile are the standard profile's per-file outcomes at the fixed
	// threshold.
	PerFile []NABFileScore
}

// NABReport is the outcome of [EvalNAB].
type NABReport struct {
	// Dir is the corpus folder.
	Dir string
	// Rejected lists the files the detector refused, with the reason.
	Rejected []string
	// Splits are the results on all files, the tuning split and the frozen
	// split.
	Splits []NABSplit
}

// EvalNAB runs the online detector on every file of the NAB corpus in dir
// (one score per row, each row scored only from the rows before it) and
// scores it as SCORING.md describes, on all files and on the tuning and
// frozen splits ([Frozen]): per profile with the threshold optimised over
// the split's files and at the detector's own fixed threshold. A file the
// detector rejects is reported and scored as never firing.
func EvalNAB(dir string, opt NABOptions) (*NABReport, error) {
	c, err := LoadNAB(dir)
	if err != nil {
		return nil, err
	}
	amend, ok := NABVariants[opt.Variant]
	if !ok && opt.Variant != "" {
		return nil, fmt.Errorf("eval: nab: unknown variant %q", opt.Variant)
	}
	detect := opt.Detect
	if detect == nil {
		detect = func(f NABFile) ([]float64, float64, error) { return detectNABFile(f, amend) }
	}
	scores := make([][]float64, len(c.Files))
	fixed := make([]float64, len(c.Files))
	errs := make([]error, len(c.Files))
	parallel(len(c.Files), func(k int) {
		if !inSplit(c.Files[k].Name, opt.Split) {
			scores[k] = make([]float64, c.Files[k].Rows)
			return
		}
		scores[k], fixed[k], errs[k] = detect(c.Files[k])
	})
	rep := &NABReport{Dir: dir}
	theta := opt.Threshold
	for k, f := range c.Files {
		if errs[k] != nil {
			rep.Rejected = append(rep.Rejected, fmt.Sprintf("%s: %v", f.Name, errs[k]))
			scores[k] = make([]float64, f.Rows)
		}
		if theta == 0 {
			theta = fixed[k]
		}
	}
	splits := []string{SplitAll, SplitTune, SplitFrozen}
	if opt.Split != "" {
		splits = []string{opt.Split}
	}
	for _, split := range splits {
		var idx []int
		for k, f := range c.Files {
			if inSplit(f.Name, split) {
				idx = append(idx, k)
			}
		}
		sub := &NABCorpus{Profiles: c.Profiles}
		sc := make([][]float64, 0, len(idx))
		for _, k := range idx {
			sub.Files = append(sub.Files, c.Files[k])
			sc = append(sc, scores[k])
		}
		rep.Splits = append(rep.Splits, scoreSplit(split, sub, sc, theta))
	}
	return rep, nil
}

// scoreSplit scores one split under every profile.
func scoreSplit(name string, c *NABCorpus, scores [][]float64, theta float64) NABSplit {
	s := NABSplit{Name: name, Files: len(c.Files), Windows: c.Windows()}
	for _, pn := range NABProfileNames {
		p := c.Profiles[pn]
		th, raw := c.Optimize(scores, p)
		fraw, per := c.Score(scores, p, theta)
		ps := NABProfileScore{Profile: pn, OptThreshold: th, OptScore: NABNormalize(raw, s.Windows, p),
			FixedThreshold: theta, FixedScore: NABNormalize(fraw, s.Windows, p)}
		for _, f := range per {
			ps.Detected += f.Detected
			ps.FalsePositives += f.FalsePositives
		}
		if pn == "standard" {
			s.PerFile = per
		}
		s.Profiles = append(s.Profiles, ps)
	}
	return s
}

// detectNABFile scores one file as `gemba model detect --online` does and
// returns one score per row (0 where the detector gives none) and the
// detector's own threshold.
func detectNABFile(f NABFile, amend func(*predict.DetectOptions)) ([]float64, float64, error) {
	r, err := os.Open(f.Path)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = r.Close() }()
	sc, err := csvmodel.Score(r, csvmodel.DetectOptions{Online: true, Amend: amend})
	if err != nil {
		return nil, 0, err
	}
	if len(sc.Table.Slot) != f.Rows {
		return nil, 0, fmt.Errorf("%d scored rows for %d in the file", len(sc.Table.Slot), f.Rows)
	}
	out := make([]float64, f.Rows)
	for i := range out {
		if s, _, ok := sc.RowScore(i); ok {
			out[i] = s
		}
	}
	return out, sc.Options.Threshold, nil
}

// String renders the report for a terminal.
func (r *NABReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "NAB corpus %s\n", r.Dir)
	fmt.Fprintf(&b, "rejected files: %d\n", len(r.Rejected))
	for _, e := range r.Rejected {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	for _, s := range r.Splits {
		fmt.Fprintf(&b, "%s split: %d files, %d windows\n", s.Name, s.Files, s.Windows)
		for _, p := range s.Profiles {
			fmt.Fprintf(&b, "  %-20s optimised θ=%.4f: %6.2f   fixed θ=%.4f: %6.2f (%d windows detected, %d false positives)\n",
				p.Profile, p.OptThreshold, p.OptScore, p.FixedThreshold, p.FixedScore, p.Detected, p.FalsePositives)
		}
	}
	return b.String()
}

// PerFileString lists one split's per-file outcomes (standard profile, fixed
// threshold), worst first.
func (r *NABReport) PerFileString(split string) string {
	var b strings.Builder
	for _, s := range r.Splits {
		if s.Name != split {
			continue
		}
		per := append([]NABFileScore(nil), s.PerFile...)
		sort.SliceStable(per, func(i, j int) bool { return per[i].Raw < per[j].Raw })
		for _, f := range per {
			fmt.Fprintf(&b, "  %-60s raw %7.3f  windows %d/%d  FP %d\n", f.Name, f.Raw, f.Detected, f.Windows, f.FalsePositives)
		}
	}
	return b.String()
}
