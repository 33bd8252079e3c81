package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/workspace"
)

const workspaceUsage = `usage: portal workspace create --name NAME --slug SLUG [--email E] [--website URL] [--member-model] [--locale L]
       portal workspace token --slug SLUG`

// cmdWorkspace is `portal workspace create|token`: both print one JSON
// object {"id","slug","access_token"} on stdout.
func cmdWorkspace(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"workspace: missing subcommand\n" + workspaceUsage}
	}
	switch args[0] {
	case "create":
		return workspaceCreate(ctx, args[1:], getenv, stdout)
	case "token":
		return workspaceToken(ctx, args[1:], getenv, stdout)
	}
	return usageError{fmt.Sprintf("workspace: unknown subcommand %q\n%s", args[0], workspaceUsage)}
}

func workspaceCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("workspace create")
	name := fs.String("name", "", "workspace name")
	slug := fs.String("slug", "", "URL slug")
	email := fs.String("email", "", "reply-to address")
	website := fs.String("website", "", "website URL")
	memberModel := fs.Bool("member-model", false, "sign in as members (team mode)")
	locale := fs.String("locale", "en", "default language: en, de, fr, es, pt-BR or ja")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var missing []string
	if *name == "" {
		missing = append(missing, "--name")
	}
	if *slug == "" {
		missing = append(missing, "--slug")
	}
	if len(missing) > 0 {
		return usageError{"workspace create: " + strings.Join(missing, " and ") + " required\n" + workspaceUsage}
	}
	svc, closeDB, err := openWorkspaces(ctx, getenv)
	if err != nil {
		return err
	}
	defer closeDB()
	in := workspace.CreateInput{Name: *name, Slug: *slug, MemberModel: *memberModel, Locale: *locale}
	if *email != "" {
		in.Email = email
	}
	if *website != "" {
		in.Website = website
	}
	iss, err := svc.Create(ctx, in)
	if err != nil {
		return commandErr("workspace create", err)
	}
	return json.NewEncoder(stdout).Encode(iss)
}

func workspaceToken(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("workspace token")
	slug := fs.String("slug", "", "URL slug")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" {
		return usageError{"workspace token: --slug required\n" + workspaceUsage}
	}
	svc, closeDB, err := openWorkspaces(ctx, getenv)
	if err != nil {
		return err
	}
	defer closeDB()
	iss, err := svc.IssueToken(ctx, *slug)
	if err != nil {
		return commandErr("workspace token", err)
	}
	return json.NewEncoder(stdout).Encode(iss)
}

// newFlagSet makes a flag set that reports errors instead of printing or
// exiting: run turns them into usage errors (exit status 2).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{workspaceUsage}
		}
		return usageError{fs.Name() + ": " + err.Error() + "\n" + workspaceUsage}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q\n%s", fs.Name(), fs.Arg(0), workspaceUsage)}
	}
	return nil
}

// openWorkspaces connects to DATABASE_URL (migrating unless
// PORTAL_MIGRATE=off) and builds the workspace service with the server's
// secret, so the tokens it mints are the ones the server accepts.
func openWorkspaces(ctx context.Context, getenv func(string) string) (*workspace.Service, func(), error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, nil, err
	}
	pool, err := openConfigured(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	h, err := auth.NewHasher([]byte(cfg.Secret))
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return workspace.New(pool, h, cfg.BaseURL), pool.Close, nil
}

// openConfigured opens the pool as PORTAL_DB_POOL_MODE says and, unless
// PORTAL_MIGRATE=off, applies pending migrations (over
// PORTAL_MIGRATE_DATABASE_URL behind a transaction pooler).
func openConfigured(ctx context.Context, cfg *config.Config) (*pgxpool.Pool, error) {
	if cfg.DatabaseURL == "" {
		return nil, &config.Error{Var: "DATABASE_URL", Msg: "is required (or run `portal dev`)"}
	}
	pool, err := db.OpenMode(ctx, cfg.DatabaseURL, cfg.PoolMode)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate != "off" {
		if err := migrateServe(ctx, cfg, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// openDatabase opens the pool and, when asked, applies pending migrations.
func openDatabase(ctx context.Context, dsn string, migrate bool) (*pgxpool.Pool, error) {
	if dsn == "" {
		return nil, &config.Error{Var: "DATABASE_URL", Msg: "is required (or run `portal dev`)"}
	}
	pool, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := migrateUp(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// commandErr turns a service error into the command's one-line message:
// invalid flags are usage errors (exit 2) naming the flag.
func commandErr(op string, err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch e.Kind {
	case apperr.KindInvalid:
		var parts []string
		for _, f := range e.Fields {
			flagName := ""
			if len(f.Loc) > 0 {
				flagName = fmt.Sprintf("--%v", f.Loc[len(f.Loc)-1])
			}
			parts = append(parts, strings.TrimSpace(flagName+" "+f.Msg))
		}
		return usageError{op + ": " + strings.Join(parts, "; ")}
	case apperr.KindConflict, apperr.KindNotFound:
		return fmt.Errorf("%s: %s", op, e.Detail)
	}
	if e.Err != nil {
		return fmt.Errorf("%s: %s: %w", op, e.Detail, e.Err)
	}
	return fmt.Errorf("%s: %s", op, e.Detail)
}
