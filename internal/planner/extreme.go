package planner

import (
	"cmp"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// --- Which machine reads highest or lowest -----------------------------------------
//
// "Which pump has the highest pressure?", "hottest machine right now?",
// "which press vibrates the most?": the machines (of the type named, or
// all) ranked by their latest reading of that sensor, each with its time;
// readings older than an hour are marked, for they say nothing of now.

// extremeAskRe asks for the highest or lowest reading across machines;
// group 1 says which end.
var extremeAskRe = regexp.MustCompile(`(?i)\b(?:which|what|who)\b.{0,30}\b(highest|lowest|most|least|hottest|coldest|fastest|slowest|loudest)\b|\b(hottest|coldest|highest|lowest|fastest|slowest)\b.{0,20}\b(?:machine|asset|one|press|pump|cnc|conveyor|filler|compressor)s?\b|(?:가장|제일|젤) ?(높|낮|뜨거|많이 떨|빠르|느리)` +
	// "top 3 machines by vibration", "rank the pumps by pressure", "진동
	// 높은 순으로": a sensor named, highest first unless bottom or lowest.
	`|\b(top|bottom)\b(?:\s+\w+){0,3}\s+by\b|\brank\w*\b.{0,40}\bby\b|(높|낮)은\s*순|(상위|하위)\s*\d+`)

// extremeCountRe says how many to list: "top 3", "which 2 machines",
// "설비 3개".
var extremeCountRe = regexp.MustCompile(`(?i)\b(?:top|bottom|first)\s+(\d+|two|three|four|five|ten)\b|\b(\d+|two|three|four|five|ten)\s+(?:\w+\s+)?(?:machines|assets|pumps|presses|cncs|conveyors|fillers|compressors|ones|highest|lowest|hottest|coldest|fastest|slowest)\b|(?:상위|하위)\s*(\d+)|(\d+)\s*(?:개|대|곳)`)

var countWords = map[string]int{"two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}

// extremeCount is how many machines the question asks for (5 when it
// does not say).
func extremeCount(text string) int {
	m := extremeCountRe.FindStringSubmatch(text)
	for _, g := range m[min(1, len(m)):] {
		if g == "" {
			continue
		}
		if n, ok := countWords[strings.ToLower(g)]; ok {
			return n
		}
		if n := atoi(g); n > 0 {
			return min(n, 50)
		}
	}
	return 5
}

// extremeSensorWords give the sensor a superlative implies.
var extremeSensorWords = map[string]string{"hottest": "temperature", "coldest": "temperature", "fastest": "speed", "slowest": "speed", "loudest": "vibration", "뜨거": "temperature", "많이 떨": "vibration", "빠르": "speed", "느리": "speed"}

// extreme answers which machine reads highest (or lowest) on one sensor.
func (r *run) extreme() bool {
	q := r.q
	m := extremeAskRe.FindStringSubmatch(q.Text)
	if m == nil || len(q.Assets) == 1 {
		return false
	}
	end := strings.ToLower(m[1] + m[2] + m[3] + m[4] + m[5] + m[6])
	switch end {
	case "top", "상위":
		end = "highest"
	case "bottom", "하위":
		end = "lowest"
	}
	sensor := ""
	if len(q.Sensors) == 1 {
		sensor = q.Sensors[0]
	}
	if sensor == "" {
		sensor = extremeSensorWords[end]
	}
	if sensor == "" || sensor == "output" || sensor == "plan" {
		return false
	}
	low := end == "lowest" || end == "least" || end == "coldest" || end == "slowest" || end == "낮" || end == "느리"
	// The machines asked about: those named, the type named, or all.
	var pool []string
	switch {
	case len(q.Assets) > 1:
		pool = q.Assets
	case q.Type != "":
		pool = r.p.AssetsOfType(q.Type)
	case len(q.Lines) > 0:
		pool = targetsOf(q, r.p)
	}
	type reading struct {
		asset, unit string
		v           float64
		at          time.Time
	}
	var rs []reading
	for _, s := range r.p.Series {
		if s.Sensor != sensor || s.LatestAt == "" || len(pool) > 0 && !contains(pool, s.Asset) {
			continue
		}
		rs = append(rs, reading{s.Asset, s.Unit, s.Latest, parseStamp(s.LatestAt)})
	}
	if len(rs) < 2 {
		return false
	}
	if w := q.Window; w.Named && !w.Ahead {
		// "rank the cncs by spindle temp yesterday": each machine's
		// extreme over that time, not its latest reading.
		assets := make([]string, len(rs))
		for i, x := range rs {
			assets[i] = x.asset
		}
		if r.extremeIn(assets, sensor, low, w) {
			return true
		}
	}
	slices.SortStableFunc(rs, func(a, b reading) int {
		if low {
			return cmp.Compare(a.v, b.v)
		}
		return cmp.Compare(b.v, a.v)
	})
	n := extremeCount(q.Text)
	var parts []string
	old := 0
	for i, x := range rs {
		if i == n {
			break
		}
		p := r.msg("extreme.one", x.asset, val(x.v)+suffix(x.unit), r.at(x.at))
		if r.now.Sub(x.at) > time.Hour {
			p += " " + r.msg("extreme.old")
			old++
		}
		parts = append(parts, p)
	}
	key := "extreme.high"
	if low {
		key = "extreme.low"
	}
	out := []string{r.msg(key, r.sensorName(sensor), strings.Join(parts, "; "))}
	if len(rs) > n {
		out = append(out, r.msg("extreme.more", len(rs)-n))
	}
	// What the detectors make of the machines ranked first: a high value
	// may be its usual level, a modest one a rise.
	var top []string
	for i, x := range rs {
		if i < n {
			top = append(top, x.asset)
		}
	}
	r.detect(q.Window, top)
	for _, a := range top {
		for _, e := range r.book.of(a) {
			if e.Significant() && e.Sensor == sensor {
				out = append(out, r.eventLine(e))
			}
		}
	}
	if old > 0 {
		out = append(out, r.msg("extreme.stale"))
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	if old > 0 {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("escalate.default")
	return true
}

// extremeIn ranks assets by their highest (low: lowest) reading of sensor
// in w, each with when and its mean over w; false when fewer than two
// have data there.
func (r *run) extremeIn(assets []string, sensor string, low bool, w Span) bool {
	calls := make([]agent.ToolCall, len(assets))
	for i, a := range assets {
		calls[i] = agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": a, "sensor": sensor, "since": stampUTC(w.From), "until": stampUTC(minTime(w.To, r.now))}}
	}
	type peak struct {
		asset, unit string
		v, mean     float64
		at          time.Time
	}
	var ps []peak
	for i, res := range r.call(calls...) {
		if !res.OK {
			r.dropFailure(res.Error)
			continue
		}
		d, ok := decode[readingsData](res.Result.Data)
		if !ok || len(d.Readings) == 0 || d.Readings[0].Trend == nil {
			continue
		}
		t := d.Readings[0].Trend
		p := peak{assets[i], d.Readings[0].Unit, t.Max, t.Mean, t.MaxAt}
		if low {
			p.v, p.at = t.Min, t.MinAt
		}
		ps = append(ps, p)
	}
	if len(ps) < 2 {
		return false
	}
	byMean := meanAskRe.MatchString(r.q.Text) // "rank the cncs by avg vibration"
	by := func(x peak) float64 {
		if byMean {
			return x.mean
		}
		return x.v
	}
	slices.SortStableFunc(ps, func(a, b peak) int {
		if low {
			return cmp.Compare(by(a), by(b))
		}
		return cmp.Compare(by(b), by(a))
	})
	n := extremeCount(r.q.Text)
	var parts []string
	for i, x := range ps {
		if i == n {
			break
		}
		if byMean {
			parts = append(parts, r.msg("extreme.mean_one", x.asset, val(x.mean)+suffix(x.unit), val(x.v)+suffix(x.unit)))
			continue
		}
		parts = append(parts, r.msg("extreme.in_one", x.asset, val(x.v)+suffix(x.unit), r.at(x.at), val(x.mean)+suffix(x.unit)))
	}
	key := "extreme.in_high"
	switch {
	case byMean && low:
		key = "extreme.mean_low"
	case byMean:
		key = "extreme.mean_high"
	case low:
		key = "extreme.in_low"
	}
	out := []string{r.msg(key, r.sensorName(sensor), r.spanIn(w), strings.Join(parts, "; "))}
	if spread := math.Abs(by(ps[0]) - by(ps[len(ps)-1])); spread <= 0.05*math.Max(math.Abs(by(ps[0])), 1e-9) {
		// Within 5 % of each other: no machine stands out.
		out = append(out, r.msg("extreme.close", r.derive("spread of the extremes", spread, "highest extreme − lowest")+suffix(ps[0].unit)))
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.default")
	return true
}

// meanAskRe asks for a ranking by the mean ("by avg vibration", "평균 진동
// 순").
var meanAskRe = regexp.MustCompile(`(?i)\b(?:avg|average|mean)\b|평균`)

// readingAt answers a reading at a past moment ("press 1 current at 3pm
// yesterday", "어제 오후 3시쯤 전류"): each target's sensors (those named,
// else all) at the reading nearest that time, with the hour that followed.
func (r *run) readingAt(targets []string) bool {
	q := r.q
	w := q.Window
	if !w.Point || w.Ahead || len(targets) == 0 || len(targets) > 4 || q.Output || q.Plan || q.Intent == IntentForecast {
		return false
	}
	var calls []agent.ToolCall
	for _, a := range targets {
		args := map[string]any{"asset": a, "since": stampUTC(w.From.Add(-5 * time.Minute)), "until": stampUTC(w.From.Add(time.Hour))}
		if len(q.Sensors) == 1 {
			args["sensor"] = q.Sensors[0]
		}
		calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: args})
	}
	// "어제 이맘때랑 비교하면?": that moment against the latest reading,
	// which the same call returns.
	against := sameTimeYesterdayRe.MatchString(q.Text) || againstNowRe.MatchString(q.Text)
	var out, now []string
	for i, res := range r.call(calls...) {
		if !res.OK {
			r.dropFailure(res.Error)
			out = append(out, r.msg("at.none", targets[i], r.at(w.From))+" "+strings.TrimPrefix(res.Error, "tool failed: "))
			continue
		}
		d, ok := decode[readingsData](res.Result.Data)
		if !ok {
			continue
		}
		for _, rd := range d.Readings {
			if len(q.Sensors) > 1 && !contains(q.Sensors, rd.Sensor) || rd.Trend == nil || rd.Trend.Points == 0 {
				continue
			}
			t := rd.Trend
			when := r.at(t.FirstAt)
			if sameTimeYesterdayRe.MatchString(q.Text) {
				when = r.msg("at.yesterday_same", when) // "어제 이맘때(12-06 16:50)"
			}
			out = append(out, r.msg("at.one", targets[i], r.sensorName(rd.Sensor), when, val(t.First)+suffix(rd.Unit),
				val(t.Mean)+suffix(rd.Unit), val(t.Min), val(t.Max)+suffix(rd.Unit)))
			if against {
				change := math.Round((rd.Value-t.First)*100) / 100
				diff := r.derive(targets[i]+" "+rd.Sensor+" change since then", change, "latest value − first value at the moment asked")
				if change > 0 {
					diff = "+" + diff
				}
				now = append(now, r.msg("at.now", targets[i], r.sensorName(rd.Sensor), r.at(rd.At), val(rd.Value)+suffix(rd.Unit), diff+suffix(rd.Unit)))
			}
		}
	}
	if len(out) == 0 {
		return false
	}
	out = append(out, now...)
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.default")
	return true
}

// againstNowRe asks for a past moment against now ("compared with now",
// "지금이랑 비교").
var againstNowRe = regexp.MustCompile(`(?i)\bcompar\w*|\bvs\.?\b|\bversus\b|\bthan now\b|비교|지금이랑|지금과|대비`)
