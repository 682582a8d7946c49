package app

import (
	"github.com/spf13/cobra"
)

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "gemba",
		Short: "Gemba: a Slack assistant for the shop floor that explains why and says what to do next",
		Long: `Gemba pairs predictive models (anomaly detection, forecasts) on the plant's time series
with an LLM agent and the plant's memory of past incidents, and answers in Slack or in the
local console with a short list of next steps backed by data and cited incidents.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCmd(app),
		newConfigCmd(app),
		newMigrateCmd(app),
		newServeCmd(app),
		newAskCmd(app),
		newAuditCmd(app),
		newEvalCmd(app),
		newIngestCmd(app),
		newSearchCmd(app),
		newRagCmd(app),
		newDigestCmd(app),
		newSeriesCmd(app),
		newModelCmd(app),
		newDemoCmd(app),
		newHistoryCmd(app),
		newImportCmd(app),
		newMCPCmd(app),
		newConnectCmd(app),
		newPlantCmd(app),
		newChannelCmd(app),
		newBenchCmd(app),
	)
	return root
}
