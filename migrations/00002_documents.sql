-- The plant's memory: incidents, runbooks and use cases, chunked and embedded.
-- Owned by package rag.
-- +goose Up
CREATE TABLE documents (
    id               text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('incident', 'runbook', 'usecase', 'note')),
    title            text NOT NULL,
    source           text NOT NULL DEFAULT '',
    site             text NOT NULL DEFAULT '',
    line             text NOT NULL DEFAULT '',
    asset            text NOT NULL DEFAULT '',
    failure_mode     text NOT NULL DEFAULT '',
    severity         text NOT NULL DEFAULT '',
    occurred_at      timestamptz,
    resolved_at      timestamptz,
    downtime_minutes integer,
    tags             text[] NOT NULL DEFAULT '{}',
    outcome          text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'worked', 'partial', 'failed', 'unknown')),
    outcome_by       text NOT NULL DEFAULT '',
    lang             text NOT NULL DEFAULT '',
    body             text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}',
    content_hash     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_kind_idx ON documents (kind);
CREATE INDEX documents_asset_idx ON documents (asset);
CREATE INDEX documents_line_idx ON documents (line);
CREATE INDEX documents_source_idx ON documents (source text_pattern_ops);

-- lex holds the normalised search terms computed in Go (lower-cased, lightly
-- stemmed words plus Hangul syllable bigrams, since the 'simple' config has no
-- Korean analysis); tsv indexes them.
CREATE TABLE chunks (
    id          bigserial PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    heading     text NOT NULL DEFAULT '',
    content     text NOT NULL,
    lex         text NOT NULL DEFAULT '',
    embed_model text NOT NULL,
    embed_dim   integer NOT NULL,
    embedding   vector NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', lex)) STORED,
    UNIQUE (document_id, ord)
);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_model_idx ON chunks (embed_model, embed_dim);
-- HNSW needs a fixed dimension: one partial expression index per dimension in
-- use. 384 is the local embedder's default; rag.Store creates others on demand
-- with the same definition (rag/store.go indexSQL). Half precision halves the
-- index so it stays in shared buffers; the table keeps full precision.
CREATE INDEX chunks_embedding_384_idx ON chunks
    USING hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)
    WHERE embed_dim = 384;

-- +goose Down
DROP TABLE chunks;
DROP TABLE documents;
