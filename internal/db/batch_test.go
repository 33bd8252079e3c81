package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/testkit"
)

// tracedPool is a pool on the test's database, in the given pool mode,
// whose round trips are logged.
func tracedPool(t *testing.T, mode string) (*pgxpool.Pool, *testkit.QueryLog) {
	t.Helper()
	base := testkit.DB(t)
	qc := &testkit.QueryLog{}
	cfg := base.Config().Copy()
	cfg.ConnConfig.Tracer = qc
	if mode == db.PoolTransaction {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, qc
}

// Issue 15: db.Batch sends the queries of a page in one round trip and
// hands each its own answer, in session and in transaction pool mode.
func TestBatch_OneRoundTrip(t *testing.T) {
	for _, mode := range []string{db.PoolSession, db.PoolTransaction} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			pool, qc := tracedPool(t, mode)
			ws := testkit.Workspace(t, pool, "acme")
			cust := testkit.Customer(t, pool, ws, "ind@example.com", "individual")
			testkit.FileShare(t, pool, ws, cust, testkit.FileShareRow{})
			testkit.FileShare(t, pool, ws, cust, testkit.FileShareRow{})
			run := func() (dbgen.Workspace, int64, []string) {
				var w dbgen.Workspace
				var n int64
				var words []string
				err := db.Batch(ctx, pool, func(q *dbgen.Queries, raw dbgen.DBTX) error {
					var err error
					if w, err = q.GetWorkspaceBySlug(ctx, "acme"); err != nil {
						return err
					}
					if n, err = q.CountFileShareSessions(ctx, dbgen.CountFileShareSessionsParams{CustomerID: cust, WorkspaceID: ws}); err != nil {
						return err
					}
					rows, err := raw.Query(ctx, `SELECT unnest($1::text[])`, []string{"a", "b", "c"})
					if err != nil {
						return err
					}
					words, err = pgx.CollectRows(rows, pgx.RowTo[string])
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return w, n, words
			}
			run() // the first batch also describes its statements
			qc.Reset()
			w, n, words := run()
			if w.ID != ws || n != 2 || strings.Join(words, "") != "abc" {
				t.Fatalf("answers: workspace %v (want %v), count %d, words %v", w.ID, ws, n, words)
			}
			if got := qc.Taken(); len(got) != 1 || !strings.HasPrefix(got[0], "-- batch of 3") {
				t.Fatalf("want one round trip carrying 3 queries, got %d:\n%s", len(got), strings.Join(got, "\n===\n"))
			}
		})
	}
}

// A batch function that chooses its queries from an answer is refused, not
// handed another query's answer; a failing query's error reaches the caller.
func TestBatch_DivergenceAndErrors(t *testing.T) {
	ctx := context.Background()
	pool, _ := tracedPool(t, db.PoolSession)
	testkit.Workspace(t, pool, "acme")
	err := db.Batch(ctx, pool, func(q *dbgen.Queries, raw dbgen.DBTX) error {
		w, err := q.GetWorkspaceBySlug(ctx, "acme")
		if err != nil {
			return err
		}
		if w.Name != "" { // only true on the second call
			_, err = raw.Exec(ctx, `SELECT 1`)
		}
		return err
	})
	if !errors.Is(err, db.ErrBatchDiverged) {
		t.Fatalf("diverging batch: %v", err)
	}
	err = db.Batch(ctx, pool, func(q *dbgen.Queries, raw dbgen.DBTX) error {
		_, err := q.GetWorkspaceBySlug(ctx, "nope")
		return err
	})
	if !db.IsNotFound(err) {
		t.Fatalf("no row: %v", err)
	}
	err = db.Batch(ctx, pool, func(q *dbgen.Queries, raw dbgen.DBTX) error {
		_, err := raw.Exec(ctx, `SELECT 1/0`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("failing query: %v", err)
	}
}
