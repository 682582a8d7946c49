package rag

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Kind is the sort of document in the store.
type Kind string

// The kinds of document; the table's CHECK constraint lists the same.
const (
	KindIncident Kind = "incident"
	KindRunbook  Kind = "runbook"
	KindUseCase  Kind = "usecase"
	KindNote     Kind = "note"
)

// ParseKind reads a kind, accepting common synonyms (sop, procedure, use
// case); "" is returned with an error naming the allowed values.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "_", " "))) {
	case "incident", "incidents", "work order", "workorder", "wo", "event":
		return KindIncident, nil
	case "runbook", "runbooks", "sop", "procedure", "playbook":
		return KindRunbook, nil
	case "usecase", "use case", "use-case", "usecases", "case study":
		return KindUseCase, nil
	case "note", "notes", "text", "":
		return KindNote, nil
	}
	return "", fmt.Errorf("unknown kind %q (want incident, runbook, usecase or note)", s)
}

// Outcome records whether an incident's fix worked; search ranks incidents
// whose fix worked above ones where it failed.
type Outcome string

// The recorded outcomes of an incident's fix.
const (
	OutcomeNone    Outcome = ""
	OutcomeWorked  Outcome = "worked"
	OutcomePartial Outcome = "partial"
	OutcomeFailed  Outcome = "failed"
	OutcomeUnknown Outcome = "unknown"
)

// ParseOutcome reads an outcome, accepting a few synonyms (resolved, fixed,
// did not work).
func ParseOutcome(s string) (Outcome, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return OutcomeNone, nil
	case "worked", "fixed", "resolved", "success", "successful", "yes", "ok":
		return OutcomeWorked, nil
	case "partial", "partially", "partly", "mitigated", "temporary":
		return OutcomePartial, nil
	case "failed", "fail", "did not work", "didn't work", "not fixed", "no", "recurred":
		return OutcomeFailed, nil
	case "unknown", "open", "pending":
		return OutcomeUnknown, nil
	}
	return "", fmt.Errorf("unknown outcome %q (want worked, partial, failed or unknown)", s)
}

// boost is the factor applied to an incident's fused score: proven fixes
// first, failed ones last among equals.
func (o Outcome) boost() float64 {
	switch o {
	case OutcomeWorked:
		return 1.04
	case OutcomeFailed:
		return 0.94
	}
	return 1.0
}

// Document is one incident, runbook, use case or note.
type Document struct {
	ID              string         `json:"id"`
	Kind            Kind           `json:"kind"`
	Title           string         `json:"title"`
	Source          string         `json:"source,omitempty"`
	Site            string         `json:"site,omitempty"`
	Line            string         `json:"line,omitempty"`
	Asset           string         `json:"asset,omitempty"`
	FailureMode     string         `json:"failure_mode,omitempty"`
	Severity        string         `json:"severity,omitempty"`
	OccurredAt      *time.Time     `json:"occurred_at,omitempty"`
	ResolvedAt      *time.Time     `json:"resolved_at,omitempty"`
	DowntimeMinutes *int           `json:"downtime_minutes,omitempty"`
	Tags            []string       `json:"tags,omitempty"`
	Outcome         Outcome        `json:"outcome,omitempty"`
	OutcomeBy       string         `json:"outcome_by,omitempty"`
	Lang            string         `json:"lang,omitempty"`
	Body            string         `json:"body"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	UpdatedAt       time.Time      `json:"updated_at,omitzero"`
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`)

// FieldError names the front-matter or record field that is wrong.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Reason) }

// Validate checks the fields a store needs and fills defaults (kind note,
// language detected from the body). Errors are *FieldError.
func (d *Document) Validate() error {
	d.ID = strings.TrimSpace(d.ID)
	d.Title = strings.TrimSpace(d.Title)
	if d.ID == "" {
		return &FieldError{"id", "is missing"}
	}
	if !idRE.MatchString(d.ID) {
		return &FieldError{"id", fmt.Sprintf("%q must be letters, digits and . _ : / - (at most 128)", d.ID)}
	}
	if d.Kind == "" {
		d.Kind = KindNote
	}
	if _, err := ParseKind(string(d.Kind)); err != nil {
		return &FieldError{"kind", err.Error()}
	}
	k, _ := ParseKind(string(d.Kind))
	d.Kind = k
	o, err := ParseOutcome(string(d.Outcome))
	if err != nil {
		return &FieldError{"outcome", err.Error()}
	}
	d.Outcome = o
	if d.Title == "" {
		d.Title = d.ID
	}
	if d.DowntimeMinutes != nil && *d.DowntimeMinutes < 0 {
		return &FieldError{"downtime_minutes", "must not be negative"}
	}
	if d.OccurredAt != nil && d.ResolvedAt != nil && d.ResolvedAt.Before(*d.OccurredAt) {
		return &FieldError{"resolved_at", "is before occurred_at"}
	}
	if d.Lang == "" {
		d.Lang = detectLang(d.Title + " " + d.Body)
	}
	return nil
}

// Hash is the content hash that makes ingestion idempotent: every stored
// field and the chunker version, so that a change to either re-chunks.
func (d *Document) Hash() string {
	h := sha256.New()
	tags := append([]string(nil), d.Tags...)
	sort.Strings(tags)
	meta, _ := json.Marshal(d.Metadata) // map keys are sorted by encoding/json
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%s\x00%s\x00%s",
		chunkerVersion, d.ID, d.Kind, d.Title, d.Source, d.Site, d.Line, d.Asset, d.FailureMode, d.Severity,
		fmtTime(d.OccurredAt), fmtTime(d.ResolvedAt), fmtInt(d.DowntimeMinutes), strings.Join(tags, "\x01"),
		d.Outcome, d.Lang, meta, d.Body)
	return hex.EncodeToString(h.Sum(nil))
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func fmtInt(p *int) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// detectLang says "ko" when a tenth or more of the letters are Hangul.
func detectLang(s string) string {
	var hangul, letters int
	for _, r := range s {
		switch {
		case isHangul(r):
			hangul++
			letters++
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		}
	}
	if letters > 0 && hangul*10 >= letters {
		return "ko"
	}
	return "en"
}
