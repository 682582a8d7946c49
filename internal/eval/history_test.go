package eval

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/planner"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// pdmSlice is the committed slice of the Azure PdM telemetry the history
// set is asked over.
const pdmSlice = "../../deploy/examples/azure_pdm/slice/PdM_telemetry.csv"

// TestHistoryEvalSetIsDev: the history set is well formed and, for now,
// all in the dev split.
func TestHistoryEvalSetIsDev(t *testing.T) {
	t.Parallel()
	cases, err := LoadHistory()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cases), 10)
	for _, c := range cases {
		require.Equal(t, SplitDev, Split(c), c.ID)
	}
	clk := Clock{Now: time.Date(2026, 3, 4, 1, 20, 0, 0, time.UTC), Location: plantLocation()}
	at, err := clk.At("date:2015-03-18")
	require.NoError(t, err)
	require.Equal(t, "2015-03-18 00:00 +0900", at.Format("2006-01-02 15:04 -0700"))
	at, err = clk.At("date:2015-03-18@06:00")
	require.NoError(t, err)
	require.Equal(t, "2015-03-18 06:00", at.Format("2006-01-02 15:04"))
}

// TestHistoryEval asks the history set through the offline planner on the
// PdM slice imported as a user would (entity form), at today's eval
// moment, years after the data ends; every expected behaviour must hold.
func TestHistoryEval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	f, err := os.Open(pdmSlice)
	require.NoError(t, err)
	_, err = series.New(pool).Import(ctx, f, series.ImportOptions{Entity: "machineID"})
	require.NoError(t, f.Close())
	require.NoError(t, err)
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	require.NoError(t, err)
	docs := rag.New(pool, emb, rag.Options{Logger: slog.New(slog.DiscardHandler)})
	now := evalNow(time.Now())
	nowFn := func() time.Time { return now }
	r, err := agent.New(agent.Options{
		ModelName: "offline", Tools: tools.NewRegistry(append(tools.Predictive(series.New(pool), nil, nowFn), tools.Incidents(docs)...)...),
		Store: agent.NewStore(pool), Docs: docs, Planner: planner.New(planner.Options{}), Plant: plant.DemoDefaults(),
		Logger: slog.New(slog.DiscardHandler), Now: nowFn,
	})
	require.NoError(t, err)
	cases, err := LoadHistory()
	require.NoError(t, err)
	clk, err := PlantClock(now, plant.DemoDefaults())
	require.NoError(t, err)
	rep := Run(ctx, r, cases, Options{RunID: fmt.Sprint(time.Now().UnixNano()), Clock: clk})
	var buf bytes.Buffer
	require.NoError(t, WriteText(&buf, rep, WriteOptions{}))
	t.Log("\n" + buf.String())
	dev := rep.Splits[SplitDev]
	require.Zero(t, dev.Errors)
	require.Zero(t, dev.UnsupportedSteps)
	require.GreaterOrEqual(t, dev.NumericGrounding, 0.97)
	require.GreaterOrEqual(t, dev.Behaviours, historyFloor)
}

// historyFloor is the share of the history set's behaviours that must
// hold (where the cases were when they were written; see the README).
const historyFloor = 1.0
