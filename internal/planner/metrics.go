package planner

import (
	"regexp"

	"github.com/gemba-ai/gemba/internal/plant"
)

// metric is a number people ask for, what data it needs, and what Gemba
// answers instead when the plant lacks that data.
type metric struct {
	Key string
	re  *regexp.Regexp
	// Needs are the sensors (series kinds of the catalog) the metric needs;
	// the metric can be computed when the plant has one of each group.
	Needs [][]string
	// Missing and Instead are message keys: what is missing, what Gemba
	// can answer instead.
	Missing, Instead string
	// InsteadOutput runs output against plan for the named lines instead.
	InsteadOutput bool
	// ReadingInstead is a sensor whose latest reading on the named
	// machines is given instead (motor current for energy).
	ReadingInstead string
}

// metrics are the metrics Gemba knows the name of. Output, plan
// attainment and readings are answered from the tools (see answer.go);
// these need data the demo plant does not have. A plant with the series
// named in Needs would still get "no calculation yet" until a tool
// computes the metric.
var metrics = []metric{
	{Key: "oee", re: regexp.MustCompile(`\boee\b|overall equipment effectiveness|설비종합효율|종합효율`),
		Needs: [][]string{{"state", "downtime", "availability"}, {"good_count", "scrap", "reject"}}, Missing: "metric.oee.missing", Instead: "metric.oee.instead", InsteadOutput: true},
	{Key: "energy", re: regexp.MustCompile(`\benergy\b|power consumption|\bkwh\b|\belectricity\b|\bpower (?:use|usage|draw)\b|\b(?:power|electric(?:ity)?|energy) (?:bill|cost)s?\b|전력|에너지|전기 ?사용|전기 ?요금|전기세|전기료`),
		Needs: [][]string{{"power", "energy", "kwh"}}, Missing: "metric.energy.missing", Instead: "metric.energy.instead", ReadingInstead: "motor_current"},
	{Key: "quality", re: regexp.MustCompile(`\bscrap\b|reject rate|defect rate|\brejects?\b|\brejected\b|\bbad parts\b|\bdefects?\b|\byield\b|first pass|\bquality\b|불량|수율|품질`),
		Needs: [][]string{{"good_count", "scrap", "reject"}}, Missing: "metric.quality.missing", Instead: "metric.quality.instead", InsteadOutput: true},
	{Key: "reliability", re: regexp.MustCompile(`\bmtbf\b|\bmttr\b|mean time (?:between|to)|고장 간격|평균 수리`),
		Needs: [][]string{{"state", "downtime"}}, Missing: "metric.reliability.missing", Instead: "metric.reliability.instead"},
	{Key: "downtime", re: regexp.MustCompile(`\bdowntime\b|\buptime\b|\bavailability\b|가동률|정지 시간|다운타임`),
		Needs: [][]string{{"state", "downtime"}}, Missing: "metric.downtime.missing", Instead: "metric.downtime.instead"},
	{Key: "cycle_time", re: regexp.MustCompile(`\bcycle time\b|\btakt\b|사이클 ?타임|택트`),
		Needs: [][]string{{"cycle_count", "cycle_time"}}, Missing: "metric.cycle.missing", Instead: "metric.cycle.instead", InsteadOutput: true},
	{Key: "flow", re: regexp.MustCompile(`\bflow(?: ?rate)?\b|\bhow much (?:air|water|steam|gas|oil|coolant)\b|\b(?:air|water|steam|gas) (?:output|produced|delivered|consumption|use|usage)\b|\bcfm\b|\bm3/h\b|\bl/min\b|유량|공기량|토출량`),
		Needs: [][]string{{"flow", "flow_rate"}}, Missing: "metric.flow.missing", Instead: "metric.flow.instead", ReadingInstead: "pressure"},
	{Key: "humidity", re: regexp.MustCompile(`\bhumidity\b|\bmoisture\b|습도`),
		Needs: [][]string{{"humidity"}}, Missing: "metric.humidity.missing", Instead: "metric.humidity.instead"},
	{Key: "dew point", re: regexp.MustCompile(`\bdew ?point\b|이슬점`),
		Needs: [][]string{{"dew_point", "dewpoint"}}, Missing: "metric.dewpoint.missing", Instead: "metric.dewpoint.instead", ReadingInstead: "pressure"},
	{Key: "ambient", re: regexp.MustCompile(`\bambient\b|\b(?:hall|room|shop ?floor|building|outside|outdoor|workshop)\s+(?:air\s+)?temp\w*|\btemp\w* (?:in|of) the (?:hall|room|shop ?floor|building|workshop)\b|실내 ?온도|현장 ?온도|외기 ?온도|주변 ?온도|기온|공장 ?안 ?온도`),
		Needs: [][]string{{"ambient_temperature", "ambient", "room_temperature"}}, Missing: "metric.ambient.missing", Instead: "metric.ambient.instead", ReadingInstead: "temperature"},
	{Key: "oil level", re: regexp.MustCompile(`\boil (?:level|pressure)\b|\bhydraulic oil\b|오일 ?(?:레벨|압력|양)|유압 ?오일|유압유|작동유`),
		Needs: [][]string{{"oil_level", "oil_pressure", "hydraulic_pressure"}}, Missing: "metric.oil.missing", Instead: "metric.oil.instead"},
}

// metricFor returns the metric a text asks for, if any.
func metricFor(text string) *metric {
	for i := range metrics {
		if metrics[i].re.MatchString(text) {
			return &metrics[i]
		}
	}
	return nil
}

// available reports whether the plant has the data for the metric.
func (m *metric) available(p *plant.Plant) bool {
	for _, group := range m.Needs {
		ok := false
		for _, s := range group {
			ok = ok || p.HasSensor(s)
		}
		if !ok {
			return false
		}
	}
	return true
}
