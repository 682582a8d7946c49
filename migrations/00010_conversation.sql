-- The conversation core's tables, no longer named after Slack: every front
-- door (Slack, the local console, a later chat platform) records its
-- deliveries, threads, posted answers, channel settings and digests here,
-- told apart by a source column. The Slack rows are kept: they become the
-- rows of source 'slack'.
-- +goose Up
ALTER TABLE slack_events RENAME TO deliveries;
ALTER TABLE deliveries RENAME COLUMN event_id TO delivery_id;
ALTER TABLE deliveries RENAME COLUMN reply_ts TO reply_ref;
ALTER TABLE deliveries ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE deliveries DROP CONSTRAINT slack_events_pkey;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (source, delivery_id);
ALTER INDEX slack_events_received_idx RENAME TO deliveries_received_idx;
ALTER INDEX slack_events_lease_idx RENAME TO deliveries_lease_idx;
ALTER TABLE deliveries DROP CONSTRAINT slack_events_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('', 'event', 'command', 'interaction'));
ALTER TABLE deliveries DROP CONSTRAINT slack_events_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('processing', 'done', 'failed'));

ALTER TABLE channel_settings ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE channel_settings DROP CONSTRAINT channel_settings_pkey;
ALTER TABLE channel_settings ADD CONSTRAINT channel_settings_pkey PRIMARY KEY (source, channel_id);

ALTER TABLE slack_threads RENAME TO threads;
ALTER TABLE threads ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE threads RENAME COLUMN thread_ts TO thread_ref;
ALTER TABLE threads DROP CONSTRAINT slack_threads_pkey;
ALTER TABLE threads ADD CONSTRAINT threads_pkey PRIMARY KEY (source, channel_id, thread_ref);
DROP INDEX slack_threads_open_idx;
CREATE INDEX threads_open_idx ON threads (source, channel_id, last_answer_at) WHERE resolved_at IS NULL;

ALTER TABLE slack_answers RENAME TO posted_answers;
ALTER TABLE posted_answers ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE posted_answers RENAME COLUMN message_ts TO message_ref;
ALTER TABLE posted_answers RENAME COLUMN thread_ts TO thread_ref;
ALTER TABLE posted_answers DROP CONSTRAINT slack_answers_pkey;
ALTER TABLE posted_answers ADD CONSTRAINT posted_answers_pkey PRIMARY KEY (source, channel_id, message_ref);

ALTER TABLE digest_schedules ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE digest_schedules DROP CONSTRAINT digest_schedules_channel_id_key;
ALTER TABLE digest_schedules ADD CONSTRAINT digest_schedules_source_channel_key UNIQUE (source, channel_id);

ALTER TABLE digest_posts ADD COLUMN source text NOT NULL DEFAULT 'slack';
ALTER TABLE digest_posts RENAME COLUMN message_ts TO message_ref;
ALTER TABLE digest_posts DROP CONSTRAINT digest_posts_channel_id_slot_key;
ALTER TABLE digest_posts ADD CONSTRAINT digest_posts_source_channel_slot_key UNIQUE (source, channel_id, slot);

-- Leader election for periodic work (digests, follow-ups, model
-- re-evaluation, pruning): one row per kind of work, held by one replica
-- until it stops renewing it.
CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE leases;

-- Rows of other front doors have no place in the Slack-only tables.
DELETE FROM digest_posts WHERE source <> 'slack';
ALTER TABLE digest_posts DROP CONSTRAINT digest_posts_source_channel_slot_key;
ALTER TABLE digest_posts ADD CONSTRAINT digest_posts_channel_id_slot_key UNIQUE (channel_id, slot);
ALTER TABLE digest_posts RENAME COLUMN message_ref TO message_ts;
ALTER TABLE digest_posts DROP COLUMN source;

DELETE FROM digest_schedules WHERE source <> 'slack';
ALTER TABLE digest_schedules DROP CONSTRAINT digest_schedules_source_channel_key;
ALTER TABLE digest_schedules ADD CONSTRAINT digest_schedules_channel_id_key UNIQUE (channel_id);
ALTER TABLE digest_schedules DROP COLUMN source;

DELETE FROM posted_answers WHERE source <> 'slack';
ALTER TABLE posted_answers DROP CONSTRAINT posted_answers_pkey;
ALTER TABLE posted_answers ADD CONSTRAINT slack_answers_pkey PRIMARY KEY (channel_id, message_ref);
ALTER TABLE posted_answers RENAME COLUMN thread_ref TO thread_ts;
ALTER TABLE posted_answers RENAME COLUMN message_ref TO message_ts;
ALTER TABLE posted_answers DROP COLUMN source;
ALTER TABLE posted_answers RENAME TO slack_answers;

DELETE FROM threads WHERE source <> 'slack';
DROP INDEX threads_open_idx;
ALTER TABLE threads DROP CONSTRAINT threads_pkey;
ALTER TABLE threads ADD CONSTRAINT slack_threads_pkey PRIMARY KEY (channel_id, thread_ref);
ALTER TABLE threads RENAME COLUMN thread_ref TO thread_ts;
ALTER TABLE threads DROP COLUMN source;
ALTER TABLE threads RENAME TO slack_threads;
CREATE INDEX slack_threads_open_idx ON slack_threads (channel_id, last_answer_at) WHERE resolved_at IS NULL;

DELETE FROM channel_settings WHERE source <> 'slack';
ALTER TABLE channel_settings DROP CONSTRAINT channel_settings_pkey;
ALTER TABLE channel_settings ADD CONSTRAINT channel_settings_pkey PRIMARY KEY (channel_id);
ALTER TABLE channel_settings DROP COLUMN source;

DELETE FROM deliveries WHERE source <> 'slack';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT slack_events_status_check CHECK (status IN ('processing', 'done', 'failed'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT slack_events_kind_check CHECK (kind IN ('', 'event', 'command', 'interaction'));
ALTER INDEX deliveries_lease_idx RENAME TO slack_events_lease_idx;
ALTER INDEX deliveries_received_idx RENAME TO slack_events_received_idx;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD CONSTRAINT slack_events_pkey PRIMARY KEY (delivery_id);
ALTER TABLE deliveries DROP COLUMN source;
ALTER TABLE deliveries RENAME COLUMN reply_ref TO reply_ts;
ALTER TABLE deliveries RENAME COLUMN delivery_id TO event_id;
ALTER TABLE deliveries RENAME TO slack_events;
