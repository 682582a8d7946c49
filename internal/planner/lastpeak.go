package planner

import (
	"regexp"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// "press-3 저번 베어링 고장때 진동 몇까지 갔었지? 지금이랑 비교해줘": how high
// a reading went before the machine's last failure (of the part or mode
// named), and where it is now beside it. The failure is the maintenance
// records'; the peak is the sensor's highest in the two days before it.

// peakLookback is how far before the failure the peak is read: two days,
// short enough for the readings as recorded (not hourly means), and where
// a wearing part's reading climbs fastest.
const peakLookback = 48 * time.Hour

// lastPeakAskRe asks how high a reading got at or before a past failure.
var lastPeakAskRe = regexp.MustCompile(`(?i)(?:저번|지난번?|마지막|이전|예전)\s*\S{0,12}\s*(?:고장|트립|정지)\S*\s*.{0,20}(?:몇까지|얼마까지|최고|최대|얼마나 ?(?:올라|높))|\bhow (?:high|far|bad)\b.{0,40}\b(?:before|at|during|when)\b.{0,12}\b(?:the )?(?:last|previous)\b.{0,20}\b(?:failure|failed|breakdown|broke|trip)|\b(?:peak|max\w*|highest)\b.{0,40}\b(?:before|at|during)\b.{0,12}\b(?:the )?(?:last|previous)\b.{0,20}\b(?:failure|breakdown|trip)`)

// lastFailurePeak answers it for one machine; false when not asked or the
// records or readings cannot say.
func (r *run) lastFailurePeak(targets []string) bool {
	q := r.q
	if len(targets) != 1 || !lastPeakAskRe.MatchString(q.Text) {
		return false
	}
	asset := targets[0]
	mode := partModeIn(q.Text)
	if mode == "" && len(q.Reported) > 0 {
		mode = q.Reported[0]
	}
	args := map[string]any{"asset": asset, "kind": "failure", "limit": 10}
	if mode != "" {
		args["failure_mode"] = mode
	}
	recs, ok := r.records(args)
	if !ok || len(recs) == 0 {
		return false
	}
	f := recs[0] // newest first
	at, err := time.Parse(recordLayout, f.Opened)
	if err != nil {
		return false
	}
	sensor := modeSensor(f.FailureMode, typeOf(asset, r.p))
	if len(q.Sensors) > 0 {
		sensor = q.Sensors[0]
	}
	if sensor == "" {
		return false
	}
	res := r.call(agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": asset, "sensor": sensor,
		"since": stampUTC(at.Add(-peakLookback)), "until": stampUTC(at.Add(time.Minute))}})
	d, ok := decode[readingsData](res[0].Result.Data)
	if !res[0].OK || !ok || len(d.Readings) == 0 || d.Readings[0].Trend == nil {
		return false
	}
	t := d.Readings[0].Trend
	unit := suffix(d.Readings[0].Unit)
	lines := []string{r.msg("peak.then", asset, r.sensorName(sensor), f.ID, r.recordAt(f.Opened), r.quoteTitle(f.Title), val(t.Max)+unit, r.at(t.MaxAt))}
	if t.Step == "1h0m0s" {
		lines[0] += " " + r.msg("trend.hourly")
	}
	if now, ok := r.latestOf(asset, sensor); ok {
		pct := r.derive("the reading now as a share of the peak before the failure, %", 100*now/t.Max, "latest ÷ peak × 100")
		lines = append(lines, r.msg("peak.now", val(now)+unit, pct))
	}
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "high"
	r.a.Escalate = r.msg("escalate.default")
	if f.Document != "" {
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: f.Document, Title: f.Title, Kind: "incident"})
	}
	return true
}
