package connect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/gemba-ai/gemba/internal/config"
)

// MQTT is one MQTT connector: a persistent session at the broker (QoS 1,
// CleanSession false, a fixed client id), the subscriptions of its
// mappings, and the pipeline to the store. A message is acknowledged
// (PUBACK) only after its points are committed, in the order the messages
// arrived; until then the broker keeps it, across a restart of Gemba or of
// the broker (with persistence on).
type MQTT struct {
	cfg    config.Connector
	opts   Options
	mapper *topicMapper
	p      *pipeline
	state  *tracker

	// stop is closed when Run's context ends: the paho callbacks, which
	// have no context of their own, stop queueing.
	stop     chan struct{}
	stopping atomic.Bool
	conns    atomic.Int64 // successful connections, to tell reconnects
}

// NewMQTT returns the connector for cfg (validated by config).
func NewMQTT(cfg config.Connector, opts Options) *MQTT {
	opts = opts.withDefaults()
	st := newTracker(cfg.Name, config.ConnectorMQTT, redactURL(cfg.Broker), cfg.QueuePoints)
	return &MQTT{
		cfg: cfg, opts: opts, state: st, stop: make(chan struct{}),
		mapper: newTopicMapper(cfg.Mappings),
		p:      newPipeline(cfg.Name, cfg.QueuePoints, cfg.BatchPoints, cfg.FlushInterval, *cfg.CreateSeries, opts, st),
	}
}

// Name returns the connector's name.
func (c *MQTT) Name() string { return c.cfg.Name }

// Status returns the connector's current state.
func (c *MQTT) Status() Status { return c.state.snapshot(c.p.q.size()) }

// Filters returns the topic filters the connector subscribes to.
func (c *MQTT) Filters() []string {
	fs := c.mapper.filters()
	if c.cfg.ShareGroup != "" {
		for i, f := range fs {
			fs[i] = "$share/" + c.cfg.ShareGroup + "/" + f
		}
	}
	return fs
}

// Run connects (retrying with backoff), subscribes, and stores what
// arrives until ctx is done. It then stops taking messages, writes and
// acknowledges what is queued (within drainTimeout) and disconnects;
// messages left unacknowledged are sent again by the broker next time.
func (c *MQTT) Run(ctx context.Context) error {
	if err := preloadRetry(ctx, c.p); err != nil {
		return err
	}
	wctx, stopWriter := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWriter()
	var writer sync.WaitGroup
	writer.Go(func() { c.p.run(wctx) })

	client, err := c.client()
	if err != nil {
		c.p.q.close()
		writer.Wait()
		return err
	}
	c.opts.Logger.InfoContext(ctx, "mqtt connector starting", "connector", c.cfg.Name, "broker", redactURL(c.cfg.Broker), "client_id", c.cfg.ClientID, "filters", c.Filters())
	client.Connect() // with ConnectRetry the token completes only once connected; the callbacks report progress

	<-ctx.Done()
	c.stopping.Store(true)
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
	client.Disconnect(250)
	c.setConnected(false)
	c.opts.Logger.InfoContext(ctx, "mqtt connector stopped", "connector", c.cfg.Name)
	return nil
}

// drainTimeout bounds the writing of queued points at shutdown.
const drainTimeout = 5 * time.Second

func (c *MQTT) client() (paho.Client, error) {
	o := paho.NewClientOptions().
		AddBroker(c.cfg.Broker).
		SetClientID(c.cfg.ClientID).
		SetCleanSession(c.cfg.CleanSession).
		SetAutoAckDisabled(true). // PUBACK after the commit
		SetOrderMatters(true).    // one handler goroutine: arrival order is ack order
		SetKeepAlive(c.cfg.KeepAlive).
		SetPingTimeout(10 * time.Second).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(c.cfg.ReconnectMax).
		SetConnectRetry(true).
		SetConnectRetryInterval(min(time.Second, c.cfg.ReconnectMax)).
		SetConnectTimeout(10 * time.Second).
		SetDefaultPublishHandler(c.onMessage).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(c.onLost)
	if c.cfg.Username != "" {
		o.SetUsername(c.cfg.Username)
		o.SetPassword(c.cfg.Password)
	}
	tlsCfg, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		o.SetTLSConfig(tlsCfg)
	}
	return paho.NewClient(o), nil
}

