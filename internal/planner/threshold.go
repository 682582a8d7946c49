package planner

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// --- A threshold looked for in the data -------------------------------------------
//
// "When did pump 1 pressure last drop below 2.5 bar?", "how many hours was
// press 3 above 4.5 mm/s this week?", "since when has press 3 been above
// 4.5 mm/s?", "4.5 mm/s 넘은 게 몇 시간이야?": the sensor's hourly values
// read back (latest_readings in 72-hour pieces) against the value asked.
// The value is a threshold, never a reading the user took.

const (
	thresholdChunk    = 72 * time.Hour      // one latest_readings call: 72 hourly buckets
	thresholdLookback = 90 * 24 * time.Hour // how far back "when … last" looks
)

// thresholdHoursRe asks how long or how many hours; thresholdSinceRe
// since when it has been so.
var (
	thresholdHoursRe = regexp.MustCompile(`(?i)\bhow (?:many|much) (?:hours|time|days)\b|\bhow long was\b|\bhow often\b|몇 ?시간|얼마 동안|몇 ?번`)
	thresholdSinceRe = regexp.MustCompile(`(?i)\bsince when\b|\bhow long (?:has|have)\b|언제부터`)
)

// unitSensors names the sensor a unit measures, for a threshold with no
// sensor named ("above 4.5 mm/s").
var unitSensors = map[string]string{"mm/s": "vibration", "bar": "pressure", "psi": "pressure", "kpa": "pressure", "rpm": "speed", "a": "motor_current", "amp": "motor_current", "amps": "motor_current"}

// thresholdSensor is the one sensor of asset the question means: named, or
// measured in the threshold's unit.
func (r *run) thresholdSensor(asset string, th agent.Threshold) string {
	a, ok := r.p.Asset(asset)
	if !ok {
		return ""
	}
	for _, s := range r.q.Sensors {
		if contains(a.Sensors, s) {
			return s
		}
	}
	// A sensor the plant names its own way ("rotate", "volt"), said as is.
	words := strings.Fields(strings.ToLower(taskTokenRe.ReplaceAllStringFunc(r.q.Text, func(w string) string { return " " + w + " " })))
	for _, s := range a.Sensors {
		if contains(words, strings.ToLower(s)) || contains(words, strings.ToLower(strings.ReplaceAll(s, "_", " "))) {
			return s
		}
	}
	u := strings.ToLower(strings.ReplaceAll(th.Unit, " ", ""))
	if strings.Contains(u, "c") && !strings.Contains(u, "pa") || strings.HasPrefix(u, "deg") || u == "도" || u == "℃" {
		u = "°c"
	}
	s := unitSensors[u]
	if u == "°c" {
		s = "temperature"
	}
	if s != "" && contains(a.Sensors, s) {
		return s
	}
	return ""
}

// hourValue is one hourly bucket of a sensor.
type hourValue struct {
	at             time.Time
	mean, min, max float64
}

// hourly reads asset's sensor as hourly buckets over [from, to), in
// 72-hour pieces, oldest first.
func (r *run) hourly(asset, sensor string, from, to time.Time) []hourValue {
	var calls []agent.ToolCall
	for t := from; t.Before(to); t = t.Add(thresholdChunk) {
		end := t.Add(thresholdChunk)
		if end.After(to) {
			end = to
		}
		calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": asset, "sensor": sensor,
			"since": stampUTC(t), "until": stampUTC(end), "every": "1h"}})
	}
	var out []hourValue
	for _, res := range r.call(calls...) {
		if !res.OK {
			r.dropFailure(res.Error) // no data in that piece
			continue
		}
		d, ok := decode[struct {
			Readings []struct {
				Trend *struct {
					Buckets []struct {
						At     time.Time `json:"at"`
						Mean   float64   `json:"mean"`
						Min    float64   `json:"min"`
						Max    float64   `json:"max"`
						Points int       `json:"points"`
					} `json:"buckets"`
				} `json:"trend"`
			} `json:"readings"`
		}](res.Result.Data)
		if !ok {
			continue
		}
		for _, s := range d.Readings {
			if s.Trend == nil {
				continue
			}
			for _, b := range s.Trend.Buckets {
				if b.Points > 0 {
					out = append(out, hourValue{b.At, b.Mean, b.Min, b.Max})
				}
			}
		}
	}
	return out
}

