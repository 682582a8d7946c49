package rag

import (
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// ProviderEmbedder adapts a langchaingo embeddings.Embedder (OpenAI, Azure
// OpenAI, any OpenAI-compatible server, Ollama) to Embedder. It learns the
// dimension by embedding a probe text when built, checks every vector
// against it, and L2-normalises vectors for cosine search.
type ProviderEmbedder struct {
	model string
	dim   int
	inner embeddings.Embedder
	// queryPrefix and docPrefix are the instructions the model was trained
	// with (modelConventions).
	queryPrefix, docPrefix string
}

// modelConventions are the input conventions of known embedding models,
// matched on the model name: some were trained with an instruction before
// every query and passage and retrieve markedly worse without it. bge-m3
// and OpenAI's models take plain text.
var modelConventions = []struct {
	name           *regexp.Regexp
	query, passage string
}{
	// intfloat/multilingual-e5-{small,base,large}[-instruct], e5-* (also as
	// Ollama tags such as jeffh/intfloat-multilingual-e5-large:f16).
	{regexp.MustCompile(`(?i)(^|[/_:.-])(multilingual-)?e5([_:.-]|$)`), "query: ", "passage: "},
	// nomic-embed-text(-v1.5, -v2-moe)
	{regexp.MustCompile(`(?i)nomic-embed-text`), "search_query: ", "search_document: "},
}

// NewProviderEmbedder wraps inner, naming its vectors model. It calls the
// provider once to learn the dimension, so a wrong URL, key or model fails
// here with the provider's message rather than halfway through an ingest.
func NewProviderEmbedder(ctx context.Context, model string, inner embeddings.Embedder) (*ProviderEmbedder, error) {
	v, err := inner.EmbedQuery(ctx, "dimension probe")
	if err != nil {
		return nil, fmt.Errorf("rag: embedding provider %s: %w", model, err)
	}
	if len(v) == 0 || len(v) > 16000 {
		return nil, fmt.Errorf("rag: embedding provider %s returned a %d-dimensional vector", model, len(v))
	}
	p := &ProviderEmbedder{model: model, dim: len(v), inner: inner}
	for _, c := range modelConventions {
		if c.name.MatchString(model) {
			p.queryPrefix, p.docPrefix = c.query, c.passage
			break
		}
	}
	return p, nil
}

// Prefixes returns what is put before a query and before a document for
// this model ("query: " and "passage: " for multilingual-e5; none for bge-m3).
func (p *ProviderEmbedder) Prefixes() (query, document string) { return p.queryPrefix, p.docPrefix }

// Model returns the provider's model name.
func (p *ProviderEmbedder) Model() string { return p.model }

// Dim returns the dimension learnt from the provider.
func (p *ProviderEmbedder) Dim() int { return p.dim }

// EmbedDocuments embeds texts through the provider (batched by langchaingo).
func (p *ProviderEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	// langchaingo strips newlines in place: hand it a copy.
	in := make([]string, len(texts))
	for i, t := range texts {
		in[i] = p.docPrefix + t
	}
	vs, err := p.inner.EmbedDocuments(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("rag: embed with %s: %w", p.model, err)
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("rag: embed with %s: %d vectors for %d texts", p.model, len(vs), len(texts))
	}
	for i := range vs {
		if err := p.check(vs[i]); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// EmbedQuery embeds one question through the provider.
func (p *ProviderEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	v, err := p.inner.EmbedQuery(ctx, p.queryPrefix+text)
	if err != nil {
		return nil, fmt.Errorf("rag: embed query with %s: %w", p.model, err)
	}
	return v, p.check(v)
}

func (p *ProviderEmbedder) check(v []float32) error {
	if len(v) != p.dim {
		return fmt.Errorf("%w: %s returned %d dimensions, expected %d", ErrDimension, p.model, len(v), p.dim)
	}
	if !normalise(v) {
		v[0] = 1
	}
	return nil
}

// OpenAIOptions configure an OpenAI, Azure OpenAI or OpenAI-compatible
// embedding endpoint.
type OpenAIOptions struct {
	// BaseURL is the API root ending in /v1 for OpenAI-compatible servers,
	// or the Azure resource endpoint; empty means api.openai.com.
	BaseURL string
	// APIKey is the bearer token (any non-empty value for local servers).
	APIKey string
	// Model is the embedding model (the deployment name on Azure).
	Model string
	// Azure selects Azure OpenAI's URL scheme and api-key header.
	Azure bool
	// APIVersion is Azure's api-version.
	APIVersion string
	// HTTPClient replaces the default HTTP client (timeouts, proxies).
	HTTPClient *http.Client
}

// NewOpenAIEmbedder builds a ProviderEmbedder on langchaingo's openai
// client, which POSTs to {BaseURL}/embeddings.
func NewOpenAIEmbedder(ctx context.Context, o OpenAIOptions) (*ProviderEmbedder, error) {
	if o.Model == "" {
		return nil, fmt.Errorf("rag: openai embedder: no model given")
	}
	token := o.APIKey
	if token == "" {
		token = "unused" // langchaingo refuses an empty token even for local servers.
	}
	opts := []openai.Option{openai.WithToken(token), openai.WithEmbeddingModel(o.Model), openai.WithModel(o.Model)}
	if o.BaseURL != "" {
		opts = append(opts, openai.WithBaseURL(o.BaseURL))
	}
	if o.Azure {
		opts = append(opts, openai.WithAPIType(openai.APITypeAzure))
		if o.APIVersion != "" {
			opts = append(opts, openai.WithAPIVersion(o.APIVersion))
		}
	}
	if o.HTTPClient != nil {
		opts = append(opts, openai.WithHTTPClient(o.HTTPClient))
	}
	llm, err := openai.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("rag: openai embedder: %w", err)
	}
	inner, err := embeddings.NewEmbedder(llm, embeddings.WithBatchSize(128))
	if err != nil {
		return nil, fmt.Errorf("rag: openai embedder: %w", err)
	}
	return NewProviderEmbedder(ctx, o.Model, inner)
}

// NewOllamaEmbedder builds a ProviderEmbedder on langchaingo's ollama
// client (its native /api/embed endpoint); serverURL empty means the local
// default.
func NewOllamaEmbedder(ctx context.Context, serverURL, model string) (*ProviderEmbedder, error) {
	if model == "" {
		return nil, fmt.Errorf("rag: ollama embedder: no model given")
	}
	opts := []ollama.Option{ollama.WithModel(model)}
	if serverURL != "" {
		opts = append(opts, ollama.WithServerURL(serverURL))
	}
	llm, err := ollama.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("rag: ollama embedder: %w", err)
	}
	inner, err := embeddings.NewEmbedder(llm)
	if err != nil {
		return nil, fmt.Errorf("rag: ollama embedder: %w", err)
	}
	return NewProviderEmbedder(ctx, "ollama/"+model, inner)
}
