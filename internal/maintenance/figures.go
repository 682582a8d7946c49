package maintenance

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Group names how figures are grouped.
type Group string

// The groupings of figures.
const (
	GroupNone        Group = ""
	GroupAsset       Group = "asset"
	GroupAssetType   Group = "asset_type"
	GroupLine        Group = "line"
	GroupFailureMode Group = "failure_mode"
	GroupComponent   Group = "component"
	GroupKind        Group = "kind"
)

// ParseGroup reads a grouping.
func ParseGroup(s string) (Group, error) {
	switch g := Group(strings.ToLower(strings.TrimSpace(s))); g {
	case GroupNone, GroupAsset, GroupAssetType, GroupLine, GroupFailureMode, GroupComponent, GroupKind:
		return g, nil
	case "type":
		return GroupAssetType, nil
	}
	return "", fmt.Errorf("group_by %q: want asset, asset_type, line, failure_mode, component or kind", s)
}

// Figures are the reliability figures of a group of records over a window.
//
// MTBF is operating hours ÷ failures, where operating hours are the
// window's calendar hours for each asset of the group less the downtime
// its records state inside the window. MTTR is the mean repair time of the
// failures whose repair time is known (their downtime, else the time from
// opening to closing). Both are nil when they cannot be computed (no
// failures; no repair times recorded).
type Figures struct {
	// Group is the asset, type, line, mode, component or kind ("" for all).
	Group string `json:"group"`
	// Assets are the assets counted for operating hours.
	Assets []string `json:"assets,omitempty"`
	// Records counts the records; Counts splits them by kind.
	Records int            `json:"records"`
	Counts  map[string]int `json:"counts"`
	// Failures counts failure records (a failure that was also a work
	// order is one failure).
	Failures int `json:"failures"`
	// DowntimeMinutes sums the downtime the records state; DowntimeRecords
	// counts the records that state one.
	DowntimeMinutes int `json:"downtime_minutes"`
	DowntimeRecords int `json:"downtime_records"`
	// DowntimeHours is DowntimeMinutes in hours (one decimal).
	DowntimeHours float64 `json:"downtime_hours"`
	// OperatingHours, MTBFHours, MTTRHours and RepairsTimed: see the type.
	OperatingHours float64  `json:"operating_hours,omitempty"`
	MTBFHours      *float64 `json:"mtbf_hours,omitempty"`
	// OneSystem says the group's hours are counted once, as one system
	// (a line), not once per machine (AsSystem).
	OneSystem    bool     `json:"one_system,omitempty"`
	MTTRHours    *float64 `json:"mttr_hours,omitempty"`
	RepairsTimed int      `json:"repairs_timed,omitempty"`
	// Cost sums the stated costs; CostRecords counts the records that
	// state one (none: the records keep no costs, not a cost of zero).
	Cost        float64 `json:"cost,omitempty"`
	CostRecords int     `json:"cost_records"`
	// LastService is the latest maintenance work done (preventive,
	// inspection or work order, closed), LastFailure the latest failure.
	LastService *Event `json:"last_service,omitempty"`
	LastFailure *Event `json:"last_failure,omitempty"`
	// NextService is the earliest open work due, or an estimate from the
	// usual interval between preventive records (NextEstimated set).
	NextService   *time.Time `json:"next_service,omitempty"`
	NextEstimated bool       `json:"next_estimated,omitempty"`
	NextRecord    string     `json:"next_record,omitempty"`
}

// Window is the time figures are computed over.
type Window struct {
	From, To time.Time
	// Basis says where the window came from ("asked", or "the span of the
	// failure records").
	Basis string
}

// Hours is the window's length in hours.
func (w Window) Hours() float64 { return w.To.Sub(w.From).Hours() }

