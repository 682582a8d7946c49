package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
// input is answered with field errors; the rest is recorded for a worker.
func (b *Bot) onInteraction(ctx context.Context, cb slack.InteractionCallback, raw []byte) (any, error) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			switch a.ActionID {
			case ActionResolve:
				go b.openResolveModal(context.WithoutCancel(ctx), cb)
				return nil, nil
			case ActionHelpful, ActionNotHelpful, ActionMore:
				_, err := b.accept(ctx, "act:"+cb.TriggerID+":"+a.ActionID, cb.Team.ID, kindInteraction, raw)
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
		_, err := b.accept(ctx, "act:"+cb.TriggerID+":"+cb.View.ID, cb.Team.ID, kindInteraction, raw)
		return nil, err
	}
	return nil, nil
}

// handleInteraction runs a recorded click or submission.
func (b *Bot) handleInteraction(ctx context.Context, j job) error {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(j.payload, &cb); err != nil {
		return fmt.Errorf("decode interaction: %w", err)
	}
	if cb.Type == slack.InteractionTypeViewSubmission {
		return b.resolve(ctx, cb)
	}
	channel, ts := cb.Channel.ID, cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case ActionHelpful, ActionNotHelpful:
			rating := "helpful"
			if a.ActionID == ActionNotHelpful {
				rating = "not_helpful"
			}
			if err := b.recordFeedback(ctx, channel, ts, cb.User.ID, rating); err != nil {
				return err
			}
			if id, _ := strconv.ParseInt(a.Value, 10, 64); id > 0 && b.o.Feedback != nil {
				if err := b.o.Feedback.RecordFeedback(ctx, id, cb.User.ID, rating); err != nil {
					b.log.WarnContext(ctx, "feedback not stored with the answer's audit", "answer", id, "err", err)
				}
			}
			msg := "Thanks — glad it helped. :raised_hands:"
			if rating == "not_helpful" {
				msg = "Thanks for telling me. Reply in the thread with what was wrong or missing and I'll try again."
			}
			return b.postEphemeral(ctx, channel, cb.User.ID, "", msg)
		case ActionMore:
			a, threadTS, err := b.loadAnswer(ctx, channel, ts)
			if err != nil {
				return err
			}
			if a == nil || len(a.Detail) == 0 {
				return b.postEphemeral(ctx, channel, cb.User.ID, "", "There is no more detail for this answer — ask a follow-up question in the thread.")
			}
			for _, blocks := range Messages(RenderAnswer(a, RenderOptions{Detail: true})) {
				if _, err := b.post(ctx, channel, threadTS, slack.MsgOptionText("More detail", false), slack.MsgOptionBlocks(blocks...)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return nil
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
		slack.NewOptionBlockObject(OutcomeWorked, pt("Yes, it worked"), nil),
		slack.NewOptionBlockObject(OutcomePartial, pt("Partly"), nil),
		slack.NewOptionBlockObject(OutcomeFailed, pt("No, it did not work"), nil))
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

func (b *Bot) openResolveModal(ctx context.Context, cb slack.InteractionCallback) {
	channel, ts := cb.Channel.ID, cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	threadTS := cb.Container.ThreadTs
	if threadTS == "" {
		threadTS = cb.Message.ThreadTimestamp
	}
	if threadTS == "" {
		threadTS = ts
	}
	meta, _ := json.Marshal(resolveMeta{Channel: channel, ThreadTS: threadTS, MessageTS: ts})
	err := b.retry(ctx, "views.open", func(ctx context.Context) error {
		_, err := b.api.OpenViewContext(ctx, cb.TriggerID, ResolveModal(string(meta)))
		return err
	})
	if err != nil {
		b.log.ErrorContext(ctx, "could not open the resolve form", "err", err)
		_ = b.postEphemeral(ctx, channel, cb.User.ID, "", "Sorry — I couldn't open the form. Please click *Mark resolved* again.")
	}
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

// validateResolve returns the modal's field errors (empty when valid).
func validateResolve(st *slack.ViewState) map[string]string {
	errs := map[string]string{}
	if stateValue(st, blockActions) == "" {
		errs[blockActions] = "Say what was done, so the next person can repeat it."
	}
	if d := stateValue(st, blockDowntime); d != "" {
		if n, err := strconv.Atoi(d); err != nil || n < 0 || n > 100000 {
			errs[blockDowntime] = "Downtime must be a whole number of minutes, e.g. 45."
		}
	}
	switch stateValue(st, blockWorked) {
	case OutcomeWorked, OutcomePartial, OutcomeFailed:
	default:
		errs[blockWorked] = "Choose whether it worked."
	}
	return errs
}

// resolve stores a resolved thread as a new incident document, records
// the outcome on the documents the thread's answers cited, and says so in
// the thread.
func (b *Bot) resolve(ctx context.Context, cb slack.InteractionCallback) error {
	var meta resolveMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Channel == "" || meta.ThreadTS == "" {
		return fmt.Errorf("resolve: bad form metadata %q", cb.View.PrivateMetadata)
	}
	st := cb.View.State
	user := cb.User.ID
	actions, cause, outcome := stateValue(st, blockActions), stateValue(st, blockCause), stateValue(st, blockWorked)
	downtime, _ := strconv.Atoi(stateValue(st, blockDowntime))
	if b.o.Incidents == nil {
		return b.postThread(ctx, meta.Channel, meta.ThreadTS, fmt.Sprintf("<@%s> marked this resolved, but this Gemba has no incident store configured, so I couldn't save it. An admin can enable it.", user))
	}
	th, err := b.loadThread(ctx, meta.Channel, meta.ThreadTS)
	if err != nil {
		return err
	}
	settings, err := b.Settings(ctx, meta.Channel)
	if err != nil {
		return err
	}
	var q string
	var cites []string
	occurred := b.now()
	if th != nil {
		q, cites = th.Question, th.Citations
	}
	if sec, err := strconv.ParseFloat(meta.ThreadTS, 64); err == nil {
		occurred = timeFromSlack(sec)
	}
	history := b.threadHistory(ctx, meta.Channel, meta.ThreadTS, "")
	inc := Incident{
		ID: "slack-" + strings.ToLower(meta.Channel) + "-" + meta.ThreadTS, Title: incidentTitle(q, cause),
		Site: settings.Scope.Site, Line: settings.Scope.Line, Asset: settings.Scope.Asset,
		RootCause: cause, Actions: actions, Downtime: downtime, Outcome: outcome,
		OccurredAt: occurred, ResolvedAt: b.now(), ResolvedBy: user,
		Source: threadKey(meta.Channel, meta.ThreadTS), Cites: cites,
	}
	inc.Body = incidentBody(inc, q, history)
	id, err := b.o.Incidents.SaveIncident(ctx, inc)
	if err != nil {
		_ = b.postThread(ctx, meta.Channel, meta.ThreadTS, ":warning: Sorry — I couldn't save this incident just now. Please try *Mark resolved* again in a minute.")
		return fmt.Errorf("resolve: save incident: %w", err)
	}
	var recorded []string
	for _, d := range cites {
		if d == id {
			continue
		}
		if err := b.o.Incidents.SetOutcome(ctx, d, outcome, user); err != nil {
			b.log.WarnContext(ctx, "outcome not recorded", "doc", d, "err", err)
			continue
		}
		recorded = append(recorded, "`"+d+"`")
	}
	if err := b.markResolved(ctx, meta.Channel, meta.ThreadTS, user, id, outcome); err != nil {
		return err
	}
	msg := fmt.Sprintf(":white_check_mark: <@%s> marked this resolved. Saved as incident `%s`", user, id)
	if downtime > 0 {
		msg += fmt.Sprintf(" (%d min downtime)", downtime)
	}
	msg += "."
	if len(recorded) > 0 {
		msg += " Outcome recorded on " + strings.Join(recorded, ", ") + "."
	}
	return b.postThread(ctx, meta.Channel, meta.ThreadTS, msg)
}

func incidentTitle(question, cause string) string {
	t := strings.TrimSpace(question)
	if t == "" {
		t = "Incident resolved in Slack"
	}
	if cause != "" {
		t += " — " + cause
	}
	return truncate(t, 120)
}

func incidentBody(inc Incident, question, history string) string {
	var sb strings.Builder
	if question != "" {
		sb.WriteString("## Symptom\n" + question + "\n\n")
	}
	sb.WriteString("## Actions taken\n" + inc.Actions + "\n\n")
	if inc.RootCause != "" {
		sb.WriteString("## Root cause\n" + inc.RootCause + "\n\n")
	}
	fmt.Fprintf(&sb, "## Outcome\n%s (downtime %d min), resolved by %s.\n", map[string]string{OutcomeWorked: "Worked", OutcomePartial: "Partly worked", OutcomeFailed: "Did not work"}[inc.Outcome], inc.Downtime, inc.ResolvedBy)
	if len(inc.Cites) > 0 {
		sb.WriteString("\nRelated documents: " + strings.Join(inc.Cites, ", ") + "\n")
	}
	if history != "" {
		sb.WriteString("\n## Slack thread\n" + history + "\n")
	}
	return sb.String()
}
