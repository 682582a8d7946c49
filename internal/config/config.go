// Package config loads Gemba's configuration from GEMBA_* environment
// variables. It is read once in the composition root (cli) and passed down;
// no other package reads the environment. Missing Slack or LLM settings are
// not errors: they select local and offline mode.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole of Gemba's configuration.
type Config struct {
	// DatabaseURL is the PostgreSQL connection string (GEMBA_DATABASE_URL).
	DatabaseURL string
	// DBMaxConns caps the pool size (GEMBA_DB_MAX_CONNS).
	DBMaxConns int
	// HTTPAddr is where the HTTP server listens: Slack HTTP transport,
	// console, /healthz, /readyz and /metrics (GEMBA_HTTP_ADDR).
	HTTPAddr string
	// ConsoleToken protects the local console when it is bound to a
	// non-loopback address (GEMBA_CONSOLE_TOKEN).
	ConsoleToken string
	// MetricsToken, when set, is required as a bearer token on /metrics
	// (GEMBA_METRICS_TOKEN); unset, /metrics is open like the probes.
	MetricsToken string
	// LogLevel is debug, info, warn or error (GEMBA_LOG_LEVEL).
	LogLevel string
	// LogFormat is json or text (GEMBA_LOG_FORMAT).
	LogFormat string
	// ShutdownTimeout bounds a graceful stop (GEMBA_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// MigrateOnStart applies migrations when the server starts (GEMBA_MIGRATE_ON_START).
	MigrateOnStart bool

	Slack SlackConfig
	LLM   LLMConfig
	Embed EmbedConfig
	Agent AgentConfig
	MCP   MCPConfig
	// Series configures the series store (retention, the plant's time-series database).
	Series SeriesConfig

	// Connectors are the live data sources (MQTT, OPC UA) that `gemba
	// serve` runs (GEMBA_CONNECTORS, usually GEMBA_CONNECTORS_FILE).
	Connectors []Connector

	Alerts AlertConfig

	// effective holds each variable's value as read (after _FILE and
	// defaults), so that Redacted shows exactly what was configured.
	effective map[string]string
}

// SlackConfig holds the Slack app's credentials and endpoint.
type SlackConfig struct {
	BotToken      string // GEMBA_SLACK_BOT_TOKEN (xoxb-…)
	AppToken      string // GEMBA_SLACK_APP_TOKEN (xapp-…, Socket Mode)
	SigningSecret string // GEMBA_SLACK_SIGNING_SECRET (HTTP transport)
	APIURL        string // GEMBA_SLACK_API_URL, must end in "/"
	Workers       int    // GEMBA_SLACK_WORKERS: size of the worker pool
	UserRate      int    // GEMBA_SLACK_USER_RATE: questions per user per minute
	// Lease is how long a replica owns a delivery it claimed before another
	// replica may take it over (GEMBA_SLACK_LEASE).
	Lease time.Duration
	// Who may ask for forecasts and change digest schedules: channel ids,
	// user ids or user group ids; empty means everyone
	// (GEMBA_SLACK_FORECAST_CHANNELS, _FORECAST_USERS, _DIGEST_CHANNELS, _DIGEST_USERS).
	ForecastChannels, ForecastUsers, DigestChannels, DigestUsers []string
	// FollowUpAfter is when Gemba asks in a thread whether its steps helped
	// (GEMBA_SLACK_FOLLOW_UP_AFTER).
	FollowUpAfter time.Duration
}

// AlertConfig configures proactive alerts on new anomaly events.
type AlertConfig struct {
	// Enabled turns them on (GEMBA_ALERTS).
	Enabled bool
	// Channels receive an asset's alerts when no channel is bound to it or
	// its line (GEMBA_ALERT_CHANNELS): Slack channel ids, or
	// source:channel such as console:shop-floor.
	Channels []string
	// Cooldown is the least time between two alerts on one asset (GEMBA_ALERT_COOLDOWN).
	Cooldown time.Duration
	// EscalateAfter is when an unacknowledged alert is escalated in its
	// thread (GEMBA_ALERT_ESCALATE_AFTER; 0 never).
	EscalateAfter time.Duration
	// Confirm is "alarm" (default: on an asset whose alarm log Gemba
	// reads, an event is posted once an alarm the machine logged confirms
	// it) or "none" (every event is posted) (GEMBA_ALERT_CONFIRM).
	Confirm string
}

// Enabled reports whether a Slack workspace is configured.
func (s SlackConfig) Enabled() bool { return s.BotToken != "" }

