// Package bot is Gemba's Slack front door, and only that: the Socket Mode
// and HTTP Events API transports, request signatures, the slash-command and
// interaction payloads, the "Mark resolved" modal, and the Web API calls
// (post, update, react, upload, open a view, read a thread) through which
// the conversation core (internal/conversation) answers. It acknowledges
// each delivery as soon as the core has recorded it, so a first delivery is
// never lost and a retry or a second replica never answers twice; answers
// are rendered as Block Kit by internal/blockkit, the renderer the local
// console shares.
package bot
