-- Slack delivery state: processed events (dedupe), channel bindings and settings, digests.
-- +goose Up
CREATE TABLE slack_events (
    event_id     text PRIMARY KEY,
    team_id      text NOT NULL DEFAULT '',
    kind         text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'done', 'failed')),
    owner        text NOT NULL DEFAULT '',
    lease_until  timestamptz,
    received_at  timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX slack_events_received_idx ON slack_events (received_at);

CREATE TABLE channel_settings (
    channel_id    text PRIMARY KEY,
    scope         text NOT NULL DEFAULT '',
    mention_only  boolean NOT NULL DEFAULT true,
    allowed_tools text[],
    quiet_start   time,
    quiet_end     time,
    time_zone     text NOT NULL DEFAULT 'UTC',
    updated_by    text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now()
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
DROP TABLE channel_settings;
DROP TABLE slack_events;
