//go:build !race

package app

// raceDetector is true under `go test -race`.
const raceDetector = false
