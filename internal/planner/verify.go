package planner

import (
	"math"
	"regexp"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// --- Did the job work? ------------------------------------------------------
//
// "Did pump 1 pressure recover after the strainer was cleaned?", "is cnc 2
// better since the spindle bearing was replaced?": the latest record of
// that job on the machine, and the sensor in the 48 hours before it, after
// it, and over the week before those (its earlier level), side by side.
// The figures answer; no threshold of Gemba's own calls it fixed.

// afterWorkRe asks whether a machine came back after a job.
var afterWorkRe = regexp.MustCompile(`(?i)\b(?:recover\w*|better|improv\w*|back to normal|normal again|fixed|work(?:ed)?|help(?:ed)?|come back|came back|settle\w*|drop(?:ped)?|go(?:ne)? (?:back )?down)\b.{0,60}\b(?:after|since)\b.{0,40}\b(?:clean\w*|replac\w*|chang\w*|repair\w*|fix\w*|servic\w*|swap\w*|overhaul\w*|lubric\w*|greas\w*|done|work)\b|\bdid (?:the|that|our) (?:\w+ ){0,3}(?:cleaning|replacement|repair|change|fix|service|swap|overhaul|job|work)\b.{0,20}\b(?:work|help|fix)\b|(?:청소|교체|교환|수리|정비|갈고|갈아)(?:하고|한|했는데|후|뒤|이후|하고 나서|한 뒤|한 후).{0,20}(?:회복|좋아|나아|정상|돌아|내려|떨어)`)

// verifyWork answers whether a machine's readings came back after the
// latest job of the kind asked on it; false when the question is no such
// question or the plant keeps no maintenance records.
func (r *run) verifyWork(targets []string) bool {
	q := r.q
	if len(targets) != 1 || !afterWorkRe.MatchString(q.Text) || !r.in.Tools.Has(tools.MaintenanceHistory) {
		return false
	}
	asset := targets[0]
	as, ok := r.p.Asset(asset)
	if !ok {
		return false
	}
	args := map[string]any{"asset": asset}
	part := ""
	for _, c := range componentWords {
		if c.re.MatchString(q.Text) {
			args["component"], part = c.part, c.part
			break
		}
	}
	recs, ok := r.records(args)
	if !ok {
		return false
	}
	var job *maintRecord
	for i := range recs {
		if recs[i].Kind == "alert" || recs[i].Kind == "inspection" || recs[i].Status == "open" {
			continue
		}
		job = &recs[i]
		break
	}
	if job == nil {
		what := part
		if what == "" {
			what = r.msg("verify.work")
		}
		r.a.Situation = r.msg("verify.none", asset, what)
		r.a.Confidence = "low"
		r.a.Escalate = r.msg("maint.escalate")
		return true
	}
	start, err := time.Parse(recordLayout, job.Opened)
	if err != nil {
		return false
	}
	end := start
	if t, err := time.Parse(recordLayout, job.Closed); err == nil {
		end = t
	}
	// The sensors: those named, else the signs of the job's failure mode,
	// else every sensor of the machine.
	var sensors []string
	for _, s := range q.Sensors {
		if contains(as.Sensors, s) {
			sensors = append(sensors, s)
		}
	}
	if len(sensors) == 0 {
		mode := job.FailureMode
		if mode == "" {
			mode = r.componentMode()
		}
		if fm, ok := plant.Mode(mode); ok {
			for _, sg := range fm.Signs {
				if contains(as.Sensors, sg.Sensor) && !contains(sensors, sg.Sensor) {
					sensors = append(sensors, sg.Sensor)
				}
			}
		}
	}
	if len(sensors) == 0 {
		sensors = as.Sensors
	}
	closed := r.recordAt(job.Opened)
	if job.Closed != "" {
		closed = r.recordAt(job.Closed)
	}
	out := []string{r.msg("verify.job", asset, job.Title, job.ID, r.recordAt(job.Opened), closed)}
	before := Span{From: start.Add(-48 * time.Hour), To: start, Label: "the 48 h before the job", LabelKO: "작업 전 48시간"}
	after := Span{From: end, To: minTime(end.Add(48*time.Hour), r.now), Label: "after it", LabelKO: "작업 후"}
	if after.To.Sub(after.From) < 48*time.Hour {
		after.Label, after.LabelKO = "since it", "작업 이후"
	}
	earlier := Span{From: before.From.Add(-7 * 24 * time.Hour), To: before.From, Label: "the week before that", LabelKO: "그 전 일주일"}
	saved := r.q.Sensors
	defer func() { r.q.Sensors = saved }()
	for _, s := range sensors {
		r.q.Sensors = []string{s}
		var means [3]float64
		var have [3]bool
		for i, w := range []Span{earlier, before, after} {
			lines, m := r.trendsWithMeans([]string{asset}, w)
			if i > 0 {
				out = append(out, lines...) // the week before is only a level
			}
			if len(m) == 1 {
				means[i], have[i] = m[0], true
			}
		}
		if !have[1] || !have[2] {
			continue
		}
		u := suffix(r.p.Unit(asset, s))
		cmp := r.msg("verify.means", asset, r.sensorName(s), val(means[1])+u, val(means[2])+u)
		if have[0] {
			// Against its level the week before: how far off each was.
			name := asset + " " + s
			cmp += r.msg("verify.earlier", val(means[0])+u,
				r.offBy(name+" mean before the job less the week before's", means[1]-means[0], u),
				r.offBy(name+" mean after the job less the week before's", means[2]-means[0], u))
		}
		out = append(out, sentence(cmp))
	}
	if job.Document != "" && job.Document != job.ID {
		r.a.Citations = appendCitation(r.a.Citations, tools.Citation{ID: job.Document, Title: job.Title})
	}
	r.a.Situation = joinLines(append(out, r.failureLines()...))
	r.a.Confidence = "medium"
	r.a.Escalate = r.msg("verify.escalate")
	return true
}

// offBy says a difference from a level: "0.07 bar above", "0.01 bar below".
func (r *run) offBy(what string, d float64, unit string) string {
	v := r.derive(what, math.Abs(d), "difference of the two latest_readings means")
	if d < 0 {
		return r.msg("verify.below", v+unit)
	}
	return r.msg("verify.above", v+unit)
}
