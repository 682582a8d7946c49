// Command gemba is Gemba's single binary: the Slack bot and local console
// (`gemba serve`), and the commands that load data, ask questions and check
// models. See `gemba help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gemba-ai/gemba/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
