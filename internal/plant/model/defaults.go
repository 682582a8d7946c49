package model

import (
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
)

// Defaults turns a checked model into what the plant registry and calendar
// read (plant.New): time zone, shifts, lines and assets with their types
// and aliases, sensors with units, ranges and limits. origin says where
// the model comes from ("plant.yaml version 3").
func (m *Model) Defaults(origin string) plant.Defaults {
	d := plant.Defaults{Site: m.DefaultSite(), TimeZone: m.TimeZone, Origin: origin, LineAliases: map[string][]string{}}
	for _, s := range m.Shifts {
		start, _ := clock(s.Start)
		sh := plant.Shift{Name: s.Name, NameKO: s.NameKO, Start: start}
		if len(s.Days) > 0 {
			sh.Days = daysOf(s)
		}
		d.Shifts = append(d.Shifts, sh)
	}
	for _, l := range m.Lines {
		d.Lines = append(d.Lines, l.Name)
		if len(l.Aliases) > 0 {
			d.LineAliases[l.Name] = append([]string(nil), l.Aliases...)
		}
	}
	for _, a := range m.Assets {
		typ := a.Type
		if typ == "" {
			typ, _ = plant.NameParts(a.Name)
		}
		d.Assets = append(d.Assets, plant.AssetSpec{Name: a.Name, Line: a.Line, Type: typ, Aliases: append([]string(nil), a.Aliases...)})
	}
	for _, s := range m.AllSensors() {
		spec := plant.SensorSpec{Asset: s.Asset, Sensor: s.Name, Series: s.SeriesName(), Unit: s.Unit, Step: s.Step}
		if len(s.Range) == 2 {
			lo, hi := s.Range[0], s.Range[1]
			spec.Min, spec.Max = &lo, &hi
		}
		for _, l := range s.Limits {
			spec.Limits = append(spec.Limits, plant.Limit{Level: l.Level, Above: l.Above, Below: l.Below, Doc: l.Doc})
		}
		d.Sensors = append(d.Sensors, spec)
	}
	return d
}

// clock reads "06:00" as the time of day.
func clock(s string) (time.Duration, bool) {
	m := clockRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, true
}

// Aliases are the plant's own names for its assets (alias → asset name),
// for the retrieval vocabulary (vocab.WithAliases): a question or a
// document that says "800톤 프레스" is then read as press-3. Lines' aliases
// are left out: "stamping" or "packaging" name a process in documents far
// more often than a line, and the vocabulary would rewrite them.
func (m *Model) Aliases() map[string]string {
	out := map[string]string{}
	for _, as := range m.Assets {
		for _, a := range as.Aliases {
			out[strings.ToLower(strings.TrimSpace(a))] = as.Name
		}
	}
	return out
}

// ConsoleChannels are the console channels the model names (bindings and
// digests), which the console shows beside its own.
func (m *Model) ConsoleChannels() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if ch, err := ParseChannel(s); err == nil && ch.Source == SourceConsole && !seen[ch.ID] {
			seen[ch.ID] = true
			out = append(out, ch.ID)
		}
	}
	for _, b := range m.Bindings {
		add(b.Channel)
	}
	for _, d := range m.Digests {
		add(d.Channel)
	}
	return out
}
