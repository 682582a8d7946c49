package rag

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"strings"
	"sync"
)

// Embedder turns texts into vectors. Every implementation reports the
// model name and dimension stored beside each chunk, so that a query is
// only ever compared with vectors of the same model.
type Embedder interface {
	// Model names the embedding model, e.g. "local-ngram-v2" or "text-embedding-3-small".
	Model() string
	// Dim is the length of every vector the embedder returns.
	Dim() int
	// EmbedDocuments returns one vector per text, in order.
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	// EmbedQuery embeds a search question.
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
}

// ErrDimension marks a vector whose length differs from what the store or
// the query expects, or a store that holds only another model's vectors:
// mixing models or dimensions in one query is refused.
var ErrDimension = errors.New("rag: embedding model or dimension mismatch")

// DefaultLocalDim is the local embedder's default dimension; the migration
// creates its HNSW index.
const DefaultLocalDim = 384

// LocalEmbedder is the built-in embedder: it hashes analysed words, word
// pairs and character n-grams (Latin trigrams, Hangul syllables and
// bigrams) into a fixed-size signed vector and L2-normalises it. It needs no
// network and no model file, is deterministic, and works for Korean as well
// as English; hybrid search with full text keeps retrieval good with it.
type LocalEmbedder struct {
	dim int
}

// NewLocalEmbedder returns a local embedder of the given dimension (8 to
// 2000; 0 selects DefaultLocalDim).
func NewLocalEmbedder(dim int) (*LocalEmbedder, error) {
	if dim == 0 {
		dim = DefaultLocalDim
	}
	if dim < 8 || dim > 2000 {
		return nil, fmt.Errorf("rag: local embedder dimension %d out of range 8..2000", dim)
	}
	return &LocalEmbedder{dim: dim}, nil
}

// Model names the algorithm and its version; change the version when the
// features change so that `gemba rag reembed` knows to redo the chunks.
func (e *LocalEmbedder) Model() string { return "local-ngram-v2" }

// Dim returns the vector length.
func (e *LocalEmbedder) Dim() int { return e.dim }

// MinSimilarity is the cosine similarity under which a local-embedder
// match is noise: unrelated text ("banana bread recipe") scores ≤ 0.13
// against the demo corpus, relevant chunks ≥ 0.25.
func (e *LocalEmbedder) MinSimilarity() float64 { return 0.15 }

// EmbedDocuments embeds each text, spreading large batches over the CPUs.
func (e *LocalEmbedder) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), len(texts)/64+1)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				out[i] = e.embed(texts[i])
			}
		}(w)
	}
	wg.Wait()
	return out, nil
}

// EmbedQuery embeds one text.
func (e *LocalEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	return e.embed(text), nil
}

// Feature weights: whole terms carry the meaning, pairs add phrase sense,
// character n-grams add tolerance to spelling and inflection.
const (
	wTerm    = 1.0
	wPair    = 0.5
	wTrigram = 0.15
	wSyll    = 0.2
	wConcept = 1.5
)

func (e *LocalEmbedder) embed(text string) []float32 {
	acc := make(map[uint64]float64, 64)
	terms := analyze(text)
	prev := ""
	for _, t := range terms {
		acc[hash64("t:", t.text)] += wTerm * cw(t)
		if t.concept {
			continue
		}
		if !t.hangul {
			if prev != "" {
				acc[hash64("p:", prev+" "+t.text)] += wPair
			}
			prev = t.text
			if len(t.word) >= 4 && isASCIIWord(t.word) {
				w := "^" + t.word + "$"
				for k := 0; k+3 <= len(w); k++ {
					acc[hash64("c:", w[k:k+3])] += wTrigram
				}
			}
		} else if n := len([]rune(t.text)); n == 2 {
			for _, r := range t.text {
				acc[hash64("s:", string(r))] += wSyll
			}
		}
	}
	v := make([]float64, e.dim)
	for h, w := range acc {
		// Sub-linear term frequency: repeating a word adds ever less.
		w = 1 + math.Log(w)
		if w <= 0 {
			w = 0.05
		}
		idx := int(h % uint64(e.dim))
		if h>>63 == 1 {
			v[idx] -= w
		} else {
			v[idx] += w
		}
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, e.dim)
	if norm == 0 {
		// An empty text still needs a valid unit vector for cosine distance.
		out[0] = 1
		return out
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x * inv)
	}
	return out
}

func hash64(prefix, s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(prefix))
	_, _ = h.Write([]byte(s))
	x := h.Sum64()
	// FNV's high bits mix poorly for short keys; finish with a splitmix step.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// normalise scales v to unit length in place (cosine search assumes it) and
// reports whether v was non-zero.
func normalise(v []float32) bool {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return false
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
	return true
}

// embedText is what a chunk's vector is computed from: the document title
// and heading path give a short chunk its context.
func embedText(title, heading, content string) string {
	var b strings.Builder
	b.WriteString(title)
	if heading != "" {
		b.WriteString("\n")
		b.WriteString(heading)
	}
	b.WriteString("\n")
	b.WriteString(content)
	return b.String()
}

// cw weighs glossary concepts, the bridge between Korean and English text.
func cw(t term) float64 {
	if t.concept {
		return wConcept
	}
	return 1
}
