// Package embedtest is a local embedding server for tests: an httptest
// server that speaks Ollama's native POST /api/embed and the OpenAI
// embeddings API (POST /v1/embeddings, which OpenAI, vLLM, llama.cpp's
// server, LocalAI, TEI and Ollama's /v1 all serve), so that Gemba's real
// provider clients (langchaingo's ollama and openai packages) are tested
// over the wire: request shapes, batching, authentication, error bodies.
//
// It does not run a model. The vectors come from the Embed function the
// test gives it (a stand-in for bge-m3 or multilingual-e5); the server
// records every input so tests can check what reached the wire (query and
// passage prefixes, query expansion). Like every fake in Gemba it is used
// only by tests and is never linked into the gemba binary.
package embedtest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Options configure a Server.
type Options struct {
	// Models are the model names the server serves (for Ollama also with a
	// ":latest" tag); a request for another gets the server's real
	// model-not-found error.
	Models []string
	// Embed computes the vector of one input as the model receives it.
	Embed func(model, input string) []float32
	// APIKey, when set, is the bearer token /v1/embeddings requires.
	APIKey string
	// FailAfter makes every request after the first FailAfter ones fail
	// with HTTP 500 (a server going down mid-reembed); 0 never fails.
	FailAfter int64
}

// Server is a running fake embedding server.
type Server struct {
	*httptest.Server
	opt      Options
	requests atomic.Int64
	mu       sync.Mutex
	inputs   []Input
}

// Input is one text the server embedded and how it came in.
type Input struct {
	// API is "ollama" or "openai".
	API   string
	Model string
	Text  string
	// Batch is how many texts the request carried.
	Batch int
}

// NewServer starts a server, closed when the test ends.
func NewServer(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{opt: opt}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/embed", s.ollamaEmbed)
	mux.HandleFunc("POST /v1/embeddings", s.openAIEmbed)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Requests is the number of embedding requests served (failed ones too).
func (s *Server) Requests() int64 { return s.requests.Load() }

// Inputs returns every text embedded so far, in order.
func (s *Server) Inputs() []Input {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inputs)
}

func (s *Server) known(model string) bool {
	return slices.Contains(s.opt.Models, model) || slices.Contains(s.opt.Models, strings.TrimSuffix(model, ":latest"))
}

func (s *Server) failing() bool {
	n := s.requests.Add(1)
	return s.opt.FailAfter > 0 && n > s.opt.FailAfter
}

func (s *Server) record(api, model string, texts []string) [][]float32 {
	out := make([][]float32, len(texts))
	s.mu.Lock()
	for _, t := range texts {
		s.inputs = append(s.inputs, Input{API: api, Model: model, Text: t, Batch: len(texts)})
	}
	s.mu.Unlock()
	for i, t := range texts {
		out[i] = s.opt.Embed(model, t)
	}
	return out
}

// stringOrList reads an "input" that is one string or a list of strings,
// as both APIs accept.
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("input must be a string or an array of strings")
	}
	return many, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ollamaEmbed serves POST /api/embed: {"model", "input": string|[]string,
// "truncate", "options", "keep_alive", "dimensions"} →
// {"model", "embeddings": [[…]], "total_duration", "load_duration",
// "prompt_eval_count"}; errors are {"error": "…"}.
func (s *Server) ollamaEmbed(w http.ResponseWriter, r *http.Request) {
	if s.failing() {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "llama runner process has terminated"})
		return
	}
	var req struct {
		Model     string          `json:"model"`
		Input     json.RawMessage `json:"input"`
		Truncate  *bool           `json:"truncate"`
		Options   map[string]any  `json:"options"`
		KeepAlive any             `json:"keep_alive"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if req.Model == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "model is required"})
		return
	}
	if !s.known(req.Model) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("model %q not found, try pulling it first", req.Model)})
		return
	}
	texts, err := stringOrList(req.Input)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	vs := s.record("ollama", req.Model, texts)
	writeJSON(w, http.StatusOK, map[string]any{"model": req.Model, "embeddings": vs,
		"total_duration": 14143917, "load_duration": 1019500, "prompt_eval_count": 8 * len(texts)})
}

// openAIEmbed serves POST /v1/embeddings: {"model", "input":
// string|[]string, "encoding_format": "float"|"base64", "dimensions"} →
// {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
// "model", "usage"}; errors are {"error": {"message", "type", "code"}}.
func (s *Server) openAIEmbed(w http.ResponseWriter, r *http.Request) {
	apiErr := func(status int, msg, code string) {
		writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": code}})
	}
	if s.failing() {
		apiErr(http.StatusInternalServerError, "The server had an error while processing your request.", "server_error")
		return
	}
	if s.opt.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opt.APIKey {
		apiErr(http.StatusUnauthorized, "Incorrect API key provided.", "invalid_api_key")
		return
	}
	var req struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		EncodingFormat string          `json:"encoding_format"`
		Dimensions     int             `json:"dimensions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiErr(http.StatusBadRequest, "We could not parse the JSON body of your request.", "")
		return
	}
	if !s.known(req.Model) {
		apiErr(http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Model), "model_not_found")
		return
	}
	texts, err := stringOrList(req.Input)
	if err != nil || len(texts) == 0 {
		apiErr(http.StatusBadRequest, "'input' must be a non-empty string or array of strings", "")
		return
	}
	vs := s.record("openai", req.Model, texts)
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	data := make([]item, len(vs))
	for i, v := range vs {
		var e any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for k, x := range v {
				binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(x))
			}
			e = base64.StdEncoding.EncodeToString(b)
		}
		data[i] = item{Object: "embedding", Index: i, Embedding: e}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": 8 * len(texts), "total_tokens": 8 * len(texts)}})
}
