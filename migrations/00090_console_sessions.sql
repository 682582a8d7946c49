-- Console login sessions. The cookie holds a random id; only its SHA-256 is
-- stored, so reading this table logs nobody in. A session ends when it
-- expires, when its user logs out (the row is deleted), or when
-- GEMBA_CONSOLE_TOKEN changes (token_tag, an HMAC of a fixed label keyed by
-- the token, no longer matches). Replicas share the table, so a session
-- made on one is known to all.
-- +goose Up
CREATE TABLE console_sessions (
    id_hash    bytea PRIMARY KEY,
    token_tag  bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    remote     text NOT NULL DEFAULT ''
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- +goose Down
-- Sessions are short-lived: going down logs everyone out of the console.
DROP TABLE console_sessions;
