package fileshare_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db"
	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// checkEarningsTotals compares the totals the triggers keep (migration
// 00088) with the rows they total, summed here from scratch: completed,
// live payments of live shares per share's customer and payment currency;
// live downloads of live shares per share's customer, month (UTC) and
// share currency. Totals at zero are the same as none.
func checkEarningsTotals(t *testing.T, pool *pgxpool.Pool, step string) {
	t.Helper()
	read := func(sql string) map[string]string {
		rows, err := pool.Query(context.Background(), sql)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var key, val string
			if err := rows.Scan(&key, &val); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			out[key] = val
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return out
	}
	for _, c := range []struct{ what, kept, summed string }{
		{"earnings",
			`SELECT customer_id || ' ' || currency, payments || ' ' || paid_cents || ' ' || fee_cents FROM file_share_earnings
			 WHERE payments <> 0 OR paid_cents <> 0 OR fee_cents <> 0`,
			`SELECT s.customer_id || ' ' || p.currency, count(*) || ' ' || sum(p.amount_cents) || ' ' || sum(p.platform_fee_cents)
			 FROM file_share_payments p JOIN file_share_sessions s ON s.id = p.session_id
			 WHERE p.status = 'completed' AND p.deleted_at IS NULL AND s.deleted_at IS NULL
			 GROUP BY s.customer_id, p.currency`},
		{"downloads",
			`SELECT customer_id || ' ' || to_char(month AT TIME ZONE 'UTC', 'YYYY-MM') || ' ' || currency, downloads::text
			 FROM file_share_customer_downloads WHERE downloads <> 0`,
			`SELECT s.customer_id || ' ' || to_char(date_trunc('month', d.created_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM') || ' ' || s.currency,
			        count(*)::text
			 FROM file_share_downloads d JOIN file_share_sessions s ON s.id = d.session_id
			 WHERE d.deleted_at IS NULL AND s.deleted_at IS NULL
			 GROUP BY s.customer_id, date_trunc('month', d.created_at, 'UTC'), s.currency`},
	} {
		kept, summed := read(c.kept), read(c.summed)
		if !reflect.DeepEqual(kept, summed) {
			t.Fatalf("%s: %s kept %v, summed from the rows %v", step, c.what, kept, summed)
		}
	}
}

// TestEarningsTotalsFollowWrites: the overview's earnings come from totals
// kept per customer. After every kind of write that can change them —
// payments inserted one by one and in bulk, completed, refunded, repriced,
// moved to another currency or another customer's share, deleted softly
// and for good; downloads inserted, deleted, moved to another month; a
// share deleted, restored, repriced in another currency and deleted for
// good; a customer deleted — the totals equal the rows summed from
// scratch, and the summary the service answers follows.
func TestEarningsTotalsFollowWrites(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Now()
	exec := func(step, sql string, args ...any) {
		t.Helper()
		if _, err := w.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		checkEarningsTotals(t, w.pool, step)
	}
	summary := func(step string, want []fileshare.Earnings) {
		t.Helper()
		got, err := w.svc.Earnings(ctx, w.custP(), now)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: summary %+v, want %+v", step, got, want)
		}
	}

	a := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "usd"})
	b := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "eur"})
	c := testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{Currency: "usd"})
	p1 := testkit.Payment(t, w.pool, a, testkit.PaymentRow{Amount: 1000, Fee: 100, Currency: "usd"})
	p2 := testkit.Payment(t, w.pool, a, testkit.PaymentRow{Amount: 700, Fee: 70, Currency: "usd", Status: "pending"})
	testkit.Payment(t, w.pool, b, testkit.PaymentRow{Amount: 2000, Fee: 300, Currency: "eur"})
	testkit.Payment(t, w.pool, c, testkit.PaymentRow{Amount: 4000, Currency: "usd"})
	checkEarningsTotals(t, w.pool, "single payments")
	summary("single payments", []fileshare.Earnings{
		{Currency: "eur", PaidCents: 2000, FeeCents: 300, NetCents: 1700},
		{Currency: "usd", PaidCents: 1000, FeeCents: 100, NetCents: 900},
	})

	exec("bulk payments", `INSERT INTO file_share_payments (session_id, status, amount_cents, platform_fee_cents, currency)
		SELECT $1, (ARRAY['completed','pending','refunded','failed'])[1 + g % 4], g, g / 10, 'usd' FROM generate_series(1, 400) g`, a)
	exec("pending completed", `UPDATE file_share_payments SET status = 'completed' WHERE id = $1`, p2)
	exec("completed refunded", `UPDATE file_share_payments SET status = 'refunded' WHERE id = $1`, p1)
	exec("refund undone, repriced", `UPDATE file_share_payments SET status = 'completed', amount_cents = 1200, platform_fee_cents = 120 WHERE id = $1`, p1)
	exec("payment in another currency", `UPDATE file_share_payments SET currency = 'gbp' WHERE id = $1`, p2)
	exec("payment moved to another customer's share", `UPDATE file_share_payments SET session_id = $2 WHERE id = $1`, p2, c)
	exec("payment deleted softly", `UPDATE file_share_payments SET deleted_at = now() WHERE id = $1`, p1)
	exec("payment restored", `UPDATE file_share_payments SET deleted_at = NULL WHERE id = $1`, p1)
	exec("payments deleted for good", `DELETE FROM file_share_payments WHERE session_id = $1 AND amount_cents < 100`, a)

	testkit.Download(t, w.pool, a, 1, now, false)
	testkit.Download(t, w.pool, b, 1, now, false)
	testkit.Download(t, w.pool, a, 2, now, true)
	checkEarningsTotals(t, w.pool, "single downloads")
	exec("bulk downloads", `INSERT INTO file_share_downloads (session_id, slot_number, created_at)
		SELECT CASE WHEN g % 3 = 0 THEN $2::uuid ELSE $1::uuid END, g, now() - (g % 2) * interval '40 days' FROM generate_series(1, 300) g`, a, b)
	exec("download deleted softly", `UPDATE file_share_downloads SET deleted_at = now() WHERE id = (SELECT id FROM file_share_downloads WHERE session_id = $1 AND deleted_at IS NULL LIMIT 1)`, a)
	exec("downloads moved a month back", `UPDATE file_share_downloads SET created_at = created_at - interval '31 days' WHERE session_id = $1 AND slot_number % 5 = 0`, b)
	exec("downloads deleted for good", `DELETE FROM file_share_downloads WHERE session_id = $1 AND slot_number % 7 = 0`, a)

	exec("share deleted softly", `UPDATE file_share_sessions SET deleted_at = now() WHERE id = $1`, a)
	exec("share restored", `UPDATE file_share_sessions SET deleted_at = NULL WHERE id = $1`, a)
	exec("share repriced in another currency", `UPDATE file_share_sessions SET currency = 'gbp' WHERE id = $1`, b)
	exec("share deleted for good", `DELETE FROM file_share_sessions WHERE id = $1`, c)

	var rows int
	if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_earnings WHERE customer_id = $1`, w.cust).Scan(&rows); err != nil || rows == 0 {
		t.Fatalf("before the customer is deleted: %d totals (%v)", rows, err)
	}
	exec("customer deleted", `DELETE FROM customers WHERE id = $1`, w.cust)
	if err := w.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM file_share_earnings WHERE customer_id = $1)
		+ (SELECT count(*) FROM file_share_customer_downloads WHERE customer_id = $1)`, w.cust).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("totals of a deleted customer: %d left (%v)", rows, err)
	}
}

