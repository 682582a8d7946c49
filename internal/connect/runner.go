package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/gemba-ai/gemba/internal/config"
)

// Connector is one running live data source.
type Connector interface {
	// Name identifies the connector.
	Name() string
	// Status returns its current state.
	Status() Status
	// Run receives and stores data until ctx is done.
	Run(ctx context.Context) error
}

// New returns the connector for cfg: *MQTT or *OPCUA.
func New(cfg config.Connector, opts Options) (Connector, error) {
	if opts.Store == nil {
		return nil, fmt.Errorf("connect: %s: no store", cfg.Name)
	}
	switch cfg.Type {
	case config.ConnectorMQTT:
		return NewMQTT(cfg, opts), nil
	case config.ConnectorOPCUA:
		return NewOPCUA(cfg, opts)
	}
	return nil, fmt.Errorf("connect: %s: unknown type %q", cfg.Name, cfg.Type)
}

// Runner runs the configured connectors side by side and shares one Feed
// among them. `gemba serve` builds one.
type Runner struct {
	conns []Connector
	feed  *Feed
}

// NewRunner builds a connector for each entry of cfgs. opts.Feed is set to
// the runner's Feed when nil.
func NewRunner(cfgs []config.Connector, opts Options) (*Runner, error) {
	if opts.Feed == nil {
		opts.Feed = NewFeed()
	}
	r := &Runner{feed: opts.Feed}
	for _, c := range cfgs {
		conn, err := New(c, opts)
		if err != nil {
			return nil, err
		}
		r.conns = append(r.conns, conn)
	}
	return r, nil
}

// Feed returns the feed of committed points, for the online detector.
func (r *Runner) Feed() *Feed { return r.feed }

// Len returns the number of connectors.
func (r *Runner) Len() int { return len(r.conns) }

// Run runs every connector until ctx is done and each has stopped.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.conns))
	for i, c := range r.conns {
		wg.Go(func() { errs[i] = c.Run(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

// Status returns the state of every connector, in configuration order.
func (r *Runner) Status() []Status {
	out := make([]Status, len(r.conns))
	for i, c := range r.conns {
		out[i] = c.Status()
	}
	return out
}

// ServeHTTP answers the connectors' states as JSON:
// {"connectors": [Status…]}.
func (r *Runner) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"connectors": r.Status()})
}
