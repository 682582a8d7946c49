package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check reports whether one dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// Health serves /healthz (the process is up) and /readyz (every registered
// check passes: database reachable, migrations current, Slack connected).
// Both answer without a token, so that probes stay cheap: /readyz names a
// failing check with a fixed word and logs why (an error's text can name
// hosts, users or a server's message).
type Health struct {
	log      *slog.Logger
	mu       sync.RWMutex
	checks   map[string]Check
	draining bool
}

// NewHealth returns a Health with no checks that logs failing checks to
// log (nil discards).
func NewHealth(log *slog.Logger) *Health {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Health{log: log, checks: map[string]Check{}}
}

// Add registers a named readiness check.
func (h *Health) Add(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = c
}

// Drain marks the process as shutting down: /readyz fails from now on so a
// load balancer stops sending work.
func (h *Health) Drain() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.draining = true
}

// Healthz answers 200 while the process runs.
func (h *Health) Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// Readyz runs every check (2 s each, concurrently) and answers 200 with
// their states, or 503 naming what failed ("failing"; the error is logged,
// not returned).
func (h *Health) Readyz(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	checks := make(map[string]Check, len(h.checks))
	for k, v := range h.checks {
		checks[k] = v
	}
	draining := h.draining
	h.mu.RUnlock()

	type result struct {
		name string
		err  error
	}
	out := make(chan result, len(checks))
	for name, c := range checks {
		go func() {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			out <- result{name, c(ctx)}
		}()
	}
	status := map[string]string{}
	ok := !draining
	if draining {
		status["shutdown"] = "draining"
	}
	for range checks {
		res := <-out
		if res.err != nil {
			ok = false
			status[res.name] = "failing"
			h.log.WarnContext(r.Context(), "readiness check failing", "check", res.name, "err", res.err)
		} else {
			status[res.name] = "ok"
		}
	}
	names := make([]string, 0, len(status))
	for k := range status {
		names = append(names, k)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	body := map[string]any{"ready": ok, "checks": status}
	_ = json.NewEncoder(w).Encode(body)
}
