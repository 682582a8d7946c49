//go:build race

package connect_test

// raceDetector is true when the tests run under `go test -race`, which
// slows the pipeline several-fold: throughput floors are not measured then.
const raceDetector = true
