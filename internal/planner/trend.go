package planner

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/plant"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// trendRe asks how a reading went over a time: its trend.
var trendRe = regexp.MustCompile(`\b(?:max|maximum|highest|peak|min|minimum|lowest|average|mean|avg)\b|최고|최대|최저|최소|평균|(?:제일|가장) ?(?:낮았|높았|낮은|높은|낮을|높을)|\btrend\w*\b|\bover the (?:last|past)\b|\bhow (?:has|did) .{0,30}\b(?:changed?|moved?|gone|developed?|evolved?)\b|\bhistory of\b|\bplot\b|\bchart\b|\bgraph\b|\b(?:has|have|'s|is) (?:it |its \w+ |the \w+ )?been doing\b|\bbeen doing\b|\bhow much (?:has|did|have) .{0,30}\b(?:rise|rose|risen|gone up|go up|increase\w*|drop\w*|fall|fallen|fell|gone down|go down|change\w*)\b|추이|추세|변화|그래프|차트|어땠|어떻게 (?:변했|움직였|됐)|얼마나 (?:올랐|내렸|떨어졌|늘었|줄었|변했|상승|하락)`)

// trendAsked reports whether the question asks a named sensor's trend:
// a sensor, a machine, and trend words or a window longer than a day.
func (r *run) trendAsked(targets []string) bool {
	q := r.q
	if len(q.Sensors) == 0 || len(targets) == 0 || len(targets) > 3 || contains(q.Sensors, "output") {
		return false
	}
	// A past window named ("지난주 수요일 야간에 진동 어땠어?"): its figures,
	// not only the latest reading.
	past := q.Window.Named && !q.Window.Ahead && !q.Window.Point && q.Window.To.Before(r.now.Add(-time.Hour))
	return trendRe.MatchString(q.Text) || hourlyRe.MatchString(q.Text) || q.Window.Named && q.Window.To.Sub(q.Window.From) > 26*time.Hour || past
}

// hourlyRe asks for a sensor's values hour by hour ("every hour last
// night", "hourly", "시간별").
var hourlyRe = regexp.MustCompile(`\b(?:every|each|per|by the) hour\b|\bhourly\b|\bhour by hour\b|\bhour-by-hour\b|시간별|매 ?시간|시간마다|시간 단위`)

// readingsData is a latest_readings result as the planner reads it.
type readingsData struct {
	Days     int             `json:"days"`
	Readings []tools.Reading `json:"readings"`
}

// trends returns the named sensors' figures over the question's window on
// each target that has them (latest_readings with since and until).
func (r *run) trends(targets []string) []string {
	lines, _ := r.trendsWithMeans(targets, r.q.Window)
	return lines
}

// sensorAsk is one named sensor on one machine that has it.
type sensorAsk struct{ asset, sensor string }

// sensorAsks pairs the targets with the question's sensors each has.
func (r *run) sensorAsks(targets []string) []sensorAsk {
	var out []sensorAsk
	for _, a := range targets {
		as, ok := r.p.Asset(a)
		if !ok {
			continue
		}
		for _, s := range r.q.Sensors {
			if contains(as.Sensors, s) {
				out = append(out, sensorAsk{a, s})
			}
		}
	}
	return out
}

// trendsWithMeans is trends with each line's mean.
func (r *run) trendsWithMeans(targets []string, w Span) ([]string, []float64) {
	asks := r.sensorAsks(targets)
	calls := make([]agent.ToolCall, len(asks))
	for i, k := range asks {
		args := map[string]any{"asset": k.asset, "sensor": k.sensor, "since": stampUTC(w.From), "until": stampUTC(w.To)}
		if hourlyRe.MatchString(r.q.Text) && w.To.Sub(w.From) <= 72*time.Hour {
			args["every"] = "1h"
		}
		calls[i] = agent.ToolCall{Name: tools.LatestReadings, Args: args}
	}
	var out []string
	var means []float64
	for i, res := range r.call(calls...) {
		if !res.OK {
			// No reading in the window (the tool says where the data is):
			// said, never left out.
			r.dropFailure(res.Error)
			out = append(out, r.msg("trend.none", asks[i].asset, r.sensorName(asks[i].sensor), r.spanIn(w))+" "+strings.TrimPrefix(res.Error, "tool failed: "))
			r.trendGaps++
			continue
		}
		d, ok := decode[readingsData](res.Result.Data)
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
		if len(t.Buckets) > 0 {
			// "every hour last night": the hours, in plant time.
			var hs []string
			for _, b := range t.Buckets {
				hs = append(hs, r.p.Local(b.At).Format("15:04")+" "+val(b.Mean))
			}
			line += "\n" + r.msg("trend.buckets", r.unitIn(rd.Unit), strings.Join(hs, " · "))
		}
		out = append(out, line)
		means = append(means, t.Mean)
		if ra, ok := r.reach[asks[i].asset]; ok && ra.Sensor == asks[i].sensor {
			// A reading of the window already beyond the limit the outlook
			// projects: said, so the two do not read as a contradiction.
			if ra.Dir > 0 && t.Max >= ra.Value {
				out = append(out, r.msg("rule.touched", ra.Limit, val(t.Max), suffix(ra.Unit), r.at(t.MaxAt)))
			} else if ra.Dir < 0 && t.Min <= ra.Value {
				out = append(out, r.msg("rule.touched", ra.Limit, val(t.Min), suffix(ra.Unit), r.at(t.MinAt)))
			}
		}
	}
	return out, means
}

