// Package maintenance is the plant's maintenance history as records, not
// text: work orders, failures, preventive maintenance, inspections and
// alerts of each asset, with their times, downtime, cost, outcome and a
// link to the incident document that tells the story. It answers what
// similar documents cannot: counts, last and next service, downtime totals,
// mean time between failures and to repair per asset, type and line, and
// which open work orders can be done in one visit.
//
// Records come from CMMS exports through a mapping file (Import, sharing
// internal/csvmap with the incident store), from "Mark resolved" in a
// thread, and from the demo plant. The tools read them (tools/maintenance.go);
// the failure-risk model learns from them (internal/risk). It sits with
// the other stores in the flow (tools → maintenance → db).
package maintenance

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Kind is what a record is.
type Kind string

// The kinds of maintenance records.
const (
	// KindWorkOrder is corrective or requested work (a CMMS work order).
	KindWorkOrder Kind = "work_order"
	// KindFailure is a breakdown: the asset (or a component) failed.
	KindFailure Kind = "failure"
	// KindPreventive is planned maintenance (a PM, a scheduled replacement).
	KindPreventive Kind = "preventive"
	// KindInspection is an inspection or a condition check.
	KindInspection Kind = "inspection"
	// KindAlert is an alarm or error the machine raised (no work by itself).
	KindAlert Kind = "alert"
)

// Kinds are the kinds in the order answers list them.
var Kinds = []Kind{KindFailure, KindWorkOrder, KindPreventive, KindInspection, KindAlert}

// kindWords are the words a mapping or a person may use for each kind.
var kindWords = map[string]Kind{
	"work_order": KindWorkOrder, "work order": KindWorkOrder, "workorder": KindWorkOrder, "wo": KindWorkOrder, "corrective": KindWorkOrder, "cm": KindWorkOrder, "repair": KindWorkOrder,
	"failure": KindFailure, "breakdown": KindFailure, "fault": KindFailure, "incident": KindFailure,
	"preventive": KindPreventive, "pm": KindPreventive, "planned": KindPreventive, "scheduled": KindPreventive, "maintenance": KindPreventive, "replacement": KindPreventive,
	"inspection": KindInspection, "insp": KindInspection, "check": KindInspection, "condition check": KindInspection,
	"alert": KindAlert, "alarm": KindAlert, "error": KindAlert, "warning": KindAlert,
}

// ParseKind reads a kind from its name or a common synonym.
func ParseKind(s string) (Kind, error) {
	k, ok := kindWords[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return "", fmt.Errorf("kind %q: want work_order, failure, preventive, inspection or alert", s)
	}
	return k, nil
}

// Service reports whether a record of this kind is maintenance work done
// on the asset (what "last serviced" asks about).
func (k Kind) Service() bool {
	return k == KindPreventive || k == KindInspection || k == KindWorkOrder
}

// Statuses of a record.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Outcomes of the work, as the incident store records them.
var outcomes = map[string]bool{"": true, "worked": true, "partial": true, "failed": true, "unknown": true}

// Event is one maintenance record.
type Event struct {
	// ID is unique per record: the CMMS's work-order number, or built by a
	// mapping from several columns.
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Status string `json:"status"`
	Site   string `json:"site,omitempty"`
	Line   string `json:"line,omitempty"`
	Asset  string `json:"asset"`
	// AssetType is the type the record names (else the equipment register's,
	// else the asset's name without its number).
	AssetType string `json:"asset_type,omitempty"`
	// Component is the part worked on ("suction strainer", "comp2").
	Component string `json:"component,omitempty"`
	// FailureMode is how it failed (filter_clogging), Code the CMMS's or
	// the machine's code (error1, a failure code).
	FailureMode string `json:"failure_mode,omitempty"`
	Code        string `json:"code,omitempty"`
	Title       string `json:"title,omitempty"`
	// OpenedAt is when it happened or was opened; ClosedAt when the work
	// was done (nil while open or unknown); DueAt when open work is planned.
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	DueAt    *time.Time `json:"due_at,omitempty"`
	// DowntimeMinutes is how long the asset stood still; PlannedMinutes the
	// estimated length of open work.
	DowntimeMinutes *int     `json:"downtime_minutes,omitempty"`
	PlannedMinutes  *int     `json:"planned_minutes,omitempty"`
	Cost            *float64 `json:"cost,omitempty"`
	// Outcome is worked, partial, failed, unknown or empty.
	Outcome string `json:"outcome,omitempty"`
	// DocumentID links the incident document of the incident store.
	DocumentID string         `json:"document_id,omitempty"`
	Source     string         `json:"source,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`)