// threshold answers a question about when, or for how long, asset's sensor
// was above or below the value asked.
// thresholdFirstRe asks when a value was first crossed in the window.
var thresholdFirstRe = regexp.MustCompile(`(?i)\bfirst\b|처음|최초`)

func (r *run) threshold(asset string, th agent.Threshold) bool {
	sensor := r.thresholdSensor(asset, th)
	v, err := strconv.ParseFloat(th.Value, 64)
	if sensor == "" || err != nil {
		return false
	}
	unit := th.Unit
	if se, ok := r.p.SeriesNamed(asset + "." + sensor); ok && se.Unit != "" {
		unit = se.Unit
	}
	cmp := r.msg("thr.below")
	if th.Above {
		cmp = r.msg("thr.above")
	}
	beyond := func(x float64) bool { return th.Above && x > v || !th.Above && x < v }
	what := fmt.Sprintf("%s %s", asset, r.sensorName(sensor))
	limit := strings.TrimSpace(th.Value + " " + unit)
	var out []string
	switch {
	case thresholdHoursRe.MatchString(r.q.Text) && !thresholdSinceRe.MatchString(r.q.Text):
		// How many hours in the window asked (the last 7 days when none).
		w := r.q.Window
		if !w.Named {
			w = Span{From: r.now.Add(-7 * 24 * time.Hour), To: r.now, Label: "the last 7 days", LabelKO: "최근 7일"}
		}
		hs := r.hourly(asset, sensor, w.From, minTime(w.To, r.now))
		n := 0
		for _, h := range hs {
			if beyond(h.mean) {
				n++
			}
		}
		if len(hs) == 0 {
			out = append(out, r.msg("thr.nodata", what, r.spanIn(w)))
			break
		}
		out = append(out, r.msg("thr.hours", what, cmp, limit,
			r.derive(what+" hours "+cmp+" "+limit, float64(n), "hourly means from latest_readings counted"),
			r.derive(what+" hours with data", float64(len(hs)), "hourly buckets with readings from latest_readings"), r.spanIn(w)))
		if run := currentRun(hs, func(h hourValue) bool { return beyond(h.mean) }); run != nil {
			if newest := hs[len(hs)-1].at; r.now.Sub(newest) <= 2*time.Hour {
				out = append(out, r.msg("thr.still", cmp, limit, r.at(run.at)))
			} else {
				// The feed stopped: "now" is its last reading.
				out = append(out, r.msg("thr.still_last", cmp, limit, r.at(newest), r.at(run.at)))
			}
		}
	case thresholdFirstRe.MatchString(r.q.Text) && r.q.Window.Named:
		// "what time did press 3 first go over the alert limit
		// yesterday?": the first hour of the window beyond it.
		w := r.q.Window
		hs := r.hourly(asset, sensor, w.From, minTime(w.To, r.now))
		if len(hs) == 0 {
			out = append(out, r.msg("thr.nodata", what, r.spanIn(w)))
			break
		}
		edge := func(h hourValue) float64 {
			if th.Above {
				return h.max
			}
			return h.min
		}
		first := slices.IndexFunc(hs, func(h hourValue) bool { return beyond(edge(h)) })
		if first < 0 {
			out = append(out, r.msg("thr.never_in", what, cmp, limit, r.spanIn(w)))
			break
		}
		h := hs[first]
		out = append(out, r.msg("thr.first", what, cmp, limit, r.spanIn(w), r.at(h.at), r.p.Local(h.at.Add(time.Hour)).Format("15:04"), val(edge(h)), suffix(unit)))
		if first > 0 || h.at.After(w.From) {
			// Whether it stayed there: the hourly means after it.
			if run := currentRun(hs, func(x hourValue) bool { return beyond(x.mean) }); run != nil && !run.at.Before(h.at) {
				out = append(out, r.msg("thr.stayed", cmp, limit, r.at(run.at), r.at(hs[len(hs)-1].at.Add(time.Hour))))
			}
		}
	default:
		// When last (or since when): read back in 72-hour pieces from now,
		// or from the machine's last data when its feed ended long ago.
		from := r.now
		if ld := r.lastDataOf(asset); !ld.IsZero() && ld.Add(time.Hour).Before(from) {
			from = ld.Add(time.Hour)
		}
		// An hour counts when its highest reading is above the value (its
		// lowest below it, for "below").
		edge := func(h hourValue) float64 {
			if th.Above {
				return h.max
			}
			return h.min
		}
		hit := func(h hourValue) bool { return beyond(edge(h)) }
		var hs []hourValue
		last := -1
		for end := from; end.After(from.Add(-thresholdLookback)) && last < 0; end = end.Add(-3 * thresholdChunk) {
			hs = r.hourly(asset, sensor, end.Add(-3*thresholdChunk), end)
			for k := len(hs) - 1; k >= 0 && last < 0; k-- {
				if hit(hs[k]) {
					last = k
				}
			}
		}
		if last < 0 {
			out = append(out, r.msg("thr.never", what, cmp, limit, num(thresholdLookback.Hours()/24)))
			break
		}
		// The stretch it belongs to, and its extreme.
		run := currentRun(hs[:last+1], hit)
		peak := edge(hs[last])
		for _, h := range hs[:last+1] {
			if !h.at.Before(run.at) && beyond(edge(h)) && (th.Above && edge(h) > peak || !th.Above && edge(h) < peak) {
				peak = edge(h)
			}
		}
		at := hs[last].at
		if r.now.Sub(at) <= 2*time.Hour && last == len(hs)-1 {
			out = append(out, r.msg("thr.now", what, cmp, limit, r.at(run.at), val(peak), suffix(unit)))
		} else {
			out = append(out, r.msg("thr.last", what, cmp, limit, r.at(at), r.at(run.at), r.at(at.Add(time.Hour)), val(peak), suffix(unit)))
		}
	}
	out = append(out, r.msg("thr.basis"))
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.default")
	return true
}

