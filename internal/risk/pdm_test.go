package risk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	// Floors below the figures measured on the held-out test parts (fleet
	// 48 h: recall 0.969, precision 0.791; per component at least 0.881 and
	// 0.565; telemetry machines 48 h: lift 3.98 over the anomaly score), at
	// or above issue 20's bar. comp1's precision, the lowest, is 0.565,
	// 0.581, 0.569 and 0.553 with the history starting 0, 1, 2 or 3 hours
	// later (recall 0.881, 0.881, 0.857, 0.857) since RuleConfident; under
	// RuleFailures it was 0.494, 0.471, 0.470 and 0.496, and its floor 0.44.
	ev, ok := rep.Fleet.Eval.Find(48, "")
	require.True(t, ok)
	require.GreaterOrEqual(t, ev.EventRecall, 0.9)
	require.GreaterOrEqual(t, ev.Precision, 0.55)
	for _, c := range []string{"comp1", "comp2", "comp3", "comp4"} {
		ev, ok := rep.Fleet.Eval.Find(48, c)
		require.True(t, ok, c)
		require.GreaterOrEqual(t, ev.EventRecall, 0.7, c)
		require.GreaterOrEqual(t, ev.Precision, 0.5, c)
	}
	tv, ok := rep.Telemetry.Eval.Find(48, "")
	require.True(t, ok)
	require.NotNil(t, tv.Baseline)
	require.Greater(t, tv.Baseline.Lift, 1.5, "better than ranking by the anomaly score")
}

// TestFeatureLayout: every feature set's vectors are as long as its names,
// and each name is distinct, on the Azure PdM fleet.
func TestFeatureLayout(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(pdmDir, "PdM_failures.csv")); err != nil {
		t.Skipf("Azure PdM data not found at %s (%v): a user's clone has no ../shared/data; nothing to check", pdmDir, err)
	}
	p, err := LoadPdM(pdmDir, false)
	require.NoError(t, err)
	for _, a := range p.Assets {
		a.prepare()
	}
	at := p.From.Add(200 * 24 * time.Hour)
	for _, set := range []FeatureSet{{}, DefaultFeatures} {
		s := NewSpec(p.Assets, at, set)
		names := s.Names()
		seen := map[string]bool{}
		for _, n := range names {
			require.False(t, seen[n], "feature %q twice", n)
			seen[n] = true
		}
		for _, a := range p.Assets[:10] {
			require.Len(t, s.Features(a, at, nil), len(names), "%+v", set)
		}
	}
	require.Equal(t, SpecVersion, NewSpec(p.Assets, at, DefaultFeatures).Version)
}
