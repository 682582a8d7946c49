package connect_test

import (
	"os"
	"testing"

	"github.com/gemba-ai/gemba/internal/connect/connecttest"
)

// TestMain lets the test binary serve as the OPC UA server process that
// connecttest.StartOPCUA starts (and kills, to restart it).
func TestMain(m *testing.M) {
	connecttest.ServeOPCUAIfChild()
	os.Exit(m.Run())
}