// currentRun returns the first hour of the run the newest hours make when
// the newest satisfies ok (nil otherwise).
func currentRun(hs []hourValue, ok func(hourValue) bool) *hourValue {
	if len(hs) == 0 || !ok(hs[len(hs)-1]) {
		return nil
	}
	i := len(hs) - 1
	for i > 0 && ok(hs[i-1]) && hs[i].at.Sub(hs[i-1].at) <= time.Hour {
		i--
	}
	return &hs[i]
}

// namedLimitRe names a documented limit by its level instead of its value
// ("the alert limit", "its danger level", "위험 기준"): 1 the English
// level, 2 the Korean one; neither for "the limit" alone.
var namedLimitRe = regexp.MustCompile(`(?i)\b(?:the |its |their )?(?:(alert|alarm|warning|danger|stop|trip) )?(?:limit|level|threshold)s?\b|(주의|경고|경보|알람|위험|정지)?\s*(?:기준|한계)`)

// namedLimitLevels are the rule levels each word names.
var namedLimitLevels = map[string][]string{
	"alert": {"alert", "warn"}, "warning": {"alert", "warn"}, "alarm": {"alarm", "alert"},
	"danger": {"danger"}, "stop": {"stop", "trip"}, "trip": {"trip", "stop"},
	"주의": {"alert", "warn"}, "경고": {"alert", "warn"}, "경보": {"alarm", "alert"}, "알람": {"alarm", "alert"}, "위험": {"danger"}, "정지": {"stop", "trip"},
}