// pairSplitRe is what stands between two periods compared ("monday and
// tuesday", "어제랑 그저께").
var pairSplitRe = regexp.MustCompile(`(?i)\s+(?:vs\.?|versus|against|compared (?:to|with)|and|with)\s+|(?:이랑|랑|하고|와|과)\s+`)

// compareWordRe asks for a comparison.
var compareWordRe = regexp.MustCompile(`(?i)\bvs\.?|\bversus\b|\bcompar\w*|\bagainst\b|\bdifference\b|비교|대비|차이`)

// namedPair returns the two periods a comparison names on either side of
// its connector ("어제랑 그저께 비교", "compare monday and tuesday"), the
// first first; ok is false unless both are named and differ.
func namedPair(text string, now time.Time, p *plant.Plant) (a, b Span, ok bool) {
	if !compareWordRe.MatchString(text) {
		return Span{}, Span{}, false
	}
	for _, l := range pairSplitRe.FindAllStringIndex(text, -1) {
		wa, _ := readTimes(text[:l[0]], now, p)
		wb, _ := readTimes(text[l[1]:], now, p)
		if wa.Named && wb.Named && !wa.From.Equal(wb.From) {
			return wa, wb, true
		}
	}
	return Span{}, Span{}, false
}

// prevRe names the earlier period a comparison is against ("vs last
// week", "than yesterday", "지난주 대비").
var prevRe = regexp.MustCompile(`\b(?:vs\.?|versus|against|compared? (?:to|with)|than|with)\s+(?:the\s+)?(?:last|previous|prior|the week before|the day before|yesterday)\b|\blast week\b.{0,20}\b(?:vs\.?|versus|and|against)\b|지난주 ?대비|전주 ?대비|어제 ?대비|전일 ?대비|전날 ?대비|지난주(?:와|랑|하고)|(?:어제|전날|그 ?전날|지난주|전주)(?:랑|이랑|와|과|하고)\s*비교`)

// weekWordRe names weeks ("vs last week", "지난주 대비"; not the "주" of
// "비교해 주세요").
var weekWordRe = regexp.MustCompile(`\bweeks?\b|지난 ?주|이번 ?주|전주|일주일|한 ?주`)

// dayWordRe names days ("today", "yesterday", "어제").
var dayWordRe = regexp.MustCompile(`\btoday\b|\byesterday\b|\bday before\b|오늘|어제|전일|그저께`)

// comparePeriods answers a sensor's figures in two periods ("press 3
// vibration this week vs last week"): the window asked and the one just
// before it of the same length, each with its first, last, range and mean,
// and the change of the mean.
func (r *run) comparePeriods(targets []string) bool {
	q := r.q
	pa, pb, paired := namedPair(q.Text, r.now, r.p)
	paired = paired && !prevRe.MatchString(q.Text) // "vs last week" is the span before, as below
	if len(targets) != 1 || len(q.Sensors) == 0 || !prevRe.MatchString(q.Text) && !paired {
		return false
	}
	if paired {
		// "어제랑 그저께 비교": the two spans named, as named.
		return r.comparedSpans(targets, pa, pb)
	}
	// The span asked about is the time words left once the earlier span's
	// ("vs last week") are taken out: "this week vs last week" is this week.
	cur, _ := readTimes(prevRe.ReplaceAllString(q.Text, " "), r.now, r.p)
	switch {
	case cur.Named:
	case weekWordRe.MatchString(q.Text):
		cur = Span{From: r.now.Add(-7 * 24 * time.Hour), To: r.now, Label: "the last 7 days", LabelKO: "최근 7일"}
	default:
		cur = Span{From: r.now.Add(-24 * time.Hour), To: r.now, Label: "the last 24 hours", LabelKO: "지난 24시간"}
	}
	d := cur.To.Sub(cur.From)
	back := d
	switch {
	case weekWordRe.MatchString(q.Text):
		back = max(d, 7*24*time.Hour) // "this week vs last week": a week back
	case dayWordRe.MatchString(q.Text):
		back = max(d, 24*time.Hour) // "today vs yesterday": the same hours a day back
	}
	prev := Span{From: cur.From.Add(-back), To: cur.To.Add(-back), Label: "the same span before", LabelKO: "직전 같은 기간"}
	return r.comparedSpans(targets, cur, prev)
}

