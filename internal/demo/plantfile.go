package demo

import _ "embed" // the demo plant model file

// PlantFile is the demo plant as a plant model file (plant.yaml, read by
// internal/plant/model): its time zone and shifts, lines and assets with
// their aliases, sensors with units, ranges and the limits the demo
// runbooks state, runbook links, a console binding and a digest schedule.
// `gemba demo seed` applies it; the README documents it as the worked
// example.
//
//go:embed plant.yaml
var PlantFile []byte