// SocketMode reports whether the Socket Mode transport should be used.
func (s SlackConfig) SocketMode() bool { return s.BotToken != "" && s.AppToken != "" }

// LLMConfig selects the chat model provider.
type LLMConfig struct {
	Provider   string        // GEMBA_LLM_PROVIDER: openai, azure, anthropic, or "" (offline)
	Model      string        // GEMBA_LLM_MODEL
	BaseURL    string        // GEMBA_LLM_BASE_URL (OpenAI-compatible servers: …/v1)
	APIKey     string        // GEMBA_LLM_API_KEY
	APIVersion string        // GEMBA_LLM_API_VERSION (Azure)
	Timeout    time.Duration // GEMBA_LLM_TIMEOUT: one model call
	MaxRetries int           // GEMBA_LLM_MAX_RETRIES
}

// Enabled reports whether an LLM is configured; when not, Gemba answers offline.
func (l LLMConfig) Enabled() bool { return l.Provider != "" }

// EmbedConfig selects the embedding provider.
type EmbedConfig struct {
	Provider string // GEMBA_EMBED_PROVIDER: local (default), openai, azure, ollama
	Model    string // GEMBA_EMBED_MODEL
	BaseURL  string // GEMBA_EMBED_BASE_URL
	APIKey   string // GEMBA_EMBED_API_KEY
	Dim      int    // GEMBA_EMBED_DIM: dimension of the local embedder
}

// AgentConfig bounds one agent turn.
type AgentConfig struct {
	MaxSteps    int           // GEMBA_AGENT_MAX_STEPS
	Deadline    time.Duration // GEMBA_AGENT_DEADLINE: a whole answer
	ToolTimeout time.Duration // GEMBA_AGENT_TOOL_TIMEOUT: one tool call
}

// SeriesConfig sizes the embedded time-series store and names the plant's
// own time-series database.
type SeriesConfig struct {
	// RawRetention is how long raw points are kept; 0 keeps them
	// (GEMBA_SERIES_RAW_RETENTION).
	RawRetention time.Duration
	// MinuteRetention is how long minute rollups are kept; 0 keeps them
	// (GEMBA_SERIES_MINUTE_RETENTION). Hour rollups are always kept.
	MinuteRetention time.Duration
	// Sources is the file mapping plant series to the plant's
	// Prometheus-compatible database (GEMBA_SERIES_SOURCES); empty: none.
	Sources string
}

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Secret  bool
	Help    string
}

