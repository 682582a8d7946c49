package bot

import (
	"context"
	"encoding/json"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/gemba-ai/gemba/internal/conversation"
)

// runSocket connects over Socket Mode and acks every envelope as soon as
// it is recorded. Each envelope is handled on its own goroutine (at most
// 64 at once), so one slow database round trip never delays the others'
// acks. An envelope that cannot be recorded is not acked: Slack redelivers
// it.
func (b *Bot) runSocket(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- b.sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			b.connected.Store(false)
			return nil
		case err := <-errc:
			b.connected.Store(false)
			if err != nil && ctx.Err() == nil {
				b.log.ErrorContext(ctx, "socket mode stopped; Slack events will not arrive until Gemba restarts (check GEMBA_SLACK_APP_TOKEN)", "err", err)
			}
			return err
		case ev := <-b.sm.Events:
			switch ev.Type {
			case socketmode.EventTypeConnected:
				b.connected.Store(true)
				b.log.InfoContext(ctx, "socket mode connected")
			case socketmode.EventTypeConnecting:
				b.log.DebugContext(ctx, "socket mode connecting")
			case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError:
				b.connected.Store(false)
				b.log.WarnContext(ctx, "socket mode connection problem", "type", ev.Type, "data", ev.Data)
			case socketmode.EventTypeDisconnect:
				b.connected.Store(false)
			case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
				if ev.Request == nil {
					continue
				}
				select {
				case b.acceptSem <- struct{}{}:
				case <-ctx.Done():
					return nil
				}
				go func() {
					defer func() { <-b.acceptSem }()
					b.onEnvelope(ctx, ev)
				}()
			}
		}
	}
}

func (b *Bot) onEnvelope(ctx context.Context, ev socketmode.Event) {
	start := time.Now()
	req := *ev.Request
	var resp any
	var err error
	switch ev.Type {
	case socketmode.EventTypeEventsAPI:
		var outer struct {
			EventID string     `json:"event_id"`
			TeamID  string     `json:"team_id"`
			Event   innerEvent `json:"event"`
		}
		if err = json.Unmarshal(req.Payload, &outer); err != nil || outer.EventID == "" {
			b.log.WarnContext(ctx, "socket mode event without event_id; acked and dropped", "err", err)
			err = nil
			break
		}
		b.metrics.CountEvent(outer.Event.Type)
		if ignorableEvent(outer.Event) {
			break
		}
		_, err = b.core.Accept(ctx, Source, outer.EventID, outer.TeamID, conversation.KindMessage, req.Payload)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok {
			break
		}
		resp, err = b.onCommand(ctx, cmd)
		if err != nil {
			resp, err = ephemeral(":warning: Gemba could not take this command right now (its database is unreachable). Please try again in a minute."), nil
		}
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok {
			break
		}
		resp, err = b.onInteraction(ctx, cb, req.Payload)
	}
	if err != nil {
		b.log.ErrorContext(ctx, "could not record delivery; not acking so Slack redelivers it", "envelope", req.EnvelopeID, "err", err)
		return
	}
	if resp != nil {
		err = b.sm.Ack(req, resp)
	} else {
		err = b.sm.Ack(req)
	}
	if err != nil {
		b.log.ErrorContext(ctx, "socket mode ack failed", "envelope", req.EnvelopeID, "err", err)
	}
	b.metrics.ObserveStage("ack", time.Since(start))
}
