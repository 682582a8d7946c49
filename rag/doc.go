// Package rag is the plant's memory: a PostgreSQL + pgvector store of past
// incidents, runbooks (SOPs) and use cases that the agent searches to cite
// what happened before and what fixed it.
//
// In the flow of a question it sits under tools: the search_incidents and
// get_document tools (Tools) call Store.Search and Store.Get. Documents come
// in through Ingest (Markdown with YAML front matter, JSON/JSONL, CSV
// work-order exports, plain text) or Store.Upsert (the Slack "mark resolved"
// flow), are cut into heading-aware chunks, embedded by an Embedder (the
// built-in LocalEmbedder needs no network; langchaingo providers reach
// OpenAI-compatible servers, Azure and Ollama) and written in bulk.
//
// Search is hybrid: an HNSW cosine search over the embeddings and a
// PostgreSQL full-text search are fused with reciprocal rank fusion.
// Incidents whose fix worked rank above ones where it did not. Both legs
// see terms analysed in Go with the bilingual maintenance vocabulary
// (internal/vocab), because the 'simple' text-search configuration knows no
// Korean: asset names are normalised (프레스 3호기 → press-3), Korean
// particles and endings are dropped, and every vocabulary term of either
// language becomes its concept's shared term, so a Korean question finds an
// English document and the other way round. Full-text matches are weighed
// by how rare their terms are in the store (IDF from the planner's
// statistics). Embedders that see raw text (a multilingual model on Ollama
// or an OpenAI-compatible server) get the question with the other
// language's words for what it names appended (vocab.Expand). Every chunk
// records the analysis it was made with; `gemba rag reembed` redoes stale
// ones.
//
// The package knows nothing of Slack or LLM chat; it imports tools only for
// the tool constructors in tool.go.
package rag
