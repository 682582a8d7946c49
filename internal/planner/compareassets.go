package planner

import (
	"math"
	"regexp"
	"sort"
)

// crossCompareRe asks how two machines compare ("is cnc 2 running hotter
// than cnc 1?", "compare press 1 and press 2 vibration", "1호기랑 2호기 비교").
var crossCompareRe = regexp.MustCompile(`\bdifference between\b|\bdiffer\w*\b|\bhow (?:do|does)\b.{0,30}\bcompare\b|\b(?:hotter|warmer|cooler|colder|louder|noisier|faster|slower|higher|lower|more|less)\b.{0,40}\bthan\b|\bcompar\w*\b|\bvs\.?\b|\bversus\b|비교|보다.{0,12}(?:뜨거|따뜻|차가|높|낮|빠르|느리|시끄|많|적)`)

// comparativeSensors maps comparative words to the sensor they are about.
var comparativeSensors = []struct {
	re     *regexp.Regexp
	sensor string
}{
	{regexp.MustCompile(`\b(?:hotter|warmer|cooler|colder)\b|뜨거|더워|차가`), "temperature"},
	{regexp.MustCompile(`\b(?:louder|noisier|shakier|rougher)\b|시끄|떨`), "vibration"},
	{regexp.MustCompile(`\b(?:faster|slower)\b|빠르|느리`), "speed"},
}

// compareSensor is the one sensor a comparison of machines is about: the
// one named, else the one its comparative word means; "" when unclear.
func (r *run) compareSensor() string {
	var named []string
	for _, s := range r.q.Sensors {
		if s != "output" {
			named = append(named, s)
		}
	}
	if len(named) == 1 {
		return named[0]
	}
	if len(named) == 0 {
		for _, c := range comparativeSensors {
			if c.re.MatchString(r.q.Text) {
				return c.sensor
			}
		}
	}
	return ""
}

// compareAssets answers how two machines compare on one sensor over the
// window: each one's figures (first, last, range, mean) and the
// difference of their means — a comparison asked, never a symptom reported.
func (r *run) compareAssets(assets []string, sensor string) bool {
	for _, a := range assets {
		as, ok := r.p.Asset(a)
		if !ok || !contains(as.Sensors, sensor) {
			return false
		}
	}
	r.q.Sensors, r.q.Reported = []string{sensor}, nil
	r.detect(r.q.Window, assets)
	if !askedDirRe.MatchString(r.q.Text) && !r.inAlarm(assets[0]) && r.inAlarm(assets[1]) {
		assets = []string{assets[1], assets[0]} // the machine in alarm first
	}
	lines, means := r.trendsWithMeans(assets, r.q.Window)
	if len(means) != 2 {
		r.a.Situation = joinLines(lines)
		r.a.Confidence = "low"
		return true
	}
	unit := ""
	for _, s := range r.p.Series {
		if s.Asset == assets[0] && s.Sensor == sensor {
			unit = s.Unit
		}
	}
	d := means[0] - means[1]
	from := "mean of " + assets[0] + " " + sensor + " − mean of " + assets[1] + " " + sensor
	diff := r.derive("difference of the means", math.Abs(d), from)
	var verdict string
	switch {
	case d == 0:
		verdict = r.msg("cmp.same", assets[0], assets[1], r.sensorName(sensor), r.spanIn(r.q.Window))
	default:
		more := r.msg("cmp.higher")
		if d < 0 {
			more = r.msg("cmp.lower")
		}
		pct := ""
		if means[1] != 0 {
			pct = r.derive("difference of the means, % of the second", math.Round(1000*math.Abs(d)/math.Abs(means[1]))/10, from+" ÷ mean of "+assets[1])
		}
		verdict = r.msg("cmp.diff", assets[0], r.sensorName(sensor), diff+suffix(unit), pct, more, assets[1], r.spanIn(r.q.Window), val(means[0]), val(means[1])+suffix(unit))
	}
	// "is cnc 2 running hotter than cnc 1?": yes or no first.
	if m := askedDirRe.FindStringSubmatch(r.q.Text); m != nil {
		want := 1
		if lowerWordRe.MatchString(m[1] + m[2]) {
			want = -1
		}
		got := 0
		if d > 0 {
			got = 1
		} else if d < 0 {
			got = -1
		}
		yes := r.msg("cmp.no")
		switch {
		case math.Abs(d) < 0.03*math.Max(math.Abs(means[0]), math.Abs(means[1])):
			yes = r.msg("cmp.about") // within 3 %: no difference worth the name
		case got == want:
			yes = r.msg("cmp.yes")
		}
		verdict = yes + " " + verdict
	}
	r.compared(assets, append([]string{verdict}, lines...))
	return true
}

