package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/internal/plant/model"
)

// plantAdmin binds channels and schedules digests with the same checks
// for the CLI and the console (model.Admin), through ch (a core's
// PlantChannels).
func plantAdmin(pool db.DBTX, st model.Catalog, ch model.Channels) *model.Admin {
	return &model.Admin{DB: pool, Channels: ch, Catalog: st, ConsoleChannels: consoleChannels, Fallback: plant.DemoDefaults()}
}

// cliAdmin is plantAdmin on the configured database and series store.
func cliAdmin(cmd *cobra.Command, app *App) (*model.Admin, error) {
	pool, err := app.Pool(cmd.Context())
	if err != nil {
		return nil, err
	}
	st, _, err := seriesStore(app, pool)
	if err != nil {
		return nil, err
	}
	return plantAdmin(pool, st, conversation.PlantChannelsOn(pool)), nil
}

// adminErr turns a refused request into exit status 2 with its text.
func adminErr(err error) error {
	if model.IsInput(err) {
		return exitCode(2, err.Error())
	}
	return err
}

// newChannelCmd is `gemba channel bind|unbind|list`.
func newChannelCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "channel",
		Short: "Bind channels to a line or an asset (as /gemba bind does), unbind them, list the bindings",
		Long: `Channels are named source:channel — slack:C0123456789 (a Slack channel id; a bare id is Slack)
or console:shop-floor. A bound channel scopes its questions, tools, digests and alerts to the
line or asset. Bindings plant.yaml makes are the file's: a change here lasts until the next
` + "`gemba plant apply`" + `, which restores the file's (the command says so).`,
	}
	bind := &cobra.Command{
		Use:   "bind CHANNEL TARGET",
		Short: "Bind CHANNEL to TARGET: a line or asset name (line-1, press-3) or line=…, asset=…, site=…",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			res, err := a.Bind(cmd.Context(), args[0], strings.Join(args[1:], " "), app.who())
			if err != nil {
				return adminErr(err)
			}
			fmt.Fprintf(app.Out, "%s bound to %s (was: %s)\n", res.Channel, res.Target, res.Was)
			if res.Note != "" {
				fmt.Fprintln(app.Out, "note: "+res.Note)
			}
			return nil
		},
	}
	unbind := &cobra.Command{
		Use:   "unbind CHANNEL",
		Short: "Remove CHANNEL's binding: it covers the whole plant again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			res, err := a.Unbind(cmd.Context(), args[0], app.who())
			if err != nil {
				return adminErr(err)
			}
			if res.Was.IsZero() {
				fmt.Fprintf(app.Out, "%s was not bound\n", res.Channel)
			} else {
				fmt.Fprintf(app.Out, "%s unbound (was: %s); it covers the whole plant\n", res.Channel, res.Was)
			}
			if res.Note != "" {
				fmt.Fprintln(app.Out, "note: "+res.Note)
			}
			return nil
		},
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List bound channels, with whether plant.yaml made them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			bs, err := a.Bindings(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, bs)
			}
			if len(bs) == 0 {
				fmt.Fprintln(app.Out, "no channel is bound: every channel covers the whole plant")
				return nil
			}
			tw := newTable(app)
			fmt.Fprintln(tw, "CHANNEL\tBOUND TO\tORIGIN")
			for _, b := range bs {
				target := b.Target.String()
				if b.Target.IsZero() {
					target = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Channel, target, b.Origin)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(bind, unbind, list)
	return cmd
}

// digestScheduleCmds are `gemba digest schedule|disable|list`.
func digestScheduleCmds(app *App) []*cobra.Command {
	schedule := &cobra.Command{
		Use:   `schedule CHANNEL "CRON" [TZ]`,
		Short: `Schedule CHANNEL's shift digests: a five-field cron expression and a time zone (default: the plant's)`,
		Example: `  gemba digest schedule slack:C0123456789 "0 6,14,22 * * *" Asia/Seoul
  gemba digest schedule console:shop-floor "30 5 * * 1-5"`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cron, tz := scheduleArgs(args[1:])
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			res, err := a.Schedule(cmd.Context(), args[0], cron, tz, app.who())
			if err != nil {
				return adminErr(err)
			}
			s := res.Schedule
			fmt.Fprintf(app.Out, "%s: digests at %q (%s); next %s\n", s.Channel, s.Cron, s.TZ, fmtLocal(s.Next, s.TZ))
			if res.Note != "" {
				fmt.Fprintln(app.Out, "note: "+res.Note)
			}
			return nil
		},
	}
	disable := &cobra.Command{
		Use:   "disable CHANNEL",
		Short: "Turn CHANNEL's scheduled digests off",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			res, err := a.Disable(cmd.Context(), args[0])
			if err != nil {
				return adminErr(err)
			}
			if !res.Changed {
				fmt.Fprintf(app.Out, "%s had no digest schedule turned on\n", res.Schedule.Channel)
			} else {
				fmt.Fprintf(app.Out, "%s: scheduled digests turned off\n", res.Schedule.Channel)
			}
			if res.Note != "" {
				fmt.Fprintln(app.Out, "note: "+res.Note)
			}
			return nil
		},
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List digest schedules with their next slot and whether plant.yaml made them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := cliAdmin(cmd, app)
			if err != nil {
				return err
			}
			ss, err := a.Schedules(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(app.Out, ss)
			}
			if len(ss) == 0 {
				fmt.Fprintln(app.Out, "no digest schedules")
				return nil
			}
			tw := newTable(app)
			fmt.Fprintln(tw, "CHANNEL\tCRON\tTIME ZONE\tON\tNEXT\tORIGIN")
			for _, s := range ss {
				on := "yes"
				if !s.Enabled {
					on = "no"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Channel, s.Cron, s.TZ, on, fmtLocal(s.Next, s.TZ), s.Origin)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return []*cobra.Command{schedule, disable, list}
}

// scheduleArgs reads a cron expression and an optional time zone from the
// arguments after the channel: quoted ("0 6 * * *" Asia/Seoul) or not
// (0 6 * * * Asia/Seoul, five fields and a zone).
func scheduleArgs(rest []string) (cron, tz string) {
	switch {
	case len(rest) == 1:
		return rest[0], ""
	case len(rest) == 2 && strings.Contains(rest[0], " "):
		return rest[0], rest[1]
	case len(rest) >= 6:
		return strings.Join(rest[:len(rest)-1], " "), rest[len(rest)-1]
	}
	return strings.Join(rest, " "), ""
}
