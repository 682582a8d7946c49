// Package ops holds what operators watch: Prometheus metrics for every stage
// of an answer, and the /healthz and /readyz handlers. Components receive a
// *Metrics (nil-safe) instead of reaching for global collectors.
package ops

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are Gemba's Prometheus collectors, on a registry of their own.
type Metrics struct {
	reg *prometheus.Registry

	// Stage observes durations per stage: ack, retrieval, tool, llm, answer, digest.
	Stage *prometheus.HistogramVec
	// Tool observes each tool call's duration by tool name.
	Tool *prometheus.HistogramVec
	// Questions counts questions by source (slack, console, cli) and mode (llm, offline).
	Questions *prometheus.CounterVec
	// ToolErrors counts tool calls that failed, by tool.
	ToolErrors *prometheus.CounterVec
	// LLMTokens counts tokens by direction (prompt, completion).
	LLMTokens *prometheus.CounterVec
	// DedupeHits counts Slack deliveries dropped as duplicates.
	DedupeHits prometheus.Counter
	// DigestPosts counts digests posted.
	DigestPosts prometheus.Counter
	// SlackEvents counts events received by type.
	SlackEvents *prometheus.CounterVec
	// DBRetries counts statements or transactions run again after
	// PostgreSQL aborted them for a conflict with another transaction
	// (deadlock or serialization failure), by operation.
	DBRetries *prometheus.CounterVec
	// Alerts counts proactive alerts raised, by whether a channel was
	// told (posted) or none could be (quiet hours, no channel).
	Alerts *prometheus.CounterVec

	// ConnectorMessages counts messages (MQTT) or notifications (OPC UA)
	// received, by connector.
	ConnectorMessages *prometheus.CounterVec
	// ConnectorPoints counts points committed to the series store.
	ConnectorPoints *prometheus.CounterVec
	// ConnectorErrors counts failures by connector and kind (connect,
	// payload, unmapped, series, write, status).
	ConnectorErrors *prometheus.CounterVec
	// ConnectorReconnects counts lost connections that were re-established.
	ConnectorReconnects *prometheus.CounterVec
	// ConnectorLag observes the time from a message's arrival to the
	// commit of its points.
	ConnectorLag *prometheus.HistogramVec
	// ConnectorQueue is the number of points held in memory.
	ConnectorQueue *prometheus.GaugeVec
	// ConnectorConnected is 1 while a connector has a live session.
	ConnectorConnected *prometheus.GaugeVec
}

// NewMetrics builds the collectors (plus Go and process collectors).
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	buckets := []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m := &Metrics{
		reg: reg,
		Stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gemba_stage_duration_seconds", Help: "Duration of each stage of handling a question.", Buckets: buckets,
		}, []string{"stage"}),
		Tool: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gemba_tool_duration_seconds", Help: "Duration of each tool call.", Buckets: buckets,
		}, []string{"tool"}),
		Questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_questions_total", Help: "Questions answered, by source and mode.",
		}, []string{"source", "mode"}),
		ToolErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_tool_errors_total", Help: "Tool calls that returned an error.",
		}, []string{"tool"}),
		LLMTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_llm_tokens_total", Help: "LLM tokens used, by direction.",
		}, []string{"direction"}),
		DedupeHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gemba_slack_dedupe_hits_total", Help: "Slack deliveries dropped as duplicates.",
		}),
		DigestPosts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gemba_digest_posts_total", Help: "Digests posted.",
		}),
		SlackEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_slack_events_total", Help: "Slack events received, by type.",
		}, []string{"type"}),
		DBRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_db_conflict_retries_total", Help: "Database work retried after a deadlock or serialization failure, by operation.",
		}, []string{"op"}),
		Alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_alerts_total", Help: "Proactive alerts raised, by whether a channel was told.",
		}, []string{"posted"}),
		ConnectorMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_connector_messages_total", Help: "Messages or notifications received by live data connectors.",
		}, []string{"connector"}),
		ConnectorPoints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_connector_points_total", Help: "Points committed to the series store by live data connectors.",
		}, []string{"connector"}),
		ConnectorErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_connector_errors_total", Help: "Live data connector failures, by kind (connect, payload, unmapped, series, write, status).",
		}, []string{"connector", "kind"}),
		ConnectorReconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemba_connector_reconnects_total", Help: "Connections of live data connectors re-established after a loss.",
		}, []string{"connector"}),
		ConnectorLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gemba_connector_lag_seconds", Help: "Time from a message's arrival to the commit of its points.", Buckets: buckets,
		}, []string{"connector"}),
		ConnectorQueue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gemba_connector_queue_points", Help: "Points a live data connector holds in memory (queued or being written).",
		}, []string{"connector"}),
		ConnectorConnected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gemba_connector_connected", Help: "1 while a live data connector has a live session.",
		}, []string{"connector"}),
	}
	reg.MustRegister(m.Stage, m.Tool, m.Questions, m.ToolErrors, m.LLMTokens, m.DedupeHits, m.DigestPosts, m.SlackEvents, m.DBRetries, m.Alerts,
		m.ConnectorMessages, m.ConnectorPoints, m.ConnectorErrors, m.ConnectorReconnects, m.ConnectorLag, m.ConnectorQueue, m.ConnectorConnected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveStage records how long a stage took; safe on a nil *Metrics.
func (m *Metrics) ObserveStage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.Stage.WithLabelValues(stage).Observe(d.Seconds())
}

