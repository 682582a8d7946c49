package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/conversation"
)

// onCommand acks a /gemba command: bad arguments and help are answered at
// once (ephemeral, only the caller sees them); anything else is recorded
// and handled by a worker of the core. An error means the command was not
// recorded.
func (b *Bot) onCommand(ctx context.Context, cmd slack.SlashCommand) (any, error) {
	if text, ok := conversation.QuickReply(cmd.Text); ok {
		return ephemeral(text), nil
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("bot: encode command: %w", err)
	}
	id := "cmd:" + cmd.TriggerID
	if cmd.TriggerID == "" {
		id = "cmd:" + randomID()
	}
	if _, err := b.core.Accept(ctx, Source, id, cmd.TeamID, conversation.KindCommand, payload); err != nil {
		return nil, err
	}
	return nil, nil
}

func randomID() string {
	buf := make([]byte, 8)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}
