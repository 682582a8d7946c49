//go:build !race

package eval

// raceDetector is true under `go test -race`.
const raceDetector = false
