//go:build !race

package connect_test

// raceDetector is true when the tests run under `go test -race`.
const raceDetector = false
