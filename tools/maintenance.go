package tools

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/internal/series"
)

// MaintenanceHistoryArgs are the arguments of maintenance_history.
type MaintenanceHistoryArgs struct {
	// Asset or Assets, Line and AssetType choose the equipment.
	Asset     string   `json:"asset,omitempty"`
	Assets    []string `json:"assets,omitempty"`
	Line      string   `json:"line,omitempty"`
	AssetType string   `json:"asset_type,omitempty"`
	// Kind, FailureMode, Code, Component and Status choose the records.
	Kind        string `json:"kind,omitempty"`
	FailureMode string `json:"failure_mode,omitempty"`
	Code        string `json:"code,omitempty"`
	Component   string `json:"component,omitempty"`
	// ID keeps one record, by its id (a work order number such as WO-P2-101).
	ID string `json:"id,omitempty"`
	// Title keeps the records whose title contains it (lubrication,
	// cleaning, calibration).
	Title  string `json:"title,omitempty"`
	Status string `json:"status,omitempty"`
	// Since and Until bound when the records were opened.
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
	// Aggregate is records (default), count, last_service, next_service,
	// downtime, reliability or bundle.
	Aggregate string `json:"aggregate,omitempty"`
	GroupBy   string `json:"group_by,omitempty"`
	// Order and Limit shape the list of records returned.
	Order string `json:"order,omitempty"`
	Limit int    `json:"limit,omitempty"`
	// BundleDays is how far apart due dates of work bundled into one visit
	// may be (default 14).
	BundleDays int `json:"bundle_days,omitempty"`
}

var maintenanceSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"asset":        map[string]any{"type": "string", "description": "One asset, e.g. cnc-3 or machine-12."},
		"assets":       map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Several assets, e.g. [press-1, press-2, press-3]."},
		"line":         map[string]any{"type": "string", "description": "Only this line's assets, e.g. line-2."},
		"asset_type":   map[string]any{"type": "string", "description": "Only assets of this type, e.g. press, pump, or a model such as model3."},
		"kind":         map[string]any{"type": "string", "enum": []string{"work_order", "failure", "preventive", "inspection", "alert"}, "description": "Only this kind of record."},
		"failure_mode": map[string]any{"type": "string", "description": "Only this failure mode, e.g. filter_clogging, bearing_wear, belt_slip, motor_overheating."},
		"code":         map[string]any{"type": "string", "description": "Only this failure or alert code, e.g. error1."},
		"component":    map[string]any{"type": "string", "description": "Only work on this component (a part of its name matches), e.g. strainer, bearing, comp2."},
		"id":           map[string]any{"type": "string", "description": "One record by its id, e.g. a work order WO-P2-101: its kind, status, dates and title."},
		"title":        map[string]any{"type": "string", "description": "Only records whose title contains this text (case-insensitive), for work no other field names, e.g. lubric (greasing), clean, calibrat."},
		"status":       map[string]any{"type": "string", "enum": []string{"open", "closed"}, "description": "Only open (not done) or closed records."},
		"since":        map[string]any{"type": "string", "description": "Records opened at or after this time: ISO (2026-01-01, 2026-03-02T06:00Z) or a time ago (30d, 12w). Default: all records."},
		"until":        map[string]any{"type": "string", "description": "Records opened before this time (default now)."},
		"aggregate": map[string]any{"type": "string", "enum": []string{"records", "count", "last_service", "next_service", "downtime", "reliability", "bundle", "assets"},
			"description": "records: the matching records; count: how many, by kind; last_service / next_service: the latest work done and the next due; downtime: hours lost; reliability: MTBF and MTTR; bundle: open work orders grouped into visits per asset; assets: the register (every asset with records, sensors or not)."},
		"group_by":    map[string]any{"type": "string", "enum": []string{"asset", "asset_type", "line", "failure_mode", "component", "kind"}, "description": "Figures per asset, type, line, failure mode, component or kind (default: one group)."},
		"order":       map[string]any{"type": "string", "enum": []string{"newest", "oldest", "downtime", "cost", "due"}, "description": "Order of the records listed (default newest first)."},
		"limit":       map[string]any{"type": "integer", "minimum": 1, "maximum": 50, "description": "How many records to list (default 10)."},
		"bundle_days": map[string]any{"type": "integer", "minimum": 1, "maximum": 90, "description": "For bundle: work due within this many days of a visit's first job joins it (default 14)."},
	},
	"additionalProperties": false,
}

