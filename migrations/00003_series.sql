-- Time series of the plant and the model registry.
-- +goose Up
CREATE TABLE series (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    unit       text NOT NULL DEFAULT '',
    site       text NOT NULL DEFAULT '',
    line       text NOT NULL DEFAULT '',
    asset      text NOT NULL DEFAULT '',
    sensor     text NOT NULL DEFAULT '',
    kind       text NOT NULL DEFAULT 'sensor',   -- sensor | production | plan
    interval   interval,
    source     text NOT NULL DEFAULT '',         -- 'demo' for generated series, '' for imports
    metadata   jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_asset_idx ON series (asset);
CREATE INDEX series_line_idx ON series (line);
CREATE INDEX series_source_idx ON series (source);

CREATE TABLE points (
    series_id bigint NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    ts        timestamptz NOT NULL,
    value     double precision NOT NULL,
    PRIMARY KEY (series_id, ts)
);

CREATE TABLE models (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    version      text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('builtin', 'kserve_v2', 'mlflow')),
    task         text NOT NULL CHECK (task IN ('detect', 'forecast')),
    endpoint     text NOT NULL DEFAULT '',
    input_schema jsonb NOT NULL DEFAULT '{}',
    metrics      jsonb NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);
CREATE UNIQUE INDEX models_one_active_idx ON models (name) WHERE active;

CREATE TABLE model_evaluations (
    id          bigserial PRIMARY KEY,
    model_id    bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    series_id   bigint REFERENCES series (id) ON DELETE CASCADE,
    evaluated_at timestamptz NOT NULL DEFAULT now(),
    metrics     jsonb NOT NULL,
    drifted     boolean NOT NULL DEFAULT false
);
CREATE INDEX model_evaluations_model_idx ON model_evaluations (model_id, evaluated_at DESC);

-- Built-in models are always registered (and active) so that every number a
-- tool reports can name the model version that produced it.
INSERT INTO models (name, version, kind, task, input_schema, metrics, active) VALUES
    ('holt-winters', '1', 'builtin', 'forecast', '{"description": "ETS family (Holt-Winters additive/multiplicative, damped trend, SES) with naive baselines, chosen by rolling-origin backtest"}', '{}', true),
    ('robust-detector', '1', 'builtin', 'detect', '{"description": "seasonal robust z (median/MAD) plus CUSUM shifts; multivariate robust Mahalanobis per asset"}', '{}', true);

-- +goose Down
DROP TABLE model_evaluations;
DROP TABLE models;
DROP TABLE points;
DROP TABLE series;
