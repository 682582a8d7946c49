-- The failure-risk model (internal/risk) in the model registry: a third
-- task, 'risk', and the trained model's parameters beside its registry row
-- (a built-in model has none; a trained one has its coefficients and
-- feature scaling as JSON).
-- +goose Up
ALTER TABLE models DROP CONSTRAINT models_task_check;
ALTER TABLE models ADD CONSTRAINT models_task_check CHECK (task IN ('detect', 'forecast', 'risk'));
CREATE TABLE model_artifacts (
    model_id   bigint PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,
    artifact   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE model_artifacts;
DELETE FROM models WHERE task = 'risk';
ALTER TABLE models DROP CONSTRAINT models_task_check;
ALTER TABLE models ADD CONSTRAINT models_task_check CHECK (task IN ('detect', 'forecast'));
