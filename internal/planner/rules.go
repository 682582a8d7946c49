package planner

import (
	"fmt"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"
)

// firing is a rule a current reading crosses, and what the answer says of it.
type firing struct {
	rule rule
	says string
}

// reading is a sensor's current value on an asset: the event's record
// when the event is on that sensor, else the catalog's latest value.
func (r *run) reading(h *hypothesis, sensor string) (v float64, ok bool) {
	if h.Event != nil && h.Event.Sensor == sensor && h.Event.Ongoing {
		return h.Event.Value, true
	}
	for _, s := range r.p.Series {
		if s.Asset == h.Asset && s.Sensor == sensor && s.LatestAt != "" {
			return s.Latest, true
		}
	}
	return 0, false
}

// applies reports whether a rule is for the asset.
func (r *run) applies(ru rule, asset string) bool {
	if ru.Asset != "" {
		return ru.Asset == asset
	}
	return ru.AssetType == "" || ru.AssetType == typeOf(asset, r.p)
}

// rulesOf are the rules of the documents an answer builds on: the
// canonical runbook's and the read incidents' (never the Korean
// runbook's, so both languages apply the same ones).
func rulesOf(d docs) []rule {
	var out []rule
	if d.canon != nil {
		out = append(out, d.canon.Rules...)
	}
	for i, inc := range d.incidents {
		if i == 2 {
			break
		}
		out = append(out, inc.Rules...)
	}
	return out
}

// rulesFor are the rules an answer about an asset applies: the
// documents' (rulesOf), and the limits the plant model (plant.yaml) states
// for the asset's sensors where no document states one for that sensor —
// a plant that wrote its limits down but has no runbooks yet still gets
// "above the alarm limit" and "call at 7 mm/s".
func (r *run) rulesFor(asset string, d docs) []rule {
	out := rulesOf(d)
	if r.p == nil {
		return out
	}
	covered := map[string]bool{}
	for _, ru := range out {
		if r.applies(ru, asset) {
			covered[ru.Sensor] = true
		}
	}
	for _, s := range r.p.Specs {
		if s.Asset != asset || covered[s.Sensor] {
			continue
		}
		for _, l := range s.Limits {
			ru := rule{Doc: l.Doc, Sensor: s.Sensor, Asset: asset, Unit: s.Unit, Level: l.Level, Plant: true}
			switch {
			case l.Above != nil:
				ru.Condition, ru.Limit = "above", *l.Above
			case l.Below != nil:
				ru.Condition, ru.Limit = "below", *l.Below
			default:
				continue
			}
			if ru.Doc == "" {
				ru.Doc = "plant.yaml"
			}
			r.note(fmt.Sprintf("%s limit of %s %s in the plant model", l.Level, asset, s.Sensor), val(ru.Limit), "plant.yaml")
			out = append(out, ru)
		}
	}
	return out
}

// fire applies the rules to the current readings.
func (r *run) fire(h *hypothesis, d docs) []firing {
	var out []firing
	for _, ru := range r.rulesFor(h.Asset, d) {
		if !r.applies(ru, h.Asset) {
			continue
		}
		v, ok := r.reading(h, ru.Sensor)
		if !ok {
			continue
		}
		rising := h.Event != nil && h.Event.Ongoing && h.Event.Sensor == ru.Sensor
		var dur time.Duration
		if rising {
			dur = r.now.Sub(h.Event.Start)
		}
		need, _ := time.ParseDuration(ru.For)
		crossed := false
		switch ru.Condition {
		case "above":
			crossed = v > ru.Limit
		case "below":
			crossed = v < ru.Limit
		case "above_rising":
			crossed = v > ru.Limit && rising && h.Event.Dir() > 0 && dur >= need
		case "below_falling":
			crossed = v < ru.Limit && rising && h.Event.Dir() < 0 && dur >= need
		}
		if !crossed {
			continue
		}
		says := r.msg("rule.crossed", h.Asset, r.sensorName(ru.Sensor), val(v), suffix(ru.Unit), r.msg("rule.dir."+ru.Condition), val(ru.Limit), suffix(ru.Unit), r.levelName(ru.Level), ru.Doc)
		if ru.Condition == "above_rising" || ru.Condition == "below_falling" {
			says += r.msg("rule.for", int(math.Round(r.lastRead(*h.Event).Sub(h.Event.Start).Hours())))
		}
		out = append(out, firing{rule: ru, says: says})
	}
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := levelRank[out[i].rule.Level], levelRank[out[j].rule.Level]
		if li != lj {
			return li > lj
		}
		// The rule that also asks for a trend is the more specific.
		return len(out[i].rule.For) > len(out[j].rule.For)
	})
	return out
}