// comparedSpans puts a sensor's figures over two spans side by side, with
// the change of the mean.
func (r *run) comparedSpans(targets []string, cur, prev Span) bool {
	var lines []string
	var means []float64
	for _, w := range []Span{cur, prev} {
		ls, ms := r.trendsWithMeans(targets, w)
		lines = append(lines, ls...)
		means = append(means, ms...)
	}
	if len(lines) == 0 {
		return false
	}
	if len(means) == 2 && prev.From.After(cur.From) {
		// "어제 평균이랑 오늘 평균": asked earlier first; the change is the
		// later span's against the earlier one's either way.
		means[0], means[1] = means[1], means[0]
	}
	if len(means) == 2 && means[1] != 0 {
		pct := r.derive("change of the mean against the earlier span, %", math.Round(1000*(means[0]-means[1])/math.Abs(means[1]))/10,
			"(mean now − mean before) ÷ mean before")
		if means[0] > means[1] {
			pct = "+" + pct
		}
		lines = append(lines, r.msg("trend.vs", pct))
	}
	r.a.Situation = joinLines(lines)
	r.a.Confidence = "high"
	if r.trendGaps > 0 {
		r.a.Confidence = "medium" // one span has no data to compare
	}
	return true
}

// usualRe asks a reading's usual range ("what is the usual vibration for
// press 2?", "normal range of pump 1 pressure", "평소 진동").
var usualRe = regexp.MustCompile(`\busual(?:ly)?\b|\bnormal (?:value|range|level|reading|operating)s?\b|\bwhat(?:'s|s| is) normal\b|\btypical(?:ly)?\b|\bbaseline\b|\bexpected (?:value|range|level)\b|평소|정상 ?(?:범위|값|수준)|기준선`)

// thanUsualRe compares with the usual ("louder than usual") rather than
// asking for it.
var thanUsualRe = regexp.MustCompile(`\b(?:than|as) (?:usual|normal|typical)\b|평소보다|평소처럼`)

// usualAsked reports whether the question asks a reading's usual range.
func usualAsked(text string) bool {
	return usualRe.MatchString(thanUsualRe.ReplaceAllString(text, " "))
}

// usual says each named sensor's usual range (10th–90th percentile of the
// last 7 days, latest_readings) and where its latest reading stands.
func (r *run) usual(targets []string) []string {
	asks := r.sensorAsks(targets)
	calls := make([]agent.ToolCall, len(asks))
	for i, k := range asks {
		calls[i] = agent.ToolCall{Name: tools.LatestReadings, Args: map[string]any{"asset": k.asset, "sensor": k.sensor}}
	}
	var out []string
	for i, res := range r.call(calls...) {
		if !res.OK {
			continue
		}
		d, ok := decode[readingsData](res.Result.Data)
		if !ok || len(d.Readings) == 0 {
			continue
		}
		rd := d.Readings[0]
		pos := map[string]string{"above usual": "usual.above", "below usual": "usual.below", "within usual": "usual.within"}[rd.Position]
		if pos == "" {
			out = append(out, r.msg("usual.none", asks[i].asset, r.sensorName(asks[i].sensor)))
			continue
		}
		out = append(out, r.msg("usual.line", asks[i].asset, r.sensorName(asks[i].sensor), val(rd.UsualP10), val(rd.UsualP90)+suffix(rd.Unit), d.Days, val(rd.UsualP50),
			val(rd.Value)+suffix(rd.Unit), r.at(rd.At), r.msg(pos)))
	}
	return out
}
