// Package console is Gemba's local web console: a Slack-like page served by
// the same binary and HTTP server as /slack/*, /healthz and /metrics, so a
// newcomer can try Gemba on the demo plant before a Slack app is approved,
// and an admin can see what the bot did and why.
//
// In the flow of a question the console stands where Slack stands: it takes
// a question or a /gemba command typed in a channel-like view, hands it to
// the agent (Asker) or the bot's command runner (CommandFunc), and shows the
// reply rendered in the browser from the same Block Kit JSON that Slack
// would receive (Renderer). Buttons in those blocks post back to the console,
// which calls the same stores Slack interactivity calls: feedback, more
// detail, and "mark resolved" (Resolver). Each answer has a trace panel read
// from the audit trail (AnswerStore): tool calls, retrieved documents with
// scores, mode, tokens and latency. Plant, incident and digest pages read
// the series store (Plant), the incident store (Docs) and the digest
// scheduler (Digests).
//
// Every dependency is a small interface or function declared here, so the
// composition root (cli) plugs in the real agent, bot and stores, and a
// missing one only disables its page. The assets under web/ are plain
// HTML, CSS and JavaScript embedded in the binary: no Node build step.
//
// Security: on a non-loopback address without a token (GEMBA_CONSOLE_TOKEN)
// the console is disabled and answers 403; with a token every request needs it, as a
// bearer header or as the HttpOnly cookie set by the login form. Without a
// token only loopback Host headers are served (a DNS-rebinding guard), and
// state-changing requests must come from the console's own origin. The
// console never returns configuration secrets.
package console