// Vars lists every environment variable Gemba reads, in README order.
var Vars = []Var{
	{"GEMBA_DATABASE_URL", "postgres:///gemba", true, "PostgreSQL connection URL (with pgvector). The default uses the local socket and your OS user."},
	{"GEMBA_DB_MAX_CONNS", "10", false, "Maximum connections in the pool."},
	{"GEMBA_HTTP_ADDR", "127.0.0.1:8080", false, "Listen address of the HTTP server (console, /slack/*, /healthz, /readyz, /metrics). Set but blank is an error, not \"every interface\"."},
	{"GEMBA_CONSOLE_TOKEN", "", true, "Token required by the console when GEMBA_HTTP_ADDR is not a loopback address."},
	{"GEMBA_METRICS_TOKEN", "", true, "Bearer token required on /metrics. Unset: /metrics is open (counts and latencies only; see deploy/README.md \"Threat model\")."},
	{"GEMBA_LOG_LEVEL", "info", false, "debug, info, warn or error."},
	{"GEMBA_LOG_FORMAT", "json", false, "json or text."},
	{"GEMBA_SHUTDOWN_TIMEOUT", "20s", false, "How long a graceful stop may take."},
	{"GEMBA_MIGRATE_ON_START", "true", false, "Apply migrations (under an advisory lock) when the server starts."},
	{"GEMBA_SLACK_BOT_TOKEN", "", true, "Bot token (xoxb-…). Unset: no Slack, local console only."},
	{"GEMBA_SLACK_APP_TOKEN", "", true, "App-level token (xapp-…). Set: Socket Mode transport."},
	{"GEMBA_SLACK_SIGNING_SECRET", "", true, "Signing secret for the HTTP transport (/slack/events, /slack/interactions, /slack/commands)."},
	{"GEMBA_SLACK_API_URL", "https://slack.com/api/", false, "Slack Web API base URL (ends in /); tests and staging point it at a local server."},
	{"GEMBA_SLACK_WORKERS", "8", false, "Size of the worker pool that answers questions."},
	{"GEMBA_SLACK_USER_RATE", "10", false, "Questions per user per minute before a friendly refusal (0: no limit)."},
	{"GEMBA_SLACK_FORECAST_CHANNELS", "", false, "Comma-separated channel ids where forecasts may be asked (empty: all)."},
	{"GEMBA_SLACK_FORECAST_USERS", "", false, "Comma-separated user or user-group ids who may ask for forecasts (empty: everyone)."},
	{"GEMBA_SLACK_DIGEST_CHANNELS", "", false, "Comma-separated channel ids whose digest schedules may be changed (empty: all)."},
	{"GEMBA_SLACK_DIGEST_USERS", "", false, "Comma-separated user or user-group ids who may change digest schedules (empty: everyone)."},
	{"GEMBA_SLACK_FOLLOW_UP_AFTER", "4h", false, "When Gemba asks in a thread whether its steps helped (the answer is recorded on the cited incidents)."},
	{"GEMBA_SLACK_LEASE", "3m", false, "How long a replica owns a delivery it claimed; a crashed replica's work is taken over by another after it. Keep it longer than GEMBA_AGENT_DEADLINE."},
	{"GEMBA_LLM_PROVIDER", "", false, "openai, azure, anthropic (openai also covers vLLM, llama.cpp, Ollama /v1). Unset: offline planner."},
	{"GEMBA_LLM_MODEL", "", false, "Chat model name (required with a provider; for azure, the deployment)."},
	{"GEMBA_LLM_BASE_URL", "", false, "Base URL for OpenAI-compatible servers, ending in /v1; Azure endpoint for azure."},
	{"GEMBA_LLM_API_KEY", "", true, "API key (any non-empty value for local servers)."},
	{"GEMBA_LLM_API_VERSION", "2024-06-01", false, "Azure OpenAI API version."},
	{"GEMBA_LLM_TIMEOUT", "60s", false, "Deadline of one model call."},
	{"GEMBA_LLM_MAX_RETRIES", "2", false, "Retries with backoff on 429 and 5xx before falling back to offline mode."},
	{"GEMBA_EMBED_PROVIDER", "local", false, "local (built-in, no network; Korean and English through the bilingual vocabulary), openai (also OpenAI-compatible servers: vLLM, TEI, llama.cpp, Ollama /v1), azure (uses GEMBA_LLM_API_VERSION) or ollama (native /api/embed). After a change run `gemba rag reembed`."},
	{"GEMBA_EMBED_MODEL", "", false, "Embedding model for openai/ollama; for Korean plants a multilingual one such as bge-m3 or multilingual-e5 (e5's query:/passage: instructions are added by Gemba)."},
	{"GEMBA_EMBED_BASE_URL", "", false, "Base URL of the embedding server: ending in /v1 for openai, e.g. http://host:11434 for ollama."},
	{"GEMBA_EMBED_API_KEY", "", true, "API key of the embedding provider."},
	{"GEMBA_EMBED_DIM", "384", false, "Dimension of the local embedder."},
	{"GEMBA_AGENT_MAX_STEPS", "6", false, "Model calls per answer before the agent stops."},
	{"GEMBA_AGENT_DEADLINE", "90s", false, "Deadline of one whole answer."},
	{"GEMBA_AGENT_TOOL_TIMEOUT", "15s", false, "Deadline of one tool call."},
	{"GEMBA_MCP_TOKEN", "", true, "Bearer token required on /mcp (Gemba's tools for MCP clients). Unset: /mcp answers only when GEMBA_HTTP_ADDR is a loopback address."},
	{"GEMBA_CONNECTORS", "", true, "Live data connectors (MQTT brokers, OPC UA servers) and how their topics or nodes map to series: YAML, usually in a file named by GEMBA_CONNECTORS_FILE. Passwords are read from password_file. See README \"Live data\"."},
	{"GEMBA_ALERTS", "true", false, "Post an alert when a new anomaly event starts on an asset (to the channels bound to it or its line, else GEMBA_ALERT_CHANNELS)."},
	{"GEMBA_ALERT_CHANNELS", "", false, "Comma-separated channels for alerts on assets no channel is bound to: Slack channel ids, or source:channel such as console:shop-floor."},
	{"GEMBA_ALERT_COOLDOWN", "30m", false, "Least time between two alerts on one asset."},
	{"GEMBA_ALERT_ESCALATE_AFTER", "30m", false, "When an alert nobody acknowledged is escalated in its thread (@here); 0 never."},
	{"GEMBA_ALERT_CONFIRM", "alarm", false, "alarm: on an asset with alarms on record, post an event once an alarm the machine logged confirms it (while it runs or within a day after); none: post every event."},
	{"GEMBA_MCP_SERVERS", "", true, "External MCP servers whose tools the LLM agent may call: a YAML or JSON list (name, command or url, tools, timeout), usually in a file named by GEMBA_MCP_SERVERS_FILE. See README \"MCP\"."},
	{"GEMBA_SERIES_RAW_RETENTION", "0", false, "How long raw points are kept (e.g. 30d, 12w, 720h; 0 keeps them). Older points live on in the minute and hour rollups; writes older than this are refused."},
	{"GEMBA_SERIES_MINUTE_RETENTION", "0", false, "How long minute rollups are kept (0 keeps them; at least GEMBA_SERIES_RAW_RETENTION). Hour rollups are always kept."},
	{"GEMBA_SERIES_SOURCES", "", false, "YAML file mapping plant series to the plant's Prometheus-compatible database (Prometheus, VictoriaMetrics, Thanos, Mimir); see internal/series/prom/example.yaml. Empty: every series lives in Gemba's store."},
}

