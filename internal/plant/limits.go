package plant

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SensorSpec is what the plant model says about one sensor of an asset:
// the series that records it, its unit and nominal step, the range its
// readings are expected in, and the limits a document states for it.
type SensorSpec struct {
	Asset, Sensor string
	// Series is the series name (by convention asset.sensor).
	Series string
	Unit   string
	// Min and Max bound the expected range (nil: not stated).
	Min, Max *float64
	// Limits are the documented limits, in the order of the file.
	Limits []Limit
	// Step is the nominal sampling interval (0: not stated).
	Step time.Duration
}

// Limit is one documented limit on a sensor's reading: crossing it above
// (Above set) or below (Below set) is at Level, as the document Doc states.
type Limit struct {
	Level string
	Above *float64
	Below *float64
	// Doc names the document that states the limit (a runbook or SOP id,
	// or a link); empty when the file does not say.
	Doc string
}

// LimitLevels are the levels a limit may have, least severe first; the
// first four are those documents' rules use too (internal/planner).
var LimitLevels = []string{"warn", "alert", "alarm", "danger", "trip", "stop"}

// LevelRank orders limit levels: a higher rank is more severe (0 for an
// unknown level).
func LevelRank(level string) int {
	for i, l := range LimitLevels {
		if l == level {
			return i + 1
		}
	}
	return 0
}

// Value is the limit's threshold.
func (l Limit) Value() float64 {
	if l.Above != nil {
		return *l.Above
	}
	if l.Below != nil {
		return *l.Below
	}
	return 0
}

// Crosses reports whether v is beyond the limit (strictly above an upper
// limit, strictly below a lower one).
func (l Limit) Crosses(v float64) bool {
	switch {
	case l.Above != nil:
		return v > *l.Above
	case l.Below != nil:
		return v < *l.Below
	}
	return false
}

// Spec returns what the plant model says of an asset's sensor.
func (p *Plant) Spec(asset, sensor string) (SensorSpec, bool) {
	if p == nil {
		return SensorSpec{}, false
	}
	for _, s := range p.Specs {
		if s.Asset == asset && s.Sensor == sensor {
			return s, true
		}
	}
	return SensorSpec{}, false
}

// Limits returns the documented limits of an asset's sensor, least severe
// first.
func (p *Plant) Limits(asset, sensor string) []Limit {
	s, ok := p.Spec(asset, sensor)
	if !ok {
		return nil
	}
	out := append([]Limit(nil), s.Limits...)
	sort.SliceStable(out, func(i, j int) bool { return LevelRank(out[i].Level) < LevelRank(out[j].Level) })
	return out
}

// Crossed returns the most severe limit of an asset's sensor that the
// reading v crosses.
func (p *Plant) Crossed(asset, sensor string, v float64) (Limit, bool) {
	var best Limit
	found := false
	for _, l := range p.Limits(asset, sensor) {
		if l.Crosses(v) && (!found || LevelRank(l.Level) >= LevelRank(best.Level)) {
			best, found = l, true
		}
	}
	return best, found
}

// Describe says a reading against the limit in one sentence: "press-3
// vibration 5.6 mm/s is above the 4.5 mm/s alarm limit in plant.yaml
// (RB-bearing-inspection)".
func (l Limit) Describe(asset, sensor string, v float64, unit string) string {
	u := ""
	if unit != "" {
		u = " " + unit
	}
	side := "above"
	if l.Below != nil {
		side = "below"
	}
	if !l.Crosses(v) {
		side = "within"
	}
	where := "plant.yaml"
	if l.Doc != "" {
		where += " (" + l.Doc + ")"
	}
	name := strings.TrimSpace(asset + " " + strings.ReplaceAll(sensor, "_", " "))
	return fmt.Sprintf("%s %s%s is %s the %s%s %s limit in %s", name, num(v), u, side, num(l.Value()), u, l.Level, where)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
