package app

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/series/seriesbench"
)

// newBenchCmd is `gemba bench`: measurements at plant scale on scratch
// databases.
func newBenchCmd(app *App) *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Measure Gemba at plant scale on scratch databases",
	}
	var (
		o        seriesbench.Options
		asJSON   bool
		keep     bool
		noVM     bool
		duration string
		end      string
		reuseURL string
	)
	cmd := &cobra.Command{
		Use:   "series",
		Short: "Generate a plant of N tags at step S for D days, load it, report bytes/point, import rate, window latencies and plant-wide scan time",
		Long: `Bench series creates a scratch database on the configured server, generates --tags tags
sampled every --step for --days days (and --long-tags tags over --long-days, for the 90-day
hourly view), loads them through the series store's write path (blocks and rollups), and
reports bytes per point on disk (tables, TOAST and indexes of raw blocks and rollups), the
import rate, one sensor's raw 24-hour window and 90-day hourly view (p50/p95/p99), and the
plant-wide anomaly scan of the last hour (cold: fitting every model; warm: reusing them).
With victoria-metrics installed it also loads the tags into a VictoriaMetrics of its own and
times the Prometheus source (--no-vm skips it). The scratch database and the
VictoriaMetrics data are removed at the end. Mind the disk: about 10-15 bytes a point.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			o.VM = !noVM
			if end != "" {
				t, err := time.Parse(time.RFC3339, end)
				if err != nil || t.After(time.Now()) {
					return exitCode(2, "--end wants a past time such as 2026-03-02T06:00:00Z")
				}
				o.End = t.UTC()
			}
			if duration != "" {
				d, err := time.ParseDuration(duration)
				if err != nil || d <= 0 {
					return exitCode(2, "--step wants a duration such as 10s")
				}
				o.Step = d
			}
			measure := func(u string) error {
				pool, err := db.Open(ctx, u, db.Options{MaxConns: 8})
				if err != nil {
					return err
				}
				defer pool.Close()
				rep, err := seriesbench.Run(ctx, pool, o, app.Err)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(app.Out)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				rep.Print(app.Out)
				return nil
			}
			if reuseURL != "" {
				o.Reuse = true
				return measure(reuseURL)
			}
			return withScratchURL(ctx, app, keep, measure)
		},
	}
	f := cmd.Flags()
	f.StringVar(&end, "end", "", "end of the generated history, RFC 3339 (default this hour); a run ending at the same time of day generates the same plant")
	f.IntVar(&o.Tags, "tags", 2000, "tags in the plant")
	f.StringVar(&duration, "step", "10s", "sampling interval")
	f.Float64Var(&o.Days, "days", 5, "days of history of every tag")
	f.IntVar(&o.LongTags, "long-tags", 20, "tags with a long history (for the 90-day hourly view)")
	f.Float64Var(&o.LongDays, "long-days", 92, "days of history of the long tags")
	f.IntVar(&o.Decimals, "decimals", 2, "precision of the readings (negative: full float noise, the worst case for compression)")
	f.IntVar(&o.Writers, "writers", 2, "parallel writers")
	f.IntVar(&o.Samples, "samples", 200, "timed queries of each kind")
	f.IntVar(&o.ScanTags, "scan-tags", 0, "tags in the plant-wide scan (default all)")
	f.IntVar(&o.VMTags, "vm-tags", 0, "tags loaded into VictoriaMetrics (default all)")
	f.BoolVar(&noVM, "no-vm", false, "skip VictoriaMetrics")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&keep, "keep", false, "keep the scratch database (to measure it again with --reuse)")
	f.StringVar(&reuseURL, "reuse", "", "measure the plant an earlier run kept in this database instead of loading one")
	bench.AddCommand(cmd)
	return bench
}
