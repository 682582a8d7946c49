// Package migrations embeds Gemba's SQL migrations. They are goose files
// (NNNNN_name.sql with -- +goose Up / Down sections), applied by
// `gemba migrate up` and at server start under an advisory lock (see db.Migrate).
//
// Each domain owns its file: 00001 extensions, 00002 documents (rag),
// 00003 series and models (series, predict registry), 00004 conversations
// and audit (agent), 00005 Slack events, channels and digests (bot),
// 00030 the applied plant model (plant/model),
// 00050 who made each tool call and which system ran it (agent, MCP),
// 00070 the series store's tail for live data (series),
// 00080 maintenance history and the equipment register (maintenance),
// 00081 the failure-risk task and trained model artifacts (risk, modelreg),
// 00090 console login sessions (console).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
