-- Who made each tool call and which system ran it.
--   source: 'agent' (Gemba's agent answering a question) or 'mcp' (an MCP
--           client calling Gemba's tools through gemba mcp or /mcp; such a
--           call belongs to no answer, answer_id stays NULL, and its
--           conversation is the MCP session, thread_key 'mcp:<session>').
--   caller: for 'mcp', the client's name and version as it introduced itself.
--   origin: '' for Gemba's own tools, 'mcp:<server>' for an external MCP
--           server's tool that the agent called.
-- +goose Up
ALTER TABLE tool_calls
    ADD COLUMN source text NOT NULL DEFAULT 'agent' CHECK (source IN ('agent', 'mcp')),
    ADD COLUMN caller text NOT NULL DEFAULT '',
    ADD COLUMN origin text NOT NULL DEFAULT '';
CREATE INDEX tool_calls_source_idx ON tool_calls (source, id DESC);
-- After a down and up again, MCP calls are recognised by their session's
-- thread key (the caller's name is what a down migration loses).
UPDATE tool_calls t SET source = 'mcp'
FROM conversations c
WHERE c.id = t.conversation_id AND t.answer_id IS NULL AND c.thread_key LIKE 'mcp:%';

-- +goose Down
DROP INDEX tool_calls_source_idx;
ALTER TABLE tool_calls
    DROP COLUMN origin,
    DROP COLUMN caller,
    DROP COLUMN source;
