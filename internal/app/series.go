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

// newSeriesCmd is `gemba series import|list|delete|rename`.
func newSeriesCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "series",
		Short: "Import, list, delete and rename the plant's time series (sensor readings, production output and plan)",
	}
	cmd.AddCommand(newSeriesImportCmd(app), newSeriesListCmd(app), newSeriesDeleteCmd(app), newSeriesRenameCmd(app))
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
		opt       series.ImportOptions
		units     []string
		columns   []string
		tz        string
		dupPolicy string
		delimiter string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Bulk-load CSV files of readings (long, wide or entity form) into the series store",
		Long: `Import loads CSV files with COPY, each in one transaction: a file with any unreadable row
imports nothing.

Long form: a series, a timestamp and a value column, one reading a row:
  series,timestamp,value
  press-3.vibration,2026-03-02T06:00:00Z,2.41

Wide form: a timestamp column and one column per sensor; with --asset the columns are the
asset's sensors (press-3.vibration, ...), without it the headers are the series names:
  timestamp,vibration,temperature
  2026-03-02T06:00:00Z,2.41,51.2

Entity form: a wide file holding several machines, told apart by an entity column
(Microsoft's Azure PdM telemetry):
  datetime,machineID,volt,rotate,pressure,vibration
  2015-01-01 06:00:00,1,176.2,418.5,113.1,45.1
  gemba series import PdM_telemetry.csv --entity machineID
names the series machine-1.volt, machine-1.rotate, … (asset machine-<id> for a numeric id
column called machineID, the id itself otherwise). Choose the names with templates over any
column of the row, {column} (the value column) and {asset}:
  --entity machineID --name 'machine-{machineID}.{column}'
  --entity machineID --asset 'pdm-{machineID}'            (series pdm-1.volt, ...)
Without --asset the asset and sensor are read from the name: asset.sensor; <line>.output and
<line>.plan are a line's production and plan.

Timestamps may be RFC 3339 (2015-01-01T06:00:00Z, with any offset), ISO without zone
(2015-01-01 06:00:00), US dates (1/1/2015 6:00:00 AM) or Unix seconds or milliseconds (also
µs, ns; told by magnitude). Timestamps without a zone are read in --tz (an IANA zone,
e.g. Asia/Seoul), by default UTC; the output says which. A (series, timestamp) pair repeated in
a file keeps the last row by default (--on-duplicate keep-last|keep-first|mean|error), counted
in a warning. A wide file whose rows repeat their timestamps because a column tells machines
apart is refused with the --entity option to use. Empty cells, NaN, NA and null are missing
readings (counted, never filled). Re-importing overlapping points replaces them. Malformed rows
are listed with their line and column and nothing from that file is imported; the exit status
is then 1. "-" reads standard input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var err error
			if opt.Unit, opt.Units, err = parseUnits(units); err != nil {
				return exitCode(2, err.Error())
			}
			if opt.OnDuplicate, err = series.ParseDupPolicy(dupPolicy); err != nil {
				return exitCode(2, "--on-duplicate: "+err.Error())
			}
			if dupPolicy == "" {
				opt.OnDuplicate = ""
			}
			var zoneFrom string
			if opt.Location, zoneFrom, err = importZone(tz); err != nil {
				return exitCode(2, err.Error())
			}
			if opt.Comma, err = parseDelimiter(delimiter); err != nil {
				return exitCode(2, err.Error())
			}
			for _, c := range columns {
				for part := range strings.SplitSeq(c, ",") {
					if part = strings.TrimSpace(part); part != "" {
						opt.Columns = append(opt.Columns, part)
					}
				}
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
					results = append(results, map[string]any{"file": path, "result": res, "seconds": el.Seconds(), "zone_from": zoneFrom})
					continue
				}
				writeImportResult(app.Out, path, res, el, zoneFrom)
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
	f.StringVar(&opt.Asset, "asset", "", "asset of the value columns: a name (press-3) or a template over the row (machine-{machineID})")
	f.StringVar(&opt.Entity, "entity", "", "the column telling the machines of an entity file apart (e.g. machineID)")
	f.StringVar(&opt.Name, "name", "", "naming template of the series: any column, {column} and {asset} (e.g. 'machine-{machineID}.{column}')")
	f.StringVar(&opt.TimeColumn, "time", "", "the timestamp column (default: timestamp, time, ts, datetime or date)")
	f.StringArrayVar(&columns, "columns", nil, "only these value columns (comma-separated; repeatable)")
	f.StringVar(&tz, "tz", "", "time zone of timestamps without one (IANA name, e.g. Asia/Seoul; default UTC)")
	f.StringVar(&dupPolicy, "on-duplicate", "", "a (series, timestamp) pair repeated in the file: keep-last (default), keep-first, mean or error")
	f.StringVar(&delimiter, "delimiter", "", "field delimiter (default ','; e.g. ';' or 'tab')")
	f.StringVar(&opt.Site, "site", "", "site of the imported series")
	f.StringVar(&opt.Line, "line", "", "line of the imported series")
	f.StringArrayVar(&units, "unit", nil, "unit of every series (mm/s) or of one sensor (vibration=mm/s); repeatable")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

// importZone is the time zone naive timestamps are read in and where it
// comes from: --tz, else UTC. (When the plant model names the plant's time
// zone, it is the default instead.)
func importZone(tz string) (*time.Location, string, error) {
	if tz == "" {
		return time.UTC, "default; set --tz for another zone", nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, "", fmt.Errorf("--tz %q: not a time zone (an IANA name such as Asia/Seoul, Europe/Berlin or UTC)", tz)
	}
	return loc, "--tz", nil
}

// parseDelimiter reads --delimiter: one character, or "tab".
func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", "\\t":
		return '\t', nil
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == '"' || r[0] == '\r' || r[0] == '\n' {
		return 0, fmt.Errorf("--delimiter %q: one character such as ';' or 'tab'", s)
	}
	return r[0], nil
}

// writeImportResult prints what one file's import wrote: the form and
// names used, the points, the time span and the zone of naive timestamps.
func writeImportResult(w io.Writer, path string, res series.ImportResult, el time.Duration, zoneFrom string) {
	form := res.Format + " form"
	if res.Entity != "" {
		form = fmt.Sprintf("entity form (by %s)", res.Entity)
	}
	fmt.Fprintf(w, "%s: %s, %d rows, %d points into %d series", path, form, res.Rows, res.Points, len(res.Series))
	if len(res.Assets) > 1 {
		fmt.Fprintf(w, " on %d assets", len(res.Assets))
	}
	fmt.Fprintf(w, " in %s (%.0f points/s)\n", el.Round(time.Millisecond), float64(res.Points)/el.Seconds())
	if res.NameTemplate != "" && len(res.Series) > 0 {
		fmt.Fprintf(w, "  names: %s", strings.ReplaceAll(res.NameTemplate, "{asset}", res.AssetTemplate))
		fmt.Fprintf(w, " (%s", res.Series[0])
		if len(res.Series) > 1 {
			fmt.Fprintf(w, " … %s", res.Series[len(res.Series)-1])
		}
		fmt.Fprintln(w, ")")
	}
	if !res.First.IsZero() {
		fmt.Fprintf(w, "  time: %s to %s UTC", res.First.UTC().Format("2006-01-02 15:04:05"), res.Last.UTC().Format("2006-01-02 15:04:05"))
		if res.Naive > 0 {
			fmt.Fprintf(w, "; timestamps without a zone read as %s (%s)", res.Zone, zoneFrom)
		} else {
			fmt.Fprint(w, "; every timestamp carried its zone")
		}
		fmt.Fprintln(w)
	}
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
