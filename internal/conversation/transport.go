package conversation

import (
	"context"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
)

// Transport is one front door to the core: Slack (package bot), the local
// console (internal/console), or another chat platform. It turns what people
// send into an Inbound for the core, and shows what the core says. Channel,
// message and thread references are the transport's own strings (Slack's
// channel ids and message ts; the console's message ids); the core stores
// them without reading them.
//
// Text in a Message is mrkdwn (*bold*, `code`, :emoji:, <@user> made with
// Mention): the markup of Block Kit, which both the Slack API and the
// console render. A transport for a platform with another markup converts
// it.
type Transport interface {
	Names
	// Decode turns a recorded delivery back into an Inbound: a transport
	// records its deliveries in its own wire form (so that a delivery
	// recorded before an upgrade still decodes). Kind "" in the result
	// means there is nothing to do.
	Decode(ctx context.Context, kind string, payload []byte) (Inbound, error)

	// Post sends a message to a channel, in thread when thread is not "",
	// and returns its reference.
	Post(ctx context.Context, channel, thread string, m Message) (string, error)
	// Update replaces a message the core posted (a placeholder) in thread
	// ("" when the message is not in a thread).
	Update(ctx context.Context, channel, thread, ref string, m Message) error
	// Ephemeral shows a message to one user only.
	Ephemeral(ctx context.Context, channel, user, thread string, m Message) error
	// React adds or removes a reaction on a message; failures are the
	// transport's to log, never worth failing an answer over.
	React(ctx context.Context, channel, ref, name string, add bool)
	// Upload attaches a chart (drawn as PNG, with its numbers) in a thread.
	Upload(ctx context.Context, channel, thread string, c chart.Chart) error
	// OpenForm opens the "Mark resolved" form for the user who clicked
	// (trigger is the click's handle, when the platform has one).
	OpenForm(ctx context.Context, trigger string, f Form) error

	// History returns a thread's messages, oldest first, for a question
	// first asked mid-thread and for a resolved thread's record.
	History(ctx context.Context, channel, thread string) ([]Said, error)
	// FindPlaceholder returns this bot's placeholder still waiting in a
	// thread ("" when there is none): a retried delivery reuses it.
	FindPlaceholder(ctx context.Context, channel, thread string) (string, error)
	// MemberOf reports whether user belongs to a user group (permissions).
	MemberOf(ctx context.Context, group, user string) (bool, error)
}

// Names is the part of a transport that names things: its source, and how
// users, channels, user groups and threads are written in message text.
type Names interface {
	// Source names the front door ("slack", "console") in the stored rows,
	// thread keys and metrics.
	Source() string
	// Mention, ChannelRef and GroupRef write a user, a channel and a user
	// group ("" for an id that is not a group) in message text; ThreadLink
	// is a link to a thread ("" when the platform has none).
	Mention(user string) string
	ChannelRef(channel string) string
	GroupRef(group string) string
	ThreadLink(channel, thread string) string
	// Everyone notifies everyone present in a channel (an alert's
	// escalation): Slack's <!here>.
	Everyone() string
}

// Message is what the core shows. Exactly one of Text, Answer and Digest
// is the content; Text is also the plain-text fallback of the others.
type Message struct {
	// Text is mrkdwn.
	Text string
	// Answer is an agent answer, rendered by the transport (Block Kit in
	// Slack and the console); Detail renders only its held-back steps.
	Answer *agent.Answer
	Detail bool
	// Digest is a shift digest: its header, or with DigestDetails the
	// sections posted in the header's thread.
	Digest        *Digest
	DigestDetails bool
	// Placeholder marks the "looking into it" message (transports may show
	// it as pending).
	Placeholder bool
	// Alert is a proactive alert (with its Acknowledge and Ask Gemba
	// buttons, or who acknowledged it).
	Alert *Alert
}

// Form is the "Mark resolved" form: which thread it resolves and which
// message the button was on.
type Form struct {
	Channel, Thread, Message string
}

// Said is one message of a thread as History returns it.
type Said struct {
	Ref, User, Text string
	// Bot is true for messages of bots (Gemba's own included).
	Bot bool
}

// Kinds of Inbound (also the kind column of recorded deliveries).
const (
	KindMessage = "event"
	KindCommand = "command"
	KindAction  = "interaction"
)

// Inbound is one thing a person did that the core handles: a message, a
// /gemba command, a button click or a submitted form.
type Inbound struct {
	// Kind is KindMessage, KindCommand or KindAction; "" is nothing to do.
	Kind string
	// Channel and User say where and who.
	Channel, User string

	// Text is a message without the mentions of Gemba, or the text after
	// /gemba.
	Text string
	// Ref is the message itself (the 👀 reaction goes on it); Thread is the
	// thread it is in ("" or Ref for a new thread).
	Ref, Thread string
	// Addressed: the message is for Gemba (a mention, a direct message).
	// Direct: a direct message. AlsoAddressed: a plain message event for a
	// message that mentions Gemba, which its mention event answers.
	Addressed, Direct, AlsoAddressed bool

	// Action is a button's id (ActionHelpful …), Value its value, and
	// Trigger the click's handle for opening a form.
	Action, Value, Trigger string
	// Resolution is a submitted "Mark resolved" form.
	Resolution *Resolution

	// Placeholder is a reply message the transport already shows as
	// pending (the console's): the answer replaces it.
	Placeholder string
}

// thread returns the thread a reply to in goes in.
func (in Inbound) thread() string {
	if in.Thread != "" {
		return in.Thread
	}
	return in.Ref
}

// midThread reports whether the message was written inside a thread it
// did not start.
func (in Inbound) midThread() bool { return in.Thread != "" && in.Thread != in.Ref }

// Action ids of an answer's buttons, the same on every transport.
const (
	ActionHelpful    = "gemba_helpful"
	ActionNotHelpful = "gemba_not_helpful"
	ActionMore       = "gemba_more"
	ActionResolve    = "gemba_resolve"
)