const maintenanceDesc = "The plant's maintenance history as records: work orders, failures, preventive maintenance, inspections and alerts " +
	"per asset, with times, downtime, cost and the incident document each links to. Use it for counts and dates — \"when was cnc-3 last serviced?\", " +
	"\"how many times did pump-2's strainer clog this year?\", \"MTBF of the presses\", \"which line lost the most hours?\", " +
	"\"bundle the open work orders for pump-2\" — and quote the figures with the records behind them. MTBF = operating hours ÷ failures; MTTR = mean repair time."

// maintenanceSource is what maintenance_history reads.
type maintenanceSource interface {
	Query(ctx context.Context, f maintenance.Filter) ([]maintenance.Event, error)
	Coverage(ctx context.Context) (maintenance.Coverage, error)
	Assets(ctx context.Context) ([]maintenance.Equipment, error)
}

// MaintenanceHistoryTool is maintenance_history on the maintenance store;
// now is the clock.
func MaintenanceHistoryTool(store *maintenance.Store, now func() time.Time) Tool {
	if now == nil {
		now = time.Now
	}
	return New(MaintenanceHistory, maintenanceDesc, maintenanceSchema, func(ctx context.Context, a MaintenanceHistoryArgs) (Result, error) {
		return maintenanceHistory(ctx, store, now().UTC(), a)
	})
}

// RegisterAsset is one asset of the maintenance register (the equipment
// table and the assets records name), as aggregate "assets" lists them.
type RegisterAsset struct {
	Asset string `json:"asset"`
	Type  string `json:"type,omitempty"`
	Line  string `json:"line,omitempty"`
	Model string `json:"model,omitempty"`
	// Installed is the install date the equipment table gives (or one
	// derived from an age and its date), and AgeYears the age it makes now.
	Installed string  `json:"installed,omitempty"`
	AgeYears  float64 `json:"age_years,omitempty"`
}

// registerResult lists the register: every asset the maintenance history
// knows, sensors or not, with its model and age where the table has them.
func registerResult(equip []maintenance.Equipment, now time.Time) Result {
	out := make([]RegisterAsset, len(equip))
	for i, q := range equip {
		out[i] = RegisterAsset{Asset: q.Asset, Type: q.AssetType, Line: q.Line, Model: q.Model}
		if age, ok := q.AgeYears(now); ok {
			out[i].Installed, out[i].AgeYears = q.InstalledAt.UTC().Format("2006-01-02"), math.Round(age*10)/10
		}
	}
	return Result{Data: map[string]any{"assets": out, "total": len(out)}, Summary: fmt.Sprintf("%d asset(s) in the maintenance register", len(out))}
}

// maxMaintenanceRecords caps the records a result lists.
const maxMaintenanceRecords = 50

