-- Maintenance history as records (internal/maintenance): work orders,
-- failures, preventive maintenance, inspections and alerts of each asset,
-- filled by CMMS imports (gemba history import), "Mark resolved" and the
-- demo plant; and the equipment register (asset type, model, install date)
-- that reliability figures and the failure-risk model group by.
--   kind:      work_order | failure | preventive | inspection | alert
--   status:    open (a work order not done yet) | closed
--   due_at:    when open work is planned (next service, bundling)
--   document_id: the incident document in the incident store, when there is one
--   source:    what wrote the row ('demo', 'resolve', the mapping's source or the file name)
-- +goose Up
CREATE TABLE maintenance_events (
    id               text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('work_order', 'failure', 'preventive', 'inspection', 'alert')),
    status           text NOT NULL DEFAULT 'closed' CHECK (status IN ('open', 'closed')),
    site             text NOT NULL DEFAULT '',
    line             text NOT NULL DEFAULT '',
    asset            text NOT NULL CHECK (asset <> ''),
    asset_type       text NOT NULL DEFAULT '',
    component        text NOT NULL DEFAULT '',
    failure_mode     text NOT NULL DEFAULT '',
    code             text NOT NULL DEFAULT '',
    title            text NOT NULL DEFAULT '',
    opened_at        timestamptz NOT NULL,
    closed_at        timestamptz CHECK (closed_at IS NULL OR closed_at >= opened_at),
    due_at           timestamptz,
    downtime_minutes integer CHECK (downtime_minutes IS NULL OR downtime_minutes >= 0),
    planned_minutes  integer CHECK (planned_minutes IS NULL OR planned_minutes >= 0),
    cost             numeric(14, 2) CHECK (cost IS NULL OR cost >= 0),
    outcome          text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'worked', 'partial', 'failed', 'unknown')),
    document_id      text NOT NULL DEFAULT '',
    source           text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX maintenance_events_asset_idx ON maintenance_events (asset, opened_at);
CREATE INDEX maintenance_events_line_idx ON maintenance_events (line, opened_at);
CREATE INDEX maintenance_events_kind_idx ON maintenance_events (kind, opened_at);
CREATE INDEX maintenance_events_open_idx ON maintenance_events (asset, due_at) WHERE status = 'open';
CREATE INDEX maintenance_events_source_idx ON maintenance_events (source);

CREATE TABLE equipment (
    asset        text PRIMARY KEY CHECK (asset <> ''),
    asset_type   text NOT NULL DEFAULT '',
    model        text NOT NULL DEFAULT '',
    site         text NOT NULL DEFAULT '',
    line         text NOT NULL DEFAULT '',
    installed_at timestamptz,
    source       text NOT NULL DEFAULT '',
    metadata     jsonb NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE equipment;
DROP TABLE maintenance_events;
