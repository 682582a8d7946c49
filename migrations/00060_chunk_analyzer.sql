-- The version of the text analysis that computed each chunk's lex (and, for
-- the local embedder, its vector): analyser rules plus the bilingual
-- vocabulary's fingerprint (issue 18, Korean-aware analysis). Lex is computed
-- in Go, so no SQL can recompute it: rows written before this migration get
-- '' and `gemba rag reembed` (or re-ingesting their files) redoes them.
-- Owned by package rag.
-- +goose Up
ALTER TABLE chunks ADD COLUMN analyzer text NOT NULL DEFAULT '';

-- +goose Down
-- Keeps every chunk and its lex as the newer analyser wrote it; only the
-- version marker goes.
ALTER TABLE chunks DROP COLUMN analyzer;
