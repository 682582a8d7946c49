package connecttest

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Publisher publishes test messages with QoS 1 and retries each until the
// broker acknowledged it, across broker restarts: a message it reports as
// published is one the broker accepted.
type Publisher struct {
	t testing.TB
	c paho.Client
}

// NewPublisher connects a publisher with client id id to the broker at url.
func NewPublisher(t testing.TB, url, id string) *Publisher {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(true).
		SetAutoReconnect(true).SetMaxReconnectInterval(200 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).
		SetWriteTimeout(5 * time.Second).SetMaxResumePubInFlight(1000)
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connecttest: publisher connect: %v", tok.Error())
	}
	p := &Publisher{t: t, c: c}
	t.Cleanup(func() { c.Disconnect(100) })
	return p
}

// Publish sends one QoS 1 message and waits for the broker's PUBACK,
// retrying for up to a minute.
func (p *Publisher) Publish(topic string, payload []byte) error {
	deadline := time.Now().Add(time.Minute)
	for {
		tok := p.c.Publish(topic, 1, false, payload)
		if tok.WaitTimeout(2*time.Second) && tok.Error() == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("connecttest: publish %s: no PUBACK within a minute (last error: %w)", topic, tok.Error())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PublishAsync sends one QoS 1 message and returns its token (for load:
// many in flight at once).
func (p *Publisher) PublishAsync(topic string, payload []byte) paho.Token {
	return p.c.Publish(topic, 1, false, payload)
}
