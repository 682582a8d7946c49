// Package plant is the one place that knows a plant's registry and
// calendar: its site, time zone and shift calendar, its lines and assets
// with the names people call them (in English and Korean, with numbers as
// digits or words), its series, and the maintenance vocabulary the
// planner and the agent's grounding read questions with.
//
// A Plant is a plain value built from the series catalog (list_series, or
// the series store) plus Defaults for what the catalog does not say: the
// time zone, the shifts, the other names of lines and assets, the assets'
// types and the sensors' units, ranges and documented limits. The applied
// plant model file (plant.yaml, internal/plant/model) fills Defaults; a
// plant without one gets DemoDefaults (Asia/Seoul, shifts at 06, 14 and
// 22) and infers its assets and lines from the series names.
//
// It imports nothing of Gemba's: the planner (internal/planner), the agent
// (internal/agent) and the eval read it; it reads nobody.
package plant

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the plant's zone must resolve in a distroless image too
)

// Plant is one site's registry and calendar.
type Plant struct {
	// Site names the site, e.g. plant-1.
	Site string
	// Location is the plant's time zone; every time word is read in it.
	Location *time.Location
	// Shifts are the shifts of a day in order of their start.
	Shifts []Shift
	// Lines are the production lines, by name.
	Lines []Line
	// Assets are the machines, by name.
	Assets []Asset
	// Series are the catalog's series.
	Series []Series
	// Specs are what the plant model says of each sensor: unit, expected
	// range, documented limits (see Spec, Limits and Crossed).
	Specs []SensorSpec
	// Origin says where the calendar and registry come from ("plant.yaml
	// version 3", "built-in defaults"), for answers and `gemba plant show`.
	Origin string
}

// Shift is one shift of the plant's day.
type Shift struct {
	// Name is the shift's name in English ("day", "late", "night") and
	// NameKO in Korean ("주간", "오후", "야간").
	Name, NameKO string
	// Start is the time of day the shift starts.
	Start time.Duration
	// Days are the weekdays the shift runs on; empty means every day.
	Days []time.Weekday
}

// Line is one production line.
type Line struct {
	Name string
	// Aliases are other names of the line: its process ("stamping line",
	// "프레스 라인"); "line 1", "1라인" and the like are matched from the name.
	Aliases []string
	// Assets are the line's machines.
	Assets []string
}

// Asset is one machine.
type Asset struct {
	Name, Line string
	// Type is the equipment type ("press"), Number its number in the type
	// ("3" for press-3); both come from the name unless the plant model
	// gives the type.
	Type   string
	Number int
	// Sensors are the sensors the catalog (or the plant model) has for it.
	Sensors []string
	// Aliases are the plant's own names for it ("800t press", "메인 프레스"),
	// from the plant model.
	Aliases []string
}

