package main

import (
	"context"
	"fmt"
	"io"

	"portal/internal/config"
	"portal/internal/db"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	dir := "up"
	if len(args) > 1 {
		return usageError{"usage: portal migrate [up|down|status]"}
	}
	if len(args) == 1 {
		dir = args[0]
	}
	// Migrations take a session advisory lock: behind a transaction pooler
	// they need the direct connection.
	dsn := getenv("PORTAL_MIGRATE_DATABASE_URL")
	if dsn == "" {
		dsn = getenv("DATABASE_URL")
	}
	if dsn == "" {
		return &config.Error{Var: "DATABASE_URL", Msg: "is required"}
	}
	pool, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch dir {
	case "up":
		if err := migrateUp(ctx, pool); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
	case "down":
		if err := withMigrationLock(ctx, pool, func() error { return db.MigrateDown(ctx, pool, false) }); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rolled back one migration")
	case "status":
		lines, err := db.MigrationStatus(ctx, pool)
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
	default:
		return usageError{"usage: portal migrate [up|down|status]"}
	}
	return nil
}