func (r *run) levelName(level string) string {
	if n := message(r.lang, "level."+level); n != "level."+level {
		return n
	}
	return level
}

// next is the nearest limit ahead of a rising (or falling) reading.
func (r *run) next(h *hypothesis, d docs) (rule, bool) {
	if h.Event == nil || !h.Event.Ongoing || h.Event.Cut {
		return rule{}, false
	}
	v := h.Event.Value
	var best rule
	found := false
	// "when does press-3 hit trip level?": the stop limit, not the nearest.
	wantStop := stopLevelAskRe.MatchString(r.q.Text) || tillFailRe.MatchString(r.q.Text)
	isStop := func(ru rule) bool { return levelRank[ru.Level] >= levelRank["stop"] }
	for _, ru := range r.rulesFor(h.Asset, d) {
		if ru.Sensor != h.Event.Sensor || !r.applies(ru, h.Asset) {
			continue
		}
		up := (ru.Condition == "above" || ru.Condition == "above_rising") && h.Event.Dir() > 0 && ru.Limit > v
		down := (ru.Condition == "below" || ru.Condition == "below_falling") && h.Event.Dir() < 0 && ru.Limit < v
		if !up && !down {
			continue
		}
		switch {
		case !found, wantStop && isStop(ru) && !isStop(best):
			best, found = ru, true
		case wantStop && isStop(best) && !isStop(ru):
		case math.Abs(ru.Limit-v) < math.Abs(best.Limit-v):
			best = ru
		}
	}
	return best, found
}

// tillFailRe asks how long a machine has until it fails ("how long till it
// fails at this rate?", "이대로면 언제 고장 나?"): the stop limit is the
// documents' line for that, not the nearer ones.
var tillFailRe = regexp.MustCompile(`\bhow (?:many|much) (?:days?|hours?|time|weeks?)\b.{0,20}\b(?:left|remaining|do we have|have we got|before)\b|\b(?:days?|hours?|time) (?:left|remaining)\b.{0,30}\bbefore\b|(?:며칠|몇 ?일|몇 ?시간|얼마나)\s*(?:더\s*)?(?:남았|버틸|버티|갈까|쓸 ?수)|(?i)\b(?:how long|how much time|when)\b.{0,20}\b(?:till|until|before)\b.{0,12}\b(?:fails?|breaks?|seizes?|gives out|dies|goes)\b|\bwhen (?:will|would) (?:it|press \d|[a-z]+-\d+) (?:fail|break|seize)\b|(?:언제|얼마나|몇 ?시간).{0,12}(?:고장 ?(?:날|나|난대)|망가질|터질)|고장 ?(?:나기|날 ?때)까지`)

// stopLevelAskRe asks when a reading reaches the level that stops the
// machine ("trip level", "stop limit", "정지 기준").
var stopLevelAskRe = regexp.MustCompile(`(?i)\b(?:trip|stop|shut ?down|shut-?off|cut-?out)(?:ping)? (?:level|limit|point|threshold|value)\b|정지 ?(?:기준|한계|레벨|값)|트립 ?(?:기준|레벨|값|되는)`)

// hoursToNext is how long the reading takes to reach the next limit at
// the rate it has moved since the event began.
func (r *run) hoursToNext(h *hypothesis, d docs) (float64, bool) {
	nx, ok := r.next(h, d)
	if !ok {
		return 0, false
	}
	if !h.Event.AsOf.IsZero() && r.now.Sub(h.Event.AsOf) > 7*24*time.Hour {
		return 0, false // a window long past: what came next is history, not a rate to project
	}
	elapsed := r.lastRead(*h.Event).Sub(h.Event.Start).Hours()
	if elapsed < 1 {
		return 0, false
	}
	rate := (h.Event.Value - h.Event.Usual) / elapsed
	if rate == 0 || math.Signbit(rate) != math.Signbit(nx.Limit-h.Event.Value) {
		return 0, false
	}
	return (nx.Limit - h.Event.Value) / rate, true
}

