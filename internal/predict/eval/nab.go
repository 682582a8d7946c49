package eval

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/predict/clean"
)

// NAB scoring, as described in the data set's SCORING.md (the Numenta
// Anomaly Benchmark v1.1): windows around labelled anomalies reward the
// earliest detection inside them, every detection outside costs, a missed
// window costs, one threshold is used for all files, and the raw score is
// normalised so the null detector scores 0 and the perfect one 100.

// NABProfile is one application profile's cost weights.
type NABProfile struct {
	// Name is the profile's name in config/profiles.json.
	Name string
	// TP, FP and FN are A_TP, A_FP and A_FN.
	TP, FP, FN float64
}

// NABProfileNames are the three profiles, in the order reports list them.
var NABProfileNames = []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"}

// NABFile is one labelled series: its rows' timestamps (file order,
// duplicates included), its anomaly windows as inclusive row ranges and its
// probationary period.
type NABFile struct {
	// Name is "<category>/<file>.csv".
	Name string
	// Path is the file's path on disk.
	Path string
	// Rows is the number of data rows.
	Rows int
	// Windows are the labelled windows as [first, last] row indices.
	Windows [][2]int
	// Probation is the number of leading rows that are not scored.
	Probation int
}

// NABCorpus is a set of labelled files with their scoring profiles.
type NABCorpus struct {
	// Files are the corpus' files, sorted by name.
	Files []NABFile
	// Profiles are the scoring profiles by name.
	Profiles map[string]NABProfile
}

// Windows counts the windows of the corpus.
func (c *NABCorpus) Windows() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Windows)
	}
	return n
}

// Subset returns the corpus restricted to the files keep accepts.
func (c *NABCorpus) Subset(keep func(name string) bool) *NABCorpus {
	out := &NABCorpus{Profiles: c.Profiles}
	for _, f := range c.Files {
		if keep(f.Name) {
			out.Files = append(out.Files, f)
		}
	}
	return out
}