// Summarize computes figures per group over a window from records (those
// of the window and the assets' later open work). assets lists the assets
// per group for operating hours (from the filter: every asset of the
// group with records or in the register); nil counts the assets of the
// records. now is for next-service estimates.
func Summarize(events []Event, by Group, w Window, assets map[string][]string, now time.Time) []Figures {
	groups := map[string][]Event{}
	for _, e := range events {
		k := keyOf(e, by)
		groups[k] = append(groups[k], e)
	}
	if by != GroupNone && assets != nil {
		for g := range assets {
			if _, ok := groups[g]; !ok {
				groups[g] = nil
			}
		}
	}
	var out []Figures
	for g, es := range groups {
		f := figuresOf(g, es, w, now)
		if assets != nil {
			if as, ok := assets[g]; ok {
				f.Assets = as
			}
		}
		if len(f.Assets) == 0 {
			f.Assets = assetsOf(es)
		}
		f.operating(es, w)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

func keyOf(e Event, by Group) string {
	switch by {
	case GroupAsset:
		return e.Asset
	case GroupAssetType:
		return e.AssetType
	case GroupLine:
		return e.Line
	case GroupFailureMode:
		return e.FailureMode
	case GroupComponent:
		return e.Component
	case GroupKind:
		return string(e.Kind)
	}
	return ""
}

func assetsOf(es []Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range es {
		if !seen[e.Asset] {
			seen[e.Asset] = true
			out = append(out, e.Asset)
		}
	}
	sort.Strings(out)
	return out
}

func inWindow(t time.Time, w Window) bool {
	return !t.Before(w.From) && t.Before(w.To)
}

func figuresOf(g string, es []Event, w Window, now time.Time) Figures {
	f := Figures{Group: g, Counts: map[string]int{}}
	var repair float64
	var preventive []time.Time
	for i := range es {
		e := es[i]
		if e.Kind.Service() && e.Status == StatusOpen && e.DueAt != nil && !e.DueAt.Before(now.Add(-24*time.Hour)) {
			if f.NextService == nil || e.DueAt.Before(*f.NextService) {
				due := *e.DueAt
				f.NextService, f.NextRecord = &due, e.ID
			}
		}
		if e.Kind == KindPreventive && e.Status == StatusClosed {
			preventive = append(preventive, e.OpenedAt)
		}
		if !inWindow(e.OpenedAt, w) {
			continue
		}
		f.Records++
		f.Counts[string(e.Kind)]++
		if e.DowntimeMinutes != nil {
			f.DowntimeMinutes += *e.DowntimeMinutes
			f.DowntimeRecords++
		}
		if e.Cost != nil {
			f.Cost += *e.Cost
			f.CostRecords++
		}
		if e.Kind == KindFailure {
			f.Failures++
			if h, ok := e.RepairHours(); ok {
				repair += h
				f.RepairsTimed++
			}
			if f.LastFailure == nil || e.OpenedAt.After(f.LastFailure.OpenedAt) {
				f.LastFailure = &es[i]
			}
		}
		if e.Kind.Service() && e.Status == StatusClosed && (f.LastService == nil || e.OpenedAt.After(f.LastService.OpenedAt)) {
			f.LastService = &es[i]
		}
	}
	f.DowntimeHours = round1(float64(f.DowntimeMinutes) / 60)
	if f.RepairsTimed > 0 {
		v := round1(repair / float64(f.RepairsTimed))
		f.MTTRHours = &v
	}
	if f.NextService == nil && len(preventive) >= 3 {
		// The usual interval: the median gap between preventive records.
		sort.Slice(preventive, func(i, j int) bool { return preventive[i].Before(preventive[j]) })
		gaps := make([]float64, 0, len(preventive)-1)
		for i := 1; i < len(preventive); i++ {
			gaps = append(gaps, preventive[i].Sub(preventive[i-1]).Hours())
		}
		sort.Float64s(gaps)
		med := gaps[len(gaps)/2]
		if len(gaps)%2 == 0 {
			med = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
		}
		next := preventive[len(preventive)-1].Add(time.Duration(med * float64(time.Hour))).Truncate(time.Hour)
		f.NextService, f.NextEstimated = &next, true
	}
	return f
}

// operating computes operating hours and MTBF: the window's hours per
// asset less the downtime stated inside it.
func (f *Figures) operating(es []Event, w Window) {
	f.operatingOf(es, w, len(f.Assets))
}

// AsSystem recomputes the operating hours and MTBF of a group that runs as
// one system, a line: a stop of any of its machines stops it, so its
// operating hours are the window's hours (not each machine's added up)
// less the downtime its records state.
func (f *Figures) AsSystem(es []Event, w Window) {
	f.OneSystem = true
	f.operatingOf(es, w, 1)
}

func (f *Figures) operatingOf(es []Event, w Window, units int) {
	hours := w.Hours() * float64(units)
	for _, e := range es {
		if inWindow(e.OpenedAt, w) && e.DowntimeMinutes != nil {
			hours -= float64(*e.DowntimeMinutes) / 60
		}
	}
	if hours < 0 {
		hours = 0
	}
	f.OperatingHours = math.Round(hours)
	if f.Failures > 0 {
		v := math.Round(hours / float64(f.Failures))
		f.MTBFHours = &v
	}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Visit is open work on one asset that can be done in one stop.
type Visit struct {
	Asset string `json:"asset"`
	Line  string `json:"line,omitempty"`
	// From and To bound the due dates of the work orders bundled.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// WorkOrders are the open records bundled (ids), earliest due first.
	WorkOrders []string `json:"work_orders"`
	Titles     []string `json:"titles"`
	// PlannedMinutes sums their estimates; Unplanned counts those without one.
	PlannedMinutes int `json:"planned_minutes"`
	Unplanned      int `json:"unplanned,omitempty"`
	// Overdue counts work due before now.
	Overdue int `json:"overdue,omitempty"`
}

// Bundle groups open work orders by asset into visits: the work due within
// span of a visit's first due date goes into that visit (work without a
// due date joins its asset's first visit). Visits are ordered by due date.
func Bundle(open []Event, span time.Duration, now time.Time) []Visit {
	by := map[string][]Event{}
	for _, e := range open {
		if e.Status == StatusOpen {
			by[e.Asset] = append(by[e.Asset], e)
		}
	}
	var out []Visit
	for asset, es := range by {
		sort.SliceStable(es, func(i, j int) bool { return dueOf(es[i]).Before(dueOf(es[j])) })
		var cur *Visit
		for _, e := range es {
			d := dueOf(e)
			if cur == nil || d.Sub(cur.From) > span {
				out = append(out, Visit{Asset: asset, Line: e.Line, From: d, To: d})
				cur = &out[len(out)-1]
			}
			cur.WorkOrders = append(cur.WorkOrders, e.ID)
			cur.Titles = append(cur.Titles, e.Title)
			if d.After(cur.To) {
				cur.To = d
			}
			if e.PlannedMinutes != nil {
				cur.PlannedMinutes += *e.PlannedMinutes
			} else {
				cur.Unplanned++
			}
			if e.DueAt != nil && e.DueAt.Before(now) {
				cur.Overdue++
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].From.Equal(out[j].From) {
			return out[i].From.Before(out[j].From)
		}
		return out[i].Asset < out[j].Asset
	})
	return out
}

func dueOf(e Event) time.Time {
	if e.DueAt != nil {
		return *e.DueAt
	}
	return e.OpenedAt
}
