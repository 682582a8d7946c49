package modelreg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetArtifact stores a trained model's parameters (JSON) beside its
// registry row, replacing any stored before.
func (r *Registry) SetArtifact(ctx context.Context, modelID int64, artifact json.RawMessage) error {
	if _, err := r.db.Exec(ctx, `
INSERT INTO model_artifacts (model_id, artifact) VALUES ($1, $2)
ON CONFLICT (model_id) DO UPDATE SET artifact = EXCLUDED.artifact, created_at = now()`, modelID, []byte(artifact)); err != nil {
		return fmt.Errorf("modelreg: store artifact: %w", err)
	}
	return nil
}

// Artifact returns a model's stored parameters; ErrNotFound when it has none.
func (r *Registry) Artifact(ctx context.Context, modelID int64) (json.RawMessage, error) {
	var b []byte
	err := r.db.QueryRow(ctx, `SELECT artifact FROM model_artifacts WHERE model_id = $1`, modelID).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("modelreg: artifact of model %d: %w", modelID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("modelreg: artifact: %w", err)
	}
	return b, nil
}

// RecordEvaluation stores an evaluation of a model that serves no single
// series (the failure-risk model is measured on the whole plant's history).
func (r *Registry) RecordEvaluation(ctx context.Context, m Model, now time.Time, met EvalMetrics, drifted bool) (Evaluation, error) {
	raw, err := json.Marshal(met)
	if err != nil {
		return Evaluation{}, fmt.Errorf("modelreg: store evaluation: %w", err)
	}
	ev := Evaluation{ModelID: m.ID, Model: m.Name, Version: m.Version, EvaluatedAt: now.UTC(), Metrics: met, Drifted: drifted}
	if err := r.db.QueryRow(ctx, `
INSERT INTO model_evaluations (model_id, evaluated_at, metrics, drifted)
VALUES ($1, $2, $3, $4) RETURNING id`, m.ID, now, raw, drifted).Scan(&ev.ID); err != nil {
		return Evaluation{}, fmt.Errorf("modelreg: store evaluation: %w", err)
	}
	return ev, nil
}