// Getenv is the environment lookup used by Load; os.LookupEnv in production.
type Getenv func(string) (string, bool)

// ValidationError lists every bad or missing value found by Load.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "config: invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (*Config, error) { return Load(os.LookupEnv) }

// Load reads every variable through get, applies defaults and _FILE
// variants, and validates the result. All problems are reported at once in
// a *ValidationError.
func Load(get Getenv) (*Config, error) {
	l := loader{get: get}
	c := &Config{
		DatabaseURL:     l.str("GEMBA_DATABASE_URL"),
		DBMaxConns:      l.int("GEMBA_DB_MAX_CONNS", 1),
		HTTPAddr:        l.str("GEMBA_HTTP_ADDR"),
		ConsoleToken:    l.str("GEMBA_CONSOLE_TOKEN"),
		MetricsToken:    l.str("GEMBA_METRICS_TOKEN"),
		LogLevel:        l.oneOf("GEMBA_LOG_LEVEL", "debug", "info", "warn", "error"),
		LogFormat:       l.oneOf("GEMBA_LOG_FORMAT", "json", "text"),
		ShutdownTimeout: l.dur("GEMBA_SHUTDOWN_TIMEOUT"),
		MigrateOnStart:  l.bool("GEMBA_MIGRATE_ON_START"),
		Slack: SlackConfig{
			BotToken:         l.str("GEMBA_SLACK_BOT_TOKEN"),
			AppToken:         l.str("GEMBA_SLACK_APP_TOKEN"),
			SigningSecret:    l.str("GEMBA_SLACK_SIGNING_SECRET"),
			APIURL:           l.url("GEMBA_SLACK_API_URL"),
			Workers:          l.int("GEMBA_SLACK_WORKERS", 1),
			UserRate:         l.int("GEMBA_SLACK_USER_RATE", 0),
			Lease:            l.dur("GEMBA_SLACK_LEASE"),
			ForecastChannels: l.list("GEMBA_SLACK_FORECAST_CHANNELS"),
			ForecastUsers:    l.list("GEMBA_SLACK_FORECAST_USERS"),
			DigestChannels:   l.list("GEMBA_SLACK_DIGEST_CHANNELS"),
			DigestUsers:      l.list("GEMBA_SLACK_DIGEST_USERS"),
			FollowUpAfter:    l.dur("GEMBA_SLACK_FOLLOW_UP_AFTER"),
		},
		LLM: LLMConfig{
			Provider:   l.oneOf("GEMBA_LLM_PROVIDER", "", "openai", "azure", "anthropic"),
			Model:      l.str("GEMBA_LLM_MODEL"),
			BaseURL:    l.url("GEMBA_LLM_BASE_URL"),
			APIKey:     l.str("GEMBA_LLM_API_KEY"),
			APIVersion: l.str("GEMBA_LLM_API_VERSION"),
			Timeout:    l.dur("GEMBA_LLM_TIMEOUT"),
			MaxRetries: l.int("GEMBA_LLM_MAX_RETRIES", 0),
		},
		Embed: EmbedConfig{
			Provider: l.oneOf("GEMBA_EMBED_PROVIDER", "local", "openai", "azure", "ollama"),
			Model:    l.str("GEMBA_EMBED_MODEL"),
			BaseURL:  l.url("GEMBA_EMBED_BASE_URL"),
			APIKey:   l.str("GEMBA_EMBED_API_KEY"),
			Dim:      l.int("GEMBA_EMBED_DIM", 8),
		},
		Agent: AgentConfig{
			MaxSteps:    l.int("GEMBA_AGENT_MAX_STEPS", 1),
			Deadline:    l.dur("GEMBA_AGENT_DEADLINE"),
			ToolTimeout: l.dur("GEMBA_AGENT_TOOL_TIMEOUT"),
		},
		MCP: MCPConfig{
			Token:   l.str("GEMBA_MCP_TOKEN"),
			Servers: l.mcpServers("GEMBA_MCP_SERVERS"),
		},
		Connectors: l.connectors("GEMBA_CONNECTORS"),
		Alerts: AlertConfig{
			Enabled:       l.bool("GEMBA_ALERTS"),
			Channels:      l.list("GEMBA_ALERT_CHANNELS"),
			Cooldown:      l.dur("GEMBA_ALERT_COOLDOWN"),
			EscalateAfter: l.dur("GEMBA_ALERT_ESCALATE_AFTER"),
			Confirm:       l.oneOf("GEMBA_ALERT_CONFIRM", "alarm", "none"),
		},
		Series: SeriesConfig{
			RawRetention:    l.retention("GEMBA_SERIES_RAW_RETENTION"),
			MinuteRetention: l.retention("GEMBA_SERIES_MINUTE_RETENTION"),
			Sources:         l.file("GEMBA_SERIES_SOURCES"),
		},
	}
	c.effective = l.effective
	c.validate(&l)
	if len(l.problems) > 0 {
		return c, &ValidationError{Problems: l.problems}
	}
	return c, nil
}