func maintenanceHistory(ctx context.Context, src maintenanceSource, now time.Time, a MaintenanceHistoryArgs) (Result, error) {
	agg := strings.ToLower(strings.TrimSpace(a.Aggregate))
	if agg == "" {
		agg = "records"
	}
	switch agg {
	case "records", "count", "last_service", "next_service", "downtime", "reliability", "bundle", "assets":
	default:
		return Result{UserError: fmt.Sprintf("aggregate %q: use records, count, last_service, next_service, downtime, reliability, bundle or assets", a.Aggregate)}, nil
	}
	group, err := maintenance.ParseGroup(a.GroupBy)
	if err != nil {
		return Result{UserError: err.Error()}, nil
	}
	if a.Limit < 0 || a.Limit > maxMaintenanceRecords {
		return Result{UserError: fmt.Sprintf("limit must be from 1 to %d, not %d", maxMaintenanceRecords, a.Limit)}, nil
	}
	if a.Limit == 0 {
		a.Limit = 10
	}
	if agg == "assets" {
		// The register, read for every question's catalog: one query, and
		// an equipment list imported before any record still counts.
		equip, err := src.Assets(ctx)
		if err != nil {
			return Result{}, err
		}
		return registerResult(equip, now), nil
	}
	cov, err := src.Coverage(ctx)
	if err != nil {
		return Result{}, err
	}
	if cov.Records == 0 {
		return Result{UserError: "no maintenance history is recorded for this plant: import the CMMS's work orders, failures and alerts with `gemba history import FILE --map MAPPING` (or resolve threads with Mark resolved)",
			Data: map[string]any{"records": 0}}, nil
	}
	equip, err := src.Assets(ctx)
	if err != nil {
		return Result{}, err
	}
	f := maintenance.Filter{FailureMode: strings.TrimSpace(a.FailureMode), Code: strings.TrimSpace(a.Code),
		Component: strings.TrimSpace(a.Component), Status: strings.ToLower(strings.TrimSpace(a.Status)), ID: strings.TrimSpace(a.ID), Title: strings.TrimSpace(a.Title)}
	if f.Status != "" && f.Status != maintenance.StatusOpen && f.Status != maintenance.StatusClosed {
		return Result{UserError: fmt.Sprintf("status %q: use open or closed", a.Status)}, nil
	}
	// Names resolve loosely against the assets with records; an unknown
	// one is said plainly, with the nearest known.
	names := make([]string, len(equip))
	for i, q := range equip {
		names[i] = q.Asset
	}
	for _, want := range append(a.Assets, a.Asset) {
		if strings.TrimSpace(want) == "" {
			continue
		}
		got, ok := resolveLoose(want, names)
		if !ok {
			msg := fmt.Sprintf("no maintenance records for asset %q", want)
			if near := series.Nearest(want, names, 5); len(near) > 0 {
				msg += " (assets with records: " + strings.Join(near, ", ") + ")"
			}
			return Result{UserError: msg}, nil
		}
		f.Assets = appendOnce(f.Assets, got)
	}
	if a.Line != "" {
		lines := map[string]bool{}
		for _, q := range equip {
			if q.Line != "" {
				lines[q.Line] = true
			}
		}
		got, ok := resolveLoose(a.Line, keys(lines))
		if !ok {
			return Result{UserError: fmt.Sprintf("no maintenance records for line %q (lines with records: %s)", a.Line, strings.Join(sortedKeys(lines), ", "))}, nil
		}
		f.Lines = []string{got}
	}
	if a.AssetType != "" {
		f.AssetTypes = []string{typeWord(a.AssetType)}
	}
	if sc := ScopeFrom(ctx); len(f.Assets) == 0 && len(f.Lines) == 0 && len(f.AssetTypes) == 0 {
		switch {
		case sc.Asset != "":
			f.Assets = []string{sc.Asset}
		case sc.Line != "":
			f.Lines = []string{sc.Line}
		}
	}
	if a.Kind != "" {
		k, err := maintenance.ParseKind(a.Kind)
		if err != nil {
			return Result{UserError: err.Error()}, nil
		}
		f.Kinds = []maintenance.Kind{k}
	}
	// The window: as asked, else every record (and, for reliability, the
	// span the failure records cover: from the first failure record to
	// the latest record).
	w := maintenance.Window{From: cov.First, To: maxTime(now, cov.Last).Add(time.Second), Basis: "all records"}
	if agg == "reliability" && !cov.FirstFailure.IsZero() {
		w = maintenance.Window{From: cov.FirstFailure, To: minTime(now, cov.Last).Add(time.Second), Basis: "the span the failure records cover"}
	}
	if a.Since != "" || a.Until != "" {
		w.Basis = "asked"
		if a.Since != "" {
			if w.From, err = parseWhen(a.Since, now); err != nil {
				return Result{UserError: err.Error()}, nil
			}
		}
		w.To = now
		if a.Until != "" {
			if w.To, err = parseWhen(a.Until, now); err != nil {
				return Result{UserError: err.Error()}, nil
			}
		}
		if !w.From.Before(w.To) {
			return Result{UserError: fmt.Sprintf("the window is empty: since (%s) must be before until (%s)", stamp(w.From), stamp(w.To))}, nil
		}
	}
	if agg == "bundle" {
		return bundleResult(ctx, src, f, a, now)
	}
	all, err := src.Query(ctx, f)
	if err != nil {
		return Result{}, err
	}
	// Figures count the window's records; next service also reads open work after it.
	var inWin []maintenance.Event
	for _, e := range all {
		if !e.OpenedAt.Before(w.From) && e.OpenedAt.Before(w.To) {
			inWin = append(inWin, e)
		}
	}
	groupAssets := assetsByGroup(equip, f, group)
	figs := maintenance.Summarize(all, group, w, groupAssets, now)
	for i := range figs {
		// A line runs as one system: its MTBF counts the window's hours once.
		switch {
		case group == maintenance.GroupLine:
			var es []maintenance.Event
			for _, e := range all {
				if e.Line == figs[i].Group {
					es = append(es, e)
				}
			}
			figs[i].AsSystem(es, w)
		case group == maintenance.GroupNone && len(f.Lines) == 1 && len(f.Assets) == 0 && len(f.AssetTypes) == 0:
			figs[i].AsSystem(all, w)
		}
	}
	sortFigures(figs, agg)
	recs := pickRecords(inWin, agg, a.Order, a.Limit)
	data := map[string]any{
		"aggregate": agg,
		"filter":    filterData(f),
		"window":    map[string]any{"from": dayTime(w.From), "to": dayTime(w.To), "basis": w.Basis, "hours": int(w.Hours() + 0.5)},
		"matched":   len(inWin),
		"figures":   figureData(figs, agg),
		"records":   recordData(recs),
	}
	res := Result{Data: data, Summary: maintenanceSummary(agg, f, w, figs, len(inWin), recs)}
	res.Citations = citationsOf(recs)
	return res, nil
}

