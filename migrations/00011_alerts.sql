-- Proactive alerts: an anomaly event on an asset, told to the channels
-- bound to it once (across replicas), acknowledged or escalated.
-- +goose Up
CREATE TABLE alerts (
    id            bigserial PRIMARY KEY,
    asset         text NOT NULL,
    sensor        text NOT NULL DEFAULT '',
    kind          text NOT NULL DEFAULT '',
    onset         timestamptz NOT NULL,
    sigma         double precision NOT NULL DEFAULT 0,
    value         double precision NOT NULL DEFAULT 0,
    usual         double precision NOT NULL DEFAULT 0,
    unit          text NOT NULL DEFAULT '',
    summary       text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    acked_by      text NOT NULL DEFAULT '',
    acked_at      timestamptz,
    escalated_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_asset_idx ON alerts (asset, created_at DESC);
CREATE INDEX alerts_open_idx ON alerts (created_at) WHERE status = 'open';

-- Where each alert was posted, so that Acknowledge updates every copy and
-- an escalation lands in the alert's thread.
CREATE TABLE alert_posts (
    alert_id    bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    source      text NOT NULL,
    channel_id  text NOT NULL,
    message_ref text NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, source, channel_id)
);

-- +goose Down
DROP TABLE alert_posts;
DROP TABLE alerts;
