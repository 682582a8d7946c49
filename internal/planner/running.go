package planner

import (
	"regexp"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// --- Is it running? ----------------------------------------------------------------
//
// "Is the compressor running?", "is cnc 2 running right now?", "which
// machines are running?", "컨베이어 가동 중이야?": the plant has no machine-state
// signal, so the answer reads the drive's sensors (speed, motor current)
// against their usual level — and first of all whether the readings are
// recent at all: a feed that stopped hours ago says nothing of now.

// runningAskRe asks whether machines run now.
var runningAskRe = regexp.MustCompile(`(?i)\b(?:is|are)\b.{0,30}\b(?:running|operating|in operation|working|turned on|switched on|stopped|down|idle)\b(?:\s+(?:right\s+)?now)?\s*\??\s*$|\bwhich (?:machines|assets|equipment) (?:are|is) (?:running|working|on|up|down|stopped|idle)\b|가동 ?중|돌아가(?:고 있|나|요|는지)|멈춰 ?있|멈췄(?:어|나|니)|서 ?있(?:어|나)`)

// runningMax is the most machines one answer reads.
const runningMax = 30

// driveSensors tell whether a machine turns.
var driveSensors = []string{"speed", "motor_current"}

// running answers whether the named machines (or every machine) run now.
func (r *run) running(targets []string) bool {
	if !runningAskRe.MatchString(r.q.Text) || r.q.Intent == IntentProcedure {
		return false // "보전 누구한테 연락해야돼요? 라인 멈췄어요": whom to call
	}
	if len(targets) == 0 {
		for _, a := range r.p.Assets {
			if r.hasSeries(a.Name) {
				targets = append(targets, a.Name)
			}
		}
	}
	if len(targets) == 0 {
		return false
	}
	more := 0
	if len(targets) > runningMax {
		targets, more = targets[:runningMax], len(targets)-runningMax
	}
	calls := make([]agent.ToolCall, len(targets))
	for i, a := range targets {
		calls[i] = agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": a}}
	}
	var runningNow, stopped, stale, unknown []string
	var out []string
	for i, res := range r.call(calls...) {
		asset := targets[i]
		d, ok := decode[struct {
			Readings []struct {
				Sensor string    `json:"sensor"`
				Unit   string    `json:"unit"`
				Value  float64   `json:"value"`
				At     time.Time `json:"at"`
				AgeMin int       `json:"age_minutes"`
				P50    float64   `json:"usual_median"`
			} `json:"readings"`
		}](res.Result.Data)
		if !res.OK || !ok || len(d.Readings) == 0 {
			unknown = append(unknown, asset)
			continue
		}
		newest := d.Readings[0].At
		for _, rd := range d.Readings {
			newest = maxTime(newest, rd.At)
		}
		// Older than an hour (or three intervals of its fastest series):
		// the feed stopped, so now is not known.
		limit := time.Hour
		if se, ok := r.p.SeriesNamed(asset + "." + d.Readings[0].Sensor); ok {
			if iv, err := time.ParseDuration(se.Interval); err == nil && 3*iv > limit {
				limit = 3 * iv
			}
		}
		if r.now.Sub(newest) > limit {
			stale = append(stale, r.msg("run.stale_one", asset, r.at(newest)))
			continue
		}
		verdict, turning := "", false
		for _, want := range driveSensors {
			for _, rd := range d.Readings {
				if rd.Sensor != want || rd.P50 <= 0 {
					continue
				}
				reading := val(rd.Value) + suffix(rd.Unit)
				if turning = rd.Value >= 0.2*rd.P50; turning {
					verdict = r.msg("run.yes_one", asset, r.sensorName(rd.Sensor), reading, val(rd.P50)+suffix(rd.Unit))
				} else {
					verdict = r.msg("run.no_one", asset, r.sensorName(rd.Sensor), reading, val(rd.P50)+suffix(rd.Unit))
				}
				break
			}
			if verdict != "" {
				break
			}
		}
		switch {
		case verdict == "":
			unknown = append(unknown, asset)
		case !turning:
			stopped = append(stopped, verdict)
		default:
			runningNow = append(runningNow, verdict)
		}
	}
	out = append(out, runningNow...)
	out = append(out, stopped...)
	if len(stale) > 0 {
		out = append(out, r.msg("run.stale", strings.Join(stale, "; ")))
	}
	if len(unknown) > 0 {
		out = append(out, r.msg("run.unknown", strings.Join(unknown, ", ")))
	}
	if more > 0 {
		out = append(out, r.msg("run.more", more))
	}
	out = append(out, r.msg("run.basis"))
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "medium"
	if len(stale) > 0 {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("escalate.default")
	return true
}
