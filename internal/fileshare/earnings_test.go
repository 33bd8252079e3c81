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
