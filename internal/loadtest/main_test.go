package loadtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/loadtest"
)

// build holds the gemba executable, built once for the package on first
// use (benchmarks that run in process do not wait for it), or
// GEMBA_LOAD_BINARY when set (to compare two builds under the same load).
var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// gembaBinary returns the gemba executable, building it on first use.
func gembaBinary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		if b := os.Getenv("GEMBA_LOAD_BINARY"); b != "" {
			build.path = b
			return
		}
		build.dir, build.err = os.MkdirTemp("", "gemba-loadtest-bin-")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "gemba")
		out, err := exec.Command("go", "build", "-o", build.path, "../../cmd/gemba").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("loadtest: building gemba: %w\n%s", err, out)
		}
	})
	require.NoError(t, build.err)
	return build.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// seed migrates the database at url and loads the demo plant and the demo
// documents, so that the scripted model's tool calls run on real data.
func seed(t testing.TB, url string) {
	t.Helper()
	require.NoError(t, loadtest.SeedDemo(context.Background(), url))
}

// cpuHog starts GEMBA_LOAD_CPU_HOG spinning processes beside the test
// (none by default), so that the load and fault tests can be run the way a
// busy CI machine runs them: GEMBA_LOAD_CPU_HOG=2 go test ./internal/loadtest.
func cpuHog(t testing.TB) {
	t.Helper()
	n := envInt("GEMBA_LOAD_CPU_HOG", 0)
	if n == 0 {
		return
	}
	hog, err := loadtest.StartCPUHog(n)
	require.NoError(t, err)
	t.Cleanup(hog.Stop)
	t.Logf("CPU hog: %d spinning processes beside the test", hog.N())
}

func envInt(name string, def int) int {
	var v int
	if _, err := fmt.Sscanf(os.Getenv(name), "%d", &v); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}
