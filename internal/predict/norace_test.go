//go:build !race

package predict

// raceDetector is true under `go test -race`.
const raceDetector = false