func bundleResult(ctx context.Context, src maintenanceSource, f maintenance.Filter, a MaintenanceHistoryArgs, now time.Time) (Result, error) {
	f.Status = maintenance.StatusOpen
	open, err := src.Query(ctx, f)
	if err != nil {
		return Result{}, err
	}
	days := a.BundleDays
	if days == 0 {
		days = 14
	}
	if days < 1 || days > 90 {
		return Result{UserError: fmt.Sprintf("bundle_days must be from 1 to 90, not %d", days)}, nil
	}
	visits := maintenance.Bundle(open, time.Duration(days)*24*time.Hour, now)
	var vs []map[string]any
	var parts []string
	for _, v := range visits {
		m := map[string]any{"asset": v.Asset, "from": dayTime(v.From), "to": dayTime(v.To), "work_orders": v.WorkOrders,
			"titles": v.Titles, "planned_minutes": v.PlannedMinutes}
		if v.Unplanned > 0 {
			m["without_estimate"] = v.Unplanned
		}
		if v.Overdue > 0 {
			m["overdue"] = v.Overdue
		}
		vs = append(vs, m)
		parts = append(parts, fmt.Sprintf("%s: %d work order(s) %s due %s–%s, about %d min", v.Asset, len(v.WorkOrders), strings.Join(v.WorkOrders, ", "),
			dayTime(v.From), dayTime(v.To), v.PlannedMinutes))
	}
	sum := fmt.Sprintf("no open work orders%s", filterWords2(f))
	if len(open) > 0 {
		sum = fmt.Sprintf("%d open work order(s)%s in %d visit(s) (due dates within %d days bundled): %s", len(open), filterWords2(f), len(visits), days, strings.Join(parts, "; "))
	}
	return Result{Summary: sum, Data: map[string]any{"aggregate": "bundle", "filter": filterData(f), "open": len(open), "bundle_days": days, "visits": vs},
		Citations: citationsOf(open)}, nil
}

