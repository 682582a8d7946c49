-- The plant's memory: incidents, runbooks and use cases, chunked and embedded.
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
    outcome          text NOT NULL DEFAULT '',
    lang             text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}',
    content_hash     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_kind_idx ON documents (kind);
CREATE INDEX documents_asset_idx ON documents (asset);
CREATE INDEX documents_source_idx ON documents (source);

CREATE TABLE chunks (
    id          bigserial PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    heading     text NOT NULL DEFAULT '',
    content     text NOT NULL,
    embed_model text NOT NULL,
    embed_dim   integer NOT NULL,
    embedding   vector NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', heading || ' ' || content)) STORED,
    UNIQUE (document_id, ord)
);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_trgm_idx ON chunks USING gin (content gin_trgm_ops);
-- HNSW needs a fixed dimension: one partial expression index per dimension in use.
CREATE INDEX chunks_embedding_384_idx ON chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE embed_dim = 384;

-- +goose Down
DROP TABLE chunks;
DROP TABLE documents;
