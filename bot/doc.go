// Package bot is where people meet Gemba: the Slack app. It receives
// events, slash commands and button clicks over Socket Mode or the HTTP
// Events API, acknowledges each at once, and answers on a bounded worker
// pool: a 👀 reaction and a placeholder in the thread, then the answer as
// Block Kit (built by the pure RenderAnswer, shared with the local
// console), charts as PNG uploads, and buttons for feedback, more detail
// and "Mark resolved", which turns the thread into a new incident document.
//
// Every delivery is written to Postgres before it is acked (slack_events),
// so a first delivery is never lost and a retry or a second replica never
// answers twice; shift digests are claimed per slot in the same way
// (digest_posts). The agent, the incident store and feedback recording are
// reached through small interfaces declared here (Asker, Feedback,
// Incidents), so the bot depends on behaviour, not on their packages.
package bot