// LoadNAB reads a NAB corpus laid out as the data set is: data/<category>/
// *.csv, labels/combined_windows.json and config/profiles.json under dir.
func LoadNAB(dir string) (*NABCorpus, error) {
	var wins map[string][][2]string
	if err := readJSON(filepath.Join(dir, "labels", "combined_windows.json"), &wins); err != nil {
		return nil, fmt.Errorf("eval: nab: %w", err)
	}
	var profs map[string]struct {
		CostMatrix struct {
			TP float64 `json:"tpWeight"`
			FN float64 `json:"fnWeight"`
			FP float64 `json:"fpWeight"`
		}
	}
	if err := readJSON(filepath.Join(dir, "config", "profiles.json"), &profs); err != nil {
		return nil, fmt.Errorf("eval: nab: %w", err)
	}
	c := &NABCorpus{Profiles: map[string]NABProfile{}}
	for _, name := range NABProfileNames {
		p, ok := profs[name]
		if !ok {
			return nil, fmt.Errorf("eval: nab: profile %q missing from config/profiles.json", name)
		}
		c.Profiles[name] = NABProfile{Name: name, TP: p.CostMatrix.TP, FP: p.CostMatrix.FP, FN: p.CostMatrix.FN}
	}
	paths, err := filepath.Glob(filepath.Join(dir, "data", "*", "*.csv"))
	if err != nil {
		return nil, fmt.Errorf("eval: nab: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("eval: nab: no data/<category>/*.csv under %s", dir)
	}
	for _, p := range paths {
		name := filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p)))
		times, err := nabTimes(p)
		if err != nil {
			return nil, fmt.Errorf("eval: nab: %s: %w", name, err)
		}
		f := NABFile{Name: name, Path: p, Rows: len(times), Probation: min(int(math.Floor(0.15*float64(len(times)))), 750)}
		for _, w := range wins[name] {
			a, errA := nabStamp(w[0])
			b, errB := nabStamp(w[1])
			if errA != nil || errB != nil {
				return nil, fmt.Errorf("eval: nab: %s: bad window %q", name, w)
			}
			lo := sort.Search(len(times), func(i int) bool { return !times[i].Before(a) })
			hi := sort.Search(len(times), func(i int) bool { return times[i].After(b) }) - 1
			if lo <= hi {
				f.Windows = append(f.Windows, [2]int{lo, hi})
			}
		}
		c.Files = append(c.Files, f)
	}
	sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].Name < c.Files[j].Name })
	return c, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// nabStamp reads a window bound ("2014-04-10 07:15:00.000000").
func nabStamp(s string) (time.Time, error) {
	s, _, _ = strings.Cut(s, ".")
	return time.Parse("2006-01-02 15:04:05", s)
}

// nabTimes reads the timestamps of a NAB file in row order. NAB files are
// in time order (duplicates allowed), which the window search relies on.
func nabTimes(path string) ([]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	var out []time.Time
	last := ""
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t, l, ok := clean.ParseTime(rec[0], last)
		if !ok {
			return nil, fmt.Errorf("bad timestamp %q", rec[0])
		}
		last = l
		if n := len(out); n > 0 && t.Before(out[n-1]) {
			return nil, fmt.Errorf("timestamps out of order at %q", rec[0])
		}
		out = append(out, t)
	}
	return out, nil
}

// nabSigmoid is NAB's scaled sigmoid: positive before a window's right
// edge, zero at it, negative after, −1 beyond y = 3.
func nabSigmoid(y float64) float64 {
	if y > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// rowValue is what row i of f is worth if it is a detection under p, and
// the window it falls in (−1 when outside every window).
func (f *NABFile) rowValue(i int, p NABProfile) (float64, int) {
	prev := -1 // the most recent window that ended before i
	for w, win := range f.Windows {
		a, b := win[0], win[1]
		if i >= a && i <= b {
			y := -float64(b-i+1) / float64(b-a+1)
			return p.TP * nabSigmoid(y) / nabSigmoid(-1), w
		}
		if b < i {
			prev = w
		}
	}
	if prev < 0 {
		return -p.FP, -1
	}
	a, b := f.Windows[prev][0], f.Windows[prev][1]
	width := float64(b - a + 1)
	y := float64(i-b) / (width - 1)
	if width <= 1 {
		y = math.Inf(1)
	}
	return p.FP * nabSigmoid(y), -1
}

// NABFileScore is one file's outcome at a threshold.
type NABFileScore struct {
	// Name is the file's name.
	Name string
	// Raw is the file's raw score.
	Raw float64
	// Detected counts the windows with a detection; Windows all of them.
	Detected, Windows int
	// FalsePositives counts the detections outside every window.
	FalsePositives int
}

// Score returns the corpus raw score at threshold theta (a row is a
// detection when its score is ≥ theta) and each file's outcome. scores
// holds one score per row of each file, in corpus order.
func (c *NABCorpus) Score(scores [][]float64, p NABProfile, theta float64) (float64, []NABFileScore) {
	var total float64
	out := make([]NABFileScore, len(c.Files))
	for k := range c.Files {
		f := &c.Files[k]
		fs := NABFileScore{Name: f.Name, Windows: len(f.Windows)}
		best := make([]float64, len(f.Windows))
		hit := make([]bool, len(f.Windows))
		for w := range best {
			best[w] = -p.FN
		}
		for i := f.Probation; i < f.Rows; i++ {
			if scores[k][i] < theta {
				continue
			}
			v, w := f.rowValue(i, p)
			if w < 0 {
				fs.Raw += v
				fs.FalsePositives++
				continue
			}
			if !hit[w] || v > best[w] {
				best[w], hit[w] = v, true
			}
		}
		for w := range best {
			fs.Raw += best[w]
			if hit[w] {
				fs.Detected++
			}
		}
		out[k] = fs
		total += fs.Raw
	}
	return total, out
}

// Optimize finds the threshold that maximises the corpus raw score under p,
// as NAB's sweeper does: every distinct score is tried (and 1.1, no
// detections), updating the score incrementally row by row.
func (c *NABCorpus) Optimize(scores [][]float64, p NABProfile) (theta, raw float64) {
	type row struct {
		score float64
		file  int
		win   int
		value float64
	}
	var rows []row
	winBase := make([]int, len(c.Files))
	nWin := 0
	for k := range c.Files {
		f := &c.Files[k]
		winBase[k] = nWin
		nWin += len(f.Windows)
		for i := f.Probation; i < f.Rows; i++ {
			v, w := f.rowValue(i, p)
			if w >= 0 {
				w += winBase[k]
			}
			rows = append(rows, row{score: scores[k][i], file: k, win: w, value: v})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	best := make([]float64, nWin)
	hit := make([]bool, nWin)
	s := -p.FN * float64(nWin)
	for w := range best {
		best[w] = -p.FN
	}
	theta, raw = 1.1, s
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].score == rows[i].score {
			r := rows[j]
			if r.win < 0 {
				s += r.value
			} else if !hit[r.win] || r.value > best[r.win] {
				s += r.value - best[r.win]
				best[r.win], hit[r.win] = r.value, true
			}
			j++
		}
		if s > raw {
			theta, raw = rows[i].score, s
		}
		i = j
	}
	return theta, raw
}

// NABNormalize turns a raw corpus score into the reported NAB score:
// 100·(S − S_null)/(S_perfect − S_null) with S_null = −A_FN·windows and
// S_perfect = A_TP·windows.
func NABNormalize(raw float64, windows int, p NABProfile) float64 {
	null := -p.FN * float64(windows)
	perfect := p.TP * float64(windows)
	if perfect == null {
		return 0
	}
	return 100 * (raw - null) / (perfect - null)
}
