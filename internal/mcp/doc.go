// Package mcp connects Gemba to the Model Context Protocol in both
// directions, with github.com/modelcontextprotocol/go-sdk.
//
// As a server (Server, `gemba mcp` over stdio and /mcp over streamable
// HTTP) it offers an engineer's own assistant (Claude Desktop, an IDE agent)
// the same typed tools Gemba's agent uses, with their JSON Schemas: bad
// arguments and requests the plant cannot answer come back as tool results
// with isError set and a readable message, never as protocol errors. Incident
// store documents are resources (gemba://documents/{id}) and
// "diagnose_asset" is a prompt. Every tool call is written to the audit trail
// with the client that made it.
//
// As a client (Connect) it reaches the external MCP servers listed in the
// configuration (a CMMS, an ERP, a quality system) and turns their allowed
// tools into tools.Tool values named with a prefix. They implement
// agent.ExternalTool, so the agent offers them to the LLM only, marks their
// results and never lets them alone back a step that acts on equipment.
//
// The package sits beside the front doors: internal/app builds a Server on
// the tool registry and mounts its handler, and adds Connect's tools to the
// agent's registry. It imports tools, rag (documents) and agent (the audit
// record), never the reverse.
package mcp