// Series is one catalog entry.
type Series struct {
	Name   string `json:"name"`
	Asset  string `json:"asset,omitempty"`
	Line   string `json:"line,omitempty"`
	Sensor string `json:"sensor,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Unit   string `json:"unit,omitempty"`
	// Latest is the series' latest value and LatestAt its time (RFC 3339,
	// empty when the catalog did not say).
	Latest   float64 `json:"latest,omitempty"`
	LatestAt string  `json:"latest_at,omitempty"`
	// Interval is the series' sampling interval ("10m0s"; "" when unknown).
	Interval string `json:"interval,omitempty"`
}

// The kinds of series the catalog has.
const (
	KindSensor     = "sensor"
	KindProduction = "production"
	KindPlan       = "plan"
)

// Defaults are what the series catalog does not say about a plant.
type Defaults struct {
	Site string
	// TimeZone is an IANA zone name, e.g. Asia/Seoul.
	TimeZone string
	Shifts   []Shift
	// LineAliases are other names of lines, by line name.
	LineAliases map[string][]string
	// Lines and Assets are declared by the plant model: they are part of
	// the plant even before their series have points, and an asset's Type
	// and Line here win over what its name and series say.
	Lines  []string
	Assets []AssetSpec
	// Sensors are the plant model's sensors with units, ranges and limits.
	Sensors []SensorSpec
	// Origin says where these defaults come from (Plant.Origin).
	Origin string
}

// AssetSpec is one asset as the plant model declares it.
type AssetSpec struct {
	Name, Line, Type string
	// Aliases are the plant's own names for the asset, in any language.
	Aliases []string
}

// DemoDefaults are the demo plant's: site plant-1 in Asia/Seoul, shifts at
// 06, 14 and 22, line-1 stamping, line-2 machining, line-3 packaging.
func DemoDefaults() Defaults {
	return Defaults{
		Site:     "plant-1",
		TimeZone: "Asia/Seoul",
		Shifts: []Shift{
			{Name: "day", NameKO: "주간", Start: 6 * time.Hour},
			{Name: "late", NameKO: "오후", Start: 14 * time.Hour},
			{Name: "night", NameKO: "야간", Start: 22 * time.Hour},
		},
		LineAliases: map[string][]string{
			"line-1": {"stamping line", "stamping", "press line", "프레스 라인", "프레스라인", "스탬핑 라인"},
			"line-2": {"machining line", "machining", "cnc line", "가공 라인", "가공라인", "CNC 라인"},
			"line-3": {"packaging line", "packaging", "packing line", "포장 라인", "포장라인", "충전 라인"},
		},
	}
}

var assetNameRe = regexp.MustCompile(`^(.*?)[-_ ]?(\d+)$`)

// New builds a plant from the series catalog and the defaults. Assets and
// lines are those the series name; an asset's type and number come from
// its name (press-3 → press, 3).
func New(series []Series, d Defaults) (*Plant, error) {
	loc := time.UTC
	if d.TimeZone != "" {
		l, err := time.LoadLocation(d.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("plant: time zone %q: %w", d.TimeZone, err)
		}
		loc = l
	}
	shifts := append([]Shift(nil), d.Shifts...)
	if len(shifts) == 0 {
		shifts = []Shift{{Name: "day", NameKO: "주간"}}
	}
	sort.Slice(shifts, func(i, j int) bool { return shifts[i].Start < shifts[j].Start })
	for _, s := range shifts {
		if s.Start < 0 || s.Start >= 24*time.Hour {
			return nil, fmt.Errorf("plant: shift %s starts at %s, outside the day", s.Name, s.Start)
		}
	}
	p := &Plant{Site: d.Site, Location: loc, Shifts: shifts, Specs: d.Sensors, Origin: d.Origin}
	assets := map[string]*Asset{}
	lines := map[string]*Line{}
	line := func(name string) *Line {
		l, ok := lines[name]
		if !ok {
			l = &Line{Name: name, Aliases: d.LineAliases[name]}
			lines[name] = l
		}
		return l
	}
	for _, l := range d.Lines {
		line(l)
	}
	for _, as := range d.Assets {
		a := newAsset(as.Name, as.Line)
		if as.Type != "" {
			a.Type = as.Type
		}
		a.Aliases = as.Aliases
		assets[as.Name] = a
	}
	for _, s := range d.Sensors {
		if a, ok := assets[s.Asset]; ok {
			a.Sensors = appendUnique(a.Sensors, s.Sensor)
		}
	}
	seen := map[string]bool{}
	for _, s := range series {
		if s.Name == "" || seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		s = completeSeries(s)
		p.Series = append(p.Series, s)
		if s.Line != "" {
			line(s.Line)
		}
		if s.Asset == "" {
			continue
		}
		a, ok := assets[s.Asset]
		if !ok {
			a = newAsset(s.Asset, s.Line)
			assets[s.Asset] = a
		}
		if a.Line == "" {
			a.Line = s.Line
		}
		if s.Sensor != "" && s.Kind != KindProduction && s.Kind != KindPlan {
			a.Sensors = appendUnique(a.Sensors, s.Sensor)
		}
	}
	for _, a := range assets {
		if a.Line != "" {
			l := line(a.Line)
			l.Assets = append(l.Assets, a.Name)
		}
		sort.Strings(a.Sensors)
		p.Assets = append(p.Assets, *a)
	}
	for _, l := range lines {
		sort.Strings(l.Assets)
		p.Lines = append(p.Lines, *l)
	}
	sort.Slice(p.Assets, func(i, j int) bool { return lessName(p.Assets[i].Name, p.Assets[j].Name) })
	sort.Slice(p.Lines, func(i, j int) bool { return lessName(p.Lines[i].Name, p.Lines[j].Name) })
	if len(p.Series) == 0 {
		return p, ErrEmptyCatalog
	}
	return p, nil
}

// newAsset is an asset whose type and number come from its name.
func newAsset(name, line string) *Asset {
	a := &Asset{Name: name, Line: line}
	a.Type, a.Number = NameParts(name)
	return a
}

// NameParts reads an asset's equipment type and number from its name
// (press-3 → press, 3; machine12 → machine, 12; a name without a number is
// its own type, number 0): how assets are typed when no plant model says.
func NameParts(name string) (typ string, number int) {
	if m := assetNameRe.FindStringSubmatch(name); m != nil && m[1] != "" {
		n, _ := strconv.Atoi(m[2])
		return strings.ToLower(strings.TrimRight(m[1], "-_ ")), n
	}
	return strings.ToLower(name), 0
}

// ErrEmptyCatalog is returned (with a usable, empty plant) when the catalog
// has no series: nothing can be resolved against it.
var ErrEmptyCatalog = errors.New("plant: the series catalog is empty")

// completeSeries fills a catalog entry's asset, line and sensor from its
// name when the catalog left them out ("press-3.vibration", "line-1.output").
func completeSeries(s Series) Series {
	i := strings.LastIndexByte(s.Name, '.')
	if i <= 0 {
		return s
	}
	owner, sensor := s.Name[:i], s.Name[i+1:]
	if s.Sensor == "" {
		s.Sensor = sensor
	}
	if s.Asset == "" && s.Line == "" {
		if strings.HasPrefix(owner, "line-") {
			s.Line = owner
		} else {
			s.Asset = owner
		}
	}
	if s.Kind == "" {
		switch sensor {
		case "output":
			s.Kind = KindProduction
		case "plan":
			s.Kind = KindPlan
		default:
			s.Kind = KindSensor
		}
	}
	return s
}

// lessName orders names with numbers by their number (press-2 before press-10).
func lessName(a, b string) bool {
	ma, mb := assetNameRe.FindStringSubmatch(a), assetNameRe.FindStringSubmatch(b)
	if ma != nil && mb != nil && ma[1] == mb[1] {
		na, _ := strconv.Atoi(ma[2])
		nb, _ := strconv.Atoi(mb[2])
		return na < nb
	}
	return a < b
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// Asset returns the named asset.
func (p *Plant) Asset(name string) (Asset, bool) {
	for _, a := range p.Assets {
		if a.Name == name {
			return a, true
		}
	}
	return Asset{}, false
}

// Line returns the named line.
func (p *Plant) Line(name string) (Line, bool) {
	for _, l := range p.Lines {
		if l.Name == name {
			return l, true
		}
	}
	return Line{}, false
}

// SeriesNamed returns the named series.
func (p *Plant) SeriesNamed(name string) (Series, bool) {
	for _, s := range p.Series {
		if s.Name == name {
			return s, true
		}
	}
	return Series{}, false
}

// AssetNames returns every asset's name, in order.
func (p *Plant) AssetNames() []string {
	out := make([]string, len(p.Assets))
	for i, a := range p.Assets {
		out[i] = a.Name
	}
	return out
}

// LineNames returns every line's name, in order.
func (p *Plant) LineNames() []string {
	out := make([]string, len(p.Lines))
	for i, l := range p.Lines {
		out[i] = l.Name
	}
	return out
}

// AssetsOfType returns the assets of an equipment type, in order.
func (p *Plant) AssetsOfType(typ string) []string {
	var out []string
	for _, a := range p.Assets {
		if a.Type == typ {
			out = append(out, a.Name)
		}
	}
	return out
}

// Types returns the equipment types the plant has, in order of first asset.
func (p *Plant) Types() []string {
	var out []string
	for _, a := range p.Assets {
		out = appendUnique(out, a.Type)
	}
	return out
}

// OutputSeries returns the production output series of a line ("" when it has none).
func (p *Plant) OutputSeries(line string) string {
	for _, s := range p.Series {
		if s.Line == line && s.Asset == "" && s.Kind == KindProduction {
			return s.Name
		}
	}
	return ""
}

// HasPlan reports whether a line has a plan series.
func (p *Plant) HasPlan(line string) bool {
	for _, s := range p.Series {
		if s.Line == line && s.Kind == KindPlan {
			return true
		}
	}
	return false
}

// HasSensor reports whether any series of the plant measures the sensor
// (vibration, power, good_count…).
func (p *Plant) HasSensor(sensor string) bool {
	for _, s := range p.Series {
		if s.Sensor == sensor {
			return true
		}
	}
	return false
}

// Unit returns the unit of an asset's sensor ("" when unknown).
func (p *Plant) Unit(asset, sensor string) string {
	for _, s := range p.Series {
		if s.Asset == asset && s.Sensor == sensor {
			return s.Unit
		}
	}
	return ""
}
