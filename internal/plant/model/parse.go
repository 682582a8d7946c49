package model

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gemba-ai/gemba/internal/plant"
)

// Parse reads and checks a plant model file. It returns the model and
// every problem found, each naming its line and field; the model is only
// safe to use when there are none (or, for a model already applied, when
// Problems.OnlyConnectors).
func Parse(data []byte) (*Model, Problems) {
	m := &Model{lines: map[string]int{}}
	if strings.TrimSpace(string(data)) == "" {
		return m, Problems{{Message: "the file is empty: a plant model needs at least time_zone (see README \"Plant model\")"}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return m, Problems{yamlProblem(err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d := &decoder{lines: m.lines}
	d.decode(root, reflect.ValueOf(m).Elem(), "")
	v := &validator{m: m, problems: d.problems}
	v.check()
	return m, v.problems.sorted()
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlProblem turns a YAML syntax error into a problem at its line.
func yamlProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Problem{Line: n, Message: "not valid YAML: " + m[2]}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	return Problem{Message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// validator checks a decoded model.
type validator struct {
	m        *Model
	problems Problems
	lines    map[string]bool
	assets   map[string]bool
	types    map[string]bool
	sites    map[string]bool
	// lineAliases and lineSeries carry the lines' aliases and series to
	// the assets' and sensors' checks (one name, one thing).
	lineAliases aliasOwner
	lineSeries  map[string]string
}

func (v *validator) bad(path, format string, a ...any) {
	v.problems = append(v.problems, Problem{Line: v.m.FileLine(path), Field: path, Message: fmt.Sprintf(format, a...)})
}

var (
	nameRe       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)
	sensorNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	typeRe       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	seriesNameRe = regexp.MustCompile(`^[^\s]{1,200}$`)
	clockRe      = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	weekdays     = map[string]time.Weekday{
		"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
		"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
		"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
		"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	}
)

func (v *validator) check() {
	m := v.m
	v.checkCalendar()
	v.sites = map[string]bool{}
	if m.Site != "" && len(m.Sites) > 0 {
		v.bad("site", "give site (one site) or sites (a list), not both")
	}
	if m.Site != "" {
		v.name("site", m.Site, "site")
		v.sites[m.Site] = true
	}
	for i, s := range m.Sites {
		p := fmt.Sprintf("sites[%d]", i)
		v.name(p+".name", s.Name, "site")
		if v.sites[s.Name] {
			v.bad(p+".name", "site %q is listed twice", s.Name)
		}
		v.sites[s.Name] = true
	}
	v.checkLines()
	v.checkAssets()
	v.checkSensors()
	v.checkRunbooks()
	v.checkBindings()
	v.checkDigests()
}

// name checks a site, line or asset name.
func (v *validator) name(path, name, kind string) bool {
	switch {
	case name == "":
		v.bad(path, "a %s needs a name", kind)
	case !nameRe.MatchString(name):
		v.bad(path, "%q is not a usable %s name: letters, digits, - and _ only (no dots or spaces: series are named %s.sensor)", name, kind, kind)
	default:
		return true
	}
	return false
}

func (v *validator) checkCalendar() {
	m := v.m
	switch {
	case m.TimeZone == "":
		v.problems = append(v.problems, Problem{Field: "time_zone", Message: "time_zone is required: the plant's IANA time zone, e.g. Asia/Seoul (every time word, shift and digest is read in it)"})
	case strings.EqualFold(m.TimeZone, "local"):
		v.bad("time_zone", "\"Local\" depends on the machine: name the zone, e.g. Asia/Seoul")
	default:
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			v.bad("time_zone", "unknown time zone %q: use an IANA name such as Asia/Seoul, Europe/Berlin or America/Chicago", m.TimeZone)
		}
	}
	names := map[string]bool{}
	starts := map[string]string{}
	for i, s := range m.Shifts {
		p := fmt.Sprintf("shifts[%d]", i)
		if s.Name == "" {
			v.bad(p, "a shift needs a name (day, late, night…)")
		} else if names[s.Name] {
			v.bad(p+".name", "shift %q is listed twice", s.Name)
		}
		names[s.Name] = true
		if !clockRe.MatchString(s.Start) {
			v.bad(p+".start", "%q is not a time of day such as \"06:00\" (quote it: YAML reads 06:00 unquoted as a number)", s.Start)
		}
		for j, d := range s.Days {
			if _, ok := weekdays[strings.ToLower(d)]; !ok {
				v.bad(fmt.Sprintf("%s.days[%d]", p, j), "%q is not a weekday (mon, tue, wed, thu, fri, sat, sun)", d)
			}
		}
		for _, d := range daysOf(s) {
			key := fmt.Sprintf("%d@%s", d, s.Start)
			if other, ok := starts[key]; ok && other != s.Name {
				v.bad(p+".start", "shift %q starts at %s on %s like shift %q", s.Name, s.Start, d, other)
				break
			}
			starts[key] = s.Name
		}
	}
}

// daysOf are the weekdays a shift runs on.
func daysOf(s Shift) []time.Weekday {
	if len(s.Days) == 0 {
		return []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	}
	var out []time.Weekday
	for _, d := range s.Days {
		if wd, ok := weekdays[strings.ToLower(d)]; ok {
			out = append(out, wd)
		}
	}
	return out
}

// aliasOwner records who uses each alias, to refuse one name for two things.
type aliasOwner map[string]string

func (v *validator) alias(owners aliasOwner, path, alias, owner string) {
	key := strings.ToLower(strings.Join(strings.Fields(alias), " "))
	if key == "" {
		v.bad(path, "an alias is empty")
		return
	}
	if prev, ok := owners[key]; ok && prev != owner {
		v.bad(path, "alias %q already names %s: one name must mean one thing", alias, prev)
		return
	}
	owners[key] = owner
}

func (v *validator) checkLines() {
	m := v.m
	v.lines = map[string]bool{}
	owners := aliasOwner{}
	series := map[string]string{}
	for i, l := range m.Lines {
		p := fmt.Sprintf("lines[%d]", i)
		if !v.name(p+".name", l.Name, "line") {
			continue
		}
		if v.lines[l.Name] {
			v.bad(p+".name", "line %q is listed twice", l.Name)
		}
		v.lines[l.Name] = true
		if l.Site != "" && !v.sites[l.Site] {
			v.bad(p+".site", "unknown site %q (sites: %s)", l.Site, listOr(m.SiteNames(), "none declared"))
		}
		for j, a := range l.Aliases {
			v.alias(owners, fmt.Sprintf("%s.aliases[%d]", p, j), a, "line "+l.Name)
		}
		for _, f := range []struct{ key, name string }{{"output", l.Output}, {"plan", l.Plan}} {
			if f.name == "" {
				continue
			}
			if !seriesNameRe.MatchString(f.name) {
				v.bad(p+"."+f.key, "%q is not a series name (no spaces, e.g. %s.%s)", f.name, l.Name, f.key)
			} else if prev, ok := series[f.name]; ok {
				v.bad(p+"."+f.key, "series %q is already %s", f.name, prev)
			}
			series[f.name] = "the " + f.key + " of line " + l.Name
		}
	}
	v.lineAliases = owners
	v.lineSeries = series
}

func (v *validator) checkAssets() {
	m := v.m
	v.assets = map[string]bool{}
	v.types = map[string]bool{}
	owners := v.lineAliases
	for i, a := range m.Assets {
		p := fmt.Sprintf("assets[%d]", i)
		if !v.name(p+".name", a.Name, "asset") {
			continue
		}
		if v.assets[a.Name] {
			first := 0
			for k, b := range m.Assets[:i] {
				if b.Name == a.Name {
					first = m.FileLine(fmt.Sprintf("assets[%d].name", k))
					break
				}
			}
			v.bad(p+".name", "duplicate asset %q (first at line %d)", a.Name, first)
			continue
		}
		v.assets[a.Name] = true
		if v.lines[a.Name] {
			v.bad(p+".name", "%q is the name of a line too", a.Name)
		}
		switch {
		case a.Line == "" && len(m.Lines) > 0:
			v.bad(p, "asset %s names no line (lines: %s)", a.Name, strings.Join(first(lineNames(m), 10), ", "))
		case a.Line != "" && !v.lines[a.Line]:
			v.bad(p+".line", "unknown line %q for asset %s (lines: %s)", a.Line, a.Name, listOr(first(lineNames(m), 10), "none declared: add lines:"))
		}
		typ := a.Type
		if typ == "" {
			typ, _ = plant.NameParts(a.Name)
		} else if !typeRe.MatchString(typ) {
			v.bad(p+".type", "%q is not a type name: lower-case letters, digits and _ (press, cnc, cooling_tower)", typ)
		}
		v.types[typ] = true
		for j, al := range a.Aliases {
			v.alias(owners, fmt.Sprintf("%s.aliases[%d]", p, j), al, "asset "+a.Name)
		}
	}
}

func (v *validator) checkSensors() {
	m := v.m
	series := v.lineSeries
	seen := map[string]string{}
	check := func(p string, s Sensor) {
		if !sensorNameRe.MatchString(s.Name) {
			v.bad(p+".name", "%q is not a sensor name: lower-case letters, digits and _ (vibration, motor_current)", s.Name)
			return
		}
		if key := s.Asset + "." + s.Name; seen[key] != "" {
			v.bad(p+".name", "sensor %s of %s is listed twice (first at %s)", s.Name, s.Asset, seen[key])
			return
		}
		seen[s.Asset+"."+s.Name] = fmt.Sprintf("line %d", m.FileLine(p+".name"))
		name := s.SeriesName()
		if !seriesNameRe.MatchString(name) {
			v.bad(p+".series", "%q is not a series name (no spaces)", name)
		} else if prev, ok := series[name]; ok {
			v.bad(p+".series", "series %q is already %s", name, prev)
		}
		series[name] = "sensor " + s.Name + " of " + s.Asset
		if len(s.Range) != 0 && (len(s.Range) != 2 || s.Range[0] >= s.Range[1]) {
			v.bad(p+".range", "range is [min, max] with min below max, e.g. [0, 20]")
		}
		for j, l := range s.Limits {
			lp := fmt.Sprintf("%s.limits[%d]", p, j)
			if plant.LevelRank(l.Level) == 0 {
				v.bad(lp+".level", "%q is not a limit level (%s)", l.Level, strings.Join(plant.LimitLevels, ", "))
			}
			if (l.Above == nil) == (l.Below == nil) {
				v.bad(lp, "a limit gives exactly one of above or below")
			}
			if l.Doc != "" && strings.ContainsAny(l.Doc, " \t") && !isURL(l.Doc) {
				v.bad(lp+".doc", "%q is not a document id (RB-bearing-inspection) or a link", l.Doc)
			}
		}
	}
	for i, a := range m.Assets {
		for j, s := range a.Sensors {
			p := fmt.Sprintf("assets[%d].sensors[%d]", i, j)
			if s.Asset != "" && s.Asset != a.Name {
				v.bad(p+".asset", "a sensor listed under asset %s cannot name asset %s", a.Name, s.Asset)
				continue
			}
			s.Asset = a.Name
			check(p, s)
		}
	}
	for i, s := range m.Sensors {
		p := fmt.Sprintf("sensors[%d]", i)
		switch {
		case s.Asset == "":
			v.bad(p, "a sensor listed apart needs asset: (or list it under its asset)")
			continue
		case !v.assets[s.Asset]:
			v.bad(p+".asset", "sensor %s is on unknown asset %q (assets: %s)", s.Name, s.Asset, listOr(assetNames(m, 8), "none declared"))
			continue
		}
		check(p, s)
	}
}

func (v *validator) checkRunbooks() {
	for i, r := range v.m.Runbooks {
		p := fmt.Sprintf("runbooks[%d]", i)
		if !v.types[r.Type] {
			v.bad(p+".type", "no asset has type %q (types: %s)", r.Type, listOr(keys(v.types), "none"))
		}
		if len(r.Docs) == 0 {
			v.bad(p+".docs", "list the runbooks and SOPs of type %s (document ids or links)", r.Type)
		}
		for j, d := range r.Docs {
			if d == "" || strings.ContainsAny(d, " \t") && !isURL(d) {
				v.bad(fmt.Sprintf("%s.docs[%d]", p, j), "%q is not a document id (RB-bearing-inspection) or a link", d)
			}
		}
	}
}

func (v *validator) checkBindings() {
	m := v.m
	seen := map[Channel]string{}
	for i, b := range m.Bindings {
		p := fmt.Sprintf("bindings[%d]", i)
		ch, err := ParseChannel(b.Channel)
		if err != nil {
			v.bad(p+".channel", "%v", err)
			continue
		}
		if prev, ok := seen[ch]; ok {
			v.bad(p+".channel", "%s is bound twice (first at %s)", ch, prev)
		}
		seen[ch] = fmt.Sprintf("line %d", m.FileLine(p+".channel"))
		switch {
		case b.Line == "" && b.Asset == "" && b.Site == "":
			v.bad(p, "binding of %s names neither a line nor an asset", ch)
		case b.Line != "" && b.Asset != "":
			v.bad(p, "bind %s to a line or to an asset, not both", ch)
		}
		if b.Line != "" && !v.lines[b.Line] {
			v.bad(p+".line", "%s is bound to unknown line %q (lines: %s)", ch, b.Line, listOr(first(lineNames(m), 10), "none declared"))
		}
		if b.Asset != "" && !v.assets[b.Asset] {
			v.bad(p+".asset", "%s is bound to unknown asset %q (assets: %s)", ch, b.Asset, listOr(assetNames(m, 8), "none declared"))
		}
		if b.Site != "" && !v.sites[b.Site] {
			v.bad(p+".site", "%s is bound to unknown site %q (sites: %s)", ch, b.Site, listOr(m.SiteNames(), "none declared"))
		}
	}
}

func (v *validator) checkDigests() {
	m := v.m
	seen := map[Channel]string{}
	for i, d := range m.Digests {
		p := fmt.Sprintf("digests[%d]", i)
		ch, err := ParseChannel(d.Channel)
		if err != nil {
			v.bad(p+".channel", "%v", err)
			continue
		}
		if prev, ok := seen[ch]; ok {
			v.bad(p+".channel", "%s has two digest schedules (first at %s); one cron expression can list several times", ch, prev)
		}
		seen[ch] = fmt.Sprintf("line %d", m.FileLine(p+".channel"))
		if d.TZ != "" {
			if err := checkZone(d.TZ); err != nil {
				v.bad(p+".tz", "%v", err)
			}
		}
		if d.Cron == "" {
			v.bad(p, "cron is required, e.g. \"0 6,14,22 * * *\" (at 06:00, 14:00 and 22:00)")
		} else if err := checkCron(d.Cron); err != nil {
			v.bad(p+".cron", "%v", err)
		}
	}
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func lineNames(m *Model) []string {
	out := make([]string, 0, len(m.Lines))
	for _, l := range m.Lines {
		out = append(out, l.Name)
	}
	return out
}

// assetNames lists up to n asset names, with how many more there are.
func assetNames(m *Model, n int) []string {
	var out []string
	for i, a := range m.Assets {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(m.Assets)-n))
			break
		}
		out = append(out, a.Name)
	}
	return out
}

func listOr(ss []string, none string) string {
	if len(ss) == 0 {
		return none
	}
	return strings.Join(ss, ", ")
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
