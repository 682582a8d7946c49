-- Conversations per thread, their messages, and the audit trail of every answer.
-- +goose Up
CREATE TABLE conversations (
    id         bigserial PRIMARY KEY,
    thread_key text NOT NULL UNIQUE, -- e.g. slack:C123:1700000000.000100, console:abc, cli:xyz
    channel    text NOT NULL DEFAULT '',
    scope      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
    id              bigserial PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    user_id         text NOT NULL DEFAULT '',
    content         text NOT NULL,
    tokens          integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);

CREATE TABLE answers (
    id                bigserial PRIMARY KEY,
    conversation_id   bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question_id       bigint REFERENCES messages (id) ON DELETE SET NULL,
    message_id        bigint REFERENCES messages (id) ON DELETE SET NULL,
    thread_key        text NOT NULL DEFAULT '',
    user_id           text NOT NULL DEFAULT '',
    question          text NOT NULL DEFAULT '',
    lang              text NOT NULL DEFAULT '',
    mode              text NOT NULL CHECK (mode IN ('llm', 'offline')),
    model             text NOT NULL DEFAULT '',
    warnings          text[] NOT NULL DEFAULT '{}',
    answer            jsonb NOT NULL,
    citations         text[] NOT NULL DEFAULT '{}',
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    latency_ms        integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX answers_conversation_idx ON answers (conversation_id, id);
CREATE INDEX answers_created_idx ON answers (created_at DESC);

CREATE TABLE model_calls (
    id                bigserial PRIMARY KEY,
    answer_id         bigint REFERENCES answers (id) ON DELETE CASCADE,
    conversation_id   bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    model             text NOT NULL,
    step              integer NOT NULL DEFAULT 0,
    attempt           integer NOT NULL DEFAULT 1,
    tool_calls        integer NOT NULL DEFAULT 0,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    latency_ms        integer NOT NULL DEFAULT 0,
    error             text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_calls_answer_idx ON model_calls (answer_id);

CREATE TABLE tool_calls (
    id              bigserial PRIMARY KEY,
    answer_id       bigint REFERENCES answers (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tool            text NOT NULL,
    seq             integer NOT NULL DEFAULT 0,
    args            jsonb NOT NULL DEFAULT '{}',
    duration_ms     integer NOT NULL DEFAULT 0,
    result_bytes    integer NOT NULL DEFAULT 0,
    result_summary  text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_calls_answer_idx ON tool_calls (answer_id);

CREATE TABLE feedback (
    id         bigserial PRIMARY KEY,
    answer_id  bigint NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id    text NOT NULL DEFAULT '',
    rating     text NOT NULL CHECK (rating IN ('helpful', 'not_helpful')),
    comment    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (answer_id, user_id)
);

-- +goose Down
DROP TABLE feedback;
DROP TABLE tool_calls;
DROP TABLE model_calls;
DROP TABLE answers;
DROP TABLE messages;
DROP TABLE conversations;
