package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/rag"
)

// Incidents returns the incident store's tools: search_incidents and
// get_document.
func Incidents(s *rag.Store) []Tool {
	return []Tool{SearchIncidentsTool(s), GetDocumentTool(s)}
}

// SearchIncidentsArgs are the arguments of search_incidents.
type SearchIncidentsArgs struct {
	Query       string `json:"query"`
	Kind        string `json:"kind,omitempty"`
	Asset       string `json:"asset,omitempty"`
	Line        string `json:"line,omitempty"`
	FailureMode string `json:"failure_mode,omitempty"`
	Outcome     string `json:"outcome,omitempty"`
	K           int    `json:"k,omitempty"`
	Since       string `json:"since,omitempty"`
	Until       string `json:"until,omitempty"`
}

var searchSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"query":        map[string]any{"type": "string", "description": "Symptom or question in the user's words (English or Korean), e.g. \"press-3 vibration rising for two days\". Empty with filters (since, until, asset, line, failure_mode) lists the matching documents newest first, e.g. every incident of last month."},
		"kind":         map[string]any{"type": "string", "enum": []string{"incident", "runbook", "usecase", "note"}, "description": "Only this kind of document."},
		"asset":        map[string]any{"type": "string", "description": "Only documents about this asset, e.g. press-3."},
		"line":         map[string]any{"type": "string", "description": "Only documents about this production line, e.g. line-1."},
		"failure_mode": map[string]any{"type": "string", "description": "Only this failure mode: bearing_wear, filter_clogging, belt_slip, motor_overheating, cavitation, ..."},
		"outcome":      map[string]any{"type": "string", "enum": []string{"worked", "partial", "failed"}, "description": "Only incidents whose fix had this outcome, e.g. failed for \"fixes that did not work\" (lessons learned)."},
		"k":            map[string]any{"type": "integer", "minimum": 1, "maximum": maxSearchK, "description": "How many documents (default 5)."},
		"since":        map[string]any{"type": "string", "description": "Only incidents that occurred since a date (2024-06-01) or a span back from now (90d, 12w, 6m, 1y); undated runbooks and use cases stay."},
		"until":        map[string]any{"type": "string", "description": "Only incidents that occurred before this date (2024-07-01) or span back from now (30d); with since, a window such as one month."},
	},
	"required":             []string{"query"},
	"additionalProperties": false,
}

// maxSearchK is the most documents one search returns: enough to list a
// month's incidents.
const maxSearchK = 50

// SearchIncidentsTool is search_incidents: hybrid search over past incidents,
// runbooks and use cases. The caller's Scope (a channel bound to a
// line) narrows the search unless the arguments name an asset or line.
func SearchIncidentsTool(s *rag.Store) Tool {
	return New(SearchIncidents,
		"Search the plant's memory of past incidents (symptoms, sensor evidence, root cause, actions, whether the fix worked), runbooks/SOPs and use cases. Use it to find what happened before with a similar symptom and what fixed it; cite the returned ids.",
		searchSchema,
		func(ctx context.Context, a SearchIncidentsArgs) (Result, error) {
			q := rag.Query{Text: strings.TrimSpace(a.Query), K: a.K, Asset: a.Asset, Line: a.Line, FailureMode: a.FailureMode}
			if q.K > maxSearchK {
				q.K = maxSearchK
			}
			if a.Kind != "" {
				k, err := rag.ParseKind(a.Kind)
				if err != nil {
					return Result{UserError: err.Error()}, nil
				}
				q.Kind = k
			}
			if a.Outcome != "" {
				o, err := rag.ParseOutcome(a.Outcome)
				if err != nil {
					return Result{UserError: err.Error()}, nil
				}
				q.Outcome = o
			}
			if a.Since != "" {
				t, err := rag.ParseSince(a.Since, s.Now())
				if err != nil {
					return Result{UserError: err.Error()}, nil
				}
				q.Since = t
			}
			if a.Until != "" {
				t, err := rag.ParseSince(a.Until, s.Now())
				if err != nil {
					return Result{UserError: strings.Replace(err.Error(), "since", "until", 1)}, nil
				}
				q.Until = t
			}
			if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
				return Result{UserError: fmt.Sprintf("until %s is not after since %s: the window is empty", q.Until.Format(time.DateOnly), q.Since.Format(time.DateOnly))}, nil
			}
			if q.Text == "" && q.Asset == "" && q.Line == "" && q.FailureMode == "" && q.Outcome == "" && q.Since.IsZero() && q.Until.IsZero() {
				return Result{UserError: "query is empty: describe the symptom, or name an asset, line, failure_mode, outcome or a since/until window"}, nil
			}
			if sc := ScopeFrom(ctx); !sc.IsZero() && q.Asset == "" && q.Line == "" {
				q.Site, q.Line, q.Asset, q.Lenient = sc.Site, sc.Line, sc.Asset, true
			}
			res, err := s.Search(ctx, q)
			if err != nil {
				if errors.Is(err, rag.ErrDimension) {
					return Result{UserError: err.Error()}, nil
				}
				return Result{}, err
			}
			return searchResult(q, res), nil
		})
}

