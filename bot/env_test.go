package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/planner"
	"github.com/gemba-ai/gemba/internal/slackfake"
	"github.com/gemba-ai/gemba/rag"
	"github.com/gemba-ai/gemba/tools"
)

const secret = "test-signing-secret"

// env is one test's world: a local Slack, a fresh database with the
// incident store, the real agent (offline planner) over real tools, and
// any number of bot instances sharing them.
type env struct {
	t       testing.TB
	slack   *slackfake.Server
	pool    *pgxpool.Pool
	rag     *rag.Store
	reg     *tools.Registry
	runner  *agent.Runner
	metrics *ops.Metrics
	gate    chan struct{} // when set, forecast_series waits on it
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, slack: slackfake.New(slackfake.WithPingInterval(200 * time.Millisecond)), pool: dbtest.Pool(t), metrics: ops.NewMetrics()}
	t.Cleanup(e.slack.Close)
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	require.NoError(t, err)
	e.rag = rag.New(e.pool, emb, rag.Options{})
	ctx := context.Background()
	for _, d := range []rag.Document{
		{ID: "INC-2024-031", Kind: rag.KindIncident, Title: "Press-3 bearing seizure after rising vibration", Asset: "press-3", Line: "line-2",
			Body: "## Symptom\nVibration on press-3 rose from 4 to 9 mm/s over three days.\n\n## Actions taken\nReplaced the drive-end bearing and re-greased.\n\n## Root cause\nWorn bearing."},
		{ID: "RB-PRESS-07", Kind: rag.KindRunbook, Title: "Press bearing replacement SOP", Asset: "press-3",
			Body: "## Steps\n1. Lock out and tag out press-3.\n2. Replace the bearing.\n3. Check vibration after restart."},
	} {
		_, err := e.rag.Upsert(ctx, d)
		require.NoError(t, err)
	}
	e.reg = tools.NewRegistry(append(tools.Incidents(e.rag), e.forecastTool(), anomalyTool())...)
	e.runner, err = agent.New(agent.Options{Tools: e.reg, Store: agent.NewStore(e.pool), Metrics: e.metrics, Planner: planner.New(planner.Options{})})
	require.NoError(t, err)
	return e
}

// instance is one running bot with its HTTP endpoint.
type instance struct {
	bot  *bot.Bot
	core *conversation.Core
	url  string
	stop func() error
}

// opts shape one instance: the core's options and, for Socket Mode, an
// app token.
type opts struct {
	appToken string
	conversation.Options
}

func (e *env) start(mod ...func(*opts)) *instance {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o := opts{Options: conversation.Options{
		DB: e.pool, Asker: e.runner, Feedback: e.runner, Answers: e.runner.Store(), Incidents: conversation.RAGIncidents{Store: e.rag}, Tools: e.reg,
		Logger: log, Metrics: e.metrics,
		Workers: 4, SweepEvery: time.Hour, DigestEvery: time.Hour, DrainTimeout: 10 * time.Second,
	}}
	for _, m := range mod {
		m(&o)
	}
	core, err := conversation.New(o.Options)
	require.NoError(e.t, err)
	b, err := bot.New(bot.Options{BotToken: "xoxb-test", AppToken: o.appToken, SigningSecret: secret, APIURL: e.slack.URL, Core: core,
		Logger: log, Metrics: e.metrics, Now: o.Now})
	require.NoError(e.t, err)
	srv := httptest.NewServer(b.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- core.Run(ctx) }()
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			for range 2 {
				select {
				case err := <-done:
					runErr = errors.Join(runErr, err)
				case <-time.After(30 * time.Second):
					runErr = errors.Join(runErr, fmt.Errorf("bot did not stop"))
				}
			}
			srv.Close()
		})
		return runErr
	}
	e.t.Cleanup(func() { _ = stop() })
	// Wait until the bot knows who it is (auth.test answered).
	require.NoError(e.t, waitFor(5*time.Second, func() bool { return b.Ready(ctx) == nil || o.appToken != "" }))
	return &instance{bot: b, core: core, url: srv.URL, stop: stop}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// waitFor polls cond on a short ticker until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			return fmt.Errorf("condition not met within %s", timeout)
		case <-tick.C:
		}
	}
	return nil
}

