package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/csvmap"
	"github.com/gemba-ai/gemba/internal/maintenance"
	"github.com/gemba-ai/gemba/rag"
)

// newHistoryCmd is `gemba history import|list`.
func newHistoryCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "The maintenance history as records: import CMMS exports (work orders, failures, alerts, equipment) and list them",
	}
	cmd.AddCommand(newHistoryImportCmd(app), newHistoryListCmd(app))
	return cmd
}

// historyReport is what one file gave.
type historyReport struct {
	File      string                   `json:"file"`
	Rows      int                      `json:"rows"`
	Events    maintenance.UpsertReport `json:"events"`
	Equipment int                      `json:"equipment"`
	Documents *rag.IngestReport        `json:"documents,omitempty"`
	Error     string                   `json:"error,omitempty"`
}

func newHistoryImportCmd(app *App) *cobra.Command {
	var (
		mapPath, source string
		asJSON          bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE... --map MAPPING",
		Short: "Load CMMS exports (CSV) into the maintenance history and the incident store through a mapping file",
		Long: `Import reads CSV exports of a CMMS — work orders, failures, preventive maintenance, alerts,
the equipment list — with a mapping file that says how columns make each field:

  event:                                # a maintenance record per row
    id: "pdm-{machineID}-{datetime}-{failure}"   # {Column} reads a column; several make a unique id
    kind: failure                       # text without braces is a constant
    asset: "machine-{machineID}"
    opened_at: "{datetime}"
    type: {template: "{WO Type}", map: {PM: preventive, CM: work_order}}
  document:                             # an incident document per row, linked to the record (optional)
    id: "pdm-{machineID}-{datetime}-{failure}"
    title: "machine-{machineID}: {failure} failed"
    body: "..."
  equipment:                            # or: an asset of the equipment register per row
    asset: "machine-{machineID}"
    asset_type: "{model}"
    age_years: "{age}"
    as_of: "2015-01-01"
  time_zone: UTC
  if_exists: replace                    # or skip: keep records already stored under an id

Event fields: id, kind (work_order, failure, preventive, inspection, alert), status, site, line,
asset, asset_type, component, failure_mode, code, title, opened_at, closed_at, due_at,
downtime_minutes, planned_minutes, cost, outcome, document_id. A file with problems (a column the
header lacks, an unreadable date, two rows with one id) writes nothing and lists them by line.
Re-importing a file replaces its records. Examples for Microsoft's Azure PdM sample are in
deploy/examples/azure_pdm/.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if mapPath == "" {
				return exitCode(2, "--map is required: a mapping file (see gemba history import --help and deploy/examples/azure_pdm/)")
			}
			m, err := csvmap.LoadFile(mapPath, map[string]bool{"body": true})
			if err != nil {
				return exitCode(2, err.Error())
			}
			if len(m.Event) == 0 && len(m.Equipment) == 0 {
				return exitCode(2, fmt.Sprintf("%s has no event or equipment section: nothing would be written to the maintenance history", mapPath))
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			store := maintenance.New(pool)
			var docs *rag.Store
			if len(m.Document) > 0 {
				if docs, err = openDocs(ctx, app); err != nil {
					return err
				}
			}
			var reps []historyReport
			failed := 0
			for _, path := range args {
				rep, err := importHistoryFile(ctx, store, docs, path, m, source)
				if err != nil {
					if !isUserError(err) {
						return err
					}
					rep.Error = err.Error()
					failed++
				}
				reps = append(reps, rep)
			}
			if asJSON {
				if err := printJSON(app.Out, reps); err != nil {
					return err
				}
			} else {
				for _, r := range reps {
					if r.Error != "" {
						fmt.Fprintf(app.Err, "failed: %s: %s\n", r.File, r.Error)
						continue
					}
					fmt.Fprintf(app.Out, "%s: %d row(s): %d record(s) written, %d kept as stored", r.File, r.Rows, r.Events.Written, r.Events.Skipped)
					if r.Equipment > 0 {
						fmt.Fprintf(app.Out, ", %d asset(s) in the equipment register", r.Equipment)
					}
					if d := r.Documents; d != nil {
						fmt.Fprintf(app.Out, "; documents: %d added, %d updated, %d unchanged", len(d.Added), len(d.Updated), d.Unchanged)
						for _, f := range d.Failed {
							fmt.Fprintf(app.Err, "documents failed: %s: %s\n", f.Path, f.Reason)
						}
					}
					fmt.Fprintln(app.Out)
				}
			}
			if failed > 0 {
				return exitCode(1, fmt.Sprintf("%d file(s) failed; nothing of them was written", failed))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&mapPath, "map", "", "mapping file (YAML): event, document and/or equipment sections")
	cmd.Flags().StringVar(&source, "source", "", "tag stored with each record (default: the mapping's source, else the file's name)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// userError is a problem with the input, said to the user (as opposed to
// the database failing).
type userError struct{ error }

func isUserError(err error) bool {
	_, ok := err.(userError) //nolint:errorlint // only this file wraps it, never further
	return ok
}

// importHistoryFile imports one file: the equipment section, else the
// events (all or nothing), then the documents of the same rows.
func importHistoryFile(ctx context.Context, store *maintenance.Store, docs *rag.Store, path string, m csvmap.File, source string) (historyReport, error) {
	rep := historyReport{File: path}
	if source == "" && m.Source == "" {
		source = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	open := func() (*os.File, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, userError{err}
		}
		return f, nil
	}
	if len(m.Equipment) > 0 {
		f, err := open()
		if err != nil {
			return rep, err
		}
		eq, err := maintenance.ParseEquipment(f, m, source)
		_ = f.Close()
		if err != nil {
			return rep, userError{err}
		}
		rep.Rows = len(eq)
		if rep.Equipment, err = store.UpsertEquipment(ctx, eq); err != nil {
			return rep, err
		}
	}
	if len(m.Event) > 0 {
		f, err := open()
		if err != nil {
			return rep, err
		}
		parsed, err := maintenance.Parse(f, maintenance.ParseOptions{Mapping: m, Source: source})
		_ = f.Close()
		rep.Rows = parsed.Rows
		if err != nil {
			return rep, userError{err}
		}
		if rep.Events, err = store.Upsert(ctx, parsed.Events, m.IfExists == "skip"); err != nil {
			return rep, err
		}
	}
	if len(m.Document) > 0 && docs != nil {
		kind := rag.KindIncident
		ir, err := docs.Ingest(ctx, []string{path}, rag.IngestOptions{Parse: rag.ParseOptions{Kind: kind, CSV: m.Document}})
		if err != nil {
			return rep, err
		}
		rep.Documents = &ir
	}
	return rep, nil
}

func newHistoryListCmd(app *App) *cobra.Command {
	var (
		asset, line, kind, mode, since, until, order string
		limit                                        int
		asJSON                                       bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List maintenance records (newest first), filtered by asset, line, kind, failure mode and date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f := maintenance.Filter{FailureMode: mode, Order: order, Limit: limit}
			if asset != "" {
				f.Assets = []string{asset}
			}
			if line != "" {
				f.Lines = []string{line}
			}
			if kind != "" {
				k, err := maintenance.ParseKind(kind)
				if err != nil {
					return exitCode(2, "--kind: "+err.Error())
				}
				f.Kinds = []maintenance.Kind{k}
			}
			for _, x := range []struct {
				v    string
				into *time.Time
				name string
			}{{since, &f.Since, "--since"}, {until, &f.Until, "--until"}} {
				if x.v == "" {
					continue
				}
				t, err := time.Parse("2006-01-02", x.v)
				if err != nil {
					return exitCode(2, x.name+": use a date like 2015-03-01")
				}
				*x.into = t
			}
			pool, err := app.Pool(ctx)
			if err != nil {
				return err
			}
			es, err := maintenance.New(pool).Query(ctx, f)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, es)
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OPENED\tASSET\tKIND\tSTATUS\tCOMPONENT/MODE\tDOWNTIME\tID\tTITLE")
			for _, e := range es {
				down := ""
				if e.DowntimeMinutes != nil {
					down = fmt.Sprintf("%d min", *e.DowntimeMinutes)
				}
				what := strings.Trim(e.Component+" "+e.FailureMode+" "+e.Code, " ")
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.OpenedAt.UTC().Format("2006-01-02 15:04"), e.Asset, e.Kind, e.Status, what, down, e.ID, e.Title)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&asset, "asset", "", "only this asset")
	f.StringVar(&line, "line", "", "only this line")
	f.StringVar(&kind, "kind", "", "only this kind: work_order, failure, preventive, inspection, alert")
	f.StringVar(&mode, "failure-mode", "", "only this failure mode")
	f.StringVar(&since, "since", "", "opened on or after this date (2015-03-01)")
	f.StringVar(&until, "until", "", "opened before this date")
	f.StringVar(&order, "order", "newest", "newest, oldest, downtime, cost or due")
	f.IntVar(&limit, "limit", 50, "at most this many records (0: all)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