// hit is the compact form of a result given to the model.
type hit struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Kind        rag.Kind    `json:"kind"`
	Score       float64     `json:"score"`
	Asset       string      `json:"asset,omitempty"`
	Line        string      `json:"line,omitempty"`
	FailureMode string      `json:"failure_mode,omitempty"`
	Outcome     rag.Outcome `json:"outcome,omitempty"`
	OccurredAt  string      `json:"occurred_at,omitempty"`
	Section     string      `json:"section,omitempty"`
	Snippet     string      `json:"snippet"`
	Source      string      `json:"source"`
}

func searchResult(q rag.Query, res []rag.Result) Result {
	if len(res) == 0 {
		return Result{
			Data:    map[string]any{"results": []hit{}},
			Summary: fmt.Sprintf("no documents match %q%s", q.Text, filterWords(q)),
		}
	}
	hits := make([]hit, len(res))
	cites := make([]Citation, len(res))
	var names []string
	for i, r := range res {
		h := hit{ID: r.DocumentID, Title: r.Title, Kind: r.Kind, Score: round3(r.Score), Asset: r.Asset, Line: r.Line,
			FailureMode: r.FailureMode, Outcome: r.Outcome, Section: r.Heading, Snippet: r.Snippet, Source: r.Source}
		if r.OccurredAt != nil {
			h.OccurredAt = r.OccurredAt.UTC().Format("2006-01-02T15:04Z") // the instant: a day is the plant's, not UTC's
		}
		hits[i] = h
		cites[i] = Citation{ID: r.DocumentID, Title: r.Title, Kind: string(r.Kind), Score: h.Score}
		n := r.DocumentID
		if r.Outcome != "" {
			n += " (" + string(r.Outcome) + ")"
		}
		names = append(names, n)
	}
	return Result{
		Data:      map[string]any{"results": hits},
		Summary:   fmt.Sprintf("%d documents for %q%s: %s", len(res), q.Text, filterWords(q), strings.Join(names, ", ")),
		Citations: cites,
	}
}

func filterWords(q rag.Query) string {
	var f []string
	for _, kv := range [][2]string{{"kind", string(q.Kind)}, {"site", q.Site}, {"line", q.Line}, {"asset", q.Asset}, {"failure mode", q.FailureMode}} {
		if kv[1] != "" {
			f = append(f, kv[0]+" "+kv[1])
		}
	}
	if !q.Since.IsZero() {
		f = append(f, "since "+q.Since.Format("2006-01-02"))
	}
	if len(f) == 0 {
		return ""
	}
	return " (" + strings.Join(f, ", ") + ")"
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// GetDocumentArgs are the arguments of get_document.
type GetDocumentArgs struct {
	ID string `json:"id"`
}

// maxToolBody caps the document text handed to the model.
const maxToolBody = 6000

// GetDocumentTool is get_document: the full text and metadata of one
// document by id, for reading a runbook's steps or an incident's details.
func GetDocumentTool(s *rag.Store) Tool {
	return New(GetDocument,
		"Read one document of the plant's memory in full (incident, runbook/SOP or use case) by its id, e.g. INC-1003 or RB-LOTO. Use it after search_incidents to read the steps of a runbook or the details of a past incident.",
		map[string]any{
			"type":                 "object",
			"properties":           map[string]any{"id": map[string]any{"type": "string", "description": "Document id as returned by search_incidents."}},
			"required":             []string{"id"},
			"additionalProperties": false,
		},
		func(ctx context.Context, a GetDocumentArgs) (Result, error) {
			id := strings.TrimSpace(a.ID)
			if id == "" {
				return Result{UserError: "id is empty: pass a document id such as INC-1003 from search_incidents"}, nil
			}
			d, err := s.Get(ctx, id)
			if errors.Is(err, rag.ErrNotFound) {
				return Result{UserError: fmt.Sprintf("no document %q; use search_incidents to find document ids", id)}, nil
			}
			if err != nil {
				return Result{}, err
			}
			body := d.Body
			truncated := false
			if utf8.RuneCountInString(body) > maxToolBody {
				body = string([]rune(body)[:maxToolBody])
				truncated = true
			}
			data := map[string]any{
				"id": d.ID, "title": d.Title, "kind": d.Kind, "source": d.Source, "site": d.Site, "line": d.Line,
				"asset": d.Asset, "failure_mode": d.FailureMode, "severity": d.Severity, "outcome": d.Outcome,
				"tags": d.Tags, "body": body, "truncated": truncated,
			}
			if d.OccurredAt != nil {
				data["occurred_at"] = d.OccurredAt.Format(time.RFC3339)
			}
			if d.ResolvedAt != nil {
				data["resolved_at"] = d.ResolvedAt.Format(time.RFC3339)
			}
			if d.DowntimeMinutes != nil {
				data["downtime_minutes"] = *d.DowntimeMinutes
			}
			if r, ok := d.Metadata["rules"]; ok {
				data["rules"] = r // limits and decision rules the document states (rag.Rule)
			}
			sum := fmt.Sprintf("%s %s: %s", d.Kind, d.ID, d.Title)
			if d.Outcome != "" {
				sum += " (outcome: " + string(d.Outcome) + ")"
			}
			return Result{Data: data, Summary: sum, Citations: []Citation{{ID: d.ID, Title: d.Title, Kind: string(d.Kind)}}}, nil
		})
}
