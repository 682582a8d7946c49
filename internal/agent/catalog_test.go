package agent_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/agent/agenttest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// plantReader is a planner that only reads the plant the runner gives it.
type plantReader struct{ got *plant.Plant }

func (p *plantReader) Plan(ctx context.Context, in agent.PlanInput) (*agent.Answer, error) {
	pl, err := in.Tools.Plant(ctx)
	p.got = pl
	return &agent.Answer{Situation: "read", Text: "read"}, err
}

// TestLongCatalogWithoutLines: an imported plant of 70 machines × 2
// sensors on no line (the Azure PdM shape) is more than a page of
// list_series and more than a page per kind; the planner still knows
// every machine (the catalog is read page by page).
func TestLongCatalogWithoutLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := series.New(dbtest.Pool(t))
	for m := 1; m <= 70; m++ {
		for _, s := range []string{"rotate", "volt"} {
			_, err := st.Upsert(ctx, series.Series{Name: fmt.Sprintf("machine-%d.%s", m, s), Asset: fmt.Sprintf("machine-%d", m), Sensor: s, Interval: time.Hour})
			require.NoError(t, err)
		}
	}
	pr := &plantReader{}
	r, err := agent.New(agent.Options{Tools: tools.NewRegistry(tools.Predictive(st, nil, func() time.Time { return agenttest.Now })...),
		Docs: agenttest.DocIndex{}, Planner: pr, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return agenttest.Now }})
	require.NoError(t, err)
	_, err = r.Ask(ctx, agent.Request{Question: "how did machine-57 behave in March 2015?"})
	require.NoError(t, err)
	require.NotNil(t, pr.got)
	require.Len(t, pr.got.AssetNames(), 70)
	_, ok := pr.got.Asset("machine-57")
	require.True(t, ok)
}
