-- Slack delivery state: the durable inbox of deliveries (dedupe + leases),
-- channel bindings and settings, threads the bot is part of, digests.
-- +goose Up

-- One row per Slack delivery (event_id for events; "cmd:"/"act:" + trigger
-- id for slash commands and interactions). The row is written before the
-- delivery is acked, so a first delivery is never lost: if the replica that
-- claimed it dies, its lease expires and any replica takes it over. A
-- duplicate (Slack retry, second replica) finds the row and is dropped.
CREATE TABLE slack_events (
    event_id     text PRIMARY KEY,
    team_id      text NOT NULL DEFAULT '',
    kind         text NOT NULL DEFAULT '' CHECK (kind IN ('', 'event', 'command', 'interaction')),
    payload      bytea,
    status       text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'done', 'failed')),
    owner        text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 1,
    lease_until  timestamptz,
    reply_ts     text NOT NULL DEFAULT '', -- placeholder message, reused by a retry
    error        text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX slack_events_received_idx ON slack_events (received_at);
CREATE INDEX slack_events_lease_idx ON slack_events (lease_until) WHERE status = 'processing';

CREATE TABLE channel_settings (
    channel_id    text PRIMARY KEY,
    scope         text NOT NULL DEFAULT '',           -- site/line/asset, e.g. "line-2" or "site=busan line=line-2"
    mention_only  boolean NOT NULL DEFAULT true,       -- false: answer every question in the channel
    allowed_tools text[],                              -- NULL or empty: all tools
    forecast_users text[],                             -- NULL or empty: anyone; else user or user group ids
    quiet_start   time,
    quiet_end     time,
    time_zone     text NOT NULL DEFAULT 'UTC',
    updated_by    text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Threads Gemba answered in: follow-ups without a mention, "Mark resolved",
-- outcome answers ("yes, step 2 fixed it") and the digest's open threads.
CREATE TABLE slack_threads (
    channel_id     text NOT NULL,
    thread_ts      text NOT NULL,
    thread_key     text NOT NULL,
    started_by     text NOT NULL DEFAULT '',
    question       text NOT NULL DEFAULT '',
    answer_id      bigint,
    citations      text[] NOT NULL DEFAULT '{}',
    step_citations jsonb NOT NULL DEFAULT '[]',
    last_answer_at timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    resolved_by    text NOT NULL DEFAULT '',
    incident_id    text NOT NULL DEFAULT '',
    outcome        text NOT NULL DEFAULT '',
    outcome_by     text NOT NULL DEFAULT '',
    followup_at    timestamptz,                 -- when Gemba asked "did it help?"
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, thread_ts)
);
CREATE INDEX slack_threads_open_idx ON slack_threads (channel_id, last_answer_at) WHERE resolved_at IS NULL;

-- Answers as posted (by message), so "More detail" and feedback work on
-- any replica, with or without the agent's audit store.
CREATE TABLE slack_answers (
    channel_id text NOT NULL,
    message_ts text NOT NULL,
    thread_ts  text NOT NULL,
    answer_id  bigint,
    answer     jsonb NOT NULL,
    feedback   jsonb NOT NULL DEFAULT '{}', -- user id -> helpful | not_helpful
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, message_ts)
);

CREATE TABLE digest_schedules (
    id         bigserial PRIMARY KEY,
    channel_id text NOT NULL UNIQUE,
    cron       text NOT NULL,
    time_zone  text NOT NULL DEFAULT 'UTC',
    scope      text NOT NULL DEFAULT '',
    enabled    boolean NOT NULL DEFAULT true,
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A slot is claimed by inserting its row in the same transaction that
-- posts it; the unique key makes a second replica skip the slot.
CREATE TABLE digest_posts (
    id          bigserial PRIMARY KEY,
    schedule_id bigint REFERENCES digest_schedules (id) ON DELETE SET NULL,
    channel_id  text NOT NULL,
    slot        timestamptz NOT NULL,
    message_ts  text NOT NULL DEFAULT '',
    posted_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, slot)
);

-- +goose Down
DROP TABLE digest_posts;
DROP TABLE digest_schedules;
DROP TABLE slack_answers;
DROP TABLE slack_threads;
DROP TABLE channel_settings;
DROP TABLE slack_events;
