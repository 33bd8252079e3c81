package db_test

import (
	"context"
	"os"
	"testing"

	"portal/internal/db"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func tableCount(t *testing.T, ctx context.Context, d *testkit.Database) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Migrations must go all the way down and back up cleanly, River's included,
// so a bad release can be rolled back.
func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	d := testkit.NewDatabase(t)
	up := tableCount(t, ctx, d)
	if up < 20 {
		t.Fatalf("expected the full schema, found %d tables", up)
	}
	if ok, err := db.Migrated(ctx, d.Pool); err != nil || !ok {
		t.Fatalf("Migrated = %v, %v", ok, err)
	}
	if err := db.MigrateDown(ctx, d.Pool, true); err != nil {
		t.Fatalf("down: %v", err)
	}
	// goose keeps its own version table; nothing else may remain.
	if n := tableCount(t, ctx, d); n > 1 {
		t.Fatalf("after down, %d tables remain", n)
	}
	if ok, _ := db.Migrated(ctx, d.Pool); ok {
		t.Fatal("Migrated reports true after a full down")
	}
	if err := db.Migrate(ctx, d.Pool); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if n := tableCount(t, ctx, d); n != up {
		t.Fatalf("after up again: %d tables, want %d", n, up)
	}
	// And up is idempotent.
	if err := db.Migrate(ctx, d.Pool); err != nil {
		t.Fatalf("second up: %v", err)
	}
}
