package planner

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// --- "What do I do if it goes above 4.5?" ----------------------------------------
//
// "충전기 압력이 4.5 넘어가면 어떻게 해야됨?", "what do we do if pump 1 pressure
// drops below 2.3?": the documented rule for that reading on that machine —
// its limit, level and action — then its procedure's steps, instead of the
// machine's state now (which the question did not ask).

// ifReachRe asks what to do if a reading passes a value; its group is the
// value.
var ifReachRe = regexp.MustCompile(`(?i)\bif (?:it|the \w+|[\w-]+(?: [\w-]+){0,2}) (?:goes|gets|reaches|rises|climbs|drops|falls|is) (?:above|over|below|under|past|to|beyond)?\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:bar|a|°c|℃|mm/s|rpm|%)?\s*(?:을|를|이|가)?\s*(?:넘어가면|넘으면|넘어서면|초과하면|넘게 되면|이상이면|이상 되면|올라가면|떨어지면|내려가면|미만이면|아래로 떨어지면|이하로 떨어지면|밑으로 떨어지면)`)

// ifReach answers it for one machine and one sensor named; false when the
// question is not that or no rule of the machine's documents is near the
// value.
func (r *run) ifReach(targets []string) bool {
	q := r.q
	m := ifReachRe.FindStringSubmatch(q.Text)
	if m == nil || len(targets) != 1 || len(q.Sensors) != 1 {
		return false
	}
	v, err := strconv.ParseFloat(m[1]+m[2], 64)
	if err != nil {
		return false
	}
	asset, sensor := targets[0], q.Sensors[0]
	var best *rule
	var from docs
	for _, md := range r.modeDocs(asset, []string{sensor}) {
		for _, ru := range r.rulesFor(asset, md.d) {
			if ru.Sensor != sensor || !r.applies(ru, asset) || ru.Limit == 0 {
				continue
			}
			if math.Abs(ru.Limit-v) > 0.1*math.Abs(ru.Limit) {
				continue // not the value asked
			}
			if best == nil || math.Abs(ru.Limit-v) < math.Abs(best.Limit-v) {
				ru := ru
				best, from = &ru, md.d
			}
		}
	}
	if best == nil {
		return false
	}
	action := best.Action
	if r.ko() && best.ActionKO != "" {
		action = best.ActionKO
	}
	lead := r.msg("ifreach.rule", asset, r.sensorName(sensor), r.msg("ifreach."+condWord(best.Condition)), val(best.Limit), best.Unit, r.levelName(best.Level), best.Doc, action)
	r.note(best.Level+" limit of "+asset+" "+sensor, val(best.Limit), best.Doc)
	if from.canon != nil {
		ranked := []*doc{from.canon}
		if from.ko != nil {
			ranked = append(ranked, from.ko)
		}
		r.procedureFrom(ranked)
	}
	r.a.Situation = joinLines([]string{lead, r.a.Situation})
	if r.a.Confidence == "" {
		r.a.Confidence = "medium"
	}
	return true
}

// condWord is a rule condition's direction: "above" or "below".
func condWord(c string) string {
	if strings.HasPrefix(strings.ToLower(c), "below") {
		return "below"
	}
	return "above"
}
