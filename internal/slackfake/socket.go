package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket accepts a Socket Mode connection: it says hello, pings on a
// schedule, and records every ack the client sends.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &sockConn{ws: ws, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns = append(s.conns, c)
	s.notify()
	ping := s.pingEach
	s.mu.Unlock()

	_ = c.write(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0GEMBA"}, "debug_info": map[string]any{"host": "slackfake"}})

	go func() {
		t := time.NewTicker(ping)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
				c.wmu.Lock()
				err := ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				c.wmu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()

	defer func() {
		close(c.done)
		_ = ws.Close()
		s.mu.Lock()
		for i, x := range s.conns {
			if x == c {
				s.conns = append(s.conns[:i], s.conns[i+1:]...)
				break
			}
		}
		s.notify()
		s.mu.Unlock()
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var a Ack
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acks[a.EnvelopeID] = a
		s.notify()
		s.mu.Unlock()
	}
}

func (c *sockConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// Connections returns how many Socket Mode clients are connected.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// WaitConnections waits until at least n Socket Mode clients are connected.
func (s *Server) WaitConnections(timeout time.Duration, n int) error {
	return s.Wait(timeout, func(s *Server) bool { return s.Connections() >= n })
}

// Envelope types Slack sends over Socket Mode.
const (
	EnvelopeEvents      = "events_api"
	EnvelopeSlash       = "slash_commands"
	EnvelopeInteractive = "interactive"
)

// Deliver sends one Socket Mode envelope of the given type with payload to
// connection number conn (in connection order; Slack gives each envelope
// to one connection) and returns its envelope id. retry is the
// retry_attempt Slack would set on redelivery.
func (s *Server) Deliver(conn int, typ string, payload []byte, retry int) (string, error) {
	s.mu.Lock()
	if conn < 0 || conn >= len(s.conns) {
		n := len(s.conns)
		s.mu.Unlock()
		return "", fmt.Errorf("slackfake: no socket connection %d (have %d)", conn, n)
	}
	c := s.conns[conn]
	id := s.newID("env-")
	s.mu.Unlock()
	msg := map[string]any{"envelope_id": id, "type": typ, "payload": json.RawMessage(payload),
		"accepts_response_payload": typ != EnvelopeEvents, "retry_attempt": retry}
	if retry > 0 {
		msg["retry_reason"] = "timeout"
	}
	if err := c.write(msg); err != nil {
		return "", fmt.Errorf("slackfake: deliver: %w", err)
	}
	return id, nil
}

// WaitAck waits for the client's ack of an envelope.
func (s *Server) WaitAck(timeout time.Duration, envelopeID string) (Ack, error) {
	var a Ack
	err := s.Wait(timeout, func(s *Server) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		var ok bool
		a, ok = s.acks[envelopeID]
		return ok
	})
	return a, err
}

// EventPayload wraps an inner event (app_mention, message …) in the
// Events API callback envelope Slack sends, with the given event_id.
func EventPayload(eventID string, inner any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "verification-token", "team_id": TeamID, "api_app_id": "A0GEMBA", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []map[string]any{{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}},
	})
	return b
}

// Mention returns the app_mention inner event for message m.
func Mention(m Message) map[string]any {
	ev := map[string]any{"type": "app_mention", "user": m.User, "text": m.Text, "ts": m.TS,
		"channel": m.Channel, "event_ts": m.TS}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
	}
	return ev
}

// MessageEvent returns the message inner event for m; channelType is
// "channel", "group" or "im".
func MessageEvent(m Message, channelType string) map[string]any {
	ev := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS,
		"channel": m.Channel, "channel_type": channelType, "event_ts": m.TS}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
		ev["subtype"] = "bot_message"
	}
	return ev
}