// limitOutlook says when the reading reaches the next documented limit at
// its current rate ("" when it is not moving towards one).
func (r *run) limitOutlook(h *hypothesis, d docs) string {
	hrs, ok := r.hoursToNext(h, d)
	if !ok {
		return ""
	}
	nx, _ := r.next(h, d)
	v := r.derive("hours to the next limit at the current rate", math.Round(hrs),
		"("+val(nx.Limit)+" − "+val(h.Event.Value)+") ÷ (("+val(h.Event.Value)+" − "+val(h.Event.Usual)+") ÷ hours from "+stampUTC(h.Event.Start)+" to "+stampUTC(r.lastRead(*h.Event))+")")
	out := r.msg("rule.outlook", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc, v)
	if r.reach == nil {
		r.reach = map[string]reachAt{}
	}
	if _, ok := r.reach[h.Asset]; !ok {
		at := r.lastRead(*h.Event).Add(time.Duration(math.Round(hrs)) * time.Hour) // "about 17 h" after the reading
		r.reach[h.Asset] = reachAt{At: at, Limit: r.msg("reach.limit", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc),
			Sensor: h.Event.Sensor, Value: nx.Limit, Unit: nx.Unit, Dir: h.Event.Dir()}
	}
	touched, sooner := r.recentOutlook(h, nx, hrs)
	switch at := r.stoppedAt(*h.Event); {
	case at.IsZero():
	case !at.Equal(h.Event.AsOf):
		// The feed stopped: the rate is the one it had then, counted
		// from its last reading.
		out = r.msg("rule.outlook_at", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc, v, r.at(at))
	default:
		// A window in the past ("yesterday"): the rate it had at its end.
		out = r.msg("rule.outlook_then", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc, v, r.at(at), h.Asset)
	}
	if sooner != "" {
		// The recent rate is the outlook; the whole event's is context.
		out = sooner + " " + r.msg("rule.outlook_average", v)
		hrs = r.reach[h.Asset].At.Sub(r.lastRead(*h.Event)).Hours() // the sooner one, below too
	}
	if touched != "" {
		out += " " + touched
	}
	if hz := r.q.Horizon; hz.Named && hz.Ahead && runUntilRe.MatchString(r.q.Text) {
		// "can I keep running until friday?": the limit against that time.
		label := hz.Label
		if r.ko() {
			label = hz.LabelKO
		}
		at := r.lastRead(*h.Event).Add(time.Duration(math.Round(hrs)) * time.Hour) // "about 17 h" after the reading
		r.note("time the limit is reached at the current rate, plant time", r.at(at), "time of the level ("+stampUTC(r.lastRead(*h.Event))+") + hours to the next limit")
		if at.Before(hz.To) {
			out += " " + r.msg("rule.before_horizon", r.at(at), label, r.at(hz.To))
		} else {
			out += " " + r.msg("rule.after_horizon", label, r.at(hz.To))
		}
		if postponeRe.MatchString(r.q.Text) {
			// "can we push the bearing WO to next week?": the answer
			// first, from the same reach against the time asked.
			limit := r.msg("reach.limit", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc)
			action := nx.Action
			if r.ko() && nx.ActionKO != "" {
				action = nx.ActionKO
			}
			if at.Before(hz.To) {
				r.postponeSaid = r.msg("postpone.no", h.Asset, r.sensorName(h.Event.Sensor), limit, r.at(at), label, action)
			} else {
				r.postponeSaid = r.msg("postpone.ok", h.Asset, r.sensorName(h.Event.Sensor), limit, label)
			}
		}
	}
	return out
}

// recentWindow is how far back the recent rate of a reading is read.
const recentWindow = 12 * time.Hour

