package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/demo"
)

// cmdSeed is `portal seed --demo`: the idempotent demo data set, then the
// slugs and sign-in emails.
func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed")
	demoFlag := fs.Bool("demo", false, "seed the demo data set")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !*demoFlag {
		return usageError{"usage: portal seed --demo"}
	}
	var pool *pgxpool.Pool
	var err error
	if getenv("PORTAL_DB_POOL_MODE") == db.PoolTransaction {
		// Behind a transaction pooler: the server's own pool settings and
		// migration path (PORTAL_MIGRATE_DATABASE_URL).
		cfg, cerr := config.Load(getenv)
		if cerr != nil {
			return cerr
		}
		pool, err = openConfigured(ctx, cfg)
	} else {
		pool, err = openDatabase(ctx, getenv("DATABASE_URL"), getenv("PORTAL_MIGRATE") != "off")
	}
	if err != nil {
		return err
	}
	defer pool.Close()
	ws, err := demo.Seed(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, describeDemo(ws, ""))
	return nil
}

// describeDemo lists the demo workspaces and sign-in emails; with baseURL
// it also gives each portal's address.
func describeDemo(ws []demo.Workspace, baseURL string) string {
	var b strings.Builder
	b.WriteString("Demo data ready. Sign in with a code sent to one of these addresses")
	if baseURL == "" {
		b.WriteString(" (see the server log, or /_dev/mail in development):\n")
	} else {
		b.WriteString(" (codes appear at " + baseURL + "/_dev/mail):\n")
	}
	for _, w := range ws {
		mode := "legacy customer sessions"
		if w.MemberModel {
			mode = "member sessions"
		}
		fmt.Fprintf(&b, "\n  %s (%s, %s)", w.Slug, w.Name, mode)
		if baseURL != "" {
			fmt.Fprintf(&b, "  %s/%s/portal", baseURL, w.Slug)
		}
		b.WriteString("\n")
		for _, l := range w.Logins {
			fmt.Fprintf(&b, "    %-26s %s\n", l.Email, l.About)
		}
	}
	return b.String()
}
