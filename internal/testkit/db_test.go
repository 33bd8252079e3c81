package testkit

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestDBIsMigratedAndPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := DB(t)
	if pool != DB(t) {
		t.Fatal("DB(t) twice in one test gave two databases")
	}

	var goose, river bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL, to_regclass('river_job') IS NOT NULL`).Scan(&goose, &river)
	if err != nil || !goose || !river {
		t.Fatalf("not migrated: goose=%v river=%v err=%v", goose, river, err)
	}
	var user string
	var super bool
	if err := pool.QueryRow(ctx, `SELECT current_user, usesuper FROM pg_user WHERE usename = current_user`).Scan(&user, &super); err != nil {
		t.Fatal(err)
	}
	if user != "portal_test" || super {
		t.Errorf("connected as %s (superuser %v), want the unprivileged test role", user, super)
	}

	// The DSN reaches the very same database, as a subprocess would.
	if _, err := pool.Exec(ctx, `CREATE TABLE mine (v int)`); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO mine VALUES (1)`); err != nil {
		t.Fatalf("DSN(t) is another database: %v", err)
	}

	// Subtests get databases of their own.
	t.Run("sub", func(t *testing.T) {
		var exists bool
		if err := DB(t).QueryRow(ctx, `SELECT to_regclass('mine') IS NOT NULL`).Scan(&exists); err != nil || exists {
			t.Fatalf("subtest sees the parent's table: %v %v", exists, err)
		}
	})
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := NewDatabase(t), NewDatabase(t)
	if a.Name == b.Name {
		t.Fatal("same database twice")
	}
	if _, err := a.Pool.Exec(ctx, `CREATE TABLE only_in_a (v int)`); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := b.Pool.QueryRow(ctx, `SELECT to_regclass('only_in_a') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("isolation broken: %v %v", exists, err)
	}
}

// The fault-test pattern: a private cluster, stopped and started under a pool.
func TestClusterOutageAndRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := NewCluster(t)
	d := DatabaseOn(t, c)
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := d.Pool.Exec(qctx, `SELECT 1`); err == nil {
		t.Fatal("query succeeded with the database down")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := d.Pool.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 7 {
		t.Fatalf("after restart: %d %v", v, err)
	}
}

func TestSharedCluster(t *testing.T) {
	if os.Getenv(EnvDatabaseURL) != "" {
		t.Skipf("%s is set: no shared private cluster", EnvDatabaseURL)
	}
	c := Cluster(t)
	if !c.Running() {
		t.Fatal("shared cluster not running")
	}
	if !strings.HasPrefix(c.Dir, os.TempDir()) {
		t.Errorf("shared cluster in %s, want a temp dir", c.Dir)
	}
}

func TestConfigFromDSN(t *testing.T) {
	for _, tc := range []struct{ dsn, wantURL string }{
		{
			"postgres://admin:p%40ss%2Fw@db.example:6543/postgres?sslmode=require&application_name=x",
			"postgres://admin:p%40ss%2Fw@:6543/postgres?host=db.example&application_name=x&sslmode=require",
		},
		{
			"host=/var/run/postgresql port=5432 user=postgres dbname=postgres sslmode=disable",
			"postgres://postgres:@:5432/postgres?host=%2Fvar%2Frun%2Fpostgresql&sslmode=disable",
		},
		{
			`host=localhost user=u password='it\'s q' dbname=d`,
			"postgres://u:it%27s%20q@:5432/d?host=localhost",
		},
	} {
		conf, err := configFromDSN(tc.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tc.dsn, err)
		}
		if got := conf.URL(); got != tc.wantURL {
			t.Errorf("%s:\n got %s\nwant %s", tc.dsn, got, tc.wantURL)
		}
		// And pgx reads back what was meant.
		want, _ := pgx.ParseConfig(tc.dsn)
		got, err := pgx.ParseConfig(conf.URL())
		if err != nil {
			t.Fatalf("%s: %v", conf.URL(), err)
		}
		if got.Host != want.Host || got.Port != want.Port || got.User != want.User || got.Password != want.Password || got.Database != want.Database {
			t.Errorf("%s: round trip gave %s:%d %s/%s %s", tc.dsn, got.Host, got.Port, got.User, got.Password, got.Database)
		}
	}
}