// recentOutlook reads the last hours of the event's sensor: when single
// readings already reached the limit ahead, it says so; when the hourly
// means rose faster over the last 12 hours than over the whole event (a
// wearing bearing speeds up), it says when the limit is reached at that
// rate and keeps that sooner time as the outlook (r.reach). hrs is the
// outlook at the event's own rate.
func (r *run) recentOutlook(h *hypothesis, nx rule, hrs float64) (touched, sooner string) {
	last := r.lastRead(*h.Event)
	from := last.Add(-recentWindow)
	if h.Event.Start.After(from.Add(-12 * time.Hour)) {
		return "", "" // a young event: its own rate is the recent one
	}
	res := r.call(agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": h.Asset, "sensor": h.Event.Sensor,
		"since": stampUTC(h.Event.Start), "until": stampUTC(last.Add(time.Minute))}}, agent.ToolCall{Name: tools.LatestReadings,
		Args: map[string]any{"asset": h.Asset, "sensor": h.Event.Sensor, "since": stampUTC(from), "until": stampUTC(last.Add(time.Minute)), "every": "1h"}})
	limit := r.msg("reach.limit", val(nx.Limit), suffix(nx.Unit), r.levelName(nx.Level), nx.Doc)
	if d, ok := decode[readingsData](res[0].Result.Data); res[0].OK && ok && len(d.Readings) > 0 && d.Readings[0].Trend != nil {
		t := d.Readings[0].Trend
		if h.Event.Dir() > 0 && t.Max >= nx.Limit {
			touched = r.msg("rule.touched", limit, val(t.Max), suffix(nx.Unit), r.at(t.MaxAt))
		} else if h.Event.Dir() < 0 && t.Min <= nx.Limit {
			touched = r.msg("rule.touched", limit, val(t.Min), suffix(nx.Unit), r.at(t.MinAt))
		}
	}
	d, ok := decode[readingsData](res[1].Result.Data)
	if !res[1].OK || !ok || len(d.Readings) == 0 || d.Readings[0].Trend == nil || len(d.Readings[0].Trend.Buckets) < 6 {
		return touched, ""
	}
	// The least-squares slope of the hourly means, per hour.
	bs := d.Readings[0].Trend.Buckets
	var sx, sy, sxx, sxy float64
	for _, b := range bs {
		x := b.At.Sub(bs[0].At).Hours()
		sx, sy, sxx, sxy = sx+x, sy+b.Mean, sxx+x*x, sxy+x*b.Mean
	}
	n := float64(len(bs))
	den := n*sxx - sx*sx
	if den == 0 {
		return touched, ""
	}
	slope := (n*sxy - sx*sy) / den
	rest := nx.Limit - h.Event.Value
	if slope == 0 || math.Signbit(slope) != math.Signbit(rest) || rest/slope >= hrs {
		return touched, ""
	}
	soon := r.derive("hours to the next limit at the last 12 hours' rate", math.Max(1, math.Round(rest/slope)),
		"("+val(nx.Limit)+" − "+val(h.Event.Value)+") ÷ least-squares slope of the hourly means from "+stampUTC(from)+" to "+stampUTC(last))
	rate := r.derive("rate over the last 12 hours, per hour", math.Round(math.Abs(slope)*1000)/1000, "least-squares slope of the hourly means") + suffix(nx.Unit)
	at := last.Add(time.Duration(math.Max(1, math.Round(rest/slope))) * time.Hour)
	if at.Before(r.now) {
		// The feed stopped before then: had it kept rising, it is there.
		r.note("time the limit is reached at the last 12 hours' rate, plant time", r.at(at), "time of the last reading + hours to the next limit at that rate")
		sooner = r.msg("rule.outlook_recent_past", rate, soon, r.at(at), val(nx.Limit)+suffix(nx.Unit))
	} else {
		sooner = r.msg("rule.outlook_recent", rate, soon, val(nx.Limit)+suffix(nx.Unit))
	}
	ra := r.reach[h.Asset]
	ra.At = at
	r.reach[h.Asset] = ra
	return touched, sooner
}

// postponeRe asks whether a job can be put off to a later time ("can we
// push the bearing WO to next week?", "다음주로 미뤄도 돼?").
var postponeRe = regexp.MustCompile(`(?i)\b(?:push|postpon|delay|defer|put off|slip|bump)\w*\b|미뤄|미룰|미루|연기`)

// runUntilRe asks whether a machine can run until a time.
var runUntilRe = regexp.MustCompile(`\bkeep (?:it |her |him )?(?:running|going)\b|\brun(?:ning)? (?:it )?(?:until|till|through|to|into)\b|\b(?:run|running|operate|operating)\b.{0,40}\b(?:until|till|through) (?:the |this |next )?(?:weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|end of|next|[0-9])|\b(?:last|hold(?: out)?|hang on|make it|limp(?: along| on)?) (?:until|till|to)\b|\bsafe to (?:run|keep|operate)\b|\b(?:wait|postpone|delay|defer|push)\w*\b.{0,40}\b(?:until|till|to)\b|까지 (?:버틸|버텨|버팀|돌려도|가동해도|운전해도|기다려도|미뤄도)|(?:로|으로|까지)\s*(?:미뤄도|미룰|미루면|연기해도|연기하면)|(?:버틸 수|버텨도 되|버텨도 돼|버팀\s*\?|버티나|버틸까|돌려도 되|가동해도 되)`)

