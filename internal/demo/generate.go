package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gemba-ai/gemba/internal/series"
)

// DefaultSeed is the generator seed `gemba demo seed` uses unless told
// otherwise.
const DefaultSeed uint64 = 20260301

// Data is one generated series on a regular grid.
type Data struct {
	// Series describes it (site, line, asset, sensor, unit, interval).
	Series series.Series
	// Start is the time of Values[0]; Values[i] is at Start + i·Series.Interval.
	Start time.Time
	// Values are the readings; NaN marks a sensor dropout.
	Values []float64
}

// Len counts the non-missing values.
func (d Data) Len() int {
	n := 0
	for _, v := range d.Values {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// Generate builds every demo series for a seeding at now with the given
// seed. The same seed and the same now (to the sampling step) give the same
// values bit for bit: each series draws from its own random stream keyed by
// the seed and its name, so adding a series never changes the others.
func Generate(now time.Time, seed uint64) []Data {
	end := End(now)
	start := end.Add(-Span)
	n := int(Span/Step) + 1
	sched := Schedule(now)
	var out []Data
	for _, line := range Plant() {
		for _, a := range line.Assets {
			for _, s := range a.Sensors {
				name := a.Name + "." + s.Name
				vals := sensorValues(a, s, start, n, seed, sched)
				dropouts(vals, name, line.Name, seed, n)
				roundAll(vals, s.Name)
				out = append(out, Data{
					Series: series.Series{
						Name: name, Unit: s.Unit, Site: Site, Line: line.Name, Asset: a.Name,
						Sensor: s.Name, Kind: series.KindSensor, Interval: Step, Source: Source,
						Metadata: map[string]any{"asset_type": a.Type, "process": line.Process},
					},
					Start: start, Values: vals,
				})
			}
		}
		out = append(out, production(line, start, end, seed, sched)...)
	}
	return out
}

func rng(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64())) //nolint:gosec // deterministic demo data: reproducibility is the point, not secrecy
}

// ambient is the daily outside-temperature swing, warmest mid-afternoon.
func ambient(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 2.5 * math.Sin(2*math.Pi*(h-9)/24)
}

// phase says where t falls relative to one failure: 0 outside, 1 in its
// precursor (with progress f in [0,1)), 2 stopped for repair.
func phase(f Scheduled, t time.Time) (int, float64) {
	switch {
	case !t.Before(f.PrecursorStart) && t.Before(f.At):
		return 1, float64(t.Sub(f.PrecursorStart)) / float64(f.Precursor)
	case f.InProgress && t.Equal(f.At):
		return 1, 1
	case !f.InProgress && !t.Before(f.At) && t.Before(f.RepairedAt):
		return 2, 0
	}
	return 0, 0
}

func sensorValues(a Asset, s Sensor, start time.Time, n int, seed uint64, sched []Scheduled) []float64 {
	r := rng(seed, a.Name+"."+s.Name)
	var mine []Scheduled
	for _, f := range sched {
		if f.Asset == a.Name {
			mine = append(mine, f)
		}
	}
	vals := make([]float64, n)
	alpha := 1.0
	if s.Lag > 0 {
		alpha = 1 - math.Exp(-float64(Step)/float64(s.Lag))
	}
	lagged := load(start)
	ar := 0.0
	jitter, shift := 0.0, -1
	for i := range n {
		t := start.Add(time.Duration(i) * Step)
		// Each shift runs a little harder or softer than the plan.
		if sh := int(t.Unix() / (8 * 3600)); sh != shift {
			shift, jitter = sh, 0.01*r.NormFloat64()
		}
		target := load(t) * (1 + jitter)
		stopped := false
		for _, f := range mine {
			if p, _ := phase(f, t); p == 2 {
				stopped = true
			}
		}
		if stopped {
			target = 0
		}
		lagged += alpha * (target - lagged)
		ar = 0.3*ar + 0.954*r.NormFloat64()
		v := s.Idle + s.Gain*lagged + s.Noise*ar
		if s.Name == "temperature" {
			v += ambient(t)
		}
		if stopped {
			v = stoppedValue(s, v, r)
		}
		for _, f := range mine {
			if p, prog := phase(f, t); p == 1 {
				v = precursor(f, a, s, v, prog, lagged, r)
			}
		}
		vals[i] = v
	}
	return vals
}

// stoppedValue is the reading of a sensor while its machine stands still.
func stoppedValue(s Sensor, v float64, r *rand.Rand) float64 {
	switch s.Name {
	case "vibration":
		return 0.05 + 0.02*math.Abs(r.NormFloat64())
	case "motor_current":
		return 0.3 + 0.05*math.Abs(r.NormFloat64())
	case "speed":
		return 0
	case "pressure":
		return 0.15*s.Idle + 0.02*r.NormFloat64()
	}
	return v // temperature cools along its lag
}

