package bot

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// The fuzzers below feed arbitrary bytes to the decoding of Slack's HTTP
// payloads (events, slash commands, interactions) and to the signature
// check. Their seed corpora live in testdata/fuzz/<FuzzName>/.

// compactRaw normalises a json.RawMessage for comparison: re-encoding
// compacts it, and an absent field comes back as null (both mean "not
// edited" to ignorableEvent).
func compactRaw(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 {
		return "null"
	}
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, raw))
	return b.String()
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"app_mention","user":"U1","text":"<@UBOT> why?","ts":"1.2","channel":"C1"}}`))
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEvent(body)
		if !json.Valid(body) {
			require.Error(t, err, "invalid JSON is refused")
		}
		if err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			require.True(t, errors.As(err, &se) || errors.As(err, &te), "a JSON error, not %T: %v", err, err)
			return
		}
		// The worker decodes the recorded body again (handleEvent) and the
		// socket transport decodes the same fields: both must see what
		// the HTTP ack saw, or an accepted event would fail in the worker.
		var worker struct {
			Event innerEvent `json:"event"`
		}
		require.NoError(t, json.Unmarshal(body, &worker), "the worker can decode what the ack accepted")
		require.Equal(t, env.Event.Type, worker.Event.Type)
		require.Equal(t, env.Event.Text, worker.Event.Text)
		require.Equal(t, env.Event.Channel, worker.Event.Channel)
		require.Equal(t, env.Event.User, worker.Event.User)
		require.Equal(t, ignorableEvent(env.Event), ignorableEvent(worker.Event))
		var sock struct {
			EventID string     `json:"event_id"`
			TeamID  string     `json:"team_id"`
			Event   innerEvent `json:"event"`
		}
		require.NoError(t, json.Unmarshal(body, &sock), "the socket transport decodes it too")
		require.Equal(t, env.EventID, sock.EventID)
		require.Equal(t, env.TeamID, sock.TeamID)

		// An event that is not ignored is one the bot can answer.
		if !ignorableEvent(env.Event) {
			require.Contains(t, []string{"app_mention", "message"}, env.Event.Type)
			require.Empty(t, env.Event.BotID)
			require.Contains(t, []string{"", "thread_broadcast", "file_share"}, env.Event.Subtype)
		}
		// Decoded strings are valid UTF-8 (encoding/json replaces bad
		// bytes), so the envelope survives a round trip.
		for _, s := range []string{env.Type, env.EventID, env.TeamID, env.Event.Text, env.Event.Channel} {
			require.True(t, utf8.ValidString(s))
		}
		out, err := json.Marshal(env)
		require.NoError(t, err)
		back, err := decodeEvent(out)
		require.NoError(t, err)
		require.Equal(t, compactRaw(t, env.Event.Edited), compactRaw(t, back.Event.Edited))
		env.Event.Edited, back.Event.Edited = nil, nil
		require.Equal(t, env, back)
		_ = stripMentions(env.Event.Text)
	})
}

// formFields are the slash-command form fields slack.SlashCommandParse reads.
var formFields = []string{"token", "team_id", "team_domain", "enterprise_id", "enterprise_name", "channel_id",
	"channel_name", "user_id", "user_name", "command", "text", "response_url", "trigger_id", "api_app_id"}

func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte("command=%2Fgemba&text=forecast+line-2.output+24&team_id=T1&channel_id=C1&user_id=U1&trigger_id=1.2.abc"), true)
	f.Add([]byte("text=help"), false)
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", nil)
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		cmd, err := decodeCommand(r, body)
		if !form {
			// Without a form content type the body is not read as a form.
			require.NoError(t, err)
			require.Equal(t, slack.SlashCommand{}, cmd)
			return
		}
		vals, perr := url.ParseQuery(string(body))
		if perr != nil {
			require.Error(t, err, "a malformed form is refused")
			return
		}
		require.NoError(t, err)
		got := map[string]string{"token": cmd.Token, "team_id": cmd.TeamID, "team_domain": cmd.TeamDomain,
			"enterprise_id": cmd.EnterpriseID, "enterprise_name": cmd.EnterpriseName, "channel_id": cmd.ChannelID,
			"channel_name": cmd.ChannelName, "user_id": cmd.UserID, "user_name": cmd.UserName, "command": cmd.Command,
			"text": cmd.Text, "response_url": cmd.ResponseURL, "trigger_id": cmd.TriggerID, "api_app_id": cmd.APIAppID}
		for _, k := range formFields {
			require.Equal(t, vals.Get(k), got[k], "field %s", k)
		}
		require.Equal(t, vals.Get("is_enterprise_install") == "true", cmd.IsEnterpriseInstall)

		// onCommand records the command as JSON and the worker decodes it
		// (handleCommand): the round trip keeps every field (text that is
		// not UTF-8 comes back with U+FFFD, which Slack never sends).
		payload, err := json.Marshal(cmd)
		require.NoError(t, err)
		var back slack.SlashCommand
		require.NoError(t, json.Unmarshal(payload, &back))
		valid := true
		for _, k := range formFields {
			valid = valid && utf8.ValidString(got[k])
		}
		if valid {
			require.Equal(t, cmd, back)
		}
		if _, err := conversation.ParseCommand(cmd.Text); err != nil {
			var ue *conversation.UsageError
			require.ErrorAs(t, err, &ue, "bad arguments are a usage error shown to the caller")
		}
	})
}

// resolveBlocks are the blocks of the "Mark resolved" modal.
var resolveBlocks = map[string]bool{blockActions: true, blockCause: true, blockDowntime: true, blockWorked: true}

func FuzzDecodeInteraction(f *testing.F) {
	f.Add([]byte("payload=" + url.QueryEscape(`{"type":"block_actions","trigger_id":"t1","team":{"id":"T1"},"actions":[{"action_id":"gemba_helpful","block_id":"b","value":"42","type":"button"}]}`)))
	f.Add([]byte("payload="))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, raw, err := decodeInteraction(body)
		form, ferr := url.ParseQuery(string(body))
		if ferr != nil || form.Get("payload") == "" {
			require.ErrorIs(t, err, errNoPayload)
			return
		}
		require.Equal(t, form.Get("payload"), string(raw), "the recorded payload is the form field")
		if err != nil {
			require.NotErrorIs(t, err, errNoPayload)
			require.Contains(t, err.Error(), "bad payload")
			return
		}
		// The worker decodes the recorded payload again (handleInteraction).
		var again slack.InteractionCallback
		require.NoError(t, json.Unmarshal(raw, &again), "the worker can decode what the ack accepted")
		require.Equal(t, cb.Type, again.Type)
		require.Equal(t, cb.TriggerID, again.TriggerID)
		require.Len(t, again.ActionCallback.BlockActions, len(cb.ActionCallback.BlockActions))
		for i, a := range cb.ActionCallback.BlockActions {
			require.NotNil(t, a)
			require.Equal(t, a.ActionID, again.ActionCallback.BlockActions[i].ActionID)
		}
		// The modal check never panics and names only the modal's blocks.
		for block, msg := range validateResolve(cb.View.State) {
			require.True(t, resolveBlocks[block], "error for unknown block %q", block)
			require.NotEmpty(t, msg)
		}
		var meta resolveMeta
		_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	})
}

// sign returns the headers Slack sends for body signed with secret at ts.
func sign(secret, ts string, body []byte) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// fuzzNow is the clock of FuzzVerify; the seeds sign around it.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func FuzzVerify(f *testing.F) {
	now := strconv.FormatInt(fuzzNow.Unix(), 10)
	f.Add("8f742231b10e8888abcd99yyyzzz85a5", []byte("token=x&text=help"), now, []byte("token=x&text=helq"), "v0=00")
	f.Add("s", []byte(`{"type":"event_callback"}`), strconv.FormatInt(fuzzNow.Unix()-301, 10), []byte(""), "")
	f.Fuzz(func(t *testing.T, secret string, body []byte, ts string, other []byte, forged string) {
		h := sign(secret, ts, body)
		err := Verify(h, body, secret, fuzzNow)
		sec, perr := strconv.ParseInt(ts, 10, 64)
		fresh := perr == nil && sec >= fuzzNow.Add(-replayWindow).Unix() && sec <= fuzzNow.Add(replayWindow).Unix()
		if secret != "" && fresh {
			require.NoError(t, err, "a correctly signed, fresh request is accepted")
		}
		if err != nil {
			require.ErrorIs(t, err, ErrBadSignature)
			return
		}
		require.NotEmpty(t, secret, "no secret accepts nothing")
		require.True(t, fresh, "a stale timestamp is refused")

		// The signature covers the body: any other body is refused.
		if !bytes.Equal(other, body) {
			require.ErrorIs(t, Verify(h, other, secret, fuzzNow), ErrBadSignature, "a tampered body is refused")
		}
		// It covers the timestamp: a signature moved to another one is refused.
		moved := h.Clone()
		moved.Set("X-Slack-Request-Timestamp", strconv.FormatInt(sec+1, 10))
		require.ErrorIs(t, Verify(moved, body, secret, fuzzNow), ErrBadSignature)

		// A random secret, unknown to whoever built the request, accepts
		// neither the signed request nor a forged signature.
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		random := hex.EncodeToString(key)
		require.ErrorIs(t, Verify(h, body, random, fuzzNow), ErrBadSignature)
		fh := h.Clone()
		fh.Set("X-Slack-Signature", forged)
		if Verify(fh, body, random, fuzzNow) == nil {
			t.Fatalf("forged signature %q accepted under a random secret", forged)
		}
		// Under the real secret a forged header passes only if it is the
		// true signature (hex is case-insensitive).
		if Verify(fh, body, secret, fuzzNow) == nil {
			require.True(t, strings.EqualFold(forged, h.Get("X-Slack-Signature")), "forged %q accepted", forged)
		}
	})
}