// nextLimits are the limits beyond the current reading, for escalation:
// "At 7 mm/s (danger in RB-bearing-inspection): plan the bearing replacement within 48 h."
func (r *run) nextLimits(h *hypothesis, d docs) []string {
	v, ok := 0.0, false
	sensor := ""
	if h.Event != nil {
		v, ok, sensor = h.Event.Value, h.Event.Ongoing, h.Event.Sensor
	}
	var rs []rule
	for _, ru := range r.rulesFor(h.Asset, d) {
		if !r.applies(ru, h.Asset) || sensor != "" && ru.Sensor != sensor {
			continue
		}
		if ok && (ru.Condition == "above" || ru.Condition == "above_rising") && ru.Limit <= v {
			continue
		}
		if ok && (ru.Condition == "below" || ru.Condition == "below_falling") && ru.Limit >= v {
			continue
		}
		rs = append(rs, ru)
	}
	sort.SliceStable(rs, func(i, j int) bool { return levelRank[rs[i].Level] < levelRank[rs[j].Level] })
	var out []string
	seen := map[float64]bool{}
	for _, ru := range rs {
		if seen[ru.Limit] || ru.Condition == "above_rising" {
			continue
		}
		seen[ru.Limit] = true
		action := ru.Action
		if r.ko() && ru.ActionKO != "" {
			action = ru.ActionKO
		}
		if action == "" {
			// A limit the plant model states without an action.
			out = append(out, r.msg("escalate.limit_call", val(ru.Limit), suffix(ru.Unit), r.levelName(ru.Level), ru.Doc))
		} else {
			out = append(out, r.msg("escalate.limit", val(ru.Limit), suffix(ru.Unit), r.levelName(ru.Level), ru.Doc, action))
		}
		if len(out) == 2 {
			break
		}
	}
	return out
}

// stopAskRe asks whether to stop a machine now.
var stopAskRe = regexp.MustCompile(`\b(?:keep (?:it |her )?running|run (?:it )?on)\b.{0,15}\bor (?:stop|shut)|\brun (?:it |her )?(?:till|until|to|through)\b.{0,25}\bor (?:stop|shut)|\b(?:stop|shut (?:it )?down)\b.{0,10}\bor keep\b|\bshould (?:we|i) (?:stop|shut (?:it |\S+ )?down|switch (?:it )?off|take (?:it )?out of service)\b|\b(?:do|must) (?:we|i) (?:have to )?stop\b|\b(?:stop|shut down) (?:it|the \w+|\w+ \d+|\S+-\d+) now\b|\bneed to stop\b|세워야|정지해야|멈춰야|세울까|멈출까`)

// safeAskRe asks whether a machine may keep running ("is press 3 safe to
// run?", "계속 돌려도 돼?").
var safeAskRe = regexp.MustCompile(`\b(?:is|are) (?:it|they|\S+(?: \d+)?) (?:still )?(?:safe|ok|okay) to (?:run|operate|use|keep running)\b|\bsafe to (?:run|operate|keep running)\b|\bok(?:ay)? to (?:keep (?:it |her )?(?:running|going)|run it)\b|\bcan (?:we|i) (?:just |still )?keep (?:it |her )?(?:running|going)\b|(?:계속|그냥|이대로|교대 끝날 ?때까지|끝날 ?때까지)\s*(?:그냥\s*)?(?:돌려도|가동해도|운전해도) ?(?:돼|되나|될까|되는|되냐|되지|됨|괜찮)`)

// stopVerdict answers "should we stop it now?" from the reading and the
// stop limit its documents state: yes at or past it, otherwise not yet by
// its documents, with how far the reading is from it and the nearer
// limit's action. "" when not asked or no stop limit is stated.
func (r *run) stopVerdict(h *hypothesis, d docs) string {
	safe := safeAskRe.MatchString(r.q.Text)
	if !stopAskRe.MatchString(r.q.Text) && !safe || h == nil || h.Event == nil || !h.Event.Ongoing {
		return ""
	}
	v := h.Event.Value
	for _, ru := range r.rulesFor(h.Asset, d) {
		if ru.Sensor != h.Event.Sensor || !r.applies(ru, h.Asset) || levelRank[ru.Level] < levelRank["stop"] {
			continue
		}
		above := strings.HasPrefix(ru.Condition, "above")
		key := "stop.notyet"
		if above && v >= ru.Limit || !above && v <= ru.Limit {
			key = "stop.yes"
		}
		if safe {
			// "is it safe to run?": the same verdict, said the other way round.
			key = map[string]string{"stop.yes": "safe.no", "stop.notyet": "safe.yet"}[key]
		}
		r.stopSaid = key
		return r.msg(key, h.Asset, r.sensorName(h.Event.Sensor), val(v)+suffix(ru.Unit), val(ru.Limit)+suffix(ru.Unit), ru.Doc)
	}
	return ""
}

