package prom

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"

	"github.com/gemba-ai/gemba/internal/series"
)

// Catalog returns the plant series the mapping describes: its explicit
// entries and, for each discovery rule, one series per time series
// matching the rule's selector (asked of /api/v1/series over the rule's
// lookback). A discovered series whose name renders empty or repeats an
// earlier one is skipped and reported in skipped.
func (s *Source) Catalog(ctx context.Context) (out []series.Series, skipped []string, err error) {
	seen := map[string]bool{}
	for _, e := range s.m.Series {
		seen[e.Name] = true
		out = append(out, series.Series{
			Name: e.Name, Unit: e.Unit, Site: e.Site, Line: e.Line, Asset: e.Asset, Sensor: e.Sensor,
			Kind: kindOr(e.Kind), Interval: e.Interval, Engine: EngineName, Query: strings.TrimSpace(e.Query),
		})
	}
	now := s.now()
	for i, r := range s.m.Discover {
		form := url.Values{
			"match[]": {r.Match},
			"start":   {promTime(now.Add(-r.Lookback))},
			"end":     {promTime(now.Add(future))},
		}
		var sets []map[string]string
		if err := s.api(ctx, "/api/v1/series", form, fmt.Sprintf("discover[%d] %s", i, r.Match), &sets); err != nil {
			return nil, nil, err
		}
		sort.Slice(sets, func(a, b int) bool { return labelString(sets[a]) < labelString(sets[b]) })
		for _, labels := range sets {
			name := strings.TrimSpace(render(r.Name, labels))
			if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
				skipped = append(skipped, fmt.Sprintf("%s: name %q renders as %q", labelString(labels), r.Name, name))
				continue
			}
			if seen[name] {
				skipped = append(skipped, fmt.Sprintf("%s: name %q is already taken", labelString(labels), name))
				continue
			}
			seen[name] = true
			out = append(out, series.Series{
				Name: name, Unit: render(r.Unit, labels), Site: render(r.Site, labels), Line: render(r.Line, labels),
				Asset: render(r.Asset, labels), Sensor: render(r.Sensor, labels),
				Kind: kindOr(r.Kind), Interval: r.Interval, Engine: EngineName, Query: exactSelector(labels),
			})
		}
	}
	return out, skipped, nil
}

func kindOr(k string) string {
	if k == "" {
		return series.KindSensor
	}
	return k
}

// exactSelector is the selector of exactly the time series with labels.
func exactSelector(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(labels["__name__"])
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%s", k, quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// quote writes a PromQL string literal.
func quote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// Catalog is what Sync writes series into: *series.Store.
type Catalog interface {
	Upsert(ctx context.Context, s series.Series) (series.Series, error)
}

// SyncResult reports a Sync.
type SyncResult struct {
	// Series is how many plant series the mapping yields (all upserted).
	Series int
	// Skipped lists discovered series that could not be named.
	Skipped []string
}

// Sync writes the source's catalog into the series catalog, so the plant
// series that live in the plant's database are listed, looked up and
// routed like any other. Run it at start and when the mapping or the
// plant's tags change; a series that left the mapping keeps its row (its
// evaluations refer to it) but reads of it fail clearly.
func Sync(ctx context.Context, cat Catalog, src *Source, log *slog.Logger) (SyncResult, error) {
	ss, skipped, err := src.Catalog(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	// Name order: the lock order of every writer of series rows.
	sort.Slice(ss, func(i, j int) bool { return ss[i].Name < ss[j].Name })
	for _, s := range ss {
		if _, err := cat.Upsert(ctx, s); err != nil {
			return SyncResult{}, fmt.Errorf("prom: sync: %w", err)
		}
	}
	if log != nil {
		log.InfoContext(ctx, "series: synced the plant's time-series database", "url", src.base.Redacted(), "series", len(ss), "skipped", len(skipped))
		for _, s := range skipped {
			log.WarnContext(ctx, "series: discovered series skipped", "why", s)
		}
	}
	return SyncResult{Series: len(ss), Skipped: skipped}, nil
}
