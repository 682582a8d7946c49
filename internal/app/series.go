package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/series"
)

// newSeriesCmd is `gemba series import|list`.
func newSeriesCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "series",
		Short: "Import and list the plant's time series (sensor readings, production output and plan)",
	}
	cmd.AddCommand(newSeriesImportCmd(app), newSeriesListCmd(app))
	return cmd
}

// parseUnits reads --unit values: "mm/s" for every series, or
// "vibration=mm/s" for one sensor (or series).
func parseUnits(vals []string) (string, map[string]string, error) {
	all := ""
	per := map[string]string{}
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, u, ok := strings.Cut(part, "=")
			if !ok {
				if all != "" {
					return "", nil, fmt.Errorf("--unit %q: only one unit for all series; use sensor=unit for the others", part)
				}
				all = part
				continue
			}
			if strings.TrimSpace(k) == "" || strings.TrimSpace(u) == "" {
				return "", nil, fmt.Errorf("--unit %q: expected sensor=unit", part)
			}
			per[strings.TrimSpace(k)] = strings.TrimSpace(u)
		}
	}
	return all, per, nil
}

func newSeriesImportCmd(app *App) *cobra.Command {
	var (
		opt    series.ImportOptions
		units  []string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Bulk-load CSV files of readings (long or wide form) into the series store",
		Long: `Import loads CSV files with COPY, each in one transaction.

Long form has a header with series, timestamp and value columns:
  series,timestamp,value
  press-3.vibration,2026-03-02T06:00:00Z,2.41

Wide form has a timestamp column and one column per sensor; with --asset the columns are the
asset's sensors (press-3.vibration, ...), without it the headers are the series names:
  timestamp,vibration,temperature
  2026-03-02T06:00:00Z,2.41,51.2

Timestamps may be RFC 3339, ISO without zone (UTC), US dates or Unix seconds; an empty cell in a
wide file is a missing reading. Re-importing overlapping points replaces them. Malformed rows (bad
numbers or timestamps, a timestamp repeated for one series) are listed with their line numbers and
nothing from that file is imported; the exit status is then 1. "-" reads standard input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var err error
			if opt.Unit, opt.Units, err = parseUnits(units); err != nil {
				return exitCode(2, err.Error())
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			st, _, err := seriesStore(app, pool)
			if err != nil {
				return err
			}
			failed := 0
			var results []map[string]any
			for _, path := range args {
				began := time.Now()
				r := io.NopCloser(cmd.InOrStdin())
				if path != "-" {
					f, err := os.Open(path)
					if err != nil {
						fmt.Fprintf(app.Err, "%s: %v\n", path, err)
						failed++
						continue
					}
					r = f
				}
				res, err := st.Import(ctx, r, opt)
				_ = r.Close()
				switch {
				case errors.Is(err, series.ErrBadFile), errors.Is(err, series.ErrTooOld):
					msg := strings.TrimPrefix(err.Error(), "series: import: ")
					msg = strings.TrimPrefix(msg, series.ErrBadFile.Error()+": ")
					fmt.Fprintf(app.Err, "%s: %s\n", path, msg)
					failed++
					continue
				case err != nil:
					return err
				}
				el := time.Since(began)
				if asJSON {
					results = append(results, map[string]any{"file": path, "result": res, "seconds": el.Seconds()})
					continue
				}
				fmt.Fprintf(app.Out, "%s: %s form, %d rows, %d points into %d series in %s (%.0f points/s)\n",
					path, res.Format, res.Rows, res.Points, len(res.Series), el.Round(time.Millisecond), float64(res.Points)/el.Seconds())
				for _, w := range res.Warnings {
					fmt.Fprintf(app.Err, "%s: warning: %s\n", path, w)
				}
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			}
			if failed > 0 {
				return exitCode(1, fmt.Sprintf("%d of %d file(s) not imported", failed, len(args)))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Asset, "asset", "", "asset of a wide file's columns (e.g. press-3)")
	f.StringVar(&opt.Site, "site", "", "site of the imported series")
	f.StringVar(&opt.Line, "line", "", "line of the imported series")
	f.StringArrayVar(&units, "unit", nil, "unit of every series (mm/s) or of one sensor (vibration=mm/s); repeatable")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

func newSeriesListCmd(app *App) *cobra.Command {
	var (
		f      series.Filter
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored series with unit, interval, point count and time span",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			st, _, err := seriesStore(app, pool)
			if err != nil {
				return err
			}
			if f.Asset != "" {
				a, err := st.ResolveAsset(ctx, f.Asset)
				if err != nil {
					return exitCode(1, err.Error())
				}
				f.Asset = a
			}
			ss, err := st.List(ctx, f)
			if err != nil {
				return err
			}
			type row struct {
				series.Series
				Points int64     `json:"points"`
				First  time.Time `json:"first,omitzero"`
				Last   time.Time `json:"last,omitzero"`
			}
			rows := make([]row, 0, len(ss))
			for _, s := range ss {
				ext, err := st.Extent(ctx, s.ID)
				if err != nil {
					return err
				}
				rows = append(rows, row{Series: s, Points: ext.Count, First: ext.First, Last: ext.Last})
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(app.Out, "no series (import some with `gemba series import`, or run `gemba demo seed`)")
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tUNIT\tLINE\tASSET\tKIND\tINTERVAL\tPOINTS\tFIRST\tLAST")
			for _, r := range rows {
				iv := ""
				if r.Interval > 0 {
					iv = r.Interval.String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Name, r.Unit, r.Line, r.Asset, r.Kind, iv, r.Points, fmtTime(r.First), fmtTime(r.Last))
			}
			return tw.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Asset, "asset", "", "only this asset")
	fl.StringVar(&f.Line, "line", "", "only this line")
	fl.StringVar(&f.Sensor, "sensor", "", "only this sensor kind")
	fl.StringVar(&f.Kind, "kind", "", "only this kind: sensor, production or plan")
	fl.StringVar(&f.Text, "text", "", "names, assets, sensors or units containing this text")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