// untilTheJob leaves out of an answer's steps, when the verdict on
// stopping is "not yet", the repair under lockout: from the first [LOTO]
// step on, the lockout steps and the steps of the procedures they come
// from. Steps from elsewhere (an incident of the work being done) stay.
// The repair is pointed to, by its procedures, for when the machine is
// stopped for it.
func (r *run) untilTheJob(steps []agent.Step, h *hypothesis) []agent.Step {
	first := slices.IndexFunc(steps, func(s agent.Step) bool { return strings.Contains(s.Text, "[LOTO]") })
	if first <= 0 {
		return steps
	}
	var sops []string
	for _, x := range steps[first:] {
		if !strings.Contains(x.Text, "[LOTO]") {
			continue
		}
		for _, c := range x.Citations {
			if strings.HasPrefix(c, "RB-") && !lotoTitleRe.MatchString(c) && !contains(sops, c) {
				sops = append(sops, c)
			}
		}
	}
	if len(sops) == 0 {
		return steps
	}
	ofProcedure := func(x agent.Step) bool {
		for _, c := range x.Citations {
			if !contains(sops, c) && !lotoTitleRe.MatchString(c) {
				return false
			}
		}
		return len(x.Citations) > 0
	}
	out := slices.Clone(steps[:first])
	// The pointer stands where the repair began, on the evidence of the
	// steps it leaves out.
	out = append(out, agent.Step{Text: r.msg("stop.job_later", strings.Join(sops, ", "), h.Asset), Citations: sops,
		Basis: steps[first].Basis, Evidence: steps[first].Evidence})
	for _, x := range steps[first:] {
		if !strings.Contains(x.Text, "[LOTO]") && !ofProcedure(x) {
			out = append(out, x)
		}
	}
	return out
}

// reportedStop finds, in the runbook's decision table, a stop criterion
// that is a symptom rather than a reading ("Stop | 10 mm/s or knocking")
// for the machine's type, and returns the stop verdict when the user
// reports that symptom ("press 3 is knocking on the down stroke"): a
// stop the readings alone would not call.
func (r *run) reportedStop(h *hypothesis, d docs) string {
	if h == nil || d.canon == nil || d.canon.Body == "" {
		return ""
	}
	cell, word := stopSymptom(d.canon.Body, typeOf(h.Asset, r.p))
	if cell != "" && symptomWordRe(word).MatchString(r.q.Text+"\n"+r.q.Thread) {
		return r.msg("stop.reported", h.Asset, word, cell, d.canon.ID)
	}
	return ""
}

// stopSymptom is the cell of a runbook's decision table where the stop
// row meets the machine type's column, when it names a symptom besides a
// reading ("10 mm/s or knocking"), and that symptom ("knocking"); empty
// when there is none.
func stopSymptom(body, typ string) (cell, word string) {
	typeRe := plant.TypeWords(typ).Matcher() // "Press crank / flywheel" is the presses' column
	var header []string
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells
			continue
		}
		if !stopRowRe.MatchString(cells[0]) {
			continue
		}
		for i := 1; i < len(cells) && i < len(header); i++ {
			if !typeRe.MatchString(header[i]) {
				continue
			}
			if m := orSymptomRe.FindStringSubmatch(cells[i]); m != nil {
				return cells[i], strings.ToLower(strings.TrimSpace(m[1]))
			}
		}
	}
	return "", ""
}

var (
	stopRowRe    = regexp.MustCompile(`(?i)^\**\s*(?:stop|trip)\b|정지`)
	orSymptomRe  = regexp.MustCompile(`(?i)\bor\s+([a-z][a-z -]{2,30})$`)
	symptomKOFor = map[string]string{"knocking": `타격음|딱딱|쿵쿵|노킹|두드리는`, "chatter": `채터|떨림 ?자국|떨림`}
)

// symptomWordRe matches a symptom word of a table as users say it: its
// stem in English ("knocking", "knocks") and its Korean words.
func symptomWordRe(word string) *regexp.Regexp {
	stem := strings.TrimSuffix(strings.TrimSuffix(word, "ing"), "s")
	pat := `(?i)\b` + regexp.QuoteMeta(stem) + `\w*`
	if ko := symptomKOFor[word]; ko != "" {
		pat += "|" + ko
	}
	return regexp.MustCompile(pat)
}