func resolveLoose(want string, names []string) (string, bool) {
	n := normName(want)
	for _, x := range names {
		if x == want || normName(x) == n {
			return x, true
		}
	}
	return "", false
}

func normName(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "", "#", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// typeWord reads a plural type ("presses", "pumps") as the type.
func typeWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "shes"), strings.HasSuffix(s, "ches"):
		return strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

func appendOnce(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := keys(m)
	sort.Strings(out)
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// assetsByGroup lists, per group, the assets whose time counts as
// operating hours: the assets chosen (named, of the line or type), or
// else every asset with records or in the register.
func assetsByGroup(equip []maintenance.Equipment, f maintenance.Filter, g maintenance.Group) map[string][]string {
	out := map[string][]string{}
	for _, q := range equip {
		if len(f.Assets) > 0 && !contains(f.Assets, q.Asset) {
			continue
		}
		if len(f.Lines) > 0 && !contains(f.Lines, q.Line) {
			continue
		}
		if len(f.AssetTypes) > 0 && !strings.EqualFold(f.AssetTypes[0], q.AssetType) && !strings.EqualFold(f.AssetTypes[0], q.Model) {
			continue
		}
		var key string
		switch g {
		case maintenance.GroupAsset:
			key = q.Asset
		case maintenance.GroupAssetType:
			key = q.AssetType
		case maintenance.GroupLine:
			key = q.Line
		case maintenance.GroupNone:
		default:
			return nil // modes, components and kinds span assets: count the records' own
		}
		out[key] = append(out[key], q.Asset)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func sortFigures(figs []maintenance.Figures, agg string) {
	switch agg {
	case "downtime":
		sort.SliceStable(figs, func(i, j int) bool { return figs[i].DowntimeMinutes > figs[j].DowntimeMinutes })
	case "count":
		sort.SliceStable(figs, func(i, j int) bool { return figs[i].Records > figs[j].Records })
	case "reliability":
		// Least reliable first: the shortest MTBF (none last).
		sort.SliceStable(figs, func(i, j int) bool {
			a, b := figs[i].MTBFHours, figs[j].MTBFHours
			switch {
			case a == nil:
				return false
			case b == nil:
				return true
			}
			return *a < *b
		})
	}
}

// pickRecords chooses the records behind the figures: for downtime the
// costliest stops, for last_service the latest work, else by order.
func pickRecords(es []maintenance.Event, agg, order string, limit int) []maintenance.Event {
	out := append([]maintenance.Event(nil), es...)
	switch {
	case order == "oldest":
		sort.SliceStable(out, func(i, j int) bool { return out[i].OpenedAt.Before(out[j].OpenedAt) })
	case order == "downtime" || order == "" && agg == "downtime":
		sort.SliceStable(out, func(i, j int) bool { return minutes(out[i].DowntimeMinutes) > minutes(out[j].DowntimeMinutes) })
	case order == "cost":
		sort.SliceStable(out, func(i, j int) bool { return cost(out[i].Cost) > cost(out[j].Cost) })
	default:
		sort.SliceStable(out, func(i, j int) bool { return out[i].OpenedAt.After(out[j].OpenedAt) })
	}
	switch agg {
	case "last_service":
		var svc []maintenance.Event
		for _, e := range out {
			if e.Kind.Service() && e.Status == maintenance.StatusClosed || e.Kind == maintenance.KindFailure {
				svc = append(svc, e)
			}
		}
		out = svc
	case "reliability":
		var fl []maintenance.Event
		for _, e := range out {
			if e.Kind == maintenance.KindFailure {
				fl = append(fl, e)
			}
		}
		out = fl
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func minutes(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func cost(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func dayTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func filterData(f maintenance.Filter) map[string]any {
	m := map[string]any{}
	if len(f.Assets) > 0 {
		m["assets"] = f.Assets
	}
	if len(f.Lines) > 0 {
		m["line"] = f.Lines[0]
	}
	if len(f.AssetTypes) > 0 {
		m["asset_type"] = f.AssetTypes[0]
	}
	if len(f.Kinds) > 0 {
		m["kind"] = f.Kinds[0]
	}
	for k, v := range map[string]string{"failure_mode": f.FailureMode, "code": f.Code, "component": f.Component, "status": f.Status, "id": f.ID, "title": f.Title} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

func figureData(figs []maintenance.Figures, agg string) []map[string]any {
	out := make([]map[string]any, 0, len(figs))
	for _, f := range figs {
		m := map[string]any{"records": f.Records, "counts": f.Counts, "failures": f.Failures}
		if f.Group != "" {
			m["group"] = f.Group
		}
		if len(f.Assets) <= 12 {
			m["assets"] = f.Assets
		} else {
			m["assets_count"] = len(f.Assets)
		}
		m["downtime_hours"] = f.DowntimeHours
		m["downtime_minutes"] = f.DowntimeMinutes
		m["downtime_records"] = f.DowntimeRecords
		if agg == "reliability" || f.MTBFHours != nil {
			m["operating_hours"] = f.OperatingHours
			if f.OneSystem {
				m["one_system"] = true // a line: its hours counted once
			}
			if f.MTBFHours != nil {
				m["mtbf_hours"] = *f.MTBFHours
				m["mtbf_days"] = round1(*f.MTBFHours / 24)
			}
			if f.MTTRHours != nil {
				m["mttr_hours"] = *f.MTTRHours
			}
			m["repairs_timed"] = f.RepairsTimed
		}
		if f.Cost > 0 {
			m["cost"] = f.Cost
		}
		m["cost_records"] = f.CostRecords
		if e := f.LastService; e != nil {
			m["last_service"] = map[string]any{"id": e.ID, "kind": e.Kind, "at": dayTime(e.OpenedAt), "title": e.Title, "asset": e.Asset}
		}
		if e := f.LastFailure; e != nil {
			m["last_failure"] = map[string]any{"id": e.ID, "at": dayTime(e.OpenedAt), "title": e.Title, "asset": e.Asset}
		}
		if f.NextService != nil {
			m["next_service"] = dayTime(*f.NextService)
			if f.NextEstimated {
				m["next_service_basis"] = "estimated: the last preventive record plus the median interval between them"
			} else {
				m["next_service_record"] = f.NextRecord
			}
		}
		out = append(out, m)
	}
	return out
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

func recordData(es []maintenance.Event) []map[string]any {
	out := make([]map[string]any, 0, len(es))
	for _, e := range es {
		m := map[string]any{"id": e.ID, "kind": e.Kind, "asset": e.Asset, "opened": dayTime(e.OpenedAt)}
		if e.Status == maintenance.StatusOpen {
			m["status"] = "open"
		}
		if e.ClosedAt != nil {
			m["closed"] = dayTime(*e.ClosedAt)
		}
		if e.DueAt != nil {
			m["due"] = dayTime(*e.DueAt)
		}
		for k, v := range map[string]string{"line": e.Line, "component": e.Component, "failure_mode": e.FailureMode, "code": e.Code, "outcome": e.Outcome, "document": e.DocumentID} {
			if v != "" {
				m[k] = v
			}
		}
		if e.Title != "" {
			t := e.Title
			if len([]rune(t)) > 90 {
				t = string([]rune(t)[:90]) + "…"
			}
			m["title"] = t
		}
		if e.DowntimeMinutes != nil {
			m["downtime_minutes"] = *e.DowntimeMinutes
		}
		if e.PlannedMinutes != nil {
			m["planned_minutes"] = *e.PlannedMinutes
		}
		if e.Cost != nil {
			m["cost"] = *e.Cost
		}
		out = append(out, m)
	}
	return out
}

func citationsOf(es []maintenance.Event) []Citation {
	var out []Citation
	seen := map[string]bool{}
	for _, e := range es {
		if e.DocumentID != "" && !seen[e.DocumentID] {
			seen[e.DocumentID] = true
			out = append(out, Citation{ID: e.DocumentID, Title: e.Title, Kind: "incident"})
		}
	}
	return out
}

func filterWords2(f maintenance.Filter) string {
	var parts []string
	if len(f.Assets) > 0 {
		parts = append(parts, strings.Join(f.Assets, ", "))
	}
	if len(f.Lines) > 0 {
		parts = append(parts, f.Lines[0])
	}
	if len(f.AssetTypes) > 0 {
		parts = append(parts, "type "+f.AssetTypes[0])
	}
	for _, k := range f.Kinds {
		parts = append(parts, strings.ReplaceAll(string(k), "_", " ")+"s")
	}
	if f.FailureMode != "" {
		parts = append(parts, f.FailureMode)
	}
	if f.Component != "" {
		parts = append(parts, "component "+f.Component)
	}
	if f.Code != "" {
		parts = append(parts, "code "+f.Code)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// maintenanceSummary is the one human line of a result, with the figures
// and the ids of the records behind them.
func maintenanceSummary(agg string, f maintenance.Filter, w maintenance.Window, figs []maintenance.Figures, matched int, recs []maintenance.Event) string {
	span := fmt.Sprintf("%s–%s", w.From.UTC().Format("2006-01-02"), w.To.UTC().Format("2006-01-02"))
	var parts []string
	for _, g := range figs {
		name := g.Group
		if name == "" {
			name = "all"
		}
		var s string
		switch agg {
		case "count", "records":
			var ks []string
			for _, k := range maintenance.Kinds {
				if n := g.Counts[string(k)]; n > 0 {
					ks = append(ks, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(k), "_", " ")))
				}
			}
			s = fmt.Sprintf("%s: %d record(s)", name, g.Records)
			if len(ks) > 0 {
				s += " (" + strings.Join(ks, ", ") + ")"
			}
		case "last_service", "next_service":
			s = name + ": "
			if g.LastService != nil {
				s += fmt.Sprintf("last serviced %s (%s, %s)", dayTime(g.LastService.OpenedAt), g.LastService.ID, strings.ReplaceAll(string(g.LastService.Kind), "_", " "))
			} else {
				s += "no service record"
			}
			if g.LastFailure != nil {
				s += fmt.Sprintf("; last failure %s (%s)", dayTime(g.LastFailure.OpenedAt), g.LastFailure.ID)
			}
			if g.NextService != nil {
				if g.NextEstimated {
					s += fmt.Sprintf("; next service about %s (estimated from the usual interval)", dayTime(*g.NextService))
				} else {
					s += fmt.Sprintf("; next service due %s (%s)", dayTime(*g.NextService), g.NextRecord)
				}
			}
		case "downtime":
			s = fmt.Sprintf("%s: %.1f h downtime in %d record(s) stating it, %d failure(s)", name, g.DowntimeHours, g.DowntimeRecords, g.Failures)
		case "reliability":
			s = fmt.Sprintf("%s: %d failure(s) on %d asset(s) over %.0f operating hours", name, g.Failures, len(g.Assets), g.OperatingHours)
			if g.MTBFHours != nil {
				s += fmt.Sprintf("; MTBF %.0f h (%.1f days)", *g.MTBFHours, *g.MTBFHours/24)
			} else {
				s += "; MTBF not computable (no failures in the window)"
			}
			if g.MTTRHours != nil {
				s += fmt.Sprintf("; MTTR %.1f h from %d timed repair(s)", *g.MTTRHours, g.RepairsTimed)
			} else if g.Failures > 0 {
				s += "; MTTR unknown (no repair times recorded)"
			}
		}
		parts = append(parts, s)
		if len(parts) >= 12 {
			parts = append(parts, fmt.Sprintf("and %d more group(s)", len(figs)-12))
			break
		}
	}
	ids := make([]string, 0, len(recs))
	for _, e := range recs {
		ids = append(ids, e.ID)
	}
	out := fmt.Sprintf("maintenance history%s, %s (%s): %d record(s); %s", filterWords2(f), span, w.Basis, matched, strings.Join(parts, "; "))
	if len(ids) > 0 {
		out += "; records: " + strings.Join(ids, ", ")
	}
	return out
}
