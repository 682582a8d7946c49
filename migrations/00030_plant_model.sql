-- The plant model (plant.yaml) as applied by `gemba plant apply`: one row
-- per apply that changed it, the newest in force. Every replica checks the
-- newest version each minute and reloads its calendar and registry when it
-- moved. The file is kept as written (comments and all), so `gemba plant
-- show` prints what was applied; what the file made (bindings, digest
-- schedules) is told apart by comparing with the previous version.
-- +goose Up
CREATE TABLE plant_models (
    version    bigserial PRIMARY KEY,
    source     text NOT NULL,
    sha256     text NOT NULL,
    file_name  text NOT NULL DEFAULT '',
    applied_by text NOT NULL DEFAULT '',
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE plant_models;
