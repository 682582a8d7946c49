package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/slack-go/slack"
)

// The "Mark resolved" modal.
const (
	resolveCallback = "gemba_resolve"
	blockActions    = "resolve_actions"
	blockCause      = "resolve_cause"
	blockDowntime   = "resolve_downtime"
	blockWorked     = "resolve_worked"
	inputID         = "value"
)

// resolveMeta travels in the modal's private_metadata.
type resolveMeta struct {
	Channel   string `json:"c"`
	ThreadTS  string `json:"t"`
	MessageTS string `json:"m"`
}

// onInteraction acks a button click or a modal submission. "Mark resolved"
// opens its modal at once (the trigger expires in 3 s); a modal with bad
// input is answered with field errors; the rest is recorded for the core.
func (b *Bot) onInteraction(ctx context.Context, cb slack.InteractionCallback, raw []byte) (any, error) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			switch a.ActionID {
			case conversation.ActionResolve:
				in, err := inboundAction(cb)
				if err != nil {
					return nil, err
				}
				go func() {
					if err := b.OpenForm(context.WithoutCancel(ctx), cb.TriggerID, conversation.Form{Channel: in.Channel, Thread: in.Thread, Message: in.Ref}); err != nil {
						b.log.ErrorContext(ctx, "could not open the resolve form", "err", err)
						_ = b.Ephemeral(context.WithoutCancel(ctx), in.Channel, cb.User.ID, "", conversation.Message{Text: "Sorry — I couldn't open the form. Please click *Mark resolved* again."})
					}
				}()
				return nil, nil
			case conversation.ActionHelpful, conversation.ActionNotHelpful, conversation.ActionMore,
				conversation.ActionAlertAck, conversation.ActionAlertAsk:
				_, err := b.core.Accept(ctx, Source, clickID(cb, a.ActionID, a.ActionTs), cb.Team.ID, conversation.KindAction, raw)
				return nil, err
			}
		}
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != resolveCallback {
			return nil, nil
		}
		if errs := validateResolve(cb.View.State); len(errs) > 0 {
			return slack.NewErrorsViewSubmissionResponse(errs), nil
		}
		_, err := b.core.Accept(ctx, Source, "act:view:"+cb.View.ID, cb.Team.ID, conversation.KindAction, raw)
		return nil, err
	}
	return nil, nil
}

// clickID is the delivery id of a button click: the same for Slack's
// redelivery of one click, different for two clicks. trigger_id can be
// empty, so the key is the click's own action_ts with who clicked what
// where; a payload with neither gets a random id (counted, never dropped).
// A form is submitted once per view, so its view id is its key.
func clickID(cb slack.InteractionCallback, action, actionTS string) string {
	switch {
	case actionTS != "":
		return "act:" + cb.Channel.ID + ":" + cb.User.ID + ":" + actionTS + ":" + action
	case cb.TriggerID != "":
		return "act:" + cb.TriggerID + ":" + action
	}
	return "act:" + randomID() + ":" + action
}

// inboundAction reads a recorded click or form submission.
func inboundAction(cb slack.InteractionCallback) (conversation.Inbound, error) {
	if cb.Type == slack.InteractionTypeViewSubmission {
		var meta resolveMeta
		if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Channel == "" || meta.ThreadTS == "" {
			return conversation.Inbound{}, fmt.Errorf("resolve: bad form metadata %q", cb.View.PrivateMetadata)
		}
		r := resolution(cb.View.State)
		r.Channel, r.Thread, r.Message, r.User = meta.Channel, meta.ThreadTS, meta.MessageTS, cb.User.ID
		return conversation.Inbound{Kind: conversation.KindAction, Channel: meta.Channel, User: cb.User.ID, Thread: meta.ThreadTS, Resolution: &r}, nil
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	in := conversation.Inbound{Kind: conversation.KindAction, Channel: cb.Channel.ID, User: cb.User.ID, Ref: ts, Thread: thread, Trigger: cb.TriggerID}
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case conversation.ActionHelpful, conversation.ActionNotHelpful, conversation.ActionMore, conversation.ActionResolve,
			conversation.ActionAlertAck, conversation.ActionAlertAsk:
			in.Action, in.Value = a.ActionID, a.Value
			return in, nil
		}
	}
	return conversation.Inbound{}, nil
}