// namedLimit reads a question of time about a limit named by its level
// ("how many hours has press 3 been above the alert limit?", "since when
// is pump 1 below its alarm level?") as the threshold that limit's
// document states, with the line that says which limit and where from.
func (r *run) namedLimit(asset string) (agent.Threshold, string, bool) {
	if !thresholdHoursRe.MatchString(r.q.Text) && !thresholdSinceRe.MatchString(r.q.Text) && !regexp.MustCompile(`(?i)\bwhen\b|\bwhat time\b|언제|몇 ?시(?:에|야|였|쯤)`).MatchString(r.q.Text) {
		return agent.Threshold{}, "", false
	}
	m := namedLimitRe.FindStringSubmatch(r.q.Text)
	if m == nil || limitAheadRe.MatchString(r.q.Text) {
		return agent.Threshold{}, "", false
	}
	word := strings.ToLower(m[1] + m[2])
	a, ok := r.p.Asset(asset)
	if !ok {
		return agent.Threshold{}, "", false
	}
	sensors := a.Sensors
	if named := r.thresholdSensor(asset, agent.Threshold{}); named != "" {
		sensors = []string{named}
	}
	var rules []rule
	for _, md := range r.modeDocs(asset, sensors) {
		rules = append(rules, r.rulesFor(asset, md.d)...)
	}
	if len(rules) == 0 {
		rules = r.rulesFor(asset, docs{})
	}
	side := ""
	switch {
	case belowWordRe.MatchString(r.q.Text):
		side = "below"
	case aboveWordRe.MatchString(r.q.Text):
		side = "above"
	}
	var best *rule
	rank := func(ru rule) int {
		k := levelRank[ru.Level]
		if word != "" && namedLimitLevels[word][0] != ru.Level {
			k += 10 // the level named first, a near one after
		}
		return k
	}
	for i, ru := range rules {
		if !contains(sensors, ru.Sensor) || !r.applies(ru, asset) || ru.Limit == 0 {
			continue
		}
		if word != "" && !contains(namedLimitLevels[word], ru.Level) {
			continue
		}
		if side != "" && strings.HasPrefix(ru.Condition, "below") != (side == "below") {
			continue
		}
		// The mildest level when none is named: the first limit crossed.
		if best == nil || rank(ru) < rank(*best) {
			best = &rules[i]
		}
	}
	if best == nil {
		return agent.Threshold{}, "", false
	}
	above := !strings.HasPrefix(best.Condition, "below")
	th := agent.Threshold{Above: above, Value: val(best.Limit), Unit: best.Unit}
	r.q.Sensors = appendUnique(r.q.Sensors, best.Sensor)
	if !best.Plant {
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: best.Doc})
	}
	cond := r.msg("limits.above")
	if !above {
		cond = r.msg("limits.below")
	}
	return th, r.msg("thr.named", asset, r.sensorName(best.Sensor), r.levelName(best.Level), cond, val(best.Limit), suffix(best.Unit), best.Doc), true
}

// belowWordRe and aboveWordRe say which side of a limit a question means.
var (
	belowWordRe = regexp.MustCompile(`(?i)\b(?:below|under|beneath|dropp\w*|fell|fall\w*|lower than|less than)\b|아래|밑|미만|이하|떨어`)
	aboveWordRe = regexp.MustCompile(`(?i)\b(?:above|over|exceed\w*|beyond|past|higher than|more than)\b|넘|초과|이상|위로`)
)

// limitAheadRe asks when a limit will be reached: an outlook, not the past.
var limitAheadRe = regexp.MustCompile(`(?i)\b(?:will|would|going to|gonna|how soon|until|till|expect\w*|before it|if we do nothing)\b|\bwhen (?:does|do)\b.{0,40}\b(?:hit|reach|get to|cross)\b|될까|할까|도달할|넘을까|넘을지|언제쯤|이대로|언제.{0,15}(?:찍|도달|닿)`)
