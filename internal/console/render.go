package console

import (
	"strings"

	"github.com/gemba-ai/gemba/internal/conversation"
)

// Action ids of the answer buttons, the same as the bot's. The console
// also recognises other ids by what they contain (helpful, not_helpful,
// detail or more, resolve), so a renderer with other names still gets
// working buttons.
const (
	ActionHelpful    = "gemba_helpful"
	ActionNotHelpful = "gemba_not_helpful"
	ActionMoreDetail = "gemba_more"
	ActionResolve    = "gemba_resolve"
)

// Kinds of button action the console handles.
const (
	kindHelpful    = "helpful"
	kindNotHelpful = "not_helpful"
	kindDetail     = "detail"
	kindResolve    = "resolve"
	kindAlertAck   = "alert_ack"
	kindAlertAsk   = "alert_ask"
)

// actionKind maps a button's action_id to what it does, or "".
func actionKind(actionID string) string {
	id := strings.ToLower(actionID)
	switch {
	case id == conversation.ActionAlertAck:
		return kindAlertAck
	case id == conversation.ActionAlertAsk:
		return kindAlertAsk
	case id == ActionNotHelpful || strings.Contains(id, "not_helpful") || strings.Contains(id, "unhelpful") || strings.Contains(id, "thumbs_down"):
		return kindNotHelpful
	case id == ActionHelpful || strings.Contains(id, "helpful") || strings.Contains(id, "thumbs_up"):
		return kindHelpful
	case id == ActionMoreDetail || strings.Contains(id, "detail") || strings.Contains(id, "more"):
		return kindDetail
	case id == ActionResolve || strings.Contains(id, "resolve"):
		return kindResolve
	}
	return ""
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
