package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/rag"
)

// SeedDemo migrates the database at url and loads the demo plant and its
// documents, so that the scripted model's tool calls run on real data.
func SeedDemo(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if _, err := db.Migrate(ctx, url, nil); err != nil {
		return err
	}
	pool, err := db.Open(ctx, url, db.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := demo.Seed(ctx, pool, demo.Options{})
	if err != nil {
		return fmt.Errorf("loadtest: seed the demo plant: %w", err)
	}
	emb, err := rag.NewLocalEmbedder(rag.DefaultLocalDim)
	if err != nil {
		return err
	}
	corpus, err := demo.Docs(res.End)
	if err != nil {
		return err
	}
	if _, err := rag.New(pool, emb, rag.Options{}).IngestFS(ctx, corpus, ".", "demo/docs", rag.IngestOptions{}); err != nil {
		return fmt.Errorf("loadtest: load the demo documents: %w", err)
	}
	return nil
}
