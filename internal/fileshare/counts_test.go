package fileshare_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// countKey is one count of file_share_counts.
type countKey struct {
	customer, workspace uuid.UUID
	status              string
}

// checkCounts compares the counts the triggers keep (migration 00087) with
// the live shares counted row by row; counts at zero are the same as none.
func checkCounts(t *testing.T, pool *pgxpool.Pool, step string) {
	t.Helper()
	read := func(sql string) map[countKey]int64 {
		rows, err := pool.Query(context.Background(), sql)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		out := map[countKey]int64{}
		for rows.Next() {
			var k countKey
			var n int64
			if err := rows.Scan(&k.customer, &k.workspace, &k.status, &n); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if n != 0 {
				out[k] = n
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return out
	}
	kept := read(`SELECT customer_id, workspace_id, status, live FROM file_share_counts`)
	real := read(`SELECT customer_id, workspace_id, status, count(*) FROM file_share_sessions WHERE deleted_at IS NULL GROUP BY 1, 2, 3`)
	if !reflect.DeepEqual(kept, real) {
		t.Fatalf("%s: counts kept %v, shares counted %v", step, kept, real)
	}
}

// TestCountsFollowShares: meta.total comes from per-customer counts kept by
// triggers. After every kind of change to the shares — one insert, a bulk
// insert, a status change, a soft delete and its undoing, a deleted share
// inserted, a hard delete, a bulk delete, a whole customer deleted — the
// counts equal the live shares counted one by one, and List's total and
// the status filter's total agree with them.
func TestCountsFollowShares(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	exec := func(step, sql string, args ...any) {
		t.Helper()
		if _, err := w.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		checkCounts(t, w.pool, step)
	}
	total := func(step string, status string) {
		t.Helper()
		var want int64
		if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_sessions WHERE customer_id = $1 AND deleted_at IS NULL
			AND ($2 = '' OR status = $2)`, w.cust, status).Scan(&want); err != nil {
			t.Fatal(err)
		}
		pg, err := w.svc.List(ctx, w.custP(), fileshare.ListInput{Page: 1, Limit: 10, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if pg.Meta.Total != want {
			t.Fatalf("%s: total %d (status %q), want %d", step, pg.Meta.Total, status, want)
		}
	}

	checkCounts(t, w.pool, "empty")
	total("empty", "")
	a := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "active"})
	testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "completed"})
	testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Deleted: true})
	testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{})
	testkit.FileShare(t, w.pool, w.ws2, w.foreign, testkit.FileShareRow{})
	checkCounts(t, w.pool, "single inserts")
	total("single inserts", "")
	total("single inserts", "active")

	exec("bulk insert", `INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, deleted_at)
		SELECT $1, $2, 's' || i || md5(random()::text), 'l' || i || md5(random()::text),
		       (ARRAY['created','active','completed','expired'])[1 + i % 4], CASE WHEN i % 10 = 0 THEN now() END
		FROM generate_series(1, 500) i`, w.ws, w.cust)
	total("bulk insert", "")
	total("bulk insert", "expired")

	exec("status change", `UPDATE file_share_sessions SET status = 'expired' WHERE id = $1`, a)
	exec("download counted (no count changes)", `UPDATE file_share_sessions SET download_count = download_count + 1 WHERE customer_id = $1`, w.cust)
	exec("soft delete", `UPDATE file_share_sessions SET deleted_at = now() WHERE id = $1`, a)
	exec("deleted share changes status", `UPDATE file_share_sessions SET status = 'active' WHERE id = $1`, a)
	exec("undelete", `UPDATE file_share_sessions SET deleted_at = NULL WHERE id = $1`, a)
	exec("bulk status change", `UPDATE file_share_sessions SET status = 'destroyed' WHERE customer_id = $1 AND status = 'created'`, w.cust)
	exec("bulk soft delete", `UPDATE file_share_sessions SET deleted_at = now() WHERE customer_id = $1 AND status = 'destroyed'`, w.cust)
	exec("hard delete", `DELETE FROM file_share_sessions WHERE id = $1`, a)
	exec("bulk hard delete", `DELETE FROM file_share_sessions WHERE customer_id = $1 AND status = 'completed'`, w.cust)
	total("after deletes", "")
	total("after deletes", "expired")
	exec("customer deleted", `DELETE FROM customers WHERE id = $1`, w.cust)
	exec("workspace deleted", `DELETE FROM workspaces WHERE id = $1`, w.ws2)
	var left int64
	if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_counts WHERE customer_id IN ($1, $2)`, w.cust, w.foreign).Scan(&left); err != nil || left != 0 {
		t.Fatalf("counts of deleted customers: %d left (%v)", left, err)
	}
}

// TestCountsUnderConcurrentWrites: shares of one customer inserted, moved
// between statuses in opposite directions, deleted and restored from eight
// connections at once, one change per transaction as the portal writes
// them: no deadlock between the counts' row locks (a change takes its two
// counts in key order), and the counts still equal the live shares.
func TestCountsUnderConcurrentWrites(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	statuses := []string{"created", "active", "completed", "expired"}
	// Each connection changes shares of its own (so the shares' own row
	// locks cannot deadlock); the counts they move are shared by all.
	ids := make([][]uuid.UUID, 8)
	for i := range 40 {
		ids[i%8] = append(ids[i%8], testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: statuses[i%4]}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range 80 {
				err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
					id := ids[g][r.IntN(len(ids[g]))]
					switch r.IntN(4) {
					case 0:
						_, err := tx.Exec(ctx, `INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status)
							VALUES ($1, $2, $3, $4, $5)`, w.ws, w.cust, fmt.Sprintf("c%d-%d-%s", g, i, uuid.NewString()[:8]), uuid.NewString(), statuses[r.IntN(4)])
						if err != nil {
							return err
						}
					case 1:
						if _, err := tx.Exec(ctx, `UPDATE file_share_sessions SET deleted_at = CASE WHEN deleted_at IS NULL THEN now() END WHERE id = $1`, id); err != nil {
							return err
						}
					default:
						if _, err := tx.Exec(ctx, `UPDATE file_share_sessions SET status = $2 WHERE id = $1`, id, statuses[r.IntN(4)]); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent writes: %v", err)
	}
	checkCounts(t, w.pool, "after concurrent writes")
}
