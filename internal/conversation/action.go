package conversation

import (
	"context"
	"fmt"
	"strconv"
)

// Ratings of an answer, as the feedback stores keep them.
const (
	RatingHelpful    = "helpful"
	RatingNotHelpful = "not_helpful"
)

// onAction handles a button on an answer: Helpful / Not helpful,
// More detail, and Mark resolved (which opens the form).
func (c *Core) onAction(ctx context.Context, t Transport, j job, in Inbound) error {
	switch in.Action {
	case ActionHelpful, ActionNotHelpful:
		rating := RatingHelpful
		if in.Action == ActionNotHelpful {
			rating = RatingNotHelpful
		}
		if _, err := c.Rate(ctx, t, in.Channel, in.Ref, in.User, in.Value, rating); err != nil {
			return err
		}
		msg := "Thanks — glad it helped. :raised_hands:"
		if rating == RatingNotHelpful {
			msg = "Thanks for telling me. Reply in the thread with what was wrong or missing and I'll try again."
		}
		return t.Ephemeral(ctx, in.Channel, in.User, "", Message{Text: msg})
	case ActionMore:
		if _, err := c.moreDetail(ctx, t, j, in); err != nil {
			return err
		}
		return nil
	case ActionResolve:
		return t.OpenForm(ctx, in.Trigger, Form{Channel: in.Channel, Thread: in.thread(), Message: in.Ref})
	}
	return fmt.Errorf("conversation: unknown action %q", in.Action)
}

// Rate records a user's Helpful / Not helpful on the answer posted as
// message ref: with the posted answer (the last click counts) and, when
// the answer is in the audit trail, there too. value is the button's
// value (the answer's audit id) when the transport has it. It returns the
// audit id the rating was stored with (0 if none).
func (c *Core) Rate(ctx context.Context, t Transport, channel, ref, user, value, rating string) (int64, error) {
	if err := c.recordFeedback(ctx, t.Source(), channel, ref, user, rating); err != nil {
		return 0, err
	}
	id, _ := strconv.ParseInt(value, 10, 64)
	if id <= 0 {
		if a, _, err := c.PostedAnswer(ctx, t.Source(), channel, ref); err == nil && a != nil {
			id = a.ID
		}
	}
	if id > 0 && c.o.Feedback != nil {
		if err := c.o.Feedback.RecordFeedback(ctx, id, user, rating); err != nil {
			c.log.WarnContext(ctx, "feedback not stored with the answer's audit", "answer", id, "err", err)
			return 0, nil
		}
		return id, nil
	}
	return 0, nil
}

// moreDetail posts, in its thread, the steps an answer held back. It
// returns the posted message's reference ("" when the answer has no more
// detail, which the user is told).
func (c *Core) moreDetail(ctx context.Context, t Transport, j job, in Inbound) (string, error) {
	a, thread, err := c.PostedAnswer(ctx, t.Source(), in.Channel, in.Ref)
	if err != nil {
		return "", err
	}
	if a == nil || len(a.Detail) == 0 {
		return "", t.Ephemeral(ctx, in.Channel, in.User, "", Message{Text: "There is no more detail for this answer — ask a follow-up question in the thread."})
	}
	if !c.owns(ctx, j) {
		return "", errLostLease
	}
	return t.Post(ctx, in.Channel, thread, Message{Answer: a, Detail: true, Text: "More detail"})
}
