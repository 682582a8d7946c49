package planner

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
)

// unitSensor is the sensor a unit reads.
func unitSensor(unit string) string {
	u := strings.ToLower(strings.ReplaceAll(unit, " ", ""))
	switch {
	case u == "bar":
		return "pressure"
	case u == "mm/s":
		return "vibration"
	case u == "rpm":
		return "speed"
	case u == "a" || strings.HasPrefix(u, "amp"):
		return "motor_current"
	}
	return "temperature" // °C, degrees, 도
}

// reportedReading reads a value the user gives for a machine against the
// limits its documents and plant model state: the most severe limit it
// crosses (with the failure mode whose documents state it, so the answer's
// steps rest on the user's reading), or that it is within them.
func (r *run) reportedReading(asset string) (lines []string, mode string) {
	num, unit, ok := agent.ReadingIn(r.q.Text)
	sensor := ""
	if !ok {
		// "press 1 vib reading 4.5": a number after its sensor's name, in
		// that sensor's unit.
		if num, sensor, ok = bareReading(r.q.Text); !ok {
			return nil, ""
		}
		unit = r.p.Unit(asset, sensor)
	}
	if _, asked := agent.ThresholdIn(r.q.Text); asked {
		return nil, "" // "will it reach 7 mm/s?": a value asked about, not read
	}
	if unreached(r.q.Text, num) {
		return nil, "" // "can't get up to 7.2 bar": the value it fails to reach
	}
	m := []string{"", num, unit}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil, ""
	}
	if sensor == "" {
		sensor = unitSensor(m[2])
	}
	r.saidReading = num + " " + unit
	as, ok := r.p.Asset(asset)
	if !ok || !contains(as.Sensors, sensor) {
		return nil, ""
	}
	var best *rule
	var within []string
	above, below := false, false // which sides the documents bound
	for _, md := range r.modeDocs(asset, []string{sensor}) {
		for _, ru := range r.rulesFor(asset, md.d) {
			if ru.Sensor != sensor || !r.applies(ru, asset) {
				continue
			}
			above = above || strings.HasPrefix(ru.Condition, "above")
			below = below || strings.HasPrefix(ru.Condition, "below")
			// A reading at the limit has reached it ("4.5" against the 4.5
			// alert): crossed, not within.
			crossed := strings.HasPrefix(ru.Condition, "above") && v >= ru.Limit || strings.HasPrefix(ru.Condition, "below") && v <= ru.Limit
			if !crossed {
				within = appendUnique(within, r.msg("reported.limit", r.levelName(ru.Level), val(ru.Limit)+suffix(ru.Unit), ru.Doc))
				continue
			}
			if best == nil || levelRank[ru.Level] > levelRank[best.Level] {
				ru := ru
				best, mode = &ru, md.mode
			}
		}
	}
	said := m[1] + suffix(r.p.Unit(asset, sensor))
	switch {
	case best != nil:
		dir := r.msg("reported.above")
		switch {
		case v == best.Limit:
			dir = r.msg("reported.at") // "4.5" against the 4.5 alert: reached
		case strings.HasPrefix(best.Condition, "below"):
			dir = r.msg("reported.below")
		}
		action := best.Action
		if r.ko() && best.ActionKO != "" {
			action = best.ActionKO
		}
		lines = append(lines, r.msg("reported.crossed", said, asset, r.sensorName(sensor), dir, val(best.Limit)+suffix(best.Unit), r.levelName(best.Level), best.Doc, action))
		lines = append(lines, r.sensorDiffers(asset, sensor, v)...)
	case len(within) > 0:
		mode = ""
		latest, ok := r.latestOf(asset, sensor)
		switch {
		case below && lowAskRe.MatchString(r.q.Text):
			// "3.3 bar, is that low?": against the low limits, which it
			// clears.
			lines = append(lines, r.msg("reported.not_low", said, asset, r.sensorName(sensor), strings.Join(within, "; ")))
			lines = append(lines, r.sensorDiffers(asset, sensor, v)...)
		case above && highAskRe.MatchString(r.q.Text):
			lines = append(lines, r.msg("reported.not_high", said, asset, r.sensorName(sensor), strings.Join(within, "; ")))
			lines = append(lines, r.sensorDiffers(asset, sensor, v)...)
		case ok && !above && v > latest && !ownReading(v, latest):
			// Only a low limit is documented: a high reading is not
			// "within the limits", it is beyond what they say (a reading
			// close to the sensor's own is its usual level, which the
			// detector judges).
			lines = append(lines, r.msg("reported.no_upper", said, asset, r.sensorName(sensor), strings.Join(within, "; ")))
			lines = append(lines, r.sensorDiffers(asset, sensor, v)...)
		case ok && !below && v < latest && !ownReading(v, latest):
			lines = append(lines, r.msg("reported.no_lower", said, asset, r.sensorName(sensor), strings.Join(within, "; ")))
			lines = append(lines, r.sensorDiffers(asset, sensor, v)...)
		default:
			lines = append(lines, r.msg("reported.within", said, asset, r.sensorName(sensor), strings.Join(within, "; ")))
		}
	default:
		lines = append(lines, r.msg("reported.nolimit", said, asset, r.sensorName(sensor)))
	}
	return lines, mode
}

