package risk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var pdmDir = filepath.Join("..", "..", "..", "shared", "data", "azure_pdm")

func TestEvaluatePdM(t *testing.T) {
	if _, err := os.Stat(filepath.Join(pdmDir, "PdM_failures.csv")); err != nil {
		t.Skipf("Azure PdM data not found at %s (%v): a user's clone has no ../shared/data; nothing to check", pdmDir, err)
	}
	rep, err := EvaluatePdM(pdmDir)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteEvaluation(&buf, "fleet", rep.Fleet))
	require.NoError(t, WriteEvaluation(&buf, "telemetry machines", rep.Telemetry))
	t.Logf("%s\nelapsed %s", buf.String(), rep.Elapsed)
}
