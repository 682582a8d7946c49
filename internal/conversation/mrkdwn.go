package conversation

import (
	"regexp"
	"strings"
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\x00", "")

// reBroadcast finds @here, @channel and @everyone written as words. Slack
// may turn them into notifications itself: mrkdwn text objects are
// "automatically parsed" for certain mentions unless verbatim.
var reBroadcast = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}_.+-])@(here|channel|everyone)\b`)

// wordJoiner keeps "@" and "here" apart for Slack's parser while showing
// the same text (U+2060 has no width).
const wordJoiner = "\u2060"

// Escape makes text from a person, a document or a model safe to put in
// mrkdwn or in a message's plain-text fallback: &, < and > are escaped, so
// nothing in it becomes a mention, a channel-wide notification or a link,
// and the words @here, @channel and @everyone are kept from being parsed
// as notifications. Only what Gemba composes itself (Mention, ChannelRef,
// ThreadLink) is live.
func Escape(s string) string {
	s = mrkdwnEscaper.Replace(s)
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	return reBroadcast.ReplaceAllString(s, "$1@"+wordJoiner+"$2")
}
