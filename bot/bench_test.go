package bot_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/config"
	"github.com/gemba-ai/gemba/internal/llmtest"
	"github.com/gemba-ai/gemba/internal/slackfake"
)

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkAck50Concurrent measures how fast the HTTP transport acks when
// 50 signed events arrive at once on loopback (each ack writes the delivery
// to Postgres first): "mentions" while the workers answer them, "ignored"
// with plain channel messages that need no answer (the ack path alone).
func BenchmarkAck50Concurrent(b *testing.B) {
	for _, kind := range []string{"mentions", "ignored"} {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b)
			inst := e.start()
			var mu sync.Mutex
			var lat []time.Duration
			n := 0
			for b.Loop() {
				var wg sync.WaitGroup
				for range 50 {
					n++
					m := slackfake.Message{Channel: "CB", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing?", TS: fmt.Sprintf("1764100000.%06d", n)}
					ev := slackfake.Mention(m)
					if kind == "ignored" {
						m.Text = "shift change at six"
						ev = slackfake.MessageEvent(m, "channel")
					}
					payload := slackfake.EventPayload(fmt.Sprintf("EvBench%d", n), ev)
					wg.Go(func() {
						start := time.Now()
						code, _ := postEvent(b, inst, payload)
						d := time.Since(start)
						if code != http.StatusOK {
							b.Errorf("status %d", code)
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ack-ms")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ack-ms")
		})
	}
}

// BenchmarkMentionToAnswer measures the time from a mention to the answer
// in the thread, through the real agent with a scripted LLM that answers at
// once (one tool call, then the final answer).
func BenchmarkMentionToAnswer(b *testing.B) {
	e := newEnv(b)
	llm := llmtest.NewServer()
	b.Cleanup(llm.Close)
	llm.Respond(func(r llmtest.Request) llmtest.Reply {
		if len(r.ByRole("tool")) == 0 {
			return llmtest.CallTools(llmtest.Call("search_incidents", `{"query":"press-3 bearing vibration"}`))
		}
		return llmtest.Final(`{"situation":"Vibration on press-3 matches INC-2024-031.","cause":"Bearing wear.","steps":[{"text":"Check the bearing temperature.","reason":"INC-2024-031 started the same way.","citations":["INC-2024-031"]}],"confidence":"medium"}`)
	})
	model, err := agent.NewModel(config.LLMConfig{Provider: "openai", Model: "scripted", BaseURL: llm.URL, APIKey: llm.Token, Timeout: 10 * time.Second}, nil)
	require.NoError(b, err)
	runner, err := agent.New(agent.Options{Model: model, ModelName: "scripted", Tools: e.reg, Store: agent.NewStore(e.pool)})
	require.NoError(b, err)
	inst := e.start(func(o *opts) { o.Asker = runner })
	n := 0
	var lat []time.Duration
	for b.Loop() {
		n++
		q := e.slack.AddMessage(slackfake.Message{Channel: "CE", User: "U1", Text: "<@" + slackfake.BotUserID + "> why is press-3 vibrating?"})
		start := time.Now()
		postEvent(b, inst, slackfake.EventPayload(fmt.Sprintf("EvE2E%d", n), slackfake.Mention(q)))
		e.answered("CE", q.TS)
		lat = append(lat, time.Since(start))
	}
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-answer-ms")
	b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-answer-ms")
}

// BenchmarkSocketAck50Concurrent measures Socket Mode: 50 envelopes written
// to the websocket at once, timed from the write to the bot's ack.
func BenchmarkSocketAck50Concurrent(b *testing.B) {
	e := newEnv(b)
	e.start(func(o *opts) { o.appToken = "xapp-test" })
	require.NoError(b, e.slack.WaitConnections(10*time.Second, 1))
	var mu sync.Mutex
	var lat []time.Duration
	n := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for range 50 {
			n++
			m := slackfake.Message{Channel: "CSB", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3 bearing?", TS: fmt.Sprintf("1764200000.%06d", n)}
			payload := slackfake.EventPayload(fmt.Sprintf("EvSB%d", n), slackfake.Mention(m))
			wg.Go(func() {
				start := time.Now()
				id, err := e.slack.Deliver(0, slackfake.EnvelopeEvents, payload, 0)
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := e.slack.WaitAck(10*time.Second, id); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ack-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ack-ms")
}

// BenchmarkAckOne measures one signed app_mention at a time: the ack's own
// cost (verify, decode, record in Postgres) without queueing behind others.
func BenchmarkAckOne(b *testing.B) {
	e := newEnv(b)
	inst := e.start()
	n := 0
	var lat []time.Duration
	for b.Loop() {
		n++
		m := slackfake.Message{Channel: "C1B", User: "U1", Text: "<@" + slackfake.BotUserID + "> press-3?", TS: fmt.Sprintf("1764300000.%06d", n)}
		payload := slackfake.EventPayload(fmt.Sprintf("EvOne%d", n), slackfake.Mention(m))
		start := time.Now()
		if code, _ := postEvent(b, inst, payload); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
		lat = append(lat, time.Since(start))
	}
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ack-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ack-ms")
}