// askedDirRe is a yes-or-no comparison ("is cnc 2 running hotter than cnc
// 1?") with its comparative word; lowerWordRe marks the words that ask
// whether the first is lower.
var (
	askedDirRe  = regexp.MustCompile(`^\W*(?:is|are|does|do|was|were)\b.{0,40}\b(hotter|warmer|cooler|colder|louder|noisier|faster|slower|higher|lower)\b.{0,30}\bthan\b|보다.{0,12}?(뜨거|따뜻|차가|시끄|빠르|느리|높|낮)\S*\s*\??\s*$`)
	lowerWordRe = regexp.MustCompile(`cooler|colder|slower|lower|차가|느리|낮`)
)

// compareAllSensors answers how two machines compare when no sensor is
// named ("what's the difference between press 1 and press 3?"): for each
// sensor both have, the difference of their means over the window, the
// largest relative difference first, then any anomaly either shows.
func (r *run) compareAllSensors(assets []string) bool {
	a0, ok0 := r.p.Asset(assets[0])
	a1, ok1 := r.p.Asset(assets[1])
	if !ok0 || !ok1 {
		return false
	}
	var shared []string
	for _, s := range a0.Sensors {
		if contains(a1.Sensors, s) {
			shared = append(shared, s)
		}
	}
	if len(shared) == 0 {
		return false
	}
	r.q.Sensors, r.q.Reported = shared, nil
	r.detect(r.q.Window, assets)
	if !r.inAlarm(assets[0]) && r.inAlarm(assets[1]) {
		assets = []string{assets[1], assets[0]} // the machine in alarm first
	}
	type diff struct {
		line string
		rel  float64
	}
	var diffs []diff
	for _, s := range shared {
		r.q.Sensors = []string{s}
		_, means := r.trendsWithMeans(assets, r.q.Window)
		if len(means) != 2 {
			continue
		}
		unit := ""
		if se, ok := r.p.SeriesNamed(assets[0] + "." + s); ok {
			unit = se.Unit
		}
		d := means[0] - means[1]
		from := "mean of " + assets[0] + " " + s + " − mean of " + assets[1] + " " + s
		if d == 0 || means[1] == 0 {
			diffs = append(diffs, diff{line: r.msg("cmp.same_short", r.sensorName(s), val(means[0])+suffix(unit))})
			continue
		}
		more := r.msg("cmp.higher_adj")
		if d < 0 {
			more = r.msg("cmp.lower_adj")
		}
		rel := math.Abs(d) / math.Abs(means[1])
		pct := r.derive("difference of the means, % of the second", math.Round(1000*rel)/10, from+" ÷ mean of "+assets[1])
		diffs = append(diffs, diff{rel: rel, line: r.msg("cmp.sensor_line", r.sensorName(s), val(means[0]), val(means[1])+suffix(unit), r.derive("difference of the means", math.Abs(d), from)+suffix(unit), pct, more)})
	}
	r.q.Sensors = shared
	if len(diffs) == 0 {
		return false
	}
	sort.SliceStable(diffs, func(i, j int) bool { return diffs[i].rel > diffs[j].rel })
	out := []string{r.msg("cmp.all_head", assets[0], assets[1], r.spanIn(r.q.Window))}
	for _, d := range diffs {
		out = append(out, "• "+d.line)
	}
	r.compared(assets, out)
	return true
}

// compared ends a comparison of machines: its lines, then the event of
// any machine in alarm (a comparison must not hide it).
func (r *run) compared(assets, out []string) {
	for _, a := range assets {
		for _, e := range r.book.of(a) {
			if e.Significant() {
				out = append(out, r.eventLine(e))
				break
			}
		}
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("cmp.escalate", assets[0])
}

// inAlarm says whether a machine shows a significant anomaly event.
func (r *run) inAlarm(asset string) bool {
	for _, e := range r.book.of(asset) {
		if e.Significant() {
			return true
		}
	}
	return false
}
