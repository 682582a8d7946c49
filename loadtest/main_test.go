package loadtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/db"
	"github.com/gemba-ai/gemba/demo"
	"github.com/gemba-ai/gemba/rag"
)

// binary is the gemba executable built once for the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gemba-loadtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gemba")
	cmd := exec.Command("go", "build", "-o", binary, "../cmd/gemba")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: building gemba:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// seed migrates the database at url and loads the demo plant and the demo
// documents, so that the scripted model's tool calls run on real data.
func seed(t testing.TB, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := db.Migrate(ctx, url, nil)
	require.NoError(t, err)
	pool, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	require.NoError(t, err)
	defer pool.Close()
	_, err = demo.Seed(ctx, pool, demo.Options{})
	require.NoError(t, err)
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	require.NoError(t, err)
	_, err = rag.New(pool, emb, rag.Options{}).Ingest(ctx, []string{"../demo/docs"}, rag.IngestOptions{})
	require.NoError(t, err)
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
