//go:build race

package planner

// raceDetector is true under `go test -race`, which slows every path
// several-fold: speed floors and answers that depend on tool deadlines are
// not measured then (the race detector checks the concurrency).
const raceDetector = true
