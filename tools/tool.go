// Package tools holds the typed tools the agent (LLM or offline planner)
// calls: each has an Args struct with JSON tags, a JSON Schema the model sees,
// and a compact structured Result. Tools are read-only: none changes machine
// state or setpoints.
//
// Bad arguments, unknown series and windows with no data come back as a
// Result with UserError set, which the agent hands to the model as a
// readable tool result it can correct; infrastructure failures are Go errors.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/gemba-ai/gemba/internal/chart"
)

// Tool is one capability offered to the agent.
type Tool interface {
	// Name is the snake_case verb the model calls, e.g. detect_anomalies.
	Name() string
	// Description tells the model when to use the tool.
	Description() string
	// Schema is the JSON Schema of the tool's arguments.
	Schema() map[string]any
	// Call runs the tool on raw JSON arguments.
	Call(ctx context.Context, args json.RawMessage) (Result, error)
}

// Citation names a document of the incident store that a result refers to.
type Citation struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Kind  string  `json:"kind,omitempty"`
	Score float64 `json:"score,omitempty"`
}

// Result is what a tool hands back to the agent.
type Result struct {
	// Data is the compact structured result given to the model as JSON.
	Data any `json:"data,omitempty"`
	// Summary is one human line for the audit trail and offline answers.
	Summary string `json:"summary"`
	// UserError, when set, says in words what was wrong with the request
	// (unknown series, empty window, horizon too long) and how to fix it.
	UserError string `json:"error,omitempty"`
	// InvalidArgs marks a UserError about the arguments themselves: they do
	// not decode into the tool's Args (a wrong type, an unknown field), as
	// opposed to a valid request the plant cannot answer (an unknown
	// series, an empty window). Callers that built the arguments
	// themselves branch on it, never on the message's words.
	InvalidArgs bool `json:"-"`
	// Citations are store documents the result refers to.
	Citations []Citation `json:"citations,omitempty"`
	// Charts are pictures the front end may draw for the user.
	Charts []chart.Chart `json:"-"`
}

// Func is the typed body of a tool.
type Func[A any] func(ctx context.Context, args A) (Result, error)

// typed adapts a Func to Tool, decoding the arguments once.
type typed[A any] struct {
	name, desc string
	schema     map[string]any
	fn         Func[A]
}

// New builds a Tool from a typed function and its JSON Schema. Arguments
// that do not decode into A (wrong types, unknown fields) come back as a
// UserError result naming the problem, never as a crash.
func New[A any](name, description string, schema map[string]any, fn Func[A]) Tool {
	return &typed[A]{name: name, desc: description, schema: schema, fn: fn}
}

func (t *typed[A]) Name() string           { return t.name }
func (t *typed[A]) Description() string    { return t.desc }
func (t *typed[A]) Schema() map[string]any { return t.schema }

func (t *typed[A]) Call(ctx context.Context, raw json.RawMessage) (Result, error) {
	var args A
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&args); err != nil {
		return Result{UserError: fmt.Sprintf("arguments for %s do not match its schema: %v", t.name, err), InvalidArgs: true}, nil
	}
	return t.fn(ctx, args)
}

// Registry is the set of tools offered to the agent, by name.
type Registry struct {
	byName map[string]Tool
}

// NewRegistry returns a registry of the given tools; a duplicate name panics
// because it is a wiring bug.
func NewRegistry(ts ...Tool) *Registry {
	r := &Registry{byName: map[string]Tool{}}
	for _, t := range ts {
		if _, dup := r.byName[t.Name()]; dup {
			panic("tools: duplicate tool " + t.Name())
		}
		r.byName[t.Name()] = t
	}
	return r
}

// Get returns the named tool.
func (r *Registry) Get(name string) (Tool, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// List returns the tools sorted by name.
func (r *Registry) List() []Tool {
	out := make([]Tool, 0, len(r.byName))
	for _, t := range r.byName {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Only returns a registry restricted to the named tools (a channel's allowed
// list); an empty list keeps all.
func (r *Registry) Only(names []string) *Registry {
	if len(names) == 0 {
		return r
	}
	var ts []Tool
	for _, n := range names {
		if t, ok := r.byName[n]; ok {
			ts = append(ts, t)
		}
	}
	return NewRegistry(ts...)
}

// Scope narrows tool calls and searches to a part of the plant (a channel
// bound with `/gemba bind line-2`). Empty fields mean no restriction.
type Scope struct {
	Site  string `json:"site,omitempty"`
	Line  string `json:"line,omitempty"`
	Asset string `json:"asset,omitempty"`
}

// IsZero reports whether the scope restricts nothing.
func (s Scope) IsZero() bool { return s == Scope{} }

type scopeKey struct{}

// WithScope returns a context carrying the caller's scope; tools apply it
// unless the arguments name something else.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope carried by ctx.
func ScopeFrom(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}