// Validate checks a record and fills its defaults (status closed, or open
// for a work order without a close time and with a due date). Errors name
// the field.
func (e *Event) Validate() error {
	e.ID = strings.TrimSpace(e.ID)
	e.Asset = strings.TrimSpace(e.Asset)
	switch {
	case e.ID == "":
		return &FieldError{"id", "is missing"}
	case !idRE.MatchString(e.ID):
		return &FieldError{"id", fmt.Sprintf("%q must be letters, digits and . _ : / - (at most 128)", e.ID)}
	case e.Asset == "":
		return &FieldError{"asset", "is missing"}
	case e.OpenedAt.IsZero():
		return &FieldError{"opened_at", "is missing"}
	}
	if _, err := ParseKind(string(e.Kind)); err != nil {
		return &FieldError{"kind", err.Error()}
	}
	e.Kind, _ = ParseKind(string(e.Kind))
	switch e.Status {
	case "":
		e.Status = StatusClosed
		if e.ClosedAt == nil && e.DueAt != nil && e.Kind != KindAlert && e.Kind != KindFailure {
			e.Status = StatusOpen
		}
	case StatusOpen, StatusClosed:
	default:
		return &FieldError{"status", fmt.Sprintf("%q: want open or closed", e.Status)}
	}
	if e.ClosedAt != nil && e.ClosedAt.Before(e.OpenedAt) {
		return &FieldError{"closed_at", fmt.Sprintf("%s is before opened_at %s", e.ClosedAt.Format(time.RFC3339), e.OpenedAt.Format(time.RFC3339))}
	}
	for name, v := range map[string]*int{"downtime_minutes": e.DowntimeMinutes, "planned_minutes": e.PlannedMinutes} {
		if v != nil && (*v < 0 || *v > 60*24*366) {
			return &FieldError{name, fmt.Sprintf("%d minutes: want 0 to a year", *v)}
		}
	}
	if e.Cost != nil && *e.Cost < 0 {
		return &FieldError{"cost", "is negative"}
	}
	e.Outcome = strings.ToLower(strings.TrimSpace(e.Outcome))
	if e.Outcome == "fixed" || e.Outcome == "resolved" || e.Outcome == "ok" {
		e.Outcome = "worked"
	}
	if !outcomes[e.Outcome] {
		return &FieldError{"outcome", fmt.Sprintf("%q: want worked, partial, failed or unknown", e.Outcome)}
	}
	return nil
}

// RepairHours is how long the repair took: the recorded downtime, else the
// time from opening to closing; false when neither is known.
func (e Event) RepairHours() (float64, bool) {
	if e.DowntimeMinutes != nil {
		return float64(*e.DowntimeMinutes) / 60, true
	}
	if e.ClosedAt != nil {
		return e.ClosedAt.Sub(e.OpenedAt).Hours(), true
	}
	return 0, false
}

// FieldError names the field of a record that is wrong.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Reason) }

// Equipment is one asset of the equipment register.
type Equipment struct {
	Asset       string     `json:"asset"`
	AssetType   string     `json:"asset_type,omitempty"`
	Model       string     `json:"model,omitempty"`
	Site        string     `json:"site,omitempty"`
	Line        string     `json:"line,omitempty"`
	InstalledAt *time.Time `json:"installed_at,omitempty"`
	Source      string     `json:"source,omitempty"`
}

// AgeYears is the asset's age at t in years (false when its install date
// is unknown).
func (q Equipment) AgeYears(t time.Time) (float64, bool) {
	if q.InstalledAt == nil {
		return 0, false
	}
	return t.Sub(*q.InstalledAt).Hours() / (365.25 * 24), true
}

var trailingNumber = regexp.MustCompile(`[-_ ]?#?\d+$`)

// TypeOf derives an asset's type from its name when nothing records one:
// "press-3" is a press, "machine-12" a machine.
func TypeOf(asset string) string {
	t := trailingNumber.ReplaceAllString(strings.ToLower(strings.TrimSpace(asset)), "")
	if t == "" {
		return strings.ToLower(asset)
	}
	return t
}

// ErrNoHistory means the store holds no maintenance records at all.
var ErrNoHistory = errors.New("no maintenance history recorded")
