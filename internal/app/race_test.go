//go:build race

package app

// raceDetector is true under `go test -race`, which slows every path
// several-fold: speed floors are not measured then (correctness still is).
const raceDetector = true