// tlsConfig trusts CAFile for ssl:// brokers; nil without one (the system
// roots).
func (c *MQTT) tlsConfig() (*tls.Config, error) {
	if c.cfg.CAFile == "" {
		return nil, nil //nolint:nilnil // no CA file: the library's default
	}
	pem, err := os.ReadFile(c.cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("connect: %s: ca_file: %w", c.cfg.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("connect: %s: ca_file %s holds no PEM certificate", c.cfg.Name, c.cfg.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func (c *MQTT) onConnect(cl paho.Client) {
	if c.conns.Add(1) > 1 {
		c.state.reconnect()
		c.opts.Metrics.CountConnectorReconnect(c.cfg.Name)
	}
	filters := map[string]byte{}
	for _, f := range c.Filters() {
		filters[f] = byte(*c.cfg.QoS)
	}
	// Subscribing again on every connect is harmless with a persistent
	// session and repairs one the broker expired.
	tok := cl.SubscribeMultiple(filters, nil)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		err := tok.Error()
		if err == nil {
			err = errors.New("no SUBACK within 10s")
		}
		// The persistent session may still hold the subscriptions; the
		// status shows the failure and the next reconnect tries again.
		c.p.fail("connect", fmt.Errorf("subscribe %v: %w", c.Filters(), err))
	}
	c.setConnected(true)
	c.opts.Logger.Info("mqtt connector connected", "connector", c.cfg.Name, "broker", redactURL(c.cfg.Broker))
}

func (c *MQTT) onLost(_ paho.Client, err error) {
	c.setConnected(false)
	c.p.fail("connect", fmt.Errorf("connection lost: %w", err))
}

func (c *MQTT) setConnected(up bool) {
	c.state.connected(up, c.opts.Now())
	c.opts.Metrics.SetConnectorConnected(c.cfg.Name, up)
}

// onMessage maps one message and queues it; it blocks while the queue is
// full, which stops the reading of the connection (backpressure). A
// message that cannot be mapped is counted and acknowledged in its turn:
// sending it again would not make it readable.
func (c *MQTT) onMessage(_ paho.Client, m paho.Message) {
	if c.stopping.Load() {
		return // not acknowledged: the broker sends it again next time
	}
	now := c.opts.Now()
	c.state.message(1, now)
	c.opts.Metrics.CountConnectorMessages(c.cfg.Name, 1)
	pts, describe, err := c.mapper.mapMessage(m.Topic(), m.Payload(), now)
	if err != nil {
		kind := "payload"
		if errors.Is(err, errUnmapped) {
			kind = "unmapped"
		}
		c.p.fail(kind, fmt.Errorf("topic %s: %w", m.Topic(), err))
	}
	_ = c.p.put(c.stop, &item{points: pts, describe: describe, ack: m.Ack, arrived: now}) // an error means stopping: left unacknowledged
}

// preloadRetry loads the series cache, retrying while the database is
// unreachable (a connector may start before PostgreSQL).
func preloadRetry(ctx context.Context, p *pipeline) error {
	for attempt := 0; ; attempt++ {
		err := p.preload(ctx)
		if err == nil {
			return nil
		}
		p.fail("write", fmt.Errorf("load series: %w", err))
		if !sleepCtx(ctx, backoff(attempt, 200*time.Millisecond, 10*time.Second)) {
			return ctx.Err()
		}
	}
}

// redactURL drops credentials from a URL for status and logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.User = nil
	return u.String()
}
