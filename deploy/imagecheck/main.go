// Command imagecheck checks a built Gemba container image and what runs it.
// deploy/image-check.sh builds the image with buildah, mounts its root
// filesystem and calls these subcommands:
//
//	imagecheck image  -config CONFIG.json -root DIR [-base DIR] -facts OUT.json
//	    the image's configuration (entrypoint, command, user, port, labels)
//	    and its files: only the static gemba binary on top of the base, no
//	    source, test fakes, shells or secrets, CA certificates and time zones
//	    present, under the size limit; writes what it learnt to OUT.json.
//	imagecheck chart  -facts IMAGE.json -image NAME < rendered.yaml
//	    the Helm chart's pod specs against the image: image name, user and
//	    group, non-root, read-only root, ports and probes; prints the run plan
//	    (user, arguments, writable mounts, probe paths, ConfigMap settings)
//	    the script then follows to start the binary the way the pod would.
//	imagecheck serve  -url http://127.0.0.1:PORT -live /healthz -ready /readyz -page /
//	    waits for liveness and readiness, then loads the console's first page
//	    and every asset it references.
//	imagecheck answer < ask.json
//	    checks the JSON printed by `gemba ask --json`.
//
// Each subcommand prints what it checked and exits 1 with every problem it
// found, 2 on bad usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// problems collects every failed check of one subcommand, so a run reports
// all of them at once rather than the first.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New("- " + strings.Join(p, "\n- "))
}

// usageError marks bad command-line use (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "imagecheck: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: imagecheck image|chart|serve|answer [flags]"}
	}
	switch args[0] {
	case "image":
		return runImage(args[1:], stdout)
	case "chart":
		return runChart(args[1:], stdin, stdout)
	case "serve":
		return runServe(ctx, args[1:], stdout)
	case "answer":
		return runAnswer(stdin, stdout)
	default:
		return usageError{fmt.Sprintf("unknown subcommand %q (want image, chart, serve or answer)", args[0])}
	}
}
