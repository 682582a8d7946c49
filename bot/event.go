package bot

import (
	"encoding/json"
	"regexp"
	"strings"
)

// innerEvent holds the fields of an app_mention or message event the bot
// routes on.
type innerEvent struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype"`
	User        string          `json:"user"`
	BotID       string          `json:"bot_id"`
	Text        string          `json:"text"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts"`
	Channel     string          `json:"channel"`
	ChannelType string          `json:"channel_type"`
	Edited      json.RawMessage `json:"edited"`
}

// ignorableEvent reports, from the event alone, that it can never need an
// answer (another bot's or Gemba's own message, an edit, a join …): it is
// acked without being recorded, which keeps slack_events small in busy
// channels.
func ignorableEvent(ev innerEvent) bool {
	if ev.Type != "app_mention" && ev.Type != "message" {
		return true
	}
	if ev.BotID != "" || len(ev.Edited) > 0 && string(ev.Edited) != "null" {
		return true
	}
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
		return false
	}
	return true
}

var reMention = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)

// stripMentions removes user mentions and tidies the spaces left behind.
func stripMentions(s string) string {
	return strings.Join(strings.Fields(reMention.ReplaceAllString(s, " ")), " ")
}