// TestEarningsTotalsUnderConcurrentWrites: payments and downloads of one
// seller's shares written from eight connections at once, one write per
// transaction as the portal makes them: the totals still equal the rows.
func TestEarningsTotalsUnderConcurrentWrites(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	shares := []string{
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "usd"}).String(),
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "eur"}).String(),
	}
	errs := make(chan error, 8)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 30 {
				share := shares[(g+i)%2]
				var err error
				if i%2 == 0 {
					_, err = w.pool.Exec(ctx, `INSERT INTO file_share_payments (session_id, status, amount_cents, platform_fee_cents, currency)
						VALUES ($1, 'completed', $2, 1, 'usd')`, share, 100+g)
				} else {
					_, err = w.pool.Exec(ctx, `INSERT INTO file_share_downloads (session_id, slot_number) VALUES ($1, $2)`, share, i)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent writes: %v", err)
	}
	checkEarningsTotals(t, w.pool, "after concurrent writes")
}

// TestTotalsBackfilledByMigrations: rows written before migrations 00087
// and 00088 (rolled back here, the rows written under the earlier
// triggers, then migrated up again) are counted and totalled by the
// migrations themselves: deleted shares, their payments and downloads
// left out.
func TestTotalsBackfilledByMigrations(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for range 2 {
		if err := db.MigrateDown(ctx, w.pool, false); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	live := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "usd", Status: "completed"})
	gone := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "eur", Deleted: true})
	other := testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{Currency: "eur"})
	for _, s := range []uuid.UUID{live, gone, other} {
		testkit.Payment(t, w.pool, s, testkit.PaymentRow{Amount: 900, Fee: 90, Currency: "usd"})
		testkit.Payment(t, w.pool, s, testkit.PaymentRow{Amount: 500, Currency: "usd", Status: "refunded"})
		testkit.Download(t, w.pool, s, 1, now, false)
		testkit.Download(t, w.pool, s, 2, now.AddDate(0, -1, 0), false)
		testkit.Download(t, w.pool, s, 3, now, true)
	}
	if err := db.Migrate(ctx, w.pool); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, w.pool, "after migrating up")
	checkEarningsTotals(t, w.pool, "after migrating up")
	got, err := w.svc.Earnings(ctx, w.custP(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []fileshare.Earnings{{Currency: "usd", PaidCents: 900, FeeCents: 90, NetCents: 810, DownloadsThisMonth: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("summary %+v, want %+v", got, want)
	}
}
