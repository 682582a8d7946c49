package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// importBundle is an import bundle (deploy/examples/azure_pdm/import.yaml):
// the files of one plant's export and how each goes in — series files
// with their import options, CMMS tables with their mapping files, the
// models to train after — so a plant arrives in one command.
type importBundle struct {
	// Name names the bundle in the output.
	Name string `yaml:"name"`
	// Plant is a plant model file (plant.yaml), relative to the bundle
	// file, applied first: the plant's time zone and shifts, its lines.
	Plant string `yaml:"plant"`
	// Data is the folder of the data files, relative to the bundle file
	// (default: the bundle's folder); --data overrides it.
	Data string `yaml:"data"`
	// Series are time-series files (gemba series import).
	Series []bundleSeries `yaml:"series"`
	// History are CMMS exports (gemba history import), in this order.
	History []bundleHistory `yaml:"history"`
	// Train names models to train once the data is in ("risk").
	Train []string `yaml:"train"`
	// Ask are example questions printed at the end.
	Ask []string `yaml:"ask"`
}

type bundleSeries struct {
	File        string   `yaml:"file"`
	Entity      string   `yaml:"entity"`
	Name        string   `yaml:"name"`
	Asset       string   `yaml:"asset"`
	Time        string   `yaml:"time"`
	TZ          string   `yaml:"tz"`
	OnDuplicate string   `yaml:"on_duplicate"`
	Columns     []string `yaml:"columns"`
	Units       []string `yaml:"units"`
	Site        string   `yaml:"site"`
	Line        string   `yaml:"line"`
	Delimiter   string   `yaml:"delimiter"`
}

type bundleHistory struct {
	File   string `yaml:"file"`
	Map    string `yaml:"map"`
	Source string `yaml:"source"`
}

// bundleStep is one command of a bundle, in the words of the CLI.
type bundleStep struct {
	what string
	args []string
	new  func(*App) *cobra.Command
}

// loadBundle reads and checks a bundle file: every file it names must
// exist before anything is written.
func loadBundle(path, dataDir string) (importBundle, []bundleStep, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return importBundle{}, nil, err
	}
	var b importBundle
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return b, nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	if dataDir == "" {
		dataDir = base
		if b.Data != "" {
			dataDir = filepath.Join(base, b.Data)
		}
	}
	var problems []string
	need := func(what, p string) string {
		if p == "" {
			problems = append(problems, what+": no file named")
			return p
		}
		if _, err := os.Stat(p); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s not found", what, p))
		}
		return p
	}
	var steps []bundleStep
	if b.Plant != "" {
		steps = append(steps, bundleStep{what: "plant apply", args: []string{need("plant", filepath.Join(base, b.Plant))}, new: newPlantApplyCmd})
	}
	for i, s := range b.Series {
		what := fmt.Sprintf("series[%d]", i)
		f := need(what, filepath.Join(dataDir, s.File))
		args := []string{f}
		for _, kv := range [][2]string{{"--entity", s.Entity}, {"--name", s.Name}, {"--asset", s.Asset}, {"--time", s.Time},
			{"--tz", s.TZ}, {"--on-duplicate", s.OnDuplicate}, {"--site", s.Site}, {"--line", s.Line}, {"--delimiter", s.Delimiter}} {
			if kv[1] != "" {
				args = append(args, kv[0], kv[1])
			}
		}
		if len(s.Columns) > 0 {
			args = append(args, "--columns", strings.Join(s.Columns, ","))
		}
		for _, u := range s.Units {
			args = append(args, "--unit", u)
		}
		steps = append(steps, bundleStep{what: "series import", args: args, new: newSeriesImportCmd})
	}
	for i, h := range b.History {
		what := fmt.Sprintf("history[%d]", i)
		f := need(what, filepath.Join(dataDir, h.File))
		if h.Map == "" {
			problems = append(problems, what+": no map (a mapping file, see gemba history import --help)")
		}
		m := need(what+" map", filepath.Join(base, h.Map))
		args := []string{f, "--map", m}
		if h.Source != "" {
			args = append(args, "--source", h.Source)
		}
		steps = append(steps, bundleStep{what: "history import", args: args, new: newHistoryImportCmd})
	}
	for _, t := range b.Train {
		if t != "risk" {
			problems = append(problems, fmt.Sprintf("train: unknown model %q (risk is the one to train)", t))
			continue
		}
		steps = append(steps, bundleStep{what: "model train", args: []string{"risk"}, new: newModelTrainCmd})
	}
	if len(steps) == 0 {
		problems = append(problems, "the bundle names no series, history or model")
	}
	if len(problems) > 0 {
		return b, nil, fmt.Errorf("%s: %s", path, strings.Join(problems, "; "))
	}
	return b, steps, nil
}

// newImportCmd is `gemba import BUNDLE`.
func newImportCmd(app *App) *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "import BUNDLE",
		Short: "Import a plant's export in one command: its series, CMMS tables and models, as a bundle file lists them",
		Long: `Import runs the steps a bundle file lists — gemba series import for each time-series file,
gemba history import for each CMMS table with its mapping file, gemba model train for each model —
in order, and stops at the first step that fails (each file is imported whole or not at all, so
what was imported stays and the rest can be re-run: importing again replaces what is stored).

  name: azure-pdm
  plant: plant.yaml                                     # a plant model, applied first (optional)
  series:
    - {file: PdM_telemetry.csv, entity: machineID}     # any option of gemba series import
  history:
    - {file: PdM_machines.csv, map: machines.yaml}      # maps are relative to the bundle file
    - {file: PdM_failures.csv, map: failures.yaml}
  train: [risk]
  ask: ["what happened to machine-12 in March 2015?"]

Data files are read from --data (default: the bundle's data: folder, else the bundle's own
folder). Every file is checked before anything is written. Microsoft's Azure PdM sample:
  gemba import deploy/examples/azure_pdm/import.yaml --data ../shared/data/azure_pdm`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, steps, err := loadBundle(args[0], dataDir)
			if err != nil {
				return exitCode(2, err.Error())
			}
			name := b.Name
			if name == "" {
				name = args[0]
			}
			began := time.Now()
			for i, s := range steps {
				fmt.Fprintf(app.Out, "[%d/%d] gemba %s %s\n", i+1, len(steps), s.what, strings.Join(s.args, " "))
				c := s.new(app)
				c.SetArgs(s.args)
				c.SetIn(cmd.InOrStdin())
				c.SetOut(app.Out)
				c.SetErr(app.Err)
				c.SilenceUsage, c.SilenceErrors = true, true
				if err := c.ExecuteContext(cmd.Context()); err != nil {
					var ee *exitError
					msg := err.Error()
					code := 1
					if errors.As(err, &ee) {
						msg, code = ee.msg, ee.code
					}
					done := "nothing before it"
					if i > 0 {
						done = fmt.Sprintf("steps 1–%d are in", i)
					}
					return exitCode(code, fmt.Sprintf("%s: step %d of %d (%s) failed: %s (%s; fix it and run gemba import again: re-importing replaces what is stored)",
						name, i+1, len(steps), s.what, msg, done))
				}
			}
			fmt.Fprintf(app.Out, "%s: %d step(s) done in %s\n", name, len(steps), time.Since(began).Round(100*time.Millisecond))
			for _, q := range b.Ask {
				fmt.Fprintf(app.Out, "  ask: gemba ask %q\n", q)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "folder of the data files (default: the bundle's data: folder, else the bundle's folder)")
	return cmd
}
