package connect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gopcua/opcua"
	"github.com/gopcua/opcua/ua"

	"github.com/gemba-ai/gemba/internal/config"
)

// OPCUA is one OPC UA connector: a session with one subscription holding a
// monitored item per mapped node. The library's own reconnection is off:
// when the connection is lost, the session, the subscription and its items
// are built anew with backoff (a restarted server remembers nothing of
// them). OPC UA has no broker that keeps data for an absent client, so what
// a server produces while it or Gemba is down is not recovered; on
// resubscription the server sends each node's current value, and the store
// absorbs the repeat of a value already written.
type OPCUA struct {
	cfg   config.Connector
	opts  Options
	p     *pipeline
	state *tracker
	nodes []*ua.NodeID
	info  map[string]SeriesInfo // by series name
	stop  chan struct{}
}

// NewOPCUA returns the connector for cfg (validated by config).
func NewOPCUA(cfg config.Connector, opts Options) (*OPCUA, error) {
	opts = opts.withDefaults()
	st := newTracker(cfg.Name, config.ConnectorOPCUA, redactURL(cfg.Endpoint), cfg.QueuePoints)
	c := &OPCUA{
		cfg: cfg, opts: opts, state: st, stop: make(chan struct{}),
		p: newPipeline(cfg.Name, cfg.QueuePoints, cfg.BatchPoints, cfg.FlushInterval, *cfg.CreateSeries, opts, st),
	}
	for _, n := range cfg.Nodes {
		id, err := ua.ParseNodeID(n.Node)
		if err != nil {
			return nil, fmt.Errorf("connect: %s: node %q: %w", cfg.Name, n.Node, err)
		}
		c.nodes = append(c.nodes, id)
	}
	c.info = make(map[string]SeriesInfo, len(cfg.Nodes))
	for _, n := range cfg.Nodes {
		c.info[n.Series] = SeriesInfo{Unit: n.Unit, Interval: cfg.Interval}
	}
	return c, nil
}

// Name returns the connector's name.
func (c *OPCUA) Name() string { return c.cfg.Name }

// Status returns the connector's current state.
func (c *OPCUA) Status() Status { return c.state.snapshot(c.p.q.size()) }

// Run connects, subscribes and stores notifications until ctx is done,
// reconnecting and resubscribing with backoff (100ms doubling up to
// ReconnectMax) whenever the session is lost.
func (c *OPCUA) Run(ctx context.Context) error {
	if err := preloadRetry(ctx, c.p); err != nil {
		return err
	}
	wctx, stopWriter := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWriter()
	var writer sync.WaitGroup
	writer.Go(func() { c.p.run(wctx) })
	c.opts.Logger.InfoContext(ctx, "opcua connector starting", "connector", c.cfg.Name, "endpoint", redactURL(c.cfg.Endpoint), "nodes", len(c.nodes))

	sessions := 0
	for attempt := 0; ctx.Err() == nil; attempt++ {
		up, err := c.session(ctx, sessions > 0)
		if up {
			sessions++
			attempt = 0
		}
		c.setConnected(false)
		if ctx.Err() != nil {
			break
		}
		c.p.fail("connect", err)
		if !sleepCtx(ctx, backoff(attempt, 100*time.Millisecond, c.cfg.ReconnectMax)) {
			break
		}
	}

	close(c.stop)
	c.p.q.close()
	done := make(chan struct{})
	go func() { writer.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drainTimeout):
		stopWriter()
		<-done
	}
	c.opts.Logger.InfoContext(ctx, "opcua connector stopped", "connector", c.cfg.Name)
	return nil
}

func (c *OPCUA) setConnected(up bool) {
	c.state.connected(up, c.opts.Now())
	c.opts.Metrics.SetConnectorConnected(c.cfg.Name, up)
}

func (c *OPCUA) clientOptions(states chan<- opcua.ConnState) []opcua.Option {
	o := []opcua.Option{
		opcua.SecurityPolicy(c.cfg.SecurityPolicy),
		opcua.SecurityModeString(c.cfg.SecurityMode),
		opcua.AutoReconnect(false), // Run rebuilds the session and subscription itself
		opcua.DialTimeout(5 * time.Second),
		opcua.RequestTimeout(10 * time.Second),
		opcua.SessionTimeout(time.Minute),
		opcua.StateChangedCh(states),
		opcua.ApplicationName("Gemba"),
		opcua.SessionName("gemba-" + c.cfg.Name),
	}
	if c.cfg.CertFile != "" {
		o = append(o, opcua.CertificateFile(c.cfg.CertFile), opcua.PrivateKeyFile(c.cfg.KeyFile))
	}
	if c.cfg.Username != "" {
		o = append(o, opcua.AuthUsername(c.cfg.Username, c.cfg.Password))
	} else {
		o = append(o, opcua.AuthAnonymous())
	}
	return o
}

