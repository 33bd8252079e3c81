// Command portal runs the customer portal: serve, migrate, workspace, seed
// and dev (docs/design.md "Interface").
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"portal/internal/logbuf"
)

// usageError makes the process exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: portal <command> [flags]

commands:
  serve                          run the HTTP server
  migrate [up|down|status]       database migrations
  workspace create --name NAME --slug SLUG [--email E] [--website URL] [--member-model] [--locale L]
  workspace token --slug SLUG    issue another workspace access token
  seed --demo                    idempotent demo data
  dev                            private database + migrate + seed + serve (make run)`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serveRuntime(os.Getenv)
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "portal: "+oneLine(err.Error()))
		os.Exit(exitCode(err))
	}
}

// exitCode is the process status for run's error: 2 for bad usage, 1 for
// any other failure, 0 for none.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate", "workspace", "seed":
		// Next to a running `portal dev` with no DATABASE_URL: its database.
		env, err := devDatabase(getenv, stderr)
		if err != nil {
			return err
		}
		switch args[0] {
		case "migrate":
			return cmdMigrate(ctx, args[1:], env, stdout, stderr)
		case "workspace":
			return cmdWorkspace(ctx, args[1:], env, stdout, stderr)
		}
		return cmdSeed(ctx, args[1:], env, stdout, stderr)
	case "dev":
		return cmdDev(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
}

// newLogger logs text in development and JSON in production. Over a
// logbuf.Writer, warnings and errors are written at once.
func newLogger(dev bool, w io.Writer) *slog.Logger {
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	if dev {
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	}
	if lw, ok := w.(*logbuf.Writer); ok {
		h = logbuf.Handler(h, lw)
	}
	if dev {
		h = quietRequests{h}
	}
	return slog.New(h)
}

// quietRequests keeps the development console readable (issue 16.19): the
// per-request line is dropped unless the request failed (5xx, logged at
// ERROR); sign-in codes, warnings and errors still show.
type quietRequests struct{ slog.Handler }

func (q quietRequests) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "request" && r.Level < slog.LevelWarn {
		return nil
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietRequests) WithAttrs(a []slog.Attr) slog.Handler {
	return quietRequests{q.Handler.WithAttrs(a)}
}

func (q quietRequests) WithGroup(n string) slog.Handler { return quietRequests{q.Handler.WithGroup(n)} }