// ObserveTool records one tool call; safe on a nil *Metrics.
func (m *Metrics) ObserveTool(tool string, d time.Duration, failed bool) {
	if m == nil {
		return
	}
	m.Tool.WithLabelValues(tool).Observe(d.Seconds())
	m.Stage.WithLabelValues("tool").Observe(d.Seconds())
	if failed {
		m.ToolErrors.WithLabelValues(tool).Inc()
	}
}

// CountQuestion counts one answered question; safe on a nil *Metrics.
func (m *Metrics) CountQuestion(source, mode string) {
	if m == nil {
		return
	}
	m.Questions.WithLabelValues(source, mode).Inc()
}

// CountTokens adds LLM token use; safe on a nil *Metrics.
func (m *Metrics) CountTokens(prompt, completion int) {
	if m == nil {
		return
	}
	m.LLMTokens.WithLabelValues("prompt").Add(float64(prompt))
	m.LLMTokens.WithLabelValues("completion").Add(float64(completion))
}

// CountDedupe counts a duplicate delivery; safe on a nil *Metrics.
func (m *Metrics) CountDedupe() {
	if m == nil {
		return
	}
	m.DedupeHits.Inc()
}

// CountDigest counts a posted digest; safe on a nil *Metrics.
func (m *Metrics) CountDigest() {
	if m == nil {
		return
	}
	m.DigestPosts.Inc()
}

// CountEvent counts a received Slack event; safe on a nil *Metrics.
func (m *Metrics) CountEvent(typ string) {
	if m == nil {
		return
	}
	m.SlackEvents.WithLabelValues(typ).Inc()
}

// CountDBRetry counts one retry of op after a database conflict; safe on
// a nil *Metrics.
func (m *Metrics) CountDBRetry(op string) {
	if m == nil {
		return
	}
	m.DBRetries.WithLabelValues(op).Inc()
}

// CountConnectorMessages counts n messages received by connector; safe on
// a nil *Metrics.
func (m *Metrics) CountConnectorMessages(connector string, n int) {
	if m == nil {
		return
	}
	m.ConnectorMessages.WithLabelValues(connector).Add(float64(n))
}

// CountConnectorPoints counts n points committed by connector; safe on a
// nil *Metrics.
func (m *Metrics) CountConnectorPoints(connector string, n int) {
	if m == nil {
		return
	}
	m.ConnectorPoints.WithLabelValues(connector).Add(float64(n))
}

// CountConnectorError counts one failure of kind; safe on a nil *Metrics.
func (m *Metrics) CountConnectorError(connector, kind string) {
	if m == nil {
		return
	}
	m.ConnectorErrors.WithLabelValues(connector, kind).Inc()
}

// CountConnectorReconnect counts one re-established connection; safe on a
// nil *Metrics.
func (m *Metrics) CountConnectorReconnect(connector string) {
	if m == nil {
		return
	}
	m.ConnectorReconnects.WithLabelValues(connector).Inc()
}

// ObserveConnectorLag records one message's arrival-to-commit time; safe
// on a nil *Metrics.
func (m *Metrics) ObserveConnectorLag(connector string, d time.Duration) {
	if m == nil {
		return
	}
	m.ConnectorLag.WithLabelValues(connector).Observe(d.Seconds())
}

// SetConnectorQueue sets the points connector holds in memory; safe on a
// nil *Metrics.
func (m *Metrics) SetConnectorQueue(connector string, points int) {
	if m == nil {
		return
	}
	m.ConnectorQueue.WithLabelValues(connector).Set(float64(points))
}

// SetConnectorConnected records whether connector has a live session; safe
// on a nil *Metrics.
func (m *Metrics) SetConnectorConnected(connector string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.ConnectorConnected.WithLabelValues(connector).Set(v)
}

// CountAlert counts one raised alert; safe on a nil *Metrics.
func (m *Metrics) CountAlert(posted bool) {
	if m == nil {
		return
	}
	m.Alerts.WithLabelValues(strconv.FormatBool(posted)).Inc()
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
