package planner

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// trendRe asks how a reading went over a time: its trend.
var trendRe = regexp.MustCompile(`\b(?:max|maximum|highest|peak|min|minimum|lowest|average|mean|avg)\b|최고|최대|최저|최소|평균|\btrend\w*\b|\bover the (?:last|past)\b|\bhow (?:has|did) .{0,30}\b(?:changed?|moved?|gone|developed?|evolved?)\b|\bhistory of\b|\bplot\b|\bchart\b|\bgraph\b|추이|추세|변화|그래프|차트`)

// trendAsked reports whether the question asks a named sensor's trend:
// a sensor, a machine, and trend words or a window longer than a day.
func (r *run) trendAsked(targets []string) bool {
	q := r.q
	if len(q.Sensors) == 0 || len(targets) == 0 || len(targets) > 3 || contains(q.Sensors, "output") {
		return false
	}
	return trendRe.MatchString(q.Text) || q.Window.Named && q.Window.To.Sub(q.Window.From) > 26*time.Hour
}

// trendReading is the part of a latest_readings result a trend line reads.
type trendReading struct {
	Sensor string       `json:"sensor"`
	Unit   string       `json:"unit"`
	Trend  *tools.Trend `json:"trend"`
}

// trends returns the named sensors' figures over the question's window on
// each target that has them (latest_readings with since and until).
func (r *run) trends(targets []string) []string {
	type ask struct{ asset, sensor string }
	var asks []ask
	var calls []agent.ToolCall
	w := r.q.Window
	for _, a := range targets {
		as, ok := r.p.Asset(a)
		if !ok {
			continue
		}
		for _, s := range r.q.Sensors {
			if !contains(as.Sensors, s) {
				continue
			}
			asks = append(asks, ask{a, s})
			calls = append(calls, agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": a, "sensor": s,
				"since": stampUTC(w.From), "until": stampUTC(w.To)}})
		}
	}
	var out []string
	for i, res := range r.call(calls...) {
		if !res.OK {
			continue
		}
		d, ok := decode[struct {
			Readings []trendReading `json:"readings"`
		}](res.Result.Data)
		if !ok || len(d.Readings) == 0 {
			continue
		}
		rd := d.Readings[0]
		if rd.Trend == nil {
			out = append(out, r.msg("trend.none", asks[i].asset, r.sensorName(asks[i].sensor), r.spanIn(w)))
			continue
		}
		t := rd.Trend
		// Magnitudes with a direction word: a sign is easy to misread.
		dir := "trend.up"
		switch {
		case t.Change < 0:
			dir = "trend.down"
		case t.Change == 0:
			dir = "trend.flat"
		}
		change := r.msg(dir, val(math.Abs(t.Change))+suffix(rd.Unit))
		if t.ChangePct != 0 {
			change += fmt.Sprintf(", %g%%", math.Abs(t.ChangePct))
		}
		line := r.msg("trend.line", asks[i].asset, r.sensorName(asks[i].sensor), r.spanIn(w), val(t.First), val(t.Last)+suffix(rd.Unit), change,
			val(t.Min), r.at(t.MinAt), val(t.Max), r.at(t.MaxAt), val(t.Mean)+suffix(rd.Unit))
		if t.Step == "1h0m0s" {
			line += " " + r.msg("trend.hourly")
		}
		out = append(out, line)
	}
	return out
}
