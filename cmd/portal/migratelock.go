package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db"
)

// migrationLockKey is the PostgreSQL advisory lock every portal process
// takes around migrations ("portal" in ASCII). A deploy starts N instances
// at once and each `serve` migrates first: without the lock two of them ran
// migration 1 side by side and one died with a duplicate-key error
// (processtest TestTwoInstancesMigrateAtOnce). Goose's version table alone
// does not serialise them, and River's migrations are outside goose.
const migrationLockKey int64 = 0x706f7274616c

// withMigrationLock runs fn while holding the migration lock on one
// connection of pool; others wait (until ctx ends) and then find nothing
// left to apply.
func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("db: migration lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("db: migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey); err != nil {
			// A session lock dies with its session: close the connection
			// rather than return it to the pool still holding the lock.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return fn()
}

// migrateUp applies pending migrations under the lock.
func migrateUp(ctx context.Context, pool *pgxpool.Pool) error {
	return withMigrationLock(ctx, pool, func() error { return db.Migrate(ctx, pool) })
}
