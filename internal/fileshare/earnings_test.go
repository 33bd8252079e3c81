package fileshare_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// TestEarnings: the overview's summary sums completed payments per
// currency (fees and net alongside) and counts this month's downloads;
// failed, refunded, pending and deleted payments, deleted shares, other
// customers' and other workspaces' payments are left out (issue 16.12).
func TestEarnings(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Now()
	empty, err := w.svc.Earnings(ctx, w.custP(), now)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("no payments: want empty, got %#v %v", empty, err)
	}

	usd := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "usd"})
	eur := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "eur"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 1000, Fee: 100, Currency: "usd"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 500, Fee: 50, Currency: "usd"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 9000, Fee: 900, Currency: "usd", Status: "failed"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 8000, Fee: 800, Currency: "usd", Status: "refunded"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 7000, Fee: 700, Currency: "usd", Status: "pending"})
	testkit.Payment(t, w.pool, usd, testkit.PaymentRow{Amount: 6000, Fee: 600, Currency: "usd", Deleted: true})
	testkit.Payment(t, w.pool, eur, testkit.PaymentRow{Amount: 2000, Fee: 300, Currency: "eur"})
	// Downloads: two this month on the usd share, one last month, one deleted.
	testkit.Download(t, w.pool, usd, 1, now.Add(-time.Minute), false)
	testkit.Download(t, w.pool, usd, 2, now, false)
	testkit.Download(t, w.pool, usd, 3, fileshare.MonthStart(now).Add(-time.Hour), false)
	testkit.Download(t, w.pool, usd, 4, now, true)

	// Excluded: a deleted share's payment, another customer's, the team's
	// and another workspace's.
	gone := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Deleted: true})
	testkit.Payment(t, w.pool, gone, testkit.PaymentRow{Amount: 5000, Currency: "usd"})
	other := testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{})
	testkit.Payment(t, w.pool, other, testkit.PaymentRow{Amount: 4000, Currency: "usd"})
	testkit.Download(t, w.pool, other, 1, now, false)
	team := testkit.FileShare(t, w.pool, w.ws, w.team, testkit.FileShareRow{})
	testkit.Payment(t, w.pool, team, testkit.PaymentRow{Amount: 3000, Currency: "usd"})
	foreign := testkit.FileShare(t, w.pool, w.ws2, w.foreign, testkit.FileShareRow{})
	testkit.Payment(t, w.pool, foreign, testkit.PaymentRow{Amount: 3500, Currency: "gbp"})

	got, err := w.svc.Earnings(ctx, w.custP(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []fileshare.Earnings{
		{Currency: "eur", PaidCents: 2000, FeeCents: 300, NetCents: 1700, DownloadsThisMonth: 0},
		{Currency: "usd", PaidCents: 1500, FeeCents: 150, NetCents: 1350, DownloadsThisMonth: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("earnings:\n got %+v\nwant %+v", got, want)
	}
	// The right customer in the wrong workspace sees nothing.
	if got, _ := w.svc.Earnings(ctx, testkit.CustomerPrincipal(w.ws2, w.cust), now); len(got) != 0 {
		t.Fatalf("workspace mismatch leaked %+v", got)
	}
}

// TestDownloadMonthCounts: the per-share, per-month download counts the
// earnings summary reads (migration 00084) stay equal to counting the live
// downloads themselves, whatever happens to them: inserted live or
// deleted, soft-deleted and restored, moved to another month or share,
// removed, or gone with their share.
func TestDownloadMonthCounts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	b := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	now := time.Now()
	lastMonth := fileshare.MonthStart(now).Add(-time.Nanosecond * 1000)
	check := func(step string) {
		t.Helper()
		var bad int
		err := w.pool.QueryRow(ctx, `
			WITH truth AS (SELECT session_id, date_trunc('month', created_at, 'UTC') AS month, count(*) AS n
			               FROM file_share_downloads WHERE deleted_at IS NULL GROUP BY 1, 2),
			     kept AS (SELECT session_id, month, downloads AS n FROM file_share_download_months WHERE downloads <> 0)
			SELECT count(*) FROM truth FULL JOIN kept USING (session_id, month)
			WHERE truth.n IS DISTINCT FROM kept.n`).Scan(&bad)
		if err != nil || bad != 0 {
			t.Fatalf("%s: %d (share, month) counts differ from the downloads: %v", step, bad, err)
		}
	}
	d1 := testkit.Download(t, w.pool, a, 1, now, false)
	testkit.Download(t, w.pool, a, 2, now, false)
	testkit.Download(t, w.pool, a, 3, lastMonth, false)
	testkit.Download(t, w.pool, a, 4, now, true)
	d5 := testkit.Download(t, w.pool, b, 1, now, false)
	check("inserted")
	exec := func(step, sql string, args ...any) {
		t.Helper()
		if _, err := w.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		check(step)
	}
	exec("soft-deleted", `UPDATE file_share_downloads SET deleted_at = now() WHERE id = $1`, d1)
	exec("restored", `UPDATE file_share_downloads SET deleted_at = NULL WHERE id = $1`, d1)
	exec("moved to last month", `UPDATE file_share_downloads SET created_at = $2 WHERE id = $1`, d1, lastMonth)
	exec("moved to the other share", `UPDATE file_share_downloads SET session_id = $2 WHERE id = $1`, d1, b)
	exec("a deleted one restored", `UPDATE file_share_downloads SET deleted_at = NULL WHERE slot_number = 4`)
	exec("an unrelated column", `UPDATE file_share_downloads SET slot_number = slot_number + 10`)
	exec("removed", `DELETE FROM file_share_downloads WHERE id = $1`, d5)
	exec("share removed", `DELETE FROM file_share_sessions WHERE id = $1`, a)
	var left int
	if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_download_months WHERE session_id = $1`, a).Scan(&left); err != nil || left != 0 {
		t.Fatalf("counts of a removed share left behind: %d %v", left, err)
	}
}

// TestEarningsCopiesFollowShares: the summary reads the customer of each
// payment and the customer and currency of each per-month download count
// (migration 00085) instead of the share's; those copies always equal the
// share's, whoever wrote the row (the fixtures leave a payment's customer
// empty), when a payment moves to another share and when a share's currency
// changes, and the summary reports this month's downloads under the share's
// current currency, as it did when it read the share.
func TestEarningsCopiesFollowShares(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Now()
	consistent := func(step string) {
		t.Helper()
		var bad int
		err := w.pool.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM file_share_payments p JOIN file_share_sessions s ON s.id = p.session_id
			        WHERE p.customer_id IS DISTINCT FROM s.customer_id)
			     + (SELECT count(*) FROM file_share_download_months m JOIN file_share_sessions s ON s.id = m.session_id
			        WHERE m.customer_id IS DISTINCT FROM s.customer_id OR m.currency IS DISTINCT FROM s.currency)`).Scan(&bad)
		if err != nil || bad != 0 {
			t.Fatalf("%s: %d rows whose customer or currency is not their share's: %v", step, bad, err)
		}
	}
	share := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Currency: "usd"})
	other := testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{Currency: "usd"})
	testkit.Payment(t, w.pool, share, testkit.PaymentRow{Amount: 1000, Fee: 100, Currency: "usd"})
	moved := testkit.Payment(t, w.pool, share, testkit.PaymentRow{Amount: 700, Fee: 70, Currency: "usd"})
	testkit.Download(t, w.pool, share, 1, now, false)
	testkit.Download(t, w.pool, other, 1, now, false)
	consistent("inserted")

	exec := func(step, sql string, args ...any) {
		t.Helper()
		if _, err := w.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		consistent(step)
	}
	exec("payment moved to another customer's share", `UPDATE file_share_payments SET session_id = $2 WHERE id = $1`, moved, other)
	exec("share's currency changed", `UPDATE file_share_sessions SET currency = 'eur' WHERE id = $1`, share)
	exec("another column changed", `UPDATE file_share_sessions SET title = 'renamed', currency = currency WHERE id = $1`, share)
	testkit.Payment(t, w.pool, share, testkit.PaymentRow{Amount: 2000, Fee: 200, Currency: "eur"})
	testkit.Download(t, w.pool, share, 2, now, false)
	consistent("after the change")

	got, err := w.svc.Earnings(ctx, w.custP(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []fileshare.Earnings{
		{Currency: "eur", PaidCents: 2000, FeeCents: 200, NetCents: 1800, DownloadsThisMonth: 2},
		{Currency: "usd", PaidCents: 1000, FeeCents: 100, NetCents: 900, DownloadsThisMonth: 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("earnings:\n got %+v\nwant %+v", got, want)
	}
	got, err = w.svc.Earnings(ctx, testkit.CustomerPrincipal(w.ws, w.other), now)
	if err != nil {
		t.Fatal(err)
	}
	want = []fileshare.Earnings{{Currency: "usd", PaidCents: 700, FeeCents: 70, NetCents: 630, DownloadsThisMonth: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the other customer's earnings:\n got %+v\nwant %+v", got, want)
	}
}