// session runs one connection: connect, subscribe, receive until it is
// lost or ctx ends. up reports whether the subscription was established.
func (c *OPCUA) session(ctx context.Context, again bool) (up bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	states := make(chan opcua.ConnState, 16)
	cl, err := opcua.NewClient(c.cfg.Endpoint, c.clientOptions(states)...)
	if err != nil {
		return false, fmt.Errorf("client: %w", err)
	}
	if err := cl.Connect(sctx); err != nil {
		return false, fmt.Errorf("connect %s: %w", redactURL(c.cfg.Endpoint), err)
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer ccancel()
		_ = cl.Close(cctx)
	}()
	notes := make(chan *opcua.PublishNotificationData, 64)
	sub, err := cl.Subscribe(sctx, &opcua.SubscriptionParameters{Interval: c.cfg.Interval}, notes)
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	if err := c.monitor(sctx, sub); err != nil {
		return false, err
	}
	if again {
		c.state.reconnect()
		c.opts.Metrics.CountConnectorReconnect(c.cfg.Name)
	}
	c.setConnected(true)
	c.opts.Logger.InfoContext(ctx, "opcua connector subscribed", "connector", c.cfg.Name, "nodes", len(c.nodes), "interval", c.cfg.Interval)
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case s := <-states:
			if s == opcua.Disconnected || s == opcua.Closed {
				return true, fmt.Errorf("connection lost (%s)", s)
			}
		case n := <-notes:
			if n.Error != nil {
				return true, fmt.Errorf("subscription: %w", n.Error)
			}
			if err := c.notification(n.Value); err != nil {
				return true, nil // stopping
			}
		}
	}
}

// monitorChunk bounds one CreateMonitoredItems request.
const monitorChunk = 500

// monitor creates a monitored item per node; the client handle is the
// node's index in the configuration. A node the server refuses is counted
// and logged; the others are kept.
func (c *OPCUA) monitor(ctx context.Context, sub *opcua.Subscription) error {
	ms := float64(c.cfg.Interval.Milliseconds())
	var refused []string
	for start := 0; start < len(c.nodes); start += monitorChunk {
		end := min(start+monitorChunk, len(c.nodes))
		reqs := make([]*ua.MonitoredItemCreateRequest, 0, end-start)
		for i := start; i < end; i++ {
			r := opcua.NewMonitoredItemCreateRequestWithDefaults(c.nodes[i], ua.AttributeIDValue, uint32(i)) //nolint:gosec // i < len(nodes)
			r.RequestedParameters.SamplingInterval = ms
			r.RequestedParameters.QueueSize = 10
			reqs = append(reqs, r)
		}
		res, err := sub.Monitor(ctx, ua.TimestampsToReturnBoth, reqs...)
		if err != nil {
			return fmt.Errorf("monitor nodes: %w", err)
		}
		for k, r := range res.Results {
			if r.StatusCode != ua.StatusOK {
				refused = append(refused, fmt.Sprintf("%s (%s)", c.cfg.Nodes[start+k].Node, r.StatusCode))
			}
		}
	}
	if len(refused) > 0 {
		c.p.fail("status", fmt.Errorf("the server refused %d node(s): %v", len(refused), refused[:min(len(refused), 5)]))
		if len(refused) == len(c.nodes) {
			return errors.New("the server refused every node")
		}
	}
	return nil
}

// notification queues the values of one data change notification.
func (c *OPCUA) notification(v any) error {
	dcn, ok := v.(*ua.DataChangeNotification)
	if !ok {
		return nil // events and status changes carry no readings
	}
	now := c.opts.Now()
	c.state.message(1, now)
	c.opts.Metrics.CountConnectorMessages(c.cfg.Name, 1)
	it := &item{arrived: now, points: c.points(dcn, now)}
	if len(it.points) == 0 {
		return nil
	}
	it.describe = make(map[string]SeriesInfo, len(it.points))
	for _, pt := range it.points {
		it.describe[pt.Series] = c.info[pt.Series]
	}
	return c.p.put(c.stop, it)
}

// points maps the items of a data change notification to points: the
// source timestamp (else the server's, else the arrival), numbers and
// booleans; bad statuses and other types are counted and skipped.
func (c *OPCUA) points(dcn *ua.DataChangeNotification, now time.Time) []Point {
	var out []Point
	for _, mi := range dcn.MonitoredItems {
		h := int(mi.ClientHandle)
		if h < 0 || h >= len(c.cfg.Nodes) || mi.Value == nil {
			continue
		}
		node := c.cfg.Nodes[h]
		dv := mi.Value
		if dv.Status != ua.StatusOK {
			c.p.fail("status", fmt.Errorf("node %s: %w", node.Node, dv.Status))
			continue
		}
		x, ok := variantNumber(dv.Value)
		if !ok {
			c.p.fail("payload", fmt.Errorf("node %s: value %v is not a number", node.Node, dv.Value))
			continue
		}
		ts := dv.SourceTimestamp
		if ts.Year() < 1971 {
			ts = dv.ServerTimestamp
		}
		if ts.Year() < 1971 {
			ts = now
		}
		out = append(out, Point{Series: node.Series, TS: ts, Value: x})
	}
	return out
}

// variantNumber reads an OPC UA value as a reading: numbers and booleans.
func variantNumber(v *ua.Variant) (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch x := v.Value().(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