// post sends a signed request to an instance and returns status and body.
func post(t testing.TB, base, path, contentType string, body []byte, at time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range slackfake.Sign(secret, at, body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postEvent(t testing.TB, inst *instance, payload []byte) (int, string) {
	return post(t, inst.url, "/slack/events", "application/json", payload, time.Now())
}

func postCommand(t *testing.T, inst *instance, channel, user, text, trigger string) (int, string) {
	form := url.Values{"command": {"/gemba"}, "text": {text}, "channel_id": {channel}, "user_id": {user}, "team_id": {slackfake.TeamID},
		"trigger_id": {trigger}, "response_url": {"http://127.0.0.1:1/unused"}}
	return post(t, inst.url, "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now())
}

func postInteraction(t *testing.T, inst *instance, payload any) (int, string) {
	b, err := json.Marshal(payload)
	require.NoError(t, err)
	form := url.Values{"payload": {string(b)}}
	return post(t, inst.url, "/slack/interactions", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now())
}

// answered waits until the bot's single reply in the thread holds an
// answer (the placeholder was updated) and returns the thread's replies.
func (e *env) answered(channel, threadTS string) []slackfake.Message {
	e.t.Helper()
	var replies []slackfake.Message
	err := e.slack.Wait(20*time.Second, func(s *slackfake.Server) bool {
		replies = s.BotReplies(channel, threadTS)
		for _, r := range replies {
			if len(r.Blocks) > 0 && strings.Contains(string(r.Blocks), conversation.ActionResolve) {
				return true
			}
		}
		return false
	})
	require.NoError(e.t, err, "no answer in thread %s; replies: %+v", threadTS, replies)
	return replies
}

// settled waits until no delivery is still being processed.
func (e *env) settled() {
	e.t.Helper()
	require.NoError(e.t, waitFor(20*time.Second, func() bool {
		var n int
		_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries WHERE status = 'processing'`).Scan(&n)
		return n == 0
	}))
}

// Test tools: forecast_series and detect_anomalies over a synthetic plant,
// with the charts the real tools produce.

type forecastArgs struct {
	Series  string `json:"series"`
	Horizon int    `json:"horizon,omitempty"`
	Season  int    `json:"season,omitempty"`
}

func (e *env) forecastTool() tools.Tool {
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"series": map[string]any{"type": "string"}, "horizon": map[string]any{"type": "integer"}, "season": map[string]any{"type": "integer"},
	}, "required": []string{"series"}}
	return tools.New("forecast_series", "Forecast a series with 80% and 95% bands.", schema, func(ctx context.Context, a forecastArgs) (tools.Result, error) {
		if e.gate != nil {
			select {
			case <-e.gate:
			case <-ctx.Done():
				return tools.Result{}, ctx.Err()
			}
		}
		if a.Series != "line-2.output" {
			return tools.Result{UserError: fmt.Sprintf("unknown series %q; did you mean line-2.output?", a.Series)}, nil
		}
		h := a.Horizon
		if h == 0 {
			h = 12
		}
		start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC).Unix()
		var ht, ft []int64
		var hv, fv, lo80, hi80, lo95, hi95 []float64
		for i := 0; i < 48; i++ {
			ht = append(ht, start+int64(i)*3600)
			hv = append(hv, 100+10*math.Sin(float64(i)/24*2*math.Pi))
		}
		for i := 1; i <= h; i++ {
			t := ht[47] + int64(i)*3600
			v := 100 + 10*math.Sin(float64(47+i)/24*2*math.Pi)
			w := 2 + 0.3*float64(i)
			ft, fv = append(ft, t), append(fv, v)
			lo80, hi80, lo95, hi95 = append(lo80, v-w), append(hi80, v+w), append(lo95, v-2*w), append(hi95, v+2*w)
		}
		c := chart.Chart{Title: "line-2.output forecast", Unit: "units/h",
			Lines:  []chart.Line{{Name: "history", Times: ht, Values: hv, Style: "history"}, {Name: "forecast", Times: ft, Values: fv, Style: "forecast"}},
			Bands:  []chart.Band{{Name: "80%", Times: ft, Lo: lo80, Hi: hi80}, {Name: "95%", Times: ft, Lo: lo95, Hi: hi95}},
			Cutoff: &chart.Instant{Label: "data cutoff", Time: ht[47]}}
		return tools.Result{Summary: fmt.Sprintf("line-2.output: next %d h forecast %.0f units (80%%: %.0f–%.0f), model holt-winters, MASE 0.71", h, sum(fv), sum(lo80), sum(hi80)),
			Data: map[string]any{"series": a.Series, "horizon": h}, Charts: []chart.Chart{c}}, nil
	})
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

type anomalyArgs struct {
	Series string `json:"series,omitempty"`
	Asset  string `json:"asset,omitempty"`
	Line   string `json:"line,omitempty"`
	Since  string `json:"since,omitempty"`
	Until  string `json:"until,omitempty"`
}

func anomalyTool() tools.Tool {
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"series": map[string]any{"type": "string"}, "asset": map[string]any{"type": "string"}, "line": map[string]any{"type": "string"},
		"since": map[string]any{"type": "string"}, "until": map[string]any{"type": "string"},
	}}
	return tools.New("detect_anomalies", "Anomaly events of an asset or series in a window.", schema, func(ctx context.Context, a anomalyArgs) (tools.Result, error) {
		start := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC).Unix()
		var ts []int64
		var vs []float64
		for i := 0; i < 120; i++ {
			ts = append(ts, start+int64(i)*60)
			v := 4.1
			if i >= 70 && i < 115 {
				v = 9.3
			}
			vs = append(vs, v)
		}
		c := chart.Chart{Title: "press-3 vibration", Unit: "mm/s", Lines: []chart.Line{{Name: "vibration", Times: ts, Values: vs}},
			Marks: []chart.Mark{{Label: "anomaly", Start: ts[70], End: ts[114]}}}
		return tools.Result{Summary: "1 anomaly event on press-3 vibration 06:10–06:55, peak 9.3 mm/s (score 0.97)",
			Data:   map[string]any{"events": []map[string]any{{"asset": "press-3", "series": "press-3.vibration", "start": "2026-11-27T06:10:00Z", "peak": 9.3, "score": 0.97}}},
			Charts: []chart.Chart{c}}, nil
	})
}
