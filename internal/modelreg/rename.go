package modelreg

import (
	"context"
	"fmt"

	"github.com/gemba-ai/gemba/internal/db"
)

// RenameSeries carries renamed series (old name → new name) into the
// input schemas of registered models, inside the caller's transaction, so
// an external forecaster registered for a series keeps serving it under
// its new name. Evaluations need nothing: they hang on the series' id. It
// returns how many models changed.
func RenameSeries(ctx context.Context, q db.DBTX, renames map[string]string) (int64, error) {
	if len(renames) == 0 {
		return 0, nil
	}
	olds := make([]string, 0, len(renames))
	news := make([]string, 0, len(renames))
	for o, n := range renames {
		olds, news = append(olds, o), append(news, n)
	}
	tag, err := q.Exec(ctx, `
UPDATE models m SET input_schema = jsonb_set(m.input_schema, '{series}', (
    SELECT jsonb_agg(COALESCE(r.new, s.name) ORDER BY s.ord)
    FROM jsonb_array_elements_text(m.input_schema->'series') WITH ORDINALITY AS s(name, ord)
    LEFT JOIN unnest($1::text[], $2::text[]) AS r(old, new) ON r.old = s.name))
WHERE jsonb_typeof(m.input_schema->'series') = 'array'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(m.input_schema->'series') AS e(name) WHERE e.name = ANY($1))`, olds, news)
	if err != nil {
		return 0, fmt.Errorf("modelreg: rename series: %w", err)
	}
	return tag.RowsAffected(), nil
}
