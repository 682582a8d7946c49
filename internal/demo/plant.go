// Package demo generates Gemba's demo plant: a deterministic, realistic set
// of sensor and production series for site plant-1 (three lines, twelve
// assets) over the 90 days ending at the moment of seeding, with shift and
// weekly patterns, noise, sensor dropouts and the precursors of recorded
// failures — one of them still in progress, so "press 3 is vibrating, what
// should I do?" has live evidence.
//
// It sits beside the series store (cli → demo → series → db): `gemba demo
// seed` calls Seed, which writes the points with COPY. The failure schedule
// is an exported Go value (Failures, Schedule) and demo/failures.json, so
// the demo incident documents and the tests tie to the same events. The
// project's demo never depends on ../shared.
package demo

import "time"

// Site is the demo plant's site name.
const Site = "plant-1"

// Source tags every demo series (series.Series.Source), so re-seeding can
// clear exactly the demo points.
const Source = "demo"

// Step is the sensor sampling interval; production and plan are hourly.
const Step = 10 * time.Minute

// Span is how much history is generated, ending at the seed time.
const Span = 90 * 24 * time.Hour

// PlanAhead is how far the production plan extends past the seed time, so
// forecasts can be compared with plan.
const PlanAhead = 7 * 24 * time.Hour

// Sensor describes how one sensor of an asset behaves: its value is
// Idle + Gain·load + ambient and noise terms, where load in [0,1] follows
// the shift and week pattern.
type Sensor struct {
	// Name is the sensor kind, e.g. "vibration".
	Name string
	// Unit of its values.
	Unit string
	// Idle is the value at zero load, Gain the increase at full load.
	Idle, Gain float64
	// Noise is the standard deviation of the measurement noise.
	Noise float64
	// Lag is the time constant of a first-order response to load (thermal
	// inertia); 0 responds at once.
	Lag time.Duration
}

// Asset is one machine.
type Asset struct {
	// Name is unique in the plant, e.g. "press-3".
	Name string
	// Line is the production line it belongs to.
	Line string
	// Type is the machine type, e.g. "press".
	Type string
	// Sensors are its instruments.
	Sensors []Sensor
}

// Line is one production line.
type Line struct {
	// Name, e.g. "line-1".
	Name string
	// Process is what the line does, e.g. "stamping".
	Process string
	// Rate is the planned output at full load, parts per hour.
	Rate float64
	// Assets are the machines of the line.
	Assets []Asset
}

func vibration(idle, gain, noise float64) Sensor {
	return Sensor{Name: "vibration", Unit: "mm/s", Idle: idle, Gain: gain, Noise: noise}
}

func temperature(idle, gain float64) Sensor {
	return Sensor{Name: "temperature", Unit: "°C", Idle: idle, Gain: gain, Noise: 0.5, Lag: 45 * time.Minute}
}

func pressure(idle, gain, noise float64) Sensor {
	return Sensor{Name: "pressure", Unit: "bar", Idle: idle, Gain: gain, Noise: noise}
}

func current(idle, gain float64) Sensor {
	return Sensor{Name: "motor_current", Unit: "A", Idle: idle, Gain: gain, Noise: gain * 0.02}
}

func speed(idle, gain, noise float64) Sensor {
	return Sensor{Name: "speed", Unit: "rpm", Idle: idle, Gain: gain, Noise: noise}
}

func press(name string) Asset {
	return Asset{Name: name, Line: "line-1", Type: "press", Sensors: []Sensor{
		vibration(1.4, 1.4, 0.12), temperature(30, 22), current(12, 55), speed(810, 140, 4),
	}}
}

func cnc(name string) Asset {
	return Asset{Name: name, Line: "line-2", Type: "cnc", Sensors: []Sensor{
		vibration(0.6, 1.0, 0.08), temperature(28, 18), current(4, 18), speed(8000, 4000, 60),
	}}
}

func pump(name string) Asset {
	return Asset{Name: name, Line: "line-3", Type: "pump", Sensors: []Sensor{
		pressure(2.6, 0.8, 0.04), vibration(1.0, 0.8, 0.08), current(10, 14), temperature(30, 12),
	}}
}

// Plant returns the demo plant's lines and assets.
func Plant() []Line {
	return []Line{
		{Name: "line-1", Process: "stamping", Rate: 600, Assets: []Asset{press("press-1"), press("press-2"), press("press-3")}},
		{Name: "line-2", Process: "CNC machining", Rate: 48, Assets: []Asset{cnc("cnc-1"), cnc("cnc-2"), cnc("cnc-3"), cnc("cnc-4")}},
		{Name: "line-3", Process: "packaging", Rate: 3000, Assets: []Asset{
			{Name: "filler-1", Line: "line-3", Type: "filler", Sensors: []Sensor{
				pressure(3.2, 0.6, 0.05), temperature(24, 6), current(6, 10), speed(240, 60, 2),
			}},
			{Name: "conveyor-1", Line: "line-3", Type: "conveyor", Sensors: []Sensor{
				current(3, 5), speed(1400, 50, 3), vibration(0.8, 0.6, 0.06), temperature(26, 10),
			}},
			{Name: "compressor-1", Line: "line-3", Type: "compressor", Sensors: []Sensor{
				pressure(6.8, 0.4, 0.06), temperature(45, 25), current(30, 60), vibration(1.5, 1.2, 0.12),
			}},
			pump("pump-1"), pump("pump-2"),
		}},
	}
}

// Assets returns all assets of the plant, line by line.
func Assets() []Asset {
	var out []Asset
	for _, l := range Plant() {
		out = append(out, l.Assets...)
	}
	return out
}

// load is the production load in [0,1] at t: three 8-hour shifts (06–14
// full, 14–22 slightly lower, the night shift lower still), a lighter
// Saturday and a skeleton Sunday.
func load(t time.Time) float64 {
	return shiftFactor(t, 1.0, 0.92, 0.72, 0.75, 0.5)
}

// planFactor is the planned share of the line rate in the hour starting at t.
func planFactor(t time.Time) float64 {
	return shiftFactor(t, 1.0, 0.95, 0.8, 0.7, 0.35)
}

// shiftFactor is day, late or night by the shift t falls in (06–14, 14–22,
// 22–06), times sat on a Saturday and sun on a Sunday.
func shiftFactor(t time.Time, day, late, night, sat, sun float64) float64 {
	h := t.Hour()
	f := night
	switch {
	case h >= 6 && h < 14:
		f = day
	case h >= 14 && h < 22:
		f = late
	}
	switch t.Weekday() {
	case time.Saturday:
		f *= sat
	case time.Sunday:
		f *= sun
	}
	return f
}