func (c *Config) validate(l *loader) {
	if c.DatabaseURL != "" {
		if _, err := url.Parse(c.DatabaseURL); err != nil || !(strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")) {
			l.bad("GEMBA_DATABASE_URL", "must be a postgres:// or postgresql:// URL")
		}
	}
	if c.HTTPAddr == "" {
		// Only a variable set to a blank value gets here (unset means the
		// default). Blank must not silently mean "every interface, any
		// port", which is what net.Listen makes of it.
		l.bad("GEMBA_HTTP_ADDR", "is set but blank (a ${VAR} that was never given a value?); unset it for the default 127.0.0.1:8080, or give host:port such as 0.0.0.0:8080")
	} else if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		l.bad("GEMBA_HTTP_ADDR", "must be host:port, e.g. 127.0.0.1:8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.bad("GEMBA_HTTP_ADDR", "port must be a number from 0 to 65535")
	}
	if c.Slack.APIURL != "" && strings.HasPrefix(c.Slack.APIURL, "http") && !strings.HasSuffix(c.Slack.APIURL, "/") {
		l.bad("GEMBA_SLACK_API_URL", "must end in /")
	}
	if c.Slack.AppToken != "" && c.Slack.BotToken == "" {
		l.bad("GEMBA_SLACK_BOT_TOKEN", "is required when GEMBA_SLACK_APP_TOKEN is set")
	}
	if c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
		l.bad("GEMBA_SLACK_APP_TOKEN", "must start with xapp-")
	}
	if c.Slack.BotToken != "" && c.Slack.AppToken == "" && c.Slack.SigningSecret == "" {
		l.bad("GEMBA_SLACK_SIGNING_SECRET", "is required for the HTTP transport when GEMBA_SLACK_APP_TOKEN (Socket Mode) is not set")
	}
	if c.Slack.Lease > 0 && c.Agent.Deadline > 0 && c.Slack.Lease < c.Agent.Deadline+15*time.Second {
		l.bad("GEMBA_SLACK_LEASE", fmt.Sprintf("%s must be at least GEMBA_AGENT_DEADLINE + 15s (%s), or a slow answer would be taken over and answered twice", c.Slack.Lease, c.Agent.Deadline+15*time.Second))
	}
	if c.LLM.Provider != "" && c.LLM.Model == "" {
		l.bad("GEMBA_LLM_MODEL", "is required when GEMBA_LLM_PROVIDER is set")
	}
	if (c.LLM.Provider == "azure" || c.LLM.Provider == "anthropic") && c.LLM.APIKey == "" {
		l.bad("GEMBA_LLM_API_KEY", "is required for provider "+c.LLM.Provider)
	}
	if c.LLM.Provider == "azure" && c.LLM.BaseURL == "" {
		l.bad("GEMBA_LLM_BASE_URL", "is required for provider azure (the resource endpoint)")
	}
	if c.Embed.Provider != "local" && c.Embed.Model == "" {
		l.bad("GEMBA_EMBED_MODEL", "is required when GEMBA_EMBED_PROVIDER is "+c.Embed.Provider)
	}
	if r, m := c.Series.RawRetention, c.Series.MinuteRetention; m > 0 && r > 0 && m < r {
		l.bad("GEMBA_SERIES_MINUTE_RETENTION", "must be 0 or at least GEMBA_SERIES_RAW_RETENTION (minute rollups outlive the raw points they summarise)")
	}
}