// precursor applies a developing failure (progress f in [0,1]) to a reading.
func precursor(fl Scheduled, a Asset, s Sensor, v, f, lagged float64, r *rand.Rand) float64 {
	full := s.Idle + s.Gain
	switch fl.Mode {
	case ModeBearingWear:
		switch s.Name {
		case "vibration":
			v += full * 1.3 * f * f
			if r.Float64() < 0.08*f { // impacts from the damaged race
				v += full * 0.8 * f * r.Float64()
			}
		case "temperature":
			v += 5 * f * f
		}
	case ModeFilterClogging:
		switch s.Name {
		case "pressure":
			if a.Type == "pump" { // a clogged suction strainer starves the pump
				v -= full * 0.3 * math.Pow(f, 1.5)
			} else { // a clogged product filter raises supply pressure
				v += full * 0.35 * math.Pow(f, 1.5)
			}
		case "motor_current":
			v -= s.Gain * 0.15 * f
		}
	case ModeBeltSlip:
		switch s.Name {
		case "motor_current":
			v -= (s.Idle + s.Gain*lagged) * 0.25 * f
			v += s.Noise * 2 * f * r.NormFloat64()
		case "speed":
			v -= full * 0.04 * f * math.Abs(r.NormFloat64())
		}
	case ModeMotorOverheating:
		switch s.Name {
		case "temperature":
			v += 28 * math.Pow(f, 1.3)
		case "motor_current":
			v += s.Gain * 0.12 * f
		}
	}
	return v
}

// dropouts blanks a few stretches of readings (20 minutes to 4 hours) as
// sensors and networks do, keeping the last two days intact so "now"
// questions have data, plus one three-hour network outage on line-2.
func dropouts(vals []float64, name, line string, seed uint64, n int) {
	r := rng(seed, "dropout:"+name)
	k := 2 + r.IntN(4)
	last := n - 2*24*6
	for range k {
		length := 2 + r.IntN(23)
		at := r.IntN(last - length)
		for i := at; i < at+length; i++ {
			vals[i] = math.NaN()
		}
	}
	if line == "line-2" {
		at := n - 44*24*6 + 37
		for i := at; i < at+18; i++ {
			vals[i] = math.NaN()
		}
	}
}

// production builds the hourly output and plan of a line. Plan follows the
// shift pattern and runs PlanAhead past the seed time; output is plan times
// an efficiency around 98.5% (a plan the line normally meets, give or
// take), minus lost hours while an asset of the line is
// repaired and a little while one is degrading.
func production(line Line, start, end time.Time, seed uint64, sched []Scheduled) []Data {
	r := rng(seed, line.Name+".output")
	h0 := start.Truncate(time.Hour)
	if h0.Before(start) {
		h0 = h0.Add(time.Hour)
	}
	nOut := int(end.Sub(h0) / time.Hour) // complete hours before end
	nPlan := nOut + int(PlanAhead/time.Hour)
	round := 10.0
	if line.Rate < 100 {
		round = 1
	}
	onLine := map[string]bool{}
	for _, a := range line.Assets {
		onLine[a.Name] = true
	}
	plan := make([]float64, nPlan)
	out := make([]float64, nOut)
	for i := range nPlan {
		t := h0.Add(time.Duration(i) * time.Hour)
		plan[i] = math.Round(line.Rate*planFactor(t)/round) * round
		if i >= nOut {
			continue
		}
		eff := min(1.06, max(0.8, 0.985+0.025*r.NormFloat64()))
		for _, f := range sched {
			if !onLine[f.Asset] {
				continue
			}
			mid := t.Add(30 * time.Minute)
			switch p, prog := phase(f, mid); p {
			case 1:
				eff *= 1 - 0.1*prog // slowed down, stopped for checks
			case 2:
				eff *= 0.35
			}
		}
		out[i] = math.Round(plan[i] * eff)
	}
	mk := func(sensor, kind string, vals []float64) Data {
		return Data{
			Series: series.Series{
				Name: line.Name + "." + sensor, Unit: "parts/h", Site: Site, Line: line.Name,
				Sensor: sensor, Kind: kind, Interval: time.Hour, Source: Source,
				Metadata: map[string]any{"process": line.Process},
			},
			Start: h0, Values: vals,
		}
	}
	roundAll(out, "output")
	roundAll(plan, "plan")
	return []Data{mk("output", series.KindProduction, out), mk("plan", series.KindPlan, plan)}
}
