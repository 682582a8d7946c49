package model

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
)

// Inferred is a series the plant model does not describe, as Gemba reads
// it from the naming conventions (asset.sensor, line-N.output, line-N.plan)
// and the import's columns.
type Inferred struct {
	Series string `yaml:"series" json:"series"`
	Asset  string `yaml:"asset,omitempty" json:"asset,omitempty"`
	// Type is the asset's type as read from its name (press-3 → press).
	Type   string `yaml:"type,omitempty" json:"type,omitempty"`
	Line   string `yaml:"line,omitempty" json:"line,omitempty"`
	Sensor string `yaml:"sensor,omitempty" json:"sensor,omitempty"`
	Kind   string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Unit   string `yaml:"unit,omitempty" json:"unit,omitempty"`
	Step   string `yaml:"step,omitempty" json:"step,omitempty"`
}

// Shown is what `gemba plant show` prints: what is in force, the applied
// file, the series beyond it, and the bindings and schedules changed by
// hand since.
type Shown struct {
	InForce  InForce
	Inferred []Inferred
	// Drift are the bindings and digest schedules that differ from the
	// file (the next apply restores them).
	Drift []string
}

// Show gathers what Shown holds. st lists the series catalog; ch is the
// bindings and schedules store (nil: drift is not checked).
func Show(ctx context.Context, dbtx db.DBTX, fallback plant.Defaults, st Catalog, ch Channels) (Shown, error) {
	f, err := Load(ctx, dbtx, fallback)
	if err != nil {
		return Shown{}, err
	}
	out := Shown{InForce: f}
	all, err := st.List(ctx, series.Filter{})
	if err != nil {
		return out, err
	}
	out.Inferred = inferred(f, all)
	if ch != nil && f.Applied != nil {
		admin := &Admin{DB: dbtx, Channels: ch, Fallback: fallback}
		bs, err := admin.Bindings(ctx)
		if err != nil {
			return out, err
		}
		for _, b := range bs {
			if !b.File.IsZero() && b.File != b.Target {
				out.Drift = append(out.Drift, fmt.Sprintf("binding %s: %s", b.Channel, b.Origin))
			}
		}
		ss, err := admin.Schedules(ctx)
		if err != nil {
			return out, err
		}
		for _, s := range ss {
			if strings.Contains(s.Origin, "which the next apply restores") {
				out.Drift = append(out.Drift, fmt.Sprintf("digest %s: %s", s.Channel, s.Origin))
			}
		}
	}
	return out, nil
}

// inferred are the series of the catalog the model does not describe, as
// the registry reads them.
func inferred(f InForce, all []series.Series) []Inferred {
	described := map[string]bool{}
	if f.Applied != nil {
		for _, s := range wantSeries(f.Applied.Model) {
			described[s.Name] = true
		}
	}
	var ps []plant.Series
	step := map[string]time.Duration{}
	for _, s := range all {
		step[s.Name] = s.Interval
		if !described[s.Name] {
			ps = append(ps, plant.Series{Name: s.Name, Asset: s.Asset, Line: s.Line, Sensor: s.Sensor, Kind: s.Kind, Unit: s.Unit})
		}
	}
	p, _ := plant.New(ps, plant.Defaults{TimeZone: "UTC"})
	var out []Inferred
	for _, s := range p.Series {
		in := Inferred{Series: s.Name, Asset: s.Asset, Line: s.Line, Sensor: s.Sensor, Kind: s.Kind, Unit: s.Unit}
		if a, ok := p.Asset(s.Asset); ok {
			in.Type = a.Type
		}
		if d := step[s.Name]; d > 0 {
			in.Step = fmtDur(d)
		}
		out = append(out, in)
	}
	return out
}

// Write prints what is in force, then the applied file as it was written,
// then the inferred series as YAML.
func (s Shown) Write(w io.Writer) error {
	f := s.InForce
	d := f.Defaults
	fmt.Fprintf(w, "# In force: %s\n", f.Origin())
	fmt.Fprintf(w, "# Time zone %s; shifts %s\n", d.TimeZone, shiftList(d.Shifts))
	for _, dr := range s.Drift {
		fmt.Fprintf(w, "# Changed outside plant.yaml: %s\n", dr)
	}
	if f.Applied != nil {
		for _, p := range f.Applied.Problems {
			fmt.Fprintf(w, "# Warning on this machine: %s\n", p)
		}
		fmt.Fprintln(w, "---")
		src := f.Applied.Source
		if !strings.HasSuffix(src, "\n") {
			src += "\n"
		}
		if _, err := io.WriteString(w, src); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "# No plant.yaml applied: assets and lines are read from the series names (see README \"Plant model\").")
	}
	fmt.Fprintln(w, "---")
	if len(s.Inferred) == 0 {
		fmt.Fprintln(w, "# Every series is described by the plant model.")
		fmt.Fprintln(w, "inferred: []")
		return nil
	}
	fmt.Fprintf(w, "# %d series not described by the plant model, as Gemba reads them from their names:\n", len(s.Inferred))
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{"inferred": s.Inferred}); err != nil {
		return fmt.Errorf("plant model: show: %w", err)
	}
	return enc.Close()
}

func shiftList(ss []plant.Shift) string {
	if len(ss) == 0 {
		return "none (one day-long shift)"
	}
	var parts []string
	for _, s := range ss {
		h := int(s.Start.Hours())
		m := int(s.Start.Minutes()) % 60
		p := fmt.Sprintf("%s %02d:%02d", s.Name, h, m)
		if len(s.Days) > 0 {
			var ds []string
			for _, d := range s.Days {
				ds = append(ds, strings.ToLower(d.String()[:3]))
			}
			p += " (" + strings.Join(ds, ",") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " · ")
}
