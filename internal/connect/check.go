package connect

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/gopcua/opcua"
	"github.com/gopcua/opcua/ua"

	"github.com/gemba-ai/gemba/internal/config"
)

// Sample is one mapped point seen by Check, with where it came from.
type Sample struct {
	Point
	// Source is the MQTT topic or the OPC UA node id.
	Source string
}

// CheckReport sums up a Check.
type CheckReport struct {
	// Subscribed lists the MQTT filters or says how many nodes.
	Subscribed []string
	// Messages received, Points mapped, Errors (unmapped or bad messages).
	Messages, Points, Errors int
	// FirstError is the first mapping error, for the user to fix.
	FirstError string
}

// ErrNoData is returned by Check when the source sent nothing mappable
// before the deadline.
var ErrNoData = errors.New("no mapped data before the deadline")

// Check connects to cfg's source, subscribes, and hands the first n mapped
// points to emit, without writing anything and without touching Gemba's
// persistent MQTT session (it connects as a separate, clean session that
// acknowledges what it reads). It returns when n points were seen or ctx
// ends (ErrNoData when none was). `gemba connect` uses it.
func Check(ctx context.Context, cfg config.Connector, n int, emit func(Sample)) (CheckReport, error) {
	switch cfg.Type {
	case config.ConnectorMQTT:
		return checkMQTT(ctx, cfg, n, emit)
	case config.ConnectorOPCUA:
		return checkOPCUA(ctx, cfg, n, emit)
	}
	return CheckReport{}, fmt.Errorf("connect: %s: unknown type %q", cfg.Name, cfg.Type)
}

// checkState collects samples from a callback goroutine.
type checkState struct {
	mu   sync.Mutex
	rep  CheckReport
	n    int
	emit func(Sample)
	done chan struct{}
}

func (s *checkState) add(source string, pts []Point, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rep.Messages++
	if err != nil {
		s.rep.Errors++
		if s.rep.FirstError == "" {
			s.rep.FirstError = fmt.Sprintf("%s: %v", source, err)
		}
		return
	}
	for _, p := range pts {
		if s.rep.Points >= s.n {
			return
		}
		s.rep.Points++
		s.emit(Sample{Point: p, Source: source})
		if s.rep.Points == s.n {
			close(s.done)
		}
	}
}

func (s *checkState) report() CheckReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rep
}

func (s *checkState) wait(ctx context.Context) (CheckReport, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	rep := s.report()
	if rep.Points == 0 {
		if rep.FirstError != "" {
			return rep, fmt.Errorf("%w: %d message(s), none mapped; first problem: %s", ErrNoData, rep.Messages, rep.FirstError)
		}
		return rep, fmt.Errorf("%w: no message arrived", ErrNoData)
	}
	return rep, nil
}

func checkMQTT(ctx context.Context, cfg config.Connector, n int, emit func(Sample)) (CheckReport, error) {
	c := NewMQTT(cfg, Options{})
	st := &checkState{n: n, emit: emit, done: make(chan struct{}), rep: CheckReport{Subscribed: c.Filters()}}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	checkCfg := cfg
	checkCfg.ClientID = cfg.ClientID + "-check-" + hex.EncodeToString(suffix[:])
	tlsCfg, err := c.tlsConfig()
	if err != nil {
		return st.report(), err
	}
	handler := func(_ paho.Client, m paho.Message) {
		pts, _, err := c.mapper.mapMessage(m.Topic(), m.Payload(), time.Now())
		st.add(m.Topic(), pts, err)
		m.Ack()
	}
	cl := paho.NewClient(checkOptions(checkCfg, tlsCfg, handler))
	tok := cl.Connect()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	if !tok.WaitTimeout(time.Until(deadline)) || tok.Error() != nil {
		err := tok.Error()
		if err == nil {
			err = errors.New("no answer before the deadline")
		}
		return st.report(), fmt.Errorf("connect to %s: %w", redactURL(cfg.Broker), err)
	}
	defer cl.Disconnect(100)
	filters := map[string]byte{}
	for _, f := range c.Filters() {
		filters[f] = byte(*cfg.QoS)
	}
	if stok := cl.SubscribeMultiple(filters, nil); !stok.WaitTimeout(10*time.Second) || stok.Error() != nil {
		return st.report(), fmt.Errorf("subscribe %v: %w", c.Filters(), stok.Error())
	}
	return st.wait(ctx)
}

// checkOptions are the connector's client options for a one-off check: a
// clean session of its own, no retries, messages acknowledged at once.
func checkOptions(cfg config.Connector, tlsCfg *tls.Config, handler paho.MessageHandler) *paho.ClientOptions {
	o := paho.NewClientOptions().
		AddBroker(cfg.Broker).
		SetClientID(cfg.ClientID).
		SetCleanSession(true).
		SetKeepAlive(cfg.KeepAlive).
		SetAutoReconnect(false).
		SetConnectTimeout(10 * time.Second).
		SetDefaultPublishHandler(handler)
	if cfg.Username != "" {
		o.SetUsername(cfg.Username)
		o.SetPassword(cfg.Password)
	}
	if tlsCfg != nil {
		o.SetTLSConfig(tlsCfg)
	}
	return o
}

func checkOPCUA(ctx context.Context, cfg config.Connector, n int, emit func(Sample)) (CheckReport, error) {
	c, err := NewOPCUA(cfg, Options{})
	if err != nil {
		return CheckReport{}, err
	}
	st := &checkState{n: n, emit: emit, done: make(chan struct{}), rep: CheckReport{Subscribed: []string{fmt.Sprintf("%d node(s) every %s", len(cfg.Nodes), cfg.Interval)}}}
	states := make(chan opcua.ConnState, 16)
	cl, err := opcua.NewClient(cfg.Endpoint, c.clientOptions(states)...)
	if err != nil {
		return st.report(), fmt.Errorf("client: %w", err)
	}
	if err := cl.Connect(ctx); err != nil {
		return st.report(), fmt.Errorf("connect to %s: %w", redactURL(cfg.Endpoint), err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = cl.Close(cctx)
	}()
	notes := make(chan *opcua.PublishNotificationData, 16)
	sub, err := cl.Subscribe(ctx, &opcua.SubscriptionParameters{Interval: cfg.Interval}, notes)
	if err != nil {
		return st.report(), fmt.Errorf("subscribe: %w", err)
	}
	if err := c.monitor(ctx, sub); err != nil {
		return st.report(), err
	}
	if s := c.state.snapshot(0); s.LastError != "" {
		st.add("subscribe", nil, errors.New(s.LastError))
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-st.done:
				return
			case note := <-notes:
				if note.Error != nil {
					st.add("subscription", nil, note.Error)
					continue
				}
				if dcn, ok := note.Value.(*ua.DataChangeNotification); ok {
					for _, p := range c.points(dcn, time.Now()) {
						st.add(c.nodeOf(p.Series), []Point{p}, nil)
					}
				}
			}
		}
	}()
	return st.wait(ctx)
}

// nodeOf returns the node id mapped to series name.
func (c *OPCUA) nodeOf(name string) string {
	for _, n := range c.cfg.Nodes {
		if n.Series == name {
			return n.Node
		}
	}
	return ""
}
