package conversation

import "strings"

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text from a person, a document or a model safe to put in
// mrkdwn: &, < and > are escaped, so nothing in it becomes a mention, a
// channel-wide notification or a link.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }
