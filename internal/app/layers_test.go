package app_test

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/gemba-ai/gemba"

// layers is the architecture as the README draws it, top to bottom: a
// package may import packages of its own layer or of layers below it,
// never above. Every package of the module must be listed, so that a new
// package takes a place in the flow on purpose.
var layers = []struct {
	name     string
	packages []string
}{
	{"commands", []string{"cmd/gemba", "cmd/gemba-loadtest", "internal/app"}},
	{"front doors (transports)", []string{"bot", "internal/console", "internal/mcp"}},
	{"rendering for the front doors", []string{"internal/blockkit"}},
	{"conversation", []string{"internal/conversation"}},
	{"evaluation of the agent", []string{"internal/eval"}},
	{"agent", []string{"internal/agent", "internal/planner"}},
	{"tools", []string{"tools"}},
	{"live data connectors", []string{"internal/connect"}},
	{"benchmarks (gemba bench)", []string{"internal/series/seriesbench", "internal/series/prom/vmtest"}},
	{"models and stores", []string{"internal/predict", "internal/predict/clean", "internal/predict/csvmodel", "internal/predict/eval", "internal/series", "internal/series/prom",
		"rag", "internal/vocab", "internal/modelreg", "internal/maintenance", "internal/risk", "internal/chart", "internal/plant", "internal/plant/model", "internal/demo", "internal/demo/docs"}},
	{"database", []string{"internal/db", "migrations"}},
	{"leaves", []string{"internal/ops", "internal/config", "internal/csvmap"}},
}

// testSupport are the fakes and harnesses: only tests and the separate
// load-test command may import them, and they never enter the gemba binary.
var testSupport = map[string]bool{
	"internal/slackfake": true, "internal/llmtest": true, "internal/loadtest": true,
	"internal/console/consoletest": true, "internal/db/dbtest": true, "internal/agent/agenttest": true, "internal/connect/connecttest": true, "rag/embedtest": true,
}

// tooling are the deployment checks (their own commands and tests).
var tooling = map[string]bool{"deploy": true, "deploy/elfcheck": true, "deploy/yamlcheck": true, "deploy/imagecheck": true}

// TestLayers checks with `go list` that the import graph flows one way,
// from the front doors down to the database, with no exception; that the
// front doors do not import each other; and that no test fake is linked
// into the gemba binary.
func TestLayers(t *testing.T) {
	t.Parallel()
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l.packages {
			layerOf[p] = i
		}
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var checked int
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		require.NoError(t, dec.Decode(&p))
		from := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if from == "" {
			from = "."
		}
		if testSupport[from] || tooling[from] {
			continue
		}
		lf, ok := layerOf[from]
		require.True(t, ok, "package %s has no layer: add it to layers in internal/app/layers_test.go and to the README's architecture section", from)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := strings.TrimPrefix(imp, module+"/")
			if testSupport[to] {
				require.Equal(t, "cmd/gemba-loadtest", from, "%s imports the test fake %s", from, to)
				continue
			}
			lt, ok := layerOf[to]
			require.True(t, ok, "package %s has no layer", to)
			require.LessOrEqual(t, lf, lt, "%s (%s) imports %s (%s): dependencies flow down only", from, layers[lf].name, to, layers[lt].name)
			if lf == 1 && lt == 1 {
				t.Errorf("front door %s imports front door %s", from, to)
			}
			checked++
		}
	}
	require.Greater(t, checked, 50, "the graph was read")

	deps, err := exec.Command("go", "list", "-deps", module+"/cmd/gemba").Output()
	require.NoError(t, err)
	sc := bufio.NewScanner(strings.NewReader(string(deps)))
	for sc.Scan() {
		dep := strings.TrimPrefix(sc.Text(), module+"/")
		require.False(t, testSupport[dep], "the gemba binary links the test fake %s", dep)
	}
}
