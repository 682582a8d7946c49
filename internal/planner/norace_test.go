//go:build !race

package planner

// raceDetector is true under `go test -race`.
const raceDetector = false
