package planner

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
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
	if len(assets) > 2 && len(means) == len(assets) {
		// "compare vib press1 vs press2 vs press3": their means side by
		// side, highest first, then each one's figures.
		unit := ""
		if se, ok := r.p.SeriesNamed(assets[0] + "." + sensor); ok {
			unit = se.Unit
		}
		idx := make([]int, len(assets))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return means[idx[i]] > means[idx[j]] })
		var parts []string
		for _, i := range idx {
			parts = append(parts, assets[i]+" "+val(means[i])+suffix(unit))
		}
		r.compared(assets, append([]string{r.msg("cmp.rank", r.sensorName(sensor), r.spanIn(r.q.Window), strings.Join(parts, ", "))}, lines...))
		return true
	}
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
	if okAskRe.MatchString(r.q.Text) {
		// "둘다 정상?": each machine against its own usual pattern, first.
		var verdicts []string
		for _, a := range assets {
			var ev *Event
			for _, e := range r.book.of(a) {
				if e.Significant() {
					ev = &e
					break
				}
			}
			if ev != nil {
				verdicts = append(verdicts, r.msg("ok.no", a, r.sensorName(ev.Sensor), r.offSide(ev)))
			} else {
				verdicts = append(verdicts, r.msg("ok.yes", a))
			}
		}
		out = append(verdicts, out...)
	}
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

// worseAskRe asks which of a few machines is in worse shape ("which is in
// worse shape, pump 1 or pump 2?", "펌프1이랑 펌프2 중에 어느쪽이 상태 더
// 안좋아?").
var worseAskRe = regexp.MustCompile(`(?i)\b(?:which|what)\b.{0,40}\b(?:worse|worst|in (?:worse|better|the worst) (?:shape|condition)|healthier|more (?:trouble|problems?|issues?))\b|\b(?:worse|worst) (?:shape|condition)\b|(?:어느|어떤|뭐가|누가).{0,20}(?:더\s*(?:안\s*좋|나쁘|나빠|문제|심각|위험|상태)|상태가?\s*(?:더|제일|가장)\s*(?:안\s*좋|나쁘|나빠))`)

// compareCondition answers which of a few machines is in worse shape:
// each one's anomaly in the window, its open work orders and its failures
// in the last 90 days; the worse one is the one with an anomaly, else the
// one whose records carry as much of both as every other and more of one
// (said as the records' verdict, not the sensors'), else the records are
// said to be split. False when the plant has none of these machines' data.
func (r *run) compareCondition(assets []string) bool {
	r.detect(r.q.Window, assets)
	if !r.detected() {
		return false
	}
	type state struct {
		asset          string
		event          *Event
		open, failures int
		lastFail       *maintRecord
	}
	var st []state
	for _, a := range assets {
		s := state{asset: a}
		for _, e := range r.book.of(a) {
			if e.Significant() {
				e := e
				s.event = &e
				break
			}
		}
		if recs, ok := r.records(map[string]any{"asset": a, "kind": "work_order", "status": "open"}); ok {
			s.open = len(recs)
		}
		if recs, ok := r.records(map[string]any{"asset": a, "kind": "failure", "since": stampUTC(r.now.Add(-90 * 24 * time.Hour)), "until": stampUTC(r.now)}); ok {
			s.failures = len(recs)
			if len(recs) > 0 {
				s.lastFail = &recs[0]
			}
		}
		st = append(st, s)
	}
	var out []string
	var alarmed []string
	for _, s := range st {
		if s.event != nil {
			alarmed = append(alarmed, s.asset)
		}
	}
	// The records' worse one carries at least as much of both, open work
	// and recent failures, as every other, and more of one: no weighing
	// of one against the other.
	worst := -1
	for i := range st {
		dominates := true
		for j := range st {
			if i == j {
				continue
			}
			if st[i].open < st[j].open || st[i].failures < st[j].failures || st[i].open == st[j].open && st[i].failures == st[j].failures {
				dominates = false
			}
		}
		if dominates {
			worst = i
		}
	}
	most := func(f func(state) int) string {
		b := 0
		for i := range st {
			if f(st[i]) > f(st[b]) {
				b = i
			}
		}
		return st[b].asset
	}
	switch {
	case len(alarmed) == 1:
		out = append(out, r.msg("worse.sensor", alarmed[0]))
	case len(alarmed) > 1:
		out = append(out, r.msg("worse.several", strings.Join(alarmed, ", ")))
	case worst >= 0:
		out = append(out, r.msg("worse.records", strings.Join(assets, ", "), r.spanIn(r.q.Window), st[worst].asset))
	default:
		same := true
		for i := range st {
			same = same && st[i].open == st[0].open && st[i].failures == st[0].failures
		}
		if same {
			out = append(out, r.msg("worse.none", strings.Join(assets, ", "), r.spanIn(r.q.Window)))
		} else {
			out = append(out, r.msg("worse.mixed", strings.Join(assets, ", "), r.spanIn(r.q.Window),
				most(func(s state) int { return s.open }), most(func(s state) int { return s.failures })))
		}
	}
	for _, s := range st {
		line := "• " + r.msg("worse.line", s.asset, s.open, s.failures)
		if s.lastFail != nil {
			line += " " + r.msg("worse.last_fail", r.recordAt(s.lastFail.Opened), s.lastFail.ID)
		}
		out = append(out, line)
	}
	for _, s := range st {
		if s.event != nil {
			out = append(out, r.eventLine(*s.event))
		} else {
			out = append(out, r.quietLine(s.asset))
		}
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("maint.escalate")
	return true
}