// ResolveModal is the "Mark resolved" form: what was done, the root cause,
// downtime in minutes, and whether it worked.
func ResolveModal(meta string) slack.ModalViewRequest {
	pt := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	actions := slack.NewPlainTextInputBlockElement(pt("Replaced the drive-end bearing, re-tensioned the belt…"), inputID)
	actions.Multiline = true
	cause := slack.NewPlainTextInputBlockElement(pt("Worn bearing"), inputID)
	downtime := slack.NewPlainTextInputBlockElement(pt("45"), inputID)
	worked := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Choose"), inputID,
		slack.NewOptionBlockObject(conversation.OutcomeWorked, pt("Yes, it worked"), nil),
		slack.NewOptionBlockObject(conversation.OutcomePartial, pt("Partly"), nil),
		slack.NewOptionBlockObject(conversation.OutcomeFailed, pt("No, it did not work"), nil))
	causeBlock := slack.NewInputBlock(blockCause, pt("Root cause"), nil, cause)
	causeBlock.Optional = true
	downBlock := slack.NewInputBlock(blockDowntime, pt("Downtime (minutes)"), pt("A whole number; 0 if there was none."), downtime)
	downBlock.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: resolveCallback, PrivateMetadata: meta,
		Title: pt("Mark resolved"), Submit: pt("Save incident"), Close: pt("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "This thread becomes an incident in Gemba's memory, so the next similar question finds what worked.", false, false), nil, nil),
			slack.NewInputBlock(blockActions, pt("What was done?"), nil, actions),
			causeBlock,
			downBlock,
			slack.NewInputBlock(blockWorked, pt("Did it work?"), nil, worked),
		}},
	}
}

// OpenForm opens the "Mark resolved" modal for the click's trigger.
func (b *Bot) OpenForm(ctx context.Context, trigger string, f conversation.Form) error {
	thread := f.Thread
	if thread == "" {
		thread = f.Message
	}
	meta, _ := json.Marshal(resolveMeta{Channel: f.Channel, ThreadTS: thread, MessageTS: f.Message})
	return b.retry(ctx, "views.open", func(ctx context.Context) error {
		_, err := b.api.OpenViewContext(ctx, trigger, ResolveModal(string(meta)))
		return err
	})
}

func stateValue(st *slack.ViewState, block string) string {
	if st == nil {
		return ""
	}
	a, ok := st.Values[block][inputID]
	if !ok {
		return ""
	}
	if a.SelectedOption.Value != "" {
		return a.SelectedOption.Value
	}
	return strings.TrimSpace(a.Value)
}

// resolution reads the modal's fields.
func resolution(st *slack.ViewState) conversation.Resolution {
	r := conversation.Resolution{Actions: stateValue(st, blockActions), RootCause: stateValue(st, blockCause), Outcome: stateValue(st, blockWorked)}
	if d := stateValue(st, blockDowntime); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			n = -1 // not a whole number: refused as such
		}
		r.Downtime = &n
	}
	return r
}

// formBlocks maps the core's form fields to the modal's blocks.
var formBlocks = map[string]string{
	conversation.FieldActions:  blockActions,
	conversation.FieldDowntime: blockDowntime,
	conversation.FieldOutcome:  blockWorked,
}

// validateResolve returns the modal's field errors (empty when valid): the
// core's checks, plus that Slack's form always says whether it worked.
func validateResolve(st *slack.ViewState) map[string]string {
	r := resolution(st)
	if r.Outcome == "" {
		r.Outcome = "(none)"
	}
	errs := map[string]string{}
	for f, msg := range conversation.ValidateResolution(r) {
		errs[formBlocks[f]] = capitalise(msg) + "."
	}
	return errs
}
