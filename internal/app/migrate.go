package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/db"
)

func newMigrateCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply, roll back or list database migrations"}
	open := func(cmd *cobra.Command) (*db.Migrator, error) {
		cfg, err := app.Config()
		if err != nil {
			return nil, err
		}
		return db.NewMigrator(cmd.Context(), cfg.DatabaseURL, app.Logger())
	}
	// with runs fn on a migrator for the command's database and closes it.
	with := func(cmd *cobra.Command, fn func(m *db.Migrator) error) error {
		m, err := open(cmd)
		if err != nil {
			return err
		}
		defer func() { _ = m.Close() }()
		return fn(m)
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration (safe to run from several processes at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(cmd, func(m *db.Migrator) error {
				n, err := m.Up(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Out, "applied %d migration(s)\n", n)
				return nil
			})
		},
	})
	var to int64
	var all bool
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back the latest migration (--to N rolls back to version N, --all to zero)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("to") && to < 0 {
				return exitCode(2, "--to must be 0 or a migration version")
			}
			return with(cmd, func(m *db.Migrator) error {
				var n int
				var err error
				switch {
				case all:
					n, err = m.DownTo(cmd.Context(), 0)
				case cmd.Flags().Changed("to"):
					n, err = m.DownTo(cmd.Context(), to)
				default:
					n, err = m.Down(cmd.Context())
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Out, "rolled back %d migration(s)\n", n)
				return nil
			})
		},
	}
	down.Flags().Int64Var(&to, "to", 0, "roll back to this version (0 = everything)")
	down.Flags().BoolVar(&all, "all", false, "roll back every migration")
	cmd.AddCommand(down)
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(cmd, func(m *db.Migrator) error {
				st, err := m.Status(cmd.Context())
				if err != nil {
					return err
				}
				pending := 0
				for _, s := range st {
					state := "applied"
					if !s.Applied {
						state = "pending"
						pending++
					}
					fmt.Fprintf(app.Out, "%05d  %-8s %s\n", s.Version, state, s.Name)
				}
				fmt.Fprintf(app.Out, "%d applied, %d pending\n", len(st)-pending, pending)
				return nil
			})
		},
	})
	return cmd
}
