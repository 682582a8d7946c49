package planner

import (
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// --- Is the sensor itself at fault? ----------------------------------------
//
// "프레스3 온도센서 고장난거 아냐? 값이 좀 이상한데", "is the press 3
// temperature sensor broken?": the sensor's own last day read for the signs
// of a faulty sensor — gaps, a value that does not change, jumps beyond its
// usual spread — and whether it moved with the machine (an anomaly the
// detectors see), never the machine's diagnosis in its place.

// sensorFaultRe asks whether a sensor is at fault.
var sensorFaultRe = regexp.MustCompile(`(?i)\bsensors?\b.{0,25}\b(?:broken|faulty|bad|dead|wrong|failing|failed|acting up|off|lying|stuck|frozen)\b|\b(?:broken|faulty|bad|dead|stuck|frozen) (?:\w+ )?sensors?\b|\bflat ?lin\w*|센서\S*\s*(?:고장|이상|불량|맛(?:이)? ?갔|오류|문제|죽)|값이?\s*(?:좀\s*)?(?:이상|튀|안 ?변|고정|멈춰)`)

// sensorStretch is the length of the stretches a sensor's day is read in.
const sensorStretch = 20 * time.Minute

// sensorCheck answers whether asset's sensor looks faulty; false when it
// has no readings in the last day.
func (r *run) sensorCheck(asset, sensor string) bool {
	last := r.newestOf(asset)
	if last.IsZero() {
		return false
	}
	from := last.Add(-24 * time.Hour)
	res := r.call(agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": asset, "sensor": sensor,
		"since": stampUTC(from), "until": stampUTC(last.Add(time.Minute)), "every": sensorStretch.String()}})
	d, ok := decode[readingsData](res[0].Result.Data)
	if !res[0].OK || !ok || len(d.Readings) == 0 || d.Readings[0].Trend == nil || len(d.Readings[0].Trend.Buckets) < 6 {
		return false
	}
	rd := d.Readings[0]
	t := rd.Trend
	u := suffix(rd.Unit)
	name := asset + " " + r.sensorName(sensor)
	out := []string{r.msg("sc.head", name, r.at(from), r.at(last), t.Points, val(t.Min)+u, val(t.Max)+u)}
	want := int(last.Sub(from) / sensorStretch)
	sg := sensorSignsOf(t.Buckets, want)
	bs := t.Buckets
	missing, flat, worst, usual := sg.missing, sg.flat, sg.worst, sg.usual
	signs := 0
	if missing > want/10 {
		out = append(out, r.msg("sc.missing", r.derive("stretches without a reading", float64(missing), "20-minute stretches of the day with no point"), r.derive("stretches in the day", float64(want), "24 h ÷ 20 min")))
		signs++
	}
	if flat >= 6 {
		out = append(out, r.msg("sc.stuck", r.derive("hours without a change", float64(flat)*sensorStretch.Hours(), "stretches of 20 min with one value"), r.at(bs[len(bs)-flat].At)))
		signs++
	}
	if usual > 0 && worst > 10*usual && worst > 0.1*math.Max(math.Abs(t.Mean), 1e-9) {
		out = append(out, r.msg("sc.jumps", r.derive("largest spread in 20 min", worst, "max − min of a stretch")+u, r.derive("times the usual spread", math.Round(worst/usual), "largest ÷ median spread")))
		signs++
	}
	if signs == 0 {
		out = append(out, r.msg("sc.ok"))
	}
	// A change the detectors see on it: the machine, not the sensor.
	r.detect(Span{From: from, To: last.Add(time.Minute)}, []string{asset})
	for _, e := range r.book.of(asset) {
		if e.Significant() && e.Sensor == sensor {
			out = append(out, r.msg("sc.moved"), r.eventLine(e))
			break
		}
	}
	out = append(out, r.msg("sc.verify"))
	r.a.Situation = joinLines(out)
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("sc.escalate")
	return true
}

// sensorSigns are the signs of a faulty sensor in its stretches: stretches
// without a reading (of want), the last stretches all at one value, and
// the widest stretch against the usual (median) one.
type sensorSigns struct {
	missing, flat int
	worst, usual  float64
}

func sensorSignsOf(bs []tools.Bucket, want int) sensorSigns {
	var sg sensorSigns
	sg.missing = max(0, want-len(bs))
	for _, b := range bs {
		if b.Points == 0 {
			sg.missing++
		}
	}
	if len(bs) == 0 {
		return sg
	}
	for i := len(bs) - 1; i >= 0 && bs[i].Max == bs[i].Min && bs[i].Min == bs[len(bs)-1].Min; i-- {
		sg.flat++
	}
	spreads := make([]float64, 0, len(bs))
	for _, b := range bs {
		spreads = append(spreads, b.Max-b.Min)
	}
	slices.Sort(spreads)
	sg.usual, sg.worst = spreads[len(spreads)/2], spreads[len(spreads)-1]
	return sg
}
