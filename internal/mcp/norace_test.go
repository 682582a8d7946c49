//go:build !race

package mcp_test

// raceDetector is true under `go test -race`.
const raceDetector = false