// Redacted returns the effective configuration as name/value pairs in the
// order of Vars, with secrets masked.
func (c *Config) Redacted() [][2]string {
	out := make([][2]string, 0, len(Vars))
	for _, v := range Vars {
		val := c.effective[v.Name]
		switch {
		case v.Name == "GEMBA_DATABASE_URL":
			val = maskURL(val) // the server and database stay readable
		case v.Secret:
			val = mask(val)
		}
		out = append(out, [2]string{v.Name, val})
	}
	return out
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// maskURL hides a password in a connection URL but keeps the rest readable.
func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

type loader struct {
	get       Getenv
	problems  []string
	effective map[string]string // each variable's value as read, for Redacted
}

func (l *loader) bad(name, why string) {
	l.problems = append(l.problems, fmt.Sprintf("%s: %s", name, why))
}

// raw returns the value of name, reading NAME_FILE when NAME is unset.
func (l *loader) raw(name string) string {
	v := l.lookup(name)
	if l.effective == nil {
		l.effective = map[string]string{}
	}
	l.effective[name] = v
	return v
}

// lookup reads name, else NAME_FILE, else the documented default.
func (l *loader) lookup(name string) string {
	if v, ok := l.get(name); ok {
		return strings.TrimSpace(v)
	}
	if path, ok := l.get(name + "_FILE"); ok && path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			l.bad(name+"_FILE", fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err)))
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	return ""
}

func (l *loader) str(name string) string { return l.raw(name) }

func (l *loader) url(name string) string {
	v := l.raw(name)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.bad(name, fmt.Sprintf("%q is not an http(s) URL", v))
	}
	return v
}

func (l *loader) int(name string, min int) int {
	v := l.raw(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		l.bad(name, fmt.Sprintf("%q is not a whole number", v))
		return 0
	}
	if n < min {
		l.bad(name, fmt.Sprintf("%d is below the minimum %d", n, min))
	}
	return n
}

func (l *loader) dur(name string) time.Duration {
	v := l.raw(name)
	d, err := time.ParseDuration(v)
	if err != nil {
		l.bad(name, fmt.Sprintf("%q is not a duration such as 30s or 2m", v))
		return 0
	}
	if d <= 0 {
		l.bad(name, fmt.Sprintf("%s must be positive", v))
	}
	return d
}

// list reads a comma-separated list, dropping blanks.
func (l *loader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(l.raw(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// retention reads a period to keep data: a Go duration (720h) or days and
// weeks (30d, 12w); 0 or empty means forever.
func (l *loader) retention(name string) time.Duration {
	v := strings.ToLower(l.raw(name))
	if v == "" || v == "0" {
		return 0
	}
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(v, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(v, "w"):
		unit = 7 * 24 * time.Hour
	}
	if unit > 0 {
		n, err := strconv.ParseFloat(strings.TrimSpace(v[:len(v)-1]), 64)
		if err == nil && n > 0 {
			return time.Duration(n * float64(unit))
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	l.bad(name, fmt.Sprintf("%q is not a period such as 30d, 12w or 720h (0 keeps everything)", v))
	return 0
}

// file reads the path of a file that must exist when set.
func (l *loader) file(name string) string {
	v := l.raw(name)
	if v == "" {
		return v
	}
	if st, err := os.Stat(v); err != nil || st.IsDir() {
		l.bad(name, fmt.Sprintf("cannot read the file %s", v))
	}
	return v
}

func (l *loader) bool(name string) bool {
	v := l.raw(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.bad(name, fmt.Sprintf("%q is not true or false", v))
	}
	return b
}

func (l *loader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(l.raw(name))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	var show []string
	for _, a := range allowed {
		if a != "" {
			show = append(show, a)
		}
	}
	l.bad(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(show, ", ")))
	return v
}
