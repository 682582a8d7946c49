package bot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/conversation"
)

// maxBody bounds a Slack request body (Slack's own payloads are far smaller).
const maxBody = 1 << 20

// replayWindow is how old (or how far in the future) a signed request may be.
const replayWindow = 5 * time.Minute

// Routes mounts the HTTP transport on mux: POST /slack/events,
// POST /slack/interactions and POST /slack/commands. Every request must
// carry a valid Slack signature (401 otherwise).
func (b *Bot) Routes(mux *http.ServeMux) {
	mux.Handle("POST /slack/events", b.verified(b.serveEvents))
	mux.Handle("POST /slack/interactions", b.verified(b.serveInteractions))
	mux.Handle("POST /slack/commands", b.verified(b.serveCommands))
}

// Handler returns the HTTP transport as one handler (the three routes).
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	b.Routes(mux)
	return mux
}

// ErrBadSignature is returned by Verify for a request that is not signed
// by Slack with the configured secret.
var ErrBadSignature = errors.New("bot: bad or missing Slack signature")

// Verify checks a Slack request signature: v0=HMAC-SHA256(secret,
// "v0:"+timestamp+":"+body) in X-Slack-Signature, compared in constant
// time, with the timestamp within 5 minutes of now.
func Verify(h http.Header, body []byte, secret string, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no signing secret configured", ErrBadSignature)
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: missing headers", ErrBadSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad timestamp", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
		return fmt.Errorf("%w: timestamp outside the 5-minute window", ErrBadSignature)
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
	if err != nil || !strings.HasPrefix(sig, "v0=") {
		return fmt.Errorf("%w: malformed signature", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return fmt.Errorf("%w: signature mismatch", ErrBadSignature)
	}
	return nil
}

// verified reads the body, checks the signature and passes the body on.
func (b *Bot) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		if r.URL.Path == "/slack/commands" && bytes.Contains(body, []byte("ssl_check=1")) && !bytes.Contains(body, []byte("command=")) {
			w.WriteHeader(http.StatusOK) // Slack's certificate check: nothing to do
			return
		}
		if err := Verify(r.Header, body, b.o.SigningSecret, b.now()); err != nil {
			b.log.WarnContext(r.Context(), "rejected unsigned Slack request", "path", r.URL.Path, "err", err, "remote", r.RemoteAddr)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
		b.metrics.ObserveStage("ack", time.Since(start))
	})
}

// eventEnvelope is the outer body of an Events API request: a URL
// verification challenge or an event callback wrapping one event.
type eventEnvelope struct {
	Type      string     `json:"type"`
	Challenge string     `json:"challenge"`
	EventID   string     `json:"event_id"`
	TeamID    string     `json:"team_id"`
	Event     innerEvent `json:"event"`
}

// decodeEvent decodes an Events API request body. It is kept apart from
// the handler so that the decoding can be fuzzed on its own.
func decodeEvent(body []byte) (eventEnvelope, error) {
	var outer eventEnvelope
	if err := json.Unmarshal(body, &outer); err != nil {
		return outer, fmt.Errorf("bot: decode event: %w", err)
	}
	return outer, nil
}

func (b *Bot) serveEvents(w http.ResponseWriter, r *http.Request, body []byte) {
	outer, err := decodeEvent(body)
	if err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	switch outer.Type {
	case "url_verification":
		writeJSON(w, map[string]string{"challenge": outer.Challenge})
		return
	case "event_callback":
	default:
		w.WriteHeader(http.StatusOK) // app_rate_limited and future types: nothing to do
		return
	}
	if outer.EventID == "" {
		http.Error(w, "missing event_id", http.StatusBadRequest)
		return
	}
	b.metrics.CountEvent(outer.Event.Type)
	if ignorableEvent(outer.Event) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if _, err := b.core.Accept(r.Context(), Source, outer.EventID, outer.TeamID, conversation.KindMessage, body); err != nil {
		b.log.ErrorContext(r.Context(), "could not record event; Slack will retry", "event_id", outer.EventID, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// decodeCommand decodes a slash command from its form body (already read
// from r, whose headers and URL ParseForm still consults).
func decodeCommand(r *http.Request, body []byte) (slack.SlashCommand, error) {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r2)
	if err != nil {
		return cmd, fmt.Errorf("bot: decode command: %w", err)
	}
	return cmd, nil
}

func (b *Bot) serveCommands(w http.ResponseWriter, r *http.Request, body []byte) {
	cmd, err := decodeCommand(r, body)
	if err != nil {
		http.Error(w, "bad slash command form", http.StatusBadRequest)
		return
	}
	resp, err := b.onCommand(r.Context(), cmd)
	if err != nil {
		b.log.ErrorContext(r.Context(), "could not record command", "err", err)
		writeJSON(w, ephemeral(":warning: Gemba could not take this command right now (its database is unreachable). Please try again in a minute."))
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, resp)
}

// errNoPayload is decodeInteraction's error for a body that is not a form
// with a payload field.
var errNoPayload = errors.New("bot: decode interaction: missing payload")

// decodeInteraction decodes an interaction request body: a form whose
// payload field holds the callback's JSON, returned too (raw) because it is
// what gets recorded.
func decodeInteraction(body []byte) (cb slack.InteractionCallback, raw []byte, err error) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		return cb, nil, errNoPayload
	}
	raw = []byte(form.Get("payload"))
	if err := json.Unmarshal(raw, &cb); err != nil {
		return cb, raw, fmt.Errorf("bot: decode interaction: bad payload: %w", err)
	}
	return cb, raw, nil
}

func (b *Bot) serveInteractions(w http.ResponseWriter, r *http.Request, body []byte) {
	cb, raw, err := decodeInteraction(body)
	if errors.Is(err, errNoPayload) {
		http.Error(w, "missing payload", http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	resp, err := b.onInteraction(r.Context(), cb, raw)
	if err != nil {
		b.log.ErrorContext(r.Context(), "could not record interaction; Slack shows an error to the user", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ephemeral is a slash-command response only the caller sees.
func ephemeral(text string) map[string]any {
	return map[string]any{"response_type": "ephemeral", "text": text}
}
