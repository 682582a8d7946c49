package planner

import (
	"math"
	"regexp"
	"strings"
)

// unitAskRe asks for a reading in another unit ("in inches per second",
// "in fahrenheit", "in psi", "화씨로").
var unitAskRe = regexp.MustCompile(`\bin (?:inch(?:es)? per second|in/s|ips)\b|\bin (?:degrees? )?(?:fahrenheit|°f|deg f)\b|\bin (?:psi|kpa|mpa|kelvin)\b|화씨|psi로|인치`)

// conversion turns a reading of one unit into another.
type conversion struct {
	ask      *regexp.Regexp
	from, to string
	f        func(float64) float64
	how      string
}

var conversions = []conversion{
	{regexp.MustCompile(`inch|in/s|ips|인치`), "mm/s", "in/s", func(v float64) float64 { return v / 25.4 }, "÷ 25.4"},
	{regexp.MustCompile(`fahrenheit|°f|deg f|화씨`), "°C", "°F", func(v float64) float64 { return v*9/5 + 32 }, "× 9/5 + 32"},
	{regexp.MustCompile(`psi`), "bar", "psi", func(v float64) float64 { return v * 14.5038 }, "× 14.5038"},
	{regexp.MustCompile(`kpa`), "bar", "kPa", func(v float64) float64 { return v * 100 }, "× 100"},
	{regexp.MustCompile(`mpa`), "bar", "MPa", func(v float64) float64 { return v / 10 }, "÷ 10"},
	{regexp.MustCompile(`kelvin`), "°C", "K", func(v float64) float64 { return v + 273.15 }, "+ 273.15"},
}

// converted returns, when the question asks for another unit, the
// targets' latest readings of that quantity in it ("press-3 vibration
// 5.61 mm/s = 0.221 in/s"), or a line saying no reading has a unit that
// converts.
func (r *run) converted(targets []string) []string {
	m := unitAskRe.FindString(r.q.Text)
	if m == "" {
		return nil
	}
	var c *conversion
	for i := range conversions {
		if conversions[i].ask.MatchString(m) {
			c = &conversions[i]
			break
		}
	}
	if c == nil {
		return nil
	}
	// The conversion's constants are facts of the units, not of the plant:
	// recorded so the grounding check reads them as derived.
	for _, n := range numRe.FindAllString(c.how, -1) {
		r.note("unit conversion constant", n, c.from+" → "+c.to+": "+c.how)
	}
	var out []string
	for _, a := range targets {
		for _, s := range r.p.Series {
			if s.Asset != a || s.LatestAt == "" || s.Unit != c.from || len(r.q.Sensors) > 0 && !contains(r.q.Sensors, s.Sensor) {
				continue
			}
			v := r.derive(s.Name+" in "+c.to, sigDigits(c.f(s.Latest), 3), val(s.Latest)+" "+c.from+" "+c.how)
			out = append(out, r.msg("conv.line", a, r.sensorName(s.Sensor), val(s.Latest), c.from, v, c.to, r.at(parseStamp(s.LatestAt)), c.how))
		}
	}
	if len(out) == 0 {
		out = append(out, r.msg("conv.none", c.to, strings.Join(targets, ", ")))
	}
	return out
}

// numRe is a number in a conversion's description.
var numRe = regexp.MustCompile(`\d+(?:\.\d+)?`)

// sigDigits rounds v to n significant digits.
func sigDigits(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
