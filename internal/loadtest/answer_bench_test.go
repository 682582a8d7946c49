package loadtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/loadtest"
	"github.com/gemba-ai/gemba/internal/modelreg"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

// BenchmarkAnswerPath answers the load test's questions in process on the
// seeded demo plant, the way `gemba serve` does minus Slack: the agent
// with the scripted model (three tools per answer: detect_anomalies on the
// asset over 24 h, search_incidents, compare_to_plan), the tools on
// PostgreSQL and the audit writes. It reports CPU time per answer, of this
// process (agent, tools, the scripted model's HTTP server) and of the
// PostgreSQL backends, with the predictive tools' cache off and on:
//
//	go test -run '^$' -bench BenchmarkAnswerPath -benchtime 60x ./loadtest/
func BenchmarkAnswerPath(b *testing.B) {
	ctx := context.Background()
	url := dbtest.NewDatabase(b)
	seed(b, url)
	pool, err := db.Open(ctx, url, db.Options{MaxConns: 8})
	require.NoError(b, err)
	defer pool.Close()
	srv := llmtest.NewServer()
	defer srv.Close()
	srv.Respond(loadtest.ScriptedAnswer)
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", BaseURL: srv.URL, APIKey: srv.Token, Model: "scripted"}, nil)
	require.NoError(b, err)
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	require.NoError(b, err)
	docs := rag.New(pool, emb, rag.Options{})
	questions := loadtest.Questions()

	for _, c := range []struct {
		name string
		opts tools.PredictiveOptions
	}{
		{"uncached", tools.PredictiveOptions{CacheSize: -1}},
		{"cached", tools.PredictiveOptions{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			reg := tools.NewRegistry(append(tools.PredictiveWith(series.New(pool), modelreg.New(pool), c.opts), tools.Incidents(docs)...)...)
			r, err := agent.New(agent.Options{Model: model, ModelName: "scripted", Tools: reg, Store: agent.NewStore(pool), Docs: docs})
			require.NoError(b, err)
			meter := loadtest.StartCPU(ctx, url)
			i := 0
			for b.Loop() {
				i++
				ans, err := r.Ask(ctx, agent.Request{
					ThreadKey: fmt.Sprintf("bench:%s:%d", c.name, i), Channel: "CBENCH", UserID: "UBENCH",
					Question: questions[i%len(questions)],
				})
				require.NoError(b, err)
				require.Len(b, ans.Trace, 3, "three tools per answer")
				for _, tr := range ans.Trace {
					require.Empty(b, tr.Error, tr.Tool)
				}
			}
			process, postgres := meter.Stop(ctx)
			n := float64(b.N)
			b.ReportMetric(float64(process)/float64(time.Millisecond)/n, "cpu-ms/answer")
			b.ReportMetric(float64(postgres)/float64(time.Millisecond)/n, "pg-cpu-ms/answer")
		})
	}
}
