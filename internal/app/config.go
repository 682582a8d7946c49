package app

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/config"
)

func newConfigCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect Gemba's configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the GEMBA_* environment and print the effective configuration, secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Config()
			var verr *config.ValidationError
			if err != nil && !errors.As(err, &verr) {
				return err
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			for _, kv := range cfg.Redacted() {
				fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
			}
			_ = tw.Flush()
			mode := "local console only (no Slack tokens)"
			if cfg.Slack.SocketMode() {
				mode = "Slack Socket Mode"
			} else if cfg.Slack.Enabled() {
				mode = "Slack HTTP (Events API)"
			}
			llm := "offline planner (no LLM configured)"
			if cfg.LLM.Enabled() {
				llm = cfg.LLM.Provider + " " + cfg.LLM.Model
			}
			fmt.Fprintf(app.Out, "\nmode: %s; answers: %s\n", mode, llm)
			if verr != nil {
				return exitCode(2, verr.Error())
			}
			fmt.Fprintln(app.Out, "configuration OK")
			return nil
		},
	})
	return cmd
}
