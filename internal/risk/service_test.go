package risk

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/csvmap"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/modelreg"
)

// loadPdMHistory imports the Azure PdM tables with the shipped mapping files.
func loadPdMHistory(t *testing.T, dbtx db.DBTX) {
	t.Helper()
	ctx := context.Background()
	st := maintenance.New(dbtx)
	for _, f := range []struct{ csv, mapping string }{
		{"PdM_machines.csv", "machines.yaml"}, {"PdM_failures.csv", "failures.yaml"},
		{"PdM_maint.csv", "maintenance.yaml"}, {"PdM_errors.csv", "errors.yaml"},
	} {
		m, err := csvmap.LoadFile(filepath.Join("..", "..", "deploy", "examples", "azure_pdm", f.mapping), nil)
		require.NoError(t, err)
		r, err := os.Open(filepath.Join(pdmDir, f.csv))
		require.NoError(t, err)
		if len(m.Equipment) > 0 {
			eq, err := maintenance.ParseEquipment(r, m, "")
			require.NoError(t, err)
			_, err = st.UpsertEquipment(ctx, eq)
			require.NoError(t, err)
		} else {
			p, err := maintenance.Parse(r, maintenance.ParseOptions{Mapping: m})
			require.NoError(t, err)
			_, err = st.Upsert(ctx, p.Events, m.IfExists == "skip")
			require.NoError(t, err)
		}
		require.NoError(t, r.Close())
	}
}

// TestServiceOnAzurePdM is the CI slice: the Azure PdM history imported
// with the documented mapping files, trained from the database (as
// gemba model train risk does), registered with its figures, scored for
// every asset, with floors on quality and time.
func TestServiceOnAzurePdM(t *testing.T) {
	if _, err := os.Stat(filepath.Join(pdmDir, "PdM_failures.csv")); err != nil {
		t.Skipf("Azure PdM data not found at %s (%v): a user's clone has no ../shared/data; nothing to check", pdmDir, err)
	}
	ctx := context.Background()
	tx := dbtest.Tx(t)
	loadPdMHistory(t, tx)
	s := NewService(tx)
	_, err := s.Score(ctx, time.Now())
	require.ErrorIs(t, err, ErrNoModel)

	now := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	began := time.Now()
	tr, m, err := s.Train(ctx, now, Options{})
	require.NoError(t, err)
	took := time.Since(began)
	t.Logf("trained %s in %s", m.Ref(), took)
	ev, ok := tr.Eval.Find(48, "")
	require.True(t, ok)
	t.Logf("48 h: %d failures, recall %.3f, precision %.3f, PR-AUC %.3f", ev.Failures, ev.EventRecall, ev.Precision, ev.PRAUC)
	// Floors below the measured figures (held-out test part: recall 0.979,
	// precision 0.633, PR-AUC 0.575), above issue 20's bar of failure
	// recall 0.7 at precision 0.5 within 48 h.
	require.GreaterOrEqual(t, ev.EventRecall, 0.9)
	require.GreaterOrEqual(t, ev.Precision, 0.55)
	require.GreaterOrEqual(t, ev.PRAUC, 0.5)
	require.Equal(t, modelreg.TaskRisk, m.Task)
	require.InDelta(t, ev.Precision, m.Metrics.Risk["precision_48h"], 1e-9, "the registry keeps the test figures")

	began = time.Now()
	rk, err := s.Score(ctx, time.Date(2015, 12, 20, 6, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	scored := time.Since(began)
	t.Logf("scored %d assets in %s; riskiest %+v", len(rk.Assets), scored, rk.Assets[0])
	require.Len(t, rk.Assets, 100)
	require.Less(t, scored, time.Second, "scoring every asset takes under 1 s")
	require.False(t, rk.Stale, "within the records")
	// Asked years after the records end, the risk is as of the latest
	// record, and says so: a history that ends says nothing of now.
	late, err := s.Score(ctx, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.True(t, late.Stale)
	require.Equal(t, 2016, late.At.Year(), "the latest record (2016-01-01)")
	// Issue 20's budget is 60 s on this machine (measured with the CLI: 19 s
	// at load 5); CI shares its cores with every other package's tests
	// (training took 50 s at load 12), so its floor is twice the budget: a
	// regression of several times still fails here.
	require.Less(t, took, 120*time.Second, "gemba model train risk on Azure PdM, on a shared CI machine")
	require.GreaterOrEqual(t, rk.Assets[0].P48, rk.Assets[99].P48)

	ev2, err := s.Reevaluate(ctx, now)
	require.NoError(t, err)
	require.Nil(t, ev2, "nothing recorded after the training cutoff: nothing to re-evaluate")
	lines, err := s.DigestLines(ctx, time.Date(2015, 12, 20, 6, 0, 0, 0, time.UTC), 3)
	require.NoError(t, err)
	require.NotEmpty(t, lines)
}

// TestTooFewFailures: a history with few failures trains nothing and says why.
func TestTooFewFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	var es []maintenance.Event
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 6; i++ {
		es = append(es, maintenance.Event{ID: "F" + string(rune('a'+i)), Kind: maintenance.KindFailure, Asset: "pump-1", OpenedAt: at.Add(time.Duration(i) * 240 * time.Hour)})
	}
	_, err := maintenance.New(tx).Upsert(ctx, es, false)
	require.NoError(t, err)
	_, _, err = NewService(tx).Train(ctx, at.AddDate(0, 3, 0), Options{})
	var few *TooFewFailuresError
	require.True(t, errors.As(err, &few), "%v", err)
	require.Equal(t, 6, few.Failures)
	require.Contains(t, err.Error(), "at least 20")
	require.Contains(t, err.Error(), "anomaly severity")
}

// TestOlderLayoutIsNoModel: a stored model of an older feature layout is
// not scored with today's features; it is reported as no usable model,
// with what to do.
func TestOlderLayoutIsNoModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	reg := modelreg.New(tx)
	m, err := reg.Register(ctx, modelreg.Model{Name: modelreg.BuiltinRisk, Version: "old", Kind: modelreg.KindBuiltin, Task: modelreg.TaskRisk, Active: true,
		InputSchema: modelreg.Schema{Description: "failure risk, feature layout 1"}})
	require.NoError(t, err)
	old, err := json.Marshal(Trained{Spec: Spec{Version: 1, Codes: []string{"error1"}}})
	require.NoError(t, err)
	require.NoError(t, reg.SetArtifact(ctx, m.ID, old))
	_, err = NewService(tx).Score(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrNoModel)
	require.Contains(t, err.Error(), "older Gemba")
	require.Contains(t, err.Error(), "train it again")
}