// unreached says num is a value the machine fails to reach ("cant get up
// to 7.2 bar", "7.2 bar까지 안 올라가요"), a target, not a reading.
func unreached(text, num string) bool {
	n := regexp.QuoteMeta(num)
	re := regexp.MustCompile(`(?i)\b(?:can'?t|cannot|won'?t|doesn'?t|does not|did not|didn'?t|not|never|unable to|fails? to|failing to)\s+(?:get|reach|build|make|come|go|climb|rise|pump)?\s*(?:up\s+)?(?:to\s+)?(?:reach\s+)?(?:the\s+)?` + n + `\b|` + n + `\s*[a-zA-Z°/%]*\s*(?:까지|에)\s*(?:(?:가|이)?\s*)?(?:안|못)\s*(?:올라|오르|차|도달|가)`)
	return re.MatchString(text)
}

// ownReading says a reading the user gives is the sensor's own, give or take
// the 10 % sensorDiffers allows.
func ownReading(v, latest float64) bool {
	return math.Abs(latest-v) <= 0.1*math.Max(math.Abs(v), 1e-9)
}

// bareReadingRe is a number said right after a sensor's name with no unit
// ("vib reading 4.5", "진동 4.5 나와").
var bareReadingRe = regexp.MustCompile(`(?i)\b(vib\w*|vibration|temp\w*|pressure|current|amps|speed|rpm)\s*(?:reading|reads|readings|is|at|of|shows|=|:)?\s*(?:is |at |of |about |around |like )?(\d+(?:\.\d+)?)\b(?:\s*(?:now|right now|today))?\s*(?:[,.?!]|$|\s+(?:is|and|but|so|,))|(진동|온도|압력|토출압|흡입압|전류|속도)\s*(?:값|이|가|은|는)?\s*(\d+(?:\.\d+)?)\s*(?:나와|나오|찍|이야|인데|임|떠|,|\?)`)

// bareReading returns a reading said without its unit and its sensor.
func bareReading(text string) (num, sensor string, ok bool) {
	m := bareReadingRe.FindStringSubmatch(text)
	if m == nil {
		return "", "", false
	}
	word, n := strings.ToLower(m[1]), m[2]
	if word == "" {
		word, n = m[3], m[4]
	}
	switch {
	case strings.HasPrefix(word, "vib"), word == "진동":
		return n, "vibration", true
	case strings.HasPrefix(word, "temp"), word == "온도":
		return n, "temperature", true
	case word == "pressure", word == "압력", word == "토출압", word == "흡입압":
		return n, "pressure", true
	case word == "current", word == "amps", word == "전류":
		return n, "motor_current", true
	case word == "speed", word == "rpm", word == "속도":
		return n, "speed", true
	}
	return "", "", false
}

// lowAskRe and highAskRe ask whether a value told is low or high ("is
// that low?", "너무 높은거야?").
var (
	lowAskRe  = regexp.MustCompile(`(?i)\b(?:is|isn't|it's|that's|too)\b.{0,15}\blow\b|낮은\s*(?:거|건|거야|건가|편)|낮아\s*\?|낮나`)
	highAskRe = regexp.MustCompile(`(?i)\b(?:is|isn't|it's|that's|too)\b.{0,15}\bhigh\b|높은\s*(?:거|건|거야|건가|편)|높아\s*\?|높나`)
)

// readingBeside adds, to a records answer about one machine, the latest
// reading a second clause asks for now ("필러1 필터 마지막으로 언제
// 갈았지? 지금 차압은 어때": the pressure it reads).
func (r *run) readingBeside(targets []string) {
	q := r.q
	if len(targets) != 1 || len(q.Sensors) == 0 || !nowAskRe.MatchString(q.Text) {
		return
	}
	var lines []string
	for _, sensor := range q.Sensors {
		for _, se := range r.p.Series {
			if se.Asset == targets[0] && se.Sensor == sensor && se.LatestAt != "" {
				lines = append(lines, r.msg("reading.now", targets[0], r.sensorName(sensor), val(se.Latest), suffix(se.Unit), r.at(parseStamp(se.LatestAt))))
			}
		}
	}
	if len(lines) > 0 {
		r.a.Situation = joinLines(append([]string{r.a.Situation}, lines...))
	}
}

// latestOf is the latest reading of an asset's sensor.
func (r *run) latestOf(asset, sensor string) (float64, bool) {
	for _, se := range r.p.Series {
		if se.Asset == asset && se.Sensor == sensor && se.LatestAt != "" {
			return se.Latest, true
		}
	}
	return 0, false
}

// sensorDiffers says the sensor reads otherwise than the value the user
// gives (more than 10% apart): which is right is the first check.
func (r *run) sensorDiffers(asset, sensor string, v float64) []string {
	for _, se := range r.p.Series {
		if se.Asset == asset && se.Sensor == sensor && se.LatestAt != "" && math.Abs(se.Latest-v) > 0.1*math.Max(math.Abs(v), 1e-9) {
			return []string{r.msg("reported.differs", val(se.Latest)+suffix(se.Unit), r.at(parseStamp(se.LatestAt)))}
		}
	}
	return nil
}
