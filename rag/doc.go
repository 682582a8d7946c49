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
// PostgreSQL full-text search over terms normalised in Go (light English
// stemming, Hangul syllable bigrams and a small Korean–English glossary of
// plant terms, because the 'simple' configuration does no Korean analysis)
// are fused with reciprocal rank fusion. Incidents whose fix worked rank
// above ones where it did not.
//
// The package knows nothing of Slack or LLM chat; it imports tools only for
// the tool constructors in tool.go.
package rag
