package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/blockkit"
	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// newDigestCmd is `gemba digest --channel C [--dry-run]`: one channel's
// shift digest, built now from the same tools and stores the bot uses,
// posted to Slack (header, details in its thread, charts) or printed.
func newDigestCmd(app *App) *cobra.Command {
	var channel string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "digest --channel C [--dry-run]",
		Short: "Build a channel's shift digest now and post it to Slack (or print it with --dry-run)",
		Long: `Builds the shift digest of a Slack channel now: anomaly events since its last digest,
forecast against plan for the channel's bound scope, open threads, and what to look at first.
It is posted to the channel (a short header, details in its thread) outside any schedule;
with --dry-run it is printed instead and nothing is posted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if channel == "" {
				return exitCode(2, "digest: --channel is required (a Slack channel id such as C0123456789, or source:channel as gemba channel list prints it)")
			}
			ch, err := model.ParseChannel(channel)
			if err != nil {
				return exitCode(2, "digest: --channel "+err.Error())
			}
			var names conversation.Names = bot.Names{}
			if ch.Source == model.SourceConsole {
				if !dryRun {
					return exitCode(2, "digest: "+ch.String()+" is a console channel: the running console (gemba serve) shows its digests; use --dry-run to print one")
				}
				names = consoleNames{}
			}
			channel = ch.ID
			ctx := cmd.Context()
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			if !dryRun && !cfg.Slack.Enabled() {
				return exitCode(2, "digest: GEMBA_SLACK_BOT_TOKEN is not set, so nothing can be posted; use --dry-run to print the digest")
			}
			p, err := buildParts(ctx, app, runnerDeps{offline: true})
			if err != nil {
				return err
			}
			if dryRun {
				d, err := p.core.BuildDigest(ctx, names, channel)
				if err != nil {
					return err
				}
				fmt.Fprintln(app.Out, blockkit.DigestText(d))
				if n := len(d.Charts); n > 0 {
					fmt.Fprintf(app.Out, "\n(%d chart(s) would be uploaded in the thread)\n", n)
				}
				return nil
			}
			b, err := bot.New(bot.Options{BotToken: cfg.Slack.BotToken, APIURL: cfg.Slack.APIURL, Core: p.core, Logger: app.Logger()})
			if err != nil {
				return err
			}
			ts, err := p.core.PostDigest(ctx, b, channel)
			if err != nil {
				return fmt.Errorf("digest: %w", err)
			}
			fmt.Fprintf(app.Out, "Posted the digest to %s (message %s).\n", channel, ts)
			return nil
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "Slack channel id (required)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the digest instead of posting it")
	cmd.AddCommand(digestScheduleCmds(app)...) // schedule, disable, list: channel.go
	return cmd
}

// consoleNames names things for a console channel's printed digest: its
// source is the console's (its bindings and settings are read there).
type consoleNames struct{ bot.Names }

// Source is "console".
func (consoleNames) Source() string { return console.Source }
